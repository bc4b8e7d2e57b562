"""The profile options: an RSA-4096-PSS hierarchy and the ETSI PNOTR-
serialNumber with its semantics identifier."""
import unittest

import harness
from harness import run


class ProfileOptions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home(TUGRA_CA_KEY_ALGORITHM="rsa-4096-pss",
                                TUGRA_SERVICE_PUBLIC_BASE_URL="http://sil.example.test")
        cls.home.tugra("init")
        chain = cls.home.tugra("ca", "chain").stdout.decode()
        end = "-----END CERTIFICATE-----\n"
        nes, root = chain.split(end)[0] + end, chain.split(end)[1] + end
        cls.nes = cls.home.write("nes.pem", nes)
        cls.root = cls.home.write("root.pem", root)
        cls.key, cls.pub = harness.ec_public_key(cls.home, curve="P-384")

    @classmethod
    def tearDownClass(cls):
        cls.home.remove()

    def issue(self, tckn="10000000146", **env):
        out = self.home.path(f"{tckn}.pem")
        self.home.tugra("ca", "issue", "--tckn", tckn, "--given-name", "Ömer", "--surname", "Şahin",
                        "--public-key", self.pub, "--out", out, **env)
        return out

    def test_rsa_pss_hierarchy_verifies(self):
        cert = self.issue()
        v = run(["openssl", "verify", "-CAfile", self.root, "-untrusted", self.nes, cert], check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        text = run(["openssl", "x509", "-in", self.nes, "-noout", "-text"]).stdout.decode()
        self.assertIn("Signature Algorithm: rsassaPss", text)
        self.assertIn("Public-Key: (4096 bit)", text)
        self.assertIn("Salt Length: 0x20", text)
        leaf = run(["openssl", "x509", "-in", cert, "-noout", "-text"]).stdout.decode()
        self.assertIn("URI:http://sil.example.test/crl/nes.crl", leaf)

    def test_etsi_serial_number_option(self):
        cert = self.issue(TUGRA_PROFILE_ETSI_SERIAL_NUMBER="true")
        text = run(["openssl", "x509", "-in", cert, "-noout", "-subject", "-nameopt", "utf8"]).stdout.decode()
        self.assertIn("serialNumber=PNOTR-10000000146", text)
        der = run(["openssl", "x509", "-in", cert, "-outform", "DER"]).stdout
        # pkixQCSyntax-v2 with the ETSI natural-person semantics identifier,
        # as DER OIDs inside qcStatements.
        self.assertIn(bytes.fromhex("06082b06010505070b02"), der)
        self.assertIn(bytes.fromhex("060704008bec490101"), der)
        plain = run(["openssl", "x509", "-in", self.issue("12345678950"), "-outform", "DER"]).stdout
        self.assertNotIn(bytes.fromhex("06082b06010505070b02"), plain)

if __name__ == "__main__":
    harness.main()
