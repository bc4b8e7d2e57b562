"""Delta CRLs (RFC 5280 §5.2.4) with crl.full_every_minutes: between full
CRLs, every status change publishes a delta CRL that lists what changed
since its base (revocations and suspensions with their reasons, lifted
suspensions as removeFromCRL), checked by Python's cryptography and
`openssl verify -crl_check -use_deltas`."""
import re
import time
import unittest

from cryptography import x509

import harness
from harness import http, run


class DeltaCrl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home(TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="1",
                                TUGRA_CRL_FULL_EVERY_MINUTES="60")
        cls.home.tugra("init")
        _, cls.pub = harness.ec_public_key(cls.home)
        cls.good = cls.issue("a")
        cls.held = cls.issue("b")
        cls.home.tugra("ca", "suspend", cls.held[0])
        chain = cls.home.tugra("ca", "chain").stdout.decode()
        cls.chain_pem = cls.home.write("chain.pem", chain)
        cls.server = harness.Server(cls.home)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.remove()

    @classmethod
    def issue(cls, name):
        out = cls.home.path(f"{name}.pem")
        serial = cls.home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                                "--public-key", cls.pub, "--out", out, "--request-id", name).stdout.decode().strip()
        return serial, out

    def get(self, name):
        status, _, der = http(f"{self.server.base}/crl/{name}.crl")
        self.assertEqual(status, 200)
        return der, x509.load_der_x509_crl(der)

    def wait_for_delta(self, after_number):
        for _ in range(100):
            der, crl = self.get("nes-delta")
            number = crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
            if number > after_number:
                return der, crl
            time.sleep(0.2)
        self.fail("no new delta CRL")

    def reason(self, crl, serial):
        entry = crl.get_revoked_certificate_by_serial_number(int(serial, 16))
        if entry is None:
            return None
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason.name

    def test_changes_between_full_crls_go_to_delta_crls(self):
        full_der, full = self.get("nes")
        full_number = full.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        freshest = full.extensions.get_extension_for_class(x509.FreshestCRL).value
        self.assertEqual(freshest[0].full_name[0].value, "http://127.0.0.1:8080/crl/nes-delta.crl")
        self.assertEqual(self.reason(full, self.held[0]), "certificate_hold")
        _, delta = self.get("nes-delta")
        indicator = delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
        self.assertTrue(indicator.critical)
        self.assertEqual(indicator.value.crl_number, full_number)
        start = delta.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        self.assertGreater(start, full_number)  # one number sequence for full and delta CRLs

        # A certificate issued after the base was never on it: no delta names it
        # (removeFromCRL only for serials the base lists, RFC 5280 §5.3.1).
        fresh = self.issue("c")
        # A revocation and a lifted suspension: in the next delta, not in a new full CRL.
        self.home.tugra("ca", "revoke", self.good[0], "--reason", "keyCompromise")
        self.home.tugra("ca", "unsuspend", self.held[0])
        for _ in range(50):
            delta_der, delta = self.wait_for_delta(start)
            if self.reason(delta, self.held[0]) == "remove_from_crl":
                break
            start = delta.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        self.assertEqual(self.reason(delta, self.good[0]), "key_compromise")
        self.assertEqual(self.reason(delta, self.held[0]), "remove_from_crl")
        self.assertIsNone(delta.get_revoked_certificate_by_serial_number(int(fresh[0], 16)))
        self.assertEqual(delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number, full_number)
        _, full_again = self.get("nes")
        self.assertEqual(full_again.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number, full_number)
        self.assertIsNone(self.reason(full_again, self.good[0]))
        text = run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=delta_der).stdout.decode()
        self.assertIn("Delta CRL Indicator", text)
        self.assertIn("Remove From CRL", text)

        # OpenSSL combines the full CRL and the delta: the revoked certificate is refused.
        full_pem = self.home.write("full.pem", run(["openssl", "crl", "-inform", "DER", "-outform", "PEM"],
                                                   input=full_der).stdout)
        delta_pem = self.home.write("delta.pem", run(["openssl", "crl", "-inform", "DER", "-outform", "PEM"],
                                                     input=delta_der).stdout)
        chain = self.home.path("chain.pem")
        refused = run(["openssl", "verify", "-crl_check", "-use_deltas", "-CAfile", chain, "-CRLfile", full_pem,
                       "-CRLfile", delta_pem, self.good[1]], check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("revoked", (refused.stdout + refused.stderr).decode())
        accepted = run(["openssl", "verify", "-crl_check", "-use_deltas", "-CAfile", chain, "-CRLfile", full_pem,
                        "-CRLfile", delta_pem, self.held[1]], check=False)
        self.assertEqual(accepted.returncode, 0, (accepted.stdout + accepted.stderr).decode())
        events = self.home.tugra("audit", "list", "--limit", "1000").stdout.decode()
        self.assertIn("crl.delta_published", events)


if __name__ == "__main__":
    harness.main()
