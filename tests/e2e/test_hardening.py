"""End-to-end: issue 16's hardening of the process, the admin surface and outbound targets,
through the real binary.

- the data folder is 0700 and nothing the server writes is readable by others (umask 077), a file
  target's output included; a command target's child sees an allowlisted environment plus its own
  Env, not the server's secrets;
- on loopback without an admin token, requests naming another Host (DNS rebinding) are refused
  (webhooks aside), names from server.allowed_hosts are accepted, and admin POSTs need
  Content-Type: application/json;
- PutTargets refuses an ARN whose region is not an AWS region (it would become a hostname).
"""
import json
import os
import stat
import tempfile
import unittest
import uuid

from harness import Gateway, wait_for

try:
    import boto3
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover
    boto3 = None


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class ProcessTest(unittest.TestCase):
    def test_data_files_and_command_environment_are_private(self):
        d = tempfile.mkdtemp(prefix="cxb-harden-e2e-")
        out, env_out = os.path.join(d, "out.jsonl"), os.path.join(d, "env.txt")
        script = os.path.join(d, "env.sh")
        with open(script, "w") as f:
            f.write(f"#!/bin/bash\ncat >/dev/null\nenv > {env_out}\n")
        os.chmod(script, 0o755)
        gw = Gateway(f"""
sources:
  open: {{auth: {{scheme: none}}, event_source: e2e.harden}}
rules:
  - Name: out
    EventPattern: {{source: [e2e.harden]}}
    Targets:
      - {{Id: file, Arn: "file://{out}"}}
      - {{Id: cmd, Arn: "command://{script}", Command: {{Env: {{OWN_SETTING: "yes"}}}}}}
""", env={"CXB_E2E_SERVER_SECRET": "hunter2", "LC_ALL": "C.UTF-8"})
        gw.start()
        try:
            status, _, body = gw.post("open", json.dumps({"n": 1}))
            self.assertEqual(status, 202, body)
            wait_for(lambda: os.path.exists(out) and os.path.getsize(out) > 0, what="file target")
            wait_for(lambda: os.path.exists(env_out) and os.path.getsize(env_out) > 0, what="command")
            self.assertEqual(mode(gw.data_dir), 0o700)
            self.assertEqual(mode(out), 0o600)
            readable = []
            for root, dirs, files in os.walk(gw.data_dir):
                for name in dirs + files:
                    p = os.path.join(root, name)
                    if mode(p) & 0o077:
                        readable.append((p, oct(mode(p))))
            self.assertEqual(readable, [], "files in the data folder that others can access")
            with open(env_out) as f:
                env = f.read()
            self.assertNotIn("hunter2", env)
            self.assertNotIn("CXB_E2E_SERVER_SECRET", env)
            self.assertIn("OWN_SETTING=yes\n", env)
            self.assertIn("LC_ALL=C.UTF-8\n", env)
            self.assertIn("CXB_EVENT_ID=", env)
        finally:
            gw.close()

    def test_an_existing_data_folder_is_tightened(self):
        gw = Gateway("sources:\n  s: {auth: {scheme: none}}\n")
        os.makedirs(gw.data_dir, mode=0o755)
        os.chmod(gw.data_dir, 0o755)
        gw.start()
        try:
            self.assertEqual(mode(gw.data_dir), 0o700)
            self.assertIn("setting it to 0700", gw.logs())
        finally:
            gw.close()


class AdminSurfaceTest(unittest.TestCase):
    def setUp(self):
        self.gw = Gateway("""
server:
  allowed_hosts: [gateway.internal]
sources:
  open: {auth: {scheme: none}}
""").start()

    def tearDown(self):
        self.gw.close()

    def test_rebinding_hosts_are_refused_without_a_token(self):
        port = self.gw.port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "gateway.internal", f"GATEWAY.internal:{port}"):
            status, _, body = self.gw.request("GET", "/admin/dlq", headers={"Host": host})
            self.assertEqual(status, 200, (host, body))
        for host in (f"evil.example:{port}", "rebind.attacker.test", f"127.0.0.1.evil.example:{port}"):
            status, _, body = self.gw.request("GET", "/admin/dlq", headers={"Host": host})
            self.assertEqual(status, 403, (host, body))
            self.assertIn(b"allowed_hosts", body)
            status, _, _ = self.gw.request("GET", "/blobs/" + "0" * 64, headers={"Host": host})
            self.assertEqual(status, 403)
            status, _, _ = self.gw.request(
                "POST", "/", b"{}", {"Host": host, "X-Amz-Target": "AWSEvents.ListRules",
                                     "Content-Type": "application/x-amz-json-1.1"})
            self.assertEqual(status, 403)
        # Webhooks authenticate themselves (per source); health probes stay open.
        status, _, _ = self.gw.request("POST", "/webhooks/open", b'{"a":1}',
                                       {"Host": "evil.example", "Content-Type": "application/json"})
        self.assertEqual(status, 202)
        status, _, _ = self.gw.request("GET", "/healthz", headers={"Host": "evil.example"})
        self.assertEqual(status, 200)

    def test_admin_posts_need_json(self):
        for ct in (None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
            headers = {"Content-Type": ct} if ct else {}
            status, _, body = self.gw.request("POST", "/admin/dlq/redrive", b'{"all":true}', headers)
            self.assertEqual(status, 415, (ct, body))
        status, _, body = self.gw.request("POST", "/admin/dlq/redrive", b'{"all":true}',
                                          {"Content-Type": "application/json; charset=utf-8"})
        self.assertEqual(status, 200, body)
        # The CLI sends JSON too.
        r = self.gw.cli("dlq", "redrive", "--all", "--server", f"http://127.0.0.1:{self.gw.port}", check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class ArnRegionTest(unittest.TestCase):
    def test_put_targets_refuses_a_region_that_is_not_one(self):
        if boto3 is None:
            raise unittest.SkipTest("boto3 needed")
        gw = Gateway("server: {account: '123456789012', region: us-east-1}\n"
                     "aws: {access_key_id: AKIDEXAMPLE, secret_access_key: secret}\n").start()
        try:
            events = boto3.client("events", endpoint_url=f"http://127.0.0.1:{gw.port}", region_name="us-east-1",
                                  aws_access_key_id="x", aws_secret_access_key="x")
            events.put_rule(Name="r", EventPattern=json.dumps({"source": ["x"]}))
            for arn in ("arn:aws:sqs:x@10.1.2.3:8443/#:123456789012:q",
                        "arn:aws:lambda:x@10.1.2.3#:123456789012:function:f"):
                with self.assertRaises(ClientError) as refused:
                    events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": arn}])
                self.assertEqual(refused.exception.response["Error"]["Code"], "ValidationException", arn)
            self.assertEqual(events.list_targets_by_rule(Rule="r")["Targets"], [])
            ok = events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": "arn:aws:sqs:eu-west-1:210987654321:q"}])
            self.assertEqual(ok["FailedEntryCount"], 0, ok)
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main()
