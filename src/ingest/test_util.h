// Test helpers for ingest: a request with owned headers and body, viewed as a RequestView.
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

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

// ../shared (CXBRIDGE_SHARED from ctest, else relative to the source tree or the cwd).
inline std::optional<std::string> SharedDir() {
  if (const char* s = std::getenv("CXBRIDGE_SHARED"); s && *s) return std::string(s);
  for (const char* c : {"../shared", "../../shared", "/work/shared"}) {
    if (ReadFile(std::string(c) + "/genesys/README.md")) return std::string(c);
  }
  return std::nullopt;
}

// src/ingest/testdata (CXBRIDGE_SOURCE from ctest, else relative to the cwd).
inline std::string TestdataDir() {
  if (const char* s = std::getenv("CXBRIDGE_SOURCE"); s && *s) {
    return std::string(s) + "/src/ingest/testdata";
  }
  for (const char* c : {"src/ingest/testdata", "../src/ingest/testdata", "testdata"}) {
    if (ReadFile(std::string(c) + "/README.md")) return c;
  }
  return "src/ingest/testdata";
}

}  // namespace cxbridge::ingest::testing
