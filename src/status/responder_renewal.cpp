#include "status/responder_renewal.hpp"

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

std::int64_t request_responder_renewal(const Config& config, store::Database& db) {
  store::SigningRequestRepository requests(db);
  for (const auto& r : requests.pending())
    if (r.authority_id == "nes-ocsp") return r.id;
  auto authority = store::AuthorityRepository(db).find("nes-ocsp");
  if (!authority) throw UserError("ca.not_initialized", {{"home", config.home().string()}});
  // A new label per key: the old key keeps signing until the new certificate is in place.
  store::SigningRequest request;
  request.authority_id = "nes-ocsp";
  request.key_label = "tugra-nes-ocsp-" + std::to_string(now_seconds());
  auto token = open_duty_token(config, Duty::status);
  Bytes spki = token->has_key(request.key_label)
                   ? token->public_key(request.key_label)
                   : token->generate_key(parse_key_algorithm(authority->key_algorithm).key, request.key_label);
  request.public_key = base64_encode(spki);
  store::Transaction tx(db);
  requests.insert(request);
  tx.commit();
  return request.id;
}

}  // namespace tugra::status
