"""End-to-end: cxbridge's built-in queues, driven by an unmodified boto3 SQS client (JSON protocol),
as producer and consumer; rule targets into a FIFO queue; `cxbridge consume`.

Runs the real binary on loopback; boto3 talks to it exactly as it talks to AWS.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import uuid

from harness import Gateway, wait_for

try:
    import boto3
    import botocore
    from botocore.config import Config
except ImportError:  # pragma: no cover
    boto3 = None

ACCOUNT = "123456789012"

CONFIG = """
delivery: {backoff_base_ms: 20, backoff_max_ms: 200}
sources:
  open:
    auth: {scheme: none}
    event_source: e2e.cc
    detail_type: {path: "$.kind"}
    idempotency_key: {paths: ["$.eventId"]}
rules:
  - Name: to-fifo
    EventPattern: {source: [e2e.cc], detail-type: [Conversation]}
    Targets:
      - Id: fifo
        Arn: arn:aws:sqs:us-east-1:123456789012:conversations.fifo
        SqsParameters: {MessageGroupId: "$.detail.conversationId"}
        OrderingKey: "$.detail.conversationId"
  - Name: to-standard
    EventPattern: {source: [e2e.cc], detail-type: [Plain]}
    Targets:
      - Id: plain
        Arn: arn:aws:sqs:us-east-1:123456789012:plain
        InputPath: "$.detail"
"""


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class QueueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(CONFIG).start()
        cls.endpoint = f"http://127.0.0.1:{cls.gw.port}"
        cls.sqs = boto3.session.Session(
            aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
        ).client("sqs", endpoint_url=cls.endpoint, config=Config(retries={"max_attempts": 1}))

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def url(self, name):
        return f"{self.endpoint}/{ACCOUNT}/{name}"

    def drain(self, url, want, wait=1, vis=30):
        got = []
        deadline = time.time() + 20
        while len(got) < want and time.time() < deadline:
            r = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait,
                                         VisibilityTimeout=vis, MessageSystemAttributeNames=["All"],
                                         MessageAttributeNames=["All"])
            for m in r.get("Messages", []):
                got.append(m)
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return got

    def test_standard_queue_produce_and_consume(self):
        url = self.sqs.create_queue(QueueName="std-1", Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
        self.assertEqual(url, self.url("std-1"))
        self.assertEqual(self.sqs.get_queue_url(QueueName="std-1")["QueueUrl"], url)
        self.assertIn(url, self.sqs.list_queues(QueueNamePrefix="std-")["QueueUrls"])
        r = self.sqs.send_message(QueueUrl=url, MessageBody="hello",
                                  MessageAttributes={"a": {"DataType": "String", "StringValue": "v"}})
        self.assertEqual(r["MD5OfMessageBody"], "5d41402abc4b2a76b9719d911017c592")
        self.assertEqual(r["MD5OfMessageAttributes"], "a18cbb58171ebf4ce88d9fb787f9210b")
        b = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "1", "MessageBody": "one"}, {"Id": "2", "MessageBody": "two"}, {"Id": "3", "MessageBody": ""}])
        self.assertEqual(sorted(e["Id"] for e in b["Successful"]), ["1", "2"])
        self.assertEqual(b["Failed"][0]["Id"], "3")
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "3")
        self.assertEqual(attrs["QueueArn"], f"arn:aws:sqs:us-east-1:{ACCOUNT}:std-1")
        msgs = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                        MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"]
        self.assertEqual(sorted(m["Body"] for m in msgs), ["hello", "one", "two"])
        hello = [m for m in msgs if m["Body"] == "hello"][0]
        self.assertEqual(hello["MessageAttributes"]["a"]["StringValue"], "v")
        self.assertEqual(hello["Attributes"]["ApproximateReceiveCount"], "1")
        attrs = self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        self.assertEqual(attrs, {"ApproximateNumberOfMessagesNotVisible": "3"})
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=hello["ReceiptHandle"], VisibilityTimeout=0)
        again = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual([m["Body"] for m in again], ["hello"])
        d = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs[1:] + again)])
        self.assertEqual(len(d["Successful"]), 3)
        self.assertEqual(d["Failed"], [])
        self.sqs.purge_queue(QueueUrl=url)
        self.sqs.delete_queue(QueueUrl=url)
        with self.assertRaises(self.sqs.exceptions.QueueDoesNotExist):
            self.sqs.get_queue_url(QueueName="std-1")
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.assertEqual(e.exception.response["Error"]["Code"], "AWS.SimpleQueueService.NonExistentQueue")

    def test_fifo_groups_in_order_and_dedup(self):
        url = self.sqs.create_queue(QueueName="f-1.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
        for i in range(5):
            for g in ("a", "b"):
                self.sqs.send_message(QueueUrl=url, MessageBody=f"{g}{i}", MessageGroupId=g)
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="a0", MessageGroupId="a")
        self.assertIn("SequenceNumber", dup)
        first = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
        self.assertEqual(first[0]["Body"], "a0")
        # Group a is blocked while a0 is in flight; b proceeds.
        rest = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                        MessageSystemAttributeNames=["MessageGroupId"])["Messages"]
        self.assertEqual([m["Body"] for m in rest], [f"b{i}" for i in range(5)])
        self.assertTrue(all(m["Attributes"]["MessageGroupId"] == "b" for m in rest))
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
        later = self.drain(url, 4)
        self.assertEqual([m["Body"] for m in later], ["a1", "a2", "a3", "a4"])
        with self.assertRaises(botocore.exceptions.ClientError) as e:
            self.sqs.send_message(QueueUrl=url, MessageBody="x")
        self.assertEqual(e.exception.response["Error"]["Code"], "MissingParameter")

    def test_long_poll_is_answered_when_a_message_arrives(self):
        url = self.sqs.create_queue(QueueName="lp-1")["QueueUrl"]
        t0 = time.time()
        empty = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
        self.assertNotIn("Messages", empty)
        self.assertGreaterEqual(time.time() - t0, 0.9)
        timer = threading.Timer(0.5, lambda: self.sqs.send_message(QueueUrl=url, MessageBody="late"))
        timer.start()
        t0 = time.time()
        r = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
        self.assertEqual(r["Messages"][0]["Body"], "late")
        self.assertLess(time.time() - t0, 5)
        timer.join()

    def test_redrive_policy_moves_poison_messages(self):
        dlq = self.sqs.create_queue(QueueName="dead-1")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        url = self.sqs.create_queue(QueueName="work-1", Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": "2"})})["QueueUrl"]
        mid = self.sqs.send_message(QueueUrl=url, MessageBody="poison")["MessageId"]
        for _ in range(2):
            self.assertEqual(len(self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]), 1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, VisibilityTimeout=0))
        dead = self.sqs.receive_message(QueueUrl=dlq)["Messages"]
        self.assertEqual((dead[0]["MessageId"], dead[0]["Body"]), (mid, "poison"))

    def test_rule_targets_fill_queues_in_group_order(self):
        fifo = self.sqs.create_queue(QueueName="conversations.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        plain = self.sqs.create_queue(QueueName="plain")["QueueUrl"]
        sent = {}
        for i in range(10):
            for c in ("c1", "c2", "c3"):
                body = {"eventId": str(uuid.uuid4()), "kind": "Conversation", "conversationId": c, "n": i}
                status, _, _ = self.gw.post("open", json.dumps(body))
                self.assertIn(status, (200, 202))
                sent.setdefault(c, []).append(i)
        # A repeated webhook (same idempotency key) is not queued twice.
        status, _, _ = self.gw.post("open", json.dumps({"eventId": "plain-1", "kind": "Plain", "x": 1}))
        self.assertIn(status, (200, 202))
        self.gw.post("open", json.dumps({"eventId": "plain-1", "kind": "Plain", "x": 1}))
        got = self.drain(fifo, 30)
        per_group = {}
        for m in got:
            ev = json.loads(m["Body"])
            self.assertEqual(m["Attributes"]["MessageGroupId"], ev["detail"]["conversationId"])
            self.assertEqual(m["Attributes"]["MessageDeduplicationId"], ev["id"])
            per_group.setdefault(ev["detail"]["conversationId"], []).append(ev["detail"]["n"])
        self.assertEqual(per_group, sent)
        p = self.drain(plain, 1)
        self.assertEqual(json.loads(p[0]["Body"]), {"eventId": "plain-1", "kind": "Plain", "x": 1})
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=plain, WaitTimeSeconds=1))


    def consume(self, queue, *extra, script="exit 0"):
        d = tempfile.mkdtemp(prefix="cxb-consume-")
        out = os.path.join(d, "out")
        cmd = os.path.join(d, "handle.sh")
        with open(cmd, "w") as f:
            f.write(f"#!/bin/bash\nbody=$(cat)\necho \"$body\" >> {out}\n{script}\n")
        os.chmod(cmd, 0o755)
        t0 = time.time()
        r = self.gw.cli("consume", queue, "--server", self.endpoint, *extra, "--", cmd)
        lines = []
        if os.path.exists(out):
            with open(out) as f:
                lines = f.read().split("\n")[:-1]
        return r, lines, time.time() - t0

    def test_consume_feeds_a_command_at_a_controlled_rate(self):
        url = self.sqs.create_queue(QueueName="c-rate")["QueueUrl"]
        for i in range(15):
            self.sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
        r, lines, took = self.consume("c-rate", "--rate", "5/s", "--exit-when-empty")
        self.assertEqual(sorted(lines), sorted(f"m{i}" for i in range(15)))
        # A burst of 5, then 10 more at 5/s: at least 2 s.
        self.assertGreaterEqual(took, 1.8)
        self.assertIn("15 done", r.stderr)
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual((attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]),
                         ("0", "0"))

    def test_consume_leaves_failed_messages_and_keeps_fifo_order(self):
        url = self.sqs.create_queue(QueueName="c-fifo.fifo", Attributes={
            "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
        for i in range(4):
            for g in ("a", "b"):
                body = f"{g}{i}" + ("-bad" if (g, i) == ("b", 1) else "")
                self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=g)
        r, lines, _ = self.consume("c-fifo.fifo", "--concurrency", "2", "--exit-when-empty",
                                   "--visibility-timeout", "60", script='[[ "$body" == *bad* ]] && exit 3; exit 0')
        self.assertIn("EXIT_3", r.stderr)
        self.assertEqual([l for l in lines if l.startswith("a")], ["a0", "a1", "a2", "a3"])
        # b1 failed: it and the rest of group b stay in the queue, in order, for a later run.
        self.assertEqual([l for l in lines if l.startswith("b")], ["b0", "b1-bad"])
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"]), 3)


AUTH_CONFIG = """
api:
  access_keys:
    - id: AKIDCXBQUEUE
      secret: {value: cxbridge-queue-secret}
"""


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class QueueAuthTest(unittest.TestCase):
    """With API access keys configured, the SQS API takes only requests SigV4-signed (for service
    sqs) with one of them, and refuses the rest with SQS's own error codes."""

    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway(AUTH_CONFIG)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            cls.gw.env.pop(k, None)  # the CLI must take its key from the config
        cls.gw.start()
        cls.endpoint = f"http://127.0.0.1:{cls.gw.port}"

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def client(self, key, secret):
        return boto3.session.Session(
            aws_access_key_id=key, aws_secret_access_key=secret, region_name="us-east-1"
        ).client("sqs", endpoint_url=self.endpoint, config=Config(retries={"max_attempts": 1}))

    def error_of(self, call):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            call()
        return cm.exception.response["Error"]["Code"], cm.exception.response["ResponseMetadata"]["HTTPStatusCode"]

    def test_only_signed_requests_with_a_configured_key_pass(self):
        good = self.client("AKIDCXBQUEUE", "cxbridge-queue-secret")
        url = good.create_queue(QueueName="guarded")["QueueUrl"]
        good.send_message(QueueUrl=url, MessageBody="hello")
        self.assertEqual(self.error_of(lambda: self.client("AKIDCXBQUEUE", "wrong").receive_message(QueueUrl=url)),
                         ("SignatureDoesNotMatch", 403))
        self.assertEqual(self.error_of(lambda: self.client("AKIDNOBODY", "x").list_queues()),
                         ("InvalidClientTokenId", 403))
        r = self.gw.request("POST", "/", b"{}", {"X-Amz-Target": "AmazonSQS.ListQueues",
                                                  "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(r[0], 403)
        self.assertIn(b"MissingAuthenticationToken", r[2])
        # Nothing the refused requests did reached the queue: the one message is still there.
        got = good.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual([m["Body"] for m in got], ["hello"])
        good.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])

    def test_consume_signs_with_the_configs_key(self):
        good = self.client("AKIDCXBQUEUE", "cxbridge-queue-secret")
        url = good.create_queue(QueueName="guarded-consume")["QueueUrl"]
        for i in range(3):
            good.send_message(QueueUrl=url, MessageBody=f"m{i}")
        d = tempfile.mkdtemp(prefix="cxb-consume-")
        out = os.path.join(d, "out")
        r = self.gw.cli("consume", "guarded-consume", "--server", self.endpoint, "--config", self.gw.config_path,
                        "--exit-when-empty", "--quiet", "--", "sh", "-c", f"cat >> {out}; echo >> {out}")
        with open(out) as f:
            self.assertEqual(sorted(f.read().split()), ["m0", "m1", "m2"], r.stderr)
        # Without a key it is refused, and says why.
        r = self.gw.cli("consume", "guarded-consume", "--server", self.endpoint, "--exit-when-empty", "--", "true",
                        check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("MissingAuthenticationToken", r.stderr)


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class QueueDurabilityTest(unittest.TestCase):
    def test_messages_and_in_flight_state_survive_kill_9(self):
        gw = Gateway(CONFIG).start()
        try:
            sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{gw.port}", region_name="us-east-1",
                               aws_access_key_id="test", aws_secret_access_key="test")
            url = sqs.create_queue(QueueName="durable.fifo", Attributes={
                "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
            for i in range(20):
                sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageGroupId="g")
            held = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=600)["Messages"][0]
            gw.kill()
            gw.start()
            sqs = boto3.client("sqs", endpoint_url=f"http://127.0.0.1:{gw.port}", region_name="us-east-1",
                               aws_access_key_id="test", aws_secret_access_key="test")
            url = sqs.get_queue_url(QueueName="durable.fifo")["QueueUrl"]
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            self.assertEqual((attrs["ApproximateNumberOfMessages"], attrs["ApproximateNumberOfMessagesNotVisible"]),
                             ("19", "1"))
            # The group is still held by the in-flight m0; its receipt still deletes it.
            self.assertNotIn("Messages", sqs.receive_message(QueueUrl=url))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=held["ReceiptHandle"])
            got = []
            while len(got) < 19:
                r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
                for m in r.get("Messages", []):
                    got.append(m["Body"])
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            self.assertEqual(got, [f"m{i}" for i in range(1, 20)])
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main()
