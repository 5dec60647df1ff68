#include "cluster/records.h"

namespace cxbridge::cluster {
namespace {

void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutStr(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

uint64_t NonNegative(int64_t v) { return v < 0 ? 0 : static_cast<uint64_t>(v); }

// Reads from a bounded view; any overrun sets `bad`.
struct Reader {
  std::string_view in;
  bool bad = false;
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty()) {
        bad = true;
        return 0;
      }
      uint8_t b = static_cast<uint8_t>(in.front());
      in.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    bad = true;  // longer than 10 bytes
    return 0;
  }
  std::string Str() {
    uint64_t n = Varint();
    if (bad || n > in.size()) {
      bad = true;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
  int64_t Time() {
    uint64_t v = Varint();
    if (v > static_cast<uint64_t>(INT64_MAX)) bad = true;
    return static_cast<int64_t>(v);
  }
  uint32_t U32() {
    uint64_t v = Varint();
    if (v > UINT32_MAX) bad = true;
    return static_cast<uint32_t>(v);
  }
};

Status CheckHeader(std::string_view body, char tag, const char* what) {
  if (body.size() < 2 || body[0] != tag) return Status::Corruption(std::string("not a ") + what);
  if (static_cast<uint8_t>(body[1]) != kRecordVersion) {
    return Status::Corruption(
        std::string(what) + " of format " + std::to_string(static_cast<uint8_t>(body[1])) +
        ", this node reads format " + std::to_string(kRecordVersion) + ": upgrade it");
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeAcceptRecord(const AcceptRecordData& r) {
  std::string out;
  out.reserve(r.event_json.size() + r.bus.size() + 64 * (r.deliveries.size() + 1));
  out.push_back(kAcceptRecordTag);
  out.push_back(static_cast<char>(kRecordVersion));
  PutVarint(&out, NonNegative(r.ingest_ms));
  PutStr(&out, r.bus);
  PutVarint(&out, r.deliveries.size());
  for (const auto& d : r.deliveries) {
    PutStr(&out, d.route);
    PutStr(&out, d.group);
    PutVarint(&out, d.attempts);
    PutVarint(&out, NonNegative(d.first_ms));
    PutVarint(&out, NonNegative(d.due_ms));
    PutStr(&out, d.last_error);
    PutVarint(&out, d.order_seq);
  }
  PutStr(&out, r.event_json);
  return out;
}

std::string EncodeMarker(const std::vector<MarkerEntry>& entries) {
  std::string out;
  out.reserve(2 + entries.size() * 12);
  out.push_back(kMarkerTag);
  out.push_back(static_cast<char>(kRecordVersion));
  PutVarint(&out, entries.size());
  for (const auto& e : entries) {
    out.push_back(static_cast<char>(e.kind));
    PutVarint(&out, e.seq);
    PutVarint(&out, e.index);
    if (e.kind == MarkerEntry::kRetry) {
      PutVarint(&out, e.attempts);
      PutVarint(&out, NonNegative(e.due_ms));
      PutStr(&out, e.last_error);
    }
  }
  return out;
}

Result<RecordKind> PeekRecordKind(std::string_view body) {
  if (!body.empty() && body[0] == kAcceptRecordTag) {
    CXB_RETURN_IF_ERROR(CheckHeader(body, kAcceptRecordTag, "accept record"));
    return RecordKind::kAccept;
  }
  if (!body.empty() && body[0] == kMarkerTag) {
    CXB_RETURN_IF_ERROR(CheckHeader(body, kMarkerTag, "marker"));
    return RecordKind::kMarker;
  }
  return Status::Corruption("not a partition record (neither an accept record nor a marker)");
}

Result<AcceptRecordData> DecodeAcceptRecord(std::string_view body) {
  CXB_RETURN_IF_ERROR(CheckHeader(body, kAcceptRecordTag, "accept record"));
  Reader r{body.substr(2)};
  AcceptRecordData out;
  out.ingest_ms = r.Time();
  out.bus = r.Str();
  uint64_t n = r.Varint();
  if (r.bad || n > kMaxDeliveriesPerRecord)
    return Status::Corruption("accept record: bad delivery count");
  out.deliveries.resize(n);
  for (auto& d : out.deliveries) {
    d.route = r.Str();
    d.group = r.Str();
    d.attempts = r.U32();
    d.first_ms = r.Time();
    d.due_ms = r.Time();
    d.last_error = r.Str();
    d.order_seq = r.Varint();
    if (r.bad) return Status::Corruption("accept record: truncated delivery");
  }
  out.event_json = r.Str();
  if (r.bad) return Status::Corruption("accept record: truncated event");
  if (!r.in.empty()) return Status::Corruption("accept record: trailing bytes");
  return out;
}

Result<std::vector<MarkerEntry>> DecodeMarker(std::string_view body) {
  CXB_RETURN_IF_ERROR(CheckHeader(body, kMarkerTag, "marker"));
  Reader r{body.substr(2)};
  uint64_t n = r.Varint();
  if (r.bad || n > kMaxMarkerEntries) return Status::Corruption("marker: bad entry count");
  std::vector<MarkerEntry> out(n);
  for (auto& e : out) {
    if (r.in.empty()) return Status::Corruption("marker: truncated");
    uint8_t kind = static_cast<uint8_t>(r.in.front());
    r.in.remove_prefix(1);
    if (kind != MarkerEntry::kDone && kind != MarkerEntry::kRetry) {
      return Status::Corruption("marker: unknown entry kind " + std::to_string(kind));
    }
    e.kind = static_cast<MarkerEntry::Kind>(kind);
    e.seq = r.Varint();
    e.index = r.U32();
    if (e.kind == MarkerEntry::kRetry) {
      e.attempts = r.U32();
      e.due_ms = r.Time();
      e.last_error = r.Str();
    }
    if (r.bad) return Status::Corruption("marker: truncated entry");
  }
  if (!r.in.empty()) return Status::Corruption("marker: trailing bytes");
  return out;
}

}  // namespace cxbridge::cluster
