// bench/sign: the raw signing rate of one of a home's keys through its
// Signer (e.g. the OCSP responder key in the token), the peer figure for the
// live (nonce) OCSP benchmark.   bench_sign HOME AUTHORITY SECONDS
#include <chrono>
#include <cstdio>

#include "ca/authority.hpp"
#include "crypto/openssl.hpp"

using namespace tugra;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_sign HOME AUTHORITY SECONDS\n");
    return 2;
  }
  auto ca = ca::CertificateAuthority::open(Config::load(argv[1]), "bench");
  const Signer& signer = ca->signer_for(argv[2]);
  Bytes digest = ossl::digest(digest_of(signer.scheme()), as_bytes("tugra bench"));
  double seconds = std::stod(argv[3]);
  auto start = std::chrono::steady_clock::now();
  long n = 0;
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
    signer.sign_digest(digest);
    ++n;
  }
  std::printf("%.0f\n", n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}
