// Which claim-check blobs the database still needs: every blob named by a `$ref` in a stored
// event (the event log, archives, the dead-letter queue, the quarantine, the built-in queues).
// Blob retention (blob/sweeper.h) deletes only blobs outside this set.
//
// References are found in the stored bytes, not by parsing: a `"$ref"` key followed, within the
// reference object, by a `sha256` member of 64 hex digits. This also finds references inside
// JSON that is itself stored as an escaped string (a DLQ entry keeps its event that way), and it
// may over-report (text that merely looks like a reference keeps a blob; it never loses one).
// Thread-safety: safe from any thread; it reads a consistent snapshot of each column family.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>

#include "common/status.h"
#include "store/db.h"

namespace cxbridge::store {

// Adds the sha256 of every reference found in `bytes` to `out`.
void ExtractBlobRefs(std::string_view bytes, std::unordered_set<std::string>* out);

// Scans the column families that hold events and returns every referenced sha256.
Result<std::unordered_set<std::string>> CollectBlobRefs(Db& db);

}  // namespace cxbridge::store
