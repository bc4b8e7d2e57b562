// The public pages: home with the service tiles, the "Ne yapmalıyım?" help
// for institutions and staff, the driver download service, shipment
// tracking, the captcha image, static files and (demo mode) the outbox.
#include <algorithm>
#include <set>

#include "common/clock.hpp"
#include "common/files.hpp"
#include "ra/drivers.hpp"
#include "ra/shipments.hpp"
#include "web/captcha.hpp"
#include "web/portal_internal.hpp"

namespace tugra::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& static_files();
}

namespace tugra::web {
namespace {

Response static_file(Exchange& ex) {
  std::string name = ex.req.path.substr(std::string("/static/").size());
  for (const auto& [file, text] : embedded::static_files()) {
    if (file != name) continue;
    Response r;
    r.content_type = name.ends_with(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8";
    r.body = std::string(text);
    r.with("Cache-Control", "public, max-age=3600");
    return r;
  }
  return ex.error_page(404, "web.error.not_found");
}

Response home(Exchange& ex) { return ex.page("home", Data{}, ex.text("web.home.title")); }

Response help_institution(Exchange& ex) { return ex.page("help_institution", Data{}, ex.text("web.help.institution_title")); }
Response help_staff(Exchange& ex) { return ex.page("help_staff", Data{}, ex.text("web.help.staff_title")); }

// A new captcha for this session (the previous one can no longer be used).
// Only for a browser that loaded a page first (it has our cookie), and a
// few a minute per address: a flood of images cannot fill the session store
// (and sessions holding only a captcha are the first to go when it is full).
Response captcha(Exchange& ex) {
  if (ex.new_visitor) return ex.error_page(403, "web.error.csrf");
  if (!ex.portal.captcha_limiter.allow(ex.req.remote_ip)) return ex.error_page(429, "web.error.rate");
  Session* s = ex.session(true);
  Captcha c = make_captcha(ex.settings->captcha_fixed);
  s->captcha_answer = c.answer;
  s->captcha_expires = now_seconds() + ex.settings->captcha_seconds;
  Response r;
  r.content_type = "image/png";
  r.body = std::move(c.png);
  return r;
}

// The choices in the catalogue's order (seed 000 lists the readers so), once each.
Data option_list(const std::vector<std::string>& values, const std::string& selected) {
  Data list{Data::type::list};
  std::set<std::string> seen;
  for (const auto& v : values) {
    if (!seen.insert(v).second) continue;
    Data o;
    o.set("value", v);
    o.set("selected", v == selected);
    list.push_back(o);
  }
  return list;
}

Response drivers(Exchange& ex) {
  ra::DriverQuery q{ex.param("os"), ex.param("version"), ex.param("reader"), ex.param("card"), 0};
  std::string bits = ex.param("bits");
  q.bits = bits == "32" ? 32 : bits == "64" ? 64 : 0;
  bool searched = !ex.param("show").empty();
  auto [all, found] = ex.portal.backends.with([&](Backend& b) {
    auto& catalog = b.drivers();
    return std::pair{catalog.list(), searched ? catalog.find(q) : std::vector<store::DriverRecord>{}};
  });
  // In the order the operator added them (seed 000 lists readers and versions so).
  std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
  std::vector<std::string> oses, readers, cards;
  Data versions{Data::type::list};
  std::set<std::pair<std::string, std::string>> seen_versions;
  for (const auto& d : all) {
    oses.push_back(d.os);
    // Every system's versions, each marked with its system: portal.js shows
    // those of the chosen one (without script they read "Windows 10").
    if (seen_versions.insert({d.os, d.os_version}).second) {
      Data v;
      v.set("os", d.os);
      v.set("value", d.os_version);
      v.set("selected", d.os == q.os && d.os_version == q.os_version);
      versions.push_back(v);
    }
    if (d.reader != "*") readers.push_back(d.reader);
    if (d.card != "*") cards.push_back(d.card);
  }
  Data data;
  data.set("oses", option_list(oses, q.os));
  data.set("versions", versions);
  data.set("readers", option_list(readers, q.reader));
  data.set("cards", option_list(cards, q.card));
  data.set("bits32", q.bits == 32);
  data.set("bits64", q.bits == 64);
  if (searched) {
    data.set("searched", true);
    Data list{Data::type::list};
    for (const auto& d : found) {
      Data item;
      item.set("id", std::to_string(d.id));
      item.set("name", d.name);
      item.set("os", d.os + " " + d.os_version + " " + std::to_string(d.bits) + " Bit");
      item.set("size", std::to_string((d.size + 1023) / 1024) + " KB");
      item.set("sha256", d.sha256);
      list.push_back(item);
    }
    if (found.empty()) data.set("none", true);
    data.set("found", list);
  }
  return ex.page("drivers", data, ex.text("web.drivers.title"));
}

Response driver_download(Exchange& ex) {
  std::string id_text = ex.req.path.substr(std::string("/surucu/indir/").size());
  std::int64_t id = 0;
  if (id_text.empty() || id_text.size() > 12 || id_text.find_first_not_of("0123456789") != std::string::npos)
    return ex.error_page(404, "web.error.not_found");
  id = std::stoll(id_text);
  auto file = ex.portal.backends.with([&](Backend& b) -> std::optional<std::pair<store::DriverRecord, std::string>> {
    auto& catalog = b.drivers();
    auto d = b.driver(id);
    if (!d) return std::nullopt;
    return std::pair{*d, read_file(catalog.file_of(*d))};
  });
  if (!file) return ex.error_page(404, "web.error.not_found");
  Response r;
  r.content_type = "application/octet-stream";
  r.body = std::move(file->second);
  std::string shown = file->first.file_name.substr(17);  // without the hash prefix
  r.with("Content-Disposition", "attachment; filename=\"" + shown + "\"");
  r.with("Cache-Control", "public, max-age=86400");
  return r;
}

Response shipment(Exchange& ex) {
  Data data;
  std::string number = ex.param("no");
  data.set("no", number);
  if (!number.empty()) {
    if (!ra::valid_tracking_number(number)) {
      data.set("error", ex.text("web.shipment.invalid"));
    } else {
      auto record = ex.portal.backends.with([&](Backend& b) { return b.shipments().find(number); });
      if (!record) {
        data.set("error", ex.text("web.shipment.not_found"));
      } else {
        data.set("state", ex.text("shipment.state." + record->state));
        Data events{Data::type::list};
        for (const auto& e : record->events) {
          Data item;
          item.set("at", format_time(e.at, "%d.%m.%Y %H:%M"));
          item.set("state", ex.text("shipment.state." + e.state));
          item.set("note", e.note);
          events.push_back(item);
        }
        data.set("events", events);
        data.set("found", true);
      }
    }
  }
  return ex.page("shipment", data, ex.text("web.shipment.title"));
}

// Demo mode only: what the outbox adapters "sent", newest first.
Response dev_outbox(Exchange& ex) {
  if (!ex.settings->demo) return ex.error_page(404, "web.error.not_found");
  auto messages = ex.portal.backends.with(
      [&](Backend& b) { return b.outbox(ex.param("to"), 50); });
  Data list{Data::type::list};
  for (const auto& m : messages) {
    Data item;
    item.set("id", std::to_string(m.id));
    item.set("at", format_utc(m.created_at));
    item.set("channel", m.channel);
    item.set("to", m.recipient);
    item.set("subject", m.subject);
    item.set("body", m.body);
    list.push_back(item);
  }
  Data data;
  data.set("messages", list);
  return ex.page("outbox", data, "Outbox");
}

}  // namespace

void add_public_pages(PortalState& p) {
  p.routes["GET /"] = home;
  p.routes["GET /kurum/bilgi"] = help_institution;
  p.routes["GET /personel/bilgi"] = help_staff;
  p.routes["GET /captcha.png"] = captcha;
  p.routes["GET /surucu"] = drivers;
  p.routes["GET /gonderi"] = shipment;
  p.routes["GET /dev/outbox"] = dev_outbox;
  p.prefix_routes.emplace_back("GET /static/", static_file);
  p.prefix_routes.emplace_back("GET /surucu/indir/", driver_download);
}

}  // namespace tugra::web
