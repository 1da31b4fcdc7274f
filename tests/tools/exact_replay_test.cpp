// Exact replay end to end (tools/exact_replay.h): the real binary as a child process.
//
// What must hold: a threaded live run (mock feed and venues with latency, five strategies on two
// workers each, three hot threads) recorded with RECORD_FORMAT=journal replays to every one of its
// signals and orders (`replay --diff`: identical, and the counts are the recording's); a recording
// whose take records were tampered with (a count changed) does not pass quietly: a divergence or one
// error line naming the stage and record, exit 1; a journal cut short ends with one error line, exit
// 1, never a hang.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "core/input_sequence.h"
#include "core/journal.h"
#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (std::size_t at = 0; (at = text.find(what, at)) != std::string::npos; ++at) ++n;
  return n;
}

struct Recorded {
  std::string dir, rec, jsonl, log;
};

// A threaded live run recorded as a journal, and its JSONL export (for counting decisions).
Recorded record_threaded_run(int ticks, const std::vector<std::string>& extra = {}) {
  Recorded r;
  r.dir = temp_dir();
  r.rec = r.dir + "/live.journal";
  Child c;
  std::vector<std::string> args = {dmabot_bin(), "run",
                                   "--env",      ".env.mock",
                                   "--set",      "MOCK_MAX_TICKS=" + std::to_string(ticks),
                                   "--set",      "METRICS_PORT=-1",
                                   "--set",      "RECORD_FORMAT=journal",
                                   "--set",      "RECORD_FILE=" + r.rec,
                                   "--set",      "STRATEGY_WORKERS=2",
                                   "--set",      "THREAD_LAYOUT=feed;strategy;risk,router,gateway",
                                   "--set",      "PIN_CPUS=none"};
  for (const std::string& kv : extra) args.insert(args.end(), {"--set", kv});
  EXPECT_EQ(run(args, r.dir, &c), 0) << read_file(c.err_path);
  r.log = read_file(c.err_path) + read_file(c.out_path);
  r.jsonl = r.dir + "/live.jsonl";
  EXPECT_EQ(run({dmabot_bin(), "export", r.rec, "--jsonl", "--out", r.jsonl}, r.dir, &c), 0) << read_file(c.err_path);
  return r;
}

TEST(DmabotExactReplay, ThreadedLiveRunReplaysToEverySignalAndOrder) {
  const Recorded r = record_threaded_run(6000);
  // The run really had three hot threads.
  ASSERT_NE(r.log.find("(3 hot threads"), std::string::npos) << r.log;
  const std::string text = read_file(r.jsonl);
  const int sigs = count(text, "\"kind\":\"sig\"");
  const int ords = count(text, "\"kind\":\"ord\"");
  ASSERT_GT(sigs, 200) << "the run should decide a lot";
  ASSERT_GT(ords, 200);
  ASSERT_GT(count(text, "\"kind\":\"exec\""), 100) << "venue reports must flow back";

  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", r.rec, "--diff"}, r.dir, &c), 0)
      << read_file(c.err_path) << read_file(c.out_path);
  EXPECT_NE(read_file(c.err_path).find("replay: exact ("), std::string::npos) << read_file(c.err_path);
  const std::string out = read_file(c.out_path);
  EXPECT_NE(out.find("diff: identical: " + std::to_string(sigs) + " signals and " + std::to_string(ords) + " orders"),
            std::string::npos)
      << out;
}

// Risk's rate windows and the workers' back-off after its rejects run on each stage's clock: a tight
// MAX_QPS makes many rejects in a threaded run, and the replay rejects exactly the same signals.
TEST(DmabotExactReplay, RateLimitRejectsAndBackOffReplayExactly) {
  const Recorded r = record_threaded_run(20000, {"MOCK_RATE=20000", "MAX_QPS=5"});
  const std::string text = read_file(r.jsonl);
  const int rejects = count(text, "\"status\":\"REJECTED\"");
  ASSERT_GT(rejects, 5) << "MAX_QPS=5 should reject signals";
  const int sigs = count(text, "\"kind\":\"sig\""), ords = count(text, "\"kind\":\"ord\"");
  ASSERT_GT(sigs, 10);
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", r.rec, "--diff"}, r.dir, &c), 0) << read_file(c.err_path);
  EXPECT_NE(read_file(c.out_path)
                .find("diff: identical: " + std::to_string(sigs) + " signals and " + std::to_string(ords) + " orders"),
            std::string::npos)
      << read_file(c.out_path);
}

// Offsets of the journal's take slots (after the header: whole 72-byte slots; a symbol record's
// continuation slots are skipped by its length).
std::vector<std::size_t> take_slots(const std::string& j) {
  core::journal::FileHeader h;
  std::memcpy(&h, j.data(), sizeof h);
  std::vector<std::size_t> out;
  for (std::size_t off = core::journal::header_bytes(h.config_len); off + core::journal::kSlotBytes <= j.size();) {
    core::journal::Slot s;
    std::memcpy(&s, j.data() + off, sizeof s);
    const auto kind = static_cast<uint8_t>(s.tag & 0xFF);
    std::size_t slots = 1;
    if (kind == core::journal::kSymbolSlot) {
      uint32_t len = 0;
      std::memcpy(&len, s.bytes, sizeof len);
      slots = core::journal::symbol_slots(len);
    }
    if (kind == core::journal::kTakeSlot) out.push_back(off);
    off += slots * core::journal::kSlotBytes;
  }
  return out;
}

// A rotated recording (RECORD_ROTATE_S): the stages' takes run on from file to file, so `replay` of any
// of its files joins them (PATH, PATH.1, ...) and replays the whole run exactly.
TEST(DmabotExactReplay, ARotatedRecordingReplaysExactlyFromAnyOfItsFiles) {
  const Recorded r = record_threaded_run(6000, {"RECORD_ROTATE_S=1", "MOCK_RATE=2000"});
  std::vector<std::string> parts = {r.rec};
  while (std::ifstream(r.rec + "." + std::to_string(parts.size())).good())
    parts.push_back(r.rec + "." + std::to_string(parts.size()));
  ASSERT_GE(parts.size(), 2u) << "the run should have rotated at least once";
  int sigs = 0, ords = 0;
  for (const std::string& p : parts) {
    Child c;
    ASSERT_EQ(run({dmabot_bin(), "export", p, "--jsonl", "--out", p + ".jsonl"}, r.dir, &c), 0)
        << read_file(c.err_path);
    const std::string text = read_file(p + ".jsonl");
    sigs += count(text, "\"kind\":\"sig\"");
    ords += count(text, "\"kind\":\"ord\"");
  }
  ASSERT_GT(sigs, 200);
  for (const std::string& f : {parts.front(), parts.back()}) {
    Child c;
    ASSERT_EQ(run({dmabot_bin(), "replay", f, "--diff"}, r.dir, &c), 0) << read_file(c.err_path);
    EXPECT_NE(
        read_file(c.out_path)
            .find("diff: identical: " + std::to_string(sigs) + " signals and " + std::to_string(ords) + " orders"),
        std::string::npos)
        << read_file(c.out_path);
    EXPECT_NE(read_file(c.err_path)
                  .find("is part of a rotated recording: " + parts.front() + " .. " + parts.back() + " (" +
                        std::to_string(parts.size()) + " files"),
              std::string::npos)
        << read_file(c.err_path);
  }
  // A middle part cut short cannot be joined: one line naming it, exit 2.
  const std::string dir = r.dir + "/cut";
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  for (std::size_t k = 0; k < parts.size(); ++k) {
    std::string bytes = read_file(parts[k]);
    if (k == 0) bytes.resize(bytes.size() - 10);
    std::ofstream(dir + "/run.journal" + (k == 0 ? "" : "." + std::to_string(k)), std::ios::binary) << bytes;
  }
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "replay", dir + "/run.journal", "--diff"}, r.dir, &c), 2) << read_file(c.err_path);
  EXPECT_NE(read_file(c.err_path)
                .find(dir + "/run.journal: its last slot is cut short, but " + dir + "/run.journal.1 follows it"),
            std::string::npos)
      << read_file(c.err_path);
  // The first file alone (renamed: nothing beside it says it was rotated) holds the start of the run:
  // where the rotation cut through a stage's takes it cannot be followed to its end (one line saying
  // what was left over or where a stage stopped, exit 1); where it fell in a quiet moment, its part
  // of the run replays exactly. Never anything else.
  const std::string alone = r.dir + "/first_only.journal";
  { std::ofstream(alone, std::ios::binary) << read_file(r.rec); }
  const int code = run({dmabot_bin(), "replay", alone, "--diff"}, r.dir, &c);
  const std::string err = read_file(c.err_path);
  if (code == 0) {
    EXPECT_NE(read_file(c.out_path).find("diff: identical: "), std::string::npos) << read_file(c.out_path);
  } else {
    EXPECT_EQ(code, 1) << err;
    const bool left_over = err.find("events are left that no recorded take consumed (") != std::string::npos;
    EXPECT_TRUE(left_over || err.find("cannot follow its take record") != std::string::npos) << err;
    if (left_over) {
      EXPECT_TRUE(std::regex_search(err, std::regex("consumed \\([0-9]+ [a-z]+")))
          << "says how many of which kind were left: " << err;
    }
  }
}

TEST(DmabotExactReplay, TamperedTakeCountIsADivergenceOrAnError) {
  const Recorded r = record_threaded_run(3000);
  std::string j = read_file(r.rec);
  const std::vector<std::size_t> takes = take_slots(j);
  ASSERT_GT(takes.size(), 100u);
  // One worker md run in the middle takes one tick more than it did.
  bool done = false;
  for (std::size_t i = takes.size() / 2; i < takes.size() && !done; ++i) {
    core::TakeBlock b;
    std::memcpy(&b, j.data() + takes[i] + 8, sizeof b);
    if (b.stage < core::take_ids::kFirstWorkerStage || b.payload != 0) continue;
    for (int k = 0; k < b.n && !done; ++k) {
      const core::InputTake t = b.take(k);
      if (t.input != core::take_ids::kWorkerMd) continue;
      b.runs[k] = core::TakeBlock::pack(t.input, t.count + 1, static_cast<uint64_t>(t.ts - b.base_ts));
      std::memcpy(j.data() + takes[i] + 8, &b, sizeof b);
      done = true;
    }
  }
  ASSERT_TRUE(done);
  const std::string bad = r.dir + "/tampered.journal";
  std::ofstream(bad, std::ios::binary) << j;
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", bad, "--diff"}, r.dir, &c), 1) << read_file(c.err_path);
  const std::string err = read_file(c.err_path), out = read_file(c.out_path);
  EXPECT_TRUE(out.find("diff: first divergence") != std::string::npos ||
              err.find("cannot follow its take record") != std::string::npos)
      << out << err;
}

TEST(DmabotExactReplay, TruncatedJournalEndsWithOneClearError) {
  const Recorded r = record_threaded_run(3000);
  const std::string j = read_file(r.rec);
  const std::string cut = r.dir + "/cut.journal";
  std::ofstream(cut, std::ios::binary) << j.substr(0, j.size() / 2 + 13);  // mid-slot, half the run
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "replay", cut}, r.dir, &c), 1) << read_file(c.err_path);
  const std::string err = read_file(c.err_path);
  EXPECT_NE(err.find("exact replay of " + cut), std::string::npos) << err;
}

}  // namespace
}  // namespace dmabot::testing
