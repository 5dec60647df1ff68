// `cxbridge events show ID` and `cxbridge events tail [--source S] [--rule R]`: the delivery
// history in the terminal, from the running server's admin API (/admin/events).
#pragma once

#include <iosfwd>
#include <string>

#include "app/cli.h"

namespace cxbridge::app {

struct EventsArgs {
  Connection conn;
  std::string id;
  std::string source, rule, detail_type, state;
  bool json = false;
  bool once = false;       // tail: print the recent events and stop
  size_t last = 10;        // tail: how many recent events to start with
  double interval_s = 1;   // tail: how often to ask for new ones
};
int RunEventsShow(const EventsArgs& a, std::ostream& out);
int RunEventsTail(const EventsArgs& a, std::ostream& out);

}  // namespace cxbridge::app
