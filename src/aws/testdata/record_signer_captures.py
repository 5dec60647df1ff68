"""Records requests signed by the real botocore / aws CLI for the SigV4 canonicalization cases
the signer and verifier must agree on: a Lambda path with an ARN (encoded twice in the canonical
URI), an S3 path and query (encoded once), SQS's query protocol (form body), CloudWatch Logs.

  python3 record_signer_captures.py sigv4_signer_captures.jsonl

Writes one JSON object per request: method, path, query, headers, body, service. Key
AKIDCXBRIDGETEST / secret cxbridge-test-secret, as capture_server.py's captures.
"""
import http.server, json, os, subprocess, sys, threading

out_path = sys.argv[1]
records = []


class H(http.server.BaseHTTPRequestHandler):
    def handle_one(self):
        n = int(self.headers.get('Content-Length', 0) or 0)
        body = self.rfile.read(n).decode()
        path, _, query = self.path.partition('?')
        auth = self.headers.get('Authorization', '')
        service = auth.split('Credential=')[1].split('/')[3] if 'Credential=' in auth else ''
        records.append({"method": self.command, "path": path, "query": query,
                        "headers": [[k, v] for k, v in self.headers.items()], "body": body,
                        "service": service})
        self.send_response(400)  # every client gives up at once on a 400 it cannot parse
        self.send_header('Content-Length', '0')
        self.end_headers()

    do_GET = do_POST = do_PUT = handle_one

    def log_message(self, *a):
        pass


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = 'http://127.0.0.1:%d' % server.server_address[1]

import boto3, botocore.config  # noqa: E402

session = boto3.session.Session(aws_access_key_id='AKIDCXBRIDGETEST',
                                aws_secret_access_key='cxbridge-test-secret', region_name='eu-west-1')
cfg = botocore.config.Config(retries={'max_attempts': 0})


def quietly(fn):
    try:
        fn()
    except Exception:
        pass


lam = session.client('lambda', endpoint_url=url, config=cfg)
quietly(lambda: lam.invoke(FunctionName='arn:aws:lambda:eu-west-1:123456789012:function:f:live',
                           InvocationType='Event', Payload=b'{"a": "b c"}'))
s3 = session.client('s3', endpoint_url=url, config=botocore.config.Config(
    retries={'max_attempts': 0}, s3={'addressing_style': 'path'}))
quietly(lambda: s3.list_objects_v2(Bucket='bkt', Prefix='a b/c+d~e', MaxKeys=5))
quietly(lambda: s3.get_object(Bucket='bkt', Key='dir/x y.json'))
logs = session.client('logs', endpoint_url=url, config=cfg)
quietly(lambda: logs.put_log_events(logGroupName='/cx/g', logStreamName='s',
                                    logEvents=[{'timestamp': 1, 'message': 'm  two\tspaces'}]))
env = dict(os.environ, AWS_ACCESS_KEY_ID='AKIDCXBRIDGETEST', AWS_SECRET_ACCESS_KEY='cxbridge-test-secret',
           AWS_DEFAULT_REGION='us-east-1', AWS_MAX_ATTEMPTS='1')
subprocess.run(['aws', 'sqs', 'send-message', '--endpoint-url', url, '--queue-url', url + '/123456789012/q',
                '--message-body', 'hello = world & more'], env=env, capture_output=True)
# SQS's query protocol as older SDKs send it (form body), signed by botocore's own SigV4Auth.
import urllib.parse, urllib.request  # noqa: E402
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
form = urllib.parse.urlencode({'Action': 'SendMessage', 'Version': '2012-11-05',
                               'QueueUrl': url + '/123456789012/q', 'MessageBody': 'a+b c'})
req = AWSRequest(method='POST', url=url + '/', data=form,
                 headers={'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'})
SigV4Auth(Credentials('AKIDCXBRIDGETEST', 'cxbridge-test-secret'), 'sqs', 'us-east-1').add_auth(req)
quietly(lambda: urllib.request.urlopen(urllib.request.Request(
    url + '/', data=form.encode(), headers=dict(req.headers.items()), method='POST')))
server.shutdown()
with open(out_path, 'w') as f:
    for r in records:
        f.write(json.dumps(r) + '\n')
print(len(records), 'requests recorded')
