#include "ca/certificates.hpp"

#include <nlohmann/json.hpp>

#include "ca/revocation.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "store/states.hpp"

namespace tugra::ca {

std::string normalize_serial(const std::string& text) {
  std::string s;
  std::string_view in(text);
  if (in.rfind("0x", 0) == 0 || in.rfind("0X", 0) == 0) in.remove_prefix(2);
  for (char c : in) {
    if (c == ':' || c == ' ') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) throw UserError("ca.bad_serial", {{"serial", text}});
    s.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  while (s.size() > 2 && s.substr(0, 2) == "00") s.erase(0, 2);
  if (s.empty() || s.size() > 40) throw UserError("ca.bad_serial", {{"serial", text}});
  if (s.size() % 2) s = "0" + s;
  return s;
}

std::optional<store::CertificateRecord> Certificates::find(const std::string& serial) {
  return store::CertificateRepository(ledger_.database()).find(normalize_serial(serial));
}

std::optional<store::CertificateRecord> Certificates::find_by_request_id(const std::string& request_id) {
  return store::CertificateRepository(ledger_.database()).find_by_request_key("id:" + request_id);
}

std::vector<store::CertificateRecord> Certificates::list(const std::string& tckn) {
  return store::CertificateRepository(ledger_.database()).list(tckn);
}

// Read, check and write in one transaction, and write only if the row is
// still in the state that was checked: of two concurrent changes, one wins
// and the other is refused with the state it found.
store::CertificateRecord Certificates::change(const std::string& serial_text, const char* event,
                                              const std::function<void(store::CertificateRecord&)>& apply,
                                              const StatusOptions& options) {
  std::string serial = normalize_serial(serial_text);
  store::CertificateRecord result;
  ledger_.write([&] {
    store::CertificateRepository certs(ledger_.database());
    auto rec = certs.find(serial);
    if (!rec) throw UserError("ca.not_found", {{"serial", serial}});
    if (rec->status == store::CertStatus::pending) throw UserError("ca.not_issued", {{"serial", serial}});
    store::CertStatus before = rec->status;
    apply(*rec);
    if (!store::allowed(before, rec->status) ||
        !certs.set_status(serial, before, rec->status, rec->revoked_at, rec->revocation_reason, rec->suspended_by))
      throw UserError("ca.status_changed", {{"serial", serial}});
    nlohmann::json details = {{"status", store::to_string(rec->status)}, {"tckn", rec->tckn}};
    if (rec->revocation_reason) details["reason"] = *rec->revocation_reason;
    if (!rec->suspended_by.empty()) details["suspended_by"] = rec->suspended_by;
    certs.mark_changed(serial, ledger_.record(event, serial, details.dump(), options.actor).seq);
    if (options.also) options.also(*rec);
    result = *rec;
  });
  return result;
}

store::CertificateRecord Certificates::revoke(const std::string& serial, int reason, const StatusOptions& options) {
  return change(serial, "certificate.revoked", [&](store::CertificateRecord& r) {
    if (r.status == store::CertStatus::revoked) throw UserError("ca.already_revoked", {{"serial", r.serial}});
    r.status = store::CertStatus::revoked;
    r.revoked_at = now_seconds();
    r.revocation_reason = reason;
    r.suspended_by.clear();
  }, options);
}

store::CertificateRecord Certificates::suspend(const std::string& serial, const StatusOptions& options) {
  return change(serial, "certificate.suspended", [&](store::CertificateRecord& r) {
    if (r.status == store::CertStatus::revoked) throw UserError("ca.already_revoked", {{"serial", r.serial}});
    if (r.status == store::CertStatus::suspended) throw UserError("ca.already_suspended", {{"serial", r.serial}});
    r.status = store::CertStatus::suspended;
    r.revoked_at = now_seconds();
    r.revocation_reason = kReasonCertificateHold;
    r.suspended_by = options.actor.empty() ? ledger_.actor() : options.actor;
  }, options);
}

store::CertificateRecord Certificates::unsuspend(const std::string& serial, const StatusOptions& options) {
  return change(serial, "certificate.unsuspended", [&](store::CertificateRecord& r) {
    if (r.status != store::CertStatus::suspended) throw UserError("ca.not_suspended", {{"serial", r.serial}});
    if (options.only_own_suspension && r.suspended_by != options.actor)
      throw UserError("ca.suspended_by_other", {{"serial", r.serial}});
    r.status = store::CertStatus::valid;
    r.suspended_by.clear();
    r.revoked_at.reset();
    r.revocation_reason.reset();
  }, options);
}

}  // namespace tugra::ca
