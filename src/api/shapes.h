// The request shapes of the served operations, with the botocore model's constraints (min, max,
// pattern, enum, required). The tables are generated at build time by gen_shapes.py from the
// botocore model installed on the build machine (see README.md). Immutable; safe from any thread.
#pragma once

#include <string_view>

namespace cxbridge::api::model {

enum class ShapeKind { kStructure, kList, kMap, kString, kInteger, kBoolean, kTimestamp, kDouble };

struct Member {
  const char* name;  // as on the wire ("EventBusName")
  int shape;         // index into kShapes
  bool required;
};

struct Shape {
  const char* name;
  ShapeKind kind;
  bool has_min;
  long long min;  // length for strings/lists/maps, value for numbers
  bool has_max;
  long long max;
  const char* pattern;  // nullptr when none
  const char* const* enums;
  int num_enums;
  const Member* members;
  int num_members;
  int element;  // list member shape, -1 otherwise
  int key;      // map key shape
  int value;    // map value shape
};

struct Operation {
  const char* name;  // "PutEvents"
  int input;         // input shape
};

extern const Shape kShapes[];
extern const int kNumShapes;
extern const Operation kOperations[];
extern const int kNumOperations;

// The input shape of an operation; nullptr when the operation is not served.
inline const Shape* FindInput(std::string_view operation) {
  for (int i = 0; i < kNumOperations; ++i)
    if (operation == kOperations[i].name) return &kShapes[kOperations[i].input];
  return nullptr;
}

}  // namespace cxbridge::api::model
