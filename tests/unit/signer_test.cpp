#include "crypto/signer.hpp"

#include <gtest/gtest.h>

#include "crypto/openssl.hpp"
#include "crypto/software_signer.hpp"

using namespace tugra;

TEST(SoftwareSigner, EverySchemeSignsAndVerifies) {
  for (const char* name : {"ecdsa-p256", "ecdsa-p384", "rsa-2048", "rsa-4096-pss"}) {
    auto signer = SoftwareSigner::generate(parse_key_algorithm(name));
    Bytes data = random_bytes(100);
    Bytes sig = signer->sign(data);
    EXPECT_TRUE(verify_signature(signer->public_key_der(), signer->scheme(), data, sig)) << name;
    data[0] ^= 1;
    EXPECT_FALSE(verify_signature(signer->public_key_der(), signer->scheme(), data, sig)) << name;
  }
}

TEST(PublicKey, FastImportMatchesOpensslsDecoder) {
  for (const char* name : {"ecdsa-p256", "ecdsa-p384", "rsa-2048"}) {
    auto signer = SoftwareSigner::generate(parse_key_algorithm(name));
    auto key = ossl::PublicKey::from_der(signer->public_key_der());
    EXPECT_EQ(key.der(), signer->public_key_der()) << name;
    EXPECT_EQ(EVP_PKEY_eq(key.pkey(), ossl::public_key_from_der(signer->public_key_der()).get()), 1) << name;
    std::string pem = "-----BEGIN PUBLIC KEY-----\n" + base64_encode(signer->public_key_der()) + "\n-----END PUBLIC KEY-----\n";
    EXPECT_EQ(ossl::PublicKey::parse(pem).der(), key.der());
  }
}

TEST(PublicKey, RejectsGarbageTrailingBytesAndPointsOffTheCurve) {
  auto signer = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  Bytes der = signer->public_key_der();
  Bytes trailing = der;
  trailing.push_back(0);
  EXPECT_THROW(ossl::PublicKey::from_der(trailing), ossl::Error);
  Bytes off_curve = der;
  off_curve.back() ^= 0x01;
  EXPECT_THROW(ossl::PublicKey::from_der(off_curve), ossl::Error);
  EXPECT_THROW(ossl::PublicKey::from_der(as_bytes("garbage")), ossl::Error);
  EXPECT_THROW(ossl::PublicKey::parse("-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----"), ossl::Error);
}
