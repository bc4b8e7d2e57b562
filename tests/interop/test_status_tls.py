"""`tugra serve` terminating TLS itself (service.tls_certificate/tls_key)."""
import os
import ssl
import subprocess
import time
import unittest
import urllib.request

import harness
from harness import free_port, run


class StatusTls(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home()
        cls.home.tugra("init")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-keyout", cls.home.path("tls.key"), "-out", cls.home.path("tls.crt"), "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        cls.port = free_port()
        env = dict(cls.home.env, TUGRA_SERVICE_TLS_CERTIFICATE="tls.crt", TUGRA_SERVICE_TLS_KEY="tls.key")
        cls.server = subprocess.Popen([harness.TUGRA, "serve", "--listen", f"127.0.0.1:{cls.port}"], env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        cls.context = ssl.create_default_context(cafile=cls.home.path("tls.crt"))
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"https://127.0.0.1:{cls.port}/healthz", context=cls.context) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)

    @classmethod
    def tearDownClass(cls):
        cls.server.terminate()
        cls.server.wait(timeout=20)
        cls.home.remove()

    def test_https_serves_the_crl_and_ocsp(self):
        with urllib.request.urlopen(f"https://127.0.0.1:{self.port}/crl/nes.crl", context=self.context) as r:
            crl = r.read()
        self.assertIn(b"CRL", run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=crl).stdout)
        chain = self.home.tugra("ca", "chain").stdout.decode()
        nes = self.home.write("nes.pem", chain[: chain.index("-----END CERTIFICATE-----") + 26])
        req = self.home.path("req.der")
        run(["openssl", "ocsp", "-issuer", nes, "-serial", "0x01", "-reqout", req])
        with open(req, "rb") as f:
            body = f.read()
        request = urllib.request.Request(f"https://127.0.0.1:{self.port}/ocsp", data=body,
                                         headers={"Content-Type": "application/ocsp-request"})
        with urllib.request.urlopen(request, context=self.context) as r:
            self.assertEqual(r.headers["Content-Type"], "application/ocsp-response")
            answer = r.read()
        status = run(["openssl", "ocsp", "-respin", "/dev/stdin", "-resp_text", "-noverify"], input=answer).stdout
        self.assertIn(b"OCSP Response Status: successful", status)

    def test_only_aead_suites_and_host_prefixed_session_cookie(self):
        def handshake(*args):
            r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.port}", *args],
                               input=b"", stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
            return r.returncode, r.stdout.decode(errors="replace")
        for cipher in ("ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES128-SHA"):
            code, out = handshake("-tls1_2", "-cipher", cipher)
            self.assertNotEqual(code, 0, (cipher, out))
        code, out = handshake("-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256")
        self.assertEqual(code, 0, out)
        self.assertIn("ECDHE-ECDSA-AES128-GCM-SHA256", out)
        code, out = handshake("-tls1_3")
        self.assertEqual(code, 0, out)
        self.assertIn("TLSv1.3", out)
        with urllib.request.urlopen(f"https://127.0.0.1:{self.port}/basvuru", context=self.context) as r:
            cookies = r.headers.get_all("Set-Cookie")
        session = [c for c in cookies if "tugra_session=" in c]
        self.assertEqual(len(session), 1, cookies)
        self.assertTrue(session[0].startswith("__Host-tugra_session="), session)
        for part in ("Secure", "Path=/", "HttpOnly", "SameSite=Strict"):
            self.assertIn(part, session[0])
        self.assertNotIn("Domain", session[0])

    def test_plain_http_is_not_answered(self):
        with self.assertRaises(Exception):
            urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5).read()

    def test_incomplete_tls_configuration_is_refused(self):
        r = self.home.tugra("serve", "--listen", f"127.0.0.1:{free_port()}", check=False,
                            TUGRA_SERVICE_TLS_CERTIFICATE="tls.crt")
        self.assertEqual(r.returncode, 1)
        self.assertIn("TLS needs both", r.stderr.decode())


if __name__ == "__main__":
    harness.main()
