// Tests for feed/replay_feed.h: synthetic raw captures (gzip written here with zlib) and JSONL
// recordings (written here with core::encode) replayed on a simulated clock that jumps to
// next_wakeup() whenever a pass does nothing; shard fan-out; back-pressure without loss;
// malformed lines; out-of-order timestamps; a smoke test over the start of a real capture.
#include "feed/replay_feed.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/event_codec.h"
#include "feed/event_cache.h"
#include "tests/common/test_data.h"

namespace dmabot::feed {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/dmabot_replay_" + std::to_string(::getpid()) + "_" + name;
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

constexpr int64_t kT0 = 1'700'000'000'000'000'000;  // ns; the reader detects ns from the magnitude

std::string at(int64_t offset_ns, const std::string& json) {
  return std::to_string(kT0 + offset_ns) + " " + json + "\n";
}

std::string book(const char* sym, int u, const char* bid) {
  return std::string(R"({"stream":"x@bookTicker","data":{"u":)") + std::to_string(u) + R"(,"s":")" + sym +
         R"(","b":")" + bid + R"(","B":"1","a":"101","A":"2"}})";
}
const std::string kTrade =
    R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000123,"s":"BTCUSDT","t":7,"p":"100.75","q":"0.5","T":1700000000120,"m":false}})";
const std::string kMark =
    R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1700000000010,"s":"BTCUSDT","p":"28155.10000000","P":"28141.47600845","i":"28165.04857143","r":"-0.00002760","T":1700000000000}})";
const std::string kDepth = R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["100","1"]],"a":[]})";

core::SymbolTable two_symbols() {
  core::SymbolTable t;
  t.add("BTCUSDT");  // id 0
  t.add("ETHUSDT");  // id 1
  return t;
}

struct Seen {
  ReplayEvent::Kind kind;
  int64_t ts_local;
  int64_t clock_at_delivery;
  uint64_t id;  // update id / trade id / 0
};

// Drives `feed` on `clock` like a fused simulated-time runner, draining the rings after every poll.
std::vector<Seen> drive(ReplayFeed& feed, core::Clock& clock, core::SpscRing<core::MdTick>* md,
                        core::SpscRing<core::Trade>* tr, core::SpscRing<core::MarkPrice>* mk) {
  std::vector<Seen> seen;
  for (int guard = 0; guard < 1'000'000 && !feed.finished(); ++guard) {
    const int n = feed.poll();
    for (core::MdTick* t; md != nullptr && (t = md->front()) != nullptr; md->pop())
      seen.push_back({ReplayEvent::kMdTick, t->ts_local, clock.now(), t->update_id});
    for (core::Trade* t; tr != nullptr && (t = tr->front()) != nullptr; tr->pop())
      seen.push_back({ReplayEvent::kTrade, t->ts_local, clock.now(), t->trade_id});
    for (core::MarkPrice* t; mk != nullptr && (t = mk->front()) != nullptr; mk->pop())
      seen.push_back({ReplayEvent::kMarkPrice, t->ts_local, clock.now(), 0});
    if (n == 0) {
      const int64_t w = feed.next_wakeup();
      if (w == core::Stage::kNever) break;
      EXPECT_GE(w, clock.now()) << "next_wakeup would move the clock backwards";
      clock.advance_to(w);
    }
  }
  return seen;
}

TEST(ReplayFeed, CaptureEventsComeOutInOrderAtTheirClockTime) {
  const std::string path = temp_path("order.raw.gz");
  write_gz(path, at(1000, kDepth) + at(2000, book("BTCUSDT", 11, "100.5")) + at(3000, kTrade) +
                     at(5000, book("ETHUSDT", 12, "99")) + at(7000, kMark));
  core::SymbolTable symbols = two_symbols();
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  EXPECT_TRUE((*src)->is_capture());
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md(16);
  core::SpscRing<core::Trade> tr(16);
  core::SpscRing<core::MarkPrice> mk(16);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {&tr}, {&mk}, {});
  // The depth line at +1000 is skipped, so the first wake-up is the bookTicker at +2000.
  EXPECT_EQ(feed.next_wakeup(), kT0 + 2000);
  EXPECT_EQ(feed.poll(), 0);  // clock at 0: nothing due yet
  const auto seen = drive(feed, clock, &md, &tr, &mk);
  ASSERT_EQ(seen.size(), 4u);
  const ReplayEvent::Kind kinds[] = {ReplayEvent::kMdTick, ReplayEvent::kTrade, ReplayEvent::kMdTick,
                                     ReplayEvent::kMarkPrice};
  const int64_t ts[] = {kT0 + 2000, kT0 + 3000, kT0 + 5000, kT0 + 7000};
  const uint64_t ids[] = {11, 7, 12, 0};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(seen[i].kind, kinds[i]) << i;
    EXPECT_EQ(seen[i].ts_local, ts[i]) << i;
    EXPECT_EQ(seen[i].clock_at_delivery, ts[i]) << i;  // delivered exactly when due, not earlier
    EXPECT_EQ(seen[i].id, ids[i]) << i;
  }
  EXPECT_TRUE(feed.finished());
  EXPECT_EQ(feed.next_wakeup(), core::Stage::kNever);
  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.delivered[ReplayEvent::kMdTick], 2u);
  EXPECT_EQ(s.delivered[ReplayEvent::kTrade], 1u);
  EXPECT_EQ(s.delivered[ReplayEvent::kMarkPrice], 1u);
  EXPECT_EQ(s.source.count(ReplayEvent::kMdTick), 2u);
  EXPECT_EQ(s.source.skipped, 1u);  // the depth line
  EXPECT_EQ(s.source.malformed, 0u);
  EXPECT_EQ(s.source.lines, 5u);
  EXPECT_EQ(s.out_of_order, 0u);
  EXPECT_TRUE(feed.status().ok());
}

TEST(ReplayFeed, CaptureFieldsAreCarriedThrough) {
  const std::string path = temp_path("fields.raw.gz");
  write_gz(path, at(10, book("BTCUSDT", 11, "100.5")) + at(20, kTrade) + at(30, kMark));
  core::SymbolTable symbols = two_symbols();
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  core::Clock clock = core::Clock::simulated(kT0 + 1'000'000);  // everything already due
  core::SpscRing<core::MdTick> md(4);
  core::SpscRing<core::Trade> tr(4);
  core::SpscRing<core::MarkPrice> mk(4);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {&tr}, {&mk}, {});
  EXPECT_EQ(feed.poll(), 3);  // all three due at once: one batch
  EXPECT_TRUE(feed.finished());
  ASSERT_NE(md.front(), nullptr);
  EXPECT_EQ(md.front()->bid.raw, 10'050'000'000);  // 100.5 * 1e8
  EXPECT_EQ(md.front()->ask.raw, 10'100'000'000);  // 101 * 1e8
  EXPECT_EQ(md.front()->symbol, 0u);
  EXPECT_EQ(md.front()->ts_local, kT0 + 10);
  ASSERT_NE(tr.front(), nullptr);
  EXPECT_EQ(tr.front()->price.raw, 10'075'000'000);  // 100.75 * 1e8
  EXPECT_EQ(tr.front()->qty.raw, 50'000'000);        // 0.5 * 1e8
  ASSERT_NE(mk.front(), nullptr);
  EXPECT_EQ(mk.front()->mark.raw, 2'815'510'000'000);  // 28155.10 * 1e8
}

TEST(ReplayFeed, ShardFanOutAndPerSymbolCounters) {
  const std::string path = temp_path("shard.raw.gz");
  write_gz(path, at(1, book("BTCUSDT", 1, "100")) + at(2, book("ETHUSDT", 2, "100")) +
                     at(3, book("BTCUSDT", 3, "100")) + at(4, book("ETHUSDT", 4, "100")) +
                     at(5, book("BTCUSDT", 5, "100")));
  core::SymbolTable symbols = two_symbols();
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> a(16), b(16), all(16);
  core::Counter btc, eth;
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&a, 2, 0}, FeedOutput{&b, 2, 1}, FeedOutput{&all, 1, 0}}, {}, {},
                  {&btc, &eth});
  drive(feed, clock, nullptr, nullptr, nullptr);
  EXPECT_TRUE(feed.finished());
  auto ids = [](core::SpscRing<core::MdTick>& r) {
    std::vector<uint64_t> v;
    for (core::MdTick* t; (t = r.front()) != nullptr; r.pop()) v.push_back(t->update_id);
    return v;
  };
  // BTCUSDT = id 0 -> shard 0 of 2; ETHUSDT = id 1 -> shard 1 of 2; the 1-shard output gets all.
  EXPECT_EQ(ids(a), (std::vector<uint64_t>{1, 3, 5}));
  EXPECT_EQ(ids(b), (std::vector<uint64_t>{2, 4}));
  EXPECT_EQ(ids(all), (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(btc.value(), 3u);
  EXPECT_EQ(eth.value(), 2u);
}

TEST(ReplayFeed, FullRingBackPressureLosesNothing) {
  std::string text;
  for (int i = 1; i <= 20; ++i) text += at(i, book("BTCUSDT", i, "100"));
  const std::string path = temp_path("bp.raw.gz");
  write_gz(path, text);
  core::SymbolTable symbols = two_symbols();
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  core::Clock clock = core::Clock::simulated(kT0 + 100);  // all 20 due
  core::SpscRing<core::MdTick> small(4), big(64);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&small, 1, 0}, FeedOutput{&big, 1, 0}}, {}, {}, {});
  // First poll: 4 fit in `small`; the 5th is taken by `big` but stays pending for `small`.
  EXPECT_EQ(feed.poll(), 5);
  EXPECT_EQ(small.size_approx(), 4u);
  EXPECT_EQ(big.size_approx(), 5u);
  EXPECT_FALSE(feed.finished());
  EXPECT_EQ(feed.poll(), 0);         // still full: nothing moves
  EXPECT_EQ(big.size_approx(), 5u);  // the pending tick is not pushed to `big` twice
  std::vector<uint64_t> got_small, got_big;
  for (int guard = 0; guard < 1000 && !feed.finished(); ++guard) {
    if (core::MdTick* t = small.front()) {  // the consumer takes one per pass
      got_small.push_back(t->update_id);
      small.pop();
    }
    feed.poll();
  }
  for (core::MdTick* t; (t = small.front()) != nullptr; small.pop()) got_small.push_back(t->update_id);
  for (core::MdTick* t; (t = big.front()) != nullptr; big.pop()) got_big.push_back(t->update_id);
  std::vector<uint64_t> want;
  for (uint64_t i = 1; i <= 20; ++i) want.push_back(i);
  EXPECT_EQ(got_small, want);
  EXPECT_EQ(got_big, want);
  EXPECT_EQ(feed.stats().delivered[ReplayEvent::kMdTick], 20u);
}

TEST(ReplayFeed, MalformedCaptureLinesAreCountedNotFatal) {
  const std::string path = temp_path("bad.raw.gz");
  write_gz(path, at(1, book("BTCUSDT", 1, "100")) + "garbage-without-separator\n" + at(3, "{not json}") +
                     at(4, book("BTCUSDT", 4, "100")));
  core::SymbolTable symbols = two_symbols();
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md(16);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {}, {}, {});
  const auto seen = drive(feed, clock, &md, nullptr, nullptr);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].id, 1u);
  EXPECT_EQ(seen[1].id, 4u);
  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.source.malformed, 2u);
  ASSERT_EQ(s.source.samples.size(), 2u);
  EXPECT_EQ(s.source.samples[0].line, 2u);
  EXPECT_EQ(s.source.samples[1].line, 3u);
  EXPECT_FALSE(s.source.samples[0].reason.empty());
}

TEST(ReplayFeed, OlderTimestampIsDeliveredAtOnceAndCounted) {
  const std::string path = temp_path("ooo.raw.gz");
  write_gz(path, at(100, book("BTCUSDT", 1, "100")) + at(300, book("BTCUSDT", 2, "100")) +
                     at(200, book("BTCUSDT", 3, "100")) + at(400, book("BTCUSDT", 4, "100")));
  core::SymbolTable symbols = two_symbols();
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md(16);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {}, {}, {});
  const auto seen = drive(feed, clock, &md, nullptr, nullptr);  // drive() checks the clock never goes back
  ASSERT_EQ(seen.size(), 4u);
  const uint64_t ids[] = {1, 2, 3, 4};  // file order kept
  // The +200 tick goes out when the clock is at +300 (the latest time already delivered).
  const int64_t clock_at[] = {kT0 + 100, kT0 + 300, kT0 + 300, kT0 + 400};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(seen[i].id, ids[i]) << i;
    EXPECT_EQ(seen[i].clock_at_delivery, clock_at[i]) << i;
  }
  EXPECT_EQ(seen[2].ts_local, kT0 + 200);  // the event's own timestamp is untouched
  EXPECT_EQ(feed.stats().out_of_order, 1u);
  // Reported with where and how far: line 3 went back from +300 to +200 (the times are µs: 100 µs).
  EXPECT_EQ(feed.stats().first_out_of_order_line, 3u);
  EXPECT_EQ(feed.stats().first_out_of_order_ns, seen[1].ts_local - seen[2].ts_local);
  EXPECT_EQ(feed.stats().max_out_of_order_ns, seen[1].ts_local - seen[2].ts_local);
  EXPECT_GT(feed.stats().first_out_of_order_ns, 0);
}

TEST(ReplayFeed, JsonlRecordingReplaysItsMdLinesExactly) {
  core::SymbolTable wsym = two_symbols();
  core::MdTick t1;
  t1.ts_exchange = kT0 + 5;
  t1.ts_local = kT0 + 10;
  t1.update_id = 42;
  t1.bid = core::Price::from_raw(6'183'763'000'000);  // 61837.63
  t1.bid_qty = core::Qty::from_raw(378'826'000);      // 3.78826
  t1.ask = core::Price::from_raw(6'183'764'000'000);
  t1.ask_qty = core::Qty::from_raw(154'698'000);
  t1.symbol = 0;
  core::MdTick t2 = t1;
  t2.ts_local = kT0 + 50;
  t2.update_id = 43;
  t2.symbol = 1;
  core::Trade tr;
  tr.ts_local = kT0 + 20;
  tr.trade_id = 9;
  tr.price = core::Price::from_raw(10'000'000'000);
  tr.qty = core::Qty::from_raw(1'000'000);
  tr.symbol = 0;
  core::MarkPrice mk;
  mk.ts_local = kT0 + 30;
  mk.mark = core::Price::from_raw(10'000'000'000);
  mk.index = core::Price::from_raw(10'000'000'000);
  mk.symbol = 0;
  core::Control ctl;
  ctl.ts_local = kT0 + 15;

  std::string text = core::encode_config_header("test", {{"SYMBOLS", "BTCUSDT,ETHUSDT"}});  // line 1
  char buf[1024];
  auto add = [&](const auto& e, uint64_t seq) {
    const std::size_t n = core::encode(e, seq, wsym, buf, sizeof buf);
    ASSERT_GT(n, 0u);
    text.append(buf, n);
  };
  add(t1, 1);                      // line 2
  add(ctl, 2);                     // line 3: skipped
  text += "{this is not json}\n";  // line 4: malformed
  add(tr, 3);                      // line 5
  add(mk, 4);                      // line 6
  add(t2, 5);                      // line 7
  core::RecordFooter footer;
  const std::size_t fn = core::encode_footer(footer, buf, sizeof buf);
  ASSERT_GT(fn, 0u);
  text.append(buf, fn);                          // line 8: skipped
  text += R"({"v":1,"seq":6,"kind":"md","sym)";  // line 9: partial last line (crash mid-write)
  const std::string path = temp_path("rec.jsonl");
  write_plain(path, text);

  core::SymbolTable symbols;  // empty: names are interned as met, in the same order
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  EXPECT_FALSE((*src)->is_capture());
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md(16);
  core::SpscRing<core::Trade> trr(16);
  core::SpscRing<core::MarkPrice> mkr(16);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {&trr}, {&mkr}, {});
  std::vector<core::MdTick> ticks;
  for (int guard = 0; guard < 1000 && !feed.finished(); ++guard) {
    if (feed.poll() == 0) clock.advance_to(feed.next_wakeup());
    for (core::MdTick* t; (t = md.front()) != nullptr; md.pop()) ticks.push_back(*t);
  }
  ASSERT_TRUE(feed.finished());
  ASSERT_EQ(ticks.size(), 2u);
  const core::MdTick* want[] = {&t1, &t2};
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(ticks[i].ts_exchange, want[i]->ts_exchange) << i;
    EXPECT_EQ(ticks[i].ts_local, want[i]->ts_local) << i;
    EXPECT_EQ(ticks[i].update_id, want[i]->update_id) << i;
    EXPECT_EQ(ticks[i].bid, want[i]->bid) << i;
    EXPECT_EQ(ticks[i].bid_qty, want[i]->bid_qty) << i;
    EXPECT_EQ(ticks[i].ask, want[i]->ask) << i;
    EXPECT_EQ(ticks[i].ask_qty, want[i]->ask_qty) << i;
    EXPECT_EQ(ticks[i].symbol, want[i]->symbol) << i;
  }
  ASSERT_NE(trr.front(), nullptr);
  EXPECT_EQ(trr.front()->trade_id, 9u);
  ASSERT_NE(mkr.front(), nullptr);
  EXPECT_EQ(mkr.front()->mark, mk.mark);
  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.source.lines, 9u);
  EXPECT_EQ(s.source.skipped, 3u);  // config header, ctl line, end footer
  EXPECT_EQ(s.source.malformed, 2u);
  ASSERT_EQ(s.source.samples.size(), 2u);
  EXPECT_EQ(s.source.samples[0].line, 4u);
  EXPECT_EQ(s.source.samples[1].line, 9u);
  EXPECT_EQ(s.delivered[ReplayEvent::kMdTick], 2u);
  EXPECT_EQ(s.delivered[ReplayEvent::kTrade], 1u);
  EXPECT_EQ(s.delivered[ReplayEvent::kMarkPrice], 1u);
}

TEST(ReplayFeed, OpenSourceRejectsOtherFiles) {
  core::SymbolTable symbols;
  auto missing = open_source(temp_path("does_not_exist"), symbols);
  EXPECT_FALSE(missing.ok());
  const std::string path = temp_path("other.jsonl");
  write_plain(path, R"({"v":1,"seq":1,"kind":"ctl","ts":1,"cmd":"none","sym":""})"
                    "\n");
  auto other = open_source(path, symbols);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(other.status().message()).find(path), std::string::npos);
}

// The in-repo cut of a real capture (3000 lines): delivery is in non-decreasing ts_local order,
// each event at or after its time, and the counts match an independent grep of the same lines.
TEST(ReplayFeed, RealCaptureSmoke) {
  const std::string real = testdata::fixture_capture("spot_btcusdt_20240808");
  gzFile in = gzopen(real.c_str(), "rb");
  ASSERT_NE(in, nullptr) << "cannot open " << real;
  std::string text;
  uint64_t want_ticks = 0, want_trades = 0;
  std::vector<char> line(1 << 20);
  for (int n = 0; n < 20000 && gzgets(in, line.data(), static_cast<int>(line.size())) != nullptr; ++n) {
    const std::string l(line.data());
    want_ticks += l.find("\"stream\":\"btcusdt@bookTicker\"") != std::string::npos;
    want_trades += l.find("\"stream\":\"btcusdt@trade\"") != std::string::npos;
    text += l;
  }
  gzclose(in);
  ASSERT_GT(want_ticks, 1000u);
  const std::string path = temp_path("real.raw.gz");
  write_gz(path, text);
  core::SymbolTable symbols;
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md(64);
  core::SpscRing<core::Trade> tr(64);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {&tr}, {}, {});
  const auto seen = drive(feed, clock, &md, &tr, nullptr);
  EXPECT_TRUE(feed.finished());
  uint64_t ticks = 0, trades = 0, order_breaks = 0, early = 0;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    ticks += seen[i].kind == ReplayEvent::kMdTick;
    trades += seen[i].kind == ReplayEvent::kTrade;
    early += seen[i].clock_at_delivery < seen[i].ts_local;
    if (i > 0 && seen[i].ts_local < seen[i - 1].ts_local) ++order_breaks;
  }
  EXPECT_EQ(ticks, want_ticks);
  EXPECT_EQ(trades, want_trades);
  EXPECT_EQ(order_breaks, 0u);
  EXPECT_EQ(early, 0u);
  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.source.malformed, 0u);
  EXPECT_EQ(s.out_of_order, 0u);
  EXPECT_TRUE(feed.status().ok()) << feed.status();
}

// Hostile inputs to open_source(): only regular files are read (a directory, a FIFO — opening it
// would block — and /dev/zero — an endless line — are refused at once, naming what they are), and a
// recording line over the limit is skipped in bounded memory, counted with its line number, while
// the lines around it replay.
TEST(OpenSource, RefusesWhatIsNotARegularFile) {
  const std::string dir = temp_path("adir");
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  const std::string fifo = temp_path("afifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  const std::pair<std::string, std::string> cases[] = {
      {dir, "a directory"}, {fifo, "a FIFO"}, {"/dev/zero", "a character device"}};
  for (const auto& [path, what] : cases) {
    core::SymbolTable symbols;
    auto src = open_source(path, symbols);
    ASSERT_FALSE(src.ok()) << path;
    EXPECT_EQ(src.status().code(), absl::StatusCode::kInvalidArgument) << src.status();
    EXPECT_NE(std::string(src.status().message()).find("'" + path + "': " + what), std::string::npos) << src.status();
    EXPECT_FALSE(is_raw_capture(path)) << path;
    EXPECT_FALSE(is_event_cache(path)) << path;
  }
  core::SymbolTable symbols;
  auto missing = open_source(temp_path("missing"), symbols);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound) << missing.status();
  ::unlink(fifo.c_str());
  ::rmdir(dir.c_str());
}

TEST(OpenSource, RecordingLineOverTheLimitIsCountedAndSkipped) {
  core::SymbolTable wsym = two_symbols();
  core::MdTick t;
  t.ts_local = kT0 + 1;
  t.bid = core::Price::from_raw(100);
  t.ask = core::Price::from_raw(101);
  t.symbol = 0;
  std::string text = core::encode_config_header("test", {{"SYMBOLS", "BTCUSDT"}});  // line 1
  char buf[1024];
  const std::size_t n = core::encode(t, 1, wsym, buf, sizeof buf);
  ASSERT_GT(n, 0u);
  text.append(buf, n);                                           // line 2
  text += "{\"junk\":\"" + std::string(200'000, 'x') + "\"}\n";  // line 3: over the 100000 limit
  text.append(buf, n);                                           // line 4
  const std::string path = temp_path("long.jsonl");
  write_plain(path, text);
  core::SymbolTable symbols;
  SourceOptions options;
  options.max_line_bytes = 100'000;
  auto src = open_source(path, symbols, options);
  ASSERT_TRUE(src.ok()) << src.status();
  ReplayEvent e;
  std::vector<uint64_t> lines;
  while ((*src)->next(e)) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<uint64_t>{2, 4}));
  const SourceStats st = (*src)->stats();
  EXPECT_EQ(st.malformed, 1u);
  ASSERT_EQ(st.samples.size(), 1u);
  EXPECT_EQ(st.samples[0].line, 3u);
  EXPECT_NE(st.samples[0].reason.find("longer than 100000 bytes"), std::string::npos) << st.samples[0].reason;
  EXPECT_TRUE((*src)->status().ok()) << (*src)->status();
}

}  // namespace
}  // namespace dmabot::feed

namespace dmabot::feed {
namespace {

// ReplayOptions: symbols mapped by name onto the engine's table (other symbols skipped and counted),
// a [from, until) window, and the recorder taps getting exactly what is delivered.
TEST(ReplayFeedOptions, SymbolMapWindowAndRecorderTaps) {
  const std::string path = temp_path("options.raw");
  write_plain(path, at(1000, book("ETHUSDT", 1, "99")) + at(2000, book("BTCUSDT", 2, "100")) +
                        at(3000, book("SOLUSDT", 3, "20")) + at(4000, kTrade) + at(5000, book("ETHUSDT", 4, "98")) +
                        at(6000, book("BTCUSDT", 5, "100.5")));
  core::SymbolTable source_symbols;  // the file's ids: ETHUSDT 0, BTCUSDT 1, SOLUSDT 2
  auto src = open_source(path, source_symbols);
  ASSERT_TRUE(src.ok()) << src.status();
  core::SymbolTable engine_symbols;  // the engine knows BTCUSDT as 0 and ETHUSDT as 1; no SOLUSDT
  engine_symbols.add("BTCUSDT");
  engine_symbols.add("ETHUSDT");
  core::Clock clock = core::Clock::simulated(0);
  core::SpscRing<core::MdTick> md(16), rec_md(16);
  core::SpscRing<core::Trade> tr(16), rec_tr(16);
  ReplayOptions opt;
  opt.source_symbols = &source_symbols;
  opt.symbols = &engine_symbols;
  opt.from = kT0 + 1500;   // drops the first ETHUSDT tick
  opt.until = kT0 + 6000;  // drops the last BTCUSDT tick
  opt.record_md = &rec_md;
  opt.record_trade = &rec_tr;
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {&tr}, {}, {}, opt);
  const auto seen = drive(feed, clock, &md, &tr, nullptr);
  // Left: BTCUSDT u=2 (+2000), the trade (+4000), ETHUSDT u=4 (+5000).
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].id, 2u);
  EXPECT_EQ(seen[1].kind, ReplayEvent::kTrade);
  EXPECT_EQ(seen[2].id, 4u);
  const ReplayStats s = feed.stats();
  EXPECT_EQ(s.unconfigured_symbol, 1u);  // SOLUSDT
  EXPECT_EQ(s.outside_window, 2u);
  // The taps hold the delivered events with the engine's ids.
  ASSERT_EQ(rec_md.size_approx(), 2u);
  EXPECT_EQ(rec_md.front()->symbol, 0);  // BTCUSDT in the engine's table (1 in the file's)
  EXPECT_EQ(rec_md.front()->update_id, 2u);
  rec_md.pop();
  EXPECT_EQ(rec_md.front()->symbol, 1);  // ETHUSDT
  ASSERT_EQ(rec_tr.size_approx(), 1u);
  EXPECT_EQ(rec_tr.front()->symbol, 0);  // the trade is BTCUSDT's
}

TEST(ReplayFeedOptions, StopEndsTheReplayAtTheNextPoll) {
  const std::string path = temp_path("stop.raw");
  write_plain(path, at(1000, book("BTCUSDT", 1, "100")) + at(2000, book("BTCUSDT", 2, "100")));
  core::SymbolTable symbols = two_symbols();
  auto src = open_source(path, symbols);
  ASSERT_TRUE(src.ok());
  core::Clock clock = core::Clock::simulated(kT0 + 1000);
  core::SpscRing<core::MdTick> md(16);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {}, {}, {});
  EXPECT_EQ(feed.poll(), 1);
  EXPECT_FALSE(feed.finished());
  feed.stop();
  clock.advance_to(kT0 + 5000);
  EXPECT_EQ(feed.poll(), 0);
  EXPECT_TRUE(feed.finished());
  EXPECT_EQ(feed.next_wakeup(), core::Stage::kNever);
  EXPECT_EQ(md.size_approx(), 1u);
}

}  // namespace
}  // namespace dmabot::feed
