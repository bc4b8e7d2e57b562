// bench/crl_incremental: what the `ca` role pays for a full CRL, first from
// the database (every revoked row read and encoded) and then after one more
// revocation (the kept list with one entry spliced in, one hash, one
// signature), in one process as the role runs. Prints wall time and memory.
//
//   bench_crl_incremental HOME [ROUNDS]    (a home filled by bench_populate --bulk)
#include <malloc.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include "ca/authority.hpp"
#include "ca/certificates.hpp"
#include "ca/revocation.hpp"
#include "crypto/software_signer.hpp"
#include "store/ledger.hpp"

using namespace tugra;
using Clock = std::chrono::steady_clock;

namespace {

// A line of /proc/self/status in MiB ("VmRSS", "VmHWM").
double status_mib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind(field, 0) == 0) return std::stod(line.substr(line.find(':') + 1)) / 1024.0;
  return 0;
}

// Starts a new peak for VmHWM (Linux: writing 5 to clear_refs).
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double timed(const std::function<void()>& fn) {
  auto start = Clock::now();
  fn();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: bench_crl_incremental HOME [ROUNDS]\n");
    return 2;
  }
  int rounds = argc > 2 ? std::stoi(argv[2]) : 5;
  if (std::getenv("BENCH_MMAP_THRESHOLD")) {
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 1024 << 20);
  }
  Config config = Config::load(argv[1]);
  auto ledger = store::Ledger::open(config, "bench");
  auto ca = ca::CertificateAuthority::open(config, *ledger);

  double before = status_mib("VmRSS");
  reset_peak();
  double scratch = timed([&] { ca->publish_crl("nes"); });
  std::printf("full CRL from the database:        %8.3f s   peak %6.0f MiB (from %4.0f)   kept list %4.0f MiB\n",
              scratch, status_mib("VmHWM"), before, status_mib("VmRSS") - before);

  auto holder = SoftwareSigner::generate(parse_key_algorithm("ecdsa-p256"));
  ca::IssueRequest req;
  req.holder = {"12345678950", "Bench", "Holder", std::nullopt};
  req.public_key = "-----BEGIN PUBLIC KEY-----\n" + base64_encode(holder->public_key_der()) + "\n-----END PUBLIC KEY-----\n";
  for (int round = 0; round < rounds; ++round) {
    req.request_id = "incremental-" + std::to_string(::getpid()) + "-" + std::to_string(round);
    auto serial = ca->issue(req).record.serial;
    ca::Certificates(*ledger).revoke(serial, 1);  // keyCompromise
    double rss = status_mib("VmRSS");
    reset_peak();
    double seconds = timed([&] { ca->publish_crl("nes"); });
    std::printf("full CRL after one more revocation: %8.3f s   peak %6.0f MiB (from %4.0f, +%4.0f while building)\n",
                seconds, status_mib("VmHWM"), rss, status_mib("VmHWM") - rss);
  }
  return 0;
}
