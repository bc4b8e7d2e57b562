#include "crypto/token.hpp"

#include <openssl/core_names.h>

#include <cstring>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include "common/error.hpp"
#include "crypto/der.hpp"
#include "crypto/openssl.hpp"

namespace tugra {
namespace {

using ParamBld = ossl::Ptr<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>;
using Params = ossl::Ptr<OSSL_PARAM, OSSL_PARAM_free>;
using Bn = ossl::Ptr<BIGNUM, BN_free>;

ossl::Pkey key_from_params(const char* type, OSSL_PARAM* params) {
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    throw ossl::Error("EVP_PKEY_fromdata");
  return ossl::Pkey(key);
}

// CKA_EC_POINT should be a DER OCTET STRING around the point, but some
// modules return the bare point; accept both.
Bytes unwrap_ec_point(const Bytes& value, std::size_t field_bytes) {
  std::size_t point_len = 2 * field_bytes + 1;
  if (value.size() == point_len && value[0] == 0x04) return value;
  Bytes wrapped = der::tlv(0x04, Bytes(value.end() - static_cast<long>(std::min(point_len, value.size())), value.end()));
  if (value.size() > point_len && wrapped == value) return Bytes(value.end() - static_cast<long>(point_len), value.end());
  throw std::runtime_error("token: unexpected CKA_EC_POINT encoding");
}

Bytes ec_public_key(pkcs11::Session& session, CK_OBJECT_HANDLE key) {
  Bytes params = session.required_attribute(key, CKA_EC_PARAMS);
  const unsigned char* p = params.data();
  ossl::Ptr<EC_GROUP, EC_GROUP_free> group(d2i_ECPKParameters(nullptr, &p, static_cast<long>(params.size())));
  if (!group) throw ossl::Error("token: CKA_EC_PARAMS");
  int nid = EC_GROUP_get_curve_name(group.get());
  if (nid == NID_undef) nid = EC_GROUP_check_named_curve(group.get(), 0, nullptr);  // explicit (AKIS)
  if (nid <= 0) throw std::runtime_error("token: EC key on an unknown curve");
  std::size_t field_bytes = (static_cast<std::size_t>(EC_GROUP_get_degree(group.get())) + 7) / 8;
  Bytes point = unwrap_ec_point(session.required_attribute(key, CKA_EC_POINT), field_bytes);

  ParamBld bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, OBJ_nid2sn(nid), 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  Params built(OSSL_PARAM_BLD_to_param(bld.get()));
  return ossl::public_key_der(key_from_params("EC", built.get()).get());
}

Bytes rsa_public_key(pkcs11::Session& session, CK_OBJECT_HANDLE key) {
  Bytes n = session.required_attribute(key, CKA_MODULUS);
  Bytes e = session.required_attribute(key, CKA_PUBLIC_EXPONENT);
  Bn bn_n(BN_bin2bn(n.data(), static_cast<int>(n.size()), nullptr));
  Bn bn_e(BN_bin2bn(e.data(), static_cast<int>(e.size()), nullptr));
  ParamBld bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  Params built(OSSL_PARAM_BLD_to_param(bld.get()));
  return ossl::public_key_der(key_from_params("RSA", built.get()).get());
}

// DigestInfo prefix of SHA-256 for CKM_RSA_PKCS (RFC 8017 §9.2 note 1).
constexpr std::uint8_t kSha256DigestInfo[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                              0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                              0x01, 0x05, 0x00, 0x04, 0x20};

Bytes raw_ecdsa_to_der(const Bytes& raw) {
  if (raw.empty() || raw.size() % 2 != 0) throw std::runtime_error("token: bad ECDSA signature length");
  std::size_t half = raw.size() / 2;
  ossl::Ptr<ECDSA_SIG, ECDSA_SIG_free> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig.get(), r, s);
  unsigned char* buf = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &buf);
  if (len <= 0) throw ossl::Error("i2d_ECDSA_SIG");
  Bytes out(buf, buf + len);
  OPENSSL_free(buf);
  return out;
}

}  // namespace

Bytes token_public_key(pkcs11::Session& session, CK_OBJECT_HANDLE public_key) {
  Bytes type = session.required_attribute(public_key, CKA_KEY_TYPE);
  CK_KEY_TYPE key_type = 0;
  std::memcpy(&key_type, type.data(), std::min(type.size(), sizeof key_type));
  if (key_type == CKK_EC) return ec_public_key(session, public_key);
  if (key_type == CKK_RSA) return rsa_public_key(session, public_key);
  throw std::runtime_error("token: unsupported key type");
}

Pkcs11Signer::Pkcs11Signer(std::shared_ptr<const pkcs11::Module> module, CK_SLOT_ID slot,
                           CK_OBJECT_HANDLE private_key, SignatureScheme scheme, Bytes spki, std::size_t sessions)
    : key_(private_key), scheme_(scheme), spki_(std::move(spki)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(sessions, 1); ++i) {
    auto s = std::make_unique<Slot>();
    s->session = std::make_unique<pkcs11::Session>(module, slot, false);
    sessions_.push_back(std::move(s));
  }
}

Bytes Pkcs11Signer::sign_digest(ByteView digest) const {
  // Take the first free session, starting from a rotating position; wait on
  // one only when all are busy.
  std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  Slot* slot = nullptr;
  std::unique_lock<std::mutex> lock;
  for (std::size_t i = 0; i < sessions_.size() && !slot; ++i) {
    Slot* candidate = sessions_[(start + i) % sessions_.size()].get();
    std::unique_lock<std::mutex> attempt(candidate->mutex, std::try_to_lock);
    if (attempt.owns_lock()) {
      slot = candidate;
      lock = std::move(attempt);
    }
  }
  if (!slot) {
    slot = sessions_[start % sessions_.size()].get();
    lock = std::unique_lock<std::mutex>(slot->mutex);
  }
  pkcs11::Session& session = *slot->session;
  switch (scheme_) {
    case SignatureScheme::ecdsa_sha256:
    case SignatureScheme::ecdsa_sha384: {
      CK_MECHANISM mech{CKM_ECDSA, nullptr, 0};
      return raw_ecdsa_to_der(session.sign(key_, mech, digest));
    }
    case SignatureScheme::rsa_pkcs1_sha256: {
      Bytes info(std::begin(kSha256DigestInfo), std::end(kSha256DigestInfo));
      info.insert(info.end(), digest.begin(), digest.end());
      CK_MECHANISM mech{CKM_RSA_PKCS, nullptr, 0};
      return session.sign(key_, mech, info);
    }
    case SignatureScheme::rsa_pss_sha256: {
      CK_RSA_PKCS_PSS_PARAMS params{CKM_SHA256, CKG_MGF1_SHA256, 32};
      CK_MECHANISM mech{CKM_RSA_PKCS_PSS, &params, sizeof params};
      return session.sign(key_, mech, digest);
    }
  }
  throw std::logic_error("unknown signature scheme");
}

Token::Token(std::shared_ptr<pkcs11::Module> module, CK_SLOT_ID slot)
    : module_(std::move(module)), slot_(slot), session_(module_, slot, true) {}

std::unique_ptr<Token> Token::open(std::shared_ptr<pkcs11::Module> module, std::string_view label,
                                   std::string_view pin) {
  auto slot = module->find_token(label);
  if (!slot) throw UserError("token.not_found", {{"label", std::string(label)}, {"module", module->path()}});
  std::unique_ptr<Token> token(new Token(std::move(module), *slot));
  token->session_.login(CKU_USER, pin);
  // Several Token objects may hold the same token in one process (the audit
  // key of a ledger, a renewal): closing one must not log the others out.
  token->session_.logout_on_close(false);
  return token;
}

std::unique_ptr<Token> Token::open_slot(std::shared_ptr<pkcs11::Module> module, CK_SLOT_ID slot,
                                        std::string_view pin) {
  std::unique_ptr<Token> token(new Token(std::move(module), slot));
  token->session_.login(CKU_USER, pin);
  token->session_.logout_on_close(false);
  return token;
}

std::optional<CK_OBJECT_HANDLE> Token::find(CK_OBJECT_CLASS cls, std::string_view key_label) {
  pkcs11::Template match;
  match.add(CKA_CLASS, cls).add(CKA_LABEL, key_label);
  auto found = session_.find(match);
  if (found.empty()) return std::nullopt;
  return found.front();
}

bool Token::has_key(std::string_view key_label) {
  return find(CKO_PRIVATE_KEY, key_label).has_value();
}

pkcs11::Session::KeyPair generate_signing_key_pair(pkcs11::Session& session, KeyType type,
                                                   std::string_view label, ByteView id) {
  pkcs11::Template pub, priv;
  // Signing keys do nothing but sign: no decrypt, unwrap or derive.
  pub.add(CKA_TOKEN, true).add(CKA_PRIVATE, false).add(CKA_VERIFY, true).add(CKA_ENCRYPT, false)
     .add(CKA_WRAP, false).add(CKA_LABEL, label).add(CKA_ID, id);
  priv.add(CKA_TOKEN, true).add(CKA_PRIVATE, true).add(CKA_SENSITIVE, true).add(CKA_EXTRACTABLE, false)
      .add(CKA_SIGN, true).add(CKA_DECRYPT, false).add(CKA_UNWRAP, false).add(CKA_DERIVE, false)
      .add(CKA_LABEL, label).add(CKA_ID, id);
  CK_MECHANISM mech{};
  if (is_ec(type)) {
    pub.add(CKA_EC_PARAMS, der::oid(type == KeyType::ec_p384 ? "1.3.132.0.34" : "1.2.840.10045.3.1.7"));
    mech.mechanism = CKM_EC_KEY_PAIR_GEN;
  } else {
    const std::uint8_t f4[] = {0x01, 0x00, 0x01};
    pub.add(CKA_MODULUS_BITS, static_cast<CK_ULONG>(rsa_bits(type))).add(CKA_PUBLIC_EXPONENT, ByteView(f4));
    mech.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
  }
  return session.generate_key_pair(mech, pub, priv);
}

Bytes Token::generate_key(KeyType type, std::string_view key_label) {
  if (has_key(key_label)) throw UserError("token.key_exists", {{"label", std::string(key_label)}});
  auto pair = generate_signing_key_pair(session_, type, key_label, session_.random(16));
  return token_public_key(session_, pair.public_key);
}

void Token::destroy_key(std::string_view key_label) {
  for (CK_OBJECT_CLASS cls : {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY})
    if (auto handle = find(cls, key_label)) session_.destroy_object(*handle);
}

Bytes Token::public_key(std::string_view key_label) {
  auto handle = find(CKO_PUBLIC_KEY, key_label);
  if (!handle) throw UserError("token.key_missing", {{"label", std::string(key_label)}});
  return token_public_key(session_, *handle);
}

std::unique_ptr<Signer> Token::signer(std::string_view key_label, SignatureScheme scheme) {
  auto handle = find(CKO_PRIVATE_KEY, key_label);
  if (!handle) throw UserError("token.key_missing", {{"label", std::string(key_label)}});
  return std::make_unique<Pkcs11Signer>(module_, slot_, *handle, scheme, public_key(key_label));
}

}  // namespace tugra
