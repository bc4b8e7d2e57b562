#include "vcard/card_crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace tugra::vcard {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using Group = std::unique_ptr<EC_GROUP, Deleter<EC_GROUP, EC_GROUP_free>>;
using Bignum = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;

[[noreturn]] void fail(CK_RV rv) { throw CardError{rv}; }
void check(int ok) {
  if (ok <= 0) fail(CKR_FUNCTION_FAILED);
}

Bytes bignum_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  check(EVP_PKEY_get_bn_param(key, name, &raw));
  Bignum bn(raw);
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn.get())));
  BN_bn2bin(bn.get(), out.data());
  return out;
}

Bytes private_der(EVP_PKEY* key) {
  int len = i2d_PrivateKey(key, nullptr);
  check(len);
  Bytes out(static_cast<std::size_t>(len));
  unsigned char* p = out.data();
  i2d_PrivateKey(key, &p);
  return out;
}

Pkey load(const Bytes& der) {
  const unsigned char* p = der.data();
  Pkey key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  if (!key) fail(CKR_DEVICE_ERROR);
  return key;
}

const EVP_MD* hash_of(CK_MECHANISM_TYPE hash) {
  switch (hash) {
    case CKM_SHA256: return EVP_sha256();
    case CKM_SHA384: return EVP_sha384();
    case CKM_SHA512: return EVP_sha512();
    default: return nullptr;
  }
}

CK_RSA_PKCS_MGF_TYPE mgf_of(CK_MECHANISM_TYPE hash) {
  switch (hash) {
    case CKM_SHA256: return CKG_MGF1_SHA256;
    case CKM_SHA384: return CKG_MGF1_SHA384;
    default: return CKG_MGF1_SHA512;
  }
}

// The hash a combined mechanism applies before signing; 0 for raw ones.
CK_MECHANISM_TYPE hash_before_signing(CK_MECHANISM_TYPE type) {
  switch (type) {
    case CKM_SHA256_RSA_PKCS: case CKM_SHA256_RSA_PKCS_PSS: case CKM_ECDSA_SHA256: return CKM_SHA256;
    case CKM_SHA384_RSA_PKCS: case CKM_SHA384_RSA_PKCS_PSS: case CKM_ECDSA_SHA384: return CKM_SHA384;
    case CKM_SHA512_RSA_PKCS: case CKM_SHA512_RSA_PKCS_PSS: return CKM_SHA512;
    default: return 0;
  }
}

bool is_pss(CK_MECHANISM_TYPE type) {
  return type == CKM_RSA_PKCS_PSS || type == CKM_SHA256_RSA_PKCS_PSS || type == CKM_SHA384_RSA_PKCS_PSS ||
         type == CKM_SHA512_RSA_PKCS_PSS;
}

// ECDSA in PKCS#11 is r || s, each as long as the field; OpenSSL gives DER.
Bytes ecdsa_raw(const Bytes& der, int bits) {
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG, ECDSA_SIG_free>> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) fail(CKR_FUNCTION_FAILED);
  int n = (bits + 7) / 8;
  Bytes out(static_cast<std::size_t>(2 * n));
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), n);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + n, n);
  return out;
}

}  // namespace

GeneratedKey generate_rsa(CK_ULONG bits, const Bytes& public_exponent) {
  if (bits != 2048 && bits != 3072) fail(CKR_KEY_SIZE_RANGE);
  Bignum e(BN_new());
  if (public_exponent.empty()) BN_set_word(e.get(), 65537);
  else BN_bin2bn(public_exponent.data(), static_cast<int>(public_exponent.size()), e.get());
  if (!BN_is_word(e.get(), 65537) && !BN_is_word(e.get(), 3)) fail(CKR_ATTRIBUTE_VALUE_INVALID);
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  check(ctx != nullptr);
  check(EVP_PKEY_keygen_init(ctx.get()));
  check(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)));
  check(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()));
  EVP_PKEY* raw = nullptr;
  check(EVP_PKEY_keygen(ctx.get(), &raw));
  Pkey key(raw);
  GeneratedKey g;
  g.key_der = private_der(key.get());
  g.modulus = bignum_param(key.get(), OSSL_PKEY_PARAM_RSA_N);
  g.exponent = bignum_param(key.get(), OSSL_PKEY_PARAM_RSA_E);
  g.bits = bits;
  return g;
}

GeneratedKey generate_ec(const Bytes& params) {
  const unsigned char* p = params.data();
  Group group(d2i_ECPKParameters(nullptr, &p, static_cast<long>(params.size())));
  if (!group) fail(CKR_CURVE_NOT_SUPPORTED);
  int nid = EC_GROUP_get_curve_name(group.get());
  if (nid == NID_undef) nid = EC_GROUP_check_named_curve(group.get(), 0, nullptr);
  if (nid != NID_X9_62_prime256v1 && nid != NID_secp384r1) fail(CKR_CURVE_NOT_SUPPORTED);

  Pkey key(EVP_EC_gen(OBJ_nid2sn(nid)));
  check(key != nullptr);
  GeneratedKey g;
  g.key_der = private_der(key.get());
  g.bits = nid == NID_secp384r1 ? 384 : 256;

  std::size_t len = 0;
  check(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, nullptr, 0, &len));
  Bytes point(len);
  check(EVP_PKEY_get_octet_string_param(key.get(), OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point.data(), len, &len));
  g.ec_point = {0x04, static_cast<std::uint8_t>(len)};  // OCTET STRING; points are < 128 bytes
  g.ec_point.insert(g.ec_point.end(), point.begin(), point.end());

  Group named(EC_GROUP_new_by_curve_name(nid));
  EC_GROUP_set_asn1_flag(named.get(), OPENSSL_EC_EXPLICIT_CURVE);
  int plen = i2d_ECPKParameters(named.get(), nullptr);
  check(plen);
  g.ec_params.resize(static_cast<std::size_t>(plen));
  unsigned char* out = g.ec_params.data();
  i2d_ECPKParameters(named.get(), &out);
  return g;
}

SignMechanism check_sign_mechanism(const CK_MECHANISM& mechanism, CK_KEY_TYPE key_type) {
  SignMechanism m;
  m.type = mechanism.mechanism;
  switch (m.type) {
    case CKM_RSA_PKCS: case CKM_SHA256_RSA_PKCS: case CKM_SHA384_RSA_PKCS: case CKM_SHA512_RSA_PKCS:
    case CKM_RSA_PKCS_PSS: case CKM_SHA256_RSA_PKCS_PSS: case CKM_SHA384_RSA_PKCS_PSS:
    case CKM_SHA512_RSA_PKCS_PSS:
      if (key_type != CKK_RSA) fail(CKR_KEY_TYPE_INCONSISTENT);
      break;
    case CKM_ECDSA: case CKM_ECDSA_SHA256: case CKM_ECDSA_SHA384:
      if (key_type != CKK_EC) fail(CKR_KEY_TYPE_INCONSISTENT);
      break;
    default:
      fail(CKR_MECHANISM_INVALID);
  }
  if (is_pss(m.type)) {
    if (!mechanism.pParameter || mechanism.ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS))
      fail(CKR_MECHANISM_PARAM_INVALID);
    m.pss = *static_cast<const CK_RSA_PKCS_PSS_PARAMS*>(mechanism.pParameter);
    CK_MECHANISM_TYPE pre = hash_before_signing(m.type);
    if (!hash_of(m.pss.hashAlg) || (pre && pre != m.pss.hashAlg) || m.pss.mgf != mgf_of(m.pss.hashAlg) ||
        m.pss.sLen > 64)
      fail(CKR_MECHANISM_PARAM_INVALID);
  }
  return m;
}

std::size_t signature_size(const Bytes& key_der) {
  Pkey key = load(key_der);
  int bits = EVP_PKEY_get_bits(key.get());
  if (EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC) return 2 * static_cast<std::size_t>((bits + 7) / 8);
  return static_cast<std::size_t>((bits + 7) / 8);
}

Bytes sign(const Bytes& key_der, const SignMechanism& m, const Bytes& data) {
  Pkey key = load(key_der);
  const bool ec = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_EC;
  const int bits = EVP_PKEY_get_bits(key.get());
  const EVP_MD* pre = hash_of(hash_before_signing(m.type));
  Bytes sig;
  std::size_t len = 0;

  if (pre) {  // hash, then sign: one EVP_DigestSign
    MdCtx md(EVP_MD_CTX_new());
    EVP_PKEY_CTX* pctx = nullptr;
    check(EVP_DigestSignInit(md.get(), &pctx, pre, nullptr, key.get()));
    if (is_pss(m.type)) {
      check(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING));
      check(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, pre));
      check(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, static_cast<int>(m.pss.sLen)));
    }
    check(EVP_DigestSign(md.get(), nullptr, &len, data.data(), data.size()));
    sig.resize(len);
    check(EVP_DigestSign(md.get(), sig.data(), &len, data.data(), data.size()));
  } else {  // the caller hashed (or, for CKM_RSA_PKCS, built the DigestInfo)
    PkeyCtx ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
    check(EVP_PKEY_sign_init(ctx.get()));
    if (m.type == CKM_RSA_PKCS) {
      if (data.size() + 11 > static_cast<std::size_t>(bits + 7) / 8) fail(CKR_DATA_LEN_RANGE);
      check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING));
    } else if (m.type == CKM_RSA_PKCS_PSS) {
      const EVP_MD* md = hash_of(m.pss.hashAlg);
      if (data.size() != static_cast<std::size_t>(EVP_MD_get_size(md))) fail(CKR_DATA_LEN_RANGE);
      check(EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING));
      check(EVP_PKEY_CTX_set_signature_md(ctx.get(), md));
      check(EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md));
      check(EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), static_cast<int>(m.pss.sLen)));
    } else if (data.empty() || data.size() > 64) {  // CKM_ECDSA: a digest
      fail(CKR_DATA_LEN_RANGE);
    }
    check(EVP_PKEY_sign(ctx.get(), nullptr, &len, data.data(), data.size()));
    sig.resize(len);
    check(EVP_PKEY_sign(ctx.get(), sig.data(), &len, data.data(), data.size()));
  }
  sig.resize(len);
  return ec ? ecdsa_raw(sig, bits) : sig;
}

const std::vector<MechanismEntry>& mechanisms() {
  constexpr CK_FLAGS ec_flags = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
  static const std::vector<MechanismEntry> list = {
      {CKM_RSA_PKCS_KEY_PAIR_GEN, {2048, 3072, CKF_HW | CKF_GENERATE_KEY_PAIR}},
      {CKM_EC_KEY_PAIR_GEN, {256, 384, CKF_HW | CKF_GENERATE_KEY_PAIR | ec_flags}},
      {CKM_RSA_PKCS, {2048, 3072, CKF_HW | CKF_SIGN}},
      {CKM_SHA256_RSA_PKCS, {2048, 3072, CKF_HW | CKF_SIGN}},
      {CKM_SHA384_RSA_PKCS, {2048, 3072, CKF_HW | CKF_SIGN}},
      {CKM_SHA512_RSA_PKCS, {2048, 3072, CKF_HW | CKF_SIGN}},
      {CKM_RSA_PKCS_PSS, {2048, 3072, CKF_HW | CKF_SIGN}},
      {CKM_SHA256_RSA_PKCS_PSS, {2048, 3072, CKF_HW | CKF_SIGN}},
      {CKM_SHA384_RSA_PKCS_PSS, {2048, 3072, CKF_HW | CKF_SIGN}},
      {CKM_SHA512_RSA_PKCS_PSS, {2048, 3072, CKF_HW | CKF_SIGN}},
      {CKM_ECDSA, {256, 384, CKF_HW | CKF_SIGN | ec_flags}},
      {CKM_ECDSA_SHA256, {256, 384, CKF_HW | CKF_SIGN | ec_flags}},
      {CKM_ECDSA_SHA384, {256, 384, CKF_HW | CKF_SIGN | ec_flags}},
  };
  return list;
}

}  // namespace tugra::vcard
