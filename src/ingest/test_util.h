// Test helpers for ingest: a request with owned headers and body, viewed as a RequestView.
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "common/json.h"
#include "ingest/config_util.h"
#include "ingest/request.h"

namespace cxbridge::ingest::testing {

struct FakeRequest {
  std::string method = "POST";
  std::string path = "/webhooks/test";
  std::string body;
  std::map<std::string, std::string> headers;

  RequestView View() const {
    RequestView v;
    v.method = method;
    v.path = path;
    v.body = body;
    v.header = [this](std::string_view name) -> std::optional<std::string_view> {
      for (const auto& [k, val] : headers) {
        if (EqualsIgnoreCase(k, name)) return std::string_view(val);
      }
      return std::nullopt;
    };
    return v;
  }
};

inline json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  if (!v.ok()) std::abort();  // test bug
  return std::move(*v);
}

inline std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// This folder in the source tree, from the path the compiler saw (works without any env).
inline std::string ThisSourceDir() {
  std::string f = __FILE__;
  size_t slash = f.rfind('/');
  return slash == std::string::npos ? "." : f.substr(0, slash);
}

// ../shared (CXBRIDGE_SHARED from ctest, else next to the repository, found from the source
// path or the cwd).
inline std::optional<std::string> SharedDir() {
  std::vector<std::string> candidates;
  if (const char* s = std::getenv("CXBRIDGE_SHARED"); s && *s) candidates.push_back(s);
  candidates.push_back(ThisSourceDir() + "/../../../shared");
  candidates.push_back("../shared");
  candidates.push_back("../../shared");
  for (const std::string& c : candidates) {
    if (ReadFile(c + "/genesys/README.md")) return c;
  }
  return std::nullopt;
}

// src/ingest/testdata (CXBRIDGE_SOURCE from the environment, else the repository the test was
// built from, else relative to the cwd).
inline std::string TestdataDir() {
  std::vector<std::string> candidates;
  if (const char* s = std::getenv("CXBRIDGE_SOURCE"); s && *s) {
    candidates.push_back(std::string(s) + "/src/ingest/testdata");
  }
#ifdef CXBRIDGE_SOURCE_DIR
  candidates.push_back(CXBRIDGE_SOURCE_DIR "/src/ingest/testdata");
#endif
  candidates.push_back(ThisSourceDir() + "/testdata");
  candidates.push_back("src/ingest/testdata");
  for (const std::string& c : candidates) {
    if (ReadFile(c + "/README.md")) return c;
  }
  return candidates.front();
}

}  // namespace cxbridge::ingest::testing
