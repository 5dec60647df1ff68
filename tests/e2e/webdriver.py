"""A small W3C WebDriver client (urllib only) driving Debian's headless Chromium through
chromedriver (packages chromium and chromium-driver), for the console's browser tests.

The browser starts with a fresh profile and without background networking (the machine has no
network beyond loopback); screenshots are PNG files."""
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

CHROMIUM = os.environ.get("CXBRIDGE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = os.environ.get("CXBRIDGE_CHROMEDRIVER") or shutil.which("chromedriver") or "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def available():
    return os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class WebDriverError(Exception):
    pass


class Browser:
    def __init__(self, width=1366, height=850):
        self.port = _free_port()
        self.profile = tempfile.mkdtemp(prefix="cxb-chromium-")
        self.driver = subprocess.Popen([CHROMEDRIVER, f"--port={self.port}"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 30
        while True:
            try:
                self._call("GET", "/status")
                break
            except (urllib.error.URLError, ConnectionError, WebDriverError):
                if time.time() > deadline or self.driver.poll() is not None:
                    self.driver.kill()
                    raise
                time.sleep(0.05)
        args = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-extensions",
                f"--user-data-dir={self.profile}", f"--window-size={width},{height}"]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}}
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                payload = json.loads(r.read() or b"{}")
        except urllib.error.HTTPError as e:
            payload = json.loads(e.read() or b"{}")
            raise WebDriverError(payload.get("value", {}).get("message", str(e))) from None
        return payload.get("value")

    def _s(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def get(self, url):
        self._s("POST", "/url", {"url": url})

    def url(self):
        return self._s("GET", "/url")

    def find(self, css, timeout=20):
        """The first element matching `css`, waiting for it to appear."""
        deadline = time.time() + timeout
        while True:
            try:
                return self._s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]
            except WebDriverError:
                if time.time() > deadline:
                    raise AssertionError(f"no element {css!r} on {self.url()}:\n{self.text('body')[:2000]}")
                time.sleep(0.05)

    def find_all(self, css):
        return [e[ELEMENT] for e in self._s("POST", "/elements", {"using": "css selector", "value": css})]

    def click(self, css, timeout=20):
        el = self.find(css, timeout)
        self._s("POST", f"/element/{el}/click", {})

    def type(self, css, text, clear=True):
        el = self.find(css)
        if clear:
            self._s("POST", f"/element/{el}/clear", {})
        self._s("POST", f"/element/{el}/value", {"text": text})

    def text(self, css="body"):
        try:
            el = self._s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]
        except WebDriverError:
            return ""
        return self._s("GET", f"/element/{el}/text")

    def wait_text(self, css, needle, timeout=20):
        deadline = time.time() + timeout
        while True:
            t = self.text(css)
            if needle in t:
                return t
            if time.time() > deadline:
                raise AssertionError(f"{needle!r} never appeared in {css!r}; it reads:\n{t[:3000]}")
            time.sleep(0.05)

    def script(self, js, *args):
        return self._s("POST", "/execute/sync", {"script": js, "args": list(args)})

    def cookies(self):
        return self._s("GET", "/cookie")

    def screenshot(self, path):
        png = base64.b64decode(self._s("GET", "/screenshot"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)
        return path

    def close(self):
        try:
            self._call("DELETE", f"/session/{self.session}")
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass
        self.driver.terminate()
        try:
            self.driver.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.driver.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
