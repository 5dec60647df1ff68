// The envelope's direct path: the event built from the body's own bytes, with no document, for
// the bodies where that gives, byte for byte, what the document path (BuildEnvelope) gives:
//   - the body is compact JSON (no whitespace between tokens), valid UTF-8, holds no backslash
//     (so every string is written as the serializer writes it) and no object with a repeated
//     key (the document keeps the last value) and none of more than 1,000 members, nested at
//     most 200 deep;
//   - it is a plain body or a live Genesys notification frame (eventBody an object, a topic
//     without `{id}`); an EventBridge event, a relayed frame and anything else take the
//     document path;
//   - its idempotency key is `none`, headers, or paths of member names; its detail-type a
//     constant, the source's name, or a path of member names that holds a string or a number.
// Everything else returns nullopt and the caller builds the document. The differential test
// (envelope_fast_test.cc) holds both paths to the same bytes over the envelope corpus.
// Thread-safety: a pure function.
#pragma once

#include <optional>

#include "ingest/envelope.h"

namespace cxbridge::ingest {

std::optional<Envelope> TryBuildEnvelopeDirect(const RequestView& req, const EnvelopeOptions& opts,
                                               int64_t now_ms);

}  // namespace cxbridge::ingest
