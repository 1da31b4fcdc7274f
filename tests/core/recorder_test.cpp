#include "core/recorder.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics.h"
#include "core/tap.h"
#include "tests/core/disk_full.h"

namespace dmabot::core {
namespace {

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "/dmabot_recorder_" + std::to_string(::getpid()) + "_" + name + ".jsonl";
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

// Every line of a recording, decoded; fails the test on anything but complete, valid lines.
struct Decoded {
  ConfigHeader header;
  std::vector<RecordedEvent> events;  // event lines only, file order
  RecordFooter footer;
  bool has_footer = false;
  uint64_t lines = 0;
};

Decoded decode_file(const std::string& path, SymbolTable& table) {
  Decoded d;
  JsonlReader reader(4096);  // small buffer: lines straddle refills
  EXPECT_TRUE(reader.open(path).ok());
  EventDecoder decoder(&table);
  std::string_view line;
  JsonlReader::Result r;
  while ((r = reader.next(line)) == JsonlReader::Result::kLine) {
    ++d.lines;
    RecordedEvent ev;
    const DecodeResult res = decoder.decode_padded(line, ev);
    EXPECT_EQ(res, DecodeResult::kOk) << path << ":" << reader.line_number() << ": " << decoder.error();
    if (res != DecodeResult::kOk) continue;
    EXPECT_FALSE(d.has_footer) << "line after the footer: " << line;
    if (ev.kind == RecordKind::kConfig) {
      EXPECT_EQ(reader.line_number(), 1u) << "config header must be the first line";
      d.header = decoder.config_header();
    } else if (ev.kind == RecordKind::kEnd) {
      d.footer = std::get<RecordFooter>(ev.event);
      d.has_footer = true;
    } else {
      d.events.push_back(ev);
    }
  }
  EXPECT_EQ(r, JsonlReader::Result::kEof) << "truncated or unreadable recording";
  return d;
}

// --- JsonlReader -----------------------------------------------------------------------------------

TEST(JsonlReaderTest, ReadsLinesAndReportsAPartialLastLine) {
  const std::string path = temp_path("partial");
  write_file(path, "alpha\nbeta\n\n{\"v\":1,\"se");
  JsonlReader r;
  ASSERT_TRUE(r.open(path).ok());
  std::string_view line;
  ASSERT_EQ(r.next(line), JsonlReader::Result::kLine);
  EXPECT_EQ(line, "alpha");
  EXPECT_EQ(r.line_number(), 1u);
  ASSERT_EQ(r.next(line), JsonlReader::Result::kLine);
  EXPECT_EQ(line, "beta");
  ASSERT_EQ(r.next(line), JsonlReader::Result::kLine);
  EXPECT_EQ(line, "");
  ASSERT_EQ(r.next(line), JsonlReader::Result::kTruncated);
  EXPECT_EQ(line, "{\"v\":1,\"se");
  EXPECT_EQ(r.line_number(), 4u);
  // The partial line is padded for decode_padded, which must reject it rather than read past it.
  SymbolTable table;
  EventDecoder dec(&table);
  RecordedEvent ev;
  EXPECT_EQ(dec.decode_padded(line, ev), DecodeResult::kMalformed);
  EXPECT_EQ(r.next(line), JsonlReader::Result::kEof);
  EXPECT_EQ(r.next(line), JsonlReader::Result::kEof);
  // "alpha\nbeta\n\n" is 12 bytes, the partial line 10: all 22 read.
  EXPECT_EQ(r.file_size(), 22u);
  EXPECT_EQ(r.file_offset(), 22u);
  std::remove(path.c_str());
}

TEST(JsonlReaderTest, FileEndingInNewlineHasNoTruncatedLine) {
  const std::string path = temp_path("clean");
  write_file(path, "one\ntwo\n");
  JsonlReader r;
  ASSERT_TRUE(r.open(path).ok());
  std::string_view line;
  EXPECT_EQ(r.next(line), JsonlReader::Result::kLine);
  EXPECT_EQ(r.next(line), JsonlReader::Result::kLine);
  EXPECT_EQ(line, "two");
  EXPECT_EQ(r.next(line), JsonlReader::Result::kEof);
  std::remove(path.c_str());
}

TEST(JsonlReaderTest, EmptyFileIsImmediatelyEof) {
  const std::string path = temp_path("empty");
  write_file(path, "");
  JsonlReader r;
  ASSERT_TRUE(r.open(path).ok());
  std::string_view line;
  EXPECT_EQ(r.next(line), JsonlReader::Result::kEof);
  EXPECT_EQ(r.line_number(), 0u);
  std::remove(path.c_str());
}

TEST(JsonlReaderTest, LinesAcrossBufferRefillsAndLongerThanTheBuffer) {
  const std::string path = temp_path("long");
  // Line i is i % 97 copies of a letter, plus one 10000-byte line bigger than the 4096-byte buffer.
  std::string text;
  std::vector<std::string> expect;
  for (int i = 0; i < 3000; ++i) {
    expect.emplace_back(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26));
    if (i == 1500) expect.back() = std::string(10000, 'Z');
    text += expect.back();
    text += '\n';
  }
  write_file(path, text);
  JsonlReader r(4096);
  ASSERT_TRUE(r.open(path).ok());
  std::string_view line;
  for (std::size_t i = 0; i < expect.size(); ++i) {
    ASSERT_EQ(r.next(line), JsonlReader::Result::kLine) << i;
    ASSERT_EQ(line, expect[i]) << "line " << i + 1;
  }
  EXPECT_EQ(r.next(line), JsonlReader::Result::kEof);
  std::remove(path.c_str());
}

TEST(JsonlReaderTest, MissingFileNamesThePath) {
  JsonlReader r;
  const std::string path = temp_path("does_not_exist");
  const absl::Status st = r.open(path);
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(std::string(st.message()).find(path), std::string::npos) << st.message();
  std::string_view line;
  EXPECT_EQ(r.next(line), JsonlReader::Result::kError);
}

// --- Recorder --------------------------------------------------------------------------------------

class RecorderTest : public ::testing::Test {
 protected:
  RecorderTest() {
    btc_ = symbols_.add("BTCUSDT");
    eth_ = symbols_.add("ETHUSDT");
  }
  SymbolTable symbols_;
  SymbolId btc_, eth_;
};

TEST_F(RecorderTest, RoundTripEveryKindThroughAFile) {
  const std::string path = temp_path("roundtrip");
  SpscRing<MdTick> md(64);
  SpscRing<Trade> trades(64);
  SpscRing<MarkPrice> marks(64);
  SpscRing<Signal> sigs(64);
  SpscRing<Order> ords(64);
  SpscRing<ExecReport> execs(64);
  SpscRing<Control> ctls(64);

  Recorder rec(path, symbols_,
               {{"SYMBOLS", "BTCUSDT,ETHUSDT"}, {"BINANCE_SECRET_KEY", "hunter2"}, {"RECORD_FILE", path}},
               RecorderOptions{.program = "dmabot test"});
  rec.add_input(&md);
  rec.add_input(&trades);
  rec.add_input(&marks);
  rec.add_input(&sigs);
  rec.add_input(&ords);
  rec.add_input(&execs);
  rec.add_input(&ctls);
  ASSERT_TRUE(rec.open().ok());

  // Pushed before start(): the recorder must pick up what is already waiting.
  for (uint64_t i = 1; i <= 5; ++i) {
    MdTick t;
    t.update_id = i;
    t.ts_local = static_cast<int64_t>(1000 * i);
    t.bid = Price::from_raw(6183763000000);  // 61837.63
    t.ask = Price::from_raw(6183764000000);
    t.bid_qty = Qty::from_raw(1);
    t.ask_qty = Qty::from_raw(2);
    t.symbol = (i % 2) != 0 ? btc_ : eth_;
    ASSERT_TRUE(md.try_push(t));
  }
  rec.start();
  Trade tr;
  tr.trade_id = 77;
  tr.price = Price::from_raw(-5);
  tr.symbol = eth_;
  ASSERT_TRUE(trades.try_push(tr));
  MarkPrice mk;
  mk.funding_rate_raw = -12500;
  mk.symbol = btc_;
  ASSERT_TRUE(marks.try_push(mk));
  for (uint64_t i = 1; i <= 3; ++i) {
    Signal s;
    s.client_id = make_client_id(2, i);
    s.symbol = btc_;
    ASSERT_TRUE(sigs.try_push(s));
  }
  Order o;
  o.client_id = ~uint64_t{0};
  o.venue = 4;
  ASSERT_TRUE(ords.try_push(o));
  ExecReport e1;
  e1.client_id = 11;
  e1.status = ExecStatus::kFilled;
  ExecReport e2;
  e2.client_id = 12;
  e2.status = ExecStatus::kRejected;
  e2.reject_reason = RejectReason::kKillSwitch;
  ASSERT_TRUE(execs.try_push(e1));
  ASSERT_TRUE(execs.try_push(e2));
  Control c;
  c.command = ControlCommand::kCancelAll;
  ASSERT_TRUE(ctls.try_push(c));
  rec.stop();

  EXPECT_TRUE(rec.status().ok()) << rec.status();
  EXPECT_EQ(rec.io_errors(), 0u);
  // Pushed: 5 md + 1 trade + 1 mark + 3 sig + 1 ord + 2 exec + 1 ctl = 14.
  EXPECT_EQ(rec.written(EventKind::kMdTick), 5u);
  EXPECT_EQ(rec.written(EventKind::kTrade), 1u);
  EXPECT_EQ(rec.written(EventKind::kMarkPrice), 1u);
  EXPECT_EQ(rec.written(EventKind::kSignal), 3u);
  EXPECT_EQ(rec.written(EventKind::kOrder), 1u);
  EXPECT_EQ(rec.written(EventKind::kExecReport), 2u);
  EXPECT_EQ(rec.written(EventKind::kControl), 1u);
  EXPECT_EQ(rec.written_total(), 14u);
  EXPECT_EQ(rec.backlog(), 0u);

  const std::string text = read_file(path);
  EXPECT_EQ(text.find("hunter2"), std::string::npos);
  EXPECT_EQ(text.find("SECRET"), std::string::npos);

  SymbolTable table;  // fresh: names must come from the file
  const Decoded d = decode_file(path, table);
  EXPECT_EQ(d.lines, 16u);  // header + 14 events + footer
  EXPECT_EQ(d.header.program, "dmabot test");
  ASSERT_EQ(d.header.pairs.size(), 2u);
  EXPECT_EQ(d.header.pairs[0].first, "SYMBOLS");
  EXPECT_EQ(d.header.pairs[1].first, "RECORD_FILE");
  ASSERT_EQ(d.events.size(), 14u);
  for (std::size_t i = 0; i < d.events.size(); ++i) EXPECT_EQ(d.events[i].seq, i + 1) << "seq must be 1..N";
  ASSERT_TRUE(d.has_footer);
  EXPECT_EQ(d.footer.events, 14u);
  EXPECT_EQ(d.footer.counts, (std::array<uint64_t, kEventKindCount>{5, 1, 1, 3, 1, 2, 1}));

  // Per-ring order and content survive; the 5 md ticks were all waiting when the thread started.
  std::vector<uint64_t> md_ids, sig_ids, exec_ids;
  for (const RecordedEvent& ev : d.events) {
    if (ev.kind == RecordKind::kMd) {
      const auto& t = std::get<MdTick>(ev.event);
      md_ids.push_back(t.update_id);
      EXPECT_EQ(t.ts_local, static_cast<int64_t>(1000 * t.update_id));
      EXPECT_EQ(t.bid.raw, 6183763000000);
      EXPECT_EQ(table.name(t.symbol), (t.update_id % 2) != 0 ? "BTCUSDT" : "ETHUSDT");
    } else if (ev.kind == RecordKind::kSig) {
      sig_ids.push_back(std::get<Signal>(ev.event).client_id);
    } else if (ev.kind == RecordKind::kExec) {
      exec_ids.push_back(std::get<ExecReport>(ev.event).client_id);
      if (std::get<ExecReport>(ev.event).client_id == 12) {
        EXPECT_EQ(std::get<ExecReport>(ev.event).reject_reason, RejectReason::kKillSwitch);
      }
    } else if (ev.kind == RecordKind::kTrade) {
      EXPECT_EQ(std::get<Trade>(ev.event).trade_id, 77u);
      EXPECT_EQ(std::get<Trade>(ev.event).price.raw, -5);
    } else if (ev.kind == RecordKind::kMark) {
      EXPECT_EQ(std::get<MarkPrice>(ev.event).funding_rate_raw, -12500);
    } else if (ev.kind == RecordKind::kOrd) {
      EXPECT_EQ(std::get<Order>(ev.event).client_id, ~uint64_t{0});
      EXPECT_EQ(std::get<Order>(ev.event).venue, 4);
    } else if (ev.kind == RecordKind::kCtl) {
      EXPECT_EQ(std::get<Control>(ev.event).command, ControlCommand::kCancelAll);
    }
  }
  EXPECT_EQ(md_ids, (std::vector<uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(sig_ids, (std::vector<uint64_t>{make_client_id(2, 1), make_client_id(2, 2), make_client_id(2, 3)}));
  EXPECT_EQ(exec_ids, (std::vector<uint64_t>{11, 12}));
  std::remove(path.c_str());
}

TEST_F(RecorderTest, StopWithoutStartDrainsOnTheCallersThread) {
  const std::string path = temp_path("nostart");
  SpscRing<Signal> sigs(16);
  Recorder rec(path, symbols_, {});
  rec.add_input(&sigs);
  ASSERT_TRUE(rec.open().ok());
  for (uint64_t i = 0; i < 10; ++i) {
    Signal s;
    s.client_id = i;
    ASSERT_TRUE(sigs.try_push(s));
  }
  rec.stop();
  rec.stop();  // idempotent
  SymbolTable table;
  const Decoded d = decode_file(path, table);
  ASSERT_EQ(d.events.size(), 10u);
  for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(std::get<Signal>(d.events[i].event).client_id, i);
  ASSERT_TRUE(d.has_footer);
  EXPECT_EQ(d.footer.counts[static_cast<int>(EventKind::kSignal)], 10u);
  std::remove(path.c_str());
}

TEST_F(RecorderTest, TinyRingsTwoProducersNothingLostOrderKept) {
  const std::string path = temp_path("stress");
  SpscRing<MdTick> md(4);  // rounded up to 4: the producer waits constantly
  SpscRing<ExecReport> execs(2);
  Registry registry;
  Counter& md_waits = registry.add_counter("recorder_waits_total", "", Labels{{{"stage", "md"}}});
  Counter& exec_waits = registry.add_counter("recorder_waits_total", "", Labels{{{"stage", "exec"}}});
  // Small buffer and a zero flush interval: many write() calls, each of whole lines.
  Recorder rec(path, symbols_, {}, RecorderOptions{.buffer_bytes = 8192, .flush_interval_ns = 0});
  rec.add_input(&md);
  rec.add_input(&execs);
  rec.attach_metrics(registry);
  ASSERT_TRUE(rec.open().ok());
  rec.start();
  constexpr uint64_t kMd = 100'000;
  constexpr uint64_t kExec = 30'000;
  std::thread p1([&] {
    for (uint64_t i = 0; i < kMd; ++i) {
      MdTick t;
      t.update_id = i;
      t.bid = Price::from_raw(static_cast<int64_t>(i) * 100);
      t.symbol = static_cast<SymbolId>(i % 2);
      tap_blocking(&md, t, &md_waits);
    }
  });
  std::thread p2([&] {
    for (uint64_t i = 0; i < kExec; ++i) {
      ExecReport e;
      e.client_id = i;
      e.cum_qty = Qty::from_raw(static_cast<int64_t>(i));
      tap_blocking(&execs, e, &exec_waits);
    }
  });
  p1.join();
  p2.join();
  rec.stop();
  ASSERT_TRUE(rec.status().ok()) << rec.status();
  EXPECT_EQ(rec.written(EventKind::kMdTick), kMd);
  EXPECT_EQ(rec.written(EventKind::kExecReport), kExec);
  // attach_metrics publishes the same counts.
  EXPECT_EQ(registry.counter_value("recorder_lines_total", Labels{{{"kind", "md"}}}), kMd);
  EXPECT_EQ(registry.counter_value("recorder_lines_total", Labels{{{"kind", "exec"}}}), kExec);
  EXPECT_EQ(registry.counter_total("recorder_io_errors_total"), 0u);

  SymbolTable table;
  const Decoded d = decode_file(path, table);
  ASSERT_EQ(d.events.size(), kMd + kExec);
  uint64_t next_md = 0, next_exec = 0;
  for (std::size_t i = 0; i < d.events.size(); ++i) {
    const RecordedEvent& ev = d.events[i];
    ASSERT_EQ(ev.seq, i + 1);
    if (ev.kind == RecordKind::kMd) {
      const auto& t = std::get<MdTick>(ev.event);
      ASSERT_EQ(t.update_id, next_md) << "md out of order at seq " << ev.seq;
      ASSERT_EQ(t.bid.raw, static_cast<int64_t>(next_md) * 100);
      ++next_md;
    } else {
      ASSERT_EQ(ev.kind, RecordKind::kExec);
      ASSERT_EQ(std::get<ExecReport>(ev.event).client_id, next_exec) << "exec out of order at seq " << ev.seq;
      ++next_exec;
    }
  }
  EXPECT_EQ(next_md, kMd);
  EXPECT_EQ(next_exec, kExec);
  ASSERT_TRUE(d.has_footer);
  EXPECT_EQ(d.footer.events, kMd + kExec);
  std::remove(path.c_str());
}

TEST_F(RecorderTest, QuietRecorderWritesItsLinesWithoutWaitingForStop) {
  // A long flush interval: only the "rings went quiet" rule can put the line on disk while running.
  const std::string path = temp_path("quiet");
  SpscRing<ExecReport> execs(8);
  Recorder rec(path, symbols_, {}, RecorderOptions{.flush_interval_ns = 3'600'000'000'000});
  rec.add_input(&execs);
  ASSERT_TRUE(rec.open().ok());
  const std::size_t header_bytes = read_file(path).size();
  rec.start();
  ExecReport e;
  e.client_id = 4242;
  e.status = ExecStatus::kFilled;
  ASSERT_TRUE(execs.try_push(e));
  // Wait (bounded) for the observable result, not for a guessed duration.
  std::string text;
  for (int i = 0; i < 100000 && text.size() <= header_bytes; ++i) {
    std::this_thread::yield();
    if (i % 100 == 0) text = read_file(path);
  }
  EXPECT_NE(text.find("\"cid\":4242"), std::string::npos) << "fill not on disk while the engine idles";
  EXPECT_EQ(text.back(), '\n');  // whole lines only
  rec.stop();
  std::remove(path.c_str());
}

TEST_F(RecorderTest, CrashLeavesCompleteLinesAndOnePartialLine) {
  const std::string path = temp_path("crash");
  SpscRing<MdTick> md(16);
  {
    Recorder rec(path, symbols_, {});
    rec.add_input(&md);
    ASSERT_TRUE(rec.open().ok());
    for (uint64_t i = 1; i <= 3; ++i) {
      MdTick t;
      t.update_id = i;
      t.symbol = btc_;
      ASSERT_TRUE(md.try_push(t));
    }
    rec.stop();
  }
  // Simulate kill -9 in the middle of writing the footer: cut the file 10 bytes before its end.
  std::string text = read_file(path);
  ASSERT_GT(text.size(), 10u);
  text.resize(text.size() - 10);
  write_file(path, text);

  JsonlReader r;
  ASSERT_TRUE(r.open(path).ok());
  SymbolTable table;
  EventDecoder dec(&table);
  std::string_view line;
  RecordedEvent ev;
  int complete = 0;
  JsonlReader::Result res;
  while ((res = r.next(line)) == JsonlReader::Result::kLine) {
    ASSERT_EQ(dec.decode_padded(line, ev), DecodeResult::kOk) << dec.error();
    ++complete;
  }
  EXPECT_EQ(complete, 4);  // header + 3 md lines
  ASSERT_EQ(res, JsonlReader::Result::kTruncated);
  EXPECT_EQ(dec.decode_padded(line, ev), DecodeResult::kMalformed);
  EXPECT_EQ(r.next(line), JsonlReader::Result::kEof);
  std::remove(path.c_str());
}

TEST_F(RecorderTest, OpenFailureNamesTheFile) {
  const std::string path = testing::TempDir() + "/no_such_dir_dmabot/rec.jsonl";
  Recorder rec(path, symbols_, {});
  const absl::Status st = rec.open();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find(path), std::string::npos) << st.message();
}

TEST_F(RecorderTest, WriteErrorsAreCountedNeverFatalAndDoNotBlockProducers) {
  // /dev/full accepts open() but every write() fails with ENOSPC.
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "/dev/full not available";
  SpscRing<Order> ords(4);
  Recorder rec("/dev/full", symbols_, {{"A", "1"}},
               RecorderOptions{.buffer_bytes = 4096, .flush_interval_ns = 0, .fsync_on_stop = false});
  rec.add_input(&ords);
  const absl::Status st = rec.open();  // the header write fails
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("/dev/full"), std::string::npos) << st.message();
  rec.start();
  Counter waits;
  for (uint64_t i = 0; i < 1000; ++i) {  // 1000 events through a 4-slot ring: the recorder keeps draining
    Order o;
    o.client_id = i;
    tap_blocking(&ords, o, &waits);
  }
  rec.stop();
  EXPECT_EQ(rec.written(EventKind::kOrder), 1000u);
  EXPECT_GE(rec.io_errors(), 2u);      // the header and at least the final flush
  EXPECT_EQ(rec.lines_lost(), 1002u);  // header + 1000 orders + footer
  EXPECT_FALSE(rec.status().ok());
}

// A disk that fills up part-way through a write (RLIMIT_FSIZE stands in for it: write() stores what
// fits, then fails with EFBIG): the file is cut back to its last complete line, every line on disk
// decodes, the lost lines are counted exactly, and when space comes back writing resumes with whole
// lines (the gap shows in seq) and the footer.
TEST_F(RecorderTest, DiskFullNeverLeavesAPartialLineAndCountsWhatWasLost) {
  const std::string path = temp_path("diskfull");
  SpscRing<Order> ords(1 << 12);
  Recorder rec(path, symbols_, {{"A", "1"}},
               RecorderOptions{.buffer_bytes = 4096, .flush_interval_ns = 0, .fsync_on_stop = false});
  rec.add_input(&ords);
  ASSERT_TRUE(rec.open().ok());
  test_support::DiskFull disk_full(50'001);  // not on a line boundary
  ASSERT_TRUE(disk_full.active());
  Counter waits;
  uint64_t id = 0;
  auto push = [&](int n) {
    for (int i = 0; i < n; ++i) {
      Order o;
      o.client_id = ++id;
      tap_blocking(&ords, o, &waits);
      if (ords.size_approx() > 1000) rec.drain_inline();
    }
    rec.drain_inline();
  };
  push(2000);  // far more than 50 kB of lines
  const uint64_t lost_while_full = rec.lines_lost();
  disk_full.lift();  // space comes back
  push(100);
  rec.stop();

  const std::string text = read_file(path);
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  SymbolTable table;
  const Decoded d = decode_file(path, table);  // fails the test on any partial or invalid line
  EXPECT_GT(lost_while_full, 0u);
  EXPECT_EQ(rec.lines_lost(), lost_while_full);  // nothing lost once space was back
  // Header + 2100 orders + footer were encoded; what is not in the file was counted as lost.
  EXPECT_EQ(d.lines + rec.lines_lost(), 2102u);
  EXPECT_TRUE(d.has_footer);
  EXPECT_GE(rec.io_errors(), 1u);
  EXPECT_FALSE(rec.status().ok());
  EXPECT_NE(std::string(rec.status().message()).find(path), std::string::npos) << rec.status();
  std::remove(path.c_str());
}

}  // namespace
}  // namespace dmabot::core
