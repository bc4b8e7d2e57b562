// Argon2id (libsodium crypto_pwhash) for security words and officer
// passwords. The cost is set so one hash takes 50-100 ms here (see
// docs/PERFORMANCE.md), and at most `concurrency` hashes run at once, so a
// burst of logins waits its turn instead of starving every other request;
// when too many log-ins already wait, the next is refused at once (the page
// says to try again in a moment) so that waiting log-ins never hold every
// thread. A new security word (a form just filled in) always waits its turn.
#pragma once

#include <stdexcept>
#include <string>

namespace tugra {
class Config;
}

namespace tugra::ra {

// A log-in refused because too many already wait for a hash. Not a
// UserError: pages that show a refusal beside their form let it through, and
// the portal answers it with 503 and Retry-After.
class Busy : public std::runtime_error {
 public:
  Busy() : std::runtime_error("too many log-ins are waiting for a hash") {}
};

struct HashCost {
  unsigned long long ops = 2;
  unsigned long long memory_kib = 65536;
  int concurrency = 1;
  int max_waiting = 2;  // beyond this many waiting, Busy at once
  static HashCost from_config(const Config& config);
};

// Sets the cost once per process (the portal does it at start).
void set_hash_cost(const HashCost& cost);
// "$argon2id$v=19$m=…" with a random salt.
std::string hash_secret(const std::string& secret);
// Compares in constant time; false for a malformed hash too.
bool verify_secret(const std::string& hash, const std::string& secret);
// A log-in: `hash` is the account's, null when there is no such account. A
// hash is computed either way, so the time taken does not tell whether the
// account exists; false without one.
bool verify_log_in(const std::string* hash, const std::string& secret);

}  // namespace tugra::ra
