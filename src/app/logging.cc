#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "common/ids.h"
#include "common/json.h"

namespace cxbridge::app {
namespace {

class JsonFormatter : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    using namespace std::chrono;
    int64_t ms = duration_cast<milliseconds>(msg.time.time_since_epoch()).count();
    std::string line = "{\"time\":\"" + FormatRfc3339Millis(ms) + "\",\"level\":\"";
    auto level = spdlog::level::to_string_view(msg.level);
    line.append(level.data(), level.size());
    line += "\",\"msg\":";
    json::AppendQuoted(&line, std::string_view(msg.payload.data(), msg.payload.size()));
    line += "}\n";
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

}  // namespace

void InitJsonLogging(bool debug) {
  auto logger = spdlog::stderr_logger_mt("cxbridge");
  logger->set_formatter(std::make_unique<JsonFormatter>());
  logger->set_level(debug ? spdlog::level::debug : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace cxbridge::app
