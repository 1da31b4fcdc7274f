// The feed stage's hot path (drain the frame ring, parse, drop stale updates, stale/recovered
// events, deliver) allocates nothing after warm-up. Own executable: alloc_counter replaces operator new.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/strings.h"
#include "feed/binance_stream.h"
#include "tests/common/alloc_counter.h"

namespace dmabot::feed {
namespace {

TEST(BinanceStreamNoAlloc, DrainAndParseAllocateNothingAfterWarmUp) {
  core::SymbolTable symbols;
  const core::SymbolId btc = symbols.add("BTCUSDT");
  const core::SymbolId eth = symbols.add("ETHUSDT");
  BinanceStreamOptions o;
  o.spot_stream_url = "wss://127.0.0.1:1";
  o.futures_stream_url = "wss://127.0.0.1:2";
  o.spot_symbols = {"BTCUSDT", "ETHUSDT"};
  o.futures_symbols = {"BTCUSDT", "ETHUSDT"};
  core::Registry reg;
  std::array<StreamMetrics, kStreamKinds> metrics;
  std::array<StreamMetrics*, kStreamKinds> ptrs{};
  for (std::size_t i = 0; i < kStreamKinds; ++i) {
    metrics[i].stale_updates = &reg.add_counter("stale_total", "", core::Labels{{{"s", std::to_string(i)}}});
    ptrs[i] = &metrics[i];
  }
  const core::Clock clock = core::Clock::live();
  FrameRing ring(1024);
  core::SpscRing<core::MdTick> md(4096);
  core::SpscRing<core::MarkPrice> mark(1024);
  core::SpscRing<core::BookStatus> status(1024);
  BinanceStreamStage stage(o, symbols, clock, ring, {{&md, 1, 0}}, {&mark}, {&status}, ptrs);

  // Every frame of a round is built before counting starts: u and E grow by round.
  auto round_frames = [](uint64_t r) {
    std::vector<std::pair<StreamKind, std::string>> f;
    for (const char* sym : {"btcusdt", "ethusdt"}) {
      std::string up(sym);
      for (char& c : up) c = static_cast<char>(c - 'a' + 'A');
      for (uint64_t k = 0; k < 4; ++k) {
        const uint64_t u = r * 10 + k + 1;
        f.emplace_back(
            StreamKind::kSpotBook,
            core::str_cat(
                "{\"stream\":\"", sym, "@bookTicker\",\"data\":{\"u\":", u, ",\"s\":\"", up,
                "\",\"b\":\"100.10000000\",\"B\":\"1.00000000\",\"a\":\"100.20000000\",\"A\":\"2.00000000\"}}"));
        f.emplace_back(StreamKind::kFuturesBook,
                       core::str_cat("{\"stream\":\"", sym, "@bookTicker\",\"data\":{\"e\":\"bookTicker\",\"u\":", u,
                                     ",\"E\":", u, ",\"T\":", u, ",\"s\":\"", up,
                                     "\",\"b\":\"100.1\",\"B\":\"1\",\"a\":\"100.2\",\"A\":\"2\"}}"));
      }
      // the same u again: stale
      f.emplace_back(StreamKind::kSpotBook,
                     core::str_cat("{\"stream\":\"", sym, "@bookTicker\",\"data\":{\"u\":", r * 10 + 4, ",\"s\":\"", up,
                                   "\",\"b\":\"1.1\",\"B\":\"1\",\"a\":\"1.2\",\"A\":\"2\"}}"));
      f.emplace_back(StreamKind::kFuturesMark,
                     core::str_cat("{\"stream\":\"", sym,
                                   "@markPrice@1s\",\"data\":{\"e\":\"markPriceUpdate\",\"E\":", r + 1, ",\"s\":\"", up,
                                   "\",\"p\":\"100.15\",\"i\":\"100.1\",\"P\":\"100.1\",\"r\":\"0.0001\",\"T\":8}}"));
    }
    f.emplace_back(StreamKind::kSpotBook, R"({"result":null,"id":1})");
    f.emplace_back(StreamKind::kSpotBook, R"({"stream":"btcusdt@bookTicker","data":{"u":)");  // malformed
    f.emplace_back(StreamKind::kSpotBook, "");  // down marker (kind set below)
    f.emplace_back(StreamKind::kSpotBook,
                   core::str_cat("{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":", r * 10 + 9,
                                 ",\"s\":\"BTCUSDT\",\"b\":\"100.1\",\"B\":\"1\",\"a\":\"100.2\",\"A\":\"2\"}}"));
    return f;
  };
  auto run_round = [&](const std::vector<std::pair<StreamKind, std::string>>& frames) {
    for (const auto& [k, text] : frames) {
      const bool marker = text.empty();
      ASSERT_TRUE(ring.try_emplace(core::wall_clock_ns(), k, marker ? StreamFrame::kDown : StreamFrame::kData,
                                   marker ? core::StaleReason::kDisconnected : core::StaleReason::kNone, text.data(),
                                   static_cast<uint32_t>(text.size())));
    }
    while (stage.poll() > 0) {
    }
    core::MdTick t;
    while (md.try_pop(t)) {
    }
    core::MarkPrice m;
    while (mark.try_pop(m)) {
    }
    core::BookStatus s;
    while (status.try_pop(s)) {
    }
  };
  std::vector<std::vector<std::pair<StreamKind, std::string>>> rounds;
  for (uint64_t r = 1; r <= 21; ++r) rounds.push_back(round_frames(r));
  run_round(rounds[0]);  // warm-up
  const BinanceStreamStage::Stats warm = stage.stats();
  EXPECT_EQ(warm.ticks, 2u * 8 + 1);
  EXPECT_EQ(warm.marks, 2u);
  EXPECT_EQ(warm.stale, 2u);
  EXPECT_EQ(warm.stale_events, 2u);      // both spot symbols
  EXPECT_EQ(warm.recovered_events, 1u);  // BTCUSDT's next tick; ETHUSDT stays stale until its own

  const uint64_t before = testing::allocation_count();
  for (std::size_t r = 1; r < rounds.size(); ++r) run_round(rounds[r]);
  const uint64_t allocations = testing::allocation_count() - before;
  EXPECT_EQ(allocations, 0u);

  const BinanceStreamStage::Stats& s = stage.stats();
  EXPECT_EQ(s.ticks, 21u * 17);
  EXPECT_EQ(s.marks, 21u * 2);
  EXPECT_EQ(s.stale, 21u * 2);
  EXPECT_EQ(metrics[0].stale_updates->value(), 21u * 2);
  EXPECT_EQ(s.errors, 21u);
  EXPECT_GE(s.unknown, 21u);
  EXPECT_TRUE(stage.is_stale(StreamKind::kSpotBook, eth));
  EXPECT_FALSE(stage.is_stale(StreamKind::kSpotBook, btc));
}

// Spot and USD-M at once (VENUE_MODE=binance): the same exchange name on the spot stream is the spot
// instrument, on the futures streams the "UM:" one. (Not an allocation check; it lives here because
// this executable builds the stage without a sim.)
TEST(BinanceStreamProducts, FuturesFramesMapToTheUsdmInstrument) {
  core::SymbolTable symbols;
  const core::SymbolId spot_btc = symbols.add("BTCUSDT");
  const core::SymbolId spot_eth = symbols.add("ETHUSDT");
  const core::SymbolId um_btc = symbols.add("UM:BTCUSDT");
  BinanceStreamOptions o;
  o.spot_stream_url = "wss://127.0.0.1:1";
  o.futures_stream_url = "wss://127.0.0.1:2";
  o.spot_symbols = {"BTCUSDT", "ETHUSDT"};
  o.futures_symbols = {"BTCUSDT"};
  ASSERT_TRUE(validate(o, symbols).ok());
  const core::Clock clock = core::Clock::live();
  FrameRing ring(64);
  core::SpscRing<core::MdTick> md(64);
  core::SpscRing<core::MarkPrice> mark(64);
  BinanceStreamStage stage(o, symbols, clock, ring, {{&md, 1, 0}}, {&mark}, {}, {});
  auto push = [&](StreamKind k, const std::string& text) {
    ASSERT_TRUE(ring.try_emplace(core::wall_clock_ns(), k, StreamFrame::kData, core::StaleReason::kNone, text.data(),
                                 static_cast<uint32_t>(text.size())));
  };
  push(StreamKind::kSpotBook,
       R"({"stream":"btcusdt@bookTicker","data":{"u":7,"s":"BTCUSDT","b":"100.1","B":"1","a":"100.2","A":"2"}})");
  push(
      StreamKind::kFuturesBook,
      R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":7,"E":7,"T":7,"s":"BTCUSDT","b":"99.1","B":"1","a":"99.2","A":"2"}})");
  push(StreamKind::kSpotBook,
       R"({"stream":"ethusdt@bookTicker","data":{"u":3,"s":"ETHUSDT","b":"10.1","B":"1","a":"10.2","A":"2"}})");
  // ETHUSDT is not a futures symbol here: counted as unknown, not delivered as spot ETHUSDT.
  push(
      StreamKind::kFuturesBook,
      R"({"stream":"ethusdt@bookTicker","data":{"e":"bookTicker","u":9,"E":9,"T":9,"s":"ETHUSDT","b":"9.1","B":"1","a":"9.2","A":"2"}})");
  push(
      StreamKind::kFuturesMark,
      R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":5,"s":"BTCUSDT","p":"99.15","i":"99.1","P":"99.1","r":"0.0001","T":8}})");
  while (stage.poll() > 0) {
  }
  core::MdTick t;
  ASSERT_TRUE(md.try_pop(t));
  EXPECT_EQ(t.symbol, spot_btc);
  EXPECT_EQ(t.feed, o.spot_feed_id);
  ASSERT_TRUE(md.try_pop(t));
  EXPECT_EQ(t.symbol, um_btc);
  EXPECT_EQ(t.feed, o.futures_feed_id);
  EXPECT_EQ(t.bid.raw, 9'910'000'000);
  ASSERT_TRUE(md.try_pop(t));
  EXPECT_EQ(t.symbol, spot_eth);
  EXPECT_FALSE(md.try_pop(t));
  core::MarkPrice m;
  ASSERT_TRUE(mark.try_pop(m));
  EXPECT_EQ(m.symbol, um_btc);
  EXPECT_EQ(stage.stats().ticks, 3u);
  EXPECT_EQ(stage.stats().unknown, 1u);

  BinanceStreamOptions bad = o;
  bad.futures_symbols = {"SOLUSDT"};
  EXPECT_FALSE(validate(bad, symbols).ok());
}

}  // namespace
}  // namespace dmabot::feed
