// tugra registry import | institution add|list|officer-add|staff-import |
// drivers add|list|remove | outbox | notify test | demo seed
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/context.hpp"
#include "cli/secret_input.hpp"
#include "common/clock.hpp"
#include "common/error.hpp"
#include "common/files.hpp"
#include "common/tckn.hpp"
#include "notify/notifier.hpp"
#include "ra/api_keys.hpp"
#include "ra/contact.hpp"
#include "ra/drivers.hpp"
#include "ra/holder_desk.hpp"
#include "ra/master_key.hpp"
#include "ra/office.hpp"
#include "ra/institutions.hpp"
#include "ra/password_hash.hpp"
#include "ra/totp.hpp"
#include "store/ledger.hpp"
#include "store/portal_records.hpp"

namespace tugra::cli {
namespace {

// The home's ledger, with the configured hash cost for passwords.
std::unique_ptr<store::Ledger> open_ledger(Context& ctx) {
  ra::set_hash_cost(ra::HashCost::from_config(ctx.config()));
  return ctx.ledger();
}

ra::MasterKey master_key(const Config& config) { return ra::MasterKey(config.path("secrets.master_key_file")); }
ra::DriverCatalog driver_catalog(store::Ledger& ledger, const Config& config) {
  return ra::DriverCatalog(ledger, config.home() / "drivers");
}

// Prints an import's outcome; exits with 1 when rows were refused.
void report(const ra::ImportReport& r) {
  if (r.errors.empty()) {
    std::cout << message("institution.imported", {{"imported", std::to_string(r.imported)}}) << "\n";
    return;
  }
  std::cerr << message("institution.import_failed", {{"errors", std::to_string(r.errors.size())}}) << "\n";
  for (const auto& [line, text] : r.errors)
    std::cerr << message("institution.row_error", {{"line", std::to_string(line)}, {"message", text}}) << "\n";
  throw Exit{1};
}

// The demo data set: the institution and officer of seed 000, people with
// synthetic identity numbers (valid checksums, prefix 999), and drivers.
struct DemoPerson {
  const char* prefix;  // nine digits
  const char *given, *surname, *birth_place, *birth_date, *sicil, *unit, *title;
};
constexpr DemoPerson kDemoPeople[] = {
    {"999000001", "Ali Nafiz", "Çamlı", "Ankara", "1975-04-12", "1001", "İnsan Kaynakları", "Şube Müdürü"},
    {"999000002", "Çağrı Işıl", "Öztürk", "İzmir", "1988-09-30", "1234567890", "Bilgi İşlem", "Uzman"},
    {"999000003", "Şükrü", "Güldoğan", "Muğla", "1969-01-05", "2002", "Muhasebe", "Memur"},
    {"999000004", "İsmail", "Ağaoğlu", "Kocaeli", "1992-12-24", "2003", "Hukuk", "Avukat"},
    {"999000005", "Ayşe", "Yılmaz", "Bursa", "1985-06-15", "2004", "Destek Hizmetleri", "Tekniker"},
};
constexpr const char* kDemoOfficerUser = "ali.camli";
constexpr const char* kDemoOfficerPassword = "Demo-Parola-2026";
constexpr const char* kDemoOfficerTotp = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
constexpr const char* kDemoOperatorUser = "cagri.merkezi";
constexpr const char* kDemoOperatorTotp = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

// The demo catalogue of the Sürücü Yükleme Servisi: seed 000's readers and
// cards for Windows 7, 8, 10 and 11 and two Linux versions. Each download is
// a working set-up script: the readers are USB CCID readers, which Windows'
// own driver (usbccid) and Linux's libccid serve, so the script turns on the
// smart card service (Windows) or installs pcscd and libccid (Linux); a
// card's script checks the card and its PKCS#11 / CSP middleware. Vendor
// installers are added with `tugra drivers add` on a real service.
constexpr const char* kDemoReaders[] = {"Omnikey USB Şeffaf",    "Omnikey USB Beyaz",   "Omnikey Masaüstü",
                                        "Gemplus USB",           "ACS 38T USB - Kırmızı", "ACS 38T USB - Beyaz",
                                        "ACS 38T USB Masaüstü"};
constexpr const char* kDemoCards[] = {"AKIS Akıllı Kart", "Gemplus Akıllı Kart"};

std::string windows_script(const std::string& what, bool card) {
  std::string s = "@echo off\r\nrem " + what + "\r\n";
  s += card ? "rem Kartinizi takip calistiriniz: kartin sertifikalari ve kart yazilimi (CSP) listelenir.\r\n"
            : "rem Windows'un kendi CCID surucusu (usbccid) bu okuyucuyu tanir; bu betik Akilli Kart\r\n"
              "rem hizmetini (SCardSvr) otomatik baslayacak sekilde acar.\r\n"
              "net session >nul 2>&1 || (echo Yonetici olarak calistiriniz. & pause & exit /b 1)\r\n"
              "sc config SCardSvr start= auto\r\nsc start SCardSvr\r\n";
  s += "certutil -scinfo -silent\r\n";
  if (card) s += "certutil -csplist | findstr /i \"AKIS Gemalto Smart\"\r\n";
  return s + "pause\r\n";
}

std::string linux_script(const std::string& what, bool card) {
  std::string s = "#!/bin/sh\n# " + what + "\nset -e\n[ \"$(id -u)\" -eq 0 ] || exec sudo sh \"$0\" \"$@\"\napt-get update\n";
  if (!card)
    return s + "# USB CCID okuyucular libccid ile çalışır.\napt-get install -y pcscd libccid pcsc-tools\n"
               "systemctl enable --now pcscd.socket\n"
               "echo \"Kurulum tamam: okuyucunuzu takıp 'pcsc_scan' ile görüldüğünü denetleyiniz.\"\n";
  return s + "apt-get install -y pcscd opensc p11-kit\n"
             "# AKİS kartların PKCS#11 modülü (akisp11) kuruluysa p11-kit'e tanıtılır.\n"
             "for lib in /usr/lib/libakisp11.so /usr/lib/x86_64-linux-gnu/libakisp11.so; do\n"
             "  [ -f \"$lib\" ] && printf 'module: %s\\n' \"$lib\" > /usr/share/p11-kit/modules/akis.module\n"
             "done\n"
             "pkcs11-tool --list-slots || true\n";
}

std::size_t seed_demo_drivers(ra::DriverCatalog catalog, const std::filesystem::path& dir) {
  struct Platform {
    const char *os, *version;
    int bits;
  };
  const Platform platforms[] = {{"Windows", "7", 32},  {"Windows", "7", 64},  {"Windows", "8", 32},
                                {"Windows", "8", 64},  {"Windows", "10", 32}, {"Windows", "10", 64},
                                {"Windows", "11", 64}, {"Linux", "Debian 12", 64}, {"Linux", "Ubuntu 24.04", 64}};
  std::filesystem::create_directories(dir);
  std::size_t added = 0;
  auto add = [&](const Platform& p, const std::string& reader, const std::string& card) {
    bool for_card = card != "*";
    const std::string& device = for_card ? card : reader;
    bool windows = std::string(p.os) == "Windows";
    std::string platform = std::string(p.os) + " " + p.version + ", " + std::to_string(p.bits) + " bit";
    std::string name = device + " Sürücüsü (" + platform + ")";
    std::string file = std::string(for_card ? "kart" : "okuyucu") + (windows ? "-windows.cmd" : "-linux.sh");
    if (for_card) file = (card.starts_with("AKIS") ? "akis-" : "gemplus-") + file;
    write_file_atomic(dir / file, windows ? windows_script(name, for_card) : linux_script(name, for_card));
    store::DriverRecord r;
    r.os = p.os;
    r.os_version = p.version;
    r.bits = p.bits;
    r.reader = reader;
    r.card = card;
    r.name = name;
    catalog.add(r, dir / file);
    ++added;
  };
  for (const auto& p : platforms) {
    for (const char* reader : kDemoReaders) add(p, reader, "*");
    for (const char* card : kDemoCards) add(p, "*", card);
  }
  return added;
}

void seed_demo(Context& ctx) {
  // The demo accounts' passwords and TOTP keys are published in the README:
  // never in a home that is not a demonstration.
  if (!ctx.config().boolean("portal.demo")) throw UserError("demo.not_demo_home");
  auto ledger = open_ledger(ctx);
  auto config = ctx.config();
  auto& l = *ledger;
  if (store::InstitutionRepository(l.database()).find_by_name("TEST KURUM")) {
    std::cout << message("demo.already") << "\n";
    return;
  }
  auto institution = ra::add_institution(l, "TEST KURUM", "Kamu Sertifikasyon Caddesi No 1, Gebze");
  std::string registry = "tckn,ad,soyad,dogum_yeri,dogum_tarihi\n";
  std::string staff = "tckn,sicil,birim,unvan,adres,il,ilce,posta_kodu\n";
  for (const auto& p : kDemoPeople) {
    std::string tckn = tckn_from_prefix(p.prefix);
    registry += tckn + "," + p.given + "," + p.surname + "," + p.birth_place + "," + p.birth_date + "\n";
    staff += tckn + "," + p.sicil + "," + p.unit + "," + p.title + ",\"Gebze Yerleşkesi, Blok A\",Kocaeli,Gebze,41470\n";
  }
  report(ra::import_registry(l, registry));
  report(ra::import_staff(l, institution.id, staff));
  auto master = master_key(config);
  auto officer = ra::add_officer(l, institution.id, kDemoOfficerUser, tckn_from_prefix(kDemoPeople[0].prefix),
                                 "Ali Nafiz Çamlı", kDemoOfficerPassword, master, kDemoOfficerTotp);
  // The provider's own call centre, whose operators unblock holders.
  auto provider = ra::add_institution(l, config.str("ca.organization") + " ESHS", "");
  ra::add_officer(l, provider.id, kDemoOperatorUser, tckn_from_prefix("999000009"), "Çağrı Merkezi Operatörü",
                  kDemoOfficerPassword, master, kDemoOperatorTotp, "operator");

  std::size_t drivers = seed_demo_drivers(driver_catalog(l, config), config.home() / "demo-drivers");
  std::cout << message("demo.seeded", {{"institution", institution.name},
                                       {"people", std::to_string(std::size(kDemoPeople))},
                                       {"drivers", std::to_string(drivers)}})
            << "\n"
            << message("demo.officer", {{"username", kDemoOfficerUser},
                                        {"password", kDemoOfficerPassword},
                                        {"secret", officer.totp_secret}})
            << "\n"
            << message("demo.operator", {{"username", kDemoOperatorUser},
                                         {"password", kDemoOfficerPassword},
                                         {"secret", kDemoOperatorTotp}})
            << "\n";
  for (const auto& p : kDemoPeople)
    std::cout << "  " << tckn_from_prefix(p.prefix) << "  " << p.given << " " << p.surname << "  " << p.birth_place
              << "  " << p.birth_date << "  sicil " << p.sicil << "\n";
}

}  // namespace

void add_portal_commands(CLI::App& app, Context& ctx) {
  auto* registry = app.add_subcommand("registry", help_text("help.portal_cmd_registry"));
  registry->require_subcommand(1);
  static std::string registry_file;
  auto* import = registry->add_subcommand("import", help_text("help.portal_cmd_import"));
  import->add_option("file", registry_file, help_text("help.portal_opt_file"))->required();
  import->callback([&ctx] {
    report(ra::import_registry(*open_ledger(ctx), read_input(registry_file)));
  });

  auto* institution = app.add_subcommand("institution", help_text("help.portal_cmd_institution"));
  institution->require_subcommand(1);
  static std::string name, address, username, tckn, full_name, staff_file;
  static std::int64_t institution_id = 0;
  static bool password_stdin = false, json = false, as_operator = false;
  auto* add = institution->add_subcommand("add", help_text("help.portal_cmd_add"));
  add->add_option("--name", name, help_text("help.portal_opt_name"))->required();
  add->add_option("--address", address, help_text("help.portal_opt_address"));
  add->callback([&ctx] {
    auto i = ra::add_institution(*open_ledger(ctx), name, address);
    std::cout << message("institution.added", {{"id", std::to_string(i.id)}, {"name", i.name}}) << "\n";
  });
  auto* list = institution->add_subcommand("list", help_text("help.portal_cmd_list"));
  list->add_flag("--json", json, help_text("help.portal_opt_json"));
  list->callback([&ctx] {
    auto ledger = open_ledger(ctx);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& i : store::InstitutionRepository(ledger->database()).list()) {
      nlohmann::json officers = nlohmann::json::array();
      for (const auto& o : store::OfficerRepository(ledger->database()).for_institution(i.id))
        officers.push_back({{"username", o.username}, {"name", o.full_name}, {"tckn", o.tckn}});
      out.push_back({{"id", i.id}, {"name", i.name}, {"address", i.address}, {"officers", officers}});
      if (!json) {
        std::cout << i.id << "  " << i.name << "\n";
        for (const auto& o : officers)
          std::cout << "    " << o["username"].get<std::string>() << "  " << o["name"].get<std::string>() << "\n";
      }
    }
    if (json) std::cout << out.dump(2) << "\n";
  });
  auto* officer = institution->add_subcommand("officer-add", help_text("help.portal_cmd_officer_add"));
  officer->add_option("--institution", institution_id, help_text("help.portal_opt_institution"))->required();
  officer->add_option("--username", username, help_text("help.portal_opt_username"))->required();
  officer->add_option("--tckn", tckn, help_text("help.portal_opt_tckn"))
      ->required();
  officer->add_option("--name", full_name, help_text("help.portal_opt_name_2"))->required();
  officer->add_flag("--password-stdin", password_stdin, help_text("help.portal_opt_password_stdin"));
  officer->add_flag("--operator", as_operator, help_text("help.portal_opt_operator"));
  officer->callback([&ctx] {
    auto ledger = open_ledger(ctx);
    std::string password = SecretInput(password_stdin, "--password-stdin").read("institution.password_prompt", true);
    auto created = ra::add_officer(*ledger, institution_id, username, tckn, full_name, password,
                                   master_key(ctx.config()), "", as_operator ? "operator" : "officer");
    std::cout << message("institution.officer_added", {{"username", username}}) << "\n  " << created.totp_secret
              << "\n";
  });
  // Account management: each needs only the username, each is audited as the operator at the terminal.
  auto account = [&](const char* command, const char* help) {
    auto* cmd = institution->add_subcommand(command, help_text(help));
    cmd->add_option("--username", username, help_text("help.portal_opt_officer_username"))->required();
    return cmd;
  };
  account("officer-disable", "help.portal_cmd_officer_disable")->callback([&ctx] {
    ra::set_officer_enabled(*open_ledger(ctx), username, false, ctx.actor());
    std::cout << message("institution.officer_disabled", {{"username", username}}) << "\n";
  });
  account("officer-enable", "help.portal_cmd_officer_enable")->callback([&ctx] {
    ra::set_officer_enabled(*open_ledger(ctx), username, true, ctx.actor());
    std::cout << message("institution.officer_enabled", {{"username", username}}) << "\n";
  });
  auto* reset = account("password-reset", "help.portal_cmd_password_reset");
  reset->add_flag("--password-stdin", password_stdin, help_text("help.portal_opt_password_stdin"));
  reset->callback([&ctx] {
    auto ledger = open_ledger(ctx);
    std::string password = SecretInput(password_stdin, "--password-stdin").read("institution.password_prompt", true);
    ra::reset_officer_password(*ledger, username, password, ctx.actor());
    std::cout << message("institution.password_reset", {{"username", username}}) << "\n";
  });
  account("totp-reset", "help.portal_cmd_totp_reset")->callback([&ctx] {
    auto key = ra::reset_officer_totp(*open_ledger(ctx), username, master_key(ctx.config()), ctx.actor());
    std::cout << message("institution.totp_reset", {{"username", username}}) << "\n  " << key << "\n";
  });

  auto* staff = institution->add_subcommand("staff-import", help_text("help.portal_cmd_staff_import"));
  staff->add_option("--institution", institution_id, help_text("help.portal_opt_institution"))->required();
  staff->add_option("file", staff_file, help_text("help.portal_opt_file"))->required();
  staff->callback([&ctx] {
    report(ra::import_staff(*open_ledger(ctx), institution_id, read_input(staff_file)));
  });

  // REST API keys: shown once at creation, stored as a hash.
  auto* api_key = institution->add_subcommand("api-key", help_text("help.portal_cmd_api_key"));
  api_key->require_subcommand(1);
  static std::string key_name, key_scopes;
  static std::int64_t key_id = 0;
  auto* key_add = api_key->add_subcommand("add", help_text("help.portal_cmd_api_key_add"));
  key_add->add_option("--institution", institution_id, help_text("help.portal_opt_institution"));
  key_add->add_flag("--operator", as_operator, help_text("help.portal_opt_key_operator"));
  key_add->add_option("--name", key_name, help_text("help.portal_opt_key_name"))->required();
  key_add->add_option("--scope", key_scopes, help_text("help.portal_opt_key_scope"));
  key_add->callback([&ctx] {
    if (!as_operator && institution_id == 0) throw UserError("institution.not_found", {{"id", "0"}});
    auto ledger = open_ledger(ctx);
    auto key = ra::ApiKeys(*ledger).add(as_operator ? "operator" : "institution", institution_id, key_name,
                                        key_scopes, ctx.actor());
    std::cout << message("api_key.added", {{"id", std::to_string(key.record.id)},
                                           {"name", key.record.name},
                                           {"scopes", key.record.scopes}})
              << "\n  " << key.token << "\n";
  });
  auto* key_list = api_key->add_subcommand("list", help_text("help.portal_cmd_api_key_list"));
  key_list->add_option("--institution", institution_id, help_text("help.portal_opt_institution"));
  key_list->add_flag("--json", json, help_text("help.portal_opt_json"));
  key_list->callback([&ctx] {
    auto ledger = open_ledger(ctx);
    auto keys = ra::ApiKeys(*ledger).list(institution_id);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& k : keys) {
      out.push_back({{"id", k.id}, {"kind", k.kind}, {"institution", k.institution_id}, {"name", k.name},
                     {"scopes", k.scopes}, {"created_at", format_iso(k.created_at)},
                     {"revoked_at", k.revoked_at ? nlohmann::json(format_iso(k.revoked_at)) : nlohmann::json()}});
      if (!json)
        std::cout << k.id << "  " << k.kind << (k.institution_id ? " " + std::to_string(k.institution_id) : "")
                  << "  " << k.name << "  [" << k.scopes << "]"
                  << (k.revoked_at ? "  revoked " + format_iso(k.revoked_at) : "") << "\n";
    }
    if (json) std::cout << out.dump(2) << "\n";
    else if (keys.empty()) std::cout << message("api_key.none") << "\n";
  });
  auto* key_revoke = api_key->add_subcommand("revoke", help_text("help.portal_cmd_api_key_revoke"));
  key_revoke->add_option("id", key_id, help_text("help.portal_opt_key_id"))->required();
  key_revoke->callback([&ctx] {
    ra::ApiKeys(*open_ledger(ctx)).revoke(key_id, ctx.actor());
    std::cout << message("api_key.revoked", {{"id", std::to_string(key_id)}}) << "\n";
  });

  auto* drivers = app.add_subcommand("drivers", help_text("help.portal_cmd_drivers"));
  drivers->require_subcommand(1);
  static store::DriverRecord driver;
  static std::string driver_file;
  static std::int64_t driver_id = 0;
  auto* dadd = drivers->add_subcommand("add", help_text("help.portal_cmd_add_2"));
  dadd->add_option("--os", driver.os, help_text("help.portal_opt_os"))->required();
  dadd->add_option("--os-version", driver.os_version, help_text("help.portal_opt_os_version"))->required();
  dadd->add_option("--bits", driver.bits, help_text("help.portal_opt_bits"))->required();
  dadd->add_option("--reader", driver.reader, help_text("help.portal_opt_reader"))->default_val("*");
  dadd->add_option("--card", driver.card, help_text("help.portal_opt_card"))->default_val("*");
  dadd->add_option("--name", driver.name, help_text("help.portal_opt_name_3"))->required();
  dadd->add_option("file", driver_file, help_text("help.portal_opt_file_2"))->required();
  dadd->callback([&ctx] {
    auto ledger = open_ledger(ctx);
    auto d = driver_catalog(*ledger, ctx.config()).add(driver, driver_file);
    std::cout << message("drivers.added", {{"id", std::to_string(d.id)}, {"name", d.name},
                                           {"size", std::to_string(d.size)}, {"sha256", d.sha256}})
              << "\n";
  });
  auto* dlist = drivers->add_subcommand("list", help_text("help.portal_cmd_list_2"));
  dlist->add_flag("--json", json, help_text("help.portal_opt_json"));
  dlist->callback([&ctx] {
    auto ledger = open_ledger(ctx);
    auto all = driver_catalog(*ledger, ctx.config()).list();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& d : all) {
      out.push_back({{"id", d.id}, {"os", d.os}, {"os_version", d.os_version}, {"bits", d.bits}, {"reader", d.reader},
                     {"card", d.card}, {"name", d.name}, {"sha256", d.sha256}, {"size", d.size}});
      if (!json)
        std::cout << d.id << "  " << d.os << " " << d.os_version << " " << d.bits << " bit  " << d.reader << " / "
                  << d.card << "  " << d.name << "\n";
    }
    if (json) std::cout << out.dump(2) << "\n";
    else if (all.empty()) std::cout << message("drivers.none") << "\n";
  });
  auto* dremove = drivers->add_subcommand("remove", help_text("help.portal_cmd_remove"));
  dremove->add_option("id", driver_id, help_text("help.portal_opt_id"))->required();
  dremove->callback([&ctx] {
    auto ledger = open_ledger(ctx);
    driver_catalog(*ledger, ctx.config()).remove(driver_id);
    std::cout << message("drivers.removed", {{"id", std::to_string(driver_id)}}) << "\n";
  });

  static std::string to;
  static int limit = 20;
  auto* outbox = app.add_subcommand("outbox", help_text("help.portal_cmd_outbox"));
  outbox->add_option("--to", to, help_text("help.portal_opt_to"));
  outbox->add_option("--limit", limit, help_text("help.portal_opt_limit"))->capture_default_str();
  outbox->add_flag("--json", json, help_text("help.portal_opt_json"));
  outbox->callback([&ctx] {
    auto config = ctx.config();
    auto db = store::Database::open(config);
    auto messages = store::OutboxRepository(*db).list(to, limit);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& m : messages) {
      out.push_back({{"id", m.id}, {"channel", m.channel}, {"to", m.recipient}, {"subject", m.subject},
                     {"body", m.body}, {"at", format_utc(m.created_at)}});
      if (!json)
        std::cout << "#" << m.id << "  " << format_utc(m.created_at) << "  " << m.channel << "  " << m.recipient
                  << (m.subject.empty() ? "" : "  [" + m.subject + "]") << "\n    " << m.body << "\n";
    }
    if (json) std::cout << out.dump(2) << "\n";
    else if (messages.empty()) std::cout << message("outbox.none") << "\n";
  });

  static std::string unblock_tckn;
  auto* holder = app.get_subcommand("holder");
  auto* unblock = holder->add_subcommand("unblock", help_text("help.portal_cmd_unblock"));
  unblock->add_option("--tckn", unblock_tckn, help_text("help.portal_opt_tckn_2"))->required();
  unblock->callback([&ctx] {
    auto ledger = open_ledger(ctx);
    auto config = ctx.config();
    notify::Notifications notifications(config, ledger->database());
    ra::HolderDesk(*ledger, notifications, ra::holder_settings(config),
                   std::make_shared<const ra::MasterKey>(config.path("secrets.master_key_file")))
        .unblock(unblock_tckn, ctx.actor());
    std::cout << message("holder.unblocked", {{"tckn", unblock_tckn}}) << "\n";
  });

  static std::string sms_to, email_to;
  auto* notify = app.add_subcommand("notify", help_text("help.portal_cmd_notify"));
  notify->require_subcommand(1);
  auto* test = notify->add_subcommand("test", help_text("help.portal_cmd_test"));
  test->add_option("--sms", sms_to, help_text("help.portal_opt_sms"));
  test->add_option("--email", email_to, help_text("help.portal_opt_email"));
  test->callback([&ctx] {
    if (sms_to.empty() && email_to.empty()) throw UserError("notify.nothing_to_send");
    auto config = ctx.config();
    auto db = store::Database::open(config);
    notify::Notifications notifications(config, *db);
    if (!sms_to.empty()) notifications.sms(ra::normalise_mobile(sms_to), message("notify.test_body"));
    if (!email_to.empty()) {
      ra::check_email(email_to);
      notifications.email(email_to, message("notify.test_subject"), message("notify.test_body"));
    }
    std::cout << message("notify.test_sent") << "\n";
  });

  auto* demo = app.add_subcommand("demo", help_text("help.portal_cmd_demo"));
  demo->require_subcommand(1);
  demo->add_subcommand("seed", help_text("help.portal_cmd_seed"))
      ->callback([&ctx] { seed_demo(ctx); });
  static std::string totp_secret = kDemoOfficerTotp;
  auto* code = demo->add_subcommand("totp", help_text("help.portal_cmd_totp"));
  code->add_option("--secret", totp_secret, help_text("help.portal_opt_secret"))->capture_default_str();
  code->callback([] {
    Bytes key;
    try {
      key = ra::base32_decode(totp_secret);
    } catch (const std::invalid_argument&) {
      throw UsageError("demo.bad_secret", {{"secret", totp_secret}});
    }
    std::cout << ra::totp_code(key, now_seconds()) << "\n";
  });
}

}  // namespace tugra::cli
