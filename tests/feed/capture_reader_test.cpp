// Tests for feed/capture_reader.h: every line of the four real Binance captures — the in-repo cuts
// in tests/data (always) and the full files in ../shared/data/binance (when present, else skipped) —
// then synthetic files (gzip written here with zlib, and plain text) with
// every kind of broken line.
//
// Expected counts for the real files were taken with tools independent of this code (for the cuts:
// Python's json module, see tests/data/README.md), e.g.
//   zcat spot_btcusdt_20240808.raw.gz | wc -l                        -> 41249
//   zcat spot_btcusdt_20240808.raw.gz | grep -c '"stream":"btcusdt@bookTicker"' -> 28040
// and the level totals, update-id chains and values with Python's json module. Expected field
// values are copied from the raw text (zcat | sed -n 3p) and scaled by hand (raw = value * 1e8).
#include "feed/capture_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "core/symbol_table.h"
#include "tests/common/test_data.h"

namespace dmabot::feed {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/dmabot_feed_" + std::to_string(::getpid()) + "_" + name;
}

void write_gz(const std::string& path, const std::string& text) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr) << path;
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(gz), Z_OK);
}

void write_plain(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

// ---------------------------------------------------------------------------------------------
// Real captures

struct FileExpect {
  std::string path;
  uint64_t lines;
  uint64_t ticks, trades, marks, depths, snapshots;
  uint64_t depth_levels;  // bids + asks over all depth updates
  TimeUnit unit;
  bool futures;
};

struct FileWalk {
  CaptureStats stats;
  std::vector<CaptureEvent> firsts;  // the first event of each kind, in kind order
  std::vector<uint64_t> first_lines;
  uint64_t depth_levels = 0;
  uint64_t depth_chain_breaks = 0;
  uint64_t local_time_decreases = 0;
  uint64_t tick_id_decreases = 0;
  uint64_t wrong_symbol = 0;
  uint64_t line_order_breaks = 0;
  CaptureEvent snapshot;  // the (single) snapshot, copied with its first/last levels
  Level snapshot_first_bid{}, snapshot_last_ask{};
  std::size_t snapshot_bids = 0, snapshot_asks = 0;
  std::vector<CaptureEvent> at_lines;  // events at the lines asked for
};

FileWalk walk(const FileExpect& fx, core::SymbolTable& symbols, const std::vector<uint64_t>& want_lines) {
  FileWalk w;
  w.firsts.resize(CaptureEvent::kKindCount);
  w.first_lines.assign(CaptureEvent::kKindCount, 0);
  CaptureReader reader(symbols);
  const absl::Status st = reader.open(fx.path);
  EXPECT_TRUE(st.ok()) << st;
  const core::SymbolId btc = symbols.add("BTCUSDT");
  CaptureEvent ev;
  uint64_t prev_u = 0;
  bool have_prev = false;
  core::UnixNanos prev_local = 0;
  uint64_t prev_tick_u = 0;
  uint64_t prev_line = 0;
  while (reader.next(ev)) {
    if (ev.line <= prev_line) ++w.line_order_breaks;
    prev_line = ev.line;
    if (w.first_lines[ev.kind] == 0) {
      w.first_lines[ev.kind] = ev.line;
      w.firsts[ev.kind] = ev;
    }
    if (ev.ts_local < prev_local) ++w.local_time_decreases;
    prev_local = ev.ts_local;
    for (uint64_t l : want_lines) {
      if (l == ev.line) w.at_lines.push_back(ev);
    }
    switch (ev.kind) {
      case CaptureEvent::kMdTick:
        if (ev.tick.update_id < prev_tick_u) ++w.tick_id_decreases;
        prev_tick_u = ev.tick.update_id;
        if (ev.tick.symbol != btc || ev.tick.ts_local != ev.ts_local) ++w.wrong_symbol;
        break;
      case CaptureEvent::kTrade:
        if (ev.trade.symbol != btc) ++w.wrong_symbol;
        break;
      case CaptureEvent::kMarkPrice:
        if (ev.mark.symbol != btc) ++w.wrong_symbol;
        break;
      case CaptureEvent::kDepth: {
        const DepthUpdate& d = ev.depth;
        if (d.symbol != btc) ++w.wrong_symbol;
        w.depth_levels += d.bids.size() + d.asks.size();
        // Futures chain: pu == previous u. Spot chain: U == previous u + 1.
        if (have_prev && (fx.futures ? d.prev_update_id != prev_u : d.first_update_id != prev_u + 1)) {
          ++w.depth_chain_breaks;
        }
        prev_u = d.last_update_id;
        have_prev = true;
        break;
      }
      case CaptureEvent::kSnapshot:
        w.snapshot = ev;
        w.snapshot_bids = ev.snapshot.bids.size();
        w.snapshot_asks = ev.snapshot.asks.size();
        if (!ev.snapshot.bids.empty()) w.snapshot_first_bid = ev.snapshot.bids.front();
        if (!ev.snapshot.asks.empty()) w.snapshot_last_ask = ev.snapshot.asks.back();
        break;
    }
  }
  EXPECT_TRUE(reader.status().ok()) << reader.status();
  EXPECT_EQ(reader.time_unit(), fx.unit);
  w.stats = reader.stats();
  return w;
}

void expect_clean_walk(const FileExpect& fx, const FileWalk& w) {
  SCOPED_TRACE(fx.path);
  const CaptureStats& s = w.stats;
  EXPECT_EQ(s.lines, fx.lines);
  EXPECT_EQ(s.count(CaptureEvent::kMdTick), fx.ticks);
  EXPECT_EQ(s.count(CaptureEvent::kTrade), fx.trades);
  EXPECT_EQ(s.count(CaptureEvent::kMarkPrice), fx.marks);
  EXPECT_EQ(s.count(CaptureEvent::kDepth), fx.depths);
  EXPECT_EQ(s.count(CaptureEvent::kSnapshot), fx.snapshots);
  EXPECT_EQ(s.events, fx.lines);  // every line of these files is a market-data event
  // The files hold no malformed line (the brief's "spot 20240808 line 2" is an artefact of
  // `zcat | head -c`: the line is a complete 316-byte depthUpdate).
  EXPECT_EQ(s.malformed, 0u);
  EXPECT_TRUE(s.samples.empty()) << "first bad line " << s.samples.front().line << " "
                                 << to_string(s.samples.front().error) << " "
                                 << to_string(s.samples.front().parse_error) << " " << s.samples.front().field;
  EXPECT_EQ(s.unknown, 0u);
  EXPECT_EQ(s.empty_lines, 0u);
  EXPECT_FALSE(s.last_line_unterminated);
  EXPECT_EQ(w.depth_levels, fx.depth_levels);
  EXPECT_EQ(w.depth_chain_breaks, 0u);
  EXPECT_EQ(w.local_time_decreases, 0u);
  EXPECT_EQ(w.tick_id_decreases, 0u);
  EXPECT_EQ(w.wrong_symbol, 0u);
  EXPECT_EQ(w.line_order_breaks, 0u);
}

// The first lines of each capture are in the cut and the full file alike: one check for both.
void check_spot_20240808(const FileExpect& fx) {
  core::SymbolTable symbols;
  const FileWalk w = walk(fx, symbols, {});
  expect_clean_walk(fx, w);

  // Line 3: 1723161254087891268 {"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT",
  //   "b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}}
  ASSERT_EQ(w.first_lines[CaptureEvent::kMdTick], 3u);
  const CaptureEvent& t = w.firsts[CaptureEvent::kMdTick];
  EXPECT_EQ(t.ts_local, 1723161254087891268);
  EXPECT_EQ(t.tick.update_id, 50093239212u);
  EXPECT_EQ(t.tick.bid.raw, 6'183'763'000'000);
  EXPECT_EQ(t.tick.bid_qty.raw, 378'826'000);
  EXPECT_EQ(t.tick.ask.raw, 6'183'764'000'000);
  EXPECT_EQ(t.tick.ask_qty.raw, 154'698'000);
  EXPECT_EQ(t.tick.ts_exchange, 0);

  // Line 4: {"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000",
  //   "q":"0.02000000","T":1723161255342,"m":true,"M":true}
  ASSERT_EQ(w.first_lines[CaptureEvent::kTrade], 4u);
  const CaptureEvent& tr = w.firsts[CaptureEvent::kTrade];
  EXPECT_EQ(tr.trade.trade_id, 3735683259u);
  EXPECT_EQ(tr.trade.price.raw, 6'183'763'000'000);
  EXPECT_EQ(tr.trade.qty.raw, 2'000'000);
  EXPECT_EQ(tr.trade.aggressor, core::Side::kSell);
  EXPECT_EQ(tr.trade.ts_exchange, 1'723'161'255'343'000'000);

  // Line 1: depthUpdate U=50093239189 u=50093239202, 3 bids, 9 asks; first ask 61837.64 x 1.54698.
  ASSERT_EQ(w.first_lines[CaptureEvent::kDepth], 1u);
  const CaptureEvent& d = w.firsts[CaptureEvent::kDepth];
  EXPECT_EQ(d.depth.first_update_id, 50093239189u);
  EXPECT_EQ(d.depth.last_update_id, 50093239202u);
  EXPECT_EQ(d.depth.ts_exchange, 1'723'161'255'208'000'000);

  // Line 8: the REST snapshot {"lastUpdateId":50093239218,"bids":[1000 levels],"asks":[1000]};
  // best bid 61837.63 x 3.78826, last ask 62053.18 x 0.0001.
  ASSERT_EQ(w.first_lines[CaptureEvent::kSnapshot], 8u);
  EXPECT_EQ(w.snapshot.snapshot.last_update_id, 50093239218u);
  EXPECT_EQ(w.snapshot.snapshot.symbol, core::kNoSymbol);
  EXPECT_EQ(w.snapshot.ts_local, 1723161254206652067);
  EXPECT_EQ(w.snapshot_bids, 1000u);
  EXPECT_EQ(w.snapshot_asks, 1000u);
  EXPECT_EQ(w.snapshot_first_bid.price.raw, 6'183'763'000'000);
  EXPECT_EQ(w.snapshot_first_bid.qty.raw, 378'826'000);
  EXPECT_EQ(w.snapshot_last_ask.price.raw, 6'205'318'000'000);  // 62053.18 * 1e8
  EXPECT_EQ(w.snapshot_last_ask.qty.raw, 10'000);               // 0.0001 * 1e8
}

TEST(CaptureData, Spot20240808Cut) {
  check_spot_20240808(
      {testdata::fixture_capture("spot_btcusdt_20240808"), 3000, 2200, 518, 0, 281, 1, 8095, TimeUnit::kNanos, false});
}

TEST(CaptureData, Spot20240808Full) {
  const std::string path = testdata::full_capture("spot_btcusdt_20240808");
  if (path.empty()) GTEST_SKIP() << testdata::skip_reason("spot_btcusdt_20240808");
  check_spot_20240808({path, 41249, 28040, 9757, 0, 3451, 1, 124090, TimeUnit::kNanos, false});
}

void check_spot_20240809(const FileExpect& fx) {
  core::SymbolTable symbols;
  const FileWalk w = walk(fx, symbols, {});
  expect_clean_walk(fx, w);
  // Line 2: 1723161600001692584 {"u":50093421613,"s":"BTCUSDT","b":"61685.99000000",
  //   "B":"1.25869000","a":"61686.00000000","A":"2.44816000"}
  ASSERT_EQ(w.first_lines[CaptureEvent::kMdTick], 2u);
  const CaptureEvent& t = w.firsts[CaptureEvent::kMdTick];
  EXPECT_EQ(t.ts_local, 1723161600001692584);
  EXPECT_EQ(t.tick.update_id, 50093421613u);
  EXPECT_EQ(t.tick.bid.raw, 6'168'599'000'000);
  EXPECT_EQ(t.tick.bid_qty.raw, 125'869'000);
  EXPECT_EQ(t.tick.ask.raw, 6'168'600'000'000);
  EXPECT_EQ(t.tick.ask_qty.raw, 244'816'000);
}

TEST(CaptureData, Spot20240809Cut) {
  check_spot_20240809(
      {testdata::fixture_capture("spot_btcusdt_20240809"), 3000, 2376, 508, 0, 116, 0, 6754, TimeUnit::kNanos, false});
}

TEST(CaptureData, Spot20240809Full) {
  const std::string path = testdata::full_capture("spot_btcusdt_20240809");
  if (path.empty()) GTEST_SKIP() << testdata::skip_reason("spot_btcusdt_20240809");
  check_spot_20240809({path, 58325, 45134, 10147, 0, 3044, 0, 174021, TimeUnit::kNanos, false});
}

void check_futures_20230405(const FileExpect& fx) {
  core::SymbolTable symbols;
  const FileWalk w = walk(fx, symbols, {12840});
  expect_clean_walk(fx, w);

  // Line 4: 1680652800070436 (µs) {"e":"bookTicker","u":2710249422918,"s":"BTCUSDT","b":"28155.10",
  //   "B":"0.060","a":"28155.20","A":"3.793","T":1680652800089,"E":1680652800093}
  ASSERT_EQ(w.first_lines[CaptureEvent::kMdTick], 4u);
  const CaptureEvent& t = w.firsts[CaptureEvent::kMdTick];
  EXPECT_EQ(t.ts_local, 1'680'652'800'070'436'000);  // µs * 1000
  EXPECT_EQ(t.tick.ts_local, 1'680'652'800'070'436'000);
  EXPECT_EQ(t.tick.update_id, 2710249422918u);
  EXPECT_EQ(t.tick.bid.raw, 2'815'510'000'000);
  EXPECT_EQ(t.tick.bid_qty.raw, 6'000'000);  // 0.060 * 1e8
  EXPECT_EQ(t.tick.ask.raw, 2'815'520'000'000);
  EXPECT_EQ(t.tick.ask_qty.raw, 379'300'000);
  EXPECT_EQ(t.tick.ts_exchange, 1'680'652'800'093'000'000);

  // Line 5: 1680652800091265 {"e":"markPriceUpdate","E":1680652800010,"s":"BTCUSDT",
  //   "p":"28155.10000000","P":"28141.47600845","i":"28165.04857143","r":"0.00002760","T":1680652800000}
  ASSERT_EQ(w.first_lines[CaptureEvent::kMarkPrice], 5u);
  const CaptureEvent& m = w.firsts[CaptureEvent::kMarkPrice];
  EXPECT_EQ(m.ts_local, 1'680'652'800'091'265'000);
  EXPECT_EQ(m.mark.mark.raw, 2'815'510'000'000);
  EXPECT_EQ(m.mark.index.raw, 2'816'504'857'143);
  EXPECT_EQ(m.mark.funding_rate_raw, 2'760);  // 0.0000276 * 1e8
  EXPECT_EQ(m.mark.next_funding_time, 1'680'652'800'000'000'000);
  EXPECT_EQ(m.mark.ts_exchange, 1'680'652'800'010'000'000);

  // Line 12840 (full file only): the one INSURANCE_FUND trade is still a trade: t=3535191080,
  // 28722.50 x 0.001, m=true.
  if (fx.lines >= 12840) {
    ASSERT_EQ(w.at_lines.size(), 1u);
    ASSERT_EQ(w.at_lines[0].kind, CaptureEvent::kTrade);
    EXPECT_EQ(w.at_lines[0].trade.trade_id, 3535191080u);
    EXPECT_EQ(w.at_lines[0].trade.price.raw, 2'872'250'000'000);
    EXPECT_EQ(w.at_lines[0].trade.qty.raw, 100'000);
    EXPECT_EQ(w.at_lines[0].trade.aggressor, core::Side::kSell);
  } else {
    EXPECT_TRUE(w.at_lines.empty());
  }

  // Line 1: depthUpdate with pu; U=2710249412206 u=2710249413621 pu=2710249412032, T=1680652800009.
  const CaptureEvent& d = w.firsts[CaptureEvent::kDepth];
  EXPECT_EQ(d.line, 1u);
  EXPECT_EQ(d.depth.prev_update_id, 2710249412032u);
  EXPECT_EQ(d.depth.ts_transaction, 1'680'652'800'009'000'000);
}

TEST(CaptureData, Futures20230405MicrosecondsAndMarkPriceCut) {
  check_futures_20230405({testdata::fixture_capture("usdm_btcusdt_20230405"), 3000, 1839, 797, 17, 347, 0, 14004,
                          TimeUnit::kMicros, true});
}

TEST(CaptureData, Futures20230405MicrosecondsAndMarkPriceFull) {
  const std::string path = testdata::full_capture("usdm_btcusdt_20230405");
  if (path.empty()) GTEST_SKIP() << testdata::skip_reason("usdm_btcusdt_20230405");
  check_futures_20230405({path, 60381, 37440, 10738, 415, 11788, 0, 256404, TimeUnit::kMicros, true});
}

void check_futures_20240808(const FileExpect& fx) {
  core::SymbolTable symbols;
  const FileWalk w = walk(fx, symbols, {});
  expect_clean_walk(fx, w);

  // Line 2: 1723161255088169167 {"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20",
  //   "B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313}
  ASSERT_EQ(w.first_lines[CaptureEvent::kMdTick], 2u);
  const CaptureEvent& t = w.firsts[CaptureEvent::kMdTick];
  EXPECT_EQ(t.ts_local, 1723161255088169167);
  EXPECT_EQ(t.tick.update_id, 5123107839020u);
  EXPECT_EQ(t.tick.bid.raw, 6'180'020'000'000);
  EXPECT_EQ(t.tick.bid_qty.raw, 250'700'000);
  EXPECT_EQ(t.tick.ask.raw, 6'180'030'000'000);
  EXPECT_EQ(t.tick.ask_qty.raw, 251'000'000);
  // The local clock runs behind the exchange here (BINANCE.md): no ordering assumption.
  EXPECT_EQ(t.tick.ts_exchange, 1'723'161'256'313'000'000);
  EXPECT_LT(t.ts_local, t.tick.ts_exchange);

  // Line 55: {"lastUpdateId":5123107852948,"E":1723161256501,"T":1723161256493,"bids":[1000],
  //   "asks":[1000]}; best bid 61800.20 x 2.909, last ask 61976.20 x 0.002.
  ASSERT_EQ(w.first_lines[CaptureEvent::kSnapshot], 55u);
  EXPECT_EQ(w.snapshot.snapshot.last_update_id, 5123107852948u);
  EXPECT_EQ(w.snapshot.snapshot.ts_exchange, 1'723'161'256'501'000'000);
  EXPECT_EQ(w.snapshot.snapshot.ts_transaction, 1'723'161'256'493'000'000);
  EXPECT_EQ(w.snapshot_bids, 1000u);
  EXPECT_EQ(w.snapshot_asks, 1000u);
  EXPECT_EQ(w.snapshot_first_bid.price.raw, 6'180'020'000'000);
  EXPECT_EQ(w.snapshot_first_bid.qty.raw, 290'900'000);
  EXPECT_EQ(w.snapshot_last_ask.price.raw, 6'197'620'000'000);
  EXPECT_EQ(w.snapshot_last_ask.qty.raw, 200'000);
}

TEST(CaptureData, Futures20240808WithRestSnapshotCut) {
  check_futures_20240808(
      {testdata::fixture_capture("usdm_btcusdt_20240808"), 3000, 2296, 469, 0, 234, 1, 13673, TimeUnit::kNanos, true});
}

TEST(CaptureData, Futures20240808WithRestSnapshotFull) {
  const std::string path = testdata::full_capture("usdm_btcusdt_20240808");
  if (path.empty()) GTEST_SKIP() << testdata::skip_reason("usdm_btcusdt_20240808");
  check_futures_20240808({path, 93954, 66089, 21313, 0, 6551, 1, 443521, TimeUnit::kNanos, true});
}

constexpr const char* kCaptureStems[] = {"spot_btcusdt_20240808", "spot_btcusdt_20240809", "usdm_btcusdt_20230405",
                                         "usdm_btcusdt_20240808"};

TEST(CaptureData, RealFilesAreSniffedAsRawCaptures) {
  for (const char* stem : kCaptureStems) {
    EXPECT_TRUE(is_raw_capture(testdata::fixture_capture(stem))) << stem;
    const std::string full = testdata::full_capture(stem);
    if (!full.empty()) {
      EXPECT_TRUE(is_raw_capture(full)) << full;
    }
  }
}

TEST(CaptureData, UnknownSymbolsWhenTheTableIsClosed) {
  core::SymbolTable symbols;
  symbols.add("ETHUSDT");
  CaptureOptions options;
  options.allow_new_symbols = false;
  CaptureReader reader(symbols, options);
  ASSERT_TRUE(reader.open(testdata::fixture_capture("usdm_btcusdt_20230405")).ok());
  CaptureEvent ev;
  uint64_t events = 0;
  while (reader.next(ev)) ++events;
  // Every message of the 3,000-line cut names BTCUSDT: nothing comes out, nothing is malformed,
  // all are unknown.
  EXPECT_EQ(events, 0u);
  EXPECT_EQ(reader.stats().unknown, 3000u);
  EXPECT_EQ(reader.stats().unknown_count(ParseError::kUnknownSymbol), 3000u);
  EXPECT_EQ(reader.stats().malformed, 0u);
  EXPECT_EQ(symbols.size(), 1u);
}

// ---------------------------------------------------------------------------------------------
// Synthetic captures

constexpr const char* kTick =
    R"({"stream":"btcusdt@bookTicker","data":{"u":11,"s":"BTCUSDT","b":"100.5","B":"1","a":"101","A":"2"}})";
constexpr const char* kTrade =
    R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000123,"s":"BTCUSDT","t":7,"p":"100.75","q":"0.5","T":1700000000120,"m":false}})";

TEST(CaptureSynthetic, EveryBrokenLineIsCountedWithItsLineNumber) {
  const std::string
      text = std::string("1700000000000001 ") + kTick + "\n" +                     // 1 ok (µs)
             "\n" +                                                                // 2 empty
             "   \t\n" +                                                           // 3 blank
             "1700000000000002" + kTick + "\n" +                                   // 4 no separator (digits then '{')
             "17000000x0000003 " + kTick + "\n" +                                  // 5 bad time
             "1700000000000000004 " + kTick + "\n" +                               // 6 ns in a µs file
             "1700000000000005 " + kTrade + "\n" +                                 // 7 ok
             "1700000000000006 {\"stream\":\"btcusdt@kline_1m\",\"data\":{}}\n" +  // 8 unknown
             "1700000000000007 {\"u\":1,\"s\":\"BTCUSDT\"\n" +                     // 9 bad JSON
             "1700000000000008 "
             "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1.123456789\",\"B\":\"1\",\"a\":\"1\",\"A\":\"1\"}\n" +  // 10
             "no_time_at_all\n" +  // 11 no separator
             "1700000000000009 " +
             kTick + "\r\n" +                                                         // 12 ok, CRLF
             "1700000000000010 {\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"tra";  // 13 partial
  const std::string path = temp_path("broken.raw.gz");
  write_gz(path, text);

  core::SymbolTable symbols;
  CaptureReader reader(symbols);
  ASSERT_TRUE(reader.open(path).ok());
  std::vector<CaptureEvent> events;
  CaptureEvent ev;
  while (reader.next(ev)) events.push_back(ev);
  EXPECT_TRUE(reader.status().ok()) << reader.status();
  EXPECT_EQ(reader.time_unit(), TimeUnit::kMicros);

  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].line, 1u);
  EXPECT_EQ(events[0].kind, CaptureEvent::kMdTick);
  EXPECT_EQ(events[0].ts_local, 1'700'000'000'000'001'000);  // µs * 1000
  EXPECT_EQ(events[0].tick.bid.raw, 10'050'000'000);         // 100.5 * 1e8
  EXPECT_EQ(events[1].line, 7u);
  EXPECT_EQ(events[1].kind, CaptureEvent::kTrade);
  EXPECT_EQ(events[1].trade.price.raw, 10'075'000'000);  // 100.75 * 1e8
  EXPECT_EQ(events[1].trade.aggressor, core::Side::kBuy);
  EXPECT_EQ(events[2].line, 12u);
  EXPECT_EQ(events[2].ts_local, 1'700'000'000'000'009'000);

  const CaptureStats& s = reader.stats();
  EXPECT_EQ(s.lines, 13u);
  EXPECT_EQ(s.empty_lines, 2u);
  EXPECT_EQ(s.events, 3u);
  EXPECT_EQ(s.unknown, 1u);
  EXPECT_EQ(s.unknown_count(ParseError::kUnknownStream), 1u);
  EXPECT_TRUE(s.last_line_unterminated);
  // Lines 4, 5, 6, 9, 10, 11, 13 are malformed.
  EXPECT_EQ(s.malformed, 7u);
  EXPECT_EQ(s.malformed_count(LineError::kNoSeparator), 2u);   // 4, 11
  EXPECT_EQ(s.malformed_count(LineError::kBadLocalTime), 2u);  // 5, 6
  EXPECT_EQ(s.malformed_count(LineError::kParse), 2u);         // 9, 10
  EXPECT_EQ(s.malformed_count(LineError::kTruncated), 1u);     // 13
  ASSERT_EQ(s.samples.size(), 7u);
  const std::vector<uint64_t> lines = {4, 5, 6, 9, 10, 11, 13};
  for (std::size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(s.samples[i].line, lines[i]) << i;
  EXPECT_EQ(s.samples[3].parse_error, ParseError::kBadJson);
  EXPECT_EQ(s.samples[4].parse_error, ParseError::kTooManyDecimals);
  EXPECT_EQ(s.samples[4].field, "b");
  EXPECT_EQ(s.samples[6].error, LineError::kTruncated);
  EXPECT_EQ(s.samples[6].parse_error, ParseError::kBadJson);
  std::remove(path.c_str());
}

TEST(CaptureSynthetic, PlainTextAndCompleteUnterminatedLastLine) {
  // Nanosecond times, plain (not gzip) file, last line complete but without '\n'.
  const std::string text = std::string("1700000000000000001 ") + kTick + "\n1700000000000000002 " + kTrade;
  const std::string path = temp_path("plain.raw");
  write_plain(path, text);
  EXPECT_TRUE(is_raw_capture(path));
  core::SymbolTable symbols;
  CaptureReader reader(symbols);
  ASSERT_TRUE(reader.open(path).ok());
  CaptureEvent ev;
  ASSERT_TRUE(reader.next(ev));
  EXPECT_EQ(ev.ts_local, 1700000000000000001);
  ASSERT_TRUE(reader.next(ev));
  EXPECT_EQ(ev.line, 2u);
  EXPECT_EQ(ev.kind, CaptureEvent::kTrade);
  EXPECT_EQ(ev.trade.ts_exchange, 1'700'000'000'123'000'000);
  EXPECT_FALSE(reader.next(ev));
  EXPECT_EQ(reader.stats().malformed, 0u);
  EXPECT_TRUE(reader.stats().last_line_unterminated);
  EXPECT_EQ(reader.time_unit(), TimeUnit::kNanos);
  // Read straight from the file (not through zlib): every byte accounted for.
  EXPECT_EQ(reader.file_size(), text.size());
  EXPECT_EQ(reader.file_offset(), text.size());
  std::remove(path.c_str());
}

TEST(CaptureSynthetic, ProgressCountsCompressedBytesOfAGzipFile) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += std::to_string(1700000000000000001 + i) + " " + kTick + "\n";
  const std::string path = temp_path("progress.raw.gz");
  write_gz(path, text);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  const auto gz_size = static_cast<uint64_t>(in.tellg());
  ASSERT_LT(gz_size, text.size() / 4);  // really compressed, so the two measures differ
  core::SymbolTable symbols;
  CaptureReader reader(symbols);
  ASSERT_TRUE(reader.open(path).ok());
  EXPECT_EQ(reader.file_size(), gz_size);
  EXPECT_EQ(reader.file_offset(), 0u);
  CaptureEvent ev;
  int n = 0;
  while (reader.next(ev)) ++n;
  EXPECT_EQ(n, 2000);
  EXPECT_EQ(reader.file_offset(), gz_size);
  std::remove(path.c_str());
}

TEST(CaptureSynthetic, TruncatedGzipStreamEndsWithAnErrorNamingTheFile) {
  // 2000 lines, gzipped, then the compressed file cut in half.
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "1700000000000001 " + std::string(kTick) + "\n";
  const std::string full = temp_path("full.raw.gz");
  write_gz(full, text);
  std::ifstream in(full, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = temp_path("cut.raw.gz");
  write_plain(cut, bytes.substr(0, bytes.size() / 2));

  core::SymbolTable symbols;
  CaptureReader reader(symbols);
  ASSERT_TRUE(reader.open(cut).ok());
  CaptureEvent ev;
  uint64_t n = 0;
  while (reader.next(ev)) ++n;
  EXPECT_GT(n, 0u);
  EXPECT_LT(n, 2000u);
  EXPECT_FALSE(reader.status().ok());
  EXPECT_NE(reader.status().message().find(cut), std::string::npos) << reader.status();
  // At most the one partial line is malformed, and it is the last line read.
  EXPECT_LE(reader.stats().malformed, 1u);
  std::remove(full.c_str());
  std::remove(cut.c_str());
}

TEST(CaptureSynthetic, LongLinesGrowTheBufferOrAreSkipped) {
  CaptureOptions options;
  options.buffer_bytes = 4096;
  options.max_line_bytes = 16384;
  // A depthUpdate of ~6 KB (fits after growing), one of ~40 KB (too long), then a tick.
  auto depth_line = [](int levels) {
    std::string s = R"(1700000000000001 {"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[)";
    for (int i = 0; i < levels; ++i) s += std::string(i ? "," : "") + "[\"" + std::to_string(i + 1) + ".5\",\"1\"]";
    return s + R"(],"a":[]})" + "\n";
  };
  const std::string text = depth_line(400) + depth_line(3000) + "1700000000000002 " + kTick + "\n";
  const std::string path = temp_path("long.raw.gz");
  write_gz(path, text);
  core::SymbolTable symbols;
  CaptureReader reader(symbols, options);
  ASSERT_TRUE(reader.open(path).ok());
  CaptureEvent ev;
  ASSERT_TRUE(reader.next(ev));
  EXPECT_EQ(ev.kind, CaptureEvent::kDepth);
  ASSERT_EQ(ev.depth.bids.size(), 400u);
  EXPECT_EQ(ev.depth.bids[399].price.raw, 40'050'000'000);  // 400.5 * 1e8
  ASSERT_TRUE(reader.next(ev));
  EXPECT_EQ(ev.kind, CaptureEvent::kMdTick);
  EXPECT_EQ(ev.line, 3u);
  EXPECT_FALSE(reader.next(ev));
  EXPECT_EQ(reader.stats().malformed_count(LineError::kTooLong), 1u);
  ASSERT_EQ(reader.stats().samples.size(), 1u);
  EXPECT_EQ(reader.stats().samples[0].line, 2u);
  std::remove(path.c_str());
}

TEST(CaptureSynthetic, SamplesStopAtOneHundredButCountsDoNot) {
  std::string text;
  for (int i = 0; i < 150; ++i) text += "junk\n";
  const std::string path = temp_path("junk.raw");
  write_plain(path, text);
  core::SymbolTable symbols;
  CaptureReader reader(symbols);
  ASSERT_TRUE(reader.open(path).ok());
  CaptureEvent ev;
  EXPECT_FALSE(reader.next(ev));
  EXPECT_EQ(reader.stats().malformed, 150u);
  ASSERT_EQ(reader.stats().samples.size(), CaptureStats::kMaxSamples);
  EXPECT_EQ(reader.stats().samples.back().line, 100u);
  std::remove(path.c_str());
}

TEST(CaptureSynthetic, OpenErrorsNameTheFileAndSniffingRejectsOtherFormats) {
  core::SymbolTable symbols;
  CaptureReader reader(symbols);
  const std::string missing = temp_path("does_not_exist.raw.gz");
  const absl::Status st = reader.open(missing);
  EXPECT_TRUE(absl::IsNotFound(st)) << st;
  EXPECT_NE(st.message().find(missing), std::string::npos);
  CaptureEvent ev;
  EXPECT_FALSE(reader.next(ev));
  EXPECT_FALSE(is_raw_capture(missing));

  const std::string jsonl = temp_path("rec.jsonl");
  write_plain(jsonl, "{\"type\":\"md_tick\"}\n");
  EXPECT_FALSE(is_raw_capture(jsonl));
  const std::string empty = temp_path("empty.raw");
  write_plain(empty, "");
  EXPECT_FALSE(is_raw_capture(empty));
  const std::string words = temp_path("words.raw");
  write_plain(words, "123 abc\n");
  EXPECT_FALSE(is_raw_capture(words));
  const std::string blank_first = temp_path("blank_first.raw.gz");
  write_gz(blank_first, std::string("\n\n1700000000000001 ") + kTick + "\n");
  EXPECT_TRUE(is_raw_capture(blank_first));
  for (const std::string& p : {jsonl, empty, words, blank_first}) std::remove(p.c_str());
}

// ---------------------------------------------------------------------------------------------
// split_capture_line's word-at-a-time path against the digit-by-digit original (kept here as the
// reference), and whole files read with the bookTicker fast path on and off.

internal::SplitResult reference_split(std::string_view line, uint64_t& time, std::string_view& json) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!line.empty() && blank(line.back())) line.remove_suffix(1);
  std::size_t i = 0;
  while (i < line.size() && blank(line[i])) ++i;
  line.remove_prefix(i);
  if (line.empty()) return internal::SplitResult::kEmpty;
  std::size_t sep = 0;
  while (sep < line.size() && line[sep] != ' ' && line[sep] != '\t') ++sep;
  if (sep == line.size()) return internal::SplitResult::kNoSeparator;
  if (sep > 19) return internal::SplitResult::kBadTime;
  uint64_t v = 0;
  for (std::size_t k = 0; k < sep; ++k) {
    const char c = line[k];
    if (c < '0' || c > '9') return internal::SplitResult::kBadTime;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return internal::SplitResult::kBadTime;
    v = v * 10 + d;
  }
  std::size_t j = sep;
  while (j < line.size() && (line[j] == ' ' || line[j] == '\t')) ++j;
  time = v;
  json = line.substr(j);
  return internal::SplitResult::kOk;
}

TEST(CaptureLineSplit, AgreesWithTheDigitByDigitReference) {
  const std::string json =
      R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"}})";
  std::vector<std::string> lines;
  // Every time length from 0 to 22 digits (19 is the most a uint64 always holds), each separator.
  for (int digits = 0; digits <= 22; ++digits) {
    for (const char* sep : {" ", "\t", "  \t ", "", "x"}) {
      std::string line;
      for (int d = 0; d < digits; ++d) line += static_cast<char>('1' + d % 9);
      lines.push_back(line + sep + json);
      lines.push_back(" " + line + sep + json);  // leading blank
      lines.push_back(line + sep + json + " \r");
      lines.push_back(line + sep + " \r\n");  // nothing after the separator
    }
  }
  // A real line, truncated everywhere and with each byte replaced.
  const std::string real = "1723161254087891268 " + json;
  for (std::size_t n = 0; n <= real.size(); ++n) lines.push_back(real.substr(0, n));
  for (std::size_t i = 0; i < 26; ++i) {
    for (char c : std::string(" \t\r\n0a/:")) {
      std::string m = real;
      m[i] = c;
      lines.push_back(m);
    }
  }
  lines.push_back("18446744073709551615 " + json);  // 20 digits: kBadTime in both
  lines.push_back("9999999999999999999 " + json);   // 19 nines fit
  for (const std::string& line : lines) {
    uint64_t t1 = 7, t2 = 7;
    std::string_view j1, j2;
    const internal::SplitResult r1 = internal::split_capture_line(line, t1, j1);
    const internal::SplitResult r2 = reference_split(line, t2, j2);
    ASSERT_EQ(r1, r2) << "'" << line << "'";
    if (r1 == internal::SplitResult::kOk) {
      ASSERT_EQ(t1, t2) << "'" << line << "'";
      ASSERT_EQ(j1.data(), j2.data()) << "'" << line << "'";
      ASSERT_EQ(j1.size(), j2.size()) << "'" << line << "'";
    }
  }
  uint64_t t = 0;
  std::string_view j;
  ASSERT_EQ(internal::split_capture_line("9999999999999999999 " + json, t, j), internal::SplitResult::kOk);
  EXPECT_EQ(t, 9'999'999'999'999'999'999u);
}

TEST(CaptureData, FastPathOnAndOffReadTheSameEvents) {
  struct File {
    std::string path;
    uint64_t lines, book_tickers;  // zcat FILE | wc -l; zcat FILE | grep -c '"stream":"btcusdt@bookTicker"'
  };
  std::vector<File> files = {{testdata::fixture_capture("spot_btcusdt_20240808"), 3000, 2200},
                             {testdata::fixture_capture("spot_btcusdt_20240809"), 3000, 2376},
                             {testdata::fixture_capture("usdm_btcusdt_20230405"), 3000, 1839},
                             {testdata::fixture_capture("usdm_btcusdt_20240808"), 3000, 2296}};
  if (const std::string full = testdata::full_capture("spot_btcusdt_20240809"); !full.empty()) {
    files.push_back({full, 58325, 45134});
  }
  if (const std::string full = testdata::full_capture("usdm_btcusdt_20230405"); !full.empty()) {
    files.push_back({full, 60381, 37440});
  }
  for (const File& file : files) {
    const std::string& name = file.path;
    core::SymbolTable s1, s2;
    CaptureOptions off;
    off.fast_path = false;
    CaptureReader fast(s1), generic(s2, off);
    ASSERT_TRUE(fast.open(name).ok());
    ASSERT_TRUE(generic.open(name).ok());
    CaptureEvent a, b;
    uint64_t n = 0;
    for (;;) {
      const bool ha = fast.next(a);
      ASSERT_EQ(ha, generic.next(b));
      if (!ha) break;
      ++n;
      ASSERT_EQ(a.kind, b.kind);
      ASSERT_EQ(a.line, b.line);
      ASSERT_EQ(a.ts_local, b.ts_local);
      if (a.kind == CaptureEvent::kMdTick) {
        ASSERT_EQ(a.tick.update_id, b.tick.update_id) << name << ":" << a.line;
        ASSERT_EQ(a.tick.bid.raw, b.tick.bid.raw) << name << ":" << a.line;
        ASSERT_EQ(a.tick.bid_qty.raw, b.tick.bid_qty.raw) << name << ":" << a.line;
        ASSERT_EQ(a.tick.ask.raw, b.tick.ask.raw) << name << ":" << a.line;
        ASSERT_EQ(a.tick.ask_qty.raw, b.tick.ask_qty.raw) << name << ":" << a.line;
        ASSERT_EQ(a.tick.ts_exchange, b.tick.ts_exchange) << name << ":" << a.line;
        ASSERT_EQ(a.tick.ts_local, b.tick.ts_local) << name << ":" << a.line;
        ASSERT_EQ(a.tick.symbol, b.tick.symbol) << name << ":" << a.line;
      }
    }
    EXPECT_EQ(n, file.lines) << name;
    EXPECT_EQ(fast.stats().by_kind, generic.stats().by_kind) << name;
    EXPECT_EQ(fast.stats().malformed, generic.stats().malformed) << name;
    EXPECT_EQ(fast.parser().counters().fast_path, file.book_tickers) << name;
    EXPECT_EQ(generic.parser().counters().fast_path, 0u);
  }
}

}  // namespace
}  // namespace dmabot::feed
