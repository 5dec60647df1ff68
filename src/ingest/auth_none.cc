// Scheme `none`: accepts every request. Exists so that an unauthenticated source is a visible,
// deliberate choice in the config ({scheme: none}) rather than the result of a missing section.
#include "ingest/auth.h"
#include "ingest/config_util.h"

namespace cxbridge::ingest {

namespace {
class NoneAuthenticator final : public Authenticator {
 public:
  AuthResult Verify(const RequestView&, int64_t) const override { return AuthResult::Ok(); }
  std::string_view scheme() const override { return "none"; }
};
}  // namespace

Result<std::unique_ptr<Authenticator>> MakeNoneAuthenticator(const json::Value& config) {
  CXB_RETURN_IF_ERROR(CheckKeys(config, "auth (none)", {"scheme"}));
  return std::unique_ptr<Authenticator>(new NoneAuthenticator());
}

}  // namespace cxbridge::ingest
