// RFC 5280 CRLReason codes as the CLI and portals name them.
#pragma once

#include <string>

namespace tugra::ca {

inline constexpr int kReasonCertificateHold = 6;
inline constexpr int kReasonRemoveFromCrl = 8;  // delta CRLs only: a suspension was lifted

// Reasons a holder's certificate may be revoked with: unspecified,
// keyCompromise, affiliationChanged, superseded, cessationOfOperation,
// privilegeWithdrawn. certificateHold is a suspension (see suspend), and the
// CA/AA compromise reasons do not apply to end-entity certificates.
// Throws UserError("ca.unknown_reason").
int parse_revocation_reason(const std::string& name);
std::string revocation_reason_name(int code);

}  // namespace tugra::ca
