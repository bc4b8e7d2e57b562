#include "crypto/openssl.hpp"

#include "crypto/der.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>

#include <ctime>
#include <openssl/param_build.h>
#include <openssl/pem.h>

namespace tugra::ossl {

using Bio = Ptr<BIO, BIO_free>;

// The newest queued error says what failed; older entries may be leftovers
// of unrelated calls (a module probing for engines, say), so they are dropped.
static std::string drain_errors() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return {};
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return std::string(": ") + buf;
}

Error::Error(std::string_view what) : std::runtime_error(std::string(what) + drain_errors()) {}

const EVP_MD* fetched(const EVP_MD* md) {
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static EVP_MD* const sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static EVP_MD* const sha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  const EVP_MD* found = nullptr;
  switch (EVP_MD_get_type(md)) {
    case NID_sha256: found = sha256; break;
    case NID_sha384: found = sha384; break;
    case NID_sha512: found = sha512; break;
    default: break;
  }
  return found ? found : md;
}

Bytes digest(const EVP_MD* md, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, fetched(md), nullptr) != 1)
    throw Error("EVP_Digest");
  out.resize(len);
  return out;
}

std::string sha256_hex(ByteView data) { return hex_encode(digest(EVP_sha256(), data)); }

bool self_issued(const X509* cert) {
  return X509_NAME_cmp(X509_get_subject_name(cert), X509_get_issuer_name(cert)) == 0;
}

std::int64_t unix_seconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(time, &tm) != 1) throw Error("ASN1_TIME_to_tm");
  return static_cast<std::int64_t>(timegm(&tm));
}

Bytes to_der(const X509* cert) {
  unsigned char* buf = nullptr;
  int len = i2d_X509(cert, &buf);
  if (len <= 0) throw Error("i2d_X509");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

Cert cert_from_der(ByteView der) {
  const unsigned char* p = der.data();
  Cert cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != der.data() + der.size()) throw Error("d2i_X509");
  return cert;
}

Pkey public_key_from_der(ByteView spki) {
  const unsigned char* p = spki.data();
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!key || p != spki.data() + spki.size()) throw Error("d2i_PUBKEY");
  return key;
}

Bytes public_key_der(const EVP_PKEY* key) {
  unsigned char* buf = nullptr;
  int len = i2d_PUBKEY(key, &buf);
  if (len <= 0) throw Error("i2d_PUBKEY");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

std::string to_pem(const X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) throw Error("PEM_write_bio_X509");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

static Bio memory_bio(std::string_view data) {
  Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!bio) throw Error("BIO_new_mem_buf");
  return bio;
}

static bool looks_like_pem(std::string_view data) {
  return data.find("-----BEGIN ") != std::string_view::npos;
}

Cert cert_from_pem_or_der(std::string_view data) {
  if (!looks_like_pem(data)) return cert_from_der(as_bytes(data));
  Cert cert(PEM_read_bio_X509(memory_bio(data).get(), nullptr, nullptr, nullptr));
  if (!cert) throw Error("PEM_read_bio_X509");
  return cert;
}

std::vector<Cert> certs_from_pem(std::string_view pem) {
  std::vector<Cert> out;
  auto bio = memory_bio(pem);
  while (X509* c = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) out.emplace_back(c);
  ERR_clear_error();  // the end of the bundle reads as an error
  return out;
}

Req request_from_pem_or_der(std::string_view data) {
  Req req;
  if (looks_like_pem(data)) {
    req.reset(PEM_read_bio_X509_REQ(memory_bio(data).get(), nullptr, nullptr, nullptr));
  } else {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(data.data());
    req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(data.size())));
  }
  if (!req) throw Error("X509_REQ");
  return req;
}

namespace {

// Steps into a DER SEQUENCE that must fill exactly [*p, end).
bool enter_sequence(const unsigned char** p, const unsigned char* end, long* len) {
  int tag = 0, cls = 0;
  int ret = ASN1_get_object(p, len, &tag, &cls, end - *p);
  return !(ret & 0x80) && ret == V_ASN1_CONSTRUCTED && tag == V_ASN1_SEQUENCE && cls == V_ASN1_UNIVERSAL &&
         *p + *len == end;
}

Pkey key_from_params(const char* type, const OSSL_PARAM* params) {
  Ptr<EVP_PKEY_CTX, EVP_PKEY_CTX_free> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, const_cast<OSSL_PARAM*>(params)) != 1)
    throw Error("public key import");
  return Pkey(key);
}

Pkey import_ec(const X509_ALGOR* alg, const ASN1_BIT_STRING* bits) {
  int param_type = 0;
  const void* param = nullptr;
  X509_ALGOR_get0(nullptr, &param_type, &param, alg);
  if (param_type != V_ASN1_OBJECT) return nullptr;  // explicit parameters: generic path
  const char* group = OBJ_nid2sn(OBJ_obj2nid(static_cast<const ASN1_OBJECT*>(param)));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<unsigned char*>(ASN1_STRING_get0_data(bits)),
                                        static_cast<std::size_t>(ASN1_STRING_length(bits))),
      OSSL_PARAM_construct_end()};
  return key_from_params("EC", params);
}

Pkey import_rsa(const ASN1_BIT_STRING* bits) {
  // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
  const unsigned char* p = ASN1_STRING_get0_data(bits);
  const unsigned char* end = p + ASN1_STRING_length(bits);
  long len = 0;
  if (!enter_sequence(&p, end, &len)) throw Error("RSAPublicKey");
  Ptr<ASN1_INTEGER, ASN1_INTEGER_free> n(d2i_ASN1_INTEGER(nullptr, &p, end - p));
  Ptr<ASN1_INTEGER, ASN1_INTEGER_free> e(n ? d2i_ASN1_INTEGER(nullptr, &p, end - p) : nullptr);
  if (!n || !e || p != end) throw Error("RSAPublicKey");
  Ptr<BIGNUM, BN_free> bn_n(ASN1_INTEGER_to_BN(n.get(), nullptr)), bn_e(ASN1_INTEGER_to_BN(e.get(), nullptr));
  if (!bn_n || !bn_e || BN_is_negative(bn_n.get()) || BN_is_negative(bn_e.get())) throw Error("RSAPublicKey");
  Ptr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free> bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  Ptr<OSSL_PARAM, OSSL_PARAM_free> params(OSSL_PARAM_BLD_to_param(bld.get()));
  return key_from_params("RSA", params.get());
}

Bytes encode(const X509_ALGOR* alg, const ASN1_BIT_STRING* bits) {
  unsigned char* a = nullptr;
  unsigned char* b = nullptr;
  int alen = i2d_X509_ALGOR(alg, &a);
  int blen = i2d_ASN1_BIT_STRING(bits, &b);
  Bytes content;
  if (alen > 0 && blen > 0) {
    content.assign(a, a + alen);
    content.insert(content.end(), b, b + blen);
  }
  OPENSSL_free(a);
  OPENSSL_free(b);
  if (content.empty()) throw Error("SubjectPublicKeyInfo");
  return der::tlv(0x30, content);
}

}  // namespace

PublicKey PublicKey::from_der(ByteView der) {
  PublicKey key;
  const unsigned char* p = der.data();
  const unsigned char* end = p + der.size();
  long len = 0;
  if (!enter_sequence(&p, end, &len)) throw Error("SubjectPublicKeyInfo");
  key.algorithm_.reset(d2i_X509_ALGOR(nullptr, &p, end - p));
  if (key.algorithm_) key.bits_.reset(d2i_ASN1_BIT_STRING(nullptr, &p, end - p));
  if (!key.algorithm_ || !key.bits_ || p != end || (key.bits_->flags & 0x07)) throw Error("SubjectPublicKeyInfo");

  const ASN1_OBJECT* oid = nullptr;
  X509_ALGOR_get0(&oid, nullptr, nullptr, key.algorithm_.get());
  switch (OBJ_obj2nid(oid)) {
    case NID_X9_62_id_ecPublicKey: key.pkey_ = import_ec(key.algorithm_.get(), key.bits_.get()); break;
    case NID_rsaEncryption: key.pkey_ = import_rsa(key.bits_.get()); break;
    default: break;
  }
  if (!key.pkey_) key.pkey_ = public_key_from_der(der);  // anything else: OpenSSL's generic decoder
  key.der_ = encode(key.algorithm_.get(), key.bits_.get());
  return key;
}

PublicKey PublicKey::parse(std::string_view data) {
  if (!looks_like_pem(data)) return from_der(as_bytes(data));
  constexpr std::string_view begin = "-----BEGIN PUBLIC KEY-----", end = "-----END PUBLIC KEY-----";
  auto b = data.find(begin), e = data.find(end);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) throw Error("PEM PUBLIC KEY");
  std::string body;
  for (char c : data.substr(b + begin.size(), e - b - begin.size()))
    if (c != '\n' && c != '\r' && c != ' ' && c != '\t') body.push_back(c);
  try {
    return from_der(base64_decode(body));
  } catch (const std::invalid_argument&) {
    throw Error("PEM PUBLIC KEY");
  }
}

PublicKey PublicKey::from(const X509_PUBKEY* source) {
  unsigned char* buf = nullptr;
  int len = i2d_X509_PUBKEY(source, &buf);
  if (len <= 0) throw Error("i2d_X509_PUBKEY");
  Bytes der(buf, buf + len);
  OPENSSL_free(buf);
  return from_der(der);
}

std::string public_key_pem(ByteView spki) {
  std::string b64 = base64_encode(spki), pem = "-----BEGIN PUBLIC KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) pem += b64.substr(i, 64) + "\n";
  return pem + "-----END PUBLIC KEY-----\n";
}

std::string serial_hex(const ASN1_INTEGER* serial) {
  Ptr<BIGNUM, BN_free> bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn || BN_is_negative(bn.get())) return {};
  char* hex = BN_bn2hex(bn.get());
  std::string out(hex);
  OPENSSL_free(hex);
  if (out.size() % 2) out = "0" + out;
  return out;
}

std::string name_to_string(const X509_NAME* name) {
  Ptr<BIO, BIO_free> bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

}  // namespace tugra::ossl
