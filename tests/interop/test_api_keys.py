"""The REST API for key holders on both databases: an institution's key
(staff upserts and removals, applications with receipt, approval and
rejection, its webhook), an operator key (production queue, shipments,
holder unblocking), idempotency keys, cursor pages, per-key rate limits and
every refusal as an RFC 9457 problem that changes nothing. Webhooks go to an
HTTPS receiver on loopback that checks their HMAC signature and fails the
first attempt. Every answer is then validated against the OpenAPI document
by @apidevtools/swagger-parser and ajv (tests/e2e/validate_api_answers.mjs)."""
import hashlib
import hmac
import http.server
import json
import os
import re
import ssl
import subprocess
import tempfile
import threading
import unittest
import urllib.request

import harness
from harness import Waiting, run
from portal_client import Browser, PortalSteps, tckn

E2E = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e")


class Receiver(http.server.ThreadingHTTPServer):
    """An HTTPS webhook receiver: answers 500 to the first attempt of each
    event, 200 afterwards, and keeps every request."""

    def __init__(self, cert, key):
        self.requests = []
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(handler):
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                with self.lock:
                    event_id = handler.headers["Tugra-Webhook-Id"]
                    first = not any(r["id"] == event_id for r in self.requests)
                    self.requests.append({"id": event_id, "signature": handler.headers["Tugra-Signature"],
                                          "body": body, "answered": 500 if first else 200})
                handler.send_response(500 if first else 200)
                handler.send_header("Content-Length", "0")
                handler.end_headers()

            def log_message(handler, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.socket = context.wrap_socket(self.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server_address[1]}/hook"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def delivered(self):
        with self.lock:
            return [r for r in self.requests if r["answered"] == 200]


class ApiKeys(PortalSteps, Waiting, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tls = tempfile.mkdtemp(prefix="tugra-hook-")
        cert, key = os.path.join(cls.tls, "cert.pem"), os.path.join(cls.tls, "key.pem")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        cls.receiver = Receiver(cert, key)
        cls.addClassCleanup(cls.receiver.shutdown)
        cls.start_demo(TUGRA_WEBHOOKS_POLL_MILLISECONDS="200", TUGRA_WEBHOOKS_RETRY_SECONDS="1",
                       TUGRA_WEBHOOKS_CA_FILE=cert, TUGRA_API_REQUESTS_PER_MINUTE="300",
                       TUGRA_API_KEY_FAILURES_PER_MINUTE="40", TUGRA_SERVICE_POLL_MILLISECONDS="200")
        cls.answers = []  # (method, template, status, content type, body) for the OpenAPI check

    def key(self, *args):
        out = self.home.tugra("institution", "api-key", "add", *args).stdout.decode()
        return re.search(r"^\s+(tgr_\S+)$", out, re.M).group(1)

    def call(self, method, path, template, token=None, body=None, raw=None, headers=None):
        """One API request; returns (status, headers, parsed body) and keeps the answer for the OpenAPI check."""
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, headers_, payload = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            status, headers_, payload = e.code, dict(e.headers), e.read()
        kind = headers_.get("Content-Type", "")
        parsed = json.loads(payload) if "json" in kind and payload else payload
        if template:
            self.answers.append({"method": method.lower(), "template": template, "status": status,
                                 "content_type": kind, "body": parsed})
        return status, headers_, parsed

    def problem(self, answer, status, kind):
        code, headers, body = answer
        self.assertEqual((code, headers["Content-Type"]), (status, "application/problem+json"), body)
        self.assertEqual(body["type"], "https://tugra.example/problems/" + kind, body)
        self.assertEqual(body["status"], status)

    def staff_row(self, person, **overrides):
        row = {"tckn": person["tckn"], "sicil_no": person["sicil_no"], "unit": "Bilgi İşlem", "title": "Uzman",
               "address": "Atatürk Bulvarı 1", "il": "Ankara", "ilce": "Çankaya", "postal_code": "06100"}
        row.update(overrides)
        return row

    def test_institution_operator_webhooks_and_refusals(self):
        hr = self.key("--institution", "1", "--name", "İK sistemi")
        self.home.tugra("institution", "add", "--name", "BAŞKA KURUM")
        other = self.key("--institution", "2", "--name", "other")
        staff_only = self.key("--institution", "1", "--name", "only staff", "--scope", "staff")
        operator = self.key("--operator", "--name", "call centre")
        listed = json.loads(self.home.tugra("institution", "api-key", "list", "--json").stdout)
        self.assertEqual([(k["kind"], k["institution"]) for k in listed],
                         [("institution", 1), ("institution", 2), ("institution", 1), ("operator", 0)])
        self.assertNotIn("tgr_", json.dumps(listed))  # never the keys themselves
        self.assertEqual(self.home.sql("SELECT COUNT(*) FROM api_keys WHERE secret_hash LIKE '%tgr_%'").strip(), "0")

        # The webhook first, so that it hears of everything after.
        status, _, hook = self.call("PUT", "/institution/webhook", "/institution/webhook", hr,
                                    {"url": self.receiver.url})
        self.assertEqual(status, 200, hook)
        secret = hook["secret"]
        self.assertEqual(self.call("GET", "/institution/webhook", "/institution/webhook", hr)[2]["url"],
                         self.receiver.url)

        # Staff through the API: the same rules as the CSV import.
        ayse = {"tckn": tckn("376543210"), "sicil_no": "S-1001", "given_name": "Ayşe", "surname": "Kaya",
                "birth_place": "Sinop", "birth_date": "01.01.1980"}
        mehmet = {"tckn": tckn("476543210"), "sicil_no": "S-1002", "given_name": "Mehmet", "surname": "Demir",
                  "birth_place": "Sinop", "birth_date": "01.01.1980"}
        self.home.tugra("registry", "import", self.home.write("people.csv", "".join(
            f"{p['tckn']},{p['given_name']},{p['surname']},Sinop,1980-01-01\n" for p in (ayse, mehmet))))
        staff_before = self.home.sql("SELECT COUNT(*) FROM staff")
        status, _, body = self.call("POST", "/institution/staff", "/institution/staff", hr,
                                    {"staff": [self.staff_row(ayse), self.staff_row(mehmet, tckn="12345678901")]})
        self.assertEqual(status, 422, body)
        self.assertEqual(body["type"], "https://tugra.example/problems/invalid_rows")
        self.assertEqual([e["index"] for e in body["errors"]], [1])
        self.assertEqual(self.home.sql("SELECT COUNT(*) FROM staff"), staff_before)  # all or nothing
        status, _, body = self.call("POST", "/institution/staff", "/institution/staff", hr,
                                    {"staff": [self.staff_row(ayse), self.staff_row(mehmet)]})
        self.assertEqual((status, body), (200, {"upserted": 2}))
        self.assertIn("api-key:1", self.home.tugra("audit", "list", "--limit", "100000").stdout.decode())

        # Two applications; the API lists them page by page.
        self.apply(ayse)
        self.apply(mehmet, mobile="0533 000 00 01")
        first = self.call("GET", "/institution/applications?limit=1", "/institution/applications", hr)[2]
        self.assertEqual(len(first["items"]), 1)
        self.assertTrue(first["next_cursor"])
        second = self.call("GET", f"/institution/applications?limit=1&cursor={first['next_cursor']}",
                           "/institution/applications", hr)[2]
        ids = [first["items"][0]["id"], second["items"][0]["id"]]
        self.assertEqual([first["items"][0]["tckn"], second["items"][0]["tckn"]], [ayse["tckn"], mehmet["tckn"]])
        self.assertEqual(second["items"][0]["state"], "submitted")
        everything = self.call("GET", "/institution/applications?state=submitted", "/institution/applications", hr)[2]
        self.assertEqual([a["id"] for a in everything["items"]], ids)
        self.assertIsNone(everything["next_cursor"])

        # Receipt and approval for Ayşe, rejection for Mehmet, as the key.
        status, _, a = self.call("POST", f"/institution/applications/{ids[0]}/receipt",
                                 "/institution/applications/{id}/receipt", hr, {"receipt_no": "DK-77"},
                                 headers={"Idempotency-Key": "receipt-1"})
        self.assertEqual((status, a["state"], a["receipt_no"]), (200, "received", "DK-77"))
        # The same request again is answered again, not done again.
        status, headers, again = self.call("POST", f"/institution/applications/{ids[0]}/receipt",
                                           "/institution/applications/{id}/receipt", hr, {"receipt_no": "DK-77"},
                                           headers={"Idempotency-Key": "receipt-1"})
        self.assertEqual((status, again, headers.get("Idempotent-Replayed")), (200, a, "true"))
        status, _, a = self.call("POST", f"/institution/applications/{ids[0]}/approve",
                                 "/institution/applications/{id}/approve", hr, {})
        self.assertEqual((status, a["state"]), (200, "approved"))
        self.assertIn("production_request", a)
        status, _, m = self.call("POST", f"/institution/applications/{ids[1]}/reject",
                                 "/institution/applications/{id}/reject", hr, {"reason": "Eksik belge"})
        self.assertEqual((status, m["state"], m["reject_reason"]), (200, "rejected", "Eksik belge"))
        audit = self.home.tugra("audit", "list", "--limit", "100000").stdout.decode()
        self.assertRegex(audit, r"application\.approved.*api-key:1|api-key:1.*application\.approved")

        # Refusals: each an RFC 9457 problem that changes nothing.
        before = (self.home.snapshot(), self.home.sql("SELECT COUNT(*) FROM staff"),
                  self.home.sql("SELECT id, state FROM applications ORDER BY id"),
                  self.home.sql("SELECT COUNT(*) FROM production_requests"))
        ayse_app = f"/institution/applications/{ids[0]}"
        self.problem(self.call("GET", "/institution/applications", "/institution/applications"), 401, "unauthorized")
        self.assertEqual(self.call("GET", "/institution/applications", None)[1]["WWW-Authenticate"],
                         'Bearer realm="tugra"')
        self.problem(self.call("GET", "/institution/applications", "/institution/applications", hr[:-2] + "AA"),
                     401, "unauthorized")
        self.problem(self.call("GET", "/operator/production", "/operator/production", hr), 403, "forbidden")
        self.problem(self.call("GET", "/institution/applications", "/institution/applications", staff_only),
                     403, "scope")
        self.problem(self.call("GET", ayse_app, "/institution/applications/{id}", other), 404, "not_found")
        self.problem(self.call("POST", ayse_app + "/approve", "/institution/applications/{id}/approve", other, {}),
                     404, "not_found")
        self.problem(self.call("POST", ayse_app + "/approve", "/institution/applications/{id}/approve", hr, {}),
                     409, "conflict")  # approved already
        self.problem(self.call("POST", f"/institution/applications/{ids[1]}/receipt",
                               "/institution/applications/{id}/receipt", hr, raw=b"{not json",
                               headers={"Content-Type": "application/json"}), 400, "bad_json")
        self.problem(self.call("POST", "/institution/staff", "/institution/staff", hr, raw=b"[]",
                               headers={"Content-Type": "application/json"}), 400, "bad_json")
        self.problem(self.call("POST", "/institution/staff", "/institution/staff", hr, raw=b"{}",
                               headers={"Content-Type": "text/plain"}), 415, "media_type")
        self.problem(self.call("POST", "/institution/staff", "/institution/staff", hr,
                               raw=b'{"staff": "' + b"x" * (9 << 20) + b'"}',
                               headers={"Content-Type": "application/json"}), 413, "too_large")
        self.problem(self.call("POST", ayse_app + "/reject", "/institution/applications/{id}/reject", hr,
                               raw=b'{"reason": "' + b"x" * 70000 + b'"}',
                               headers={"Content-Type": "application/json"}), 413, "too_large")
        self.problem(self.call("POST", "/institution/staff", "/institution/staff", hr,
                               {"staff": [self.staff_row(ayse, tckn=12345678950)]}), 422, "invalid")
        self.problem(self.call("GET", "/institution/applications?cursor=bad*cursor", "/institution/applications", hr),
                     400, "bad_cursor")
        self.problem(self.call("GET", "/institution/applications?limit=500", "/institution/applications", hr),
                     400, "bad_limit")
        self.problem(self.call("GET", "/institution/applications?state=nope", "/institution/applications", hr),
                     400, "bad_state")
        self.problem(self.call("GET", "/institution/nothing", None, hr), 404, "not_found")
        self.problem(self.call("PUT", "/institution/applications", None, hr, {}), 405, "method")
        self.problem(self.call("PUT", "/institution/webhook", "/institution/webhook", hr, {"url": "http://x.example/"}),
                     422, "invalid")
        self.problem(self.call("DELETE", f"/institution/staff/{tckn('999999990')}", "/institution/staff/{tckn}", hr),
                     404, "not_found")
        # A used idempotency key with another body is refused.
        self.problem(self.call("POST", f"/institution/applications/{ids[0]}/receipt",
                               "/institution/applications/{id}/receipt", hr, {"receipt_no": "DK-78"},
                               headers={"Idempotency-Key": "receipt-1"}), 422, "idempotency_mismatch")
        # The words follow Accept-Language.
        tr = self.call("GET", ayse_app, "/institution/applications/{id}", other, headers={"Accept-Language": "tr"})
        en = self.call("GET", ayse_app, "/institution/applications/{id}", other, headers={"Accept-Language": "en"})
        self.assertEqual((tr[2]["title"], en[2]["title"]), ("Bulunamadı", "Not found"))
        self.assertEqual(before, (self.home.snapshot(), self.home.sql("SELECT COUNT(*) FROM staff"),
                                  self.home.sql("SELECT id, state FROM applications ORDER BY id"),
                                  self.home.sql("SELECT COUNT(*) FROM production_requests")))

        # A revoked key stops at once.
        self.home.tugra("institution", "api-key", "revoke", "2")
        self.problem(self.call("GET", "/institution/applications", "/institution/applications", other),
                     401, "unauthorized")
        self.assertNotEqual(self.home.tugra("institution", "api-key", "revoke", "2", check=False).returncode, 0)

        # The operator key: the card is made, the queue and the shipment.
        self.home.tugra("vcard", "add")
        self.home.tugra("production", "run")
        queue = self.call("GET", "/operator/production?state=done", "/operator/production", operator)[2]["items"]
        self.assertEqual([r["tckn"] for r in queue], [ayse["tckn"]])
        made = self.call("GET", f"/operator/production/{queue[0]['id']}", "/operator/production/{id}", operator)[2]
        serial, tracking = made["certificate_serial"], made["tracking_number"]
        status, _, shipment = self.call("POST", f"/operator/shipments/{tracking}", "/operator/shipments/{tracking}",
                                        operator, {"state": "shipped", "note": "Kargo 1"})
        self.assertEqual((status, shipment["state"]), (200, "shipped"))
        self.problem(self.call("POST", f"/operator/shipments/{tracking}", "/operator/shipments/{tracking}",
                               operator, {"state": "preparing"}), 409, "conflict")
        self.problem(self.call("POST", f"/operator/holders/{ayse['tckn']}/unblock",
                               "/operator/holders/{tckn}/unblock", operator, {}), 409, "conflict")  # not blocked
        # Three wrong security words block her log-in; the operator key unblocks it.
        b = Browser(self.base)
        for _ in range(3):
            b.get("/bireysel/giris")
            b.captcha()
            b.post("/bireysel/giris", {"id": ayse["tckn"], "captcha": "ABCDE", "security_word": "Yanlis12345"})
        status, _, body = self.call("POST", f"/operator/holders/{ayse['tckn']}/unblock",
                                    "/operator/holders/{tckn}/unblock", operator, {})
        self.assertEqual((status, body), (200, {"tckn": ayse["tckn"], "unblocked": True}))
        self.assertIn("api-key:4", self.home.tugra("audit", "list", "--limit", "100000").stdout.decode())
        order = {"tckn": mehmet["tckn"], "given_name": "Mehmet", "surname": "Demir", "phone": "+905330000001",
                 "email": "mehmet@example.org", "years": 5}
        status, _, queued = self.call("POST", "/operator/production", "/operator/production", operator, order,
                                      headers={"Idempotency-Key": "order-1"})
        self.assertEqual(status, 201, queued)
        self.assertEqual((queued["state"], queued["years"]), ("queued", 5))
        status, headers, again = self.call("POST", "/operator/production", "/operator/production", operator, order,
                                           headers={"Idempotency-Key": "order-1"})
        self.assertEqual((status, again, headers.get("Idempotent-Replayed")), (201, queued, "true"))
        self.problem(self.call("POST", "/operator/production", "/operator/production", operator, order), 409,
                     "conflict")  # without the key it is a second order, refused: one is open
        self.assertEqual(self.home.sql(f"SELECT COUNT(*) FROM production_requests WHERE tckn = '{mehmet['tckn']}'")
                         .strip(), "1")
        self.problem(self.call("GET", "/operator/production/999", "/operator/production/{id}", operator),
                     404, "not_found")

        # The certificate's changes reach the webhook: issued on hold, then activated.
        self.home.tugra("ca", "unsuspend", serial)
        hmac_of = lambda r: "v1=" + hmac.new(secret.encode(), r["signature"].split(",")[0][2:].encode() + b"." +
                                             r["body"], hashlib.sha256).hexdigest()

        def events():
            return [json.loads(r["body"]) for r in self.receiver.delivered()]

        self.wait_for("the certificate's activation as a webhook", lambda: any(
            e["type"] == "certificate.status_changed" and e["data"]["status"] == "valid" for e in events()), tries=300)
        for r in self.receiver.requests:
            self.assertTrue(hmac.compare_digest(r["signature"].split(",")[1], hmac_of(r)), r)
        delivered = events()
        states = [e["data"]["state"] for e in delivered if e["type"] == "application.state_changed"]
        for state in ("confirmed", "submitted", "received", "approved", "rejected"):
            self.assertIn(state, states)
        ids_delivered = [e["id"] for e in delivered]
        self.assertEqual(len(ids_delivered), len(set(ids_delivered)))  # none twice after success
        # Every event failed once (500) and was sent again.
        attempts = {}
        for r in self.receiver.requests:
            attempts[r["id"]] = attempts.get(r["id"], 0) + 1
        self.assertTrue(all(n == 2 for n in attempts.values()), attempts)
        # Operators see the outbox drain in /metrics.
        metrics = lambda: harness.http(self.base + "/metrics")[2].decode()
        self.wait_for("the outbox drained", lambda: "tugra_webhook_events_waiting 0\n" in metrics())
        self.assertIn("tugra_webhook_events_failed 0\n", metrics())
        log = self.call("GET", "/institution/webhook/deliveries?limit=200", "/institution/webhook/deliveries", hr)[2]
        self.assertEqual(sorted({d["status"] for d in log["items"]}), [200, 500])

        # Staff removal; the webhook removed.
        self.assertEqual(self.call("DELETE", f"/institution/staff/{mehmet['tckn']}", "/institution/staff/{tckn}",
                                   hr)[0], 200)
        self.assertEqual(self.call("DELETE", "/institution/webhook", "/institution/webhook", hr)[0], 200)
        self.problem(self.call("GET", "/institution/webhook", "/institution/webhook", hr), 404, "not_found")

        # Per-key rate limit: one key's flood does not stop another key.
        flood = self.key("--institution", "1", "--name", "flood")
        for _ in range(400):
            answer = self.call("GET", "/institution/applications?limit=1", None, flood)
            if answer[0] == 429:
                break
        self.problem(answer, 429, "rate")
        self.assertEqual(answer[1]["Retry-After"], "60")
        self.assertEqual(self.call("GET", "/institution/applications?limit=1", None, hr)[0], 200)
        self.answers.append({"method": "get", "template": "/institution/applications", "status": 429,
                             "content_type": answer[1]["Content-Type"], "body": answer[2]})

        # Wrong keys are limited per address.
        for _ in range(100):
            answer = self.call("GET", "/institution/applications", None, "tgr_1_" + "A" * 43)
            if answer[0] == 429:
                break
        self.problem(answer, 429, "rate")

        # Every answer above, against the OpenAPI document, by tools nobody here wrote.
        path = self.home.write("answers.json", json.dumps({"base": self.base, "answers": self.answers}))
        result = subprocess.run(["node", os.path.join(E2E, "validate_api_answers.mjs"), path], capture_output=True,
                                cwd=E2E)
        self.assertEqual(result.returncode, 0, (result.stdout + result.stderr).decode())
        self.assertIn(f"{len(self.answers)} answers valid", result.stdout.decode())


if __name__ == "__main__":
    harness.main()
