"""End-to-end: AWS forwarding. The real binary receives webhooks and forwards them to "AWS" — a
real moto_server on loopback, reached through the `aws.endpoints` override:

- a rule targeting an event bus in another account (PutEvents): verified through a moto rule on
  that bus that copies every event into a moto SQS queue, read with boto3;
- a rule targeting a Kinesis data stream (PutRecords, PartitionKeyPath): records read back with
  boto3, partition keys and per-key order checked;
- a rule targeting a Firehose delivery stream (PutRecordBatch) into an S3 bucket, read back;
- a rule targeting a Step Functions state machine (StartExecution, InputPath): executions listed;
- a rule targeting an SNS topic (Publish, query protocol) with an InputTransformer: read back
  through an SQS subscription of the topic;
- a rule targeting a FIFO queue in another account (SendMessage/SendMessageBatch with
  MessageGroupId and MessageDeduplicationId): per-group order checked with boto3;
- AWS's own refusals dead-letter with AWS's error code; AWS targets without credentials are
  refused when the config is loaded and when PutTargets saves them;
- `aws: {credentials: default}` finds its keys through the default chain, here the container
  credentials endpoint (a real HTTP server answering in ECS's documented shape).

Skipped (with the reason) when moto_server or boto3 is not installed.
"""
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.request

from harness import Gateway, wait_for

try:
    import boto3
    import botocore
    from botocore.config import Config
except ImportError:  # pragma: no cover
    boto3 = None

MOTO = shutil.which("moto_server")
MOTO_ACCOUNT = "123456789012"  # moto's default account: the "remote" AWS account
SECRET = "e2e-aws-secret-never-logged"

CONFIG = """
server: {{account: "111122223333", region: eu-west-1}}
delivery: {{backoff_base_ms: 20, backoff_max_ms: 200}}
aws:
  access_key_id: {{value: AKIDCXBAWSE2E}}
  secret_access_key: {{env: CXB_E2E_AWS_SECRET}}
  endpoints: {{events: "{moto}", sqs: "{moto}", kinesis: "{moto}", sns: "{moto}", firehose: "{moto}",
              states: "{moto}"}}
  batch_window_ms: 5
  timeout_seconds: 60  # moto_server answers slowly on a loaded machine: no retry of a request it took
sources:
  open:
    auth: {{scheme: none}}
    event_source: e2e.cc
    detail_type: {{path: "$.kind"}}
    idempotency_key: {{paths: ["$.eventId"]}}
rules:
  - Name: to-aws-bus
    EventPattern: {{source: [e2e.cc], detail-type: [Presence]}}
    Targets:
      - Id: central
        Arn: arn:aws:events:us-east-1:{account}:event-bus/central
        Concurrency: 64
  - Name: to-aws-fifo
    EventPattern: {{source: [e2e.cc], detail-type: [Conversation]}}
    Targets:
      - Id: calls
        Arn: arn:aws:sqs:us-east-1:{account}:calls.fifo
        SqsParameters: {{MessageGroupId: "$.detail.conversationId"}}
        OrderingKey: "$.detail.conversationId"
  - Name: to-kinesis
    EventPattern: {{source: [e2e.cc], detail-type: [Streamed]}}
    Targets:
      - Id: stream
        Arn: arn:aws:kinesis:us-east-1:{account}:stream/calls-stream
        KinesisParameters: {{PartitionKeyPath: "$.detail.conversationId"}}
        OrderingKey: "$.detail.conversationId"
  - Name: to-sns
    EventPattern: {{source: [e2e.cc], detail-type: [Alert]}}
    Targets:
      - Id: alerts
        Arn: arn:aws:sns:us-east-1:{account}:supervisor-alerts
        InputTransformer:
          InputPathsMap: {{agent: "$.detail.agent"}}
          InputTemplate: '"Agent <agent> went off queue"'
  - Name: to-firehose
    EventPattern: {{source: [e2e.cc], detail-type: [Analytics]}}
    Targets:
      - Id: lake
        Arn: arn:aws:firehose:us-east-1:{account}:deliverystream/calls-lake
  - Name: to-step-functions
    EventPattern: {{source: [e2e.cc], detail-type: [CallEnded]}}
    Targets:
      - Id: post-call
        Arn: arn:aws:states:us-east-1:{account}:stateMachine:post-call
        InputPath: $.detail
  - Name: to-missing-bus
    EventPattern: {{source: [e2e.cc], detail-type: [Lost]}}
    Targets:
      - Id: nowhere
        Arn: arn:aws:events:us-east-1:{account}:event-bus/does-not-exist
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@unittest.skipIf(boto3 is None, "boto3 is not installed")
@unittest.skipIf(MOTO is None, "moto_server is not installed (not on PATH)")
class AwsForwardingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        port = free_port()
        cls.moto_url = f"http://127.0.0.1:{port}"
        cls.moto = subprocess.Popen([MOTO, "-H", "127.0.0.1", "-p", str(port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)

        def up():
            if cls.moto.poll() is not None:
                raise AssertionError("moto_server exited during start-up")
            try:
                urllib.request.urlopen(cls.moto_url + "/moto-api/", timeout=1).read()
                return True
            except OSError:
                return False
        wait_for(up, timeout=60, interval=0.1, what="moto_server")
        session = boto3.session.Session(aws_access_key_id="moto", aws_secret_access_key="moto",
                                        region_name="us-east-1")
        cfg = Config(retries={"max_attempts": 1})
        cls.sqs = session.client("sqs", endpoint_url=cls.moto_url, config=cfg)
        cls.events = session.client("events", endpoint_url=cls.moto_url, config=cfg)
        cls.kinesis = session.client("kinesis", endpoint_url=cls.moto_url, config=cfg)
        cls.kinesis.create_stream(StreamName="calls-stream", ShardCount=1)
        # A Firehose delivery stream into an S3 bucket (moto writes each batch as one object).
        cls.s3 = session.client("s3", endpoint_url=cls.moto_url, config=cfg)
        cls.s3.create_bucket(Bucket="calls-lake")
        session.client("firehose", endpoint_url=cls.moto_url, config=cfg).create_delivery_stream(
            DeliveryStreamName="calls-lake", ExtendedS3DestinationConfiguration={
                "RoleARN": f"arn:aws:iam::{MOTO_ACCOUNT}:role/firehose",
                "BucketARN": "arn:aws:s3:::calls-lake", "Prefix": "events/"})
        # A state machine whose executions record their input.
        cls.sfn = session.client("stepfunctions", endpoint_url=cls.moto_url, config=cfg)
        cls.machine_arn = cls.sfn.create_state_machine(
            name="post-call", roleArn=f"arn:aws:iam::{MOTO_ACCOUNT}:role/sfn",
            definition=json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
        # An SNS topic with an SQS subscriber (raw delivery), so what is published can be read.
        sns = session.client("sns", endpoint_url=cls.moto_url, config=cfg)
        topic = sns.create_topic(Name="supervisor-alerts")["TopicArn"]
        cls.alerts_url = cls.sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
        sns.subscribe(TopicArn=topic, Protocol="sqs",
                      Endpoint=f"arn:aws:sqs:us-east-1:{MOTO_ACCOUNT}:alerts-inbox",
                      Attributes={"RawMessageDelivery": "true"})
        # On the AWS side: the bus, a rule copying its events into a queue, and the FIFO queue.
        cls.sink_url = cls.sqs.create_queue(QueueName="bus-sink")["QueueUrl"]
        cls.fifo_url = cls.sqs.create_queue(QueueName="calls.fifo",
                                            Attributes={"FifoQueue": "true"})["QueueUrl"]
        cls.events.create_event_bus(Name="central")
        cls.events.put_rule(Name="copy", EventBusName="central",
                            EventPattern=json.dumps({"source": ["e2e.cc"]}))
        cls.events.put_targets(Rule="copy", EventBusName="central", Targets=[
            {"Id": "sink", "Arn": f"arn:aws:sqs:us-east-1:{MOTO_ACCOUNT}:bus-sink"}])
        cls.gw = Gateway(CONFIG.format(moto=cls.moto_url, account=MOTO_ACCOUNT),
                         env={"CXB_E2E_AWS_SECRET": SECRET}).start()

    @classmethod
    def tearDownClass(cls):
        rc = cls.gw.stop()  # SIGTERM: the AWS targets' batchers stop with the scheduler
        logs = cls.gw.logs()
        cls.gw.close()
        os.killpg(cls.moto.pid, signal.SIGTERM)
        cls.moto.wait(timeout=20)
        if rc != 0:
            raise AssertionError(f"cxbridge exited {rc} on SIGTERM: {logs}")

    def drain(self, url, want, timeout=30):
        got = []
        deadline = time.time() + timeout
        while len(got) < want and time.time() < deadline:
            r = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in r.get("Messages", []):
                got.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return got

    def dlq(self):
        status, _, data = self.gw.request("GET", "/admin/dlq")
        self.assertEqual(status, 200)
        return json.loads(data)["entries"]

    def test_webhook_events_reach_the_aws_bus(self):
        for i in range(25):
            body = {"eventId": f"p-{i}", "kind": "Presence", "user": f"u{i}", "n": i}
            self.assertEqual(self.gw.post("open", json.dumps(body))[0], 202)
        # The sink queue is filled only by the rule on the AWS bus: arriving there proves PutEvents.
        got = self.drain(self.sink_url, 25)
        self.assertEqual(len(got), 25, self.gw.logs())
        self.assertEqual(sorted(e["detail"]["n"] for e in got), list(range(25)))
        for e in got:
            self.assertEqual(e["source"], "e2e.cc")
            self.assertEqual(e["detail-type"], "Presence")
        self.assertNotIn(SECRET, self.gw.logs())
        delivered = sum(v for k, v in self.gw.metrics().items()
                        if k.startswith("cxbridge_aws_entries_total{")
                        and 'service="events"' in k and 'outcome="delivered"' in k)
        self.assertGreaterEqual(delivered, 25)

    def test_fifo_queue_keeps_order_per_group(self):
        for i in range(30):
            conv = f"conv-{i % 3}"
            body = {"eventId": f"c-{i}", "kind": "Conversation", "conversationId": conv, "seq": i}
            self.assertEqual(self.gw.post("open", json.dumps(body))[0], 202)
        got = self.drain(self.fifo_url, 30)
        self.assertEqual(len(got), 30, self.gw.logs())
        per_group = {}
        for e in got:
            per_group.setdefault(e["detail"]["conversationId"], []).append(e["detail"]["seq"])
        self.assertEqual(set(per_group), {"conv-0", "conv-1", "conv-2"})
        for conv, seqs in per_group.items():
            self.assertEqual(seqs, sorted(seqs), conv)
            self.assertEqual(len(seqs), 10, conv)

    def test_kinesis_stream_gets_records_with_partition_keys(self):
        for i in range(20):
            body = {"eventId": f"k-{i}", "kind": "Streamed", "conversationId": f"conv-{i % 2}", "seq": i}
            self.assertEqual(self.gw.post("open", json.dumps(body))[0], 202)
        shard = self.kinesis.describe_stream(StreamName="calls-stream")["StreamDescription"]["Shards"][0]
        it = self.kinesis.get_shard_iterator(StreamName="calls-stream", ShardId=shard["ShardId"],
                                             ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = []
        deadline = time.time() + 30
        while len(records) < 20 and time.time() < deadline:
            r = self.kinesis.get_records(ShardIterator=it, Limit=100)
            records += r["Records"]
            it = r["NextShardIterator"]
            if len(records) < 20:
                time.sleep(0.1)
        self.assertEqual(len(records), 20, self.gw.logs())
        per_key = {}
        for rec in records:
            event = json.loads(rec["Data"])  # the whole EventBridge event, as EventBridge sends it
            self.assertEqual(event["detail-type"], "Streamed")
            self.assertEqual(rec["PartitionKey"], event["detail"]["conversationId"])
            per_key.setdefault(rec["PartitionKey"], []).append(event["detail"]["seq"])
        self.assertEqual(per_key, {"conv-0": list(range(0, 20, 2)), "conv-1": list(range(1, 20, 2))})

    def test_firehose_stream_gets_every_event(self):
        for i in range(12):
            body = {"eventId": f"f-{i}", "kind": "Analytics", "n": i}
            self.assertEqual(self.gw.post("open", json.dumps(body))[0], 202)

        def stored():
            data = b""
            for o in self.s3.list_objects_v2(Bucket="calls-lake").get("Contents", []):
                data += self.s3.get_object(Bucket="calls-lake", Key=o["Key"])["Body"].read()
            # Records are the event JSON back to back (EventBridge adds no separator either).
            events, text = [], data.decode()
            decoder, pos = json.JSONDecoder(), 0
            while pos < len(text):
                event, pos = decoder.raw_decode(text, pos)
                events.append(event)
            return events if len(events) >= 12 else None
        events = wait_for(stored, timeout=30, interval=0.2, what="12 records in the bucket")
        self.assertEqual(sorted(e["detail"]["n"] for e in events), list(range(12)))
        self.assertTrue(all(e["detail-type"] == "Analytics" for e in events))

    def test_step_functions_start_one_execution_per_event(self):
        for i in range(3):
            body = {"eventId": f"s-{i}", "kind": "CallEnded", "conversationId": f"conv-{i}"}
            self.assertEqual(self.gw.post("open", json.dumps(body))[0], 202)

        def inputs():
            runs = self.sfn.list_executions(stateMachineArn=self.machine_arn)["executions"]
            got = [json.loads(self.sfn.describe_execution(executionArn=r["executionArn"])["input"])
                   for r in runs]
            return got if len(got) >= 3 else None
        got = wait_for(inputs, timeout=30, interval=0.2, what="3 executions")
        self.assertEqual(sorted(g["conversationId"] for g in got), ["conv-0", "conv-1", "conv-2"])
        self.assertEqual(got[0]["kind"], "CallEnded")  # InputPath $.detail: the detail only

    def test_sns_topic_gets_the_transformed_message(self):
        for agent in ["ana", "bo"]:
            body = {"eventId": f"a-{agent}", "kind": "Alert", "agent": agent}
            self.assertEqual(self.gw.post("open", json.dumps(body))[0], 202)
        deadline = time.time() + 30
        got = []
        while len(got) < 2 and time.time() < deadline:
            r = self.sqs.receive_message(QueueUrl=self.alerts_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for m in r.get("Messages", []):
                got.append(m["Body"])
                self.sqs.delete_message(QueueUrl=self.alerts_url, ReceiptHandle=m["ReceiptHandle"])
        # The template is a JSON string, so the message is that JSON text, quotes included (as
        # EventBridge publishes it).
        self.assertEqual(sorted(got), ['"Agent ana went off queue"', '"Agent bo went off queue"'],
                         self.gw.logs())

    def test_aws_refusal_dead_letters_with_the_aws_error_code(self):
        self.assertEqual(self.gw.post("open", json.dumps({"eventId": "lost-1", "kind": "Lost"}))[0], 202)
        entries = wait_for(lambda: [e for e in self.dlq() if e["rule"] == "to-missing-bus"],
                           what="dead letter")
        e = entries[0]
        # moto answers ResourceNotFoundException for an unknown bus (AWS itself accepts and drops).
        self.assertEqual(e["errorCode"], "ResourceNotFoundException")
        self.assertEqual(e["attempts"], 1)
        self.assertEqual(e["event"]["detail"]["kind"], "Lost")

    def test_default_credential_chain_signs_with_container_credentials(self):
        url = self.sqs.create_queue(QueueName="chained")["QueueUrl"]
        creds = ContainerCredentials()
        home = tempfile.mkdtemp(prefix="cxb-e2e-home-")  # no ~/.aws/credentials
        gw = Gateway(CHAIN_CONFIG.format(moto=self.moto_url, account=MOTO_ACCOUNT), env={
            "AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
            "AWS_PROFILE": "", "AWS_SHARED_CREDENTIALS_FILE": "", "HOME": home,
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": creds.url,
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "e2e-container-token",
            "AWS_EC2_METADATA_DISABLED": "true"})
        try:
            gw.start()
            for i in range(3):
                body = {"kind": "Chained", "n": i}
                self.assertEqual(gw.post("open", json.dumps(body))[0], 202)
            got = self.drain(url, 3)
            self.assertEqual(sorted(e["detail"]["n"] for e in got), [0, 1, 2], gw.logs())
            self.assertEqual(creds.requests, [("/v2/credentials/e2e", "e2e-container-token")])
            self.assertIn("AWS credentials from container credentials", gw.logs())
            self.assertNotIn("chain-secret", gw.logs())
        finally:
            gw.close()
            creds.close()
            shutil.rmtree(home, ignore_errors=True)


CHAIN_CONFIG = """
server: {{account: "111122223333", region: eu-west-1}}
delivery: {{backoff_base_ms: 20, backoff_max_ms: 200}}
aws:
  credentials: default
  endpoints: {{events: "{moto}", sqs: "{moto}"}}
sources:
  open:
    auth: {{scheme: none}}
    event_source: e2e.cc
    detail_type: {{path: "$.kind"}}
rules:
  - Name: to-aws-queue
    EventPattern: {{source: [e2e.cc], detail-type: [Chained]}}
    Targets:
      - Id: chained
        Arn: arn:aws:sqs:us-east-1:{account}:chained
"""


class ContainerCredentials:
    """The ECS container-credentials endpoint, as AWS documents it: GET with the Authorization
    token, JSON with AccessKeyId, SecretAccessKey, Token and Expiration."""

    def __init__(self):
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.requests.append((self.path, self.headers.get("Authorization")))
                ok = self.headers.get("Authorization") == "e2e-container-token"
                expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
                body = json.dumps({"AccessKeyId": "ASIAE2ECHAIN", "SecretAccessKey": "chain-secret",
                                   "Token": "chain-session", "Expiration": expires}).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v2/credentials/e2e"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


NO_CREDS = """
server: {account: "111122223333", region: eu-west-1}
rules:
  - Name: fwd
    EventPattern: {source: [e2e.cc]}
    Targets:
      - Id: q
        Arn: arn:aws:sqs:us-east-1:123456789012:elsewhere
"""

API_ONLY = """
server: {account: "111122223333", region: eu-west-1}
api: {}
"""


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class AwsWithoutCredentialsTest(unittest.TestCase):
    def test_config_target_is_refused_at_load(self):
        gw = Gateway(NO_CREDS)
        try:
            with self.assertRaises(AssertionError) as ctx:
                gw.start()
            self.assertIn("rule fwd target q: SQS target arn:aws:sqs:us-east-1:123456789012:elsewhere "
                          "forwards to AWS, but no AWS credentials are configured", str(ctx.exception))
        finally:
            gw.close()

    def test_api_put_targets_is_refused(self):
        gw = Gateway(API_ONLY).start()
        try:
            events = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x",
                                           region_name="eu-west-1").client(
                "events", endpoint_url=f"http://127.0.0.1:{gw.port}",
                config=Config(retries={"max_attempts": 1}))
            events.put_rule(Name="fwd", EventPattern=json.dumps({"source": ["e2e.cc"]}))
            with self.assertRaises(botocore.exceptions.ClientError) as ctx:
                events.put_targets(Rule="fwd", Targets=[
                    {"Id": "bus", "Arn": "arn:aws:events:us-east-1:123456789012:event-bus/central"}])
            err = ctx.exception.response["Error"]
            self.assertEqual(err["Code"], "ValidationException")
            self.assertIn("no AWS credentials are configured", err["Message"])
            # The built-in queue of cxbridge's own account and region needs none.
            events.put_targets(Rule="fwd", Targets=[
                {"Id": "own", "Arn": "arn:aws:sqs:eu-west-1:111122223333:local"}])
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main()
