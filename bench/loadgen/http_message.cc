// HTTP/1.1 message framing (http_message.h).
#include "loadgen/http_message.h"

#include <cctype>
#include <cstdint>

namespace cxbridge::loadgen {

namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

bool IContains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    if (IEquals(hay.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

// `chunked_body`, when given, receives the decoded body of a chunked message.
Frame ParseMessage(const char* data, size_t n, bool response, Message* m,
                   std::string* chunked_body) {
  std::string_view buf(data, n);
  const size_t hend = buf.find("\r\n\r\n");
  if (hend == std::string_view::npos) {
    return n > kMaxHeaderBytes ? Frame::kMalformed : Frame::kIncomplete;
  }
  *m = Message{};
  const size_t eol = buf.find("\r\n");
  std::string_view first = buf.substr(0, eol);
  bool http10 = false;
  if (response) {
    if (first.size() < 12 || first.substr(0, 7) != "HTTP/1." || first[8] != ' ') return Frame::kMalformed;
    http10 = first[7] == '0';
    for (size_t i = 9; i < 12; ++i) {
      if (first[i] < '0' || first[i] > '9') return Frame::kMalformed;
      m->status = m->status * 10 + (first[i] - '0');
    }
  } else {
    const size_t sp1 = first.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : first.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos) return Frame::kMalformed;
    m->method = first.substr(0, sp1);
    m->target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    http10 = first.substr(sp2 + 1) == "HTTP/1.0";
  }
  bool has_length = false, keep_alive = false;
  uint64_t length = 0;
  for (size_t pos = eol + 2; pos < hend;) {
    const size_t e = buf.find("\r\n", pos);
    std::string_view line = buf.substr(pos, e - pos);
    pos = e + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Frame::kMalformed;
    std::string_view name = line.substr(0, colon), value = Trim(line.substr(colon + 1));
    if (IEquals(name, "content-length")) {
      if (value.empty() || value.size() > 15) return Frame::kMalformed;
      length = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return Frame::kMalformed;
        length = length * 10 + uint64_t(c - '0');
      }
      has_length = true;
    } else if (IEquals(name, "transfer-encoding")) {
      if (IContains(value, "chunked")) m->chunked = true;
    } else if (IEquals(name, "connection")) {
      if (IContains(value, "close")) m->close = true;
      if (IContains(value, "keep-alive")) keep_alive = true;
    }
  }
  if (http10 && !keep_alive) m->close = true;
  const size_t body = hend + 4;
  m->body_off = body;
  if (response && (m->status / 100 == 1 || m->status == 204 || m->status == 304)) {
    m->total = body;
    return Frame::kComplete;
  }
  if (m->chunked) {
    if (chunked_body) chunked_body->clear();
    size_t at = body;
    for (;;) {
      const size_t le = buf.find("\r\n", at);
      if (le == std::string_view::npos) return Frame::kIncomplete;
      uint64_t size = 0;
      size_t digits = 0;
      for (size_t i = at; i < le && buf[i] != ';'; ++i, ++digits) {
        const char c = buf[i];
        int v = c >= '0' && c <= '9' ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                : -1;
        if (v < 0 || digits >= 12) return Frame::kMalformed;
        size = size * 16 + uint64_t(v);
      }
      if (digits == 0) return Frame::kMalformed;
      at = le + 2;
      if (size == 0) {  // trailer fields, then an empty line
        for (;;) {
          const size_t te = buf.find("\r\n", at);
          if (te == std::string_view::npos) return Frame::kIncomplete;
          if (te == at) {
            m->total = te + 2;
            return Frame::kComplete;
          }
          at = te + 2;
        }
      }
      if (n - at < size + 2) return Frame::kIncomplete;
      if (chunked_body) chunked_body->append(data + at, size);
      at += size;
      if (buf.substr(at, 2) != "\r\n") return Frame::kMalformed;
      at += 2;
    }
  }
  // A response without Content-Length would end at close; none of the servers measured here
  // does that on a keep-alive connection, so it is reported as malformed rather than guessed.
  if (!has_length) {
    if (response) return Frame::kMalformed;
    length = 0;
  }
  if (n - body < length) return Frame::kIncomplete;
  m->body_len = length;
  m->total = body + length;
  return Frame::kComplete;
}

}  // namespace cxbridge::loadgen
