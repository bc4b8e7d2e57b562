// libFuzzer target: the time-stamping authority on arbitrary bytes from the
// network (the TimeStampReq parse, every refusal path and the signed reply).
#include <cstddef>
#include <cstdint>

#include "fuzz_ca.hpp"
#include "status/timestamp_authority.hpp"

namespace {

struct Fixture {
  tugra::fuzz::FuzzCa ca;
  std::unique_ptr<tugra::SoftwareSigner> tsa_key = tugra::fuzz::FuzzCa::new_key();
  tugra::ossl::Cert tsa_cert;
  tugra::status::TsaCounters counters;
  std::unique_ptr<tugra::status::TimestampAuthority> tsa;

  Fixture() {
    auto unit = tugra::ca::time_stamping_unit(ca.settings, "Fuzz TSA",
                                              tugra::ossl::PublicKey::from_der(tsa_key->public_key_der()),
                                              ca.validity, ca.cert.get(), "fuzz");
    tsa_cert = ca.certify(unit);
    tsa = std::make_unique<tugra::status::TimestampAuthority>(*tsa_key, tsa_cert.get(),
                                                              tugra::status::TsaSettings{"2.999.5070.2.1", 1000}, counters);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  auto reply = fixture.tsa->respond(tugra::ByteView(data, size), 1700000000123456, size % 2 == 0);
  if (reply.empty() || reply[0] != 0x30) __builtin_trap();  // always a TimeStampResp SEQUENCE
  return 0;
}
