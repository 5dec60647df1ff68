// The matching hot path: MatchContext's entry points and the lazy event walk. The walk reads the
// event with the scanner of event_scan.h, visiting only the members some pattern names and
// skipping the rest structurally, and feeds each leaf value to its field table (the transitions in
// match_context_impl.h); Finish then completes the conjunctions. No allocation per event once the
// context's buffers have grown to the working size. The former simdjson On-Demand walker is kept
// as a cross-check (MatchContext::set_simdjson, machine_match_simdjson.cc).
#include <simdjson.h>

#include <cmath>
#include <cstring>

#include "pattern/event_scan.h"
#include "pattern/machine.h"
#include "pattern/machine_data.h"
#include "pattern/match_context_impl.h"

namespace cxbridge::pattern {

std::string_view SimdjsonKernel() {
#define CXB_STR2(x) #x
#define CXB_STR(x) CXB_STR2(x)
  return CXB_STR(SIMDJSON_BUILTIN_IMPLEMENTATION);
#undef CXB_STR
#undef CXB_STR2
}

namespace {
const Status& NotValid() {
  static const Status kStatus = Status::InvalidArgument("Parameter Event is not valid.");
  return kStatus;
}
}  // namespace

// p_ at the first byte of a value (p_ < end_).
int MatchContext::Impl::ScanValue(uint32_t node, int depth) {
  if (depth > kMaxDepth) return -1;
  const internal::TrieNode& n = d->nodes[node];
  const char c = *p_;
  if (c == '{') {
    ++p_;
    if (n.child_count == 0) {  // an object is not a leaf, and nothing below it is named
      p_ = internal::scan::SkipContainers(p_, end_, 1);
      return p_ ? 0 : -1;
    }
    return ScanObject(node, depth + 1);
  }
  if (c == '[') {
    ++p_;
    p_ = internal::scan::SkipWs(p_, end_);
    if (p_ >= end_) return -1;
    if (*p_ == ']') {
      ++p_;
      return 0;
    }
    stack.emplace_back(arrays++, 0);
    const size_t sd = stack.size() - 1;
    uint32_t idx = 0;
    while (true) {
      stack[sd].second = idx++;
      const int r = ScanValue(node, depth + 1);
      if (r < 0) return -1;
      if (r > 0 && !(p_ = internal::scan::SkipContainers(p_, end_, r))) return -1;
      p_ = internal::scan::SkipWs(p_, end_);
      if (p_ >= end_) return -1;
      if (*p_ == ',') {
        p_ = internal::scan::SkipWs(p_ + 1, end_);
        if (p_ >= end_) return -1;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        break;
      }
      return -1;
    }
    stack.pop_back();
    return 0;
  }
  if (n.field == kNone) {  // a scalar where only deeper paths are named
    p_ = internal::scan::SkipValue(p_, end_);
    return p_ ? 0 : -1;
  }
  const uint32_t fid = n.field;
  const internal::FieldTable& T = d->fields[fid];
  switch (c) {
    case '"': {
      const char* s = p_ + 1;
      bool special = false, dot = false;
      const char* q = win_.Find(s, end_, &special, &dot);
      if (!q) return -1;
      std::string_view str;
      if (*q == '"') {
        if (special && !internal::scan::ValidStringBytes(s, q)) return -1;
        str = std::string_view(s, q - s);
        p_ = q + 1;
      } else {
        const size_t at = arena.size();
        p_ = internal::scan::ReadEscapedString(s, end_, &arena);
        if (!p_) return -1;
        str = std::string_view(arena.data() + at, arena.size() - at);
      }
      BeginLeaf(fid);
      if (T.record) leaves.push_back(Leaf{fid, Leaf::kString, str, 0, Trail()});
      OnString(fid, str);
      return 0;
    }
    case 't':
    case 'f': {
      const bool b = c == 't';
      const size_t n_lit = b ? 4 : 5;
      if (static_cast<size_t>(end_ - p_) < n_lit || std::memcmp(p_, b ? "true" : "false", n_lit)) {
        return -1;
      }
      p_ += n_lit;
      BeginLeaf(fid);
      if (T.record) leaves.push_back(Leaf{fid, b ? Leaf::kTrue : Leaf::kFalse, {}, 0, Trail()});
      OnOther(fid, b ? T.true_slots : T.false_slots);
      return 0;
    }
    case 'n': {
      if (end_ - p_ < 4 || std::memcmp(p_, "null", 4)) return -1;
      p_ += 4;
      BeginLeaf(fid);
      if (T.record) leaves.push_back(Leaf{fid, Leaf::kNull, {}, 0, Trail()});
      OnOther(fid, T.null_slots);
      return 0;
    }
    default: {
      const char* e = internal::scan::ScanNumber(p_, end_);
      if (!e) return -1;
      // The value is only needed by numeric conditions (indexed or recorded).
      const double x =
          (T.has_numbers || T.record) ? internal::scan::NumberValue(p_, e) : std::nan("");
      p_ = e;
      BeginLeaf(fid);
      if (T.record) leaves.push_back(Leaf{fid, Leaf::kNumber, {}, x, Trail()});
      OnNumber(fid, x);
      return 0;
    }
  }
}

// p_ just after the '{' of an object at `node` (which has children).
int MatchContext::Impl::ScanObject(uint32_t node, int depth) {
  const internal::TrieNode& n = d->nodes[node];
  // Early exit as in SjWalkObject: once every child of this node was seen, stop reading.
  bool can_stop = early_exit && !n.hashed_children && n.child_count <= 64;
  const uint64_t all = n.child_count >= 64 ? ~uint64_t{0} : (uint64_t{1} << n.child_count) - 1;
  uint64_t seen = 0;
  p_ = internal::scan::SkipWs(p_, end_);
  if (p_ >= end_) return -1;
  if (*p_ == '}') {
    ++p_;
    return 0;
  }
  while (true) {
    if (*p_ != '"') return -1;
    const char* ks = p_ + 1;
    bool special = false, dotted = false;
    const char* q = win_.Find(ks, end_, &special, &dotted);
    if (!q) return -1;
    std::string_view key;
    if (*q == '"') {
      if (special && !internal::scan::ValidStringBytes(ks, q)) return -1;
      key = std::string_view(ks, q - ks);
      p_ = q + 1;
    } else {
      key_buf.clear();
      p_ = internal::scan::ReadEscapedString(ks, end_, &key_buf);
      if (!p_) return -1;
      key = key_buf;
      dotted = key.find('.') != std::string_view::npos;
    }
    p_ = internal::scan::SkipWs(p_, end_);
    if (p_ >= end_ || *p_ != ':') return -1;
    p_ = internal::scan::SkipWs(p_ + 1, end_);
    if (p_ >= end_) return -1;
    uint32_t idx = kNone;
    uint32_t child;
    if (dotted) {
      can_stop = false;
      child = StepDotted(node, key);
    } else {
      child = Child(node, key, &idx);
    }
    if (child == kNone) {
      p_ = *p_ == '"' ? win_.Skip(p_ + 1, end_) : internal::scan::SkipValue(p_, end_);
      if (!p_) return -1;
    } else {
      const int r = ScanValue(child, depth);
      if (r < 0) return -1;
      if (can_stop && idx != kNone) {
        seen |= uint64_t{1} << idx;
        if (seen == all) return r + 1;
      }
      if (r > 0 && !(p_ = internal::scan::SkipContainers(p_, end_, r))) return -1;
    }
    p_ = internal::scan::SkipWs(p_, end_);
    if (p_ >= end_) return -1;
    if (*p_ == ',') {
      p_ = internal::scan::SkipWs(p_ + 1, end_);
      if (p_ >= end_) return -1;
      continue;
    }
    if (*p_ == '}') {
      ++p_;
      return 0;
    }
    return -1;
  }
}

bool MatchContext::Impl::Scan(const char* data, size_t len) {
  p_ = data;
  end_ = data + len;
  // Ask for all of the event's cache lines at once: the walk reads only a prefix of the event,
  // and without this each line it reaches is a separate, serialized miss when the event is not
  // in cache yet (the prefetches overlap them).
  // (Measured: asking only for the part recent events were read to is slower on data that is
  // not in cache: a dense, sequential request stream also lets the hardware prefetcher run
  // ahead to the next events.)
  for (size_t off = 64; off < len && off < kPrefetchBytes; off += 64) {
    __builtin_prefetch(data + off);
  }
  arena.clear();
  if (arena.capacity() < len) arena.reserve(len);
  win_.Reset();
  p_ = internal::scan::SkipWs(p_, end_);
  if (p_ >= end_ || *p_ != '{') return false;
  ++p_;
  if (d->nodes[0].child_count == 0) return true;  // no pattern names anything
  const int r = ScanObject(0, 1);
  if (r < 0) return false;
  // Read to the end: only whitespace may follow the root object.
  if (r == 0 && internal::scan::SkipWs(p_, end_) != end_) return false;
  return true;
}

Status MatchContext::Impl::Run(const MachineData& md, const char* data, size_t len,
                               std::vector<uint32_t>* o) {
  Prepare(md);
  out = o;
  if (!use_simdjson) {
    if (!Scan(data, len)) return NotValid();
    Finish();
    return Status::Ok();
  }
  od::document doc;
  if (parser.iterate(data, len, len + simdjson::SIMDJSON_PADDING).get(doc)) return NotValid();
  od::object root;
  if (doc.get_object().get(root)) return NotValid();
  if (!SjWalkObject(root, 0)) return NotValid();
  Finish();
  return Status::Ok();
}

MatchContext::MatchContext() : impl_(std::make_unique<Impl>()) {}
MatchContext::~MatchContext() = default;

Status MatchContext::Match(const Machine& m, std::string_view event_json,
                           std::vector<uint32_t>* out) {
  auto& buf = impl_->buf;
  if (buf.size() < event_json.size() + kPadding) buf.resize(event_json.size() + kPadding);
  std::memcpy(buf.data(), event_json.data(), event_json.size());
  std::memset(buf.data() + event_json.size(), 0, kPadding);
  return impl_->Run(m.data(), buf.data(), event_json.size(), out);
}

Status MatchContext::MatchPadded(const Machine& m, const char* data, size_t len,
                                 std::vector<uint32_t>* out) {
  return impl_->Run(m.data(), data, len, out);
}

void MatchContext::set_early_exit(bool on) { impl_->early_exit = on; }
void MatchContext::set_simdjson(bool on) { impl_->use_simdjson = on; }

static_assert(MatchContext::kPadding >= simdjson::SIMDJSON_PADDING);

}  // namespace cxbridge::pattern
