#include "feed/binance_stream.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cmath>
#include <future>
#include <mutex>
#include <thread>

#include "core/log.h"
#include "core/prng.h"
#include "core/strings.h"

namespace dmabot::feed {

std::string_view to_string(StreamKind k) {
  switch (k) {
    case StreamKind::kSpotBook:
      return "spot_book";
    case StreamKind::kFuturesBook:
      return "futures_book";
    case StreamKind::kFuturesMark:
      return "futures_mark";
  }
  return "?";
}

namespace {

struct WssUrl {
  std::string host, port, path;  // path without a trailing '/'
};

// wss://host[:port][/path]; IPv6 literals in brackets.
absl::Status parse_wss_url(std::string_view url, std::string_view key, WssUrl& out) {
  constexpr std::string_view kScheme = "wss://";
  if (url.substr(0, kScheme.size()) != kScheme)
    return absl::InvalidArgumentError(
        core::str_cat(key, " '", url, "': must start with wss:// (TLS with verification is always on)"));
  std::string_view rest = url.substr(kScheme.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.find_first_of("?#") != std::string_view::npos)
    return absl::InvalidArgumentError(core::str_cat(key, " '", url, "': no query or fragment allowed in the base URL"));
  std::string_view host = authority, port = "443";
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return absl::InvalidArgumentError(core::str_cat(key, " '", url, "': unterminated [IPv6] host"));
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return absl::InvalidArgumentError(core::str_cat(key, " '", url, "': bad port"));
      port = after.substr(1);
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return absl::InvalidArgumentError(core::str_cat(key, " '", url, "': no host"));
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535)
    return absl::InvalidArgumentError(core::str_cat(key, " '", url, "': port must be 1..65535"));
  out.host = std::string(host);
  out.port = std::string(port);
  out.path = std::string(path);
  return absl::OkStatus();
}

// Stream names are lower case (web-socket-streams.md); symbols may be UTF-8 (lower-casing only ASCII).
std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string stream_target(const WssUrl& u, StreamKind k, const std::vector<std::string>& symbols) {
  std::string t = u.path;
  switch (k) {
    case StreamKind::kSpotBook:
      t += "/stream?streams=";
      break;
    case StreamKind::kFuturesBook:
      t += "/public/stream?streams=";
      break;
    case StreamKind::kFuturesMark:
      t += "/market/stream?streams=";
      break;
  }
  const char* suffix = k == StreamKind::kFuturesMark ? "@markPrice@1s" : "@bookTicker";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i != 0) t += '/';
    t += lower_ascii(symbols[i]);
    t += suffix;
  }
  return t;
}

constexpr std::size_t idx(StreamKind k) { return static_cast<std::size_t>(k); }

}  // namespace

absl::Status validate(const BinanceStreamOptions& o, const core::SymbolTable& symbols) {
  WssUrl u;
  if (o.spot_stream_url.empty() && o.futures_stream_url.empty())
    return absl::InvalidArgumentError("binance stream: neither a spot nor a futures stream URL is set");
  if (!o.spot_stream_url.empty()) {
    if (absl::Status st = parse_wss_url(o.spot_stream_url, "spot stream URL", u); !st.ok()) return st;
    if (o.spot_symbols.empty())
      return absl::InvalidArgumentError("binance stream: spot stream URL set but no spot symbols");
  }
  if (!o.futures_stream_url.empty()) {
    if (absl::Status st = parse_wss_url(o.futures_stream_url, "futures stream URL", u); !st.ok()) return st;
    if (o.futures_symbols.empty())
      return absl::InvalidArgumentError("binance stream: futures stream URL set but no futures symbols");
  }
  for (const auto* list : {&o.spot_symbols, &o.futures_symbols}) {
    const core::Product product = list == &o.spot_symbols ? core::Product::kSpot : core::Product::kUsdm;
    for (const std::string& s : *list) {
      if (s.empty() || std::any_of(s.begin(), s.end(), [](char c) {
            return static_cast<unsigned char>(c) <= ' ' || c == '/' || c == '@' || c == '?' || c == '&' || c == '#';
          }))
        return absl::InvalidArgumentError(
            core::str_cat("binance stream: symbol '", s, "' is not a Binance symbol name"));
      if (symbols.find_exchange(product, s) == core::kNoSymbol)
        return absl::InvalidArgumentError(core::str_cat("binance stream: symbol '", s, "' is not in the symbol table"));
    }
  }
  if (!(o.silent_timeout_s > 0) || !(o.connect_timeout_s > 0) || !(o.backoff_min_s > 0) || !(o.rotation_age_s > 0))
    return absl::InvalidArgumentError(
        "binance stream: silent_timeout_s, connect_timeout_s, backoff_min_s and rotation_age_s must be > 0");
  if (o.backoff_max_s < o.backoff_min_s)
    return absl::InvalidArgumentError("binance stream: backoff_max_s must be >= backoff_min_s");
  if (o.ring_slots < 2) return absl::InvalidArgumentError("binance stream: ring_slots must be >= 2");
  return absl::OkStatus();
}

// =============================================================================================
// BinanceStreamStage

BinanceStreamStage::BinanceStreamStage(const BinanceStreamOptions& options, core::SymbolTable& symbols,
                                       const core::Clock& clock, FrameRing& ring, std::vector<FeedOutput> md_outputs,
                                       std::vector<core::SpscRing<core::MarkPrice>*> mark_outputs,
                                       std::vector<core::SpscRing<core::BookStatus>*> status_outputs,
                                       std::array<StreamMetrics*, kStreamKinds> metrics)
    : clock_(clock),
      ring_(ring),
      md_outputs_(std::move(md_outputs)),
      mark_outputs_(std::move(mark_outputs)),
      status_outputs_(std::move(status_outputs)),
      metrics_(metrics) {
  if (md_outputs_.size() > kMaxOutputs) md_outputs_.resize(kMaxOutputs);
  if (mark_outputs_.size() > kMaxOutputs) mark_outputs_.resize(kMaxOutputs);
  if (status_outputs_.size() > kMaxOutputs) status_outputs_.resize(kMaxOutputs);
  feed_ids_ = {options.spot_feed_id, options.futures_feed_id, options.futures_feed_id};
  auto ids = [&](const std::vector<std::string>& names, core::Product product) {
    ProductParser& pp = products_[static_cast<std::size_t>(product)];
    std::vector<core::SymbolId> out;
    for (const std::string& n : names) {
      const core::SymbolId id = symbols.find_exchange(product, n);
      if (id == core::kNoSymbol) continue;
      out.push_back(id);
      const core::SymbolId local = pp.names.add(n);
      if (local == core::kNoSymbol) continue;
      if (pp.to_engine.size() <= local) pp.to_engine.resize(local + 1, core::kNoSymbol);
      pp.to_engine[local] = id;
    }
    return out;
  };
  stream_symbols_[idx(StreamKind::kSpotBook)] = ids(options.spot_symbols, core::Product::kSpot);
  stream_symbols_[idx(StreamKind::kFuturesBook)] = ids(options.futures_symbols, core::Product::kUsdm);
  if (options.futures_mark_price)
    stream_symbols_[idx(StreamKind::kFuturesMark)] = stream_symbols_[idx(StreamKind::kFuturesBook)];
  for (ProductParser& pp : products_)
    pp.parser = std::make_unique<BinanceParser>(pp.names, /*allow_new_symbols=*/false);
  std::size_t max_symbols = 0;
  for (std::size_t s = 0; s < kStreamKinds; ++s) {
    state_[s].assign(symbols.size(), PerSymbol{});
    max_symbols = std::max(max_symbols, stream_symbols_[s].size());
  }
  md_masks_.assign(symbols.size(), 0);
  for (std::size_t id = 0; id < symbols.size(); ++id) {
    for (std::size_t i = 0; i < md_outputs_.size(); ++i) {
      const FeedOutput& o = md_outputs_[i];
      if (o.ring != nullptr && o.shard_count != 0 && id % o.shard_count == o.shard_index)
        md_masks_[id] |= uint64_t{1} << i;
    }
  }
  // handle() adds at most one status per symbol of a stream, and only to an empty queue.
  status_queue_.reserve(max_symbols + 1);
}

bool BinanceStreamStage::is_stale(StreamKind s, core::SymbolId sym) const {
  const auto& v = state_[idx(s)];
  return sym < v.size() && v[sym].stale;
}

uint64_t BinanceStreamStage::md_mask(core::SymbolId sym) const noexcept {
  return sym < md_masks_.size() ? md_masks_[sym] : 0;
}

bool BinanceStreamStage::flush() noexcept {
  while (status_head_ < status_queue_.size()) {
    if (status_mask_ == 0) {
      for (std::size_t i = 0; i < status_outputs_.size(); ++i)
        if (status_outputs_[i] != nullptr) status_mask_ |= uint64_t{1} << i;
      if (status_mask_ == 0) {  // nobody listens
        ++status_head_;
        continue;
      }
    }
    for (uint64_t todo = status_mask_; todo != 0; todo &= todo - 1) {
      const auto i = static_cast<std::size_t>(__builtin_ctzll(todo));
      if (status_outputs_[i]->try_push(status_queue_[status_head_])) status_mask_ &= ~(uint64_t{1} << i);
    }
    if (status_mask_ != 0) return false;
    ++status_head_;
  }
  status_queue_.clear();  // keeps the capacity
  status_head_ = 0;
  if (pending_ == Pending::kNone) return true;
  for (uint64_t todo = pending_mask_; todo != 0; todo &= todo - 1) {
    const auto i = static_cast<std::size_t>(__builtin_ctzll(todo));
    const bool ok =
        pending_ == Pending::kTick ? md_outputs_[i].ring->try_push(tick_) : mark_outputs_[i]->try_push(mark_);
    if (ok) pending_mask_ &= ~(uint64_t{1} << i);
  }
  if (pending_mask_ != 0) return false;
  if (pending_ == Pending::kTick && tick_.symbol < ticks_by_symbol_.size() && ticks_by_symbol_[tick_.symbol] != nullptr)
    ticks_by_symbol_[tick_.symbol]->inc();
  pending_ = Pending::kNone;
  return true;
}

void BinanceStreamStage::mark_down(const StreamFrame& f) noexcept {
  const std::size_t s = idx(f.stream);
  // A book is the bookTicker streams' business; a silent markPrice stream shows in its metrics only.
  if (s >= kStreamKinds || f.stream == StreamKind::kFuturesMark) return;
  const core::UnixNanos now = clock_.now();
  for (const core::SymbolId sym : stream_symbols_[s]) {
    PerSymbol& ps = state_[s][sym];
    if (ps.stale) continue;
    ps.stale = true;
    ps.stale_since = now;
    ps.stale_reason = f.reason;
    core::BookStatus st;
    st.ts_local = now;
    st.stale_since = now;
    st.symbol = sym;
    st.feed = feed_ids_[s];
    st.stale = true;
    st.reason = f.reason;
    status_queue_.push_back(st);  // capacity reserved: no allocation
    ++stats_.stale_events;
  }
}

void BinanceStreamStage::recovered(StreamKind s, core::SymbolId sym, core::UnixNanos now) noexcept {
  PerSymbol& ps = state_[idx(s)][sym];
  ps.stale = false;
  core::BookStatus st;
  st.ts_local = now;
  st.stale_since = ps.stale_since;
  st.symbol = sym;
  st.feed = feed_ids_[idx(s)];
  st.stale = false;
  st.reason = ps.stale_reason;
  status_queue_.push_back(st);
  ++stats_.recovered_events;
}

void BinanceStreamStage::handle(const StreamFrame& f) noexcept {
  if (f.kind == StreamFrame::kDown) return mark_down(f);
  const std::size_t s = idx(f.stream);
  if (s >= kStreamKinds) return;
  ProductParser& pp = products_[f.stream == StreamKind::kSpotBook ? 0 : 1];
  const ParseResult r = pp.parser->parse_padded(f.data, f.size, StreamFrame::kDataBytes, f.ts_local);
  auto engine_id = [&pp](core::SymbolId local) {
    return local < pp.to_engine.size() ? pp.to_engine[local] : core::kNoSymbol;
  };
  switch (r.kind) {
    case MsgKind::kMdTick: {
      core::MdTick t = pp.parser->tick();
      t.symbol = engine_id(t.symbol);
      if (t.symbol >= state_[s].size() || f.stream == StreamKind::kFuturesMark) {
        ++stats_.unknown;
        return;
      }
      PerSymbol& ps = state_[s][t.symbol];
      if (t.update_id <= ps.last_u) {
        ++stats_.stale;
        if (metrics_[s] != nullptr && metrics_[s]->stale_updates != nullptr) metrics_[s]->stale_updates->inc();
        return;
      }
      ps.last_u = t.update_id;
      if (ps.stale) recovered(f.stream, t.symbol, f.ts_local);
      tick_ = t;
      tick_.feed = feed_ids_[s];
      pending_ = Pending::kTick;
      pending_mask_ = md_mask(t.symbol);
      ++stats_.ticks;
      return;
    }
    case MsgKind::kMarkPrice: {
      core::MarkPrice m = pp.parser->mark_price();
      m.symbol = engine_id(m.symbol);
      if (m.symbol >= state_[s].size()) {
        ++stats_.unknown;
        return;
      }
      PerSymbol& ps = state_[s][m.symbol];
      if (m.ts_exchange <= ps.last_mark_ts) {
        ++stats_.stale;
        if (metrics_[s] != nullptr && metrics_[s]->stale_updates != nullptr) metrics_[s]->stale_updates->inc();
        return;
      }
      ps.last_mark_ts = m.ts_exchange;
      if (ps.stale) recovered(f.stream, m.symbol, f.ts_local);
      mark_ = m;
      mark_.feed = feed_ids_[s];
      pending_ = Pending::kMark;
      pending_mask_ = 0;
      for (std::size_t i = 0; i < mark_outputs_.size(); ++i)
        if (mark_outputs_[i] != nullptr) pending_mask_ |= uint64_t{1} << i;
      ++stats_.marks;
      return;
    }
    case MsgKind::kError:
      ++stats_.errors;
      return;
    default:
      ++stats_.unknown;
      return;  // subscription replies, other streams
  }
}

int BinanceStreamStage::poll() {
  if (!flush()) return 0;
  int handled = 0;
  while (handled < kBatch) {
    StreamFrame* f = ring_.front();
    if (f == nullptr) break;
    handle(*f);
    ring_.pop();
    ++handled;
    if (!flush()) break;
  }
  return handled;
}

// =============================================================================================
// BinanceStreamIo

bool is_server_shutdown(std::string_view frame) noexcept {
  constexpr std::string_view kCombined = R"({"stream":"!serverShutdown")";
  constexpr std::string_view kRaw = R"({"e":"serverShutdown")";
  return frame.substr(0, kCombined.size()) == kCombined || frame.substr(0, kRaw.size()) == kRaw;
}

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {
std::chrono::nanoseconds secs(double s) { return std::chrono::nanoseconds(static_cast<int64_t>(s * 1e9)); }
}  // namespace

struct BinanceStreamIo::Impl {
  struct Stream;

  struct Conn : std::enable_shared_from_this<Conn> {
    Conn(Impl& im, Stream* s, uint64_t n) : impl(im), owner(s), id(n), resolver(im.ioc), ws(im.ioc, *im.tls) {}

    Impl& impl;
    Stream* owner;  // null once abandoned (replaced, failed or stopping): its events are ignored
    uint64_t id;
    tcp::resolver resolver;
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
    beast::flat_buffer buf;
    core::UnixNanos opened_mono = core::monotonic_ns();
    core::UnixNanos last_data_mono = 0;
    bool delivered = false;

    void run() {
      const WssUrl& u = owner->url;
      resolver.async_resolve(u.host, u.port,
                             [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
                               self->on_resolve(ec, std::move(r));
                             });
    }
    void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
      if (ec) return fail(ec, "resolve");
      if (owner == nullptr) return;
      beast::get_lowest_layer(ws).expires_after(secs(impl.opt.connect_timeout_s));
      beast::get_lowest_layer(ws).async_connect(
          results, [self = shared_from_this()](beast::error_code e, const tcp::endpoint&) { self->on_connect(e); });
    }
    void on_connect(beast::error_code ec) {
      if (ec) return fail(ec, "connect");
      if (owner == nullptr) return;
      const std::string& host = owner->url.host;
      beast::error_code addr_ec;
      (void)asio::ip::make_address(host, addr_ec);
      // SNI for names only: RFC 6066 forbids IP literals in server_name.
      if (addr_ec && !SSL_set_tlsext_host_name(ws.next_layer().native_handle(), host.c_str())) {
        return fail(beast::error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()), "sni");
      }
      ws.next_layer().set_verify_callback(ssl::host_name_verification(host));
      beast::get_lowest_layer(ws).expires_after(secs(impl.opt.connect_timeout_s));
      ws.next_layer().async_handshake(ssl::stream_base::client,
                                      [self = shared_from_this()](beast::error_code e) { self->on_tls(e); });
    }
    void on_tls(beast::error_code ec) {
      if (ec) return fail(ec, "tls_handshake");
      if (owner == nullptr) return;
      beast::get_lowest_layer(ws).expires_never();
      websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::client);
      t.handshake_timeout =
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(secs(impl.opt.connect_timeout_s));
      t.idle_timeout = websocket::stream_base::none();  // silence is judged on data frames (watchdog)
      t.keep_alive_pings = false;                       // the server pings; Beast answers them
      ws.set_option(t);
      ws.set_option(websocket::stream_base::decorator(
          [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "dmabot-feed"); }));
      ws.read_message_max(1 << 20);
      const std::string host_header = owner->url.host + ":" + owner->url.port;
      ws.async_handshake(host_header, owner->target,
                         [self = shared_from_this()](beast::error_code e) { self->on_ws(e); });
    }
    void on_ws(beast::error_code ec) {
      if (ec) return fail(ec, "ws_handshake");
      if (owner == nullptr) return;
      core::log_info("binance_stream ", to_string(owner->kind), ": connection ", id, " open (", owner->url.host, ":",
                     owner->url.port, owner->target, ")");
      buf.reserve(StreamFrame::kSlotBytes * 4);
      do_read();
    }
    void do_read() {
      ws.async_read(buf, [self = shared_from_this()](beast::error_code e, std::size_t n) { self->on_read(e, n); });
    }
    void on_read(beast::error_code ec, std::size_t n) {
      if (ec) return fail(ec, "read");
      if (owner == nullptr) return;  // abandoned: drop what still arrives, the successor has it
      const auto data = buf.cdata();
      impl.on_frame(*owner, *this, static_cast<const char*>(data.data()), n);
      buf.consume(buf.size());
      if (owner != nullptr) do_read();
    }
    void fail(beast::error_code ec, const char* step) {
      if (owner == nullptr || impl.stopping) return;
      std::string detail = ec.message();
      if (ec.category() == asio::error::get_ssl_category()) {
        // certificate verify failures carry the X509 reason in the stream
        const long v = SSL_get_verify_result(ws.next_layer().native_handle());
        if (v != X509_V_OK) core::str_append(detail, " (", X509_verify_cert_error_string(v), ")");
      }
      core::log_warn("binance_stream ", to_string(owner->kind), ": connection ", id, " ", step, ": ", detail);
      {
        std::lock_guard<std::mutex> lock(impl.error_mu);
        impl.last_error = core::str_cat(step, ": ", detail);
      }
      impl.on_failed(*owner, *this, core::StaleReason::kDisconnected);
    }
    // Hard close: no close frame (stop, failure, silence).
    void kill() {
      owner = nullptr;
      resolver.cancel();
      beast::error_code ec;
      beast::get_lowest_layer(ws).socket().close(ec);
    }
    // Graceful: a close frame, bounded by the handshake timeout; used for the replaced connection.
    void close_gracefully() {
      owner = nullptr;
      if (!ws.is_open()) return kill();
      ws.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) { self->kill(); });
    }
  };

  struct Stream {
    Stream(Impl& im, StreamKind k) : kind(k), retry_timer(im.ioc), watchdog(im.ioc), rotate_timer(im.ioc) {}
    StreamKind kind;
    bool enabled = false;
    WssUrl url;
    std::string target;
    StreamMetrics* m = nullptr;
    std::shared_ptr<Conn> active, standby;
    asio::steady_timer retry_timer, watchdog, rotate_timer;
    int attempt = 0;
    bool retry_pending = false;
    bool down = true;          // no connection delivering
    bool marker_owed = false;  // a down marker the ring could not take yet
    core::StaleReason marker_reason = core::StaleReason::kNone;
  };

  Impl(const BinanceStreamOptions& o, FrameRing& r, std::array<StreamMetrics*, kStreamKinds> metrics)
      : opt(o), ring(r), rng(o.seed) {
    for (std::size_t i = 0; i < kStreamKinds; ++i) {
      streams.push_back(std::make_unique<Stream>(*this, static_cast<StreamKind>(i)));
      streams[i]->m = metrics[i];
    }
  }

  BinanceStreamOptions opt;
  FrameRing& ring;
  asio::io_context ioc{1};
  std::unique_ptr<ssl::context> tls;
  std::vector<std::unique_ptr<Stream>> streams;
  std::vector<std::weak_ptr<Conn>> closing;  // replaced connections still saying goodbye
  core::SplitMix64 rng;
  uint64_t next_conn_id = 1;
  uint64_t oversized_logged = 0;
  bool stopping = false;
  mutable std::mutex error_mu;
  std::string last_error;
  std::thread thread;
  std::atomic<bool> started{false};

  void begin() {
    for (auto& s : streams) {
      if (!s->enabled) continue;
      connect(*s, /*standby=*/false);
      arm_watchdog(*s);
    }
  }

  void connect(Stream& s, bool standby) {
    auto c = std::make_shared<Conn>(*this, &s, next_conn_id++);
    (standby ? s.standby : s.active) = c;
    c->run();
  }

  std::chrono::nanoseconds watchdog_period() const { return secs(std::clamp(opt.silent_timeout_s / 4, 0.01, 1.0)); }

  void arm_watchdog(Stream& s) {
    s.watchdog.expires_after(watchdog_period());
    s.watchdog.async_wait([this, &s](beast::error_code ec) {
      if (ec || stopping) return;
      flush_markers();
      const core::UnixNanos now = core::monotonic_ns();
      const auto silent_ns = static_cast<core::UnixNanos>(opt.silent_timeout_s * 1e9);
      if (s.active) {
        const core::UnixNanos since = s.active->delivered ? s.active->last_data_mono : s.active->opened_mono;
        if (now - since > silent_ns) {
          core::log_warn("binance_stream ", to_string(s.kind), ": connection ", s.active->id, " silent for ",
                         static_cast<double>(now - since) / 1e9, " s (limit ", opt.silent_timeout_s,
                         " s): reconnecting");
          if (s.m && s.m->silent_timeouts) s.m->silent_timeouts->inc();
          on_failed(s, *s.active, core::StaleReason::kSilent);
        }
      }
      if (s.standby && !s.standby->delivered && now - s.standby->opened_mono > silent_ns) {
        core::log_warn("binance_stream ", to_string(s.kind), ": standby connection ", s.standby->id,
                       " delivered nothing in ", opt.silent_timeout_s, " s");
        on_failed(s, *s.standby, core::StaleReason::kSilent);
      }
      arm_watchdog(s);
    });
  }

  void arm_rotation(Stream& s) {
    const core::UnixNanos age = core::monotonic_ns() - s.active->opened_mono;
    const auto left = std::max<int64_t>(0, static_cast<int64_t>(opt.rotation_age_s * 1e9) - age);
    s.rotate_timer.expires_after(std::chrono::nanoseconds(left));
    s.rotate_timer.async_wait([this, &s, id = s.active->id](beast::error_code ec) {
      if (ec || stopping || !s.active || s.active->id != id) return;
      core::log_info("binance_stream ", to_string(s.kind), ": connection ", id, " reached rotation age ",
                     opt.rotation_age_s, " s: rotating");
      rotate(s);
    });
  }

  void rotate(Stream& s) {
    if (stopping || s.standby || !s.active) return;  // already rotating, or reconnecting anyway
    connect(s, /*standby=*/true);
  }

  void flush_markers() {
    for (auto& s : streams) {
      if (!s->marker_owed) continue;
      if (!ring.try_emplace(core::wall_clock_ns(), s->kind, StreamFrame::kDown, s->marker_reason, nullptr, 0)) return;
      s->marker_owed = false;
    }
  }

  void set_down(Stream& s, core::StaleReason reason) {
    if (s.m && s.m->connected) s.m->connected->set(0);
    if (s.down) return;
    s.down = true;
    s.marker_owed = true;
    s.marker_reason = reason;
    flush_markers();
  }

  void on_frame(Stream& s, Conn& c, const char* p, std::size_t n) {
    if (is_server_shutdown(std::string_view(p, n))) {
      core::log_info("binance_stream ", to_string(s.kind), ": serverShutdown on connection ", c.id, ": rotating now");
      if (s.active.get() == &c) rotate(s);
      return;
    }
    const core::UnixNanos now_mono = core::monotonic_ns();
    c.last_data_mono = now_mono;
    if (!c.delivered) on_first_data(s, c);
    if (s.m) {
      if (s.m->messages) s.m->messages->inc();
      s.m->last_message_ns.store(core::wall_clock_ns(), std::memory_order_relaxed);
    }
    flush_markers();
    if (n > StreamFrame::kMaxPayload) {
      if (s.m && s.m->oversized_frames) s.m->oversized_frames->inc();
      // The first one and then every 1000th: a feed sending only such frames must not flood the log.
      if (oversized_logged++ % 1000 == 0)
        core::log_warn("binance_stream ", to_string(s.kind), ": dropped a ", n, "-byte frame: a ring slot holds ",
                       StreamFrame::kMaxPayload, " bytes (", StreamFrame::kSlotBytes,
                       "-byte slots keep the I/O thread allocation-free; no market-data frame is near that size)");
      return;
    }
    if (!ring.try_emplace(core::wall_clock_ns(), s.kind, StreamFrame::kData, core::StaleReason::kNone, p,
                          static_cast<uint32_t>(n))) {
      if (s.m && s.m->ring_full_drops) s.m->ring_full_drops->inc();
    }
  }

  void on_first_data(Stream& s, Conn& c) {
    c.delivered = true;
    s.attempt = 0;
    if (s.standby.get() == &c) {
      // make-before-break: the new connection delivers, so the old one can go
      std::shared_ptr<Conn> old = std::move(s.active);
      s.active = std::move(s.standby);
      if (old) {
        core::log_info("binance_stream ", to_string(s.kind), ": connection ", c.id, " took over from ", old->id);
        std::erase_if(closing, [](const std::weak_ptr<Conn>& w) { return w.expired(); });
        closing.push_back(old);
        old->close_gracefully();
        if (s.m && s.m->rotations) s.m->rotations->inc();
      }
    }
    if (s.m && s.m->connected) s.m->connected->set(1);
    s.down = false;
    arm_rotation(s);
  }

  void on_failed(Stream& s, Conn& c, core::StaleReason reason) {
    if (!c.delivered && s.m && s.m->connect_failures) s.m->connect_failures->inc();
    std::shared_ptr<Conn> keep = c.shared_from_this();
    c.kill();
    if (s.standby.get() == &c) {
      s.standby.reset();
      schedule_retry(s);  // the rotation is retried; the active connection carries on meanwhile
      return;
    }
    if (s.active.get() != &c) return;
    s.active.reset();
    s.rotate_timer.cancel();
    set_down(s, reason);
    if (s.standby) {  // a rotation was under way: that connection is now the reconnect
      s.active = std::move(s.standby);
      return;
    }
    schedule_retry(s);
  }

  void schedule_retry(Stream& s) {
    if (s.retry_pending || stopping) return;
    s.retry_pending = true;
    const double base = std::min(opt.backoff_max_s, opt.backoff_min_s * std::ldexp(1.0, std::min(s.attempt, 60)));
    ++s.attempt;
    const double delay = base * (0.5 + 0.5 * rng.uniform());  // "equal jitter": never 0, never above base
    core::log_info("binance_stream ", to_string(s.kind), ": reconnecting in ", delay, " s (attempt ", s.attempt, ")");
    s.retry_timer.expires_after(secs(delay));
    s.retry_timer.async_wait([this, &s](beast::error_code ec) {
      s.retry_pending = false;
      if (ec || stopping) return;
      if (s.m && s.m->reconnects) s.m->reconnects->inc();
      if (!s.active) {
        connect(s, /*standby=*/false);
      } else if (!s.standby) {
        connect(s, /*standby=*/true);
      }
    });
  }

  void shutdown() {
    stopping = true;
    for (auto& s : streams) {
      s->retry_timer.cancel();
      s->watchdog.cancel();
      s->rotate_timer.cancel();
      if (s->active) s->active->kill();
      if (s->standby) s->standby->kill();
    }
    for (auto& w : closing)
      if (auto c = w.lock()) c->kill();
  }
};

BinanceStreamIo::BinanceStreamIo(const BinanceStreamOptions& options, FrameRing& ring,
                                 std::array<StreamMetrics*, kStreamKinds> metrics)
    : impl_(std::make_unique<Impl>(options, ring, metrics)) {}

BinanceStreamIo::~BinanceStreamIo() { stop(); }

absl::Status BinanceStreamIo::start() {
  Impl& im = *impl_;
  if (im.started.exchange(true)) return absl::FailedPreconditionError("binance stream: start() called twice");
  im.tls = std::make_unique<ssl::context>(ssl::context::tls_client);
  im.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  beast::error_code ec;
  im.tls->set_default_verify_paths(ec);
  if (!im.opt.ca_file.empty()) {
    im.tls->load_verify_file(im.opt.ca_file, ec);
    if (ec) return absl::InvalidArgumentError(core::str_cat("ca_file '", im.opt.ca_file, "': ", ec.message()));
  }
  im.tls->set_verify_mode(ssl::verify_peer);
  const BinanceStreamOptions& o = im.opt;
  auto setup = [&](StreamKind k, const std::string& url, const std::vector<std::string>& symbols) -> absl::Status {
    Impl::Stream& s = *im.streams[idx(k)];
    if (absl::Status st = parse_wss_url(url, "stream URL", s.url); !st.ok()) return st;
    s.target = stream_target(s.url, k, symbols);
    s.enabled = true;
    return absl::OkStatus();
  };
  if (!o.spot_stream_url.empty())
    if (absl::Status st = setup(StreamKind::kSpotBook, o.spot_stream_url, o.spot_symbols); !st.ok()) return st;
  if (!o.futures_stream_url.empty()) {
    if (absl::Status st = setup(StreamKind::kFuturesBook, o.futures_stream_url, o.futures_symbols); !st.ok()) return st;
    if (o.futures_mark_price)
      if (absl::Status st = setup(StreamKind::kFuturesMark, o.futures_stream_url, o.futures_symbols); !st.ok())
        return st;
  }
  asio::post(im.ioc, [&im] { im.begin(); });
  im.thread = std::thread([&im] {
    core::name_current_thread("md_io");
    im.ioc.run();
  });
  return absl::OkStatus();
}

void BinanceStreamIo::stop() {
  Impl& im = *impl_;
  if (!im.thread.joinable()) return;
  asio::post(im.ioc, [&im] { im.shutdown(); });
  // The handlers of killed sockets finish at once; a bounded wait guards against anything that would not.
  std::promise<void> done;
  std::future<void> f = done.get_future();
  std::thread waiter([&] {
    if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready) im.ioc.stop();
  });
  im.thread.join();
  done.set_value();
  waiter.join();
}

std::string BinanceStreamIo::last_error() const {
  std::lock_guard<std::mutex> lock(impl_->error_mu);
  return impl_->last_error;
}

void BinanceStreamIo::request_rotation(StreamKind s) {
  Impl& im = *impl_;
  asio::post(im.ioc, [&im, s] { im.rotate(*im.streams[idx(s)]); });
}

// =============================================================================================
// BinanceStreamFeed

BinanceStreamFeed::BinanceStreamFeed(BinanceStreamOptions options, core::SymbolTable& symbols, const core::Clock& clock,
                                     std::vector<FeedOutput> md_outputs,
                                     std::vector<core::SpscRing<core::MarkPrice>*> mark_outputs,
                                     std::vector<core::SpscRing<core::BookStatus>*> status_outputs,
                                     core::Registry* registry)
    : options_(std::move(options)), symbols_(symbols), registry_(registry) {
  if (registry_ == nullptr) {
    own_registry_ = std::make_unique<core::Registry>();
    registry_ = own_registry_.get();
  }
  const bool enabled[kStreamKinds] = {!options_.spot_stream_url.empty(), !options_.futures_stream_url.empty(),
                                      !options_.futures_stream_url.empty() && options_.futures_mark_price};
  std::array<StreamMetrics*, kStreamKinds> ptrs{};
  for (std::size_t i = 0; i < kStreamKinds; ++i) {
    StreamMetrics& m = metrics_[i];
    ptrs[i] = &m;
    if (!enabled[i]) continue;
    core::Labels l{{{"stream", std::string(to_string(static_cast<StreamKind>(i)))}}};
    m.connected = &registry_->add_gauge("md_stream_connected", "1 while the stream's connection delivers", l);
    m.reconnects = &registry_->add_counter("md_stream_reconnects_total", "reconnect attempts", l);
    m.rotations = &registry_->add_counter("md_stream_rotations_total", "make-before-break connection switches", l);
    m.messages = &registry_->add_counter("md_stream_messages_total", "data frames received", l);
    m.stale_updates = &registry_->add_counter("md_stream_stale_updates_total", "updates dropped as not newer", l);
    m.oversized_frames =
        &registry_->add_counter("md_stream_oversized_frames_total", "frames larger than a ring slot, dropped", l);
    m.ring_full_drops =
        &registry_->add_counter("md_stream_ring_full_drops_total", "frames dropped: the feed stage fell behind", l);
    m.connect_failures =
        &registry_->add_counter("md_stream_connect_failures_total", "connections that failed before any data", l);
    m.silent_timeouts = &registry_->add_counter("md_stream_silent_timeouts_total", "connections cut for silence", l);
    registry_->add_callback_gauge(
        "md_stream_last_message_age_seconds", "seconds since the last data frame (-1: none yet)", l,
        [](const void* ctx) {
          const core::UnixNanos last =
              static_cast<const StreamMetrics*>(ctx)->last_message_ns.load(std::memory_order_relaxed);
          return last == 0 ? -1.0 : static_cast<double>(core::wall_clock_ns() - last) / 1e9;
        },
        &m);
  }
  ring_ = std::make_unique<FrameRing>(options_.ring_slots);
  stage_ = std::make_unique<BinanceStreamStage>(options_, symbols, clock, *ring_, std::move(md_outputs),
                                                std::move(mark_outputs), std::move(status_outputs), ptrs);
  io_ = std::make_unique<BinanceStreamIo>(options_, *ring_, ptrs);
}

BinanceStreamFeed::~BinanceStreamFeed() { stop(); }

absl::Status BinanceStreamFeed::start() {
  if (absl::Status st = validate(options_, symbols_); !st.ok()) return st;
  return io_->start();
}

void BinanceStreamFeed::stop() {
  if (io_) io_->stop();
}

}  // namespace dmabot::feed
