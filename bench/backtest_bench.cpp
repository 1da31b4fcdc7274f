// Backtest throughput, end to end: market events per second through the whole fused pipeline —
// replay reader and parser -> strategy -> risk -> router -> simulated exchange, with the backtest
// observer sampling PnL — on one core, recorder off. This is the figure behind the issue's
// "≥ 5 million bookTicker events per second" target.
//
// Input: every bookTicker line of shared/data/binance/spot_btcusdt_20240809.raw.gz, restamped 1 ms
// apart and repeated 10x into a plain-text capture in /tmp (451,340 events), read from the page
// cache. Groups:
//   backtest/read_only    baseline: the same file through ReplayFeed alone (reader + parser + ring)
//   backtest/<strategy>   the full `dmabot backtest` loop (Engine fused, BacktestObserver)
//   backtest/jsonl_<s>    the same, replaying a dmabot JSONL recording of those ticks (written once
//                         at start-up by a recorded backtest run) instead of the raw capture
//   backtest/cache_read_only, backtest/cache_<s>
//                         read_only and <strategy> over a binary event cache (feed/event_cache.h)
//                         of the same plain capture, converted once at start-up (not timed)
//   backtest/cache_dynmm_record_{jsonl,journal}
//                         cache_dynmm with the recorder on (RECORD_FORMAT), into a file in /tmp
// Without the data directory every benchmark is skipped with a message.
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/symbol_table.h"
#include "feed/event_cache.h"
#include "feed/replay_feed.h"
#include "tools/backtest_driver.h"
#include "tools/engine.h"

namespace {

using namespace dmabot;

constexpr int kRepeat = 10;

std::string data_file() {
  const char* src = std::getenv("DMABOT_SOURCE_DIR");
#ifdef DMABOT_BENCH_SOURCE_DIR
  const std::string root = src != nullptr ? src : DMABOT_BENCH_SOURCE_DIR;
#else
  const std::string root = src != nullptr ? src : ".";
#endif
  return root + "/../shared/data/binance/spot_btcusdt_20240809.raw.gz";
}

// Builds the plain capture once; "" when the data is missing.
const std::string& input_path() {
  static const std::string path = [] {
    gzFile gz = gzopen(data_file().c_str(), "rb");
    if (gz == nullptr) return std::string();
    std::string text;
    char buf[1 << 16];
    for (int n; (n = gzread(gz, buf, sizeof(buf))) > 0;) text.append(buf, static_cast<std::size_t>(n));
    gzclose(gz);
    std::vector<std::string> lines;
    for (std::size_t pos = 0; pos < text.size();) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      const std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      const std::size_t sp = line.find(' ');
      if (sp != std::string::npos && line.find("@bookTicker") != std::string::npos)
        lines.push_back(line.substr(sp + 1));
    }
    const std::string out = "/tmp/dmabot_backtest_bench_" + std::to_string(::getpid()) + ".raw";
    std::ofstream f(out, std::ios::binary);
    int64_t t = 1'723'161'600'000'000'000;
    for (int r = 0; r < kRepeat; ++r) {
      for (const std::string& l : lines) {
        t += 1'000'000;
        f << t << ' ' << l << '\n';
      }
    }
    std::atexit([] { ::unlink(input_path().c_str()); });
    return f ? out : std::string();
  }();
  return path;
}

std::vector<std::string> backtest_keys(const std::string& file, const char* strategy) {
  return {"FEED_MODE=replay", "REPLAY_FILE=" + file, "VENUE_MODE=sim",
          "METRICS_PORT=-1",  "LOG_LEVEL=warn",      std::string("STRATEGIES=") + strategy};
}

// A recording of the capture's ticks (plus the run's own decisions), made once; "" on failure.
const std::string& jsonl_path() {
  static const std::string path = []() -> std::string {
    if (input_path().empty()) return "";
    const std::string out = "/tmp/dmabot_backtest_bench_" + std::to_string(::getpid()) + ".jsonl";
    std::vector<std::string> keys = backtest_keys(input_path(), "mean_reversion");
    keys.push_back("RECORD_FILE=" + out);
    auto cfg = core::Config::parse("", "bench", keys, &core::Config::no_env);
    auto ec = tools::EngineConfig::from_config(*cfg);
    if (!ec.ok()) return "";
    auto engine = tools::Engine::create(std::move(*ec), *cfg, core::Clock::simulated(1'723'161'600'000'000'000));
    if (!engine.ok() || !(*engine)->run_fused_to_completion().ok()) return "";
    std::atexit([] { ::unlink(jsonl_path().c_str()); });
    return out;
  }();
  return path;
}

// The plain capture converted to an event cache once; "" on failure.
const std::string& cache_path() {
  static const std::string path = []() -> std::string {
    if (input_path().empty()) return "";
    const std::string out = "/tmp/dmabot_backtest_bench_" + std::to_string(::getpid()) + ".dmbev";
    if (!feed::write_event_cache(input_path(), out).ok()) return "";
    std::atexit([] { ::unlink(cache_path().c_str()); });
    return out;
  }();
  return path;
}

void read_only(benchmark::State& state, const std::string& file) {
  if (file.empty()) return state.SkipWithError("no data file (shared/data/binance)");
  uint64_t events = 0;
  for (auto _ : state) {
    core::SymbolTable symbols;
    auto src = feed::open_source(file, symbols);
    if (!src.ok()) return state.SkipWithError("cannot open input");
    core::Clock clock = core::Clock::simulated(INT64_MAX - 1);  // everything is due at once
    core::SpscRing<core::MdTick> md(4096);
    feed::ReplayFeed feed(std::move(*src), clock, {feed::FeedOutput{&md, 1, 0}}, {}, {}, {});
    while (!feed.finished()) {
      feed.poll();
      while (md.front() != nullptr) md.pop();
    }
    events += feed.stats().delivered[0];
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
}

// record_format: "" = recorder off, else RECORD_FORMAT (jsonl | journal) into a file in /tmp.
void run_backtests(benchmark::State& state, const std::string& file, const char* strategy,
                   const char* record_format = "") {
  if (file.empty()) return state.SkipWithError("no data file (shared/data/binance)");
  uint64_t events = 0, orders = 0;
  std::vector<std::string> keys = backtest_keys(file, strategy);
  std::string record_file;
  if (*record_format != '\0') {
    record_file = "/tmp/dmabot_backtest_bench_" + std::to_string(::getpid()) + "_rec." + record_format;
    keys.push_back("RECORD_FILE=" + record_file);
    keys.push_back(std::string("RECORD_FORMAT=") + record_format);
  }
  for (auto _ : state) {
    auto cfg = core::Config::parse("", "bench", keys, &core::Config::no_env);
    auto ec = tools::EngineConfig::from_config(*cfg);
    if (!ec.ok()) return state.SkipWithError("bad config");
    auto engine = tools::Engine::create(std::move(*ec), *cfg, core::Clock::simulated(1'723'161'600'000'000'000),
                                        tools::EngineOptions{true});
    if (!engine.ok()) return state.SkipWithError("cannot create the engine");
    tools::BacktestRecorder rec((*engine)->config().backtest);
    if (!tools::run_backtest(**engine, rec, 0).ok()) return state.SkipWithError("backtest failed");
    events += (*engine)->market_events();
    orders += (*engine)->summary().orders;
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["orders_per_run"] = static_cast<double>(orders) / static_cast<double>(state.iterations());
  if (!record_file.empty()) ::unlink(record_file.c_str());
}

// The cost of the event cache's block check, per record, against the same block copied once
// (memcpy: what reading it into the buffer costs at least) and against zlib's crc32 (the obvious
// alternative). Seeded bytes; one sealed block's worth of records (14562 x 72 bytes).
std::vector<char> block_bytes() {
  std::vector<char> b(feed::cache::kBlockRecords * feed::cache::kRecordBytes);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (char& c : b) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  return b;
}
void BM_BlockChecksum(benchmark::State& state) {
  const std::vector<char> b = block_bytes();
  for (auto _ : state) benchmark::DoNotOptimize(feed::cache::block_checksum(b.data(), b.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * feed::cache::kBlockRecords));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * b.size()));
}
void BM_BlockMemcpy(benchmark::State& state) {
  const std::vector<char> b = block_bytes();
  std::vector<char> out(b.size());
  for (auto _ : state) {
    std::memcpy(out.data(), b.data(), b.size());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * feed::cache::kBlockRecords));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * b.size()));
}
void BM_BlockCrc32(benchmark::State& state) {
  const std::vector<char> b = block_bytes();
  for (auto _ : state) {
    benchmark::DoNotOptimize(::crc32(0, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size())));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * feed::cache::kBlockRecords));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * b.size()));
}
BENCHMARK(BM_BlockMemcpy)->Name("cache_block/memcpy");
BENCHMARK(BM_BlockChecksum)->Name("cache_block/checksum");
BENCHMARK(BM_BlockCrc32)->Name("cache_block/zlib_crc32");

void BM_ReadOnly(benchmark::State& state) { read_only(state, input_path()); }
void BM_CacheReadOnly(benchmark::State& state) { read_only(state, cache_path()); }
void BM_Backtest(benchmark::State& state, const char* strategy) { run_backtests(state, input_path(), strategy); }
void BM_BacktestCache(benchmark::State& state, const char* strategy) { run_backtests(state, cache_path(), strategy); }
void BM_BacktestJsonl(benchmark::State& state, const char* strategy) { run_backtests(state, jsonl_path(), strategy); }
void BM_BacktestCacheRecorded(benchmark::State& state, const char* format) {
  run_backtests(state, cache_path(), "dynmm", format);
}

BENCHMARK(BM_ReadOnly)->Name("backtest/read_only")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Backtest, dynmm, "dynmm")->Name("backtest/dynmm")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Backtest, as, "as")->Name("backtest/as")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Backtest, mean_reversion, "mean_reversion")
    ->Name("backtest/mean_reversion")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_BacktestJsonl, dynmm, "dynmm")
    ->Name("backtest/jsonl_dynmm")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_BacktestJsonl, mean_reversion, "mean_reversion")
    ->Name("backtest/jsonl_mean_reversion")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CacheReadOnly)->Name("backtest/cache_read_only")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_BacktestCache, dynmm, "dynmm")
    ->Name("backtest/cache_dynmm")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_BacktestCache, as, "as")->Name("backtest/cache_as")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_BacktestCache, mean_reversion, "mean_reversion")
    ->Name("backtest/cache_mean_reversion")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// The recorder's cost, fused (it drains on the driving thread after every pass): cache_dynmm with
// every event recorded, as JSON lines and as journal slots (issue 12: recorder on <= 1.2x off).
BENCHMARK_CAPTURE(BM_BacktestCacheRecorded, jsonl, "jsonl")
    ->Name("backtest/cache_dynmm_record_jsonl")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_BacktestCacheRecorded, journal, "journal")
    ->Name("backtest/cache_dynmm_record_journal")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
