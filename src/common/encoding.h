// Byte encodings and hashes used across modules: base64, hex, SHA-256, HMAC-SHA256,
// constant-time comparison. Stateless functions; safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cxbridge {

std::string Base64Encode(std::string_view bytes);
// Accepts standard and URL-safe alphabets, with or without padding. nullopt on bad input.
std::optional<std::string> Base64Decode(std::string_view text);
std::string HexEncode(std::string_view bytes);  // lower case
std::optional<std::string> HexDecode(std::string_view text);

std::string Sha256(std::string_view data);      // 32 raw bytes
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 raw bytes

// Compares in time that depends only on the lengths (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Random bytes from the OS CSPRNG.
std::string RandomBytes(size_t n);

}  // namespace cxbridge
