// JSONPath on any path and document: "<path>\n<JSON>". Compile answers any text; a compiled
// path is evaluated (Find, Collect) and, when definite, written (Set) and removed (Erase):
// for a definite path Find and Collect agree, and a value Set is then found at the path.
#include <string>
#include <vector>

#include "common/json.h"
#include "fuzz/fuzz_util.h"
#include "transform/json_path.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace cxbridge;
  auto [path_text, doc_text] = fuzz::SplitLine(fuzz::AsText(data, size));
  auto path = transform::JsonPath::Compile(path_text);
  if (!path.ok()) return 0;
  auto doc = json::Parse(doc_text);
  if (!doc.ok()) return 0;
  std::vector<const json::Value*> all;
  path->Collect(*doc, &all);
  if (!path->definite()) return 0;
  const json::Value* found = path->Find(*doc);
  if ((found != nullptr) != (all.size() == 1) || (found && found != all[0])) fuzz::Fail();
  if (path->is_root()) return 0;
  json::Value copy = *doc;
  const json::Value marker = json::Value::String("\x01marker");
  if (path->Set(&copy, marker).ok()) {
    const json::Value* at = path->Find(copy);
    if (at == nullptr || !(*at == marker)) fuzz::Fail();
    if (!path->Erase(&copy)) fuzz::Fail();
  }
  return 0;
}
