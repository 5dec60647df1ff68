"""End-to-end: the claim check sets large payloads aside before storage and resolves them per target."""
import hashlib
import json
import os
import unittest

from harness import SHARED, Gateway, Receiver, wait_for

ADMIN = "e2e-admin"


def config(url):
    return f"""
server: {{admin_token: {{value: {ADMIN}}}, max_body_bytes: 8388608}}
sources:
  big:
    auth: {{scheme: none}}
    detail_type: {{value: Big}}
    claim_check: {{threshold_bytes: 65536}}
  transcripts:
    auth: {{scheme: none}}
    claim_check: {{threshold_bytes: 2048, fields: [$.detail.eventBody.transcripts]}}
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


if __name__ == "__main__":
    unittest.main()
