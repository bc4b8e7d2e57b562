// bench_hash: the Argon2id cost of security words and officer passwords.
// Prints the time of one hash at the configured cost (portal.argon2_*) and
// what a burst of concurrent log-ins does with the concurrency cap: hashes
// queue instead of running all at once.
//   bench_hash [HOME] [HASHES]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "common/config.hpp"
#include "ra/password_hash.hpp"

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  auto config = tugra::Config::load(tugra::resolve_home(argc > 1 ? std::optional<std::string>(argv[1]) : std::nullopt));
  int count = argc > 2 ? std::atoi(argv[2]) : 20;
  auto cost = tugra::ra::HashCost::from_config(config);
  tugra::ra::set_hash_cost(cost);
  std::string hash = tugra::ra::hash_secret("warm-up");

  auto start = Clock::now();
  for (int i = 0; i < count; ++i) hash = tugra::ra::hash_secret("Gizli2026Söz" + std::to_string(i));
  double one = std::chrono::duration<double>(Clock::now() - start).count() / count;
  start = Clock::now();
  for (int i = 0; i < count; ++i) (void)tugra::ra::verify_secret(hash, "wrong");
  double verify = std::chrono::duration<double>(Clock::now() - start).count() / count;

  // A burst: 8 log-ins at once on 8 threads, with the cap in place.
  const int burst = 8;
  start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < burst; ++i) threads.emplace_back([&] { (void)tugra::ra::verify_secret(hash, "wrong"); });
  for (auto& t : threads) t.join();
  double burst_seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::printf("Argon2id m=%llu KiB t=%llu, concurrency cap %d\n", cost.memory_kib, cost.ops, cost.concurrency);
  std::printf("%-46s %8.1f ms\n", "one hash (new security word)", one * 1000);
  std::printf("%-46s %8.1f ms\n", "one verification (log-in)", verify * 1000);
  std::printf("%-46s %8.1f ms (%.1f hashes at a time)\n", "burst of 8 verifications", burst_seconds * 1000,
              burst * verify / burst_seconds);
  return 0;
}
