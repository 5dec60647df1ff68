#include "ingest/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>

#include <cstdlib>

namespace cxbridge::ingest {

namespace {

// The HMAC implementation, fetched once per process (fetching per call costs a provider lookup).
EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

// Pool bound: beyond this many idle contexts (more than the I/O threads ever use at once) the
// extra ones are freed rather than kept.
constexpr size_t kMaxIdle = 64;

}  // namespace

struct HmacSha256Key::Ctx {
  EVP_MAC_CTX* mac = nullptr;  // keyed; nullptr when OpenSSL refused (fallback: one-shot HMAC)
};

HmacSha256Key::HmacSha256Key(std::string key) : key_(std::move(key)) {}

HmacSha256Key::~HmacSha256Key() {
  for (Ctx* c : free_) {
    EVP_MAC_CTX_free(c->mac);
    delete c;
  }
  OPENSSL_cleanse(key_.data(), key_.size());
}

HmacSha256Key::Ctx* HmacSha256Key::Acquire() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_.empty()) {
      Ctx* c = free_.back();
      free_.pop_back();
      return c;
    }
  }
  auto* c = new Ctx;
  if (EVP_MAC* alg = HmacAlgorithm(); alg != nullptr) {
    c->mac = EVP_MAC_CTX_new(alg);
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (c->mac != nullptr &&
        EVP_MAC_init(c->mac, reinterpret_cast<const unsigned char*>(key_.data()), key_.size(),
                     params) != 1) {
      EVP_MAC_CTX_free(c->mac);
      c->mac = nullptr;
    }
  }
  return c;
}

void HmacSha256Key::Release(Ctx* c) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < kMaxIdle) {
      free_.push_back(c);
      return;
    }
  }
  EVP_MAC_CTX_free(c->mac);
  delete c;
}

void HmacSha256Key::Compute(std::initializer_list<std::string_view> parts,
                            unsigned char out[kDigestBytes]) const {
  Ctx* c = Acquire();
  bool done = false;
  if (c->mac != nullptr && EVP_MAC_init(c->mac, nullptr, 0, nullptr) == 1) {
    done = true;
    for (std::string_view p : parts) {
      if (EVP_MAC_update(c->mac, reinterpret_cast<const unsigned char*>(p.data()), p.size()) != 1) {
        done = false;
        break;
      }
    }
    size_t len = 0;
    done = done && EVP_MAC_final(c->mac, out, &len, kDigestBytes) == 1 && len == kDigestBytes;
  }
  if (!done) {
    // Slow path: a context OpenSSL would not (re)initialise. Same result, one-shot API.
    std::string data;
    for (std::string_view p : parts) data.append(p);
    unsigned int len = 0;
    HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  }
  Release(c);
}

std::string HmacSha256Key::Compute(std::string_view data) const {
  unsigned char out[kDigestBytes];
  Compute({data}, out);
  return std::string(reinterpret_cast<const char*>(out), kDigestBytes);
}

bool HmacSha256Key::Matches(std::initializer_list<std::string_view> parts,
                            std::string_view expected) const {
  unsigned char out[kDigestBytes];
  Compute(parts, out);
  // The length of a digest is public; only the content comparison must be constant-time.
  if (expected.size() != kDigestBytes) return false;
  return CRYPTO_memcmp(out, expected.data(), kDigestBytes) == 0;
}

}  // namespace cxbridge::ingest
