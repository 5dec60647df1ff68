#include "api/sigv4.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <vector>

#include "common/encoding.h"

namespace cxbridge::api {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Header value as canonicalized by SigV4: trimmed, inner runs of spaces collapsed to one.
std::string CanonicalValue(std::string_view v) {
  v = Trim(v);
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (Unreserved(c) || (keep_slash && c == '/')) {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = HexDecode(s.substr(i + 1, 2));
      if (hex) {
        out += *hex;
        i += 2;
        continue;
      }
    }
    out += s[i] == '+' ? ' ' : s[i];
  }
  return out;
}

std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    size_t amp = query.find('&', pos);
    std::string_view part = query.substr(pos, amp == std::string_view::npos ? query.npos : amp - pos);
    if (!part.empty()) {
      size_t eq = part.find('=');
      std::string k = UriDecode(part.substr(0, eq));
      std::string v = eq == std::string_view::npos ? "" : UriDecode(part.substr(eq + 1));
      params.emplace_back(UriEncode(k, false), UriEncode(v, false));
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k + "=" + v;
  }
  return out;
}

// "20261128T072210Z" → unix ms.
std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  for (size_t i = 0; i < 15; ++i)
    if (i != 8 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
  auto num = [&](size_t at, size_t n) { return std::stoi(std::string(s.substr(at, n))); };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

std::string FormatAmzDate(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

struct ParsedAuthorization {
  std::string access_key, date, region, service, scope, signed_headers, signature;
};

std::optional<ParsedAuthorization> ParseAuthorization(std::string_view h, std::string* why) {
  constexpr std::string_view kAlgo = "AWS4-HMAC-SHA256";
  h = Trim(h);
  if (h.substr(0, kAlgo.size()) != kAlgo) {
    *why = "Unsupported authorization type. Only AWS4-HMAC-SHA256 is supported.";
    return std::nullopt;
  }
  h.remove_prefix(kAlgo.size());
  ParsedAuthorization p;
  std::string credential;
  while (!h.empty()) {
    size_t comma = h.find(',');
    std::string_view part = Trim(h.substr(0, comma));
    h = comma == std::string_view::npos ? std::string_view() : h.substr(comma + 1);
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view k = Trim(part.substr(0, eq)), v = Trim(part.substr(eq + 1));
    if (k == "Credential") credential = v;
    else if (k == "SignedHeaders") p.signed_headers = v;
    else if (k == "Signature") p.signature = v;
  }
  std::string missing;
  if (credential.empty()) missing += "Authorization header requires 'Credential' parameter. ";
  if (p.signature.empty()) missing += "Authorization header requires 'Signature' parameter. ";
  if (p.signed_headers.empty()) missing += "Authorization header requires 'SignedHeaders' parameter. ";
  if (!missing.empty()) {
    missing.pop_back();
    *why = missing;
    return std::nullopt;
  }
  // AKID/yyyymmdd/region/service/aws4_request
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= credential.size(); ++i) {
    if (i == credential.size() || credential[i] == '/') {
      parts.push_back(credential.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 5 || parts[4] != "aws4_request") {
    *why = "Credential should be scoped to a valid region. ";
    return std::nullopt;
  }
  p.access_key = parts[0];
  p.date = parts[1];
  p.region = parts[2];
  p.service = parts[3];
  p.scope = parts[1] + "/" + parts[2] + "/" + parts[3] + "/aws4_request";
  return p;
}

}  // namespace

const char* AuthErrorType(AuthOutcome outcome) {
  switch (outcome) {
    case AuthOutcome::kOk: return "";
    case AuthOutcome::kMissingToken: return "MissingAuthenticationTokenException";
    case AuthOutcome::kIncomplete: return "IncompleteSignatureException";
    case AuthOutcome::kUnknownAccessKey: return "UnrecognizedClientException";
    case AuthOutcome::kBadSignature: return "InvalidSignatureException";
    case AuthOutcome::kExpired: return "InvalidSignatureException";
  }
  return "";
}

std::string SigV4Verifier::Sign(const http::Request& req, const std::string& secret,
                                const std::string& amz_date, const std::string& scope,
                                const std::string& signed_headers) {
  std::string canonical = req.method + "\n";
  canonical += UriEncode(UriDecode(req.path.empty() ? "/" : req.path), true) + "\n";
  canonical += CanonicalQuery(req.query) + "\n";
  size_t start = 0;
  while (start <= signed_headers.size()) {
    size_t semi = signed_headers.find(';', start);
    std::string name = signed_headers.substr(start, semi == std::string::npos ? semi : semi - start);
    std::string joined;
    bool first = true;
    for (const auto& [k, v] : req.headers) {
      if (!http::EqualsIgnoreCase(k, name)) continue;
      if (!first) joined += ',';
      joined += CanonicalValue(v);
      first = false;
    }
    canonical += Lower(name) + ":" + joined + "\n";
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  canonical += "\n" + signed_headers + "\n" + Sha256Hex(req.body);

  std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
  // scope = date/region/service/aws4_request
  std::vector<std::string> parts;
  size_t s = 0;
  for (size_t i = 0; i <= scope.size(); ++i) {
    if (i == scope.size() || scope[i] == '/') {
      parts.push_back(scope.substr(s, i - s));
      s = i + 1;
    }
  }
  std::string key = "AWS4" + secret;
  for (const auto& p : parts) key = HmacSha256(key, p);
  return HexEncode(HmacSha256(key, to_sign));
}

AuthResult SigV4Verifier::Verify(const http::Request& req, int64_t now_ms) const {
  AuthResult r;
  if (keys_.empty()) return r;
  auto auth = req.Header("Authorization");
  if (!auth) {
    r.outcome = AuthOutcome::kMissingToken;
    r.message = "Missing Authentication Token";
    return r;
  }
  std::string why;
  auto parsed = ParseAuthorization(*auth, &why);
  if (!parsed) {
    r.outcome = AuthOutcome::kIncomplete;
    r.message = why;
    return r;
  }
  r.access_key = parsed->access_key;
  r.region = parsed->region;
  auto it = keys_.find(parsed->access_key);
  if (it == keys_.end()) {
    r.outcome = AuthOutcome::kUnknownAccessKey;
    r.message = "The security token included in the request is invalid.";
    return r;
  }
  auto date_header = req.Header("X-Amz-Date");
  std::optional<int64_t> signed_ms = date_header ? ParseAmzDate(Trim(*date_header)) : std::nullopt;
  if (!signed_ms) {
    r.outcome = AuthOutcome::kIncomplete;
    r.message = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                "Authorization=" + std::string(*auth);
    return r;
  }
  std::string amz_date(Trim(*date_header));
  if (parsed->service != service_) {
    r.outcome = AuthOutcome::kBadSignature;
    r.message = "Credential should be scoped to correct service: '" + service_ + "'. ";
    return r;
  }
  if (parsed->date != amz_date.substr(0, 8)) {
    r.outcome = AuthOutcome::kBadSignature;
    r.message = "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
                parsed->date + "' != '" + amz_date.substr(0, 8) + "', from '" + amz_date + "'.";
    return r;
  }
  if (*signed_ms < now_ms - max_skew_ms_) {
    r.outcome = AuthOutcome::kExpired;
    r.message = "Signature expired: " + amz_date + " is now earlier than " +
                FormatAmzDate(now_ms - max_skew_ms_) + " (" + FormatAmzDate(now_ms) + " - " +
                std::to_string(max_skew_ms_ / 60000) + " min.)";
    return r;
  }
  if (*signed_ms > now_ms + max_skew_ms_) {
    r.outcome = AuthOutcome::kExpired;
    r.message = "Signature not yet current: " + amz_date + " is still later than " +
                FormatAmzDate(now_ms + max_skew_ms_) + " (" + FormatAmzDate(now_ms) + " + " +
                std::to_string(max_skew_ms_ / 60000) + " min.)";
    return r;
  }
  // SignedHeaders must cover host (SigV4 requires it); names are lower case, ';'-separated.
  std::string sh = parsed->signed_headers;
  if ((";" + sh + ";").find(";host;") == std::string::npos) {
    r.outcome = AuthOutcome::kBadSignature;
    r.message = "'Host' must be a 'SignedHeader' in the AWS Authorization.";
    return r;
  }
  std::string expected = Sign(req, it->second, amz_date, parsed->scope, parsed->signed_headers);
  if (!ConstantTimeEquals(expected, Lower(parsed->signature))) {
    r.outcome = AuthOutcome::kBadSignature;
    r.message =
        "The request signature we calculated does not match the signature you provided. Check your AWS "
        "Secret Access Key and signing method. Consult the service documentation for details.";
    return r;
  }
  return r;
}

}  // namespace cxbridge::api
