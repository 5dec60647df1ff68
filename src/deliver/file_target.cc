// The `file` target kind: Arn "file:///absolute/path" or "file://relative/path" (or `File.Path`). Appends each payload as one
// line (JSON lines). Writes are flushed to the OS per event; not fsync'd (the delivery record is
// the durable copy until the append returns). A file the target creates is 0600 (owner only,
// whatever the umask): events carry customer data.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>

#include "common/json.h"
#include "deliver/target.h"

namespace cxbridge::deliver {
namespace {

class FileTarget : public Target {
 public:
  explicit FileTarget(std::string path) : path_(std::move(path)) {}
  ~FileTarget() override {
    if (f_) std::fclose(f_);
  }

  void Send(const SendRequest& req, std::function<void(SendResult)> done) override {
    SendResult r;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (f_ == nullptr) {
        int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0 && (f_ = ::fdopen(fd, "ab")) == nullptr) ::close(fd);
      }
      if (f_ == nullptr) {
        r.kind = SendResult::kRetryable;
        r.error_code = "FILE_OPEN";
        r.message = "cannot open " + path_;
      } else {
        std::string line = req.payload;
        // One event per line: a payload with raw newlines would break the format.
        for (auto& c : line)
          if (c == '\n') c = ' ';
        line.push_back('\n');
        if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0) {
          r.kind = SendResult::kRetryable;
          r.error_code = "FILE_WRITE";
          r.message = "cannot write " + path_;
          std::fclose(f_);
          f_ = nullptr;
        }
      }
    }
    done(std::move(r));
  }

 private:
  std::string path_;
  std::mutex mu_;
  FILE* f_ = nullptr;  // guarded by mu_
};

class FileTargetKind : public TargetKind {
 public:
  std::string_view name() const override { return "file"; }
  bool Handles(const bus::TargetDef& def) const override { return def.arn.starts_with("file://"); }
  Status Validate(const bus::TargetDef& def, const TargetEnv& env) const override {
    return CheckLocalTargetOrigin(def, env, "file");
  }
  Result<std::shared_ptr<Target>> Create(const bus::TargetDef& def,
                                         const TargetEnv& env) const override {
    // Checked here too: a target saved while the API allowed it stops when that is switched off.
    CXB_RETURN_IF_ERROR(CheckLocalTargetOrigin(def, env, "file"));
    std::string path = def.arn.substr(7);
    if (const json::Value* f = def.raw.Find("File"); f && f->is_object()) {
      if (const json::Value* p = f->Find("Path"); p && p->is_string()) path = p->as_string();
    }
    if (path.empty()) return Status::InvalidArgument("file target needs a path (file:///path/to/file.jsonl)");
    // A relative path (file://out.jsonl) is taken relative to the server's working folder.
    std::error_code ec;
    path = std::filesystem::absolute(path, ec).string();
    return std::shared_ptr<Target>(std::make_shared<FileTarget>(path));
  }
};

}  // namespace

std::unique_ptr<TargetKind> NewFileTargetKind() { return std::make_unique<FileTargetKind>(); }

}  // namespace cxbridge::deliver
