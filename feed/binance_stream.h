// feed/binance_stream.h — the live Binance market-data feed: TLS WebSocket streams in, MdTick /
// MarkPrice / BookStatus events out.
//
// Two halves joined by one lock-free ring of fixed-size frame slots (core::SpscRing<StreamFrame>):
//   BinanceStreamIo    — an I/O thread running Boost.Beast async TLS WebSocket clients, one per stream:
//                        spot   <stream_url>/stream?streams=<sym>@bookTicker/...
//                        USD-M  <futures_stream_url>/public/stream?streams=<sym>@bookTicker/...
//                               <futures_stream_url>/market/stream?streams=<sym>@markPrice@1s/...
//                        It never parses and never allocates per frame: each text frame is copied
//                        into a ring slot; a frame larger than a slot is counted
//                        (oversized_frames_total) and dropped with a log line; a full ring drops and
//                        counts too (ring_full_drops_total). It also owns connection life: Beast
//                        answers the server's pings; a connection is rotated before rotation_age and
//                        at once on a `serverShutdown` event, make-before-break (the new connection
//                        subscribes, takes over when it delivers its first frame, then the old one is
//                        closed: no moment without data, though updates the old one still had in
//                        flight are not read — the new one's next bookTicker supersedes them); a drop, a failed connect or a silent stream (no data frame for
//                        silent_timeout_s) reconnects with exponential backoff and seeded jitter.
//                        When a stream goes down it puts a "down" marker frame in the ring, in order
//                        with the data.
//   BinanceStreamStage — the feed Stage (hot thread): drains the ring, parses with feed::BinanceParser
//                        into the events ReplayFeed produces (MdTick sharded over FeedOutputs by
//                        symbol % shard_count, MarkPrice to every mark ring), drops and counts stale
//                        updates (bookTicker `u` not above the last one seen for that stream and
//                        symbol, markPrice `E` not above the last; both happen when a new connection
//                        overlaps the old one), and turns "down" markers of a bookTicker stream into
//                        BookStatus{stale} events for its symbols; the first fresh tick of a stale
//                        symbol emits BookStatus{recovered}. (A down markPrice stream marks no book:
//                        its metrics and log show it.) An event an output ring cannot take stays pending
//                        (draining pauses; the frame ring absorbs the burst), nothing is reordered.
// BinanceStreamFeed bundles the ring, both halves and the metrics.
//
// TLS: certificate and host-name verification are always on (ca_file adds a trust anchor, e.g. the
// binance-sim CA; empty = the system's default paths). SNI is sent for host names (not for IP
// literals, which RFC 6066 forbids in SNI). Only wss:// URLs are accepted.
//
// Threads: construct, start(), stop() on one control thread; BinanceStreamStage::poll() on the feed
// stage's thread; metrics from the exporter thread. Allocation: at construction and start() (ring,
// parser, buffers, connections); per connection attempt on the I/O thread (cold); none per frame,
// on either thread (tests/feed/binance_stream_noalloc_test.cpp for the stage,
// binance_stream_io_alloc_test.cpp for the I/O thread: Asio recycles its handler memory per thread
// and the flat_buffer is reused, so no custom allocator is needed), except log lines (oversized
// frames, connection events).
// Errors: start()/validate() return InvalidArgument naming the option (URL, symbol); connection
// errors are logged with the step that failed ("tls_handshake: certificate verify failed") and
// counted (connect_failures_total); they never stop the feed, which keeps retrying.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/clock.h"
#include "core/events.h"
#include "core/metrics.h"
#include "core/runner.h"
#include "core/spsc_ring.h"
#include "core/symbol_table.h"
#include "feed/binance_parser.h"
#include "feed/mock_feed.h"  // FeedOutput

namespace dmabot::feed {

// The streams one feed runs (one WebSocket connection each, plus a standby while rotating).
enum class StreamKind : uint8_t { kSpotBook = 0, kFuturesBook = 1, kFuturesMark = 2 };
inline constexpr std::size_t kStreamKinds = 3;
// "spot_book", "futures_book", "futures_mark" — the `stream` label of the metrics.
std::string_view to_string(StreamKind k);

struct BinanceStreamOptions {
  // Bases without the route: "wss://stream.binance.com:9443", "wss://fstream.binance.com",
  // "wss://127.0.0.1:40123" (binance-sim). Empty = that product is not streamed.
  std::string spot_stream_url;
  std::string futures_stream_url;
  std::string ca_file;  // extra trust anchor (PEM); "" = system default verify paths only
  // Upper-case exchange names (what is subscribed), each resolving in the SymbolTable given to the feed
  // with SymbolTable::find_exchange(product, name): spot_symbols as spot, futures_symbols as USD-M
  // instruments ("UM:BTCUSDT" when the engine trades both products, else the bare name).
  std::vector<std::string> spot_symbols;
  std::vector<std::string> futures_symbols;
  bool futures_mark_price = true;  // also <sym>@markPrice@1s on /market

  double silent_timeout_s = 10;         // no data frame for this long → stale + reconnect
  double connect_timeout_s = 10;        // TCP connect + TLS + WebSocket handshake, each step
  double backoff_min_s = 0.1;           // first retry delay (before jitter)
  double backoff_max_s = 30;            // cap of the doubling
  double rotation_age_s = 23 * 3600.0;  // make-before-break rotation (Binance cuts at 24 h)
  uint64_t seed = 1;                    // jitter PRNG (core/prng.h)

  std::size_t ring_slots = 4096;  // frames between the I/O thread and the stage (power of two)
  uint8_t spot_feed_id = 0;       // stamped into MdTick::feed / MarkPrice::feed
  uint8_t futures_feed_id = 1;
};

// InvalidArgument naming the first bad option (URL not wss://host[:port][/path], no symbols, a
// symbol unknown to `symbols` or not A–Z0–9/UTF-8 printable, non-positive timeouts, min > max).
absl::Status validate(const BinanceStreamOptions& o, const core::SymbolTable& symbols);

// True for Binance's serverShutdown event, combined ({"stream":"!serverShutdown",...}) or raw
// ({"e":"serverShutdown",...}), in the byte shape web-socket-streams.md shows: a prefix compare, so
// the I/O thread recognises it without parsing.
[[nodiscard]] bool is_server_shutdown(std::string_view frame) noexcept;

// One ring slot: a whole WebSocket text frame (or a marker), copied once by the I/O thread.
// kPadding bytes after the largest payload let the parser read in place (parse_padded).
struct StreamFrame {
  static constexpr std::size_t kSlotBytes = 1024;
  static constexpr std::size_t kHeaderBytes = 16;
  static constexpr std::size_t kDataBytes = kSlotBytes - kHeaderBytes;
  static constexpr std::size_t kMaxPayload = kDataBytes - BinanceParser::kPadding;  // 944 bytes
  enum Kind : uint8_t { kData, kDown };

  // Copies `size` (<= kMaxPayload) bytes; the rest of the slot is left as is (no per-frame memset).
  StreamFrame(core::UnixNanos ts, StreamKind s, Kind k, core::StaleReason r, const char* p, uint32_t n) noexcept
      : ts_local(ts), size(n), stream(s), kind(k), reason(r) {
    if (n != 0) std::memcpy(data, p, n);
  }

  core::UnixNanos ts_local;
  uint32_t size;
  StreamKind stream;
  Kind kind;
  core::StaleReason reason;
  uint8_t pad = 0;  // keeps the header at kHeaderBytes
  char data[kDataBytes];
};
static_assert(sizeof(StreamFrame) == StreamFrame::kSlotBytes);
using FrameRing = core::SpscRing<StreamFrame>;

// Per-stream metrics. Written by the I/O thread except stale_updates (the stage's thread).
struct StreamMetrics {
  core::Gauge* connected = nullptr;                 // 1 while a connection delivers
  core::Counter* reconnects = nullptr;              // reconnect attempts after a drop/silence/failure
  core::Counter* rotations = nullptr;               // make-before-break switches (age, serverShutdown)
  core::Counter* messages = nullptr;                // data frames received
  core::Counter* stale_updates = nullptr;           // updates dropped by the stage as not newer
  core::Counter* oversized_frames = nullptr;        // frames larger than a ring slot
  core::Counter* ring_full_drops = nullptr;         // frames dropped because the stage fell behind
  core::Counter* connect_failures = nullptr;        // connection attempts that failed before data
  core::Counter* silent_timeouts = nullptr;         // streams cut for silence
  std::atomic<core::UnixNanos> last_message_ns{0};  // wall clock of the last data frame
};

// The feed stage. `ring` is filled by a BinanceStreamIo (or a test).
class BinanceStreamStage final : public core::Stage {
 public:
  static constexpr int kBatch = 64;
  static constexpr std::size_t kMaxOutputs = 64;

  // symbols: the engine's table (read only; not modified: the parser never adds). metrics: one
  // entry per StreamKind (stale_updates used; may be null). outputs as ReplayFeed's.
  BinanceStreamStage(const BinanceStreamOptions& options, core::SymbolTable& symbols, const core::Clock& clock,
                     FrameRing& ring, std::vector<FeedOutput> md_outputs,
                     std::vector<core::SpscRing<core::MarkPrice>*> mark_outputs,
                     std::vector<core::SpscRing<core::BookStatus>*> status_outputs,
                     std::array<StreamMetrics*, kStreamKinds> metrics);

  int poll() override;
  std::string_view name() const override { return "binance_stream"; }
  // Optional, before the stage runs: one counter per SymbolId (may hold nullptr), incremented per
  // tick delivered (the engine's ticks_total{symbol}).
  void count_ticks(std::vector<core::Counter*> by_symbol) { ticks_by_symbol_ = std::move(by_symbol); }

  struct Stats {
    uint64_t ticks = 0, marks = 0, stale = 0, unknown = 0, errors = 0, stale_events = 0, recovered_events = 0;
  };
  // From the stage's thread, or after it stopped.
  [[nodiscard]] const Stats& stats() const { return stats_; }
  // True while the (stream, symbol) book is marked stale (stage thread).
  [[nodiscard]] bool is_stale(StreamKind s, core::SymbolId sym) const;

 private:
  struct PerSymbol {
    uint64_t last_u = 0;
    core::UnixNanos last_mark_ts = 0;
    core::UnixNanos stale_since = 0;
    core::StaleReason stale_reason = core::StaleReason::kNone;
    bool stale = false;
  };
  enum class Pending : uint8_t { kNone, kTick, kMark };
  bool flush() noexcept;  // delivers the pending event and queued status events; false = blocked
  void handle(const StreamFrame& f) noexcept;
  void mark_down(const StreamFrame& f) noexcept;
  void recovered(StreamKind s, core::SymbolId sym, core::UnixNanos now) noexcept;
  uint64_t md_mask(core::SymbolId sym) const noexcept;

  const core::Clock& clock_;
  FrameRing& ring_;
  // Per product ([0] spot: kSpotBook; [1] USD-M: kFuturesBook, kFuturesMark): the exchange names its
  // streams carry, interned in a table of their own (the parser resolves "s" there), and those ids
  // mapped to the engine's SymbolIds — so "BTCUSDT" on the futures stream is "UM:BTCUSDT" when the
  // engine trades both products (SymbolTable::find_exchange).
  struct ProductParser {
    core::SymbolTable names;
    std::vector<core::SymbolId> to_engine;  // by `names` id
    std::unique_ptr<BinanceParser> parser;
  };
  std::array<ProductParser, 2> products_;
  std::vector<FeedOutput> md_outputs_;
  std::vector<core::SpscRing<core::MarkPrice>*> mark_outputs_;
  std::vector<core::SpscRing<core::BookStatus>*> status_outputs_;
  std::array<StreamMetrics*, kStreamKinds> metrics_;
  std::array<uint8_t, kStreamKinds> feed_ids_{};
  std::array<std::vector<core::SymbolId>, kStreamKinds> stream_symbols_;  // what each stream carries
  std::array<std::vector<PerSymbol>, kStreamKinds> state_;                // indexed by SymbolId
  std::vector<uint64_t> md_masks_;                                        // symbol -> md outputs
  std::vector<core::Counter*> ticks_by_symbol_;                           // count_ticks()

  Pending pending_ = Pending::kNone;
  uint64_t pending_mask_ = 0;
  core::MdTick tick_{};
  core::MarkPrice mark_{};
  // Status events not yet delivered: at most one per symbol of a stream plus one (bounded, reserved).
  std::vector<core::BookStatus> status_queue_;
  std::size_t status_head_ = 0;
  uint64_t status_mask_ = 0;  // rings still owed status_queue_[status_head_]
  Stats stats_;
};

// The I/O side: owns the io_context and its thread (pimpl: Beast stays out of this header).
class BinanceStreamIo {
 public:
  BinanceStreamIo(const BinanceStreamOptions& options, FrameRing& ring,
                  std::array<StreamMetrics*, kStreamKinds> metrics);
  ~BinanceStreamIo();
  BinanceStreamIo(const BinanceStreamIo&) = delete;
  BinanceStreamIo& operator=(const BinanceStreamIo&) = delete;

  // Loads the TLS context (ca_file errors are returned) and starts the thread. Call once.
  absl::Status start();
  // Closes every connection and joins the thread. Idempotent.
  void stop();
  // Asks the stream for a make-before-break rotation now (as a serverShutdown would). Any thread.
  void request_rotation(StreamKind s);
  // The last connection error ("tls_handshake: certificate verify failed (...)"), "" when none. Any thread.
  [[nodiscard]] std::string last_error() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Ring + I/O + stage + metrics. Metrics are registered in `registry` (labels {stream="..."}), or in a
// private registry when null. md_stream_last_message_age_seconds is a callback gauge reading this
// object: a registry given here must not render after the feed is destroyed.
class BinanceStreamFeed {
 public:
  BinanceStreamFeed(BinanceStreamOptions options, core::SymbolTable& symbols, const core::Clock& clock,
                    std::vector<FeedOutput> md_outputs, std::vector<core::SpscRing<core::MarkPrice>*> mark_outputs,
                    std::vector<core::SpscRing<core::BookStatus>*> status_outputs, core::Registry* registry);
  ~BinanceStreamFeed();

  // validate() then BinanceStreamIo::start().
  absl::Status start();
  void stop();

  [[nodiscard]] BinanceStreamStage& stage() { return *stage_; }
  [[nodiscard]] BinanceStreamIo& io() { return *io_; }
  [[nodiscard]] const StreamMetrics& metrics(StreamKind s) const { return metrics_[static_cast<std::size_t>(s)]; }
  [[nodiscard]] core::Registry& registry() { return *registry_; }

 private:
  BinanceStreamOptions options_;
  const core::SymbolTable& symbols_;
  std::unique_ptr<core::Registry> own_registry_;
  core::Registry* registry_;
  std::array<StreamMetrics, kStreamKinds> metrics_;
  std::unique_ptr<FrameRing> ring_;
  std::unique_ptr<BinanceStreamStage> stage_;
  std::unique_ptr<BinanceStreamIo> io_;
};

}  // namespace dmabot::feed
