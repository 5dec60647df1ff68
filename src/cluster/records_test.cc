#include "cluster/records.h"

#include <gtest/gtest.h>

#include <random>

namespace cxbridge::cluster {
namespace {

AcceptRecordData Sample() {
  AcceptRecordData r;
  r.ingest_ms = 1765000000123;
  r.bus = "default";
  r.event_json = R"({"version":"0","id":"e1","detail":{"x":"ü\u0000"}})";
  r.deliveries.push_back({"default\x1fconv-ends\x1fcrm", "", 0, 1765000000123, 0, "", 0});
  r.deliveries.push_back(
      {"default\x1f"
       "fifo\x1fq",
       "conv-42", 3, 1765000000000, 1765000009000, "HTTP_503: busy", 77});
  return r;
}

TEST(RecordsTest, AcceptRecordRoundTrips) {
  AcceptRecordData r = Sample();
  std::string body = EncodeAcceptRecord(r);
  ASSERT_TRUE(PeekRecordKind(body).ok());
  EXPECT_EQ(*PeekRecordKind(body), RecordKind::kAccept);
  auto back = DecodeAcceptRecord(body);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);
}

TEST(RecordsTest, MarkerRoundTrips) {
  std::vector<MarkerEntry> m = {
      {MarkerEntry::kDone, 12, 0, 0, 0, ""},
      {MarkerEntry::kRetry, 13, 1, 4, 1765000100000, "TIMEOUT: no answer in 5 s"},
      {MarkerEntry::kDone, UINT64_MAX, UINT32_MAX, 0, 0, ""}};
  std::string body = EncodeMarker(m);
  ASSERT_TRUE(PeekRecordKind(body).ok());
  EXPECT_EQ(*PeekRecordKind(body), RecordKind::kMarker);
  auto back = DecodeMarker(body);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, m);
  EXPECT_EQ(DecodeMarker(EncodeMarker({}))->size(), 0u);
}

TEST(RecordsTest, EveryTruncationIsCorruptionNotACrash) {
  std::string a = EncodeAcceptRecord(Sample());
  for (size_t n = 0; n < a.size(); ++n) {
    EXPECT_FALSE(DecodeAcceptRecord(std::string_view(a).substr(0, n)).ok()) << n;
  }
  std::string m = EncodeMarker({{MarkerEntry::kRetry, 300, 2, 1, 5, "x"}});
  for (size_t n = 0; n < m.size(); ++n)
    EXPECT_FALSE(DecodeMarker(std::string_view(m).substr(0, n)).ok()) << n;
  EXPECT_FALSE(DecodeAcceptRecord(a + "x").ok()) << "trailing bytes";
}

TEST(RecordsTest, RandomBytesNeverCrashOrAllocateWildly) {
  std::mt19937 rng(12345);
  std::string a = EncodeAcceptRecord(Sample());
  for (int i = 0; i < 20000; ++i) {
    std::string b = a;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    (void)DecodeAcceptRecord(b);
    (void)DecodeMarker(b);
    std::string junk(rng() % 64, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    (void)PeekRecordKind(junk);
    (void)DecodeMarker(std::string("M\x01") + junk);
  }
  // A count far beyond the limit is refused before anything is allocated for it.
  std::string huge = "M\x01\xff\xff\xff\xff\x0f";
  EXPECT_EQ(DecodeMarker(huge).status().code(), StatusCode::kCorruption);
}

TEST(RecordsTest, AnotherFormatVersionIsRefusedSayingSo) {
  std::string a = EncodeAcceptRecord(Sample());
  a[1] = 2;
  auto r = DecodeAcceptRecord(a);
  ASSERT_EQ(r.status().code(), StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("upgrade"), std::string::npos);
  EXPECT_FALSE(PeekRecordKind(a).ok());
  EXPECT_FALSE(PeekRecordKind("{\"json\":true}").ok());
}

}  // namespace
}  // namespace cxbridge::cluster
