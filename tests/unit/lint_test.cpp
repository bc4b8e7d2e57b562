// The NES profile and the lint that guards it, with software keys.
#include "ca/lint.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "ca/profile.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/software_signer.hpp"

using namespace tugra;
using namespace tugra::ca;

namespace {

ProfileSettings settings() {
  ProfileSettings s;
  s.public_base_url = "http://ca.test";
  s.organization = "Test";
  s.policy_oid = "2.999.1";
  s.cps_uri = "http://ca.test/cps";
  s.user_notice = "Bu sertifika nitelikli elektronik sertifikadır.";
  s.currency = "TRY";
  return s;
}

const ProfileSettings kSettings = settings();

struct Fixture {
  std::unique_ptr<SoftwareSigner> ca_key = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  std::unique_ptr<SoftwareSigner> holder_key = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  ossl::PublicKey holder_public = ossl::PublicKey::from_der(holder_key->public_key_der());
  ossl::Cert ca_cert;
  explicit Fixture(int ca_years = 10) {
    auto b = root_ca(settings(), "Test CA", ossl::PublicKey::from_der(ca_key->public_key_der()),
                     Validity::years_from(now_seconds(), ca_years));
    ca_cert = ossl::cert_from_der(assemble_certificate(b.tbs(ca_key->scheme()), *ca_key));
  }
  CertificateBuilder nes(const Holder& h, int years = 3) {
    NesProfile profile(kSettings, ca_cert.get(), "nes");
    return profile.build(h, holder_public, random_serial(), Validity::years_from(now_seconds(), years),
                         MonetaryLimit{"TRY", 1000, 0});
  }
};

const Holder kHolder{"10000000146", "Çağrı", "Işıkoğlu", std::nullopt};

}  // namespace

TEST(Lint, CleanCertificatePassesAndVerifies) {
  Fixture f;
  auto b = f.nes(kHolder);
  EXPECT_TRUE(lint_nes_certificate(b.cert(), settings(), f.holder_public.pkey(), f.ca_cert.get()).empty());
  auto cert = ossl::cert_from_der(assemble_certificate(b.tbs(f.ca_key->scheme()), *f.ca_key));
  ossl::Pkey key = ossl::public_key_from_der(f.ca_key->public_key_der());
  EXPECT_EQ(X509_verify(cert.get(), key.get()), 1);
}

TEST(Lint, FindsEachMissingPiece) {
  Fixture f;
  auto b = f.nes(kHolder);
  auto* cert = const_cast<X509*>(b.cert());
  auto drop = [&](int nid) { X509_EXTENSION_free(X509_delete_ext(cert, X509_get_ext_by_NID(cert, nid, -1))); };
  drop(NID_crl_distribution_points);
  drop(NID_certificate_policies);
  auto problems = lint_nes_certificate(cert, settings(), f.holder_public.pkey(), f.ca_cert.get());
  EXPECT_NE(std::find(problems.begin(), problems.end(), "lint.crl_dp"), problems.end());
  EXPECT_NE(std::find(problems.begin(), problems.end(), "lint.policy_notice"), problems.end());
  EXPECT_EQ(std::find(problems.begin(), problems.end(), "lint.aia"), problems.end());
}

TEST(Lint, FlagsWrongKeyUsageAndLongValidity) {
  Fixture f;
  auto b = f.nes(kHolder, 6);
  auto* cert = const_cast<X509*>(b.cert());
  X509_EXTENSION_free(X509_delete_ext(cert, X509_get_ext_by_NID(cert, NID_key_usage, -1)));
  b.extension(NID_key_usage, "critical,digitalSignature,keyEncipherment");
  auto problems = lint_nes_certificate(cert, settings(), f.holder_public.pkey(), f.ca_cert.get());
  EXPECT_NE(std::find(problems.begin(), problems.end(), "lint.key_usage"), problems.end());
  EXPECT_NE(std::find(problems.begin(), problems.end(), "lint.validity"), problems.end());
}

TEST(Lint, FlagsACertificateThatOutlivesItsIssuer) {
  Fixture f(2);
  auto b = f.nes(kHolder, 3);
  auto problems = lint_nes_certificate(b.cert(), settings(), f.holder_public.pkey(), f.ca_cert.get());
  EXPECT_NE(std::find(problems.begin(), problems.end(), "lint.outlives_issuer"), problems.end());
  Fixture g(3);
  auto within = g.nes(kHolder, 3);  // three years minus a day, from the same moment
  problems = lint_nes_certificate(within.cert(), settings(), g.holder_public.pkey(), g.ca_cert.get());
  EXPECT_EQ(std::find(problems.begin(), problems.end(), "lint.outlives_issuer"), problems.end());
}

TEST(Holder, ChecksIdentityAndNames) {
  EXPECT_NO_THROW(check_holder(kHolder));
  EXPECT_THROW(check_holder({"12345678901", "A", "B", std::nullopt}), UserError);
  EXPECT_THROW(check_holder({"10000000146", "", "B", std::nullopt}), UserError);
  EXPECT_THROW(check_holder({"10000000146", " A", "B", std::nullopt}), UserError);
  EXPECT_THROW(check_holder({"10000000146", "A\nB", "B", std::nullopt}), UserError);
  EXPECT_THROW(check_holder({"10000000146", std::string(40, 'a'), std::string(30, 'b'), std::nullopt}), UserError);
  EXPECT_THROW(check_holder({"10000000146", "A", "\xff\xfe", std::nullopt}), UserError);
}

TEST(KeyStrength, RefusesWeakKeys) {
  auto rsa1024 = SoftwareSigner(ossl::Pkey(EVP_RSA_gen(1024)), SignatureScheme::rsa_pkcs1_sha256);
  EXPECT_THROW(check_key_strength(rsa1024.public_key_der()), UserError);
  auto secp256k1 = ossl::Pkey(EVP_EC_gen("secp256k1"));
  EXPECT_THROW(check_key_strength(ossl::public_key_der(secp256k1.get())), UserError);
  EXPECT_THROW(check_key_strength(as_bytes("not a key")), UserError);
  EXPECT_NO_THROW(check_key_strength(SoftwareSigner::generate(parse_key_algorithm("rsa-2048"))->public_key_der()));
  EXPECT_NO_THROW(check_key_strength(SoftwareSigner::generate(parse_key_algorithm("ecdsa-p384"))->public_key_der()));
}

TEST(Validity, YearsMinusOneDay) {
  // 2012-01-24 06:45:02 -> 2015-01-23 06:45:02, as a real Kamu SM certificate runs.
  auto v = Validity::years_from(1327387502, 3);
  EXPECT_EQ(format_utc(v.not_after), "2015-01-23 06:45:02 UTC");
  // 29 February plus 3 years lands on 28 February, minus a day.
  EXPECT_EQ(format_utc(Validity::years_from(1709164800, 3).not_after), "2027-02-27 00:00:00 UTC");
}

TEST(Serial, PositiveAndLong) {
  for (int i = 0; i < 100; ++i) {
    Bytes s = random_serial();
    ASSERT_EQ(s.size(), 16u);
    EXPECT_GE(s[0], 0x01);
    EXPECT_LE(s[0], 0x7F);
  }
}

TEST(Generations, IdsAndNamesOfIssuingCaGenerations) {
  EXPECT_EQ(generation_id(1), "nes");
  EXPECT_EQ(generation_id(2), "nes-2");
  EXPECT_EQ(generation_of("nes"), 1);
  EXPECT_EQ(generation_of("nes-12"), 12);
  EXPECT_EQ(generation_of(generation_id(7)), 7);
  EXPECT_EQ(generation_name("Tugra NES Sürüm 1", 2), "Tugra NES Sürüm 2");
  EXPECT_EQ(generation_name("Tugra NES - Sürüm 9", 10), "Tugra NES - Sürüm 10");
  EXPECT_EQ(generation_name("Tugra NES", 1), "Tugra NES");
  EXPECT_EQ(generation_name("Tugra NES", 3), "Tugra NES - Sürüm 3");
  // "Sürüm" followed by more than a number is part of the name, not a version.
  EXPECT_EQ(generation_name("Sürüm 1 Test", 2), "Sürüm 1 Test - Sürüm 2");
}
