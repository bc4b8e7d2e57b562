#include "status/timestamp_service.hpp"

#include <sys/timex.h>

#include <cstdio>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/signer.hpp"
#include "status/responder_renewal.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace tugra::status {

// The first issuing CA's unit: the one `init` makes.
constexpr const char* kTsaId = "nes-tsa";

TimestampService::Unit::~Unit() = default;

std::unique_ptr<TimestampService> TimestampService::open(const Config& config, store::Database& db) {
  auto record = store::AuthorityRepository(db).find(kTsaId);
  if (!record || !record->certificate) return nullptr;
  std::unique_ptr<TimestampService> service(new TimestampService(config));
  service->require_synchronised_ = config.boolean("tsa.require_synchronised_clock");
  service->install(record->key_label, record->key_algorithm, *record->certificate);
  return service;
}

TimestampService::~TimestampService() = default;

void TimestampService::install(const std::string& key_label, const std::string& key_algorithm,
                               const std::string& certificate) {
  auto u = std::make_shared<Unit>();
  u->certificate = certificate;
  u->cert = ossl::cert_from_der(base64_decode(certificate));
  u->not_after = ossl::unix_seconds(X509_get0_notAfter(u->cert.get()));
  u->key = open_duty_signer(config_, Duty::tsa, key_label, parse_key_algorithm(key_algorithm).scheme);
  u->tsa = std::make_unique<TimestampAuthority>(
      *u->key, u->cert.get(), TsaSettings{config_.str("tsa.policy_oid"), config_.integer("tsa.accuracy_millis")},
      counters_);
  std::lock_guard lock(mutex_);
  unit_ = std::move(u);
}

std::shared_ptr<const TimestampService::Unit> TimestampService::unit() const {
  std::lock_guard lock(mutex_);
  return unit_;
}

std::int64_t TimestampService::not_after() const { return unit()->not_after; }

void TimestampService::sync(store::Database& db, std::int64_t now) {
  auto record = store::AuthorityRepository(db).find(kTsaId);
  auto current = unit();
  // The TSA token's own trouble (a new key that cannot be made or opened)
  // is said once and tried again each round; it is not the database's.
  try {
    if (record && record->certificate && *record->certificate != current->certificate) {
      install(record->key_label, record->key_algorithm, *record->certificate);
      std::fprintf(stderr, "tugra serve: time-stamping certificate renewed (key %s)\n", record->key_label.c_str());
      current = unit();
      renewal_requested_ = false;
    }
    if (responder_renewal_due(current->cert.get(), now) && !renewal_requested_) {
      request_certificate_renewal(config_, db, kTsaId, current->certificate);
      renewal_requested_ = true;
    }
  } catch (const UserError& e) {
    if (failures_++ == 0) std::fprintf(stderr, "tugra serve: time-stamping key: %s\n", e.what());
  }
}

bool TimestampService::clock_ok() const {
  if (!require_synchronised_) return true;
  timex tx{};
  return ::adjtimex(&tx) != TIME_ERROR;
}

Bytes TimestampService::respond(ByteView query) {
  auto u = unit();
  std::int64_t now = now_micros();
  // An expired TSA certificate never signs.
  if (now / 1000000 >= u->not_after) {
    counters_.rejected++;
    return TimestampAuthority::rejection(TimestampAuthority::kTimeNotAvailable, "the TSA certificate has expired");
  }
  try {
    return u->tsa->respond(query, now, clock_ok());
  } catch (const std::exception& e) {
    // The token did not sign (an HSM gone away): refused, never a crash.
    if (failures_++ == 0) std::fprintf(stderr, "tugra serve: the TSA token did not sign: %s\n", e.what());
    counters_.rejected++;
    return TimestampAuthority::rejection(TimestampAuthority::kSystemFailure, "the TSA could not sign");
  }
}

}  // namespace tugra::status
