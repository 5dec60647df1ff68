"""End-to-end: a disk filled under load (issue 16). The data folder is a small tmpfs mounted by the
test; boto3 PutEvents 20 KB events into a rule whose target is a built-in queue until cxbridge
answers 503. The process must stay up, RocksDB must never meet ENOSPC, /readyz must fail while the
disk is full; after the tmpfs grows, ingest must resume and every acknowledged event must be in the
queue exactly once, exactly as sent.

Needs root (mount); skipped otherwise.
"""
import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from harness import Gateway, wait_for

try:
    import boto3
    import botocore
    from botocore.config import Config
except ImportError:  # pragma: no cover
    boto3 = None

ACCOUNT, REGION = "123456789012", "us-east-1"
KEY, SECRET = "AKIDCXBDISK", "cxbridge-disk-secret"
SMALL, LARGE = "160m", "400m"
MIN_FREE = 16 << 20

CONFIG = f"""
server:
  account: "{ACCOUNT}"
  region: {REGION}
storage:
  min_free_disk_bytes: {MIN_FREE}
delivery: {{backoff_base_ms: 50, backoff_max_ms: 500}}
api:
  access_keys:
    - id: {KEY}
      secret: {{value: {SECRET}}}
rules:
  - Name: to-queue
    EventPattern: {{source: [e2e.disk]}}
    Targets:
      - Id: q
        Arn: arn:aws:sqs:{REGION}:{ACCOUNT}:full
"""

NO_SPACE = ("No space left", "NoSpace", "ENOSPC", "IO error: No space")


def mount_tmpfs(path, size):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", path],
                       capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class DiskFullTest(unittest.TestCase):
    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root to mount a small tmpfs as the data folder")
        self.mnt = tempfile.mkdtemp(prefix="cxb-disk-")
        ok, err = mount_tmpfs(self.mnt, SMALL)
        if not ok:
            os.rmdir(self.mnt)
            self.skipTest(f"cannot mount a tmpfs here: {err}")
        self.gw = Gateway(CONFIG)
        self.gw.data_dir = os.path.join(self.mnt, "data")
        self.gw.start()
        endpoint = f"http://127.0.0.1:{self.gw.port}"
        session = boto3.session.Session(aws_access_key_id=KEY, aws_secret_access_key=SECRET, region_name=REGION)
        # No SDK retries: the test sees every 503 itself.
        cfg = Config(retries={"max_attempts": 1}, max_pool_connections=16)
        self.events = session.client("events", endpoint_url=endpoint, config=cfg)
        self.sqs = session.client("sqs", endpoint_url=endpoint, config=cfg)
        self.queue_url = self.sqs.create_queue(QueueName="full")["QueueUrl"]

    def tearDown(self):
        self.gw.stop()
        subprocess.run(["umount", "-l", self.mnt], capture_output=True)
        os.rmdir(self.mnt)
        shutil.rmtree(self.gw.dir, ignore_errors=True)

    def readyz(self):
        return self.gw.request("GET", "/readyz")[0]

    def rocksdb_logs(self):
        text = ""
        for p in glob.glob(os.path.join(self.gw.data_dir, "LOG*")):
            with open(p, errors="replace") as f:
                text += f.read()
        return text

    def server_log(self):
        with open(self.gw.log_path, errors="replace") as f:
            return f.read()

    def assert_no_enospc(self):
        server = self.server_log()
        for needle in NO_SPACE:
            self.assertNotIn(needle, server, "the server log shows RocksDB met a full disk")
            self.assertNotIn(needle, self.rocksdb_logs(), "RocksDB's LOG shows it met a full disk")

    def put(self, n, tag):
        """One PutEvents of n 20 KB events (incompressible hex). Returns {id: detail} when stored, None on 503."""
        details = [{"tag": tag, "i": i, "blob": os.urandom(10 * 1024).hex()} for i in range(n)]
        try:
            r = self.events.put_events(Entries=[
                {"Source": "e2e.disk", "DetailType": "fill", "Detail": json.dumps(d)} for d in details])
        except botocore.exceptions.ClientError as e:
            self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 503, e.response)
            self.assertEqual(e.response["Error"]["Code"], "ServiceUnavailable")
            self.assertEqual(e.response["ResponseMetadata"]["HTTPHeaders"].get("retry-after"), "1")
            return None
        out = {}
        for d, entry in zip(details, r["Entries"]):
            self.assertIn("EventId", entry, r)  # all or nothing: nothing is invalid here
            out[entry["EventId"]] = d
        return out

    def test_full_disk_gives_503_then_recovers(self):
        acked = {}
        lock = threading.Lock()
        refused = [0]
        stop = threading.Event()

        def producer(k):
            i = 0
            while not stop.is_set():
                got = self.put(5, f"p{k}-{i}")
                i += 1
                with lock:
                    if got is None:
                        refused[0] += 1
                    else:
                        acked.update(got)
                if got is None:
                    time.sleep(0.05)

        threads = [threading.Thread(target=producer, args=(k,), daemon=True) for k in range(4)]
        for t in threads:
            t.start()
        try:
            # Until the gateway refuses steadily (deliveries into the queue keep going a little longer).
            wait_for(lambda: refused[0] >= 40, timeout=60, interval=0.2, what="503s as the disk fills")
            wait_for(lambda: self.readyz() == 503, timeout=10, what="/readyz to fail while the disk is full")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        self.assertIsNone(self.gw.proc.poll(), "cxbridge exited on a full disk:\n" + self.gw.logs())
        st = os.statvfs(self.mnt)
        free = st.f_bavail * st.f_frsize
        print(f"\nfull: {len(acked)} events acknowledged, {refused[0]} requests refused, "
              f"{free / 2**20:.1f} MiB still free of {SMALL}", flush=True)
        self.assertGreater(len(acked), 200)
        self.assertGreater(free, 0)
        # Held there a moment: still up, still refusing, RocksDB still clear of ENOSPC.
        time.sleep(2)
        self.assertIsNone(self.put(1, "while-full"))
        self.assertEqual(self.readyz(), 503)
        self.assertIsNone(self.gw.proc.poll())
        self.assert_no_enospc()

        # Space returns: ingest resumes by itself.
        r = subprocess.run(["mount", "-o", f"remount,size={LARGE}", self.mnt], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_for(lambda: self.readyz() == 200, timeout=15, what="/readyz once space returns")
        after = self.put(5, "after")
        self.assertIsNotNone(after, "ingest did not resume once space returned")
        acked.update(after)

        # Every acknowledged event reaches the queue, once, exactly as sent.
        got = {}
        dupes = 0
        deadline = time.time() + 45
        while len(got) < len(acked) and time.time() < deadline:
            msgs = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                            WaitTimeSeconds=1).get("Messages", [])
            for m in msgs:
                ev = json.loads(m["Body"])
                if ev["id"] in got:
                    dupes += 1
                got[ev["id"]] = ev["detail"]
            if msgs:
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        missing = set(acked) - set(got)
        self.assertEqual(len(missing), 0, f"{len(missing)} acknowledged events not in the queue")
        for eid, detail in acked.items():
            self.assertEqual(got[eid], detail, eid)
        self.assertEqual(dupes, 0)
        self.assertEqual(set(got) - set(acked), set())
        self.assertIsNone(self.gw.proc.poll())
        self.assert_no_enospc()
        log = self.server_log()
        self.assertIn("storage nearly full", log)
        self.assertIn("ingest resumes", log)
        self.assertEqual(self.gw.stop(), 0, "cxbridge did not exit cleanly:\n" + self.gw.logs())

    def drain(self, want):
        got = {}
        deadline = time.time() + 45
        while len(got) < want and time.time() < deadline:
            msgs = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10,
                                            WaitTimeSeconds=1).get("Messages", [])
            for m in msgs:
                ev = json.loads(m["Body"])
                got[ev["id"]] = ev["detail"]
            if msgs:
                self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        return got

    def test_disk_filled_by_another_process(self):
        """Another process takes every free byte at once (no margin left for the guard to see coming)."""
        acked = {}
        for i in range(20):
            acked.update(self.put(5, f"before-{i}"))
        filler = os.path.join(self.mnt, "filler")
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M"], capture_output=True)
        self.assertLess(os.statvfs(self.mnt).f_bavail, 16)
        for i in range(10):
            self.assertIsNone(self.put(5, f"full-{i}"))
        self.assertEqual(self.readyz(), 503)
        self.assertIsNone(self.gw.proc.poll(), "cxbridge exited on a full disk:\n" + self.gw.logs())
        os.remove(filler)
        wait_for(lambda: self.readyz() == 200, timeout=15, what="/readyz once the filler is gone")
        after = self.put(5, "after")
        self.assertIsNotNone(after, "ingest did not resume once space returned")
        acked.update(after)
        got = self.drain(len(acked))
        self.assertEqual(set(got), set(acked))
        for eid, detail in acked.items():
            self.assertEqual(got[eid], detail, eid)
        self.assert_no_enospc()
        # Closing the database after a full disk used to abort in RocksDB (its LOG file's writer).
        self.assertEqual(self.gw.stop(), 0, "cxbridge did not exit cleanly:\n" + self.gw.logs())


if __name__ == "__main__":
    unittest.main()
