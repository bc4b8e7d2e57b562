#include "status/status_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/freshness.hpp"
#include "crypto/algorithm.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/openssl.hpp"
#include "status/responder_renewal.hpp"
#include "store/database.hpp"

namespace tugra::status {

namespace {

SerialStatus to_status(const store::CertificateRepository::StatusRow& row) {
  SerialStatus s;
  switch (row.status) {
    case store::CertStatus::valid: s.state = SerialStatus::State::good; break;
    case store::CertStatus::suspended:
    case store::CertStatus::revoked:
      s.state = SerialStatus::State::revoked;
      s.revoked_at = row.revoked_at;
      s.reason = row.reason;
      break;
    case store::CertStatus::pending: s.state = SerialStatus::State::never_issued; break;
  }
  return s;
}

std::string key_of(const Bytes& cert_id) { return std::string(cert_id.begin(), cert_id.end()); }

}  // namespace

StatusService::StatusService(const Config& config)
    : config_(config), validity_(std::max(1LL, config.integer("ocsp.validity_hours")) * 3600) {}

StatusService::~StatusService() { stop(); }

void StatusService::start() {
  db_ = store::Database::open(config_);
  store::AuthorityRepository authorities(*db_);
  auto authority = [&](const char* id) {
    auto a = authorities.find(id);
    if (!a) throw UserError("ca.not_initialized", {{"home", config_.home().string()}});
    return *a;
  };
  for (const char* id : {"root", "nes"}) ca_der_[id] = to_string(base64_decode(authority(id).certificate.value_or("")));
  issuer_ = ossl::cert_from_der(as_bytes(ca_der_["nes"]));
  install_responder(authority("nes-ocsp"));
  // Every certificate ever issued, in change order.
  for (;;) {
    auto rows = store::CertificateRepository(*db_).changed_since(last_change_seq_, 100000);
    if (rows.empty()) break;
    apply(rows);
  }
  load_crls();
  ready_ = true;
  thread_ = std::thread([this] { run(); });
}

void StatusService::stop() {
  stopping_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SerialStatus StatusService::lookup(const std::string& serial) const {
  std::shared_lock lock(index_mutex_);
  auto it = index_.find(serial);
  return it == index_.end() ? SerialStatus{} : it->second;
}

void StatusService::apply(const std::vector<store::CertificateRepository::StatusRow>& rows) {
  std::vector<std::string> changed;
  {
    std::unique_lock lock(index_mutex_);
    for (const auto& row : rows) {
      last_change_seq_ = std::max(last_change_seq_, row.change_seq);
      if (row.issuer != "nes") continue;
      index_[row.serial] = to_status(row);
      changed.push_back(row.serial);
    }
  }
  if (!ready_) return;  // at start-up responses are signed on first request
  for (const auto& serial : changed) presign(serial);
}

void StatusService::store(const std::string& key, Cached cached) {
  std::lock_guard lock(cache_mutex_);
  auto& keys = by_serial_[cached.serial];
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  resign_queue_.emplace_back(cached.this_update, key);
  cache_[key] = std::move(cached);
}

std::optional<StatusService::OcspReply> StatusService::fresh(const std::string& key) const {
  auto it = cache_.find(key);
  if (it == cache_.end() ||
      freshness::needs_renewal(it->second.this_update, it->second.next_update, now_seconds()))
    return std::nullopt;
  return OcspReply{it->second.der, true, it->second.this_update, it->second.next_update};
}

std::shared_ptr<const StatusService::Responder> StatusService::responder() const {
  std::lock_guard lock(responder_mutex_);
  return responder_;
}

void StatusService::install_responder(const store::AuthorityRecord& record) {
  auto r = std::make_shared<Responder>();
  r->certificate = record.certificate.value_or("");
  r->cert = ossl::cert_from_der(base64_decode(r->certificate));
  r->not_after = ossl::unix_seconds(X509_get0_notAfter(r->cert.get()));
  r->key = open_duty_signer(config_, Duty::status, record.key_label, parse_key_algorithm(record.key_algorithm).scheme);
  r->ocsp = std::make_unique<OcspResponder>(issuer_.get(), r->cert.get(), *r->key, validity_);
  bool replacing = responder() != nullptr;
  {
    std::lock_guard lock(responder_mutex_);
    responder_ = std::move(r);
  }
  responder_not_after_ = responder()->not_after;
  if (!replacing) return;
  // Every cached answer names the old certificate: none is fresh any more,
  // and the background thread signs each again with the new key.
  std::lock_guard lock(cache_mutex_);
  for (auto& [key, entry] : cache_) {
    entry.this_update = 0;
    resign_queue_.emplace_front(0, key);
  }
}

bool StatusService::responder_expired() const { return now_seconds() >= responder_not_after_.load(); }

void StatusService::resign(const std::string& key, const Bytes& cert_id, const std::string& serial) {
  std::int64_t now = now_seconds();
  Bytes der = responder()->ocsp->sign_single(cert_id, lookup(serial), now);
  store(key, {to_string(der), cert_id, serial, now, now + validity_});
}

// After a status change: every cached answer about the serial is signed
// again, and the SHA-1 CertID most clients use is signed ahead of demand.
void StatusService::presign(const std::string& serial) {
  std::vector<std::pair<std::string, Bytes>> known;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = by_serial_.find(serial); it != by_serial_.end())
      for (const auto& key : it->second) known.emplace_back(key, cache_.at(key).cert_id);
  }
  for (const auto& [key, cert_id] : known) resign(key, cert_id, serial);
  if (known.empty()) {
    Bytes cert_id;
    std::int64_t now = now_seconds();
    Bytes der = responder()->ocsp->presign(serial, lookup(serial), now, cert_id);
    store(key_of(cert_id), {to_string(der), cert_id, serial, now, now + validity_});
  }
}

std::optional<StatusService::OcspReply> StatusService::cached(ByteView request) {
  if (responder_expired()) return std::nullopt;  // sign() says tryLater
  std::string_view request_text(reinterpret_cast<const char*>(request.data()), request.size());
  std::string key;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto known = request_keys_.find(request_text); known != request_keys_.end()) {
      if (auto hit = fresh(known->second)) {
        counters_.ocsp_cache_hits++;
        return hit;
      }
      return std::nullopt;
    }
  }
  // First sight of these bytes: is it one CertID without a nonce?
  key = key_of(OcspResponder::cache_key(request));
  if (key.empty()) return std::nullopt;
  std::lock_guard lock(cache_mutex_);
  if (request_keys_.size() > 1000000) request_keys_.clear();  // bounded against junk requests
  request_keys_.emplace(request_text, key);
  if (auto hit = fresh(key)) {
    counters_.ocsp_cache_hits++;
    return hit;
  }
  return std::nullopt;
}

StatusService::OcspReply StatusService::sign(ByteView request) {
  counters_.ocsp_cache_misses++;
  // An expired responder certificate never signs: relying parties are told
  // to try later until the ca role has certified the renewed key.
  if (responder_expired()) return {to_string(OcspResponder::error_response(OcspResponder::kTryLater)), false, 0, 0};
  auto answer = responder()->ocsp->respond(request, [this](const std::string& s) { return lookup(s); }, now_seconds());
  counters_.ocsp_live_signatures++;
  if (answer.cacheable && answer.serials.size() == 1)
    store(key_of(answer.cert_id), {to_string(answer.der), answer.cert_id, answer.serials.front(), answer.this_update,
                                   answer.next_update});
  return {to_string(answer.der), answer.cacheable, answer.this_update, answer.next_update};
}

std::shared_ptr<const CrlSnapshot> StatusService::crl(const std::string& ca) const {
  std::lock_guard lock(crl_mutex_);
  auto it = crls_.find(ca);
  return it == crls_.end() ? nullptr : it->second;
}

const std::string& StatusService::ca_certificate(const std::string& ca) const {
  static const std::string none;
  auto it = ca_der_.find(ca);
  return it == ca_der_.end() ? none : it->second;
}

void StatusService::load_crls() {
  store::CrlRepository crls(*db_);
  auto serve = [&](const std::string& name, std::optional<store::CrlRecord> latest) {
    if (!latest) return;
    if (auto current = crl(name); current && current->number >= latest->number) return;
    auto snapshot = std::make_shared<CrlSnapshot>(CrlSnapshot{to_string(base64_decode(latest->der)), latest->number,
                                                              latest->this_update, latest->next_update,
                                                              latest->delta_base});
    std::lock_guard lock(crl_mutex_);
    crls_[name] = std::move(snapshot);
  };
  bool deltas = config_.integer("crl.full_every_minutes") > 0;
  for (const char* id : {"nes", "root"}) {
    // The number alone tells whether the `ca` role published anything; CRLs are read only then.
    std::int64_t newest = crls.latest_number(id);
    auto& seen = seen_crl_numbers_[id];
    if (newest <= seen) continue;
    seen = newest;
    serve(id, crls.latest(id));
    if (deltas && std::string(id) == "nes") serve("nes-delta", crls.latest_delta(id));
  }
}

void StatusService::poll() {
  auto rows = store::CertificateRepository(*db_).changed_since(last_change_seq_, 100000);
  if (!rows.empty()) apply(rows);
  load_crls();
  std::int64_t now = now_seconds();
  renew_responder(now);

  // Re-sign cached responses at half their validity, oldest first. A queue
  // entry whose response was signed again since is skipped.
  for (;;) {
    std::string key, serial;
    Bytes cert_id;
    {
      std::lock_guard lock(cache_mutex_);
      if (resign_queue_.empty() ||
          !freshness::needs_renewal_after(resign_queue_.front().first, validity_, now))
        break;
      auto [signed_at, queued_key] = std::move(resign_queue_.front());
      resign_queue_.pop_front();
      auto it = cache_.find(queued_key);
      if (it == cache_.end() || it->second.this_update != signed_at) continue;
      key = queued_key;
      serial = it->second.serial;
      cert_id = it->second.cert_id;
    }
    resign(key, cert_id, serial);
  }
}

// The responder certificate: a new one certified by the ca role is taken into
// use; a renewal is requested once less than a third of the current one's
// life is left (responder_renewal.hpp).
void StatusService::renew_responder(std::int64_t now) {
  auto record = store::AuthorityRepository(*db_).find("nes-ocsp");
  if (record && record->certificate && *record->certificate != responder()->certificate) {
    install_responder(*record);
    std::fprintf(stderr, "tugra serve: OCSP responder certificate renewed (key %s)\n", record->key_label.c_str());
  }
  if (responder_renewal_due(responder()->cert.get(), now) && !renewal_requested_) {
    request_responder_renewal(config_, *db_);
    renewal_requested_ = true;
  }
  if (!responder_renewal_due(responder()->cert.get(), now)) renewal_requested_ = false;
}

void StatusService::run() {
  auto interval = std::chrono::milliseconds(config_.integer("service.poll_milliseconds"));
  while (!stopping_) {
    try {
      poll();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tugra serve: status poll failed: %s\n", e.what());
    }
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, interval, [this] { return stopping_.load(); });
  }
}

}  // namespace tugra::status
