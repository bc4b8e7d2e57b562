// bench/issue: certificates issued per second through the whole issuance path
// (checks, lint, intent row, signature, result row, two audit records, each
// in its own durable transaction), next to the raw signing rate of the same
// Signer measured in the same run. Once with a software CA key, once with
// the key in SoftHSM2 (PKCS#11).
//
//   bench_issue [COUNT] [ALGORITHM]     defaults: 10000 ecdsa-p384
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ca/authority.hpp"
#include "crypto/openssl.hpp"
#include "crypto/software_signer.hpp"

using namespace tugra;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Rates {
  double raw_signs_per_second;
  double certificates_per_second;
};

// Alternates blocks of raw signatures and of issuances so that both see the
// same machine (a VM's speed drifts by tens of percent over a minute).
Rates measure(ca::CertificateAuthority& ca, const Signer& signer, const std::string& public_key, int count,
              const char* tag) {
  constexpr int kRounds = 20;
  int block = std::max(count / kRounds, 1);
  Bytes digest = ossl::digest(digest_of(signer.scheme()), as_bytes("tugra bench"));
  ca::IssueRequest req;
  req.holder = {"12345678950", "Ayşe", "Yılmaz", std::nullopt};
  req.public_key = public_key;
  req.limit = "50000";
  double raw_time = 0, issue_time = 0;
  int issued = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto start = Clock::now();
    for (int i = 0; i < block; ++i) signer.sign_digest(digest);
    raw_time += seconds_since(start);
    start = Clock::now();
    for (int i = 0; i < block; ++i) {
      req.request_id = std::string(tag) + "-" + std::to_string(issued++);
      ca.issue(req);
    }
    issue_time += seconds_since(start);
    std::fprintf(stderr, "  %s: %d/%d\r", tag, issued, block * kRounds);
  }
  std::fprintf(stderr, "\n");
  return {block * kRounds / raw_time, issued / issue_time};
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::stoi(argv[1]) : 10000;
  std::string algorithm = argc > 2 ? argv[2] : "ecdsa-p384";
  auto home = std::filesystem::temp_directory_path() / ("tugra-bench-issue-" + std::to_string(::getpid()));
  std::filesystem::remove_all(home);
  ::setenv("TUGRA_CA_KEY_ALGORITHM", algorithm.c_str(), 1);
  ca::CertificateAuthority::initialize(Config::load(home), "bench");
  auto ca = ca::CertificateAuthority::open(Config::load(home), "bench");

  auto holder = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  std::string pem = "-----BEGIN PUBLIC KEY-----\n" + base64_encode(holder->public_key_der()) + "\n-----END PUBLIC KEY-----\n";

  std::printf("bench/issue: %d certificates, CA key %s, database %s (synchronous=%s)\n", count, algorithm.c_str(),
              ca->database().engine() == store::Engine::sqlite ? "SQLite" : "PostgreSQL",
              Config::load(home).str("database.sqlite_synchronous").c_str());

  Rates token = measure(*ca, ca->signer_of("nes"), pem, count, "pkcs11");
  ca->replace_signer_for_benchmark("nes", SoftwareSigner::generate(parse_key_algorithm(algorithm)));
  Rates soft = measure(*ca, ca->signer_of("nes"), pem, count, "software");

  std::printf("%-22s %14s %16s %8s\n", "CA key", "raw signs/s", "certificates/s", "ratio");
  for (auto [name, r] : {std::pair{"software (OpenSSL)", soft}, std::pair{"PKCS#11 (SoftHSM2)", token}})
    std::printf("%-22s %14.0f %16.0f %7.0f%%\n", name, r.raw_signs_per_second, r.certificates_per_second,
                100 * r.certificates_per_second / r.raw_signs_per_second);
  ca.reset();
  std::filesystem::remove_all(home);
  return 0;
}
