// Sertifika Sorgulama (/sertifika-sorgulama): the published certificates
// found by full name and institution, and their download.
#include "common/display.hpp"
#include "crypto/openssl.hpp"
#include "web/portal_internal.hpp"

namespace tugra::web {
namespace {

std::string state_text(Exchange& ex, const ra::PublishedCertificate& c) {
  std::string text = ex.text(std::string("web.directory.state_") + store::to_string(c.status));
  if (c.status == store::CertStatus::revoked) text += " (" + display_time(c.revoked_at) + ")";
  return text;
}

Response search(Exchange& ex) {
  std::string name = ex.param("ad"), institution = ex.param("kurum");
  bool searched = !name.empty() || !institution.empty();
  if (searched && !ex.portal.directory_limiter.allow(ex.req.remote_ip)) return ex.error_page(429, "web.error.rate");
  auto [institutions, found] = ex.portal.backends.with([&](Backend& b) {
    auto& directory = b.directory();
    return std::pair{directory.institutions(),
                     searched ? directory.search(name, institution) : std::vector<ra::PublishedCertificate>{}};
  });
  Data d;
  d.set("ad", name);
  Data options{Data::type::list};
  for (const auto& i : institutions) {
    Data o;
    o.set("name", i);
    o.set("selected", i == institution);
    options.push_back(o);
  }
  d.set("institutions", options);
  if (searched) {
    d.set("searched", true);
    Data rows{Data::type::list};
    for (const auto& c : found) {
      Data row;
      row.set("serial", c.serial);
      row.set("name", c.name);
      row.set("institution", c.institution);
      row.set("valid", display_day(c.not_before) + " - " + display_day(c.not_after));
      row.set("state", state_text(ex, c));
      row.set("state_code", std::string(store::to_string(c.status)));
      rows.push_back(row);
    }
    d.set("found", rows);
    if (found.empty()) d.set("none", true);
  }
  return ex.page("directory", d, ex.text("web.directory.title"));
}

// /sertifika-sorgulama/SERIAL.crt (DER) or .pem
Response download(Exchange& ex) {
  std::string rest = ex.req.path.substr(std::string("/sertifika-sorgulama/").size());
  bool pem = rest.ends_with(".pem");
  std::string serial = rest.size() > 4 ? rest.substr(0, rest.size() - 4) : "";
  if ((!pem && !rest.ends_with(".crt")) || !valid_serial(serial)) return ex.error_page(404, "web.error.not_found");
  if (!ex.portal.directory_limiter.allow(ex.req.remote_ip)) return ex.error_page(429, "web.error.rate");
  auto r = published_certificate(ex, serial, pem);
  return r ? *r : ex.error_page(404, "web.error.not_found");
}

}  // namespace

bool valid_serial(const std::string& serial) {
  return !serial.empty() && serial.size() <= 40 && serial.find_first_not_of("0123456789ABCDEF") == std::string::npos;
}

std::optional<Response> published_certificate(Exchange& ex, const std::string& serial, bool pem) {
  auto c = ex.portal.backends.with([&](Backend& b) { return b.directory().find(serial); });
  if (!c) return std::nullopt;
  Response r;
  r.content_type = pem ? "application/x-pem-file" : "application/pkix-cert";
  r.body = pem ? ossl::to_pem(ossl::cert_from_der(as_bytes(c->der)).get()) : c->der;
  r.with("Content-Disposition", "attachment; filename=\"" + serial + (pem ? ".pem" : ".crt") + "\"");
  r.with("Cache-Control", "no-cache");  // a status can change
  return r;
}

void add_directory_pages(PortalState& p) {
  p.routes["GET /sertifika-sorgulama"] = search;
  p.prefix_routes.emplace_back("GET /sertifika-sorgulama/", download);
}

}  // namespace tugra::web
