// bench/populate: fills a Tugra home with certificates for the status
// benchmarks, and writes the same certificates as an OpenSSL `ca` index so
// that OpenSSL's own responder and `openssl ca -gencrl` can serve the peer.
//
//   bench_populate HOME COUNT REVOKED_EVERY INDEX_FILE
//
// COUNT certificates are issued through the CA (every REVOKED_EVERY-th then
// revoked). For the CRL benchmark, `--bulk` writes revoked rows straight into
// the database instead (a million issuances would take an hour).
#include <cstdio>
#include <fstream>
#include <string>

#include "ca/authority.hpp"
#include "ca/certificates.hpp"
#include "store/ledger.hpp"
#include "ca/revocation.hpp"
#include "common/clock.hpp"
#include "crypto/software_signer.hpp"
#include "store/database.hpp"

using namespace tugra;

namespace {

std::string openssl_time(std::int64_t t) { return format_time(t, "%y%m%d%H%M%SZ"); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: bench_populate HOME COUNT REVOKED_EVERY INDEX_FILE [--bulk]\n");
    return 2;
  }
  Config config = Config::load(argv[1]);
  long count = std::stol(argv[2]);
  long revoked_every = std::stol(argv[3]);
  bool bulk = argc > 5 && std::string(argv[5]) == "--bulk";
  std::ofstream index(argv[4]);
  auto ledger = store::Ledger::open(config, "bench");
  auto ca = ca::CertificateAuthority::open(config, *ledger);
  std::int64_t now = now_seconds();

  if (bulk) {
    // Revoked rows only, in one transaction: what a CRL of COUNT entries needs.
    auto& db = ledger->database();
    store::Transaction tx(db);
    store::CertificateRepository certs(db);
    for (long i = 0; i < count; ++i) {
      store::CertificateRecord r;
      r.serial = hex_encode(ca::random_serial(), true);
      r.issuer = "nes";
      r.tckn = "12345678950";
      r.subject = "CN=bench";
      r.not_before = now - 86400;
      r.not_after = now + 3 * 365 * 86400;
      r.status = store::CertStatus::pending;
      r.request_key = "bulk:" + r.serial;
      r.request = "{}";
      r.tbs = "";
      certs.insert_intent(r);
      certs.complete(r.serial, "", store::CertStatus::revoked, now - 3600, (i % 5) + 1 == 2 ? 3 : 1);
      index << "R\t" << openssl_time(r.not_after) << "\t" << openssl_time(now - 3600)
            << ((i % 5) + 1 == 2 ? ",affiliationChanged" : ",keyCompromise") << "\t" << r.serial
            << "\tunknown\t/CN=bench\n";
      if ((i + 1) % 100000 == 0) std::fprintf(stderr, "  %ld/%ld\r", i + 1, count);
    }
    tx.commit();
    std::fprintf(stderr, "\n");
    return 0;
  }

  auto holder = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  ca::IssueRequest req;
  req.holder = {"12345678950", "Bench", "Holder", std::nullopt};
  req.public_key = "-----BEGIN PUBLIC KEY-----\n" + base64_encode(holder->public_key_der()) + "\n-----END PUBLIC KEY-----\n";
  for (long i = 0; i < count; ++i) {
    req.request_id = "populate-" + std::to_string(i);
    auto r = ca->issue(req).record;
    bool revoke = revoked_every > 0 && i % revoked_every == 0;
    if (revoke) ca::Certificates(*ledger).revoke(r.serial, 1);
    index << (revoke ? "R\t" : "V\t") << openssl_time(r.not_after) << "\t"
          << (revoke ? openssl_time(now_seconds()) + ",keyCompromise" : "") << "\t" << r.serial
          << "\tunknown\t/CN=bench\n";
  }
  return 0;
}
