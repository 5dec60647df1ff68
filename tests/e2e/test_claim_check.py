"""End-to-end: the claim check sets large payloads aside before storage and resolves them per target."""
import hashlib
import json
import os
import time
import unittest

from harness import SHARED, Gateway, Receiver, wait_for

try:
    import boto3
except ImportError:  # pragma: no cover
    boto3 = None

ADMIN = "e2e-admin"
KEY, SECRET = "AKIDCXBCLAIM", "cxbridge-claim-secret"


def config(url):
    return f"""
server: {{admin_token: {{value: {ADMIN}}}, max_body_bytes: 8388608}}
sources:
  big:
    auth: {{scheme: none}}
    detail_type: {{value: Big}}
    claim_check: {{threshold_bytes: 65536}}
  small:
    auth: {{scheme: none}}
    detail_type: {{value: Small}}
  transcripts:
    auth: {{scheme: none}}
    claim_check: {{threshold_bytes: 2048, fields: [$.detail.eventBody.transcripts]}}
api:
  access_keys: [{{id: {KEY}, secret: {{value: {SECRET}}}}}]
rules:
  - Name: all
    EventPattern: {{source: [{{prefix: ""}}]}}
    Targets:
      - Id: by-reference
        Arn: {url}/ref
      - Id: resolved
        Arn: {url}/full
        ResolveClaimCheck: true
"""


class ClaimCheckTest(unittest.TestCase):
    def setUp(self):
        self.recv = Receiver()
        self.gw = Gateway(config(self.recv.url)).start()

    def tearDown(self):
        self.gw.close()
        self.recv.close()

    def by_path(self):
        return {p: json.loads(b) for p, _, b in self.recv.requests}

    def test_five_megabyte_event_by_reference_and_resolved(self):
        body = {"kind": "Big", "blob": "x" * (5 * 1024 * 1024), "n": 7}
        status, _, resp = self.gw.post("big", json.dumps(body))
        self.assertEqual(status, 202, resp)
        wait_for(lambda: len(self.recv.requests) == 2, what="both targets")
        got = self.by_path()
        ref = got["/ref"]["detail"]["$ref"]
        self.assertEqual(got["/full"]["detail"], body)  # byte-exact after resolve
        self.assertLess(len(json.dumps(got["/ref"])), 4096)
        detail_bytes = json.dumps(body, separators=(",", ":")).encode()
        self.assertEqual(ref["size"], len(detail_bytes))
        self.assertEqual(ref["sha256"], hashlib.sha256(detail_bytes).hexdigest())
        # Served back behind the admin token, verified by hash.
        self.assertEqual(self.gw.request("GET", "/blobs/" + ref["sha256"])[0], 401)
        status, _, data = self.gw.request("GET", "/blobs/" + ref["sha256"],
                                          headers={"Authorization": "Bearer " + ADMIN})
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(data), body)
        self.assertEqual(self.gw.request("GET", "/blobs/" + "0" * 64,
                                         headers={"Authorization": "Bearer " + ADMIN})[0], 404)
        # On disk: content-addressed, private.
        path = os.path.join(self.gw.data_dir, "blobs", ref["sha256"][:2], ref["sha256"][2:4], ref["sha256"])
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)

    @unittest.skipUnless(os.path.isdir(os.path.join(SHARED, "genesys")), "../shared/genesys is absent")
    def test_largest_real_transcription_sets_aside_only_the_named_field(self):
        with open(os.path.join(SHARED, "genesys",
                               "eb-v2.conversations.transcription.largest-observed-real-anonymized.json")) as f:
            event = json.load(f)
        self.assertEqual(self.gw.post("transcripts", json.dumps(event))[0], 202)
        wait_for(lambda: len(self.recv.requests) == 2, what="both targets")
        got = self.by_path()
        self.assertIn("$ref", got["/ref"]["detail"]["eventBody"]["transcripts"])
        self.assertEqual(got["/ref"]["detail"]["eventBody"]["conversationId"],
                         event["detail"]["eventBody"]["conversationId"])
        self.assertEqual(got["/full"]["detail"], event["detail"])

    def test_forged_reference_is_refused(self):
        forged = {"kind": "x", "pad": "y" * 70000, "a": {"$ref": {"uri": "x", "sha256": "0" * 64, "size": 1,
                                                                  "contentType": "application/json"}}}
        self.assertEqual(self.gw.post("big", json.dumps(forged))[0], 400)

    def forge(self, sha256, size):
        return {"$ref": {"uri": "file:///anything", "sha256": sha256, "size": size,
                         "contentType": "application/json"}}

    def test_a_forged_reference_never_fetches_another_senders_blob(self):
        # Sender A's large event: its detail is set aside as a blob.
        secret = {"kind": "Big", "card": "4111-1111-1111-1111", "pad": "p" * 70000}
        self.assertEqual(self.gw.post("big", json.dumps(secret))[0], 202)
        wait_for(lambda: len(self.recv.requests) == 2, what="both targets")
        ref = self.by_path()["/ref"]["detail"]["$ref"]
        # Sender B names that blob in a small event of its own: through a webhook without a claim
        # check, through one with a claim check, and through PutEvents. Every path refuses it.
        forged = {"kind": "x", "stolen": self.forge(ref["sha256"], ref["size"])}
        status, _, body = self.gw.post("small", json.dumps(forged))
        self.assertEqual(status, 400, body)
        self.assertIn(b"claim-check reference", body)
        self.assertEqual(self.gw.post("big", json.dumps(forged))[0], 400)
        self.assertEqual(self.gw.post("small", json.dumps({"detail-type": "d", "source": "s", "version": "0",
                                                           "id": "e1", "detail": forged}))[0], 400)
        if boto3 is not None:
            c = boto3.client("events", endpoint_url=f"http://127.0.0.1:{self.gw.port}", region_name="us-east-1",
                             aws_access_key_id=KEY, aws_secret_access_key=SECRET)
            out = c.put_events(Entries=[{"Source": "b", "DetailType": "d", "Detail": json.dumps(forged)},
                                        {"Source": "b", "DetailType": "d", "Detail": json.dumps({"ok": 1})}])
            self.assertEqual(out["FailedEntryCount"], 1, out)
            self.assertEqual(out["Entries"][0]["ErrorCode"], "InvalidArgument", out)
            self.assertIn("claim-check reference", out["Entries"][0]["ErrorMessage"])
            wait_for(lambda: len(self.recv.requests) == 4, what="the honest PutEvents entry")
        time.sleep(0.3)
        # The resolving target received sender A's payload once, for sender A's event only.
        full = [json.loads(b) for p, _, b in self.recv.requests if p == "/full"]
        self.assertEqual(sum(1 for e in full if e["detail"].get("card")), 1)
        self.assertFalse(any("stolen" in e["detail"] for e in full))


if __name__ == "__main__":
    unittest.main()
