// bench/issue: certificates issued per second through the whole issuance path
// (checks, lint, intent row, signature, result row, two audit records, each
// in its own durable transaction), next to the raw signing rate of the same
// Signer measured in the same run. Once with a software CA key, once with
// the key in SoftHSM2 (PKCS#11).
//
//   bench_issue [COUNT] [ALGORITHM]     defaults: 10000 ecdsa-p384
#include <chrono>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <string>
#include <atomic>
#include <thread>
#include <vector>

#include "ca/authority.hpp"
#include "ca/issuance_queue.hpp"
#include "store/database.hpp"
#include "store/ledger.hpp"
#include "crypto/openssl.hpp"
#include "crypto/software_signer.hpp"

using namespace tugra;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of this thread: unlike wall time, it does not count the time a
// virtual machine's CPU is taken away (steal) or the waits for fsync.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Passes signatures through to `inner` and adds up the time they take, to
// tell the cost of signing inside the issuance path from everything else.
class TimedSigner final : public Signer {
 public:
  explicit TimedSigner(const Signer& inner) : inner_(inner) {}
  SignatureScheme scheme() const override { return inner_.scheme(); }
  const Bytes& public_key_der() const override { return inner_.public_key_der(); }
  Bytes sign_digest(ByteView digest) const override {
    auto start = Clock::now();
    Bytes sig = inner_.sign_digest(digest);
    seconds += std::chrono::duration<double>(Clock::now() - start).count();
    return sig;
  }
  mutable double seconds = 0;

 private:
  const Signer& inner_;
};

struct Rates {
  double raw_signs_per_second;
  double certificates_per_second;
  double signing_share;  // of the issuance time, spent in the signer
  double cpu_ratio;      // issuance rate / raw rate, both in thread CPU time
};

// Alternates blocks of raw signatures and of issuances so that both see the
// same machine (a VM's speed drifts by tens of percent over a minute).
Rates measure(ca::CertificateAuthority& ca, std::unique_ptr<Signer> owned, const std::string& public_key, int count,
              const char* tag) {
  const Signer& signer = *owned;
  auto timed = std::make_unique<TimedSigner>(signer);
  TimedSigner* timer = timed.get();
  ca.replace_signer_for_benchmark("nes", std::move(timed));
  constexpr int kRounds = 20;
  int block = std::max(count / kRounds, 1);
  Bytes digest = ossl::digest(digest_of(signer.scheme()), as_bytes("tugra bench"));
  ca::IssueRequest req;
  req.holder = {"12345678950", "Ayşe", "Yılmaz", std::nullopt};
  req.public_key = public_key;
  req.limit = "50000";
  double raw_time = 0, issue_time = 0, raw_cpu = 0, issue_cpu = 0;
  int issued = 0;
  for (int round = 0; round < kRounds; ++round) {
    auto start = Clock::now();
    double cpu = thread_cpu_seconds();
    for (int i = 0; i < block; ++i) signer.sign_digest(digest);
    raw_time += seconds_since(start);
    raw_cpu += thread_cpu_seconds() - cpu;
    start = Clock::now();
    cpu = thread_cpu_seconds();
    for (int i = 0; i < block; ++i) {
      req.request_id = std::string(tag) + "-" + std::to_string(issued++);
      ca.issue(req);
    }
    issue_time += seconds_since(start);
    issue_cpu += thread_cpu_seconds() - cpu;
    std::fprintf(stderr, "  %s: %d/%d\r", tag, issued, block * kRounds);
  }
  std::fprintf(stderr, "\n");
  return {block * kRounds / raw_time, issued / issue_time, timer->seconds / issue_time, raw_cpu / issue_cpu};
}

// The same alternation with the issuances made by `threads` threads at once
// through an IssuanceQueue: their intents share synced commits (group
// commit), and the queue signs on every core. The raw rate is therefore
// measured twice: on one thread (as above), and on as many threads as there
// are cores, the key's own limit here (OpenSSL and SoftHSM2 sign in parallel).
struct ConcurrentRates {
  double raw_one_thread;
  double raw_all_cores;
  double certificates_per_second;
  double cores_busy;  // the process's CPU time over the wall time while issuing
  double certificates_per_sync;
};

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

ConcurrentRates measure_concurrent(ca::CertificateAuthority& ca, const std::string& public_key, int count,
                                   int threads, const char* tag) {
  const Signer& signer = ca.signer_for("nes");
  constexpr int kRounds = 20;
  int block = std::max(count / kRounds / threads, 1) * threads;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Bytes digest = ossl::digest(digest_of(signer.scheme()), as_bytes("tugra bench"));
  ca::IssuanceQueue queue(ca);
  double one_time = 0, all_time = 0, issue_time = 0, issue_cpu = 0;
  std::atomic<int> issued{0};
  const std::uint64_t syncs_before = ca.ledger().database().syncs();
  for (int round = 0; round < kRounds; ++round) {
    auto start = Clock::now();
    for (int i = 0; i < block; ++i) signer.sign_digest(digest);
    one_time += seconds_since(start);
    start = Clock::now();
    {
      std::vector<std::thread> signers;
      for (int c = 0; c < cores; ++c)
        signers.emplace_back([&] {
          for (int i = 0; i < block / cores; ++i) signer.sign_digest(digest);
        });
      for (auto& t : signers) t.join();
    }
    all_time += seconds_since(start) * block / (block / cores * cores);
    start = Clock::now();
    double cpu = process_cpu_seconds();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t)
      workers.emplace_back([&, t] {
        ca::IssueRequest req;
        req.holder = {"12345678950", "Ayşe", "Yılmaz", std::nullopt};
        req.public_key = public_key;
        req.limit = "50000";
        for (int i = 0; i < block / threads; ++i) {
          req.request_id = std::string(tag) + "-" + std::to_string(round) + "-" + std::to_string(t) + "-" +
                           std::to_string(i);
          queue.issue(req);
          ++issued;
        }
      });
    for (auto& w : workers) w.join();
    issue_time += seconds_since(start);
    issue_cpu += process_cpu_seconds() - cpu;
    std::fprintf(stderr, "  %s: %d/%d\r", tag, issued.load(), block * kRounds);
  }
  std::fprintf(stderr, "\n");
  double syncs = static_cast<double>(ca.ledger().database().syncs() - syncs_before);
  return {block * kRounds / one_time, block * kRounds / all_time, issued / issue_time, issue_cpu / issue_time,
          issued / std::max(syncs, 1.0)};
}

}  // namespace

int main(int argc, char** argv) {
  int count = argc > 1 ? std::stoi(argv[1]) : 10000;
  std::string algorithm = argc > 2 ? argv[2] : "ecdsa-p384";
  auto home = std::filesystem::temp_directory_path() / ("tugra-bench-issue-" + std::to_string(::getpid()));
  std::filesystem::remove_all(home);
  ::setenv("TUGRA_CA_KEY_ALGORITHM", algorithm.c_str(), 1);
  ca::CertificateAuthority::initialize(Config::load(home), "bench");
  auto ledger = store::Ledger::open(Config::load(home), "bench");
  auto ca = ca::CertificateAuthority::open(Config::load(home), *ledger);

  auto holder = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  std::string pem = "-----BEGIN PUBLIC KEY-----\n" + base64_encode(holder->public_key_der()) + "\n-----END PUBLIC KEY-----\n";

  std::printf("bench/issue: %d certificates, CA key %s, database %s (synchronous=%s)\n", count, algorithm.c_str(),
              ledger->database().engine() == store::Engine::sqlite ? "SQLite" : "PostgreSQL",
              Config::load(home).str("database.sqlite_synchronous").c_str());

  Rates token = measure(*ca, ca->take_signer_for_benchmark("nes"), pem, count, "pkcs11");
  Rates soft = measure(*ca, SoftwareSigner::generate(parse_key_algorithm(algorithm)), pem, count, "software");
  // A software key again (the measured ones were handed over and are gone), then 8 requests at a
  // time through the group-commit queue.
  ca->replace_signer_for_benchmark("nes", SoftwareSigner::generate(parse_key_algorithm(algorithm)));
  ConcurrentRates grouped = measure_concurrent(*ca, pem, count, 8, "grouped");

  std::printf("%-20s %12s %15s %12s %12s %16s\n", "CA key", "raw signs/s", "certificates/s", "ratio (wall)",
              "ratio (CPU)", "time in signer");
  for (auto [name, r] : {std::pair{"software (OpenSSL)", soft}, std::pair{"PKCS#11 (SoftHSM2)", token}})
    std::printf("%-20s %12.0f %15.0f %11.0f%% %11.0f%% %15.0f%%\n", name, r.raw_signs_per_second,
                r.certificates_per_second, 100 * r.certificates_per_second / r.raw_signs_per_second,
                100 * r.cpu_ratio, 100 * r.signing_share);
  std::printf("%-20s %12.0f %15.0f %11.0f%%   (8 concurrent requests, group commit: %.1f certificates a sync; raw "
              "on one thread)\n",
              "software, 8 at once", grouped.raw_one_thread, grouped.certificates_per_second,
              100 * grouped.certificates_per_second / grouped.raw_one_thread, grouped.certificates_per_sync);
  std::printf("%-20s %12.0f %15.0f %11.0f%%   (the same; raw on every core, %u; %.2f cores busy while issuing)\n", "",
              grouped.raw_all_cores, grouped.certificates_per_second,
              100 * grouped.certificates_per_second / grouped.raw_all_cores,
              std::max(1u, std::thread::hardware_concurrency()), grouped.cores_busy);
  ca.reset();
  ledger.reset();
  std::filesystem::remove_all(home);
  return 0;
}
