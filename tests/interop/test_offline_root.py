"""The offline root: a root home that holds only the root key, an issuing
home that never holds it, and the four steps between them (request, the
root's signature, completion, root CRLs carried across). Checked by openssl
and pkcs11-tool."""
import os
import re
import time
import unittest

import harness
from harness import http, run


def token_labels(home, duty):
    env = dict(home.env, SOFTHSM2_CONF=home.path("softhsm2.conf"))
    with open(home.path("secrets", f"{duty}-token.pin")) as f:
        pin = f.read().strip()
    out = run(["pkcs11-tool", "--module", harness.SOFTHSM, "--token-label", f"tugra-{duty}", "--login", "--pin", pin,
               "--list-objects", "--type", "privkey"], env=env).stdout.decode()
    return sorted(set(re.findall(r"label:\s+(\S+)", out)))


class OfflineRoot(unittest.TestCase):
    def home(self):
        h = harness.Home()
        self.addCleanup(h.remove)
        return h

    def state(self, h):
        return h.sql("SELECT id, subject, certificate FROM authorities ORDER BY id"), \
               h.tugra("audit", "list", "--limit", "100000").stdout

    def test_the_ceremony_across_two_homes(self):
        root, issuing, other = self.home(), self.home(), self.home()
        root.tugra("init", "--root-only")
        self.assertEqual(token_labels(root, "ca"), ["tugra-root"])
        self.assertFalse(os.path.exists(root.path("secrets", "status-token.pin")))
        root_pem = root.path("root.pem")
        root.tugra("ca", "chain", "--root", "--out", root_pem)

        csr = issuing.path("issuing.csr")
        issuing.tugra("init", "--issuing-csr", csr)
        v = run(["openssl", "req", "-in", csr, "-noout", "-verify", "-subject", "-nameopt", "utf8"])
        self.assertIn("verify OK", (v.stdout + v.stderr).decode())
        self.assertIn("Tugra Nitelikli Elektronik", v.stdout.decode())
        self.assertEqual(token_labels(issuing, "ca"), ["tugra-nes"])
        _, pub = harness.ec_public_key(issuing)
        r = issuing.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                          "--public-key", pub, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("waits for its issuing CA certificate", r.stderr.decode())

        cert = root.path("issuing.pem")
        root.tugra("root", "sign-issuing", csr, "--out", cert)
        crl = root.path("root.crl")
        root.tugra("root", "crl", "--out", crl)
        run(["openssl", "crl", "-inform", "DER", "-in", crl, "-noout", "-CAfile", root_pem])
        self.assertRegex(root.tugra("audit", "list", "--event", "ca.issuing_certified").stdout.decode(), "cli:")

        # Refused, changing nothing: a certificate for another home's key, and a root it does not chain to.
        other_csr = other.path("other.csr")
        other.tugra("init", "--issuing-csr", other_csr)
        other_cert = root.path("other.pem")
        root.tugra("root", "sign-issuing", other_csr, "--out", other_cert)
        stranger = self.home()
        stranger.tugra("init", "--root-only")
        stranger_pem = stranger.path("stranger.pem")
        stranger.tugra("ca", "chain", "--root", "--out", stranger_pem)
        stranger_crl = stranger.path("stranger.crl")
        stranger.tugra("root", "crl", "--out", stranger_crl)
        before = self.state(issuing)
        for args, says in (((other_cert, root_pem, crl), "not for this home's issuing key"),
                           ((cert, stranger_pem, stranger_crl), "not signed by the root given"),
                           ((cert, root_pem, stranger_crl), "not signed by the root CA")):
            r = issuing.tugra("init", "--issuing-cert", args[0], "--root-cert", args[1], "--root-crl", args[2],
                              check=False)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn(says, r.stderr.decode())
            self.assertEqual(self.state(issuing), before)
            self.assertFalse(os.path.exists(issuing.path("secrets", "status-token.pin")))

        out = issuing.tugra("init", "--issuing-cert", cert, "--root-cert", root_pem, "--root-crl", crl).stdout
        self.assertIn("no root key in this home", out.decode())
        self.assertEqual(token_labels(issuing, "ca"), ["tugra-nes"])  # no root key, ever
        self.assertEqual(token_labels(issuing, "status"), ["tugra-nes-ocsp"])
        holder = issuing.path("holder.pem")
        issuing.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                      "--public-key", pub, "--out", holder)
        nes = issuing.path("nes.pem")
        issuing.tugra("ca", "chain", "--issuing", "--out", nes)
        v = run(["openssl", "verify", "-CAfile", root_pem, "-untrusted", nes, holder], check=False)
        self.assertEqual(v.returncode, 0, (v.stdout + v.stderr).decode())

        # A newer root CRL, signed offline, published by the issuing home; an older one refused.
        newer = root.path("root-2.crl")
        root.tugra("root", "crl", "--out", newer)
        r = issuing.tugra("root", "import-crl", crl, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not older", r.stderr.decode())
        issuing.tugra("root", "import-crl", newer)
        number = run(["openssl", "crl", "-inform", "DER", "-in", newer, "-noout", "-crlnumber"]).stdout.decode()

        # The issuing home's server serves that CRL and never tries to sign one for the root.
        server = harness.Server(issuing)
        try:
            status, _, served = http(server.base + "/crl/root.crl")
            self.assertEqual(status, 200)
            with open(newer, "rb") as f:
                self.assertEqual(served, f.read())
            time.sleep(1.5)
            self.assertNotIn("failed", server.output())
        finally:
            server.stop()
        self.assertIn("crlNumber", number)
        for h in (root, issuing):
            self.assertIn("Audit chain intact", h.tugra("audit", "verify").stdout.decode())
        r = issuing.tugra("root", "crl", "--out", issuing.path("x.crl"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not hold the root CA key", r.stderr.decode())


if __name__ == "__main__":
    harness.main()
