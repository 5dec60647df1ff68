// The built-in queues' SQS API on any request, with a real QueueService over RocksDB in a
// temporary folder. First byte: the protocol.
//  * even: the query protocol, the rest a form (`Action=…&QueueUrl=…&…`) as a POST body: it is
//    decoded into the JSON request (ParseQueryRequest) and served; the XML answer is made.
//  * odd: the JSON protocol, "<Operation>\n<JSON body>" with X-Amz-Target: AmazonSQS.<Operation>.
// Every request is answered (a long-poll receive may answer later, from the poller); an answer
// made at once is never a 5xx.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/clock.h"
#include "fuzz/fuzz_util.h"
#include "queue/service.h"
#include "queue/sqs_handler.h"
#include "queue/sqs_query.h"
#include "store/db.h"
#include "store/embedded.h"

namespace {
using namespace cxbridge;

std::string* g_dir = nullptr;  // removed at exit (libFuzzer ends with exit())

struct Queues {
  std::unique_ptr<store::Db> db;
  std::unique_ptr<store::EmbeddedQueueStore> queue_store;
  std::unique_ptr<queue::QueueService> service;
  std::unique_ptr<queue::SqsHandler> handler;
  Queues() {
    const char* base = std::getenv("TMPDIR");
    std::string dir = std::string(base ? base : "/tmp") + "/cxbridge-sqs-fuzz-" + std::to_string(getpid());
    std::filesystem::remove_all(dir);
    g_dir = new std::string(dir);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*g_dir, ec);
    });
    auto d = store::Db::Open(dir, SystemClock());
    if (!d.ok()) fuzz::Fail();
    db = std::move(*d);
    queue_store = std::make_unique<store::EmbeddedQueueStore>(*db);
    service = std::make_unique<queue::QueueService>(*queue_store, SystemClock(), "123456789012", "us-east-1");
    if (!service->Open().ok()) fuzz::Fail();
    service->Start();
    handler = std::make_unique<queue::SqsHandler>(*service);
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Queues* q = new Queues();  // for the process: its poller thread outlives statics
  if (size == 0) return 0;
  http::Request req;
  req.method = "POST";
  req.target = req.path = "/";
  std::string_view rest = fuzz::AsText(data + 1, size - 1);
  std::string action;
  if (data[0] % 2 == 0) {
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = std::string(rest);
    if (queue::IsQueryRequest(req)) {
      auto parsed = queue::ParseQueryRequest(req);
      if (parsed) action = parsed->action;
    }
  } else {
    auto [op, body] = fuzz::SplitLine(rest);
    req.headers = {{"Content-Type", "application/x-amz-json-1.0"},
                   {"X-Amz-Target", "AmazonSQS." + std::string(op)}};
    req.body = std::string(body);
  }
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto status = std::make_shared<std::atomic<int>>(0);
  q->handler->Handle(std::move(req), [answered, status](http::Response r) {
    status->store(r.status);
    answered->store(true);
  });
  if (answered->load() && status->load() >= 500) fuzz::Fail();
  if (!action.empty() && answered->load()) {
    http::Response json_answer;
    json_answer.status = status->load();
    json_answer.body = R"({"QueueUrl":"http://localhost/123456789012/q","Messages":[{"Body":"b"}]})";
    (void)queue::ToQueryResponse(action, json_answer);
  }
  return 0;
}
