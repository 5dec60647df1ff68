// The MD5 digests SQS returns with messages (MD5OfMessageBody, MD5OfMessageAttributes), which SDKs
// may check. Stateless; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/json.h"

namespace cxbridge::queue {

std::string Md5Hex(std::string_view data);

// SQS's digest of MessageAttributes (a JSON object name → {DataType, StringValue|BinaryValue
// (base64)}): names sorted; per attribute the name, the data type (each as a 4-byte big-endian
// length then bytes), one transport byte (1 string, 2 binary) and the value (length-prefixed).
// Empty string when there are no attributes.
std::string MessageAttributesMd5(const json::Value& attributes);

}  // namespace cxbridge::queue
