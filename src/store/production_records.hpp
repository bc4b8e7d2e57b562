// Rows of the card production tables (migration 003) and their
// repositories: production requests, cards, holder secrets (stored
// encrypted; see ra/holder_secrets.hpp) and shipments.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/states.hpp"

namespace tugra::store {

class Database;

struct ProductionRequest {
  std::int64_t id = 0;
  std::string tckn, given_name, surname, phone, email;
  int years = 3;
  std::string monetary_limit;  // "" for none
  std::string renews;          // "" unless a renewal
  ProductionState state = ProductionState::queued;
  int attempt = 1;
  std::string card_label, card_serial, certificate_serial, tracking_number, error;
  std::int64_t created_at = 0, updated_at = 0;
};

class ProductionRepository {
 public:
  explicit ProductionRepository(Database& db) : db_(db) {}
  // Assigns the next id (inside the caller's write transaction).
  std::int64_t insert(ProductionRequest& r);
  // Every column but id and created_at, if the request is still in
  // `expected` and may move to r.state; false (nothing written) otherwise.
  bool update(const ProductionRequest& r, ProductionState expected);
  // In-progress requests first (a crash left them), then the queue, oldest first.
  std::vector<ProductionRequest> next(int limit);
  std::vector<ProductionRequest> list(std::optional<ProductionState> state);  // every state when empty
  // The API's pages: after `after_id`, oldest first; every state when `state` is empty.
  std::vector<ProductionRequest> page(const std::string& state, std::int64_t after_id, int limit);
  std::optional<ProductionRequest> find(std::int64_t id);
  // Requests still queued or in progress: of one person (empty: everyone's).
  std::int64_t open_count(const std::string& tckn = "");
  // Where a request's card is: "queued", "in_progress", "failed", or once
  // made its shipment's state ("preparing", "shipped", "delivered"); "" for
  // no such request.
  std::string progress(std::int64_t id);

 private:
  Database& db_;
};

struct CardRecord {
  std::string serial;
  std::int64_t request_id = 0;
  std::string tckn, certificate_serial, label;
  std::int64_t created_at = 0;
};

class CardRepository {
 public:
  explicit CardRepository(Database& db) : db_(db) {}
  void insert(const CardRecord& r);
  std::vector<CardRecord> list(const std::string& tckn);

 private:
  Database& db_;
};

struct SecretRecord {
  std::int64_t request_id = 0;
  std::string tckn, wrapped_key, ciphertext;
  std::int64_t created_at = 0;
};

class SecretRepository {
 public:
  explicit SecretRepository(Database& db) : db_(db) {}
  void insert(const SecretRecord& r);
  std::optional<SecretRecord> for_request(std::int64_t request_id);
  std::optional<SecretRecord> latest(const std::string& tckn);
  int erase(const std::string& tckn);
  int erase_request(std::int64_t request_id);

 private:
  Database& db_;
};

struct ShipmentEvent {
  std::int64_t at = 0;
  std::string state, note;
};

struct ShipmentRecord {
  std::string tracking_number;
  std::int64_t request_id = 0;
  std::string card_serial;
  std::string state;  // preparing | shipped | delivered
  std::int64_t created_at = 0, updated_at = 0;
  std::vector<ShipmentEvent> events;
};

class ShipmentRepository {
 public:
  explicit ShipmentRepository(Database& db) : db_(db) {}
  void insert(const ShipmentRecord& r);
  std::optional<ShipmentRecord> find(const std::string& tracking_number);
  void set_state(const std::string& tracking_number, const std::string& state, const std::string& note,
                 std::int64_t at);

 private:
  Database& db_;
};

}  // namespace tugra::store
