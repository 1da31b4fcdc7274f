// Tests for feed/event_cache.h and CacheSource (feed/replay_feed.h): round trips from real captures
// and from JSONL recordings (written here with core::encode), files cut short in the header and
// inside a record, wrong magic/version/layout/checksum, unknown record kinds, progress, symbol
// interning into a table that already has symbols, byte-identical re-conversion, and the
// write-then-rename contract (an existing output survives a failed conversion).
#include "feed/event_cache.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/event_codec.h"
#include "feed/replay_feed.h"
#include "tests/common/test_data.h"

namespace dmabot::feed {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/dmabot_cache_" + std::to_string(::getpid()) + "_" + name;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  ASSERT_TRUE(out.good()) << path;
}

constexpr int64_t kT0 = 1'700'000'000'000'000'000;

core::MdTick tick(int64_t ts, uint64_t u, core::SymbolId sym) {
  core::MdTick t;
  t.ts_exchange = ts - 5;
  t.ts_local = ts;
  t.update_id = u;
  t.bid = core::Price::from_raw(6'183'763'000'000 + static_cast<int64_t>(u));  // 61837.63 + u * 1e-8
  t.bid_qty = core::Qty::from_raw(378'826'000);                                // 3.78826
  t.ask = core::Price::from_raw(6'183'764'000'000 + static_cast<int64_t>(u));
  t.ask_qty = core::Qty::from_raw(154'698'000);
  t.symbol = sym;
  return t;
}

// The events a small recording holds, in file order (what the cache must give back).
struct SmallRecording {
  core::MdTick t1, t2;
  core::Trade tr;
  core::MarkPrice mk;
};

// Writes a recording: line 1 config, 2 md(BTCUSDT), 3 ctl, 4 malformed, 5 trade, 6 mark,
// 7 md(ETHUSDT), 8 end footer. Symbols in file order: BTCUSDT then ETHUSDT.
SmallRecording write_small_recording(const std::string& path) {
  core::SymbolTable wsym;
  wsym.add("BTCUSDT");
  wsym.add("ETHUSDT");
  SmallRecording r;
  r.t1 = tick(kT0 + 10, 42, 0);
  r.t2 = tick(kT0 + 50, 43, 1);
  r.tr.ts_exchange = kT0 + 18;
  r.tr.ts_local = kT0 + 20;
  r.tr.trade_id = 9;
  r.tr.price = core::Price::from_raw(10'000'000'000);  // 100
  r.tr.qty = core::Qty::from_raw(1'000'000);           // 0.01
  r.tr.symbol = 0;
  r.tr.aggressor = core::Side::kSell;
  r.mk.ts_exchange = kT0 + 28;
  r.mk.ts_local = kT0 + 30;
  r.mk.next_funding_time = kT0 + 3'600'000'000'000;
  r.mk.mark = core::Price::from_raw(10'000'000'000);
  r.mk.index = core::Price::from_raw(9'999'000'000);
  r.mk.funding_rate_raw = -2'760;  // -0.0000276
  r.mk.symbol = 0;
  core::Control ctl;
  ctl.ts_local = kT0 + 15;
  std::string text = core::encode_config_header("test", {{"SYMBOLS", "BTCUSDT,ETHUSDT"}});
  char buf[1024];
  auto add = [&](const auto& e, uint64_t seq) {
    const std::size_t n = core::encode(e, seq, wsym, buf, sizeof buf);
    EXPECT_GT(n, 0u);
    text.append(buf, n);
  };
  add(r.t1, 1);
  add(ctl, 2);
  text += "{this is not json}\n";
  add(r.tr, 3);
  add(r.mk, 4);
  add(r.t2, 5);
  const std::size_t fn = core::encode_footer(core::RecordFooter{}, buf, sizeof buf);
  text.append(buf, fn);
  write_all(path, text);
  return r;
}

// A recording of n BTCUSDT ticks 1 µs apart, update ids 1..n.
void write_tick_recording(const std::string& path, int n) {
  core::SymbolTable wsym;
  wsym.add("BTCUSDT");
  std::string text = core::encode_config_header("test", {{"SYMBOLS", "BTCUSDT"}});
  char buf[1024];
  for (int i = 1; i <= n; ++i) {
    text.append(buf, core::encode(tick(kT0 + i * 1000, static_cast<uint64_t>(i), 0), static_cast<uint64_t>(i), wsym,
                                  buf, sizeof buf));
  }
  write_all(path, text);
}

struct ReadBack {
  std::vector<ReplayEvent> events;
  SourceStats stats;
  absl::Status status;
  double progress_at_end = -2;
  bool is_cache = false;
};

ReadBack read_events(const std::string& path, core::SymbolTable& symbols) {
  ReadBack rb;
  auto src = open_source(path, symbols);
  EXPECT_TRUE(src.ok()) << src.status();
  if (!src.ok()) return rb;
  rb.is_cache = (*src)->is_cache();
  ReplayEvent e;
  while ((*src)->next(e)) rb.events.push_back(e);
  rb.stats = (*src)->stats();
  rb.status = (*src)->status();
  rb.progress_at_end = (*src)->progress();
  return rb;
}

// Field-by-field equality of two events, symbols compared by name in their own tables.
std::string difference(const ReplayEvent& a, const core::SymbolTable& sa, const ReplayEvent& b,
                       const core::SymbolTable& sb) {
  if (a.kind != b.kind) return "kind";
  if (a.ts_local != b.ts_local) return "ts_local";
  auto name = [](const core::SymbolTable& t, core::SymbolId id) {
    return id < t.size() ? std::string(t.name(id)) : std::string("<bad id>");
  };
  switch (a.kind) {
    case ReplayEvent::kMdTick: {
      const core::MdTick &x = a.tick, &y = b.tick;
      if (x.ts_exchange != y.ts_exchange || x.ts_local != y.ts_local || x.update_id != y.update_id)
        return "md ids/times";
      if (x.bid != y.bid || x.bid_qty != y.bid_qty || x.ask != y.ask || x.ask_qty != y.ask_qty) return "md prices";
      if (name(sa, x.symbol) != name(sb, y.symbol) || x.feed != y.feed) return "md symbol/feed";
      return "";
    }
    case ReplayEvent::kTrade: {
      const core::Trade &x = a.trade, &y = b.trade;
      if (x.ts_exchange != y.ts_exchange || x.ts_local != y.ts_local || x.trade_id != y.trade_id)
        return "trade ids/times";
      if (x.price != y.price || x.qty != y.qty || x.aggressor != y.aggressor) return "trade price/qty/side";
      if (name(sa, x.symbol) != name(sb, y.symbol) || x.feed != y.feed) return "trade symbol/feed";
      return "";
    }
    case ReplayEvent::kMarkPrice: {
      const core::MarkPrice &x = a.mark, &y = b.mark;
      if (x.ts_exchange != y.ts_exchange || x.ts_local != y.ts_local || x.next_funding_time != y.next_funding_time)
        return "mark times";
      if (x.mark != y.mark || x.index != y.index || x.funding_rate_raw != y.funding_rate_raw) return "mark values";
      if (name(sa, x.symbol) != name(sb, y.symbol) || x.feed != y.feed) return "mark symbol/feed";
      return "";
    }
  }
  return "?";
}

// Every event of a real spot or USD-M capture (ticks, trades, mark prices) comes back from the
// cache equal field by field, in the same order, with the same symbol names. `marks` is the number
// of markPrice@1s lines (zcat FILE | grep -c markPrice).
void expect_capture_round_trips(const std::string& in, uint64_t marks) {
  const std::string f = in.substr(in.rfind('/') + 1);
  {
    const std::string out = temp_path(f + ".dmbev");
    auto sum = write_event_cache(in, out);
    ASSERT_TRUE(sum.ok()) << sum.status();
    core::SymbolTable orig_syms, cache_syms;
    const ReadBack orig = read_events(in, orig_syms);
    const ReadBack cached = read_events(out, cache_syms);
    EXPECT_TRUE(cached.is_cache);
    ASSERT_GT(orig.events.size(), 1'000u) << f;
    ASSERT_EQ(cached.events.size(), orig.events.size()) << f;
    EXPECT_EQ(sum->records, orig.events.size());
    EXPECT_EQ(sum->source.malformed, orig.stats.malformed);
    EXPECT_EQ(sum->source.skipped, orig.stats.skipped);
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < orig.events.size(); ++i) {
      const std::string d = difference(orig.events[i], orig_syms, cached.events[i], cache_syms);
      if (!d.empty() && mismatches++ == 0) ADD_FAILURE() << f << " event " << i << " differs: " << d;
      // The cache numbers its records 1..N.
      if (cached.events[i].line != i + 1 && mismatches++ == 0) ADD_FAILURE() << "record number of event " << i;
    }
    EXPECT_EQ(mismatches, 0u) << f;
    EXPECT_EQ(cached.stats.events, orig.stats.events) << f;
    EXPECT_EQ(cached.stats.malformed, 0u);
    EXPECT_TRUE(cached.status.ok()) << cached.status;
    EXPECT_EQ(cached.progress_at_end, 1.0);
    ASSERT_EQ(cache_syms.size(), orig_syms.size());
    for (std::size_t i = 0; i < orig_syms.size(); ++i) {
      EXPECT_EQ(cache_syms.name(static_cast<core::SymbolId>(i)), orig_syms.name(static_cast<core::SymbolId>(i)));
    }
    EXPECT_EQ(orig.stats.count(ReplayEvent::kMarkPrice), marks) << f;
    EXPECT_GT(orig.stats.count(ReplayEvent::kTrade), 0u) << f;
    ::unlink(out.c_str());
  }
}

TEST(EventCache, RealCaptureCutsRoundTrip) {
  // The 2023 USD-M cut holds 17 markPrice@1s lines (tests/data/README.md): the mark path is covered.
  for (const char* stem : {"spot_btcusdt_20240808", "spot_btcusdt_20240809", "usdm_btcusdt_20240808"}) {
    expect_capture_round_trips(testdata::fixture_capture(stem), 0);
  }
  expect_capture_round_trips(testdata::fixture_capture("usdm_btcusdt_20230405"), 17);
}

TEST(EventCache, FullCapturesRoundTrip) {
  int tested = 0;
  for (const char* stem :
       {"spot_btcusdt_20240808", "spot_btcusdt_20240809", "usdm_btcusdt_20230405", "usdm_btcusdt_20240808"}) {
    const std::string in = testdata::full_capture(stem);
    if (in.empty()) continue;
    ++tested;
    expect_capture_round_trips(in, std::string(stem) == "usdm_btcusdt_20230405" ? 415 : 0);
  }
  if (tested == 0) GTEST_SKIP() << testdata::skip_reason("spot_btcusdt_20240808");
}

TEST(EventCache, RecordingRoundTripKeepsEveryFieldAndReportsSourceStats) {
  const std::string in = temp_path("small.jsonl"), out = temp_path("small.dmbev");
  const SmallRecording r = write_small_recording(in);
  auto sum = write_event_cache(in, out);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->records, 4u);  // md, trade, mark, md
  EXPECT_EQ(sum->symbols, 2u);
  EXPECT_EQ(sum->source.lines, 8u);
  EXPECT_EQ(sum->source.skipped, 3u);  // config, ctl, end
  EXPECT_EQ(sum->source.malformed, 1u);
  ASSERT_EQ(sum->source.samples.size(), 1u);
  EXPECT_EQ(sum->source.samples[0].line, 4u);
  // 69760-byte header area (128 + 4096 + 65536) + 4 records and 1 block seal of 72 bytes = 70120.
  EXPECT_EQ(sum->bytes, 70'120u);
  EXPECT_EQ(read_all(out).size(), 70'120u);
  EXPECT_TRUE(is_event_cache(out));
  EXPECT_FALSE(is_event_cache(in));

  core::SymbolTable want_syms;
  want_syms.add("BTCUSDT");
  want_syms.add("ETHUSDT");
  std::vector<ReplayEvent> want(4);
  want[0].kind = ReplayEvent::kMdTick, want[0].tick = r.t1, want[0].ts_local = r.t1.ts_local;
  want[1].kind = ReplayEvent::kTrade, want[1].trade = r.tr, want[1].ts_local = r.tr.ts_local;
  want[2].kind = ReplayEvent::kMarkPrice, want[2].mark = r.mk, want[2].ts_local = r.mk.ts_local;
  want[3].kind = ReplayEvent::kMdTick, want[3].tick = r.t2, want[3].ts_local = r.t2.ts_local;

  core::SymbolTable syms;
  const ReadBack rb = read_events(out, syms);
  ASSERT_EQ(rb.events.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(difference(want[i], want_syms, rb.events[i], syms), "") << "event " << i;
    EXPECT_EQ(rb.events[i].line, i + 1);
  }
  EXPECT_EQ(rb.stats.lines, 4u);
  EXPECT_EQ(rb.stats.count(ReplayEvent::kMdTick), 2u);
  EXPECT_EQ(rb.stats.malformed, 0u);
  EXPECT_TRUE(rb.status.ok()) << rb.status;

  // And through the ReplayFeed stage, as `dmabot backtest --data OUT` uses it.
  core::SymbolTable fsyms;
  auto src = open_source(out, fsyms);
  ASSERT_TRUE(src.ok());
  core::Clock clock = core::Clock::simulated(INT64_MAX - 1);
  core::SpscRing<core::MdTick> md(16);
  core::SpscRing<core::Trade> trr(16);
  core::SpscRing<core::MarkPrice> mkr(16);
  ReplayFeed feed(std::move(*src), clock, {FeedOutput{&md, 1, 0}}, {&trr}, {&mkr}, {});
  for (int guard = 0; guard < 100 && !feed.finished(); ++guard) feed.poll();
  ASSERT_TRUE(feed.finished());
  EXPECT_EQ(feed.stats().delivered[ReplayEvent::kMdTick], 2u);
  EXPECT_EQ(feed.stats().delivered[ReplayEvent::kTrade], 1u);
  EXPECT_EQ(feed.stats().delivered[ReplayEvent::kMarkPrice], 1u);
  ASSERT_NE(mkr.front(), nullptr);
  EXPECT_EQ(mkr.front()->funding_rate_raw, -2'760);
}

TEST(EventCache, HeaderInfoDescribesTheSource) {
  const std::string in = temp_path("info.jsonl"), out = temp_path("info.dmbev");
  write_small_recording(in);
  ASSERT_TRUE(write_event_cache(in, out).ok());
  core::SymbolTable syms;
  CacheSource src(syms);
  ASSERT_TRUE(src.open(out).ok());
  EXPECT_EQ(src.info().version, 2u);
  EXPECT_EQ(src.info().records, 4u);
  EXPECT_EQ(src.info().events[ReplayEvent::kMdTick], 2u);
  EXPECT_EQ(src.info().source_path, in);
  EXPECT_EQ(src.info().source_size, read_all(in).size());
  EXPECT_EQ(src.info().source_lines, 8u);
  EXPECT_EQ(src.info().source_malformed, 1u);
  EXPECT_FALSE(src.info().source_incomplete);
  ASSERT_EQ(src.info().symbols.size(), 2u);
  EXPECT_EQ(src.info().symbols[1], "ETHUSDT");
}

// A table that already holds other symbols: the cache's names are interned after them, and every
// event's id names the same symbol as in the file.
TEST(EventCache, SymbolsAreInternedIntoTheGivenTable) {
  const std::string in = temp_path("sym.jsonl"), out = temp_path("sym.dmbev");
  write_small_recording(in);
  ASSERT_TRUE(write_event_cache(in, out).ok());
  core::SymbolTable syms;
  syms.add("XRPUSDT");  // id 0
  syms.add("ETHUSDT");  // id 1: the cache's second symbol maps here
  const ReadBack rb = read_events(out, syms);
  ASSERT_EQ(syms.size(), 3u);  // BTCUSDT added at open() as id 2
  EXPECT_EQ(syms.name(2), "BTCUSDT");
  ASSERT_EQ(rb.events.size(), 4u);
  EXPECT_EQ(rb.events[0].tick.symbol, 2);
  EXPECT_EQ(rb.events[1].trade.symbol, 2);
  EXPECT_EQ(rb.events[2].mark.symbol, 2);
  EXPECT_EQ(rb.events[3].tick.symbol, 1);
}

TEST(EventCache, CutInsideARecordKeepsTheWholeRecordsAndReportsTheCut) {
  const std::string in = temp_path("cut.jsonl"), out = temp_path("cut.dmbev");
  write_small_recording(in);
  ASSERT_TRUE(write_event_cache(in, out).ok());
  const std::string full = read_all(out);
  // Two whole records, then 30 bytes of the third.
  write_all(out, full.substr(0, cache::kRecordsOffset + 2 * cache::kRecordBytes + 30));
  core::SymbolTable syms;
  const ReadBack rb = read_events(out, syms);
  ASSERT_EQ(rb.events.size(), 2u);
  EXPECT_EQ(rb.events[1].kind, ReplayEvent::kTrade);
  EXPECT_EQ(rb.stats.malformed, 1u);
  ASSERT_EQ(rb.stats.samples.size(), 1u);
  EXPECT_EQ(rb.stats.samples[0].line, 3u);
  EXPECT_NE(rb.stats.samples[0].reason.find("30 of 72"), std::string::npos) << rb.stats.samples[0].reason;
  EXPECT_FALSE(rb.status.ok());
  EXPECT_NE(std::string(rb.status.message()).find(out), std::string::npos) << rb.status;
  EXPECT_NE(std::string(rb.status.message()).find("says 4 records"), std::string::npos) << rb.status;
  EXPECT_EQ(rb.progress_at_end, 1.0);

  // Cut exactly between records: nothing malformed, but the missing records are reported.
  write_all(out, full.substr(0, cache::kRecordsOffset + 3 * cache::kRecordBytes));
  core::SymbolTable syms2;
  const ReadBack rb2 = read_events(out, syms2);
  EXPECT_EQ(rb2.events.size(), 3u);
  EXPECT_EQ(rb2.stats.malformed, 0u);
  EXPECT_FALSE(rb2.status.ok());

  // Extra bytes after the last record: counted as malformed at record 5.
  write_all(out, full + "junk");
  core::SymbolTable syms3;
  const ReadBack rb3 = read_events(out, syms3);
  EXPECT_EQ(rb3.events.size(), 4u);
  EXPECT_EQ(rb3.stats.malformed, 1u);
  ASSERT_EQ(rb3.stats.samples.size(), 1u);
  EXPECT_EQ(rb3.stats.samples[0].line, 5u);
}

TEST(EventCache, CutInsideTheHeaderIsAnErrorNamingTheFile) {
  const std::string in = temp_path("cuth.jsonl"), out = temp_path("cuth.dmbev");
  write_small_recording(in);
  ASSERT_TRUE(write_event_cache(in, out).ok());
  const std::string full = read_all(out);
  for (std::size_t len : {std::size_t{4}, std::size_t{10}, std::size_t{100}, cache::kRecordsOffset - 1}) {
    write_all(out, full.substr(0, len));
    core::SymbolTable syms;
    auto src = open_source(out, syms);
    ASSERT_FALSE(src.ok()) << "cut at " << len;
    EXPECT_EQ(src.status().code(), absl::StatusCode::kInvalidArgument) << len;
    EXPECT_NE(std::string(src.status().message()).find(out), std::string::npos) << src.status();
  }
  write_all(out, full.substr(0, 100));
  core::SymbolTable syms;
  CacheSource src(syms);
  const absl::Status st = src.open(out);
  EXPECT_NE(std::string(st.message()).find("cut short inside the event cache header"), std::string::npos) << st;
}

// Overwrites `size` bytes at `offset` of the file with `value`; with `fix_checksum`, recomputes the
// header checksum so that only the intended check can fail.
template <class T>
void patch(const std::string& path, std::size_t offset, T value, bool fix_checksum) {
  std::string bytes = read_all(path);
  std::memcpy(bytes.data() + offset, &value, sizeof value);
  if (fix_checksum) {
    const uint64_t sum = cache::header_checksum(bytes.data());
    std::memcpy(bytes.data() + offsetof(cache::CacheHeader, checksum), &sum, sizeof sum);
  }
  write_all(path, bytes);
}

std::string open_error(const std::string& path) {
  core::SymbolTable syms;
  auto src = open_source(path, syms);
  if (src.ok()) return "opened";
  EXPECT_EQ(src.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(src.status().message()).find(path), std::string::npos) << src.status();
  return std::string(src.status().message());
}

TEST(EventCache, WrongMagicVersionLayoutOrChecksumIsRejected) {
  const std::string in = temp_path("bad.jsonl"), out = temp_path("bad.dmbev");
  write_small_recording(in);
  ASSERT_TRUE(write_event_cache(in, out).ok());
  const std::string good = read_all(out);
  ASSERT_EQ(open_error(out), "opened");

  patch(out, 1, 'X', false);  // magic: no longer recognised as a cache, nor as anything else
  EXPECT_FALSE(is_event_cache(out));
  EXPECT_NE(open_error(out), "opened");
  core::SymbolTable direct_syms;
  CacheSource direct(direct_syms);
  EXPECT_NE(std::string(direct.open(out).message()).find("not a dmabot event cache"), std::string::npos);

  write_all(out, good);
  patch(out, offsetof(cache::CacheHeader, version), uint32_t{1}, true);  // before sealed blocks
  EXPECT_NE(open_error(out).find("version 1"), std::string::npos);
  write_all(out, good);
  patch(out, offsetof(cache::CacheHeader, version), uint32_t{3}, true);
  EXPECT_NE(open_error(out).find("version 3"), std::string::npos);

  write_all(out, good);
  patch(out, offsetof(cache::CacheHeader, byte_order), uint32_t{0x04030201}, true);
  EXPECT_NE(open_error(out).find("byte order"), std::string::npos);

  write_all(out, good);
  patch(out, offsetof(cache::CacheHeader, layout), cache::layout_fingerprint() ^ 1, true);
  EXPECT_NE(open_error(out).find("another event layout"), std::string::npos);

  write_all(out, good);
  patch(out, offsetof(cache::CacheHeader, source_size), uint64_t{12345}, false);  // checksum left stale
  EXPECT_NE(open_error(out).find("checksum"), std::string::npos);

  write_all(out, good);
  patch(out, cache::kFixedHeaderBytes + cache::kMaxSourceName + 2, 'Q', false);  // a symbol name byte
  EXPECT_NE(open_error(out).find("checksum"), std::string::npos);

  write_all(out, good);
  patch(out, offsetof(cache::CacheHeader, records), cache::kUnfinished, true);
  EXPECT_NE(open_error(out).find("unfinished"), std::string::npos);
}

// Recomputes the seal of a one-block cache of `records` records after a deliberate patch, as a
// writer with a bug would have sealed it: only the record checks behind the seal can fail then.
void reseal_single_block(const std::string& path, std::size_t records) {
  std::string bytes = read_all(path);
  char* block = bytes.data() + cache::kRecordsOffset;
  cache::BlockSeal seal;
  std::memcpy(&seal, block + records * cache::kRecordBytes, sizeof seal);
  seal.checksum = cache::block_checksum(block, records * cache::kRecordBytes);
  std::memcpy(block + records * cache::kRecordBytes, &seal, sizeof seal);
  write_all(path, bytes);
}

TEST(EventCache, UnknownRecordKindIsMalformedWithItsRecordNumber) {
  const std::string in = temp_path("kind.jsonl"), out = temp_path("kind.dmbev");
  write_small_recording(in);
  ASSERT_TRUE(write_event_cache(in, out).ok());
  patch(out, cache::kRecordsOffset + 1 * cache::kRecordBytes, uint8_t{7}, false);  // record 2 (the trade)
  // Record 3 (the mark price) gets a symbol id the cache's table does not have (it has 2).
  patch(out,
        cache::kRecordsOffset + 2 * cache::kRecordBytes + cache::kRecordHeaderBytes + offsetof(core::MarkPrice, symbol),
        core::SymbolId{5}, false);
  reseal_single_block(out, 4);
  core::SymbolTable syms;
  const ReadBack rb = read_events(out, syms);
  ASSERT_EQ(rb.events.size(), 2u);
  EXPECT_EQ(rb.events[0].line, 1u);
  EXPECT_EQ(rb.events[1].line, 4u);
  EXPECT_EQ(rb.events[1].tick.update_id, 43u);
  EXPECT_EQ(rb.stats.malformed, 2u);
  ASSERT_EQ(rb.stats.samples.size(), 2u);
  EXPECT_EQ(rb.stats.samples[0].line, 2u);
  EXPECT_NE(rb.stats.samples[0].reason.find("unknown record kind 7"), std::string::npos) << rb.stats.samples[0].reason;
  EXPECT_EQ(rb.stats.samples[1].line, 3u);
  EXPECT_NE(rb.stats.samples[1].reason.find("symbol id 5"), std::string::npos) << rb.stats.samples[1].reason;
  EXPECT_TRUE(rb.status.ok()) << rb.status;
}

// Every single-bit flip anywhere in the records and the seal of a small cache (4 records + 1 seal =
// 360 bytes, 2880 flips) fails the block check: no event comes out and the status names the block
// and its byte range. Without seals most of these flips would change a price or a time silently.
TEST(EventCache, EverySingleBitFlipInABlockIsCaught) {
  const std::string in = temp_path("flip.jsonl"), out = temp_path("flip.dmbev");
  write_small_recording(in);
  ASSERT_TRUE(write_event_cache(in, out).ok());
  const std::string good = read_all(out);
  ASSERT_EQ(good.size(), cache::kRecordsOffset + 5 * cache::kRecordBytes);
  // Block 0: records 1..4, bytes 69760..70119 (4 records and the seal).
  const std::string where = "event cache block 0 (records 1..4, bytes 69760..70119) fails its checksum";
  int caught = 0, flips = 0;
  for (std::size_t at = cache::kRecordsOffset; at < good.size(); ++at) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = good;
      bad[at] = static_cast<char>(bad[at] ^ (1 << bit));
      write_all(out, bad);
      core::SymbolTable syms;
      const ReadBack rb = read_events(out, syms);
      ++flips;
      if (rb.events.empty() && rb.status.code() == absl::StatusCode::kDataLoss &&
          std::string(rb.status.message()).find(where) != std::string::npos) {
        ++caught;
      } else if (flips - caught == 1) {
        ADD_FAILURE() << "flip at byte " << at << " bit " << bit << ": " << rb.events.size() << " events, "
                      << rb.status;
      }
    }
  }
  EXPECT_EQ(flips, 2880);
  EXPECT_EQ(caught, flips);
}

// A flipped byte in the middle block of three: the first block's records come out, then the read
// stops with the second block's range; the third block is never handed out.
TEST(EventCache, CorruptMiddleBlockStopsTheReplayWithItsOffset) {
  constexpr int kN = 40'000;
  const std::string in = temp_path("mid.jsonl"), out = temp_path("mid.dmbev");
  write_tick_recording(in, kN);
  ASSERT_TRUE(write_event_cache(in, out).ok());
  // Block 1 holds records 14563..29124 in slots 14563..29125: bytes 69760 + 14563 * 72 = 1118296
  // to 69760 + 29126 * 72 - 1 = 2166831. Flip a bit of record 20000's bid price.
  const std::size_t record_20000 = cache::kRecordsOffset + (20'000 - 1 + 1) * cache::kRecordBytes;
  std::string bytes = read_all(out);
  bytes[record_20000 + cache::kRecordHeaderBytes + offsetof(core::MdTick, bid)] ^= 0x10;
  write_all(out, bytes);
  core::SymbolTable syms;
  const ReadBack rb = read_events(out, syms);
  EXPECT_EQ(rb.events.size(), 14'562u);
  EXPECT_EQ(rb.status.code(), absl::StatusCode::kDataLoss) << rb.status;
  EXPECT_NE(std::string(rb.status.message()).find(out), std::string::npos) << rb.status;
  EXPECT_NE(std::string(rb.status.message()).find("block 1 (records 14563..29124, bytes 1118296..2166831)"),
            std::string::npos)
      << rb.status;
}

// 40000 records span three sealed blocks (14563 slots of 72 bytes fit in 1 MiB: 14562 records and
// the seal): every record comes back in order across the block edges, and progress() climbs to
// exactly 1.0. The file holds 40000 + 3 slots.
TEST(EventCache, ManyRecordsAcrossBlocksAndProgress) {
  constexpr int kN = 40'000;
  const std::string in = temp_path("many.jsonl"), out = temp_path("many.dmbev");
  write_tick_recording(in, kN);
  auto sum = write_event_cache(in, out);
  ASSERT_TRUE(sum.ok()) << sum.status();
  ASSERT_EQ(sum->records, static_cast<uint64_t>(kN));
  core::SymbolTable syms;
  auto src = open_source(out, syms);
  ASSERT_TRUE(src.ok());
  const double p0 = (*src)->progress();
  // Header area over the file size: 69760 / (69760 + 40003 * 72) = 0.02364...
  EXPECT_NEAR(p0, 69'760.0 / (69'760.0 + (kN + 3) * 72.0), 1e-9);
  ReplayEvent e;
  int n = 0, wrong = 0;
  double mid = -1;
  while ((*src)->next(e)) {
    ++n;
    wrong += e.tick.update_id != static_cast<uint64_t>(n) || e.ts_local != kT0 + n * 1000;
    if (n == kN / 2) mid = (*src)->progress();
  }
  EXPECT_EQ(n, kN);
  EXPECT_EQ(wrong, 0);
  // After 20000 records (the first block and its seal passed, the second block under way):
  // (69760 + 20001 * 72) / (69760 + 40003 * 72) = 1509832 / 2949976 = 0.5118...
  EXPECT_NEAR(mid, 1'509'832.0 / 2'949'976.0, 1e-9);
  EXPECT_EQ((*src)->progress(), 1.0);
  EXPECT_TRUE((*src)->status().ok());
}

TEST(EventCache, ConvertingTwiceGivesIdenticalBytes) {
  const std::string in = temp_path("twice.jsonl"), a = temp_path("twice_a.dmbev"), b = temp_path("twice_b.dmbev");
  write_small_recording(in);
  ASSERT_TRUE(write_event_cache(in, a).ok());
  ASSERT_TRUE(write_event_cache(in, b).ok());
  EXPECT_TRUE(read_all(a) == read_all(b));
  // A cache converts to itself too (same events, same symbols), apart from the recorded source.
  const std::string c = temp_path("twice_c.dmbev");
  auto sum = write_event_cache(a, c);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->records, 4u);
  EXPECT_TRUE(read_all(a).substr(cache::kRecordsOffset) == read_all(c).substr(cache::kRecordsOffset));
}

// A gzip capture cut short: the cache keeps the events before the cut, and its reader reports at
// EOF that the source was incomplete, as reading the capture itself would.
TEST(EventCache, ASourceThatStoppedEarlyIsRemembered) {
  std::string text;
  for (int i = 0; i < 2000; ++i) {
    text += std::to_string(kT0 + i * 1000) + R"( {"stream":"btcusdt@bookTicker","data":{"u":)" + std::to_string(i + 1) +
            R"(,"s":"BTCUSDT","b":"100.5","B":"1","a":"101","A":"2"}})"
            "\n";
  }
  const std::string gz = temp_path("cut.raw.gz"), out = temp_path("cutgz.dmbev");
  gzFile f = gzopen(gz.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
  const std::string whole = read_all(gz);
  write_all(gz, whole.substr(0, whole.size() - 20));  // drops the gzip trailer and some data

  core::SymbolTable osyms;
  const ReadBack orig = read_events(gz, osyms);
  ASSERT_FALSE(orig.status.ok()) << "zlib should notice the cut";
  ASSERT_GT(orig.events.size(), 0u);
  auto sum = write_event_cache(gz, out);
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_FALSE(sum->source_status.ok());
  EXPECT_EQ(sum->records, orig.events.size());
  core::SymbolTable csyms;
  const ReadBack cached = read_events(out, csyms);
  EXPECT_EQ(cached.events.size(), orig.events.size());
  ASSERT_FALSE(cached.status.ok());
  EXPECT_NE(std::string(cached.status.message()).find("stopped early"), std::string::npos) << cached.status;
}

std::vector<std::string> leftover_temp_files(const std::string& out) {
  const std::string dir = out.substr(0, out.rfind('/'));
  const std::string stem = out.substr(out.rfind('/') + 1) + ".tmp.";
  std::vector<std::string> found;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* ent = ::readdir(d)) {
      if (std::string(ent->d_name).rfind(stem, 0) == 0) found.push_back(ent->d_name);
    }
    ::closedir(d);
  }
  return found;
}

TEST(EventCache, AnExistingOutputIsReplacedOnlyByACompleteFile) {
  const std::string in = temp_path("repl.jsonl"), out = temp_path("repl.dmbev");
  write_tick_recording(in, 20'000);  // cache: 69760 + 20000 * 72 = 1,509,760 bytes
  write_all(out, "previous contents");

  // 1. Unreadable input: nothing is created, OUT is untouched.
  auto missing = write_event_cache(temp_path("no_such_input"), out);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(read_all(out), "previous contents");

  // 2. The write fails half-way (file size limit of 512 KiB: write(2) returns EFBIG).
  struct rlimit old_limit {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 512 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto failed = write_event_cache(in, out);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(std::string(failed.status().message()).find(out), std::string::npos) << failed.status();
  EXPECT_EQ(read_all(out), "previous contents");
  EXPECT_TRUE(leftover_temp_files(out).empty());

  // 3. Writing over the input itself is refused.
  auto self = write_event_cache(in, in);
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.status().code(), absl::StatusCode::kInvalidArgument);

  // 4. A complete conversion replaces it.
  auto ok = write_event_cache(in, out);
  ASSERT_TRUE(ok.ok()) << ok.status();
  // 20000 records in two blocks (14562 + 5438), each sealed: 69760 + 20002 * 72.
  EXPECT_EQ(read_all(out).size(), 1'509'904u);
  EXPECT_TRUE(is_event_cache(out));
  EXPECT_TRUE(leftover_temp_files(out).empty());
}

}  // namespace
}  // namespace dmabot::feed
