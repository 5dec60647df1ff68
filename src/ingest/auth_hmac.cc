// Scheme `hmac`: HMAC-SHA256 of the raw body bytes, carried in a header.
//   {scheme: hmac, header: X-Signature, encoding: base64|hex, prefix: "sha256=", secret: ...}
//   {scheme: hmac, preset: genesys-open-messaging, secret: ...}        # or secrets: [...]
// Preset genesys-open-messaging: X-Hub-Signature-256: sha256=<base64>, the one signed HTTP push
// a Genesys product sends (Open Messaging's outbound webhook, reference/genesys.md §1d). Nothing
// from Genesys sends any other signature header (an "X-Genesys-Webhook-Signature" seen in
// third-party guides does not exist), so the preset accepts no other.
#include <array>

#include "common/encoding.h"
#include "ingest/auth.h"
#include "ingest/config_util.h"
#include "ingest/hmac.h"

namespace cxbridge::ingest {

namespace {

enum class Encoding { kBase64, kHex };

struct SignatureForm {
  std::string header;
  std::string prefix;            // stripped before decoding (compared case-insensitively)
  bool prefix_optional = false;  // accept the value with or without the prefix
  Encoding encoding = Encoding::kBase64;
};

class HmacAuthenticator final : public Authenticator {
 public:
  HmacAuthenticator(std::vector<SignatureForm> forms, const std::vector<std::string>& secrets)
      : forms_(std::move(forms)) {
    for (const std::string& s : secrets) keys_.push_back(std::make_unique<HmacSha256Key>(s));
  }

  AuthResult Verify(const RequestView& req, int64_t) const override {
    const SignatureForm* form = nullptr;
    std::string_view value;
    for (const SignatureForm& f : forms_) {
      if (auto v = req.Header(f.header); v.has_value()) {
        form = &f;
        value = TrimAscii(*v);
        break;
      }
    }
    if (form == nullptr) return AuthResult::Missing("missing " + HeaderList() + " header");
    if (value.empty()) return AuthResult::Missing("empty " + form->header + " header");
    if (!form->prefix.empty()) {
      if (StartsWithIgnoreCase(value, form->prefix)) {
        value.remove_prefix(form->prefix.size());
      } else if (!form->prefix_optional) {
        return AuthResult::Invalid(form->header + " must start with '" + form->prefix + "'");
      }
    }
    std::optional<std::string> sig =
        form->encoding == Encoding::kHex ? HexDecode(value) : Base64Decode(value);
    if (!sig.has_value() || sig->size() != HmacSha256Key::kDigestBytes) {
      return AuthResult::Invalid("malformed signature in " + form->header + " (expected " +
                                 (form->encoding == Encoding::kHex ? "hex" : "base64") +
                                 " HMAC-SHA256)");
    }
    for (const auto& key : keys_) {
      if (key->Matches({req.body}, *sig)) return AuthResult::Ok();
    }
    return AuthResult::Invalid("signature in " + form->header + " does not match the body");
  }
  std::string_view scheme() const override { return "hmac"; }

 private:
  std::string HeaderList() const {
    std::string out;
    for (const SignatureForm& f : forms_) {
      if (!out.empty()) out += " or ";
      out += f.header;
    }
    return out;
  }

  std::vector<SignatureForm> forms_;
  std::vector<std::unique_ptr<HmacSha256Key>> keys_;
};

}  // namespace

Result<std::unique_ptr<Authenticator>> MakeHmacAuthenticator(const json::Value& config) {
  constexpr std::string_view kWhere = "auth (hmac)";
  CXB_RETURN_IF_ERROR(CheckKeys(
      config, kWhere, {"scheme", "preset", "header", "encoding", "prefix", "secret", "secrets"}));
  std::vector<SignatureForm> forms;
  auto preset = OptionalString(config, "preset", kWhere);
  if (!preset.ok()) return preset.status();
  if (preset->has_value()) {
    if (config.Find("header") || config.Find("encoding") || config.Find("prefix")) {
      return Status::InvalidArgument(
          "auth (hmac): 'preset' fixes header, encoding and prefix; do not give them too");
    }
    if (**preset == "genesys-open-messaging") {
      forms.push_back({"X-Hub-Signature-256", "sha256=", false, Encoding::kBase64});
    } else {
      return Status::InvalidArgument("auth (hmac): unknown preset '" + **preset +
                                     "' (known: genesys-open-messaging)");
    }
  } else {
    SignatureForm f;
    auto header = RequiredString(config, "header", kWhere);
    if (!header.ok()) {
      return Status::InvalidArgument("auth (hmac): 'header' (or 'preset') is required");
    }
    f.header = std::move(*header);
    auto enc = OptionalString(config, "encoding", kWhere);
    if (!enc.ok()) return enc.status();
    std::string e = enc->value_or("base64");
    if (e == "base64") {
      f.encoding = Encoding::kBase64;
    } else if (e == "hex") {
      f.encoding = Encoding::kHex;
    } else {
      return Status::InvalidArgument("auth (hmac): 'encoding' must be base64 or hex, not '" + e + "'");
    }
    if (const json::Value* p = config.Find("prefix")) {
      if (!p->is_string()) return Status::InvalidArgument("auth (hmac): 'prefix' must be a string");
      f.prefix = p->as_string();
    }
    forms.push_back(std::move(f));
  }
  auto secrets = ResolveSecretList(config, "secret", "secrets", kWhere);
  if (!secrets.ok()) return secrets.status();
  return std::unique_ptr<Authenticator>(new HmacAuthenticator(std::move(forms), *secrets));
}

}  // namespace cxbridge::ingest
