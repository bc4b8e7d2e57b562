#include "status/timestamp_service.hpp"

#include <sys/timex.h>

#include <cstdio>

#include "common/clock.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/signer.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace tugra::status {

std::unique_ptr<TimestampService> TimestampService::open(const Config& config) {
  auto record = store::AuthorityRepository(*store::Database::open(config)).find("nes-tsa");
  if (!record || !record->certificate) return nullptr;
  std::unique_ptr<TimestampService> service(new TimestampService());
  service->cert_ = ossl::cert_from_der(base64_decode(*record->certificate));
  service->not_after_ = ossl::unix_seconds(X509_get0_notAfter(service->cert_.get()));
  service->key_ = open_duty_signer(config, Duty::tsa, record->key_label, parse_key_algorithm(record->key_algorithm).scheme);
  service->require_synchronised_ = config.boolean("tsa.require_synchronised_clock");
  service->tsa_ = std::make_unique<TimestampAuthority>(
      *service->key_, service->cert_.get(),
      TsaSettings{config.str("tsa.policy_oid"), config.integer("tsa.accuracy_millis")});
  return service;
}

TimestampService::~TimestampService() = default;

bool TimestampService::clock_ok() const {
  if (!require_synchronised_) return true;
  timex tx{};
  return ::adjtimex(&tx) != TIME_ERROR;
}

Bytes TimestampService::respond(ByteView query) {
  std::int64_t now = now_micros();
  // An expired TSA certificate never signs.
  if (now / 1000000 >= not_after_) {
    tsa_->counters().rejected++;
    return TimestampAuthority::rejection(TimestampAuthority::kTimeNotAvailable, "the TSA certificate has expired");
  }
  try {
    return tsa_->respond(query, now, clock_ok());
  } catch (const std::exception& e) {
    // The token did not sign (an HSM gone away): refused, never a crash.
    if (failures_++ == 0) std::fprintf(stderr, "tugra serve: the TSA token did not sign: %s\n", e.what());
    tsa_->counters().rejected++;
    return TimestampAuthority::rejection(TimestampAuthority::kSystemFailure, "the TSA could not sign");
  }
}

}  // namespace tugra::status
