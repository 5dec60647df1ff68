// The client-side commands of the cxbridge binary. Each returns the process exit code.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/json.h"
#include "common/status.h"

namespace cxbridge::app {

struct PatternArgs {
  std::string pattern, event;  // JSON text or @path
};
// Prints true/false (exit 0/1) or the AWS error (exit 2).
int RunTestPattern(const PatternArgs& a);

// How a client command reaches a server or its data folder. The admin token comes from the first
// of: `token` (--token: visible in `ps`), `token_file` (--token-file: its content, trailing newline
// dropped), `token_env` (--token-env NAME), $CXBRIDGE_ADMIN_TOKEN, the config's server.admin_token.
struct Connection {
  std::string config_path, data_dir, server, token, token_file, token_env;
};
inline constexpr const char* kAdminTokenEnv = "CXBRIDGE_ADMIN_TOKEN";

struct DlqArgs {
  Connection conn;
  bool quarantine = false;  // the quarantine instead of the dead-letter queue
  bool json = false;
  size_t limit = 100;
  std::string id;
  std::vector<std::string> ids;
  bool all = false;
};
int RunDlqList(const DlqArgs& a);
int RunDlqShow(const DlqArgs& a);
int RunDlqRedrive(const DlqArgs& a);  // for the quarantine: replay (needs the running server)

struct TargetsArgs {
  Connection conn;
  std::string bus = "default", rule, target;
  bool json = false;
};
int RunTargetsList(const TargetsArgs& a);
int RunTargetsPause(const TargetsArgs& a, bool pause);

struct SendArgs {
  std::string config_path, source, data, server;
  std::vector<std::string> headers;
};
int RunSend(const SendArgs& a);
// `send` signs the body as the source's `auth:` section requires: ingest::SignBody (ingest/sign.h).

// One call to the running server's admin API (Authorization: see Connection);
// prints what went wrong and gives nullopt unless it answered 200.
std::optional<std::string> AdminCall(const Connection& c, const std::string& method, const std::string& path,
                                     const std::string& body);

// Reads "@path" as a file, anything else as literal text.
bool ReadArg(const std::string& arg, std::string* out, std::string* error);

}  // namespace cxbridge::app
