"""Real nats-server processes for cluster-mode tests and benchmarks.

`NatsCluster(size=3)` starts `size` nats-server processes on 127.0.0.1 with JetStream, each with
its own store folder and monitoring port, routed into one cluster (size 1: a standalone server).
Servers are killed with SIGKILL and restarted by index, on the same ports and store (a crash and a
restart). Leaders are read from the servers' monitoring endpoint (/jsz), since Debian has no
`nats` CLI. Nothing listens beyond 127.0.0.1; nothing sleeps to wait for what it can poll.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _can_connect(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def have_nats_server():
    return shutil.which("nats-server") is not None


class NatsCluster:
    def __init__(self, size=3, extra_config="", prefix="cxb-natscluster-"):
        self.size = size
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.extra_config = extra_config
        self.servers = []
        for i in range(size):
            d = os.path.join(self.dir, f"n{i}")
            os.makedirs(os.path.join(d, "store"))
            self.servers.append({
                "name": f"n{i}",
                "client": free_port(),
                "cluster": free_port() if size > 1 else 0,
                "http": free_port(),
                "dir": d,
                "proc": None,
            })
        for i in range(size):
            self._write_config(i)

    # --- lifecycle -------------------------------------------------------------------------
    def _write_config(self, i):
        s = self.servers[i]
        lines = [
            f"server_name: {s['name']}",
            f"listen: 127.0.0.1:{s['client']}",
            f"http: 127.0.0.1:{s['http']}",
            "jetstream {",
            f"  store_dir: \"{os.path.join(s['dir'], 'store')}\"",
            "  max_file_store: 2G",
            "  max_memory_store: 64M",
            "}",
        ]
        if self.size > 1:
            lines += ["cluster {", "  name: cxbtest", f"  listen: 127.0.0.1:{s['cluster']}", "  routes: ["]
            lines += [f"    nats-route://127.0.0.1:{o['cluster']}" for o in self.servers]
            lines += ["  ]", "}"]
        lines.append(self.extra_config)
        with open(os.path.join(s["dir"], "server.conf"), "w") as f:
            f.write("\n".join(lines) + "\n")

    def _spawn(self, i):
        s = self.servers[i]
        log = open(os.path.join(s["dir"], "server.log"), "ab")
        s["proc"] = subprocess.Popen(
            ["nats-server", "-c", os.path.join(s["dir"], "server.conf")],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def _wait_accepting(self, i, timeout=20.0):
        s = self.servers[i]
        deadline = time.time() + timeout
        while time.time() < deadline:
            if s["proc"].poll() is not None:
                raise RuntimeError(f"nats-server {s['name']} exited; see {s['dir']}/server.log")
            if _can_connect(s["client"]) and self._jsz(i) is not None:
                return
            time.sleep(0.02)
        raise RuntimeError(f"nats-server {s['name']} did not start within {timeout}s")

    def start(self, timeout=30.0):
        for i in range(self.size):
            self._spawn(i)
        for i in range(self.size):
            self._wait_accepting(i, timeout)
        if self.size > 1:
            self.wait_meta_leader(timeout)
        return self

    def kill(self, i):
        """SIGKILL server i (a crash) and reap it."""
        p = self.servers[i]["proc"]
        if p is not None and p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)
        self.servers[i]["proc"] = None

    def restart(self, i, timeout=30.0):
        self.kill(i)
        self._spawn(i)
        self._wait_accepting(i, timeout)

    def running(self, i):
        p = self.servers[i]["proc"]
        return p is not None and p.poll() is None

    def pid(self, i):
        p = self.servers[i]["proc"]
        return p.pid if p is not None else None

    def close(self):
        for i in range(self.size):
            self.kill(i)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # --- addresses --------------------------------------------------------------------------
    def url(self, i):
        return f"nats://127.0.0.1:{self.servers[i]['client']}"

    def urls(self):
        return [self.url(i) for i in range(self.size)]

    def index_of(self, name):
        for i, s in enumerate(self.servers):
            if s["name"] == name:
                return i
        return -1

    # --- monitoring (/jsz) ------------------------------------------------------------------
    def _jsz(self, i, query=""):
        try:
            with urllib.request.urlopen(
                    f"http://127.0.0.1:{self.servers[i]['http']}/jsz{query}", timeout=2) as r:
                return json.loads(r.read())
        except (OSError, ValueError):
            return None

    def meta_leader(self):
        """The meta (JetStream API) leader's index, or -1."""
        for i in range(self.size):
            if not self.running(i):
                continue
            j = self._jsz(i)
            leader = ((j or {}).get("meta_cluster") or {}).get("leader")
            # A survivor names a killed leader until it notices (election timeout): not a leader.
            if leader and self.running(self.index_of(leader)):
                return self.index_of(leader)
        return -1

    def wait_meta_leader(self, timeout=30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            i = self.meta_leader()
            if i >= 0:
                return i
            time.sleep(0.05)
        raise RuntimeError("no JetStream meta leader elected")

    def stream_leader(self, stream):
        """The index of the server leading `stream`, or -1 (none elected, or no such stream)."""
        for i in range(self.size):
            if not self.running(i):
                continue
            j = self._jsz(i, "?accounts=true&streams=true")
            for acc in (j or {}).get("account_details") or []:
                for st in acc.get("stream_detail") or []:
                    if st.get("name") == stream:
                        leader = (st.get("cluster") or {}).get("leader")
                        if leader and self.running(self.index_of(leader)):
                            return self.index_of(leader)
        return -1

    def stream_state(self, stream, i=None):
        """{messages, last_seq, ...} of `stream` as server i (or any running one) reports it."""
        order = [i] if i is not None else [k for k in range(self.size) if self.running(k)]
        for k in order:
            j = self._jsz(k, "?accounts=true&streams=true")
            for acc in (j or {}).get("account_details") or []:
                for st in acc.get("stream_detail") or []:
                    if st.get("name") == stream:
                        return st.get("state") or {}
        return None
