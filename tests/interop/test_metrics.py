"""/metrics and /healthz as monitoring reads them: each role's gauges (the
status token, every CRL's nextUpdate, when each CA and responder
certificate ends, queue depths, the portal's database, waiting work and
failed notifications), checked against what openssl reads from the served
CRL and certificates; a portal-only server has them too. A status token that
stops signing does not stop the server: live answers say internalError,
pre-signed ones go on, /healthz says 503 "token" and the metrics count it."""
import calendar
import glob
import os
import re
import shutil
import time
import unittest

import harness
from harness import http, run
from portal_client import PortalSteps, form_fields, CAGRI

DEMO = dict(TUGRA_PORTAL_DEMO="true", TUGRA_PORTAL_CAPTCHA_FIXED="ABCDE", TUGRA_PORTAL_ARGON2_MEMORY_KIB="8192",
            TUGRA_PORTAL_ARGON2_OPS="1", TUGRA_PORTAL_POSTS_PER_MINUTE="1000", TUGRA_SERVICE_POLL_MILLISECONDS="200")


def openssl_time(text):
    return calendar.timegm(time.strptime(text.strip(), "%b %d %H:%M:%S %Y %Z"))


def gauge(metrics, name):
    m = re.search(rf"^{re.escape(name)} (\S+)$", metrics, re.M)
    assert m, (name, metrics)
    return float(m.group(1))


class Metrics(harness.Waiting, PortalSteps, unittest.TestCase):
    def setUp(self):
        self.home = harness.Home(**DEMO)
        self.addCleanup(self.home.remove)
        self.home.tugra("init")
        self.home.tugra("demo", "seed")

    def metrics(self, server):
        status, _, body = http(server.base + "/metrics")
        self.assertEqual(status, 200)
        text = body.decode()
        families = re.findall(r"^# TYPE (\S+) ", text, re.M)
        self.assertEqual(len(families), len(set(families)), "a metric family declared twice")
        return text

    def test_gauges_match_what_openssl_reads(self):
        # SMS through a gateway that is not there: each failed delivery is counted.
        gone = harness.free_port()
        server = harness.Server(self.home, TUGRA_NOTIFY_SMS="http", TUGRA_NOTIFY_SMS_URL=f"http://127.0.0.1:{gone}/sms")
        self.addCleanup(server.stop)
        self.base = server.base
        m = self.metrics(server)
        self.assertEqual(gauge(m, 'tugra_token_up{token="status"}'), 1)
        self.assertEqual(gauge(m, "tugra_portal_database_up"), 1)
        self.assertEqual(gauge(m, 'tugra_notification_failures_total{channel="sms"}'), 0)
        for queue in ("ocsp_signing", "portal", "after_answer"):
            self.assertEqual(gauge(m, f'tugra_queue_waiting{{queue="{queue}"}}'), 0)

        crl = http(server.base + "/crl/nes.crl")[2]
        next_update = run(["openssl", "crl", "-inform", "DER", "-noout", "-nextupdate"], input=crl).stdout.decode()
        self.assertEqual(gauge(m, 'tugra_crl_next_update_timestamp_seconds{ca="nes"}'),
                         openssl_time(next_update.split("=", 1)[1]))
        for ca in ("nes", "root"):
            der = http(server.base + f"/ca/{ca}.crt")[2]
            end = run(["openssl", "x509", "-inform", "DER", "-noout", "-enddate"], input=der).stdout.decode()
            self.assertEqual(gauge(m, f'tugra_certificate_not_after_timestamp_seconds{{id="{ca}"}}'),
                             openssl_time(end.split("=", 1)[1]))
        responder_end = gauge(m, 'tugra_certificate_not_after_timestamp_seconds{id="nes-ocsp"}')
        self.assertGreater(responder_end, time.time())
        self.assertLess(responder_end, gauge(m, 'tugra_certificate_not_after_timestamp_seconds{id="nes"}'))

        waiting = int(self.home.sql("SELECT COUNT(*) FROM applications WHERE state IN ('submitted', 'received')"))
        self.assertEqual(gauge(m, "tugra_applications_waiting_decision"), waiting)

        b, status, location, page = self.log_in(CAGRI)
        self.assertEqual(location, "/basvuru/form")
        b.get("/basvuru/form")
        self.assertEqual(b.post("/basvuru/form", form_fields())[:2], (303, "/basvuru/sms"))
        b.get("/basvuru/sms")
        b.post("/basvuru/sms", {})
        m = self.metrics(server)
        self.assertEqual(gauge(m, 'tugra_notification_failures_total{channel="sms"}'), 1)

    def test_portal_only_server_has_its_metrics(self):
        server = harness.Server(self.home, "--roles", "portal")
        self.addCleanup(server.stop)
        m = self.metrics(server)
        self.assertEqual(gauge(m, "tugra_portal_database_up"), 1)
        self.assertIn("tugra_production_queue", m)
        self.assertNotIn("tugra_crl_number", m)
        self.assertIn('tugra_http_requests_total{route="metrics",status="200"}', self.metrics(server))

    @unittest.skipUnless(os.path.exists(harness.SOFTHSM), "the status token is SoftHSM2's")
    def test_a_status_token_that_stops_signing(self):
        server = harness.Server(self.home, "--roles", "status")
        self.addCleanup(server.stop)
        nes = self.home.write("nes.pem", self.home.tugra("ca", "chain", "--issuing").stdout.decode())
        presigned, live = self.home.path("presigned.der"), self.home.path("live.der")
        run(["openssl", "ocsp", "-issuer", nes, "-serial", "0x01", "-no_nonce", "-reqout", presigned])
        run(["openssl", "ocsp", "-issuer", nes, "-serial", "0x01", "-reqout", live])  # a nonce: signed now

        def ask(request):
            with open(request, "rb") as f:
                body = f.read()
            answer = http(server.base + "/ocsp", data=body, headers={"Content-Type": "application/ocsp-request"})[2]
            return run(["openssl", "ocsp", "-respin", "/dev/stdin", "-resp_text", "-noverify"], input=answer,
                       check=False).stdout.decode()

        self.assertIn("successful", ask(presigned))  # signed once, cached from here on
        status_token = next(d for d in glob.glob(self.home.path("tokens", "*"))
                            if b"tugra-status" in open(os.path.join(d, "token.object"), "rb").read())
        shutil.move(status_token, self.home.path("status-token-away"))
        self.assertIn("internalerror", ask(live).lower())
        self.assertIsNone(server.process.poll())  # still serving
        self.assertEqual(http(server.base + "/healthz")[:3:2], (503, b"token\n"))
        m = self.metrics(server)
        self.assertEqual(gauge(m, 'tugra_token_up{token="status"}'), 0)
        self.assertGreaterEqual(gauge(m, "tugra_ocsp_sign_failures_total"), 1)
        self.assertIn("successful", ask(presigned))  # what was signed before is still served
        self.assertIn("the status token did not sign", server.output())


if __name__ == "__main__":
    harness.main()
