#include "common/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <string>
#include <thread>

namespace cxbridge {
namespace {

std::string NameOfThisThread() {
  char buf[32] = {};
  pthread_getname_np(pthread_self(), buf, sizeof buf);
  return buf;
}

TEST(ThreadNameTest, NamesTheCallingThreadAndCutsToFifteenCharacters) {
  std::string short_name, long_name;
  std::thread([&] {
    SetThreadName("cxb-test");
    short_name = NameOfThisThread();
    SetThreadName("cxb-a-name-longer-than-fifteen");
    long_name = NameOfThisThread();
  }).join();
  EXPECT_EQ(short_name, "cxb-test");
  EXPECT_EQ(long_name, "cxb-a-name-long");
}

}  // namespace
}  // namespace cxbridge
