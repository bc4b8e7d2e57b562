"""The CA seen from outside: the tugra binary's certificates checked by
openssl, Python's cryptography and pkcs11-tool, on SQLite or PostgreSQL."""
import datetime
import json
import os
import re
import unittest

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtensionOID, NameOID

import harness
from harness import run

NOTICE = "Bu sertifika, 5070 sayılı Elektronik İmza Kanununa göre nitelikli elektronik sertifikadır."


class CaCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home()
        out = cls.home.tugra("init").stdout.decode()
        assert "Tugra Kök Sertifika Hizmet Sağlayıcısı - Sürüm 1" in out, out
        chain = cls.home.tugra("ca", "chain").stdout.decode()
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", chain, re.S)
        assert len(pems) == 2
        cls.nes_pem = cls.home.write("nes.pem", pems[0])
        cls.root_pem = cls.home.write("root.pem", pems[1])
        cls.key, cls.pub = harness.ec_public_key(cls.home)

    @classmethod
    def tearDownClass(cls):
        cls.home.remove()

    def issue(self, *args, tckn="12345678950", given="İsmail Çağrı", surname="Güneşoğlu", pub=None, check=True):
        out = self.home.path(f"cert-{os.urandom(4).hex()}.pem")
        key_args = list(args) if any(a in ("--csr", "--public-key") for a in args) else ["--public-key", pub or self.pub, *args]
        r = self.home.tugra("ca", "issue", "--tckn", tckn, "--given-name", given, "--surname", surname,
                            *key_args, "--out", out, check=check)
        return r, out

    def verify(self, cert_path, *extra):
        return run(["openssl", "verify", *extra, "-CAfile", self.root_pem, "-untrusted", self.nes_pem, cert_path],
                   check=False)

    def test_openssl_verifies_the_chain_and_ca_profiles(self):
        r, cert = self.issue("--limit", "50000")
        serial = r.stdout.decode().strip()
        self.assertRegex(serial, r"^[0-9A-F]{32}$")
        v = self.verify(cert)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)
        nes = run(["openssl", "x509", "-in", self.nes_pem, "-noout", "-text"]).stdout.decode()
        self.assertRegex(nes, r"Basic Constraints: critical\s+CA:TRUE, pathlen:0")
        self.assertRegex(nes, r"Key Usage: critical\s+Certificate Sign, CRL Sign")
        self.assertIn("URI:http://127.0.0.1:8080/crl/root.crl", nes)
        self.assertNotIn("OCSP - URI", nes)
        self.assertIn("ecdsa-with-SHA384", nes)

    def test_openssl_text_shows_the_nes_profile(self):
        _, cert = self.issue("--limit", "50000", "--locality", "Ankara")
        text = run(["openssl", "x509", "-in", cert, "-noout", "-text", "-nameopt", "utf8,sep_comma_plus_space"]).stdout.decode()
        self.assertIn("Subject: C=TR, L=Ankara, serialNumber=12345678950, GN=İsmail Çağrı, SN=Güneşoğlu, "
                      "CN=İsmail Çağrı Güneşoğlu", text)
        self.assertRegex(text, r"Key Usage: critical\s+Digital Signature, Non Repudiation")
        self.assertRegex(text, r"Basic Constraints: \s*CA:FALSE")
        self.assertIn("Explicit Text: " + NOTICE, text)
        self.assertIn("Policy: 2.999.5070.1.1", text)
        self.assertIn("Policy: 0.4.0.194112.1.2", text)
        self.assertIn("CPS: http://127.0.0.1:8080/cps", text)
        self.assertIn("URI:http://127.0.0.1:8080/crl/nes.crl", text)
        self.assertIn("OCSP - URI:http://127.0.0.1:8080/ocsp", text)
        self.assertIn("CA Issuers - URI:http://127.0.0.1:8080/ca/nes.crt", text)
        self.assertIn("qcStatements", text)

    def test_python_cryptography_reads_every_extension(self):
        _, path = self.issue("--limit", "1500", "--years", "5")
        with open(path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        subject = cert.subject
        self.assertEqual(subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value, "TR")
        sn = subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0]
        self.assertEqual(sn.value, "12345678950")
        self.assertEqual(sn._type.name, "PrintableString")
        cn = subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0]
        self.assertEqual(cn.value, "İsmail Çağrı Güneşoğlu")
        self.assertEqual(cn._type.name, "UTF8String")
        self.assertEqual(subject.get_attributes_for_oid(NameOID.GIVEN_NAME)[0].value, "İsmail Çağrı")
        self.assertEqual(subject.get_attributes_for_oid(NameOID.SURNAME)[0].value, "Güneşoğlu")

        ku = cert.extensions.get_extension_for_oid(ExtensionOID.KEY_USAGE)
        self.assertTrue(ku.critical)
        self.assertTrue(ku.value.digital_signature and ku.value.content_commitment)
        self.assertFalse(ku.value.key_cert_sign or ku.value.key_encipherment)
        self.assertFalse(cert.extensions.get_extension_for_oid(ExtensionOID.BASIC_CONSTRAINTS).value.ca)
        ski = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value
        self.assertEqual(ski, x509.SubjectKeyIdentifier.from_public_key(cert.public_key()))
        with open(self.nes_pem, "rb") as f:
            nes = x509.load_pem_x509_certificate(f.read())
        aki = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_KEY_IDENTIFIER).value
        self.assertEqual(aki.key_identifier,
                         nes.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_KEY_IDENTIFIER).value.digest)

        policies = cert.extensions.get_extension_for_oid(ExtensionOID.CERTIFICATE_POLICIES).value
        own = policies[0]
        self.assertEqual(own.policy_identifier.dotted_string, "2.999.5070.1.1")
        self.assertEqual(own.policy_qualifiers[0], "http://127.0.0.1:8080/cps")
        self.assertEqual(own.policy_qualifiers[1].explicit_text, NOTICE)
        self.assertEqual(policies[1].policy_identifier.dotted_string, "0.4.0.194112.1.2")

        crl_dp = cert.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
        self.assertEqual(crl_dp[0].full_name[0].value, "http://127.0.0.1:8080/crl/nes.crl")
        aia = {d.access_method.dotted_string: d.access_location.value
               for d in cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value}
        self.assertEqual(aia["1.3.6.1.5.5.7.48.1"], "http://127.0.0.1:8080/ocsp")
        self.assertEqual(aia["1.3.6.1.5.5.7.48.2"], "http://127.0.0.1:8080/ca/nes.crt")

        qc = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3"))
        self.assertFalse(qc.critical)
        der = qc.value.value
        parsed = run(["openssl", "asn1parse", "-inform", "DER"], input=der).stdout.decode()
        for oid in ("0.4.0.1862.1.1", "2.16.792.1.61.0.1.5070.1.1", "0.4.0.1862.1.2", "0.4.0.1862.1.4",
                    "0.4.0.1862.1.6", "0.4.0.1862.1.6.1"):
            self.assertIn(oid, parsed)
        self.assertIn(":TRY", parsed)
        self.assertIn("INTEGER           :05DC", parsed)  # 1500 x 10^0: whole lira,
        self.assertIn("INTEGER           :00", parsed)    # a non-negative exponent
        self.assertNotIn("INTEGER           :-", parsed)
        self.assertIn(NOTICE.encode(), der)

        self.assertGreaterEqual(cert.serial_number.bit_length(), 64)
        nb, na = cert.not_valid_before, cert.not_valid_after
        expected = nb.replace(year=nb.year + 5) - datetime.timedelta(days=1)
        self.assertEqual(na, expected)
        self.assertIsInstance(cert.public_key(), ec.EllipticCurvePublicKey)

    def test_csr_from_openssl_req_is_accepted(self):
        csr = self.home.path("req.csr")
        run(["openssl", "req", "-new", "-key", self.key, "-subj", "/CN=ignored", "-out", csr])
        r, cert = self.issue("--csr", csr, tckn="10000008098")
        self.assertEqual(self.verify(cert).returncode, 0)
        pub_from_cert = run(["openssl", "x509", "-in", cert, "-noout", "-pubkey"]).stdout
        with open(self.pub, "rb") as f:
            self.assertEqual(pub_from_cert, f.read())

    def assert_refused(self, result, text, before):
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(text, result.stderr.decode())
        self.assertEqual(self.home.snapshot(), before)

    def test_bad_csr_signature_is_refused_and_changes_nothing(self):
        csr = self.home.path("bad.csr")
        run(["openssl", "req", "-new", "-key", self.key, "-subj", "/CN=x", "-outform", "DER", "-out", csr])
        with open(csr, "rb") as f:
            data = bytearray(f.read())
        data[-5] ^= 0x01  # inside the signature
        with open(csr, "wb") as f:
            f.write(bytes(data))
        before = self.home.snapshot()
        r, _ = self.issue("--csr", csr, check=False)
        self.assert_refused(r, "signature does not verify", before)

    def test_invalid_tckn_weak_key_and_unknown_reason_change_nothing(self):
        before = self.home.snapshot()
        r, _ = self.issue(tckn="12345678901", check=False)
        self.assert_refused(r, "Invalid TCKN", before)

        rsa = self.home.path("rsa1024.key")
        run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", rsa])
        rsa_pub = self.home.path("rsa1024.pub")
        run(["openssl", "pkey", "-in", rsa, "-pubout", "-out", rsa_pub])
        r, _ = self.issue(pub=rsa_pub, check=False)
        self.assert_refused(r, "RSA 1024", before)

        r = self.home.tugra("ca", "issue", "--tckn", "12345678950", "--given-name", "A", "--surname", "B",
                            "--public-key", self.pub, "--years", "4", check=False)
        self.assert_refused(r, "3 or 5 years", before)

        _, cert = self.issue(tckn="11111111110")
        serial = self.home.certificates()[0]["serial"]
        before = self.home.snapshot()
        r = self.home.tugra("ca", "revoke", serial, "--reason", "becauseISaidSo", check=False)
        self.assert_refused(r, "Unknown revocation reason", before)
        self.assertEqual(self.home.certificates()[0]["status"], "valid")

    def test_status_changes_and_final_revocation(self):
        r, _ = self.issue("--suspended", tckn="98765432150")
        serial = r.stdout.decode().strip()
        show = json.loads(self.home.tugra("ca", "show", serial, "--json").stdout)
        self.assertEqual(show["status"], "suspended")
        self.assertEqual(show["reason"], "certificateHold")
        self.home.tugra("ca", "unsuspend", serial.lower())
        self.home.tugra("ca", "suspend", serial)
        self.home.tugra("ca", "revoke", serial, "--reason", "keyCompromise")
        show = json.loads(self.home.tugra("ca", "show", serial, "--json").stdout)
        self.assertEqual((show["status"], show["reason"]), ("revoked", "keyCompromise"))
        before = self.home.snapshot()
        r = self.home.tugra("ca", "unsuspend", serial, check=False)
        self.assert_refused(r, "not suspended", before)
        r = self.home.tugra("ca", "revoke", serial, "--reason", "superseded", check=False)
        self.assert_refused(r, "revocation is final", before)

    def test_renewal_is_linked(self):
        r, _ = self.issue(tckn="50000000050")
        old = r.stdout.decode().strip()
        _, new_pub = harness.ec_public_key(self.home, "renewal")
        r, _ = self.issue("--renews", old, "--suspended", tckn="50000000050", pub=new_pub)
        new = r.stdout.decode().strip()
        show = json.loads(self.home.tugra("ca", "show", new, "--json").stdout)
        self.assertEqual(show["renews"], old)
        listed = [c["serial"] for c in self.home.certificates() if c["tckn"] == "50000000050"]
        self.assertEqual(sorted(listed), sorted([old, new]))
        filtered = json.loads(self.home.tugra("ca", "list", "--tckn", "50000000050", "--json").stdout)
        self.assertEqual(len(filtered), 2)

    def test_issue_without_out_prints_pem_and_serial(self):
        r = self.home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ali", "--surname", "Nafiz",
                            "--public-key", self.pub)
        self.assertTrue(r.stdout.startswith(b"-----BEGIN CERTIFICATE-----"))
        serial = r.stderr.decode().strip().splitlines()[-1]
        pem = self.home.tugra("ca", "show", serial, "--pem").stdout
        self.assertEqual(pem, r.stdout)

    def test_ca_keys_live_in_the_token_and_cannot_be_extracted(self):
        # One token per duty, each with its own PIN, holding only that duty's keys.
        env = dict(self.home.env, SOFTHSM2_CONF=self.home.path("softhsm2.conf"))
        duties = {"ca": ["tugra-root", "tugra-nes"], "status": ["tugra-nes-ocsp"], "audit": ["tugra-audit"]}
        pins = {}
        for duty, labels in duties.items():
            with open(self.home.path("secrets", f"{duty}-token.pin")) as f:
                pins[duty] = f.read().strip()
            out = run(["pkcs11-tool", "--module", harness.SOFTHSM, "--token-label", f"tugra-{duty}", "--login",
                       "--pin", pins[duty], "--list-objects"], env=env).stdout.decode()
            present = sorted(set(re.findall(r"label:\s+(\S+)", out)))
            self.assertEqual(present, sorted(labels), out)
            blocks = re.split(r"\n(?=\S)", out)
            private_blocks = [b for b in blocks if b.startswith("Private Key Object")]
            self.assertEqual(len(private_blocks), len(labels), out)
            for block in private_blocks:
                self.assertIn("Access:     sensitive, always sensitive, never extractable, local", block)
                self.assertIn("Usage:      sign\n", block + "\n")
        self.assertEqual(len(set(pins.values())), 3, "each token has a PIN of its own")
        # Another duty's PIN does not open the CA token.
        r = run(["pkcs11-tool", "--module", harness.SOFTHSM, "--token-label", "tugra-ca", "--login", "--pin",
                 pins["status"], "--list-objects"], env=env, check=False)
        self.assertNotEqual(r.returncode, 0)
        for dirpath, _, files in os.walk(self.home.dir):
            for name in files:
                if name.endswith(".key"):
                    continue  # this test's own holder keys
                with open(os.path.join(dirpath, name), "rb") as f:
                    self.assertNotIn(b"PRIVATE KEY-----", f.read(), name)

    def test_init_refuses_to_overwrite(self):
        before = self.home.snapshot()
        r = self.home.tugra("init", check=False)
        self.assert_refused(r, "already holds a certificate authority", before)

    def test_help_on_every_command(self):
        for cmd in (["--help"], ["init", "--help"], ["ca", "--help"], ["ca", "issue", "--help"],
                    ["ca", "revoke", "--help"], ["ca", "suspend", "--help"], ["ca", "unsuspend", "--help"],
                    ["ca", "show", "--help"], ["ca", "list", "--help"], ["ca", "chain", "--help"],
                    ["audit", "--help"], ["audit", "verify", "--help"], ["audit", "list", "--help"]):
            r = self.home.tugra(*cmd)
            self.assertIn(b"--home", r.stdout + r.stderr if cmd == ["--help"] else r.stdout + b"--home")
            self.assertIn(b"Usage", r.stdout, cmd)

    def test_turkish_is_the_default_language(self):
        r = self.home.tugra("ca", "show", "00FF", check=False, TUGRA_LANG="tr")
        self.assertEqual(r.returncode, 1)
        self.assertIn("Sertifika bulunamadı: 00FF", r.stderr.decode())


if __name__ == "__main__":
    harness.main()
