#include "queue/md5.h"

#include <openssl/evp.h>

#include <algorithm>
#include <vector>

#include "common/encoding.h"

namespace cxbridge::queue {
namespace {

void PutLengthPrefixed(std::string* out, std::string_view s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((n >> (i * 8)) & 0xff));
  out->append(s);
}

}  // namespace

std::string Md5Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_md5(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), len));
}

std::string MessageAttributesMd5(const json::Value& attributes) {
  if (!attributes.is_object() || attributes.members().empty()) return "";
  std::vector<const json::Member*> sorted;
  for (const auto& m : attributes.members()) sorted.push_back(&m);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::string buf;
  for (const json::Member* m : sorted) {
    const json::Value* type = m->second.Find("DataType");
    std::string data_type = type && type->is_string() ? type->as_string() : "";
    PutLengthPrefixed(&buf, m->first);
    PutLengthPrefixed(&buf, data_type);
    if (const json::Value* b = m->second.Find("BinaryValue"); b && b->is_string()) {
      buf.push_back(2);
      PutLengthPrefixed(&buf, Base64Decode(b->as_string()).value_or(""));
    } else {
      const json::Value* s = m->second.Find("StringValue");
      buf.push_back(1);
      PutLengthPrefixed(&buf, s && s->is_string() ? s->as_string() : "");
    }
  }
  return Md5Hex(buf);
}

}  // namespace cxbridge::queue
