// Requests: one template per run, patched per request with the sequence number and signature. All
// of a run's bodies and signatures are generated before its timed window, so signing costs
// nothing inside it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "loadgen/loadgen.h"

namespace cxbridge::loadgen {

struct RequestTemplate {
  std::string bytes;        // one complete request
  size_t seq_off = 0;       // 12 decimal digits of the sequence number, within bytes
  size_t sig_off = 0, sig_len = 0;  // the signature value (sig_len 0: unsigned)
  size_t body_off = 0, body_len = 0;
};

// Writes seq as kSeqDigits decimal digits at `at`. Called for every request sent (inline: the load
// loop patches each request in place).
inline void WriteSeq(char* at, uint64_t seq) {
  for (size_t i = kSeqDigits; i-- > 0; seq /= 10) at[i] = char('0' + seq % 10);
}

// 8 random hex digits: makes eventIds unique across runs.
std::string RandomNonce();

// The run's request: POST o.path with a ~o.body_bytes JSON event, a placeholder signature header when
// o.secret is set.
RequestTemplate MakeTemplate(const Options& o, const std::string& nonce);

// Signatures for sequence numbers [0, count), sig_len bytes each, back to back.
std::vector<char> MakeSignatures(const Options& o, RequestTemplate t, uint64_t count);

}  // namespace cxbridge::loadgen
