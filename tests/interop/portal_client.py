"""A browser-like HTTP client for the portal tests (cookies, the CSRF token of
the last page, redirects one by one), the demo people and helpers that walk
an application through to a card."""
import base64
import hashlib
import hmac
import html
import json
import re
import struct
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import harness
from harness import http

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # the demo officer's (tugra demo seed)
OFFICER = ("ali.camli", "Demo-Parola-2026")
CAGRI = {"tckn": "99900000210", "sicil_no": "1234567890", "given_name": "çağrı ışıl", "surname": "Öztürk",
         "birth_place": "izmir", "birth_date": "30.09.1988"}
ALI = {"tckn": "99900000142", "sicil_no": "1001", "given_name": "Ali Nafiz", "surname": "ÇAMLI",
       "birth_place": "Ankara", "birth_date": "12.04.1975"}
SUKRU = {"tckn": "99900000388", "sicil_no": "2002", "given_name": "Şükrü", "surname": "Güldoğan",
         "birth_place": "Muğla", "birth_date": "05.01.1969"}
ISMAIL = {"tckn": "99900000456", "sicil_no": "2003", "given_name": "İsmail", "surname": "Ağaoğlu",
          "birth_place": "Kocaeli", "birth_date": "24.12.1992"}
AYSE = {"tckn": "99900000524", "sicil_no": "2004", "given_name": "Ayşe", "surname": "Yılmaz",
        "birth_place": "Bursa", "birth_date": "15.06.1985"}
WORD = "Gizli2026Söz"


def form_fields(mobile="0532 123 45 67", **overrides):
    fields = {"reader_type": "mini", "years": "3", "app_type": "new", "publish": "yes", "limit": "50000",
              "unit": "Bilgi İşlem", "title": "Uzman", "address": "Gebze Yerleşkesi", "il": "Kocaeli",
              "ilce": "Gebze", "postal_code": "41470", "email": "basvuru@example.org", "work_phone": "0262 555 11 11",
              "work_ext": "102", "mobile": mobile, "operator": "vodafone", "home_phone": "", "channel": "both",
              "security_word": WORD, "security_word2": WORD}
    fields.update(overrides)
    return fields


def tckn(nine):
    """The valid identity number starting with these nine digits."""
    d = [int(c) for c in nine]
    tenth = (7 * sum(d[0:9:2]) - sum(d[1:8:2])) % 10
    return nine + str(tenth) + str((sum(d) + tenth) % 10)


def totp(secret, at=None):
    key = base64.b32decode(secret)
    mac = hmac.new(key, struct.pack(">Q", int(at or time.time()) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


_last_steps = {}
_officer_sessions = {}  # (server, username) -> a logged-in Browser


def fresh_totp(secret):
    """A code the server has not accepted yet: codes are single-use, so after
    the current step's comes the next step's (the server allows one step of
    drift), and after that a wait for the clock."""
    now = int(time.time()) // 30
    step = max(now, _last_steps.get(secret, -1) + 1)
    while step > now + 1:
        time.sleep(0.5)
        now = int(time.time()) // 30
    _last_steps[secret] = step
    return totp(secret, step * 30)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


class Browser:
    """Cookies, the CSRF token of the last page, and redirects seen one by one."""

    def __init__(self, base, accept_language="tr"):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.csrf = ""
        self.headers = {"Accept-Language": accept_language}

    def get(self, path):
        status, headers, body = http(self.base + path, headers=self.headers, opener=self.opener)
        text = body.decode(errors="replace")
        m = re.search(r'name="csrf" value="([^"]+)"', text)
        if m:
            self.csrf = m.group(1)
        return status, headers, text

    def post(self, path, fields, csrf=True):
        data = dict(fields)
        if csrf:
            data["csrf"] = self.csrf
        body = urllib.parse.urlencode(data).encode()
        headers = dict(self.headers, **{"Content-Type": "application/x-www-form-urlencoded"})
        status, h, raw = http(self.base + path, data=body, headers=headers, opener=self.opener)
        text = raw.decode(errors="replace")
        m = re.search(r'name="csrf" value="([^"]+)"', text)
        if m:
            self.csrf = m.group(1)
        return status, h.get("Location", ""), text

    def captcha(self):
        status, _, png = http(self.base + "/captcha.png", headers=self.headers, opener=self.opener)
        assert status == 200 and png.startswith(b"\x89PNG"), status
        return "abcde"  # portal.captcha_fixed (demo mode), typed in lower case


def form_values(page):
    """What a browser would send of a form's filled inputs and chosen options (no csrf)."""
    values = {k: html.unescape(v) for k, v in re.findall(r'name="(\w+)" value="([^"]*)"', page)}
    for name, options in re.findall(r'<select id="\w+" name="(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r"<option selected>([^<]*)</option>", options)
        if chosen:
            values[name] = html.unescape(chosen.group(1))
    values.pop("csrf", None)
    return values


def errors_in(page):
    return [html.unescape(e) for e in re.findall(r'class="error">([^<]*)<', page)]




class PortalSteps:
    """Steps of the application journey for a TestCase with `home` and `base`."""

    @classmethod
    def start_demo(cls, **extra_env):
        """For setUpClass: a demo home (init, demo seed) served on loopback as cls.home, cls.server,
        cls.base, with a fixed captcha and cheap hashing; stopped and removed after the class."""
        env = dict(TUGRA_PORTAL_DEMO="true", TUGRA_PORTAL_CAPTCHA_FIXED="ABCDE", TUGRA_PORTAL_ARGON2_MEMORY_KIB="8192",
                   TUGRA_PORTAL_ARGON2_OPS="1", TUGRA_PORTAL_POSTS_PER_MINUTE="1000")
        env.update(extra_env)
        cls.home = harness.Home(**env)
        cls.addClassCleanup(cls.home.remove)
        cls.home.tugra("init")
        cls.home.tugra("demo", "seed")
        cls.server = harness.Server(cls.home)
        cls.addClassCleanup(cls.server.stop)  # runs before the home's removal
        cls.base = cls.server.base

    def audit_count(self):
        return len(self.home.tugra("audit", "list", "--limit", "100000").stdout.splitlines())

    def sms_code(self, number="+905321234567"):
        messages = json.loads(self.home.tugra("outbox", "--to", number, "--limit", "1", "--json").stdout)
        return re.search(r"\b(\d{6})\b", messages[0]["body"]).group(1)

    def log_in(self, person, browser=None):
        b = browser or Browser(self.base)
        b.get("/basvuru")
        answer = b.captcha()
        status, location, page = b.post("/basvuru", dict(person, captcha=answer))
        return b, status, location, page

    def apply(self, person, mobile="0532 123 45 67", **form_overrides):
        """Steps 1/6 to 6/6 with a wet signature; returns the browser."""
        b, status, location, page = self.log_in(person)
        self.assertEqual((status, location), (303, "/basvuru/form"), errors_in(page) or re.findall(r"general-error\">([^<]*)", page))
        b.get("/basvuru/form")
        status, location, page = b.post("/basvuru/form", form_fields(mobile=mobile, **form_overrides))
        self.assertEqual((status, location), (303, "/basvuru/sms"), errors_in(page))
        status, _, page = b.get("/basvuru/sms")
        self.assertIn("53* *** ** **", page)
        self.assertIn("Adım : 3/6", page)
        self.assertEqual(b.post("/basvuru/sms", {})[:2], (303, "/basvuru/sms/kod"))
        status, _, page = b.get("/basvuru/sms/kod")
        self.assertRegex(page, r'data-seconds="\d+"')
        digits = "".join(c for c in mobile if c.isdigit())
        code = self.sms_code("+90" + digits[-10:])
        self.assertEqual(b.post("/basvuru/sms/kod", {"code": code})[:2], (303, "/basvuru/yontem"))
        status, _, page = b.get("/basvuru/yontem")
        self.assertIn("Adım : 5/6", page)
        self.assertIn('href="/basvuru/e-imza"', page)  # E-İmzalı Başvuru, through the card agent
        self.assertEqual(b.post("/basvuru/yontem", {})[:2], (303, "/basvuru/islak"))
        return b

    def holder_login(self, person, word=WORD, mobile="+905321234567", browser=None):
        """Şifreli Giriş, SMS Onay and the code: the browser at the menu."""
        b = browser or Browser(self.base)
        status, _, page = b.get("/bireysel")
        self.assertIn("Kullanıcı Doğrulama Ekranı", page)
        b.get("/bireysel/giris")
        b.captcha()
        status, location, page = b.post("/bireysel/giris", {"id": person["tckn"], "captcha": "ABCDE",
                                                            "security_word": word})
        self.assertEqual((status, location), (303, "/bireysel/sms"), re.findall(r'id="login-error">([^<]*)', page))
        _, _, page = b.get("/bireysel/sms")
        self.assertIn("Telefon Numaranız : <span id=\"masked-phone\">53* *** ** **", page)
        self.assertEqual(b.post("/bireysel/sms", {})[:2], (303, "/bireysel/sms/kod"))
        _, _, page = b.get("/bireysel/sms/kod")
        self.assertIn("SMS Onay Kodu:", page)
        body = json.loads(self.home.tugra("outbox", "--to", mobile, "--limit", "1", "--json").stdout)[0]["body"]
        # A log-in code, not an application's (in the service's language: English here).
        self.assertRegex(body, "Bireysel İşlemler giriş kodunuz|holder services log-in code")
        self.assertEqual(b.post("/bireysel/sms/kod", {"code": self.sms_code(mobile)})[:2], (303, "/bireysel/menu"))
        return b

    def officer(self, username=OFFICER[0], password=OFFICER[1], secret=TOTP_SECRET, fresh=False):
        """A browser logged in to the officer console. The session of an earlier
        call is reused while it is open (a second-factor code is accepted once, so
        each new log-in needs a new time step); `fresh` logs in anew."""
        sessions = _officer_sessions
        key = (self.base, username)
        if not fresh and key in sessions and sessions[key].get("/kurum")[0] == 200:
            return sessions[key]
        b = Browser(self.base)
        self.assertEqual(self.officer_password(b, username, password)[:2], (303, "/kurum/dogrulama"))
        b.get("/kurum/dogrulama")
        self.assertEqual(b.post("/kurum/dogrulama", {"code": fresh_totp(secret)})[:2], (303, "/kurum"))
        b.get("/kurum")
        sessions[key] = b
        return b

    def officer_password(self, b, username, password):
        """The log-in form, with the captcha answered: it is asked once the address or
        the account has failed a log-in (and ignored when not asked)."""
        b.get("/kurum/giris")
        return b.post("/kurum/giris", {"username": username, "password": password, "captcha": b.captcha()})

    def application_id(self, tckn):
        return int(self.home.sql(f"SELECT id FROM applications WHERE tckn = '{tckn}' ORDER BY id DESC LIMIT 1"))


    def approve(self, tckn_):
        """The officer records the signed form and a receipt, then approves."""
        app_id = self.application_id(tckn_)
        o = self.officer()
        self.assertEqual(o.post(f"/kurum/basvuru/{app_id}/teslim", {"receipt_no": f"DK-{app_id}"})[0], 303)
        self.assertEqual(o.post(f"/kurum/basvuru/{app_id}/onay", {})[0], 303)
        return app_id

    def register_person(self, nine, sicil_no, given_name, surname):
        """A person of one test's own: in the registry and on TEST KURUM's staff list (born in Sinop)."""
        person = {"tckn": tckn(nine), "sicil_no": sicil_no, "given_name": given_name, "surname": surname,
                  "birth_place": "Sinop", "birth_date": "01.01.1980"}
        self.home.tugra("registry", "import", self.home.write(
            f"{nine}.csv", f"{person['tckn']},{given_name},{surname},Sinop,1980-01-01\n"))
        self.home.tugra("institution", "staff-import", "--institution", "1", self.home.write(
            f"{nine}-staff.csv", f"{person['tckn']},{sicil_no},Birim,Unvan,Adres,Sinop,Merkez,57000\n"))
        return person

    def make_card(self, person, mobile="0532 123 45 67", **form_overrides):
        """Application, approval and `tugra production run`: the serial of the new certificate (on hold)."""
        self.apply(person, mobile=mobile, **form_overrides)
        self.approve(person["tckn"])
        self.home.tugra("vcard", "add")
        self.home.tugra("production", "run")
        requests = json.loads(self.home.tugra("production", "list", "--json").stdout)
        done = [r for r in requests if r["tckn"] == person["tckn"] and r["state"] == "done"]
        return max(done, key=lambda r: r["id"])["certificate"]
