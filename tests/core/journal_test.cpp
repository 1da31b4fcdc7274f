// Journal recordings (core/journal.h): a journal read back through JsonlReader gives, byte for byte,
// the JSONL recording the same events make; crashes, damage and another build's layout are reported.
#include "core/journal.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/recorder.h"
#include "core/spsc_ring.h"
#include "core/tap.h"
#include "gtest/gtest.h"
#include "tests/core/disk_full.h"

namespace dmabot::core {
namespace {

std::string temp_path(const std::string& name) {
  return testing::TempDir() + "/dmabot_journal_" + std::to_string(::getpid()) + "_" + name;
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

// What JsonlReader hands out for a file, each line with its '\n' back; the last result in `end`.
std::string lines_of(const std::string& path, JsonlReader::Result* end = nullptr, std::string* last = nullptr) {
  JsonlReader r(4096);  // small: slots and lines straddle refills
  EXPECT_TRUE(r.open(path).ok()) << r.status();
  std::string out;
  std::string_view line;
  JsonlReader::Result res;
  while ((res = r.next(line)) == JsonlReader::Result::kLine) {
    out.append(line);
    out.push_back('\n');
  }
  if (end != nullptr) *end = res;
  if (last != nullptr) *last = std::string(line);
  if (res == JsonlReader::Result::kError) ADD_FAILURE() << r.status();
  return out;
}

// Rings of every kind, the same events pushed for each recorder; a symbol is added to the table
// after open() (the journal must write it before the first event that uses it), and one has a name
// longer than a slot holds.
class JournalTest : public ::testing::Test {
 protected:
  JournalTest() {
    btc_ = symbols_.add("BTCUSDT");
    eth_ = symbols_.add("ETHUSDT");
  }

  // Records the fixed event set with `format`; threaded (start/stop) or inline (drain_inline).
  void record(const std::string& path, RecordFormat format, bool threaded, SymbolTable& symbols) {
    SpscRing<MdTick> md(64);
    SpscRing<Trade> trades(64);
    SpscRing<MarkPrice> marks(64);
    SpscRing<Signal> sigs(64);
    SpscRing<Order> ords(64);
    SpscRing<ExecReport> execs(64);
    SpscRing<Control> ctls(64);
    RecorderOptions opt;
    opt.program = "dmabot journal test";
    opt.format = format;
    opt.buffer_bytes = 4096;  // several writes
    Recorder rec(path, symbols, {{"SYMBOLS", "BTCUSDT,ETHUSDT"}, {"BINANCE_API_SECRET", "hunter2"}}, opt);
    rec.add_input(&md);
    rec.add_input(&trades);
    rec.add_input(&marks);
    rec.add_input(&sigs);
    rec.add_input(&ords);
    rec.add_input(&execs);
    rec.add_input(&ctls);
    ASSERT_TRUE(rec.open().ok());
    const SymbolId late = symbols.add("LATEUSDT");
    const SymbolId longname = symbols.add(std::string(150, 'L') + "USDT");
    ASSERT_NE(late, kNoSymbol);
    ASSERT_NE(longname, kNoSymbol);
    if (threaded) rec.start();
    Counter waits;
    for (uint64_t i = 1; i <= 200; ++i) {
      MdTick t;
      t.update_id = i;
      t.ts_local = static_cast<int64_t>(1000 * i);
      t.ts_exchange = static_cast<int64_t>(999 * i);
      t.bid = Price::from_raw(6183763000000 + static_cast<int64_t>(i));
      t.ask = Price::from_raw(6183764000000);
      t.bid_qty = Qty::from_raw(static_cast<int64_t>(i));
      t.ask_qty = Qty::from_raw(2);
      t.symbol = i % 4 == 0 ? btc_ : i % 4 == 1 ? eth_ : i % 4 == 2 ? late : longname;
      tap_blocking(&md, t, &waits);
      if (i % 10 == 0) {
        Trade tr;
        tr.trade_id = i;
        tr.price = Price::from_raw(-5);
        tr.symbol = eth_;
        tr.aggressor = Side::kSell;
        tap_blocking(&trades, tr, &waits);
        MarkPrice mk;
        mk.funding_rate_raw = -12500;
        mk.symbol = late;
        tap_blocking(&marks, mk, &waits);
        Signal s;
        s.client_id = make_client_id(2, i);
        s.symbol = longname;
        s.action = SignalAction::kReplace;
        tap_blocking(&sigs, s, &waits);
        Order o;
        o.client_id = ~uint64_t{0} - i;
        o.venue = 4;
        o.symbol = btc_;
        o.tif = TimeInForce::kPostOnly;
        tap_blocking(&ords, o, &waits);
        ExecReport e;
        e.client_id = i;
        e.status = ExecStatus::kRejected;
        e.reject_reason = RejectReason::kKillSwitch;
        e.fee_raw = -3;
        e.symbol = eth_;
        tap_blocking(&execs, e, &waits);
        Control c;
        c.command = ControlCommand::kSymbolHalt;
        c.symbol = i % 20 == 0 ? kNoSymbol : btc_;
        tap_blocking(&ctls, c, &waits);
      }
      if (!threaded && i % 7 == 0) rec.drain_inline();
    }
    if (!threaded) rec.drain_inline();
    rec.stop();
    EXPECT_TRUE(rec.status().ok()) << rec.status();
    EXPECT_EQ(rec.written_total(), 320u);
  }

  SymbolTable symbols_;
  SymbolId btc_, eth_;
};

TEST_F(JournalTest, ReadBackItIsTheJsonlRecordingByteForByte) {
  const std::string jsonl = temp_path("inline.jsonl");
  const std::string jnl = temp_path("inline.journal");
  SymbolTable a = symbols_, b = symbols_;
  record(jsonl, RecordFormat::kJsonl, false, a);
  record(jnl, RecordFormat::kJournal, false, b);
  const std::string text = read_file(jsonl);
  const std::string raw = read_file(jnl);
  ASSERT_FALSE(text.empty());
  EXPECT_TRUE(journal::has_magic(raw));
  EXPECT_EQ(raw.find("hunter2"), std::string::npos);  // secrets stay out of the journal too
  JsonlReader::Result end;
  EXPECT_EQ(lines_of(jnl, &end), text);
  EXPECT_EQ(end, JsonlReader::Result::kEof);
  // The point of the format: fixed slots, not text. 320 events + symbols + footer.
  EXPECT_LT(raw.size(), text.size());
  std::remove(jsonl.c_str());
  std::remove(jnl.c_str());
}

TEST_F(JournalTest, ThreadedRecorderGivesTheSameLinesAsItsJsonlTwin) {
  // With the recorder thread, line order across rings depends on timing; each ring's order and every
  // event's content must still survive, and seq must run 1..N.
  const std::string jnl = temp_path("threaded.journal");
  SymbolTable t = symbols_;
  record(jnl, RecordFormat::kJournal, true, t);
  JsonlReader r;
  ASSERT_TRUE(r.open(jnl).ok());
  SymbolTable fresh;
  EventDecoder dec(&fresh);
  std::string_view line;
  RecordedEvent ev;
  uint64_t seq = 0, md_last = 0;
  bool footer = false;
  while (r.next(line) == JsonlReader::Result::kLine) {
    ASSERT_EQ(dec.decode_padded(line, ev), DecodeResult::kOk) << dec.error() << ": " << line;
    if (ev.kind == RecordKind::kEnd) {
      footer = true;
      EXPECT_EQ(std::get<RecordFooter>(ev.event).events, 320u);
    } else if (ev.kind != RecordKind::kConfig) {
      EXPECT_EQ(ev.seq, ++seq);
      if (ev.kind == RecordKind::kMd) {
        const auto& tick = std::get<MdTick>(ev.event);
        EXPECT_EQ(tick.update_id, md_last + 1);
        md_last = tick.update_id;
        const std::string_view want = tick.update_id % 4 == 0   ? "BTCUSDT"
                                      : tick.update_id % 4 == 1 ? "ETHUSDT"
                                      : tick.update_id % 4 == 2 ? "LATEUSDT"
                                                                : "";
        if (!want.empty()) EXPECT_EQ(fresh.name(tick.symbol), want);
        if (want.empty()) EXPECT_EQ(fresh.name(tick.symbol).size(), 154u);
      }
    }
  }
  EXPECT_TRUE(footer);
  EXPECT_EQ(seq, 320u);
  EXPECT_EQ(md_last, 200u);
  std::remove(jnl.c_str());
}

TEST_F(JournalTest, KillMidSlotLeavesWholeEventsAndOneUnparsableLastLine) {
  const std::string jnl = temp_path("crash.journal");
  SymbolTable t = symbols_;
  record(jnl, RecordFormat::kJournal, false, t);
  std::string raw = read_file(jnl);
  // Cut 30 bytes into the footer slot (the last 72 bytes): as if kill -9 hit the final write.
  raw.resize(raw.size() - journal::kSlotBytes + 30);
  write_file(jnl, raw);
  JsonlReader::Result end;
  std::string last;
  const std::string text = lines_of(jnl, &end, &last);
  EXPECT_EQ(end, JsonlReader::Result::kTruncated);
  // Header + every event, nothing else; the partial line does not decode (as a partial JSONL line).
  EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')), 321u);
  EXPECT_EQ(text.find("\"kind\":\"end\""), std::string::npos);
  SymbolTable fresh;
  EventDecoder dec(&fresh);
  RecordedEvent ev;
  EXPECT_NE(dec.decode(last, ev), DecodeResult::kOk);
  EXPECT_NE(last.find("cut short"), std::string::npos) << last;
  std::remove(jnl.c_str());
}

TEST_F(JournalTest, AnotherBuildsLayoutIsRefusedWithOneLine) {
  const std::string jnl = temp_path("layout.journal");
  SymbolTable t = symbols_;
  record(jnl, RecordFormat::kJournal, false, t);
  std::string raw = read_file(jnl);
  raw[offsetof(journal::FileHeader, layout)] ^= 0x5A;
  write_file(jnl, raw);
  JsonlReader r;
  const absl::Status st = r.open(jnl);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find(jnl), std::string::npos) << st;
  EXPECT_NE(std::string(st.message()).find("another event layout"), std::string::npos) << st;
  std::remove(jnl.c_str());
}

TEST_F(JournalTest, ASlotNamingAnUndefinedSymbolIsAnErrorWithItsOffset) {
  const std::string jnl = temp_path("badsym.journal");
  SymbolTable t = symbols_;
  record(jnl, RecordFormat::kJournal, false, t);
  std::string raw = read_file(jnl);
  // Overwrite the first symbol record's kind so the names never get defined.
  const std::size_t first_slot = journal::header_bytes(
      static_cast<std::size_t>(reinterpret_cast<const journal::FileHeader*>(raw.data())->config_len));
  ASSERT_EQ(static_cast<uint8_t>(raw[first_slot]), journal::kSymbolSlot);
  raw[first_slot] = static_cast<char>(0x77);
  write_file(jnl, raw);
  JsonlReader r;
  ASSERT_TRUE(r.open(jnl).ok());
  std::string_view line;
  ASSERT_EQ(r.next(line), JsonlReader::Result::kLine);  // the config header
  EXPECT_EQ(r.next(line), JsonlReader::Result::kError);
  EXPECT_NE(std::string(r.status().message()).find("byte " + std::to_string(first_slot)), std::string::npos)
      << r.status();
  EXPECT_NE(std::string(r.status().message()).find("unknown kind 119"), std::string::npos) << r.status();
  std::remove(jnl.c_str());
}

// As for JSONL (recorder_test.cpp): a disk that fills up part-way through a write. The journal is cut
// back to whole slots, symbol records lost with a failed write are written again, every line read
// back decodes, and exactly the lost events are counted.
TEST_F(JournalTest, DiskFullKeepsWholeSlotsAndRewritesLostSymbols) {
  const std::string jnl = temp_path("diskfull.journal");
  SpscRing<Order> ords(1 << 12);
  RecorderOptions opt;
  opt.format = RecordFormat::kJournal;
  opt.buffer_bytes = 4096;
  opt.flush_interval_ns = 0;
  opt.fsync_on_stop = false;
  Recorder rec(jnl, symbols_, {{"A", "1"}}, opt);
  rec.add_input(&ords);
  ASSERT_TRUE(rec.open().ok());
  test_support::DiskFull disk_full(50'001);  // not on a slot boundary
  ASSERT_TRUE(disk_full.active());
  Counter waits;
  uint64_t id = 0;
  auto push = [&](int n) {
    for (int i = 0; i < n; ++i) {
      Order o;
      o.client_id = ++id;
      o.symbol = id % 2 == 0 ? btc_ : eth_;
      tap_blocking(&ords, o, &waits);
      if (ords.size_approx() > 1000) rec.drain_inline();
    }
    rec.drain_inline();
  };
  push(2000);  // 144 kB of slots
  const uint64_t lost_while_full = rec.lines_lost();
  disk_full.lift();  // space comes back
  push(100);
  rec.stop();

  JsonlReader r;
  ASSERT_TRUE(r.open(jnl).ok());
  SymbolTable fresh;
  EventDecoder dec(&fresh);
  std::string_view line;
  RecordedEvent ev;
  uint64_t lines = 0, after_gap = 0;
  bool footer = false;
  JsonlReader::Result res;
  while ((res = r.next(line)) == JsonlReader::Result::kLine) {
    ++lines;
    ASSERT_EQ(dec.decode_padded(line, ev), DecodeResult::kOk) << dec.error();
    if (ev.kind == RecordKind::kOrd) {
      const Order& o = std::get<Order>(ev.event);
      EXPECT_EQ(fresh.name(o.symbol), o.client_id % 2 == 0 ? "BTCUSDT" : "ETHUSDT");
      if (o.client_id > 2000) ++after_gap;
    }
    footer |= ev.kind == RecordKind::kEnd;
  }
  EXPECT_EQ(res, JsonlReader::Result::kEof) << r.status();
  EXPECT_GT(lost_while_full, 0u);
  EXPECT_EQ(rec.lines_lost(), lost_while_full);
  EXPECT_EQ(lines + rec.lines_lost(), 2102u);  // header + 2100 orders + footer
  EXPECT_EQ(after_gap, 100u);
  EXPECT_TRUE(footer);
  std::remove(jnl.c_str());
}

// Rotation, both formats: every file is a whole recording (header first, its own footer counting its
// own lines, a journal naming its own symbols), seq runs on across files without a gap, and the files
// together hold exactly what one unrotated recording holds.
class RotationTest : public JournalTest, public ::testing::WithParamInterface<RecordFormat> {};

TEST_P(RotationTest, BySizeEveryFileStandsAloneAndTogetherTheyAreTheWholeRecording) {
  const std::string ext = GetParam() == RecordFormat::kJournal ? ".journal" : ".jsonl";
  const std::string base = temp_path("rot_whole" + ext);
  const std::string rotated = temp_path("rot" + ext);
  SymbolTable a = symbols_, b = symbols_;
  record(base, GetParam(), false, a);
  {
    SpscRing<MdTick> md(64);
    RecorderOptions opt;
    opt.format = GetParam();
    opt.buffer_bytes = 4096;
    opt.rotate_bytes = 6000;
    Recorder rec(rotated, b, {{"SYMBOLS", "BTCUSDT,ETHUSDT"}}, opt);
    rec.add_input(&md);
    ASSERT_TRUE(rec.open().ok());
    for (uint64_t i = 1; i <= 300; ++i) {
      MdTick t;
      t.update_id = i;
      t.symbol = i % 2 == 0 ? btc_ : eth_;
      ASSERT_TRUE(md.try_push(t));
      if (i % 20 == 0) rec.drain_inline();
    }
    rec.stop();
    ASSERT_TRUE(rec.status().ok()) << rec.status();
    ASSERT_GE(rec.rotations(), 2u);
    EXPECT_EQ(rec.current_path(), rotated + "." + std::to_string(rec.rotations()));
    uint64_t next_seq = 1, md_total = 0;
    for (uint64_t f = 0; f <= rec.rotations(); ++f) {
      const std::string path = f == 0 ? rotated : rotated + "." + std::to_string(f);
      JsonlReader r;
      ASSERT_TRUE(r.open(path).ok()) << path;
      SymbolTable fresh;  // each file names its own symbols
      EventDecoder dec(&fresh);
      std::string_view line;
      RecordedEvent ev;
      uint64_t lines = 0, events = 0;
      bool footer = false;
      JsonlReader::Result res;
      while ((res = r.next(line)) == JsonlReader::Result::kLine) {
        ASSERT_EQ(dec.decode_padded(line, ev), DecodeResult::kOk) << path << ": " << dec.error();
        ++lines;
        if (lines == 1) {
          EXPECT_EQ(ev.kind, RecordKind::kConfig) << path;
        } else if (ev.kind == RecordKind::kEnd) {
          footer = true;
          EXPECT_EQ(std::get<RecordFooter>(ev.event).events, events) << path;
          EXPECT_EQ(std::get<RecordFooter>(ev.event).counts[0], events) << path;
        } else {
          ASSERT_FALSE(footer) << path << ": a line after the footer";
          EXPECT_EQ(ev.seq, next_seq++) << path;
          const MdTick& tick = std::get<MdTick>(ev.event);
          EXPECT_EQ(fresh.name(tick.symbol), tick.update_id % 2 == 0 ? "BTCUSDT" : "ETHUSDT") << path;
          ++events;
        }
      }
      EXPECT_EQ(res, JsonlReader::Result::kEof) << path;
      EXPECT_TRUE(footer) << path;
      if (f < rec.rotations()) EXPECT_GE(r.file_offset(), opt.rotate_bytes) << path;
      md_total += events;
      std::remove(path.c_str());
    }
    EXPECT_EQ(md_total, 300u);
    EXPECT_EQ(next_seq, 301u);
  }
  std::remove(base.c_str());
}

TEST_P(RotationTest, ByTimeTheNextFileStartsWhenTheIntervalIsOver) {
  const std::string ext = GetParam() == RecordFormat::kJournal ? ".journal" : ".jsonl";
  const std::string rotated = temp_path("rot_time" + ext);
  SpscRing<Order> ords(64);
  RecorderOptions opt;
  opt.format = GetParam();
  opt.flush_interval_ns = 0;   // every pass that took an event writes it...
  opt.rotate_interval_ns = 1;  // ...and ends the file
  Recorder rec(rotated, symbols_, {}, opt);
  rec.add_input(&ords);
  ASSERT_TRUE(rec.open().ok());
  rec.start();
  Counter waits;
  for (uint64_t i = 1; i <= 50; ++i) {
    Order o;
    o.client_id = i;
    tap_blocking(&ords, o, &waits);
    // The next order is sent once this one was written and its pass ended the file (the next file
    // exists): they are written in different passes, so in different files. (Waiting for the write
    // alone let a slow recorder thread — TSan — take the next order in the same pass.)
    while (rec.written_total() < i) std::this_thread::yield();
    const std::string next = rotated + "." + std::to_string(i);
    while (i < 50 && ::access(next.c_str(), F_OK) != 0) std::this_thread::yield();
  }
  rec.stop();
  EXPECT_GE(rec.rotations(), 49u);
  uint64_t orders = 0;
  for (uint64_t f = 0; f <= rec.rotations(); ++f) {
    const std::string path = f == 0 ? rotated : rotated + "." + std::to_string(f);
    const std::string text = lines_of(path);
    EXPECT_EQ(text.rfind("{\"v\":1,\"kind\":\"config\"", 0), 0u) << path;
    EXPECT_NE(text.find("\"kind\":\"end\""), std::string::npos) << path;
    for (std::size_t at = 0; (at = text.find("\"kind\":\"ord\"", at)) != std::string::npos; ++at) ++orders;
    std::remove(path.c_str());
  }
  EXPECT_EQ(orders, 50u);
}

INSTANTIATE_TEST_SUITE_P(Formats, RotationTest, ::testing::Values(RecordFormat::kJsonl, RecordFormat::kJournal),
                         [](const auto& info) { return info.param == RecordFormat::kJournal ? "journal" : "jsonl"; });

}  // namespace
}  // namespace dmabot::core
