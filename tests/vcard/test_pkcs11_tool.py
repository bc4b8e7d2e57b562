"""The virtual card as OpenSC's pkcs11-tool sees it: listing, personalisation,
key generation, signing (verified by openssl), PIN change, PUK unlock, the
AKIS lock rules, and state that survives the module being loaded again (every
pkcs11-tool run is a new process). Then the same card through `tugra card`."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import harness  # noqa: E402

MODULE = os.environ.get("TUGRA_VCARD_MODULE", "build/lib/libtugra-vcard.so")
PUK, PIN = "12345678", "123456"


class PkcsTool(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="tugra-vcard-")
        self.env = dict(os.environ, TUGRA_VCARD_DIR=os.path.join(self.dir, "cards"))
        harness.run([harness.TUGRA, "vcard", "add", "--count", "2"], env=self.env)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def tool(self, *args, check=True):
        r = harness.run(["pkcs11-tool", "--module", MODULE, "--slot", "0", *args], check=check, env=self.env)
        return r.stdout.decode() + r.stderr.decode()

    def flags(self):
        out = self.tool("-T")
        return re.search(r"token flags\s*:\s*(.*)", out).group(1)

    def personalise(self):
        self.tool("--init-token", "--label", "Test Kart", "--so-pin", PUK)
        self.tool("--init-pin", "--so-pin", PUK, "--pin", PIN)

    def file(self, name):
        return os.path.join(self.dir, name)

    def test_lists_blank_cards_as_slots(self):
        out = harness.run(["pkcs11-tool", "--module", MODULE, "-L"], env=self.env).stdout.decode()
        self.assertEqual(out.count("token state:   uninitialized"), 2)
        self.assertIn("Slot 1 (0x1)", out)

    def test_personalise_generate_sign_and_verify_with_openssl(self):
        self.personalise()
        self.assertIn("token initialized", self.flags())
        self.assertIn("PIN initialized", self.flags())
        out = self.tool("--login", "--pin", PIN, "--keypairgen", "--key-type", "rsa:2048", "--id", "01",
                        "--label", "rsa")
        self.assertIn("never extractable", out)
        self.tool("--login", "--pin", PIN, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "02",
                  "--label", "ec")
        data = self.file("data")
        with open(data, "wb") as f:
            f.write(b"Tugra e-imza test\n")
        self.tool("--read-object", "--type", "pubkey", "--id", "01", "-o", self.file("rsa.der"))
        self.tool("--read-object", "--type", "pubkey", "--id", "02", "-o", self.file("ec.der"))

        for mech, extra in (("SHA256-RSA-PKCS", []), ("SHA256-RSA-PKCS-PSS", ["-sigopt", "rsa_padding_mode:pss",
                                                                              "-sigopt", "rsa_pss_saltlen:32"])):
            sig = self.file(mech + ".sig")
            self.tool("--login", "--pin", PIN, "--sign", "--id", "01", "-m", mech, "-i", data, "-o", sig)
            harness.run(["openssl", "dgst", "-sha256", *extra, "-verify", self.file("rsa.der"), "-keyform", "DER",
                         "-signature", sig, data])
        sig = self.file("ec.sig")
        self.tool("--login", "--pin", PIN, "--sign", "--id", "02", "-m", "ECDSA-SHA256", "--signature-format",
                  "openssl", "-i", data, "-o", sig)
        harness.run(["openssl", "dgst", "-sha256", "-verify", self.file("ec.der"), "-keyform", "DER",
                     "-signature", sig, data])
        # A signature that openssl must reject: the data changed.
        with open(data, "ab") as f:
            f.write(b"x")
        r = harness.run(["openssl", "dgst", "-sha256", "-verify", self.file("ec.der"), "-keyform", "DER",
                         "-signature", sig, data], check=False)
        self.assertNotEqual(r.returncode, 0)
        # The private key cannot be read out.
        out = self.tool("--login", "--pin", PIN, "--read-object", "--type", "privkey", "--id", "01", check=False)
        self.assertNotIn("BEGIN", out)

    def test_three_wrong_pins_lock_and_the_puk_unlocks(self):
        self.personalise()
        for expected in ("CKR_PIN_INCORRECT", "CKR_PIN_INCORRECT", "CKR_PIN_LOCKED"):
            self.assertIn(expected, self.tool("--login", "--pin", "000000", "-O", check=False))
        self.assertIn("user PIN locked", self.flags())  # read by a new process: the state persisted
        self.assertIn("CKR_PIN_LOCKED", self.tool("--login", "--pin", PIN, "-O", check=False))
        self.tool("--unlock-pin", "--puk", PUK, "--new-pin", "654321")
        self.assertNotIn("locked", self.flags())
        self.assertNotIn("count low", self.flags())
        self.tool("--login", "--pin", "654321", "-O")
        self.tool("--change-pin", "--pin", "654321", "--new-pin", "111111")
        self.tool("--login", "--pin", "111111", "-O")
        self.assertIn("CKR_PIN_INCORRECT", self.tool("--login", "--pin", "654321", "-O", check=False))

    def test_pin_format_is_six_digits(self):
        self.personalise()
        self.assertIn("CKR_PIN_LEN_RANGE", self.tool("--login", "--pin", "12345", "-O", check=False))
        self.assertIn("CKR_PIN_INVALID", self.tool("--login", "--pin", "12a456", "-O", check=False))
        self.assertIn("CKR_PIN_LEN_RANGE", self.tool("--change-pin", "--pin", PIN, "--new-pin", "1234567",
                                                     check=False))
        self.assertIn("CKR_PIN_LEN_RANGE", self.tool("--init-token", "--label", "x", "--so-pin", "1234",
                                                     check=False))
        self.tool("--login", "--pin", PIN, "-O")  # format errors cost no tries

    def test_three_wrong_puks_kill_the_card(self):
        self.personalise()
        for _ in range(3):
            self.tool("--unlock-pin", "--puk", "99999999", "--new-pin", "222222", check=False)
        self.assertIn("SO PIN locked", self.flags())
        self.assertIn("CKR_PIN_LOCKED", self.tool("--unlock-pin", "--puk", PUK, "--new-pin", "222222", check=False))
        self.assertIn("CKR_PIN_LOCKED", self.tool("--init-token", "--label", "again", "--so-pin", PUK, check=False))
        self.assertIn("CKR_PIN_LOCKED", self.tool("--login", "--pin", PIN, "-O", check=False))

    def test_card_tool_reports_tries_and_unlocks(self):
        self.personalise()
        tugra = [harness.TUGRA, "card"]
        r = harness.run(tugra + ["change-pin", "--slot", "0", "--pin-stdin"], input=b"000000\n111111\n",
                        env=self.env, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Tries left: 2", r.stderr.decode())
        info = json.loads(harness.run(tugra + ["show", "--slot", "0", "--json"], env=self.env).stdout)
        self.assertEqual((info["serial"], info["pin_tries_left"], info["state"]),
                         (info["serial"], 2, "ready"))
        for _ in range(2):  # two more wrong tries lock it
            harness.run(tugra + ["change-pin", "--slot", "0", "--pin-stdin"], input=b"000000\n111111\n",
                        env=self.env, check=False)
        info = json.loads(harness.run(tugra + ["show", "--slot", "0", "--json"], env=self.env).stdout)
        self.assertEqual(info["state"], "pin_locked")
        r = harness.run(tugra + ["unlock", "--slot", "0", "--pin-stdin"], input=f"{PUK}\n333333\n".encode(),
                        env=self.env)
        self.assertIn("Unlocked", r.stdout.decode())
        self.tool("--login", "--pin", "333333", "-O")
        listing = harness.run(tugra + ["list", "--json"], env=self.env).stdout
        self.assertEqual([c["state"] for c in json.loads(listing)], ["ready", "blank"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
