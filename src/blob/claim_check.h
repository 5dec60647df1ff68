// ClaimCheck: moves large payloads out of EventBridge events into a BlobStore and puts them back.
//
// Apply (accept path, before the event is logged): when the serialized event is larger than
// `threshold_bytes`, the configured fields (JSONPaths under $.detail, `*` allowed) are written to
// the store, largest first, and each is replaced in place by a reference
//   {"$ref":{"uri":…,"sha256":…,"size":…,"contentType":"application/json"}}
// until the event fits. With no fields configured, the whole `detail` is replaced. A blob holds
// the field's compact JSON serialization, so Resolve gives back a byte-identical event
// (json::Value keeps member order and number text). Every field larger than the threshold is
// always moved (it alone keeps the event over the threshold).
//
// Resolve (dispatch path, per target that accepts large bodies): replaces every reference in the
// event with its payload, read from the store and verified by hash and size.
//
// Forged references: a sender could put a `$ref` naming someone else's blob into its own event and
// have Resolve fetch it. Apply therefore refuses events that already carry a `$ref` object
// (kInvalidArgument → 400); sources without a claim-check policy must call FindRef() on accept
// when any target resolves references.
//
// Status from Apply: kInvalidArgument (the event carries a `$ref`: answer 400), or the store's
// status (kIOError / kUnavailable: answer 503, do not acknowledge). From Resolve: kNotFound /
// kCorruption (the payload is gone or damaged: dead-letter with the reason), kUnavailable /
// kIOError (retry later).
// Thread-safety: immutable after construction; Apply and Resolve are safe from any thread (the
// store is). Both block on the store; call them on an I/O or worker thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "blob/blob_store.h"
#include "blob/blob_store_registry.h"
#include "common/json.h"
#include "common/status.h"
#include "transform/json_path.h"

namespace cxbridge::blob {

inline constexpr size_t kDefaultThresholdBytes = 262'144;  // EventBridge's PutEvents entry limit
inline constexpr std::string_view kRefKey = "$ref";

struct ClaimCheckPolicy {
  size_t threshold_bytes = kDefaultThresholdBytes;
  std::vector<transform::JsonPath> fields;  // empty: the whole detail
  // When set, a reference's uri is uri_base + sha256 (e.g. "https://gw.example.com/blobs/", where
  // BlobHandler serves them); otherwise the store's own uri (file://…, s3://…).
  std::string uri_base;
};

// Parses the policy part of a claim_check config object (see README.md):
//   {threshold_bytes: 262144, fields: ["$.detail.eventBody.transcripts"], uri_base: "…",
//    store: {…}}
// `store` is accepted here and parsed by BlobStoreRegistry. Errors are kInvalidArgument and name
// the key ("claim_check.fields[1]: …").
Result<ClaimCheckPolicy> ParseClaimCheckPolicy(const json::Value& config);

// Whether `v` is a reference: an object whose only member is "$ref", itself an object.
bool IsRef(const json::Value& v);

// The JSONPath of the first reference in `event` (document order), if any.
std::optional<std::string> FindRef(const json::Value& event);

// Replaces every reference in `event` with its payload from `store`; returns how many. Payloads
// whose content type is JSON (application/json, *+json) are parsed back; others become a JSON
// string of their bytes. Resolved payloads are not searched again. On error `event` may be
// partly resolved; discard it.
Result<size_t> ResolveRefs(BlobStore& store, json::Value* event);

class ClaimCheck {
 public:
  ClaimCheck(ClaimCheckPolicy policy, std::shared_ptr<BlobStore> store)
      : policy_(std::move(policy)), store_(std::move(store)) {}

  // Builds from a claim_check config object: the policy plus its store through `registry`.
  static Result<std::shared_ptr<const ClaimCheck>> FromConfig(const json::Value& config,
                                                              const BlobStoreRegistry& registry,
                                                              const StoreContext& ctx);

  struct Outcome {
    std::vector<BlobRef> refs;  // the blobs written (empty: the event was small enough)
    size_t bytes_before = 0;    // serialized event size
    size_t bytes_after = 0;     // still > threshold when the named fields were not enough
  };

  // Claim-checks `event` in place. When this returns OK, every blob it references is durable.
  Result<Outcome> Apply(json::Value* event) const { return Apply(event, false); }

  // Dispatch path, per target with its own limit: claim-checks a payload about to be sent (the
  // event, or what a transformation made of it). References already in it (from the source's
  // check) are allowed. A payload that is not an event (no `detail`) with no fields configured is
  // replaced whole by a reference.
  Result<Outcome> ApplyToPayload(json::Value* payload) const;

  // ResolveRefs with this check's store.
  Result<size_t> Resolve(json::Value* event) const { return ResolveRefs(*store_, event); }

  const ClaimCheckPolicy& policy() const { return policy_; }
  BlobStore& store() const { return *store_; }
  const std::shared_ptr<BlobStore>& shared_store() const { return store_; }

 private:
  Result<Outcome> Apply(json::Value* event, bool refs_allowed) const;
  json::Value MakeRef(BlobRef ref) const;

  const ClaimCheckPolicy policy_;
  const std::shared_ptr<BlobStore> store_;
};

}  // namespace cxbridge::blob
