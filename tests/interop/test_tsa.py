"""The RFC 3161 time-stamping authority of the status role (POST /tsa):
every reply checked by `openssl ts -verify` (granted ones against the Tugra
chain and the data itself), the nonce echoed, certReq honoured, SHA-256/384/512
accepted; SHA-1, a foreign policy, extensions, malformed and oversized queries
refused with the right PKIStatus and failInfo; a clock the kernel reports as
unsynchronised refused (timeNotAvailable); the TSA certificate's profile and
its key alone in the TSA token; /metrics counts."""
import ctypes
import os
import re
import subprocess
import unittest

import harness
from harness import http, run


def kernel_clock_synchronised():
    """adjtimex(2) as the TSA asks it: TIME_ERROR (5) means unsynchronised."""
    buffer = ctypes.create_string_buffer(512)
    return ctypes.CDLL(None, use_errno=True).adjtimex(buffer) != 5


class Tsa(harness.Waiting, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home()
        cls.home.tugra("init")
        cls.server = harness.Server(cls.home, "--roles", "status", TUGRA_TSA_REQUIRE_SYNCHRONISED_CLOCK="false")
        cls.chain = cls.home.write("chain.pem", cls.home.tugra("ca", "chain").stdout.decode())
        cls.data = cls.home.write("document.txt", "Tugra zaman damgası sınaması\n")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.remove()

    def query(self, *args, data=None):
        out = self.home.path("q.tsq")
        run(["openssl", "ts", "-query", "-data", data or self.data, *args, "-out", out])
        with open(out, "rb") as f:
            return f.read()

    def post(self, body, server=None, content_type="application/timestamp-query"):
        return http((server or self.server).base + "/tsa", data=body, headers={"Content-Type": content_type})

    def reply_text(self, reply):
        path = self.home.write("r.tsr", reply)
        return run(["openssl", "ts", "-reply", "-in", path, "-text"]).stdout.decode(), path

    def test_granted_replies_verify_with_openssl(self):
        for digest in ("-sha256", "-sha384", "-sha512"):
            status, headers, reply = self.post(self.query(digest, "-cert"))
            self.assertEqual(status, 200)
            self.assertEqual(headers["Content-Type"], "application/timestamp-reply")
            text, path = self.reply_text(reply)
            self.assertIn("Status: Granted.", text)
            self.assertIn("Policy OID: 2.999.5070.2.1", text)
            self.assertIn("Accuracy: 0x01 seconds", text)
            r = run(["openssl", "ts", "-verify", "-data", self.data, "-in", path, "-CAfile", self.chain])
            self.assertIn(b"Verification: OK", r.stdout)
        # Another document does not verify against that token.
        other = self.home.write("other.txt", "başka belge\n")
        r = run(["openssl", "ts", "-verify", "-data", other, "-in", path, "-CAfile", self.chain], check=False)
        self.assertNotEqual(r.returncode, 0)

    def test_nonce_serials_and_cert_req(self):
        q = self.query("-sha256")  # a nonce, no certReq
        nonce = re.search(r"Nonce: (\S+)", run(["openssl", "ts", "-query", "-in", self.home.write("n.tsq", q),
                                                 "-text"]).stdout.decode()).group(1)
        text, path = self.reply_text(self.post(q)[2])
        self.assertIn(f"Nonce: {nonce}", text)
        # No certReq: no certificate in the token, so openssl needs the TSA's from elsewhere.
        r = run(["openssl", "ts", "-verify", "-data", self.data, "-in", path, "-CAfile", self.chain], check=False)
        self.assertNotEqual(r.returncode, 0)
        with_cert = self.reply_text(self.post(self.query("-sha256", "-cert"))[2])[1]
        token = run(["openssl", "ts", "-reply", "-in", with_cert, "-token_out", "-out", self.home.path("t.der")])
        certs = run(["openssl", "pkcs7", "-inform", "DER", "-in", self.home.path("t.der"), "-print_certs"]).stdout
        tsa_pem = self.home.write("tsa.pem", certs)
        r = run(["openssl", "ts", "-verify", "-data", self.data, "-in", path, "-CAfile", self.chain,
                 "-untrusted", tsa_pem])
        self.assertIn(b"Verification: OK", r.stdout)
        # Serial numbers never repeat.
        serials = {re.search(r"Serial number: (\S+)", self.reply_text(self.post(q)[2])[0]).group(1) for _ in range(20)}
        self.assertEqual(len(serials), 20)

        # The TSA certificate: timeStamping the one critical extended key usage (RFC 3161 §2.3).
        text = run(["openssl", "x509", "-in", tsa_pem, "-noout", "-text", "-ext", "extendedKeyUsage"]).stdout.decode()
        self.assertRegex(text, r"X509v3 Extended Key Usage: critical\s+Time Stamping\s*$")
        run(["openssl", "verify", "-CAfile", self.chain, "-purpose", "timestampsign", tsa_pem])

    def test_refusals(self):
        def refused(body, failure):
            status, _, reply = self.post(body)
            self.assertEqual(status, 200)
            text = self.reply_text(reply)[0]
            self.assertIn("Status: Rejected.", text)
            self.assertIn(f"Failure info: {failure}", text)

        refused(self.query("-sha1"), "unrecognized or unsupported algorithm identifier")
        refused(self.query("-sha256", "-tspolicy", "1.2.3.4"), "the requested TSA policy is not supported by the TSA")
        refused(b"\x30\x03\x02\x01\x01", "the data submitted has the wrong format")
        refused(b"not DER at all", "the data submitted has the wrong format")
        good = self.query("-sha256")
        refused(good + b"\x00", "the data submitted has the wrong format")  # trailing bytes
        # Wrong content type and an oversized body: HTTP refusals.
        self.assertEqual(self.post(good, content_type="application/octet-stream")[0], 415)
        self.assertEqual(self.post(b"\x30" * 100000)[0], 413)
        metrics = http(self.server.base + "/metrics")[2].decode()
        self.assertRegex(metrics, r"tugra_tsa_rejections_total [1-9]")
        self.assertRegex(metrics, r"tugra_tsa_timestamps_total \d+")
        self.assertRegex(metrics, r'tugra_certificate_not_after_timestamp_seconds\{id="nes-tsa"\} \d+')

    def test_unsynchronised_clock_is_refused(self):
        server = harness.Server(self.home, "--roles", "status")  # the check on, as by default
        self.addCleanup(server.stop)
        text = self.reply_text(self.post(self.query("-sha256", "-cert"), server=server)[2])[0]
        metrics = http(server.base + "/metrics")[2].decode()
        if kernel_clock_synchronised():
            self.assertIn("Status: Granted.", text)
            self.assertIn("tugra_tsa_clock_synchronised 1", metrics)
        else:
            self.assertIn("Status: Rejected.", text)
            self.assertIn("the TSA's time source is not available", text)
            self.assertIn("tugra_tsa_clock_synchronised 0", metrics)

    def tsa_certificate_serial(self, server):
        path = self.reply_text(self.post(self.query("-sha256", "-cert"), server=server)[2])[1]
        run(["openssl", "ts", "-reply", "-in", path, "-token_out", "-out", self.home.path("t2.der")])
        pem = run(["openssl", "pkcs7", "-inform", "DER", "-in", self.home.path("t2.der"), "-print_certs"]).stdout
        serial = run(["openssl", "x509", "-noout", "-serial"], input=pem).stdout.decode().strip()
        r = run(["openssl", "ts", "-verify", "-data", self.data, "-in", path, "-CAfile", self.chain])
        self.assertIn(b"Verification: OK", r.stdout)
        return serial

    def test_renewal_is_taken_into_use_while_serving(self):
        server = harness.Server(self.home, "--roles", "status", TUGRA_TSA_REQUIRE_SYNCHRONISED_CLOCK="false",
                                TUGRA_SERVICE_POLL_MILLISECONDS="200")
        self.addCleanup(server.stop)
        before = self.tsa_certificate_serial(server)
        out = self.home.tugra("tsa", "renew").stdout.decode()
        self.assertIn("new key (tugra-nes-tsa-", out)
        self.wait_for("the renewed certificate was never used", lambda: self.tsa_certificate_serial(server) != before)
        self.assertIn("time-stamping certificate renewed", server.output())
        events = self.home.tugra("audit", "list", "--event", "ca.tsa_certified").stdout.decode()
        self.assertIn("nes-tsa", events)

    def test_tsa_key_is_alone_in_its_token(self):
        env = dict(self.home.env, SOFTHSM2_CONF=self.home.path("softhsm2.conf"))
        with open(self.home.path("secrets", "tsa-token.pin")) as f:
            pin = f.read().strip()
        r = run(["pkcs11-tool", "--module", harness.SOFTHSM, "--token-label", "tugra-tsa", "--login", "--pin", pin,
                 "--list-objects", "--type", "privkey"], env=env)
        labels = re.findall(r"label:\s+(\S+)", r.stdout.decode())
        self.assertTrue(labels and all(label.startswith("tugra-nes-tsa") for label in labels), labels)


if __name__ == "__main__":
    harness.main()
