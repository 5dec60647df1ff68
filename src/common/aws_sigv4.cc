#include "common/aws_sigv4.h"

#include <algorithm>
#include <ctime>
#include <map>

#include "common/encoding.h"

namespace cxbridge::aws {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  if (b == std::string::npos) return "";
  // Sequential spaces inside a value collapse to one (SigV4 canonical headers).
  std::string out;
  bool space = false;
  for (size_t i = b; i <= e; ++i) {
    if (s[i] == ' ') {
      if (!space) out.push_back(' ');
      space = true;
    } else {
      out.push_back(s[i]);
      space = false;
    }
  }
  return out;
}

// RFC 3986 unreserved characters stay; everything else is %XX (upper-case hex).
std::string UriEncode(std::string_view s, bool keep_slash) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

struct UrlParts {
  std::string host, path, query;
};

UrlParts SplitUrl(const std::string& url) {
  UrlParts p;
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t slash = url.find('/', start);
  p.host = url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  std::string rest = slash == std::string::npos ? "/" : url.substr(slash);
  size_t q = rest.find('?');
  p.path = rest.substr(0, q);
  if (q != std::string::npos) p.query = rest.substr(q + 1);
  // The default port is not part of Host as clients send it.
  bool https = url.starts_with("https://");
  if ((https && p.host.ends_with(":443")) || (!https && p.host.ends_with(":80"))) {
    p.host = p.host.substr(0, p.host.rfind(':'));
  }
  return p;
}

std::string CanonicalQuery(const std::string& query) {
  if (query.empty()) return "";
  std::vector<std::pair<std::string, std::string>> params;
  size_t i = 0;
  while (i <= query.size()) {
    size_t amp = query.find('&', i);
    std::string kv = query.substr(i, amp == std::string::npos ? std::string::npos : amp - i);
    size_t eq = kv.find('=');
    params.emplace_back(UriEncode(kv.substr(0, eq), false),
                        eq == std::string::npos ? "" : UriEncode(kv.substr(eq + 1), false));
    if (amp == std::string::npos) break;
    i = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

}  // namespace

std::string AmzDate(int64_t now_ms) {
  time_t t = static_cast<time_t>(now_ms / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[17];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string CanonicalRequest(const SignInput& in, const std::vector<std::pair<std::string, std::string>>& all_headers,
                             std::string* signed_headers) {
  UrlParts u = SplitUrl(in.url);
  std::map<std::string, std::string> headers;
  for (const auto& [k, v] : all_headers) {
    std::string name = Lower(k);
    auto it = headers.find(name);
    if (it == headers.end()) {
      headers[name] = Trim(v);
    } else {
      it->second += "," + Trim(v);
    }
  }
  std::string canon_headers;
  signed_headers->clear();
  for (const auto& [k, v] : headers) {
    canon_headers += k + ":" + v + "\n";
    if (!signed_headers->empty()) signed_headers->push_back(';');
    *signed_headers += k;
  }
  return in.method + "\n" + UriEncode(u.path.empty() ? "/" : u.path, true) + "\n" + CanonicalQuery(u.query) + "\n" +
         canon_headers + "\n" + *signed_headers + "\n" + Sha256Hex(in.body);
}

std::vector<std::pair<std::string, std::string>> SignV4(const SignInput& in, const AwsCredentials& creds) {
  std::string amz_date = AmzDate(in.now_ms);
  std::string date = amz_date.substr(0, 8);
  std::vector<std::pair<std::string, std::string>> added = {{"Host", SplitUrl(in.url).host}, {"X-Amz-Date", amz_date}};
  if (!creds.session_token.empty()) added.emplace_back("X-Amz-Security-Token", creds.session_token);
  std::vector<std::pair<std::string, std::string>> all = in.headers;
  all.insert(all.end(), added.begin(), added.end());
  std::string signed_headers;
  std::string canonical = CanonicalRequest(in, all, &signed_headers);
  std::string scope = date + "/" + in.region + "/" + in.service + "/aws4_request";
  std::string to_sign = "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + Sha256Hex(canonical);
  std::string k = HmacSha256("AWS4" + creds.secret_access_key, date);
  k = HmacSha256(k, in.region);
  k = HmacSha256(k, in.service);
  k = HmacSha256(k, "aws4_request");
  std::string signature = HexEncode(HmacSha256(k, to_sign));
  added.emplace_back("Authorization", "AWS4-HMAC-SHA256 Credential=" + creds.access_key_id + "/" + scope +
                                          ", SignedHeaders=" + signed_headers + ", Signature=" + signature);
  return added;
}

}  // namespace cxbridge::aws
