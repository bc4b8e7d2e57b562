"""Conformance fixes, each checked by a tool that is not Tugra: a holder
certificate never outlives its issuing CA (refused, or capped by setting);
the issuing CA asserts ETSI QCP-n-qscd so `openssl verify -explicit_policy`
accepts the path; QcPDS URLs are https; `init` says when the policy OID is
the example one. (QcLimitValue: tests/interop/test_ca_cli.py; OCSP
unauthorized: test_status_services.py; delta CRLs: test_delta_crl.py.)"""
import unittest

from cryptography import x509

import harness
from harness import run

QCP_N_QSCD = "0.4.0.194112.1.2"


class Conformance(unittest.TestCase):
    def home(self, **env):
        h = harness.Home(**env)
        self.addCleanup(h.remove)
        out = h.tugra("init").stdout.decode()
        _, h.pub = harness.ec_public_key(h)
        chain = h.tugra("ca", "chain").stdout.decode()
        end = "-----END CERTIFICATE-----\n"
        h.nes = h.write("nes.pem", chain.split(end)[0] + end)
        h.root = h.write("root.pem", chain.split(end)[1] + end)
        h.init_output = out
        return h

    def issue(self, h, *extra, check=True, **env):
        out = h.path("holder.pem")
        r = h.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                    "--public-key", h.pub, "--out", out, *extra, check=check, **env)
        return r, out

    def test_a_holder_certificate_never_outlives_the_issuing_ca(self):
        h = self.home(TUGRA_CA_ISSUING_YEARS="2")
        before = h.snapshot()
        r, _ = self.issue(h, "--years", "3", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("would outlive the issuing CA", r.stderr.decode())
        self.assertEqual(h.snapshot(), before)

        _, path = self.issue(h, "--years", "3", TUGRA_CA_HOLDER_BEYOND_ISSUER="cap")
        with open(path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        with open(h.nes, "rb") as f:
            nes = x509.load_pem_x509_certificate(f.read())
        self.assertEqual(cert.not_valid_after, nes.not_valid_after)
        v = run(["openssl", "verify", "-CAfile", h.root, "-untrusted", h.nes, path], check=False)
        self.assertEqual(v.returncode, 0, v.stdout + v.stderr)

    def test_the_issuing_ca_asserts_qcp_n_qscd_for_explicit_policy_checks(self):
        h = self.home()
        _, path = self.issue(h)
        with open(h.nes, "rb") as f:
            nes = x509.load_pem_x509_certificate(f.read())
        oids = [p.policy_identifier.dotted_string
                for p in nes.extensions.get_extension_for_class(x509.CertificatePolicies).value]
        self.assertIn(QCP_N_QSCD, oids)
        self.assertIn("2.999.5070.1.1", oids)
        v = run(["openssl", "verify", "-policy", QCP_N_QSCD, "-explicit_policy", "-CAfile", h.root, "-untrusted",
                 h.nes, path], check=False)
        self.assertEqual(v.returncode, 0, (v.stdout + v.stderr).decode())
        other = run(["openssl", "verify", "-policy", "1.2.3.4", "-explicit_policy", "-CAfile", h.root,
                     "-untrusted", h.nes, path], check=False)
        self.assertNotEqual(other.returncode, 0)

    def test_qc_pds_must_be_https(self):
        h = self.home()
        before = h.snapshot()
        r, _ = self.issue(h, check=False, TUGRA_PROFILE_QC_PDS_URL="http://pds.example.test/en.pdf")
        self.assertEqual(r.returncode, 1)
        self.assertIn("must be an https URL", r.stderr.decode())
        self.assertEqual(h.snapshot(), before)
        _, path = self.issue(h, TUGRA_PROFILE_QC_PDS_URL="https://pds.example.test/en.pdf")
        with open(path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        qc = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier("1.3.6.1.5.5.7.1.3")).value.value
        parsed = run(["openssl", "asn1parse", "-inform", "DER"], input=qc).stdout.decode()
        self.assertIn("0.4.0.1862.1.5", parsed)
        self.assertIn("https://pds.example.test/en.pdf", parsed)

    def test_init_says_the_policy_oid_is_the_example_one(self):
        self.assertIn("on the example arc", self.home().init_output)
        own = self.home(TUGRA_PROFILE_POLICY_OID="1.3.6.1.4.1.99999.1.1")
        self.assertNotIn("example arc", own.init_output)

    def test_a_fractional_monetary_limit_is_refused(self):
        h = self.home()
        r, _ = self.issue(h, "--limit", "1500.50", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("whole lira", r.stderr.decode())


if __name__ == "__main__":
    harness.main()
