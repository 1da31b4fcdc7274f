// bench/tick_to_order.cpp — tick-to-signed-order latency of the whole hot path, end to end.
//
// Per event: real bookTicker bytes → feed::BinanceParser → strategy::StrategyWorker (DynMm by
// default) → risk::RiskStage → gateway::RouterStage → the Binance gateway's encoder
// (binance_gateway::OrderEncoder: quantized and checked against the symbol's exchangeInfo filters,
// rendered as a REST query, or a WebSocket API request with --wire ws, and signed with the pre-keyed
// HMAC into its send buffer, with the gateway's client-id text). The sink then acknowledges the order
// back through router → risk → strategy (kNew, kCanceled for a replaced order, kExpired for an IOC),
// so the strategy's orders leave flight and it keeps quoting, as against a venue that answers at once.
//
// Latency of one order = TSC time (core/tsc_clock.h) right after its signature is written − the
// tick's arrival time, recorded into core::HdrHistogram (≤ 1% buckets). Arrival time:
//   * fixed rate (`*_fixed`): tick i is due at start + i/rate and carries that scheduled time as its
//     ts_local; the feed stage parses it once it is due — late if its thread was busy, asleep or
//     descheduled — and the lateness counts. Queueing is not hidden (no coordinated omission).
//   * full speed (`fused`, `*_max`): each tick carries the time the feed stage began parsing it.
//     Fused, that is the bare per-tick cost; across threads the rings fill and the figure is mostly
//     queueing (throughput mode).
// Every order is a sample (a tick that moves both quotes gives two; `orders/tick` in the table).
// Warm-up orders (--warmup, default samples/5 capped at 100k) are not recorded.
//
// Inputs: the bookTicker lines of the repo's real spot captures (tests/data/*.head.raw.gz), rewritten
// into 65,536 price-moving variants spread round-robin over --symbols markets (default 16; the "s"
// and stream name rewritten): each message moves its symbol's bid or ask by one tick, a seeded
// random walk; quantities, key order and byte shape stay Binance's. DynMm runs with
// DYNMM_MIN_REQUOTE_MS=0 and DYNMM_TOLERANCE_BPS=0, so it requotes whenever a quote's target moves
// and its side is not waiting for an answer (a strategy sends nothing for a side in flight: with
// several symbols an answer has a few ticks to come back before that symbol's next tick).
// --strategy picks any of the five (dynmm, as, mean_reversion, ma_cross, vol_breakout); each runs
// without requote interval, tolerance or cooldown (A&S with a fixed AS_SIGMA) so it acts as often as
// its rules allow; the takers send an IOC that the sink answers kExpired. Risk limits are the
// defaults except the order-rate windows (sized to the run).
//
// Configurations (--configs a,b selects by name):
//   fused, fused_fixed      every stage polled round-robin on the calling thread (Runner::poll_once,
//                           like replay/backtest), pinned to the last allowed CPU
//   t1_<idle>_<fixed|max>   THREAD_LAYOUT feed,strategy,risk,router,gateway: one core::Runner thread,
//                           rings kept, pinned; idle = spin | spin_yield | sleep
//   t2_<idle>_<fixed|max>   feed,strategy;risk,router,gateway (today's default layout), pinned to two
//                           CPUs
//   t2u_spin_yield_<..>     the same unpinned with spin_yield: the engine's out-of-the-box setting
// Baseline, same run: parse one bookTicker + HMAC-sign one ~200-byte order query, nothing else
// (baseline_parse_sign_p50_ns).
//
// Usage: tick_to_order [--samples N (1000000)] [--rate TICKS_PER_S (50000)] [--warmup N]
//                      [--symbols 1..64 (16)] [--configs a,b] [--strategy dynmm] [--wire rest|ws]
//                      [--json] [--list]
// --json prints exactly one JSON object on stdout:
//   {"configs":[{"name","p50_ns","p90_ns","p99_ns","p999_ns","max_ns","events_per_s",...}...],
//    "baseline_parse_sign_p50_ns":N}
// (each config also carries p9999_ns, samples, orders_per_tick; events_per_s = ticks per second).
// Exit status 1 when a configuration did not collect its samples in time (it is still printed,
// with what it has) or the inputs are missing.
#include <sched.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/real_book_tickers.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/events.h"
#include "core/hdr_histogram.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "core/tsc_clock.h"
#include "core/types.h"
#include "feed/binance_parser.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/signer.h"
#include "gateway/binance_gateway/client_id.h"
#include "gateway/binance_gateway/order_encoder.h"
#include "gateway/router.h"
#include "risk/risk_stage.h"
#include "strategy/registry.h"
#include "strategy/strategy_worker.h"
#include "tools/binance_sim/sim_setup.h"
#include "tools/engine_config.h"

namespace {

using namespace dmabot;

constexpr std::string_view kSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr std::string_view kApiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr std::size_t kRingCapacity = 4096;  // RING_CAPACITY's default
constexpr std::size_t kVariants = 65536;

#ifdef DMABOT_BENCH_SOURCE_DIR
constexpr const char* kSourceDir = DMABOT_BENCH_SOURCE_DIR;
#else
constexpr const char* kSourceDir = ".";
#endif

// ---------------------------------------------------------------------------------------------------
// Inputs

// Replaces the string value of `"key":"..."` with `value`; false when the key is absent.
bool replace_value(std::string& msg, std::string_view key, std::string_view value) {
  const std::string pat = "\"" + std::string(key) + "\":\"";
  const std::size_t at = msg.find(pat);
  if (at == std::string::npos) return false;
  const std::size_t begin = at + pat.size();
  const std::size_t end = msg.find('"', begin);
  if (end == std::string::npos) return false;
  msg.replace(begin, end - begin, value);
  return true;
}

// Messages back to back, each followed by BinanceParser::kPadding readable bytes (parse in place).
struct Inputs {
  std::vector<char> bytes;
  std::vector<std::pair<std::size_t, std::size_t>> msgs;  // (offset, size)
};

// Symbols the variants are spread over (round-robin), as a bot quoting several markets sees them:
// real names first, then made-up ones ("X09USDT").
constexpr std::string_view kRealSymbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT",
                                             "XRPUSDT", "ADAUSDT", "LTCUSDT", "DOGEUSDT"};
constexpr std::size_t kMaxSymbols = 64;
std::string symbol_name(std::size_t k) {
  if (k < std::size(kRealSymbols)) return std::string(kRealSymbols[k]);
  return "X" + std::to_string(10 + k) + "USDT";
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

// Price-moving variants of the real messages: message i is for symbol i % n_symbols (its "s" and
// stream name rewritten), and a seeded walk per symbol moves that symbol's bid or ask by one tick
// (spread kept within 1..8 ticks, mid pulled back beyond +-$20 of where it started); everything else
// is the real message's bytes.
Inputs make_inputs(const std::vector<std::string>& real, std::size_t n, std::size_t n_symbols) {
  Inputs in;
  if (real.empty()) return in;
  std::mt19937_64 rng(20261201);
  constexpr int64_t kTick = 1'000'000;  // 0.01
  const std::string_view first = real[0];
  const auto field = [&](std::string_view key) {
    const std::string pat = "\"" + std::string(key) + "\":\"";
    const std::size_t b = first.find(pat) + pat.size();
    int64_t raw = 0;
    (void)core::parse_decimal(first.substr(b, first.find('"', b) - b), false, raw);
    return raw;
  };
  std::vector<int64_t> bid(n_symbols, field("b")), ask(n_symbols, field("a"));
  const int64_t mid0 = bid[0] + ask[0];  // twice the mid
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t k = i % n_symbols;
    const bool move_bid = (rng() & 1) != 0;
    const int64_t drift = (bid[k] + ask[k]) - mid0;
    int64_t dir = (rng() & 1) != 0 ? 1 : -1;
    if (drift > 4000 * kTick) dir = -1;
    if (drift < -4000 * kTick) dir = 1;
    (move_bid ? bid[k] : ask[k]) += dir * kTick;
    if (ask[k] - bid[k] < kTick) (move_bid ? ask[k] : bid[k]) += (move_bid ? kTick : -kTick);
    if (ask[k] - bid[k] > 8 * kTick) (move_bid ? ask[k] : bid[k]) += (move_bid ? -kTick : kTick);
    std::string msg = real[i % real.size()];
    char b[core::kDecimalBufSize], a[core::kDecimalBufSize];
    const std::size_t bl = core::format_decimal(bid[k], b, 8), al = core::format_decimal(ask[k], a, 8);
    replace_value(msg, "b", std::string_view(b, bl));
    replace_value(msg, "a", std::string_view(a, al));
    replace_value(msg, "s", symbol_name(k));
    replace_value(msg, "stream", lower(symbol_name(k)) + "@bookTicker");
    in.msgs.emplace_back(in.bytes.size(), msg.size());
    in.bytes.insert(in.bytes.end(), msg.begin(), msg.end());
    in.bytes.insert(in.bytes.end(), feed::BinanceParser::kPadding, ' ');
  }
  return in;
}

// Every symbol the inputs may use, with BTCUSDT's filters (tick 0.01, step 0.00001).
void add_symbols(core::SymbolTable& symbols) {
  for (std::size_t k = 0; k < kMaxSymbols; ++k) {
    core::InstrumentInfo info;
    info.name = symbol_name(k);
    info.tick = core::Price::from_raw(1'000'000);
    info.step = core::Qty::from_raw(1'000);
    info.min_qty = core::Qty::from_raw(1'000);
    symbols.add(info);
  }
}

// ---------------------------------------------------------------------------------------------------
// Stages

// The market-data source: parses the next message when it is due (fixed rate) or as soon as polled
// (full speed) and fans the tick out to the strategy and risk, like the engine's feed stages.
class FeedStage final : public core::Stage {
 public:
  FeedStage(const Inputs& in, core::SymbolTable& symbols, const core::TscClock& tsc, double rate,
            core::SpscRing<core::MdTick>* to_strategy, core::SpscRing<core::MdTick>* to_risk)
      : in_(in),
        parser_(symbols, false, 0),
        tsc_(tsc),
        period_ns_(rate > 0 ? 1e9 / rate : 0.0),
        to_strategy_(to_strategy),
        to_risk_(to_risk) {}

  int poll() override {
    if (period_ns_ == 0.0) return emit(tsc_.now_ns()) ? 1 : 0;
    const int64_t now = tsc_.now_ns();
    if (start_ns_ == 0) start_ns_ = now;
    int n = 0;
    for (; n < kBatch; ++n) {
      const int64_t due = start_ns_ + static_cast<int64_t>(static_cast<double>(seq_) * period_ns_);
      if (due > now || !emit(due)) break;
    }
    return n;
  }
  std::string_view name() const override { return "feed"; }
  [[nodiscard]] uint64_t ticks() const { return ticks_.load(std::memory_order_relaxed); }
  [[nodiscard]] uint64_t parse_errors() const { return parse_errors_; }

 private:
  static constexpr int kBatch = 16;
  // Parses message seq_ stamped `ts` and pushes it to both rings; false (nothing consumed) when a
  // ring is full.
  bool emit(int64_t ts) {
    if (!to_strategy_->can_push() || !to_risk_->can_push()) return false;
    const auto [off, size] = in_.msgs[seq_ % in_.msgs.size()];
    ++seq_;
    const feed::ParseResult r =
        parser_.parse_padded(in_.bytes.data() + off, size, size + feed::BinanceParser::kPadding, ts);
    if (r.kind != feed::MsgKind::kMdTick) {
      ++parse_errors_;
      return true;
    }
    (void)to_strategy_->try_push(parser_.tick());
    (void)to_risk_->try_push(parser_.tick());
    ticks_.store(ticks_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    return true;
  }

  const Inputs& in_;
  feed::BinanceParser parser_;
  const core::TscClock& tsc_;
  double period_ns_;
  core::SpscRing<core::MdTick>* to_strategy_;
  core::SpscRing<core::MdTick>* to_risk_;
  int64_t start_ns_ = 0;
  uint64_t seq_ = 0;
  uint64_t parse_errors_ = 0;
  std::atomic<uint64_t> ticks_{0};
};

// Encodes and signs one order with the Binance gateway's own encoder (binance_gateway::OrderEncoder:
// quantize and check against the symbol's exchangeInfo spec, render, sign), its client-id text
// (ClientIdCodec) and the request shapes GatewayCore sends: a new order; a cancel (REST DELETE or WS
// order.cancel); a replace as WS order.cancelReplace (spot), or over REST as the cancel followed by
// the new order (GatewayCore sends the new one when the cancel is answered; the sink answers at once,
// so both are encoded here, the sample ending after the second signature). Specs: binance-sim's
// BTCUSDT (tick 0.01, step 0.00001), renamed for each of the run's symbols.
class BinanceOrderEncoder {
 public:
  enum class Wire : uint8_t { kRest, kWs };
  BinanceOrderEncoder(binance::HmacSha256Signer signer, const core::SymbolTable& symbols, Wire wire)
      : signer_(std::move(signer)),
        wire_(wire),
        ids_(1'733'000'000'000),
        enc_({binance::Product::kSpot, std::string(kApiKey), false}, &signer_, nullptr) {
    binance::InstrumentSpec base;
    if (!binance_sim::default_instrument(binance::Product::kSpot, "BTCUSDT", base).ok()) return;
    for (std::size_t s = 0; s < symbols.size(); ++s) {
      specs_.push_back(base);
      specs_.back().symbol = std::string(symbols.name(static_cast<core::SymbolId>(s)));
    }
  }

  // The request for `o` in send_buffer(), signed. False when it could not be encoded (counted).
  bool encode(const core::Order& o) {
    if (o.symbol >= specs_.size()) return fail();
    const binance::InstrumentSpec& spec = specs_[o.symbol];
    const int64_t ts_ms = o.ts_local / 1'000'000;
    const binance_gateway::Wire wire =
        wire_ == Wire::kRest ? binance_gateway::Wire::kRest : binance_gateway::Wire::kWsApi;
    ++ws_id_;
    switch (o.action) {
      case core::OrderAction::kNew:
        return new_order(o, spec, ts_ms, wire);
      case core::OrderAction::kCancel:
        return cancel(o, spec, ts_ms, wire);
      case core::OrderAction::kReplace: {
        if (wire == binance_gateway::Wire::kRest)
          return cancel(o, spec, ts_ms, wire) && new_order(o, spec, ts_ms, wire);
        binance::CancelReplace c;
        if (!binance_gateway::prepare_new_order(o, spec, text(o.client_id, id_), {}, c.order).ok()) return fail();
        c.order.timestamp_ms = ts_ms;
        c.order.recv_window_ms = 5000;
        c.cancel_orig_client_order_id = text(o.target_id, target_);
        return enc_.encode_cancel_replace(c, ws_id_) || fail();
      }
    }
    return fail();
  }
  [[nodiscard]] std::string_view send_buffer() const { return enc_.view(); }
  [[nodiscard]] uint64_t failures() const { return failures_; }

  // Parse + sign baseline: sign an already encoded payload.
  void sign_only(std::string_view payload, char (&sig)[binance::kHmacSha256HexSize]) const {
    signer_.sign(payload, sig);
  }

 private:
  std::string_view text(uint64_t id, char (&buf)[binance_gateway::kClientIdTextMax]) const {
    return {buf, ids_.encode(id, buf)};
  }
  bool new_order(const core::Order& o, const binance::InstrumentSpec& spec, int64_t ts_ms, binance_gateway::Wire wire) {
    binance_gateway::NewOrderExtras extras;
    extras.resp_type = binance::OrderRespType::kAck;
    return enc_.encode_order(o, spec, text(o.client_id, id_), extras, ts_ms, 5000, wire, ws_id_).ok() || fail();
  }
  bool cancel(const core::Order& o, const binance::InstrumentSpec& spec, int64_t ts_ms, binance_gateway::Wire wire) {
    binance::OrderRef r;
    r.product = spec.product;
    r.symbol = spec.symbol;
    r.orig_client_order_id = text(o.target_id, target_);
    r.timestamp_ms = ts_ms;
    r.recv_window_ms = 5000;
    return enc_.encode_ref(r, wire, binance::kWsOrderCancel, ws_id_) || fail();
  }
  bool fail() {
    ++failures_;
    return false;
  }

  binance::HmacSha256Signer signer_;
  Wire wire_;
  binance_gateway::ClientIdCodec ids_;
  binance_gateway::OrderEncoder enc_;
  std::vector<binance::InstrumentSpec> specs_;
  uint64_t ws_id_ = 0;
  char id_[binance_gateway::kClientIdTextMax] = {};
  char target_[binance_gateway::kClientIdTextMax] = {};
  uint64_t failures_ = 0;
};

// The gateway stage: takes the router's orders for the venue, encodes and signs each (the latency
// sample ends here), then answers like a venue that acknowledges at once.
class OrderSink final : public core::Stage {
 public:
  OrderSink(BinanceOrderEncoder& enc, const core::TscClock& tsc, const FeedStage& feed, core::SpscRing<core::Order>* in,
            core::SpscRing<core::ExecReport>* out, core::HdrHistogram& hist, uint64_t warmup, uint64_t samples)
      : enc_(enc), tsc_(tsc), feed_(feed), in_(in), out_(out), hist_(hist), warmup_(warmup), samples_(samples) {}

  int poll() override {
    int n = 0;
    for (; n < kBatch; ++n) {
      const core::Order* o = in_->front();
      if (o == nullptr || out_->free_slots() < 2) break;
      enc_.encode(*o);
      const int64_t t = tsc_.now_ns();
      record(t, t - o->ts_tick);
      answer(*o);
      in_->pop();
    }
    return n;
  }
  std::string_view name() const override { return "gateway"; }
  [[nodiscard]] bool done() const { return done_.load(std::memory_order_acquire); }
  [[nodiscard]] uint64_t recorded() const { return recorded_.load(std::memory_order_relaxed); }
  // Measurement window (valid once done, or for what was recorded so far after the threads stopped).
  [[nodiscard]] int64_t window_ns() const { return end_ns_ - start_ns_; }
  [[nodiscard]] uint64_t window_ticks() const { return end_ticks_ - start_ticks_; }

 private:
  static constexpr int kBatch = 64;
  void record(int64_t now, int64_t latency) {
    ++orders_;
    if (orders_ <= warmup_ || done_.load(std::memory_order_relaxed)) return;
    hist_.record(latency);
    const uint64_t r = recorded_.load(std::memory_order_relaxed) + 1;
    recorded_.store(r, std::memory_order_relaxed);
    if (r == 1) {
      start_ns_ = now;
      start_ticks_ = feed_.ticks();
    }
    end_ns_ = now;
    end_ticks_ = feed_.ticks();
    if (r >= samples_) done_.store(true, std::memory_order_release);
  }
  void report(const core::Order& o, uint64_t id, core::ExecStatus st) {
    core::ExecReport r;
    r.ts_local = o.ts_local;
    r.last_px = o.price;
    r.client_id = id;
    r.symbol = o.symbol;
    r.strategy = o.strategy;
    r.venue = o.venue;
    r.side = o.side;
    r.status = st;
    (void)out_->try_push(r);  // room checked in poll()
  }
  void answer(const core::Order& o) {
    switch (o.action) {
      case core::OrderAction::kNew:
        report(o, o.client_id, o.tif == core::TimeInForce::kIoc ? core::ExecStatus::kExpired : core::ExecStatus::kNew);
        return;
      case core::OrderAction::kReplace:
        report(o, o.target_id, core::ExecStatus::kCanceled);
        report(o, o.client_id, o.tif == core::TimeInForce::kIoc ? core::ExecStatus::kExpired : core::ExecStatus::kNew);
        return;
      case core::OrderAction::kCancel:
        report(o, o.target_id, core::ExecStatus::kCanceled);
        return;
    }
  }

  BinanceOrderEncoder& enc_;
  const core::TscClock& tsc_;
  const FeedStage& feed_;
  core::SpscRing<core::Order>* in_;
  core::SpscRing<core::ExecReport>* out_;
  core::HdrHistogram& hist_;
  uint64_t warmup_, samples_;
  uint64_t orders_ = 0;
  std::atomic<uint64_t> recorded_{0};
  std::atomic<bool> done_{false};
  int64_t start_ns_ = 0, end_ns_ = 0;
  uint64_t start_ticks_ = 0, end_ticks_ = 0;
};

// ---------------------------------------------------------------------------------------------------
// One pipeline per configuration (fresh state, same inputs)

struct Options {
  uint64_t samples = 1'000'000;
  uint64_t warmup = 0;  // 0 = samples / 5, at most 100k
  double rate = 50'000;
  std::size_t symbols = 16;
  std::string strategy = "dynmm";
  BinanceOrderEncoder::Wire wire = BinanceOrderEncoder::Wire::kRest;
  std::vector<std::string> only;
  bool json = false;
  bool list = false;
};

struct Pipeline {
  Pipeline(const Inputs& in, const core::TscClock& tsc, const Options& opt, double rate, core::HdrHistogram& hist)
      : md_strategy(kRingCapacity),
        md_risk(kRingCapacity),
        signals(kRingCapacity),
        orders(kRingCapacity),
        to_venue(kRingCapacity),
        from_venue(kRingCapacity),
        exec_to_risk(kRingCapacity),
        exec_to_worker(kRingCapacity) {
    add_symbols(symbols);
    feed = std::make_unique<FeedStage>(in, symbols, tsc, rate, &md_strategy, &md_risk);

    // Every strategy acts as often as its rules allow (no requote interval, no tolerance, no
    // cooldown, a fixed volatility for A&S): the harness times orders, so it wants many.
    auto cfg = core::Config::parse("", "tick_to_order",
                                   {"DYNMM_MIN_REQUOTE_MS=0", "DYNMM_TOLERANCE_BPS=0", "AS_MIN_REQUOTE_MS=0",
                                    "AS_TOLERANCE_BPS=0", "AS_SIGMA=5", "MR_COOLDOWN_MS=0", "MR_MIN_EDGE_BPS=0",
                                    "MAC_COOLDOWN_MS=0", "MAC_MIN_EDGE_BPS=0", "VB_COOLDOWN_MS=0", "VB_MIN_EDGE_BPS=0"},
                                   &core::Config::no_env);
    auto strat = strategy::make_strategy(opt.strategy, *cfg, strategy::StrategyContext{&symbols, 1});
    if (!strat.ok()) {
      error = std::string(strat.status().message());
      return;
    }
    worker = std::make_unique<strategy::StrategyWorker>("strategy", std::move(*strat), clock,
                                                        strategy::WorkerRings{&md_strategy, &exec_to_worker, &signals},
                                                        strategy::WorkerMetrics{});

    risk::RiskLimits limits;
    // The order-rate windows hold one slot per allowed order: size them to the run so they never
    // reject (a real deployment's 50/s would stop the benchmark after 50 orders).
    const uint64_t orders_cap = 2 * (opt.samples + opt.warmup) + 1'000'000;
    limits.max_qps = static_cast<uint32_t>(std::min<uint64_t>(orders_cap, UINT32_MAX));
    limits.max_qpm = limits.max_qps;
    risk::RiskRings rr;
    rr.signals_in = {&signals};
    rr.md_in = &md_risk;
    rr.exec_in = &exec_to_risk;
    rr.order_out = &orders;
    rr.exec_to_worker = {&exec_to_worker};
    risk = std::make_unique<risk::RiskStage>(limits, symbols, 1, clock, rr, nullptr, nullptr);

    gateway::RouterRings ro;
    ro.orders_in = &orders;
    ro.to_venue = {&to_venue};
    ro.from_venue = {&from_venue};
    ro.exec_out = &exec_to_risk;
    router = std::make_unique<gateway::RouterStage>(gateway::RouterParams{},
                                                    std::vector<gateway::VenueInfo>{{"binance", 1.0, 1.0, 0}}, symbols,
                                                    clock, ro, nullptr);
    auto signer = binance::HmacSha256Signer::create(kSecret);
    encoder = std::make_unique<BinanceOrderEncoder>(std::move(*signer), symbols, opt.wire);
    sink = std::make_unique<OrderSink>(*encoder, tsc, *feed, &to_venue, &from_venue, hist, opt.warmup, opt.samples);
  }

  core::Stage* stage(tools::StageKind k) const {
    switch (k) {
      case tools::StageKind::kFeed:
        return feed.get();
      case tools::StageKind::kStrategy:
        return worker.get();
      case tools::StageKind::kRisk:
        return risk.get();
      case tools::StageKind::kRouter:
        return router.get();
      case tools::StageKind::kGateway:
        return sink.get();
    }
    return nullptr;
  }

  std::string error;
  core::Clock clock = core::Clock::live();
  core::SymbolTable symbols;
  core::SpscRing<core::MdTick> md_strategy, md_risk;
  core::SpscRing<core::Signal> signals;
  core::SpscRing<core::Order> orders, to_venue;
  core::SpscRing<core::ExecReport> from_venue, exec_to_risk, exec_to_worker;
  std::unique_ptr<FeedStage> feed;
  std::unique_ptr<strategy::StrategyWorker> worker;
  std::unique_ptr<risk::RiskStage> risk;
  std::unique_ptr<gateway::RouterStage> router;
  std::unique_ptr<BinanceOrderEncoder> encoder;
  std::unique_ptr<OrderSink> sink;
};

struct ConfigSpec {
  std::string name;
  std::string layout;  // "" = fused on the calling thread
  core::IdlePolicy idle = core::IdlePolicy::kSpin;
  bool pinned = true;
  bool fixed_rate = false;
};

struct Result {
  std::string name;
  int64_t p50 = 0, p90 = 0, p99 = 0, p999 = 0, p9999 = 0, max = 0;
  uint64_t samples = 0;
  double events_per_s = 0;
  double orders_per_tick = 0;
  bool complete = false;
  std::string note;
};

std::vector<ConfigSpec> all_configs() {
  std::vector<ConfigSpec> c;
  c.push_back({"fused", "", core::IdlePolicy::kSpin, true, false});
  c.push_back({"fused_fixed", "", core::IdlePolicy::kSpin, true, true});
  const std::pair<const char*, const char*> layouts[] = {{"t1", "feed,strategy,risk,router,gateway"},
                                                         {"t2", "feed,strategy;risk,router,gateway"}};
  for (const auto& [tag, layout] : layouts) {
    for (core::IdlePolicy p : {core::IdlePolicy::kSpin, core::IdlePolicy::kSpinYield, core::IdlePolicy::kSleep}) {
      for (bool fixed : {true, false}) {
        c.push_back({std::string(tag) + "_" + std::string(core::to_string(p)) + (fixed ? "_fixed" : "_max"), layout, p,
                     true, fixed});
      }
    }
  }
  c.push_back({"t2u_spin_yield_fixed", "feed,strategy;risk,router,gateway", core::IdlePolicy::kSpinYield, false, true});
  c.push_back({"t2u_spin_yield_max", "feed,strategy;risk,router,gateway", core::IdlePolicy::kSpinYield, false, false});
  return c;
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int i = 0; i < CPU_SETSIZE; ++i) {
      if (CPU_ISSET(i, &set)) cpus.push_back(i);
    }
  }
  return cpus;
}

// Runs one configuration; the histogram is filled by the sink.
Result run_config(const ConfigSpec& spec, const Inputs& in, const core::TscClock& tsc, const Options& opt,
                  const std::vector<int>& cpus) {
  Result res;
  res.name = spec.name;
  core::HdrHistogram hist;
  Pipeline p(in, tsc, opt, spec.fixed_rate ? opt.rate : 0.0, hist);
  if (!p.error.empty()) {
    res.note = p.error;
    return res;
  }
  // A generous bound: 10x the time the samples need at the fixed rate at one order per tick, + 20 s.
  const double expected_s = static_cast<double>(opt.samples + opt.warmup) / opt.rate;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>((10 * expected_s + 20) * 1000));
  if (spec.layout.empty()) {
    cpu_set_t saved;
    CPU_ZERO(&saved);
    const bool have_saved = sched_getaffinity(0, sizeof(saved), &saved) == 0;
    if (!cpus.empty()) core::pin_current_thread(cpus.back());
    const std::vector<core::Stage*> stages{p.feed.get(), p.worker.get(), p.risk.get(), p.router.get(), p.sink.get()};
    for (uint64_t i = 0; !p.sink->done(); ++i) {
      core::Runner::poll_once(stages);
      if ((i & 0xFFFF) == 0 && std::chrono::steady_clock::now() > deadline) break;
    }
    if (have_saved) sched_setaffinity(0, sizeof(saved), &saved);
  } else {
    auto groups = tools::parse_thread_layout(spec.layout);
    if (!groups.ok()) {
      res.note = std::string(groups.status().message());
      return res;
    }
    std::vector<int> pin;
    if (spec.pinned && !cpus.empty()) {
      // One thread: the last allowed CPU (the control thread sleeps elsewhere); two: one CPU each.
      if (groups->size() == 1) {
        pin.push_back(cpus.back());
      } else {
        pin = cpus;
      }
    }
    core::Runner runner(spec.idle, pin);
    for (std::size_t g = 0; g < groups->size(); ++g) {
      core::ThreadGroup tg{"t2o_" + std::to_string(g), {}};
      for (tools::StageKind k : (*groups)[g]) tg.stages.push_back(p.stage(k));
      runner.add_group(std::move(tg));
    }
    runner.start();
    while (!p.sink->done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // waits for a condition, with a deadline
    }
    runner.stop();
  }
  res.complete = p.sink->done();
  res.samples = hist.count();
  res.p50 = hist.value_at_quantile(0.50);
  res.p90 = hist.value_at_quantile(0.90);
  res.p99 = hist.value_at_quantile(0.99);
  res.p999 = hist.value_at_quantile(0.999);
  res.p9999 = hist.value_at_quantile(0.9999);
  res.max = hist.max();
  if (p.sink->window_ns() > 0) {
    res.events_per_s = static_cast<double>(p.sink->window_ticks()) * 1e9 / static_cast<double>(p.sink->window_ns());
  }
  if (p.sink->window_ticks() > 0) {
    res.orders_per_tick = static_cast<double>(res.samples) / static_cast<double>(p.sink->window_ticks());
  }
  if (!res.complete) res.note = "timed out";
  if (p.encoder->failures() != 0) res.note += " encode_failures=" + std::to_string(p.encoder->failures());
  if (p.feed->parse_errors() != 0) res.note += " parse_errors=" + std::to_string(p.feed->parse_errors());
  for (int r = 1; r < static_cast<int>(core::RejectReason::kCount); ++r) {
    const auto reason = static_cast<core::RejectReason>(r);
    if (p.risk->rejects(reason) != 0) {
      res.note +=
          " risk_rejects{" + std::string(core::to_string(reason)) + "}=" + std::to_string(p.risk->rejects(reason));
    }
  }
  return res;
}

// Parse + sign alone, per message, on the calling thread (pinned like fused).
int64_t baseline_parse_sign_p50(const Inputs& in, const core::TscClock& tsc, const Options& opt,
                                const std::vector<int>& cpus) {
  core::SymbolTable symbols;
  add_symbols(symbols);
  feed::BinanceParser parser(symbols, false, 0);
  auto signer = binance::HmacSha256Signer::create(kSecret);
  BinanceOrderEncoder enc(std::move(*signer), symbols, BinanceOrderEncoder::Wire::kRest);
  // A typical order request: what the sink sends for a new post-only quote.
  core::Order o;
  o.ts_local = core::wall_clock_ns();
  o.price = core::Price::from_raw(6'168'599'000'000);
  o.qty = core::Qty::from_raw(32'000);
  o.client_id = core::make_client_id(1, 12345);
  o.tif = core::TimeInForce::kPostOnly;
  (void)enc.encode(o);
  const std::string payload(enc.send_buffer().substr(0, enc.send_buffer().rfind("&signature=")));
  cpu_set_t saved;
  CPU_ZERO(&saved);
  const bool have_saved = sched_getaffinity(0, sizeof(saved), &saved) == 0;
  if (!cpus.empty()) core::pin_current_thread(cpus.back());
  core::HdrHistogram hist;
  char sig[binance::kHmacSha256HexSize];
  const uint64_t n = opt.samples + opt.warmup;
  uint64_t ok = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const auto [off, size] = in.msgs[i % in.msgs.size()];
    const int64_t t0 = tsc.now_ns();
    const feed::ParseResult r =
        parser.parse_padded(in.bytes.data() + off, size, size + feed::BinanceParser::kPadding, t0);
    enc.sign_only(payload, sig);
    const int64_t t1 = tsc.now_ns();
    ok += r.ok() ? static_cast<uint64_t>(sig[0]) : 0;
    if (i >= opt.warmup) hist.record(t1 - t0);
  }
  if (have_saved) sched_setaffinity(0, sizeof(saved), &saved);
  if (ok == 0) std::fprintf(stderr, "tick_to_order: baseline parsed nothing\n");
  return hist.value_at_quantile(0.5);
}

bool parse_u64(const char* s, uint64_t& out) {
  const char* end = s + std::strlen(s);
  const auto r = std::from_chars(s, end, out);
  return r.ec == std::errc() && r.ptr == end;
}

int usage() {
  std::fprintf(stderr,
               "usage: tick_to_order [--samples N] [--rate TICKS_PER_S] [--warmup N] [--configs a,b] "
               "[--symbols 1..64] [--strategy NAME] [--wire rest|ws] [--json] [--list]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--json") {
      opt.json = true;
    } else if (a == "--list") {
      opt.list = true;
    } else if (a == "--samples" && has_value) {
      if (!parse_u64(argv[++i], opt.samples) || opt.samples == 0) return usage();
    } else if (a == "--warmup" && has_value) {
      if (!parse_u64(argv[++i], opt.warmup)) return usage();
    } else if (a == "--rate" && has_value) {
      uint64_t r = 0;
      if (!parse_u64(argv[++i], r) || r == 0) return usage();
      opt.rate = static_cast<double>(r);
    } else if (a == "--symbols" && has_value) {
      uint64_t k = 0;
      if (!parse_u64(argv[++i], k) || k == 0 || k > kMaxSymbols) return usage();
      opt.symbols = static_cast<std::size_t>(k);
    } else if (a == "--strategy" && has_value) {
      opt.strategy = argv[++i];
    } else if (a == "--wire" && has_value) {
      const std::string_view w = argv[++i];
      if (w != "rest" && w != "ws") return usage();
      opt.wire = w == "ws" ? BinanceOrderEncoder::Wire::kWs : BinanceOrderEncoder::Wire::kRest;
    } else if (a == "--configs" && has_value) {
      std::string_view list = argv[++i];
      while (!list.empty()) {
        const std::size_t comma = std::min(list.find(','), list.size());
        opt.only.emplace_back(list.substr(0, comma));
        list.remove_prefix(std::min(comma + 1, list.size()));
      }
    } else {
      return usage();
    }
  }
  if (opt.warmup == 0) opt.warmup = std::min<uint64_t>(opt.samples / 5, 100'000);

  std::vector<ConfigSpec> configs;
  for (const ConfigSpec& c : all_configs()) {
    if (opt.only.empty() || std::find(opt.only.begin(), opt.only.end(), c.name) != opt.only.end()) configs.push_back(c);
  }
  if (opt.list) {
    for (const ConfigSpec& c : all_configs()) std::printf("%s\n", c.name.c_str());
    return 0;
  }
  if (configs.empty()) {
    std::fprintf(stderr, "tick_to_order: no configuration matches --configs (see --list)\n");
    return 2;
  }

  const char* src = std::getenv("DMABOT_SOURCE_DIR");
  const std::string root = src != nullptr ? src : kSourceDir;
  std::vector<std::string> real;
  for (const char* stem : {"spot_btcusdt_20240808", "spot_btcusdt_20240809"}) {
    std::vector<std::string> r = bench::read_book_tickers(root + "/tests/data/" + stem + ".head.raw.gz");
    real.insert(real.end(), r.begin(), r.end());
  }
  if (real.empty()) {
    std::fprintf(stderr, "tick_to_order: no bookTicker lines under %s/tests/data (set DMABOT_SOURCE_DIR)\n",
                 root.c_str());
    return 1;
  }
  const Inputs in = make_inputs(real, kVariants, opt.symbols);

  core::TscClock tsc;
  tsc.calibrate();
  const std::vector<int> cpus = allowed_cpus();

  const int64_t baseline = baseline_parse_sign_p50(in, tsc, opt, cpus);
  std::vector<Result> results;
  bool all_complete = true;
  for (const ConfigSpec& c : configs) {
    results.push_back(run_config(c, in, tsc, opt, cpus));
    all_complete = all_complete && results.back().complete;
    if (!opt.json) {
      std::fprintf(stderr, "  %-24s done (%llu samples)\n", c.name.c_str(),
                   static_cast<unsigned long long>(results.back().samples));
    }
  }

  if (opt.json) {
    std::printf("{\"configs\":[");
    for (std::size_t i = 0; i < results.size(); ++i) {
      const Result& r = results[i];
      std::printf(
          "%s{\"name\":\"%s\",\"p50_ns\":%lld,\"p90_ns\":%lld,\"p99_ns\":%lld,\"p999_ns\":%lld,\"p9999_ns\":%lld,"
          "\"max_ns\":%lld,\"events_per_s\":%.0f,\"samples\":%llu,\"orders_per_tick\":%.3f}",
          i == 0 ? "" : ",", r.name.c_str(), static_cast<long long>(r.p50), static_cast<long long>(r.p90),
          static_cast<long long>(r.p99), static_cast<long long>(r.p999), static_cast<long long>(r.p9999),
          static_cast<long long>(r.max), r.events_per_s, static_cast<unsigned long long>(r.samples), r.orders_per_tick);
    }
    std::printf("],\"baseline_parse_sign_p50_ns\":%lld}\n", static_cast<long long>(baseline));
    return all_complete ? 0 : 1;
  }

  double load[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = -1;
    std::fclose(f);
  }
  std::printf(
      "# tick_to_order: %zu cpus allowed, load %.2f %.2f %.2f, TSC %.3f GHz%s, %llu samples/config "
      "(+%llu warm-up), fixed rate %.0f ticks/s, strategy %s, wire %s\n",
      cpus.size(), load[0], load[1], load[2], tsc.ghz(),
      core::TscClock::invariant_tsc() ? " (invariant)" : " (NOT invariant)",
      static_cast<unsigned long long>(opt.samples), static_cast<unsigned long long>(opt.warmup), opt.rate,
      opt.strategy.c_str(), opt.wire == BinanceOrderEncoder::Wire::kRest ? "rest" : "ws");
  std::printf(
      "# latency = order signed (TSC) - tick arrival (scheduled time for *_fixed); ns; "
      "baseline = parse + sign alone, p50 %lld ns\n",
      static_cast<long long>(baseline));
  std::printf("%-24s %9s %9s %9s %9s %10s %10s %11s %10s %7s %9s\n", "config", "samples", "p50", "p90", "p99", "p99.9",
              "p99.99", "max", "ticks/s", "ord/tk", "p50/base");
  for (const Result& r : results) {
    std::printf("%-24s %9llu %9lld %9lld %9lld %10lld %10lld %11lld %10.4g %7.2f %9.2f%s%s\n", r.name.c_str(),
                static_cast<unsigned long long>(r.samples), static_cast<long long>(r.p50),
                static_cast<long long>(r.p90), static_cast<long long>(r.p99), static_cast<long long>(r.p999),
                static_cast<long long>(r.p9999), static_cast<long long>(r.max), r.events_per_s, r.orders_per_tick,
                baseline > 0 ? static_cast<double>(r.p50) / static_cast<double>(baseline) : 0.0,
                r.note.empty() ? "" : "  ", r.note.c_str());
  }
  return all_complete ? 0 : 1;
}
