#include "blob/local_blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "blob/blob_store_registry.h"
#include "common/encoding.h"

namespace cxbridge::blob {
namespace fs = std::filesystem;
namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr std::string_view kTypeSuffix = ".type";

std::string Errno(std::string_view what, const fs::path& p) {
  return std::string(what) + " " + p.string() + ": " + std::strerror(errno);
}

Status FsyncPath(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError(Errno("open", p));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::IOError(Errno("fsync", p));
  return Status::Ok();
}

// mkdir 0700; *created tells the caller that the parent must be fsynced for the entry to last.
Status MakeDir(const fs::path& p, bool* created) {
  *created = false;
  if (::mkdir(p.c_str(), kDirMode) == 0) {
    *created = true;
    return Status::Ok();
  }
  if (errno == EEXIST) return Status::Ok();
  return Status::IOError(Errno("mkdir", p));
}

Status WriteAll(int fd, std::string_view bytes, const fs::path& p) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(Errno("write", p));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Writes `bytes` to `dir/.tmp-…`, fsyncs it and renames it to `dir/name`. The caller fsyncs dir.
Status WriteFileAtomically(const fs::path& dir, const std::string& name, std::string_view bytes) {
  fs::path tmp = dir / (".tmp-" + name + "-" + HexEncode(RandomBytes(8)));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (fd < 0) return Status::IOError(Errno("create", tmp));
  Status st = WriteAll(fd, bytes, tmp);
  // fsync before rename: otherwise a crash can leave the new name pointing at an empty file.
  if (st.ok() && ::fsync(fd) != 0) st = Status::IOError(Errno("fsync", tmp));
  if (::close(fd) != 0 && st.ok()) st = Status::IOError(Errno("close", tmp));
  if (st.ok() && ::rename(tmp.c_str(), (dir / name).c_str()) != 0) {
    st = Status::IOError(Errno("rename", tmp));
  }
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

Result<std::string> ReadFile(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no blob " + p.filename().string());
    return Status::IOError(Errno("open", p));
  }
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) out.reserve(static_cast<size_t>(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Status::IOError(Errno("read", p));
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status CheckName(std::string_view sha256) {
  if (!IsSha256Hex(sha256)) {
    return Status::InvalidArgument("blob name must be 64 lower-case hex digits");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<LocalBlobStore>> LocalBlobStore::Open(fs::path root) {
  if (root.empty()) return Status::InvalidArgument("blob store path is empty");
  root = fs::absolute(root).lexically_normal();
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::IOError("create " + root.string() + ": " + ec.message());
  if (::chmod(root.c_str(), kDirMode) != 0) return Status::IOError(Errno("chmod", root));
  return std::unique_ptr<LocalBlobStore>(new LocalBlobStore(std::move(root)));
}

fs::path LocalBlobStore::PathFor(std::string_view sha256) const {
  std::string s(sha256);
  return root_ / s.substr(0, 2) / s.substr(2, 2) / s;
}

std::string LocalBlobStore::Uri(std::string_view sha256) const {
  return "file://" + PathFor(sha256).string();
}

Result<BlobRef> LocalBlobStore::Put(std::string_view bytes, std::string_view content_type) {
  BlobRef ref;
  ref.sha256 = Sha256Hex(bytes);
  ref.size = bytes.size();
  ref.content_type = content_type.empty() ? std::string(kDefaultContentType)
                                          : std::string(content_type);
  ref.uri = Uri(ref.sha256);
  if (ref.content_type.find_first_of("\r\n") != std::string::npos) {
    return Status::InvalidArgument("content type must be one line");
  }

  fs::path file = PathFor(ref.sha256);
  fs::path dir = file.parent_path();
  bool created1 = false, created2 = false;
  CXB_RETURN_IF_ERROR(MakeDir(dir.parent_path(), &created1));
  CXB_RETURN_IF_ERROR(MakeDir(dir, &created2));

  // Already stored with the right size: keep the first content type. Still fsync the folder: a
  // previous Put may have renamed the file and then failed its own folder fsync, in which case
  // the entry is visible now but not yet durable.
  struct stat st {};
  bool present = ::stat(file.c_str(), &st) == 0 && static_cast<uint64_t>(st.st_size) == ref.size;
  if (present) {
    Result<std::string> type = ReadFile(file.string() + std::string(kTypeSuffix));
    if (type.ok()) ref.content_type = *type;
    // Refresh the modification time: retention's grace period (retention.h) protects blobs
    // written recently, and this one is about to be referenced by a new, not yet logged event.
    if (::utimensat(AT_FDCWD, file.c_str(), nullptr, 0) != 0) {
      return Status::IOError(Errno("touch", file));
    }
  } else {
    // The type file first: a visible blob always has its type beside it.
    CXB_RETURN_IF_ERROR(
        WriteFileAtomically(dir, ref.sha256 + std::string(kTypeSuffix), ref.content_type));
    CXB_RETURN_IF_ERROR(WriteFileAtomically(dir, ref.sha256, bytes));
  }
  // When an fsync of a folder fails we cannot know whether the rename is on disk: report
  // kIOError so the caller does not acknowledge an event that references this blob.
  CXB_RETURN_IF_ERROR(FsyncPath(dir));
  if (created2) CXB_RETURN_IF_ERROR(FsyncPath(dir.parent_path()));
  if (created1) CXB_RETURN_IF_ERROR(FsyncPath(root_));
  return ref;
}

Result<Blob> LocalBlobStore::Get(std::string_view sha256) {
  CXB_RETURN_IF_ERROR(CheckName(sha256));
  fs::path file = PathFor(sha256);
  Result<std::string> bytes = ReadFile(file);
  if (!bytes.ok()) return bytes.status();
  if (Sha256Hex(*bytes) != sha256) {
    return Status::Corruption("blob " + std::string(sha256) + " does not match its hash (" +
                              file.string() + ")");
  }
  Blob blob;
  blob.bytes = std::move(*bytes);
  Result<std::string> type = ReadFile(file.string() + std::string(kTypeSuffix));
  blob.content_type = type.ok() ? std::move(*type) : std::string(kDefaultContentType);
  return blob;
}

Result<bool> LocalBlobStore::Exists(std::string_view sha256) {
  CXB_RETURN_IF_ERROR(CheckName(sha256));
  fs::path file = PathFor(sha256);
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return Status::IOError(Errno("stat", file));
}

Status LocalBlobStore::Delete(std::string_view sha256) {
  CXB_RETURN_IF_ERROR(CheckName(sha256));
  fs::path file = PathFor(sha256);
  bool removed = false;
  for (const fs::path& p : {file, fs::path(file.string() + std::string(kTypeSuffix))}) {
    if (::unlink(p.c_str()) == 0) {
      removed = true;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      return Status::IOError(Errno("unlink", p));
    }
  }
  if (removed) CXB_RETURN_IF_ERROR(FsyncPath(file.parent_path()));
  return Status::Ok();
}

Status LocalBlobStore::ForEach(const std::function<bool(const BlobInfo&)>& fn) {
  // Two fixed levels of two hex digits each; anything else in the tree is not ours and is skipped.
  auto is_hex2 = [](const std::string& n) {
    return n.size() == 2 && IsSha256Hex(n + std::string(62, '0'));
  };
  std::error_code ec;
  for (fs::directory_iterator l1(root_, ec), end; !ec && l1 != end; l1.increment(ec)) {
    std::string n1 = l1->path().filename().string();
    if (!is_hex2(n1)) continue;
    std::error_code ec2;
    for (fs::directory_iterator l2(l1->path(), ec2); !ec2 && l2 != end; l2.increment(ec2)) {
      std::string n2 = l2->path().filename().string();
      if (!is_hex2(n2)) continue;
      std::error_code ec3;
      for (fs::directory_iterator f(l2->path(), ec3); !ec3 && f != end; f.increment(ec3)) {
        std::string name = f->path().filename().string();
        if (!IsSha256Hex(name) || name.compare(0, 2, n1) != 0 || name.compare(2, 2, n2) != 0) {
          continue;
        }
        struct stat st {};
        if (::stat(f->path().c_str(), &st) != 0) continue;  // deleted meanwhile
        BlobInfo info;
        info.sha256 = name;
        info.size = static_cast<uint64_t>(st.st_size);
        info.modified_ms = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 +
                           st.st_mtim.tv_nsec / 1'000'000;
        if (!fn(info)) return Status::Ok();
      }
      if (ec3) return Status::IOError("list " + l2->path().string() + ": " + ec3.message());
    }
    if (ec2) return Status::IOError("list " + l1->path().string() + ": " + ec2.message());
  }
  if (ec) return Status::IOError("list " + root_.string() + ": " + ec.message());
  return Status::Ok();
}

}  // namespace cxbridge::blob

// Factory (blob_store_registry.h): {type: local, path: <dir>}; path defaults to <data_dir>/blobs.

namespace cxbridge::blob {

Result<std::shared_ptr<BlobStore>> LocalBlobStoreFromConfig(const json::Value& config,
                                                            const StoreContext& ctx) {
  CXB_RETURN_IF_ERROR(CheckKnownKeys(config, {"type", "path"}, "store"));
  fs::path root;
  if (const json::Value* p = config.Find("path"); p != nullptr) {
    if (!p->is_string() || p->as_string().empty()) {
      return Status::InvalidArgument("store.path: must be a non-empty string");
    }
    root = p->as_string();
  } else {
    if (ctx.data_dir.empty()) {
      return Status::InvalidArgument("store.path: required when the server has no data_dir");
    }
    root = ctx.data_dir / "blobs";
  }
  if (ctx.validate_only) return std::shared_ptr<BlobStore>();
  Result<std::unique_ptr<LocalBlobStore>> store = LocalBlobStore::Open(root);
  if (!store.ok()) return store.status();
  return std::shared_ptr<BlobStore>(std::move(*store));
}

}  // namespace cxbridge::blob
