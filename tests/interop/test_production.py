"""Card production end to end, on virtual cards and on SoftHSM2: the card
holds a key matching the issued certificate, the certificate is on hold, the
stored PIN opens the card, deleted PIN/PUK records leave nothing in the
database file, and a kill -9 at any step is completed by the next run."""
import base64
import json
import os
import random
import subprocess
import unittest

from cryptography import x509
from cryptography.hazmat.primitives import serialization

import harness

VCARD = os.path.join(os.path.dirname(os.path.abspath(harness.TUGRA)), "..", "lib", "libtugra-vcard.so")
STEPS = ["claimed", "initialised", "key_generated", "issued", "certificate_written", "completed"]


def tckn(rng):
    d = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    d.append(((d[0] + d[2] + d[4] + d[6] + d[8]) * 7 - (d[1] + d[3] + d[5] + d[7])) % 10)
    d.append(sum(d) % 10)
    return "".join(map(str, d))


class Production(unittest.TestCase):
    def setUp(self):
        self.home = harness.Home()
        self.home.env.pop("TUGRA_VCARD_DIR", None)
        self.home.tugra("init")
        self.rng = random.Random(os.getpid())

    def tearDown(self):
        self.home.remove()

    def enqueue(self, number=None, **extra):
        number = number or tckn(self.rng)
        self.home.tugra("production", "enqueue", "--tckn", number, "--given-name", "Ayşe", "--surname", "Yılmaz",
                        "--phone", "0532 123 45 67", "--email", "ayse@example.gov.tr", **extra)
        return number

    def requests(self):
        return json.loads(self.home.tugra("production", "list", "--json").stdout)

    def secret(self, number):
        return json.loads(self.home.tugra("holder", "pin-puk", "--tckn", number, "--json").stdout)

    def card_tool(self, *args, input=None, module=None, check=True):
        extra = ["--module", module] if module else []
        return self.home.tugra("card", *args, *extra, input=input, check=check)

    def card_by_serial(self, serial, module=None):
        cards = json.loads(self.card_tool("list", "--json", module=module).stdout)
        return next(c for c in cards if c["serial"] == serial)

    def check_card(self, request, module=None):
        """The card holds the certificate and its key; the stored PIN opens it."""
        cert = json.loads(self.home.tugra("ca", "show", request["certificate"], "--json").stdout)
        self.assertEqual(cert["status"], "suspended")  # on hold until the holder activates it
        slot = str(self.card_by_serial(request["card"], module)["slot"])
        shown = json.loads(self.card_tool("show", "--slot", slot, "--json", module=module).stdout)
        self.assertEqual(len(shown["certificates"]), 1)
        on_card = x509.load_der_x509_certificate(base64.b64decode(shown["certificates"][0]["der"]))
        issued = x509.load_pem_x509_certificate(self.home.tugra("ca", "show", request["certificate"], "--pem").stdout)
        self.assertEqual(on_card, issued)
        pin = self.secret(request["tckn"])["pin"]
        # test-sign: the card's key signs, the certificate's public key verifies (so they match).
        r = self.card_tool("test-sign", "--slot", slot, "--pin-stdin", input=f"{pin}\n".encode(), module=module)
        self.assertIn("Signing test passed", r.stdout.decode())
        return slot, pin, issued

    def test_end_to_end_on_virtual_cards(self):
        self.home.tugra("vcard", "add", "--count", "3")
        number = self.enqueue()
        r = self.home.tugra("production", "run")
        self.assertIn("1 cards made, 0 failed", r.stdout.decode())
        self.assertIn("[1/1]", r.stderr.decode())  # progress
        [request] = self.requests()
        self.assertEqual(request["state"], "done")
        slot, pin, issued = self.check_card(request)

        # pkcs11-tool (OpenSC) logs in with the stored PIN and reads the same public key.
        env = dict(self.home.env, TUGRA_VCARD_DIR=self.home.path("vcards"))
        out = harness.run(["pkcs11-tool", "--module", VCARD, "--slot", slot, "--login", "--pin", pin,
                           "--read-object", "--type", "pubkey", "--id", "4e455301", "-o", self.home.path("k.der")],
                          env=env)
        self.assertEqual(out.returncode, 0)
        with open(self.home.path("k.der"), "rb") as f:
            card_key = serialization.load_der_public_key(f.read())
        self.assertEqual(card_key.public_numbers(), issued.public_key().public_numbers())

        # Shipment: preparing -> shipped -> delivered, never backwards.
        tracking = request["tracking_number"]
        self.assertEqual(json.loads(self.home.tugra("shipment", "show", tracking, "--json").stdout)["state"],
                         "preparing")
        self.home.tugra("shipment", "update", tracking, "--state", "kargoya-verildi", "--note", "PTT 42")
        self.home.tugra("shipment", "update", tracking, "--state", "delivered")
        r = self.home.tugra("shipment", "update", tracking, "--state", "shipped", check=False)
        self.assertEqual(r.returncode, 1)
        shipment = json.loads(self.home.tugra("shipment", "show", tracking, "--json").stdout)
        self.assertEqual([e["state"] for e in shipment["events"]], ["preparing", "shipped", "delivered"])
        bad = tracking[:-1] + str((int(tracking[-1]) + 1) % 10)
        self.assertIn("check digit", self.home.tugra("shipment", "show", bad, check=False).stderr.decode())

        # Every device step is in the audit chain, and the chain holds.
        events = self.home.tugra("audit", "list", "--limit", "1000").stdout.decode()
        for event in ("production.queued", "device.claimed", "device.initialised", "device.key_generated",
                      "certificate.issued", "device.certificate_written", "device.personalised",
                      "shipment.created", "shipment.updated", "holder.pin_puk.viewed"):
            self.assertIn(event, events)
        self.assertIn("Audit chain intact", self.home.tugra("audit", "verify").stdout.decode())

        # Deleting the PIN/PUK leaves nothing to recover.
        secret = self.secret(number)
        row = self.home.sql(f"SELECT wrapped_key || '|' || ciphertext FROM holder_secrets WHERE tckn = '{number}'")
        wrapped, ciphertext = row.strip().split("|")
        self.assertNotIn(secret["pin"], row)
        self.home.tugra("holder", "pin-puk", "--tckn", number, "--delete")
        self.assertEqual(self.home.sql("SELECT COUNT(*) FROM holder_secrets").strip(), "0")
        r = self.home.tugra("holder", "pin-puk", "--tckn", number, check=False)
        self.assertEqual(r.returncode, 1)
        if harness.ENGINE == "sqlite":
            files = [self.home.path(n) for n in ("tugra.db", "tugra.db-wal") if os.path.exists(self.home.path(n))]
            for name in files:
                with open(name, "rb") as f:
                    data = f.read()
                for needle in (wrapped, ciphertext, base64.b64decode(wrapped), base64.b64decode(ciphertext),
                               secret["puk"], f'"pin":"{secret["pin"]}"'):
                    needle = needle.encode() if isinstance(needle, str) else needle
                    self.assertNotIn(needle, data, f"{name} still holds part of the deleted secret")
        self.assertIn("holder.pin_puk.deleted", self.home.tugra("audit", "list", "--limit", "1000").stdout.decode())

    def test_bad_orders_are_refused(self):
        for args in (["--tckn", "12345678901"], ["--phone", "0212 123 45 67"], ["--email", "not-an-address"],
                     ["--years", "4"]):
            base = {"--tckn": tckn(self.rng), "--phone": "05321234567", "--email": "a@b.tr", "--years": "3"}
            base[args[0]] = args[1]
            cmd = ["production", "enqueue", "--given-name", "Ali", "--surname", "Kaya"]
            for k, v in base.items():
                cmd += [k, v]
            r = self.home.tugra(*cmd, check=False)
            self.assertEqual(r.returncode, 1, args)
        self.assertEqual(self.requests(), [])

    def test_no_blank_card_leaves_the_request_queued(self):
        self.enqueue()
        r = self.home.tugra("production", "run", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("No blank cards", r.stderr.decode())
        self.assertEqual(self.requests()[0]["state"], "queued")

    def test_kill_at_each_step_is_completed_by_the_next_run(self):
        self.home.tugra("vcard", "add", "--count", str(len(STEPS) + 1))
        for step in STEPS:
            with self.subTest(step=step):
                number = self.enqueue()
                r = self.home.tugra("production", "run", check=False, TUGRA_FAULT=f"production.{step}")
                self.assertEqual(r.returncode, -9, r.stderr)
                r = self.home.tugra("production", "run")
                request = next(q for q in self.requests() if q["tckn"] == number)
                self.assertEqual(request["state"], "done", r.stderr)
                self.check_card(request)
                certs = [c for c in self.home.certificates() if c["tckn"] == number]
                live = [c for c in certs if c["status"] != "revoked"]
                self.assertEqual([c["serial"] for c in live], [request["certificate"]])
                self.assertIn("Audit chain intact", self.home.tugra("audit", "verify").stdout.decode())
        # Every card used once; one left blank.
        cards = json.loads(self.card_tool("list", "--json").stdout)
        self.assertEqual(sorted(c["state"] for c in cards), ["blank"] + ["ready"] * len(STEPS))

    def test_softhsm2_as_the_card_module(self):
        number = self.enqueue()
        self.enqueue()
        r = self.home.tugra("production", "run", "--module", harness.SOFTHSM)
        self.assertIn("2 cards made, 0 failed", r.stdout.decode())
        request = next(q for q in self.requests() if q["tckn"] == number)
        self.check_card(request, module=harness.SOFTHSM)
        pin = self.secret(number)["pin"]
        env = dict(self.home.env, SOFTHSM2_CONF=self.home.path("softhsm2.conf"))
        out = harness.run(["pkcs11-tool", "--module", harness.SOFTHSM, "--token-label", "Tugra NES 1", "--login",
                           "--pin", pin, "-O"], env=env).stdout.decode()
        self.assertIn("never extractable", out)


if __name__ == "__main__":
    harness.main()
