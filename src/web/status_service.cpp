#include "web/status_service.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/clock.hpp"
#include "crypto/openssl.hpp"

namespace tugra::web {

namespace {

ca::SerialStatus to_status(const store::CertificateRepository::StatusRow& row) {
  ca::SerialStatus s;
  switch (row.status) {
    case store::CertStatus::valid: s.state = ca::SerialStatus::State::good; break;
    case store::CertStatus::suspended:
    case store::CertStatus::revoked:
      s.state = ca::SerialStatus::State::revoked;
      s.revoked_at = row.revoked_at;
      s.reason = row.reason;
      break;
    case store::CertStatus::pending: s.state = ca::SerialStatus::State::never_issued; break;
  }
  return s;
}

std::string key_of(const Bytes& cert_id) { return std::string(cert_id.begin(), cert_id.end()); }

}  // namespace

StatusService::StatusService(const Config& config) : config_(config) {}

StatusService::~StatusService() { stop(); }

void StatusService::start() {
  ca_ = ca::CertificateAuthority::open(config_, "serve");
  for (const char* id : {"root", "nes"})
    ca_der_[id] = to_string(base64_decode(ca_->authority(id).certificate.value_or("")));
  issuer_ = ossl::cert_from_der(as_bytes(ca_der_["nes"]));
  responder_cert_ = ossl::cert_from_der(base64_decode(ca_->authority("nes-ocsp").certificate.value_or("")));
  responder_ = std::make_unique<ca::OcspResponder>(issuer_.get(), responder_cert_.get(),
                                                   ca_->signer_for("nes-ocsp"),
                                                   config_.integer("ocsp.validity_hours") * 3600);
  // Every certificate ever issued, in change order.
  for (;;) {
    auto rows = store::CertificateRepository(ca_->database()).changed_since(last_change_seq_, 100000);
    if (rows.empty()) break;
    apply(rows);
  }
  for (const char* id : {"nes", "root"}) refresh_crl(id, false);
  ready_ = true;
  thread_ = std::thread([this] { run(); });
}

void StatusService::stop() {
  stopping_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

ca::SerialStatus StatusService::lookup(const std::string& serial) const {
  std::shared_lock lock(index_mutex_);
  auto it = index_.find(serial);
  return it == index_.end() ? ca::SerialStatus{} : it->second;
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
  {
    std::lock_guard lock(cache_mutex_);
    for (auto it = cache_.begin(); it != cache_.end();)
      it = std::find(changed.begin(), changed.end(), it->second.serial) != changed.end() ? cache_.erase(it)
                                                                                         : std::next(it);
  }
  for (const auto& serial : changed) presign(serial);
  std::lock_guard lock(crl_mutex_);
  if (!crl_dirty_since_) crl_dirty_since_ = now_seconds();
}

void StatusService::presign(const std::string& serial) {
  Bytes cert_id;
  std::int64_t now = now_seconds();
  Bytes der = responder_->presign(serial, lookup(serial), now, cert_id);
  std::lock_guard lock(cache_mutex_);
  cache_[key_of(cert_id)] = {to_string(der), cert_id, serial, now, now + responder_->validity()};
}

StatusService::OcspReply StatusService::ocsp(ByteView request) {
  std::string request_text(request.begin(), request.end());
  std::string key;
  {
    std::lock_guard lock(cache_mutex_);
    auto known = request_keys_.find(request_text);
    if (known != request_keys_.end()) {
      auto it = cache_.find(known->second);
      if (it != cache_.end() && it->second.this_update + responder_->validity() / 2 > now_seconds()) {
        counters_.ocsp_cache_hits++;
        return {it->second.der, true, it->second.this_update, it->second.next_update};
      }
      key = known->second;
    }
  }
  if (key.empty()) {
    key = key_of(ca::OcspResponder::cache_key(request));
    if (!key.empty()) {
      std::lock_guard lock(cache_mutex_);
      if (request_keys_.size() > 1000000) request_keys_.clear();  // bounded against junk requests
      request_keys_[request_text] = key;
      auto it = cache_.find(key);
      if (it != cache_.end() && it->second.this_update + responder_->validity() / 2 > now_seconds()) {
        counters_.ocsp_cache_hits++;
        return {it->second.der, true, it->second.this_update, it->second.next_update};
      }
    }
  }
  counters_.ocsp_cache_misses++;
  auto answer = responder_->respond(request, [this](const std::string& s) { return lookup(s); }, now_seconds());
  counters_.ocsp_live_signatures++;
  if (answer.cacheable && answer.serials.size() == 1) {
    std::lock_guard lock(cache_mutex_);
    cache_[key_of(answer.cert_id)] = {to_string(answer.der), answer.cert_id, answer.serials.front(),
                                      answer.this_update, answer.next_update};
  }
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

void StatusService::refresh_crl(const std::string& ca, bool force) {
  std::int64_t now = now_seconds();
  std::optional<store::CrlRecord> latest;
  if (!force) latest = store::CrlRepository(ca_->database()).latest(ca);
  // A new CRL on demand, when there is none, or when half its life is gone.
  if (force || !latest || now >= latest->this_update + (latest->next_update - latest->this_update) / 2)
    latest = ca_->publish_crl(ca);
  auto snapshot = std::make_shared<CrlSnapshot>(
      CrlSnapshot{to_string(base64_decode(latest->der)), latest->number, latest->this_update, latest->next_update});
  std::lock_guard lock(crl_mutex_);
  crls_[ca] = std::move(snapshot);
}

void StatusService::poll() {
  auto rows = store::CertificateRepository(ca_->database()).changed_since(last_change_seq_, 100000);
  if (!rows.empty()) apply(rows);

  std::int64_t now = now_seconds();
  bool publish = false;
  {
    std::lock_guard lock(crl_mutex_);
    publish = crl_dirty_since_ && now - crl_dirty_since_ >= config_.integer("crl.debounce_seconds");
    if (publish) crl_dirty_since_ = 0;
  }
  for (std::string id : {"nes", "root"}) {
    auto current = crl(id);
    bool force = publish && id == "nes";
    bool stale = !current || now >= current->this_update + (current->next_update - current->this_update) / 2;
    // Another process (`tugra crl generate`) may have published a newer one.
    bool newer = current && store::CrlRepository(ca_->database()).latest_number(id) > current->number;
    if (force || stale || newer) refresh_crl(id, force);
  }

  // Re-sign cached responses at half their validity.
  std::vector<std::pair<std::string, Bytes>> stale;
  {
    std::lock_guard lock(cache_mutex_);
    for (const auto& [key, c] : cache_)
      if (c.this_update + responder_->validity() / 2 <= now) stale.emplace_back(c.serial, c.cert_id);
  }
  for (const auto& [serial, cert_id] : stale) {
    Bytes der = responder_->sign_single(cert_id, lookup(serial), now);
    std::lock_guard lock(cache_mutex_);
    cache_[key_of(cert_id)] = {to_string(der), cert_id, serial, now, now + responder_->validity()};
  }
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

}  // namespace tugra::web
