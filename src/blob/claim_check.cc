#include "blob/claim_check.h"

#include <algorithm>

namespace cxbridge::blob {
namespace {

using transform::JsonPath;

bool IsPlainKey(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void AppendKey(std::string* path, std::string_view key) {
  if (IsPlainKey(key)) {
    *path += ".";
    *path += key;
  } else {
    *path += "['";
    *path += key;
    *path += "']";
  }
}

bool FindRefIn(const json::Value& v, std::string* path) {
  if (IsRef(v)) return true;
  size_t len = path->size();
  if (v.is_object()) {
    for (const auto& [k, child] : v.members()) {
      AppendKey(path, k);
      if (FindRefIn(child, path)) return true;
      path->resize(len);
    }
  } else if (v.is_array()) {
    for (size_t i = 0; i < v.items().size(); ++i) {
      *path += "[" + std::to_string(i) + "]";
      if (FindRefIn(v.items()[i], path)) return true;
      path->resize(len);
    }
  }
  return false;
}

// One value a configured path matched, with the chain of values above it (to skip values inside
// one already moved out).
struct Candidate {
  json::Value* value = nullptr;
  std::vector<const json::Value*> ancestors;
  std::string bytes;  // compact serialization: the blob
};

void Collect(json::Value* v, const std::vector<JsonPath::Segment>& segs, size_t i,
             std::vector<const json::Value*>* chain, std::vector<Candidate>* out) {
  if (i == segs.size()) {
    out->push_back(Candidate{v, *chain, {}});
    return;
  }
  const JsonPath::Segment& s = segs[i];
  chain->push_back(v);
  switch (s.kind) {
    case JsonPath::Segment::Kind::kKey:
      if (json::Value* child = v->Find(s.key); child != nullptr) Collect(child, segs, i + 1, chain, out);
      break;
    case JsonPath::Segment::Kind::kIndex:
      if (v->is_array() && s.index < v->items().size()) {
        Collect(&v->items()[s.index], segs, i + 1, chain, out);
      }
      break;
    case JsonPath::Segment::Kind::kWildcard:
      if (v->is_object()) {
        for (auto& [k, child] : v->members()) Collect(&child, segs, i + 1, chain, out);
      } else if (v->is_array()) {
        for (json::Value& child : v->items()) Collect(&child, segs, i + 1, chain, out);
      }
      break;
  }
  chain->pop_back();
}

bool IsJsonContentType(std::string_view ct) {
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.remove_suffix(1);
  std::string lower(ct);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" || lower.ends_with("+json");
}

Status ResolveIn(BlobStore& store, json::Value* v, size_t* count) {
  if (IsRef(*v)) {
    Result<BlobRef> ref = BlobRef::FromJson(*v->Find(kRefKey));
    if (!ref.ok()) return ref.status();
    Result<Blob> blob = store.Get(ref->sha256);
    if (!blob.ok()) return blob.status();
    if (blob->bytes.size() != ref->size) {
      return Status::Corruption("blob " + ref->sha256 + " has " +
                                std::to_string(blob->bytes.size()) + " bytes, reference says " +
                                std::to_string(ref->size));
    }
    std::string_view type = ref->content_type.empty() ? blob->content_type : ref->content_type;
    if (IsJsonContentType(type)) {
      Result<json::Value> payload = json::Parse(blob->bytes);
      if (!payload.ok()) {
        return Status::Corruption("blob " + ref->sha256 + " is not JSON: " +
                                  payload.status().message());
      }
      *v = std::move(*payload);
    } else {
      *v = json::Value::String(std::move(blob->bytes));
    }
    ++*count;
    return Status::Ok();
  }
  if (v->is_object()) {
    for (auto& [k, child] : v->members()) CXB_RETURN_IF_ERROR(ResolveIn(store, &child, count));
  } else if (v->is_array()) {
    for (json::Value& child : v->items()) CXB_RETURN_IF_ERROR(ResolveIn(store, &child, count));
  }
  return Status::Ok();
}

}  // namespace

bool IsRef(const json::Value& v) {
  return v.is_object() && v.members().size() == 1 && v.members()[0].first == kRefKey &&
         v.members()[0].second.is_object();
}

std::optional<std::string> FindRef(const json::Value& event) {
  std::string path = "$";
  if (FindRefIn(event, &path)) return path;
  return std::nullopt;
}

Result<size_t> ResolveRefs(BlobStore& store, json::Value* event) {
  size_t count = 0;
  CXB_RETURN_IF_ERROR(ResolveIn(store, event, &count));
  return count;
}

Result<ClaimCheckPolicy> ParseClaimCheckPolicy(const json::Value& config) {
  if (!config.is_object()) return Status::InvalidArgument("claim_check: must be an object");
  CXB_RETURN_IF_ERROR(
      CheckKnownKeys(config, {"threshold_bytes", "fields", "uri_base", "store"}, "claim_check"));
  ClaimCheckPolicy p;
  if (const json::Value* t = config.Find("threshold_bytes"); t != nullptr) {
    int64_t n = 0;
    if (!t->is_number() || !t->as_int64(&n) || n < 1 || n > (int64_t{1} << 30)) {
      return Status::InvalidArgument(
          "claim_check.threshold_bytes: must be an integer from 1 to 1073741824");
    }
    p.threshold_bytes = static_cast<size_t>(n);
  }
  if (const json::Value* f = config.Find("fields"); f != nullptr) {
    if (!f->is_array()) {
      return Status::InvalidArgument("claim_check.fields: must be a list of JSONPaths");
    }
    for (size_t i = 0; i < f->items().size(); ++i) {
      std::string where = "claim_check.fields[" + std::to_string(i) + "]: ";
      const json::Value& item = f->items()[i];
      if (!item.is_string()) return Status::InvalidArgument(where + "must be a string");
      Result<JsonPath> path = JsonPath::Compile(item.as_string());
      if (!path.ok()) return Status::InvalidArgument(where + path.status().message());
      const auto& segs = path->segments();
      if (segs.empty() || segs[0].kind != JsonPath::Segment::Kind::kKey || segs[0].key != "detail") {
        return Status::InvalidArgument(where + "must start with $.detail (routing fields stay)");
      }
      p.fields.push_back(std::move(*path));
    }
  }
  if (const json::Value* u = config.Find("uri_base"); u != nullptr) {
    if (!u->is_string()) return Status::InvalidArgument("claim_check.uri_base: must be a string");
    p.uri_base = u->as_string();
  }
  return p;
}

Result<std::shared_ptr<const ClaimCheck>> ClaimCheck::FromConfig(const json::Value& config,
                                                                 const BlobStoreRegistry& registry,
                                                                 const StoreContext& ctx) {
  Result<ClaimCheckPolicy> policy = ParseClaimCheckPolicy(config);
  if (!policy.ok()) return policy.status();
  const json::Value* store_cfg = config.Find("store");
  Result<std::shared_ptr<BlobStore>> store =
      registry.Create(store_cfg == nullptr ? json::Value() : *store_cfg, ctx);
  if (!store.ok()) {
    return Status(store.status().code(), "claim_check." + store.status().message());
  }
  return std::make_shared<const ClaimCheck>(std::move(*policy), std::move(*store));
}

json::Value ClaimCheck::MakeRef(BlobRef ref) const {
  if (!policy_.uri_base.empty()) ref.uri = policy_.uri_base + ref.sha256;
  return json::Value::Object({{std::string(kRefKey), ref.ToJson()}});
}

Result<ClaimCheck::Outcome> ClaimCheck::ApplyToPayload(json::Value* payload) const {
  if (payload->is_object() && (!policy_.fields.empty() || payload->Find("detail") != nullptr)) {
    return Apply(payload, true);
  }
  Outcome out;
  const std::string bytes = json::Serialize(*payload);
  out.bytes_before = out.bytes_after = bytes.size();
  if (bytes.size() <= policy_.threshold_bytes) return out;
  Result<BlobRef> ref = store_->Put(bytes, kJsonContentType);
  if (!ref.ok()) return ref.status();
  ref->content_type = std::string(kJsonContentType);
  *payload = MakeRef(*ref);
  out.bytes_after = json::Serialize(*payload).size();
  if (!policy_.uri_base.empty()) ref->uri = policy_.uri_base + ref->sha256;
  out.refs.push_back(std::move(*ref));
  return out;
}

Result<ClaimCheck::Outcome> ClaimCheck::Apply(json::Value* event, bool refs_allowed) const {
  if (!event->is_object()) return Status::InvalidArgument("event must be a JSON object");
  if (std::optional<std::string> at = FindRef(*event); at && !refs_allowed) {
    return Status::InvalidArgument("event already carries a claim-check reference ($ref) at " + *at);
  }
  Outcome out;
  out.bytes_before = out.bytes_after = json::Serialize(*event).size();
  if (out.bytes_after <= policy_.threshold_bytes) return out;

  std::vector<Candidate> candidates;
  std::vector<const json::Value*> chain;
  if (policy_.fields.empty()) {
    if (json::Value* detail = event->Find("detail"); detail != nullptr) {
      candidates.push_back(Candidate{detail, {event}, {}});
    }
  } else {
    for (const JsonPath& path : policy_.fields) Collect(event, path.segments(), 0, &chain, &candidates);
  }
  for (Candidate& c : candidates) c.bytes = json::Serialize(*c.value);
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.bytes.size() > b.bytes.size();
  });

  // The serialized size of a reference does not depend on the hash's value (fixed length), so
  // the gain of each move is known before the blob is written.
  const std::string zeros(kSha256HexLength, '0');
  auto make_ref = [&](BlobRef ref) { return MakeRef(std::move(ref)); };
  std::vector<const json::Value*> moved;
  for (Candidate& c : candidates) {
    if (out.bytes_after <= policy_.threshold_bytes) break;
    bool inside_moved = std::find(moved.begin(), moved.end(), c.value) != moved.end();
    for (const json::Value* a : c.ancestors) {
      inside_moved = inside_moved || std::find(moved.begin(), moved.end(), a) != moved.end();
    }
    if (inside_moved) continue;
    BlobRef probe{store_->Uri(zeros), zeros, c.bytes.size(), std::string(kJsonContentType)};
    size_t ref_size = json::Serialize(make_ref(probe)).size();
    if (ref_size >= c.bytes.size()) continue;  // a reference would not be smaller

    Result<BlobRef> ref = store_->Put(c.bytes, kJsonContentType);
    if (!ref.ok()) return ref.status();
    // The payload is JSON whatever type an earlier Put of the same bytes recorded.
    ref->content_type = std::string(kJsonContentType);
    *c.value = make_ref(*ref);
    moved.push_back(c.value);
    out.bytes_after = out.bytes_after - c.bytes.size() + ref_size;
    if (!policy_.uri_base.empty()) ref->uri = policy_.uri_base + ref->sha256;
    out.refs.push_back(std::move(*ref));
  }
  return out;
}

}  // namespace cxbridge::blob
