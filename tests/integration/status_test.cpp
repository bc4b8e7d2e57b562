// The status service against real parts: SoftHSM2 holds the responder key,
// and the database is SQLite or PostgreSQL (TUGRA_DATABASE_URL, set by
// tests/support/with-db). Its background thread runs as in `tugra serve`.
#include <gtest/gtest.h>
#include <openssl/ocsp.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "ca/authority.hpp"
#include "ca/certificates.hpp"
#include "common/messages.hpp"
#include "crypto/openssl.hpp"
#include "crypto/software_signer.hpp"
#include "status/status_service.hpp"
#include "store/ledger.hpp"
#include "store/records.hpp"

using namespace tugra;
namespace fs = std::filesystem;

namespace {

fs::path g_home;

Config config() { return Config::load(g_home); }

std::string public_key_pem() {
  auto key = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  return "-----BEGIN PUBLIC KEY-----\n" + base64_encode(key->public_key_der()) + "\n-----END PUBLIC KEY-----\n";
}

// A request for one certificate, as `openssl ocsp` sends it (SHA-1 CertID, no nonce).
Bytes ocsp_request(const X509* cert, const X509* issuer) {
  ossl::Ptr<OCSP_REQUEST, OCSP_REQUEST_free> request(OCSP_REQUEST_new());
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
  if (!id || !OCSP_request_add0_id(request.get(), id)) throw std::runtime_error("OCSP request");
  unsigned char* der = nullptr;
  int len = i2d_OCSP_REQUEST(request.get(), &der);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// V_OCSP_CERTSTATUS_GOOD, _REVOKED or _UNKNOWN of the one answer in `response`.
int certificate_status(const std::string& response) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(response.data());
  ossl::Ptr<OCSP_RESPONSE, OCSP_RESPONSE_free> r(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(response.size())));
  if (!r) throw std::runtime_error("not an OCSP response");
  ossl::Ptr<OCSP_BASICRESP, OCSP_BASICRESP_free> basic(OCSP_response_get1_basic(r.get()));
  if (!basic || OCSP_resp_count(basic.get()) != 1) throw std::runtime_error("not one answer");
  int reason = 0;
  return OCSP_single_get0_status(OCSP_resp_get0(basic.get(), 0), &reason, nullptr, nullptr, nullptr);
}

class StatusServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    set_process_lang(Lang::en);
    ::setenv("TUGRA_SERVICE_POLL_MILLISECONDS", "20", 1);
    g_home = fs::temp_directory_path() / ("tugra-status-test-" + std::to_string(::getpid()));
    fs::remove_all(g_home);
    ca::CertificateAuthority::initialize(config(), "test");
  }
  static void TearDownTestSuite() { fs::remove_all(g_home); }
};

// The first request for a certificate is signed live. If the certificate is
// revoked while that answer is being signed, the background thread signs
// the revoked answer ahead of demand; the live "good" one, older, must not
// then take its place in the cache, where it would be served for hours.
TEST_F(StatusServiceTest, ARevocationDuringALiveSignatureIsNotHiddenByTheOlderAnswer) {
  auto ledger = store::Ledger::open(config(), "test");
  auto authority = ca::CertificateAuthority::open(config(), *ledger);
  ca::IssueRequest issue;
  issue.holder = {"12345678950", "Şule", "Ünlü", std::string("Ankara")};
  issue.public_key = public_key_pem();
  auto issued = authority->issue(issue);
  auto cert = ossl::cert_from_der(issued.der);
  auto nes = store::AuthorityRepository(ledger->database()).find("nes");
  ASSERT_TRUE(nes && nes->certificate);
  auto issuer = ossl::cert_from_der(base64_decode(*nes->certificate));
  Bytes request = ocsp_request(cert.get(), issuer.get());
  std::string raw = to_string(request);

  status::StatusService service(config());
  service.start();
  ASSERT_EQ(service.presigned(raw, request), nullptr) << "answers are signed on first request after a start";

  bool revoked_answer_cached = false;
  service.before_caching_for_test([&] {
    ca::Certificates(*ledger).revoke(issued.record.serial, 1);
    // The background thread sees the revocation and signs it ahead of demand.
    for (int i = 0; i < 3000 && !revoked_answer_cached; ++i) {
      auto cached = service.presigned(raw);
      revoked_answer_cached = cached && certificate_status(cached->der) == V_OCSP_CERTSTATUS_REVOKED;
      if (!revoked_answer_cached) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  auto live = service.sign(request);
  service.before_caching_for_test(nullptr);
  ASSERT_TRUE(revoked_answer_cached) << "the background thread never signed the revocation";
  ASSERT_TRUE(live.cacheable);
  EXPECT_EQ(certificate_status(live.cacheable->der), V_OCSP_CERTSTATUS_GOOD) << "signed before the revocation";

  auto cached = service.presigned(raw);
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(certificate_status(cached->der), V_OCSP_CERTSTATUS_REVOKED);
  service.stop();
}

}  // namespace
