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
  auto root = store::AuthorityRepository(*db_).find("root");
  if (!root || !root->certificate) throw UserError("ca.not_initialized", {{"home", config_.home().string()}});
  ca_der_["root"] = to_string(base64_decode(*root->certificate));
  sync_authorities(now_seconds());
  if (responders().empty()) throw UserError("ca.not_initialized", {{"home", config_.home().string()}});
  tsa_ = TimestampService::open(config_, *db_);
  // Every certificate ever issued, in change order.
  store::CertificateRepository(*db_).for_each_change(last_change_seq_, 10000, [&](const auto& rows) { apply(rows); });
  load_crls();
  ready_ = true;
  thread_ = std::thread([this] { run(); });
}

void StatusService::stop() {
  stopping_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SerialStatus StatusService::lookup(const std::string& issuer, const std::string& serial) const {
  std::shared_lock lock(index_mutex_);
  auto it = index_.find(serial);
  if (it == index_.end() || issuer_names_[it->second.issuer] != issuer) return SerialStatus{};
  return it->second.status;
}

void StatusService::apply(const std::vector<store::CertificateRepository::StatusRow>& rows) {
  std::vector<std::string> changed;
  {
    std::unique_lock lock(index_mutex_);
    for (const auto& row : rows) {
      last_change_seq_ = std::max(last_change_seq_, row.change_seq);
      if (row.issuer == "root") continue;  // issuing CA certificates: on the root CRL only
      auto name = std::find(issuer_names_.begin(), issuer_names_.end(), row.issuer);
      if (name == issuer_names_.end()) name = issuer_names_.insert(issuer_names_.end(), row.issuer);
      index_[row.serial] = {to_status(row), static_cast<std::uint16_t>(name - issuer_names_.begin())};
      changed.push_back(row.serial);
    }
  }
  if (!ready_) return;  // at start-up responses are signed on first request
  for (const auto& serial : changed) presign(serial);
}

namespace {
// RFC 5019 §6.2: a strong entity tag from the response's bytes, computed
// once when the response is signed, never per request.
std::string etag_of(const std::string& der) { return "\"" + ossl::sha256_hex(as_bytes(der)).substr(0, 32) + "\""; }

std::shared_ptr<const PresignedAnswer> presigned_answer(const Bytes& der, std::int64_t this_update,
                                                         std::int64_t next_update) {
  auto a = std::make_shared<PresignedAnswer>();
  a->der = to_string(der);
  a->etag = etag_of(a->der);
  a->this_update = this_update;
  a->next_update = next_update;
  a->last_modified = format_http_date(this_update);
  a->expires = format_http_date(next_update);
  a->header_lines = "ETag: " + a->etag + "\r\nLast-Modified: " + a->last_modified + "\r\nExpires: " + a->expires + "\r\n";
  return a;
}
}  // namespace

std::shared_ptr<const PresignedAnswer> StatusService::store(const std::string& key, const Bytes& der, Cached cached,
                                                            const SerialStatus* said) {
  auto answer = presigned_answer(der, cached.this_update, cached.next_update);
  cached.answer = answer;
  std::lock_guard lock(cache_mutex_);
  // The background thread changes the index first, then looks under
  // cache_mutex_ for the serial's cached answers to sign them again: a
  // change is either seen here, or finds this answer and replaces it.
  if (said && lookup(cached.issuer, cached.serial) != *said) return answer;
  auto& keys = by_serial_[cached.serial];
  if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  resign_queue_.emplace_back(cached.this_update, key);
  cache_[key] = std::move(cached);
  return answer;
}

std::shared_ptr<const PresignedAnswer> StatusService::fresh(const std::string& key) const {
  auto it = cache_.find(key);
  std::int64_t now = now_seconds();
  if (it == cache_.end() || now >= it->second.signer_not_after ||
      freshness::needs_renewal(it->second.this_update, it->second.next_update, now))
    return nullptr;
  return it->second.answer;
}

std::vector<std::shared_ptr<const StatusService::Responder>> StatusService::responders() const {
  std::lock_guard lock(responder_mutex_);
  return responders_;
}

std::shared_ptr<const StatusService::Responder> StatusService::responder_for(const std::string& issuer) const {
  std::lock_guard lock(responder_mutex_);
  for (const auto& r : responders_)
    if (r->issuer == issuer) return r;
  return nullptr;
}

void StatusService::install_responder(const store::AuthorityRecord& issuing, const store::AuthorityRecord& record) {
  auto r = std::make_shared<Responder>();
  r->issuer = issuing.id;
  r->issuer_cert = ossl::cert_from_der(base64_decode(issuing.certificate.value_or("")));
  r->certificate = record.certificate.value_or("");
  r->cert = ossl::cert_from_der(base64_decode(r->certificate));
  r->not_after = ossl::unix_seconds(X509_get0_notAfter(r->cert.get()));
  r->key = open_duty_signer(config_, Duty::status, record.key_label, parse_key_algorithm(record.key_algorithm).scheme);
  r->ocsp = std::make_unique<OcspResponder>(r->issuer_cert.get(), r->cert.get(), *r->key, validity_);
  bool replacing = false, new_certificate = true;
  {
    std::lock_guard lock(responder_mutex_);
    for (auto& existing : responders_)
      if (existing->issuer == issuing.id) {
        new_certificate = existing->certificate != r->certificate;
        existing = r;
        replacing = true;
      }
    if (!replacing) responders_.push_back(r);
  }
  if (!replacing || !new_certificate) return;  // the same certificate, key opened again: answers stay good
  // Every cached answer of this CA names the old certificate: none is fresh
  // any more, and the background thread signs each again with the new key.
  std::lock_guard lock(cache_mutex_);
  for (auto& [key, entry] : cache_) {
    if (entry.issuer != issuing.id) continue;
    entry.this_update = 0;
    resign_queue_.emplace_front(0, key);
  }
}

template <typename Fn>
bool StatusService::with_token(Fn&& fn) {
  try {
    fn();
    counters_.token_up = true;
    return true;
  } catch (const std::exception& e) {
    // A token that stopped signing (an HSM gone away) must not take the
    // server down: the answer is internalError, /healthz says "token".
    counters_.sign_failures++;
    if (counters_.token_up.exchange(false))
      std::fprintf(stderr, "tugra serve: the status token did not sign: %s\n", e.what());
    return false;
  }
}

void StatusService::resign(const std::string& key, const Cached& entry) {
  auto responder = responder_for(entry.issuer);
  std::int64_t now = now_seconds();
  if (!responder || now >= responder->not_after) return;  // nothing signs for it: answered live, tryLater
  Bytes der;
  if (!with_token([&] { der = responder->ocsp->sign_single(entry.cert_id, lookup(entry.issuer, entry.serial), now); }))
    return;  // the old answer stays until it is stale; the next round tries again
  store(key, der, {nullptr, entry.cert_id, entry.serial, entry.issuer, now, now + validity_, responder->not_after});
}

// After a status change: every cached answer about the serial is signed
// again, and the SHA-1 CertID most clients use is signed ahead of demand.
void StatusService::presign(const std::string& serial) {
  std::vector<std::pair<std::string, Cached>> known;
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = by_serial_.find(serial); it != by_serial_.end())
      for (const auto& key : it->second) known.emplace_back(key, cache_.at(key));
  }
  for (const auto& [key, entry] : known) resign(key, entry);
  if (!known.empty()) return;
  std::string issuer;
  {
    std::shared_lock lock(index_mutex_);
    if (auto it = index_.find(serial); it != index_.end()) issuer = issuer_names_[it->second.issuer];
  }
  auto responder = responder_for(issuer);
  std::int64_t now = now_seconds();
  if (!responder || now >= responder->not_after) return;
  Bytes cert_id, der;
  if (!with_token([&] { der = responder->ocsp->presign(serial, lookup(issuer, serial), now, cert_id); })) return;
  store(key_of(cert_id), der, {nullptr, cert_id, serial, issuer, now, now + validity_, responder->not_after});
}

std::shared_ptr<const PresignedAnswer> StatusService::presigned(std::string_view raw) {
  std::lock_guard lock(cache_mutex_);
  auto known = request_keys_.find(raw);
  if (known == request_keys_.end()) return nullptr;
  auto hit = fresh(known->second);
  if (hit) counters_.ocsp_cache_hits++;
  return hit;
}

std::shared_ptr<const PresignedAnswer> StatusService::presigned(std::string_view raw, ByteView request) {
  {
    std::lock_guard lock(cache_mutex_);
    if (auto known = request_keys_.find(raw); known != request_keys_.end()) {
      auto hit = fresh(known->second);
      if (hit) counters_.ocsp_cache_hits++;
      return hit;
    }
  }
  // First sight of these bytes: is it one CertID without a nonce?
  std::string key = key_of(OcspResponder::cache_key(request));
  if (key.empty()) return nullptr;
  std::lock_guard lock(cache_mutex_);
  if (request_keys_.size() > 1000000) request_keys_.clear();  // bounded against junk requests
  request_keys_.emplace(raw, key);
  auto hit = fresh(key);
  if (hit) counters_.ocsp_cache_hits++;
  return hit;
}

StatusService::OcspReply StatusService::sign(ByteView request) {
  counters_.ocsp_cache_misses++;
  // The responder of the CA the request names; a request no responder
  // serves is answered by the first (malformedRequest or unauthorized).
  auto all = responders();
  std::shared_ptr<const Responder> responder;
  if (all.size() == 1) responder = all.front();  // one generation: no second parse
  for (std::size_t i = 0; !responder && i < all.size(); ++i)
    if (all[i]->ocsp->serves(request)) responder = all[i];
  if (!responder && !all.empty()) responder = all.front();
  // An expired responder certificate never signs: relying parties are told
  // to try later until the ca role has certified the renewed key.
  std::int64_t now = now_seconds();
  if (!responder || now >= responder->not_after)
    return {nullptr, to_string(OcspResponder::error_response(OcspResponder::kTryLater))};
  const std::string& issuer = responder->issuer;
  OcspResponder::Answer answer;
  SerialStatus said;  // of the last serial looked up: with one CertID, the one cached
  auto look = [&](const std::string& serial) { return said = lookup(issuer, serial); };
  if (!with_token([&] { answer = responder->ocsp->respond(request, look, now); }))
    return {nullptr, to_string(OcspResponder::error_response(OcspResponder::kInternalError))};
  counters_.ocsp_live_signatures++;
  if (!answer.cacheable) return {nullptr, to_string(answer.der)};
  if (before_caching_) before_caching_();
  if (answer.serials.size() == 1)  // kept for the next request of this CertID
    return {store(key_of(answer.cert_id), answer.der,
                  {nullptr, answer.cert_id, answer.serials.front(), issuer, answer.this_update, answer.next_update,
                   responder->not_after},
                  &said),
            {}};
  return {presigned_answer(answer.der, answer.this_update, answer.next_update), {}};
}

std::shared_ptr<const CrlSnapshot> StatusService::crl(const std::string& ca) const {
  std::lock_guard lock(crl_mutex_);
  auto it = crls_.find(ca);
  return it == crls_.end() ? nullptr : it->second;
}

std::vector<std::string> StatusService::crl_names() const {
  std::lock_guard lock(crl_mutex_);
  std::vector<std::string> names;
  for (const auto& [name, snapshot] : crls_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

bool StatusService::healthy(std::string* problem) const {
  auto say = [&](const char* what) {
    if (problem) *problem = what;
    return false;
  };
  if (!ready_) return say("starting");
  if (!counters_.database_up) return say("database");
  if (!counters_.token_up) return say("token");
  std::lock_guard ca_lock(ca_mutex_);
  std::lock_guard lock(crl_mutex_);
  for (const auto& [id, der] : ca_der_)
    if (!crls_.count(id)) return say("crl");
  return true;
}

std::vector<CertificateExpiry> StatusService::expiries() const {
  std::vector<CertificateExpiry> out;
  {
    std::lock_guard lock(ca_mutex_);
    for (const auto& [id, der] : ca_der_)
      out.push_back({id, ossl::unix_seconds(X509_get0_notAfter(ossl::cert_from_der(as_bytes(der)).get()))});
  }
  for (const auto& r : responders()) out.push_back({r->issuer + "-ocsp", r->not_after});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

std::string StatusService::ca_certificate(const std::string& ca) const {
  std::lock_guard lock(ca_mutex_);
  auto it = ca_der_.find(ca);
  return it == ca_der_.end() ? std::string() : it->second;
}

void StatusService::load_crls() {
  store::CrlRepository crls(*db_);
  // A CRL is read (up to 49 MB for a million entries) only when newer than the one served:
  // a delta CRL published does not read its full CRL again.
  auto served_number = [&](const std::string& name) {
    auto current = crl(name);
    return current ? current->number : 0;
  };
  auto serve = [&](const std::string& name, std::optional<store::CrlRecord> latest) {
    if (!latest) return;
    auto snapshot = std::make_shared<CrlSnapshot>(CrlSnapshot{std::move(latest->der), latest->number,
                                                              latest->this_update, latest->next_update,
                                                              latest->delta_base});
    std::lock_guard lock(crl_mutex_);
    crls_[name] = std::move(snapshot);
  };
  bool deltas = config_.integer("crl.full_every_minutes") > 0;
  std::vector<std::string> ids = issuing_ids_;
  ids.push_back("root");
  for (const auto& id : ids) {
    // The number alone tells whether the `ca` role published anything; CRLs are read only then.
    std::int64_t newest = crls.latest_number(id);
    auto& seen = seen_crl_numbers_[id];
    if (newest <= seen) continue;
    seen = newest;
    serve(id, crls.latest(id, served_number(id)));
    if (deltas && id != "root") serve(id + "-delta", crls.latest_delta(id, served_number(id + "-delta")));
  }
}

void StatusService::poll() {
  // Small reads: most rounds find nothing.
  store::CertificateRepository(*db_).for_each_change(last_change_seq_, 512, [&](const auto& rows) { apply(rows); });
  std::int64_t now = now_seconds();
  sync_authorities(now);
  if (tsa_) tsa_->sync(*db_, now);
  load_crls();

  // Re-sign cached responses at half their validity, oldest first. A queue
  // entry whose response was signed again since is skipped.
  for (;;) {
    std::string key;
    Cached entry;
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
      entry = it->second;
    }
    resign(key, entry);
  }
}

// Issuing CAs and their responders as the database has them: a new
// generation (a rollover) is served as soon as its responder is certified,
// and a new responder certificate is taken into use. A responder key is
// requested from the ca role once less than a third of the current
// certificate's life is left (responder_renewal.hpp), and for a new
// generation that has none yet.
void StatusService::sync_authorities(std::int64_t now) {
  auto all = store::AuthorityRepository(*db_).all();
  // A token that stopped signing is opened again, each round until it works
  // (an HSM back after a restart, SoftHSM2 after its files were restored).
  bool reopen = !counters_.token_up;
  for (const auto& issuing : all) {
    if (issuing.kind != "issuing-ca" || !issuing.certificate) continue;
    if (!issuing_not_after_.count(issuing.id)) {
      issuing_ids_.push_back(issuing.id);
      auto cert = ossl::cert_from_der(base64_decode(*issuing.certificate));
      issuing_not_after_[issuing.id] = ossl::unix_seconds(X509_get0_notAfter(cert.get()));
      std::lock_guard lock(ca_mutex_);
      ca_der_[issuing.id] = to_string(base64_decode(*issuing.certificate));
    }
    const store::AuthorityRecord* record = nullptr;
    for (const auto& a : all)
      if (a.id == store::responder_of(issuing.id) && a.certificate) record = &a;
    auto current = responder_for(issuing.id);
    if (record && current && reopen && *record->certificate == current->certificate) {
      try {
        install_responder(issuing, *record);
        counters_.token_up = true;
        std::fprintf(stderr, "tugra serve: the status token signs again (%s)\n", issuing.id.c_str());
      } catch (const std::exception&) {
        reopen = false;  // still away (said once, when it stopped signing): try again next round
      }
      current = responder_for(issuing.id);
    }
    if (record && (!current || *record->certificate != current->certificate)) {
      install_responder(issuing, *record);
      if (current)
        std::fprintf(stderr, "tugra serve: OCSP responder certificate of %s renewed (key %s)\n", issuing.id.c_str(),
                     record->key_label.c_str());
      current = responder_for(issuing.id);
    }
    bool issuing_live = now < issuing_not_after_[issuing.id];
    bool due = issuing_live && (!current || responder_renewal_due(current->cert.get(), now));
    bool& requested = renewal_requested_[issuing.id];
    if (due && !requested) {
      request_responder_renewal(config_, *db_, issuing.id, record ? *record->certificate : "");
      requested = true;
    }
    if (!due) requested = false;
  }
}

// Answers keep coming from memory while the database is away; the round
// that fails reconnects (waiting longer each time, up to 5 s) and the next
// one catches up on everything changed meanwhile (change_seq).
void StatusService::run() {
  auto interval = std::chrono::milliseconds(config_.integer("service.poll_milliseconds"));
  auto backoff = interval;
  while (!stopping_) {
    auto wait = interval;
    try {
      poll();
      counters_.database_up = true;
      backoff = interval;
    } catch (const std::exception& e) {
      counters_.poll_failures++;
      counters_.database_up = false;
      std::fprintf(stderr, "tugra serve: status poll failed: %s\n", e.what());
      if (!db_->recover()) {
        backoff = std::min<std::chrono::milliseconds>(backoff * 2, std::chrono::milliseconds(5000));
        wait = backoff;
      }
    }
    std::unique_lock lock(wake_mutex_);
    wake_.wait_for(lock, wait, [this] { return stopping_.load(); });
  }
}

}  // namespace tugra::status
