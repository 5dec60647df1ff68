"""End-to-end: the SQS and EventBridge operations Terraform and the SDKs call (issue 13), driven by
unmodified boto3 clients (and the aws CLI) against the real binary, and a Terraform-shaped
sequence — create, describe, list tags, tag, update, destroy — for queues, buses, rules, targets,
permissions, connections and API destinations, in the order the Terraform AWS provider makes its
calls, that must see no error.
"""
import json
import os
import subprocess
import time
import unittest
import uuid

from harness import Gateway

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover
    boto3 = None

ACCOUNT = "123456789012"
REGION = "us-east-1"


def uid(prefix):
    return prefix + "-" + uuid.uuid4().hex[:8]


@unittest.skipIf(boto3 is None, "boto3 is not installed")
class CompatApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gw = Gateway("delivery: {backoff_base_ms: 20, backoff_max_ms: 200}\n").start()
        cls.endpoint = f"http://127.0.0.1:{cls.gw.port}"
        cls.session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                            region_name=REGION)
        cfg = Config(retries={"max_attempts": 1})
        cls.events = cls.session.client("events", endpoint_url=cls.endpoint, config=cfg)
        cls.sqs = cls.session.client("sqs", endpoint_url=cls.endpoint, config=cfg)

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def error(self, fn, **kw):
        with self.assertRaises(ClientError) as ctx:
            fn(**kw)
        return ctx.exception.response["Error"]

    # ---- SQS ----

    def test_queue_tags(self):
        name = uid("tagged")
        url = self.sqs.create_queue(QueueName=name, tags={"team": "cx", "env": "dev"})["QueueUrl"]
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "cx", "env": "dev"})
        self.sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "owner": "ops"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"env": "prod", "owner": "ops"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["env", "owner"])
        self.assertNotIn("Tags", self.sqs.list_queue_tags(QueueUrl=url))
        err = self.error(self.sqs.tag_queue, QueueUrl=url, Tags={f"k{i}": "v" for i in range(51)})
        self.assertEqual(err["Code"], "InvalidParameterValue")

    def test_bare_queue_name_is_a_queue_url(self):
        name = uid("bare")
        self.sqs.create_queue(QueueName=name)
        self.sqs.send_message(QueueUrl=name, MessageBody="by name")
        got = self.sqs.receive_message(QueueUrl=name, WaitTimeSeconds=1)["Messages"]
        self.assertEqual(got[0]["Body"], "by name")

    def test_dead_letter_source_queues_and_redrive_policy(self):
        dlq = uid("dlq")
        dlq_url = self.sqs.create_queue(QueueName=dlq)["QueueUrl"]
        dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{dlq}"
        sources = []
        for _ in range(3):
            n = uid("src")
            sources.append(self.sqs.create_queue(QueueName=n, Attributes={"RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "4"})})["QueueUrl"])
        listed = self.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"]
        self.assertEqual(sorted(listed), sorted(sources))
        pages = list(self.sqs.get_paginator("list_dead_letter_source_queues").paginate(
            QueueUrl=dlq_url, PaginationConfig={"PageSize": 2}))
        self.assertEqual(sorted(u for p in pages for u in p["queueUrls"]), sorted(sources))
        self.assertEqual(len(pages), 2)
        # maxReceiveCount comes back as a number, whatever type it was sent as.
        policy = self.sqs.get_queue_attributes(QueueUrl=sources[0], AttributeNames=["RedrivePolicy"])
        self.assertEqual(json.loads(policy["Attributes"]["RedrivePolicy"]),
                         {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 4})
        # A FIFO queue cannot have a standard dead-letter queue, and the reverse.
        err = self.error(self.sqs.create_queue, QueueName=uid("f") + ".fifo", Attributes={
            "FifoQueue": "true", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})
        self.assertIn("Dead-letter queue must be same type of queue as the source", err["Message"])

    def test_dead_letter_redrive_with_a_message_move_task(self):
        dlq = uid("mv-dlq")
        dlq_url = self.sqs.create_queue(QueueName=dlq)["QueueUrl"]
        dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{dlq}"
        src = uid("mv-src")
        src_url = self.sqs.create_queue(QueueName=src, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
        for i in range(15):
            self.sqs.send_message(QueueUrl=dlq_url, MessageBody=f"m{i}")
        handle = self.sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
        self.assertTrue(handle)
        [task] = self.sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        self.assertEqual((task["Status"], task["ApproximateNumberOfMessagesMoved"], task["DestinationArn"]),
                         ("COMPLETED", 15, f"arn:aws:sqs:{REGION}:{ACCOUNT}:{src}"))
        got = set()
        while len(got) < 15:
            for m in self.sqs.receive_message(QueueUrl=src_url, MaxNumberOfMessages=10,
                                              WaitTimeSeconds=1).get("Messages", []):
                got.add(m["Body"])
                self.sqs.delete_message(QueueUrl=src_url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(got, {f"m{i}" for i in range(15)})
        attrs = self.sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])
        self.assertEqual(attrs["Attributes"]["ApproximateNumberOfMessages"], "0")
        err = self.error(self.sqs.cancel_message_move_task, TaskHandle=handle)
        self.assertEqual(err["Code"], "ResourceNotFoundException")
        err = self.error(self.sqs.start_message_move_task, SourceArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{src}")
        self.assertIn("Dead Letter Queue", err["Message"])

    def test_permissions_edit_the_policy(self):
        url = self.sqs.create_queue(QueueName=uid("perm"))["QueueUrl"]
        self.sqs.add_permission(QueueUrl=url, Label="producers", AWSAccountIds=["111122223333"],
                                Actions=["SendMessage"])
        policy = json.loads(self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
                            ["Attributes"]["Policy"])
        [st] = policy["Statement"]
        self.assertEqual((st["Sid"], st["Action"], st["Principal"]),
                         ("producers", ["SQS:SendMessage"], {"AWS": ["arn:aws:iam::111122223333:root"]}))
        err = self.error(self.sqs.add_permission, QueueUrl=url, Label="producers",
                         AWSAccountIds=["111122223333"], Actions=["SendMessage"])
        self.assertEqual(err["Code"], "InvalidParameterValue")
        self.sqs.remove_permission(QueueUrl=url, Label="producers")
        self.assertNotIn("Policy", self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"])
        # Policy="" removes a policy set as an attribute.
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17",
                                                                                        "Statement": []})})
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
        self.assertNotIn("Policy", self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"])

    def test_validation_sqs_does(self):
        url = self.sqs.create_queue(QueueName=uid("v"))["QueueUrl"]
        err = self.error(self.sqs.receive_message, QueueUrl=url, WaitTimeSeconds=21)
        self.assertEqual(err["Code"], "InvalidParameterValue")
        self.assertIn("WaitTimeSeconds", err["Message"])
        err = self.error(self.sqs.receive_message, QueueUrl=url, MaxNumberOfMessages=11)
        self.assertEqual(err["Code"], "InvalidParameterValue")
        err = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x", MessageAttributes={
            "näme": {"DataType": "String", "StringValue": "v"}})
        self.assertEqual(err["Code"], "InvalidParameterValue")
        err = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x", MessageAttributes={
            "AWS.reserved": {"DataType": "String", "StringValue": "v"}})
        self.assertEqual(err["Code"], "InvalidParameterValue")
        err = self.error(self.sqs.delete_message_batch, QueueUrl=url, Entries=[])
        self.assertEqual(err["Message"], "There should be at least one DeleteMessageBatchRequestEntry in the request.")

    def test_attributes_aws_reports_by_default(self):
        std = self.sqs.create_queue(QueueName=uid("d"))["QueueUrl"]
        fifo = self.sqs.create_queue(QueueName=uid("d") + ".fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        a = self.sqs.get_queue_attributes(QueueUrl=std, AttributeNames=["SqsManagedSseEnabled"])["Attributes"]
        self.assertEqual(a, {"SqsManagedSseEnabled": "true"})
        a = self.sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=[
            "SqsManagedSseEnabled", "DeduplicationScope", "FifoThroughputLimit"])["Attributes"]
        self.assertEqual(a, {"SqsManagedSseEnabled": "true", "DeduplicationScope": "queue",
                             "FifoThroughputLimit": "perQueue"})
        # Not FIFO attributes: nothing, and no error.
        a = self.sqs.get_queue_attributes(QueueUrl=std, AttributeNames=["DeduplicationScope"])
        self.assertNotIn("Attributes", a)

    def test_messages_near_the_size_limit(self):
        url = self.sqs.create_queue(QueueName=uid("near"))["QueueUrl"]
        body = "x" * 1_048_536  # legal: the JSON wrapper takes the request past 1 MiB
        self.sqs.send_message(QueueUrl=url, MessageBody=body)
        got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        self.assertEqual(len(got[0]["Body"]), 1_048_536)
        err = self.error(self.sqs.send_message, QueueUrl=url, MessageBody="x" * 1_048_577)
        self.assertEqual(err["Code"], "InvalidParameterValue")  # never a bare 413

    def test_batch_request_too_long(self):
        url = self.sqs.create_queue(QueueName=uid("big"))["QueueUrl"]
        entries = [{"Id": str(i), "MessageBody": "x" * 200_000} for i in range(6)]
        err = self.error(self.sqs.send_message_batch, QueueUrl=url, Entries=entries)
        self.assertEqual(err["Code"], "AWS.SimpleQueueService.BatchRequestTooLong")
        self.assertIn("Batch requests cannot be longer than 1048576 bytes. You have sent 1200000 bytes.", err["Message"])

    def test_another_regions_requests_are_refused(self):
        other = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                      region_name="eu-west-1")
        err = self.error(other.client("events", endpoint_url=self.endpoint).list_event_buses)
        self.assertEqual(err["Code"], "InvalidSignatureException")
        self.assertIn("not 'eu-west-1'", err["Message"])
        err = self.error(other.client("sqs", endpoint_url=self.endpoint).list_queues)
        self.assertIn("not 'eu-west-1'", err["Message"])

    # ---- EventBridge ----

    def test_put_events_endpoint_id_is_refused(self):
        # boto3 sends EndpointId only with SigV4a (awscrt); the request as it would arrive, signed
        # by botocore's SigV4 for the regional endpoint.
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        body = json.dumps({"EndpointId": "abcde.veo", "Entries": [{"Source": "s", "DetailType": "d", "Detail": "{}"}]})
        req = AWSRequest(method="POST", url=self.endpoint + "/", data=body, headers={
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSEvents.PutEvents"})
        SigV4Auth(self.session.get_credentials(), "events", REGION).add_auth(req)
        status, _, data = self.gw.request("POST", "/", body, dict(req.headers.items()))
        self.assertEqual(status, 400)
        err = json.loads(data)
        self.assertEqual(err["__type"], "ValidationException")
        self.assertIn("EndpointId", err["message"])

    def test_bus_permissions_and_policy(self):
        bus = uid("bus")
        self.events.create_event_bus(Name=bus)
        self.events.put_permission(EventBusName=bus, Action="events:PutEvents", Principal="111122223333",
                                   StatementId="partner")
        self.events.put_permission(EventBusName=bus, Action="events:PutEvents", Principal="*", StatementId="org",
                                   Condition={"Type": "StringEquals", "Key": "aws:PrincipalOrgID",
                                              "Value": "o-abc"})
        policy = json.loads(self.events.describe_event_bus(Name=bus)["Policy"])
        sids = [s["Sid"] for s in policy["Statement"]]
        self.assertEqual(sids, ["partner", "org"])
        self.assertEqual(policy["Statement"][0]["Principal"], {"AWS": "arn:aws:iam::111122223333:root"})
        self.assertEqual(policy["Statement"][1]["Condition"], {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}})
        err = self.error(self.events.put_permission, EventBusName=bus, Action="events:PutEvents",
                         Principal="111122223333", StatementId="partner")
        self.assertEqual(err["Code"], "ResourceAlreadyExistsException")
        self.events.remove_permission(EventBusName=bus, StatementId="partner")
        self.assertEqual([s["Sid"] for s in json.loads(self.events.describe_event_bus(Name=bus)["Policy"])
                          ["Statement"]], ["org"])
        err = self.error(self.events.remove_permission, EventBusName=bus, StatementId="partner")
        self.assertEqual(err["Code"], "ResourceNotFoundException")
        self.events.remove_permission(EventBusName=bus, RemoveAllPermissions=True)
        self.assertNotIn("Policy", self.events.describe_event_bus(Name=bus))

    def test_list_filters_one_at_a_time_and_default_bus_time(self):
        err = self.error(self.events.list_archives, NamePrefix="a", State="ENABLED")
        self.assertEqual(err["Message"],
                         "At most one filter is allowed for ListArchives. Use either : State, EventSourceArn, or NamePrefix.")
        err = self.error(self.events.list_replays, NamePrefix="a", State="RUNNING")
        self.assertEqual(err["Code"], "ValidationException")
        created = self.events.describe_event_bus(Name="default")["CreationTime"]
        self.assertGreater(created.year, 2020)

    def test_connection_keeps_what_terraform_sets(self):
        name = uid("conn")
        self.events.create_connection(
            Name=name, AuthorizationType="API_KEY", KmsKeyIdentifier="alias/cx",
            AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret"}},
            InvocationConnectivityParameters={"ResourceParameters": {
                "ResourceConfigurationArn": "arn:aws:vpc-lattice:us-east-1:123456789012:resourceconfiguration/rcfg-0123456789abcdef0"}})
        d = self.events.describe_connection(Name=name)
        self.assertEqual(d["KmsKeyIdentifier"], "alias/cx")
        self.assertIn("ResourceParameters", d["InvocationConnectivityParameters"])
        self.assertNotIn("ApiKeyValue", json.dumps(d["AuthParameters"]))

    def test_genesys_partner_event_source_and_its_bus(self):
        ev = self.events
        src = "aws.partner/genesys.com/cloud/" + uuid.uuid4().hex[:8] + "/cx-events"
        arn = ev.create_partner_event_source(Name=src, Account=ACCOUNT)["EventSourceArn"]
        self.assertEqual(arn, f"arn:aws:events:{REGION}::event-source/{src}")
        self.assertEqual(ev.describe_event_source(Name=src)["State"], "PENDING")
        self.assertEqual(ev.describe_partner_event_source(Name=src)["Arn"], arn)
        self.assertIn(src, [s["Name"] for s in ev.list_partner_event_sources(
            NamePrefix="aws.partner/genesys.com/")["PartnerEventSources"]])
        self.assertEqual([a["Account"] for a in ev.list_partner_event_source_accounts(
            EventSourceName=src)["PartnerEventSourceAccounts"]], [ACCOUNT])
        err = self.error(ev.create_event_bus, Name=src, EventSourceName=src + "-nope")
        self.assertEqual(err["Code"], "ResourceNotFoundException")
        ev.create_event_bus(Name=src, EventSourceName=src)
        self.assertEqual(ev.describe_event_source(Name=src)["State"], "ACTIVE")
        self.assertIn(src, [s["Name"] for s in ev.list_event_sources(NamePrefix="aws.partner/")["EventSources"]])
        # Events the partner puts reach the rules of the linked bus.
        q = uid("partner")
        url = self.sqs.create_queue(QueueName=q)["QueueUrl"]
        ev.put_rule(Name="all", EventBusName=src, EventPattern=json.dumps({"source": [src]}))
        ev.put_targets(Rule="all", EventBusName=src, Targets=[{"Id": "q", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{q}"}])
        r = ev.put_partner_events(Entries=[{"Source": src, "DetailType": "v2.detail.events.conversation.{id}.customer.start",
                                            "Detail": json.dumps({"eventBody": {"id": "c1"}})}])
        self.assertEqual(r["FailedEntryCount"], 0)
        msgs = []
        deadline = time.time() + 20
        while not msgs and time.time() < deadline:
            msgs = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual(json.loads(msgs[0]["Body"])["id"], r["Entries"][0]["EventId"])
        ev.deactivate_event_source(Name=src)
        self.assertEqual(ev.describe_event_source(Name=src)["State"], "DELETED")
        err = self.error(ev.put_partner_events, Entries=[{"Source": src, "DetailType": "d", "Detail": "{}"}])
        self.assertEqual(err["Code"], "ValidationException")
        ev.activate_event_source(Name=src)
        self.assertEqual(ev.describe_event_source(Name=src)["State"], "ACTIVE")
        ev.remove_targets(Rule="all", EventBusName=src, Ids=["q"])
        ev.delete_rule(Name="all", EventBusName=src)
        ev.delete_event_bus(Name=src)
        ev.delete_partner_event_source(Name=src, Account=ACCOUNT)
        self.assertEqual(self.error(ev.describe_event_source, Name=src)["Code"], "ResourceNotFoundException")

    # ---- a Terraform-shaped apply, refresh, update and destroy ----

    def test_terraform_shaped_sequence(self):
        sqs, ev = self.sqs, self.events
        # aws_sqs_queue (and its dead-letter queue)
        dlq_name, q_name = uid("tf-dlq"), uid("tf-q")
        dlq_url = sqs.create_queue(QueueName=dlq_name, Attributes={"MessageRetentionPeriod": "1209600"},
                                   tags={"terraform": "true"})["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        q_url = sqs.create_queue(QueueName=q_name, Attributes={
            "VisibilityTimeout": "60", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                                                    "maxReceiveCount": 5})},
            tags={"terraform": "true"})["QueueUrl"]
        for url in (dlq_url, q_url):  # refresh
            self.assertEqual(sqs.get_queue_url(QueueName=url.rsplit("/", 1)[1])["QueueUrl"], url)
            sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
            sqs.list_queue_tags(QueueUrl=url)
        sqs.set_queue_attributes(QueueUrl=q_url, Attributes={"VisibilityTimeout": "90", "Policy": ""})
        sqs.tag_queue(QueueUrl=q_url, Tags={"owner": "cx"})
        sqs.untag_queue(QueueUrl=q_url, TagKeys=["terraform"])
        self.assertEqual(sqs.get_queue_attributes(QueueUrl=q_url, AttributeNames=["VisibilityTimeout"])
                         ["Attributes"]["VisibilityTimeout"], "90")

        # aws_cloudwatch_event_bus
        bus = uid("tf-bus")
        bus_arn = ev.create_event_bus(Name=bus, Tags=[{"Key": "terraform", "Value": "true"}])["EventBusArn"]
        ev.describe_event_bus(Name=bus)
        self.assertEqual(ev.list_tags_for_resource(ResourceARN=bus_arn)["Tags"],
                         [{"Key": "terraform", "Value": "true"}])
        ev.update_event_bus(Name=bus, Description="contact-center events")
        ev.tag_resource(ResourceARN=bus_arn, Tags=[{"Key": "owner", "Value": "cx"}])

        # aws_cloudwatch_event_rule
        rule = uid("tf-rule")
        rule_arn = ev.put_rule(Name=rule, EventBusName=bus, State="ENABLED",
                               EventPattern=json.dumps({"source": [{"prefix": "aws.partner/genesys.com"}]}),
                               Tags=[{"Key": "terraform", "Value": "true"}])["RuleArn"]
        ev.describe_rule(Name=rule, EventBusName=bus)
        ev.list_tags_for_resource(ResourceARN=rule_arn)
        ev.put_rule(Name=rule, EventBusName=bus, State="DISABLED", Description="updated",
                    EventPattern=json.dumps({"source": [{"prefix": "aws.partner/genesys.com"}]}))
        ev.tag_resource(ResourceARN=rule_arn, Tags=[{"Key": "owner", "Value": "cx"}])
        ev.untag_resource(ResourceARN=rule_arn, TagKeys=["terraform"])
        names = [r["Name"] for p in ev.get_paginator("list_rules").paginate(EventBusName=bus) for r in p["Rules"]]
        self.assertEqual(names, [rule])

        # aws_cloudwatch_event_connection and aws_cloudwatch_event_api_destination
        conn = uid("tf-conn")
        conn_arn = ev.create_connection(Name=conn, AuthorizationType="BASIC", AuthParameters={
            "BasicAuthParameters": {"Username": "u", "Password": "p"}})["ConnectionArn"]
        ev.describe_connection(Name=conn)
        ev.update_connection(Name=conn, Description="crm", AuthorizationType="BASIC",
                             AuthParameters={"BasicAuthParameters": {"Username": "u2", "Password": "p2"}})
        dest = uid("tf-dest")
        dest_arn = ev.create_api_destination(Name=dest, ConnectionArn=conn_arn, HttpMethod="POST",
                                             InvocationEndpoint="https://crm.example.com/hooks",
                                             InvocationRateLimitPerSecond=20)["ApiDestinationArn"]
        ev.describe_api_destination(Name=dest)
        ev.update_api_destination(Name=dest, ConnectionArn=conn_arn, HttpMethod="PUT",
                                  InvocationEndpoint="https://crm.example.com/hooks/v2")

        # aws_cloudwatch_event_target (a queue with its DLQ, and the API destination)
        ev.put_targets(Rule=rule, EventBusName=bus, Targets=[
            {"Id": "queue", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{q_name}",
             "DeadLetterConfig": {"Arn": dlq_arn},
             "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}},
            {"Id": "crm", "Arn": dest_arn, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/eb",
             "InputTransformer": {"InputPathsMap": {"id": "$.id"}, "InputTemplate": "{\"id\": <id>}"}}])
        targets = [t for p in ev.get_paginator("list_targets_by_rule").paginate(Rule=rule, EventBusName=bus)
                   for t in p["Targets"]]
        self.assertEqual(sorted(t["Id"] for t in targets), ["crm", "queue"])
        ev.put_targets(Rule=rule, EventBusName=bus, Targets=[
            {"Id": "queue", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{q_name}", "InputPath": "$.detail"}])
        self.assertEqual(ev.list_rule_names_by_target(TargetArn=f"arn:aws:sqs:{REGION}:{ACCOUNT}:{q_name}",
                                                      EventBusName=bus)["RuleNames"], [rule])

        # aws_cloudwatch_event_permission and aws_cloudwatch_event_bus_policy
        ev.put_permission(EventBusName=bus, Action="events:PutEvents", Principal="111122223333",
                          StatementId="tf-perm")
        ev.describe_event_bus(Name=bus)
        ev.remove_permission(EventBusName=bus, StatementId="tf-perm")
        ev.put_permission(EventBusName=bus, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Sid": "all", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "events:PutEvents", "Resource": bus_arn}]}))
        self.assertEqual(json.loads(ev.describe_event_bus(Name=bus)["Policy"])["Statement"][0]["Sid"], "all")

        # destroy, in the order Terraform's graph gives
        ev.remove_permission(EventBusName=bus, RemoveAllPermissions=True)
        ev.remove_targets(Rule=rule, EventBusName=bus, Ids=["queue", "crm"])
        ev.delete_rule(Name=rule, EventBusName=bus)
        ev.delete_api_destination(Name=dest)
        ev.delete_connection(Name=conn)
        ev.delete_event_bus(Name=bus)
        sqs.delete_queue(QueueUrl=q_url)
        sqs.delete_queue(QueueUrl=dlq_url)
        for fn, kw, code in [(ev.describe_event_bus, {"Name": bus}, "ResourceNotFoundException"),
                             (ev.describe_rule, {"Name": rule, "EventBusName": bus}, "ResourceNotFoundException"),
                             (ev.describe_connection, {"Name": conn}, "ResourceNotFoundException"),
                             (ev.describe_api_destination, {"Name": dest}, "ResourceNotFoundException"),
                             (sqs.get_queue_url, {"QueueName": q_name}, "AWS.SimpleQueueService.NonExistentQueue")]:
            self.assertEqual(self.error(fn, **kw)["Code"], code)

    def test_aws_cli_drives_the_new_operations(self):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION)

        def cli(*args):
            r = subprocess.run(["aws", *args, "--endpoint-url", self.endpoint, "--output", "json"],
                               capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout) if r.stdout.strip() else {}
        name = uid("cli")
        url = cli("sqs", "create-queue", "--queue-name", name, "--tags", "team=cx")["QueueUrl"]
        self.assertEqual(cli("sqs", "list-queue-tags", "--queue-url", url)["Tags"], {"team": "cx"})
        bus = uid("clibus")
        cli("events", "create-event-bus", "--name", bus)
        cli("events", "put-permission", "--event-bus-name", bus, "--action", "events:PutEvents",
            "--principal", "111122223333", "--statement-id", "s1")
        self.assertIn("s1", cli("events", "describe-event-bus", "--name", bus)["Policy"])


if __name__ == "__main__":
    unittest.main()
