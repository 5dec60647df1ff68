// LocalBlobStore: the default BlobStore, a content-addressed folder on the local disk.
//
// Layout (see README.md), under the root (default <data_dir>/blobs):
//   <root>/ab/cd/<sha256>        the bytes, exactly as Put received them (so `sha256sum` of the
//                                file equals its name)
//   <root>/ab/cd/<sha256>.type   the content type, one line without newline
//   <root>/ab/cd/.tmp-*          a write in progress (or abandoned by a crash; ignored)
// where ab and cd are the first two and next two hex digits of the sha256.
// Permissions: the root and every sub-folder 0700, every file 0600 (payloads carry personal
// data: transcripts, participant attributes). Open sets the root to 0700.
//
// Durability: Put writes a temporary file, fsyncs it, renames it into place and fsyncs the
// folder (and the parents it created), so when Put returns OK the blob survives power loss.
// Thread-safety: safe from any thread; concurrent Puts of the same bytes are harmless (each
// renames an identical file over the other).
#pragma once

#include <filesystem>
#include <memory>

#include "blob/blob_store.h"

namespace cxbridge::blob {

class LocalBlobStore : public BlobStore {
 public:
  // Creates `root` (and its parents) when missing and sets it to 0700. kIOError when that fails.
  static Result<std::unique_ptr<LocalBlobStore>> Open(std::filesystem::path root);

  Result<BlobRef> Put(std::string_view bytes, std::string_view content_type) override;
  Result<Blob> Get(std::string_view sha256) override;
  Result<bool> Exists(std::string_view sha256) override;
  Status Delete(std::string_view sha256) override;
  Status ForEach(const std::function<bool(const BlobInfo&)>& fn) override;
  std::string Uri(std::string_view sha256) const override;  // file://<root>/ab/cd/<sha256>

  // Where the bytes of `sha256` live (for tests and operators).
  std::filesystem::path PathFor(std::string_view sha256) const;
  const std::filesystem::path& root() const { return root_; }

 private:
  explicit LocalBlobStore(std::filesystem::path root) : root_(std::move(root)) {}

  std::filesystem::path root_;
};

}  // namespace cxbridge::blob
