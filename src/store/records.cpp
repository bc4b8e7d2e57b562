#include "store/records.hpp"

#include <soci/soci.h>

#include <algorithm>
#include <stdexcept>

#include "common/clock.hpp"
#include "store/database.hpp"
#include "store/prepared.hpp"

namespace tugra::store {

namespace {

// Binds an optional value for writing: the indicator says NULL when empty.
template <typename T>
struct OptionalIn {
  T value{};
  soci::indicator ind = soci::i_null;
  explicit OptionalIn(const std::optional<T>& v) {
    if (v) {
      value = *v;
      ind = soci::i_ok;
    }
  }
};

}  // namespace

void AuthorityRepository::insert(const AuthorityRecord& r) {
  OptionalIn<std::string> cert(r.certificate);
  long long created = r.created_at;
  db_.sql() << "INSERT INTO authorities (id, kind, subject, key_label, key_algorithm, public_key, certificate, created_at) "
               "VALUES (:id, :kind, :subject, :label, :alg, :pub, :cert, :created)",
      soci::use(r.id), soci::use(r.kind), soci::use(r.subject), soci::use(r.key_label),
      soci::use(r.key_algorithm), soci::use(r.public_key), soci::use(cert.value, cert.ind),
      soci::use(created);
}

std::vector<AuthorityRecord> AuthorityRepository::all() {
  std::vector<AuthorityRecord> out;
  AuthorityRecord r;
  std::string cert;
  soci::indicator cert_ind;
  long long created = 0;
  soci::statement st = (db_.sql().prepare << "SELECT id, kind, subject, key_label, key_algorithm, public_key, "
                                             "certificate, created_at FROM authorities ORDER BY created_at, id",
                        soci::into(r.id), soci::into(r.kind), soci::into(r.subject), soci::into(r.key_label),
                        soci::into(r.key_algorithm), soci::into(r.public_key), soci::into(cert, cert_ind),
                        soci::into(created));
  st.execute();
  while (st.fetch()) {
    r.certificate = cert_ind == soci::i_ok ? std::optional(cert) : std::nullopt;
    r.created_at = created;
    out.push_back(r);
  }
  return out;
}

void AuthorityRepository::replace_key(const std::string& id, const std::string& key_label,
                                      const std::string& public_key, const std::string& subject,
                                      const std::string& certificate) {
  db_.sql() << "UPDATE authorities SET key_label = :label, public_key = :pub, subject = :subject, "
               "certificate = :cert WHERE id = :id",
      soci::use(key_label), soci::use(public_key), soci::use(subject), soci::use(certificate), soci::use(id);
}

void SigningRequestRepository::insert(SigningRequest& r) {
  r.id = next_id(db_, "signing_requests");
  r.created_at = now_seconds();
  long long id = r.id, created = r.created_at;
  db_.sql() << "INSERT INTO signing_requests (id, authority_id, key_label, public_key, state, created_at) "
               "VALUES (:id, :authority, :label, :pub, 'pending', :created)",
      soci::use(id), soci::use(r.authority_id), soci::use(r.key_label), soci::use(r.public_key), soci::use(created);
}

std::vector<SigningRequest> SigningRequestRepository::pending() {
  std::vector<SigningRequest> out;
  SigningRequest r;
  long long id = 0, created = 0;
  soci::statement st = (db_.sql().prepare << "SELECT id, authority_id, key_label, public_key, created_at "
                                             "FROM signing_requests WHERE state = 'pending' ORDER BY id",
                        soci::into(id), soci::into(r.authority_id), soci::into(r.key_label),
                        soci::into(r.public_key), soci::into(created));
  st.execute();
  while (st.fetch()) {
    r.id = id;
    r.created_at = created;
    out.push_back(r);
  }
  return out;
}

bool LeaseRepository::acquire(const std::string& name, const std::string& holder, std::int64_t now,
                              std::int64_t expires_at) {
  long long n = now, until = expires_at;
  if (change_prepared(db_,
                      "UPDATE role_leases SET holder = :h, expires_at = :until "
                      "WHERE name = :name AND (holder = :h2 OR expires_at < :now)",
                      soci::use(holder), soci::use(until), soci::use(name), soci::use(holder), soci::use(n)) == 1)
    return true;
  long long existing = 0;
  run_prepared(db_, "SELECT COUNT(*) FROM role_leases WHERE name = :name", soci::use(name), soci::into(existing));
  if (existing) return false;
  change_prepared(db_, "INSERT INTO role_leases (name, holder, expires_at) VALUES (:name, :h, :until)",
                  soci::use(name), soci::use(holder), soci::use(until));
  return true;
}

void LeaseRepository::release(const std::string& name, const std::string& holder) {
  change_prepared(db_, "DELETE FROM role_leases WHERE name = :name AND holder = :h", soci::use(name),
                  soci::use(holder));
}

bool SigningRequestRepository::complete(std::int64_t id, const std::string& certificate) {
  long long i = id, now = now_seconds();
  return change_prepared(db_,
                         "UPDATE signing_requests SET state = 'done', certificate = :cert, done_at = :now "
                         "WHERE id = :id AND state = 'pending'",
                         soci::use(certificate), soci::use(now), soci::use(i)) == 1;
}

std::optional<AuthorityRecord> AuthorityRepository::find(const std::string& id) {
  for (auto& r : all())
    if (r.id == id) return r;
  return std::nullopt;
}

std::vector<AuthorityRecord> AuthorityRepository::issuing() {
  std::vector<AuthorityRecord> out;
  for (auto& r : all())
    if (r.kind == "issuing-ca") out.push_back(std::move(r));
  return out;
}

std::optional<AuthorityRecord> AuthorityRepository::current_issuing() {
  auto id = current_issuing_id();
  return id ? find(*id) : std::nullopt;
}

std::optional<std::string> AuthorityRepository::current_issuing_id() {
  std::string id;
  // responder_of(id) is id + "-ocsp".
  if (!run_prepared(db_,
                    "SELECT a.id FROM authorities a WHERE a.kind = 'issuing-ca' AND a.certificate IS NOT NULL "
                    "AND EXISTS (SELECT 1 FROM authorities r WHERE r.id = a.id || '-ocsp' AND r.certificate IS NOT NULL) "
                    "ORDER BY a.created_at DESC, a.id DESC LIMIT 1",
                    soci::into(id)))
    return std::nullopt;
  return id;
}

void CertificateRepository::insert_intent(const CertificateRecord& r) {
  OptionalIn<std::string> renews(r.renews);
  std::string status = to_string(r.status);
  long long nb = r.not_before, na = r.not_after, now = now_seconds();
  change_prepared(db_,
                  "INSERT INTO certificates (serial, issuer, tckn, subject, not_before, not_after, status, "
                  "renews, request_key, request, tbs, created_at, updated_at) VALUES (:serial, :issuer, :tckn, "
                  ":subject, :nb, :na, :status, :renews, :key, :request, :tbs, :created, :updated)",
                  soci::use(r.serial), soci::use(r.issuer), soci::use(r.tckn), soci::use(r.subject), soci::use(nb),
      soci::use(na), soci::use(status), soci::use(renews.value, renews.ind), soci::use(r.request_key),
      soci::use(r.request), soci::use(r.tbs), soci::use(now), soci::use(now));
}

bool CertificateRepository::complete(const std::string& serial, const std::string& certificate,
                                     CertStatus status, std::optional<std::int64_t> revoked_at,
                                     std::optional<int> reason) {
  OptionalIn<long long> at(revoked_at ? std::optional<long long>(*revoked_at) : std::nullopt);
  OptionalIn<int> why(reason);
  std::string s = to_string(status);
  long long now = now_seconds();
  return change_prepared(db_,
                         "UPDATE certificates SET certificate = :cert, status = :status, revoked_at = :at, "
                         "revocation_reason = :reason, updated_at = :now WHERE serial = :serial AND status = 'pending'",
                         soci::use(certificate), soci::use(s), soci::use(at.value, at.ind),
                         soci::use(why.value, why.ind), soci::use(now), soci::use(serial)) == 1;
}

bool CertificateRepository::set_status(const std::string& serial, CertStatus expected, CertStatus status,
                                       std::optional<std::int64_t> revoked_at, std::optional<int> reason,
                                       const std::string& suspended_by) {
  OptionalIn<long long> at(revoked_at ? std::optional<long long>(*revoked_at) : std::nullopt);
  OptionalIn<int> why(reason);
  std::string s = to_string(status), was = to_string(expected);
  long long now = now_seconds();
  return change_prepared(db_,
                         "UPDATE certificates SET status = :status, revoked_at = :at, revocation_reason = :reason, "
                         "suspended_by = :by, updated_at = :now WHERE serial = :serial AND status = :expected",
                         soci::use(s), soci::use(at.value, at.ind), soci::use(why.value, why.ind),
                         soci::use(suspended_by), soci::use(now), soci::use(serial), soci::use(was)) == 1;
}

namespace {

// One row of the certificates table as SOCI reads it.
struct CertificateRow {
  CertificateRecord r;
  std::string status, renews, cert;
  long long nb = 0, na = 0, revoked_at = 0, created = 0, updated = 0;
  int reason = 0;
  soci::indicator i_rev = soci::i_null, i_reason = soci::i_null, i_renews = soci::i_null, i_cert = soci::i_null;

  static constexpr const char* kColumns =
      "SELECT serial, issuer, tckn, subject, not_before, not_after, status, revoked_at, revocation_reason, "
      "renews, request_key, request, tbs, certificate, created_at, updated_at, suspended_by FROM certificates ";

  void bind(soci::statement& st) {
    st.exchange(soci::into(r.serial));
    st.exchange(soci::into(r.issuer));
    st.exchange(soci::into(r.tckn));
    st.exchange(soci::into(r.subject));
    st.exchange(soci::into(nb));
    st.exchange(soci::into(na));
    st.exchange(soci::into(status));
    st.exchange(soci::into(revoked_at, i_rev));
    st.exchange(soci::into(reason, i_reason));
    st.exchange(soci::into(renews, i_renews));
    st.exchange(soci::into(r.request_key));
    st.exchange(soci::into(r.request));
    st.exchange(soci::into(r.tbs));
    st.exchange(soci::into(cert, i_cert));
    st.exchange(soci::into(created));
    st.exchange(soci::into(updated));
    st.exchange(soci::into(r.suspended_by));
  }

  CertificateRecord record() const {
    CertificateRecord out = r;
    out.not_before = nb;
    out.not_after = na;
    out.status = parse_cert_status(status);
    out.revoked_at = i_rev == soci::i_ok ? std::optional<std::int64_t>(revoked_at) : std::nullopt;
    out.revocation_reason = i_reason == soci::i_ok ? std::optional(reason) : std::nullopt;
    out.renews = i_renews == soci::i_ok ? std::optional(renews) : std::nullopt;
    out.certificate = i_cert == soci::i_ok ? std::optional(cert) : std::nullopt;
    out.created_at = created;
    out.updated_at = updated;
    return out;
  }
};

}  // namespace

// `where` has exactly one parameter, :p.
std::vector<CertificateRecord> CertificateRepository::select(const std::string& where, const std::string& param) {
  std::vector<CertificateRecord> out;
  CertificateRow row;
  std::string p = param;
  Bound bound(db_, CertificateRow::kColumns + where);
  row.bind(bound.statement());
  soci::statement& st = bound.bind(soci::use(p));
  if (st.execute(true)) do
      out.push_back(row.record());
    while (st.fetch());
  return out;
}

std::optional<CertificateRecord> CertificateRepository::find(const std::string& serial) {
  auto rows = select("WHERE serial = :p", serial);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<CertificateRecord> CertificateRepository::find_by_request_key(const std::string& key) {
  auto rows = select("WHERE request_key = :p", key);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<CertificateRecord> CertificateRepository::list(const std::string& tckn) {
  if (tckn.empty()) return select("WHERE tckn LIKE :p ORDER BY created_at DESC, serial", "%");
  return select("WHERE tckn = :p ORDER BY created_at DESC, serial", tckn);
}

std::vector<CertificateRecord> CertificateRepository::pending() {
  return select("WHERE status = :p ORDER BY created_at", "pending");
}

void CertificateRepository::mark_changed(const std::string& serial, std::int64_t seq) {
  long long s = seq;
  change_prepared(db_, "UPDATE certificates SET change_seq = :seq WHERE serial = :serial", soci::use(s),
                  soci::use(serial));
}

namespace {

// Reads status rows in batches through vector binds: a CRL of a million
// entries should not cost a million round trips through SOCI.
template <typename Param>
// `batch` rows a fetch: SOCI's SQLite backend sets up every row of a batch
// before it knows how many come (and cannot grow the vectors while fetching),
// so a poll that mostly finds nothing asks for a small one.
std::vector<CertificateRepository::StatusRow> status_rows(Database& db, const std::string& query, Param param,
                                                          std::size_t batch = 10000) {
  std::vector<CertificateRepository::StatusRow> out;
  std::vector<std::string> serial(batch), issuer(batch), status(batch);
  std::vector<long long> revoked_at(batch), not_after(batch), change_seq(batch);
  std::vector<int> reason(batch);
  std::vector<soci::indicator> i_rev(batch), i_reason(batch);
  soci::statement st = (db.sql().prepare << query, soci::use(param), soci::into(serial), soci::into(issuer),
                        soci::into(status), soci::into(revoked_at, i_rev), soci::into(reason, i_reason),
                        soci::into(not_after), soci::into(change_seq));
  st.execute();
  while (st.fetch()) {
    for (std::size_t i = 0; i < serial.size(); ++i)
      out.push_back({serial[i], issuer[i], parse_cert_status(status[i]),
                     i_rev[i] == soci::i_ok ? static_cast<std::int64_t>(revoked_at[i]) : 0,
                     i_reason[i] == soci::i_ok ? reason[i] : -1, not_after[i], change_seq[i]});
    for (auto* v : {&serial, &issuer, &status}) v->resize(batch);
    for (auto* v : {&revoked_at, &not_after, &change_seq}) v->resize(batch);
    reason.resize(batch);
    i_rev.resize(batch);
    i_reason.resize(batch);
  }
  return out;
}

constexpr const char* kStatusColumns =
    "SELECT serial, issuer, status, revoked_at, revocation_reason, not_after, change_seq FROM certificates ";

}  // namespace

std::vector<CertificateRepository::StatusRow> CertificateRepository::changed_since(std::int64_t after_seq,
                                                                                  std::int64_t limit) {
  return status_rows(db_,
                     std::string(kStatusColumns) + "WHERE change_seq > :n AND status <> 'pending' ORDER BY change_seq LIMIT " +
                         std::to_string(limit),
                     static_cast<long long>(after_seq), static_cast<std::size_t>(std::clamp<std::int64_t>(limit, 1, 10000)));
}

void CertificateRepository::for_each_change(std::int64_t after_seq, std::int64_t chunk,
                                            const std::function<void(const std::vector<StatusRow>&)>& visit) {
  for (;;) {
    auto rows = changed_since(after_seq, chunk);
    if (rows.empty()) return;
    visit(rows);
    if (static_cast<std::int64_t>(rows.size()) < chunk) return;
    after_seq = rows.back().change_seq;
  }
}

void CertificateRepository::for_each_revoked(const std::string& issuer, const std::function<void(const RevokedRow&)>& visit) {
  // Only the three columns a CRL entry needs, in batches (see status_rows).
  constexpr std::size_t kBatch = 10000;
  std::vector<std::string> serial(kBatch);
  std::vector<long long> revoked_at(kBatch);
  std::vector<int> reason(kBatch);
  std::vector<soci::indicator> i_rev(kBatch), i_reason(kBatch);
  soci::statement st = (db_.sql().prepare << "SELECT serial, revoked_at, revocation_reason FROM certificates "
                                             "WHERE issuer = :t AND status IN ('revoked', 'suspended')",
                        soci::use(issuer), soci::into(serial), soci::into(revoked_at, i_rev), soci::into(reason, i_reason));
  st.execute();
  while (st.fetch()) {
    for (std::size_t i = 0; i < serial.size(); ++i)
      visit({serial[i], i_rev[i] == soci::i_ok ? static_cast<std::int64_t>(revoked_at[i]) : 0,
             i_reason[i] == soci::i_ok ? reason[i] : -1});
    serial.resize(kBatch);
    revoked_at.resize(kBatch);
    reason.resize(kBatch);
    i_rev.resize(kBatch);
    i_reason.resize(kBatch);
  }
}

std::int64_t CertificateRepository::count() {
  long long n = 0;
  db_.sql() << "SELECT COUNT(*) FROM certificates", soci::into(n);
  return n;
}

std::int64_t CertificateRepository::latest_change_seq() {
  long long seq = 0;
  soci::indicator ind = soci::i_null;
  db_.sql() << "SELECT MAX(change_seq) FROM certificates", soci::into(seq, ind);
  return ind == soci::i_ok ? seq : 0;
}

std::int64_t CertificateRepository::latest_not_after(const std::string& issuer) {
  long long at = 0;
  soci::indicator ind = soci::i_null;
  run_prepared(db_, "SELECT MAX(not_after) FROM certificates WHERE issuer = :issuer", soci::use(issuer),
               soci::into(at, ind));
  return ind == soci::i_ok ? at : 0;
}

}  // namespace tugra::store
