"""End-to-end: API destinations created with boto3's `events` client deliver over HTTP.

A real local HTTP server plays the third-party API and its OAuth token endpoint. Checked: the
connection's auth reaches the destination (API key, OAuth bearer), HttpParameters fill the path,
headers and query, InvocationRateLimitPerSecond holds, an OAuth token is fetched once and
refreshed on a 401, and a deauthorized connection, a deleted destination or a loopback
destination without --allow-private-targets dead-letter with their reason; without that flag an
http (not https) destination or OAuth token endpoint is refused when saved.
"""
import http.server
import json
import socketserver
import threading
import time
import unittest

from harness import Gateway, wait_for

try:
    import boto3
    from botocore.exceptions import ClientError
except ImportError:  # pragma: no cover
    boto3 = None

ACCOUNT, REGION = "123456789012", "us-east-1"

CONFIG = """
server:
  account: "123456789012"
  region: us-east-1
  allow_private_targets: {allow}   # the third-party API of this test listens on 127.0.0.1
"""


class ThirdParty:
    """The destination (any path but /token) and its OAuth token endpoint (/token)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []        # (monotonic time, method, path, headers)
        self.token_requests = []  # (headers, body)
        self.rejected_tokens = set()
        peer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def reply(self, status, body=b"{}"):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with peer.lock:
                    if self.path.startswith("/token-denied"):
                        return self.reply(401, b'{"error":"invalid_client"}')
                    if self.path.startswith("/token"):
                        peer.token_requests.append((dict(self.headers), body.decode()))
                        token = f"t{len(peer.token_requests)}"
                        return self.reply(200, json.dumps({"access_token": token, "token_type": "Bearer",
                                                           "expires_in": 3600}).encode())
                    auth = self.headers.get("Authorization", "")
                    if auth.removeprefix("Bearer ") in peer.rejected_tokens:
                        return self.reply(401)
                    peer.requests.append((time.monotonic(), self.command, self.path, dict(self.headers),
                                          json.loads(body or b"{}")))
                self.reply(200)

            do_PUT = do_POST

            def log_message(self, *a):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self, path_prefix):
        with self.lock:
            return [r for r in self.requests if r[2].startswith(path_prefix)]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class ApiDestinationTest(unittest.TestCase):
    allow = "true"

    def setUp(self):
        if boto3 is None:
            raise unittest.SkipTest("boto3 needed")
        self.peer = ThirdParty()
        self.gw = Gateway(CONFIG.format(allow=self.allow)).start()
        self.events = boto3.client("events", endpoint_url=f"http://127.0.0.1:{self.gw.port}", region_name=REGION,
                                   aws_access_key_id="x", aws_secret_access_key="x")

    def tearDown(self):
        self.gw.close()
        self.peer.close()

    def route(self, rule, destination_arn, **target):
        self.events.put_rule(Name=rule, EventPattern=json.dumps({"source": [rule]}))
        self.events.put_targets(Rule=rule, Targets=[dict({"Id": "t", "Arn": destination_arn}, **target)])

    def put(self, source, details):
        for i in range(0, len(details), 10):
            out = self.events.put_events(Entries=[{"Source": source, "DetailType": "d", "Detail": json.dumps(d)}
                                                  for d in details[i:i + 10]])
            self.assertEqual(out["FailedEntryCount"], 0, out)

    def dlq(self):
        status, _, data = self.gw.request("GET", "/admin/dlq")
        self.assertEqual(status, 200)
        return json.loads(data)["entries"]

    def api_key_connection(self, name="crm-key"):
        return self.events.create_connection(
            Name=name, AuthorizationType="API_KEY",
            AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"},
                            "InvocationHttpParameters": {
                                "HeaderParameters": [{"Key": "X-From-Connection", "Value": "c",
                                                      "IsValueSecret": False}]}})["ConnectionArn"]


class ApiKeyAndRateLimitTest(ApiDestinationTest):
    def test_api_key_http_parameters_and_rate_limit(self):
        conn = self.api_key_connection()
        dest = self.events.create_api_destination(
            Name="crm", ConnectionArn=conn, InvocationEndpoint=self.peer.url + "/conversations/*/events",
            HttpMethod="POST", InvocationRateLimitPerSecond=2)["ApiDestinationArn"]
        self.assertRegex(dest, rf"^arn:aws:events:{REGION}:{ACCOUNT}:api-destination/crm/[0-9a-f-]{{36}}$")
        self.route("cc.rate", dest, HttpParameters={
            "PathParameterValues": ["$.detail.conversationId"],
            "HeaderParameters": {"X-Tenant": "acme", "X-Seq": "$.detail.n"},
            "QueryStringParameters": {"n": "$.detail.n"}})
        n = 8
        self.put("cc.rate", [{"conversationId": f"c{i}", "n": i} for i in range(n)])
        got = wait_for(lambda: len(self.peer.received("/conversations/")) >= n and self.peer.received("/conversations/"),
                       timeout=30, what="deliveries")
        self.assertEqual(len(got), n)
        for (_, method, path, headers, body) in got:
            i = body["detail"]["n"]
            self.assertEqual(method, "POST")
            self.assertEqual(path, f"/conversations/c{i}/events?n={i}")
            self.assertEqual(headers["x-api-key"], "s3cret")
            self.assertEqual(headers["X-From-Connection"], "c")
            self.assertEqual(headers["X-Tenant"], "acme")
            self.assertEqual(headers["X-Seq"], str(i))
            self.assertEqual(headers["User-Agent"], "Amazon/EventBridge/ApiDestinations")
            self.assertEqual(headers["Content-Type"], "application/json; charset=utf-8")
            self.assertEqual(headers["Idempotency-Key"], body["id"])
        # 2 per second with a burst of 2: 8 deliveries need at least 3 s, and no second holds
        # more than the burst plus the refill (+1 for timer rounding).
        times = sorted(t for (t, *_rest) in got)
        self.assertGreaterEqual(times[-1] - times[0], (n - 2) / 2 - 0.2, times)
        for i, t in enumerate(times):
            self.assertLessEqual(len([u for u in times[i:] if u - t < 1.0]), 2 + 2 + 1, times)
        self.assertEqual(self.dlq(), [])


class OAuthTest(ApiDestinationTest):
    def test_token_fetched_once_and_refreshed_on_401(self):
        conn = self.events.create_connection(
            Name="crm-oauth", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
            AuthParameters={"OAuthParameters": {
                "ClientParameters": {"ClientID": "cid", "ClientSecret": "csecret"},
                "AuthorizationEndpoint": self.peer.url + "/token", "HttpMethod": "POST",
                "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "events.write",
                                                            "IsValueSecret": False}]}}})["ConnectionArn"]
        dest = self.events.create_api_destination(
            Name="crm-o", ConnectionArn=conn, InvocationEndpoint=self.peer.url + "/oauth",
            HttpMethod="PUT")["ApiDestinationArn"]
        self.route("cc.oauth", dest)
        self.put("cc.oauth", [{"n": i} for i in range(6)])
        got = wait_for(lambda: len(self.peer.received("/oauth")) >= 6 and self.peer.received("/oauth"),
                       what="oauth deliveries")
        self.assertEqual({r[3]["Authorization"] for r in got}, {"Bearer t1"})
        self.assertEqual({r[1] for r in got}, {"PUT"})
        with self.peer.lock:
            self.assertEqual(len(self.peer.token_requests), 1)
            headers, body = self.peer.token_requests[0]
        self.assertEqual(headers["Authorization"], "Basic Y2lkOmNzZWNyZXQ=")  # cid:csecret
        self.assertEqual(body, "grant_type=client_credentials&scope=events.write")

        with self.peer.lock:
            self.peer.rejected_tokens.add("t1")  # the API revokes the token
        self.put("cc.oauth", [{"n": 100}])
        got = wait_for(lambda: [r for r in self.peer.received("/oauth") if r[4]["detail"]["n"] == 100],
                       what="delivery after the refresh")
        self.assertEqual(got[0][3]["Authorization"], "Bearer t2")
        with self.peer.lock:
            self.assertEqual(len(self.peer.token_requests), 2)
        self.assertEqual(self.dlq(), [])


    def test_connection_is_authorized_when_saved(self):
        def create(name, endpoint):
            return self.events.create_connection(
                Name=name, AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
                AuthParameters={"OAuthParameters": {
                    "ClientParameters": {"ClientID": "cid", "ClientSecret": "wrong"},
                    "AuthorizationEndpoint": self.peer.url + endpoint, "HttpMethod": "POST"}})

        def state(name, until):
            return wait_for(lambda: (d := self.events.describe_connection(Name=name))["ConnectionState"] != until
                            and d, what=f"{name} to leave {until}")

        out = create("crm-denied", "/token-denied")
        self.assertEqual(out["ConnectionState"], "AUTHORIZING")
        d = state("crm-denied", "AUTHORIZING")
        self.assertEqual(d["ConnectionState"], "DEAUTHORIZED")
        self.assertIn("401", d["StateReason"])
        # Fixed credentials: authorized again, the reason gone.
        self.events.update_connection(Name="crm-denied", AuthParameters={"OAuthParameters": {
            "AuthorizationEndpoint": self.peer.url + "/token"}})
        d = state("crm-denied", "AUTHORIZING")
        self.assertEqual(d["ConnectionState"], "AUTHORIZED")
        self.assertNotIn("StateReason", d)


class LifecycleTest(ApiDestinationTest):
    def test_deauthorized_connection_and_deleted_destination_dead_letter(self):
        conn = self.api_key_connection()
        dest = self.events.create_api_destination(
            Name="crm", ConnectionArn=conn, InvocationEndpoint=self.peer.url + "/life",
            HttpMethod="POST")["ApiDestinationArn"]
        self.route("cc.life", dest)
        self.put("cc.life", [{"n": 1}])
        wait_for(lambda: self.peer.received("/life"), what="first delivery")

        self.events.update_api_destination(Name="crm", InvocationEndpoint=self.peer.url + "/life-moved")
        self.put("cc.life", [{"n": 2}])
        wait_for(lambda: self.peer.received("/life-moved"), what="delivery to the updated endpoint")

        self.events.deauthorize_connection(Name="crm-key")
        self.put("cc.life", [{"n": 3}])
        entries = wait_for(lambda: self.dlq(), what="dead letter (deauthorized)")
        self.assertEqual(entries[0]["errorCode"], "CONNECTION_DEAUTHORIZED", entries)

        self.events.delete_api_destination(Name="crm")
        self.put("cc.life", [{"n": 4}])
        entries = wait_for(lambda: [e for e in self.dlq() if e["errorCode"] == "NO_RESOURCE"],
                           what="dead letter (deleted)")
        self.assertIn("does not exist", json.dumps(entries[0]))
        self.assertEqual(len(self.peer.received("/life")), 2)  # /life and /life-moved


class PrivateAddressTest(ApiDestinationTest):
    allow = "false"

    def test_loopback_destination_is_refused_without_the_flag(self):
        conn = self.api_key_connection()
        # https (as EventBridge requires): the address guard refuses it before any TLS.
        dest = self.events.create_api_destination(
            Name="inside", ConnectionArn=conn,
            InvocationEndpoint=self.peer.url.replace("http://", "https://", 1) + "/inside",
            HttpMethod="POST")["ApiDestinationArn"]
        self.route("cc.private", dest)
        self.put("cc.private", [{"n": 1}])
        entries = wait_for(lambda: self.dlq(), what="dead letter (address refused)")
        self.assertEqual(entries[0]["errorCode"], "ADDRESS_REFUSED", entries)
        self.assertIn("127.0.0.1 is loopback", json.dumps(entries[0]))
        self.assertIn("allow-private-targets", json.dumps(entries[0]))
        self.assertEqual(self.peer.received("/inside"), [])


    def test_plain_http_destination_is_refused_without_the_flag(self):
        # Issue 16: over http the connection's credentials and the events would cross the network
        # in clear; EventBridge takes https only, and so does cxbridge unless private targets are
        # allowed (deliveries check it again: INSECURE_ENDPOINT).
        conn = self.api_key_connection()
        with self.assertRaises(ClientError) as refused:
            self.events.create_api_destination(
                Name="clear", ConnectionArn=conn, InvocationEndpoint=self.peer.url + "/clear",
                HttpMethod="POST")
        self.assertEqual(refused.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("must be an https:// URL", str(refused.exception))
        self.events.create_api_destination(
            Name="clear", ConnectionArn=conn,
            InvocationEndpoint=self.peer.url.replace("http://", "https://", 1) + "/x", HttpMethod="POST")
        with self.assertRaises(ClientError) as refused:
            self.events.update_api_destination(Name="clear", InvocationEndpoint=self.peer.url + "/clear")
        self.assertEqual(refused.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(ClientError) as refused:
            self.events.create_connection(
                Name="oauth-clear", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
                AuthParameters={"OAuthParameters": {
                    "ClientParameters": {"ClientID": "id", "ClientSecret": "s"},
                    "AuthorizationEndpoint": self.peer.url + "/token", "HttpMethod": "POST"}})
        self.assertEqual(refused.exception.response["Error"]["Code"], "ValidationException")
        self.assertEqual(self.peer.received("/clear"), [])


del ApiDestinationTest  # the base class has no tests of its own

if __name__ == "__main__":
    unittest.main()
