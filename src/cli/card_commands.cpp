// tugra vcard add | card list | card show | card change-pin | card unlock | card test-sign
#include <nlohmann/json.hpp>

#include <iostream>

#include "card/card_reader.hpp"
#include "cli/context.hpp"
#include "cli/secret_input.hpp"
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "vcard/card_file.hpp"

namespace tugra::cli {
namespace {

struct CardOptions {
  std::optional<std::string> module;
  std::optional<unsigned long> slot;
  bool pin_stdin = false;
  bool json = false;
};

std::string tries_text(const card::PinStatus& s) {
  if (!s.set) return message("card.pin_not_set");
  if (s.locked) return message("card.locked");
  return message("card.tries_left", {{"tries", std::to_string(s.tries_left)}});
}

nlohmann::json to_json(const card::CardInfo& c) {
  return {{"slot", c.slot},     {"reader", c.reader}, {"serial", c.serial},
          {"label", c.label},   {"model", c.model},   {"manufacturer", c.manufacturer},
          {"state", c.state()}, {"pin_tries_left", c.pin.tries_left}, {"puk_tries_left", c.puk.tries_left},
          {"pin_locked", c.pin.locked}, {"dead", c.dead()}};
}

void line(const std::string& key, const std::string& value) { print_field("card.field." + key, value, 20); }

CK_SLOT_ID pick_slot(const card::CardReader& reader, const CardOptions& o) {
  if (o.slot) return reader.card(*o.slot).slot;
  auto cards = reader.cards();
  if (cards.empty()) throw UserError("card.none");
  if (cards.size() > 1) std::cerr << message("card.using_first", {{"slot", std::to_string(cards.front().slot)}}) << "\n";
  return cards.front().slot;
}

void add_common(CLI::App* cmd, CardOptions& o, bool slot = true) {
  cmd->add_option("--module", o.module, help_text("help.card_opt_module"));
  if (slot) cmd->add_option("--slot", o.slot, help_text("help.card_opt_slot"));
}

}  // namespace

void add_card_commands(CLI::App& app, Context& ctx) {
  auto* vcard = app.add_subcommand("vcard", help_text("help.card_cmd_vcard"));
  vcard->require_subcommand(1);
  static int count = 1;
  static std::optional<std::string> dir;
  auto* add = vcard->add_subcommand("add", help_text("help.card_cmd_add"));
  add->add_option("--count", count, help_text("help.card_opt_count"))->check(CLI::Range(1, 10000));
  add->add_option("--dir", dir, help_text("help.card_opt_dir"));
  add->callback([&ctx] {
    std::filesystem::path where = dir ? *dir : "";
    if (where.empty()) {
      prepare_virtual_cards(ctx.config());
      where = vcard::CardDirectory::from_environment();
    }
    auto added = vcard::CardDirectory(where).add_blank(count);
    for (const auto& c : added) std::cout << c.slot << "\t" << c.serial << "\n";
    std::cerr << message("card.added", {{"count", std::to_string(added.size())}, {"dir", where.string()}}) << "\n";
  });

  static CardOptions o;
  auto* card_cmd = app.add_subcommand("card", help_text("help.card_cmd_card"));
  card_cmd->require_subcommand(1);
  auto reader = [&ctx] { return card::CardReader::open(ctx.card_module(o.module)); };

  auto* list = card_cmd->add_subcommand("list", help_text("help.card_cmd_list"));
  add_common(list, o, false);
  list->add_flag("--json", o.json, help_text("help.card_opt_json"));
  list->callback([reader] {
    auto cards = reader().cards();
    if (o.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& c : cards) out.push_back(to_json(c));
      std::cout << out.dump(2) << "\n";
      return;
    }
    if (cards.empty()) std::cout << message("card.none") << "\n";
    for (const auto& c : cards)
      std::cout << c.slot << "\t" << c.serial << "\t" << message("card.state." + c.state()) << "\t"
                << (c.label.empty() ? "-" : c.label) << "\n";
  });

  auto* show = card_cmd->add_subcommand("show", help_text("help.card_cmd_show"));
  add_common(show, o);
  show->add_flag("--json", o.json, help_text("help.card_opt_json"));
  show->callback([reader] {
    auto r = reader();
    auto c = r.card(pick_slot(r, o));
    auto certs = c.blank ? std::vector<card::CardCertificate>{} : r.certificates(c.slot);
    if (o.json) {
      auto j = to_json(c);
      j["certificates"] = nlohmann::json::array();
      for (const auto& cert : certs)
        j["certificates"].push_back({{"subject", cert.subject}, {"label", cert.label},
                                     {"not_before", format_utc(cert.not_before)},
                                     {"not_after", format_utc(cert.not_after)}, {"der", base64_encode(cert.der)}});
      std::cout << j.dump(2) << "\n";
      return;
    }
    line("slot", std::to_string(c.slot) + " (" + c.reader + ")");
    line("serial", c.serial);
    line("label", c.label.empty() ? "-" : c.label);
    line("model", c.manufacturer + " " + c.model);
    line("state", message("card.state." + c.state()));
    line("pin", tries_text(c.pin));
    line("puk", c.blank ? "-" : tries_text(c.puk));
    if (c.pin.locked && !c.dead()) std::cout << message("card.pin_locked_hint") << "\n";
    if (certs.empty()) line("certificates", message("card.no_certificates"));
    for (const auto& cert : certs) {
      line("certificate", cert.subject);
      line("validity", format_utc(cert.not_before) + " — " + format_utc(cert.not_after));
    }
  });

  // change-pin and unlock: a secret that proves the right (current PIN or
  // PUK), then the new PIN, then the card operation.
  using NewPinAction = void (card::CardReader::*)(CK_SLOT_ID, const std::string&, const std::string&) const;
  auto add_new_pin = [&](const char* name, const char* help_key, const char* stdin_help_key, const char* prompt_key,
                         NewPinAction action, const char* done_key) {
    auto* cmd = card_cmd->add_subcommand(name, help_text(help_key));
    add_common(cmd, o);
    cmd->add_flag("--pin-stdin", o.pin_stdin, help_text(stdin_help_key));
    cmd->callback([reader, prompt_key, action, done_key] {
      auto r = reader();
      CK_SLOT_ID slot = pick_slot(r, o);
      SecretInput in(o.pin_stdin);
      std::string proof = in.read(prompt_key);
      std::string new_pin = in.read("card.prompt_new_pin", true);
      (r.*action)(slot, proof, new_pin);
      std::cout << message(done_key) << "\n";
    });
  };
  add_new_pin("change-pin", "help.card_cmd_change_pin", "help.card_opt_pin_stdin_change", "card.prompt_pin",
              &card::CardReader::change_pin, "card.pin_changed");
  add_new_pin("unlock", "help.card_cmd_unlock", "help.card_opt_pin_stdin_unlock", "card.prompt_puk",
              &card::CardReader::unlock, "card.unlocked");

  auto* test = card_cmd->add_subcommand("test-sign", help_text("help.card_cmd_test_sign"));
  add_common(test, o);
  test->add_flag("--pin-stdin", o.pin_stdin, help_text("help.card_opt_pin_stdin"));
  test->callback([reader] {
    auto r = reader();
    CK_SLOT_ID slot = pick_slot(r, o);
    std::string pin = SecretInput(o.pin_stdin).read("card.prompt_pin");
    auto t = r.test_sign(slot, pin);
    std::cout << message(t.verified ? "card.test_ok" : "card.test_failed", {{"mechanism", t.mechanism}}) << "\n";
    if (!t.verified) throw Exit{1};
  });
}

}  // namespace tugra::cli
