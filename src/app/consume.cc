#include "app/consume.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>

#include "app/client_credentials.h"
#include "aws/sigv4.h"
#include "common/clock.h"
#include "common/json.h"
#include "config/config.h"
#include "deliver/flow.h"
#include "deliver/target.h"
#include "http/client.h"

namespace cxbridge::app {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

// "N/s", "N/m", "N/h" or "N" → messages per second; negative on bad input.
double ParseRate(const std::string& s) {
  char* end = nullptr;
  double n = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || n < 0) return -1;
  std::string unit(end);
  if (unit.empty() || unit == "/s") return n;
  if (unit == "/m") return n / 60;
  if (unit == "/h") return n / 3600;
  return -1;
}

std::string FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return std::filesystem::absolute(name).string();
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    std::string dir = p.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string full = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(full.c_str(), X_OK) == 0) return std::filesystem::absolute(full).string();
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

// A minimal SQS JSON-protocol client for the consumer's few calls.
class SqsClient {
 public:
  // Requests are SigV4-signed for service "sqs" in `region` when `creds` has a key.
  SqsClient(std::string server, aws::AwsCredentials creds, std::string region)
      : server_(std::move(server)), creds_(std::move(creds)), region_(std::move(region)) {}

  // The parsed answer; an error names the SQS error code and message.
  Result<json::Value> Call(const std::string& op, const json::Value& body, int64_t timeout_ms = 10'000) {
    http::ClientRequest req;
    req.max_response_bytes = SIZE_MAX;  // our own server's answers (admin listings, queues)
    req.method = "POST";
    req.url = server_ + "/";
    req.timeout_ms = timeout_ms;
    req.headers = {{"Content-Type", "application/x-amz-json-1.0"}, {"X-Amz-Target", "AmazonSQS." + op}};
    req.body = json::Serialize(body);
    if (!creds_.access_key_id.empty()) {
      aws::SignInput in;
      in.url = req.url;
      in.headers = req.headers;
      in.body = req.body;
      in.region = region_;
      in.service = "sqs";
      in.now_ms = SystemClock().NowMs();
      for (auto& h : aws::SignV4(in, creds_)) req.headers.push_back(std::move(h));
    }
    http::ClientResponse r = client_.SendSync(std::move(req));
    if (r.status == 0) return Status::Unavailable("cannot reach " + server_ + ": " + r.error);
    auto j = json::Parse(r.body.empty() ? "{}" : r.body);
    if (r.status != 200) {
      std::string msg = r.body;
      if (j.ok()) {
        const json::Value* t = j->Find("__type");
        const json::Value* m = j->Find("message");
        msg = (t && t->is_string() ? t->as_string() : "error") + ": " + (m && m->is_string() ? m->as_string() : "");
      }
      return Status::FailedPrecondition(op + " → HTTP " + std::to_string(r.status) + " " + msg);
    }
    if (!j.ok()) return j.status();
    return std::move(*j);
  }

 private:
  std::string server_;
  aws::AwsCredentials creds_;
  std::string region_;
  http::HttpClient client_;
};

struct Completion {
  std::string group, receipt;
  deliver::SendResult result;
};

}  // namespace

int RunConsume(const ConsumeArgs& a) {
  double rate = ParseRate(a.rate);
  if (rate < 0) {
    std::cerr << "--rate must look like 50/s, 300/m, 10/h or 20\n";
    return 2;
  }
  if (a.command.empty()) {
    std::cerr << "give the command after --: cxbridge consume QUEUE --rate 10/s -- ./handle.sh\n";
    return 2;
  }
  if (a.concurrency < 1 || a.concurrency > 64) {
    std::cerr << "--concurrency must be from 1 to 64\n";
    return 2;
  }
  std::string exe = FindExecutable(a.command[0]);
  if (exe.empty()) {
    std::cerr << "command not found: " << a.command[0] << "\n";
    return 2;
  }
  config::Config cfg;
  if (!a.config_path.empty()) {
    auto c = config::LoadConfig(a.config_path);
    if (!c.ok()) {
      std::cerr << c.status().message() << "\n";
      return 2;
    }
    cfg = std::move(*c);
  }
  std::string server = a.server;
  if (server.empty()) {
    std::string host = cfg.address == "0.0.0.0" ? "127.0.0.1" : cfg.address;
    server = "http://" + host + ":" + std::to_string(cfg.port);
  }
  while (!server.empty() && server.back() == '/') server.pop_back();
  auto creds = ClientCredentials(cfg);
  if (!creds.ok()) {
    std::cerr << creds.status().message() << "\n";
    return 2;
  }

  // The command runs through the command target: same timeout, kill and exit-code rules.
  bus::TargetDef def;
  def.origin = bus::Origin::kConfig;  // the operator's own command line
  def.id = "consume";
  def.arn = "command://" + exe;
  json::Value args = json::Value::Array();
  for (size_t i = 1; i < a.command.size(); ++i) args.Push(json::Value::String(a.command[i]));
  json::Value command = json::Value::Object();
  command.Set("Args", std::move(args));
  command.Set("TimeoutSeconds", json::Value::Int(a.timeout));
  command.Set("Concurrency", json::Value::Int(a.concurrency));
  def.raw.Set("Command", std::move(command));
  auto made = deliver::NewCommandTargetKind()->Create(def, deliver::TargetEnv{});
  if (!made.ok()) {
    std::cerr << made.status().message() << "\n";
    return 2;
  }
  std::shared_ptr<deliver::Target> target = *made;

  SqsClient sqs(server, std::move(*creds), cfg.region);
  json::Value q = json::Value::Object();
  q.Set("QueueName", json::Value::String(a.queue));
  auto url_r = sqs.Call("GetQueueUrl", q);
  if (!url_r.ok()) {
    std::cerr << "queue " << a.queue << ": " << url_r.status().message() << "\n";
    return 1;
  }
  const std::string url = url_r->Find("QueueUrl")->as_string();

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGPIPE, SIG_IGN);

  Clock& clock = SystemClock();
  deliver::TokenBucket bucket = rate > 0 ? deliver::TokenBucket(rate) : deliver::TokenBucket();
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Completion> completions;  // guarded by mu
  std::map<std::string, std::deque<std::pair<std::string, std::string>>> chains;  // group → (receipt, body)
  std::set<std::string> running;
  int in_flight = 0;
  long done = 0, failed = 0, last_done = 0;
  int64_t last_report = clock.SteadyMs(), started = last_report;
  const bool tty = ::isatty(2);
  std::string depth = "?";

  auto report = [&](bool final) {
    int64_t now = clock.SteadyMs();
    if (!final && now - last_report < 1000) return;
    double per_s = (done - last_done) * 1000.0 / std::max<int64_t>(1, now - last_report);
    json::Value b = json::Value::Object();
    b.Set("QueueUrl", json::Value::String(url));
    json::Value names = json::Value::Array();
    names.Push(json::Value::String("ApproximateNumberOfMessages"));
    b.Set("AttributeNames", std::move(names));
    if (auto r = sqs.Call("GetQueueAttributes", b); r.ok()) {
      if (const json::Value* at = r->Find("Attributes")) {
        if (const json::Value* n = at->Find("ApproximateNumberOfMessages")) depth = n->as_string();
      }
    }
    last_report = now;
    last_done = done;
    if (a.quiet) return;
    double avg = done * 1000.0 / std::max<int64_t>(1, now - started);
    std::fprintf(stderr, "%s%s: %ld done, %ld failed, %.1f/s now, %.1f/s average, %d running, ~%s waiting%s",
                 tty && !final ? "\r\033[K" : "", a.queue.c_str(), done, failed, final ? avg : per_s, avg, in_flight,
                 depth.c_str(), tty && !final ? "" : "\n");
    std::fflush(stderr);
  };

  while (true) {
    // Results first: delete what succeeded; a failure leaves the message and the rest of its group.
    std::deque<Completion> finished;
    {
      std::lock_guard<std::mutex> lock(mu);
      finished.swap(completions);
    }
    for (auto& c : finished) {
      in_flight--;
      running.erase(c.group);
      if (c.result.kind == deliver::SendResult::kOk) {
        json::Value b = json::Value::Object();
        b.Set("QueueUrl", json::Value::String(url));
        b.Set("ReceiptHandle", json::Value::String(c.receipt));
        if (auto r = sqs.Call("DeleteMessage", b); !r.ok()) {
          std::cerr << "\ndelete failed (the message will be seen again): " << r.status().message() << "\n";
        }
        done++;
      } else {
        failed++;
        chains.erase(c.group);
        if (!a.quiet) {
          std::fprintf(stderr, "%scommand failed (%s), message left for retry: %s\n", tty ? "\r\033[K" : "",
                       c.result.error_code.c_str(), c.result.message.c_str());
        }
      }
    }
    bool limit_reached = a.max_messages > 0 && done >= a.max_messages;
    if ((g_stop || limit_reached) && in_flight == 0) break;

    // Start what may start: one per group at a time, within the concurrency and the rate.
    bool started_any = false;
    int64_t wait_ms = 200;
    if (!g_stop && !limit_reached) {
      for (auto it = chains.begin(); it != chains.end() && in_flight < a.concurrency;) {
        if (running.count(it->first)) {
          ++it;
          continue;
        }
        int64_t now = clock.SteadyMs();
        if (!bucket.TryTake(now)) {
          wait_ms = std::max<int64_t>(1, bucket.NextAvailableMs(now) - now);
          break;
        }
        auto [receipt, body] = std::move(it->second.front());
        it->second.pop_front();
        std::string group = it->first;
        if (it->second.empty()) {
          it = chains.erase(it);
        } else {
          ++it;
        }
        running.insert(group);
        in_flight++;
        started_any = true;
        deliver::SendRequest req;
        req.payload = std::move(body);
        target->Send(req, [&, group, receipt](deliver::SendResult r) {
          {
            std::lock_guard<std::mutex> lock(mu);
            completions.push_back(Completion{group, receipt, std::move(r)});
          }
          cv.notify_one();
        });
      }
    }
    report(false);

    // Nothing queued locally: fetch the next batch (long poll only when nothing is running).
    if (chains.empty() && !g_stop && !limit_reached && in_flight < a.concurrency) {
      json::Value b = json::Value::Object();
      b.Set("QueueUrl", json::Value::String(url));
      b.Set("MaxNumberOfMessages", json::Value::Int(10));
      b.Set("VisibilityTimeout", json::Value::Int(a.visibility_timeout));
      b.Set("WaitTimeSeconds", json::Value::Int(in_flight > 0 || a.exit_when_empty ? 0 : 2));
      json::Value names = json::Value::Array();
      names.Push(json::Value::String("MessageGroupId"));
      b.Set("MessageSystemAttributeNames", std::move(names));
      auto r = sqs.Call("ReceiveMessage", b, 30'000);
      if (!r.ok()) {
        std::cerr << "\nreceive failed: " << r.status().message() << "\n";
        std::unique_lock<std::mutex> lock(mu);
        cv.wait_for(lock, std::chrono::seconds(1));
        continue;
      }
      const json::Value* msgs = r->Find("Messages");
      size_t n = msgs && msgs->is_array() ? msgs->items().size() : 0;
      for (size_t i = 0; i < n; ++i) {
        const json::Value& m = msgs->items()[i];
        const json::Value* attrs = m.Find("Attributes");
        const json::Value* g = attrs ? attrs->Find("MessageGroupId") : nullptr;
        // A standard queue's messages are independent: each is its own chain.
        std::string group = g && g->is_string() ? "g:" + g->as_string() : "m:" + m.Find("MessageId")->as_string();
        chains[group].emplace_back(m.Find("ReceiptHandle")->as_string(), m.Find("Body")->as_string());
      }
      if (n > 0) continue;
      if (a.exit_when_empty && in_flight == 0) break;
    } else if (started_any) {
      continue;
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return !completions.empty() || g_stop.load(); });
  }
  target.reset();  // joins the command workers
  report(true);
  return 0;
}

}  // namespace cxbridge::app
