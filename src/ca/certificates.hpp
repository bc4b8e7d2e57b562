// Holder certificates as the database knows them, and their status changes
// (suspend, lift, revoke). A status change is a ledger write: it needs the
// audit key, never a CA key, so the portal and the CLI make them on hosts
// that hold no CA token; the status service and the `ca` role's CRL
// publisher pick them up from the database.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/ledger.hpp"
#include "store/records.hpp"

namespace tugra::ca {

// Upper-case hex without separators; accepts "0x", colons and any case.
std::string normalize_serial(const std::string& text);

// Who asks for a status change (the audit record's actor; default: the
// ledger's), and what else must be written in the same transaction.
struct StatusOptions {
  std::string actor;
  std::function<void(const store::CertificateRecord&)> also;
  // unsuspend() only: refuse unless `actor` placed the suspension (a holder
  // lifts their own; the CA's or the call centre's is an operator's to lift).
  bool only_own_suspension = false;
};

class Certificates {
 public:
  explicit Certificates(store::Ledger& ledger) : ledger_(ledger) {}

  std::optional<store::CertificateRecord> find(const std::string& serial);
  std::vector<store::CertificateRecord> list(const std::string& tckn);
  // The certificate issued (or being issued) for an IssueRequest::request_id.
  std::optional<store::CertificateRecord> find_by_request_id(const std::string& request_id);

  store::CertificateRecord revoke(const std::string& serial, int reason, const StatusOptions& options = {});
  store::CertificateRecord suspend(const std::string& serial, const StatusOptions& options = {});
  store::CertificateRecord unsuspend(const std::string& serial, const StatusOptions& options = {});

 private:
  store::CertificateRecord change(const std::string& serial, const char* event,
                                  const std::function<void(store::CertificateRecord&)>& apply,
                                  const StatusOptions& options);
  store::Ledger& ledger_;
};

}  // namespace tugra::ca
