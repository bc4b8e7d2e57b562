// tugra production enqueue | run | list, tugra shipment show | update, tugra holder pin-puk
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ca/authority.hpp"
#include "store/ledger.hpp"
#include "card/card_reader.hpp"
#include "cli/context.hpp"
#include "notify/notifier.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "crypto/algorithm.hpp"
#include "ra/holder_secrets.hpp"
#include "ra/production.hpp"
#include "ra/shipments.hpp"

namespace tugra::cli {
namespace {

KeyType card_key_type(const Config& config) {
  std::string name = config.str("card.key_algorithm");
  KeyType type = parse_key_algorithm(name).key;
  if (type == KeyType::rsa_4096) throw UserError("card.bad_key_algorithm", {{"name", name}});
  return type;
}

// One production run at a time: two would pick the same blank card.
class RunLock {
 public:
  explicit RunLock(const std::filesystem::path& file) {
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0 || ::flock(fd_, LOCK_EX | LOCK_NB) != 0) throw UserError("production.busy");
  }
  ~RunLock() { ::close(fd_); }

 private:
  int fd_ = -1;
};

void print_shipment(const store::ShipmentRecord& s, bool json) {
  if (json) {
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : s.events) events.push_back({{"at", format_utc(e.at)}, {"state", e.state}, {"note", e.note}});
    std::cout << nlohmann::json{{"tracking_number", s.tracking_number}, {"state", s.state},
                                {"card", s.card_serial}, {"events", events}}.dump(2) << "\n";
    return;
  }
  std::cout << message("shipment.header", {{"number", s.tracking_number},
                                           {"state", message("shipment.state." + s.state)}}) << "\n";
  for (const auto& e : s.events)
    std::cout << "  " << format_utc(e.at) << "  " << message("shipment.state." + e.state)
              << (e.note.empty() ? "" : "  (" + e.note + ")") << "\n";
}

}  // namespace

void add_production_commands(CLI::App& app, Context& ctx) {
  auto* production = app.add_subcommand("production", help_text("help.production_cmd_production"));
  production->require_subcommand(1);

  static ra::ProductionOrder order;
  static std::optional<std::string> limit;
  auto* enqueue = production->add_subcommand("enqueue", help_text("help.production_cmd_enqueue"));
  enqueue->add_option("--tckn", order.tckn, help_text("help.production_opt_tckn"))->required();
  enqueue->add_option("--given-name", order.given_name, help_text("help.production_opt_given_name"))->required();
  enqueue->add_option("--surname", order.surname, help_text("help.production_opt_surname"))->required();
  enqueue->add_option("--phone", order.phone, help_text("help.production_opt_phone"))->required();
  enqueue->add_option("--email", order.email, help_text("help.production_opt_email"))->required();
  enqueue->add_option("--years", order.years, help_text("help.production_opt_years"))->capture_default_str();
  enqueue->add_option("--limit", limit, help_text("help.production_opt_limit"));
  static bool force = false;
  enqueue->add_flag("--force", force, help_text("help.production_opt_force"));
  enqueue->callback([&ctx] {
    order.limit = limit;
    auto r = ra::enqueue_production(*ctx.ledger(), order, ctx.config().str("profile.currency"), force);
    std::cout << message("production.queued", {{"id", std::to_string(r.id)}}) << "\n";
  });

  static int batch = 0;
  static std::optional<std::string> module;
  static bool timings = false;
  auto* run = production->add_subcommand("run", help_text("help.production_cmd_run"));
  run->add_option("--batch", batch, help_text("help.production_opt_batch"))->check(CLI::Range(1, 100000));
  run->add_option("--module", module, help_text("help.production_opt_module"));
  run->add_flag("--timings", timings, help_text("help.production_opt_timings"));
  run->callback([&ctx] {
    Config config = ctx.config();
    RunLock lock(config.home() / "production.lock");
    auto session = ctx.open_ca();
    auto reader = card::CardReader::open(ctx.card_module(module));
    ra::HolderSecrets secrets(session.ledger->database(), config.path("secrets.master_key_file"));
    notify::Notifications notifications(config, session.ledger->database());
    ra::Production producer(*session.ca, reader, secrets, card_key_type(config), &notifications);
    auto start = std::chrono::steady_clock::now();
    auto report = producer.run(batch, [](const ra::ProductionProgress& p) {
      const auto& r = *p.request;
      std::string who = r.tckn + " " + r.given_name + " " + r.surname;
      std::cerr << "[" << p.index << "/" << p.total << "] " << who << ": "
                << (p.failure.empty()
                        ? message("production.card_done", {{"card", r.card_serial},
                                                           {"serial", r.certificate_serial},
                                                           {"tracking", r.tracking_number}})
                        : message("production.card_failed", {{"error", p.failure}}))
                << (p.resumed ? " " + message("production.resumed") : "") << "\n";
    });
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << message("production.summary", {{"done", std::to_string(report.done)},
                                                {"failed", std::to_string(report.failed)},
                                                {"resumed", std::to_string(report.resumed)},
                                                {"remaining", std::to_string(report.remaining)},
                                                {"seconds", std::to_string(seconds)}})
              << "\n";
    if (timings)
      std::cout << message("production.timings", {{"card", std::to_string(report.times.card)},
                                                  {"key", std::to_string(report.times.key)},
                                                  {"issue", std::to_string(report.times.issue)},
                                                  {"storage", std::to_string(report.times.storage)}})
                << "\n";
    if (report.failed > 0) throw Exit{1};
  });

  static std::string state;
  static bool json = false;
  auto* list = production->add_subcommand("list", help_text("help.production_cmd_list"));
  list->add_option("--state", state, help_text("help.production_opt_state"));
  list->add_flag("--json", json, help_text("help.production_opt_json"));
  list->callback([&ctx] {
    std::optional<store::ProductionState> filter;
    if (!state.empty()) {
      store::ProductionState parsed;
      if (!store::try_parse_production_state(state, parsed)) throw UserError("production.unknown_state", {{"state", state}});
      filter = parsed;
    }
    auto ledger = ctx.ledger();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : store::ProductionRepository(ledger->database()).list(filter)) {
      std::string state_name = store::to_string(r.state);
      if (json) {
        out.push_back({{"id", r.id}, {"tckn", r.tckn}, {"state", state_name}, {"card", r.card_serial},
                       {"certificate", r.certificate_serial}, {"tracking_number", r.tracking_number},
                       {"attempt", r.attempt}, {"error", r.error}});
      } else {
        std::cout << r.id << "\t" << r.tckn << "\t" << r.given_name << " " << r.surname << "\t"
                  << message("production.state." + state_name) << "\t" << (r.card_serial.empty() ? "-" : r.card_serial)
                  << "\t" << (r.tracking_number.empty() ? "-" : r.tracking_number) << "\n";
      }
    }
    if (json) std::cout << out.dump(2) << "\n";
  });

  auto* shipment = app.add_subcommand("shipment", help_text("help.production_cmd_shipment"));
  shipment->require_subcommand(1);
  static std::string tracking, new_state, note;
  auto* show = shipment->add_subcommand("show", help_text("help.production_cmd_show"));
  show->add_option("TRACKING", tracking, help_text("help.production_opt_tracking"))->required();
  show->add_flag("--json", json, help_text("help.production_opt_json"));
  show->callback([&ctx] {
    auto ledger = ctx.ledger();
    auto s = ra::Shipments(*ledger).find(tracking);
    if (!s) throw UserError("shipment.not_found", {{"number", tracking}});
    print_shipment(*s, json);
  });
  auto* update = shipment->add_subcommand("update", help_text("help.production_cmd_update"));
  update->add_option("TRACKING", tracking, help_text("help.production_opt_tracking"))->required();
  update->add_option("--state", new_state, help_text("help.production_opt_state_2"))->required();
  update->add_option("--note", note, help_text("help.production_opt_note"));
  update->callback([&ctx] {
    auto ledger = ctx.ledger();
    print_shipment(ra::Shipments(*ledger).update(tracking, new_state, note), false);
  });

  auto* holder = app.add_subcommand("holder", help_text("help.production_cmd_holder"));
  holder->require_subcommand(1);
  static std::string tckn;
  static bool erase = false;
  auto* pin_puk = holder->add_subcommand("pin-puk", help_text("help.production_cmd_pin_puk"));
  pin_puk->add_option("--tckn", tckn, help_text("help.production_opt_tckn_2"))->required();
  pin_puk->add_flag("--delete", erase, help_text("help.production_opt_delete"));
  pin_puk->add_flag("--json", json, help_text("help.production_opt_json"));
  pin_puk->callback([&ctx] {
    auto ledger = ctx.ledger();
    ra::HolderSecrets secrets(ledger->database(), ctx.config().path("secrets.master_key_file"));
    if (erase) {
      int n = 0;
      ledger->write([&] {
        n = secrets.destroy(tckn);
        ledger->record("holder.pin_puk.deleted", tckn, nlohmann::json{{"records", n}}.dump());
      });
      secrets.purge();
      ledger->checkpoint();
      std::cout << message("holder.deleted", {{"count", std::to_string(n)}}) << "\n";
      return;
    }
    auto secret = secrets.latest(tckn);
    ledger->write([&] {
      ledger->record("holder.pin_puk.viewed", tckn, nlohmann::json{{"found", secret.has_value()}}.dump());
    });
    ledger->checkpoint();
    if (!secret) throw UserError("holder.no_secret", {{"tckn", tckn}});
    if (json) {
      std::cout << nlohmann::json{{"pin", secret->pin}, {"puk", secret->puk}, {"request", secret->request_id}}.dump()
                << "\n";
    } else {
      std::cout << "PIN: " << secret->pin << "\nPUK: " << secret->puk << "\n";
    }
  });
}

}  // namespace tugra::cli
