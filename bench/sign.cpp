// bench/sign: the raw signing rate of one of a home's keys through its
// Signer (e.g. the OCSP responder key in the token), the peer figure for the
// live (nonce) OCSP benchmark.   bench_sign HOME AUTHORITY SECONDS
#include <chrono>
#include <cstdio>

#include "common/error.hpp"
#include "crypto/algorithm.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/openssl.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

using namespace tugra;

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: bench_sign HOME AUTHORITY SECONDS\n");
    return 2;
  }
  Config config = Config::load(argv[1]);
  auto db = store::Database::open(config);
  auto authority = store::AuthorityRepository(*db).find(argv[2]);
  if (!authority) throw UserError("ca.not_initialized", {{"home", argv[1]}});
  // The key in the token of its duty (the OCSP responder's: the status token).
  auto owned = open_duty_signer(config, duty_of_authority(authority->id), authority->key_label,
                                parse_key_algorithm(authority->key_algorithm).scheme);
  const Signer& signer = *owned;
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
