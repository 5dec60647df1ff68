// Helpers shared by blob/'s tests only.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace cxbridge::blob::testing {

// A fresh folder per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("cxb-blob-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" +
             info->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// ../shared (the Genesys samples).
inline std::filesystem::path SharedDir() {
  if (const char* env = std::getenv("CXBRIDGE_SHARED"); env != nullptr && *env != '\0') return env;
  return CXBRIDGE_SHARED_DIR;
}

}  // namespace cxbridge::blob::testing
