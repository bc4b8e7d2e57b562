"""Full CRLs kept between CRLs: the `ca` role of a running `tugra serve`
builds each new CRL from the previous one's revoked list and the changes
since. Over a random sequence of revocations, suspensions and lifted
suspensions, every CRL it publishes lists exactly the entries — byte for
byte, read with asn1crypto — that a fresh process (`tugra crl generate`)
builds from the whole database, and openssl verifies it."""
import random
import time
import unittest

from asn1crypto import crl as asn1_crl

import harness
from harness import http, run

REASONS = ["keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"]


class IncrementalCrl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home(TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="1")
        cls.home.tugra("init")
        _, pub = harness.ec_public_key(cls.home)
        cls.serials = []
        for i in range(10):
            serial = cls.home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname",
                                    "Kaya", "--public-key", pub, "--out", cls.home.path(f"c{i}.pem"),
                                    "--request-id", f"r{i}").stdout.decode().strip()
            cls.serials.append(serial)
        cls.chain_pem = cls.home.write("chain.pem", cls.home.tugra("ca", "chain").stdout.decode())
        cls.server = harness.Server(cls.home)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.remove()

    def served(self):
        status, _, der = http(f"{self.server.base}/crl/nes.crl")
        self.assertEqual(status, 200)
        return der, asn1_crl.CertificateList.load(der)

    @staticmethod
    def number(crl):
        return crl.crl_number_value.native

    @staticmethod
    def entries(crl):
        """The revokedCertificates element as DER (b"" when the list is empty)."""
        revoked = crl["tbs_cert_list"]["revoked_certificates"]
        return b"" if len(revoked) == 0 else revoked.dump(force=True)

    def wait_for_crl_after(self, number):
        for _ in range(150):
            der, crl = self.served()
            if self.number(crl) > number:
                return der, crl
            time.sleep(0.2)
        self.fail("the ca role published no new CRL")

    def test_each_crl_equals_one_built_from_scratch(self):
        rng = random.Random(5070)
        state = {s: "valid" for s in self.serials}
        _, crl = self.served()
        number = self.number(crl)
        for step in range(14):
            choices = [(s, "suspend") for s, st in state.items() if st == "valid"]
            choices += [(s, "unsuspend") for s, st in state.items() if st == "suspended"]
            choices += [(s, "revoke") for s, st in state.items() if st in ("valid", "suspended")]
            serial, action = rng.choice(choices)
            if action == "revoke":
                self.home.tugra("ca", "revoke", serial, "--reason", rng.choice(REASONS))
                state[serial] = "revoked"
            else:
                self.home.tugra("ca", action, serial)
                state[serial] = "suspended" if action == "suspend" else "valid"
            der, crl = self.wait_for_crl_after(number)
            number = self.number(crl)
            listed = {format(e["user_certificate"].native, "X") for e in crl["tbs_cert_list"]["revoked_certificates"]}
            expected = {s.lstrip("0") for s, st in state.items() if st != "valid"}
            self.assertEqual(listed, expected, (step, serial, action))
            # The same list from a process that read every row.
            scratch = asn1_crl.CertificateList.load(self.home.tugra("crl", "generate", "--out", "-").stdout)
            self.assertEqual(self.entries(crl), self.entries(scratch), (step, serial, action))
            number = max(number, self.number(scratch))
        path = self.home.write("last.crl", der)
        out = run(["openssl", "crl", "-inform", "DER", "-in", path, "-noout", "-CAfile", self.chain_pem],
                  check=False)
        self.assertIn("verify OK", (out.stdout + out.stderr).decode())
        self.assertGreater(sum(1 for st in state.values() if st != "valid"), 0)


if __name__ == "__main__":
    harness.main()
