#include "sign/xades.hpp"

#include <libxml/tree.h>
#include <openssl/ecdsa.h>

#include <ctime>

#include "common/error.hpp"
#include "crypto/cms.hpp"
#include "crypto/der.hpp"
#include "sign/cades.hpp"
#include "crypto/signer.hpp"
#include "sign/xml_document.hpp"
#include "common/clock.hpp"
#include "common/text.hpp"

namespace tugra::sign {
namespace {

constexpr const char* kExcC14n = "http://www.w3.org/2001/10/xml-exc-c14n#";
constexpr const char* kSha256 = "http://www.w3.org/2001/04/xmlenc#sha256";
constexpr const char* kSpDigest = "@@SIGNED-PROPERTIES-DIGEST@@";
constexpr const char* kSignatureValue = "@@SIGNATURE-VALUE@@";

std::string signature_method(SignatureScheme scheme) {
  switch (scheme) {
    case SignatureScheme::ecdsa_sha256: return "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    case SignatureScheme::ecdsa_sha384: return "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
    case SignatureScheme::rsa_pkcs1_sha256: return "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    case SignatureScheme::rsa_pss_sha256: break;
  }
  throw UserError("sign.format_not_supported", {{"format", "XAdES RSA-PSS"}});
}

std::string b64(ByteView data) { return base64_encode(data); }


// IssuerSerialV2: the DER IssuerSerial { GeneralNames { directoryName }, serial } (EN 319 132-1 §5.2.2).
std::string issuer_serial_v2(const X509* certificate) {
  Bytes v2 = cms::signing_certificate_v2(certificate);
  // SigningCertificateV2 { SEQUENCE OF ESSCertIDv2 { certHash, IssuerSerial } }: the IssuerSerial is the last element.
  der::Reader certs(der::Reader(der::Reader(v2).next(0x30).content).next(0x30).content);
  der::Reader id(certs.next(0x30).content);
  id.next(0x04);
  der::Element issuer_serial = id.next(0x30);
  return b64(issuer_serial.whole);
}

void replace(std::string& text, const std::string& placeholder, const std::string& value) {
  auto at = text.find(placeholder);
  if (at == std::string::npos) throw std::logic_error("XAdES template: " + placeholder);
  text.replace(at, placeholder.size(), value);
}

}  // namespace

Bytes ecdsa_der_to_raw(ByteView der, std::size_t half) {
  const unsigned char* p = der.data();
  ossl::Ptr<ECDSA_SIG, ECDSA_SIG_free> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw ossl::Error("ECDSA signature");
  Bytes raw(2 * half);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), static_cast<int>(half)) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + half, static_cast<int>(half)) < 0)
    throw ossl::Error("ECDSA signature");
  return raw;
}

Bytes ecdsa_raw_to_der(ByteView raw) {
  if (raw.empty() || raw.size() % 2) throw std::runtime_error("ECDSA signature: odd length");
  std::size_t half = raw.size() / 2;
  ossl::Ptr<ECDSA_SIG, ECDSA_SIG_free> sig(ECDSA_SIG_new());
  ECDSA_SIG_set0(sig.get(), BN_bin2bn(raw.data(), static_cast<int>(half), nullptr),
                 BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  return ossl::der_of(sig.get(), i2d_ECDSA_SIG);
}

XadesSignature::XadesSignature(const X509* certificate, SignatureScheme scheme, const std::string& content,
                               XadesOptions options)
    : certificate_(X509_dup(const_cast<X509*>(certificate))), scheme_(scheme), options_(std::move(options)) {
  if (!options_.enveloped && options_.profile.level == Level::lta) content_ = content;
  const std::string id = "xades-" + hex_encode(random_bytes(8));
  const std::string method = signature_method(scheme_);

  // The reference to what is signed.
  std::string reference;
  if (options_.enveloped) {
    XmlDocument original(content);
    std::string digest = b64(ossl::digest(EVP_sha256(), as_bytes(original.canonical(nullptr))));
    reference = "<ds:Reference Id=\"" + id + "-ref0\" URI=\"\"><ds:Transforms>"
                "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
                "<ds:Transform Algorithm=\"" + std::string(kExcC14n) + "\"/></ds:Transforms>"
                "<ds:DigestMethod Algorithm=\"" + kSha256 + "\"/><ds:DigestValue>" + digest + "</ds:DigestValue></ds:Reference>";
  } else {
    std::string digest = b64(ossl::digest(EVP_sha256(), as_bytes(content)));
    reference = "<ds:Reference Id=\"" + id + "-ref0\" URI=\"" + escape_markup(options_.detached_uri) + "\">"
                "<ds:DigestMethod Algorithm=\"" + std::string(kSha256) + "\"/><ds:DigestValue>" + digest +
                "</ds:DigestValue></ds:Reference>";
  }

  std::string policy;
  if (options_.profile.policy)
    policy = "<xades:SignaturePolicyIdentifier><xades:SignaturePolicyId><xades:SigPolicyId>"
             "<xades:Identifier Qualifier=\"OIDAsURN\">urn:oid:" + options_.profile.policy->oid +
             "</xades:Identifier></xades:SigPolicyId><xades:SigPolicyHash><ds:DigestMethod Algorithm=\"" + kSha256 +
             "\"/><ds:DigestValue>" + b64(options_.profile.policy->sha256) + "</ds:DigestValue></xades:SigPolicyHash>" +
             (options_.profile.policy->uri.empty() ? "" : "<xades:SigPolicyQualifiers><xades:SigPolicyQualifier><xades:SPURI>" +
                                                              escape_markup(options_.profile.policy->uri) +
                                                              "</xades:SPURI></xades:SigPolicyQualifier></xades:SigPolicyQualifiers>") +
             "</xades:SignaturePolicyId></xades:SignaturePolicyIdentifier>";

  Bytes cert_der = ossl::to_der(certificate);
  std::string signature =
      "<ds:Signature xmlns:ds=\"" + std::string(kDsNs) + "\" Id=\"" + id + "\"><ds:SignedInfo>"
      "<ds:CanonicalizationMethod Algorithm=\"" + kExcC14n + "\"/><ds:SignatureMethod Algorithm=\"" + method + "\"/>" +
      reference +
      "<ds:Reference Type=\"http://uri.etsi.org/01903#SignedProperties\" URI=\"#" + id + "-sp\"><ds:Transforms>"
      "<ds:Transform Algorithm=\"" + kExcC14n + "\"/></ds:Transforms><ds:DigestMethod Algorithm=\"" + kSha256 +
      "\"/><ds:DigestValue>" + kSpDigest + "</ds:DigestValue></ds:Reference></ds:SignedInfo>"
      "<ds:SignatureValue Id=\"" + id + "-sv\">" + kSignatureValue + "</ds:SignatureValue>"
      "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>" + b64(cert_der) + "</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
      "<ds:Object><xades:QualifyingProperties xmlns:xades=\"" + kXadesNs + "\" Target=\"#" + id + "\">"
      "<xades:SignedProperties Id=\"" + id + "-sp\"><xades:SignedSignatureProperties>"
      "<xades:SigningTime>" + format_iso(options_.signing_time) + "</xades:SigningTime>"
      "<xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm=\"" + kSha256 +
      "\"/><ds:DigestValue>" + b64(ossl::digest(EVP_sha256(), cert_der)) + "</ds:DigestValue></xades:CertDigest>"
      "<xades:IssuerSerialV2>" + issuer_serial_v2(certificate) + "</xades:IssuerSerialV2></xades:Cert>"
      "</xades:SigningCertificateV2>" + policy + "</xades:SignedSignatureProperties>"
      "<xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference=\"#" + id + "-ref0\">"
      "<xades:MimeType>" + (options_.enveloped ? "text/xml" : "application/octet-stream") + "</xades:MimeType>"
      "</xades:DataObjectFormat></xades:SignedDataObjectProperties></xades:SignedProperties>"
      "</xades:QualifyingProperties></ds:Object></ds:Signature>";

  if (options_.enveloped) {
    // The last child of the root element: before the root's end tag.
    document_ = content;
    auto end = document_.rfind("</");
    if (end == std::string::npos) throw UserError("sign.xml_empty_root");
    document_.insert(end, signature);
  } else {
    document_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + signature + "\n";
  }
  // The SignedProperties digest, then the canonical SignedInfo, each in the document as it will be.
  {
    XmlDocument doc(document_);
    xmlNode* properties = doc.by_id(id + "-sp");
    replace(document_, kSpDigest, b64(ossl::digest(EVP_sha256(), as_bytes(doc.canonical(properties)))));
  }
  XmlDocument doc(document_);
  std::string signed_info = doc.canonical(child(doc.by_id(id), kDsNs, "SignedInfo"));
  to_be_signed_.assign(signed_info.begin(), signed_info.end());
}

std::string XadesSignature::complete(ByteView signature, const std::vector<ossl::Cert>& chain,
                                     const EvidenceFetcher& evidence) const {
  Bytes value(signature.begin(), signature.end());
  if (scheme_ == SignatureScheme::ecdsa_sha256 || scheme_ == SignatureScheme::ecdsa_sha384)
    value = ecdsa_der_to_raw(signature, scheme_ == SignatureScheme::ecdsa_sha384 ? 48 : 32);
  std::string out = document_;
  replace(out, kSignatureValue, b64(value));
  if (options_.profile.level < Level::t) return out;

  // T: a timestamp over the canonical SignatureValue element.
  std::string sv_id;
  std::string unsigned_props;
  {
    XmlDocument doc(out);
    xmlNode* sv = doc.elements(kDsNs, "SignatureValue").back();
    Bytes token = evidence.timestamp(as_bytes(doc.canonical(sv)));
    unsigned_props = "<xades:SignatureTimeStamp><ds:CanonicalizationMethod Algorithm=\"" + std::string(kExcC14n) +
                     "\"/><xades:EncapsulatedTimeStamp>" + b64(token) + "</xades:EncapsulatedTimeStamp></xades:SignatureTimeStamp>";
    if (options_.profile.level >= Level::lt) {
      // LT: the certificates and revocation data, in the signature itself.
      ValidationData v =
          gather_validation_data(certificate_.get(), chain, timestamp_certificates(token), options_.profile.revocation, evidence);
      unsigned_props += "<xades:CertificateValues>";
      for (const auto& c : v.certificates) unsigned_props += "<xades:EncapsulatedX509Certificate>" + b64(c) + "</xades:EncapsulatedX509Certificate>";
      unsigned_props += "</xades:CertificateValues><xades:RevocationValues>";
      if (!v.crls.empty()) {
        unsigned_props += "<xades:CRLValues>";
        for (const auto& c : v.crls) unsigned_props += "<xades:EncapsulatedCRLValue>" + b64(c) + "</xades:EncapsulatedCRLValue>";
        unsigned_props += "</xades:CRLValues>";
      }
      if (!v.ocsp_responses.empty()) {
        unsigned_props += "<xades:OCSPValues>";
        for (const auto& o : v.ocsp_responses) unsigned_props += "<xades:EncapsulatedOCSPValue>" + b64(o) + "</xades:EncapsulatedOCSPValue>";
        unsigned_props += "</xades:OCSPValues>";
      }
      unsigned_props += "</xades:RevocationValues>";
    }
  }
  auto end = out.rfind("</xades:QualifyingProperties>");
  out.insert(end, "<xades:UnsignedProperties><xades:UnsignedSignatureProperties>" + unsigned_props +
                      "</xades:UnsignedSignatureProperties></xades:UnsignedProperties>");
  if (options_.profile.level < Level::lta) return out;

  // LTA: an archive timestamp over everything the signature is now, as the last unsigned property.
  Bytes token;
  {
    XmlDocument doc(out);
    xmlNode* sig = doc.elements(kDsNs, "Signature").back();
    std::string input = archive_input(doc, sig, nullptr, options_.enveloped ? nullptr : &content_);
    token = evidence.timestamp(as_bytes(input));
  }
  end = out.rfind("</xades:UnsignedSignatureProperties>");
  out.insert(end, "<xades141:ArchiveTimeStamp xmlns:xades141=\"" + std::string(kXades141Ns) +
                      "\"><ds:CanonicalizationMethod Algorithm=\"" + kExcC14n + "\"/><xades:EncapsulatedTimeStamp>" +
                      b64(token) + "</xades:EncapsulatedTimeStamp></xades141:ArchiveTimeStamp>");
  return out;
}

std::string archive_input(const XmlDocument& doc, xmlNode* signature, xmlNode* archive, const std::string* detached) {
  std::string input;
  // 1. Every reference's data as its digest took it.
  xmlNode* signed_info = child(signature, kDsNs, "SignedInfo");
  for (xmlNode* ref = signed_info ? signed_info->children : nullptr; ref; ref = ref->next) {
    if (ref->type != XML_ELEMENT_NODE || std::string(reinterpret_cast<const char*>(ref->name)) != "Reference") continue;
    std::string uri = attribute(ref, "URI");
    if (uri.empty()) input += doc.canonical(nullptr, signature);
    else if (uri[0] == '#') input += doc.canonical(doc.by_id(uri.substr(1)));
    else if (detached) input += *detached;
    else throw UserError("verify.archive_needs_data");
  }
  // 2. SignedInfo, SignatureValue, KeyInfo.
  for (const char* name : {"SignedInfo", "SignatureValue", "KeyInfo"})
    if (xmlNode* n = child(signature, kDsNs, name)) input += doc.canonical(n);
  // 3. The unsigned signature properties before this archive timestamp.
  xmlNode* object = child(signature, kDsNs, "Object");
  xmlNode* properties = object ? child(object, kXadesNs, "QualifyingProperties") : nullptr;
  xmlNode* unsigned_props = properties ? child(child(properties, kXadesNs, "UnsignedProperties"), kXadesNs,
                                               "UnsignedSignatureProperties")
                                       : nullptr;
  for (xmlNode* p = unsigned_props ? unsigned_props->children : nullptr; p && p != archive; p = p->next)
    if (p->type == XML_ELEMENT_NODE) input += doc.canonical(p);
  // 4. Every ds:Object but the one holding the qualifying properties.
  for (xmlNode* o = signature->children; o; o = o->next)
    if (o->type == XML_ELEMENT_NODE && o != object && std::string(reinterpret_cast<const char*>(o->name)) == "Object")
      input += doc.canonical(o);
  return input;
}

std::string sign_xades(const Signer& key, const X509* certificate, const std::vector<ossl::Cert>& chain,
                       const std::string& content, const XadesOptions& options, const EvidenceFetcher& evidence) {
  XadesSignature signature(certificate, key.scheme(), content, options);
  return signature.complete(key.sign(signature.to_be_signed()), chain, evidence);
}

}  // namespace tugra::sign
