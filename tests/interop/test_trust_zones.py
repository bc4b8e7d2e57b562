"""Trust zones: a split deployment of three processes, each in a home that
holds only its own secrets.

  ca      `tugra serve --roles ca`      the CA token (root and issuing keys), audit key
  status  `tugra serve --roles status`  the status token (OCSP responder key) only
  portal  `tugra serve --roles portal`  the audit key and the master key; no CA token PIN

The whole application journey to a card, a holder suspending and revoking
from the portal, OCSP showing each change, and a new CRL only once the `ca`
process runs. Without the CA token's PIN, status changes and audit checks
work while issuing and CRL signing are refused, naming the missing token."""
import base64
import os
import re
import shutil
import time
import unittest

from cryptography import x509
from cryptography.x509 import ocsp

import harness
from harness import http, run
from portal_client import CAGRI, WORD, Browser, PortalSteps

VCARD = os.environ.get("TUGRA_VCARD_MODULE", os.path.join(os.path.dirname(harness.TUGRA), "..", "lib",
                                                          "libtugra-vcard.so"))


def role_home(ca_home, name, drop):
    """A copy of the CA's home for another host: the same configuration and
    token store, the database shared, and the secrets in `drop` removed."""
    home = harness.Home()
    os.rmdir(home.dir)
    shutil.copytree(ca_home.dir, home.dir, ignore=shutil.ignore_patterns("*.log", "tugra.db*"))
    for secret in drop:
        path = home.path("secrets", secret)
        if os.path.exists(path):
            os.remove(path)
    home.env = dict(ca_home.env, TUGRA_HOME=home.dir)
    if harness.ENGINE == "sqlite":
        home.env["TUGRA_DATABASE_URL"] = "sqlite:" + ca_home.path("tugra.db")
    home.name = name
    return home


class CaProcess(harness.Daemon):
    """`tugra serve --roles ca`: no HTTP; ready when it says it runs."""

    def __init__(self, home):
        super().__init__(home, ["serve", "--roles", "ca"], lambda: "ca role running" in self.output(), "ca-role.log")


class SplitDeployment(PortalSteps, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        settings = dict(TUGRA_PORTAL_DEMO="true", TUGRA_PORTAL_CAPTCHA_FIXED="ABCDE",
                        TUGRA_PORTAL_ARGON2_MEMORY_KIB="8192", TUGRA_PORTAL_ARGON2_OPS="1",
                        TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="1",
                        TUGRA_PORTAL_POSTS_PER_MINUTE="1000")
        cls.ca_home = harness.Home(**settings)
        cls.home = cls.ca_home  # PortalSteps' SQL and outbox helpers: one database for all three
        cls.ca_home.tugra("init")
        cls.ca_home.tugra("demo", "seed")
        cls.ca_home.env["TUGRA_VCARD_DIR"] = cls.ca_home.path("vcards")
        cls.status_home = role_home(cls.ca_home, "status", ["ca-token.pin", "ca-token.so-pin", "audit-token.pin",
                                                            "audit-token.so-pin", "master.key"])
        cls.portal_home = role_home(cls.ca_home, "portal", ["ca-token.pin", "ca-token.so-pin", "status-token.pin",
                                                            "status-token.so-pin"])
        cls.status = harness.Server(cls.status_home, "--roles", "status")
        cls.portal = harness.Server(cls.portal_home, "--roles", "portal")
        cls.base = cls.portal.base
        chain = cls.ca_home.tugra("ca", "chain").stdout.decode()
        cls.nes_pem = cls.ca_home.write("nes.pem", re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n",
                                                              chain, re.S)[0])
        cls.chain_pem = cls.ca_home.write("chain.pem", chain)

    @classmethod
    def tearDownClass(cls):
        cls.portal.stop()
        cls.status.stop()
        for h in (cls.portal_home, cls.status_home, cls.ca_home):
            h.remove()

    # --- helpers -----------------------------------------------------------------

    def ocsp(self, serial, expected, reason=""):
        cert = self.ca_home.path(f"{serial}.pem")
        if not os.path.exists(cert):
            self.ca_home.write(f"{serial}.pem", self.ca_home.tugra("ca", "show", serial, "--pem").stdout.decode())
        out = ""
        for _ in range(50):
            r = run(["openssl", "ocsp", "-issuer", self.nes_pem, "-cert", cert, "-url", self.status.base + "/ocsp",
                     "-CAfile", self.chain_pem, "-no_nonce"], check=False)
            out = (r.stdout + r.stderr).decode()
            if re.search(rf": {expected}\b", out) and reason in out and "Response verify OK" in out:
                return out
            time.sleep(0.2)
        self.fail(f"OCSP never said {expected} {reason}: {out}")

    def crl(self):
        status, _, der = http(self.status.base + "/crl/nes.crl")
        self.assertEqual(status, 200)
        text = run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=der).stdout.decode()
        number = int(re.search(r"X509v3 CRL Number:\s*\n\s*(\d+)", text).group(1))
        return number, text

    def crl_reason(self, text, serial):
        entries = text.split("Serial Number: ")[1:]
        entry = next((e for e in entries if e.startswith(serial + "\n")), None)
        if entry is None:
            return None
        m = re.search(r"CRL Reason Code:\s*\n\s+([^\n]+)", entry)
        return m.group(1).strip() if m else ""

    def wait_for_crl(self, serial, reason, after):
        for _ in range(75):
            number, text = self.crl()
            if number > after and self.crl_reason(text, serial) == reason:
                return number
            time.sleep(0.2)
        self.fail(f"no CRL after #{after} with {serial} as {reason}")

    def holder_login(self, person, mobile="+905321234567"):
        b = Browser(self.base)
        b.get("/bireysel/giris")
        b.captcha()
        status, location, _ = b.post("/bireysel/giris", {"id": person["tckn"], "captcha": "ABCDE",
                                                         "security_word": WORD})
        self.assertEqual((status, location), (303, "/bireysel/sms"))
        b.get("/bireysel/sms")
        self.assertEqual(b.post("/bireysel/sms", {})[:2], (303, "/bireysel/sms/kod"))
        b.get("/bireysel/sms/kod")
        self.assertEqual(b.post("/bireysel/sms/kod", {"code": self.sms_code(mobile)})[:2], (303, "/bireysel/menu"))
        return b

    # --- the journey ----------------------------------------------------------------

    def test_journey_to_a_card_and_every_status_change_across_the_zones(self):
        for home, kept, dropped in ((self.status_home, "status-token.pin", "ca-token.pin"),
                                    (self.portal_home, "audit-token.pin", "ca-token.pin")):
            self.assertTrue(os.path.exists(home.path("secrets", kept)))
            self.assertFalse(os.path.exists(home.path("secrets", dropped)))
        self.assertNotIn("TUGRA_PKCS11_PIN", self.portal_home.env)

        # Application through the portal, the officer's approval, then the CA's
        # production run (the CA host's command, with the CA token).
        self.apply(CAGRI)
        self.approve(CAGRI["tckn"])
        self.ca_home.tugra("vcard", "add")
        self.ca_home.tugra("production", "run")
        serial = [r for r in self.ca_home.certificates() if r["tckn"] == CAGRI["tckn"]][0]["serial"]
        self.ocsp(serial, "revoked")  # delivered on hold

        # No ca process yet: the holder's changes reach OCSP, but no CRL is signed.
        crl_before, text = self.crl()
        b = self.holder_login(CAGRI)
        b.get("/bireysel/kullanima-ac")
        self.assertEqual(b.post("/bireysel/kullanima-ac", {"serial": serial})[:2],
                         (303, "/bireysel/menu?ok=activated"))
        self.ocsp(serial, "good")
        self.assertEqual(b.post("/bireysel/askiya-al", {"serial": serial})[0], 303)
        self.ocsp(serial, "revoked", "certificateHold")
        time.sleep(2.5)  # well past the debounce and several polls
        self.assertEqual(self.crl()[0], crl_before, "a CRL was signed without the ca role")

        # The ca process starts: the suspension appears on a new CRL.
        ca = CaProcess(self.ca_home)
        try:
            held = self.wait_for_crl(serial, "Certificate Hold", crl_before)
            self.assertEqual(b.post("/bireysel/iptal", {"serial": serial, "reason": "1", "confirm": "1"})[0], 303)
            self.ocsp(serial, "revoked", "keyCompromise")
            self.wait_for_crl(serial, "Key Compromise", held)
        finally:
            self.assertEqual(ca.stop(), 0)

        events = self.ca_home.tugra("audit", "list", "--limit", "100000").stdout.decode()
        self.assertRegex(events, rf"certificate.suspended\s+holder:{CAGRI['tckn']}")
        self.assertRegex(events, rf"certificate.revoked\s+holder:{CAGRI['tckn']}")
        self.assertRegex(events, r"crl.published\s+ca-role\s+nes")
        self.assertIn("Audit chain intact", self.ca_home.tugra("audit", "verify").stdout.decode())

    # --- what a host without the CA token can and cannot do -----------------------------

    def test_without_the_ca_pin_status_changes_work_and_signing_is_refused(self):
        h = self.portal_home
        _, pub = harness.ec_public_key(self.ca_home, "zones")
        serial = self.ca_home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname",
                                    "Kaya", "--public-key", pub, "--out", self.ca_home.path("zones.pem")
                                    ).stdout.decode().strip()
        self.assertIn("suspended", h.tugra("ca", "suspend", serial).stdout.decode())
        self.assertIn("valid", h.tugra("ca", "unsuspend", serial).stdout.decode())
        self.assertIn("Audit chain intact", h.tugra("audit", "verify").stdout.decode())

        missing = h.path("secrets", "ca-token.pin")
        before = h.snapshot()
        refused = [h.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname", "Kaya",
                           "--public-key", pub, "--request-id", "zones-2", check=False),
                   h.tugra("crl", "generate", check=False),
                   h.tugra("production", "run", check=False),
                   h.tugra("serve", "--roles", "ca", check=False)]
        for r in refused:
            err = r.stderr.decode()
            self.assertEqual(r.returncode, 1, err)
            self.assertIn("No PIN for the ca token", err)
            self.assertIn(missing, err)
        self.assertEqual(h.snapshot(), before)

        self.assertIn("revoked", h.tugra("ca", "revoke", serial, "--reason", "keyCompromise").stdout.decode())
        self.assertIn("Audit chain intact", h.tugra("audit", "verify").stdout.decode())

    def test_the_status_host_holds_no_audit_or_ca_key(self):
        h = self.status_home
        r = h.tugra("ca", "suspend", "00", check=False)  # any write needs the audit key
        self.assertEqual(r.returncode, 1)
        self.assertIn("No PIN for the audit token", r.stderr.decode())
        r = h.tugra("crl", "generate", check=False)
        self.assertIn("No PIN for the ca token", r.stderr.decode())

    def test_a_responder_renewal_crosses_the_zones_through_the_queue(self):
        # The status host makes the key (it has the status token) but cannot
        # certify it (no CA token): the request waits for the ca role.
        before = self.ca_home.sql("SELECT certificate FROM authorities WHERE id = 'nes-ocsp'").strip()
        out = self.status_home.tugra("ocsp", "renew").stdout.decode()
        self.assertIn("queued", out)
        self.assertEqual(self.ca_home.sql("SELECT certificate FROM authorities WHERE id = 'nes-ocsp'").strip(), before)
        ca = CaProcess(self.ca_home)
        try:
            for _ in range(75):
                if self.ca_home.sql("SELECT certificate FROM authorities WHERE id = 'nes-ocsp'").strip() != before:
                    break
                time.sleep(0.2)
            else:
                self.fail("the ca role never certified the queued key")
        finally:
            self.assertEqual(ca.stop(), 0)
        # The status server signs with the new key, which openssl accepts.
        _, pub = harness.ec_public_key(self.ca_home, "renewal")
        serial = self.ca_home.tugra("ca", "issue", "--tckn", "10000000146", "--given-name", "Ayşe", "--surname",
                                    "Kaya", "--public-key", pub, "--request-id", "zones-renewal", "--out",
                                    self.ca_home.path("renewal.pem")).stdout.decode().strip()
        self.ca_home.write(f"{serial}.pem", open(self.ca_home.path("renewal.pem")).read())
        now = self.ca_home.sql("SELECT certificate FROM authorities WHERE id = 'nes-ocsp'").strip()
        new_serial = x509.load_der_x509_certificate(base64.b64decode(now)).serial_number
        for _ in range(50):
            self.ocsp(serial, "good")  # verified by openssl against the chain
            respout = self.ca_home.path("renewal.der")
            run(["openssl", "ocsp", "-issuer", self.nes_pem, "-cert", self.ca_home.path("renewal.pem"), "-url",
                 self.status.base + "/ocsp", "-no_nonce", "-respout", respout, "-noverify"])
            with open(respout, "rb") as f:
                if ocsp.load_der_ocsp_response(f.read()).certificates[0].serial_number == new_serial:
                    break
            time.sleep(0.2)
        else:
            self.fail("the status server never signed with the renewed key")
        self.assertRegex(self.ca_home.tugra("audit", "list", "--event", "ca.responder_certified").stdout.decode(),
                         r"ca-role")

    def test_unknown_roles_are_refused(self):
        r = self.ca_home.tugra("serve", "--roles", "status,registrar", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("registrar", r.stderr.decode())


if __name__ == "__main__":
    harness.main()
