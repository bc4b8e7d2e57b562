#include "sign/archive_timestamp.hpp"

#include <openssl/objects.h>

#include <algorithm>

#include "crypto/cms.hpp"
#include "crypto/der.hpp"
#include "crypto/openssl.hpp"
#include "sign/evidence.hpp"

namespace tugra::sign {
namespace {

// The hashes of one ATSHashIndexV3 list: each element as encoded, or (for
// unsigned attributes) each attribute's type and one of its values joined.
std::vector<Bytes> element_hashes(const std::vector<Bytes>& elements, const EVP_MD* md) {
  std::vector<Bytes> out;
  for (const auto& e : elements) out.push_back(ossl::digest(md, e));
  return out;
}

std::vector<Bytes> attribute_value_hashes(const std::vector<Bytes>& attributes, const EVP_MD* md) {
  std::vector<Bytes> out;
  for (const auto& a : attributes) {
    der::Reader attribute(der::Reader(a).next(0x30).content);
    der::Element type = attribute.next(0x06);
    der::Reader values(attribute.next(0x31).content);
    while (!values.at_end()) {
      Bytes joined(type.whole.begin(), type.whole.end());
      der::append(joined, values.next().whole);
      out.push_back(ossl::digest(md, joined));
    }
  }
  return out;
}

Bytes octet_strings(const std::vector<Bytes>& hashes) {
  Bytes content;
  for (const auto& h : hashes) der::append(content, der::octet_string(h));
  return der::tlv(0x30, content);
}

Bytes hash_index(const cms::SignedDataFields& f, const EVP_MD* md) {
  Bytes content;
  if (EVP_MD_get_type(md) != NID_sha256) der::append(content, cms::digest_algorithm(md));
  der::append(content, octet_strings(element_hashes(f.certificates, md)));
  der::append(content, octet_strings(element_hashes(f.revocation, md)));
  der::append(content, octet_strings(attribute_value_hashes(f.unsigned_attributes, md)));
  return der::tlv(0x30, content);
}

Bytes input_of(const cms::SignedDataFields& f, ByteView content_digest, ByteView index) {
  Bytes input = f.econtent_type;
  der::append(input, content_digest);
  der::append(input, f.signer_fields);
  der::append(input, index);
  return input;
}

// The ATSHashIndexV3 value (DER) a token carries, or empty.
Bytes index_of(ByteView token) {
  static const Bytes oid = der::oid(kIdAtsHashIndexV3);
  for (const auto& a : cms::signed_data_fields(token).unsigned_attributes) {
    der::Reader attribute(der::Reader(a).next(0x30).content);
    der::Element type = attribute.next(0x06);
    if (Bytes(type.whole.begin(), type.whole.end()) != oid) continue;
    der::Element value = der::Reader(attribute.next(0x31).content).next(0x30);
    return Bytes(value.whole.begin(), value.whole.end());
  }
  return {};
}

// The three hash lists of an ATSHashIndexV3 (certificates, revocation
// values, unsigned attribute values), after its optional algorithm.
std::vector<std::vector<Bytes>> lists_of(ByteView index) {
  std::vector<der::Element> elements;
  der::Reader r(der::Reader(index).next(0x30).content);
  while (!r.at_end()) elements.push_back(r.next(0x30));
  if (elements.size() == 4) elements.erase(elements.begin());
  if (elements.size() != 3) throw std::runtime_error("ATSHashIndexV3: three lists expected");
  std::vector<std::vector<Bytes>> out;
  for (const auto& e : elements) {
    std::vector<Bytes> hashes;
    der::Reader items(e.content);
    while (!items.at_end()) {
      auto h = items.next(0x04);
      hashes.emplace_back(h.content.begin(), h.content.end());
    }
    out.push_back(std::move(hashes));
  }
  return out;
}

}  // namespace

Bytes add_archive_timestamp(ByteView content_info, ByteView content_digest, const EVP_MD* md,
                            const EvidenceFetcher& evidence) {
  cms::SignedDataFields fields = cms::signed_data_fields(content_info);
  Bytes index = hash_index(fields, md);
  Bytes token = evidence.timestamp(input_of(fields, content_digest, index), md);
  token = cms::add_unsigned_attribute(token, cms::attribute(der::oid(kIdAtsHashIndexV3), index));
  return cms::add_unsigned_attribute(content_info, cms::attribute(der::oid(kIdArchiveTimeStampV3), token));
}

const EVP_MD* archive_digest(ByteView token) {
  Bytes index = index_of(token);
  if (index.empty()) return EVP_sha256();
  std::vector<der::Element> elements;
  der::Reader r(der::Reader(index).next(0x30).content);
  while (!r.at_end()) elements.push_back(r.next());
  if (elements.size() == 4) {
    // An AlgorithmIdentifier before the three lists.
    std::string oid = der::oid_text(der::Reader(elements[0].content).next(0x06).content);
    ossl::Ptr<ASN1_OBJECT, ASN1_OBJECT_free> object(OBJ_txt2obj(oid.c_str(), 1));
    if (const EVP_MD* md = EVP_get_digestbyobj(object.get())) return md;
  }
  return EVP_sha256();
}

Bytes archive_timestamp_input(ByteView content_info, std::size_t index, ByteView token, ByteView content_digest,
                              std::string& problem) {
  Bytes listed_index = index_of(token);
  if (listed_index.empty()) {
    problem = "the archive timestamp has no ATSHashIndexV3";
    return {};
  }
  const EVP_MD* md = archive_digest(token);
  cms::SignedDataFields fields = cms::signed_data_fields(content_info, index);
  // Every hash the index lists must still be there (later additions may follow it).
  auto lists = lists_of(listed_index);
  auto present = [](const std::vector<Bytes>& want, const std::vector<Bytes>& have) {
    return std::all_of(want.begin(), want.end(),
                       [&](const Bytes& h) { return std::find(have.begin(), have.end(), h) != have.end(); });
  };
  bool certs = present(lists[0], element_hashes(fields.certificates, md));
  bool crls = present(lists[1], element_hashes(fields.revocation, md));
  bool attrs = present(lists[2], attribute_value_hashes(fields.unsigned_attributes, md));
  if (!certs || !crls || !attrs) {
    problem = "the signature no longer holds what the archive timestamp covered";
    return {};
  }
  return input_of(fields, content_digest, listed_index);
}

}  // namespace tugra::sign
