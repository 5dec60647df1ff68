"""End-to-end: AWS compatibility without silent failures (issue 13), driven by unmodified boto3
clients against the real binary — what cxbridge cannot deliver is refused where it is saved, a
target's DeadLetterConfig.Arn receives the failed event as EventBridge sends it, rules in the
ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS state match.
"""
import json
import unittest
import uuid

from harness import Gateway, Receiver, wait_for

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover
    boto3 = None

ACCOUNT = "123456789012"
REGION = "us-east-1"

CONFIG = """
server: {allow_private_targets: true}
delivery: {backoff_base_ms: 20, backoff_max_ms: 200}
"""


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class CompatTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = Receiver(default=(400, {}, 0.0))  # every delivery refused for good
        cls.gw = Gateway(CONFIG).start()
        cls.endpoint = f"http://127.0.0.1:{cls.gw.port}"
        session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                        region_name=REGION)
        cfg = Config(retries={"max_attempts": 1})
        cls.events = session.client("events", endpoint_url=cls.endpoint, config=cfg)
        cls.sqs = session.client("sqs", endpoint_url=cls.endpoint, config=cfg)

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        cls.receiver.close()

    def rule(self, state="ENABLED"):
        name = "r-" + uuid.uuid4().hex[:8]
        detail_type = "dt-" + name
        self.events.put_rule(Name=name, State=state,
                             EventPattern=json.dumps({"detail-type": [detail_type]}))
        return name, detail_type

    def queue(self, name=None):
        name = name or "q-" + uuid.uuid4().hex[:8]
        return self.sqs.create_queue(QueueName=name)["QueueUrl"], f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"

    def receive(self, url, want=1):
        got = []

        def poll():
            r = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                         MessageAttributeNames=["All"])
            got.extend(r.get("Messages", []))
            return len(got) >= want
        wait_for(poll, timeout=30, what="messages in " + url)
        return got

    def put(self, detail_type, detail=None):
        r = self.events.put_events(Entries=[{"Source": "e2e.compat", "DetailType": detail_type,
                                             "Detail": json.dumps(detail or {"n": 1})}])
        self.assertEqual(r["FailedEntryCount"], 0)
        return r["Entries"][0]["EventId"]

    def refused(self, rule, targets):
        with self.assertRaises(ClientError) as ctx:
            self.events.put_targets(Rule=rule, Targets=targets)
        err = ctx.exception.response["Error"]
        self.assertEqual(err["Code"], "ValidationException", err)
        # Nothing was saved.
        self.assertEqual(self.events.list_targets_by_rule(Rule=rule)["Targets"], [])
        return err["Message"]

    def test_targets_nobody_delivers_to_are_refused(self):
        rule, _ = self.rule()
        for arn in ["arn:aws:ecs:us-east-1:123456789012:cluster/c",
                    "arn:aws:batch:us-east-1:123456789012:job-queue/q",
                    "arn:aws:codebuild:us-east-1:123456789012:project/p",
                    "arn:aws:ssm:us-east-1:123456789012:document/d"]:
            msg = self.refused(rule, [{"Id": "t", "Arn": arn}])
            self.assertIn("no target kind serves it (supported: ", msg)
            self.assertIn("arn:aws:lambda:", msg)
        # Lambda and CloudWatch Logs are served, and need the aws: credentials this server lacks.
        msg = self.refused(rule, [{"Id": "t", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:f"}])
        self.assertIn("no AWS credentials are configured", msg)
        msg = self.refused(rule, [{"Id": "t", "Arn": "arn:aws:logs:us-east-1:123456789012:log-group:/g"}])
        self.assertIn("no AWS credentials are configured", msg)

    def test_non_arn_and_duplicate_ids_are_refused(self):
        rule, _ = self.rule()
        msg = self.refused(rule, [{"Id": "t", "Arn": "test-bucket"}])
        self.assertEqual(msg, "Parameter test-bucket is not valid. Reason: Provided Arn is not in correct format.")
        _, arn = self.queue()
        msg = self.refused(rule, [{"Id": "same", "Arn": arn}, {"Id": "same", "Arn": arn}])
        self.assertIn("the target Id same appears more than once", msg)

    def test_bad_input_path_is_refused_at_put_targets(self):
        rule, _ = self.rule()
        _, arn = self.queue()
        msg = self.refused(rule, [{"Id": "t", "Arn": arn, "InputPath": "$.detail[?(@.x)]"}])
        self.assertTrue(msg.startswith("InputPath for target t is not valid. Reason: "), msg)
        msg = self.refused(rule, [{"Id": "t", "Arn": arn, "InputTransformer": {
            "InputPathsMap": {"a": "not a path"}, "InputTemplate": "<a>"}}])
        self.assertTrue(msg.startswith("InputTransformer for target t is not valid. Reason: "), msg)
        msg = self.refused(rule, [{"Id": "t", "Arn": arn, "InputTransformer": {
            "InputPathsMap": {"a": "$.detail"}, "InputTemplate": "<b>"}}])
        self.assertEqual(msg, "InputTemplate for target t contains invalid placeholder b.")

    def test_enabled_with_all_cloudtrail_management_events_matches(self):
        rule, detail_type = self.rule(state="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        self.assertEqual(self.events.describe_rule(Name=rule)["State"],
                         "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        url, arn = self.queue()
        self.events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": arn}])
        event_id = self.put(detail_type)
        [m] = self.receive(url)
        self.assertEqual(json.loads(m["Body"])["id"], event_id)

    def test_dead_letter_config_arn_receives_the_failed_event(self):
        rule, detail_type = self.rule()
        dlq_url, dlq_arn = self.queue()
        target_url = f"http://127.0.0.1:{self.receiver.port}/refuses"
        self.events.put_targets(Rule=rule, Targets=[{
            "Id": "web", "Arn": target_url,
            "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
            "DeadLetterConfig": {"Arn": dlq_arn}}])
        event_id = self.put(detail_type, {"conversationId": "c-1"})
        [m] = self.receive(dlq_url)
        event = json.loads(m["Body"])  # the original event, untransformed
        self.assertEqual(event["id"], event_id)
        self.assertEqual(event["detail"], {"conversationId": "c-1"})
        attrs = {k: v["StringValue"] for k, v in m["MessageAttributes"].items()}
        self.assertEqual(attrs["RULE_ARN"], f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}")
        self.assertEqual(attrs["TARGET_ARN"], target_url)
        self.assertEqual(attrs["ERROR_CODE"], "HTTP_400")
        self.assertIn("400", attrs["ERROR_MESSAGE"])
        self.assertEqual(attrs["RETRY_ATTEMPTS"], "0")
        for v in m["MessageAttributes"].values():
            self.assertEqual(v["DataType"], "String")
        # Sent there, so not kept in cxbridge's own dead-letter store as well.
        wait_for(lambda: self.gw.metrics().get('cxbridge_deliveries_total{outcome="sent_to_dlq"}', 0) >= 1,
                 what="the sent_to_dlq count")

    def test_unreachable_dead_letter_queue_falls_back_to_the_store(self):
        rule, detail_type = self.rule()
        _, dlq_arn = self.queue()
        self.sqs.delete_queue(QueueUrl=f"{self.endpoint}/{ACCOUNT}/{dlq_arn.rsplit(':', 1)[1]}")
        self.events.put_targets(Rule=rule, Targets=[{
            "Id": "web", "Arn": f"http://127.0.0.1:{self.receiver.port}/refuses",
            "DeadLetterConfig": {"Arn": dlq_arn}}])
        self.put(detail_type)
        wait_for(lambda: self.gw.metrics().get('cxbridge_deliveries_total{outcome="failed_to_send_to_dlq"}', 0) >= 1,
                 what="the failed_to_send_to_dlq count")
        out = self.gw.cli("dlq", "list", "--config", self.gw.config_path, "--server", self.endpoint).stdout
        self.assertIn("not sent to DeadLetterConfig.Arn " + dlq_arn, out)

    def test_dead_letter_config_must_be_a_standard_queue(self):
        rule, _ = self.rule()
        _, arn = self.queue()
        msg = self.refused(rule, [{"Id": "t", "Arn": arn, "DeadLetterConfig": {
            "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq.fifo"}}])
        self.assertIn("FIFO", msg)
        msg = self.refused(rule, [{"Id": "t", "Arn": arn, "DeadLetterConfig": {"Arn": "nope"}}])
        self.assertIn("is not an SQS queue ARN", msg)


if __name__ == "__main__":
    unittest.main()
