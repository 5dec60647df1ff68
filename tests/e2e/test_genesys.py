"""End-to-end: Genesys Cloud without AWS.

* `cxbridge simulate --target notifications` serves the Genesys API + notification WebSocket (the
  test double) on loopback; a `genesys-notifications` source of `cxbridge serve` connects to it
  (OAuth, channel, combined subscriptions, WebSocket) and its frames are routed to a receiver as
  EventBridge events with the Genesys envelope.
* `cxbridge simulate` posts a contact center into a signed webhook source, with injected
  duplicates (dropped by the accept path) and schema variants.
"""
import json
import os
import socket
import subprocess
import time
import unittest

from harness import BIN, Gateway, Receiver, wait_for

USERS = ["d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d", "278522be-1683-4877-8257-4164a177be89",
         "3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
QUEUES = ["8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a"]
HMAC_SECRET = "e2e-genesys-hmac"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def config(receiver_url, genesys_port):
    base = f"http://127.0.0.1:{genesys_port}"
    return f"""
delivery: {{backoff_base_ms: 20, backoff_max_ms: 100}}
sources:
  genesys-live:
    type: genesys-notifications
    api_base_url: {base}
    login_base_url: {base}
    client_id: e2e-client
    client_secret: {{env: CXB_GENESYS_SECRET}}
    ids:
      users: {json.dumps(USERS)}
      queues: {json.dumps(QUEUES)}
    topics:
      - v2.users.{{id}}.presence
      - v2.users.{{id}}.routingStatus
      - v2.routing.queues.{{id}}.conversations
    event_source: genesys.ws
    backoff_initial_ms: 50
  hooks:
    auth: {{scheme: hmac, header: X-Signature, encoding: base64, secret: {{env: CXB_HMAC}}}}
    event_source: genesys.sim
rules:
  - Name: everything
    EventPattern: {{source: [genesys.ws, genesys.sim, cxbridge]}}
    Targets:
      - Id: recv
        Arn: {receiver_url}
"""


class GenesysTest(unittest.TestCase):
    def setUp(self):
        self.recv = Receiver()
        self.genesys_port = free_port()
        self.gw = Gateway(config(self.recv.url + "/hook", self.genesys_port),
                          env={"CXB_GENESYS_SECRET": "e2e-secret", "CXB_HMAC": HMAC_SECRET})
        self.sim = None

    def tearDown(self):
        if self.sim and self.sim.poll() is None:
            self.sim.kill()
            self.sim.wait()
        self.gw.close()
        self.recv.close()

    def test_notifications_source_receives_the_simulated_contact_center(self):
        self.sim = subprocess.Popen(
            [BIN, "simulate", "--target", "notifications", "--listen-port", str(self.genesys_port),
             "--config", self.gw.config_path, "--source", "genesys-live",
             "--duration", "20m", "--speed", "0", "--seed", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.gw.env)
        self.gw.start()  # connects to the simulator's Genesys double, subscribes, streams
        out, err = self.sim.communicate(timeout=120)
        self.assertEqual(self.sim.returncode, 0, err)
        self.assertIn("frames", out)

        def routed():
            return [b for b in self.recv.bodies() if b["source"] == "genesys.ws"]
        wait_for(lambda: len(routed()) >= 10, what="notification events at the receiver")
        types = {b["detail-type"] for b in routed()}
        self.assertIn("v2.users.{id}.routingStatus", types)
        self.assertIn("v2.users.{id}.presence", types)
        ev = next(b for b in routed() if b["detail-type"] == "v2.users.{id}.routingStatus")
        self.assertTrue(ev["detail"]["topicName"].startswith("v2.users."))
        self.assertIn(ev["detail"]["topicName"].split(".")[2], USERS)
        self.assertIn("routingStatus", ev["detail"]["eventBody"])
        self.assertIn("timestamp", ev["detail"])
        m = wait_for(lambda: {k: v for k, v in self.gw.metrics().items()
                              if k.startswith("cxbridge_genesys_events_total") and 'outcome="stored"' in k
                              and v > 0}, what="genesys metrics")
        self.assertTrue(m)

    def test_simulated_webhooks_are_signed_and_duplicates_dropped(self):
        self.gw.start()
        r = subprocess.run(
            [BIN, "simulate", "--config", self.gw.config_path, "--source", "hooks",
             "--target", f"http://127.0.0.1:{self.gw.port}/webhooks/hooks",
             "--agents", "5", "--duration", "15m", "--speed", "0", "--duplicates", "20",
             "--variants", "5", "--seed", "5"],
            capture_output=True, text=True, env=self.gw.env, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        summary = r.stdout
        frames = int(summary.split("frames ")[1].split(",")[0])
        dups = int(summary.split("duplicates ")[1].split(",")[0])
        self.assertGreater(dups, 0)
        count = lambda: len([b for b in self.recv.bodies() if b["source"] == "genesys.sim"])
        wait_for(lambda: count() >= frames * 0.95, what="the simulated frames delivered")
        time.sleep(0.5)  # let stragglers arrive before asserting nothing extra came
        # Injected duplicates are byte-identical frames: the accept path drops them by key, so
        # at most one event per frame is delivered.
        self.assertLessEqual(count(), frames)


if __name__ == "__main__":
    unittest.main()
