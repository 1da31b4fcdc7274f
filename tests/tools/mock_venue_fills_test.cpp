// The whole engine on the mock preset (fused, seeded): every maker fill the mock venues report is at
// a price the mock market had reached when it happened — the opposite touch of the last tick at or
// before the fill is at or through the order's price. Before the mock venue filled by trade-through
// most of its maker fills were far beyond the touch (3142 of 4109 by more than 1 bp in a 200k-tick run).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/config.h"
#include "core/event_codec.h"
#include "core/recorder.h"
#include "core/symbol_table.h"
#include "tools/engine.h"
#include "tools/engine_config.h"
#include "tests/tools/engine_test_util.h"

namespace dmabot::tools {
namespace {

std::string source_dir() {
  const char* d = std::getenv("DMABOT_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

TEST(MockVenueFills, NoMakerFillBeyondTheTouchInAFusedMockRun) {
  const std::string rec = ::testing::TempDir() + "mock_venue_fills.jsonl";
  auto cfg =
      core::Config::load(source_dir() + "/.env.mock", {"METRICS_PORT=-1", "RECORD_FILE=" + rec, "MOCK_MAX_TICKS=30000"},
                         &core::Config::no_env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  auto engine = build_test_engine(*cfg);
  ASSERT_TRUE(engine.ok()) << engine.status();
  ASSERT_TRUE((*engine)->run_fused_to_completion().ok());

  // Market and fills from the recording, in time order (a tick before a fill stamped the same ns).
  struct Item {
    core::UnixNanos t;
    int kind;  // 0 tick, 1 fill
    core::MdTick md;
    core::ExecReport x;
  };
  std::vector<Item> items;
  core::JsonlReader reader;
  ASSERT_TRUE(reader.open(rec).ok());
  core::SymbolTable symbols;
  core::EventDecoder decoder(&symbols);
  core::RecordedEvent ev;
  std::string_view line;
  while (reader.next(line) == core::JsonlReader::Result::kLine) {
    if (decoder.decode_padded(line, ev) != core::DecodeResult::kOk) continue;
    if (const auto* m = std::get_if<core::MdTick>(&ev.event)) items.push_back(Item{m->ts_local, 0, *m, {}});
    if (const auto* x = std::get_if<core::ExecReport>(&ev.event);
        x != nullptr && x->venue != core::kRiskVenue && x->maker && !x->last_qty.is_zero()) {
      items.push_back(Item{x->ts_exchange, 1, {}, *x});
    }
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const Item& a, const Item& b) { return a.t != b.t ? a.t < b.t : a.kind < b.kind; });
  std::vector<core::MdTick> last(core::SymbolTable::kMaxSymbols);
  int fills = 0, beyond = 0;
  for (const Item& it : items) {
    if (it.kind == 0) {
      last[it.md.symbol] = it.md;
      continue;
    }
    ++fills;
    const core::MdTick& m = last[it.x.symbol];
    const bool reached =
        it.x.side == core::Side::kBuy ? m.ask.raw > 0 && m.ask <= it.x.last_px : m.bid.raw > 0 && m.bid >= it.x.last_px;
    if (!reached) {
      ++beyond;
      ADD_FAILURE() << core::to_string(it.x.side) << " filled at " << it.x.last_px.to_double() << " with bid "
                    << m.bid.to_double() << " ask " << m.ask.to_double() << " at " << it.t;
      if (beyond > 5) break;
    }
  }
  EXPECT_GT(fills, 100);  // the run does make maker fills: the check is not vacuous
  EXPECT_EQ(beyond, 0) << "of " << fills << " maker fills";
}

}  // namespace
}  // namespace dmabot::tools
