"""End-to-end: Genesys Cloud without AWS.

* `cxbridge-simulate --target notifications` serves the Genesys API + notification WebSocket (the
  test double) on loopback; a `genesys-notifications` source of `cxbridge serve` connects to it
  (OAuth, channel, combined subscriptions, WebSocket) and its frames are routed to a receiver as
  EventBridge events with the Genesys envelope.
* `cxbridge-simulate` posts a contact center into a signed webhook source, with injected
  duplicates (dropped by the accept path) and schema variants.
* The Process Automation path: `cxbridge genesys setup-trigger --apply` against the double, then
  the data action it created is rendered as Genesys would render it and posted to cxbridge.
"""
import base64
import json
import os
import re
import socket
import urllib.request
import subprocess
import time
import unittest

from harness import SIM_BIN, Gateway, Receiver, wait_for

USERS = ["d4c3b2a1-9e8f-4a7b-8c6d-5e4f3a2b1c0d", "278522be-1683-4877-8257-4164a177be89",
         "3a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]
QUEUES = ["8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a"]
HMAC_SECRET = "e2e-genesys-hmac"
PA_KEY = "e2e-data-action-key"


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
  pa-hook:
    auth: {{scheme: api-key, header: X-CXB-Key, secret: {{env: CXB_PA_KEY}}}}
    event_source: genesys.pa
rules:
  - Name: everything
    EventPattern: {{source: [genesys.ws, genesys.sim, genesys.pa, cxbridge]}}
    Targets:
      - Id: recv
        Arn: {receiver_url}
"""


class GenesysTest(unittest.TestCase):
    def setUp(self):
        self.recv = Receiver()
        self.genesys_port = free_port()
        self.gw = Gateway(config(self.recv.url + "/hook", self.genesys_port),
                          env={"CXB_GENESYS_SECRET": "e2e-secret", "CXB_HMAC": HMAC_SECRET,
                               "CXB_PA_KEY": PA_KEY})
        self.sim = None

    def tearDown(self):
        if self.sim and self.sim.poll() is None:
            self.sim.kill()
            self.sim.wait()
        self.gw.close()
        self.recv.close()

    def test_notifications_source_receives_the_simulated_contact_center(self):
        self.sim = subprocess.Popen(
            [SIM_BIN, "--target", "notifications", "--listen-port", str(self.genesys_port),
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
            [SIM_BIN, "--config", self.gw.config_path, "--source", "hooks",
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

    def genesys_api(self, path):
        """GET on the double, with a token from its OAuth endpoint (client credentials)."""
        base = f"http://127.0.0.1:{self.genesys_port}"
        basic = base64.b64encode(b"e2e-client:e2e-secret").decode()
        req = urllib.request.Request(base + "/oauth/token", data=b"grant_type=client_credentials",
                                     headers={"Authorization": "Basic " + basic,
                                              "Content-Type": "application/x-www-form-urlencoded"})
        token = json.load(urllib.request.urlopen(req, timeout=10))["access_token"]
        req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + token})
        return json.load(urllib.request.urlopen(req, timeout=10))

    def test_process_automation_path_end_to_end(self):
        # The double is served by the simulator (real time, long enough for this test).
        self.sim = subprocess.Popen(
            [SIM_BIN, "--target", "notifications", "--listen-port", str(self.genesys_port),
             "--config", self.gw.config_path, "--source", "genesys-live",
             "--duration", "2h", "--speed", "1", "--seed", "4"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.gw.env)
        self.gw.start()
        topic = "v2.detail.events.conversation.{id}.customer.end"
        setup = ["genesys", "setup-trigger", "--config", self.gw.config_path, "--source", "genesys-live",
                 "--webhook-source", "pa-hook", "--url", f"http://127.0.0.1:{self.gw.port}",
                 "--topic", topic, "--workflow-id", "b008976c-e085-43b7-b27d-9c0efd5fbfb5", "--apply"]
        wait_for(lambda: self.gw.cli(*setup, check=False).returncode == 0, timeout=30,
                 what="setup-trigger against the double")
        again = self.gw.cli(*setup)
        self.assertIn("nothing to change", again.stdout)

        actions = self.genesys_api("/api/v2/integrations/actions?name=cxbridge%20pa-hook%20post")["entities"]
        self.assertEqual(len(actions), 1, actions)
        request = actions[0]["config"]["request"]

        # What Genesys does when the workflow calls the action: $esc.jsonString(${input.X}) is the
        # input's JSON-escaped text; ${credentials.apiKey} the credential's field.
        conv = "5f6b4a3e-4c2d-4a55-9a0b-2c1f0e9d8c7b"
        event_body = {"eventTime": 1717171717000, "conversationId": conv, "participantId": "p-1",
                      "sessionId": "s-1", "disconnectType": "CLIENT", "mediaType": "VOICE"}
        inputs = {"topicName": topic, "eventBody": json.dumps(event_body)}  # ToString(Flow.jsonData)
        body = re.sub(r"\$esc\.jsonString\(\$\{input\.(\w+)\}\)",
                      lambda m: json.dumps(inputs[m.group(1)])[1:-1], request["requestTemplate"])
        self.assertNotIn("$", body)
        headers = {k: v.replace("${credentials.apiKey}", PA_KEY) for k, v in request["headers"].items()}
        self.assertEqual(request["requestType"], "POST")
        url = request["requestUrlTemplate"]
        self.assertEqual(url, f"http://127.0.0.1:{self.gw.port}/webhooks/pa-hook")

        def post():
            r = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
            try:
                with urllib.request.urlopen(r, timeout=10) as resp:
                    return resp.status, json.load(resp)
            except urllib.error.HTTPError as e:
                return e.code, json.load(e)
        status, answer = post()
        self.assertEqual((status, answer["status"]), (202, "stored"), answer)
        self.assertEqual(post()[1]["status"], "duplicate")  # a retried data action

        def relayed():
            return [b for b in self.recv.bodies() if b["source"] == "genesys.pa"]
        wait_for(lambda: relayed(), what="the relayed event at the receiver")
        ev = relayed()[0]
        self.assertEqual(ev["id"], answer["id"])
        self.assertEqual(ev["detail-type"], topic)
        self.assertEqual(ev["detail"]["topicName"], f"v2.detail.events.conversation.{conv}.customer.end")
        self.assertEqual(ev["detail"]["eventBody"], event_body)
        self.assertEqual(len(relayed()), 1)


if __name__ == "__main__":
    unittest.main()
