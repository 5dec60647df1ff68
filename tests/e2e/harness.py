"""Shared pieces of the end-to-end tests: the real cxbridge binary, real HTTP receivers.

Everything binds to 127.0.0.1 port 0; nothing sleeps to wait for what it can poll.
"""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import signal
import socketserver
import subprocess
import tempfile
import threading
import time
import uuid

BIN = os.environ.get("CXBRIDGE_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "cxbridge")
# The contact-center simulator and Genesys API double: a tool binary apart from the gateway.
SIM_BIN = os.environ.get("CXBRIDGE_SIM_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "cxbridge-simulate")
SHARED = os.environ.get("CXBRIDGE_SHARED") or os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared")


def wait_for(pred, timeout=20.0, interval=0.02, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


class Receiver:
    """A real HTTP server that records what it receives and answers as scripted.

    `script` is a list of (status, headers, delay_seconds) consumed one per request; when it is
    empty, `default` answers.
    """

    def __init__(self, default=(200, {}, 0.0)):
        self.lock = threading.Lock()
        self.requests = []  # (path, headers dict, body bytes)
        self.script = []
        self.default = default
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with receiver.lock:
                    status, headers, delay = receiver.script.pop(0) if receiver.script else receiver.default
                if delay:
                    time.sleep(delay)
                with receiver.lock:
                    if 200 <= status < 300:
                        receiver.requests.append((self.path, dict(self.headers), body))
                    receiver.attempts.append((self.path, status))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PUT = do_POST

            def log_message(self, *a):
                pass

        self.attempts = []

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self):
        with self.lock:
            return [json.loads(b) for (_, _, b) in self.requests]

    def ids(self):
        return [b.get("id") for b in self.bodies()]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Gateway:
    """Runs `cxbridge serve` with a config written from `config_yaml` (a format string that may
    use {data_dir}). Restartable on the same data folder."""

    def __init__(self, config_yaml, env=None, admin_token=None):
        self.dir = tempfile.mkdtemp(prefix="cxb-e2e-")
        self.data_dir = os.path.join(self.dir, "data")
        self.config_path = os.path.join(self.dir, "cxbridge.yaml")
        with open(self.config_path, "w") as f:
            f.write(config_yaml)
        self.env = dict(os.environ)
        self.env.update(env or {})
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.dir, "server.log")
        self.admin_token = admin_token  # sent with metrics() (a configured token guards /metrics)

    def start(self):
        port_file = os.path.join(self.dir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--config", self.config_path, "--port", "0",
             "--data-dir", self.data_dir, "--port-file", port_file],
            stdout=self.log, stderr=self.log, env=self.env)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("cxbridge exited: " + self.logs())
            return os.path.exists(port_file)
        wait_for(ready, what="server to listen")
        with open(port_file) as f:
            self.port = int(f.read().strip())
        return self

    def logs(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        if self.log:
            self.log.close()
        return self.proc.returncode if self.proc else None

    def kill(self):
        return self.stop(signal.SIGKILL)

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def request(self, method, path, body=b"", headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        if isinstance(body, str):
            body = body.encode()
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        status, hdrs = r.status, dict(r.getheaders())
        conn.close()
        return status, hdrs, data

    def post(self, source, body, headers=None):
        return self.request("POST", "/webhooks/" + source, body,
                            dict({"Content-Type": "application/json"}, **(headers or {})))

    def metrics(self):
        headers = {"Authorization": "Bearer " + self.admin_token} if self.admin_token else {}
        status, _, data = self.request("GET", "/metrics", headers=headers)
        if status != 200:
            raise AssertionError(f"GET /metrics → {status}: {data[:200]!r}")
        out = {}
        for line in data.decode().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                out[name] = float(value)
        return out

    def cli(self, *args, check=True):
        r = subprocess.run([BIN, *args], capture_output=True, text=True, env=self.env, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"cxbridge {' '.join(args)} → {r.returncode}: {r.stdout} {r.stderr}")
        return r


# Independent signers (not cxbridge's code), so the verifier is tested against the schemes' specs.
def hmac_b64(secret: bytes, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret, body, hashlib.sha256).digest()).decode()


def standard_webhooks_headers(secret_b64: str, body: bytes, msg_id=None, ts=None):
    msg_id = msg_id or "msg_" + uuid.uuid4().hex
    ts = str(int(time.time()) if ts is None else ts)
    key = base64.b64decode(secret_b64.removeprefix("whsec_"))
    sig = base64.b64encode(hmac.new(key, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    return {"webhook-id": msg_id, "webhook-timestamp": ts, "webhook-signature": "v1," + sig}
