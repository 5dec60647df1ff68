#include "store/blob_refs.h"

#include <memory>

namespace cxbridge::store {
namespace {

// How far after `"$ref"` the sha256 member may start: the reference object is small
// ({"uri":…,"sha256":…,"size":…,"contentType":…}); a long uri fits well within this.
constexpr size_t kRefWindow = 2048;
constexpr size_t kShaLen = 64;

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

void ExtractBlobRefs(std::string_view bytes, std::unordered_set<std::string>* out) {
  constexpr std::string_view kRef = "$ref";
  constexpr std::string_view kSha = "sha256";
  size_t pos = 0;
  while ((pos = bytes.find(kRef, pos)) != std::string_view::npos) {
    pos += kRef.size();
    std::string_view window = bytes.substr(pos, kRefWindow);
    size_t s = window.find(kSha);
    if (s == std::string_view::npos) continue;
    // Skip the separator between the member name and its value: `":"` or, escaped, `\":\"`,
    // with optional spaces.
    size_t v = s + kSha.size();
    while (v < window.size() && (window[v] == '"' || window[v] == '\\' || window[v] == ':' || window[v] == ' ')) ++v;
    if (v + kShaLen > window.size()) continue;
    std::string_view sha = window.substr(v, kShaLen);
    bool hex = true;
    for (char c : sha) hex = hex && IsHex(c);
    // 64 digits exactly: the next character must not be one more hex digit.
    if (hex && (v + kShaLen == window.size() || !IsHex(window[v + kShaLen]))) out->emplace(sha);
  }
}

Result<std::unordered_set<std::string>> CollectBlobRefs(Db& db) {
  std::unordered_set<std::string> refs;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // a full scan must not evict the working set
  for (rocksdb::ColumnFamilyHandle* cf : {db.events(), db.archive(), db.dlq(), db.quarantine(), db.queues()}) {
    std::unique_ptr<rocksdb::Iterator> it(db.raw()->NewIterator(ro, cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::Slice v = it->value();
      ExtractBlobRefs(std::string_view(v.data(), v.size()), &refs);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scan for blob references");
  }
  return refs;
}

}  // namespace cxbridge::store
