#include "ra/password_hash.hpp"

#include <thread>

#include <sodium.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>

#include "common/config.hpp"

namespace tugra::ra {
namespace {

std::mutex g_mutex;
std::condition_variable g_turn;
HashCost g_cost;
int g_running = 0;
int g_waiting = 0;

// Holds one of the `concurrency` places for the time of one hash.
class Turn {
 public:
  // `may_refuse`: a log-in (they come in bursts) is refused when too many
  // wait; a new security word (a form just filled in) always waits its turn.
  explicit Turn(bool may_refuse) {
    std::unique_lock lock(g_mutex);
    auto free = [] { return g_running < std::max(1, g_cost.concurrency); };
    if (!free()) {
      if (may_refuse && g_waiting >= g_cost.max_waiting) throw Busy();
      ++g_waiting;
      g_turn.wait(lock, free);
      --g_waiting;
    }
    ++g_running;
    cost_ = g_cost;
  }
  ~Turn() {
    {
      std::lock_guard lock(g_mutex);
      --g_running;
    }
    g_turn.notify_one();
  }
  const HashCost& cost() const { return cost_; }

 private:
  HashCost cost_;
};

}  // namespace

HashCost HashCost::from_config(const Config& config) {
  HashCost c;
  c.ops = static_cast<unsigned long long>(config.integer("portal.argon2_ops"));
  c.memory_kib = static_cast<unsigned long long>(config.integer("portal.argon2_memory_kib"));
  c.concurrency = static_cast<int>(config.integer("portal.argon2_concurrency"));
  if (c.concurrency <= 0) c.concurrency = static_cast<int>(std::max(1u, std::thread::hardware_concurrency() / 2));
  c.max_waiting = static_cast<int>(config.integer("portal.argon2_queue"));
  return c;
}

void set_hash_cost(const HashCost& cost) {
  std::lock_guard lock(g_mutex);
  g_cost = cost;
}

std::string hash_secret(const std::string& secret) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  Turn turn(false);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), turn.cost().ops, turn.cost().memory_kib * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("Argon2id: out of memory");
  return out;
}

bool verify_secret(const std::string& hash, const std::string& secret) {
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
  Turn turn(true);
  // The parameters come from the stored hash, so a cost change keeps old hashes valid.
  return crypto_pwhash_str_verify(hash.c_str(), secret.data(), secret.size()) == 0;
}

bool verify_log_in(const std::string* hash, const std::string& secret) {
  static const std::string dummy = hash_secret("tugra-no-such-account");
  bool ok = verify_secret(hash ? *hash : dummy, secret);
  return ok && hash != nullptr;
}

}  // namespace tugra::ra
