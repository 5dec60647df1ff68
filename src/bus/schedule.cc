#include "bus/schedule.h"

#include <array>
#include <chrono>
#include <optional>
#include <string>

namespace cxbridge::bus {
namespace {

constexpr int kFirstYear = 1970, kLastYear = 2199;
constexpr std::array<std::string_view, 12> kMonths = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                      "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdays = {"SUN", "MON", "TUE", "WED",
                                                       "THU", "FRI", "SAT"};

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// A small decimal number (at most 4 digits); -1 otherwise.
int Number(std::string_view s) {
  if (s.empty() || s.size() > 4) return -1;
  int n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

// A value of a field in [lo, hi], by number or, where the field has names, by name (names[i] is lo
// + i).
template <size_t N>
int Value(std::string_view v, int lo, int hi, const std::array<std::string_view, N>* names) {
  int n = Number(v);
  if (n >= lo && n <= hi) return n;
  if (names != nullptr) {
    for (size_t i = 0; i < N; ++i)
      if (v == (*names)[i]) return lo + static_cast<int>(i);
  }
  return -1;
}

// A comma list of *, v, a-b, */n, v/n, a-b/n; sets the bits of `out` (indexed by value - offset).
template <size_t N = 1>
bool Field(std::string_view field, int lo, int hi, std::vector<bool>* out, int offset,
           const std::array<std::string_view, N>* names = nullptr) {
  if (field.empty()) return false;
  for (std::string_view part : Split(field, ',')) {
    int step = 1;
    const bool stepped = part.find('/') != std::string_view::npos;
    if (size_t slash = part.find('/'); stepped) {
      step = Number(part.substr(slash + 1));
      if (step < 1) return false;
      part = part.substr(0, slash);
    }
    int from = lo, to = hi;
    if (part != "*") {
      size_t dash = part.find('-');
      from = Value(part.substr(0, dash), lo, hi, names);
      if (from < 0) return false;
      if (dash != std::string_view::npos) {
        to = Value(part.substr(dash + 1), lo, hi, names);
        if (to < 0) return false;
      } else {
        to = stepped ? hi : from;  // "v/n": from v to the end in steps of n
      }
    }
    // A range may wrap (FRI-MON, 22-2): walk from `from` upwards, past hi back to lo, until `to`.
    const int span = (to - from + (hi - lo + 1)) % (hi - lo + 1);
    for (int k = 0; k <= span; k += step) {
      int v = from + k;
      if (v > hi) v -= hi - lo + 1;
      (*out)[v - offset] = true;
    }
  }
  return true;
}

template <size_t B>
void CopyBits(const std::vector<bool>& v, std::bitset<B>* out) {
  for (size_t i = 0; i < B && i < v.size(); ++i) (*out)[i] = v[i];
}

Status Invalid(std::string_view expression, std::string_view why) {
  return Status::InvalidArgument("schedule expression " + std::string(expression) + ": " +
                                 std::string(why));
}

}  // namespace

Result<Schedule> Schedule::Parse(std::string_view expression) {
  Schedule s;
  auto inner = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (expression.size() > prefix.size() + 1 && expression.substr(0, prefix.size()) == prefix &&
        expression.back() == ')') {
      return expression.substr(prefix.size(), expression.size() - prefix.size() - 1);
    }
    return std::nullopt;
  };
  auto words = [](std::string_view body) {
    std::vector<std::string_view> w;
    for (std::string_view p : Split(body, ' '))
      if (!p.empty()) w.push_back(p);
    return w;
  };
  if (auto body = inner("rate(")) {
    auto w = words(*body);
    const int n = w.size() == 2 ? Number(w[0]) : -1;
    if (n < 1) return Invalid(expression, "a rate is rate(<positive number> <unit>)");
    const std::string_view unit = w[1];
    int64_t unit_ms = 0;
    if (unit == (n == 1 ? "minute" : "minutes")) unit_ms = 60'000;
    if (unit == (n == 1 ? "hour" : "hours")) unit_ms = 3'600'000;
    if (unit == (n == 1 ? "day" : "days")) unit_ms = 86'400'000;
    if (unit_ms == 0)
      return Invalid(expression, "the unit is minute(s), hour(s) or day(s), singular only for 1");
    s.period_ms_ = n * unit_ms;
    return s;
  }
  auto body = inner("cron(");
  if (!body) return Invalid(expression, "expected rate(...) or cron(...)");
  auto f = words(*body);
  if (f.size() != 6)
    return Invalid(expression,
                   "cron takes six fields: minutes hours day-of-month month day-of-week year");
  const std::string_view dom = f[2], dow = f[4];
  if ((dom == "?") == (dow == "?"))
    return Invalid(expression, "exactly one of day-of-month and day-of-week must be ?");

  std::vector<bool> bits(60);
  if (!Field(f[0], 0, 59, &bits, 0)) return Invalid(expression, "bad minutes field");
  CopyBits(bits, &s.minutes_);
  bits.assign(24, false);
  if (!Field(f[1], 0, 23, &bits, 0)) return Invalid(expression, "bad hours field");
  CopyBits(bits, &s.hours_);
  bits.assign(13, false);
  if (!Field(f[3], 1, 12, &bits, 0, &kMonths)) return Invalid(expression, "bad month field");
  CopyBits(bits, &s.months_);
  s.years_.assign(kLastYear - kFirstYear + 1, false);
  if (!Field(f[5], kFirstYear, kLastYear, &s.years_, kFirstYear))
    return Invalid(expression, "bad year field");

  s.by_weekday_ = dom == "?";
  if (!s.by_weekday_) {
    bits.assign(32, false);
    if (dom == "L") {
      s.last_day_ = true;
    } else if (dom.size() > 1 && dom.back() == 'W') {
      s.nearest_weekday_ = Number(dom.substr(0, dom.size() - 1));
      if (s.nearest_weekday_ < 1 || s.nearest_weekday_ > 31)
        return Invalid(expression, "bad day-of-month W");
    } else if (!Field(dom, 1, 31, &bits, 0)) {
      return Invalid(expression, "bad day-of-month field");
    }
    CopyBits(bits, &s.days_);
  } else {
    bits.assign(8, false);
    if (size_t hash = dow.find('#'); hash != std::string_view::npos) {
      s.nth_weekday_ = Value(dow.substr(0, hash), 1, 7, &kWeekdays);
      s.nth_ = Number(dow.substr(hash + 1));
      if (s.nth_weekday_ < 1 || s.nth_ < 1 || s.nth_ > 5)
        return Invalid(expression, "bad day-of-week #");
    } else if (dow == "L") {
      bits[7] = true;  // the last day of the week: Saturday
    } else if (dow.size() > 1 && dow.back() == 'L') {
      s.last_weekday_ = Value(dow.substr(0, dow.size() - 1), 1, 7, &kWeekdays);
      if (s.last_weekday_ < 1) return Invalid(expression, "bad day-of-week L");
    } else if (!Field(dow, 1, 7, &bits, 0, &kWeekdays)) {
      return Invalid(expression, "bad day-of-week field");
    }
    CopyBits(bits, &s.weekdays_);
  }
  return s;
}

bool Schedule::DayMatches(unsigned day, unsigned weekday, unsigned days_in_month) const {
  if (by_weekday_) {
    if (last_weekday_ > 0)
      return static_cast<int>(weekday) == last_weekday_ && day + 7 > days_in_month;
    if (nth_ > 0)
      return static_cast<int>(weekday) == nth_weekday_ &&
             static_cast<int>((day - 1) / 7 + 1) == nth_;
    return weekdays_[weekday];
  }
  if (last_day_) return day == days_in_month;
  if (nearest_weekday_ > 0) {
    const int n = nearest_weekday_;
    if (n > static_cast<int>(days_in_month)) return false;
    // The weekday of day n, from this day's: 1 = Sunday .. 7 = Saturday.
    const int wn = ((static_cast<int>(weekday) - 1 + (n - static_cast<int>(day)) % 7 + 7) % 7) + 1;
    int target = n;
    if (wn == 7) target = n == 1 ? n + 2 : n - 1;                                // Saturday
    if (wn == 1) target = n == static_cast<int>(days_in_month) ? n - 2 : n + 1;  // Sunday
    return static_cast<int>(day) == target;
  }
  return days_[day];
}

int64_t Schedule::NextAfter(int64_t after_ms) const {
  if (is_rate()) return after_ms + period_ms_;
  namespace chr = std::chrono;
  auto floor_div = [](int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  const int64_t start_min = floor_div(after_ms, 60'000) + 1;  // the next whole minute after
  int64_t day = floor_div(start_min, 1440);                   // days since 1970-01-01
  int first_minute = static_cast<int>(start_min - day * 1440);
  auto to_day = [](chr::sys_days d) { return static_cast<int64_t>(d.time_since_epoch().count()); };
  while (true) {
    const chr::sys_days today{chr::days{day}};
    const chr::year_month_day ymd{today};
    const int y = static_cast<int>(ymd.year());
    if (y > kLastYear) return -1;
    if (y < kFirstYear || !years_[y - kFirstYear]) {  // on to January 1st of the next year
      day = to_day(chr::sys_days{chr::year{y + 1} / chr::January / 1});
      first_minute = 0;
      continue;
    }
    if (!months_[static_cast<unsigned>(ymd.month())]) {  // on to the 1st of the next month
      day = to_day(chr::sys_days{(chr::year_month{ymd.year(), ymd.month()} + chr::months{1}) / 1});
      first_minute = 0;
      continue;
    }
    const unsigned dim = static_cast<unsigned>(
        chr::year_month_day_last{ymd.year(), chr::month_day_last{ymd.month()}}.day());
    const unsigned weekday = chr::weekday{today}.c_encoding() + 1;  // 1 = Sunday
    if (DayMatches(static_cast<unsigned>(ymd.day()), weekday, dim)) {
      for (int h = first_minute / 60; h < 24; ++h) {
        if (!hours_[h]) continue;
        for (int m = h == first_minute / 60 ? first_minute % 60 : 0; m < 60; ++m) {
          if (minutes_[m]) return (day * 1440 + h * 60 + m) * 60'000;
        }
      }
    }
    ++day;
    first_minute = 0;
  }
}

}  // namespace cxbridge::bus
