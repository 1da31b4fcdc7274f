// core/input_sequence.h: how a decision stage's input takes are recorded (runs, times, payloads) and
// followed in an exact replay (gating: only the due input, only its count, at the recorded time);
// and the journal's take slots (written by the recorder, skipped as lines, handed to a take sink).
#include "core/input_sequence.h"

#include <unistd.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/recorder.h"
#include "gtest/gtest.h"

namespace dmabot::core {
namespace {

// The runs the blocks in `ring` hold, in order.
std::vector<InputTake> drain(SpscRing<TakeBlock>& ring) {
  std::vector<InputTake> out;
  while (const TakeBlock* b = ring.front()) {
    for (int i = 0; i < b->n; ++i) out.push_back(b->take(i));
    ring.pop();
  }
  return out;
}

TEST(InputSequence, RecordsOneRunPerInputAndTimeWithItsCount) {
  Clock clock = Clock::simulated(1000);
  SpscRing<TakeBlock> ring(64);
  InputSequence seq(clock);
  seq.record_to(7, &ring, nullptr);
  // Three events of input 0 older than the run's time: one run.
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(seq.may_take(0, 900));
    EXPECT_EQ(seq.now(), 1000);
    seq.took();
  }
  clock.advance_to(2000);
  // Another input ends the run; its own run has the clock's time now.
  ASSERT_TRUE(seq.may_take(1, 1500));
  EXPECT_EQ(seq.now(), 2000);
  seq.took();
  clock.advance_to(3000);
  // An event newer than the run's time opens a new run (read at 3000), even from the same input.
  ASSERT_TRUE(seq.may_take(1, 2500));
  EXPECT_EQ(seq.now(), 3000);
  seq.took();
  // A may_take without a take writes nothing.
  ASSERT_TRUE(seq.may_take(2, 0));
  seq.end_run();
  EXPECT_EQ(ring.size_approx(), 0u) << "three runs wait in the stage's block";
  seq.flush();
  EXPECT_EQ(ring.size_approx(), 1u) << "one slot for the three runs";
  const std::vector<InputTake> t = drain(ring);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].input, 0);
  EXPECT_EQ(t[0].count, 3u);
  EXPECT_EQ(t[0].ts, 1000);
  EXPECT_EQ(t[0].stage, 7);
  EXPECT_EQ(t[1].input, 1);
  EXPECT_EQ(t[1].count, 1u);
  EXPECT_EQ(t[1].ts, 2000);
  EXPECT_EQ(t[2].ts, 3000);
}

TEST(InputSequence, PayloadTakesAreRunsOfOneWithTheEventsBytes) {
  Clock clock = Clock::simulated(50);
  SpscRing<TakeBlock> ring(64);
  InputSequence seq(clock);
  seq.record_to(0, &ring, nullptr);
  ASSERT_TRUE(seq.may_take(3, 10));
  seq.took();
  Control c;
  c.command = ControlCommand::kCancelAll;
  c.symbol = 4;
  seq.take_payload(take_ids::kRiskControl, c);
  EXPECT_EQ(seq.now(), 50);
  ASSERT_TRUE(seq.may_take(3, 10));  // a new run after the payload
  seq.took();
  seq.end_run();
  seq.flush();
  EXPECT_EQ(ring.size_approx(), 3u) << "the run before the payload is written before it";
  const std::vector<InputTake> t = drain(ring);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1].payload, static_cast<uint8_t>(TakePayload::kControl));
  EXPECT_EQ(t[1].count, 1u);
  Control back;
  std::memcpy(&back, t[1].bytes, sizeof back);
  EXPECT_EQ(back.command, ControlCommand::kCancelAll);
  EXPECT_EQ(back.symbol, 4);
  EXPECT_EQ(t[2].input, 3);
}

TEST(InputSequence, OffModeWritesNothingAndReadsTheClockPerRun) {
  Clock clock = Clock::simulated(5);
  InputSequence seq(clock);
  EXPECT_EQ(seq.mode(), InputSequence::Mode::kOff);
  EXPECT_EQ(seq.now(), 5);
  ASSERT_TRUE(seq.may_take(0));
  clock.advance_to(9);
  EXPECT_EQ(seq.now(), 5);  // the run's time
  seq.took();
  seq.end_run();
  EXPECT_EQ(seq.now(), 9);
}

TEST(InputSequence, FullBlocksAndIdleStagesAreWrittenWithoutAFlush) {
  Clock clock = Clock::simulated(1'000);
  SpscRing<TakeBlock> ring(64);
  InputSequence seq(clock);
  seq.record_to(3, &ring, nullptr);
  // Seven one-event polls: a full block of six goes out at once, the seventh run waits.
  for (int i = 0; i < 7; ++i) {
    clock.advance_to(clock.now() + 10);
    ASSERT_TRUE(seq.may_take(static_cast<uint8_t>(i % 2), clock.now()));
    seq.took();
    seq.end_run();
  }
  EXPECT_EQ(ring.size_approx(), 1u);
  // Idle polls: the block is written once the stage has been idle about a millisecond.
  for (int i = 0; i < 64; ++i) seq.end_run();
  EXPECT_EQ(ring.size_approx(), 1u) << "not yet: the block is only 0 ns old";
  clock.advance_to(clock.now() + 2'000'000);
  for (int i = 0; i < 64; ++i) seq.end_run();
  EXPECT_EQ(ring.size_approx(), 2u);
  const std::vector<InputTake> t = drain(ring);
  ASSERT_EQ(t.size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(t[i].ts, 1'000 + 10 * (i + 1)) << i;
    EXPECT_EQ(t[i].input, i % 2) << i;
    EXPECT_EQ(t[i].count, 1u);
    EXPECT_EQ(t[i].stage, 3);
  }
}

TEST(InputSequence, LongRunsSplitIntoSeveralAtTheSameTime) {
  Clock clock = Clock::simulated(5'000);
  SpscRing<TakeBlock> ring(64);
  InputSequence seq(clock);
  seq.record_to(0, &ring, nullptr);
  ASSERT_TRUE(seq.may_take(1));
  for (int i = 0; i < 70'000; ++i) seq.took();  // more than a packed count holds
  seq.end_run();
  seq.flush();
  const std::vector<InputTake> t = drain(ring);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].count + t[1].count, 70'000u);
  EXPECT_EQ(t[0].ts, 5'000);
  EXPECT_EQ(t[1].ts, 5'000);
}

InputTake take(uint8_t input, uint32_t count, UnixNanos ts) {
  InputTake t;
  t.input = input;
  t.count = count;
  t.ts = ts;
  return t;
}

TEST(InputSequence, ReplayGatesOnTheDueInputAndItsCount) {
  Clock clock = Clock::simulated(0);
  InputSequence seq(clock);
  const std::vector<InputTake> takes = {take(0, 2, 100), take(1, 1, 200), take(0, 1, 300)};
  seq.replay_from(takes.data(), takes.size());
  EXPECT_FALSE(seq.may_take(1));  // input 1 is not due: wait
  EXPECT_TRUE(seq.next_is(0));
  ASSERT_TRUE(seq.may_take(0));
  EXPECT_EQ(seq.now(), 100);
  seq.took();
  EXPECT_EQ(seq.taken_of_due(), 1u);
  ASSERT_TRUE(seq.may_take(0));
  seq.took();
  EXPECT_EQ(seq.position(), 1u);
  // The third event of input 0 must wait for input 1's take.
  EXPECT_FALSE(seq.may_take(0));
  EXPECT_TRUE(seq.next_is(1));
  ASSERT_NE(seq.due(), nullptr);
  EXPECT_EQ(seq.due()->input, 1);
  ASSERT_TRUE(seq.may_take(1));
  EXPECT_EQ(seq.now(), 200);
  seq.took();
  ASSERT_TRUE(seq.may_take(0));
  EXPECT_EQ(seq.now(), 300);
  seq.took();
  EXPECT_TRUE(seq.finished());
  EXPECT_FALSE(seq.may_take(0));  // past the recording: nothing more
  EXPECT_EQ(seq.due(), nullptr);
}

TEST(InputSequence, ReplayHandsTheRecordedPayload) {
  Clock clock = Clock::simulated(0);
  InputSequence seq(clock);
  InputTake t = take(take_ids::kWorkerStatus, 1, 77);
  BookStatus st;
  st.symbol = 3;
  st.stale = true;
  t.payload = static_cast<uint8_t>(TakePayload::kBookStatus);
  std::memcpy(t.bytes, &st, sizeof st);
  seq.replay_from(&t, 1);
  ASSERT_TRUE(seq.may_take(take_ids::kWorkerStatus));
  BookStatus out;
  ASSERT_TRUE(seq.payload(out));
  EXPECT_EQ(out.symbol, 3);
  EXPECT_TRUE(out.stale);
  Control wrong;
  EXPECT_FALSE(seq.payload(wrong));  // a record of another kind is not misread
  seq.took();
  EXPECT_TRUE(seq.finished());
}

void collect(void* ctx, const InputTake& t) { static_cast<std::vector<InputTake>*>(ctx)->push_back(t); }

TEST(InputSequence, JournalTakeSlotsAreNoLinesAndReachTheTakeSink) {
  const std::string base = testing::TempDir() + "/dmabot_takes_" + std::to_string(::getpid());
  SymbolTable symbols;
  symbols.add("BTCUSDT");
  std::vector<std::string> texts;
  for (int with_takes = 0; with_takes < 2; ++with_takes) {
    const std::string path = base + (with_takes ? "_t.journal" : "_n.journal");
    RecorderOptions ro;
    ro.format = RecordFormat::kJournal;
    ro.fsync_on_stop = false;
    Recorder rec(path, symbols, {{"A", "1"}}, ro);
    SpscRing<MdTick> md(16);
    SpscRing<TakeBlock> takes(16);
    rec.add_input(&md);
    rec.add_input(&takes);
    ASSERT_TRUE(rec.open().ok());
    MdTick tick;
    tick.symbol = 0;
    tick.ts_local = 5;
    md.try_push(tick);
    if (with_takes) {
      TakeBlock b;
      b.base_ts = 40;
      b.stage = 5;
      b.n = 2;
      b.runs[0] = TakeBlock::pack(2, 3, 0);
      b.runs[1] = TakeBlock::pack(0, 1, 1);
      takes.try_push(b);
      TakeBlock p;
      p.base_ts = 50;
      p.n = 1;
      p.payload = static_cast<uint8_t>(TakePayload::kControl);
      p.input = take_ids::kRiskControl;
      Control c;
      c.command = ControlCommand::kKillSwitchOn;
      std::memcpy(p.bytes, &c, sizeof c);
      takes.try_push(p);
    }
    rec.drain_inline();
    rec.stop();
    EXPECT_EQ(rec.takes_written(), with_takes ? 2u : 0u);  // slots
    std::vector<InputTake> got;
    JsonlReader r;
    r.set_take_sink(&collect, &got);
    ASSERT_TRUE(r.open(path).ok());
    std::string text;
    std::string_view line;
    while (r.next(line) == JsonlReader::Result::kLine) text.append(line).push_back('\n');
    EXPECT_TRUE(r.saw_footer());
    texts.push_back(text);
    ASSERT_EQ(got.size(), with_takes ? 3u : 0u);  // runs
    if (with_takes) {
      EXPECT_EQ(got[0].count, 3u);
      EXPECT_EQ(got[0].stage, 5);
      EXPECT_EQ(got[1].ts, 41);
      EXPECT_EQ(got[2].payload, static_cast<uint8_t>(TakePayload::kControl));
      Control c;
      std::memcpy(&c, got[2].bytes, sizeof c);
      EXPECT_EQ(c.command, ControlCommand::kKillSwitchOn);
    }
    ::unlink(path.c_str());
  }
  // The lines (what export --jsonl writes) are the same with and without take slots.
  EXPECT_EQ(texts[0], texts[1]);
  EXPECT_NE(texts[0].find("\"kind\":\"md\""), std::string::npos);
}

}  // namespace
}  // namespace dmabot::core
