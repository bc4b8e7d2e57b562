// Shared by the portal's page files (internal to web/): the per-request
// exchange, the backend pool, rendering and the page handlers.
#pragma once

#include <kainjow/mustache.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/config.hpp"
#include "common/error.hpp"
#include "common/live.hpp"
#include "common/messages.hpp"
#include "common/url.hpp"
#include "web/http.hpp"
#include "web/multipart.hpp"
#include "ra/office.hpp"
#include "ra/password_hash.hpp"
#include "web/session.hpp"
#include "web/work_queue.hpp"

namespace tugra::web {

using Data = kainjow::mustache::data;

// One database connection with every desk that works on it (ra::Office).
// Requests borrow one from the pool for the time they need it (writers are
// serialised by the database anyway).
using Backend = ra::Office;

class BackendPool {
 public:
  BackendPool(const Config& config, int size);
  ~BackendPool();
  // Runs `fn` with a free backend. A backend whose work failed other than
  // with a refusal (the database went away) checks its connection, and
  // reconnects, before it is lent again.
  template <typename Fn>
  auto with(Fn&& fn) {
    Lease lease(*this);
    try {
      return fn(*lease.backend);
    } catch (const UserError&) {
      throw;
    } catch (const ra::Busy&) {
      throw;
    } catch (...) {
      lease.suspect = true;
      throw;
    }
  }

 private:
  struct Lease {
    explicit Lease(BackendPool& p);
    ~Lease();
    BackendPool& pool;
    Backend* backend;
    bool suspect = false;
  };
  std::mutex mutex_;
  std::condition_variable free_;
  std::vector<std::unique_ptr<Backend>> all_;
  std::vector<Backend*> idle_;
  std::vector<Backend*> suspect_;  // to be checked before the next use

 public:
  // A free connection's database answers (never waits for one: /healthz runs on an HTTP thread).
  bool database_ok();
};

// Tokens per address, refilled continuously (a token bucket).
class RateLimiter {
 public:
  explicit RateLimiter(int per_minute) : per_minute_(per_minute) {}
  bool allow(const std::string& key);
  void set_per_minute(int per_minute);  // a reload; buckets keep their tokens

 private:
  struct Bucket {
    double tokens;
    std::int64_t at_micros;
  };
  int per_minute_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

// Addresses that failed a log-in lately (in memory: a captcha is asked of
// them for a while; a restart forgets, the per-account count is in the database).
class RecentFailures {
 public:
  explicit RecentFailures(std::int64_t seconds) : seconds_(seconds) {}
  void note(const std::string& address);
  bool recent(const std::string& address);

 private:
  std::int64_t seconds_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> last_;
};

// Work in flight per address, bounded: one address cannot queue more than
// `max` password hashes however many connections it opens.
class AddressGate {
 public:
  explicit AddressGate(int max) : max_(max) {}
  class Ticket {
   public:
    Ticket(AddressGate& gate, std::string address) : gate_(gate), address_(std::move(address)) {}
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket();

   private:
    AddressGate& gate_;
    std::string address_;
  };
  // A ticket, or none when the address already has `max` in flight.
  std::unique_ptr<Ticket> enter(const std::string& address);

 private:
  int max_;
  std::mutex mutex_;
  std::unordered_map<std::string, int> in_flight_;
};

// The portal's settings that a reload (SIGHUP) may change; a request reads
// one snapshot of them from start to end.
struct PortalSettings {
  bool demo = false;
  std::string captcha_fixed;
  std::int64_t captcha_seconds = 300, sms_code_seconds = 300;
  int sms_code_attempts = 3;
  std::string call_centre;
  std::string contact_email;
  std::int64_t session_seconds = 1200;
  static PortalSettings from(const Config& config);
};

class OutboundLoop;
class Exchange;
using Handler = std::function<Response(Exchange&)>;

class PortalState {
 public:
  explicit PortalState(const Config& config);
  ~PortalState();
  // Applies what a reload may change: settings and rate limits.
  void reload(const Config& config);
  Config config;
  Live<PortalSettings> settings;
  SessionStore sessions;
  RateLimiter post_limiter;
  RateLimiter captcha_limiter;
  RateLimiter officer_login_limiter;
  RateLimiter directory_limiter;  // Sertifika Sorgulama, per address
  RateLimiter api_key_limiter;    // the REST API, per key
  RateLimiter api_failure_limiter;  // wrong API keys, per address
  RecentFailures officer_failures{15 * 60};
  AddressGate hash_gate{1};
  BackendPool backends;
  // Work done after the answer is sent, so that the answer's timing tells
  // nothing (whether a forgotten-word request found a holder).
  std::unique_ptr<WorkQueue> after_answer;
  std::map<std::string, Handler> routes;  // "GET /path"
  std::set<std::string> upload_routes;     // "POST /path" that take multipart/form-data
  std::vector<std::pair<std::string, Handler>> prefix_routes;  // "GET /prefix/"
  std::string agent_url;  // the holder's card agent, as the pages' scripts reach it
  std::string csp;        // Content-Security-Policy of every answer
  // Sends the institutions' webhooks; last, so that it stops first.
  std::unique_ptr<OutboundLoop> outbound_loop;
};

// One request being answered.
class Exchange {
 public:
  Exchange(PortalState& portal, const Request& request);

  PortalState& portal;
  const Request& req;
  std::shared_ptr<const PortalSettings> settings;  // as they were when the request came
  Lang lang = Lang::tr;
  FormFields form;   // a POST body
  std::map<std::string, Upload> uploads;  // the files of a multipart POST (upload routes only)
  FormFields query;
  std::string session_id;
  bool set_session_cookie = false;  // a session id this response must hand out
  bool new_visitor = false;         // no session cookie came with the request
  bool set_lang_cookie = false;

  std::string field(const std::string& name) const;  // from the form
  std::string param(const std::string& name) const;  // from the query
  std::string text(const std::string& key, MessageArgs args = {}) const { return message(lang, key, args); }
  // The stored session, created when `create`; holds its lock until the end
  // of the request.
  Session* session(bool create);
  void end_session();
  // Checks the "captcha" field against the session's captcha, which this
  // attempt uses up whatever its outcome: "" when right, else the catalog
  // key (expired or wrong).
  std::string captcha_problem(Session& s);

  // A page: `content` template inside the layout. `data` gets the CSRF
  // token and the language links; the texts (t.*) are put into the
  // template when it is first used.
  Response page(const std::string& content, Data data, const std::string& title, int status = 200);
  Response error_page(int status, const std::string& message_key);
  // A template rendered on its own, to put into a page's data ({{{name}}}).
  std::string fragment(const std::string& name, const Data& data);
  // The form fields, their errors (catalog keys) and values for a template.
  static Data values_data(const std::map<std::string, std::string>& values);
  Data errors_data(const std::map<std::string, std::string>& errors) const;
  Response finish(Response r);  // cookies and security headers

 private:
  std::shared_ptr<Session> session_;
  std::unique_lock<std::mutex> session_lock_;
};

// The officer or operator logged in to this session with `role` ("officer":
// the institution console, "operator": the call centre page), or nullopt.
std::optional<store::Officer> logged_in(Exchange& ex, Backend& b, const std::string& role);

// The page groups; each adds its routes.
void add_public_pages(PortalState& portal);
void add_application_pages(PortalState& portal);
void add_officer_pages(PortalState& portal);
void add_holder_pages(PortalState& portal);
void add_operator_pages(PortalState& portal);
void add_verify_pages(PortalState& portal);
void add_card_agent_pages(PortalState& portal);
void add_e_approval_pages(PortalState& portal);
void add_content_pages(PortalState& portal);
void add_directory_pages(PortalState& portal);
void add_api_pages(PortalState& portal);

// The printed application of step 6/6 with its undertaking, as a PDF
// (application_pages.cpp; E-Onay shows a renewal's undertaking with it).
std::string application_print(Exchange& ex, const store::Application& a);

// Sertifika Sorgulama's pieces the API shares (directory_pages.cpp): a serial
// as the database keeps it (upper-case hex, up to 40 digits), and a published
// certificate as a download (DER or PEM); nullopt when not published.
bool valid_serial(const std::string& serial);
std::optional<Response> published_certificate(Exchange& ex, const std::string& serial, bool pem);

// The İl and İlçe fields (place_lists.cpp), with the form's errors for them.
std::string place_fields(Exchange& ex, const std::string& il, const std::string& ilce,
                         const std::map<std::string, std::string>& errors);

// The holder's pages share these (holder_pages.cpp).
Data holder_frame();                                                   // the crumb of seeds 001-004
Data holder_menu_frame(Exchange& ex, const store::HolderRecord& h);    // + the menu bar and session warning
// The logged-in holder, or nullopt (not logged in, or the word changed since).
std::optional<store::HolderRecord> logged_in_holder(Exchange& ex);

// "<a>/<b>" templates and static files embedded in the binary.
const std::string& template_text(const std::string& name);

}  // namespace tugra::web
