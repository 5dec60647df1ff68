// Lazy JSON scanning primitives for the match path (machine_match.cc). Internal to src/pattern.
//
// The event walker reads only the members some pattern names and skips everything else; these
// helpers do the reading and the skipping on a padded buffer:
//   * every function takes [p, end) where end = data + len, and may *load* up to 63 bytes past
//     end (the caller guarantees MatchContext::kPadding = 64 readable bytes there), but never
//     interprets a byte at or beyond end: loads are masked to the valid length;
//   * nullptr means "malformed (or truncated) here";
//   * skipping is structural: strings (with escapes) are respected and brackets counted, 64 bytes
//     at a time (AVX2 / SSE2 / portable fallback), but the skipped text is not validated further.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__AVX2__) || defined(__PCLMUL__) || defined(__AVX512BW__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace cxbridge::pattern::internal::scan {

inline bool IsWs(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

inline const char* SkipWs(const char* p, const char* end) {
  while (p < end && IsWs(*p)) ++p;
  return p;
}

// Bits for the bytes of one 64-byte block (bit i = p[i]).
struct Masks {
  uint64_t quote, backslash, open, close, special;  // special: < 0x20 or >= 0x80
};

// kBrackets / kSpecial select which masks are computed (the others are left 0).
template <bool kBrackets, bool kSpecial>
inline Masks Classify(const char* p) {
  Masks m{0, 0, 0, 0, 0};
#if defined(__AVX512BW__)
  const __m512i v = _mm512_loadu_si512(p);
  m.quote = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"'));
  m.backslash = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'));
  if constexpr (kBrackets) {
    const __m512i v2 = _mm512_or_si512(v, _mm512_set1_epi8(0x20));
    m.open = _mm512_cmpeq_epi8_mask(v2, _mm512_set1_epi8('{'));
    m.close = _mm512_cmpeq_epi8_mask(v2, _mm512_set1_epi8('}'));
  }
  if constexpr (kSpecial) {
    m.special = _mm512_movepi8_mask(v) | _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1F));
  }
#elif defined(__AVX2__)
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  auto bits = [](__m256i a, __m256i b) {
    return static_cast<uint32_t>(_mm256_movemask_epi8(a)) |
           (static_cast<uint64_t>(static_cast<uint32_t>(_mm256_movemask_epi8(b))) << 32);
  };
  auto eq = [&](char c) {
    const __m256i k = _mm256_set1_epi8(c);
    return bits(_mm256_cmpeq_epi8(lo, k), _mm256_cmpeq_epi8(hi, k));
  };
  m.quote = eq('"');
  m.backslash = eq('\\');
  if constexpr (kBrackets) {
    // '[' / '{' differ only in bit 0x20, as do ']' / '}'.
    const __m256i x20 = _mm256_set1_epi8(0x20);
    const __m256i lo2 = _mm256_or_si256(lo, x20), hi2 = _mm256_or_si256(hi, x20);
    const __m256i ko = _mm256_set1_epi8('{'), kc = _mm256_set1_epi8('}');
    m.open = bits(_mm256_cmpeq_epi8(lo2, ko), _mm256_cmpeq_epi8(hi2, ko));
    m.close = bits(_mm256_cmpeq_epi8(lo2, kc), _mm256_cmpeq_epi8(hi2, kc));
  }
  if constexpr (kSpecial) {
    const __m256i k1f = _mm256_set1_epi8(0x1F);
    const __m256i clo = _mm256_cmpeq_epi8(_mm256_min_epu8(lo, k1f), lo);
    const __m256i chi = _mm256_cmpeq_epi8(_mm256_min_epu8(hi, k1f), hi);
    m.special = bits(lo, hi) | bits(clo, chi);
  }
#elif defined(__SSE2__)
  __m128i v[4];
  for (int i = 0; i < 4; ++i) v[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
  auto bits = [](const __m128i* w) {
    uint64_t r = 0;
    for (int i = 0; i < 4; ++i) r |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(w[i]))) << (16 * i);
    return r;
  };
  auto eq = [&](const __m128i* src, char c) {
    __m128i t[4];
    const __m128i k = _mm_set1_epi8(c);
    for (int i = 0; i < 4; ++i) t[i] = _mm_cmpeq_epi8(src[i], k);
    return bits(t);
  };
  m.quote = eq(v, '"');
  m.backslash = eq(v, '\\');
  if constexpr (kBrackets) {
    __m128i o[4];
    for (int i = 0; i < 4; ++i) o[i] = _mm_or_si128(v[i], _mm_set1_epi8(0x20));
    m.open = eq(o, '{');
    m.close = eq(o, '}');
  }
  if constexpr (kSpecial) {
    __m128i c[4];
    for (int i = 0; i < 4; ++i) c[i] = _mm_cmpeq_epi8(_mm_min_epu8(v[i], _mm_set1_epi8(0x1F)), v[i]);
    m.special = bits(v) | bits(c);
  }
#else
  for (int i = 0; i < 64; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    const uint64_t b = uint64_t{1} << i;
    if (c == '"') m.quote |= b;
    if (c == '\\') m.backslash |= b;
    if (kBrackets && (c | 0x20) == '{') m.open |= b;
    if (kBrackets && (c | 0x20) == '}') m.close |= b;
    if (kSpecial && (c < 0x20 || c >= 0x80)) m.special |= b;
  }
#endif
  return m;
}

// Bits [0, n) set, n <= 64.
inline uint64_t LowBits(size_t n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

// Bit i set iff an odd number of bits at positions <= i are set.
inline uint64_t PrefixXor(uint64_t x) {
#if defined(__PCLMUL__)
  // Carry-less multiplication by all-ones is exactly the running XOR.
  return static_cast<uint64_t>(_mm_cvtsi128_si64(
      _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<int64_t>(x)), _mm_set1_epi8(-1), 0)));
#endif
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

// Bits for the 32 bytes at p, for reading strings (strings and keys are mostly short, so a
// 32-byte step costs less than the 64-byte Classify): stop = '"' or '\\', special = control or
// non-ASCII byte, dot = '.'.
struct StrMasks {
  uint32_t stop, special, dot;
};
template <bool kSpecial, bool kDot>
inline StrMasks ClassifyString(const char* p) {
  StrMasks m{0, 0, 0};
#if defined(__AVX2__)
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  m.stop = static_cast<uint32_t>(_mm256_movemask_epi8(
      _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('"')),
                      _mm256_cmpeq_epi8(v, _mm256_set1_epi8('\\')))));
  if constexpr (kSpecial) {
    // High bit set (non-ASCII) or v <= 0x1F.
    const __m256i ctrl = _mm256_cmpeq_epi8(_mm256_min_epu8(v, _mm256_set1_epi8(0x1F)), v);
    m.special = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_or_si256(v, ctrl)));
  }
  if constexpr (kDot) {
    m.dot = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('.'))));
  }
#elif defined(__SSE2__)
  for (int h = 0; h < 2; ++h) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * h));
    const int sh = 16 * h;
    m.stop |= static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(
                  _mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')))))
              << sh;
    if constexpr (kSpecial) {
      const __m128i ctrl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
      m.special |= static_cast<uint32_t>(_mm_movemask_epi8(_mm_or_si128(v, ctrl))) << sh;
    }
    if constexpr (kDot) {
      m.dot |= static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('.')))) << sh;
    }
  }
#else
  for (int i = 0; i < 32; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    const uint32_t b = uint32_t{1} << i;
    if (c == '"' || c == '\\') m.stop |= b;
    if (kSpecial && (c < 0x20 || c >= 0x80)) m.special |= b;
    if (kDot && c == '.') m.dot |= b;
  }
#endif
  return m;
}

// Inside a string (just after a '"' or after an escape sequence): the first '"' or '\\' at or
// after p, or nullptr if none before end. With kSpecial, *special is set when a byte before it is
// a control character or non-ASCII (the caller then checks the text byte by byte); with kDot,
// *dot when a '.' comes before it.
template <bool kSpecial, bool kDot = false>
inline const char* FindQuoteOrBackslash(const char* p, const char* end, bool* special,
                                        bool* dot = nullptr) {
  while (p < end) {
    const StrMasks m = ClassifyString<kSpecial, kDot>(p);
    const size_t n = static_cast<size_t>(end - p);
    const uint32_t valid = n >= 32 ? ~uint32_t{0} : (uint32_t{1} << n) - 1;
    const uint32_t stop = m.stop & valid;
    const uint32_t before = stop ? (stop & (0 - stop)) - 1 : valid;
    if constexpr (kSpecial) {
      if (m.special & before) *special = true;
    }
    if constexpr (kDot) {
      if (m.dot & before) *dot = true;
    }
    if (stop) return p + __builtin_ctz(stop);
    p += 32;
  }
  return nullptr;
}

// FindQuoteOrBackslash over a cached 64-byte window: the members of a flat object are short
// strings close together, so one classification serves several of them (keys and values alike).
// The cache describes bytes only; Reset it whenever the buffer may have changed (each event).
class StringWindow {
 public:
  void Reset() { base_ = nullptr; }

  // As FindQuoteOrBackslash<true, true> (special and dot are always reported).
  const char* Find(const char* p, const char* end, bool* special, bool* dot) {
    while (true) {
      // base_ is null after Reset: test it first (null + 64 is undefined behaviour).
      if (base_ == nullptr || p < base_ || p >= base_ + 64) {
        if (p >= end) return nullptr;
        Load(p, end);
      }
      const unsigned off = static_cast<unsigned>(p - base_);
      const uint64_t stop = stop_ >> off;
      const uint64_t before = stop ? (stop & (0 - stop)) - 1 : ~uint64_t{0};
      if ((special_ >> off) & before) *special = true;
      if ((dot_ >> off) & before) *dot = true;
      if (stop) return p + __builtin_ctzll(stop);
      p = base_ + 64;
    }
  }

  // p just after the opening '"': the position after the closing '"' (escapes stepped over).
  const char* Skip(const char* p, const char* end) {
    bool special, dot;
    while (true) {
      const char* q = Find(p, end, &special, &dot);
      if (!q) return nullptr;
      if (*q == '"') return q + 1;
      p = q + 2;
      if (p > end) return nullptr;
    }
  }

 private:
  void Load(const char* p, const char* end) {
    const uint64_t valid = LowBits(static_cast<size_t>(end - p));
    base_ = p;
#if defined(__AVX512BW__)
    const __m512i v = _mm512_loadu_si512(p);
    stop_ = (_mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('"')) |
             _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('\\'))) & valid;
    special_ = (_mm512_movepi8_mask(v) | _mm512_cmple_epu8_mask(v, _mm512_set1_epi8(0x1F))) & valid;
    dot_ = _mm512_cmpeq_epi8_mask(v, _mm512_set1_epi8('.')) & valid;
#else
    const StrMasks a = ClassifyString<true, true>(p), b = ClassifyString<true, true>(p + 32);
    stop_ = (a.stop | static_cast<uint64_t>(b.stop) << 32) & valid;
    special_ = (a.special | static_cast<uint64_t>(b.special) << 32) & valid;
    dot_ = (a.dot | static_cast<uint64_t>(b.dot) << 32) & valid;
#endif
  }

  const char* base_ = nullptr;
  uint64_t stop_ = 0, special_ = 0, dot_ = 0;
};

// An object key, p just after its opening '"': the first '"' or '\\' (nullptr if none before end);
// *special as in FindQuoteOrBackslash, *dot when a '.' comes before it.
inline const char* FindKeyEnd(const char* p, const char* end, bool* special, bool* dot) {
  return FindQuoteOrBackslash<true, true>(p, end, special, dot);
}

// p just after the opening '"': returns the position after the closing '"'. Escapes are stepped
// over, not checked.
inline const char* SkipString(const char* p, const char* end) {
  while (true) {
    const char* q = FindQuoteOrBackslash<false>(p, end, nullptr);
    if (!q) return nullptr;
    if (*q == '"') return q + 1;
    p = q + 2;  // the backslash and the escaped byte
    if (p > end) return nullptr;
  }
}

// p inside `depth` (>= 1) open containers, outside any string: returns the position after the
// bracket that closes the outermost of them. Brackets inside strings are ignored; the kind of
// bracket is not matched (`[}` closes), like a structural-index skip.
inline const char* SkipContainers(const char* p, const char* end, uint64_t depth) {
  bool in_string = false, escape_next = false;
  while (p < end) {
    const Masks m = Classify<true, false>(p);
    const uint64_t valid = LowBits(static_cast<size_t>(end - p));
    uint64_t bs = m.backslash & valid;
    uint64_t escaped = 0;
    if (bs | static_cast<uint64_t>(escape_next)) {
      // Rare (escapes inside skipped strings): walk the backslashes. A backslash escapes the next
      // byte, which may itself be a backslash.
      if (escape_next) {
        escaped |= 1;
        bs &= ~uint64_t{1};
      }
      escape_next = false;
      while (bs) {
        const int i = __builtin_ctzll(bs);
        if (i == 63) {
          escape_next = true;
          break;
        }
        escaped |= uint64_t{1} << (i + 1);
        bs &= ~((uint64_t{3}) << i);
      }
    }
    const uint64_t quote = m.quote & valid & ~escaped;
    const uint64_t str = PrefixXor(quote) ^ (in_string ? ~uint64_t{0} : 0);
    in_string = (str >> 63) & 1;
    const uint64_t open = m.open & valid & ~str, close = m.close & valid & ~str;
    const uint64_t n_close = static_cast<uint64_t>(__builtin_popcountll(close));
    if (n_close < depth) {
      depth += static_cast<uint64_t>(__builtin_popcountll(open)) - n_close;
    } else {
      uint64_t both = open | close;
      while (both) {
        const int i = __builtin_ctzll(both);
        if ((open >> i) & 1) {
          ++depth;
        } else if (--depth == 0) {
          return p + i + 1;
        }
        both &= both - 1;
      }
    }
    p += 64;
  }
  return nullptr;
}

// A JSON number at p: returns its end, or nullptr if it is not a valid number.
inline const char* ScanNumber(const char* p, const char* end) {
  auto digit = [&](const char* q) { return q < end && *q >= '0' && *q <= '9'; };
  if (p < end && *p == '-') ++p;
  if (!digit(p)) return nullptr;
  if (*p == '0') {
    ++p;
  } else {
    while (digit(p)) ++p;
  }
  if (p < end && *p == '.') {
    ++p;
    if (!digit(p)) return nullptr;
    while (digit(p)) ++p;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    if (p < end && (*p == '+' || *p == '-')) ++p;
    if (!digit(p)) return nullptr;
    while (digit(p)) ++p;
  }
  return p;
}

// The double value of a valid JSON number [p, e). NaN when it overflows the double range (no
// numeric condition matches it); underflow gives the nearest double (0 or a subnormal).
inline double NumberValue(const char* p, const char* e) {
  // Small integers: exact without a general parse.
  const bool neg = *p == '-';
  const char* q = p + neg;
  if (e - q <= 15) {
    int64_t v = 0;
    const char* r = q;
    while (r < e && *r >= '0' && *r <= '9') v = v * 10 + (*r++ - '0');
    if (r == e) return neg ? -static_cast<double>(v) : static_cast<double>(v);
  }
  double d = 0;
  const auto res = std::from_chars(p, e, d);
  if (res.ec == std::errc()) return d;
  // Out of range: strtod tells overflow (inf) from underflow (0 / subnormal).
  const std::string copy(p, e);
  d = std::strtod(copy.c_str(), nullptr);
  return std::isinf(d) ? std::nan("") : d;
}

// Checks bytes of a string body that contained a control or non-ASCII byte: control characters
// are invalid JSON, non-ASCII must be well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF).
inline bool ValidStringBytes(const char* p, const char* e) {
  const auto* s = reinterpret_cast<const unsigned char*>(p);
  const auto* t = reinterpret_cast<const unsigned char*>(e);
  while (s < t) {
    const unsigned c = *s;
    if (c < 0x20) return false;
    if (c < 0x80) {
      ++s;
      continue;
    }
    int n;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (t - s <= n) return false;
    for (int k = 1; k <= n; ++k) {
      if ((s[k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[k] & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    s += n + 1;
  }
  return true;
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline bool Hex4(const char* p, const char* end, uint32_t* v) {
  if (end - p < 4) return false;
  uint32_t r = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = HexValue(p[i]);
    if (h < 0) return false;
    r = (r << 4) | static_cast<uint32_t>(h);
  }
  *v = r;
  return true;
}

inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The slow, complete string reader: p just after the opening '"'. Appends the unescaped,
// validated text to *out and returns the position after the closing '"', or nullptr when the
// string is malformed (bad escape, unpaired surrogate, control character, bad UTF-8,
// unterminated). The result is never longer than the source text.
inline const char* ReadEscapedString(const char* p, const char* end, std::string* out) {
  while (true) {
    const char* run = p;
    while (p < end && *p != '"' && *p != '\\') ++p;
    if (p >= end) return nullptr;
    if (!ValidStringBytes(run, p)) return nullptr;
    out->append(run, p);
    if (*p == '"') return p + 1;
    if (++p >= end) return nullptr;
    const char c = *p++;
    switch (c) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case '/': out->push_back('/'); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u': {
        uint32_t cp;
        if (!Hex4(p, end, &cp)) return nullptr;
        p += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return nullptr;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t lo;
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !Hex4(p + 2, end, &lo) ||
              lo < 0xDC00 || lo > 0xDFFF) {
            return nullptr;
          }
          p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        AppendUtf8(cp, out);
        break;
      }
      default:
        return nullptr;
    }
  }
}

// Skips one JSON value of any kind at p (p < end, not whitespace): returns its end or nullptr.
// Literals and numbers are checked; strings, objects and arrays only structurally.
inline const char* SkipValue(const char* p, const char* end) {
  switch (*p) {
    case '"': return SkipString(p + 1, end);
    case '{':
    case '[': return SkipContainers(p + 1, end, 1);
    case 't': return end - p >= 4 && std::memcmp(p, "true", 4) == 0 ? p + 4 : nullptr;
    case 'f': return end - p >= 5 && std::memcmp(p, "false", 5) == 0 ? p + 5 : nullptr;
    case 'n': return end - p >= 4 && std::memcmp(p, "null", 4) == 0 ? p + 4 : nullptr;
    default: return ScanNumber(p, end);
  }
}

}  // namespace cxbridge::pattern::internal::scan
