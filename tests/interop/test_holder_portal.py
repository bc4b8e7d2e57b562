"""The holder's portal (seeds 001-004) over HTTP, starting from a card made by
`tugra production run`, with every action cross-checked outside the
browser: `openssl ocsp` and the CRL for status changes, `pkcs11-tool
--login` with the PIN the page shows, the database file after "Parolalarımı
Sil", the outbox, a loopback SMTP server for the forgotten-word link, and
the audit chain."""
import json
import concurrent.futures
import contextlib
import os
import sqlite3
import subprocess
import re
import threading
import time
import unittest
import urllib.parse

import harness
from harness import http, run
from loopback_servers import SmtpServer
from portal_client import (AYSE, CAGRI, ISMAIL, SUKRU, WORD, Browser, PortalSteps, errors_in, form_values,
                           fresh_totp, tckn)

VCARD = os.environ.get("TUGRA_VCARD_MODULE", os.path.join(os.path.dirname(harness.TUGRA), "..", "lib",
                                                          "libtugra-vcard.so"))
OPERATOR = ("cagri.merkezi", "Demo-Parola-2026", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")


class HolderPortal(PortalSteps, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home(TUGRA_PORTAL_DEMO="true", TUGRA_PORTAL_CAPTCHA_FIXED="ABCDE",
                                TUGRA_PORTAL_ARGON2_MEMORY_KIB="8192", TUGRA_PORTAL_ARGON2_OPS="1",
                                TUGRA_SERVICE_POLL_MILLISECONDS="200", TUGRA_CRL_DEBOUNCE_SECONDS="1",
                                TUGRA_PORTAL_POSTS_PER_MINUTE="1000")
        cls.home.tugra("init")
        cls.home.tugra("demo", "seed")
        cls.home.env["TUGRA_VCARD_DIR"] = cls.home.path("vcards")
        cls.server = harness.Server(cls.home)
        cls.base = cls.server.base
        chain = cls.home.tugra("ca", "chain").stdout.decode()
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", chain, re.S)
        cls.nes_pem = cls.home.write("nes.pem", pems[0])
        cls.chain_pem = cls.home.write("chain.pem", chain)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.remove()

    # --- helpers ----------------------------------------------------------------------

    def own_holder(self, nine, sicil_no, surname, mobile):
        """A person of one test's own (in the registry and TEST KURUM's staff) with a card made."""
        person = self.register_person(nine, sicil_no, "Deniz", surname)
        self.make_card(person, mobile=mobile)
        return person

    def ocsp_status(self, serial, expected):
        """`openssl ocsp` against the server until it reports `expected` (a change reaches OCSP within seconds)."""
        cert = self.home.path(f"{serial}.pem")
        run(["openssl", "x509", "-inform", "DER", "-in", self.home.path(f"{serial}.der"), "-out", cert])
        out = ""
        for _ in range(50):
            r = run(["openssl", "ocsp", "-issuer", self.nes_pem, "-cert", cert, "-url", self.base + "/ocsp",
                     "-CAfile", self.chain_pem, "-no_nonce"], check=False)
            out = (r.stdout + r.stderr).decode()
            if re.search(rf": {expected}\b", out) and "Response verify OK" in out:
                return out
            time.sleep(0.2)
        self.fail(f"OCSP never said {expected}: {out}")

    def crl_entry(self, serial):
        """The serial's reason on the published CRL, waiting for a newer CRL if needed."""
        for _ in range(50):
            status, _, der = http(self.base + "/crl/nes.crl")
            path = self.home.write("nes.crl", der)
            text = run(["openssl", "crl", "-inform", "DER", "-in", path, "-noout", "-text"]).stdout.decode()
            entries = text.split("Serial Number: ")[1:]
            entry = next((e for e in entries if e.startswith(serial + "\n")), None)
            if entry:
                m = re.search(r"CRL Reason Code:\s*\n\s+([^\n]+)", entry)
                return m.group(1).strip() if m else ""
            time.sleep(0.2)
        return None

    def download(self, b, serial):
        status, headers, der = http(f"{self.base}/bireysel/sertifikalar/{serial}.crt", opener=b.opener)
        self.assertEqual((status, headers["Content-Type"]), (200, "application/pkix-cert"))
        self.home.write(f"{serial}.der", der)

    # --- the menu ---------------------------------------------------------------------

    def test_a_card_from_production_through_every_status(self):
        serial = self.make_card(CAGRI)
        b = self.holder_login(CAGRI)
        _, _, page = b.get("/bireysel/menu")
        self.assertIn('Sayın <strong id="holder-name">ÇAĞRI IŞIL ÖZTÜRK</strong>', page)
        for action in ("Kullanıma Aç", "Sertifikamı İptal Et", "Bilgi Güncelle", "Sertifika Listele", "PIN / PUK Bilgisi",
                       "Kilit Çözme", "Çıkış"):
            self.assertIn(action, page)
        self.assertIn('id="session-warning"', page)

        _, _, page = b.get("/bireysel/sertifikalar")
        self.assertIn(f'href="/bireysel/sertifikalar/{serial}"', page)
        self.assertIn('data-state="on_hold"', page)
        _, _, page = b.get(f"/bireysel/sertifikalar/{serial}")
        self.assertIn("ÇAĞRI IŞIL ÖZTÜRK", page)
        self.download(b, serial)
        self.ocsp_status(serial, "revoked")  # delivered on hold
        self.assertEqual(self.crl_entry(serial), "Certificate Hold")

        # Kullanıma Aç -> good; Askıya Al -> certificateHold; Askıdan İndir -> good.
        b.get("/bireysel/kullanima-ac")
        self.assertEqual(b.post("/bireysel/kullanima-ac", {"serial": serial})[:2], (303, "/bireysel/menu?ok=activated"))
        _, _, page = b.get("/bireysel/menu?ok=activated")
        self.assertIn("kullanıma açıldı", page)
        self.ocsp_status(serial, "good")
        status, _, page = b.post("/bireysel/kullanima-ac", {"serial": serial})
        self.assertEqual(status, 400)  # not on hold any more
        b.get("/bireysel/askiya-al")
        self.assertEqual(b.post("/bireysel/askiya-al", {"serial": serial})[0], 303)
        out = self.ocsp_status(serial, "revoked")
        self.assertIn("certificateHold", out)
        self.assertEqual(b.post("/bireysel/askidan-indir", {"serial": serial})[0], 303)
        self.ocsp_status(serial, "good")
        self.assertIsNone(self.crl_entry_after_change(serial))

        # Sertifikamı İptal Et: refused without the confirmation, then final.
        b.get("/bireysel/iptal")
        status, _, page = b.post("/bireysel/iptal", {"serial": serial, "reason": "1"})
        self.assertEqual(status, 400)
        self.assertIn("geri alınamayacağını", page)
        self.assertEqual(b.post("/bireysel/iptal", {"serial": serial, "reason": "1", "confirm": "1"})[0], 303)
        out = self.ocsp_status(serial, "revoked")
        self.assertIn("keyCompromise", out)
        self.assertEqual(self.crl_entry(serial), "Key Compromise")
        self.assertEqual(b.post("/bireysel/askidan-indir", {"serial": serial})[0], 400)

        outbox = self.home.tugra("outbox", "--to", "+905321234567", "--limit", "20").stdout.decode()
        for word in ("is now in use", "was suspended", "suspension of your certificate", "was revoked"):
            self.assertIn(word, outbox)
        events = self.home.tugra("audit", "list", "--limit", "100000").stdout.decode()
        self.assertRegex(events, rf"certificate.unsuspended\s+holder:{CAGRI['tckn']}")
        self.assertRegex(events, rf"certificate.revoked\s+holder:{CAGRI['tckn']}")
        self.home.tugra("audit", "verify")

    def test_a_suspension_by_the_ca_is_lifted_by_the_call_centre_only(self):
        person = ISMAIL
        if self.home.sql(f"SELECT COUNT(*) FROM holders WHERE tckn = '{person['tckn']}'").strip() != "1":
            self.make_card(person, mobile="0536 444 55 66")
        serial = [r for r in self.home.certificates() if r["tckn"] == person["tckn"]][0]["serial"]
        b = self.holder_login(person, mobile="+905364445566")
        if self.home.sql(f"SELECT status FROM certificates WHERE serial = '{serial}'").strip() == "suspended":
            b.get("/bireysel/kullanima-ac")
            b.post("/bireysel/kullanima-ac", {"serial": serial})
        self.home.tugra("ca", "suspend", serial)  # the CA's own suspension (actor cli:…)
        b.get("/bireysel/askidan-indir")
        status, _, page = b.post("/bireysel/askidan-indir", {"serial": serial})
        self.assertEqual(status, 400)
        self.assertIn("Çağrı Merkezimizi arayınız", page)
        self.assertEqual(self.home.sql(f"SELECT status FROM certificates WHERE serial = '{serial}'").strip(), "suspended")

        o = Browser(self.base)
        o.get("/kurum/giris")
        o.post("/kurum/giris", {"username": OPERATOR[0], "password": OPERATOR[1]})
        o.get("/kurum/dogrulama")
        self.assertEqual(o.post("/kurum/dogrulama", {"code": fresh_totp(OPERATOR[2])})[1], "/operator")
        _, _, page = o.get("/operator")
        self.assertIn("Askıdan İndir", page)
        status, _, page = o.post("/operator/askidan-indir", {"serial": serial})
        self.assertEqual(status, 200)
        self.assertIn("askıdan indirildi", page)
        self.assertEqual(self.home.sql(f"SELECT status FROM certificates WHERE serial = '{serial}'").strip(), "valid")
        events = self.home.tugra("audit", "list", "--event", "certificate.unsuspended", "--json").stdout.decode()
        self.assertIn("operator:cagri.merkezi", events)

        # The holder's own suspension stays the holder's to lift.
        b.get("/bireysel/askiya-al")
        self.assertEqual(b.post("/bireysel/askiya-al", {"serial": serial})[0], 303)
        self.assertEqual(b.post("/bireysel/askidan-indir", {"serial": serial})[0], 303)
        self.assertEqual(self.home.sql(f"SELECT status FROM certificates WHERE serial = '{serial}'").strip(), "valid")

    def crl_entry_after_change(self, serial):
        """None once a CRL without the serial is published (a lifted suspension)."""
        for _ in range(50):
            if self.crl_entry_once(serial) is None:
                return None
            time.sleep(0.2)
        return "still listed"

    def crl_entry_once(self, serial):
        _, _, der = http(self.base + "/crl/nes.crl")
        text = run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=der).stdout.decode()
        return serial if f"Serial Number: {serial}" in text else None

    def test_pin_puk_opens_the_card_then_is_deleted_for_good(self):
        self.make_card(AYSE, mobile="0535 999 88 77")
        b = self.holder_login(AYSE, mobile="+905359998877")
        _, _, page = b.get("/bireysel/pin-puk")
        pin = re.search(r'id="pin">(\d{6})<', page).group(1)
        puk = re.search(r'id="puk">(\d{8})<', page).group(1)
        card = re.search(r'id="card-serial">(\w+)<', page).group(1)
        self.assertIn("ÜCRET KARŞILIĞINDA", page)
        # Seed 002's note: what a forgotten PIN means for cards of 2010 and before, and since 2011.
        self.assertRegex(page, r'id="card-year-note">.*2010 yılı ve öncesinde.*2011 yılı ve sonrasında.*Kilit Çözme')
        # The PIN shown opens the card, as pkcs11-tool sees it.
        label = next(c["card"] for c in json.loads(self.home.tugra("production", "list", "--json").stdout)
                     if c["tckn"] == AYSE["tckn"])
        self.assertEqual(label, card)
        listed = run(["pkcs11-tool", "--module", VCARD, "--list-token-slots"], env=self.home.env).stdout.decode()
        slot = next(block for block in listed.split("Slot ")[1:] if re.search(rf"serial num\s*:\s*{card}\b", block))
        token = re.search(r"token label\s*:\s*(Tugra NES \d+)", slot).group(1)
        objects = run(["pkcs11-tool", "--module", VCARD, "--token-label", token, "--login", "--pin", pin,
                       "--list-objects", "--type", "privkey"], env=self.home.env).stdout.decode()
        self.assertIn("Private Key Object", objects)
        # Parolalarımı Kaydet: the PDF holds them.
        status, headers, pdf = http(self.base + "/bireysel/pin-puk.pdf", opener=b.opener)
        self.assertEqual(headers["Content-Type"], "application/pdf")
        text = run(["pdftotext", self.home.write("pinpuk.pdf", pdf), "-"]).stdout.decode()
        self.assertIn(pin, text)
        self.assertIn(puk, text)
        # Parolalarımı Sil: refused without the confirmation, then gone for good.
        row = self.home.sql(f"SELECT ciphertext FROM holder_secrets WHERE tckn = '{AYSE['tckn']}'").strip()
        self.assertTrue(row)
        status, _, page = b.post("/bireysel/pin-puk/sil", {})
        self.assertEqual(status, 400)
        # Nothing was deleted, and the page says so: the PIN and PUK are still shown, with the delete form.
        self.assertIn(f'id="pin">{pin}<', page)
        self.assertIn('id="delete"', page)
        self.assertNotIn("Kayıtlı PIN / PUK bilginiz bulunmuyor", page)
        self.assertEqual(b.post("/bireysel/pin-puk/sil", {"confirm": "1"})[:2], (303, "/bireysel/pin-puk?deleted=1"))
        _, _, page = b.get("/bireysel/pin-puk?deleted=1")
        self.assertIn("kalıcı olarak silindi", page)
        self.assertNotIn(pin, page)
        _, _, page = b.get("/bireysel/pin-puk")
        self.assertIn("Kayıtlı PIN / PUK bilginiz bulunmuyor", page)
        self.assertEqual(self.home.sql(f"SELECT COUNT(*) FROM holder_secrets WHERE tckn = '{AYSE['tckn']}'").strip(), "0")
        if harness.ENGINE == "sqlite":
            stored = b""
            for suffix in ("", "-wal"):
                path = self.home.path("tugra.db" + suffix)
                if os.path.exists(path):
                    with open(path, "rb") as f:
                        stored += f.read()
            self.assertNotIn(row.encode(), stored)
            self.assertNotIn(f'"pin":"{pin}"'.encode(), stored)
        events = self.home.tugra("audit", "list", "--limit", "100000").stdout.decode()
        self.assertIn("holder.pin_puk_viewed", events)
        self.assertIn("holder.pin_puk_deleted", events)

    def test_renewal_waits_for_the_old_certificate(self):
        first = self.make_card(SUKRU, mobile="0534 222 33 44")
        b = self.holder_login(SUKRU, mobile="+905342223344")
        self.assertEqual(b.post("/bireysel/kullanima-ac", {"serial": first})[0], 303)
        renewal = self.make_card(SUKRU, mobile="0534 222 33 44", app_type="renewal")
        self.assertNotEqual(first, renewal)
        # The renewal's approval set the security word of its form: the session
        # opened with the old word ends, as after a change on the portal.
        self.assertEqual(b.get("/bireysel/kullanima-ac")[1].get("Location"), "/bireysel/giris")
        b = self.holder_login(SUKRU, mobile="+905342223344")
        # E-Onay: the certificate in use awaits its acceptance, the paper renewal its undertaking.
        _, _, page = b.get("/bireysel/e-onay")
        self.assertIn("Sertifika Kabul Beyanı", page)
        self.assertIn("Yenileme Taahhütnamesi", page)
        query = re.search(r'href="/bireysel/e-onay/belge\?(tur=renewal_undertaking&amp;konu=\d+)"', page).group(1)
        status, headers, pdf = http(self.base + "/bireysel/e-onay/belge?" + query.replace("&amp;", "&"),
                                    headers=b.headers, opener=b.opener)
        self.assertEqual((status, headers["Content-Type"]), (200, "application/pdf"))
        self.assertIn(b"%PDF", pdf[:8])
        # Another holder's document, or one that does not await, is refused.
        self.assertEqual(b.get("/bireysel/e-onay/imzala?tur=acceptance&konu=00")[0], 400)
        _, _, page = b.get("/bireysel/kullanima-ac")
        self.assertIn(first, page)  # named as the one it waits for
        status, _, page = b.post("/bireysel/kullanima-ac", {"serial": renewal})
        self.assertEqual(status, 400)
        self.assertIn(f"yenilediği {first} seri numaralı sertifikanın", page)
        self.assertEqual([c["status"] for c in self.home.certificates() if c["serial"] == renewal], ["suspended"])
        # Once the old one is revoked, the renewal can be put into use.
        b.post("/bireysel/iptal", {"serial": first, "reason": "4", "confirm": "1"})
        self.assertEqual(b.post("/bireysel/kullanima-ac", {"serial": renewal})[0], 303)
        self.assertEqual([c["status"] for c in self.home.certificates() if c["serial"] == renewal], ["valid"])

    def test_details_and_word_change_end_other_sessions(self):
        self.make_card(ISMAIL, mobile="0536 444 55 66")
        first = self.holder_login(ISMAIL, mobile="+905364445566")
        second = self.holder_login(ISMAIL, mobile="+905364445566")
        _, _, page = first.get("/bireysel/bilgi")
        self.assertIn('value="Gebze Yerleşkesi"', page)
        fields = {"address": "Yeni Adres 5", "il": "Ankara", "ilce": "Çankaya", "postal_code": "06100",
                  "email": "basvuru@example.org", "work_phone": "", "work_ext": "", "mobile": "0536 444 55 66",
                  "home_phone": "", "channel": "email"}
        # A new word needs the current one.
        status, _, page = first.post("/bireysel/bilgi", dict(fields, change_word="1", security_word="Yeni2026Söz",
                                                            security_word2="Yeni2026Söz"))
        self.assertEqual(status, 400)
        self.assertRegex(page, r'id="current_word-error" class="error">[^<]*mevcut güvenlik sözcüğünüzü giriniz')
        fields["current_word"] = WORD
        status, _, page = first.post("/bireysel/bilgi", dict(fields, postal_code="6100", change_word="1",
                                                            security_word="Yeni2026Söz", security_word2="Yeni2026Sö"))
        self.assertEqual(status, 400)
        self.assertRegex(page, r'id="postal_code-error" class="error">')
        self.assertRegex(page, r'id="security_word2-error" class="error">[^<]*aynısı değil')
        self.assertEqual(first.post("/bireysel/bilgi", dict(fields, change_word="1", security_word="Yeni2026Söz",
                                                            security_word2="Yeni2026Söz"))[1],
                         "/bireysel/menu?ok=updated")
        self.assertEqual(first.get("/bireysel/menu")[0], 200)  # this session goes on
        self.assertEqual(second.get("/bireysel/menu")[1].get("Location"), "/bireysel/giris")  # the other ended
        mail = self.home.tugra("outbox", "--to", "basvuru@example.org", "--limit", "1").stdout.decode()
        self.assertIn("security word was changed", mail)
        b = Browser(self.base)
        b.get("/bireysel/giris")
        b.captcha()
        status, _, _ = b.post("/bireysel/giris", {"id": ISMAIL["tckn"], "captcha": "ABCDE", "security_word": WORD})
        self.assertEqual(status, 400)  # the old word no longer works
        b = self.holder_login(ISMAIL, word="Yeni2026Söz", mobile="+905364445566")

        # A new mobile and e-mail: the current word, then a code from each new contact.
        new = dict(fields, mobile="0537 111 22 33", email="ismail.yeni@example.org")
        del new["current_word"]
        status, _, page = b.post("/bireysel/bilgi", new)
        self.assertEqual(status, 400)
        self.assertIn("mevcut güvenlik sözcüğünüzü giriniz", page)
        status, _, page = b.post("/bireysel/bilgi", dict(new, current_word="Yanlis2026Söz"))
        self.assertEqual(status, 400)
        self.assertIn("Mevcut güvenlik sözcüğünüz hatalı", page)
        self.assertIn("holder.reauth_failed", self.home.tugra("audit", "list", "--event", "holder.reauth_failed")
                      .stdout.decode())
        self.assertEqual(b.post("/bireysel/bilgi", dict(new, current_word="Yeni2026Söz"))[:2],
                         (303, "/bireysel/bilgi/onay"))
        # Not in use before it is confirmed.
        self.assertEqual(self.home.sql(f"SELECT mobile FROM holders WHERE tckn = '{ISMAIL['tckn']}'").strip(),
                         "+905364445566")
        _, _, page = b.get("/bireysel/bilgi/onay")
        self.assertIn("Yeni İletişim Bilgisi Onayı", page)
        self.assertIn("53* *** ** **", page)
        self.assertIn("i***@example.org", page)
        mobile_code = self.sms_code("+905371112233")
        mail = json.loads(self.home.tugra("outbox", "--to", "ismail.yeni@example.org", "--limit", "1",
                                          "--json").stdout)[0]["body"]
        email_code = re.search(r"\b(\d{6})\b", mail).group(1)
        status, _, page = b.post("/bireysel/bilgi/onay", {"mobile_code": mobile_code, "email_code": "000000"})
        self.assertEqual(status, 400)
        self.assertIn("Kalan deneme hakkı: 2", page)
        self.assertEqual(b.post("/bireysel/bilgi/onay", {"mobile_code": mobile_code, "email_code": email_code})[:2],
                         (303, "/bireysel/menu?ok=updated"))
        self.assertEqual(self.home.sql(f"SELECT mobile, email FROM holders WHERE tckn = '{ISMAIL['tckn']}'").strip(),
                         "+905371112233|ismail.yeni@example.org")
        # The old number and address hear of it too (someone who took over the session would not tell them).
        for old in ("+905364445566", "basvuru@example.org", "+905371112233", "ismail.yeni@example.org"):
            notice = self.home.tugra("outbox", "--to", old, "--limit", "1").stdout.decode()
            self.assertIn("contact details in Individual Services were changed", notice, old)
        self.assertIn("holder.contact_changed", self.home.tugra("audit", "list", "--event", "holder.contact_changed")
                      .stdout.decode())
        self.holder_login(ISMAIL, word="Yeni2026Söz", mobile="+905371112233")  # the code now goes to the new number

    def test_parallel_wrong_words_stop_at_the_limit(self):
        # Each attempt is counted before the word is hashed, so guesses sent at
        # once after two failures get one more try between them, not eight.
        person = CAGRI
        if self.home.sql(f"SELECT COUNT(*) FROM holders WHERE tckn = '{person['tckn']}'").strip() != "1":
            self.make_card(person)

        def failures():
            return self.home.tugra("audit", "list", "--event", "holder.login_failed", "--limit", "100000"
                                   ).stdout.decode().count(person["tckn"])

        def attempt(results=None):
            b = Browser(self.base)
            b.get("/bireysel/giris")
            b.captcha()
            status, _, page = b.post("/bireysel/giris", {"id": person["tckn"], "captcha": "ABCDE",
                                                         "security_word": "Yanlis2026"})
            if results is not None:
                results.append((status, page))

        before = failures()
        attempt()
        attempt()
        results = []
        threads = [threading.Thread(target=attempt, args=(results,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(failures() - before, 3, [r[0] for r in results])
        self.assertEqual(len(results), 8)
        self.assertTrue(all(s in (400, 503) for s, _ in results), [s for s, _ in results])
        self.assertTrue(any("bloke" in page for _, page in results))
        self.home.tugra("holder", "unblock", "--tckn", person["tckn"])  # exit 0: it was blocked

    def test_wrong_words_block_until_an_operator_unblocks(self):
        person = CAGRI if self.home.sql(f"SELECT COUNT(*) FROM holders WHERE tckn = '{CAGRI['tckn']}'").strip() == "1" \
            else None
        if person is None:
            self.make_card(CAGRI)
            person = CAGRI
        answers = []
        for _ in range(3):
            b = Browser(self.base)
            b.get("/bireysel/giris")
            b.captcha()
            answers.append(b.post("/bireysel/giris", {"id": person["tckn"], "captcha": "ABCDE",
                                                      "security_word": "Yanlis2026"})[2])
        self.assertIn("Kimlik No ya da Güvenlik Sözcüğü hatalı", answers[0])
        self.assertIn("Çağrı Merkezimizi arayınız", answers[2])
        # An unknown number gets the same words as a wrong security word.
        b = Browser(self.base)
        b.get("/bireysel/giris")
        b.captcha()
        unknown = b.post("/bireysel/giris", {"id": "10000000146", "captcha": "ABCDE", "security_word": "Yanlis2026"})[2]
        self.assertIn("Kimlik No ya da Güvenlik Sözcüğü hatalı", unknown)
        # Blocked: even the right word is refused.
        b = Browser(self.base)
        b.get("/bireysel/giris")
        b.captcha()
        status, _, page = b.post("/bireysel/giris", {"id": person["tckn"], "captcha": "ABCDE", "security_word": WORD})
        self.assertEqual(status, 400)
        self.assertIn("bloke", page)
        self.home.tugra("holder", "unblock", "--tckn", person["tckn"])
        self.holder_login(person)
        self.assertEqual(self.home.tugra("holder", "unblock", "--tckn", person["tckn"], check=False).returncode, 1)

        # Blocked again, and unblocked on the operator page this time.
        for _ in range(3):
            b = Browser(self.base)
            b.get("/bireysel/giris")
            b.captcha()
            b.post("/bireysel/giris", {"id": person["tckn"], "captcha": "ABCDE", "security_word": "Yanlis2026"})
        o = Browser(self.base)
        o.get("/kurum/giris")
        o.post("/kurum/giris", {"username": OPERATOR[0], "password": OPERATOR[1]})
        o.get("/kurum/dogrulama")
        self.assertEqual(o.post("/kurum/dogrulama", {"code": fresh_totp(OPERATOR[2])})[1], "/operator")
        self.assertEqual(o.get("/kurum")[1].get("Location"), "/kurum/giris")  # not an institution officer
        o.get("/operator")
        status, _, page = o.post("/operator/unblock", {"tckn": person["tckn"]})
        self.assertEqual(status, 200)
        self.assertIn("blokesi kaldırıldı", page)
        self.holder_login(person)
        events = self.home.tugra("audit", "list", "--limit", "100000").stdout.decode()
        self.assertRegex(events, r"holder.unblocked\s+cli:")
        self.assertRegex(events, r"holder.unblocked\s+operator:cagri.merkezi")
        self.assertIn("holder.login_failed", events)

    def test_call_centre_gives_a_new_security_word(self):
        # Seed 004: "Güvenlik sözcüğünüzü hatırlamıyor iseniz ... müşteri hizmetlerini arayarak yeni
        # güvenlik sözcüğünüzü alabilirsiniz": for a holder who cannot read the registered e-mail.
        person = self.own_holder("999000089", "8009", "Sözcüksüz", "0535 999 88 72")
        b = self.holder_login(person, mobile="+905359998872")
        o = Browser(self.base)
        o.get("/kurum/giris")
        o.post("/kurum/giris", {"username": OPERATOR[0], "password": OPERATOR[1]})
        o.get("/kurum/dogrulama")
        self.assertEqual(o.post("/kurum/dogrulama", {"code": fresh_totp(OPERATOR[2])})[1], "/operator")
        o.get("/operator")
        status, _, page = o.post("/operator/sozcuk", {"tckn": "99999999990"})
        self.assertEqual(status, 400)
        self.assertIn("sertifika sahibi yok", page)
        status, _, page = o.post("/operator/sozcuk", {"tckn": person["tckn"]})
        self.assertEqual(status, 200)
        word = re.search(r'id="new-word">([A-Z2-9]{12})<', page).group(1)
        self.assertNotIn(word, o.get("/operator")[2])  # shown once
        self.assertEqual(b.get("/bireysel/menu")[1].get("Location"), "/bireysel/giris")  # the old session ended
        c = Browser(self.base)
        c.get("/bireysel/giris")
        c.captcha()
        self.assertEqual(c.post("/bireysel/giris", {"id": person["tckn"], "captcha": "ABCDE", "security_word": WORD})[0], 400)
        self.holder_login(person, word=word, mobile="+905359998872")
        self.assertRegex(self.home.tugra("audit", "list", "--event", "holder.word_issued_by_call_centre").stdout.decode(),
                         r"holder.word_issued_by_call_centre\s+operator:cagri.merkezi")
        self.assertNotIn(word, self.home.tugra("audit", "list", "--limit", "100000").stdout.decode())
        notices = json.loads(self.home.tugra("outbox", "--limit", "20", "--json").stdout)
        self.assertTrue(any(re.search("Çağrı Merkezimiz tarafından yenilendi|call centre gave you a new security word",
                                      m["body"]) for m in notices), notices)

    def test_sms_code_attempts_and_post_rate_limit(self):
        if self.home.sql(f"SELECT COUNT(*) FROM holders WHERE tckn = '{CAGRI['tckn']}'").strip() != "1":
            self.make_card(CAGRI)
        b = Browser(self.base)
        b.get("/bireysel/giris")
        b.captcha()
        status, location, page = b.post("/bireysel/giris", {"id": CAGRI["tckn"], "captcha": "ABCDE",
                                                            "security_word": WORD})
        self.assertEqual(location, "/bireysel/sms", re.findall(r'id="login-error">([^<]*)', page))
        b.get("/bireysel/sms")  # the page after the redirect carries the new session's token
        self.assertEqual(b.post("/bireysel/sms", {})[1], "/bireysel/sms/kod")
        code = self.sms_code()
        wrong = "%06d" % ((int(code) + 1) % 1000000)
        for left in ("2", "1"):
            self.assertIn(f"Kalan deneme hakkı: {left}", b.post("/bireysel/sms/kod", {"code": wrong})[2])
        self.assertIn("geçersiz kılındı", b.post("/bireysel/sms/kod", {"code": wrong})[2])
        self.assertEqual(b.post("/bireysel/sms/kod", {"code": code})[1], "/bireysel/sms")
        self.assertEqual(b.get("/bireysel/menu")[1].get("Location"), "/bireysel/giris")

        # A new log-in does not give new guesses: codes are counted for the holder
        # (portal.sms_code_failures, 6), in parallel too, and each wrong one is audited.
        def at_code_page():
            c = Browser(self.base)
            c.get("/bireysel/giris")
            c.captcha()
            c.post("/bireysel/giris", {"id": CAGRI["tckn"], "captcha": "ABCDE", "security_word": WORD})
            c.get("/bireysel/sms")
            return c, c.post("/bireysel/sms", {})
        sessions = []
        for _ in range(8):
            c, (status, location, _) = at_code_page()
            self.assertEqual(location, "/bireysel/sms/kod")
            sessions.append(c)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda c: c.post("/bireysel/sms/kod", {"code": "000000"}), sessions))
        locked = [a for a in answers if a[0] == 429]
        # Three of the eight were counted (3 + 3 = 6: locked by the last), five never compared.
        self.assertGreaterEqual(len(locked), 6, [a[0] for a in answers])
        self.assertTrue(all(a[0] in (400, 429) for a in answers))
        self.assertIn("30 dakika kapalıdır", locked[0][2])
        c, (status, _, page) = at_code_page()
        self.assertEqual(status, 429)  # no code is even sent while locked
        wrong_events = self.home.tugra("audit", "list", "--event", "portal.sms_code_wrong", "--json").stdout
        self.assertEqual(sum(1 for e in json.loads(wrong_events) if e["subject"] == "holder:" + CAGRI["tckn"]), 6)
        self.home.sql(f"DELETE FROM login_failures WHERE scope = 'sms:holder:{CAGRI['tckn']}'")
        # Form posts from one address are limited per minute.
        limited = harness.Server(self.home, TUGRA_PORTAL_POSTS_PER_MINUTE="5")
        try:
            c = Browser(limited.base)
            c.get("/bireysel/giris")
            statuses = [c.post("/bireysel/giris", {"id": "1", "captcha": "x", "security_word": "y"})[0]
                        for _ in range(8)]
            self.assertIn(429, statuses)
            self.assertEqual(statuses[:5], [400] * 5)
        finally:
            limited.stop()

    def test_unlock_authorisation_for_the_card_agent(self):
        # A holder of this test's own (the others' PIN/PUK may be deleted by then).
        person = self.own_holder("999000088", "8008", "Kilitçi", "0535 999 88 71")
        b = self.holder_login(person, mobile="+905359998871")
        _, _, page = b.get("/bireysel/kilit-coz")
        self.assertIn("Lütfen kartınızı kart okuyucusuna takınız", page)
        self.assertEqual(b.post("/bireysel/kilit-coz", {})[:2], (303, "/bireysel/kilit-coz"))
        _, headers, page = b.get("/bireysel/kilit-coz")
        # The page hands the agent a nonce, the card and the portal's X25519 key; no PIN field.
        nonce = re.search(r'data-nonce="([A-Za-z0-9_-]{43})"', page).group(1)
        key = re.search(r'data-server-key="([A-Za-z0-9+/=]{44})"', page).group(1)
        self.assertNotIn('name="new_pin"', page)
        self.assertIn("connect-src 'self' http://127.0.0.1:24817", headers["Content-Security-Policy"])
        row = self.home.sql(f"SELECT token_hash || '|' || server_key || '|' || sealed_pin FROM unlock_authorizations "
                            f"WHERE tckn = '{person['tckn']}'")
        self.assertNotIn(nonce, row)   # hashed
        self.assertTrue(row.strip().endswith("|"), row)  # no PIN on the server, sealed or not
        self.assertIn("card.unlock_authorized", self.home.tugra("audit", "list", "--limit", "100000").stdout.decode())
        # A release with another nonce, or without the agent's sealed PUK, gives nothing out.
        for fields in ({"nonce": "x" * 43}, {"nonce": nonce, "card_serial": "X", "agent_key": key, "sealed_new_puk": "AA"}):
            status, _, answer = b.post("/bireysel/kilit-coz/puk", fields)
            self.assertIn(status, (400, 403), answer)
            self.assertNotIn("sealed_puk", answer)
        self.assertEqual(self.home.sql(f"SELECT released_at FROM unlock_authorizations WHERE tckn = '{person['tckn']}'").strip(), "0")
        count = lambda: self.home.sql(f"SELECT COUNT(*) FROM unlock_authorizations WHERE tckn = '{person['tckn']}'").strip()
        # Expired: the ca role destroys it whether anyone visits or not.
        self.home.sql(f"UPDATE unlock_authorizations SET expires_at = 1 WHERE tckn = '{person['tckn']}'")
        for _ in range(50):
            if count() == "0":
                break
            time.sleep(0.2)
        self.assertEqual(count(), "0")
        self.assertIn("card.unlock_expired", self.home.tugra("audit", "list", "--event", "card.unlock_expired").stdout.decode())
        # "Parolalarımı Sil" destroys a waiting one too, and then the PUK cannot be released at all.
        self.assertEqual(b.post("/bireysel/kilit-coz", {})[:2], (303, "/bireysel/kilit-coz"))
        self.assertEqual(count(), "1")
        b.get("/bireysel/pin-puk")
        self.assertEqual(b.post("/bireysel/pin-puk/sil", {"confirm": "1"})[0], 303)
        self.assertEqual(count(), "0")
        status, _, page = b.post("/bireysel/kilit-coz", {})
        self.assertEqual(status, 400)
        self.assertIn("Çağrı Merkezimizi arayınız", page)
        self.assertEqual(count(), "0")

    def test_forgotten_word_by_e_mail_link(self):
        if self.home.sql(f"SELECT COUNT(*) FROM holders WHERE tckn = '{CAGRI['tckn']}'").strip() != "1":
            self.make_card(CAGRI)
        smtp = SmtpServer()
        server = harness.Server(self.home, TUGRA_NOTIFY_EMAIL="smtp", TUGRA_NOTIFY_SMTP_URL=f"smtp://127.0.0.1:{smtp.port}",
                                TUGRA_SERVICE_PUBLIC_BASE_URL="http://portal.test")
        try:
            answers = []
            # The answer never waits for the lookup or the mail (done after it, so its
            # timing tells nothing): it comes while the reset links are locked.
            with self.database_locked("reset_links"):
                for number in (CAGRI["tckn"], "10000000146"):
                    b = Browser(server.base)
                    _, _, page = b.get("/bireysel/sozcuk/unuttum")
                    self.assertIn("Güvenlik Sözcüğü İstek Ekranı", page)
                    b.captcha()
                    status, _, page = b.post("/bireysel/sozcuk/unuttum", {"id": number, "captcha": "ABCDE"})
                    self.assertEqual(status, 200)
                    answers.append(re.search(r'id="result">([^<]*)<', page).group(1))
                self.assertEqual(smtp.messages, [])
            self.assertEqual(answers[0], answers[1])  # no way to tell who has a certificate
            self.wait_for_mail(smtp, 0, r"/bireysel/sozcuk/yenile")
            self.assertEqual(len(smtp.messages), 1)
            _, recipients, message = smtp.messages[0]
            self.assertEqual(recipients, ["<basvuru@example.org>"])
            link = re.search(r"http://portal.test(/bireysel/sozcuk/yenile\?t=[A-Za-z0-9_-]+)", message.get_content()).group(1)
            self.assertIn("444 5 576", message.get_content())  # whom to call with questions
            b = Browser(server.base)
            _, _, page = b.get(link)
            self.assertIn("Güvenlik Sözcüğü Güncelleme Ekranı", page)
            token = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)["t"][0]
            status, _, page = b.post("/bireysel/sozcuk/yenile", {"t": token, "security_word": "Unuttum2026x",
                                                                 "security_word2": "Unuttum2026y"})
            self.assertEqual(status, 400)
            status, _, page = b.post("/bireysel/sozcuk/yenile", {"t": token, "security_word": "Unuttum2026x",
                                                                 "security_word2": "Unuttum2026x"})
            self.assertIn("başarıyla güncellenmiştir", page)
            self.assertEqual(b.get(link)[0], 400)  # used
            self.holder_login(CAGRI, word="Unuttum2026x")
            # An expired link is refused too.
            b = Browser(server.base)
            b.get("/bireysel/sozcuk/unuttum")
            b.captcha()
            seen = len(smtp.messages)
            b.post("/bireysel/sozcuk/unuttum", {"id": CAGRI["tckn"], "captcha": "ABCDE"})
            link = self.wait_for_mail(smtp, seen, r"(/bireysel/sozcuk/yenile\?t=[A-Za-z0-9_-]+)")
            self.home.sql("UPDATE reset_links SET expires_at = 1")
            self.assertEqual(b.get(link)[0], 400)
            # Put the word back for the other tests.
            self.home.sql("DELETE FROM reset_links")
        finally:
            server.stop()
            smtp.stop()
        self.restore_word(CAGRI, "Unuttum2026x")

    def wait_for_mail(self, smtp, after, pattern):
        """The first group of `pattern` in a mail that came after the first `after` (sent after the answer)."""
        for _ in range(100):
            for _, _, message in smtp.messages[after:]:
                if m := re.search(pattern, message.get_content()):
                    return m.group(m.lastindex or 0)
            time.sleep(0.1)
        self.fail(f"no mail matching {pattern}")

    @contextlib.contextmanager
    def database_locked(self, table):
        """Another client holds `table` locked (SQLite: the whole database for writers) until the block ends."""
        if harness.ENGINE == "postgresql":
            psql = subprocess.Popen(["psql", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", self.home.env["TUGRA_DATABASE_URL"]],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            psql.stdin.write(f"BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE; SELECT 'locked';\n")
            psql.stdin.flush()
            self.assertEqual(psql.stdout.readline().strip(), "locked")
            try:
                yield
            finally:
                psql.stdin.write("COMMIT;\n")
                psql.stdin.close()
                psql.wait(timeout=20)
        else:
            db = sqlite3.connect(self.home.path("tugra.db"), isolation_level=None)
            db.execute("BEGIN EXCLUSIVE")
            try:
                yield
            finally:
                db.execute("COMMIT")
                db.close()

    def restore_word(self, person, current):
        b = self.holder_login(person, word=current)
        _, _, page = b.get("/bireysel/bilgi")
        values = form_values(page)
        values["channel"] = "both"
        status, location, page = b.post("/bireysel/bilgi", dict(values, change_word="1", security_word=WORD,
                                                                security_word2=WORD, current_word=current))
        self.assertEqual((status, location), (303, "/bireysel/menu?ok=updated"), errors_in(page))


if __name__ == "__main__":
    harness.main()
