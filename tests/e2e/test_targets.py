"""End-to-end: rule targets of the kinds beyond HTTP, through the real binary — the command target
(a real executable fed the event on stdin; a failing run is retried)."""
import json
import os
import tempfile
import unittest
import uuid

from harness import Gateway, wait_for


class CommandTargetTest(unittest.TestCase):
    def test_events_reach_a_command_and_failures_are_retried(self):
        d = tempfile.mkdtemp(prefix="cxb-cmd-e2e-")
        out, marker = os.path.join(d, "out.jsonl"), os.path.join(d, "failed-once")
        script = os.path.join(d, "handle.sh")
        with open(script, "w") as f:
            # The first run for an event fails (exit 1); the retry succeeds.
            f.write(f"""#!/bin/bash
body=$(cat)
if [[ ! -e {marker}-$CXB_EVENT_ID ]]; then touch {marker}-$CXB_EVENT_ID; exit 1; fi
echo "$body" >> {out}
""")
        os.chmod(script, 0o755)
        gw = Gateway(f"""
delivery: {{backoff_base_ms: 20, backoff_max_ms: 100}}
sources:
  open:
    auth: {{scheme: none}}
    event_source: e2e.cmd
    detail_type: {{path: "$.kind"}}
rules:
  - Name: to-command
    EventPattern: {{source: [e2e.cmd]}}
    Targets:
      - Id: cmd
        Arn: command://{script}
        InputPath: "$.detail"
        Command: {{TimeoutSeconds: 5, Concurrency: 2}}
""").start()
        try:
            ids = [str(uuid.uuid4()) for _ in range(5)]
            for i in ids:
                status, _, _ = gw.post("open", json.dumps({"kind": "K", "ref": i}))
                self.assertIn(status, (200, 202))

            def delivered():
                if not os.path.exists(out):
                    return None
                with open(out) as f:
                    lines = [json.loads(l) for l in f if l.strip()]
                return lines if len(lines) >= 5 else None
            lines = wait_for(delivered, timeout=30, what="5 events through the command")
            self.assertEqual(sorted(l["ref"] for l in lines), sorted(ids))
            self.assertEqual(len(lines), 5)
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main()
