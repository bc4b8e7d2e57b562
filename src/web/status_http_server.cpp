#include "web/status_http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "common/clock.hpp"
#include "status/status_service.hpp"
#include "web/access_log.hpp"
#include "web/metrics.hpp"

namespace tugra::web {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBuffer = 16384;
constexpr std::size_t kMaxUnsent = 256 * 1024;  // answers waiting for a slow reader: read no more requests
constexpr int kIdleSeconds = 30;                // a connection with nothing under way, or a request arriving
constexpr int kLingerSeconds = 2;               // after the last answer of a closing connection

std::int64_t seconds_of(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

template <typename Number>
void append_number(std::string& out, Number n) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
}

void append_status_line(std::string& out, int status) {
  out += "HTTP/1.1 ";
  append_number(out, status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\nServer: Tugra\r\nX-Content-Type-Options: nosniff\r\n";
}

void append_connection(std::string& out, bool keep_alive) {
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
}

// A general answer (a CRL, a live OCSP answer, /metrics, a refusal); a
// HEAD request's without its body.
void render(std::string& out, const Response& r, bool keep_alive, bool with_body = true) {
  append_status_line(out, r.status);
  if (!r.content_type.empty()) {
    out += "Content-Type: ";
    out += r.content_type;
    out += "\r\n";
  }
  for (const auto& [name, value] : r.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (r.status != 304) {
    out += "Content-Length: ";
    append_number(out, r.body.size());
    out += "\r\n";
  }
  append_connection(out, keep_alive);
  if (with_body) out += r.body;
}

std::string peer_address(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof text);
  else if (address.ss_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text, sizeof text);
  return text;
}

struct Connection {
  Connection(int socket, std::uint64_t number, std::string address, RequestReader::Limits limits)
      : fd(socket), id(number), peer(std::move(address)), reader(limits), in(new char[kReadBuffer]) {
    out.reserve(8192);
  }
  int fd;
  std::uint64_t id;
  std::string peer;
  RequestReader reader;
  std::unique_ptr<char[]> in;
  std::size_t in_begin = 0, in_end = 0;  // bytes read, not yet given to the reader (kept while an answer is signed)
  std::string out;                       // answers not yet sent, in request order
  std::size_t out_sent = 0;
  bool deferred = false;  // an answer is being signed on another thread: no later request is read until it comes
  bool closing = false;   // close once `out` is sent
  bool draining = false;  // all sent and our side shut: reading to the client's end before closing
  bool no_delay = false;  // TCP_NODELAY set
  std::uint32_t events = 0;  // the epoll interest set now
  std::int64_t last_active = 0;
  std::int64_t request_since = 0;  // when the request being read began to arrive
};

// A signed answer coming back to its connection's loop.
struct Finished {
  std::uint64_t connection;
  std::string bytes;
  bool keep_alive;
};

}  // namespace

class StatusHttpServer::Loop {
 public:
  explicit Loop(StatusHttpServer& server) : server_(server) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_ < 0 || wake_ < 0) throw std::runtime_error(std::strerror(errno));
    add(wake_, &wake_tag_, EPOLLIN);
  }
  ~Loop() {
    if (thread_.joinable()) thread_.join();
    for (auto& [id, c] : connections_) ::close(c->fd);
    ::close(wake_);
    ::close(epoll_);
  }

  void listen_on(int listener) {
    // EPOLLEXCLUSIVE: one loop is woken per new connection, not all of them.
    add(listener, &listener_tag_, EPOLLIN | EPOLLEXCLUSIVE);
  }
  void start() { thread_ = std::thread([this] { run(); }); }
  void stop() {
    stopping_ = true;
    wake();
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  // From a signing thread: the answer for connection `id`.
  void finish(Finished done) {
    {
      std::lock_guard lock(finished_mutex_);
      finished_.push_back(std::move(done));
    }
    wake();
  }

 private:
  void add(int fd, void* tag, std::uint32_t events) {
    epoll_event e{};
    e.events = events;
    e.data.ptr = tag;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &e) != 0) throw std::runtime_error(std::strerror(errno));
  }
  void wake() {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_, &one, sizeof one);
  }

  void run() {
    epoll_event events[256];
    std::int64_t swept = 0;
    while (!stopping_) {
      int n = epoll_wait(epoll_, events, 256, 1000);
      if (n < 0 && errno != EINTR) break;
      // The clocks are read once a round, not per request: a request's time
      // is counted from the round that found it.
      round_start_ = Clock::now();
      round_second_ = seconds_of(round_start_);
      unix_now_ = now_seconds();
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &listener_tag_) accept_one();
        else if (tag == &wake_tag_) take_finished();
        else if (auto* c = static_cast<Connection*>(tag); c->fd >= 0) on_event(*c, events[i].events);
      }
      closed_.clear();  // freed only now: a later event of the same batch may name one
      if (round_second_ != swept) {
        swept = round_second_;
        sweep(round_second_);
      }
    }
  }

  // One connection per wake-up, as nginx without multi_accept: a burst
  // wakes the loops again, and no accept4() is spent just to see EAGAIN.
  void accept_one() {
    int listener = server_.listener_.load();
    if (listener < 0) return;
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    int fd = accept4(listener, reinterpret_cast<sockaddr*>(&address), &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN (another loop took it), or the listener closed
    auto owned = std::make_unique<Connection>(fd, next_id_++, peer_address(address), server_.options_.limits);
    Connection& c = *owned;
    c.last_active = round_second_;
    connections_.emplace(c.id, std::move(owned));
    // The listener defers accepting until the request's first bytes are
    // there (TCP_DEFER_ACCEPT): read them now. A connection answered and
    // closed at once never enters the epoll set.
    if (!read(c)) return;
    c.events = interest(c);
    try {
      add(fd, &c, c.events);
    } catch (const std::exception&) {
      close(c);
    }
  }

  void on_event(Connection& c, std::uint32_t events) {
    if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) return close(c);
    if (events & EPOLLOUT && !flush(c)) return;
    if (events & EPOLLIN && !read(c)) return;
    update(c);
  }

  // Reads what the socket has and answers every complete request in it.
  // False when the connection is gone.
  bool read(Connection& c) {
    for (;;) {
      if (c.draining) {
        char discard[4096];
        ssize_t n = ::recv(c.fd, discard, sizeof discard, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return close(c), false;
        if (n < 0) return true;
        continue;
      }
      if (c.deferred || c.closing || c.out.size() - c.out_sent > kMaxUnsent) return true;
      if (c.in_begin == c.in_end) c.in_begin = c.in_end = 0;
      std::size_t room = kReadBuffer - c.in_end;
      ssize_t n = ::recv(c.fd, c.in.get() + c.in_end, room, 0);
      if (n == 0) {  // the client is done sending; what it asked is still answered
        c.closing = true;
        return flush(c);
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return true;
        return close(c), false;
      }
      c.in_end += static_cast<std::size_t>(n);
      c.last_active = round_second_;
      if (!c.reader.in_request()) c.request_since = round_second_;  // these bytes begin a request
      answer_requests(c);
      if (!flush(c)) return false;
      // A short read emptied the socket: no second recv() just to see EAGAIN.
      if (static_cast<std::size_t>(n) < room) return true;
    }
  }

  void answer_requests(Connection& c) {
    while (!c.deferred && !c.closing && c.in_begin < c.in_end) {
      std::string_view data(c.in.get() + c.in_begin, c.in_end - c.in_begin);
      auto result = c.reader.feed(data);
      c.in_begin = c.in_end - data.size();
      if (result == RequestReader::Result::need_more) {
        if (c.reader.take_continue()) c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        return;
      }
      if (result == RequestReader::Result::refused) return refuse(c, c.reader.refusal());
      answer(c);
    }
  }

  void refuse(Connection& c, int status) {
    auto start = round_start_;
    Response r;
    r.status = status;
    r.content_type = "text/plain; charset=utf-8";
    r.body = status == 413   ? "request too large\n"
             : status == 414 ? "URI too long\n"
             : status == 431 ? "request header fields too large\n"
                             : "bad request\n";
    render(c.out, r, false);
    c.closing = true;
    done(c, Route::other, status, r.body.size(), start, "-", "-");
  }

  void answer(Connection& c) {
    auto start = round_start_;
    const RequestReader& q = c.reader;
    StatusRequest request{q.method(), q.path(), q.field(RequestReader::Field::if_none_match),
                          q.field(RequestReader::Field::content_type), q.body()};
    const bool head = request.method == "HEAD";  // answered as GET, without the body
    if (head) request.method = "GET";
    bool keep_alive = q.keep_alive() && !stopping_;
    if (!keep_alive) {
      c.closing = true;
    } else if (!c.no_delay) {
      // Answers of a kept connection leave at once (as nginx, only for those).
      int one = 1;
      setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c.no_delay = true;
    }
    if (auto hit = server_.routes_.presigned(request)) {
      // The hot path: the answer's bytes and headers were made when it was signed.
      bool get = request.method == "GET";
      bool not_modified = get && request.if_none_match.find(hit->etag) != std::string_view::npos;
      c.out += not_modified ? "HTTP/1.1 304 Not Modified\r\n" : "HTTP/1.1 200 OK\r\n";
      c.out += "Server: Tugra\r\nX-Content-Type-Options: nosniff\r\n";
      if (!not_modified) c.out += "Content-Type: application/ocsp-response\r\n";
      // RFC 5019 §6: a cache may keep it until nextUpdate.
      c.out += "Cache-Control: public, max-age=";
      append_number(c.out, std::max<std::int64_t>(0, hit->next_update - unix_now_));
      c.out += ", no-transform\r\n";
      c.out += hit->header_lines;
      if (!not_modified) {
        c.out += "Content-Length: ";
        append_number(c.out, hit->der.size());
        c.out += "\r\n";
      }
      append_connection(c.out, keep_alive);
      if (!not_modified && !head) c.out += hit->der;
      return done(c, Route::ocsp, not_modified ? 304 : 200, not_modified ? 0 : hit->der.size(), start,
                  q.method(), request.path);
    }
    StatusAnswer now;
    // Signed on a signing thread: the answer comes back through finish(),
    // and the log line and metrics are written there.
    auto later = [this, id = c.id, keep_alive, head, start, client = client(c), method = std::string(q.method()),
                  path = std::string(request.path)](StatusAnswer a) {
      Finished f{id, {}, keep_alive};
      render(f.bytes, a.response, keep_alive, !head);
      record(client, method, path, a.route, a.response.status, a.response.body.size(), start, 0);
      finish(std::move(f));
    };
    switch (server_.routes_.route(request, now, later)) {
      case StatusRoutes::Routed::deferred: c.deferred = true; return;
      case StatusRoutes::Routed::answered: break;
      case StatusRoutes::Routed::not_mine: now = server_.fallback_(request, c.peer); break;
    }
    render(c.out, now.response, keep_alive, !head);
    done(c, now.route, now.response.status, now.response.body.size(), start, q.method(), request.path);
  }

  std::string client(const Connection& c) const {
    auto forwarded = c.reader.field(RequestReader::Field::forwarded_for);
    return forwarded.empty() ? c.peer : server_.client_of_(c.peer, forwarded);
  }

  void done(const Connection& c, Route route, int status, std::size_t size, Clock::time_point start,
            std::string_view method, std::string_view path) {
    if (c.reader.field(RequestReader::Field::forwarded_for).empty())
      record(c.peer, method, path, route, status, size, start, unix_now_);
    else
      record(client(c), method, path, route, status, size, start, unix_now_);
  }

  // `unix_now`: the wall clock's second, or 0 off the loop's thread.
  void record(std::string_view client, std::string_view method, std::string_view path, Route route, int status,
              std::size_t size, Clock::time_point start, std::int64_t unix_now) {
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    server_.metrics_.observe(route, status, seconds);
    server_.log_.record(client, method, path, status, size, seconds, unix_now);
  }

  void take_finished() {
    std::uint64_t count;
    [[maybe_unused]] auto n = ::read(wake_, &count, sizeof count);
    std::vector<Finished> finished;
    {
      std::lock_guard lock(finished_mutex_);
      finished.swap(finished_);
    }
    for (auto& f : finished) {
      auto it = connections_.find(f.connection);
      if (it == connections_.end()) continue;  // the client went away meanwhile
      Connection& c = *it->second;
      c.out += f.bytes;
      c.deferred = false;
      if (!f.keep_alive) c.closing = true;
      answer_requests(c);  // pipelined requests read while it was signed
      if (flush(c)) update(c);
    }
  }

  // Sends what is waiting; false when the connection is gone.
  bool flush(Connection& c) {
    while (c.out_sent < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return true;
        return close(c), false;
      }
      c.out_sent += static_cast<std::size_t>(n);
      c.last_active = round_second_;
    }
    c.out.clear();  // keeps its capacity for the next answers
    c.out_sent = 0;
    if (c.closing && !c.deferred && !c.draining) {
      // A request read to its end: closed at once. After a refusal the
      // client may still be sending; close() with unread bytes would reset
      // the connection, which can destroy the answer before the client
      // reads it, so our side is shut and the rest read away first.
      if (!c.reader.refusal() && c.in_begin == c.in_end) return close(c), false;
      ::shutdown(c.fd, SHUT_WR);
      c.draining = true;
    }
    return true;
  }

  // What the loop waits for on `c`: more requests unless an answer is being
  // signed or too many wait unsent; room to send when answers wait.
  static std::uint32_t interest(const Connection& c) {
    std::uint32_t want = 0;
    bool reading = c.draining || (!c.deferred && !c.closing && c.out.size() - c.out_sent <= kMaxUnsent);
    if (reading) want |= EPOLLIN;
    if (c.out_sent < c.out.size()) want |= EPOLLOUT;
    return want;
  }

  void update(Connection& c) {
    std::uint32_t want = interest(c);
    if (want == c.events) return;
    epoll_event e{};
    e.events = want;
    e.data.ptr = &c;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &e);
    c.events = want;
  }

  void close(Connection& c) {
    ::close(c.fd);  // also takes it out of the epoll set
    c.fd = -1;
    auto it = connections_.find(c.id);
    closed_.push_back(std::move(it->second));
    connections_.erase(it);
  }

  // Once a second: connections idle too long, and lingering ones, are closed.
  void sweep(std::int64_t now) {
    std::vector<Connection*> expired;
    for (auto& [id, c] : connections_) {
      if (c->deferred) continue;
      int limit = c->draining ? kLingerSeconds : kIdleSeconds;
      // A request trickling in a byte at a time gets as long in all as an idle connection.
      bool slow = c->reader.in_request() && !c->draining && now - c->request_since > kIdleSeconds;
      if (slow || now - c->last_active > limit) expired.push_back(c.get());
    }
    for (auto* c : expired) close(*c);
    closed_.clear();
  }

  StatusHttpServer& server_;
  int epoll_ = -1, wake_ = -1;
  char listener_tag_ = 0, wake_tag_ = 0;  // their addresses tell the listener and the wake-up from connections
  std::atomic<bool> stopping_{false};
  Clock::time_point round_start_;  // when this round of events began
  std::int64_t round_second_ = 0;  // the same in whole seconds (idle limits)
  std::int64_t unix_now_ = 0;      // the wall clock's second then (max-age, the log)
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> connections_;
  std::vector<std::unique_ptr<Connection>> closed_;  // closed during this batch of events
  std::mutex finished_mutex_;
  std::vector<Finished> finished_;
  std::thread thread_;
};

StatusHttpServer::StatusHttpServer(Options options, StatusRoutes& routes, Metrics& metrics, AccessLog& log,
                                   Fallback fallback, ClientOf client_of)
    : options_(std::move(options)),
      routes_(routes),
      metrics_(metrics),
      log_(log),
      fallback_(std::move(fallback)),
      client_of_(std::move(client_of)) {}

StatusHttpServer::~StatusHttpServer() {
  stop();
  if (int fd = listener_.exchange(-1); fd >= 0) ::close(fd);
}

void StatusHttpServer::open() {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string host = options_.address;
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(options_.port));
    length = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(options_.port));
    length = sizeof *v6;
  } else {
    throw std::runtime_error("not an IP address: " + options_.address);
  }
  int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  // Connections are accepted once their first bytes are there (the loop
  // reads them at once); one that sends nothing never takes a slot.
  setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd, 4096) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error(why);
  }
  listener_ = fd;
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    loops_.push_back(std::make_unique<Loop>(*this));
    loops_.back()->listen_on(fd);
  }
}

void StatusHttpServer::start() {
  for (auto& loop : loops_) loop->start();
}

void StatusHttpServer::stop_accepting() {
  // Closing the socket takes it out of every loop's epoll set.
  if (int fd = listener_.exchange(-1); fd >= 0) ::close(fd);
}

void StatusHttpServer::stop() {
  for (auto& loop : loops_) loop->stop();
  for (auto& loop : loops_) loop->join();
}

}  // namespace tugra::web
