"""The portal's help and content pages (seed 000's footer, seed 001's
"Sertifikamı Aldım Ne Yapmalıyım?"), the operator's Markdown pages and
announcements (`tugra pages`), the İl / İlçe lists, the officer's list
following the card after approval, and a crawler that follows every link of
every page, anonymous and logged in, expecting 200."""
import html
import json
import re
import unittest
import urllib.parse
from html.parser import HTMLParser

import harness
from harness import http
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from portal_client import AYSE, CAGRI, ISMAIL, SUKRU, PortalSteps, Browser, errors_in, form_fields

FOOTER = ["/surucu", "/sayfa/formlar", "/sayfa/belgeler", "/duyurular", "/sayfa/yasal-uyari", "/sayfa/iletisim",
          "/gonderi"]


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(html.unescape(href))


def links_of(page):
    parser = Links()
    parser.feed(page)
    return parser.links


class PortalPages(PortalSteps, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.start_demo(TUGRA_PORTAL_OFFICER_LOGINS_PER_MINUTE="1000")

    def page_count(self):
        return int(self.home.sql("SELECT COUNT(*) FROM pages"))

    # --- built-in pages ------------------------------------------------------------------

    def test_footer_home_links_and_built_in_pages(self):
        _, _, home = Browser(self.base).get("/")
        links = links_of(home)
        for path in FOOTER + ["/sayfa/sertifikami-aldim-ne-yapmaliyim", "/sayfa/online-islemler", "/sayfa/sss"]:
            self.assertIn(path, links)
        self.assertIn("Sertifikam ne zaman sona eriyor?", home)

        # Seed 001: one section per card reader, switched by clicking its line, the first open.
        status, _, page = Browser(self.base).get("/sayfa/sertifikami-aldim-ne-yapmaliyim")
        self.assertEqual(status, 200)
        self.assertIn("<title>Sertifikamı Aldım Ne Yapmalıyım? |", page)
        sections = re.findall(r'<details class="section" name="section"( open)?><summary>([^<]*)</summary>', page)
        self.assertEqual([s[1] for s in sections[:3]], ["Mini Kart Okuyucu (ACS marka) için İşlem Adımları",
                                                         "Mini Kart Okuyucu (MİLKO marka) için İşlem Adımları",
                                                         "Masaüstü Kart Okuyucu (ACS marka) için İşlem Adımları"])
        self.assertEqual([bool(s[0]) for s in sections], [True] + [False] * (len(sections) - 1))
        self.assertIn('href="/surucu"', page)
        self.assertIn("<strong>444 5 576</strong>", page)  # {call_centre}: portal.call_centre
        self.assertIn('href="mailto:bilgi@tugra.example"', page)  # {contact_email}
        self.assertNotIn("{call_centre}", page)

        _, _, english = Browser(self.base, accept_language="en").get("/sayfa/sertifikami-aldim-ne-yapmaliyim")
        self.assertIn("<summary>Mini card reader (ACS)</summary>", english)
        _, _, faq = Browser(self.base).get("/sayfa/sss")
        self.assertIn("<summary>Güvenlik sözcüğümü nasıl değiştirebilirim?</summary>", faq)
        self.assertIn("Pasaport numarasıyla başvuru ve giriş yapılamaz", faq)
        for missing in ("/sayfa/yok", "/sayfa/SSS", "/sayfa/..%2F..%2Fetc%2Fpasswd", "/sayfa/", "/sayfa/sss/x"):
            self.assertEqual(http(self.base + missing)[0], 404, missing)

    # --- tugra pages ----------------------------------------------------------------------

    def test_operator_pages_are_added_escaped_replaced_and_removed(self):
        _, _, page = Browser(self.base).get("/duyurular")
        self.assertIn("Henüz duyuru yok.", page)
        source = ("Yeni **kalın** metin, Çağrı Merkezi {call_centre}.\n\n"
                  "<script>alert(1)</script>\n\n"
                  "[tıkla](javascript:alert(1)) ve <img src=x onerror=alert(2)>\n\n"
                  "## Bölüm\n\nİçerik.\n")
        path = self.home.write("yasal.md", source)
        out = self.home.tugra("pages", "add", "yasal-uyari", path, "--title", "Yasal Uyarı (güncel)").stdout.decode()
        self.assertIn("Page saved: yasal-uyari (tr)", out)
        self.assertIn("/sayfa/yasal-uyari", out)
        _, _, page = Browser(self.base).get("/sayfa/yasal-uyari")
        self.assertIn("<title>Yasal Uyarı (güncel) |", page)
        self.assertIn("Yeni <strong>kalın</strong> metin, Çağrı Merkezi 444 5 576.", page)
        self.assertIn("raw HTML omitted", page)
        for dangerous in ("<script>alert", "javascript:", "onerror", "<img"):
            self.assertNotIn(dangerous, page)
        self.assertIn('<a href="">tıkla</a>', page)
        self.assertIn("<summary>Bölüm</summary>", page)
        # The English page is still the built-in one; the Turkish one replaced it only in Turkish.
        _, _, english = Browser(self.base, accept_language="en").get("/sayfa/yasal-uyari")
        self.assertIn("<title>Legal Notice |", english)

        # An announcement, listed on Duyurular with its date.
        path = self.home.write("duyuru.md", "Kartlar artık *daha hızlı* üretiliyor.\n")
        self.home.tugra("pages", "add", "yeni-kartlar", path, "--title", "Yeni kartlar", "--announcement")
        _, _, page = Browser(self.base).get("/duyurular")
        self.assertRegex(page, r'<a href="/sayfa/yeni-kartlar">Yeni kartlar</a> <span class="help">\d\d\.\d\d\.\d{4}')
        _, _, page = Browser(self.base).get("/sayfa/yeni-kartlar")
        self.assertIn("<em>daha hızlı</em>", page)
        self.assertRegex(page, r"Yayın tarihi: \d\d\.\d\d\.\d{4}")
        # English readers see the Turkish announcement when there is no English one.
        _, _, page = Browser(self.base, accept_language="en").get("/duyurular")
        self.assertIn('href="/sayfa/yeni-kartlar"', page)

        listed = {(p["slug"], p["lang"]): p for p in json.loads(self.home.tugra("pages", "list", "--json").stdout)}
        self.assertFalse(listed[("yasal-uyari", "tr")]["built_in"])
        self.assertTrue(listed[("yasal-uyari", "en")]["built_in"])
        self.assertEqual(listed[("yeni-kartlar", "tr")]["kind"], "announcement")
        self.assertTrue(listed[("sss", "tr")]["built_in"])
        self.assertIn("/sayfa/sss  tr  built-in  Sıkça Sorulan Sorular", self.home.tugra("pages", "list").stdout.decode())

        # Refused, each changing nothing, said in the operator's language.
        before = self.page_count()
        bidi = self.home.write("bidi.md", "Ödeme \u202eevil\u202c\n")
        big = self.home.write("big.md", "a" * (256 * 1024 + 1))
        for args, said in ((["Kötü Ad", path, "--title", "x"], "Not a page slug"),
                           (["-x", path, "--title", "x"], None),
                           (["iyi-ad", path, "--title", "x", "--lang", "de"], "Not a language: de"),
                           (["iyi-ad", path, "--title", "  "], "A title has 1-200 characters"),
                           (["iyi-ad", bidi, "--title", "x"], "UTF-8 text of at most 256 KiB"),
                           (["iyi-ad", big, "--title", "x"], "UTF-8 text of at most 256 KiB"),
                           (["iyi-ad", self.home.path("yok.md"), "--title", "x"], None)):
            r = self.home.tugra("pages", "add", *args, check=False)
            self.assertNotEqual(r.returncode, 0, args)
            if said:
                self.assertIn(said, r.stderr.decode(), args)
        r = self.home.tugra("pages", "add", "iyi-ad", path, "--title", "x", "--lang", "de", check=False,
                            TUGRA_LANG="tr")
        self.assertIn("Geçersiz dil: de", r.stderr.decode())
        self.assertEqual(self.page_count(), before)

        # Removed: the built-in page shows again; a second removal is refused.
        self.assertIn("Page yasal-uyari removed (1 language(s))",
                      self.home.tugra("pages", "remove", "yasal-uyari").stdout.decode())
        _, _, page = Browser(self.base).get("/sayfa/yasal-uyari")
        self.assertIn("<title>Yasal Uyarı |", page)
        r = self.home.tugra("pages", "remove", "yasal-uyari", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("The operator has no page yasal-uyari", r.stderr.decode())
        audit = self.home.tugra("audit", "list", "--limit", "100000").stdout.decode()
        self.assertIn("page.added", audit)
        self.assertIn("page.removed", audit)
        self.home.tugra("pages", "remove", "yeni-kartlar")

    # --- İl / İlçe ------------------------------------------------------------------------

    def test_provinces_and_districts_come_from_the_lists(self):
        b, status, location, _ = self.log_in(SUKRU)
        self.assertEqual((status, location), (303, "/basvuru/form"))
        _, _, page = b.get("/basvuru/form")
        province = re.search(r'<select id="il" name="il"[^>]*>(.*?)</select>', page, re.S).group(1)
        self.assertEqual(len(re.findall(r"<option", province)), 82)  # "Seçiniz" and the 81 provinces
        self.assertIn("<option selected>Kocaeli</option>", province)  # from the staff list
        self.assertLess(province.index(">Çanakkale<"), province.index(">Denizli<"))  # Turkish order
        districts = re.search(r'<select id="ilce" name="ilce" data-districts-of="il"[^>]*>(.*?)</select>', page, re.S).group(1)
        self.assertEqual(len(re.findall(r"<optgroup", districts)), 81)
        self.assertEqual(len(re.findall(r"<option selected>", districts)), 1)
        self.assertIn("<option selected>Gebze</option>", districts)
        self.assertEqual(len(re.findall(r"<option>", districts)), 972 - 1)
        self.assertIn('<output id="birth_date">05.01.1969</output>', page)  # stored 1969-01-05
        # Seed 003: "Başvuru Formu Erişim Parolası Bilmiyorum" is the security word, and how to get a new one.
        self.assertIn('href="/sayfa/basvuru-formu-erisim-parolasi"', page)
        _, _, note = b.get("/sayfa/basvuru-formu-erisim-parolasi")
        self.assertIn("<strong>güvenlik sözcüğüdür</strong>", note)
        self.assertIn('href="/bireysel/sozcuk/unuttum"', note)

        before = self.home.sql("SELECT COUNT(*) FROM applications")
        for il, ilce, message in (("Kocaeli", "Çankaya", "Seçtiğiniz ilin listesinden bir ilçe seçiniz."),
                                  ("Atlantis", "Gebze", "Listeden bir il seçiniz."),
                                  ("Ankara", "Merkez", "Seçtiğiniz ilin listesinden bir ilçe seçiniz.")):
            status, _, page = b.post("/basvuru/form", form_fields(il=il, ilce=ilce))
            self.assertEqual(status, 400)
            self.assertIn(message, errors_in(page))
            self.assertIn('aria-describedby="ilce-error"' if il != "Atlantis" else 'aria-describedby="il-error"', page)
        self.assertEqual(self.home.sql("SELECT COUNT(*) FROM applications"), before)
        # Any case is understood and kept as the lists spell it; "0262…" shown as typed.
        status, location, page = b.post("/basvuru/form", form_fields(il="ÇANAKKALE", ilce="gelibolu"))
        self.assertEqual((status, location), (303, "/basvuru/sms"), errors_in(page))
        _, _, page = b.get("/basvuru/form")
        self.assertIn("<option selected>Çanakkale</option>", page)
        self.assertIn("<option selected>Gelibolu</option>", page)
        self.assertIn('value="0532 123 45 67"', page)

    # --- the officer's list after approval ------------------------------------------------

    def test_officer_list_follows_the_card_to_delivery(self):
        self.make_card(ISMAIL, mobile="0533 444 55 66")
        app_id = self.application_id(ISMAIL["tckn"])
        o = self.officer()

        def state():
            _, _, page = o.get("/kurum")
            row = re.search(rf'<tr[^>]*>(?:(?!</tr>).)*href="/kurum/basvuru/{app_id}"(?:(?!</tr>).)*</tr>', page, re.S)
            return row.group(0)
        self.assertIn("Kart üretildi, kargoya hazırlanıyor", state())
        requests = json.loads(self.home.tugra("production", "list", "--json").stdout)
        tracking = [r for r in requests if r["tckn"] == ISMAIL["tckn"]][-1]["tracking_number"]
        self.home.tugra("shipment", "update", tracking, "--state", "shipped")
        self.assertIn("Kart kargoya verildi", state())
        self.home.tugra("shipment", "update", tracking, "--state", "delivered")
        self.assertIn("Kart teslim edildi", state())
        self.assertNotIn("kart üretiminde", state())
        _, _, detail = o.get(f"/kurum/basvuru/{app_id}")
        self.assertIn("Kart teslim edildi", detail)

    # --- Sertifika Sorgulama ----------------------------------------------------------------

    def test_directory_shows_only_published_certificates(self):
        published = self.make_card(AYSE, mobile="0535 000 11 22")  # the form's default: publish
        # A person of this test's own who chose not to publish.
        private = self.register_person("999000077", "7707", "Deniz", "Kaya")
        hidden = self.make_card(private, mobile="0536 000 11 22", publish="no")

        def search(name, institution="TEST KURUM"):
            b = Browser(self.base)
            status, _, page = b.get("/sertifika-sorgulama?" + urllib.parse.urlencode({"ad": name, "kurum": institution}))
            self.assertEqual(status, 200)
            return re.findall(r'<tr data-state="(\w+)"><td>([^<]*)</td><td>([^<]*)</td><td>([0-9A-F]+)</td><td>[^<]*</td>'
                              r'<td class="state">([^<]*)</td>', page), page

        rows, page = search("ayşe yılmaz")  # any case
        self.assertEqual([(r[0], r[1], r[2], r[3]) for r in rows], [("suspended", "AYŞE YILMAZ", "TEST KURUM", published)])
        self.assertEqual(rows[0][4], "Askıda")  # on hold until Kullanıma Aç
        for name, institution in (("Ayşe", "TEST KURUM"), ("AYŞE YILMA", "TEST KURUM"), (AYSE["tckn"], "TEST KURUM"),
                                  ("Ayşe Yılmaz", "BAŞKA KURUM"), ("Deniz Kaya", "TEST KURUM"), ("%", "TEST KURUM"),
                                  ("Ayşe_Yılmaz", "TEST KURUM")):
            rows, page = search(name, institution)
            self.assertEqual(rows, [], (name, institution))
            self.assertIn('id="directory-none"', page)
        self.assertNotIn(AYSE["tckn"], search("Ayşe Yılmaz")[1])  # the identity number is never on the page

        # Downloads: DER and PEM of the published one; the other is not there.
        status, headers, der = http(f"{self.base}/sertifika-sorgulama/{published}.crt")
        self.assertEqual((status, headers["Content-Type"]), (200, "application/pkix-cert"))
        cert = x509.load_der_x509_certificate(der)
        self.assertEqual(format(cert.serial_number, "X"), published.lstrip("0"))
        status, _, pem = http(f"{self.base}/sertifika-sorgulama/{published}.pem")
        self.assertEqual(x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER), der)
        for path in (f"{hidden}.crt", f"{hidden}.pem", "ABC.txt", "../x.crt", f"{published.lower()}.crt"):
            self.assertEqual(http(f"{self.base}/sertifika-sorgulama/{path}")[0], 404, path)

        # Revoked: still listed, as revoked, with the time.
        self.home.tugra("ca", "revoke", published, "--reason", "keyCompromise")
        rows, _ = search("Ayşe Yılmaz")
        self.assertEqual(rows[0][0], "revoked")
        self.assertRegex(rows[0][4], r"^İptal edildi \(\d\d\.\d\d\.\d{4} \d\d:\d\d\)$")

        # Guessing is limited per address (portal.directory_searches_per_minute).
        statuses = [http(f"{self.base}/sertifika-sorgulama?ad=Kimse+Yok&kurum=TEST+KURUM")[0] for _ in range(25)]
        self.assertIn(429, statuses)

    # --- every link answers -----------------------------------------------------------------

    def crawl(self, b, starts, skip=()):
        """Every same-site link reachable from `starts` in this browser: {path: status}."""
        seen, queue = {}, list(starts)
        while queue:
            path = queue.pop(0)
            if path in seen or any(path.startswith(s) for s in skip):
                continue
            status, headers, body = http(self.base + path, headers=b.headers, opener=b.opener)
            for _ in range(5):  # a page for the logged-in sends others to its log-in page
                if status not in (302, 303) or not headers.get("Location", "").startswith("/"):
                    break
                status, headers, body = http(self.base + headers["Location"], headers=b.headers, opener=b.opener)
            seen[path] = status
            if status == 200 and headers.get("Content-Type", "").startswith("text/html"):
                for link in links_of(body.decode(errors="replace")):
                    parsed = urllib.parse.urlsplit(urllib.parse.urljoin(path, link))
                    if parsed.scheme in ("http", "https") and parsed.netloc and \
                            self.base.split("//")[1] != parsed.netloc:
                        continue  # another site (tckimlik.nvi.gov.tr)
                    if parsed.scheme in ("mailto", "tel"):
                        continue
                    target = parsed.path + ("?" + parsed.query if parsed.query else "")
                    if target and target not in seen:
                        queue.append(target)
        b.get("/?lang=tr")  # the crawl followed the language link: the session reads Turkish again
        return seen

    def test_every_link_on_every_page_answers_200(self):
        anonymous = self.crawl(Browser(self.base), ["/", "/kurum/giris", "/bireysel/giris", "/basvuru"])
        self.assertGreater(len(anonymous), 25)
        for path in FOOTER + ["/sayfa/sss", "/sayfa/online-islemler", "/imza-dogrula", "/kurum/bilgi"]:
            self.assertIn(path, anonymous)
        self.assertEqual({p: s for p, s in anonymous.items() if s != 200}, {})
        # The officer console, logged in (its log-out is a form, not a link).
        self.make_card(CAGRI)
        officer = self.crawl(self.officer(), ["/kurum"])
        self.assertTrue(any(p.startswith("/kurum/basvuru/") for p in officer))
        self.assertEqual({p: s for p, s in officer.items() if s != 200}, {})
        # The holder's pages after Şifreli Giriş and the SMS code.
        holder = self.crawl(self.holder_login(CAGRI), ["/bireysel/menu"])
        for path in ("/bireysel/sertifikalar", "/bireysel/pin-puk", "/bireysel/bilgi", "/bireysel/kilit-coz"):
            self.assertIn(path, holder)
        self.assertEqual({p: s for p, s in holder.items() if s != 200}, {})
        # The applicant's pages after log-in.
        b, _, _, _ = self.log_in(CAGRI)
        applicant = self.crawl(b, ["/basvuru/form"])
        self.assertIn("/basvuru/form", applicant)
        self.assertEqual({p: s for p, s in applicant.items() if s != 200}, {})


if __name__ == "__main__":
    harness.main()
