"""Strict configuration: every unknown key is an error at load and in `cxbridge config check`,
with its line, column and a "did you mean"; `config check` reports every problem. And
`cxbridge --version`."""
import os
import re
import subprocess
import tempfile
import unittest

from harness import BIN, Gateway

# One problem in each settings parser: config/ (server, storage, rules), ingest (a webhook
# source, its auth), genesys (a notifications source), deliver (a target, aws), api, blobs,
# transform (schemas).
BAD = """\
server:
  addresss: 0.0.0.0
storage: {type: jetstream}
sources:
  crm:
    auth: {scheme: hmac, hedaer: X-Sig, secret: {value: s}}
    evnt_source: crm.hooks
  gen:
    type: genesys-notifications
    region: us-east-1
    client_id: {value: a}
    client_secret: {value: b}
    topics: ["v2.users.{id}.presence"]
    ids: {users: [u1]}
    ping_after_secs: 30
rules:
  - Name: r
    EventPattern: {source: [crm.hooks]}
    Targets:
      - Id: t
        Arn: file:///tmp/cxb-config-check.jsonl
        RetryPolcy: {MaximumRetryAttempts: 1}
aws: {regoin: eu-west-1}
api: {acess_keys: []}
blobs: {type: local, pth: /tmp/x}
schemas:
  - {name: a, sorce: crm.hooks, require: ["$.x"]}
"""

EXPECTED = [
    (2, 3, "server: unknown key 'addresss' (did you mean 'address'?)"),
    (3, 11, "storage: unknown key 'type' (allowed: "),
    (6, 26, "sources.crm: auth (hmac): unknown key 'hedaer' (did you mean 'header'?)"),
    (7, 5, "sources.crm: unknown key 'evnt_source' (did you mean 'event_source'?)"),
    (15, 5, "sources.gen: unknown key 'ping_after_secs' (did you mean 'ping_after_seconds'?)"),
    (22, 9, "rule r target t: unknown key 'RetryPolcy' (did you mean 'RetryPolicy'?)"),
    (23, 7, "aws: unknown key 'regoin' (allowed: "),
    (24, 7, "api: unknown key 'acess_keys' (did you mean 'access_keys'?)"),
    (25, 22, "blobs: store: unknown key 'pth' (did you mean 'path'?)"),
    (27, 15, "schemas: schemas[0] (a): unknown key 'sorce' (did you mean 'source'?)"),
]


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60)


class ConfigCheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="cxb-config-")
        self.path = os.path.join(self.dir, "cxbridge.yaml")

    def write(self, text):
        with open(self.path, "w") as f:
            f.write(text)

    def test_reports_every_problem_with_line_column_and_suggestion(self):
        self.write(BAD)
        r = run("config", "check", self.path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[-1], f"{len(EXPECTED)} problems in {self.path}", r.stdout)
        got = []
        for line in lines[:-1]:
            m = re.match(re.escape(self.path) + r":(\d+):(\d+): (.*)$", line)
            self.assertIsNotNone(m, line)
            got.append((int(m.group(1)), int(m.group(2)), m.group(3)))
        self.assertEqual(len(got), len(EXPECTED), r.stdout)
        for (line, col, msg), (eline, ecol, emsg) in zip(got, EXPECTED):
            self.assertEqual((line, col), (eline, ecol), msg)
            self.assertTrue(msg.startswith(emsg), f"{msg!r} does not start with {emsg!r}")

    def test_serve_refuses_unknown_keys_and_names_them_all(self):
        self.write(BAD)
        r = run("serve", "--config", self.path, "--port", "0", "--data-dir", os.path.join(self.dir, "d"))
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{self.path}:2:3: server: unknown key 'addresss' (did you mean 'address'?)", r.stderr)
        self.assertIn(f"{self.path}:27:15: schemas:", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "d")), "nothing is created for a bad config")

    def test_a_good_config_passes(self):
        self.write("""\
server: {port: 0}
sources:
  crm: {auth: {scheme: none}, event_source: crm.hooks, detail_type: Hook}
rules:
  - Name: r
    EventPattern: {source: [crm.hooks]}
    Targets: [{Id: t, Arn: "file:///tmp/cxb-config-ok.jsonl", RetryPolicy: {MaximumRetryAttempts: 1}}]
""")
        r = run("config", "check", self.path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.strip(), f"{self.path}: OK (1 sources, 1 rules)")

    def test_value_errors_of_modules_are_placed_too(self):
        self.write("""\
sources:
  crm:
    auth: {scheme: hmac, header: X-Sig}
rules:
  - Name: r
    EventPattern: {source: [{prefx: a}]}
""")
        r = run("config", "check", self.path)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{self.path}:2:3: sources.crm: auth (hmac): ", r.stdout)
        self.assertRegex(r.stdout, re.escape(self.path) + r":5:5: .*prefx")

    def test_reload_with_unknown_keys_keeps_the_running_config(self):
        gw = Gateway("sources:\n  s: {auth: {scheme: none}}\n")
        gw.start()
        try:
            with open(gw.config_path, "w") as f:
                f.write("sources:\n  s: {auth: {scheme: none}, bsu: x}\n")
            status, _, body = gw.request("POST", "/admin/reload", b"{}",
                                         {"Content-Type": "application/json"})
            self.assertNotEqual(status, 200, body)
            self.assertIn(b"unknown key 'bsu' (did you mean 'bus'?)", body)
            status, _, _ = gw.post("s", '{"a":1}')
            self.assertEqual(status, 202)
        finally:
            gw.close()


class VersionTest(unittest.TestCase):
    def test_version_names_the_git_revision(self):
        r = run("--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        m = re.fullmatch(r"cxbridge (\d+\.\d+\.\d+) \(git ([0-9a-f]{12}(-dirty)?|unknown)\)\n", r.stdout)
        self.assertIsNotNone(m, r.stdout)
        src = os.path.join(os.path.dirname(__file__), "..", "..")
        head = subprocess.run(["git", "-C", src, "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True)
        if head.returncode == 0:
            # The binary under test was built from this checkout (maybe an older commit of it
            # when only the tests changed since): its revision is one of the checkout's.
            rev = m.group(2).removesuffix("-dirty")
            known = subprocess.run(["git", "-C", src, "cat-file", "-e", rev + "^{commit}"])
            self.assertEqual(known.returncode, 0, f"{rev} is not a commit of {src}")


if __name__ == "__main__":
    unittest.main()
