"""CAdES and PAdES signatures made by `tugra sign` and judged by `tugra
verify`, each checked by verifiers nobody here wrote: `openssl cms -verify
-cades`, pkijs (npm; signature, chain and the timestamp token of T), `openssl
ts -verify` on the embedded timestamp, Python asn1crypto for the P2-P4 policy
attribute and the LT revocation values, poppler's pdfsig and pdftoppm, and
`qpdf --check`; PDF byte flips and later incremental updates; XAdES checked by
xmlsec1 (XMLDSig and the chain) and xadesjs (npm; the XAdES properties). Keys: a key file, the virtual card and
SoftHSM2 through PKCS#11. Revocation: INDETERMINATE without a timestamp,
TOTAL-PASSED with a timestamp before the revocation, TOTAL-FAILED after it."""
import hashlib
import json
import os
import re
import subprocess
import time
import unittest
import xml.etree.ElementTree as ET

from asn1crypto import algos, cms, core, ocsp, tsp  # noqa: F401 (tsp: TSTInfo content type)

import harness
from harness import http, run

HERE = os.path.dirname(os.path.abspath(__file__))
PKIJS = os.path.join(HERE, "..", "e2e", "verify_cades.mjs")
XADESJS = os.path.join(HERE, "..", "e2e", "verify_xades.mjs")
DS = "{http://www.w3.org/2000/09/xmldsig#}"
XADES = "{http://uri.etsi.org/01903/v1.3.2#}"
POLICIES = {"P2": "2.16.792.1.61.0.1.5070.3.1.1", "P3": "2.16.792.1.61.0.1.5070.3.2.1",
            "P4": "2.16.792.1.61.0.1.5070.3.3.1"}


# ETSI EN 319 122-1 §5.2.9 SignaturePolicyIdentifier (this asn1crypto has no type for it).
class SigPolicyQualifierInfo(core.Sequence):
    _fields = [("sig_policy_qualifier_id", core.ObjectIdentifier), ("sig_qualifier", core.Any)]


class SignaturePolicyId(core.Sequence):
    _fields = [("sig_policy_id", core.ObjectIdentifier), ("sig_policy_hash", algos.DigestInfo),
               ("sig_policy_qualifiers", core.SequenceOf, {"spec": SigPolicyQualifierInfo, "optional": True})]


class SignaturePolicyIdentifier(core.Choice):
    _alternatives = [("signature_policy_id", SignaturePolicyId), ("signature_policy_implied", core.Null)]


def make_pdf(text):
    """A one-page PDF with a classic cross-reference table, as simple writers make them."""
    content = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
               b" /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def append_update(pdf, objects):
    """An incremental update replacing or adding `objects` ({number: body}), as another PDF tool would."""
    previous = int(pdf[pdf.rindex(b"startxref") + 9:].split()[0])
    size = int(re.findall(rb"/Size (\d+)", pdf)[-1])
    out = bytearray(pdf)
    offsets = {}
    for number, body in objects.items():
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n" + b"".join(b"%d 1\n%010d 00000 n \n" % (n, o) for n, o in sorted(offsets.items()))
    size = max(size, max(objects) + 1)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (size, previous, xref)
    return bytes(out)


class Signatures(harness.Waiting, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.home = harness.Home(TUGRA_TSA_REQUIRE_SYNCHRONISED_CLOCK="false")
        # The certificates name the status service's URLs (CRL, OCSP, caIssuers): known before init.
        port = harness.free_port()
        cls.base = f"http://127.0.0.1:{port}"
        cls.home.env["TUGRA_SERVICE_PUBLIC_BASE_URL"] = cls.base
        cls.home.tugra("init")
        cls.server = harness.Daemon(cls.home, ["serve", "--listen", f"127.0.0.1:{port}", "--roles", "status,ca"],
                                    lambda: http(cls.base + "/healthz")[0] == 200, "serve.log")
        cls.chain = cls.home.write("chain.pem", cls.home.tugra("ca", "chain").stdout.decode())
        cls.data = cls.home.write("dilekce.txt", "Sayın Müdürlüğe,\nizin talebimi bilgilerinize sunarım.\n")
        cls.key, cls.cert = cls.holder("12345678950", "Ayşe", "Yılmaz")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.home.remove()

    @classmethod
    def holder(cls, tckn, given, surname):
        key, pub = harness.ec_public_key(cls.home, name=tckn)
        cert = cls.home.path(f"{tckn}.pem")
        cls.home.tugra("ca", "issue", "--tckn", tckn, "--given-name", given, "--surname", surname,
                       "--public-key", pub, "--out", cert)
        return key, cert

    def sign(self, *args, key=None, cert=None, out=None, data=None, check=True):
        out = out or self.home.path(f"s-{os.urandom(4).hex()}.p7s")
        r = self.home.tugra("sign", data or self.data, "--key", key or self.key, "--cert", cert or self.cert,
                            "--out", out, *args, check=check)
        return r, out

    def verify(self, path, *args, data=None):
        r = self.home.tugra("verify", path, "--data", data or self.data, "--report", "json", *args, check=False)
        return r.returncode, json.loads(r.stdout)

    def openssl_cms(self, path, data=None):
        args = ["-content", data] if data else []
        return run(["openssl", "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", path, *args,
                    "-CAfile", self.chain, "-purpose", "any", "-out", os.devnull], check=False)

    def pkijs(self, path, data=None):
        r = run(["node", PKIJS, path, self.chain, *([data] if data else [])], check=False)
        return r.returncode, json.loads(r.stdout)

    @staticmethod
    def signer_info(path):
        with open(path, "rb") as f:
            signed = cms.ContentInfo.load(f.read())["content"]
        return signed, signed["signer_infos"][0]

    def test_cades_b_detached_and_attached_accepted_by_openssl_and_pkijs(self):
        _, detached = self.sign()
        self.assertEqual(self.openssl_cms(detached, self.data).returncode, 0)
        code, result = self.pkijs(detached, self.data)
        self.assertEqual(code, 0, result)
        _, attached = self.sign("--attached")
        r = self.openssl_cms(attached)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.pkijs(attached)[0], 0)
        r = self.home.tugra("verify", attached, "--report", "json", check=False)
        self.assertEqual(json.loads(r.stdout)["signatures"][0]["format"], "CAdES (attached)")
        # The signed attributes CAdES requires, as asn1crypto reads them.
        _, si = self.signer_info(detached)
        names = [a["type"].dotted for a in si["signed_attrs"]]
        for oid in ("1.2.840.113549.1.9.3", "1.2.840.113549.1.9.4", "1.2.840.113549.1.9.5",
                    "1.2.840.113549.1.9.16.2.47"):  # content-type, message-digest, signing-time, signing-certificate-v2
            self.assertIn(oid, names)
        self.assertNotIn("1.2.840.113549.1.9.16.2.15", names)  # P1: no policy
        # A changed document fails for openssl, pkijs and tugra alike.
        other = self.home.write("changed.txt", "Sayın Müdürlüğe,\nistifa talebimi bilgilerinize sunarım.\n")
        self.assertNotEqual(self.openssl_cms(detached, other).returncode, 0)
        self.assertNotEqual(self.pkijs(detached, other)[0], 0)
        code, report = self.verify(detached, data=other)
        self.assertEqual(code, 1)
        self.assertEqual((report["indication"], report["signatures"][0]["subIndication"]), ("TOTAL-FAILED", "HASH_FAILURE"))
        code, report = self.verify(detached)
        self.assertEqual(code, 0)
        s = report["signatures"][0]
        self.assertEqual((s["indication"], s["level"], s["profile"]), ("TOTAL-PASSED", "B-B", "P1"))
        self.assertTrue(s["qualified"])
        self.assertIn("BTK 5070 NES", s["qcStatements"])
        self.assertIn("serialNumber=12345678950", s["signer"])

    def test_btk_profiles_carry_their_policy_timestamp_and_revocation_values(self):
        for profile, policy in POLICIES.items():
            with self.subTest(profile=profile):
                _, path = self.sign("--profile", profile)
                self.assertEqual(self.openssl_cms(path, self.data).returncode, 0)
                signed, si = self.signer_info(path)
                attrs = {a["type"].dotted: a["values"][0] for a in si["signed_attrs"]}
                policy_id = SignaturePolicyIdentifier.load(attrs["1.2.840.113549.1.9.16.2.15"].dump()).chosen
                self.assertEqual(policy_id["sig_policy_id"].dotted, policy)
                self.assertEqual(policy_id["sig_policy_hash"]["digest_algorithm"]["algorithm"].native, "sha256")
                self.assertEqual(len(policy_id["sig_policy_hash"]["digest"].native), 32)
                # The signature timestamp: openssl ts verifies it over the signature value.
                unsigned = {a["type"].native: a["values"][0] for a in si["unsigned_attrs"]}
                token = unsigned["signature_time_stamp_token"]
                self.assertEqual(token["content"]["encap_content_info"]["content"].native["policy"],
                                 "2.999.5070.2.1")
                token_path = self.home.write(f"{profile}.tst", token.dump())
                value_path = self.home.write(f"{profile}.sig", si["signature"].native)
                r = run(["openssl", "ts", "-verify", "-token_in", "-in", token_path, "-data", value_path,
                         "-CAfile", self.chain], check=False)
                self.assertIn(b"Verification: OK", r.stdout, r.stderr)
                code, result = self.pkijs(path, self.data)
                self.assertEqual(code, 0, result)
                self.assertEqual(len(result["timestamps"]), 1)
                # LT (P3: CRLs; P4: the signer's OCSP response) inside SignedData.
                crls = signed["crls"].native if signed["crls"] else []
                kinds = [c.name for c in signed["crls"]] if signed["crls"] else []
                if profile == "P2":
                    self.assertEqual(crls, [])
                if profile == "P3":
                    self.assertIn("crl", kinds)
                    self.assertNotIn("other", kinds)
                if profile == "P4":
                    other = [c.chosen for c in signed["crls"] if c.name == "other"]
                    self.assertEqual(other[0]["other_rev_info_format"].dotted, "1.3.6.1.5.5.7.16.2")
                    response = ocsp.OCSPResponse.load(other[0]["other_rev_info"].dump())
                    self.assertEqual(response["response_status"].native, "successful")
                    single = response.basic_ocsp_response["tbs_response_data"]["responses"][0]
                    self.assertEqual(single["cert_status"].name, "good")
                # LT carries its own revocation data: it validates offline. (P2 relies on a CRL fetched now.)
                code, report = self.verify(path, *(["--offline"] if profile != "P2" else []))
                s = report["signatures"][0]
                self.assertEqual((code, s["indication"], s["profile"]), (0, "TOTAL-PASSED", profile), s)
                self.assertEqual(s["level"], "B-T" if profile == "P2" else "B-LT")
                self.assertTrue(s["bestSignatureTimeProven"])

    def pdfsig(self, path):
        return run(["pdfsig", path], check=False).stdout.decode()

    def verify_file(self, path):
        r = self.home.tugra("verify", path, "--report", "json", check=False)
        return r.returncode, json.loads(r.stdout)

    def test_pades_signatures_accepted_by_pdfsig_and_qpdf(self):
        pdf = self.home.write("dilekce.pdf", make_pdf("Izin dilekcesi"))
        first = self.home.path("dilekce-imzali.pdf")
        self.home.tugra("sign", pdf, "--key", self.key, "--cert", self.cert)  # a PDF: PAdES, named so by default
        self.assertEqual(run(["qpdf", "--check", first], check=False).returncode, 0)
        info = self.pdfsig(first)
        self.assertIn("Signature Type: ETSI.CAdES.detached", info)
        self.assertIn("Total document signed", info)
        self.assertIn("Signature is Valid.", info)
        # A second, visible P2 signature in a further incremental update: both stay valid.
        second = self.home.path("iki-imza.pdf")
        self.sign("--profile", "P2", "--visible", "--rect", "300,40,220,50", data=first, out=second)
        self.assertEqual(run(["qpdf", "--check", second], check=False).returncode, 0)
        info = self.pdfsig(second)
        self.assertEqual(info.count("Signature is Valid."), 2, info)
        self.assertIn("Signature Field Name: Imza2", info)
        code, report = self.verify_file(second)
        self.assertEqual((code, report["indication"]), (0, "TOTAL-PASSED"), report)
        s1, s2 = report["signatures"]
        self.assertEqual((s1["format"], s1["level"], s2["level"], s2["profile"]), ("PAdES", "B-B", "B-T", "P2"))
        self.assertTrue(s1["claimedSigningTime"])  # from the signature dictionary's /M
        changes = next(c for c in s1["checks"] if c["name"] == "pdf-changes")
        self.assertIn("1 signature(s)", changes["detail"])
        # The visible signature is drawn where it was asked (poppler renders it): dark pixels in the box only.
        run(["pdftoppm", "-r", "72", "-gray", "-f", "1", "-l", "1", second, self.home.path("page")])
        with open(self.home.path("page-1.pgm"), "rb") as f:
            header = [f.readline() for _ in range(3)]
            width, height = map(int, header[1].split())
            pixels = f.read()
        dark = lambda x0, x1, y0, y1: sum(pixels[(height - 1 - y) * width + x] < 128
                                          for y in range(y0, y1) for x in range(x0, x1))
        self.assertGreater(dark(300, 520, 40, 90), 100)
        self.assertEqual(dark(36, 256, 36, 86), 0)  # the first, invisible one draws nothing

    def test_pades_lta_document_timestamp(self):
        signed = self.home.path("lta.pdf")
        self.home.tugra("sign", self.home.write("lta-src.pdf", make_pdf("Uzun donemli")), "--key", self.key,
                        "--cert", self.cert, "--level", "LTA", "--out", signed)
        self.assertEqual(run(["qpdf", "--check", signed], check=False).returncode, 0)
        self.assertIn("Signature is Valid.", self.pdfsig(signed))
        with open(signed, "rb") as f:
            data = f.read()
        # The last field is the document timestamp: openssl ts verifies it over its byte range.
        self.assertIn(b"/SubFilter/ETSI.RFC3161", data)
        a, b, c, d = map(int, re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", data)[-1])
        covered = self.home.write("lta-covered.bin", data[a:a + b] + data[c:c + d])
        padded = bytes.fromhex(data[b + 1:c - 1].decode())  # the token, then zeros to the end of the room kept
        token = self.home.write("lta-token.der", cms.ContentInfo.load(padded).dump())
        r = run(["openssl", "ts", "-verify", "-token_in", "-in", token, "-data", covered, "-CAfile", self.chain], check=False)
        self.assertIn(b"Verification: OK", r.stdout, r.stderr)
        r = self.home.tugra("verify", signed, "--offline", "--report", "json", check=False)
        [s] = json.loads(r.stdout)["signatures"]
        self.assertEqual((r.returncode, s["indication"], s["level"]), (0, "TOTAL-PASSED", "B-LTA"), s)
        self.assertTrue(any(t["detail"].startswith("document timestamp") and t["valid"] for t in s["timestamps"]))


    def test_pades_tampering_and_later_updates(self):
        signed = self.home.path("t-imzali.pdf")
        self.home.tugra("sign", self.home.write("t.pdf", make_pdf("Odenecek tutar: 100 TL")), "--key", self.key,
                        "--cert", self.cert, "--out", signed)
        with open(signed, "rb") as f:
            data = f.read()
        # A byte flipped inside the signed range: pdfsig and tugra both fail it.
        flipped = bytearray(data)
        flipped[data.index(b"100 TL")] ^= 0x01
        path = self.home.write("flipped.pdf", bytes(flipped))
        self.assertIn("Digest Mismatch", self.pdfsig(path))
        code, report = self.verify_file(path)
        self.assertEqual((code, report["signatures"][0]["subIndication"]), (1, "HASH_FAILURE"))
        # An incremental update that changes what the page shows fails the signature.
        content = b"BT /F1 18 Tf 72 720 Td (Odenecek tutar: 900 TL) Tj ET"
        changed = self.home.write("changed.pdf", append_update(
            data, {4: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"}))
        self.assertIn("Not total document signed", self.pdfsig(changed))
        code, report = self.verify_file(changed)
        s = report["signatures"][0]
        self.assertEqual((code, s["indication"], s["subIndication"]), (1, "TOTAL-FAILED", "HASH_FAILURE"))
        self.assertIn("page 1 changed", next(c for c in s["checks"] if c["name"] == "pdf-changes")["detail"])
        # One that only adds an annotation (a reviewer's note) leaves it valid, and says so.
        page = re.findall(rb"\n3 0 obj\n(.*?)\nendobj", data, re.S)[-1]  # as the signature left it: with its widget
        self.assertIn(b"/Annots [", page)
        annotated = self.home.write("annotated.pdf", append_update(data, {
            3: page.replace(b"/Annots [", b"/Annots [20 0 R "),
            20: b"<< /Type /Annot /Subtype /Text /Rect [400 700 420 720] /Contents (Okundu) >>"}))
        self.assertEqual(run(["qpdf", "--check", annotated], check=False).returncode, 0)
        code, report = self.verify_file(annotated)
        s = report["signatures"][0]
        self.assertEqual((code, s["indication"]), (0, "TOTAL-PASSED"), s)
        self.assertIn("1 annotation(s) added", next(c for c in s["checks"] if c["name"] == "pdf-changes")["detail"])

    def xmlsec1(self, path):
        """xmlsec1 checks the XMLDSig layer and the signer's chain (root trusted, issuing CA untrusted)."""
        chain = self.home.tugra("ca", "chain").stdout.decode()
        pems = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----\n", chain, re.S)
        issuing, root = self.home.write("x-issuing.pem", pems[0]), self.home.write("x-root.pem", pems[1])
        return run(["xmlsec1", "--verify", "--trusted-pem", root, "--untrusted-pem", issuing, "--id-attr:Id",
                    "SignedProperties", path], check=False, cwd=self.home.dir)  # a detached URI is relative to it

    def xadesjs(self, path):
        r = run(["node", XADESJS, path], check=False)
        return r.returncode, json.loads(r.stdout)

    def test_xades_accepted_by_xmlsec1_and_xadesjs(self):
        xml = self.home.write("dilekce.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<dilekce xmlns="urn:tugra:ornek">'
                              "<konu>İzin</konu><metin>Yıllık izin talebimi arz ederim.</metin></dilekce>\n")
        self.home.tugra("sign", xml, "--key", self.key, "--cert", self.cert)  # XML: enveloped XAdES by default
        enveloped = self.home.path("dilekce-imzali.xml")
        r = self.xmlsec1(enveloped)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"SignedInfo References (ok/all): 2/2", r.stdout + r.stderr)
        code, result = self.xadesjs(enveloped)
        self.assertEqual(code, 0, result)
        self.assertEqual(result[0]["timestamps"], 0)
        code, report = self.verify_file(enveloped)  # tugra verify reads XML as XAdES
        s = report["signatures"][0]
        self.assertEqual((code, s["indication"], s["format"], s["profile"]), (0, "TOTAL-PASSED", "XAdES (enveloped)", "P1"))
        # The document is still itself, the signature its last child.
        root = ET.parse(enveloped).getroot()
        self.assertEqual(root.find("{urn:tugra:ornek}metin").text, "Yıllık izin talebimi arz ederim.")
        self.assertEqual(list(root)[-1].tag, DS + "Signature")

        for profile in ("P2", "P4"):
            with self.subTest(profile=profile):
                path = self.home.path(f"x-{profile}.xml")
                self.sign("--profile", profile, data=xml, out=path)
                self.assertEqual(self.xmlsec1(path).returncode, 0)
                code, result = self.xadesjs(path)
                self.assertEqual(code, 0, result)
                self.assertEqual((result[0]["policy"], result[0]["timestamps"]), ("urn:oid:" + POLICIES[profile], 1))
                unsigned = ET.parse(path).getroot().find(f".//{XADES}UnsignedSignatureProperties")
                if profile == "P4":
                    self.assertIsNotNone(unsigned.find(f"{XADES}CertificateValues/{XADES}EncapsulatedX509Certificate"))
                    self.assertIsNotNone(unsigned.find(f"{XADES}RevocationValues/{XADES}OCSPValues/{XADES}EncapsulatedOCSPValue"))
                    self.assertIsNotNone(unsigned.find(f"{XADES}RevocationValues/{XADES}CRLValues"))
                r = self.home.tugra("verify", path, "--report", "json", *(["--offline"] if profile == "P4" else []), check=False)
                s = json.loads(r.stdout)["signatures"][0]
                self.assertEqual((r.returncode, s["indication"], s["profile"], s["level"]),
                                 (0, "TOTAL-PASSED", profile, "B-T" if profile == "P2" else "B-LT"), s)

        # Detached, beside a file that is not XML: xmlsec1 finds the file by the reference's URI.
        detached = self.home.path("dilekce.txt.xsig.xml")
        self.home.tugra("sign", self.data, "--format", "xades", "--key", self.key, "--cert", self.cert, "--out", detached)
        self.assertEqual(self.xmlsec1(detached).returncode, 0)
        code, report = self.verify(detached)
        self.assertEqual((code, report["signatures"][0]["format"]), (0, "XAdES (detached)"))
        r = self.home.tugra("verify", detached, "--report", "json", check=False)
        self.assertEqual((r.returncode, json.loads(r.stdout)["signatures"][0]["subIndication"]), (4, "SIGNED_DATA_NOT_FOUND"))

        # A changed word fails both.
        with open(enveloped, encoding="utf-8") as f:
            changed = self.home.write("x-changed.xml", f.read().replace("Yıllık izin", "Ücretsiz izin"))
        self.assertNotEqual(self.xmlsec1(changed).returncode, 0)
        self.assertNotEqual(self.xadesjs(changed)[0], 0)
        code, report = self.verify_file(changed)
        self.assertEqual((code, report["signatures"][0]["subIndication"]), (1, "HASH_FAILURE"))

    def test_cades_lta_archive_timestamp(self):
        _, path = self.sign("--level", "LTA")
        self.assertEqual(self.openssl_cms(path, self.data).returncode, 0)
        # The archive-time-stamp-v3's imprint rebuilt here from EN 319 122-1 §5.5.3 with asn1crypto:
        # eContentType, the content's hash, the signer's fields, then the token's ATSHashIndexV3.
        signed, si = self.signer_info(path)
        [ats] = [cms.ContentInfo.load(a["values"][0].dump()) for a in si["unsigned_attrs"]
                 if a["type"].dotted == "0.4.0.1733.2.4"]
        token_si = ats["content"]["signer_infos"][0]
        [index] = [a["values"][0] for a in token_si["unsigned_attrs"] if a["type"].dotted == "0.4.0.19122.1.5"]
        with open(self.data, "rb") as f:
            content_hash = hashlib.sha256(f.read()).digest()
        fields = b"".join(si[k].dump() for k in ("version", "sid", "digest_algorithm", "signed_attrs",
                                                  "signature_algorithm", "signature"))
        covered = self.home.write("ats-input.bin", signed["encap_content_info"]["content_type"].dump() + content_hash +
                                  fields + index.dump())
        token = self.home.write("ats-token.der", ats.dump())
        r = run(["openssl", "ts", "-verify", "-token_in", "-in", token, "-data", covered, "-CAfile", self.chain], check=False)
        self.assertIn(b"Verification: OK", r.stdout, r.stderr)
        code, report = self.verify(path, "--offline")
        s = report["signatures"][0]
        self.assertEqual((code, s["indication"], s["level"]), (0, "TOTAL-PASSED", "B-LTA"), s)
        # An unsigned attribute the archive timestamp covered, taken away: the archive timestamp fails.
        stripped = cms.ContentInfo.load(open(path, "rb").read())
        attrs = stripped["content"]["signer_infos"][0]["unsigned_attrs"]
        kept = [a for a in attrs if a["type"].dotted != "1.2.840.113549.1.9.16.2.14"]
        stripped["content"]["signer_infos"][0]["unsigned_attrs"] = cms.CMSAttributes(kept)
        tampered = self.home.write("ats-tampered.p7s", stripped.dump(force=True))
        code, report = self.verify(tampered, "--offline")
        check = next(c for c in report["signatures"][0]["checks"] if c["name"] == "archive-timestamp")
        self.assertFalse(check["passed"], check)
        self.assertNotEqual(report["signatures"][0]["level"], "B-LTA")

    def test_xades_lta_archive_timestamp(self):
        xml = self.home.write("lta.xml", "<belge><metin>Uzun dönemli</metin></belge>\n")
        path = self.home.path("lta-imzali.xml")
        self.sign("--level", "LTA", data=xml, out=path)
        self.assertEqual(self.xmlsec1(path).returncode, 0)  # (xadesjs 2.6 does not read the 1.4.1 ArchiveTimeStamp)
        archive = ET.parse(path).getroot().find(".//{http://uri.etsi.org/01903/v1.4.1#}ArchiveTimeStamp")
        self.assertIsNotNone(archive.find(f"{XADES}EncapsulatedTimeStamp"))
        r = self.home.tugra("verify", path, "--offline", "--report", "json", check=False)
        s = json.loads(r.stdout)["signatures"][0]
        self.assertEqual((r.returncode, s["indication"], s["level"]), (0, "TOTAL-PASSED", "B-LTA"), s)
        # A certificate value the archive timestamp covered, dropped afterwards: it no longer verifies.
        with open(path, encoding="utf-8") as f:
            text = f.read()
        start = text.index("<xades:EncapsulatedX509Certificate>")
        end = text.index("</xades:EncapsulatedX509Certificate>") + len("</xades:EncapsulatedX509Certificate>")
        tampered = self.home.write("lta-tampered.xml", text[:start] + text[end:])
        r = self.home.tugra("verify", tampered, "--offline", "--report", "json", check=False)
        s = json.loads(r.stdout)["signatures"][0]
        check = next(c for c in s["checks"] if c["name"] == "archive-timestamp")
        self.assertFalse(check["passed"], check)
        self.assertNotEqual(s["level"], "B-LTA")

    def test_reports_in_xml_and_html(self):
        _, path = self.sign("--profile", "P2")
        r = self.home.tugra("verify", path, "--data", self.data, "--report", "xml")
        root = ET.fromstring(r.stdout)
        ns = {"v": "http://uri.etsi.org/19102/v1.2.1#"}
        self.assertEqual(root.find("v:SignatureValidationReport/v:SignatureValidationStatus/v:MainIndication", ns).text,
                         "urn:etsi:019102:mainindication:total-passed")
        self.assertEqual(root.find(".//v:SignaturePolicyIdentifier/v:SigPolicyId", ns).text, POLICIES["P2"])
        html = self.home.tugra("verify", path, "--data", self.data, "--report", "html", "--out",
                               self.home.path("r.html"), TUGRA_LANG="tr")
        self.assertIn("TOTAL-PASSED", html.stdout.decode())
        with open(self.home.path("r.html"), encoding="utf-8") as f:
            page = f.read()
        self.assertIn("İmza Doğrulama Raporu", page)
        self.assertIn("İmza geçerli", page)
        self.assertIn("Ayşe Yılmaz", page)
        # PDF (cairo/pango, Turkish letters kept): pdftotext reads it back.
        self.home.tugra("verify", path, "--data", self.data, "--report", "pdf", "--out", self.home.path("r.pdf"),
                        TUGRA_LANG="tr")
        text = run(["pdftotext", self.home.path("r.pdf"), "-"]).stdout.decode()
        for expected in ("İmza Doğrulama Raporu", "İmza geçerli (TOTAL-PASSED)", "CN=Ayşe Yılmaz", "Biçim: CAdES (detached), B-T, P2",
                         "✔ message-digest"):
            self.assertIn(expected, text)

    def ocsp_status(self, serial):
        issuing = self.home.write("issuing.pem", self.home.tugra("ca", "chain", "--issuing").stdout.decode())
        r = run(["openssl", "ocsp", "-issuer", issuing, "-serial", "0x" + serial, "-url", self.base + "/ocsp",
                 "-CAfile", self.chain], check=False)
        found = re.search(r": (good|revoked|unknown)", r.stdout.decode())
        return found and found.group(1)

    def test_revocation_before_and_after_signing(self):
        key, cert = self.holder("10000000146", "Ali", "Veli")
        _, untimed = self.sign(key=key, cert=cert)
        _, timed = self.sign("--level", "T", key=key, cert=cert)
        time.sleep(1.5)  # revocation times are whole seconds
        serial = run(["openssl", "x509", "-in", cert, "-noout", "-serial"]).stdout.decode().split("=")[1].strip()
        self.home.tugra("ca", "revoke", serial, "--reason", "keyCompromise")
        self.wait_for("OCSP to report the revocation", lambda: self.ocsp_status(serial) == "revoked")
        time.sleep(1.5)
        _, late = self.sign("--level", "T", key=key, cert=cert)

        code, report = self.verify(untimed)
        s = report["signatures"][0]
        self.assertEqual((code, s["indication"], s["subIndication"]), (4, "INDETERMINATE", "REVOKED_NO_POE"))
        self.assertEqual((s["revocation"]["status"], s["revocation"]["reason"]), ("revoked", "keyCompromise"))
        code, report = self.verify(timed)
        self.assertEqual((code, report["signatures"][0]["indication"]), (0, "TOTAL-PASSED"))
        code, report = self.verify(late)
        s = report["signatures"][0]
        self.assertEqual((code, s["indication"], s["subIndication"]), (1, "TOTAL-FAILED", "REVOKED"))
        # --at before the revocation does not make the untimed one valid: nothing proves when it was made.
        code, report = self.verify(untimed, "--at", "2026-01-01T00:00:00Z")
        self.assertEqual(report["validationTime"], "2026-01-01T00:00:00Z")

    def test_card_and_softhsm_keys_through_pkcs11(self):
        self.home.tugra("vcard", "add", "--count", "1")
        for module in (None, harness.SOFTHSM):
            with self.subTest(module=module or "virtual card"):
                number = "98765432150" if module is None else "50000000050"
                self.home.tugra("production", "enqueue", "--tckn", number, "--given-name", "Zeynep",
                                "--surname", "Öztürk", "--phone", "0532 123 45 67", "--email", "z@example.gov.tr")
                self.home.tugra("production", "run", *(["--module", module] if module else []))
                pin = json.loads(self.home.tugra("holder", "pin-puk", "--tckn", number, "--json").stdout)["pin"]
                # A card's certificate is on hold until its holder activates it.
                cert_serial = next(c["serial"] for c in self.home.certificates() if c["tckn"] == number)
                self.home.tugra("ca", "unsuspend", cert_serial)
                self.wait_for("OCSP to report the activation", lambda: self.ocsp_status(cert_serial) == "good")
                extra = ["--module", module] if module else []
                requests = json.loads(self.home.tugra("production", "list", "--json").stdout)
                serial = next(r["card"] for r in requests if r["tckn"] == number)
                cards = json.loads(self.home.tugra("card", "list", "--json", *extra).stdout)
                slot = str(next(c["slot"] for c in cards if c["serial"] == serial))
                out = self.home.path(f"card-{number}.p7s")
                self.home.tugra("sign", self.data, "--profile", "P4", "--slot", slot, "--pin-stdin", "--out", out,
                                *extra, input=f"{pin}\n".encode())
                self.assertEqual(self.openssl_cms(out, self.data).returncode, 0)
                code, report = self.verify(out)
                s = report["signatures"][0]
                self.assertEqual((code, s["indication"]), (0, "TOTAL-PASSED"), s)
                self.assertIn(f"serialNumber={number}", s["signer"])
                # The same card signs a PDF (P4): poppler accepts it.
                pdf = self.home.write(f"card-{number}.pdf", make_pdf("Kartla imzalandi"))
                signed = self.home.path(f"card-{number}-imzali.pdf")
                self.home.tugra("sign", pdf, "--profile", "P4", "--slot", slot, "--pin-stdin", "--out", signed, *extra,
                                input=f"{pin}\n".encode())
                self.assertIn("Signature is Valid.", self.pdfsig(signed))
                self.assertEqual(run(["qpdf", "--check", signed], check=False).returncode, 0)
                # B-LT: the OCSP response and the CRLs in the PDF's DSS, which validates offline.
                dss = json.loads(run(["qpdf", "--json", "--json-key=qpdf", signed]).stdout)
                self.assertTrue(any("/OCSPs" in str(o) for o in dss["qpdf"][1].values()))
                r = self.home.tugra("verify", signed, "--offline", "--report", "json", check=False)
                s = json.loads(r.stdout)["signatures"][0]
                self.assertEqual((r.returncode, s["indication"], s["level"], s["revocation"]["source"]),
                                 (0, "TOTAL-PASSED", "B-LT", "OCSP (embedded)"), s)
                # A wrong PIN is the card's refusal, said as such.
                r = self.home.tugra("sign", self.data, "--slot", slot, "--pin-stdin", *extra,
                                    input=b"000000\n", check=False)
                self.assertEqual(r.returncode, 1)
                self.assertIn("PIN", r.stderr.decode())

    def test_clear_errors(self):
        # No TSA where the profile needs one: the error names the timestamp and the URL.
        r, _ = self.sign("--profile", "P2", "--tsa", "http://127.0.0.1:9/tsa", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("timestamp", r.stderr.decode())
        self.assertIn("127.0.0.1:9", r.stderr.decode())
        r, _ = self.sign("--profile", "P9", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("P9", r.stderr.decode())
        other_key, _ = harness.ec_public_key(self.home, name="stranger")
        r, _ = self.sign(key=other_key, check=False)
        self.assertIn("do not belong together", r.stderr.decode())
        junk = self.home.write("junk.p7s", b"\x30\x03\x02\x01\x01")
        r = self.home.tugra("verify", junk, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a CMS/CAdES signature", r.stderr.decode())
        _, detached = self.sign()
        r = self.home.tugra("verify", detached, "--report", "json", check=False)
        self.assertEqual(r.returncode, 4)
        self.assertEqual(json.loads(r.stdout)["signatures"][0]["subIndication"], "SIGNED_DATA_NOT_FOUND")
        r = self.home.tugra("sign", self.data, "--help", TUGRA_LANG="tr")
        self.assertIn("--profile", r.stdout.decode())
        self.assertIn("BTK imza profili", r.stdout.decode())


if __name__ == "__main__":
    harness.main()
