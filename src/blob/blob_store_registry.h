// BlobStoreRegistry: the blob store backends by config `type`, and the one place that turns a
// `store:` config object into a BlobStore (STYLE.md "one extension, one place"). A new backend is
// one file with a factory function plus one line in RegisterBuiltins().
//
// Config shape (JSON or the YAML loader's json::Value), under claim_check.store:
//   {type: local, path: /var/lib/cxbridge/blobs}            path defaults to <data_dir>/blobs
//   {type: s3, endpoint: http://127.0.0.1:9000, bucket: b, prefix: "cx/", region: us-east-1,
//    access_key_id: {env: AWS_ACCESS_KEY_ID}, secret_access_key: {env: AWS_SECRET_ACCESS_KEY},
//    session_token: {env: …} (optional), timeout_ms: 10000}
// Credentials are secret specs (common/secret.h): resolved at config time, never logged.
// Errors are kInvalidArgument and name the key ("store.bucket: …").
// Thread-safety: Register during start-up only; Create is safe from any thread afterwards.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "aws/credentials.h"
#include "blob/blob_store.h"
#include "common/clock.h"
#include "common/json.h"
#include "http/client.h"

namespace cxbridge::blob {

// What factories may use besides their own config object.
struct StoreContext {
  std::filesystem::path data_dir;                 // the server's data folder
  std::shared_ptr<http::HttpClient> http_client;  // shared outbound client; nullptr = own one
  const Clock* clock = nullptr;                   // nullptr = SystemClock()
  // The server's AWS default credential chain, started on first call (`credentials: default` of
  // an S3 store); unset where there is none (then such a config is refused).
  std::function<std::shared_ptr<const aws::CredentialSource>()> default_credentials;
  // Check the config only (`cxbridge config check`): nothing is created, no folder, no client,
  // default_credentials is not called; a valid config gives a null store.
  bool validate_only = false;
};

using StoreFactory = std::function<Result<std::shared_ptr<BlobStore>>(const json::Value& config,
                                                                      const StoreContext& ctx)>;

class BlobStoreRegistry {
 public:
  void Register(std::string type, StoreFactory factory);
  // `config` is the store object; a missing or null config means {type: local}.
  Result<std::shared_ptr<BlobStore>> Create(const json::Value& config,
                                            const StoreContext& ctx) const;

 private:
  std::map<std::string, StoreFactory, std::less<>> factories_;
};

// local and s3.
void RegisterBuiltins(BlobStoreRegistry* registry);

// Config helper for factories: kInvalidArgument naming every key of `object` that is not in
// `allowed` (common/config_keys.h; prefix: "store").
Status CheckKnownKeys(const json::Value& object, std::initializer_list<std::string_view> allowed,
                      std::string_view where);

// The backends' factories (each defined beside its backend).
Result<std::shared_ptr<BlobStore>> LocalBlobStoreFromConfig(const json::Value& config,
                                                            const StoreContext& ctx);
Result<std::shared_ptr<BlobStore>> S3BlobStoreFromConfig(const json::Value& config,
                                                         const StoreContext& ctx);

}  // namespace cxbridge::blob
