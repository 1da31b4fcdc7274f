// The kill switch through the whole fused engine (issue 8): a trip is logged once, recorded as a
// `ctl` line with its real reason and values, stated in the summary and counted in the metrics; the
// strategies then stop sending instead of having every signal rejected, so rejections after a trip
// do not grow with the length of the run; and a recording with a ctl line still replays to the same
// decisions.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/event_codec.h"
#include "core/log.h"
#include "core/recorder.h"
#include "tools/engine.h"
#include "tools/replay_cli.h"
#include "tools/replay_diff.h"
#include "tests/tools/engine_test_util.h"

namespace dmabot::tools {
namespace {

constexpr int64_t kStart = 1'700'000'000'000'000'000;  // what `dmabot run --fused` uses

struct RunResult {
  EngineSummary summary;
  std::string metrics;
  std::string log;  // stderr of the run
  uint64_t halt_rejects = 0;
};

// .env.mock, fused, on simulated time, for `ticks` ticks; the mock market loses more than 1 quote
// unit of equity after ~9k ticks (the default config, seed 7).
RunResult run_mock(uint64_t ticks, const std::string& record, std::vector<std::string> sets = {}) {
  sets.insert(sets.end(), {"METRICS_PORT=-1", "RECORD_FILE=" + record, "MOCK_MAX_TICKS=" + std::to_string(ticks)});
  RunResult out;
  auto cfg = core::Config::load(".env.mock", sets, &core::Config::no_env);
  EXPECT_TRUE(cfg.ok()) << cfg.status();
  if (!cfg.ok()) return out;
  auto engine = build_test_engine(*cfg, core::Clock::simulated(kStart));
  EXPECT_TRUE(engine.ok()) << engine.status();
  if (!engine.ok()) return out;
  ::testing::internal::CaptureStderr();
  const absl::Status st = (*engine)->run_fused_to_completion();
  out.log = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(st.ok()) << st;
  out.summary = (*engine)->summary();
  out.metrics = (*engine)->metrics().render();
  for (const char* reason : {"kill_switch", "drawdown", "daily_loss"}) {
    out.halt_rejects += (*engine)->metrics().counter_value("risk_rejects_total", {{{"reason", reason}}});
  }
  return out;
}

std::vector<core::Control> ctl_lines(const std::string& path) {
  std::vector<core::Control> out;
  core::JsonlReader reader;
  EXPECT_TRUE(reader.open(path).ok());
  core::SymbolTable symbols;
  core::EventDecoder decoder(&symbols);
  std::string_view line;
  while (reader.next(line) == core::JsonlReader::Result::kLine) {
    core::RecordedEvent ev;
    EXPECT_EQ(decoder.decode_padded(line, ev), core::DecodeResult::kOk) << decoder.error();
    if (ev.kind == core::RecordKind::kCtl) out.push_back(std::get<core::Control>(ev.event));
  }
  return out;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::string temp(const std::string& name) {
  return ::testing::TempDir() + "/kill_" + std::to_string(::getpid()) + "_" + name;
}

TEST(KillSwitchEngine, DailyLossTripIsLoggedRecordedSummarizedAndCountedAsDailyLoss) {
  core::set_log_level(core::LogLevel::kInfo);
  const std::string rec = temp("daily.jsonl");
  const RunResult r = run_mock(30'000, rec, {"MAX_DAILY_LOSS=1"});
  // Recorded: exactly one ctl line, kill_on, with the real reason and the values that tripped it.
  const std::vector<core::Control> ctl = ctl_lines(rec);
  ASSERT_EQ(ctl.size(), 1u);
  EXPECT_EQ(ctl[0].command, core::ControlCommand::kKillSwitchOn);
  EXPECT_EQ(ctl[0].cause, core::KillCause::kDailyLoss);
  EXPECT_EQ(ctl[0].limit_raw, core::kScale);         // MAX_DAILY_LOSS=1
  EXPECT_GT(ctl[0].measured_raw, ctl[0].limit_raw);  // tripped because the loss went beyond it
  // Equity started the (simulated) day at 0, so the loss is minus the equity at the trip.
  EXPECT_EQ(ctl[0].measured_raw, -ctl[0].equity_raw);
  EXPECT_GT(ctl[0].ts_local, kStart);
  // Logged once, by the control thread, with the reason.
  EXPECT_EQ(count(r.log, "kill switch tripped at "), 1u) << r.log;
  EXPECT_EQ(count(r.log, "reason=daily_loss (loss "), 1u) << r.log;
  // In the summary, with the same reason, time and values.
  EXPECT_EQ(r.summary.kill_switch.rfind("kill switch: tripped at 2023-11-14 ", 0), 0u) << r.summary.kill_switch;
  EXPECT_NE(r.summary.kill_switch.find("reason=daily_loss (loss "), std::string::npos) << r.summary.kill_switch;
  EXPECT_NE(r.summary.kill_switch.find(" > limit 1.00"), std::string::npos) << r.summary.kill_switch;
  EXPECT_NE(r.summary.to_text().find("\n  kill switch: tripped at "), std::string::npos);
  EXPECT_NE(r.summary.to_json().find("\"kill_switch\":\"kill switch: tripped at "), std::string::npos)
      << r.summary.to_json();
  // Counted under its real reason, never as a drawdown.
  EXPECT_NE(r.metrics.find("kill_switch_trips_total{reason=\"daily_loss\"} 1\n"), std::string::npos) << r.metrics;
  EXPECT_NE(r.metrics.find("kill_switch_trips_total{reason=\"drawdown\"} 0\n"), std::string::npos);
  EXPECT_NE(r.metrics.find("risk_rejects_total{reason=\"drawdown\"} 0\n"), std::string::npos);
  EXPECT_NE(r.metrics.find("\ndmabot_kill_switch 1\n"), std::string::npos);
}

TEST(KillSwitchEngine, NoTripSaysSoAndRecordsNoCtlLine) {
  const std::string rec = temp("none.jsonl");
  const RunResult r = run_mock(5'000, rec);
  EXPECT_TRUE(ctl_lines(rec).empty());
  EXPECT_EQ(r.summary.kill_switch, "kill switch: not tripped");
  EXPECT_EQ(count(r.log, "kill switch"), 0u) << r.log;
}

// Before: every strategy kept sending, and risk rejected ~4,000 signals per simulated second after
// the trip, so rejections grew with the run. Now workers hear "halted" and hold new orders.
TEST(KillSwitchEngine, RejectedSignalsAfterATripStayBoundedInsteadOfGrowingWithTicks) {
  const RunResult shorter = run_mock(20'000, temp("short.jsonl"), {"MAX_DAILY_LOSS=1"});
  const RunResult longer = run_mock(60'000, temp("long.jsonl"), {"MAX_DAILY_LOSS=1"});
  // Both tripped (at the same moment: same seed, same config) ...
  ASSERT_NE(shorter.summary.kill_switch.find("reason=daily_loss"), std::string::npos);
  ASSERT_NE(longer.summary.kill_switch.find("reason=daily_loss"), std::string::npos);
  // ... and 40k more ticks after the trip add no rejected signal: a handful at most (signals
  // already on their way when risk tripped), never one per tick.
  EXPECT_LE(shorter.halt_rejects, 10u);
  EXPECT_EQ(longer.halt_rejects, shorter.halt_rejects);
  EXPECT_EQ(longer.summary.signals, shorter.summary.signals);
}

TEST(KillSwitchEngine, RecordingWithACtlLineReplaysToTheSameDecisions) {
  const std::string rec = temp("orig.jsonl");
  run_mock(15'000, rec, {"MAX_DAILY_LOSS=1"});
  ASSERT_EQ(ctl_lines(rec).size(), 1u);
  // `dmabot replay FILE --diff --record OUT`, in process: the ctl line is skipped as input, risk trips
  // again by itself and the decisions come out identical.
  const std::string replayed = temp("replayed.jsonl");
  std::vector<std::string> args = {rec, "--diff", "--record", replayed};
  std::vector<char*> argv;
  for (std::string& x : args) argv.push_back(x.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int rc = replay_command(static_cast<int>(argv.size()), argv.data());
  const std::string out = ::testing::internal::GetCapturedStdout();
  (void)::testing::internal::GetCapturedStderr();
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("diff: identical: "), std::string::npos) << out;
  auto d = diff_decisions(rec, replayed);
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_TRUE(d->identical) << d->to_text();
  const std::vector<core::Control> a = ctl_lines(rec);
  const std::vector<core::Control> b = ctl_lines(replayed);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].cause, a[0].cause);
  EXPECT_EQ(b[0].measured_raw, a[0].measured_raw);
  EXPECT_EQ(b[0].equity_raw, a[0].equity_raw);
}

}  // namespace
}  // namespace dmabot::tools
