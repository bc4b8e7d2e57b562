// /api/v1: the machine interface for relying parties (no key): a
// certificate's status by serial (what OCSP would say), a published
// certificate's bytes, the CA certificates with their CRL and OCSP
// addresses, and the published directory. Described by /api/v1/openapi.json
// (docs/openapi.json, built in). Errors are RFC 9457 problem details in
// Turkish or English (Accept-Language).
#include "common/bytes.hpp"
#include "common/clock.hpp"
#include "crypto/openssl.hpp"
#include "web/api_support.hpp"

namespace tugra::embedded {
const std::vector<std::pair<std::string_view, std::string_view>>& api_files();
}

namespace tugra::web {
namespace {

Response openapi(Exchange&) {
  Response r;
  r.content_type = "application/json";
  r.body = std::string(embedded::api_files().at(0).second);
  r.with("Cache-Control", "public, max-age=3600");
  return r;
}

Response authorities(Exchange& ex) {
  std::string base = ex.portal.config.str("service.public_base_url");
  auto all = ex.portal.backends.with([&](Backend& b) { return b.authorities(); });
  Json list = Json::array();
  for (const auto& a : all) {
    if ((a.kind != "root-ca" && a.kind != "issuing-ca") || !a.certificate) continue;
    list.push_back({{"id", a.id},
                    {"kind", a.kind},
                    {"subject", a.subject},
                    {"certificate_url", base + "/ca/" + a.id + ".crt"},
                    {"crl_url", base + "/crl/" + a.id + ".crl"}});
  }
  return api_json(Json{{"authorities", list}, {"ocsp_url", base + "/ocsp"}});
}

// /api/v1/certificates/{SERIAL}[.crt|.pem]
Response certificate(Exchange& ex) {
  std::string rest = ex.req.path.substr(std::string("/api/v1/certificates/").size());
  std::string format = rest.ends_with(".crt") ? "der" : rest.ends_with(".pem") ? "pem" : "";
  std::string serial = format.empty() ? rest : rest.substr(0, rest.size() - 4);
  for (auto& c : serial) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!valid_serial(serial)) return api_problem(ex, 400, "bad_serial");
  if (!format.empty()) {
    // The bytes only of a certificate its holder chose to publish.
    if (!ex.portal.directory_limiter.allow(ex.req.remote_ip)) return api_problem(ex, 429, "rate");
    auto r = published_certificate(ex, serial, format == "pem");
    return r ? *r : api_problem(ex, 404, "not_published");
  }
  auto record = ex.portal.backends.with([&](Backend& b) { return b.certificate(serial); });
  // As OCSP answers (RFC 6960 §2.2): a serial never issued is "revoked" with
  // certificateHold at the epoch, so that nobody takes it for good.
  Json body{{"serial", serial}, {"checked_at", format_iso(now_seconds())}};
  if (!record || record->status == store::CertStatus::pending) {
    body.update({{"known", false}, {"status", "revoked"}, {"revoked_at", format_iso(0)}, {"reason", "certificateHold"}});
    return api_json(body);
  }
  body.update({{"known", true}, {"issuer", record->issuer}, {"not_before", format_iso(record->not_before)},
               {"not_after", format_iso(record->not_after)}});
  if (record->status == store::CertStatus::valid) {
    body["status"] = "good";
  } else {
    body["status"] = "revoked";
    body["revoked_at"] = format_iso(record->revoked_at.value_or(0));
    body["reason"] = record->status == store::CertStatus::suspended
                         ? "certificateHold"
                         : Backend::reason_name(record->revocation_reason.value_or(0));
  }
  return api_json(body);
}

Response directory(Exchange& ex) {
  std::string name = ex.param("name"), institution = ex.param("institution");
  if (name.empty() || institution.empty()) return api_problem(ex, 400, "missing_query");
  if (!ex.portal.directory_limiter.allow(ex.req.remote_ip)) return api_problem(ex, 429, "rate");
  auto found = ex.portal.backends.with([&](Backend& b) { return b.directory().search(name, institution); });
  Json list = Json::array();
  for (const auto& c : found) {
    Json item{{"serial", c.serial},
              {"name", c.name},
              {"institution", c.institution},
              {"not_before", format_iso(c.not_before)},
              {"not_after", format_iso(c.not_after)},
              {"status", store::to_string(c.status)},
              {"certificate_url", "/api/v1/certificates/" + c.serial + ".crt"}};
    if (c.status == store::CertStatus::revoked) item["revoked_at"] = format_iso(c.revoked_at);
    list.push_back(item);
  }
  return api_json(Json{{"certificates", list}});
}

}  // namespace

Response api_json(const Json& body, int status) {
  Response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  r.with("Cache-Control", "no-cache");
  return r;
}

Response api_problem(Exchange& ex, int status, const std::string& kind, const std::string& detail,
                     const Json& extra) {
  Json body{{"type", "https://tugra.example/problems/" + kind},
            {"title", ex.text("web.api.title_" + kind)},
            {"status", status},
            {"detail", detail.empty() ? ex.text("web.api.detail_" + kind) : detail}};
  body.update(extra);
  Response r = api_json(body, status);
  r.content_type = "application/problem+json";
  if (status == 429) r.with("Retry-After", "60");  // the limiters' window
  return r;
}

bool page_request(Exchange& ex, PageRequest& page, Response& problem) {
  std::string cursor = ex.param("cursor"), limit = ex.param("limit");
  if (!cursor.empty()) {
    std::string digits;
    try {
      Bytes raw = base64url_decode(cursor);
      digits.assign(raw.begin(), raw.end());
    } catch (const std::exception&) {
    }
    page.after_id = id_number(digits);
    if (page.after_id == 0) {
      problem = api_problem(ex, 400, "bad_cursor");
      return false;
    }
  }
  if (!limit.empty()) {
    if (limit.size() > 3 || limit.find_first_not_of("0123456789") != std::string::npos || std::stoi(limit) < 1 ||
        std::stoi(limit) > 200) {
      problem = api_problem(ex, 400, "bad_limit");
      return false;
    }
    page.limit = std::stoi(limit);
  }
  return true;
}

std::int64_t id_number(const std::string& text) {
  if (text.empty() || text.size() > 15 || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::stoll(text);
}

std::string cursor_after(std::int64_t id) { return base64url_encode(as_bytes(std::to_string(id))); }

void add_api_pages(PortalState& p) {
  p.routes["GET /api/v1/openapi.json"] = openapi;
  p.routes["GET /api/v1/authorities"] = authorities;
  p.routes["GET /api/v1/directory"] = directory;
  p.prefix_routes.emplace_back("GET /api/v1/certificates/", certificate);
}

}  // namespace tugra::web
