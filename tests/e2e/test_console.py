"""The web console in a real browser (Debian's headless Chromium through chromedriver): sign in
with the admin token, find an event by id and read its attempts, redrive a dead letter, edit a
rule through the EventBridge API's validation; plus what the browser must not be able to do
(no token in URLs, no state change without the session's CSRF token). Screenshots of each page
go to <build>/console-screenshots/ (test artifacts, not in git)."""
import http.client
import json
import os
import unittest
import uuid

import webdriver
from harness import BIN, Gateway, Receiver, wait_for

TOKEN = "console-e2e-token-" + uuid.uuid4().hex[:8]
SHOTS = os.environ.get("CXBRIDGE_ARTIFACTS") or os.path.join(os.path.dirname(os.path.abspath(BIN)),
                                                               "console-screenshots")

CONFIG = """
server:
  admin_token: {{value: {token}}}
  allow_private_targets: true
sources:
  hooks: {{auth: {{scheme: none}}, event_source: e2e.console, detail_type: {{path: "$.kind"}}}}
rules:
  - Name: to-crm
    EventPattern: {{source: [e2e.console], detail-type: [Order]}}
    Targets: [{{Id: crm, Arn: "{ok}/crm"}}]
  - Name: to-billing
    EventPattern: {{source: [e2e.console], detail-type: [Invoice]}}
    Targets: [{{Id: billing, Arn: "{bad}/billing", RetryPolicy: {{MaximumRetryAttempts: 0}}}}]
"""


@unittest.skipUnless(webdriver.available(), "needs Debian's chromium and chromium-driver (scripts/install-deps.sh)")
class ConsoleBrowserTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ok = Receiver()
        cls.bad = Receiver(default=(400, {}, 0.0))  # refuses: the delivery is dead-lettered
        cls.gw = Gateway(CONFIG.format(token=TOKEN, ok=cls.ok.url, bad=cls.bad.url))
        cls.gw.start()
        cls.browser = webdriver.Browser()
        cls.base = f"http://127.0.0.1:{cls.gw.port}"

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.gw.close()
        cls.ok.close()
        cls.bad.close()

    def shot(self, name):
        self.browser.screenshot(os.path.join(SHOTS, name + ".png"))

    def admin(self, method, path, body=None, headers=None):
        h = {"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"}
        h.update(headers or {})
        status, _, data = self.gw.request(method, path, json.dumps(body or {}) if method == "POST" else b"", h)
        return status, (json.loads(data) if data else None)

    def send(self, kind, n):
        status, _, data = self.gw.post("hooks", json.dumps({"kind": kind, "n": n}))
        self.assertEqual(status, 202, data)
        return json.loads(data)["id"]

    def sign_in(self):
        b = self.browser
        b.get(self.base + "/console/")
        b.find("#token")
        self.shot("01-sign-in")
        b.type("#token", "not-the-token")
        b.click("button[type=submit]")
        b.wait_text("body", "That is not the admin token.")
        b.type("#token", TOKEN)
        b.click("button[type=submit]")
        b.wait_text("nav", "Dead letters")
        self.assertNotIn(TOKEN, b.url())
        self.assertNotIn(TOKEN, b.script("return document.cookie + JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"))
        cookie = [c for c in b.cookies() if c["name"] == "cxbridge_session"]
        self.assertEqual(len(cookie), 1)
        self.assertTrue(cookie[0]["httpOnly"])
        self.assertEqual(cookie[0].get("sameSite"), "Strict")
        return cookie[0]["value"]

    def test_console(self):
        b = self.browser
        delivered_id = self.send("Order", 1)
        dead_id = self.send("Invoice", 2)
        wait_for(lambda: self.admin("GET", "/admin/dlq")[1]["entries"], what="the dead letter")
        session = self.sign_in()

        # Overview: charts and the per-target bars, live.
        b.wait_text("main", "Events in")
        b.find(".chart canvas")
        b.wait_text("main", "to-crm/crm")
        self.shot("02-overview")

        # Find an event by id; its page shows the rules it matched and each attempt.
        b.click("#nav-events")
        b.wait_text("main", delivered_id)
        self.shot("03-events")
        b.type("#event-id", dead_id)
        b.click("#event-search")
        b.wait_text("main", "to-billing → billing")
        text = b.wait_text("main", "HTTP 400")
        self.assertIn("dead-lettered", text)
        self.assertIn("to-billing", text)
        self.assertIn('"detail-type": "Invoice"', b.text("pre.json"))
        self.shot("04-event-attempts")
        b.get(self.base + "/console/#/events/" + delivered_id)
        text = b.wait_text("main", "to-crm → crm")
        b.wait_text("main", "delivered")

        # Redrive the dead letter, after the target got well.
        with self.bad.lock:
            self.bad.default = (200, {}, 0.0)
        b.click("#nav-dlq")
        b.wait_text("main", "HTTP_400")
        self.shot("05-dead-letters")
        b.click("tr.entry input[type=checkbox]")
        b.click("#act-selected")
        b.wait_text("main", "1 redriven")
        wait_for(lambda: any(e.get("id") == dead_id for e in self.bad.bodies()), what="the redriven delivery")
        b.wait_text("main", "No dead letters")
        b.get(self.base + "/console/#/events/" + dead_id)
        b.wait_text("main", "#1")
        wait_for(lambda: "delivered" in b.text(".delivery"), what="the redelivery in the event's history")

        # Edit a rule (an API rule), with the API's validation and error texts.
        status, _ = self.admin("POST", "/admin/api/PutRule",
                               {"Name": "api-orders", "EventPattern": json.dumps({"source": ["e2e.console"]})})
        self.assertEqual(status, 200)
        b.click("#nav-rules")
        b.click("#rule-api-orders a")
        b.find("#rule-pattern")
        self.shot("06-rule-edit")
        b.type("#rule-pattern", '{"source": [{"prefix": 5}]}')
        b.click("#rule-save")
        err = b.wait_text(".error", "Not saved")
        self.assertIn("InvalidEventPatternException", err)
        b.type("#rule-pattern", '{"source": ["e2e.console"], "detail-type": ["Order"]}')
        b.type("#rule-description", "orders only")
        b.click("#rule-save")
        b.wait_text("main", "Rule api-orders saved.")
        status, rule = self.admin("POST", "/admin/api/DescribeRule", {"Name": "api-orders"})
        self.assertEqual(json.loads(rule["EventPattern"]), {"source": ["e2e.console"], "detail-type": ["Order"]})
        self.assertEqual(rule["Description"], "orders only")

        # The other pages, for the record.
        for page, needle, name in (("targets", "crm", "07-targets"), ("playground", "Test against", "08-playground"),
                                   ("quarantine", "Nothing is quarantined", "09-quarantine"),
                                   ("archives", "No archives", "10-archives")):
            b.click("#nav-" + page)
            b.wait_text("main", needle)
            self.shot(name)
        b.click("#nav-playground")
        b.type("#playground-pattern", '{"detail-type": ["Order"]}')
        b.click("#playground-run")
        b.wait_text("#playground-summary", "match")
        self.assertIn(delivered_id, b.text("main"))
        self.assertNotIn(dead_id, b.text("main"))
        self.shot("08-playground")

        # CSRF: the session cookie alone does not change state; with the session's token it does.
        cookie = {"Cookie": "cxbridge_session=" + session, "Content-Type": "application/json"}
        status, _, _ = self.gw.request("POST", "/admin/dlq/redrive", '{"all": true}', cookie)
        self.assertEqual(status, 401)
        status, _, _ = self.gw.request("GET", "/admin/targets", b"", {"Cookie": "cxbridge_session=" + session})
        self.assertEqual(status, 200)
        status, _, _ = self.gw.request("GET", "/admin/targets", b"", {})
        self.assertEqual(status, 401)

        # Signing out ends the session.
        b.click("#logout")
        b.find("#token")
        status, _, _ = self.gw.request("GET", "/admin/targets", b"", {"Cookie": "cxbridge_session=" + session})
        self.assertEqual(status, 401)


if __name__ == "__main__":
    unittest.main()
