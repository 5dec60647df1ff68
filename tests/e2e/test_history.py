"""Delivery history: every event keeps the rules it matched and every attempt per target, read
through GET /admin/events(/{id}) and `cxbridge events show|tail`."""
import json
import subprocess
import threading
import unittest

from harness import BIN, Gateway, Receiver, wait_for

CONFIG = """
server: {{allow_private_targets: true}}
delivery: {{backoff_base_ms: 50, backoff_max_ms: 200}}
sources:
  shop: {{auth: {{scheme: none}}, event_source: e2e.shop, detail_type: {{path: "$.kind"}}}}
  other: {{auth: {{scheme: none}}, event_source: e2e.other, detail_type: {{value: Other}}}}
rules:
  - Name: orders
    EventPattern: {{source: [e2e.shop], detail-type: [Order]}}
    Targets: [{{Id: crm, Arn: "{url}/crm"}}, {{Id: log, Arn: "file://{log}"}}]
"""


class HistoryTest(unittest.TestCase):
    def setUp(self):
        self.sink = Receiver()
        self.gw = Gateway("{placeholder}")
        with open(self.gw.config_path, "w") as f:
            f.write(CONFIG.format(url=self.sink.url, log=self.gw.dir + "/events.jsonl"))
        self.gw.start()
        self.server = f"http://127.0.0.1:{self.gw.port}"

    def tearDown(self):
        self.gw.close()
        self.sink.close()

    def get(self, path):
        status, _, data = self.gw.request("GET", path)
        return status, json.loads(data)

    def post(self, source, body):
        status, _, data = self.gw.post(source, json.dumps(body))
        self.assertEqual(status, 202, data)
        return json.loads(data)["id"]

    def test_rules_and_every_attempt_per_target(self):
        with self.sink.lock:
            self.sink.script = [(503, {}, 0.0), (500, {}, 0.0)]  # two failures, then 200
        eid = self.post("shop", {"kind": "Order", "n": 1})

        def delivered():
            s, h = self.get("/admin/events/" + eid)
            return h if s == 200 and h["state"] == "delivered" else None
        h = wait_for(delivered, what="the event delivered to both targets")
        self.assertEqual(h["source"], "e2e.shop")
        self.assertEqual(h["detailType"], "Order")
        self.assertEqual(h["rules"], ["orders"])
        self.assertEqual(h["event"]["id"], eid)
        by_target = {t["target"]: t for t in h["targets"]}
        crm = by_target["crm"]["attempts"]
        self.assertEqual([a["outcome"] for a in crm], ["retry", "retry", "delivered"])
        self.assertEqual([a.get("status") for a in crm], [503, 500, 200])
        self.assertEqual([a["number"] for a in crm], [1, 2, 3])
        self.assertEqual(crm[0]["code"], "HTTP_503")
        for a in crm:
            self.assertGreaterEqual(a["latencyMs"], 0)
        self.assertGreaterEqual(crm[0]["nextRetryMs"], crm[0]["timeMs"])
        self.assertEqual([a["outcome"] for a in by_target["log"]["attempts"]], ["delivered"])
        self.assertEqual(by_target["crm"]["state"], "delivered")

        # The terminal shows the same.
        r = subprocess.run([BIN, "events", "show", eid, "--server", self.server], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("orders → crm  delivered", r.stdout)
        self.assertIn("#1", r.stdout)
        self.assertIn("HTTP 503  HTTP_503", r.stdout)
        self.assertIn("next retry", r.stdout)

    def test_search_filters_and_unmatched_events(self):
        a = self.post("shop", {"kind": "Order"})
        b = self.post("other", {"x": 1})  # no rule matches
        wait_for(lambda: self.get("/admin/events/" + b)[0] == 200, what="the unmatched event recorded")
        s, unmatched = self.get("/admin/events/" + b)
        self.assertEqual(unmatched["state"], "unmatched")
        self.assertEqual(unmatched["targets"], [])
        s, found = self.get("/admin/events?source=e2e.other")
        self.assertEqual([e["id"] for e in found["events"]], [b])
        s, found = self.get("/admin/events?rule=orders")
        self.assertEqual([e["id"] for e in found["events"]], [a])
        s, found = self.get("/admin/events?state=unmatched")
        self.assertEqual([e["id"] for e in found["events"]], [b])
        s, found = self.get("/admin/events?state=bogus")
        self.assertEqual(s, 400)
        s, _ = self.get("/admin/events/no-such-event")
        self.assertEqual(s, 404)

        r = subprocess.run([BIN, "events", "tail", "--once", "--source", "e2e.shop", "--server", self.server],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(a, r.stdout)
        self.assertNotIn(b, r.stdout)

    def test_tail_follows_new_events(self):
        proc = subprocess.Popen([BIN, "events", "tail", "--rule", "orders", "--server", self.server],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")), daemon=True)
        reader.start()
        try:
            eid = self.post("shop", {"kind": "Order", "n": 2})
            other = self.post("other", {"x": 2})
            line = wait_for(lambda: next((l for l in list(lines) if eid in l), None), what="the tailed event")
            self.assertIn("rules=orders", line)
            self.assertFalse(any(other in l for l in lines))
        finally:
            proc.terminate()
            proc.communicate(timeout=10)

if __name__ == "__main__":
    unittest.main()
