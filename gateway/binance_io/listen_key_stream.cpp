#include "gateway/binance_io/listen_key_stream.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <thread>

#include "gateway/binance/response_decoder.h"
#include "gateway/binance_io/internal/ws_connect.h"
#include "simdjson.h"

namespace dmabot::binance_io {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

// REST tags: a sequence number and what the request was.
enum class Call : uint64_t { kCreate = 0, kKeepalive = 1, kClose = 2 };
constexpr uint64_t tag_of(uint64_t seq, Call call) { return (seq << 2) | static_cast<uint64_t>(call); }
constexpr Call call_of(uint64_t tag) { return static_cast<Call>(tag & 3); }

}  // namespace

struct ListenKeyStream::Impl {
  enum class Phase : uint8_t { kWaiting, kKey, kConnecting, kLive, kStopped };

  ListenKeyStream& c;
  asio::io_context ioc{1};
  asio::posix::stream_descriptor rest_ready{ioc};  // the RestClient's response eventfd (a dup)
  tcp::resolver resolver{ioc};
  asio::steady_timer retry_timer{ioc};
  asio::steady_timer keepalive_timer{ioc};
  asio::steady_timer notice_timer{ioc};
  std::unique_ptr<asio::ssl::context> tls;
  std::shared_ptr<internal::WsConn> sess;
  uint64_t gen = 0;  // bumps per connection attempt: handlers of an old one are ignored
  Phase phase = Phase::kWaiting;
  Backoff backoff{c.opt_.backoff_initial_ms, c.opt_.backoff_max_ms};
  EventWriter events{*c.events_, c.stats_.events, c.stats_.events_dropped};
  std::string key;  // the listenKey (never logged)
  uint64_t seq = 0;
  uint64_t create_tag = 0;  // the POST awaited in kKey
  std::unique_ptr<RestRequest> req = std::make_unique<RestRequest>();
  binance::ResponseDecoder decoder;
  simdjson::dom::parser parser;
  std::thread thread;

  explicit Impl(ListenKeyStream& stream) : c(stream) {}

  void start() {
    rest_ready.assign(::dup(c.rest_->response_fd()));
    arm_rest_ready();
    create_key();
    thread = std::thread([this] { ioc.run(); });
  }
  void stop() {
    asio::post(ioc, [this] {
      phase = Phase::kStopped;
      ++gen;
      boost::system::error_code ec;
      rest_ready.close(ec);
      retry_timer.cancel();
      keepalive_timer.cancel();
      notice_timer.cancel();
      if (sess) internal::close_socket(*sess);
      c.ready_.store(false, std::memory_order_release);
      ioc.stop();
    });
    if (thread.joinable()) thread.join();
  }

  void push(WsEvent::Kind kind, std::string_view json, std::string_view info) {
    (void)events.push(kind, -1, json, info, phase == Phase::kLive);
    c.to_gateway_.notify();
    if (events.owes_notice()) arm_notice();
  }
  // While a resync notice is owed, look every 10 ms whether the gateway has made room for it.
  void arm_notice() {
    notice_timer.expires_after(std::chrono::milliseconds(10));
    notice_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || phase == Phase::kStopped) return;
      if (events.flush(phase == Phase::kLive))
        c.to_gateway_.notify();
      else
        arm_notice();
    });
  }

  // ---- REST: POST / PUT ---------------------------------------------------------------------------
  bool submit(Call call, const binance::RestTarget& target) {
    if (!req->set(tag_of(++seq, call), target, "")) return false;
    req->timeout_ms = c.opt_.rest_timeout_ms;
    return c.rest_->submit(*req);
  }

  void arm_rest_ready() {
    rest_ready.async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
      if (ec) return;
      uint64_t v = 0;
      (void)!::read(rest_ready.native_handle(), &v, sizeof v);
      while (const RestResponse* r = c.rest_->front()) {
        on_rest(*r);
        c.rest_->pop();
      }
      arm_rest_ready();
    });
  }

  // One line for a failed REST call: the outcome's error, or the status and Binance's code and msg.
  std::string describe(const RestResponse& r) {
    if (r.outcome != Outcome::kResponse) return std::string(to_string(r.outcome)) + ": " + std::string(r.error.view());
    std::string s = "HTTP " + std::to_string(r.status);
    binance::ErrorBody err;
    if (decoder.decode_error(r.body_view(), err).ok())
      s += " " + std::to_string(err.code) + " " + std::string(err.msg.substr(0, 100));
    return s;
  }
  bool is_unknown_key(const RestResponse& r) {
    binance::ErrorBody err;
    return r.outcome == Outcome::kResponse && decoder.decode_error(r.body_view(), err).ok() &&
           err.code == static_cast<int>(binance::ErrorCode::kInvalidListenKey);
  }

  void on_rest(const RestResponse& r) {
    if (phase == Phase::kStopped) return;
    switch (call_of(r.tag)) {
      case Call::kCreate:
        if (phase != Phase::kKey || r.tag != create_tag) return;
        return on_created(r);
      case Call::kKeepalive:
        return on_keepalive(r);
      case Call::kClose:
        return;
    }
  }

  void create_key() {
    phase = Phase::kKey;
    if (!submit(Call::kCreate, binance::kFuturesListenKeyNew)) return fail("listenKey POST: REST ring full", false);
    create_tag = req->tag;
  }

  void on_created(const RestResponse& r) {
    binance::InlineString<128> k;
    if (r.outcome != Outcome::kResponse || r.status != 200) return fail("listenKey POST: " + describe(r), false);
    if (!decoder.decode_listen_key(r.body_view(), k).ok() || k.empty())
      return fail("listenKey POST: no listenKey in the answer", false);
    c.stats_.keys_created.fetch_add(1, std::memory_order_relaxed);
    key.assign(k.view());
    connect();
  }

  // ---- the stream -------------------------------------------------------------------------------
  void connect() {
    phase = Phase::kConnecting;
    const uint64_t g = ++gen;
    sess = std::make_shared<internal::WsConn>(ioc, *tls);
    const std::string target = c.stream_url_.path + "/private/ws?listenKey=" + key;
    internal::async_open_ws(sess, resolver, c.stream_url_, target, c.opt_.connect_timeout_ms,
                            [this, g](const std::string& err) {
                              if (g != gen) return;
                              if (!err.empty()) return fail(err, false);
                              on_open(g);
                            });
  }

  void on_open(uint64_t g) {
    phase = Phase::kLive;
    backoff.reset();
    c.ready_.store(true, std::memory_order_release);
    c.stats_.connects.fetch_add(1, std::memory_order_relaxed);
    push(WsEvent::Kind::kSessionReady, "", "listenKey stream connected");
    arm_keepalive(c.opt_.keepalive_interval_ms);
    read(g);
  }

  void arm_keepalive(int ms) {
    keepalive_timer.expires_after(std::chrono::milliseconds(std::max(1, ms)));
    keepalive_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || phase != Phase::kLive) return;
      if (!submit(Call::kKeepalive, binance::kFuturesListenKeyKeepAlive)) {
        c.stats_.keepalive_failures.fetch_add(1, std::memory_order_relaxed);
        arm_keepalive(retry_ms());
      }
    });
  }
  int retry_ms() const { return std::min(c.opt_.keepalive_interval_ms, c.opt_.backoff_max_ms); }

  void on_keepalive(const RestResponse& r) {
    if (r.outcome == Outcome::kResponse && r.status == 200) {
      c.stats_.keepalives.fetch_add(1, std::memory_order_relaxed);
      if (phase == Phase::kLive) arm_keepalive(c.opt_.keepalive_interval_ms);
      return;
    }
    c.stats_.keepalive_failures.fetch_add(1, std::memory_order_relaxed);
    if (phase != Phase::kLive) return;  // a recovery is under way already
    if (is_unknown_key(r)) return fail("listenKey keepalive: -1125 (the key is gone): new key", true);
    arm_keepalive(retry_ms());
  }

  void read(uint64_t g) {
    sess->in.consume(sess->in.size());
    sess->ws.async_read(sess->in, [this, g, s = sess](const beast::error_code& ec, std::size_t) {
      if (g != gen) return;
      if (ec) {
        if (ec == websocket::error::closed)
          return fail("closed by the server (" + std::to_string(s->ws.reason().code) + ")", false);
        return fail("read: " + ec.message(), false);
      }
      const auto data = s->in.cdata();
      on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
      if (g == gen) read(g);
    });
  }

  void on_frame(std::string_view frame) {
    simdjson::dom::element doc;
    simdjson::dom::object obj;
    if (parser.parse(frame.data(), frame.size()).get(doc) != simdjson::SUCCESS ||
        doc.get_object().get(obj) != simdjson::SUCCESS)
      return;
    std::string_view text = frame;
    std::string unwrapped;
    simdjson::dom::object data;
    if (obj["data"].get_object().get(data) == simdjson::SUCCESS) {  // a combined {"stream":..,"data":{..}}
      obj = data;
      unwrapped = simdjson::minify(data);
      text = unwrapped;
    }
    std::string_view type;
    if (obj["e"].get_string().get(type) != simdjson::SUCCESS) return;  // control answers ({"result":..,"id":..})
    push(WsEvent::Kind::kEvent, text, "");
    if (type == "listenKeyExpired") {
      c.stats_.expired_events.fetch_add(1, std::memory_order_relaxed);
      return fail("listenKeyExpired: new key", true);
    }
    if (type == "serverShutdown") return fail("serverShutdown: reconnecting", true);
  }

  // The session is gone or could not be made: tell the gateway, then POST and reconnect (at once, or
  // after the backoff).
  void fail(const std::string& why, bool at_once) {
    if (phase == Phase::kStopped) return;
    ++gen;
    phase = Phase::kWaiting;
    c.ready_.store(false, std::memory_order_release);
    keepalive_timer.cancel();
    if (sess) internal::close_socket(*sess);
    push(WsEvent::Kind::kDisconnected, "", why);
    c.stats_.reconnects.fetch_add(1, std::memory_order_relaxed);
    retry_timer.expires_after(std::chrono::milliseconds(at_once ? 0 : backoff.next_ms()));
    retry_timer.async_wait([this](const boost::system::error_code& ec) {
      if (!ec && phase == Phase::kWaiting) create_key();
    });
  }
};

// ---------------------------------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<ListenKeyStream>> ListenKeyStream::create(Options options) {
  std::unique_ptr<ListenKeyStream> c(new ListenKeyStream());
  if (std::string err = parse_url(options.stream_url, "wss", c->stream_url_); !err.empty())
    return absl::InvalidArgumentError("listenKey stream: " + err);
  if (options.api_key.empty()) return absl::InvalidArgumentError("listenKey stream: needs the API key");
  if (options.keepalive_interval_ms <= 0)
    return absl::InvalidArgumentError("listenKey stream: keepalive_interval_ms must be > 0");
  RestClient::Options ro;
  ro.base_url = options.rest_url;
  ro.ca_file = options.ca_file;
  ro.api_key = options.api_key;
  ro.default_timeout_ms = options.rest_timeout_ms;
  ro.ring_capacity = 8;
  auto rest = RestClient::create(std::move(ro));
  if (!rest.ok()) return absl::InvalidArgumentError("listenKey stream: " + std::string(rest.status().message()));
  c->rest_ = std::move(*rest);
  c->opt_ = std::move(options);
  c->events_ = std::make_unique<core::SpscRing<WsEvent>>(std::max<std::size_t>(4, c->opt_.ring_capacity));
  if (c->to_gateway_.fd() < 0) return absl::InternalError("listenKey stream: eventfd failed");
  c->impl_ = std::make_unique<Impl>(*c);
  if (std::string err = make_tls_context(c->opt_.ca_file, c->stream_url_.host, c->impl_->tls); !err.empty())
    return absl::InvalidArgumentError("listenKey stream: " + err);
  c->impl_->start();
  return c;
}

ListenKeyStream::~ListenKeyStream() {
  if (!impl_) return;
  impl_->stop();
  // The I/O thread is gone: this thread is now the RestClient's only user. DELETE the key (bounded).
  if (impl_->key.empty() || !impl_->submit(Call::kClose, binance::kFuturesListenKeyClose)) return;
  const uint64_t tag = impl_->req->tag;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(opt_.rest_timeout_ms + 500);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!rest_->wait_response(deadline - std::chrono::steady_clock::now())) break;
    const bool done = rest_->front()->tag == tag;
    rest_->pop();
    if (done) break;
  }
}

const WsEvent* ListenKeyStream::event_front() noexcept { return events_->front(); }
void ListenKeyStream::event_pop() noexcept { events_->pop(); }
bool ListenKeyStream::wait(std::chrono::nanoseconds timeout) noexcept {
  return to_gateway_.wait_until([this] { return events_->front() != nullptr; }, timeout);
}

}  // namespace dmabot::binance_io
