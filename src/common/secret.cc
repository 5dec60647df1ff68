#include "common/secret.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace cxbridge {

Result<std::string> ResolveSecret(const json::Value& spec) {
  if (spec.is_string()) return spec.as_string();
  if (!spec.is_object()) return Status::InvalidArgument("secret must be a string or {env|file|value}");
  if (const auto* env = spec.Find("env"); env && env->is_string()) {
    const char* v = std::getenv(env->as_string().c_str());
    if (v == nullptr || *v == '\0') {
      return Status::InvalidArgument("secret environment variable " + env->as_string() + " is not set");
    }
    return std::string(v);
  }
  if (const auto* file = spec.Find("file"); file && file->is_string()) {
    std::ifstream in(file->as_string(), std::ios::binary);
    if (!in) return Status::InvalidArgument("cannot read secret file " + file->as_string());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string v = ss.str();
    if (!v.empty() && v.back() == '\n') v.pop_back();
    if (!v.empty() && v.back() == '\r') v.pop_back();
    if (v.empty()) return Status::InvalidArgument("secret file " + file->as_string() + " is empty");
    return v;
  }
  if (const auto* value = spec.Find("value"); value && value->is_string()) return value->as_string();
  return Status::InvalidArgument("secret must name one of env, file or value");
}

}  // namespace cxbridge
