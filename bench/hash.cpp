// bench_hash: the Argon2id cost of security words and officer passwords.
// Prints the time of one hash at the configured cost (portal.argon2_*) and
// what a burst of concurrent log-ins does with the concurrency cap: hashes
// queue instead of running all at once.
//   bench_hash [HOME] [HASHES]
#include <atomic>
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

  // A burst: 8 log-ins at once on 8 threads, with the cap and the bounded
  // wait in place: some are answered, the rest are told to try again.
  const int burst = 8;
  std::atomic<int> answered{0}, refused{0};
  start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < burst; ++i)
    threads.emplace_back([&] {
      try {
        (void)tugra::ra::verify_secret(hash, "wrong");
        ++answered;
      } catch (const tugra::ra::Busy&) {
        ++refused;
      }
    });
  for (auto& t : threads) t.join();
  double burst_seconds = std::chrono::duration<double>(Clock::now() - start).count();

  std::printf("Argon2id m=%llu KiB t=%llu, concurrency cap %d, at most %d waiting\n", cost.memory_kib, cost.ops,
              cost.concurrency, cost.max_waiting);
  std::printf("%-46s %8.1f ms\n", "one hash (new security word)", one * 1000);
  std::printf("%-46s %8.1f ms\n", "one verification (log-in)", verify * 1000);
  std::printf("%-46s %8.1f ms (%d answered, %d told to try again)\n", "burst of 8 log-ins at once",
              burst_seconds * 1000, answered.load(), refused.load());
  return 0;
}
