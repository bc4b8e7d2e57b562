#include "store/production_records.hpp"

#include <soci/soci.h>

#include "common/clock.hpp"
#include "store/database.hpp"

namespace tugra::store {
namespace {

const std::string kRequestColumns =
    "SELECT id, tckn, given_name, surname, phone, email, years, monetary_limit, renews, state, attempt, card_label, "
    "card_serial, certificate_serial, tracking_number, error, created_at, updated_at FROM production_requests ";

// `Param` binds the one :p of `where` (a state text or an id).
template <typename Param>
std::vector<ProductionRequest> select_requests(Database& db, const std::string& where, Param p, int limit,
                                               long long after = 0) {
  std::vector<ProductionRequest> out;
  ProductionRequest r;
  std::string state;
  long long id = 0, created = 0, updated = 0;
  soci::statement st =
      (db.sql().prepare << kRequestColumns + where, soci::use(p), soci::use(after), soci::use(limit), soci::into(id),
       soci::into(r.tckn), soci::into(r.given_name), soci::into(r.surname), soci::into(r.phone),
       soci::into(r.email), soci::into(r.years), soci::into(r.monetary_limit), soci::into(r.renews), soci::into(state),
       soci::into(r.attempt), soci::into(r.card_label), soci::into(r.card_serial),
       soci::into(r.certificate_serial), soci::into(r.tracking_number), soci::into(r.error), soci::into(created),
       soci::into(updated));
  st.execute();
  while (st.fetch()) {
    r.id = id;
    r.state = parse_production_state(state);
    r.created_at = created;
    r.updated_at = updated;
    out.push_back(r);
  }
  return out;
}

}  // namespace

std::int64_t ProductionRepository::insert(ProductionRequest& r) {
  r.id = next_id(db_, "production_requests");
  r.created_at = r.updated_at = now_seconds();
  long long id = r.id, created = r.created_at;
  std::string state = to_string(r.state);
  db_.sql() << "INSERT INTO production_requests (id, tckn, given_name, surname, phone, email, years, "
               "monetary_limit, renews, state, attempt, created_at, updated_at) VALUES (:id, :tckn, :given, :surname, "
               ":phone, :email, :years, :limit, :renews, :state, :attempt, :created, :updated)",
      soci::use(id), soci::use(r.tckn), soci::use(r.given_name), soci::use(r.surname), soci::use(r.phone),
      soci::use(r.email), soci::use(r.years), soci::use(r.monetary_limit), soci::use(r.renews), soci::use(state),
      soci::use(r.attempt), soci::use(created), soci::use(created);
  return r.id;
}

bool ProductionRepository::update(const ProductionRequest& r, ProductionState expected) {
  if (!allowed(expected, r.state)) return false;
  long long id = r.id, now = now_seconds();
  std::string state = to_string(r.state), was = to_string(expected);
  soci::statement st =
      (db_.sql().prepare << "UPDATE production_requests SET state = :state, attempt = :attempt, card_label = :label, "
                            "card_serial = :card, certificate_serial = :cert, tracking_number = :tracking, "
                            "error = :error, updated_at = :now WHERE id = :id AND state = :expected",
       soci::use(state), soci::use(r.attempt), soci::use(r.card_label), soci::use(r.card_serial),
       soci::use(r.certificate_serial), soci::use(r.tracking_number), soci::use(r.error), soci::use(now),
       soci::use(id), soci::use(was));
  st.execute(true);
  return st.get_affected_rows() == 1;
}

std::vector<ProductionRequest> ProductionRepository::next(int limit) {
  auto rows = select_requests(db_, "WHERE state = :p AND id > :a ORDER BY id LIMIT :n", std::string("in_progress"), limit);
  if (static_cast<int>(rows.size()) < limit) {
    auto queued = select_requests(db_, "WHERE state = :p AND id > :a ORDER BY id LIMIT :n", std::string("queued"),
                                  limit - static_cast<int>(rows.size()));
    rows.insert(rows.end(), queued.begin(), queued.end());
  }
  return rows;
}

std::vector<ProductionRequest> ProductionRepository::list(std::optional<ProductionState> state) {
  if (!state) return select_requests(db_, "WHERE state LIKE :p AND id > :a ORDER BY id LIMIT :n", std::string("%"), 1000000);
  return select_requests(db_, "WHERE state = :p AND id > :a ORDER BY id LIMIT :n", std::string(to_string(*state)), 1000000);
}

std::vector<ProductionRequest> ProductionRepository::page(const std::string& state, std::int64_t after_id, int limit) {
  return select_requests(db_, "WHERE state LIKE :p AND id > :a ORDER BY id LIMIT :n",
                         state.empty() ? std::string("%") : state, limit, after_id);
}

std::optional<ProductionRequest> ProductionRepository::find(std::int64_t id) {
  auto rows = select_requests(db_, "WHERE id = :p AND id > :a ORDER BY id LIMIT :n", static_cast<long long>(id), 1);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::int64_t ProductionRepository::open_count(const std::string& tckn) {
  long long n = 0;
  std::string who = tckn, who_again = tckn;
  db_.sql() << "SELECT COUNT(*) FROM production_requests WHERE state IN ('queued', 'in_progress') "
               "AND (CAST(:t1 AS TEXT) = '' OR tckn = :t2)",
      soci::use(who), soci::use(who_again), soci::into(n);
  return n;
}

std::string ProductionRepository::progress(std::int64_t id) {
  long long request = id;
  std::string state, shipment;
  soci::indicator shipment_ind = soci::i_ok;
  db_.sql() << "SELECT p.state, s.state FROM production_requests p LEFT JOIN shipments s ON s.request_id = p.id "
               "WHERE p.id = :id",
      soci::use(request), soci::into(state), soci::into(shipment, shipment_ind);
  if (!db_.sql().got_data()) return "";
  if (state == "done" && shipment_ind == soci::i_ok) return shipment;
  return state;
}

void CardRepository::insert(const CardRecord& r) {
  long long request = r.request_id, created = now_seconds();
  db_.sql() << "INSERT INTO cards (serial, request_id, tckn, certificate_serial, label, created_at) "
               "VALUES (:serial, :request, :tckn, :cert, :label, :created)",
      soci::use(r.serial), soci::use(request), soci::use(r.tckn), soci::use(r.certificate_serial),
      soci::use(r.label), soci::use(created);
}

std::vector<CardRecord> CardRepository::list(const std::string& tckn) {
  std::vector<CardRecord> out;
  CardRecord r;
  long long request = 0, created = 0;
  std::string t = tckn;
  soci::statement st = (db_.sql().prepare << "SELECT serial, request_id, tckn, certificate_serial, label, "
                                             "created_at FROM cards WHERE tckn = :tckn ORDER BY created_at, serial",
                        soci::use(t), soci::into(r.serial), soci::into(request), soci::into(r.tckn),
                        soci::into(r.certificate_serial), soci::into(r.label), soci::into(created));
  st.execute();
  while (st.fetch()) {
    r.request_id = request;
    r.created_at = created;
    out.push_back(r);
  }
  return out;
}

void SecretRepository::insert(const SecretRecord& r) {
  long long request = r.request_id, created = now_seconds();
  db_.sql() << "INSERT INTO holder_secrets (request_id, tckn, wrapped_key, ciphertext, created_at) "
               "VALUES (:request, :tckn, :key, :text, :created)",
      soci::use(request), soci::use(r.tckn), soci::use(r.wrapped_key), soci::use(r.ciphertext), soci::use(created);
}

namespace {
template <typename Param>
std::optional<SecretRecord> select_secret(Database& db, const std::string& where, Param p) {
  SecretRecord r;
  long long request = 0, created = 0;
  soci::statement st = (db.sql().prepare << "SELECT request_id, tckn, wrapped_key, ciphertext, created_at "
                                            "FROM holder_secrets " + where,
                        soci::use(p), soci::into(request), soci::into(r.tckn), soci::into(r.wrapped_key),
                        soci::into(r.ciphertext), soci::into(created));
  st.execute();
  if (!st.fetch()) return std::nullopt;
  while (st.fetch()) {
  }
  r.request_id = request;
  r.created_at = created;
  return r;
}
}  // namespace

std::optional<SecretRecord> SecretRepository::for_request(std::int64_t request_id) {
  return select_secret(db_, "WHERE request_id = :p", static_cast<long long>(request_id));
}

std::optional<SecretRecord> SecretRepository::latest(const std::string& tckn) {
  return select_secret(db_, "WHERE tckn = :p ORDER BY request_id DESC LIMIT 1", tckn);
}

int SecretRepository::erase(const std::string& tckn) {
  soci::statement st = (db_.sql().prepare << "DELETE FROM holder_secrets WHERE tckn = :tckn", soci::use(tckn));
  st.execute(true);
  return static_cast<int>(st.get_affected_rows());
}

int SecretRepository::erase_request(std::int64_t request_id) {
  long long id = request_id;
  soci::statement st = (db_.sql().prepare << "DELETE FROM holder_secrets WHERE request_id = :id", soci::use(id));
  st.execute(true);
  return static_cast<int>(st.get_affected_rows());
}

void ShipmentRepository::insert(const ShipmentRecord& r) {
  long long request = r.request_id, at = r.created_at;
  db_.sql() << "INSERT INTO shipments (tracking_number, request_id, card_serial, state, created_at, updated_at) "
               "VALUES (:tracking, :request, :card, :state, :at, :at2)",
      soci::use(r.tracking_number), soci::use(request), soci::use(r.card_serial), soci::use(r.state), soci::use(at),
      soci::use(at);
  std::string note;
  db_.sql() << "INSERT INTO shipment_events (tracking_number, at, state, note) VALUES (:t, :at, :state, :note)",
      soci::use(r.tracking_number), soci::use(at), soci::use(r.state), soci::use(note);
}

std::optional<ShipmentRecord> ShipmentRepository::find(const std::string& tracking_number) {
  ShipmentRecord r;
  long long request = 0, created = 0, updated = 0;
  soci::indicator ind = soci::i_null;
  db_.sql() << "SELECT tracking_number, request_id, card_serial, state, created_at, updated_at FROM shipments "
               "WHERE tracking_number = :t",
      soci::use(tracking_number), soci::into(r.tracking_number, ind), soci::into(request),
      soci::into(r.card_serial), soci::into(r.state), soci::into(created), soci::into(updated);
  if (!db_.sql().got_data() || ind != soci::i_ok) return std::nullopt;
  r.request_id = request;
  r.created_at = created;
  r.updated_at = updated;
  ShipmentEvent e;
  long long at = 0;
  soci::statement st = (db_.sql().prepare << "SELECT at, state, note FROM shipment_events WHERE tracking_number = :t "
                                             "ORDER BY at",
                        soci::use(tracking_number), soci::into(at), soci::into(e.state), soci::into(e.note));
  st.execute();
  while (st.fetch()) {
    e.at = at;
    r.events.push_back(e);
  }
  return r;
}

void ShipmentRepository::set_state(const std::string& tracking_number, const std::string& state,
                                   const std::string& note, std::int64_t at) {
  long long when = at;
  db_.sql() << "UPDATE shipments SET state = :state, updated_at = :at WHERE tracking_number = :t", soci::use(state),
      soci::use(when), soci::use(tracking_number);
  db_.sql() << "INSERT INTO shipment_events (tracking_number, at, state, note) VALUES (:t, :at, :state, :note)",
      soci::use(tracking_number), soci::use(when), soci::use(state), soci::use(note);
}

}  // namespace tugra::store
