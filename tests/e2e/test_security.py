"""End-to-end: the doors of issue 16 on the real binary (docs/security.md).

- Listening beyond loopback without `api.access_keys` refuses to start, naming the setting;
  `api.enabled: false` starts and serves neither the EventBridge nor the SQS API.
- SigV4: a request whose X-Amz-Target is not among the signed headers is refused.
- The requests that crashed (a 50,000-character EventBusName) and hung (a header value with 40
  spaces then a control character) the I/O thread are answered 400 ValidationException at once.
"""
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import BIN, Gateway

try:
    import boto3
    import botocore.auth
    import botocore.awsrequest
    import botocore.credentials
    import botocore.exceptions
except ImportError:  # pragma: no cover
    boto3 = None

KEY, SECRET = "AKIDCXBSEC", "cxbridge-security-secret"
REGION = "us-east-1"

EXPOSED = """
server:
  address: 0.0.0.0
  admin_token: {{value: admin-secret}}
{api}
"""


def serve_until_exit(config_yaml, timeout=20):
    """Runs `cxbridge serve` on `config_yaml`; returns (exit code, output) once it exits."""
    with tempfile.TemporaryDirectory(prefix="cxb-sec-") as d:
        path = os.path.join(d, "cxbridge.yaml")
        with open(path, "w") as f:
            f.write(config_yaml)
        r = subprocess.run([BIN, "serve", "--config", path, "--port", "0", "--data-dir", os.path.join(d, "data")],
                           capture_output=True, text=True, timeout=timeout)
        return r.returncode, r.stdout + r.stderr


class ExposureTest(unittest.TestCase):
    def test_beyond_loopback_without_access_keys_refuses_to_start(self):
        code, out = serve_until_exit(EXPOSED.format(api=""))
        self.assertEqual(code, 1, out)
        self.assertIn("api.access_keys is required when listening on 0.0.0.0 (beyond loopback)", out)
        self.assertIn("api.enabled: false", out)

    def test_beyond_loopback_without_anything_names_both_settings(self):
        code, out = serve_until_exit("server:\n  address: 0.0.0.0\n")
        self.assertEqual(code, 1, out)
        self.assertIn("server.admin_token is required", out)
        self.assertIn("api.access_keys is required", out)

    def test_empty_secret_is_refused_at_load(self):
        code, out = serve_until_exit(
            "api:\n  access_keys:\n    - id: AK\n      secret: {value: \"\"}\n")
        self.assertEqual(code, 1, out)
        self.assertIn("api.access_keys[0].secret: must not be empty", out)

    def test_api_disabled_starts_beyond_loopback_and_unmounts_both_apis(self):
        gw = Gateway(EXPOSED.format(api="api:\n  enabled: false\n") + """
sources:
  crm: {auth: {scheme: none}}
""").start()
        try:
            status, _, body = gw.request("POST", "/", b"{}", {
                "X-Amz-Target": "AWSEvents.ListRules", "Content-Type": "application/x-amz-json-1.1"})
            self.assertEqual(status, 404)
            self.assertIn(b"api.enabled: false", body)
            status, _, body = gw.request("POST", "/", b"{}", {
                "X-Amz-Target": "AmazonSQS.ListQueues", "Content-Type": "application/x-amz-json-1.0"})
            self.assertEqual(status, 404)
            self.assertIn(b"api.enabled: false", body)
            # The SQS query protocol (a form with Action=) is not served either.
            status, _, body = gw.request("POST", "/", b"Action=ListQueues&Version=2012-11-05", {
                "Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 404)
            self.assertIn(b"api.enabled: false", body)
            # Webhooks and the admin API (with its token) still work.
            status, _, _ = gw.post("crm", json.dumps({"a": 1}))
            self.assertEqual(status, 202)
            status, _, _ = gw.request("GET", "/admin/dlq", headers={"Authorization": "Bearer admin-secret"})
            self.assertEqual(status, 200)
        finally:
            gw.close()

    def test_beyond_loopback_with_access_keys_serves_signed_requests_only(self):
        if boto3 is None:
            self.skipTest("boto3 is needed")
        gw = Gateway(EXPOSED.format(api=f"api:\n  access_keys:\n    - id: {KEY}\n      secret: {{value: {SECRET}}}\n")).start()
        try:
            endpoint = f"http://127.0.0.1:{gw.port}"
            ok = boto3.client("events", endpoint_url=endpoint, region_name=REGION,
                              aws_access_key_id=KEY, aws_secret_access_key=SECRET)
            self.assertIn("Rules", ok.list_rules())
            sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION,
                               aws_access_key_id=KEY, aws_secret_access_key=SECRET)
            self.assertEqual(sqs.list_queues().get("QueueUrls", []), [])
            status, _, _ = gw.request("POST", "/", b"{}", {
                "X-Amz-Target": "AWSEvents.ListRules", "Content-Type": "application/x-amz-json-1.1"})
            self.assertEqual(status, 403)  # MissingAuthenticationTokenException
        finally:
            gw.close()


def signed_request(port, target, body, sign_target=True):
    """A SigV4-signed request built with botocore's own signer; with sign_target=False the
    X-Amz-Target header is added after signing (so it is not among the SignedHeaders)."""
    url = f"http://127.0.0.1:{port}/"
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    if sign_target:
        headers["X-Amz-Target"] = target
    req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers=headers)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(KEY, SECRET), "events", REGION).add_auth(req)
    prepared = dict(req.headers.items())
    if not sign_target:
        prepared["X-Amz-Target"] = target
    return prepared


class SignedTargetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if boto3 is None:
            raise unittest.SkipTest("boto3 is needed")
        cls.gw = Gateway(f"api:\n  access_keys:\n    - id: {KEY}\n      secret: {{value: {SECRET}}}\n").start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def test_x_amz_target_must_be_signed(self):
        body = b"{}"
        h = signed_request(self.gw.port, "AWSEvents.ListRules", body)
        self.assertIn("x-amz-target", h["Authorization"])
        status, _, data = self.gw.request("POST", "/", body, h)
        self.assertEqual(status, 200, data)
        h = signed_request(self.gw.port, "AWSEvents.ListRules", body, sign_target=False)
        self.assertNotIn("x-amz-target", h["Authorization"])
        status, _, data = self.gw.request("POST", "/", body, h)
        self.assertEqual(status, 403, data)
        self.assertIn(b"'X-Amz-Target' must be a 'SignedHeader'", data)


class HostileValidationTest(unittest.TestCase):
    """The payloads of issue 16 through boto3 (which leaves max lengths and patterns to the server)."""

    @classmethod
    def setUpClass(cls):
        if boto3 is None:
            raise unittest.SkipTest("boto3 is needed")
        cls.gw = Gateway("server:\n  allow_private_targets: true\n").start()
        cls.client = boto3.client("events", endpoint_url=f"http://127.0.0.1:{cls.gw.port}", region_name=REGION,
                                  aws_access_key_id="x", aws_secret_access_key="y")

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def refused_quickly(self, fn, **kwargs):
        t0 = time.monotonic()
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kwargs)
        elapsed = time.monotonic() - t0
        err = cm.exception.response
        self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertEqual(err["Error"]["Code"], "ValidationException")
        self.assertLess(elapsed, 1.0)  # before: a segfault, or seconds to hours of backtracking
        return err["Error"]["Message"]

    def test_huge_event_bus_name(self):
        msg = self.refused_quickly(self.client.put_events, Entries=[{
            "Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "b" * 50000}])
        self.assertIn("Member must have length less than or equal to 1600", msg)
        self.assertIn("Rules", self.client.list_rules())  # still up

    def test_backtracking_header_value(self):
        value = "a" + " " * 40 + "\u0001"
        self.client.put_rule(Name="r", EventPattern=json.dumps({"source": ["s"]}))
        msg = self.refused_quickly(self.client.put_targets, Rule="r", Targets=[{
            "Id": "t", "Arn": "http://127.0.0.1:9/", "HttpParameters": {"HeaderParameters": {"x-h": value}}}])
        self.assertIn("regular expression pattern", msg)
        msg = self.refused_quickly(self.client.create_connection, Name="c", AuthorizationType="API_KEY",
                                   AuthParameters={
                                       "ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"},
                                       "InvocationHttpParameters": {
                                           "HeaderParameters": [{"Key": "x-h", "Value": value}]}})
        self.assertIn("regular expression pattern", msg)
        self.assertEqual([r["Name"] for r in self.client.list_rules()["Rules"]], ["r"])


class AdminTokenTest(unittest.TestCase):
    """/metrics needs the token; the CLI takes it from a file or the environment (not only `ps`)."""

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway("server:\n  admin_token: {value: admin-secret}\n").start()
        cls.url = f"http://127.0.0.1:{cls.gw.port}"

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def test_metrics_need_the_token(self):
        self.assertEqual(self.gw.request("GET", "/metrics")[0], 401)
        self.assertEqual(self.gw.request("GET", "/healthz")[0], 200)
        status, _, body = self.gw.request("GET", "/metrics", headers={"Authorization": "Bearer admin-secret"})
        self.assertEqual(status, 200)
        self.assertIn(b"cxbridge_storage_low_disk", body)

    def run_cli(self, *args, env=None):
        e = {k: v for k, v in os.environ.items() if k != "CXBRIDGE_ADMIN_TOKEN"}
        e.update(env or {})
        return subprocess.run([BIN, "targets", "list", "--server", self.url, *args],
                              capture_output=True, text=True, env=e, timeout=30)

    def test_cli_token_from_file_or_environment(self):
        self.assertNotEqual(self.run_cli().returncode, 0)  # 401 without a token
        with tempfile.NamedTemporaryFile("w", suffix=".token") as f:
            f.write("admin-secret\n")
            f.flush()
            r = self.run_cli("--token-file", f.name)
            self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_cli(env={"CXBRIDGE_ADMIN_TOKEN": "admin-secret"})
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.run_cli(env={"CXBRIDGE_ADMIN_TOKEN": "wrong"})
        self.assertNotEqual(r.returncode, 0)
        r = self.run_cli("--token", "admin-secret")  # still works (but shows in ps)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
