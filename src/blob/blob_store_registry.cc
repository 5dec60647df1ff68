#include "blob/blob_store_registry.h"

#include "common/config_keys.h"

namespace cxbridge::blob {

void RegisterBuiltins(BlobStoreRegistry* registry) {
  registry->Register("local", LocalBlobStoreFromConfig);
  registry->Register("s3", S3BlobStoreFromConfig);
}

void BlobStoreRegistry::Register(std::string type, StoreFactory factory) {
  factories_[std::move(type)] = std::move(factory);
}

Result<std::shared_ptr<BlobStore>> BlobStoreRegistry::Create(const json::Value& config,
                                                             const StoreContext& ctx) const {
  json::Value local = json::Value::Object();
  const json::Value* cfg = config.is_null() ? &local : &config;
  if (!cfg->is_object()) return Status::InvalidArgument("store: must be an object");
  std::string type = "local";
  if (const json::Value* t = cfg->Find("type"); t != nullptr) {
    if (!t->is_string()) return Status::InvalidArgument("store.type: must be a string");
    type = t->as_string();
  }
  auto it = factories_.find(type);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [name, f] : factories_) known += (known.empty() ? "" : ", ") + name;
    return Status::InvalidArgument("store.type: unknown blob store type '" + type +
                                   "' (known: " + known + ")");
  }
  return it->second(*cfg, ctx);
}

Status CheckKnownKeys(const json::Value& object, std::initializer_list<std::string_view> allowed,
                      std::string_view where) {
  return CheckKeys(object, where, allowed);
}

}  // namespace cxbridge::blob
