"""End-to-end: the real `aws events` CLI and boto3 drive a running cxbridge unchanged.

Needs from the binary (src/app wiring): `serve --config … --port 0 --port-file …` (harness.Gateway),
requests carrying `X-Amz-Target` routed to api::EventsApi, the `api:` config section parsed with
api::ParseApiConfig, and the archive target kind (arn:…:archive/<name>) appending to the same
ArchiveStore the API replays from.
"""
import json
import os
import shutil
import subprocess
import time
import unittest

from harness import SHARED, Gateway, Receiver, wait_for

try:
    import boto3
    import botocore.exceptions
except ImportError:  # pragma: no cover
    boto3 = None

AWS = shutil.which("aws")
KEY, SECRET = "AKIDCXBE2E", "cxbridge-e2e-secret"
ACCOUNT, REGION = "123456789012", "us-east-1"

CONFIG = """
server:
  account: "123456789012"
  region: us-east-1
  allow_private_targets: true  # targets saved through the API deliver to receivers on 127.0.0.1
api:
  access_keys:
    - id: AKIDCXBE2E
      secret: {value: cxbridge-e2e-secret}
"""

GENESYS_PATTERN = {
    "source": [{"prefix": "aws.partner/genesys.com"}],
    "detail-type": ["v2.detail.events.conversation.{id}.customer.start"],
    "detail": {"eventBody": {"mediaType": ["VOICE"]}},
}


def genesys_detail():
    return {"topicName": "v2.detail.events.conversation.c1.customer.start", "version": "2",
            "eventBody": {"conversationId": "c1", "mediaType": "VOICE"}, "metadata": {"CorrelationId": "x"}}


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if boto3 is None or AWS is None:
            raise unittest.SkipTest("boto3 and the aws CLI are needed")
        cls.gw = Gateway(CONFIG).start()
        cls.endpoint = f"http://127.0.0.1:{cls.gw.port}"
        cls.client = boto3.client("events", endpoint_url=cls.endpoint, region_name=REGION,
                                  aws_access_key_id=KEY, aws_secret_access_key=SECRET)

    @classmethod
    def tearDownClass(cls):
        cls.gw.close()

    def aws(self, *args, key=KEY, secret=SECRET, check=True):
        env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=REGION,
                   AWS_PAGER="")
        r = subprocess.run([AWS, "events", *args, "--endpoint-url", self.endpoint, "--output", "json"],
                           capture_output=True, text=True, env=env, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"aws events {' '.join(args)} → {r.returncode}: {r.stderr}")
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout.strip() else r

    def error(self, fn, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kwargs)
        return cm.exception.response["Error"]["Code"], cm.exception.response["Error"]["Message"]

    # --- the user's CLI session (README) ---------------------------------------------------------
    def test_cli_bus_rule_http_target_put_events_delivers_same_id(self):
        rx = Receiver()
        try:
            self.aws("create-event-bus", "--name", "genesys")
            self.aws("put-rule", "--name", "customer-start", "--event-bus-name", "genesys",
                     "--event-pattern", json.dumps(GENESYS_PATTERN))
            self.aws("put-targets", "--rule", "customer-start", "--event-bus-name", "genesys", "--targets",
                     json.dumps([{"Id": "rx", "Arn": rx.url + "/hook"}]))
            out = self.aws("put-events", "--entries", json.dumps([{
                "Source": "aws.partner/genesys.com/cloud/x/y", "DetailType": "v2.detail.events.conversation.{id}.customer.start",
                "Detail": json.dumps(genesys_detail()), "EventBusName": "genesys"}]))
            self.assertEqual(out["FailedEntryCount"], 0)
            event_id = out["Entries"][0]["EventId"]
            wait_for(lambda: event_id in rx.ids(), what="delivery")
            body = [b for b in rx.bodies() if b["id"] == event_id][0]
            self.assertEqual(list(body.keys()), ["version", "id", "detail-type", "source", "account", "time",
                                                 "region", "resources", "detail"])
            rules = self.aws("list-rules", "--event-bus-name", "genesys")["Rules"]
            self.assertEqual([r["Name"] for r in rules], ["customer-start"])
        finally:
            rx.close()

    def test_scheduled_rule_fires_its_targets(self):
        # cron(* * * * ? *) fires at the next whole minute (UTC): at most a minute's wait.
        rx = Receiver()
        try:
            arn = self.aws("put-rule", "--name", "every-minute", "--schedule-expression", "cron(* * * * ? *)")["RuleArn"]
            self.aws("put-targets", "--rule", "every-minute", "--targets", json.dumps([{"Id": "rx", "Arn": rx.url + "/tick"}]))
            wait_for(lambda: rx.bodies(), timeout=75, interval=0.2, what="a scheduled event")
            body = rx.bodies()[0]
            self.assertEqual((body["source"], body["detail-type"], body["resources"], body["detail"]),
                             ("aws.events", "Scheduled Event", [arn], {}))
            self.assertTrue(body["time"].endswith(":00Z"), body["time"])
            self.aws("disable-rule", "--name", "every-minute")
            self.aws("remove-targets", "--rule", "every-minute", "--ids", "rx")
            self.aws("delete-rule", "--name", "every-minute")
        finally:
            rx.close()

    def test_cli_auto_paginates(self):
        self.client.create_event_bus(Name="many")
        for i in range(25):
            self.client.put_rule(Name=f"r{i:02d}", EventBusName="many", EventPattern='{"source":["s"]}')
        rules = self.aws("list-rules", "--event-bus-name", "many", "--page-size", "10")["Rules"]
        self.assertEqual(len(rules), 25)
        page = self.client.list_rules(EventBusName="many", Limit=10)
        self.assertEqual(len(page["Rules"]), 10)
        self.assertIn("NextToken", page)

    # --- TestEventPattern over AWS's recorded cases -------------------------------------------------
    def test_event_pattern_conformance(self):
        with open(os.path.join(SHARED, "conformance", "eventbridge-patterns.json")) as f:
            cases = json.load(f)
        failures = []
        for c in cases:
            pattern = c["pattern"] if isinstance(c["pattern"], str) else json.dumps(c["pattern"])
            event = c["event"] if isinstance(c["event"], str) else json.dumps(c["event"])
            expected = c["expected"]
            try:
                got = "MATCH" if self.client.test_event_pattern(EventPattern=pattern, Event=event)["Result"] else "NO_MATCH"
                msg = None
            except botocore.exceptions.ClientError as e:
                got, msg = "EXCEPTION", e.response["Error"]["Message"]
            if got != expected:
                failures.append((c.get("name"), expected, got, msg))
            elif got == "EXCEPTION" and c.get("aws_error_message") and msg != c["aws_error_message"]:
                failures.append((c.get("name"), c["aws_error_message"], msg))
        self.assertEqual(failures, [], f"{len(failures)} of {len(cases)} cases differ")

    # --- error paths with AWS's texts --------------------------------------------------------------
    def test_error_texts(self):
        c = self.client
        self.assertEqual(self.error(c.describe_event_bus, Name="nope"),
                         ("ResourceNotFoundException", "Event bus nope does not exist."))
        self.assertEqual(self.error(c.delete_event_bus, Name="default"),
                         ("ValidationException", "Cannot delete event bus default."))
        c.create_event_bus(Name="dup")
        self.assertEqual(self.error(c.create_event_bus, Name="dup"),
                         ("ResourceAlreadyExistsException", "Event bus dup already exists."))
        self.assertEqual(self.error(c.describe_rule, Name="nope"),
                         ("ResourceNotFoundException", "Rule nope does not exist on EventBus default."))
        c.put_rule(Name="with-targets", EventPattern='{"source":["x"]}')
        c.put_targets(Rule="with-targets", Targets=[{"Id": "t", "Arn": "http://127.0.0.1:9/x"}])
        self.assertEqual(self.error(c.delete_rule, Name="with-targets"),
                         ("ValidationException", "Rule can't be deleted since it has targets."))
        code, msg = self.error(c.put_targets, Rule="with-targets", Targets=[{"Id": "!@#$@!#$", "Arn": "a"}])
        self.assertEqual(msg, "1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to "
                              "satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+")
        code, msg = self.error(c.put_rule, Name="r" * 65, EventPattern="{}")
        self.assertIn("Member must have length less than or equal to 64", msg)
        entries = [{"Source": "s", "DetailType": "d", "Detail": "{}"}] * 11
        code, msg = self.error(c.put_events, Entries=entries)
        self.assertTrue(msg.endswith("at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"))
        big = json.dumps({"payload": ["p" * (262144 - 17)]})
        self.assertEqual(self.error(c.put_events, Entries=[{"Source": "s", "DetailType": "d", "Detail": big}]),
                         ("ValidationException", "Total size of the entries in the request is over the limit."))
        r = c.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "NotJSON"},
                                  {"DetailType": "d", "Detail": "{}"}])
        self.assertEqual(r["FailedEntryCount"], 2)
        self.assertEqual(r["Entries"][0]["ErrorCode"], "MalformedDetail")
        self.assertEqual(r["Entries"][1]["ErrorMessage"], "Parameter Source is not valid. Reason: Source is a required argument.")
        code, msg = self.error(c.create_connection, Name="c", AuthorizationType="INVALID_AUTH_TYPE",
                               AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}})
        self.assertEqual(msg, "1 validation error detected: Value 'INVALID_AUTH_TYPE' at 'authorizationType' failed "
                              "to satisfy constraint: Member must satisfy enum value set: [BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]")
        with self.assertRaises(c.exceptions.ResourceNotFoundException):
            c.describe_archive(ArchiveName="nope")
        # Host-local targets (commands, files) are the operator's, not the API's, by default.
        for arn in ("command:///bin/sh", "file:///etc/cron.d/x"):
            code, msg = self.error(c.put_targets, Rule="with-targets", Targets=[{"Id": "local", "Arn": arn}])
            self.assertEqual(code, "ValidationException", msg)
            self.assertIn("server.allow_api_local_targets", msg)
        self.assertEqual([t["Id"] for t in c.list_targets_by_rule(Rule="with-targets")["Targets"]], ["t"])

    # --- SigV4 -------------------------------------------------------------------------------------
    def test_sigv4_right_and_wrong_keys(self):
        self.assertIn("EventBuses", self.aws("list-event-buses"))
        r = self.aws("list-event-buses", secret="wrong-secret", check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("InvalidSignatureException", r.stderr)
        r = self.aws("list-event-buses", key="AKIDUNKNOWN", check=False)
        self.assertIn("UnrecognizedClientException", r.stderr)


class ApiPersistenceAndReplayTest(unittest.TestCase):
    def setUp(self):
        if boto3 is None:
            raise unittest.SkipTest("boto3 needed")
        self.gw = Gateway(CONFIG).start()

    def tearDown(self):
        self.gw.close()

    def client(self):
        return boto3.client("events", endpoint_url=f"http://127.0.0.1:{self.gw.port}", region_name=REGION,
                            aws_access_key_id=KEY, aws_secret_access_key=SECRET)

    def test_definitions_survive_restart(self):
        rx = Receiver()
        try:
            c = self.client()
            c.create_event_bus(Name="b")
            c.put_rule(Name="r", EventBusName="b", EventPattern='{"source":["s"]}')
            c.put_targets(Rule="r", EventBusName="b", Targets=[{"Id": "t", "Arn": rx.url + "/x"}])
            self.gw.stop()
            self.gw.start()
            c = self.client()
            self.assertEqual(c.describe_rule(Name="r", EventBusName="b")["State"], "ENABLED")
            out = c.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "b"}])
            wait_for(lambda: out["Entries"][0]["EventId"] in rx.ids(), what="delivery after restart")
        finally:
            rx.close()

    def test_archive_replay_delivers_with_replay_name(self):
        rx = Receiver()
        try:
            c = self.client()
            c.create_event_bus(Name="b")
            bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/b"
            archive_arn = c.create_archive(ArchiveName="a1", EventSourceArn=bus_arn, RetentionDays=1)["ArchiveArn"]
            start = int(time.time()) - 60
            out = c.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": '{"n":1}', "EventBusName": "b"}])
            event_id = out["Entries"][0]["EventId"]
            wait_for(lambda: c.describe_archive(ArchiveName="a1")["EventCount"] >= 1, what="archiving")
            c.put_rule(Name="r", EventBusName="b", EventPattern='{"source":["s"]}')
            c.put_targets(Rule="r", EventBusName="b", Targets=[{"Id": "t", "Arn": rx.url + "/replayed"}])
            c.start_replay(ReplayName="rp1", EventSourceArn=archive_arn, EventStartTime=start,
                           EventEndTime=int(time.time()) + 60,
                           Destination={"Arn": bus_arn, "FilterArns": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/b/r"]})
            wait_for(lambda: c.describe_replay(ReplayName="rp1")["State"] == "COMPLETED", what="replay")
            wait_for(lambda: event_id in rx.ids(), what="replayed delivery")
            body = [b for b in rx.bodies() if b["id"] == event_id][0]
            self.assertEqual(body["replay-name"], "rp1")
            keys = list(body.keys())
            self.assertEqual(keys.index("replay-name"), keys.index("region") + 1)
            # Replayed events are not archived again.
            self.assertEqual(c.describe_archive(ArchiveName="a1")["EventCount"], 1)
            # The same through `cxbridge replay start` (signs with the config's API key, follows the
            # replay with a progress bar until it completes).
            r = self.gw.cli("replay", "start", "--config", self.gw.config_path, "--server",
                            f"http://127.0.0.1:{self.gw.port}", "--archive", "a1", "--bus", "b",
                            "--rule", "r", "--name", "rp-cli", "--from", str(start),
                            "--to", str(int(time.time()) + 60))
            self.assertIn("100% COMPLETED", r.stderr)
            wait_for(lambda: any(b.get("replay-name") == "rp-cli" for b in rx.bodies()), what="CLI replay delivery")
            bad = self.gw.cli("replay", "start", "--config", self.gw.config_path, "--server",
                              f"http://127.0.0.1:{self.gw.port}", "--archive", "nope", "--from", str(start),
                              "--to", "now", check=False)
            self.assertEqual(bad.returncode, 1)
            self.assertIn("Archive nope does not exist", bad.stderr)
        finally:
            rx.close()


if __name__ == "__main__":
    unittest.main()
