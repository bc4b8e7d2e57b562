// libFuzzer target: everything Tugra does with an OCSP request from the
// network — the GET path's percent and base64 decoding, the cache-key parse
// and the full responder — on arbitrary bytes.
#include <cstddef>
#include <cstdint>
#include <string>

#include "status/ocsp_responder.hpp"
#include "common/url.hpp"
#include "fuzz_ca.hpp"

namespace {

struct Fixture {
  tugra::fuzz::FuzzCa ca;
  std::unique_ptr<tugra::SoftwareSigner> responder_key = tugra::fuzz::FuzzCa::new_key();
  tugra::ossl::Cert responder_cert;
  std::unique_ptr<tugra::status::OcspResponder> responder;

  Fixture() {
    auto ocsp = tugra::ca::ocsp_responder(ca.settings, "Fuzz OCSP",
                                          tugra::ossl::PublicKey::from_der(responder_key->public_key_der()),
                                          ca.validity, ca.cert.get());
    responder_cert = ca.certify(ocsp);
    responder = std::make_unique<tugra::status::OcspResponder>(ca.cert.get(), responder_cert.get(), *responder_key, 3600);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  tugra::ByteView input(data, size);
  auto lookup = [](const std::string& serial) {
    tugra::status::SerialStatus s;
    if (!serial.empty() && serial.back() == '1') s.state = tugra::status::SerialStatus::State::good;
    if (!serial.empty() && serial.back() == '2') s = {tugra::status::SerialStatus::State::revoked, 1700000000, 1};
    return s;
  };
  auto answer = fixture.responder->respond(input, lookup, 1700000000);
  // The status service picks a CA generation's responder by the request's
  // first CertID: one that serves a request never calls it another issuer's.
  if (fixture.responder->serves(input) &&
      answer.der == tugra::status::OcspResponder::error_response(tugra::status::OcspResponder::kUnauthorized) &&
      answer.serials.empty() && tugra::status::OcspResponder::cache_key(input).size() > 0)
    std::abort();
  tugra::status::OcspResponder::cache_key(input);
  try {
    auto der = tugra::base64_decode(tugra::percent_decode(std::string(input.begin(), input.end())));
    fixture.responder->respond(der, lookup, 1700000000);
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
