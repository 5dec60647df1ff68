"""End-to-end: SQS's query protocol (form-encoded Action=…, XML answers), as boto3 < 1.34, the Java
SDK v1 and Go v1 speak it, against the real binary: boto3 driven by botocore 1.29's own sqs model
(Debian's python3-botocore, installed by scripts/install-deps.sh; skipped when absent), on the same
queues a JSON-protocol client sees.
"""
import glob
import json
import os
import shutil
import tempfile
import unittest
import uuid

from harness import Gateway

try:
    import boto3
    import botocore.session
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover
    boto3 = None

ACCOUNT = "123456789012"
REGION = "us-east-1"
# The query-protocol model of SQS, as botocore shipped it before the JSON protocol (1.29).
QUERY_MODEL = glob.glob("/usr/lib/python3/dist-packages/botocore/data/sqs/2012-11-05/service-2.json*")


@unittest.skipIf(boto3 is None, "boto3 is not installed")
@unittest.skipIf(not QUERY_MODEL, "Debian's python3-botocore (the SQS query model) is not installed")
class SqsQueryProtocolTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway("delivery: {backoff_base_ms: 20, backoff_max_ms: 200}\n").start()
        cls.endpoint = f"http://127.0.0.1:{cls.gw.port}"
        # A data folder holding only that sqs model, searched before botocore's own.
        cls.models = tempfile.mkdtemp(prefix="cxb-sqs-query-")
        dest = os.path.join(cls.models, "sqs", "2012-11-05")
        os.makedirs(dest)
        shutil.copy(QUERY_MODEL[0], dest)
        core = botocore.session.Session()
        core.get_component("data_loader").search_paths.insert(0, cls.models)
        session = boto3.session.Session(botocore_session=core, aws_access_key_id="test",
                                        aws_secret_access_key="test", region_name=REGION)
        cfg = Config(retries={"max_attempts": 1})
        cls.query = session.client("sqs", endpoint_url=cls.endpoint, config=cfg)
        assert cls.query.meta.service_model.protocol == "query", cls.query.meta.service_model.protocol
        cls.json = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                         region_name=REGION).client("sqs", endpoint_url=cls.endpoint, config=cfg)

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()
        shutil.rmtree(cls.models, ignore_errors=True)

    def test_produce_and_consume_over_both_protocols(self):
        name = "q-" + uuid.uuid4().hex[:8]
        url = self.query.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"},
                                      tags={"team": "cx"})["QueueUrl"]
        self.assertEqual(url, f"{self.endpoint}/{ACCOUNT}/{name}")
        self.assertEqual(self.json.get_queue_url(QueueName=name)["QueueUrl"], url)
        self.assertIn(url, self.query.list_queues(QueueNamePrefix=name)["QueueUrls"])
        attrs = self.query.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "45")
        self.assertEqual(attrs["QueueArn"], f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}")
        self.assertEqual(self.query.list_queue_tags(QueueUrl=url)["Tags"], {"team": "cx"})

        # Query in, JSON out — and the reverse, attributes and digests included.
        sent = self.query.send_message(QueueUrl=url, MessageBody="hello <&> \"query\"", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "greeting"}})
        got = self.json.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"])["Messages"]
        self.assertEqual(got[0]["MessageId"], sent["MessageId"])
        self.assertEqual(got[0]["Body"], "hello <&> \"query\"")
        self.assertEqual(got[0]["MessageAttributes"]["kind"]["StringValue"], "greeting")
        self.assertEqual(got[0]["MD5OfMessageAttributes"], sent["MD5OfMessageAttributes"])
        self.json.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])

        self.json.send_message(QueueUrl=url, MessageBody=json.dumps({"n": 1}), MessageAttributes={
            "n": {"DataType": "Number", "StringValue": "1"}})
        got = self.query.receive_message(QueueUrl=url, WaitTimeSeconds=1, AttributeNames=["All"],
                                         MessageAttributeNames=["All"])["Messages"]
        self.assertEqual(json.loads(got[0]["Body"]), {"n": 1})
        self.assertEqual(got[0]["MessageAttributes"]["n"], {"StringValue": "1", "DataType": "Number"})
        self.assertEqual(got[0]["Attributes"]["ApproximateReceiveCount"], "1")
        self.query.change_message_visibility(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=0)
        got = self.query.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.query.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])

        # Batches, with per-entry results.
        r = self.query.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "1"}, {"Id": "b", "MessageBody": "2", "DelaySeconds": 0}])
        self.assertEqual(sorted(e["Id"] for e in r["Successful"]), ["a", "b"])
        msgs = []
        while len(msgs) < 2:
            msgs += self.query.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
        r = self.query.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "x", "ReceiptHandle": msgs[0]["ReceiptHandle"]}, {"Id": "y", "ReceiptHandle": msgs[1]["ReceiptHandle"]}])
        self.assertEqual(sorted(e["Id"] for e in r["Successful"]), ["x", "y"])
        self.assertEqual(r.get("Failed", []), [])

        self.query.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "1"})
        self.assertEqual(self.json.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])
                         ["Attributes"]["DelaySeconds"], "1")
        self.query.tag_queue(QueueUrl=url, Tags={"env": "dev"})
        self.query.untag_queue(QueueUrl=url, TagKeys=["team"])
        self.assertEqual(self.json.list_queue_tags(QueueUrl=url)["Tags"], {"env": "dev"})
        self.query.purge_queue(QueueUrl=url)
        self.query.delete_queue(QueueUrl=url)

    def test_errors_are_sqs_xml_errors(self):
        with self.assertRaises(ClientError) as ctx:
            self.query.get_queue_url(QueueName="no-such-queue-" + uuid.uuid4().hex[:6])
        err = ctx.exception.response["Error"]
        self.assertEqual(err["Code"], "AWS.SimpleQueueService.NonExistentQueue")
        self.assertEqual(err["Type"], "Sender")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        # The modeled exception class of the query model.
        with self.assertRaises(self.query.exceptions.QueueDoesNotExist):
            self.query.get_queue_url(QueueName="no-such-queue-" + uuid.uuid4().hex[:6])


if __name__ == "__main__":
    unittest.main()
