#include "console/assets.h"

namespace cxbridge::console {

const Asset* FindAsset(std::string_view name) {
  for (size_t i = 0; i < kAssetCount; ++i) {
    if (kAssets[i].name == name) return &kAssets[i];
  }
  return nullptr;
}

}  // namespace cxbridge::console
