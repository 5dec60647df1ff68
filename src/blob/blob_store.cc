#include "blob/blob_store.h"

#include <cstdint>

namespace cxbridge::blob {

bool IsSha256Hex(std::string_view s) {
  if (s.size() != kSha256HexLength) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

json::Value BlobRef::ToJson() const {
  return json::Value::Object({
      {"uri", json::Value::String(uri)},
      {"sha256", json::Value::String(sha256)},
      {"size", json::Value::Int(static_cast<int64_t>(size))},
      {"contentType", json::Value::String(content_type)},
  });
}

Result<BlobRef> BlobRef::FromJson(const json::Value& v) {
  if (!v.is_object()) return Status::InvalidArgument("blob reference must be an object");
  BlobRef ref;
  const json::Value* sha = v.Find("sha256");
  if (sha == nullptr || !sha->is_string() || !IsSha256Hex(sha->as_string())) {
    return Status::InvalidArgument("blob reference: sha256 must be 64 lower-case hex digits");
  }
  ref.sha256 = sha->as_string();
  const json::Value* size = v.Find("size");
  int64_t n = 0;
  if (size == nullptr || !size->is_number() || !size->as_int64(&n) || n < 0) {
    return Status::InvalidArgument("blob reference: size must be a non-negative integer");
  }
  ref.size = static_cast<uint64_t>(n);
  if (const json::Value* uri = v.Find("uri"); uri != nullptr) {
    if (!uri->is_string()) return Status::InvalidArgument("blob reference: uri must be a string");
    ref.uri = uri->as_string();
  }
  if (const json::Value* ct = v.Find("contentType"); ct != nullptr) {
    if (!ct->is_string()) {
      return Status::InvalidArgument("blob reference: contentType must be a string");
    }
    ref.content_type = ct->as_string();
  }
  return ref;
}

Result<std::vector<BlobInfo>> BlobStore::List() {
  std::vector<BlobInfo> out;
  Status st = ForEach([&](const BlobInfo& info) {
    out.push_back(info);
    return true;
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace cxbridge::blob
