// The optional LDAP directory (directory.ldap_url): the certificates their
// holders chose to publish, as userCertificate;binary of
// "uid=<serial>,ou=certificates,<base>" (inetOrgPerson: name,
// surname, institution, and "revoked"/"suspended" in description while it
// is not valid), and each CA's newest CRL as certificateRevocationList;binary
// of "cn=<authority>,ou=authorities,<base>" (cRLDistributionPoint, with the
// CA certificate). Relying parties that look certificates and CRLs up over
// LDAP, as Turkish providers' directories serve them, read them there.
// Written through OpenLDAP's own client library.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/bytes.hpp"

namespace tugra::store {
class Ledger;
}

namespace tugra::ra {

struct LdapSettings {
  std::string url;      // ldap://host:port ("" : no directory)
  std::string base_dn;  // the subtree Tugra writes under (it must exist)
  std::string bind_dn;
  std::string password;
};

class LdapConnection;

// Follows the certificates' change sequence and the CRL numbers, and
// writes what changed since the last call (cursors in the database, so a
// restart carries on). Throws std::runtime_error when the server refuses.
class LdapPublisher {
 public:
  explicit LdapPublisher(LdapSettings settings);
  ~LdapPublisher();
  // Returns the number of entries written.
  int publish(store::Ledger& ledger);

 private:
  LdapConnection& connection();

  LdapSettings settings_;
  std::unique_ptr<LdapConnection> connection_;
};

}  // namespace tugra::ra
