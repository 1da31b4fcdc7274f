#include "tools/binance_sim/server.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cmath>
#include <deque>
#include <exception>
#include <optional>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "core/log.h"
#include "core/strings.h"
#include "simdjson.h"
#include "tools/binance_sim/tls_identity.h"

namespace dmabot::binance_sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using core::str_append;
using core::str_cat;
using Clock = std::chrono::steady_clock;

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

HttpResponse not_found_response() {
  HttpResponse r;
  r.status = 404;
  r.content_type = "text/html";
  r.body =
      "<!DOCTYPE html>\n<html><head><title>Binance</title></head>\n"
      "<body><h3>404 Not Found</h3><p>dmabot binance-sim: no such endpoint</p></body></html>\n";
  return r;
}

HttpResponse error_response(int http_status, int code, std::string_view msg) {
  HttpResponse r;
  r.status = http_status;
  r.body = str_cat("{\"code\":", code, ",\"msg\":");
  core::append_json_string(r.body, msg);
  r.body += '}';
  return r;
}

namespace {

std::string_view sv(beast::string_view s) { return {s.data(), s.size()}; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

// Value of `key` in a raw query ("" and false when absent).
bool query_param(std::string_view query, std::string_view key, std::string& out) {
  for (std::string_view kv : core::split(query, '&')) {
    const auto eq = kv.find('=');
    if (kv.substr(0, eq) != key) continue;
    out = eq == std::string_view::npos ? std::string() : percent_decode(kv.substr(eq + 1));
    return true;
  }
  return false;
}

// What a WebSocket URL asks for.
struct WsTarget {
  bool api = false;  // WebSocket API, else a stream connection
  StreamRoute route = StreamRoute::kSpot;
  bool combined = false;
  bool time_unit_us = false;
  std::vector<std::string> streams;
};

void add_streams(std::string_view list, std::vector<std::string>& out) {
  for (std::string_view s : core::split(list, '/'))
    if (!s.empty()) out.emplace_back(s);
}

// Parses the path+query of an upgrade request; false = no such WebSocket endpoint.
bool parse_ws_target(Product product, std::string_view path, std::string_view query, WsTarget& t) {
  std::string unit;
  if (query_param(query, "timeUnit", unit)) t.time_unit_us = iequals(unit, "MICROSECOND");
  if (product == Product::kSpot) {
    if (path == "/ws-api/v3") {
      t.api = true;
      return true;
    }
    t.route = StreamRoute::kSpot;
  } else {
    if (path == "/ws-fapi/v1") {
      t.api = true;
      return true;
    }
    t.route = StreamRoute::kPublic;
    for (auto [prefix, route] : {std::pair{std::string_view("/public"), StreamRoute::kPublic},
                                 std::pair{std::string_view("/market"), StreamRoute::kMarket},
                                 std::pair{std::string_view("/private"), StreamRoute::kPrivate}}) {
      if (path.substr(0, prefix.size()) == prefix && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
        t.route = route;
        path.remove_prefix(prefix.size());
        break;
      }
    }
  }
  std::string streams;
  if (path == "/ws" || path.substr(0, 4) == "/ws/") {
    t.combined = false;
    if (path.size() > 4) add_streams(path.substr(4), t.streams);
    if (t.route == StreamRoute::kPrivate && query_param(query, "listenKey", streams) && !streams.empty())
      t.streams.push_back(streams);
    return true;
  }
  if (path == "/stream" || path == "/stream/") {
    t.combined = true;
    if (query_param(query, "streams", streams)) add_streams(streams, t.streams);
    if (t.route == StreamRoute::kPrivate && query_param(query, "listenKey", streams) && !streams.empty())
      t.streams.push_back(streams);
    return true;
  }
  return false;
}

bool is_market_route(StreamRoute r) { return r != StreamRoute::kPrivate; }

}  // namespace

// ---------------------------------------------------------------------------------------------------

class ConnBase;
class WsSessionBase;

struct Server::Impl {
  Impl(asio::io_context& io, const ServerOptions& o, Venue& v) : ioc(io), opt(o), venue(v), drop_timer(io) {}

  asio::io_context& ioc;
  const ServerOptions opt;  // a copy: connections may outlive the Server object by a handler or two
  Venue& venue;
  Stats stats;
  std::weak_ptr<Impl> self_ref;
  std::optional<ssl::context> tls;
  struct Listener {
    Listener(asio::io_context& io, Product p) : product(p), acceptor(io) {}
    Product product;
    tcp::acceptor acceptor;
    std::size_t open = 0;
  };
  std::unique_ptr<Listener> listeners[2];
  bool stopping = false;
  uint64_t next_id = 1;
  std::unordered_map<uint64_t, std::weak_ptr<ConnBase>> conns;  // every live connection (stop, drops)
  std::vector<WsSessionBase*> streams;  // open stream connections (the hub); entries removed on finish
  asio::steady_timer drop_timer;
  simdjson::dom::parser json;  // control messages; io thread only

  void accept(Listener& l);
  void on_accept(Listener& l, tcp::socket socket);
  void schedule_drop();
  void stop_now();
};

// Something that holds a socket: HTTP sessions and WebSocket sessions. Owned by its pending handlers
// (and by the venue's WsConnectionPtr); the server keeps weak references to cut them.
class ConnBase : public std::enable_shared_from_this<ConnBase> {
 public:
  ConnBase(std::shared_ptr<Server::Impl> srv, Server::Impl::Listener& l)
      : srv_(std::move(srv)), listener_(l), id_(srv_->next_id++) {
    ++listener_.open;
  }
  virtual ~ConnBase() {
    release_slot();
    srv_->conns.erase(id_);
  }
  // The connection no longer counts against max_connections (called once it is cut; its handlers may
  // still be unwinding).
  void release_slot() {
    if (released_) return;
    released_ = true;
    --listener_.open;
  }
  // Ends the connection at once (TCP close, no close frame): stop, drop fault.
  virtual void cut() = 0;
  [[nodiscard]] virtual bool is_ws() const { return false; }
  // An HTTP keep-alive connection waiting for its next request: the first to go when the listener is
  // full (official connectors open a new keep-alive connection per REST call and never reuse it).
  [[nodiscard]] virtual bool idle() const { return false; }
  [[nodiscard]] Server::Impl::Listener& listener() const { return listener_; }
  [[nodiscard]] uint64_t conn_id() const { return id_; }

 protected:
  std::shared_ptr<Server::Impl> srv_;
  Server::Impl::Listener& listener_;
  uint64_t id_;
  bool released_ = false;
};

// ------------------------------------------ WebSocket ----------------------------------------------

class WsSessionBase : public ConnBase, public WsConnection {
 public:
  WsSessionBase(std::shared_ptr<Server::Impl> srv, Server::Impl::Listener& l, WsTarget target)
      : ConnBase(std::move(srv), l), target_(std::move(target)) {}

  bool is_ws() const override { return true; }
  uint64_t id() const override { return id_; }
  Product product() const override { return listener_.product; }
  bool time_unit_us() const override { return target_.time_unit_us; }
  bool is_open() const override { return open_ && !finished_; }

  [[nodiscard]] bool is_stream() const { return !target_.api; }
  [[nodiscard]] StreamRoute route() const { return target_.route; }
  [[nodiscard]] bool combined() const { return target_.combined; }
  [[nodiscard]] bool subscribed(std::string_view s) const {
    for (const std::string& x : target_.streams)
      if (x == s) return true;
    return false;
  }
  // stall-stream-s: N s live, N s silent, counted from the connection's open.
  [[nodiscard]] bool stalled(Clock::time_point now) const {
    const double n = srv_->opt.faults.stall_stream_s;
    if (n <= 0 || !is_market_route(target_.route)) return false;
    const double age_s = std::chrono::duration<double>(now - opened_at_).count();
    return static_cast<uint64_t>(std::floor(age_s / n)) % 2 == 1;
  }

 protected:
  // Handles one text frame on a stream connection: Binance's live control messages.
  void handle_control(std::string_view text);

  WsTarget target_;
  bool open_ = false;      // handshake done
  bool finished_ = false;  // finish() ran
  Clock::time_point opened_at_ = Clock::now();
  bool combined_prop_ = false;
};

namespace {

// The id of a control request, echoed verbatim: an integer, a string (≤ 36 alphanumerics) or null.
bool id_json(simdjson::dom::element id, std::string& out) {
  switch (id.type()) {
    case simdjson::dom::element_type::INT64:
      out = std::to_string(int64_t(id));
      return true;
    case simdjson::dom::element_type::UINT64: {
      const uint64_t v = uint64_t(id);
      if (v > static_cast<uint64_t>(INT64_MAX)) return false;
      out = std::to_string(v);
      return true;
    }
    case simdjson::dom::element_type::NULL_VALUE:
      out = "null";
      return true;
    case simdjson::dom::element_type::STRING: {
      const std::string_view s = std::string_view(id);
      if (s.size() > 36) return false;
      for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
      out.clear();
      core::append_json_string(out, s);
      return true;
    }
    default:
      return false;
  }
}

std::string stream_error(int code, std::string_view msg, const std::string* id_json_text = nullptr) {
  std::string out = str_cat("{\"code\":", code, ",\"msg\":");
  core::append_json_string(out, msg);
  if (id_json_text) str_append(out, ",\"id\":", *id_json_text);
  out += '}';
  return out;
}

constexpr std::size_t kMaxStreamsPerConnection = 1024;  // Binance's documented limit

}  // namespace

void WsSessionBase::handle_control(std::string_view text) {
  auto reply = [&](std::string s) { send_text(std::move(s)); };
  auto fail = [&](int code, std::string_view msg, const std::string* id = nullptr) {
    srv_->stats.ws_control_errors.fetch_add(1, std::memory_order_relaxed);
    reply(stream_error(code, msg, id));
  };
  simdjson::padded_string padded(text);
  simdjson::dom::element doc;
  if (srv_->json.parse(padded).get(doc) != simdjson::SUCCESS) {
    // Binance (serde_json) names line and column; we name the first byte that cannot start a value,
    // or the start.
    std::size_t line = 1, col = 1;
    for (char c : text) {
      if (c == '\n') {
        ++line;
        col = 1;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++col;
      } else {
        break;
      }
    }
    return fail(3, str_cat("Invalid JSON: expected value at line ", line, " column ", col));
  }
  simdjson::dom::object obj;
  if (doc.get(obj) != simdjson::SUCCESS) return fail(2, "Invalid request: expected a JSON object");
  simdjson::dom::element method_el, id_el, params_el;
  std::string id;
  const bool has_id = obj["id"].get(id_el) == simdjson::SUCCESS;
  if (!has_id || !id_json(id_el, id)) return fail(2, "Invalid request: request ID must be an unsigned integer");
  std::string_view method;
  if (obj["method"].get(method_el) != simdjson::SUCCESS) return fail(2, "Invalid request: missing field `method`");
  if (method_el.get(method) != simdjson::SUCCESS)
    return fail(2, "Invalid request: invalid type: expected a string for `method`");
  const bool has_params = obj["params"].get(params_el) == simdjson::SUCCESS;
  simdjson::dom::array params;
  if (has_params && params_el.get(params) != simdjson::SUCCESS)
    return fail(2, "Invalid request: invalid type: expected a sequence for `params`");

  if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
    std::vector<std::string_view> names;
    if (has_params) {
      for (simdjson::dom::element p : params) {
        std::string_view s;
        if (p.get(s) != simdjson::SUCCESS)
          return fail(2, "Invalid request: invalid type: expected a string in `params`");
        names.push_back(s);
      }
    }
    if (method == "SUBSCRIBE") {
      std::size_t new_count = target_.streams.size();
      for (std::string_view s : names) new_count += subscribed(s) ? 0 : 1;
      if (new_count > kMaxStreamsPerConnection)
        return fail(2, "Invalid request: too many streams (a connection listens to at most 1024)", &id);
      for (std::string_view s : names) {
        if (s.empty() || subscribed(s)) continue;
        if (target_.route == StreamRoute::kPrivate && !srv_->venue.validate_listen_key(s)) continue;
        target_.streams.emplace_back(s);
      }
    } else {
      for (std::string_view s : names) std::erase_if(target_.streams, [&](const std::string& x) { return x == s; });
    }
    return reply(str_cat("{\"result\":null,\"id\":", id, "}"));
  }
  if (method == "LIST_SUBSCRIPTIONS") {
    std::string out = "{\"result\":[";
    for (std::size_t i = 0; i < target_.streams.size(); ++i) {
      if (i) out += ',';
      core::append_json_string(out, target_.streams[i]);
    }
    str_append(out, "],\"id\":", id, "}");
    return reply(std::move(out));
  }
  if (method == "SET_PROPERTY" || method == "GET_PROPERTY") {
    std::string_view name;
    if (!has_params || params.size() < 1 || params.at(0).get(name) != simdjson::SUCCESS)
      return fail(2, "Invalid request: property name must be a string");
    if (name != "combined") return fail(0, "Unknown property", &id);
    if (method == "GET_PROPERTY")
      return reply(str_cat("{\"result\":", target_.combined ? "true" : "false", ",\"id\":", id, "}"));
    bool v = false;
    if (params.size() < 2 || params.at(1).get(v) != simdjson::SUCCESS)
      return fail(1, "Invalid value type: expected Boolean");
    target_.combined = v;
    return reply(str_cat("{\"result\":null,\"id\":", id, "}"));
  }
  std::string quoted;
  core::append_json_string(quoted, method);
  // serde prints the variant in backticks without JSON quotes.
  fail(2, str_cat("Invalid request: unknown variant `", quoted.substr(1, quoted.size() - 2),
                  "`, expected one of `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, "
                  "`GET_PROPERTY`"));
}

template <class Stream>
class WsSession final : public WsSessionBase {
 public:
  WsSession(std::shared_ptr<Server::Impl> srv, Server::Impl::Listener& l, WsTarget target, Stream&& stream)
      : WsSessionBase(std::move(srv), l, std::move(target)),
        ws_(std::move(stream)),
        ping_timer_(srv_->ioc),
        age_timer_(srv_->ioc),
        write_timer_(srv_->ioc) {}

  void run(http::request<http::string_body> req) {
    const Limits& lim = srv_->opt.limits;
    // Our own ping schedule (every ws_ping_interval, as Binance) instead of Beast's idle pings.
    websocket::stream_base::timeout t{};
    t.handshake_timeout = lim.request_timeout;
    t.idle_timeout = websocket::stream_base::none();
    t.keep_alive_pings = false;
    ws_.set_option(t);
    ws_.read_message_max(lim.ws_message_limit);
    ws_.auto_fragment(false);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "dmabot-binance-sim"); }));
    ws_.control_callback([this](websocket::frame_type kind, beast::string_view) {
      if (kind == websocket::frame_type::pong) awaiting_pong_ = false;
    });
    beast::get_lowest_layer(ws_).expires_never();
    ws_.async_accept(req, [self = shared(), this](beast::error_code ec) { on_accept(ec); });
  }

  bool send_text(std::string text) override {
    if (!open_ || finished_ || closing_) return false;
    const Limits& lim = srv_->opt.limits;
    if (queued_bytes_ + text.size() > lim.ws_outbound_limit) {
      // A client that does not read would grow the queue without bound: cut it, as Binance does.
      srv_->stats.ws_slow_consumers.fetch_add(1, std::memory_order_relaxed);
      cut();
      return false;
    }
    const auto due =
        Clock::now() + std::chrono::microseconds(static_cast<int64_t>(srv_->opt.faults.latency_ms * 1000.0));
    queued_bytes_ += text.size();
    queue_.push_back({due, std::move(text)});
    if (!writing_) write_next();
    return true;
  }

  void close() override {
    if (!open_ || finished_ || closing_) return;
    closing_ = true;
    if (!writing_) send_close(websocket::close_code::normal);
  }

  void cut() override {
    if (finished_) return;
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(ws_).close();
    finish();
  }

 private:
  struct Out {
    Clock::time_point due;
    std::string text;
  };

  std::shared_ptr<WsSession> shared() { return std::static_pointer_cast<WsSession>(shared_from_this()); }

  void on_accept(beast::error_code ec) {
    if (ec || srv_->stopping) return finish();
    open_ = true;
    opened_at_ = Clock::now();
    srv_->stats.ws_opened.fetch_add(1, std::memory_order_relaxed);
    srv_->stats.ws_open_now.fetch_add(1, std::memory_order_relaxed);
    if (is_stream()) srv_->streams.push_back(this);
    schedule_ping();
    age_timer_.expires_after(srv_->opt.limits.ws_max_age);
    age_timer_.async_wait([self = shared(), this](beast::error_code e) {
      if (e || finished_) return;
      srv_->stats.ws_aged_out.fetch_add(1, std::memory_order_relaxed);
      closing_ = true;
      if (!writing_) send_close(websocket::close_code::going_away);
    });
    if (!is_stream()) {
      try {
        srv_->venue.on_ws_api_open(std::static_pointer_cast<WsConnection>(shared()));
      } catch (const std::exception& e) {
        core::log_warn("binance-sim: venue on_ws_api_open threw: ", e.what());
      }
    }
    do_read();
  }

  void do_read() {
    ws_.async_read(rbuf_, [self = shared(), this](beast::error_code ec, std::size_t) { on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec || finished_) return finish();  // closed by the peer, cut, oversized (Beast sent 1009), or a protocol error
    if (!ws_.got_text()) {
      rbuf_.consume(rbuf_.size());
      closing_ = true;
      if (!writing_) send_close(websocket::close_code::unknown_data);
      return do_read();
    }
    const std::string text = beast::buffers_to_string(rbuf_.data());
    rbuf_.consume(rbuf_.size());
    if (is_stream()) {
      handle_control(text);
    } else {
      try {
        srv_->venue.on_ws_api_text(std::static_pointer_cast<WsConnection>(shared()), text);
      } catch (const std::exception& e) {
        core::log_warn("binance-sim: venue on_ws_api_text threw: ", e.what());
        return cut();
      }
    }
    if (!finished_) do_read();
  }

  void write_next() {
    if (finished_) return;
    if (queue_.empty()) {
      writing_ = false;
      if (closing_) send_close(websocket::close_code::normal);
      return;
    }
    writing_ = true;
    if (queue_.front().due > Clock::now()) {
      write_timer_.expires_at(queue_.front().due);
      write_timer_.async_wait([self = shared(), this](beast::error_code ec) {
        if (ec || finished_) return;
        write_front();
      });
      return;
    }
    write_front();
  }

  void write_front() {
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front().text), [self = shared(), this](beast::error_code ec, std::size_t) {
      if (ec || finished_) return finish();  // finished_: cut meanwhile; the queue stays as it is
      queued_bytes_ -= queue_.front().text.size();
      queue_.pop_front();
      write_next();
    });
  }

  void send_close(websocket::close_code code) {
    if (close_sent_ || finished_) return;
    close_sent_ = true;
    // Bounded: a peer that never answers our close frame is cut after the request timeout.
    ws_.set_option(
        websocket::stream_base::timeout{srv_->opt.limits.request_timeout, srv_->opt.limits.request_timeout, false});
    ws_.async_close(code, [self = shared(), this](beast::error_code) { finish(); });
  }

  void schedule_ping() {
    ping_timer_.expires_after(srv_->opt.limits.ws_ping_interval);
    ping_timer_.async_wait([self = shared(), this](beast::error_code ec) {
      if (ec || finished_) return;
      const auto now = Clock::now();
      if (awaiting_pong_ && now - ping_sent_at_ >= srv_->opt.limits.ws_pong_timeout) {
        srv_->stats.ws_pong_timeouts.fetch_add(1, std::memory_order_relaxed);
        return cut();
      }
      if (!awaiting_pong_) ping_sent_at_ = now;  // the deadline runs from the oldest unanswered ping
      awaiting_pong_ = true;
      if (!ping_in_flight_ && !close_sent_) {
        ping_in_flight_ = true;
        ws_.async_ping({}, [self, this](beast::error_code e) {
          ping_in_flight_ = false;
          if (e) finish();
        });
      }
      schedule_ping();
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    release_slot();
    ping_timer_.cancel();
    age_timer_.cancel();
    write_timer_.cancel();
    if (open_) {
      srv_->stats.ws_open_now.fetch_sub(1, std::memory_order_relaxed);
      std::erase(srv_->streams, static_cast<WsSessionBase*>(this));
    }
    // Make sure every pending operation completes (and releases its reference).
    beast::get_lowest_layer(ws_).close();
    if (open_ && !is_stream()) {
      try {
        srv_->venue.on_ws_api_close(std::static_pointer_cast<WsConnection>(shared()));
      } catch (const std::exception& e) {
        core::log_warn("binance-sim: venue on_ws_api_close threw: ", e.what());
      }
    }
    // queue_ is left alone: a pending async_write may still reference its front element; the
    // destructor frees it.
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer rbuf_;
  std::deque<Out> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false, closing_ = false, close_sent_ = false;
  bool awaiting_pong_ = false, ping_in_flight_ = false;
  Clock::time_point ping_sent_at_{};
  asio::steady_timer ping_timer_, age_timer_, write_timer_;
};

// -------------------------------------------- HTTP -------------------------------------------------

template <class Stream>
class HttpSession final : public ConnBase {
 public:
  HttpSession(std::shared_ptr<Server::Impl> srv, Server::Impl::Listener& l, Stream&& stream)
      : ConnBase(std::move(srv), l), stream_(std::move(stream)), delay_timer_(srv_->ioc) {}

  void run() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(srv_->opt.limits.request_timeout);
      stream_.async_handshake(ssl::stream_base::server, [self = shared(), this](beast::error_code ec) {
        if (ec) {
          if (ec == beast::error::timeout) srv_->stats.timeouts.fetch_add(1, std::memory_order_relaxed);
          return cut();
        }
        wait_request();
      });
    } else {
      wait_request();
    }
  }

  void cut() override {
    if (done_) return;
    done_ = true;
    release_slot();
    delay_timer_.cancel();
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ec);
    beast::get_lowest_layer(stream_).close();
  }

 private:
  std::shared_ptr<HttpSession> shared() { return std::static_pointer_cast<HttpSession>(shared_from_this()); }
  bool idle() const override { return idle_ && !done_; }

  // An idle keep-alive connection may wait idle_timeout for its next request; once the first byte is
  // there, the whole request must arrive within request_timeout (slowloris bound).
  void wait_request() {
    if (done_ || srv_->stopping) return cut();
    if (buffer_.size() > 0) return read_request();
    beast::get_lowest_layer(stream_).expires_after(srv_->opt.limits.idle_timeout);
    idle_ = true;
    stream_.async_read_some(buffer_.prepare(4096), [self = shared(), this](beast::error_code ec, std::size_t n) {
      idle_ = false;
      if (ec) return cut();  // peer closed, or idle past idle_timeout (normal keep-alive expiry)
      buffer_.commit(n);
      read_request();
    });
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(srv_->opt.limits.header_limit));
    parser_->body_limit(srv_->opt.limits.body_limit);
    beast::get_lowest_layer(stream_).expires_after(srv_->opt.limits.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared(), this](beast::error_code ec, std::size_t) { on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (done_) return;
    if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
      return cut();
    if (ec == beast::error::timeout) {
      srv_->stats.timeouts.fetch_add(1, std::memory_order_relaxed);
      return cut();
    }
    if (ec == asio::error::operation_aborted || ec == asio::error::connection_reset) return cut();
    if (ec) {
      srv_->stats.http_rejected.fetch_add(1, std::memory_order_relaxed);
      // Binance answers malformed or oversized requests in its own error shape; we do the same and
      // close, since the parser's position in the stream is lost.
      HttpResponse r;
      if (ec == http::error::body_limit)
        r = error_response(413, -1000,
                           str_cat("Request body too large (limit ", srv_->opt.limits.body_limit, " bytes)."));
      else if (ec == http::error::header_limit)
        r = error_response(431, -1000,
                           str_cat("Request header too large (limit ", srv_->opt.limits.header_limit, " bytes)."));
      else
        r = error_response(400, -1000, "Malformed HTTP request.");
      drain_after_write_ = true;
      return respond(std::move(r), 11, false);
    }
    http::request<http::string_body> req = parser_->release();
    const std::string_view target = sv(req.target());
    const auto qpos = target.find('?');
    const std::string_view path = target.substr(0, qpos);
    const std::string_view query = qpos == std::string_view::npos ? std::string_view() : target.substr(qpos + 1);
    const Product product = listener_.product;

    if (websocket::is_upgrade(req)) {
      WsTarget t;
      if (!parse_ws_target(product, path, query, t)) return respond(not_found_response(), req.version(), false);
      if (t.route == StreamRoute::kPrivate) {
        for (const std::string& k : t.streams) {
          bool ok = false;
          try {
            ok = srv_->venue.validate_listen_key(k);
          } catch (const std::exception&) {
          }
          if (!ok) return respond(error_response(400, -1125, "This listenKey does not exist."), req.version(), false);
        }
      }
      if (srv_->stopping) return cut();
      done_ = true;  // the socket moves to the WebSocket session
      auto ws = std::make_shared<WsSession<Stream>>(srv_, listener_, std::move(t), std::move(stream_));
      srv_->conns[ws->conn_id()] = ws;
      ws->run(std::move(req));
      return;
    }

    HttpRequest hr;
    hr.method = std::string(sv(req.method_string()));
    hr.path = std::string(path);
    hr.query = std::string(query);
    hr.body = std::move(req.body());
    for (const auto& f : req) {
      std::string name(sv(f.name_string()));
      for (char& c : name)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      hr.headers.emplace_back(std::move(name), std::string(sv(f.value())));
    }
    hr.content_type = std::string(hr.header("content-type"));
    hr.api_key = std::string(hr.header("x-mbx-apikey"));
    beast::error_code rec;
    const auto remote = beast::get_lowest_layer(stream_).socket().remote_endpoint(rec);
    if (!rec) hr.remote_ip = remote.address().to_string();

    const std::string_view prefix = product == Product::kSpot ? "/api/" : "/fapi/";
    HttpResponse r;
    // /sim/admin/...: the venue's test hooks (it answers 404 unless started with --admin).
    if (path.substr(0, prefix.size()) == prefix || path.substr(0, 11) == "/sim/admin/") {
      try {
        r = srv_->venue.on_http(product, hr);
      } catch (const std::exception& e) {
        core::log_warn("binance-sim: venue on_http threw: ", e.what());
        r = error_response(500, -1000, "An unknown error occurred while processing the request.");
      }
    } else {
      r = not_found_response();
    }
    respond(std::move(r), req.version(), req.keep_alive());
  }

  void respond(HttpResponse r, unsigned version, bool keep_alive) {
    srv_->stats.http_requests.fetch_add(1, std::memory_order_relaxed);
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), version);
    res->set(http::field::server, "dmabot-binance-sim");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->insert(k, v);
    res->keep_alive(keep_alive && !srv_->stopping);
    res->body() = std::move(r.body);
    res->prepare_payload();
    const double latency = srv_->opt.faults.latency_ms;
    if (latency > 0) {
      delay_timer_.expires_after(std::chrono::microseconds(static_cast<int64_t>(latency * 1000.0)));
      delay_timer_.async_wait([self = shared(), this, res](beast::error_code ec) {
        if (ec || done_) return cut();
        write(res);
      });
      return;
    }
    write(res);
  }

  void write(std::shared_ptr<http::response<http::string_body>> res) {
    beast::get_lowest_layer(stream_).expires_after(srv_->opt.limits.request_timeout);
    http::async_write(stream_, *res, [self = shared(), this, res](beast::error_code ec, std::size_t) {
      if (!ec && drain_after_write_) return drain_then_close();
      if (ec || !res->keep_alive()) return close_gracefully();
      wait_request();
    });
  }

  // After an early error answer (oversized, malformed) the client may still be sending: closing with
  // unread bytes would make the kernel send a reset that can destroy our answer before the client
  // reads it. So read and discard what comes, bounded (1 s, 1 MiB), then close.
  void drain_then_close() {
    if (done_) return;
    if constexpr (std::is_same_v<Stream, PlainStream>) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(1));
    drain_more();
  }
  void drain_more() {
    stream_.async_read_some(asio::buffer(drain_buf_), [self = shared(), this](beast::error_code ec, std::size_t n) {
      drained_ += n;
      if (ec || done_ || drained_ > (1u << 20)) return cut();
      drain_more();
    });
  }

  void close_gracefully() {
    if (done_) return;
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
      stream_.async_shutdown([self = shared(), this](beast::error_code) { cut(); });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      cut();
    }
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  asio::steady_timer delay_timer_;
  bool done_ = false;
  bool idle_ = false;
  bool drain_after_write_ = false;
  std::size_t drained_ = 0;
  std::array<char, 4096> drain_buf_{};
};

// ------------------------------------------ Listener -----------------------------------------------

void Server::Impl::accept(Listener& l) {
  l.acceptor.async_accept(ioc, [this, &l](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || stopping || !l.acceptor.is_open()) return;
    if (!ec) {
      on_accept(l, std::move(socket));
      return accept(l);
    }
    // Out of descriptors (EMFILE) and the like: retry shortly instead of spinning on the error.
    auto t = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(50));
    t->async_wait([this, &l, t](beast::error_code e) {
      if (!e && !stopping) accept(l);
    });
  });
}

void Server::Impl::on_accept(Listener& l, tcp::socket socket) {
  if (l.open >= opt.limits.max_connections) {
    // Make room by closing an idle keep-alive connection, if there is one.
    std::shared_ptr<ConnBase> victim;
    for (auto& [id, w] : conns) {
      auto c = w.lock();
      if (c && &c->listener() == &l && c->idle()) {
        victim = std::move(c);
        break;
      }
    }
    if (victim) victim->cut();
  }
  if (l.open >= opt.limits.max_connections) {
    stats.refused.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ec;
    socket.close(ec);
    return;
  }
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  // The shared_ptr to Impl comes from the owner (Server) via the self-reference below.
  std::shared_ptr<Impl> self = self_ref.lock();
  if (!self) return;
  if (tls) {
    auto s = std::make_shared<HttpSession<TlsStream>>(self, l, TlsStream(beast::tcp_stream(std::move(socket)), *tls));
    conns[s->conn_id()] = s;
    s->run();
  } else {
    auto s = std::make_shared<HttpSession<PlainStream>>(self, l, PlainStream(std::move(socket)));
    conns[s->conn_id()] = s;
    s->run();
  }
}

}  // namespace dmabot::binance_sim

namespace dmabot::binance_sim {

void Server::Impl::schedule_drop() {
  const double n = opt.faults.drop_ws_every_s;
  if (n <= 0 || stopping) return;
  drop_timer.expires_after(std::chrono::microseconds(static_cast<int64_t>(n * 1e6)));
  drop_timer.async_wait([this](beast::error_code ec) {
    if (ec || stopping) return;
    std::vector<std::shared_ptr<ConnBase>> victims;
    for (auto& [id, w] : conns)
      if (auto c = w.lock(); c && c->is_ws()) victims.push_back(std::move(c));
    for (auto& c : victims) c->cut();
    stats.ws_dropped.fetch_add(victims.size(), std::memory_order_relaxed);
    victims.clear();  // destructors may erase from conns: not while iterating it
    schedule_drop();
  });
}

void Server::Impl::stop_now() {
  if (stopping) return;
  stopping = true;
  drop_timer.cancel();
  for (auto& l : listeners) {
    if (!l) continue;
    beast::error_code ec;
    l->acceptor.close(ec);
  }
  std::vector<std::shared_ptr<ConnBase>> all;
  for (auto& [id, w] : conns)
    if (auto c = w.lock()) all.push_back(std::move(c));
  for (auto& c : all) c->cut();
}

Server::Server(asio::io_context& ioc, ServerOptions options, Venue& venue)
    : ioc_(ioc), options_(std::move(options)), impl_(std::make_shared<Impl>(ioc_, options_, venue)) {
  impl_->self_ref = impl_;
}

Server::~Server() = default;

const Server::Stats& Server::stats() const { return impl_->stats; }

std::string Server::start() {
  Impl& im = *impl_;
  if (!options_.plain_http) {
    TlsIdentity id;
    std::string err = options_.tls_cert.empty() ? make_tls_identity(options_.tls_dir, id)
                                                : load_tls_identity(options_.tls_cert, options_.tls_key, id);
    if (!err.empty()) return err;
    im.tls.emplace(ssl::context::tls_server);
    beast::error_code ec;
    im.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                            ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                        ec);
    if (!ec) im.tls->use_certificate_chain(asio::buffer(id.cert_chain_pem), ec);
    if (!ec) im.tls->use_private_key(asio::buffer(id.key_pem), ssl::context::pem, ec);
    if (ec) return str_cat("tls: cannot use the certificate: ", ec.message());
    ca_file_ = id.ca_file;
  }
  const std::pair<const ListenAddress*, Product> specs[2] = {{&options_.spot, Product::kSpot},
                                                             {&options_.futures, Product::kUsdmFutures}};
  for (int i = 0; i < 2; ++i) {
    const auto& [addr, product] = specs[i];
    const char* flag = product == Product::kSpot ? "--listen-spot" : "--listen-futures";
    beast::error_code ec;
    const auto ip = asio::ip::make_address(addr->host, ec);
    if (ec) return str_cat(flag, " ", addr->host, ": not an IP address");
    auto l = std::make_unique<Impl::Listener>(ioc_, product);
    const tcp::endpoint ep(ip, addr->port);
    l->acceptor.open(ep.protocol(), ec);
    if (!ec) l->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) l->acceptor.bind(ep, ec);
    if (!ec) l->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return str_cat(flag, " ", addr->host, ":", addr->port, ": cannot listen: ", ec.message());
    const uint16_t port = l->acceptor.local_endpoint(ec).port();
    (product == Product::kSpot ? spot_port_ : futures_port_) = port;
    im.listeners[i] = std::move(l);
  }
  for (auto& l : im.listeners) im.accept(*l);
  im.schedule_drop();
  return "";
}

void Server::stop() {
  asio::post(ioc_, [impl = impl_] { impl->stop_now(); });
}

std::size_t Server::publish(Product product, StreamRoute route, std::string_view stream, std::string_view payload_ms,
                            std::string_view payload_us) {
  Impl& im = *impl_;
  if (im.stopping) return 0;
  std::vector<std::shared_ptr<WsSessionBase>> targets;
  const auto now = Clock::now();
  for (WsSessionBase* s : im.streams) {
    if (s->product() != product || s->route() != route || !s->is_open() || !s->subscribed(stream)) continue;
    if (s->stalled(now)) continue;
    targets.push_back(std::static_pointer_cast<WsSessionBase>(s->shared_from_this()));
  }
  if (targets.empty()) return 0;
  // Each variant formatted at most once per event.
  std::optional<std::string> wrapped[2];
  auto wrap = [&](std::string_view payload) {
    std::string out = "{\"stream\":";
    core::append_json_string(out, stream);
    str_append(out, ",\"data\":", payload, "}");
    return out;
  };
  std::size_t sent = 0;
  for (auto& s : targets) {
    const bool us = s->time_unit_us() && !payload_us.empty();
    const std::string_view payload = us ? payload_us : payload_ms;
    std::string text;
    if (s->combined()) {
      if (!wrapped[us]) wrapped[us] = wrap(payload);
      text = *wrapped[us];
    } else {
      text = std::string(payload);
    }
    sent += s->send_text(std::move(text)) ? 1 : 0;
  }
  return sent;
}

bool Server::has_subscribers(Product product, StreamRoute route, std::string_view stream) const {
  for (const WsSessionBase* s : impl_->streams)
    if (s->product() == product && s->route() == route && s->is_open() && s->subscribed(stream)) return true;
  return false;
}

std::size_t Server::close_subscribers(Product product, StreamRoute route, std::string_view stream) {
  std::vector<std::shared_ptr<WsSessionBase>> targets;
  for (WsSessionBase* s : impl_->streams)
    if (s->product() == product && s->route() == route && s->is_open() && s->subscribed(stream))
      targets.push_back(std::static_pointer_cast<WsSessionBase>(s->shared_from_this()));
  for (auto& s : targets) s->close();
  return targets.size();
}

}  // namespace dmabot::binance_sim
