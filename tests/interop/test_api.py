"""/api/v1 for relying parties on both databases: a certificate's status as
OCSP gives it (checked against `openssl ocsp` for the same serial), the CA
list whose addresses answer, published certificates only, and RFC 9457
problems that change nothing. The answers' shapes are checked against the
OpenAPI document by the browser-test suite (api.test.mjs, with ajv)."""
import json
import re
import unittest

import harness
from harness import http, run
from portal_client import AYSE, PortalSteps


class Api(PortalSteps, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_demo(TUGRA_SERVICE_POLL_MILLISECONDS="200")

    def get(self, path, **headers):
        status, h, body = http(self.base + "/api/v1" + path, headers=headers)
        return status, h, json.loads(body) if "json" in h.get("Content-Type", "") else body

    def ocsp(self, serial):
        chain = self.home.tugra("ca", "chain").stdout.decode()
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", chain, re.S)
        issuer = self.home.write("nes.pem", pems[0])
        out = run(["openssl", "ocsp", "-issuer", issuer, "-serial", "0x" + serial, "-url", self.base + "/ocsp",
                   "-CAfile", self.home.write("chain.pem", chain), "-no_nonce"], check=False)
        return (out.stdout + out.stderr).decode()

    def test_status_directory_and_problems(self):
        serial = self.make_card(AYSE, mobile="0535 000 11 22")
        status, headers, body = self.get(f"/certificates/{serial}")
        self.assertEqual((status, headers["Content-Type"]), (200, "application/json"))
        self.assertEqual((body["status"], body["reason"]), ("revoked", "certificateHold"))
        self.assertIn(f"0x{serial}: revoked", self.ocsp(serial))  # the same answer as OCSP
        self.home.tugra("ca", "unsuspend", serial)
        self.assertEqual(self.get(f"/certificates/{serial}")[2]["status"], "good")
        self.home.tugra("ca", "revoke", serial, "--reason", "keyCompromise")
        body = self.get(f"/certificates/{serial}")[2]
        self.assertEqual((body["status"], body["reason"]), ("revoked", "keyCompromise"))
        for _ in range(50):
            if f"0x{serial}: revoked" in self.ocsp(serial):
                break
        self.assertIn("Reason: keyCompromise", self.ocsp(serial))

        _, _, body = self.get("/authorities")
        for a in body["authorities"]:
            for url in (a["certificate_url"], a["crl_url"]):
                path = "/" + url.split("/", 3)[3]
                self.assertEqual(http(self.base + path)[0], 200, url)

        found = self.get("/directory?name=Ay%C5%9Fe+Y%C4%B1lmaz&institution=TEST+KURUM")[2]["certificates"]
        self.assertEqual([(c["serial"], c["status"]) for c in found], [(serial, "revoked")])
        status, headers, der = self.get(f"/certificates/{serial}.crt")
        self.assertEqual((status, headers["Content-Type"]), (200, "application/pkix-cert"))

        # Problems: the request changes nothing, the words follow Accept-Language.
        before = self.home.snapshot()
        for path, code, kind in (("/certificates/NOT-HEX", 400, "bad_serial"),
                                 ("/certificates/" + "A" * 41, 400, "bad_serial"),
                                 ("/certificates/ABCDEF.pem", 404, "not_published"),
                                 ("/directory?name=x", 400, "missing_query")):
            status, headers, body = self.get(path, **{"Accept-Language": "en"})
            self.assertEqual((status, headers["Content-Type"]), (code, "application/problem+json"), path)
            self.assertEqual(body["type"], "https://tugra.example/problems/" + kind)
            self.assertEqual(body["status"], code)
            self.assertNotRegex(body["title"], "[ğüşıöç]")  # English
        self.assertEqual(self.home.snapshot(), before)
        # Only GET: a POST to the API is refused.
        self.assertEqual(http(self.base + "/api/v1/authorities", data=b"{}",
                              headers={"Content-Type": "application/json"})[0], 405)


if __name__ == "__main__":
    harness.main()
