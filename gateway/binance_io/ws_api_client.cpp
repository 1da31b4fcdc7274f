#include "gateway/binance_io/ws_api_client.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <charconv>
#include <deque>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "gateway/binance_io/internal/ws_connect.h"
#include "simdjson.h"

namespace dmabot::binance_io {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

WsRequest& WsRequest::operator=(const WsRequest& o) {
  using R = WsRequest;
  return assign_slot(*this, o, &R::id, &R::timeout_ms, &R::submit_mono_ns, slot_payload(&R::len, &R::json));
}
bool WsRequest::set(uint64_t id_, std::string_view json_) {
  if (json_.size() > kMaxJson) return false;
  id = id_;
  len = static_cast<uint32_t>(json_.size());
  std::memcpy(json, json_.data(), len);
  return true;
}
WsResponse& WsResponse::operator=(const WsResponse& o) {
  using R = WsResponse;
  return assign_slot(*this, o, &R::id, &R::outcome, &R::status, &R::done_wall_ns, &R::truncated, &R::error,
                     slot_payload(&R::len, &R::frame));
}
std::string_view WsApiClient::format_id(uint64_t id, char (&buf)[24]) noexcept {
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, id);
  (void)ec;
  return {buf, static_cast<std::size_t>(ptr - buf)};
}

// ---------------------------------------------------------------------------------------------------

struct WsApiClient::Impl {
  enum class Phase : uint8_t { kDown, kConnecting, kLogon, kSubscribe, kReady };
  struct Pending {
    uint64_t id;
    int64_t deadline_mono_ns;
  };

  WsApiClient& c;
  asio::io_context ioc{1};
  asio::posix::stream_descriptor wake{ioc};
  tcp::resolver resolver{ioc};
  asio::steady_timer tick{ioc};
  asio::steady_timer reconnect_timer{ioc};
  std::unique_ptr<ssl::context> tls;
  using Session = internal::WsConn;
  std::shared_ptr<Session> sess;
  uint64_t gen = 0;  // bumps per connection: handlers of an old one are ignored
  Phase phase = Phase::kDown;
  bool writing = false;
  std::deque<std::string> internal;  // session set-up frames, ahead of gateway requests
  std::vector<Pending> pending;
  simdjson::dom::parser parser;
  Backoff backoff{c.opt_.backoff_initial_ms, c.opt_.backoff_max_ms};
  uint64_t internal_seq = 0;
  std::string awaiting;  // the id of the set-up request in flight
  int64_t user_sub_id = -1;
  std::unique_ptr<WsResponse> resp = std::make_unique<WsResponse>();
  EventWriter events{*c.events_, c.stats_.events, c.stats_.events_dropped};
  std::thread thread;

  explicit Impl(WsApiClient& client) : c(client) {}

  void start() {
    wake.assign(::dup(c.to_io_.fd()));
    arm_wake();
    arm_tick();
    connect();
    thread = std::thread([this] { ioc.run(); });
  }
  void stop() {
    asio::post(ioc, [this] {
      boost::system::error_code ec;
      wake.close(ec);
      tick.cancel();
      reconnect_timer.cancel();
      ++gen;
      if (sess) beast::get_lowest_layer(sess->ws).close();
      ioc.stop();
    });
    if (thread.joinable()) thread.join();
  }

  void arm_wake() {
    wake.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
      if (ec) return;
      c.to_io_.drain();
      pump();
      arm_wake();
    });
  }
  void arm_tick() {
    tick.expires_after(std::chrono::milliseconds(10));
    tick.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      expire();
      if (events.owes_notice() && events.flush(phase == Phase::kReady)) c.to_gateway_.notify();
      arm_tick();
    });
  }

  int64_t now_server_ms() const {
    return c.opt_.clock ? c.opt_.clock->now_server_ms() : core::wall_clock_ns() / 1'000'000;
  }

  void push_response(uint64_t id, Outcome o, int status, std::string_view frame, std::string_view error) {
    WsResponse& r = *resp;
    r.id = id;
    r.outcome = o;
    r.status = status;
    r.done_wall_ns = core::wall_clock_ns();
    r.truncated = frame.size() > WsResponse::kMaxFrame;
    r.len = static_cast<uint32_t>(std::min(frame.size(), WsResponse::kMaxFrame));
    std::copy_n(frame.begin(), r.len, r.frame);
    r.error.len = 0;
    (void)r.error.assign(error.substr(0, 200));
    switch (o) {
      case Outcome::kResponse:
        c.stats_.responses.fetch_add(1, std::memory_order_relaxed);
        break;
      case Outcome::kTimeout:
        c.stats_.timeouts.fetch_add(1, std::memory_order_relaxed);
        break;
      case Outcome::kUnknownOutcome:
        c.stats_.unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
        break;
      case Outcome::kNotSent:
        c.stats_.not_sent.fetch_add(1, std::memory_order_relaxed);
        break;
      case Outcome::kInvalid:
        break;
    }
    (void)c.responses_->try_push(r);  // room is reserved before a request is taken (pump)
    c.to_gateway_.notify();
  }

  void push_event(WsEvent::Kind kind, int64_t sub_id, std::string_view json, std::string_view info) {
    (void)events.push(kind, sub_id, json, info, phase == Phase::kReady);
    c.to_gateway_.notify();
  }

  // Requests that waited too long: pending ones → timeout; unsent ones while down → not sent.
  void expire() {
    const int64_t now = core::monotonic_ns();
    for (std::size_t i = 0; i < pending.size();) {
      if (pending[i].deadline_mono_ns <= now) {
        push_response(pending[i].id, Outcome::kTimeout, 0, "", "no answer within the timeout");
        pending[i] = pending.back();
        pending.pop_back();
      } else {
        ++i;
      }
    }
    if (phase != Phase::kReady) {
      while (WsRequest* r = c.requests_->front()) {
        const int t = r->timeout_ms > 0 ? r->timeout_ms : c.opt_.default_timeout_ms;
        if (r->submit_mono_ns + int64_t{t} * 1'000'000 > now) break;
        if (c.responses_->free_slots() <= pending.size()) break;
        const uint64_t id = r->id;
        c.requests_->pop();
        push_response(id, Outcome::kNotSent, 0, "", "not connected");
      }
    }
  }

  // ---- connection -------------------------------------------------------------------------------
  void connect() {
    const uint64_t g = ++gen;
    phase = Phase::kConnecting;
    writing = false;
    internal.clear();
    sess = std::make_shared<Session>(ioc, *tls);
    internal::async_open_ws(sess, resolver, c.url_, c.url_.path, c.opt_.connect_timeout_ms,
                            [this, g](const std::string& err) {
                              if (g != gen) return;
                              if (!err.empty()) return drop(err);
                              read(g);
                              start_session();
                            });
  }

  void start_session() {
    if (c.opt_.auth == Auth::kEd25519Logon) {
      phase = Phase::kLogon;
      send_internal(binance::kWsSessionLogon, /*sign=*/true);
    } else {
      subscribe_or_ready();
    }
  }
  void subscribe_or_ready() {
    if (c.opt_.user_data) {
      phase = Phase::kSubscribe;
      if (c.opt_.auth == Auth::kEd25519Logon)
        send_internal(binance::kWsUserDataSubscribe, false);
      else
        send_internal(binance::kWsUserDataSubscribeSignature, true);
      return;
    }
    become_ready();
  }
  void become_ready() {
    phase = Phase::kReady;
    backoff.reset();
    c.ready_.store(true, std::memory_order_release);
    c.stats_.connects.fetch_add(1, std::memory_order_relaxed);
    push_event(WsEvent::Kind::kSessionReady, user_sub_id, "", "ready");
    pump();
  }

  // A set-up request with its own id ("s<n>", never a gateway id: those are decimal).
  void send_internal(std::string_view method, bool sign) {
    binance::ParamList params;
    if (sign) {
      binance::SignedSession s;
      s.api_key = c.opt_.api_key;
      s.timestamp_ms = now_server_ms();
      s.recv_window_ms = c.opt_.recv_window_ms;
      if (!binance::build_signed_session(s, params)) return drop("session: cannot build " + std::string(method));
    }
    awaiting = "s" + std::to_string(++internal_seq);
    binance::FixedBuffer<4096> json;
    binance::FixedBuffer<2048> payload;
    if (!binance::encode_ws_request(awaiting, method, params, json, payload))
      return drop("session: cannot encode " + std::string(method));
    std::string_view sig;
    char ed[binance::kEd25519Base64Size];
    char hm[binance::kHmacSha256HexSize];
    if (sign) {
      if (c.opt_.auth == Auth::kEd25519Logon) {
        if (!c.opt_.ed25519->sign(payload.view(), ed)) return drop("session: Ed25519 signing failed");
        sig = std::string_view(ed, sizeof ed);
      } else {
        c.opt_.hmac->sign(payload.view(), hm);
        sig = std::string_view(hm, sizeof hm);
      }
    }
    if (!binance::finish_ws_request(json, params, sig)) return drop("session: cannot encode " + std::string(method));
    internal.emplace_back(json.view());
    pump();
  }

  void drop(const std::string& why) {
    if (phase == Phase::kDown) return;
    const bool was_ready = phase == Phase::kReady;
    ++gen;
    phase = Phase::kDown;
    writing = false;
    c.ready_.store(false, std::memory_order_release);
    if (sess) internal::close_socket(*sess);
    for (const Pending& p : pending) push_response(p.id, Outcome::kUnknownOutcome, 0, "", "connection dropped: " + why);
    pending.clear();
    if (was_ready) c.stats_.disconnects.fetch_add(1, std::memory_order_relaxed);
    push_event(WsEvent::Kind::kDisconnected, -1, "", why);
    reconnect_timer.expires_after(std::chrono::milliseconds(backoff.next_ms()));
    reconnect_timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) connect();
    });
  }

  // ---- writing ----------------------------------------------------------------------------------
  void pump() {
    if (writing || !sess || phase == Phase::kDown || phase == Phase::kConnecting) return;
    if (!internal.empty()) {
      sess->out = std::move(internal.front());
      internal.pop_front();
      write();
      return;
    }
    if (phase != Phase::kReady) return;
    if (c.responses_->free_slots() <= pending.size()) return;
    WsRequest* r = c.requests_->front();
    if (!r) return;
    sess->out.assign(r->json, r->len);
    const int t = r->timeout_ms > 0 ? r->timeout_ms : c.opt_.default_timeout_ms;
    pending.push_back({r->id, core::monotonic_ns() + int64_t{t} * 1'000'000});
    c.requests_->pop();
    c.stats_.sent.fetch_add(1, std::memory_order_relaxed);
    write();
  }
  void write() {
    writing = true;
    const uint64_t g = gen;
    sess->ws.text(true);
    sess->ws.async_write(asio::buffer(sess->out), [this, g, s = sess](const beast::error_code& ec, std::size_t) {
      if (g != gen) return;
      writing = false;
      if (ec) return drop("write: " + ec.message());
      pump();
    });
  }

  // ---- reading ----------------------------------------------------------------------------------
  void read(uint64_t g) {
    sess->ws.async_read(sess->in, [this, g, s = sess](const beast::error_code& ec, std::size_t) {
      if (g != gen) return;
      if (ec) {
        std::string why = "read: " + ec.message();
        if (ec == websocket::error::closed)
          why = "closed by the server (" + std::to_string(sess->ws.reason().code) + ")";
        return drop(why);
      }
      const auto data = s->in.cdata();
      on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
      s->in.consume(s->in.size());
      if (g == gen) read(g);
    });
  }

  void on_frame(std::string_view frame) {
    simdjson::dom::element doc;
    if (parser.parse(frame.data(), frame.size()).get(doc) != simdjson::SUCCESS) return;
    simdjson::dom::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) return;
    simdjson::dom::element event;
    if (obj["event"].get(event) == simdjson::SUCCESS) {
      int64_t sub = -1;
      if (obj["subscriptionId"].get_int64().get(sub) != simdjson::SUCCESS) sub = -1;
      const std::string text = simdjson::minify(event);
      push_event(WsEvent::Kind::kEvent, sub, text, "");
      return;
    }
    simdjson::dom::element id_el;
    if (obj["id"].get(id_el) != simdjson::SUCCESS) return;
    std::string_view id_text;
    std::string id_num;
    if (id_el.is_string()) {
      if (id_el.get_string().get(id_text) != simdjson::SUCCESS) return;
    } else if (id_el.is_int64() || id_el.is_uint64()) {
      id_num = simdjson::minify(id_el);
      id_text = id_num;
    } else {
      return;
    }
    int64_t status = 0;
    if (obj["status"].get_int64().get(status) != simdjson::SUCCESS) status = 0;
    if (!id_text.empty() && id_text.front() == 's')
      return on_internal_answer(id_text, static_cast<int>(status), obj, frame);
    uint64_t id = 0;
    auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || ptr != id_text.data() + id_text.size()) return;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (pending[i].id != id) continue;
      pending[i] = pending.back();
      pending.pop_back();
      push_response(id, Outcome::kResponse, static_cast<int>(status), frame, "");
      pump();  // room in the response ring may have been what held the next request
      return;
    }
    c.stats_.late_answers.fetch_add(1, std::memory_order_relaxed);
  }

  void on_internal_answer(std::string_view id, int status, simdjson::dom::object& obj, std::string_view frame) {
    if (id != awaiting) return;
    awaiting.clear();
    if (status != 200) {
      std::string why =
          (phase == Phase::kLogon ? "session.logon: " : "user data subscribe: ") + std::string(frame.substr(0, 150));
      return drop(why);
    }
    if (phase == Phase::kLogon) return subscribe_or_ready();
    if (phase == Phase::kSubscribe) {
      int64_t sub = -1;
      if (obj["result"]["subscriptionId"].get_int64().get(sub) != simdjson::SUCCESS) sub = -1;
      user_sub_id = sub;
      return become_ready();
    }
  }
};

// ---------------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<WsApiClient>> WsApiClient::create(Options options) {
  std::unique_ptr<WsApiClient> c(new WsApiClient());
  if (std::string err = parse_url(options.url, "wss", c->url_); !err.empty())
    return absl::InvalidArgumentError("ws api client: " + err);
  if (options.auth == Auth::kEd25519Logon && !options.ed25519)
    return absl::InvalidArgumentError("ws api client: Ed25519 logon needs an Ed25519 key");
  if (options.auth == Auth::kHmac && !options.hmac)
    return absl::InvalidArgumentError("ws api client: HMAC auth needs the API secret");
  if (options.auth != Auth::kNone && options.api_key.empty())
    return absl::InvalidArgumentError("ws api client: signed session needs the API key");
  if (options.user_data && options.auth == Auth::kNone)
    return absl::InvalidArgumentError("ws api client: user data needs a key (Ed25519 logon or HMAC)");
  c->opt_ = std::move(options);
  c->requests_ = std::make_unique<core::SpscRing<WsRequest>>(c->opt_.ring_capacity);
  c->responses_ = std::make_unique<core::SpscRing<WsResponse>>(c->opt_.ring_capacity);
  c->events_ = std::make_unique<core::SpscRing<WsEvent>>(std::max<std::size_t>(8, c->opt_.ring_capacity * 4));
  if (c->to_io_.fd() < 0 || c->to_gateway_.fd() < 0) return absl::InternalError("ws api client: eventfd failed");
  c->impl_ = std::make_unique<Impl>(*c);
  if (std::string err = make_tls_context(c->opt_.ca_file, c->url_.host, c->impl_->tls); !err.empty())
    return absl::InvalidArgumentError("ws api client: " + err);
  c->impl_->start();
  return c;
}

WsApiClient::~WsApiClient() {
  if (impl_) impl_->stop();
}

bool WsApiClient::submit(WsRequest& r) noexcept {
  r.submit_mono_ns = core::monotonic_ns();
  if (!requests_->try_push(r)) return false;
  to_io_.notify();
  return true;
}
const WsResponse* WsApiClient::front() noexcept { return responses_->front(); }
void WsApiClient::pop() noexcept { responses_->pop(); }
const WsEvent* WsApiClient::event_front() noexcept { return events_->front(); }
void WsApiClient::event_pop() noexcept { events_->pop(); }
bool WsApiClient::wait(std::chrono::nanoseconds timeout) noexcept {
  return to_gateway_.wait_until([this] { return responses_->front() != nullptr || events_->front() != nullptr; },
                                timeout);
}

}  // namespace dmabot::binance_io
