#include "app/events_cli.h"

#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "common/ids.h"
#include "common/json.h"

namespace cxbridge::app {
namespace {

std::string S(const json::Value& o, std::string_view k) {
  const json::Value* v = o.Find(k);
  if (v == nullptr || v->is_null()) return "";
  return v->is_string() ? v->as_string() : json::Serialize(*v);
}
int64_t I(const json::Value& o, std::string_view k) {
  const json::Value* v = o.Find(k);
  int64_t out = 0;
  if (v && v->is_number()) v->as_int64(&out);
  return out;
}

std::string Encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void PrintLine(const json::Value& e, std::ostream& out) {
  std::string rules;
  if (const json::Value* r = e.Find("rules"); r && r->is_array()) {
    for (const auto& x : r->items()) rules += (rules.empty() ? "" : ",") + x.as_string();
  }
  out << FormatRfc3339Millis(I(e, "timeMs")) << "  " << S(e, "id") << "  " << S(e, "source") << "  "
      << S(e, "detailType") << "  rules=" << (rules.empty() ? "-" : rules) << "  " << S(e, "state") << "\n";
}

volatile std::sig_atomic_t g_stop = 0;

}  // namespace

int RunEventsShow(const EventsArgs& a, std::ostream& out) {
  auto body = AdminCall(a.conn, "GET", "/admin/events/" + Encode(a.id), "");
  if (!body) return 1;
  if (a.json) {
    out << *body << "\n";
    return 0;
  }
  auto doc = json::Parse(*body);
  if (!doc.ok()) return 2;
  const json::Value& e = *doc;
  out << "event " << S(e, "id") << "\n"
      << "  accepted     " << FormatRfc3339Millis(I(e, "timeMs")) << "\n"
      << "  source       " << S(e, "source") << "\n"
      << "  detail-type  " << S(e, "detailType") << "\n"
      << "  bus          " << S(e, "bus") << "\n"
      << "  state        " << S(e, "state") << "\n";
  const json::Value* targets = e.Find("targets");
  if (targets == nullptr || targets->items().empty()) out << "  no rule matched this event\n";
  for (const auto& t : targets ? targets->items() : std::vector<json::Value>{}) {
    out << "\n" << S(t, "rule") << " → " << S(t, "target") << "  " << S(t, "state") << "  " << S(t, "arn") << "\n";
    if (I(t, "attemptsOmitted") > 0) out << "  (" << I(t, "attemptsOmitted") << " attempts between not kept)\n";
    const json::Value* attempts = t.Find("attempts");
    if (attempts == nullptr || attempts->items().empty()) out << "  no attempt yet\n";
    for (const auto& at : attempts ? attempts->items() : std::vector<json::Value>{}) {
      out << "  #" << I(at, "number") << "  " << FormatRfc3339Millis(I(at, "timeMs")) << "  " << S(at, "outcome");
      if (I(at, "status")) out << "  HTTP " << I(at, "status");
      if (!S(at, "code").empty()) out << "  " << S(at, "code");
      if (at.Find("latencyMs")) out << "  " << I(at, "latencyMs") << " ms";
      if (I(at, "nextRetryMs")) out << "  next retry " << FormatRfc3339Millis(I(at, "nextRetryMs"));
      out << "\n";
      if (!S(at, "message").empty()) out << "      " << S(at, "message") << "\n";
    }
  }
  return 0;
}

int RunEventsTail(const EventsArgs& a, std::ostream& out) {
  std::string filter;
  if (!a.source.empty()) filter += "&source=" + Encode(a.source);
  if (!a.rule.empty()) filter += "&rule=" + Encode(a.rule);
  if (!a.detail_type.empty()) filter += "&detailType=" + Encode(a.detail_type);
  if (!a.state.empty()) filter += "&state=" + Encode(a.state);
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  int64_t after = 0;
  size_t limit = std::max<size_t>(1, a.last);
  for (bool first = true; !g_stop; first = false) {
    auto body = AdminCall(a.conn, "GET", "/admin/events?limit=" + std::to_string(limit) + "&after=" +
                                             std::to_string(after) + filter, "");
    if (!body) return 1;
    auto doc = json::Parse(*body);
    if (!doc.ok()) return 2;
    const auto& events = doc->Find("events")->items();
    // Newest first from the server; printed oldest first, as a log reads.
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (a.json) {
        out << json::Serialize(*it) << "\n";
      } else {
        PrintLine(*it, out);
      }
      after = std::max(after, I(*it, "seq"));
    }
    out.flush();
    if (first) limit = 500;
    if (a.once) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(a.interval_s * 1000)));
  }
  return 0;
}

}  // namespace cxbridge::app
