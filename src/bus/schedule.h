// EventBridge schedule expressions, `rate(...)` and `cron(...)` (UTC), and when they fire next.
//
// rate(N minute|minutes|hour|hours|day|days): every N units (the singular only for N = 1).
// cron(minutes hours day-of-month month day-of-week year), AWS's six fields: `*`, lists `a,b`,
// ranges `a-b` (wrapping, e.g. FRI-MON), steps `*/n`, `a/n`, `a-b/n`; months 1-12 or JAN-DEC;
// weekdays 1-7 or SUN-SAT (1 = Sunday); years 1970-2199. Exactly one of day-of-month and
// day-of-week is `?`. Day-of-month also takes `L` (last day) and `nW` (the weekday nearest day n,
// within the month); day-of-week takes `L` (Saturday), `nL` (the month's last weekday n) and
// `n#k` (its k-th weekday n).
#pragma once

#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace cxbridge::bus {

class Schedule {
 public:
  // InvalidArgument naming what is wrong.
  static Result<Schedule> Parse(std::string_view expression);

  // The first firing strictly after `after_ms` (epoch ms). A rate fires `after_ms` + its period
  // (the caller anchors it, e.g. at the rule's first sighting); a cron at whole minutes.
  // -1 when a cron never fires again (its years are past).
  int64_t NextAfter(int64_t after_ms) const;

  bool is_rate() const { return period_ms_ > 0; }

 private:
  // `weekday`: 1 = Sunday .. 7 = Saturday.
  bool DayMatches(unsigned day, unsigned weekday, unsigned days_in_month) const;

  int64_t period_ms_ = 0;  // rate; 0 for cron
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<13> months_;         // 1..12
  std::vector<bool> years_;        // year - 1970, 1970..2199
  bool by_weekday_ = false;        // day-of-month is '?': the day-of-week field decides
  std::bitset<32> days_;           // 1..31
  bool last_day_ = false;          // L
  int nearest_weekday_ = 0;        // nW
  std::bitset<8> weekdays_;        // 1..7, 1 = Sunday
  int last_weekday_ = 0;           // nL
  int nth_weekday_ = 0, nth_ = 0;  // n#k
};

}  // namespace cxbridge::bus
