#include "sign/cades.hpp"

#include <openssl/pkcs7.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <fstream>

#include "common/error.hpp"
#include "common/files.hpp"
#include "crypto/cms.hpp"
#include "crypto/der.hpp"
#include "crypto/signer.hpp"
#include "sign/archive_timestamp.hpp"
#include "sign/evidence.hpp"

namespace tugra::sign {
namespace {

// SignaturePolicyIdentifier ::= SignaturePolicyId { sigPolicyId, sigPolicyHash
// { hashAlgorithm, hashValue }, sigPolicyQualifiers SEQUENCE OF { id-spq-ets-uri, IA5String } OPTIONAL }
Bytes policy_identifier(const SignaturePolicy& policy) {
  Bytes content = der::oid(policy.oid);
  der::append(content, der::sequence({cms::digest_algorithm(EVP_sha256()), der::octet_string(policy.sha256)}));
  if (!policy.uri.empty())
    der::append(content, der::sequence({der::sequence({der::oid("1.2.840.113549.1.9.16.5.1"), der::ia5_string(policy.uri)})}));
  return der::tlv(0x30, content);
}

}  // namespace

CadesSignature::CadesSignature(const X509* certificate, SignatureScheme scheme, Bytes content_digest, CadesOptions options)
    : certificate_(X509_dup(const_cast<X509*>(certificate))), scheme_(scheme), options_(std::move(options)),
      content_digest_(content_digest) {
  std::vector<Bytes> attributes = {
      cms::attribute(der::oid(cms::kIdContentType), der::oid(cms::kIdData)),
      cms::attribute(der::oid(cms::kIdMessageDigest), der::octet_string(content_digest)),
      cms::attribute(der::oid(cms::kIdSigningCertificateV2), cms::signing_certificate_v2(certificate)),
  };
  if (options_.signing_time_attribute)
    attributes.push_back(cms::attribute(der::oid(cms::kIdSigningTime), der::time(options_.signing_time)));
  if (options_.profile.policy)
    attributes.push_back(cms::attribute(der::oid(cms::kIdSignaturePolicy), policy_identifier(*options_.profile.policy)));
  to_be_signed_ = cms::signed_attributes_set(attributes);
}

Bytes CadesSignature::complete(ByteView signature, const std::vector<ossl::Cert>& chain, const Bytes* content,
                               const EvidenceFetcher& evidence, ValidationData* elsewhere) const {
  if (options_.attached && !content) throw std::logic_error("attached CAdES without its content");
  const Level level = options_.profile.level;
  cms::SignerInfoParts signer{cms::issuer_and_serial(certificate_.get()), cms::digest_algorithm(digest_of(scheme_)),
                              to_be_signed_, {}};
  std::vector<ossl::Cert> tsa_certificates;
  if (level >= Level::t) {
    Bytes token = evidence.timestamp(signature);
    tsa_certificates = timestamp_certificates(token);
    signer.unsigned_attributes.push_back(cms::attribute(der::oid(cms::kIdSignatureTimeStamp), token));
  }

  cms::SignedDataParts data{signer.digest_algorithm, der::oid(cms::kIdData), options_.attached ? content : nullptr,
                            {ossl::to_der(certificate_.get())}, {}, {}};
  if (level >= Level::lt) {
    ValidationData v = gather_validation_data(certificate_.get(), chain, tsa_certificates, options_.profile.revocation, evidence);
    if (elsewhere) {
      // The chain still travels with the signature; the rest goes where the caller keeps it.
      for (const auto& c : chain) data.certificates.push_back(ossl::to_der(c.get()));
      *elsewhere = std::move(v);
    } else {
      data.certificates.insert(data.certificates.end(), v.certificates.begin(), v.certificates.end());
      data.revocation = std::move(v.crls);
      for (const auto& o : v.ocsp_responses) data.revocation.push_back(cms::ocsp_revocation_choice(o));
    }
    std::sort(data.certificates.begin(), data.certificates.end());
    data.certificates.erase(std::unique(data.certificates.begin(), data.certificates.end()), data.certificates.end());
  }
  data.signer_infos.push_back(cms::signer_info(signer, algorithm_identifier(scheme_), signature));
  Bytes out = cms::signed_data(data);
  // LTA: an archive timestamp over all of it (the LT data is inside when not kept elsewhere).
  if (level == Level::lta && !elsewhere) out = add_archive_timestamp(out, content_digest_, digest_of(scheme_), evidence);
  return out;
}

ValidationData gather_validation_data(const X509* signer, const std::vector<ossl::Cert>& chain,
                                      const std::vector<ossl::Cert>& tsa_certificates, RevocationKind kind,
                                      const EvidenceFetcher& evidence) {
  ValidationData out;
  auto add_unique = [](std::vector<Bytes>& list, Bytes item) {
    if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(std::move(item));
  };
  // Every certificate of both chains ...
  std::vector<const X509*> checked_by_crl;
  for (const auto& c : chain) {
    add_unique(out.certificates, ossl::to_der(c.get()));
    checked_by_crl.push_back(c.get());
  }
  for (const auto& t : tsa_certificates) {
    add_unique(out.certificates, ossl::to_der(t.get()));
    checked_by_crl.push_back(t.get());
    for (auto& c : complete_chain(t.get(), chain, evidence)) add_unique(out.certificates, ossl::to_der(c.get()));
  }
  // ... and revocation data for each one that is not a trust anchor: OCSP
  // for the signer when the profile or the certificate asks for it, CRLs for
  // the rest (Tugra checks CA certificates by CRL only, as Kamu SM does).
  bool use_ocsp = kind == RevocationKind::ocsp || (kind == RevocationKind::any && !ocsp_urls(signer).empty());
  if (use_ocsp) {
    if (chain.empty()) throw UserError("sign.no_chain");
    out.ocsp_responses.push_back(evidence.ocsp(signer, chain.front().get()));
  } else {
    out.crls.push_back(evidence.crl(signer));
  }
  for (const X509* c : checked_by_crl)
    if (!ossl::self_issued(c)) add_unique(out.crls, evidence.crl(c));
  return out;
}

Bytes digest_file(const EVP_MD* md, const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UserError("sign.cannot_read", {{"file", file.string()}});
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), ossl::fetched(md), nullptr) != 1) throw ossl::Error("EVP_DigestInit_ex");
  std::vector<char> block(1 << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), block.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw UserError("sign.cannot_read", {{"file", file.string()}});
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx.get(), out.data(), &n);
  return out;
}

std::vector<ossl::Cert> complete_chain(const X509* certificate, const std::vector<ossl::Cert>& known,
                                       const EvidenceFetcher& evidence) {
  std::vector<ossl::Cert> chain;
  const X509* current = certificate;
  for (int depth = 0; depth < 8 && !ossl::self_issued(current); ++depth) {
    const X509* issuer = nullptr;
    for (const auto& k : known)
      if (X509_check_issued(k.get(), const_cast<X509*>(current)) == X509_V_OK) issuer = k.get();
    ossl::Cert next = issuer ? ossl::Cert(X509_dup(const_cast<X509*>(issuer)))
                             : ossl::cert_from_der(evidence.issuer_certificate(current));
    chain.push_back(std::move(next));
    current = chain.back().get();
  }
  return chain;
}

Bytes sign_cades_file(const Signer& key, const X509* certificate, const std::vector<ossl::Cert>& chain,
                      const std::filesystem::path& file, const CadesOptions& options, const EvidenceFetcher& evidence) {
  Bytes content;
  Bytes digest;
  if (options.attached) {
    std::string text = read_file(file);
    content.assign(text.begin(), text.end());
    digest = ossl::digest(digest_of(key.scheme()), content);
  } else {
    digest = digest_file(digest_of(key.scheme()), file);
  }
  CadesSignature signature(certificate, key.scheme(), digest, options);
  return signature.complete(key.sign(signature.to_be_signed()), chain, options.attached ? &content : nullptr, evidence);
}

}  // namespace tugra::sign
