// Request generation (request.h): the event body, the HTTP request template and its HMAC-SHA256
// signatures (OpenSSL).
#include "loadgen/request.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <string_view>

namespace cxbridge::loadgen {

namespace {

class HmacSha256 {
 public:
  explicit HmacSha256(std::string_view key) {
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    ctx_ = mac_ ? EVP_MAC_CTX_new(mac_) : nullptr;
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx_ || !EVP_MAC_init(ctx_, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params))
      Die("OpenSSL HMAC-SHA256 unavailable");
  }
  ~HmacSha256() {
    EVP_MAC_CTX_free(ctx_);
    EVP_MAC_free(mac_);
  }
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // Re-initialising with a null key keeps the key schedule: ~1.5 µs per 2 KB instead of ~3.
  void Sign(std::string_view msg, unsigned char out[32]) {
    size_t len = 0;
    if (!EVP_MAC_init(ctx_, nullptr, 0, nullptr) ||
        !EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) ||
        !EVP_MAC_final(ctx_, out, &len, 32) || len != 32)
      Die("HMAC failed");
  }

 private:
  EVP_MAC* mac_ = nullptr;
  EVP_MAC_CTX* ctx_ = nullptr;
};

// A plausible contact-center event (Genesys-like field names), padded to `target` bytes. The
// eventId is "lg-<run nonce>-<12-digit sequence>", so bodies are unique within and across runs.
std::string MakeBody(size_t target, const std::string& nonce, size_t* seq_off) {
  std::string head = "{\"eventId\":\"lg-" + nonce + "-";
  const std::string tail =
      "\",\"topicName\":\"v2.detail.events.conversation.4f1c2a9e-7b3d-4c8e-9a21-0d5e6f7a8b9c.customer.end\","
      "\"version\":\"2\",\"timestamp\":\"2026-01-15T10:21:33.412Z\",\"eventBody\":{"
      "\"conversationId\":\"4f1c2a9e-7b3d-4c8e-9a21-0d5e6f7a8b9c\","
      "\"participantId\":\"a8e1b7c2-33d4-4f5e-8a6b-7c8d9e0f1a2b\","
      "\"sessionId\":\"c0ffee00-1234-4abc-9def-0123456789ab\",\"mediaType\":\"VOICE\","
      "\"direction\":\"INBOUND\",\"ani\":\"tel:+15555550100\",\"dnis\":\"tel:+15555550199\","
      "\"queueId\":\"2b3c4d5e-6f70-4182-93a4-b5c6d7e8f901\",\"divisionId\":\"*\","
      "\"disconnectType\":\"CLIENT\",\"connectedTime\":\"2026-01-15T10:15:02.118Z\","
      "\"endTime\":\"2026-01-15T10:21:33.400Z\",\"wrapupCode\":\"SALE\","
      "\"attributes\":{\"crmId\":\"CUST-0042-7781\",\"language\":\"en-US\",\"priority\":\"2\"},"
      "\"notes\":\"";
  const std::string end = "\"}}";
  *seq_off = head.size();
  std::string body = head + std::string(kSeqDigits, '0') + tail;
  const size_t fixed = body.size() + end.size();
  if (target > fixed) {
    static constexpr char kWords[] = "customer called about an order and was transferred to billing ";
    for (size_t i = 0; body.size() + end.size() < target; ++i) body.push_back(kWords[i % (sizeof kWords - 1)]);
  }
  return body + end;
}

}  // namespace

std::string RandomNonce() {
  std::random_device rd;
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", unsigned(rd()));
  return buf;
}

RequestTemplate MakeTemplate(const Options& o, const std::string& nonce) {
  RequestTemplate t;
  size_t body_seq_off = 0;
  const std::string body = MakeBody(o.body_bytes, nonce, &body_seq_off);
  std::string& r = t.bytes;
  r = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
      "\r\nUser-Agent: cxbridge-loadgen\r\nContent-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n";
  if (!o.secret.empty()) {
    t.sig_len = o.sig_prefix.size() + (o.encoding == "hex" ? 64 : 44);
    r += o.header + ": ";
    t.sig_off = r.size();
    r += std::string(t.sig_len, '=');
    r += "\r\n";
  }
  r += "\r\n";
  t.body_off = r.size();
  t.body_len = body.size();
  t.seq_off = t.body_off + body_seq_off;
  r += body;
  return t;
}

// Signatures for sequence numbers [0, count), sig_len bytes each, back to back.
std::vector<char> MakeSignatures(const Options& o, RequestTemplate t, uint64_t count) {
  std::vector<char> sigs;
  if (t.sig_len == 0) return sigs;
  sigs.resize(count * t.sig_len);
  HmacSha256 hmac(o.secret);
  unsigned char mac[32];
  unsigned char enc[80];
  static constexpr char kHex[] = "0123456789abcdef";
  for (uint64_t s = 0; s < count; ++s) {
    WriteSeq(&t.bytes[t.seq_off], s);
    hmac.Sign(std::string_view(t.bytes).substr(t.body_off, t.body_len), mac);
    char* out = &sigs[s * t.sig_len];
    std::memcpy(out, o.sig_prefix.data(), o.sig_prefix.size());
    out += o.sig_prefix.size();
    if (o.encoding == "hex") {
      for (int i = 0; i < 32; ++i) {
        out[2 * i] = kHex[mac[i] >> 4];
        out[2 * i + 1] = kHex[mac[i] & 15];
      }
    } else {
      EVP_EncodeBlock(enc, mac, 32);  // 44 characters + NUL
      std::memcpy(out, enc, 44);
    }
  }
  return sigs;
}

}  // namespace cxbridge::loadgen
