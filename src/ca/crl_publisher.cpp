#include "ca/crl_publisher.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "ca/authority.hpp"
#include "common/clock.hpp"
#include "common/freshness.hpp"
#include "common/messages.hpp"
#include "store/database.hpp"
#include "store/holder_records.hpp"
#include "store/ledger.hpp"
#include "store/retention.hpp"

#include <nlohmann/json.hpp>

namespace tugra::ca {
namespace {

// An issuance intent this old has no live issuer any more.
constexpr std::int64_t kAbandonedIntentSeconds = 60;
constexpr const char* kLease = "crl-publisher";

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "host";
  return name;
}

}  // namespace

CrlPublisher::CrlPublisher(const Config& config) : config_(config) {}

CrlPublisher::~CrlPublisher() { stop(); }

void CrlPublisher::start() {
  store::RetentionPolicy::from(config_);  // a bad setting stops the start, not a later round
  ledger_ = store::Ledger::open(config_, "ca-role");
  ca_ = CertificateAuthority::open(config_, *ledger_);
  ca_->signer_for(ca_->current_issuer());  // the CA token now, not at the first change: a missing PIN stops the start
  lease_holder_ = host_name() + ":" + std::to_string(::getpid()) + ":" + std::to_string(now_micros() % 1000000);
  poll();
  thread_ = std::thread([this] { run(); });
}

// Only the holder of the lease publishes: several ca roles on one database
// (for availability) never sign two CRLs for one change. The lease lasts a
// few rounds; when its holder stops or dies, another takes over at its end.
bool CrlPublisher::lead() {
  auto& db = ledger_->database();
  std::int64_t now = now_seconds();
  std::int64_t ttl = std::max<std::int64_t>(5, 5 * config_.integer("service.poll_milliseconds") / 1000);
  // A lease with more than half of it left is not renewed: no write transaction every round.
  if (leading_ && now < lease_until_ - ttl / 2) return true;
  bool held = false;
  {
    store::Transaction tx(db);
    held = store::LeaseRepository(db).acquire(kLease, lease_holder_, now, now + ttl);
    tx.commit();
  }
  if (held && !leading_) {
    std::fprintf(stderr, "tugra serve: ca role publishes the CRLs (lease %s)\n", lease_holder_.c_str());
    catch_up();
  } else if (!held && (leading_ || !announced_)) {
    std::fprintf(stderr, "tugra serve: ca role standing by: another one publishes the CRLs\n");
    announced_ = true;
  }
  leading_ = held;
  if (held) lease_until_ = now + ttl;
  return held;
}

// Changes made while no ca role published (by the portal, the CLI, or while
// another held the lease) are in no full CRL yet: a new leader first
// publishes one that has them.
void CrlPublisher::catch_up() {
  auto& db = ledger_->database();
  std::int64_t latest_change = store::CertificateRepository(db).latest_change_seq();
  for (const auto& id : publishing()) {
    auto full = store::CrlRepository(db).latest(id);
    if (!full || full->change_seq < latest_change) ca_->publish_crl(id);
  }
  seen_change_seq_ = latest_change;
  dirty_since_.clear();
}

std::vector<std::string> CrlPublisher::publishing() {
  std::vector<std::string> ids;
  for (const auto& a : store::AuthorityRepository(ledger_->database()).issuing())
    if (a.certificate && ca_->holds_key(a.id) && !ca_->retired(a.id)) ids.push_back(a.id);
  return ids;
}

void CrlPublisher::stop() {
  stopping_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (leading_ && ledger_) {
    try {  // another ca role need not wait for the lease to run out
      store::Transaction tx(ledger_->database());
      store::LeaseRepository(ledger_->database()).release(kLease, lease_holder_);
      tx.commit();
    } catch (const std::exception&) {
    }
    leading_ = false;
  }
}

void CrlPublisher::poll() {
  if (!lead()) return;
  auto& db = ledger_->database();
  std::int64_t now = now_seconds();
  // Small reads: most rounds find nothing.
  store::CertificateRepository(db).for_each_change(seen_change_seq_, 512, [&](const auto& rows) {
    for (const auto& row : rows) {
      seen_change_seq_ = std::max(seen_change_seq_, row.change_seq);
      if (!dirty_since_.count(row.issuer)) dirty_since_[row.issuer] = now;
      dirty_upto_[row.issuer] = std::max(dirty_upto_[row.issuer], row.change_seq);
    }
  });

  // Every issuing CA generation that has live certificates, and the root.
  // With deltas, a change makes a delta CRL, and a full one only when the
  // full one is older than crl.full_every_minutes.
  std::int64_t full_every = config_.integer("crl.full_every_minutes") * 60;
  store::CrlRepository crls(db);
  auto ids = publishing();
  for (const auto& id : ids) {
    auto dirty = dirty_since_.find(id);
    bool changed = dirty != dirty_since_.end() && now - dirty->second >= config_.integer("crl.debounce_seconds");
    if (changed) dirty_since_.erase(dirty);
    auto latest = crls.latest(id);
    // A change committed while the last CRL was being written is in it
    // already (its change_seq is the newest at that moment): no second CRL.
    if (changed && latest && latest->change_seq >= dirty_upto_[id]) changed = false;
    bool stale = !latest || freshness::needs_renewal(latest->this_update, latest->next_update, now);
    bool full_due = changed && latest && (full_every <= 0 || now - latest->this_update >= full_every);
    if (stale || full_due) latest = ca_->publish_crl(id);
    if (full_every > 0) {
      auto delta = crls.latest_delta(id);
      if (changed || !delta || delta->delta_base != latest->number) ca_->publish_delta_crl(id);
    }
  }
  // An offline root's CRLs are signed on its own host and imported here.
  if (ca_->holds_key("root")) {
    auto latest = crls.latest("root");
    if (!latest || freshness::needs_renewal(latest->this_update, latest->next_update, now)) ca_->publish_crl("root");
  }
  ca_->recover_pending(kAbandonedIntentSeconds);
  ca_->certify_pending_requests();
  // Housekeeping that must happen whether anyone visits the portal or not:
  // a card unlock PIN is destroyed once its authorisation expired or was used.
  if (store::UnlockRepository(db).spent_count(now) > 0) {
    ledger_->write([&] {
      int spent = store::UnlockRepository(db).destroy_spent(now);
      ledger_->record("card.unlock_expired", "unlock_authorizations", nlohmann::json{{"destroyed", spent}}.dump());
    });
    db.truncate_wal();  // no copy of the sealed PIN left in SQLite's WAL either
  }
  if (now >= next_purge_) {
    auto purged = store::purge(*ledger_, store::RetentionPolicy::from(config_), now);
    if (purged.any())
      std::fprintf(stderr, "tugra serve: %s\n",
                   message("retention.purged", {{"bodies", std::to_string(purged.outbox_bodies)},
                                                {"crls", std::to_string(purged.crls)}}).c_str());
    next_purge_ = now + config_.integer("retention.every_hours") * 3600;
  }
  ledger_->checkpoint();
}

void CrlPublisher::run() {
  auto interval = std::chrono::milliseconds(config_.integer("service.poll_milliseconds"));
  while (!stopping_) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait_for(lock, interval, [this] { return stopping_.load(); });
    }
    if (stopping_) break;
    try {
      poll();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tugra serve: CRL publishing failed: %s\n", e.what());
      ledger_->database().recover();  // after a database restart: the next round goes on
    }
  }
}

}  // namespace tugra::ca
