"""End-to-end: schema normalization, quarantine and input transformation through the real binary."""
import json
import os
import unittest

from harness import SHARED, Gateway, Receiver, wait_for

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
ADMIN = "e2e-admin"


def preset_schemas():
    with open(os.path.join(ROOT, "examples", "genesys-normalize.yaml")) as f:
        return f.read()


def config(url, schemas):
    return f"""
server: {{admin_token: {{value: {ADMIN}}}}}
delivery: {{backoff_base_ms: 20, backoff_max_ms: 100}}
sources:
  genesys:
    auth: {{scheme: none}}
rules:
  - Name: ends
    EventPattern: {{detail-type: [{{suffix: ".acd.end"}}]}}
    Targets:
      - Id: crm
        Arn: {url}/crm
        InputTransformer:
          InputPathsMap: {{conv: $.detail.conversationId, t: $.detail.eventTime, queue: $.detail.queueId}}
          InputTemplate: '{{"conversation": <conv>, "at": <t>, "queue": <queue>, "rule": <aws.events.rule-name>}}'
      - Id: raw
        Arn: {url}/raw
        InputPath: $.detail
{schemas}
"""


def acd_end_frame(**overrides):
    with open(os.path.join(SHARED, "genesys", "eb-v2.detail.events.conversation.acd.end.json")) as f:
        frame = json.load(f)["detail"]
    frame["eventBody"].update(overrides)
    return frame


@unittest.skipUnless(os.path.isdir(os.path.join(SHARED, "genesys")), "../shared/genesys is absent")
class TransformTest(unittest.TestCase):
    def setUp(self):
        self.recv = Receiver()
        self.gw = Gateway(config(self.recv.url, preset_schemas())).start()

    def tearDown(self):
        self.gw.close()
        self.recv.close()

    def admin(self, method, path, body=b""):
        return self.gw.request(method, path, body, {"Authorization": "Bearer " + ADMIN,
                                                    "Content-Type": "application/json"})

    def test_normalized_then_transformed(self):
        status, _, resp = self.gw.post("genesys", json.dumps(acd_end_frame()))
        self.assertEqual(status, 202, resp)
        wait_for(lambda: len(self.recv.requests) == 2, what="both targets")
        by_path = {p: json.loads(b) for p, _, b in self.recv.requests}
        self.assertEqual(by_path["/crm"], {
            "conversation": "b2e1c7a4-5d3f-4e8a-9c6b-1f2a3b4c5d6e",
            "at": "2026-03-18T14:03:24.731Z",
            "queue": "8f4e2a1c-3b5d-4c6e-8a9f-0b1c2d3e4f5a",
            "rule": "ends"})
        raw = by_path["/raw"]
        self.assertEqual(raw["mediaType"], "VOICE")  # normalized top-level fields
        self.assertEqual(raw["eventBody"]["eventTime"], 1773842604731)  # eventBody untouched

    def test_quarantine_then_replay_after_fixing_rules(self):
        bad = acd_end_frame()
        del bad["eventBody"]["participantId"]  # the preset requires it
        status, _, resp = self.gw.post("genesys", json.dumps(bad))
        self.assertEqual((status, json.loads(resp)["status"]), (202, "quarantined"))
        listed = self.gw.cli("quarantine", "list", "--config", self.gw.config_path, "--server",
                             f"http://127.0.0.1:{self.gw.port}", "--json").stdout.splitlines()
        self.assertEqual(len(listed), 1)
        entry = json.loads(listed[0])
        self.assertIn("participantId", entry["reason"])
        self.assertNotIn("conversationId", entry["event"]["detail"])  # the original bytes are kept
        # The plain listing names the event, its source, detail-type and the reason (it once
        # printed the dead-letter columns, "/  attempts=", empty).
        plain = self.gw.cli("quarantine", "list", "--config", self.gw.config_path, "--server",
                            f"http://127.0.0.1:{self.gw.port}").stdout
        self.assertIn(entry["id"] + "  event=" + entry["eventId"] + "  " + entry["source"], plain)
        self.assertIn(entry["detailType"], plain)
        self.assertIn("participantId", plain)
        self.assertNotIn("attempts=", plain)
        # Still failing: replay keeps it.
        self.assertEqual(json.loads(self.admin("POST", "/admin/quarantine/replay", b'{"all":true}')[2])["failed"][0]["id"],
                         entry["id"])
        # Fix the rules (drop the requirement), reload, replay.
        with open(self.gw.config_path) as f:
            text = f.read()
        with open(self.gw.config_path, "w") as f:
            f.write(text.replace("require: [$.detail.conversationId, $.detail.participantId, $.detail.eventTime]",
                                 "require: [$.detail.conversationId]"))
        self.assertEqual(self.admin("POST", "/admin/reload")[0], 200)
        out = self.gw.cli("quarantine", "replay", "--all", "--config", self.gw.config_path, "--server",
                          f"http://127.0.0.1:{self.gw.port}").stdout
        self.assertIn("replayed 1", out)
        wait_for(lambda: len(self.recv.requests) == 2, what="replayed deliveries")
        self.assertEqual(json.loads(self.admin("GET", "/admin/quarantine")[2])["entries"], [])

    def test_bad_reload_keeps_running_config(self):
        with open(self.gw.config_path, "a") as f:
            f.write("\n  - name: broken\n    steps: [{copy: {}}]\n")
        status, _, body = self.admin("POST", "/admin/reload")
        self.assertEqual(status, 400)
        self.assertIn("copy", json.loads(body)["message"])
        self.assertEqual(self.gw.post("genesys", json.dumps(acd_end_frame()))[0], 202)
        wait_for(lambda: len(self.recv.requests) == 2, what="delivery with the old rules")


if __name__ == "__main__":
    unittest.main()
