#include "status/responder_renewal.hpp"

#include <random>

#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/algorithm.hpp"
#include "crypto/duty_token.hpp"
#include "crypto/openssl.hpp"
#include "store/database.hpp"
#include "store/records.hpp"

namespace tugra::status {

bool responder_renewal_due(const X509* cert, std::int64_t now) {
  std::int64_t from = ossl::unix_seconds(X509_get0_notBefore(cert));
  std::int64_t until = ossl::unix_seconds(X509_get0_notAfter(cert));
  return now >= until - (until - from) / 3;
}

std::string stored_certificate(store::Database& db, const std::string& authority_id) {
  auto record = store::AuthorityRepository(db).find(authority_id);
  return record ? record->certificate.value_or("") : "";
}

std::string stored_responder_certificate(store::Database& db, const std::string& issuing_id) {
  return stored_certificate(db, store::responder_of(issuing_id));
}

std::int64_t request_responder_renewal(const Config& config, store::Database& db, const std::string& issuing_id,
                                       const std::string& seen) {
  auto issuing = store::AuthorityRepository(db).find(issuing_id);
  if (!issuing || issuing->kind != "issuing-ca") throw UserError("crl.unknown_ca", {{"ca", issuing_id}});
  return request_certificate_renewal(config, db, store::responder_of(issuing_id), seen);
}

std::int64_t request_certificate_renewal(const Config& config, store::Database& db, const std::string& authority_id,
                                         const std::string& seen) {
  store::AuthorityRepository authorities(db);
  store::SigningRequestRepository requests(db);
  auto pending = [&]() -> std::int64_t {
    for (const auto& r : requests.pending())
      if (r.authority_id == authority_id) return r.id;
    return 0;
  };
  if (auto id = pending()) return id;
  if (stored_certificate(db, authority_id) != seen) return 0;
  Duty duty = duty_of_authority(authority_id);
  auto current = authorities.find(authority_id);
  std::string algorithm = current ? current->key_algorithm
                                  : config.str(duty == Duty::tsa ? "ca.tsa_key_algorithm" : "ca.ocsp_key_algorithm");
  // A new label per key: the old key keeps signing until the new certificate is in place.
  store::SigningRequest request;
  request.authority_id = authority_id;
  // Time and a random tail: two processes asking in the same second never share a label.
  request.key_label = "tugra-" + authority_id + "-" + std::to_string(now_seconds()) + "-" +
                      std::to_string(std::random_device{}() % 100000);
  auto token = open_duty_token(config, duty);
  request.public_key = base64_encode(token->generate_key(parse_key_algorithm(algorithm).key, request.key_label));
  store::Transaction tx(db);
  // Writers are serialised: looked at again here, a request another process
  // queued or a renewal it completed meanwhile (the status role and `tugra
  // ocsp renew` at once) is seen, and this key, which nobody will certify,
  // is destroyed.
  std::int64_t other = pending();
  if (other || stored_certificate(db, authority_id) != seen) {
    tx.commit();
    token->destroy_key(request.key_label);
    return other;
  }
  requests.insert(request);
  tx.commit();
  return request.id;
}

}  // namespace tugra::status
