// The DER that Tugra writes by hand, checked by a parser nobody here wrote.
#include "crypto/der.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <openssl/x509.h>

#include "ca/qc_statements.hpp"
#include "common/error.hpp"
#include "crypto/algorithm.hpp"
#include "test_util.hpp"

using namespace tugra;

TEST(Der, IntegersAreMinimalTwosComplement) {
  EXPECT_EQ(hex_encode(der::integer(0)), "020100");
  EXPECT_EQ(hex_encode(der::integer(127)), "02017f");
  EXPECT_EQ(hex_encode(der::integer(128)), "02020080");
  EXPECT_EQ(hex_encode(der::integer(-2)), "0201fe");
  EXPECT_EQ(hex_encode(der::integer(-129)), "0202ff7f");
  EXPECT_EQ(hex_encode(der::integer(50000)), "020300c350");
}

TEST(Der, LongLengths) {
  Bytes big(300, 0x41);
  Bytes t = der::tlv(0x04, big);
  EXPECT_EQ(hex_encode(ByteView(t).first(4)), "0482012c");
  EXPECT_NE(test::asn1parse(t).find("OCTET STRING"), std::string::npos);
}

TEST(Der, SetOfIsSortedAndTheReaderWalksWhatTheWriterWrote) {
  Bytes set = der::set_of({der::integer(300), der::integer(2), der::oid("1.2.840.113549.1.9.3")});
  EXPECT_EQ(hex_encode(set).substr(0, 8), "31120201");  // 02 01 02 sorts before 02 02 01 2c
  der::Reader items(der::Reader(set).next(0x31).content);
  EXPECT_EQ(hex_encode(items.next(0x02).content), "02");
  EXPECT_EQ(hex_encode(items.next(0x02).content), "012c");
  EXPECT_FALSE(items.optional(0x30).has_value());
  EXPECT_EQ(der::oid_text(items.next(0x06).content), "1.2.840.113549.1.9.3");
  EXPECT_TRUE(items.at_end());
  Bytes big = der::tlv(0x04, Bytes(300, 0x41));
  EXPECT_EQ(der::Reader(big).next().content.size(), 300u);
}

TEST(Der, TheReaderRefusesWhatDerDoesNotAllow) {
  for (const char* bad : {"30", "3005020101", "3080020101 0000", "30ff", "1f0100", "3084ffffffff00", "04820001"}) {
    std::string hex = bad;
    hex.erase(std::remove(hex.begin(), hex.end(), ' '), hex.end());
    Bytes data = hex_decode(hex);
    EXPECT_THROW(der::Reader(data).next(), std::runtime_error) << bad;
  }
  Bytes integer = der::integer(5);
  EXPECT_THROW(der::Reader(integer).next(0x30), std::runtime_error);
}

TEST(QcStatements, ParsesWithOpensslAndCarriesEveryStatement) {
  ca::QcOptions qc;
  qc.statement_text = "Bu sertifika, 5070 sayılı Elektronik İmza Kanununa göre nitelikli elektronik sertifikadır.";
  qc.limit = ca::parse_limit("50000", "TRY");
  qc.pds_url = "https://example.test/pds";
  Bytes der = ca::encode_qc_statements(qc);
  std::string text = test::asn1parse(der);
  EXPECT_EQ(text.find("Error"), std::string::npos) << text;
  for (const char* expected : {"0.4.0.1862.1.1", "2.16.792.1.61.0.1.5070.1.1", "UTF8STRING", "0.4.0.1862.1.2",
                               "PRINTABLESTRING   :TRY", "INTEGER           :C350", "INTEGER           :00",
                               "0.4.0.1862.1.4", "0.4.0.1862.1.6", "0.4.0.1862.1.6.1", "0.4.0.1862.1.5",
                               "IA5STRING         :https://example.test/pds", "PRINTABLESTRING   :tr"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  EXPECT_EQ(text.find("1.3.6.1.5.5.7.11.2"), std::string::npos);
}

TEST(QcStatements, NoLimitNoPdsAndTheEtsiSemanticsOption) {
  ca::QcOptions qc;
  qc.statement_text = "x";
  qc.semantics_natural_person = true;
  std::string text = test::asn1parse(ca::encode_qc_statements(qc));
  EXPECT_EQ(text.find("0.4.0.1862.1.2"), std::string::npos);
  EXPECT_EQ(text.find("0.4.0.1862.1.5"), std::string::npos);
  EXPECT_NE(text.find("1.3.6.1.5.5.7.11.2"), std::string::npos);
  EXPECT_NE(text.find("0.4.0.194121.1.1"), std::string::npos);
}

TEST(MonetaryLimit, WholeLiraWithANonNegativeExponent) {
  auto l = ca::parse_limit("1500", "TRY");
  EXPECT_EQ(l.amount, 1500);
  EXPECT_EQ(l.exponent, 0);
  EXPECT_EQ(ca::format_limit(l), "1500 TRY");
  l = ca::parse_limit("50000.00", "TRY");  // zero decimals are whole lira
  EXPECT_EQ(l.amount, 50000);
  EXPECT_EQ(l.exponent, 0);
  for (const char* fractional : {"1500.50", "0.05", "1.5"}) {
    try {
      ca::parse_limit(fractional, "TRY");
      ADD_FAILURE() << fractional << " accepted";
    } catch (const UserError& e) {
      EXPECT_EQ(e.key(), "ca.fractional_limit") << fractional;
    }
  }
  for (const char* bad : {"", "0", "-5", "1.", ".5", "1e5", "12,5", "99999999999999999999999"})
    EXPECT_THROW(ca::parse_limit(bad, "TRY"), UserError) << bad;
}

TEST(AlgorithmIdentifier, EveryOneDecodesAsTheRightAlgorithm) {
  struct Case {
    SignatureScheme scheme;
    int nid;
  } cases[] = {{SignatureScheme::ecdsa_sha256, NID_ecdsa_with_SHA256},
               {SignatureScheme::ecdsa_sha384, NID_ecdsa_with_SHA384},
               {SignatureScheme::rsa_pkcs1_sha256, NID_sha256WithRSAEncryption},
               {SignatureScheme::rsa_pss_sha256, NID_rsassaPss}};
  for (const auto& c : cases) {
    Bytes der = algorithm_identifier(c.scheme);
    const unsigned char* p = der.data();
    X509_ALGOR* alg = d2i_X509_ALGOR(nullptr, &p, static_cast<long>(der.size()));
    ASSERT_NE(alg, nullptr);
    const ASN1_OBJECT* obj = nullptr;
    X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    EXPECT_EQ(OBJ_obj2nid(obj), c.nid);
    X509_ALGOR_free(alg);
  }
  std::string pss = test::asn1parse(algorithm_identifier(SignatureScheme::rsa_pss_sha256));
  EXPECT_NE(pss.find("sha256"), std::string::npos) << pss;
  EXPECT_NE(pss.find("mgf1"), std::string::npos) << pss;
  EXPECT_NE(pss.find(":20"), std::string::npos) << pss;  // salt length 32
}
