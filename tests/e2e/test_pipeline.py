"""End-to-end: webhook in → durable → matched → delivered, with auth, dedup, retries, DLQ, crash safety.

Runs the real Release binary against real HTTP receivers on loopback.
"""
import json
import os
import signal
import subprocess
import threading
import time
import unittest
import uuid

from harness import Gateway, Receiver, hmac_b64, standard_webhooks_headers, wait_for

HMAC_SECRET = "e2e-hmac-secret"
OM_SECRET = "e2e-open-messaging-secret"
SW_OLD = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_NEW = "whsec_dGhpcyBpcyB0aGUgbmV3IHNlY3JldCBrZXkh"
API_KEY = "e2e-api-key"
ADMIN = "e2e-admin-token"

ENV = {"CXB_HMAC": HMAC_SECRET, "CXB_OM": OM_SECRET, "CXB_SW_OLD": SW_OLD, "CXB_SW_NEW": SW_NEW,
       "CXB_KEY": API_KEY, "CXB_ADMIN": ADMIN, "CXB_BASIC": "pw"}


def config(fast_url, slow_url="http://127.0.0.1:1/none", retry=None, extra_rules=""):
    retry = retry or "{MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600}"
    return f"""
server: {{admin_token: {{env: CXB_ADMIN}}, max_body_bytes: 65536}}
storage: {{dedup_ttl_seconds: 3600}}
delivery: {{backoff_base_ms: 20, backoff_max_ms: 100}}
sources:
  hmac:
    auth: {{scheme: hmac, header: X-Signature, encoding: base64, secret: {{env: CXB_HMAC}}}}
    event_source: e2e.hmac
    detail_type: {{path: "$.kind"}}
    idempotency_key: {{paths: ["$.eventId"]}}
  om:
    auth: {{scheme: hmac, preset: genesys-open-messaging, secret: {{env: CXB_OM}}}}
    event_source: e2e.om
    detail_type: {{value: OpenMessaging}}
  sw:
    auth: {{scheme: standard-webhooks, secrets: [{{env: CXB_SW_OLD}}, {{env: CXB_SW_NEW}}]}}
    event_source: e2e.sw
    detail_type: {{value: StandardWebhook}}
    idempotency_key: {{header: webhook-id}}
  key:
    auth: {{scheme: api-key, header: X-API-Key, secret: {{env: CXB_KEY}}}}
    event_source: e2e.key
    detail_type: {{value: Keyed}}
  basic:
    auth: {{scheme: basic, username: genesys, password: {{env: CXB_BASIC}}}}
    event_source: e2e.basic
    detail_type: {{value: Basic}}
  open:
    auth: {{scheme: none}}
    event_source: e2e.open
    detail_type: {{path: "$.kind"}}
    idempotency_key: {{paths: ["$.eventId"]}}
rules:
  - Name: fast
    EventPattern: {{detail-type: [{{anything-but: [Slow]}}]}}
    Targets:
      - Id: fast
        Arn: {fast_url}
        RetryPolicy: {retry}
  - Name: slow
    EventPattern: {{detail-type: [Slow, Both]}}
    Targets:
      - Id: slow
        Arn: {slow_url}
        Http: {{TimeoutSeconds: 30}}
{extra_rules}
"""


def event(kind="Order", **kw):
    body = {"eventId": str(uuid.uuid4()), "kind": kind, "n": 1}
    body.update(kw)
    return json.dumps(body).encode()


class PipelineTest(unittest.TestCase):
    def setUp(self):
        self.recv = Receiver()
        self.gw = Gateway(config(self.recv.url + "/hook"), env=ENV, admin_token=ADMIN).start()

    def tearDown(self):
        self.gw.close()
        self.recv.close()

    def post_hmac(self, body, secret=HMAC_SECRET):
        return self.gw.post("hmac", body, {"X-Signature": hmac_b64(secret.encode(), body)})

    # --- signatures -----------------------------------------------------------------------
    def test_hmac_good_bad_missing(self):
        body = event()
        status, _, resp = self.post_hmac(body)
        self.assertEqual(status, 202, resp)
        event_id = json.loads(resp)["id"]
        wait_for(lambda: event_id in self.recv.ids(), what="delivery")
        delivered = self.recv.bodies()[0]
        self.assertEqual(delivered["source"], "e2e.hmac")
        self.assertEqual(delivered["detail-type"], "Order")
        self.assertEqual(delivered["detail"], json.loads(body))
        self.assertEqual(list(delivered)[:8], ["version", "id", "detail-type", "source", "account",
                                               "time", "region", "resources"])
        headers = self.recv.requests[0][1]
        self.assertEqual(headers.get("Idempotency-Key"), event_id)
        self.assertEqual(self.post_hmac(event(), secret="wrong")[0], 401)
        self.assertEqual(self.gw.post("hmac", event())[0], 401)
        tampered = event()
        sig = hmac_b64(HMAC_SECRET.encode(), tampered)
        self.assertEqual(self.gw.post("hmac", tampered + b" ", {"X-Signature": sig})[0], 401)

    def test_genesys_open_messaging_preset(self):
        body = event()
        sig = "sha256=" + hmac_b64(OM_SECRET.encode(), body)
        self.assertEqual(self.gw.post("om", body, {"X-Hub-Signature-256": sig})[0], 202)
        self.assertEqual(self.gw.post("om", body, {"X-Hub-Signature-256": "sha256=AAAA"})[0], 401)

    def test_standard_webhooks_rotation_and_staleness(self):
        body = event()
        for secret in (SW_OLD, SW_NEW):
            status, _, resp = self.gw.post("sw", body, standard_webhooks_headers(secret, body))
            self.assertEqual(status, 202, resp)
        stale = standard_webhooks_headers(SW_NEW, body, ts=int(time.time()) - 600)
        self.assertEqual(self.gw.post("sw", body, stale)[0], 401)
        future = standard_webhooks_headers(SW_NEW, body, ts=int(time.time()) + 600)
        self.assertEqual(self.gw.post("sw", body, future)[0], 401)
        bad = standard_webhooks_headers("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB", body)
        self.assertEqual(self.gw.post("sw", body, bad)[0], 401)
        # Several signatures, one valid (a sender mid-rotation).
        h = standard_webhooks_headers(SW_NEW, body)
        h["webhook-signature"] = "v1,AAAA " + h["webhook-signature"]
        self.assertEqual(self.gw.post("sw", body, h)[0], 202)
        self.assertEqual(self.gw.post("sw", body, {})[0], 401)

    def test_api_key_and_basic(self):
        self.assertEqual(self.gw.post("key", event(), {"X-API-Key": API_KEY})[0], 202)
        self.assertEqual(self.gw.post("key", event(), {"X-API-Key": "nope"})[0], 401)
        self.assertEqual(self.gw.post("key", event())[0], 401)
        import base64
        good = "Basic " + base64.b64encode(b"genesys:pw").decode()
        bad = "Basic " + base64.b64encode(b"genesys:nope").decode()
        self.assertEqual(self.gw.post("basic", event(), {"Authorization": good})[0], 202)
        self.assertEqual(self.gw.post("basic", event(), {"Authorization": bad})[0], 401)

    # --- status codes ---------------------------------------------------------------------
    def test_rejections_store_nothing(self):
        self.assertEqual(self.gw.post("nosuch", event())[0], 404)
        status, _, resp = self.gw.post("open", b'{"kind": "x",')
        self.assertEqual(status, 400)
        self.assertIn("JSON", json.loads(resp)["message"])
        self.assertEqual(self.gw.post("open", b'[1,2,3]')[0], 400)
        self.assertEqual(self.gw.post("open", b'"text"')[0], 400)
        self.assertEqual(self.gw.post("open", b'{"kind":"' + b"x" * 70000 + b'"}')[0], 413)
        m = self.gw.metrics()
        self.assertEqual(m.get('cxbridge_events_total{outcome="stored"}', 0), 0)
        time.sleep(0.2)
        self.assertEqual(self.recv.bodies(), [])

    def test_duplicates_answered_200_and_dropped_across_restart(self):
        body = event()
        self.assertEqual(self.gw.post("open", body)[0], 202)
        status, _, resp = self.gw.post("open", body)
        self.assertEqual((status, json.loads(resp)["status"]), (200, "duplicate"))
        wait_for(lambda: len(self.recv.bodies()) == 1, what="first delivery")
        self.gw.stop()
        self.gw.start()
        self.assertEqual(self.gw.post("open", body)[0], 200)
        self.assertEqual(self.gw.post("open", event())[0], 202)
        wait_for(lambda: len(self.recv.bodies()) == 2, what="second delivery")
        time.sleep(0.2)
        self.assertEqual(len(self.recv.bodies()), 2)
        self.assertGreaterEqual(self.gw.metrics()['cxbridge_events_total{outcome="duplicate"}'], 1)

    def test_health_ready_metrics_and_admin_token(self):
        self.assertEqual(self.gw.request("GET", "/healthz")[0], 200)
        self.assertEqual(self.gw.request("GET", "/readyz")[0], 200)
        # A configured token guards /metrics too (issue 16); health and readiness stay open.
        self.assertEqual(self.gw.request("GET", "/metrics")[0], 401)
        metrics = self.gw.request("GET", "/metrics", headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(metrics[0], 200)
        self.assertIn("cxbridge_target_queue_depth", metrics[2].decode())
        self.assertEqual(self.gw.request("GET", "/admin/dlq")[0], 401)
        ok = self.gw.request("GET", "/admin/dlq", headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(ok[0], 200)


class DeliveryTest(unittest.TestCase):
    def setUp(self):
        self.recv = Receiver()
        self.gw = None

    def tearDown(self):
        if self.gw:
            self.gw.close()
        self.recv.close()

    def start(self, **kw):
        self.gw = Gateway(config(self.recv.url + "/hook", **kw), env=ENV, admin_token=ADMIN).start()
        return self.gw

    def admin(self, method, path, body=b""):
        return self.gw.request(method, path, body, {"Authorization": "Bearer " + ADMIN})

    def dlq(self):
        status, _, data = self.admin("GET", "/admin/dlq")
        self.assertEqual(status, 200)
        return json.loads(data)["entries"]

    def test_retry_then_success_honours_retry_after(self):
        self.recv.script = [(503, {}, 0), (429, {"Retry-After": "1"}, 0)]
        self.start()
        t0 = time.time()
        self.assertEqual(self.gw.post("open", event())[0], 202)
        wait_for(lambda: len(self.recv.bodies()) == 1, what="delivery after retries")
        self.assertGreaterEqual(time.time() - t0, 1.0)  # waited for Retry-After
        self.assertEqual([s for _, s in self.recv.attempts], [503, 429, 200])
        self.assertEqual(self.dlq(), [])

    def test_retry_exhaustion_and_non_retryable_go_to_dlq_then_redrive(self):
        self.recv.default = (500, {}, 0)
        self.start(retry="{MaximumRetryAttempts: 2}")
        self.gw.post("open", event(kind="A"))
        entries = wait_for(lambda: self.dlq(), what="dead letter")
        e = entries[0]
        self.assertEqual((e["errorCode"], e["exhaustedCondition"], e["attempts"]),
                         ("HTTP_500", "MaximumRetryAttempts", 3))
        self.assertEqual(e["rule"], "fast")
        self.assertEqual(e["event"]["detail"]["kind"], "A")
        self.recv.default = (400, {}, 0)
        self.gw.post("open", event(kind="B"))
        entries = wait_for(lambda: len(self.dlq()) == 2 and self.dlq(), what="second dead letter")
        b = [x for x in entries if x["event"]["detail"]["kind"] == "B"][0]
        self.assertEqual((b["errorCode"], b["attempts"], b["exhaustedCondition"]), ("HTTP_400", 1, None))
        # The CLI against the running server: list, show, redrive.
        self.recv.default = (200, {}, 0)
        listed = self.gw.cli("dlq", "list", "--config", self.gw.config_path, "--server",
                             f"http://127.0.0.1:{self.gw.port}", "--json").stdout.splitlines()
        self.assertEqual(len(listed), 2)
        shown = self.gw.cli("dlq", "show", b["id"], "--config", self.gw.config_path, "--server",
                            f"http://127.0.0.1:{self.gw.port}").stdout
        self.assertEqual(json.loads(shown)["id"], b["id"])
        out = self.gw.cli("dlq", "redrive", "--all", "--config", self.gw.config_path, "--server",
                          f"http://127.0.0.1:{self.gw.port}").stdout
        self.assertIn("redriven 2", out)
        wait_for(lambda: sorted(x["detail"]["kind"] for x in self.recv.bodies()) == ["A", "B"],
                 what="redriven deliveries")
        self.assertEqual(self.dlq(), [])

    def test_dlq_cli_works_on_stopped_server_data_folder(self):
        self.recv.default = (404, {}, 0)
        self.start()
        self.gw.post("open", event(kind="C"))
        wait_for(lambda: self.dlq(), what="dead letter")
        self.gw.stop()
        listed = self.gw.cli("dlq", "list", "--data-dir", self.gw.data_dir, "--json").stdout.splitlines()
        self.assertEqual(len(listed), 1)
        self.gw.cli("dlq", "redrive", "--all", "--data-dir", self.gw.data_dir)
        self.recv.default = (200, {}, 0)
        self.gw.start()
        wait_for(lambda: len(self.recv.bodies()) == 1, what="redriven delivery after restart")

    def test_slow_target_does_not_block_fast_one(self):
        slow = Receiver(default=(200, {}, 3.0))
        try:
            self.start(slow_url=slow.url + "/slow")
            for i in range(20):
                self.gw.post("open", event(kind="Both"))
            t0 = time.time()
            wait_for(lambda: len(self.recv.bodies()) == 20, timeout=10, what="fast deliveries")
            self.assertLess(time.time() - t0, 2.5)
            self.assertLess(len(slow.bodies()), 20)
        finally:
            slow.close()


class CrashTest(unittest.TestCase):
    """kill -9 under load: every acknowledged event is delivered after restart (acked ⊆ delivered)."""

    def test_kill_9_under_load_loses_nothing_acknowledged(self):
        recv = Receiver()
        gw = Gateway(config(recv.url + "/hook"), env=ENV, admin_token=ADMIN).start()
        acked, lock, stop = set(), threading.Lock(), threading.Event()

        def sender():
            import http.client
            conn = None
            while not stop.is_set():
                try:
                    if conn is None:
                        conn = http.client.HTTPConnection("127.0.0.1", gw.port, timeout=5)
                    body = event()
                    conn.request("POST", "/webhooks/open", body, {"Content-Type": "application/json"})
                    r = conn.getresponse()
                    data = r.read()
                    if r.status == 202:
                        with lock:
                            acked.add(json.loads(data)["id"])
                except Exception:
                    conn = None
                    time.sleep(0.01)

        try:
            threads = [threading.Thread(target=sender) for _ in range(16)]
            for t in threads:
                t.start()
            wait_for(lambda: len(acked) >= 300, what="load")
            gw.kill()
            stop.set()
            for t in threads:
                t.join()
            self.assertGreater(len(acked), 0)
            gw.start()
            wait_for(lambda: acked <= set(recv.ids()), timeout=60, what="every acked event delivered")
        finally:
            stop.set()
            gw.close()
            recv.close()


if __name__ == "__main__":
    unittest.main()
