"""The README's "Try it" session, run as written, against examples/genesys.yaml (what `make run`
starts): the example config must load, `cxbridge send` must store and then deduplicate the
README's event, and the rule `conversation-ends` must deliver it to the file the README tails.
The event body is read from the README itself, so the walkthrough cannot drift from what works.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BIN, SHARED, wait_for

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
EXAMPLE = os.path.abspath(os.path.join(ROOT, "examples", "genesys.yaml"))


def read(path):
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def readme_event():
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    m = re.search(r"cat > /tmp/end\.json <<'JSON'\n(.*?)\nJSON\n", text, re.S)
    assert m, "README.md no longer has the /tmp/end.json heredoc this test runs"
    return m.group(1)


class ExampleConfigTest(unittest.TestCase):
    def setUp(self):
        # The example's file targets are relative (cxbridge-events.jsonl): run where make run would,
        # in a folder of our own.
        self.dir = tempfile.mkdtemp(prefix="cxb-e2e-example-")
        self.port_file = os.path.join(self.dir, "port")
        self.log = open(os.path.join(self.dir, "server.log"), "wb")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--config", EXAMPLE, "--port", "0", "--port-file", self.port_file,
             "--data-dir", os.path.join(self.dir, "data")],
            cwd=self.dir, stdout=self.log, stderr=self.log)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("cxbridge exited with examples/genesys.yaml: " + self.logs())
            return read(self.port_file).strip()
        self.port = int(wait_for(ready, what="server to listen"))

    def tearDown(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self):
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def cli(self, *args):
        return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, cwd=self.dir)

    def test_readme_walkthrough(self):
        body_path = os.path.join(self.dir, "end.json")
        with open(body_path, "w") as f:
            f.write(readme_event())
        send = ["send", "--config", EXAMPLE, "--source", "genesys-data-action",
                "--data", "@" + body_path, "--server", f"http://127.0.0.1:{self.port}"]
        first = self.cli(*send)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        self.assertTrue(first.stdout.startswith("202 "), first.stdout)
        stored = json.loads(first.stdout[4:])
        self.assertEqual(stored["status"], "stored")
        again = self.cli(*send)
        self.assertEqual(again.returncode, 0, again.stdout + again.stderr)
        self.assertTrue(again.stdout.startswith("200 "), again.stdout)
        self.assertEqual(json.loads(again.stdout[4:])["status"], "duplicate")

        events_file = os.path.join(self.dir, "cxbridge-events.jsonl")
        wait_for(lambda: read(events_file).strip(),
                 what="the conversation-ends rule to write cxbridge-events.jsonl")
        lines = read(events_file).strip().splitlines()
        self.assertEqual(len(lines), 1, lines)  # the duplicate went nowhere
        event = json.loads(lines[-1])
        self.assertEqual(event["id"], stored["id"])
        self.assertEqual(event["source"], "genesys.cloud")
        self.assertEqual(event["detail-type"], "v2.detail.events.conversation.{id}.customer.end")
        self.assertEqual(event["detail"]["eventBody"]["disconnectType"], "CLIENT")
        # The audit rule archives everything into its own file too.
        audit_file = os.path.join(self.dir, "cxbridge-audit.jsonl")
        wait_for(lambda: read(audit_file).strip(),
                 what="the audit-all rule to write cxbridge-audit.jsonl")

        # The README's test-pattern line, on the delivered event (`tail -n1 cxbridge-events.jsonl`).
        pattern = self.cli("test-pattern", "--pattern",
                           '{"detail":{"eventBody":{"mediaType":["VOICE"]}}}', "--event", lines[-1])
        self.assertEqual((pattern.returncode, pattern.stdout.strip()), (0, "true"), pattern.stderr)

    @unittest.skipUnless(os.path.isdir(os.path.join(SHARED, "genesys")), "../shared/genesys is absent")
    def test_audit_all_keeps_events_from_genesys_eventbridge(self):
        # Issue 14: events from Genesys's EventBridge integration keep their partner source
        # (aws.partner/genesys.com/cloud/...); the example's audit-all rule once listed only
        # genesys.cloud and missed every one of them. Real captures, forwarded as an API
        # destination would.
        ids = []
        for name in ("eb-v2.audits.entitytype.UserPresence.verbatim.json",
                     "eb-v2.detail.events.conversation.customer.end.verbatim.json"):
            path = os.path.join(SHARED, "genesys", name)
            with open(path) as f:
                ev = json.load(f)
            self.assertTrue(ev["source"].startswith("aws.partner/genesys.com"), ev["source"])
            ids.append(ev["id"])
            r = self.cli("send", "--config", EXAMPLE, "--source", "genesys-eventbridge", "--data", "@" + path,
                         "--server", f"http://127.0.0.1:{self.port}")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        audit_file = os.path.join(self.dir, "cxbridge-audit.jsonl")

        def archived():
            return {json.loads(line)["id"] for line in read(audit_file).splitlines() if line.strip()}
        wait_for(lambda: set(ids) <= archived(), what="both EventBridge events in cxbridge-audit.jsonl")


if __name__ == "__main__":
    unittest.main()
