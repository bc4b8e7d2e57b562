"""Issuing-CA rollover: a new issuing key and certificate ("nes-2") beside
the old one, while the old CA keeps publishing CRLs and answering OCSP for
what it issued until the last of those certificates expires. One step on a
home that holds the root key (with the service running), and in two steps
around an offline root. Checked by openssl, pkcs11-tool and Python's
cryptography; time moved with Debian's faketime."""
import re
import unittest

from cryptography import x509

import harness
from harness import faketime, http, run
from test_offline_root import token_labels


def pem_serial(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read()).serial_number


def crl_serials(der):
    return {entry.serial_number for entry in x509.load_der_x509_crl(der)}


class Rollover(harness.Waiting, unittest.TestCase):
    def home(self, **env):
        h = harness.Home(**env)
        self.addCleanup(h.remove)
        return h

    def issue(self, home, name):
        _, pub = harness.ec_public_key(home, name)
        out = home.path(name + ".pem")
        home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                   "--public-key", pub, "--out", out)
        return out

    def chain(self, home, ca, name):
        """The issuing CA's certificate alone, and with the root."""
        issuing = home.path(name + ".pem")
        home.tugra("ca", "chain", "--ca", ca, "--issuing", "--out", issuing)
        full = home.path(name + "-chain.pem")
        home.tugra("ca", "chain", "--ca", ca, "--out", full)
        return issuing, full

    def ocsp(self, server, issuer, chain, cert):
        r = run(["openssl", "ocsp", "-issuer", issuer, "-cert", cert, "-url", server.base + "/ocsp",
                 "-CAfile", chain, "-no_nonce"], check=False)
        return (r.stdout + r.stderr).decode()

    def test_one_step_while_the_service_runs(self):
        home = self.home(TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="0")
        home.tugra("init")
        root = home.path("root.pem")
        home.tugra("ca", "chain", "--root", "--out", root)
        old_cert = self.issue(home, "old")
        old_issuing, old_chain = self.chain(home, "nes", "nes")
        server = harness.Server(home)
        try:
            out = home.tugra("ca", "rollover").stdout.decode()
            self.assertIn("New issuing CA generation nes-2 certified", out)
            self.assertIn("Sürüm 2", out)
            self.assertIn("New certificates are now signed by nes-2", out)
            self.assertEqual(token_labels(home, "ca"), ["tugra-nes", "tugra-nes-2", "tugra-root"])
            # One responder key each: a key the status role made at the same moment as the
            # rollover command is destroyed by whichever of the two queued its request second.
            self.wait_for("a responder key left behind", lambda: len(token_labels(home, "status")) == 2)

            new_cert = self.issue(home, "new")
            new_issuing, new_chain = self.chain(home, "nes-2", "nes-2")
            with open(home.path("current.pem"), "w") as f:
                f.write(home.tugra("ca", "chain", "--issuing").stdout.decode())
            self.assertEqual(pem_serial(home.path("current.pem")), pem_serial(new_issuing))
            with open(new_cert, "rb") as f:
                cert = x509.load_pem_x509_certificate(f.read())
            points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
            self.assertTrue(points[0].full_name[0].value.endswith("/crl/nes-2.crl"))
            self.assertIn("Sürüm 2", cert.issuer.rfc4514_string())

            # Both generations chain to the one root.
            for holder, issuing in ((old_cert, old_issuing), (new_cert, new_issuing)):
                v = run(["openssl", "verify", "-CAfile", root, "-untrusted", issuing, holder], check=False)
                self.assertEqual(v.returncode, 0, (v.stdout + v.stderr).decode())

            # Each answered by its own responder, live, as soon as the status role sees the new CA
            # and the new certificate (until its next round, the serial is "never issued").
            last = [""]

            def answered():
                last[0] = self.ocsp(server, new_issuing, new_chain, new_cert)
                return "Response verify OK" in last[0] and ": good" in last[0]

            self.wait_for("no OCSP answer for the new generation", answered, tries=400,
                          details=lambda: f"the last answer:\n{last[0]}\nthe service said:\n{server.output()}")
            for issuing, chain, holder in ((old_issuing, old_chain, old_cert), (new_issuing, new_chain, new_cert)):
                out = self.ocsp(server, issuing, chain, holder)
                self.assertIn("Response verify OK", out)
                self.assertIn(": good", out)
            # The old CA does not speak for the new one's serials.
            r = run(["openssl", "ocsp", "-issuer", old_issuing, "-serial", hex(cert.serial_number),
                     "-url", server.base + "/ocsp", "-CAfile", old_chain, "-no_nonce"], check=False)
            self.assertNotIn(": good", (r.stdout + r.stderr).decode())

            old_serial, new_serial = pem_serial(old_cert), pem_serial(new_cert)
            home.tugra("ca", "revoke", format(old_serial, "X"), "--reason", "keyCompromise")
            home.tugra("ca", "revoke", format(new_serial, "X"), "--reason", "superseded")
            for issuing, chain, holder in ((old_issuing, old_chain, old_cert), (new_issuing, new_chain, new_cert)):
                out = self.wait_for("revocation not answered",
                                    lambda: (lambda o: o if ": revoked" in o else "")(
                                        self.ocsp(server, issuing, chain, holder)))
                self.assertIn("Response verify OK", out)

            # Each on its own CRL, signed by its own CA, and only there.
            def crls():
                old = http(server.base + "/crl/nes.crl")[2]
                new = http(server.base + "/crl/nes-2.crl")[2]
                return (old, new) if old_serial in crl_serials(old) and new_serial in crl_serials(new) else None
            old_crl, new_crl = self.wait_for("the CRLs never listed the revocations", crls)
            self.assertNotIn(new_serial, crl_serials(old_crl))
            self.assertNotIn(old_serial, crl_serials(new_crl))
            for der, chain in ((old_crl, old_chain), (new_crl, new_chain)):
                path = home.write("check.crl", der)
                v = run(["openssl", "crl", "-inform", "DER", "-in", path, "-noout", "-CAfile", chain], check=False)
                self.assertIn("verify OK", (v.stdout + v.stderr).decode())

            status, _, der = http(server.base + "/ca/nes-2.crt")
            self.assertEqual(status, 200)
            self.assertEqual(x509.load_der_x509_certificate(der).serial_number, pem_serial(new_issuing))
            self.assertEqual(http(server.base + "/ca/nes-3.crt")[0], 404)
            self.assertEqual(http(server.base + "/crl/nes-3.crl")[0], 404)
            self.assertNotIn("failed", server.output())
        finally:
            server.stop()
        events = home.tugra("audit", "list", "--event", "ca.rollover").stdout.decode()
        self.assertIn("nes-2", events)
        self.assertIn("Audit chain intact", home.tugra("audit", "verify").stdout.decode())

        # A second rollover names the third generation; a taken name is refused.
        r = home.tugra("ca", "rollover", "--name", "Tugra Nitelikli Elektronik Sertifika Hizmet Sağlayıcısı Sürüm 1",
                       check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is taken by generation nes", r.stderr.decode())

    def test_the_old_ca_publishes_until_its_last_certificate_expires(self):
        home = self.home()
        home.tugra("init")
        self.issue(home, "old")  # three years, minus a day
        home.tugra("ca", "rollover")
        self.issue(home, "new")

        def newest_crls():
            rows = home.sql("SELECT issuer, MAX(this_update) FROM crls GROUP BY issuer").split()
            return dict((row.split("|")[0], int(row.split("|")[1])) for row in rows)

        def ca_log(days):
            with open(home.path(f"ca-{days}.log")) as f:
                return f.read()

        for days, old_publishes in ((500, True), (1110, False)):
            before = newest_crls()
            ca = harness.Daemon(home, ["serve", "--roles", "ca"], lambda: "ca role running" in ca_log(days),
                                f"ca-{days}.log", faketime(days))
            try:
                after = self.wait_for("the ca role published nothing",
                                      lambda: (lambda n: n if n.get("nes-2", 0) > before["nes-2"] else None)(
                                          newest_crls()))
            finally:
                ca.stop()
            self.assertEqual(after["nes"] > before["nes"], old_publishes, (days, before, after))

    def test_two_steps_around_an_offline_root(self):
        root, issuing = self.home(), self.home()
        root.tugra("init", "--root-only")
        root_pem = root.path("root.pem")
        root.tugra("ca", "chain", "--root", "--out", root_pem)
        csr = issuing.path("issuing.csr")
        issuing.tugra("init", "--issuing-csr", csr)
        cert = root.path("issuing.pem")
        root.tugra("root", "sign-issuing", csr, "--out", cert)
        crl = root.path("root.crl")
        root.tugra("root", "crl", "--out", crl)
        issuing.tugra("init", "--issuing-cert", cert, "--root-cert", root_pem, "--root-crl", crl)

        r = issuing.tugra("ca", "rollover", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("root key is not in this home", r.stderr.decode())

        new_csr = issuing.path("nes-2.csr")
        out = issuing.tugra("ca", "rollover", "--csr", new_csr).stdout.decode()
        self.assertIn("tugra root sign-issuing", out)
        v = run(["openssl", "req", "-in", new_csr, "-noout", "-verify", "-subject", "-nameopt", "utf8"])
        self.assertIn("Sürüm 2", v.stdout.decode())
        # Until the certificate comes back, the old generation keeps issuing; a second request is refused.
        held = self.issue(issuing, "meanwhile")
        with open(held, "rb") as f:
            self.assertIn("Sürüm 1", x509.load_pem_x509_certificate(f.read()).issuer.rfc4514_string())
        r = issuing.tugra("ca", "rollover", "--csr", issuing.path("again.csr"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("still waiting for its certificate", r.stderr.decode())

        # A certificate for another key is refused and changes nothing.
        other = self.home()
        other_csr = other.path("other.csr")
        other.tugra("init", "--issuing-csr", other_csr)
        other_cert = root.path("other.pem")
        root.tugra("root", "sign-issuing", other_csr, "--out", other_cert)
        before = issuing.sql("SELECT id, certificate FROM authorities ORDER BY id")
        r = issuing.tugra("ca", "rollover", "--cert", other_cert, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not for this home's issuing key", r.stderr.decode())
        self.assertEqual(issuing.sql("SELECT id, certificate FROM authorities ORDER BY id"), before)

        new_cert = root.path("nes-2.pem")
        root.tugra("root", "sign-issuing", new_csr, "--out", new_cert)
        out = issuing.tugra("ca", "rollover", "--cert", new_cert).stdout.decode()
        self.assertIn("nes-2 certified", out)
        self.assertIn("now signed by nes-2", out)
        self.assertEqual(token_labels(issuing, "ca"), ["tugra-nes", "tugra-nes-2"])  # never a root key
        self.assertTrue(any(re.match(r"tugra-nes-2-ocsp-", label) for label in token_labels(issuing, "status")))
        holder = self.issue(issuing, "holder")
        nes2 = issuing.path("nes-2-issuing.pem")
        issuing.tugra("ca", "chain", "--issuing", "--out", nes2)
        self.assertEqual(pem_serial(nes2), pem_serial(new_cert))
        v = run(["openssl", "verify", "-CAfile", root_pem, "-untrusted", nes2, holder], check=False)
        self.assertEqual(v.returncode, 0, (v.stdout + v.stderr).decode())
        r = issuing.tugra("ca", "rollover", "--cert", new_cert, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not an issuing home waiting", r.stderr.decode())


if __name__ == "__main__":
    harness.main()
