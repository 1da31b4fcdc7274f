// tools/engine_config.h — every start-up setting of the engine, read and validated in one place.
//
// EngineConfig::from_config() reads each module's keys through its own from_config(), adds the
// wiring keys (SYMBOLS, STRATEGIES, threads, recorder, metrics, presets' safety keys), then rejects
// any key nobody read. The first problem found is returned as one line naming the key and the file
// (exit code 2 in the CLI). Secrets (BINANCE_API_KEY/SECRET, ...) are checked for presence and
// origin only (tools/binance_settings.h) and never copied into anything printable.
//
// Threads: start-up only. Allocation: yes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/config.h"
#include "core/log.h"
#include "core/recorder.h"
#include "core/runner.h"
#include "core/symbol_table.h"
#include "feed/binance_stream.h"
#include "feed/mock_feed.h"
#include "feed/synthetic_feed.h"
#include "gateway/fees.h"
#include "gateway/mock_gateway.h"
#include "gateway/router.h"
#include "gateway/sim_exchange.h"
#include "risk/risk_limits.h"
#include "tools/backtest_report.h"
#include "tools/binance_instruments.h"
#include "tools/binance_settings.h"

namespace dmabot::tools {

struct StrategySpec {
  std::string name;
  int workers = 1;
};

// Stage kinds that THREAD_LAYOUT assigns to threads.
enum class StageKind : uint8_t { kFeed, kStrategy, kRisk, kRouter, kGateway };

// REPLAY_MAX_LINE_BYTES's range (the key table and the CLI's early read of --set agree on it).
inline constexpr int64_t kMinReplayLineBytes = 4096;
inline constexpr int64_t kMaxReplayLineBytes = int64_t{1} << 30;

struct EngineConfig {
  std::string feed_mode;   // mock | replay | synthetic | binance (live streams; threaded runs only)
  std::string venue_mode;  // mock | sim | binance_spot | binance_futures (live: tools/binance_venue.h)
  gateway::MarketType market = gateway::MarketType::kSpot;  // MARKET_TYPE
  BinanceSettings binance;  // BINANCE_* URLs, CA, which credentials are present (no secret values), DRY_RUN
  // FEED_MODE=binance: URLs, CA and symbols from `binance`, MARKET_TYPE and SYMBOLS (spot: the spot
  // bookTicker streams; usdm: futures bookTicker on /public and markPrice@1s on /market), the
  // connection timings from BINANCE_STREAM_* (read in every mode, so they are checked and listed).
  feed::BinanceStreamOptions binance_stream;
  // FEED_MODE=replay: REPLAY_FILE (a raw capture or a dmabot recording) and the window of ts_local
  // to replay, REPLAY_FROM_NS <= ts < REPLAY_UNTIL_NS (0 = open end).
  std::string replay_file;
  int64_t replay_from_ns = 0;
  int64_t replay_until_ns = 0;
  int64_t replay_max_line_bytes = int64_t{64} << 20;  // REPLAY_MAX_LINE_BYTES, kMin/kMaxReplayLineBytes
  // Empty with SYMBOLS=auto (the engine fills it from exchangeInfo).
  std::vector<core::InstrumentInfo> instruments;
  // Binance modes: how the instruments are resolved against exchangeInfo (tools/binance_instruments.h).
  InstrumentRules instrument_rules;
  std::vector<StrategySpec> strategies;
  std::string record_file;  // empty = recorder off
  core::RecordFormat record_format = core::RecordFormat::kJsonl;
  uint64_t record_rotate_bytes = 0;  // RECORD_ROTATE_MB (0 = never)
  int64_t record_rotate_ns = 0;      // RECORD_ROTATE_S (0 = never)
  int metrics_port = 9898;           // 0 = ephemeral; -1 = metrics server off
  std::string metrics_bind = "127.0.0.1";
  core::LogLevel log_level = core::LogLevel::kInfo;
  std::vector<int> pin_cpus;    // hot thread i runs on pin_cpus[i % n] (empty: unpinned)
  std::vector<int> other_cpus;  // the recorder, metrics and I/O threads (empty: anywhere); THREAD_LAYOUT=auto
  std::string thread_plan;      // "threads: ..." — what the layout and pinning are, for the start line
  core::IdlePolicy idle = core::IdlePolicy::kSpinYield;
  std::vector<std::vector<StageKind>> thread_layout;
  std::size_t ring_capacity = 4096;
  feed::MockFeedParams mock_feed;
  feed::SyntheticMarketParams synthetic;  // FEED_MODE=synthetic (SYN_* keys)
  risk::RiskLimits risk;
  gateway::RouterParams router;
  std::vector<std::pair<std::string, gateway::MockGatewayParams>> mock_venues;
  gateway::SimExchangeParams sim;
  BacktestReportParams backtest;  // BACKTEST_* keys (used by `dmabot backtest`)  // VENUE_MODE=sim: one simulated
                                  // exchange named "sim" (SIM_* keys)
  // Effective key/value pairs with secrets masked (for the recorder header and --print-config).
  std::vector<std::pair<std::string, std::string>> effective;

  // Reads everything and rejects unknown keys. The Config must be fresh (nothing read yet). `connects`
  // false: a replay, which sends nothing anywhere (a live venue's credentials are not required).
  static absl::StatusOr<EngineConfig> from_config(core::Config& cfg, bool connects = true);
};

absl::StatusOr<std::vector<std::vector<StageKind>>> parse_thread_layout(std::string_view spec);

// THREAD_LAYOUT=auto for the CPUs this process may use (core::usable_cpus()) and PIN_CPUS (empty:
// none given). Under 4 usable CPUs every hot stage shares one thread (the cross-thread hop and the
// scheduler, not the work, set the live latency on a small machine; the rings stay, decoupling the
// stages and the recorder), pinned to the last usable CPU; from 4 CPUs the two-thread split
// feed,strategy;risk,router,gateway, pinned to the last two. The other CPUs take the recorder,
// metrics and I/O threads. PIN_CPUS, when given, replaces the hot threads' CPUs.
struct ThreadPlan {
  std::vector<std::vector<StageKind>> layout;
  std::vector<int> hot_cpus;    // becomes EngineConfig::pin_cpus
  std::vector<int> other_cpus;  // becomes EngineConfig::other_cpus
  std::string description;      // the start line ("threads: THREAD_LAYOUT=auto on 2 usable CPUs ...")
};
ThreadPlan auto_thread_plan(const std::vector<int>& usable, const std::vector<int>& pin_cpus);
// "0-3,6" from {0,1,2,3,6}; "feed,strategy;risk,router,gateway" from a layout.
std::string cpu_list_text(const std::vector<int>& cpus);
std::string layout_text(const std::vector<std::vector<StageKind>>& layout);

// One row of the key table: every key the engine reads, its built-in default, type/range, meaning
// and whether its value is a secret. The single source of truth for docs/CONFIG.md, `dmabot config
// --list` and the preset checks (tests/tools/config_keys_test.cpp proves that each default is what
// the code applies and that no key the engine reads is missing).
struct ConfigKey {
  std::string_view key;
  std::string_view def;   // the built-in default as written in a .env file ("" = empty)
  std::string_view type;  // type and range, for people
  std::string_view meaning;
  std::string_view group;  // section in the docs and presets
  bool secret = false;     // never printed (agrees with core::is_secret_key)
};

// The table in documentation order. Static storage; no allocation.
std::span<const ConfigKey> config_keys();
// nullptr when unknown.
const ConfigKey* find_config_key(std::string_view key);

// Lines worth saying when the engine starts with this configuration: the fee rates in use, and
// what of the mock venues is random. Cold path.
std::vector<std::string> start_notes(const EngineConfig& ec);

}  // namespace dmabot::tools
