"""The application portal (seed 000) and the officer console driven over HTTP
as a browser would (cookies, CSRF tokens, redirects), with what it emits
checked outside the server: pdftotext on the printed form, the outbox,
`tugra production run` making the card, the audit chain, and the SMTP and
HTTP-SMS adapters delivering to real servers on loopback."""
import concurrent.futures
import hashlib
import json
import re
import time
import unittest
import urllib.parse

import harness
from harness import http, run
from loopback_servers import SmsGateway, SmtpServer
from portal_client import (PortalSteps, ALI, AYSE, CAGRI, ISMAIL, OFFICER, SUKRU, TOTP_SECRET, WORD, Browser, errors_in,
                           form_fields, fresh_totp, tckn, totp)

class Portal(PortalSteps, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_demo(TUGRA_PORTAL_SMS_CODE_SECONDS="4", TUGRA_PORTAL_OFFICER_LOGINS_PER_MINUTE="1000")

    # --- the journey ---------------------------------------------------------------

    def test_journey_to_a_card(self):
        b = self.apply(CAGRI)
        status, _, page = b.get("/basvuru/islak")
        self.assertIn("Adım : 6/6", page)
        self.assertIn("Ali Nafiz Çamlı (TEST KURUM)", page)
        self.assertIn('id="pdf-reader-note"', page)  # seed 000: which reader opens the PDF
        # Step 1/6 tells where to find one's identity number, and whom to write or call.
        _, _, first = Browser(self.base).get("/basvuru")
        self.assertIn('href="https://tckimlik.nvi.gov.tr"', first)
        self.assertIn('href="mailto:bilgi@tugra.example"', first)
        self.assertIn("444 5 576", first)
        status, headers, pdf = http(self.base + "/basvuru/form.pdf", opener=b.opener)
        self.assertEqual((status, headers["Content-Type"]), (200, "application/pdf"))
        path = self.home.write("form.pdf", pdf)
        text = run(["pdftotext", "-layout", path, "-"]).stdout.decode()
        for expected in ("ÇAĞRI IŞIL", "ÖZTÜRK", "İZMİR", "Bilgi İşlem", "TAAHHÜTNAMESİ", "Ali Nafiz Çamlı (TEST KURUM)",
                         "G…z", "99900000210"):
            self.assertIn(expected, text)
        self.assertNotIn(WORD, text)
        self.assertNotIn(WORD[1:-1], text)
        fonts = run(["pdffonts", path]).stdout.decode()
        self.assertNotRegex(fonts, r"\bno\s+(yes|no)\s+(yes|no)\s+\d+")  # every font embedded

        # Logging in again reopens the same application for update and reprint.
        again, status, location, _ = self.log_in(CAGRI)
        self.assertEqual(location, "/basvuru/form")
        _, _, page = again.get("/basvuru/form")
        self.assertIn("Son doldurduğunuz başvuru formu açıldı", page)
        self.assertIn('value="Bilgi İşlem"', page)
        app_id = self.application_id(CAGRI["tckn"])

        # The officer records the signed form and the receipt, then approves.
        o = self.officer()
        _, _, page = o.get("/kurum")
        self.assertIn(f'href="/kurum/basvuru/{app_id}"', page)
        status, _, page = o.post(f"/kurum/basvuru/{app_id}/onay", {})
        self.assertEqual(status, 400)  # not received yet
        self.assertEqual(o.post(f"/kurum/basvuru/{app_id}/teslim", {"receipt_no": "DK-2026/17"})[0], 303)
        self.assertEqual(o.post(f"/kurum/basvuru/{app_id}/onay", {})[0], 303)
        _, _, page = o.get(f"/kurum/basvuru/{app_id}")
        self.assertIn('data-state="approved"', page)
        outbox = self.home.tugra("outbox", "--to", "basvuru@example.org", "--json").stdout.decode()
        self.assertIn("was approved", outbox)  # the service's language (TUGRA_LANG=en here)

        # The application is queued for production; a run makes the card.
        queued = self.home.tugra("production", "list").stdout.decode()
        self.assertIn("99900000210", queued)
        self.home.tugra("vcard", "add")
        self.home.tugra("production", "run")
        self.assertRegex(self.home.tugra("production", "list").stdout.decode(), r"99900000210\t.*\tdone\t")
        # The holder hears the card is made, with the tracking number (on both channels, as the form chose).
        tracking = [r for r in json.loads(self.home.tugra("production", "list", "--json").stdout)
                    if r["tckn"] == CAGRI["tckn"]][-1]["tracking_number"]
        outbox = self.home.tugra("outbox", "--to", "basvuru@example.org", "--json").stdout.decode()
        self.assertIn(f"Tracking number: {tracking}", outbox)
        certs = [c for c in self.home.certificates() if c["tckn"] == CAGRI["tckn"]]
        self.assertEqual(len(certs), 1)
        self.assertEqual(certs[0]["status"], "suspended")
        self.assertIn("ÇAĞRI IŞIL ÖZTÜRK", certs[0]["subject"])
        self.home.tugra("audit", "verify")
        events = self.home.tugra("audit", "list", "--limit", "100000").stdout.decode()
        for event in ("application.created", "application.confirmed", "application.submitted",
                      "application.form_received", "application.approved", "officer.login", "certificate.issued"):
            self.assertIn(event, events)
        # Processed: the applicant can no longer change it.
        _, _, location, page = self.log_in(CAGRI)
        self.assertEqual(location, "/basvuru/form")  # a new application may be started

        # The shipment of the card is found by its number on the public page.
        tracking = self.home.sql(f"SELECT tracking_number FROM shipments").split()[0]
        _, _, page = Browser(self.base).get("/gonderi?no=" + tracking)
        self.assertIn("hazırlanıyor", page)

    def test_officer_cannot_decide_own_application_and_rejects_with_reason(self):
        self.apply(ALI, mobile="0533 111 22 33")
        own = self.application_id(ALI["tckn"])
        o = self.officer()
        self.assertEqual(o.post(f"/kurum/basvuru/{own}/teslim", {"receipt_no": "DK-1"})[0], 303)
        status, _, page = o.post(f"/kurum/basvuru/{own}/onay", {})
        self.assertEqual(status, 400)
        self.assertIn("Kendi başvurunuzu onaylayamaz", page)
        status, _, page = o.post(f"/kurum/basvuru/{own}/red", {"reason": "deneme"})
        self.assertEqual(status, 400)
        self.assertEqual(self.home.sql(f"SELECT state FROM applications WHERE id = {own}").strip(), "received")

        self.apply(SUKRU, mobile="0534 222 33 44")
        other = self.application_id(SUKRU["tckn"])
        self.assertEqual(o.post(f"/kurum/basvuru/{other}/red", {"reason": ""})[0], 400)
        self.assertEqual(o.post(f"/kurum/basvuru/{other}/red", {"reason": "Dekont eksik"})[0], 303)
        self.assertEqual(self.home.sql(f"SELECT state FROM applications WHERE id = {other}").strip(), "rejected")
        sms = self.home.tugra("outbox", "--to", "+905342223344", "--limit", "1").stdout.decode()
        self.assertIn("Dekont eksik", sms)

    def test_officer_second_factor_and_password_are_checked(self):
        b = Browser(self.base)
        status, _, page = self.officer_password(b, OFFICER[0], "wrong-password")
        self.assertEqual(status, 400)
        self.assertIn("Kullanıcı adı ya da parola hatalı", page)
        self.assertIn('name="captcha"', page)  # asked from now on
        self.assertEqual(b.post("/kurum/giris", {"username": OFFICER[0], "password": OFFICER[1],
                                                 "captcha": b.captcha()})[:2], (303, "/kurum/dogrulama"))
        b.get("/kurum/dogrulama")
        wrong = "%06d" % ((int(totp(TOTP_SECRET)) + 500000) % 1000000)
        status, _, page = b.post("/kurum/dogrulama", {"code": wrong})
        self.assertEqual(status, 400)
        # Without the second factor the console stays closed.
        status, location, _ = b.get("/kurum")[0], b.get("/kurum")[1].get("Location"), None
        self.assertEqual((status, location), (303, "/kurum/giris"))
        self.assertIn("officer.login_failed", self.home.tugra("audit", "list", "--limit", "100000").stdout.decode())

    def test_officer_log_in_cannot_be_locked_anonymously_or_flooded(self):
        # Its own server: an address memory and a budget of their own.
        server = harness.Server(self.home, "--roles", "portal", TUGRA_PORTAL_OFFICER_LOGINS_PER_MINUTE="12")
        failures = lambda: self.home.tugra("audit", "list", "--event", "officer.login_failed", "--limit", "100000",
                                           "--json").stdout.count(b'"subject"')
        try:
            before = failures()
            attacker = Browser(server.base)
            attacker.get("/kurum/giris")
            statuses = [attacker.post("/kurum/giris", {"username": OFFICER[0], "password": f"guess-{i}"})
                        for i in range(8)]
            # One wrong password was hashed and counted; the rest were asked for a captcha first.
            self.assertEqual(statuses[0][0], 400)
            self.assertTrue(all("resimdeki güvenlik kodunu" in page for _, _, page in statuses[1:]))
            self.assertEqual(failures(), before + 1)
            # The account is not locked: the officer (answering the captcha) gets past the password.
            self.assertEqual(self.officer_password(Browser(server.base), *OFFICER)[:2], (303, "/kurum/dogrulama"))
            # The budget per address: refused before any hash.
            rest = [attacker.post("/kurum/giris", {"username": "x", "password": "y"})[0] for _ in range(20)]
            self.assertIn(429, rest)
            self.assertEqual(failures(), before + 1)
        finally:
            server.stop()
            self.home.sql(f"DELETE FROM login_failures WHERE scope = 'officer:{OFFICER[0]}'")

    def test_accounts_are_disabled_reset_and_re_enrolled(self):
        institution = self.home.sql(f"SELECT institution_id FROM officers WHERE username = '{OFFICER[0]}'").strip()
        name, password = "memur.hesap", "Hesap-Parola-2026"
        out = self.home.tugra("institution", "officer-add", "--institution", institution, "--username", name,
                              "--tckn", tckn("555000009"), "--name", "Hesap Memuru", "--password-stdin",
                              input=(password + "\n").encode()).stdout.decode()
        secret = out.split()[-1]
        b = self.officer(name, password, secret, fresh=True)
        self.home.tugra("institution", "officer-disable", "--username", name)
        self.assertEqual(b.get("/kurum")[1].get("Location"), "/kurum/giris")  # the open session ends
        status, _, page = self.officer_password(Browser(self.base), name, password)
        self.assertEqual(status, 400)
        self.assertIn("kullanıma kapatılmıştır", page)
        self.home.tugra("institution", "officer-enable", "--username", name)
        self.home.tugra("institution", "password-reset", "--username", name, "--password-stdin",
                        input=b"Yeni-Hesap-Parola-2026\n")
        self.assertEqual(self.officer_password(Browser(self.base), name, password)[0], 400)  # the old one is gone
        new_secret = self.home.tugra("institution", "totp-reset", "--username", name).stdout.decode().split()[-1]
        self.assertNotEqual(new_secret, secret)
        c = Browser(self.base)
        self.assertEqual(self.officer_password(c, name, "Yeni-Hesap-Parola-2026")[1], "/kurum/dogrulama")
        c.get("/kurum/dogrulama")
        self.assertEqual(c.post("/kurum/dogrulama", {"code": fresh_totp(secret)})[0], 400)  # the old key is gone
        self.assertEqual(self.officer(name, "Yeni-Hesap-Parola-2026", new_secret, fresh=True).get("/kurum")[0], 200)
        events = self.home.tugra("audit", "list", "--limit", "100000").stdout.decode()
        for event in ("officer.disabled", "officer.enabled", "officer.password_reset", "officer.totp_reset",
                      "officer.login_disabled"):
            self.assertIn(event, events)
        r = self.home.tugra("institution", "officer-disable", "--username", "no.such.officer", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("There is no officer no.such.officer", r.stderr.decode())

    def test_officer_codes_are_accepted_once(self):
        def second_factor(code):
            b = Browser(self.base)
            self.officer_password(b, *OFFICER)
            b.get("/kurum/dogrulama")
            return b.post("/kurum/dogrulama", {"code": code})

        code = fresh_totp(TOTP_SECRET)
        self.assertEqual(second_factor(code)[:2], (303, "/kurum"))
        status, _, page = second_factor(code)  # the same code again, still inside its window
        self.assertEqual(status, 400)
        self.assertIn("daha önce kullanıldı", page)
        self.assertIn("officer.code_replayed", self.home.tugra("audit", "list", "--event", "officer.code_replayed")
                      .stdout.decode())
        # Eight log-ins racing with one fresh code: one gets in.
        code = fresh_totp(TOTP_SECRET)
        browsers = []
        for _ in range(8):
            b = Browser(self.base)
            self.officer_password(b, *OFFICER)
            b.get("/kurum/dogrulama")
            browsers.append(b)
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda b: b.post("/kurum/dogrulama", {"code": code})[:2], browsers))
        self.assertEqual(answers.count((303, "/kurum")), 1, answers)
        self.home.sql(f"DELETE FROM login_failures WHERE scope = 'officer:{OFFICER[0]}'")  # for the other tests

    # --- bad input changes nothing -----------------------------------------------------

    def test_invalid_tckn_wrong_and_reused_captcha(self):
        before = self.audit_count()
        b, status, _, page = self.log_in(dict(CAGRI, tckn="12345678901"))
        self.assertEqual(status, 400)
        self.assertIn("Geçerli bir T.C. Kimlik Numarası ya da 99 ile başlayan Yabancı Kimlik Numarası giriniz", errors_in(page)[0])
        self.assertIn('value="çağrı ışıl"', page)  # the input is kept

        b.get("/basvuru")
        b.captcha()
        status, _, page = b.post("/basvuru", dict(CAGRI, captcha="XXXXX"))
        self.assertEqual(status, 400)
        self.assertIn("Resimdeki yazıyı yanlış girdiniz", " ".join(errors_in(page)))
        # The same (right) answer again without a new image: the captcha was used up.
        status, _, page = b.post("/basvuru", dict(CAGRI, captcha="ABCDE"))
        self.assertEqual(status, 400)
        self.assertIn("süresi doldu", " ".join(errors_in(page)))
        self.assertEqual(self.audit_count(), before)

    def test_csrf_less_and_oversized_posts_are_refused(self):
        before = (self.audit_count(), self.home.sql("SELECT COUNT(*) FROM applications"))
        b = Browser(self.base)
        b.get("/basvuru")
        b.captcha()
        status, _, page = b.post("/basvuru", dict(CAGRI, captcha="ABCDE"), csrf=False)
        self.assertEqual(status, 403)
        self.assertIn("Güvenlik doğrulaması başarısız", page)
        status, _, _ = b.post("/basvuru", dict(CAGRI, captcha="ABCDE", csrf="forged-token"), csrf=False)
        self.assertEqual(status, 403)
        status, _, page = b.post("/basvuru", dict(CAGRI, captcha="ABCDE", given_name="A" * 9000))  # over 8 KiB a field
        self.assertEqual(status, 400)
        self.assertIn("Form verisi okunamadı", page)
        # A form posted from another site has no session cookie of ours.
        status, _, _ = Browser(self.base).post("/kurum/giris", {"username": "x", "password": "y", "csrf": b.csrf},
                                               csrf=False)
        self.assertEqual(status, 403)
        self.assertEqual((self.audit_count(), self.home.sql("SELECT COUNT(*) FROM applications")), before)

    def test_captcha_needs_a_page_first_and_is_rate_limited(self):
        # No cookie of ours (no page was loaded): no captcha, no session.
        self.assertEqual(http(self.base + "/captcha.png")[0], 403)
        # A server of its own: its limit spent here does not hold up the other tests.
        server = harness.Server(self.home, "--roles", "portal", TUGRA_PORTAL_CAPTCHAS_PER_MINUTE="5")
        try:
            b = Browser(server.base)
            b.get("/basvuru")
            statuses = [http(server.base + "/captcha.png", headers=b.headers, opener=b.opener)[0] for _ in range(8)]
        finally:
            server.stop()
        self.assertEqual(statuses[:5], [200] * 5)
        self.assertIn(429, statuses[5:])

    def test_form_errors_beside_fields_and_nothing_saved(self):
        b, status, location, page = self.log_in(ISMAIL)
        self.assertEqual(location, "/basvuru/form", errors_in(page))
        b.get("/basvuru/form")
        status, _, page = b.post("/basvuru/form", form_fields(security_word2="Baska2026Söz", postal_code="4147",
                                                             email="not-an-address", mobile="0212 555 11 11"))
        self.assertEqual(status, 400)
        for field, text in (("security_word2", "birbirinin aynısı değil"), ("postal_code", "5 rakam"),
                            ("email", "e-posta"), ("mobile", "cep telefonu")):
            self.assertRegex(page, rf'id="{field}-error" class="error">[^<]*{text}', field)
        self.assertIn('value="not-an-address"', page)
        status, _, page = b.post("/basvuru/form", form_fields(security_word="ismail2026", security_word2="ismail2026"))
        self.assertRegex(page, r'id="security_word-error" class="error">[^<]*adınızı')
        # A right-to-left override (U+202E) or a zero-width space would reorder
        # or hide text on the printed form: refused, saying why.
        status, _, page = b.post("/basvuru/form", form_fields(address="Blok A \u202eexe.fdp", unit="Bilgi\u200bİşlem"))
        self.assertEqual(status, 400)
        for field in ("address", "unit"):
            self.assertRegex(page, rf'id="{field}-error" class="error">[^<]*biçim ya da yön karakteri', field)
        self.assertEqual(self.home.sql(f"SELECT COUNT(*) FROM applications WHERE tckn = '{ISMAIL['tckn']}'").strip(), "0")

    def test_wrong_and_expired_sms_codes(self):
        b, _, _, _ = self.log_in(AYSE)
        b.get("/basvuru/form")
        self.assertEqual(b.post("/basvuru/form", form_fields(mobile="0535 999 88 77"))[1], "/basvuru/sms")
        b.get("/basvuru/sms")
        b.post("/basvuru/sms", {})
        code = self.sms_code("+905359998877")
        wrong = "%06d" % ((int(code) + 1) % 1000000)
        status, _, page = b.post("/basvuru/sms/kod", {"code": wrong})
        self.assertEqual(status, 400)
        self.assertIn("Kalan deneme hakkı: 2", page)
        b.post("/basvuru/sms/kod", {"code": wrong})
        status, _, page = b.post("/basvuru/sms/kod", {"code": wrong})
        self.assertIn("geçersiz kılındı", page)
        # Even the right code is refused once the code is void.
        self.assertEqual(b.post("/basvuru/sms/kod", {"code": code})[:2], (303, "/basvuru/sms"))
        # A new code that expires before it is entered.
        b.get("/basvuru/sms")
        b.post("/basvuru/sms", {})
        code = self.sms_code("+905359998877")
        time.sleep(5)  # portal.sms_code_seconds is 4 in this test
        status, _, page = b.post("/basvuru/sms/kod", {"code": code})
        self.assertEqual(status, 400)
        self.assertIn("süresi doldu", page)
        self.assertEqual(self.home.sql(f"SELECT state FROM applications WHERE tckn = '{AYSE['tckn']}'").strip(), "draft")

    def test_identity_probing_gets_one_vague_answer_then_a_lock(self):
        answers = set()
        for wrong in ({"birth_place": "Ankara"}, {"sicil_no": "9999"}, {"given_name": "Başka"}, {}):
            _, status, _, page = self.log_in(dict(ISMAIL, **wrong) if wrong else dict(ISMAIL, tckn="10000000146"))
            self.assertEqual(status, 400)
            answers.add(re.search(r'id="general-error">([^<]*)<', page).group(1))
        self.assertEqual(len(answers), 1, answers)  # the same words whatever was wrong
        # Five failures for one number lock it, even for the right details.
        target = self.register_person("999000077", "7007", "Deniz", "Kilitli")
        for _ in range(5):
            self.log_in(dict(target, birth_place="Yanlış"))
        _, status, _, page = self.log_in(target)
        self.assertEqual(status, 400)
        self.assertIn("geçici olarak kapatıldı", page)
        self.assertIn("application.identity_failed", self.home.tugra("audit", "list", "--limit", "100000").stdout.decode())

    def test_session_id_changes_at_log_in_and_logout_ends_it(self):
        b = Browser(self.base)
        b.get("/basvuru")
        before = {c.name: c.value for c in b.jar}["tugra_session"]
        b.captcha()
        self.assertEqual(b.post("/basvuru", dict(ISMAIL, captcha="ABCDE"))[1], "/basvuru/form")
        after = {c.name: c.value for c in b.jar}["tugra_session"]
        self.assertNotEqual(before, after)
        # The old id opens nothing.
        old = Browser(self.base)
        old.jar.set_cookie(next(c for c in b.jar if c.name == "tugra_session").__class__(
            0, "tugra_session", before, None, False, "127.0.0.1", False, False, "/", True, False, None, False,
            None, None, {}))
        self.assertEqual(old.get("/basvuru/form")[1].get("Location"), "/basvuru")
        self.assertEqual(b.get("/basvuru/form")[0], 200)
        self.assertEqual(b.post("/cikis", {})[:2], (303, "/"))
        self.assertEqual(b.get("/basvuru/form")[1].get("Location"), "/basvuru")

    # --- public pages, headers, language -------------------------------------------------

    def test_security_headers_cookies_and_english(self):
        status, headers, page = Browser(self.base).get("/")
        self.assertEqual(status, 200)
        self.assertIn("frame-ancestors 'none'", headers["Content-Security-Policy"])
        self.assertNotIn("unsafe-inline", headers["Content-Security-Policy"])
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        self.assertEqual(headers["Referrer-Policy"], "same-origin")
        self.assertRegex(headers["Set-Cookie"], r"tugra_session=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict")
        for tile in ("Kurum", "Personel", "Başvuru", "Bireysel", "Sürücü"):
            self.assertIn(f"<strong>{tile}</strong>", page)
        self.assertNotIn("<script>", page)
        _, _, page = Browser(self.base).get("/basvuru?lang=en")
        self.assertIn("Qualified Electronic Certificate Application", page)
        _, _, page = Browser(self.base, accept_language="en-GB,en;q=0.8").get("/basvuru")
        self.assertIn('lang="en"', page)
        _, _, page = Browser(self.base).get("/kurum/bilgi")
        self.assertIn("Ne yapmalıyım", page)
        # Public, cacheable answers never set a cookie (a cache would hand it to everyone).
        for path in ("/static/portal.css", "/static/portal.js"):
            status, headers, _ = Browser(self.base).get(path)
            self.assertEqual(status, 200, path)
            self.assertIn("public", headers["Cache-Control"])
            self.assertNotIn("Set-Cookie", headers, path)
        drivers = json.loads(self.home.tugra("drivers", "list", "--json").stdout)
        status, headers, _ = Browser(self.base).get(f"/surucu/indir/{drivers[0]['id']}")
        self.assertEqual(status, 200)
        self.assertNotIn("Set-Cookie", headers)

    def test_drivers_are_found_and_downloaded(self):
        drivers = json.loads(self.home.tugra("drivers", "list", "--json").stdout)
        self.assertEqual(len(drivers), 9 * (7 + 2))  # Windows 7, 8, 10, 11 and two Linux: seed 000's readers and cards
        b = Browser(self.base)
        _, _, page = b.get("/surucu")
        # Seed 000's readers and cards, in its order; every system's versions, named with the system.
        readers = re.findall(r'name="reader" value="([^"]+)"', page)
        self.assertEqual(readers, ["Omnikey USB Şeffaf", "Omnikey USB Beyaz", "Omnikey Masaüstü", "Gemplus USB",
                                   "ACS 38T USB - Kırmızı", "ACS 38T USB - Beyaz", "ACS 38T USB Masaüstü"])
        self.assertEqual(re.findall(r'name="card" value="([^"]+)"', page), ["AKIS Akıllı Kart", "Gemplus Akıllı Kart"])
        self.assertIn('<option value="11" data-os="Windows">Windows 11</option>', page)
        self.assertIn('<option value="Debian 12" data-os="Linux">Linux Debian 12</option>', page)
        query = urllib.parse.urlencode({"os": "Windows", "version": "7", "bits": "32", "reader": "ACS 38T USB - Beyaz",
                                        "card": "AKIS Akıllı Kart", "show": "1"})
        _, _, page = b.get("/surucu?" + query)
        links = re.findall(r'href="/surucu/indir/(\d+)"', page)
        names = {d["id"]: d for d in drivers}
        self.assertEqual({names[int(i)]["name"] for i in links},
                         {"ACS 38T USB - Beyaz Sürücüsü (Windows 7, 32 bit)", "AKIS Akıllı Kart Sürücüsü (Windows 7, 32 bit)"})
        reader = next(i for i in links if names[int(i)]["reader"] != "*")
        status, headers, body = http(f"{self.base}/surucu/indir/{reader}")
        self.assertEqual(status, 200)
        self.assertIn('filename="okuyucu-windows.cmd"', headers["Content-Disposition"])
        self.assertEqual(hashlib.sha256(body).hexdigest(), names[int(reader)]["sha256"])
        # A working script: Windows' Smart Card service for the CCID reader.
        self.assertIn(b"sc config SCardSvr start= auto", body)
        _, _, page = b.get("/surucu?" + urllib.parse.urlencode({"os": "Linux", "version": "Ubuntu 24.04", "bits": "64",
                                                                "reader": "Omnikey USB Şeffaf", "show": "1"}))
        linux = re.findall(r'href="/surucu/indir/(\d+)"', page)
        self.assertEqual(len(linux), 3)  # the reader's and both cards' (no card chosen)
        scripts = b"".join(http(f"{self.base}/surucu/indir/{i}")[2] for i in linux)
        self.assertIn(b"apt-get install -y pcscd libccid pcsc-tools", scripts)
        self.assertIn(b"pkcs11-tool --list-slots", scripts)
        self.assertEqual(http(self.base + "/surucu/indir/99999")[0], 404)
        _, _, page = b.get("/gonderi?no=123456789012")
        self.assertIn("Gönderi numarası 12 rakamdan oluşur", page)

    def test_log_ins_beyond_the_hash_queue_are_told_to_come_back(self):
        # One slow hash at a time and nobody may wait: of log-ins arriving
        # together, all but one get 503 with Retry-After, and the page says why.
        server = harness.Server(self.home, TUGRA_PORTAL_ARGON2_QUEUE="0", TUGRA_PORTAL_ARGON2_OPS="16",
                                TUGRA_PORTAL_ARGON2_MEMORY_KIB="65536")
        try:
            browsers = [Browser(server.base) for _ in range(4)]
            for b in browsers:
                b.get("/kurum/giris")
            answers = []
            for _ in range(3):
                with concurrent.futures.ThreadPoolExecutor(len(browsers)) as pool:
                    answers += list(pool.map(lambda b: b.post("/kurum/giris", {"username": "no.such.officer",
                                                                              "password": "wrong-password"}),
                                             browsers))
                if any(status == 503 for status, _, _ in answers):
                    break
            busy = [page for status, _, page in answers if status == 503]
            self.assertTrue(busy, [status for status, _, _ in answers])
            self.assertIn("çok yoğun", busy[0])
            self.assertTrue(any(status == 400 for status, _, _ in answers))  # the one that got its turn
        finally:
            server.stop()

    def test_demo_outbox_page_and_fixed_captcha_needs_demo(self):
        status, _, page = Browser(self.base).get("/dev/outbox")
        self.assertEqual(status, 200)
        result = run([harness.TUGRA, "serve", "--listen", f"127.0.0.1:{harness.free_port()}"], check=False,
                     env=dict(self.home.env, TUGRA_PORTAL_DEMO="false"))
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(b"portal.captcha_fixed", result.stderr)

    # --- CSV imports and the notification adapters -----------------------------------

    def test_broken_csv_row_imports_nothing(self):
        before = self.home.sql("SELECT COUNT(*) FROM registry_people")
        csv = "tckn;ad;soyad;dogum_yeri;dogum_tarihi\n10000000146;Ayşe;Kaya;Ankara;01.02.1990\n" \
              "12345678901;Bad;Number;Ankara;01.02.1990\n10000000078;Ali;\"Veli\";Sivas;31.02.1990\n"
        result = self.home.tugra("registry", "import", self.home.write("people.csv", csv), check=False)
        self.assertEqual(result.returncode, 1)
        report = result.stderr.decode()
        self.assertIn("line 3: invalid identity number: 12345678901", report)
        self.assertIn("line 4: invalid date of birth: 31.02.1990", report)
        self.assertEqual(self.home.sql("SELECT COUNT(*) FROM registry_people"), before)
        staff = "99900000210,1,Birim,Unvan,Adres,Il,Ilce,4147\n"
        result = self.home.tugra("institution", "staff-import", "--institution", "1",
                                 self.home.write("staff.csv", staff), check=False)
        self.assertEqual(result.returncode, 1)
        self.assertIn("postal code", result.stderr.decode())

    def test_smtp_and_http_sms_adapters_deliver_to_loopback_servers(self):
        smtp, gateway = SmtpServer(), SmsGateway()
        try:
            env = {"TUGRA_NOTIFY_SMS": "http", "TUGRA_NOTIFY_SMS_URL": gateway.url,
                   "TUGRA_NOTIFY_SMS_AUTH_HEADER": "Authorization: Bearer test-token",
                   "TUGRA_NOTIFY_EMAIL": "smtp", "TUGRA_NOTIFY_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}"}
            self.home.tugra("notify", "test", "--sms", "0532 000 11 22", "--email", "kisi@example.org", **env)
            self.assertEqual(len(gateway.requests), 1)
            headers, body = gateway.requests[0]
            self.assertEqual(headers["Authorization"], "Bearer test-token")
            payload = json.loads(body)
            self.assertEqual(payload["to"], "+905320001122")
            self.assertIn("ışık", payload["text"])
            self.assertEqual(len(smtp.messages), 1)
            sender, recipients, message = smtp.messages[0]
            self.assertEqual(recipients, ["<kisi@example.org>"])
            self.assertEqual(message["Subject"], "Tugra test message")
            self.assertIn("Çağrı, ışık", message.get_content())
            # A gateway that refuses: a clear error, exit 1.
            refused = SmsGateway(status=500)
            try:
                result = self.home.tugra("notify", "test", "--sms", "05320001122", check=False,
                                         **dict(env, TUGRA_NOTIFY_SMS_URL=refused.url))
                self.assertEqual(result.returncode, 1)
                self.assertIn("HTTP 500", result.stderr.decode())
            finally:
                refused.stop()
            # The portal's SMS code goes through the gateway too.
            server = harness.Server(self.home, "--roles", "all", **env)
            try:
                b = Browser(server.base)
                b.get("/basvuru")
                b.captcha()
                person = {"tckn": "99900000456", "sicil_no": "2003", "given_name": "İsmail", "surname": "Ağaoğlu",
                          "birth_place": "Kocaeli", "birth_date": "1992-12-24"}
                self.assertEqual(b.post("/basvuru", dict(person, captcha="ABCDE"))[1], "/basvuru/form")
                b.get("/basvuru/form")
                self.assertEqual(b.post("/basvuru/form", form_fields(mobile="0536 444 55 66"))[1], "/basvuru/sms")
                b.get("/basvuru/sms")
                b.post("/basvuru/sms", {})
                sms = json.loads(gateway.requests[-1][1])
                self.assertEqual(sms["to"], "+905364445566")
                code = re.search(r"\b(\d{6})\b", sms["text"]).group(1)
                self.assertEqual(b.post("/basvuru/sms/kod", {"code": code})[1], "/basvuru/yontem")
            finally:
                server.stop()
        finally:
            smtp.stop()
            gateway.stop()


if __name__ == "__main__":
    harness.main()
