"""The status services seen by relying parties: `tugra serve` answering
`openssl ocsp`, `openssl verify -crl_check`, curl-like HTTP and Python's
cryptography, while another tugra process changes certificate status."""
import base64
import hashlib
import os
import re
import signal
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

import harness
from harness import http, run


class StatusServices(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home(TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="1")
        cls.home.tugra("init")
        chain = cls.home.tugra("ca", "chain").stdout.decode()
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", chain, re.S)
        cls.nes_pem = cls.home.write("nes.pem", pems[0])
        cls.root_pem = cls.home.write("root.pem", pems[1])
        cls.chain_pem = cls.home.write("chain.pem", chain)
        cls.nes = x509.load_pem_x509_certificate(pems[0].encode())
        _, cls.pub = harness.ec_public_key(cls.home)
        cls.serve = harness.Server(cls.home)
        cls.server, cls.port, cls.base = cls.serve.process, cls.serve.port, cls.serve.base

    @classmethod
    def tearDownClass(cls):
        cls.serve.stop()
        cls.home.remove()

    def issue(self, tckn="12345678950"):
        out = self.home.path(f"c-{os.urandom(4).hex()}.pem")
        serial = self.home.tugra("ca", "issue", "--tckn", tckn, "--given-name", "Ece", "--surname", "Öz",
                                 "--public-key", self.pub, "--out", out,
                                 "--request-id", os.urandom(8).hex()).stdout.decode().strip()
        return serial, out

    def openssl_ocsp(self, cert, *extra):
        r = run(["openssl", "ocsp", "-issuer", self.nes_pem, "-cert", cert, "-url", self.base + "/ocsp",
                 "-CAfile", self.chain_pem, *extra], check=False)
        out = (r.stdout + r.stderr).decode()
        self.assertIn("Response verify OK", out)
        return out

    def wait_for(self, cert, expected, *extra):
        for _ in range(50):
            out = self.openssl_ocsp(cert, *extra)
            if f"{cert}: {expected}" in out:
                return out
            time.sleep(0.2)
        self.fail(f"OCSP never said {expected}: {out}")

    def test_status_changes_by_another_process_reach_ocsp(self):
        serial, cert = self.issue()
        self.wait_for(cert, "good")
        self.home.tugra("ca", "suspend", serial)
        out = self.wait_for(cert, "revoked")
        self.assertIn("Reason: certificateHold", out)
        self.home.tugra("ca", "unsuspend", serial)
        self.wait_for(cert, "good", "-no_nonce")
        self.home.tugra("ca", "revoke", serial, "--reason", "keyCompromise")
        out = self.wait_for(cert, "revoked", "-no_nonce")
        self.assertIn("Reason: keyCompromise", out)

    def crl(self):
        status, headers, body = http(self.base + "/crl/nes.crl")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/pkix-crl")
        return headers, body

    def test_crl_follows_revocation_and_openssl_verify_uses_it(self):
        good, good_cert = self.issue("11111111110")
        bad, bad_cert = self.issue("10000008098")
        self.home.tugra("ca", "revoke", bad, "--reason", "affiliationChanged")
        for _ in range(50):
            headers, der = self.crl()
            crl = x509.load_der_x509_crl(der)
            if crl.get_revoked_certificate_by_serial_number(int(bad, 16)):
                break
            time.sleep(0.2)
        entry = crl.get_revoked_certificate_by_serial_number(int(bad, 16))
        self.assertIsNotNone(entry)
        self.assertEqual(entry.extensions.get_extension_for_class(x509.CRLReason).value.reason,
                         x509.ReasonFlags.affiliation_changed)
        self.assertIsNone(crl.get_revoked_certificate_by_serial_number(int(good, 16)))
        self.assertTrue(crl.is_signature_valid(self.nes.public_key()))
        self.assertGreater(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number, 1)
        self.assertEqual(crl.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier,
                         self.nes.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest)
        self.assertIn(x509.ObjectIdentifier("2.5.29.60"), [e.oid for e in crl.extensions])  # ExpiredCertsOnCRL
        self.assertLessEqual(crl.next_update - crl.last_update, __import__("datetime").timedelta(hours=24))
        pem_crl = self.home.write("nes.crl.pem", run(["openssl", "crl", "-inform", "DER"], input=der).stdout)
        for cert, ok in ((good_cert, True), (bad_cert, False)):
            v = run(["openssl", "verify", "-crl_check", "-CRLfile", pem_crl, "-CAfile", self.root_pem,
                     "-untrusted", self.nes_pem, cert], check=False)
            self.assertEqual(v.returncode == 0, ok, v.stdout + v.stderr)
        # Caching: validators and a 304.
        self.assertIn("ETag", headers)
        self.assertIn("Last-Modified", headers)
        self.assertRegex(headers["Cache-Control"], r"max-age=\d+")
        status, _, body = http(self.base + "/crl/nes.crl", headers={"If-None-Match": headers["ETag"]})
        self.assertEqual((status, body), (304, b""))

    def test_root_crl_and_ca_certificates(self):
        status, headers, der = http(self.base + "/crl/root.crl")
        self.assertEqual(status, 200)
        root = x509.load_pem_x509_certificate(open(self.root_pem, "rb").read())
        crl = x509.load_der_x509_crl(der)
        self.assertTrue(crl.is_signature_valid(root.public_key()))
        self.assertGreater(crl.next_update - crl.last_update, __import__("datetime").timedelta(days=300))
        for name, pem in (("nes", self.nes_pem), ("root", self.root_pem)):
            status, headers, der = http(f"{self.base}/ca/{name}.crt")
            self.assertEqual((status, headers["Content-Type"]), (200, "application/pkix-cert"))
            self.assertEqual(x509.load_der_x509_certificate(der),
                             x509.load_pem_x509_certificate(open(pem, "rb").read()))
        # The URLs inside an issued certificate resolve on this server.
        _, cert_path = self.issue("50000000050")
        cert = x509.load_pem_x509_certificate(open(cert_path, "rb").read())
        for d in cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value:
            path = urllib.parse.urlparse(d.access_location.value).path
            if path.endswith(".crt"):
                self.assertEqual(http(self.base + path)[0], 200)
        dp = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value[0].full_name[0].value
        self.assertEqual(http(self.base + urllib.parse.urlparse(dp).path)[0], 200)

    def request_der(self, cert_path, nonce=True):
        cert = x509.load_pem_x509_certificate(open(cert_path, "rb").read())
        builder = ocsp.OCSPRequestBuilder().add_certificate(cert, self.nes, hashes.SHA1())
        if nonce:
            builder = builder.add_extension(x509.OCSPNonce(os.urandom(16)), critical=False)
        return builder.build().public_bytes(serialization.Encoding.DER)

    def test_get_with_slash_and_plus_in_base64(self):
        serial, cert = self.issue("98765432150")
        self.wait_for(cert, "good")
        for _ in range(200):
            der = self.request_der(cert)
            b64 = base64.b64encode(der).decode()
            if "/" in b64 and "+" in b64:
                break
        self.assertTrue("/" in b64 and "+" in b64)
        nonce = ocsp.load_der_ocsp_request(der).extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        for path in (b64, urllib.parse.quote(b64, safe="")):
            status, headers, body = http(f"{self.base}/ocsp/{path}")
            self.assertEqual((status, headers["Content-Type"]), (200, "application/ocsp-response"))
            resp = ocsp.load_der_ocsp_response(body)
            self.assertEqual(resp.response_status, ocsp.OCSPResponseStatus.SUCCESSFUL)
            self.assertEqual(resp.certificate_status, ocsp.OCSPCertStatus.GOOD)
            self.assertEqual(resp.serial_number, int(serial, 16))
            self.assertEqual(resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce, nonce)
            responder = resp.certificates[0]
            self.assertIn(x509.ExtendedKeyUsageOID.OCSP_SIGNING,
                          responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
            responder.public_key().verify(resp.signature, resp.tbs_response_bytes,
                                          __import__("cryptography.hazmat.primitives.asymmetric.ec",
                                                     fromlist=["ECDSA"]).ECDSA(resp.signature_hash_algorithm))
            self.assertEqual(resp.responder_key_hash,
                             x509.SubjectKeyIdentifier.from_public_key(responder.public_key()).digest)
            self.assertEqual(resp.single_extensions[0].oid.dotted_string, "1.3.6.1.5.5.7.48.1.6")

    def test_presigned_answer_is_cached_and_served_from_memory(self):
        serial, cert = self.issue("10000000146")
        self.wait_for(cert, "good")
        der = self.request_der(cert, nonce=False)
        first = http(self.base + "/ocsp", der, {"Content-Type": "application/ocsp-request"})
        second = http(self.base + "/ocsp", der, {"Content-Type": "application/ocsp-request"})
        self.assertEqual(first[2], second[2])  # the same signed bytes
        self.assertRegex(first[1]["Cache-Control"], r"public, max-age=\d+")
        metrics = http(self.base + "/metrics")[2].decode()
        hits = int(re.search(r"^tugra_ocsp_cache_hits_total (\d+)$", metrics, re.M).group(1))
        self.assertGreater(hits, 0)
        self.assertIn('tugra_http_requests_total{route="ocsp",status="200"}', metrics)
        self.assertIn("tugra_http_request_duration_seconds_bucket", metrics)
        self.assertRegex(metrics, r'tugra_crl_age_seconds\{ca="nes"\} \d+')

    def test_never_issued_serial_is_not_good(self):
        out = run(["openssl", "ocsp", "-issuer", self.nes_pem, "-serial", "0x7E57000000000001",
                   "-url", self.base + "/ocsp", "-CAfile", self.chain_pem, "-resp_text"]).stdout.decode()
        self.assertIn("Cert Status: revoked", out)
        self.assertIn("Revocation Reason: certificateHold", out)
        # The extended-revoke extension (OpenSSL prints its OID 1.3.6.1.5.5.7.48.1.9 as "valid").
        req = self.home.path("unknown.req")
        run(["openssl", "ocsp", "-issuer", self.nes_pem, "-serial", "0x7E57000000000001", "-no_nonce",
             "-reqout", req])
        with open(req, "rb") as f:
            body = http(self.base + "/ocsp", f.read())[2]
        self.assertIn(bytes.fromhex("06092b0601050507300109" + "0402" + "0500"), body)

    def test_other_issuer_is_unauthorized(self):
        # The responder speaks only for the NES CA: a question about another
        # issuer's certificate gets the unsigned "unauthorized" (RFC 6960 §2.3),
        # not an "unknown" signed by a responder that issuer never authorised.
        r = run(["openssl", "ocsp", "-issuer", self.root_pem, "-cert", self.nes_pem, "-url", self.base + "/ocsp",
                 "-CAfile", self.chain_pem, "-resp_text"], check=False)
        out = (r.stdout + r.stderr).decode()
        self.assertIn("unauthorized (6)", out)
        self.assertNotIn("Cert Status", out)
        # Also with one CertID of ours and one of another issuer in the same request.
        req = self.home.path("mixed.req")
        run(["openssl", "ocsp", "-issuer", self.nes_pem, "-serial", "0x01", "-issuer", self.root_pem, "-serial",
             "0x02", "-no_nonce", "-reqout", req])
        with open(req, "rb") as f:
            status, _, body = http(self.base + "/ocsp", f.read(), {"Content-Type": "application/ocsp-request"})
        self.assertEqual((status, body), (200, bytes.fromhex("30030a0106")))

    def test_bad_requests(self):
        malformed = bytes.fromhex("30030a0101")
        for body in (b"", b"garbage", b"\x30\x82\xff\xff", self.request_der(self.issue()[1])[:-3]):
            status, _, resp = http(self.base + "/ocsp", body, {"Content-Type": "application/ocsp-request"})
            self.assertEqual((status, resp), (200, malformed), body)
        for path in ("/ocsp/!!!!", "/ocsp/%%%", "/ocsp/%zz", "/ocsp/" + "A" * 5):
            status, _, resp = http(self.base + path)
            self.assertEqual((status, resp), (200, malformed), path)
        status, _, _ = http(self.base + "/ocsp", b"\x30" * 70000, {"Content-Type": "application/ocsp-request"})
        self.assertEqual(status, 413)
        # A nonce longer than 32 octets (RFC 8954) is refused.
        cert = x509.load_pem_x509_certificate(open(self.issue()[1], "rb").read())
        long_nonce = ocsp.OCSPRequestBuilder().add_certificate(cert, self.nes, hashes.SHA1()).add_extension(
            x509.OCSPNonce(os.urandom(40)), critical=False).build().public_bytes(serialization.Encoding.DER)
        self.assertEqual(http(self.base + "/ocsp", long_nonce)[2], malformed)
        self.assertEqual(http(self.base + "/nothing-here")[0], 404)
        self.assertEqual(self.server.poll(), None)  # still running
        self.assertEqual(http(self.base + "/healthz")[0], 200)

    def test_oversized_requests_are_answered_413_414_431(self):
        status, headers, _ = http(self.base + "/ocsp/" + "A" * 9000)
        self.assertEqual(status, 414)
        many = {f"X-Filler-{i}": "x" for i in range(60)}
        self.assertEqual(http(self.base + "/healthz", headers=many)[0], 431)
        self.assertEqual(http(self.base + "/healthz", headers={f"X-Big-{i}": "y" * 7000 for i in range(3)})[0], 431)
        self.assertEqual(http(self.base + "/basvuru", b"a=" + b"b" * 70000,
                              {"Content-Type": "application/x-www-form-urlencoded"})[0], 413)
        self.assertEqual(http(self.base + "/healthz")[0], 200)  # and the server is fine

    def test_metrics_only_for_configured_addresses(self):
        self.assertEqual(http(self.base + "/metrics")[0], 200)  # 127.0.0.1 is in service.metrics_from
        other = harness.Server(self.home, "--roles", "status", TUGRA_SERVICE_METRICS_FROM="10.0.0.1 ::1")
        try:
            status, _, body = http(other.base + "/metrics")
            self.assertEqual(status, 403)
            self.assertNotIn(b"tugra_", body)
        finally:
            other.stop()

    def test_zz_graceful_stop_on_sigterm(self):
        self.server.send_signal(signal.SIGTERM)
        self.assertEqual(self.server.wait(timeout=20), 0)
        self.serve.log.flush()
        with open(self.serve.log.name, "rb") as f:
            log = f.read().decode()
        self.assertIn("tugra serve: stopping", log)
        self.assertRegex(log, r"POST /ocsp 200 \d+")  # the access log


if __name__ == "__main__":
    harness.main()
