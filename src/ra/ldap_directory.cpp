#include "ra/ldap_directory.hpp"

#include <ldap.h>

#include <stdexcept>
#include <vector>

#include "ra/directory.hpp"
#include "store/api_records.hpp"
#include "store/database.hpp"
#include "store/ledger.hpp"
#include "store/records.hpp"

namespace tugra::ra {

// One bound connection; the values of an entry as OpenLDAP's LDAPMod lists.
class LdapConnection {
 public:
  explicit LdapConnection(const LdapSettings& s) {
    check(ldap_initialize(&ld_, s.url.c_str()), "ldap_initialize");
    int version = LDAP_VERSION3;
    ldap_set_option(ld_, LDAP_OPT_PROTOCOL_VERSION, &version);
    timeval timeout{10, 0};
    ldap_set_option(ld_, LDAP_OPT_NETWORK_TIMEOUT, &timeout);
    berval password{static_cast<ber_len_t>(s.password.size()), const_cast<char*>(s.password.data())};
    check(ldap_sasl_bind_s(ld_, s.bind_dn.c_str(), LDAP_SASL_SIMPLE, &password, nullptr, nullptr, nullptr), "bind");
  }
  ~LdapConnection() { ldap_unbind_ext_s(ld_, nullptr, nullptr); }
  LdapConnection(const LdapConnection&) = delete;
  LdapConnection& operator=(const LdapConnection&) = delete;

  // An attribute and its values (binary-safe).
  struct Attribute {
    std::string name;
    std::vector<std::string> values;
  };

  // Adds the entry, or replaces these attributes of the one already there.
  void put(const std::string& dn, const std::vector<Attribute>& attributes) {
    std::vector<std::vector<berval>> values(attributes.size());
    std::vector<std::vector<berval*>> pointers(attributes.size());
    std::vector<LDAPMod> mods(attributes.size());
    std::vector<LDAPMod*> list;
    for (std::size_t i = 0; i < attributes.size(); ++i) {
      for (const auto& v : attributes[i].values)
        values[i].push_back(berval{static_cast<ber_len_t>(v.size()), const_cast<char*>(v.data())});
      for (auto& b : values[i]) pointers[i].push_back(&b);
      pointers[i].push_back(nullptr);
      mods[i].mod_op = LDAP_MOD_BVALUES;
      mods[i].mod_type = const_cast<char*>(attributes[i].name.c_str());
      mods[i].mod_bvalues = pointers[i].data();
      list.push_back(&mods[i]);
    }
    list.push_back(nullptr);
    int rc = ldap_add_ext_s(ld_, dn.c_str(), list.data(), nullptr, nullptr);
    if (rc != LDAP_ALREADY_EXISTS) return check(rc, "add " + dn);
    // objectClass stays as it is; the rest is replaced.
    std::vector<LDAPMod*> changes;
    for (auto* m : list)
      if (m && std::string(m->mod_type) != "objectClass") {
        m->mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
        changes.push_back(m);
      }
    changes.push_back(nullptr);
    check(ldap_modify_ext_s(ld_, dn.c_str(), changes.data(), nullptr, nullptr), "modify " + dn);
  }

  void remove_attribute(const std::string& dn, const std::string& name) {
    LDAPMod mod{};
    mod.mod_op = LDAP_MOD_DELETE;
    mod.mod_type = const_cast<char*>(name.c_str());
    LDAPMod* list[] = {&mod, nullptr};
    int rc = ldap_modify_ext_s(ld_, dn.c_str(), list, nullptr, nullptr);
    if (rc != LDAP_NO_SUCH_ATTRIBUTE) check(rc, "modify " + dn);
  }

 private:
  void check(int rc, const std::string& what) {
    if (rc != LDAP_SUCCESS) throw std::runtime_error("LDAP " + what + ": " + ldap_err2string(rc));
  }
  LDAP* ld_ = nullptr;
};

namespace {

std::string to_string(ByteView bytes) { return std::string(bytes.begin(), bytes.end()); }

// An RDN value with the characters RFC 4514 escapes escaped (ours are hex
// serials and authority ids, but an id is the operator's text).
std::string rdn_value(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (std::string(",+\"\\<>;=#").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

LdapPublisher::LdapPublisher(LdapSettings settings) : settings_(std::move(settings)) {}
LdapPublisher::~LdapPublisher() = default;

LdapConnection& LdapPublisher::connection() {
  if (!connection_) {
    connection_ = std::make_unique<LdapConnection>(settings_);
    for (const char* ou : {"certificates", "authorities"})
      connection_->put(std::string("ou=") + ou + "," + settings_.base_dn,
                       {{"objectClass", {"organizationalUnit"}}, {"ou", {ou}}});
  }
  return *connection_;
}

int LdapPublisher::publish(store::Ledger& ledger) {
  store::Database& db = ledger.database();
  store::CursorRepository cursors(db);
  int written = 0;
  try {
    // Certificates: everything changed since the last round that is published.
    std::int64_t from = std::max<std::int64_t>(0, cursors.get("ldap"));
    Directory directory(ledger);
    store::CertificateRepository(db).for_each_change(from, 500, [&](const auto& rows) {
      for (const auto& row : rows) {
        auto published = directory.find(row.serial);
        if (!published) continue;
        std::string dn = "uid=" + rdn_value(row.serial) + ",ou=certificates," + settings_.base_dn;
        std::string surname = published->name.substr(published->name.rfind(' ') + 1);
        std::vector<LdapConnection::Attribute> entry = {{"objectClass", {"inetOrgPerson"}},
                                                        {"cn", {published->name}},
                                                        {"sn", {surname}},
                                                        {"o", {published->institution}},
                                                        {"uid", {row.serial}},
                                                        {"userCertificate;binary", {published->der}}};
        // One write: a reader never sees a revoked certificate without its word.
        bool valid = published->status == store::CertStatus::valid;
        if (!valid) entry.push_back({"description", {store::to_string(published->status)}});
        connection().put(dn, entry);
        if (valid) connection().remove_attribute(dn, "description");
        ++written;
      }
      ledger.write([&] { cursors.set("ldap", rows.back().change_seq); });
    });
    // CRLs: each CA's newest, when its number moved.
    for (const auto& a : store::AuthorityRepository(db).all()) {
      if ((a.kind != "root-ca" && a.kind != "issuing-ca") || !a.certificate) continue;
      std::string cursor = "ldap-crl:" + a.id;
      // Read only when newer than the one written: a CRL of a million entries is 49 MB.
      auto crl = store::CrlRepository(db).latest(a.id, cursors.get(cursor));
      if (!crl) continue;
      connection().put("cn=" + rdn_value(a.id) + ",ou=authorities," + settings_.base_dn,
                       {{"objectClass", {"cRLDistributionPoint", "pkiCA"}},
                        {"cn", {a.id}},
                        {"certificateRevocationList;binary", {crl->der}},
                        {"cACertificate;binary", {to_string(base64_decode(*a.certificate))}}});
      ledger.write([&] { cursors.set(cursor, crl->number); });
      ++written;
    }
  } catch (...) {
    connection_.reset();  // a new connection next round
    throw;
  }
  return written;
}

}  // namespace tugra::ra
