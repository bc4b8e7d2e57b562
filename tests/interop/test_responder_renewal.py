"""The OCSP responder's certificate is renewed before it runs out: past two
thirds of its life the status role puts a new key in the status token and
queues it, the ca role certifies it, and answers are signed with the new
key; past its end, the old certificate signs nothing (tryLater until a new
one is in place). `tugra ocsp renew` does it by hand. Time is moved with
Debian's faketime; `openssl ocsp` and Python's cryptography check."""
import base64
import re
import time
import unittest
import urllib.parse

from cryptography import x509
from cryptography.x509 import ocsp

import harness
from harness import faketime, http, run

YEAR_DAYS = 365


class ResponderRenewal(unittest.TestCase):
    def setUp(self):
        self.home = harness.Home(TUGRA_SERVICE_POLL_MILLISECONDS="200")
        self.home.tugra("init")
        self.addCleanup(self.home.remove)
        self.nes = self.home.write("nes.pem", self.home.tugra("ca", "chain", "--issuing").stdout.decode())
        self.chain = self.home.write("chain.pem", self.home.tugra("ca", "chain").stdout.decode())
        _, pub = harness.ec_public_key(self.home)
        self.cert = self.home.path("holder.pem")
        self.home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                        "--public-key", pub, "--out", self.cert)
        self.request = self.home.path("request.der")
        run(["openssl", "ocsp", "-issuer", self.nes, "-cert", self.cert, "-no_nonce", "-reqout", self.request])
        self.original = self.responder_serial_in_db()

    def responder_serial_in_db(self):
        der = self.home.sql("SELECT certificate FROM authorities WHERE id = 'nes-ocsp'").strip()
        return x509.load_der_x509_certificate(base64.b64decode(der)).serial_number

    def ask(self, server):
        with open(self.request, "rb") as f:
            status, _, der = http(server.base + "/ocsp", f.read(), {"Content-Type": "application/ocsp-request"})
        self.assertEqual(status, 200)
        return der, ocsp.load_der_ocsp_response(der)

    def signer_serial(self, response):
        return response.certificates[0].serial_number

    def verified_at(self, days, der):
        path = self.home.write(f"response-{days}.der", der)
        r = run([*faketime(days), "openssl", "ocsp", "-respin", path, "-issuer", self.nes, "-cert", self.cert,
                 "-CAfile", self.chain], check=False)
        return (r.stdout + r.stderr).decode()

    def wait_for_new_signer(self, server, old_serial):
        for _ in range(100):
            der, response = self.ask(server)
            if response.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL and \
                    self.signer_serial(response) != old_serial:
                return der, response
            time.sleep(0.2)
        self.fail("the responder certificate was never renewed")

    def test_renewed_past_two_thirds_and_never_signed_by_an_expired_one(self):
        # Past two thirds of two years: renewed by the status and ca roles together.
        at = 500
        server = harness.Server(self.home, wrapper=faketime(at))
        try:
            der, response = self.wait_for_new_signer(server, self.original)
            out = self.verified_at(at, der)
            self.assertIn("Response verify OK", out)
            self.assertIn(": good", out)
            renewed = response.certificates[0]
            self.assertGreater((renewed.not_valid_after - renewed.not_valid_before).days, YEAR_DAYS)
        finally:
            server.stop()
        events = self.home.tugra("audit", "list", "--event", "ca.responder_certified").stdout.decode()
        self.assertIn("ca-role", events)
        label = self.home.sql("SELECT key_label FROM authorities WHERE id = 'nes-ocsp'").strip()
        self.assertRegex(label, r"^tugra-nes-ocsp-\d+-\d+$")

        # Past the end of the original certificate the renewed one signs; the old never does.
        later = 800
        server = harness.Server(self.home, "--roles", "status", wrapper=faketime(later))
        try:
            der, response = self.ask(server)
            self.assertEqual(response.response_status, ocsp.OCSPResponseStatus.SUCCESSFUL)
            self.assertNotEqual(self.signer_serial(response), self.original)
            self.assertIn("Response verify OK", self.verified_at(later, der))
        finally:
            server.stop()
        self.assertIn("Audit chain intact", self.home.tugra("audit", "verify").stdout.decode())

    def test_an_expired_responder_answers_try_later_until_renewed(self):
        # No ca role: nobody can certify a new key, and the old certificate is over.
        later = 800
        server = harness.Server(self.home, "--roles", "status", wrapper=faketime(later))
        try:
            der, response = self.ask(server)
            self.assertEqual(response.response_status, ocsp.OCSPResponseStatus.TRY_LATER)
            self.assertEqual(der, bytes.fromhex("30030a0103"))  # unsigned
            with open(self.request, "rb") as f:
                path = urllib.parse.quote(base64.b64encode(f.read()).decode(), safe="")
            status, _, body = http(server.base + "/ocsp/" + path)  # the pre-signed GET path too
            self.assertEqual((status, body), (200, bytes.fromhex("30030a0103")))
            # The status role queues a new key for the ca role (its background
            # thread does, within a round or two).
            for _ in range(50):
                pending = self.home.sql("SELECT COUNT(*) FROM signing_requests WHERE state = 'pending'").strip()
                if pending != "0":
                    break
                time.sleep(0.2)
            self.assertEqual(pending, "1")
        finally:
            server.stop()

    def test_renew_by_hand_reaches_a_running_server(self):
        server = harness.Server(self.home)
        try:
            _, before = self.ask(server)
            self.assertEqual(self.signer_serial(before), self.original)
            out = self.home.tugra("ocsp", "renew").stdout.decode()
            self.assertIn("is certified", out)
            der, after = self.wait_for_new_signer(server, self.original)
            self.assertEqual(self.signer_serial(after), self.responder_serial_in_db())
            r = run(["openssl", "ocsp", "-respin", self.home.write("r.der", der), "-issuer", self.nes, "-cert",
                     self.cert, "-CAfile", self.chain])
            self.assertIn("Response verify OK", (r.stdout + r.stderr).decode())
        finally:
            server.stop()
        # The new key is in the status token, beside the old one; the CA token has neither.
        env = dict(self.home.env, SOFTHSM2_CONF=self.home.path("softhsm2.conf"))
        with open(self.home.path("secrets", "status-token.pin")) as f:
            pin = f.read().strip()
        listing = run(["pkcs11-tool", "--module", harness.SOFTHSM, "--token-label", "tugra-status", "--login",
                       "--pin", pin, "--list-objects", "--type", "privkey"], env=env).stdout.decode()
        self.assertEqual(len(re.findall(r"label:\s+tugra-nes-ocsp", listing)), 2, listing)


if __name__ == "__main__":
    harness.main()
