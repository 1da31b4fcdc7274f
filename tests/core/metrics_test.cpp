// Tests for core/metrics.h: histogram bucket geometry and quantiles, the Prometheus text rendering
// (checked line by line and, when installed, by `promtool check metrics`), label escaping and the
// counter lookups.
#include "core/metrics.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace dmabot::core {
namespace {

using H = LatencyHistogram;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// ---- histogram geometry ---------------------------------------------------------------------

TEST(Histogram, BucketBoundsByHand) {
  // 4 sub-buckets per power of two from 64 ns: 64, 80, 96, 112, 128, 160, ...
  EXPECT_EQ(H::bucket_upper_ns(0), 64);
  EXPECT_EQ(H::bucket_upper_ns(1), 80);   // 64 * 1.25
  EXPECT_EQ(H::bucket_upper_ns(2), 96);   // 64 * 1.5
  EXPECT_EQ(H::bucket_upper_ns(3), 112);  // 64 * 1.75
  EXPECT_EQ(H::bucket_upper_ns(4), 128);
  EXPECT_EQ(H::bucket_upper_ns(5), 160);
  EXPECT_EQ(H::bucket_upper_ns(16), 1024);  // octave 4: 64 * 2^4
  // Last finite bucket 111: octave 27, sub 3 -> 2^33 * 1.75 = 15032385536 ns (~15 s).
  EXPECT_EQ(H::bucket_upper_ns(H::kBuckets - 2), 15'032'385'536);
  EXPECT_EQ(H::bucket_upper_ns(H::kBuckets - 1), std::numeric_limits<int64_t>::max());
}

TEST(Histogram, IndexAndUpperAreConsistent) {
  for (int i = 1; i < H::kBuckets; ++i) {
    ASSERT_LT(H::bucket_upper_ns(i - 1), H::bucket_upper_ns(i)) << i;  // strictly increasing
  }
  for (int i = 0; i < H::kBuckets - 1; ++i) {
    const int64_t up = H::bucket_upper_ns(i);
    ASSERT_EQ(H::bucket_index(up), i) << "upper bound belongs to its own bucket";
    ASSERT_EQ(H::bucket_index(up + 1), i + 1) << "one past it belongs to the next";
  }
  std::mt19937_64 rng(7);
  for (int k = 0; k < 100'000; ++k) {
    // Log-uniform over 1 ns .. 2^40 ns (~18 min) so every octave gets samples, past the last bound too.
    const int64_t ns = static_cast<int64_t>(rng() >> (24 + rng() % 40)) + 1;
    const int i = H::bucket_index(ns);
    ASSERT_GE(i, 0);
    ASSERT_LT(i, H::kBuckets);
    ASSERT_LE(ns, H::bucket_upper_ns(i)) << ns;
    if (i > 0) {
      ASSERT_GT(ns, H::bucket_upper_ns(i - 1)) << ns;
    }
  }
}

TEST(Histogram, ExtremeValuesStayInsideTheArray) {
  EXPECT_EQ(H::bucket_index(0), 0);
  EXPECT_EQ(H::bucket_index(-5), 0);
  EXPECT_EQ(H::bucket_index(15'032'385'537), H::kBuckets - 1);    // just past the last finite bound
  EXPECT_EQ(H::bucket_index(int64_t{1} << 36), H::kBuckets - 1);  // ~69 s
  EXPECT_EQ(H::bucket_index(std::numeric_limits<int64_t>::max()), H::kBuckets - 1);
  H h;
  h.record(100'000'000'000);  // 100 s
  h.record(std::numeric_limits<int64_t>::max() / 4);
  EXPECT_EQ(h.bucket_count(H::kBuckets - 1), 2u);
  EXPECT_EQ(h.count(), 2u);
  h.record(-3);  // clamped to 0 -> first bucket, adds 0 to the sum
  EXPECT_EQ(h.bucket_count(0), 1u);
}

TEST(Histogram, QuantilesFromAKnownDistribution) {
  H h;
  EXPECT_EQ(h.quantile_ns(0.5), 0);  // empty
  // 50 x 100 ns (bucket (96,112]), 40 x 1000 ns (bucket (896,1024]), 10 x 10000 ns ((8192,10240]).
  for (int i = 0; i < 50; ++i) h.record(100);
  for (int i = 0; i < 40; ++i) h.record(1000);
  for (int i = 0; i < 10; ++i) h.record(10000);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.sum_ns(), 50u * 100 + 40u * 1000 + 10u * 10000);  // 145000
  EXPECT_EQ(h.bucket_count(3), 50u);
  EXPECT_EQ(h.bucket_count(16), 40u);
  EXPECT_EQ(h.bucket_count(29), 10u);  // octave 7 base 8192, sub 1 -> 10240
  // rank = ceil(q * 100): the upper bound of the bucket that holds that rank.
  EXPECT_EQ(h.quantile_ns(0.0), 112);     // rank clamps to 1
  EXPECT_EQ(h.quantile_ns(0.5), 112);     // rank 50: last of the 100 ns samples
  EXPECT_EQ(h.quantile_ns(0.51), 1024);   // rank 51
  EXPECT_EQ(h.quantile_ns(0.9), 1024);    // rank 90
  EXPECT_EQ(h.quantile_ns(0.91), 10240);  // rank 91
  EXPECT_EQ(h.quantile_ns(0.999), 10240);
  EXPECT_EQ(h.quantile_ns(1.0), 10240);
  EXPECT_EQ(h.quantile_ns(2.0), 10240);  // clamped to 1
  h.record(100'000'000'000);             // one sample beyond range: the top quantile saturates
  EXPECT_EQ(h.quantile_ns(1.0), H::bucket_upper_ns(H::kBuckets - 2));
}

// ---- labels and rendering -------------------------------------------------------------------

TEST(Labels, RenderAndEscape) {
  EXPECT_EQ(Labels{}.render(), "");
  EXPECT_EQ((Labels{{{"symbol", "BTCUSDT"}, {"venue", "mock"}}}.render()), "{symbol=\"BTCUSDT\",venue=\"mock\"}");
  // Backslash, double quote and newline are the three characters the format escapes.
  EXPECT_EQ((Labels{{{"k", "a\"b\\c\nd"}}}.render()), "{k=\"a\\\"b\\\\c\\nd\"}");
}

double backlog_fn(const void* ctx) { return static_cast<double>(*static_cast<const int*>(ctx)); }
const int kCallbackValue = 9;

// A registry with one of everything, used by the render and promtool tests.
struct Sample {
  Sample() {
    Counter& mock = reg.add_counter("dmabot_orders_total", "Orders sent to a venue.", Labels{{{"venue", "mock"}}});
    Counter& sim = reg.add_counter("dmabot_orders_total", "Orders sent to a venue.", Labels{{{"venue", "sim"}}});
    mock.inc(3);
    sim.inc();
    sim.inc_shared(3);
    Gauge& g = reg.add_gauge("dmabot_position", "Net position.\nIn base units, with a \\ backslash.",
                             Labels{{{"symbol", "BTC\"USDT"}}});
    g.set(-2.5);
    LatencyHistogram& h = reg.add_histogram("dmabot_tick_to_order_seconds", "Tick to order latency.");
    h.record(100);   // bucket 3, le 1.12e-07
    h.record(1000);  // bucket 16, le 1.024e-06
    h.record(1000);
    h.record(100'000'000'000);  // +Inf only
    reg.add_callback_gauge("dmabot_ring_backlog", "Events waiting.", Labels{{{"ring", "md"}}}, &backlog_fn, &backlog);
    HdrHistogram& f = reg.add_fine_histogram("fine_lat_seconds", "Fine latency.", Labels{{{"venue", "mock"}}});
    f.record_n(300, 2);       // fine bucket [300, 301]: first counted at the bound 304 ns (k = 66)
    f.record(1000);           // [1000, 1003]: at 1024 ns (k = 80)
    f.record(1100);           // [1096, 1103]: at round(1024 * 2^(1/8)) = 1117 ns (k = 81)
    f.record(5'000'000'000);  // beyond the last bound (2^30 ns): +Inf only
  }
  int backlog = 17;
  Registry reg;
};

TEST(Registry, RendersCountersAndGauges) {
  Sample s;
  const std::string text = s.reg.render();
  EXPECT_TRUE(contains(text,
                       "# HELP dmabot_orders_total Orders sent to a venue.\n"
                       "# TYPE dmabot_orders_total counter\n"
                       "dmabot_orders_total{venue=\"mock\"} 3\n"
                       "dmabot_orders_total{venue=\"sim\"} 4\n"))
      << text;
  // HELP escapes newline and backslash; label values escape the quote.
  EXPECT_TRUE(contains(text,
                       "# HELP dmabot_position Net position.\\nIn base units, with a \\\\ backslash.\n"
                       "# TYPE dmabot_position gauge\n"
                       "dmabot_position{symbol=\"BTC\\\"USDT\"} -2.5\n"))
      << text;
  EXPECT_TRUE(contains(text, "# TYPE dmabot_ring_backlog gauge\ndmabot_ring_backlog{ring=\"md\"} 17\n")) << text;
  s.backlog = 18;  // callback gauges are evaluated at render time
  EXPECT_TRUE(contains(s.reg.render(), "dmabot_ring_backlog{ring=\"md\"} 18\n"));
  // One HELP/TYPE per family even with two series.
  std::size_t helps = 0;
  for (const std::string& l : lines_of(text)) helps += l.rfind("# HELP dmabot_orders_total", 0) == 0 ? 1 : 0;
  EXPECT_EQ(helps, 1u);
}

TEST(Registry, RendersCumulativeHistogram) {
  Sample s;
  const std::vector<std::string> lines = lines_of(s.reg.render());
  std::vector<std::string> buckets;
  std::string count_line, sum_line;
  for (const std::string& l : lines) {
    if (l.rfind("dmabot_tick_to_order_seconds_bucket", 0) == 0) buckets.push_back(l);
    if (l.rfind("dmabot_tick_to_order_seconds_count", 0) == 0) count_line = l;
    if (l.rfind("dmabot_tick_to_order_seconds_sum", 0) == 0) sum_line = l;
  }
  ASSERT_EQ(buckets.size(), static_cast<std::size_t>(H::kBuckets));
  EXPECT_EQ(buckets[0], "dmabot_tick_to_order_seconds_bucket{le=\"6.4e-08\"} 0");
  EXPECT_EQ(buckets[2], "dmabot_tick_to_order_seconds_bucket{le=\"9.6e-08\"} 0");
  EXPECT_EQ(buckets[3], "dmabot_tick_to_order_seconds_bucket{le=\"1.12e-07\"} 1");
  EXPECT_EQ(buckets[15], "dmabot_tick_to_order_seconds_bucket{le=\"8.96e-07\"} 1");
  EXPECT_EQ(buckets[16], "dmabot_tick_to_order_seconds_bucket{le=\"1.024e-06\"} 3");  // cumulative: 1 + 2
  EXPECT_EQ(buckets[H::kBuckets - 2], "dmabot_tick_to_order_seconds_bucket{le=\"15.032385536\"} 3");
  EXPECT_EQ(buckets[H::kBuckets - 1], "dmabot_tick_to_order_seconds_bucket{le=\"+Inf\"} 4");
  EXPECT_EQ(count_line, "dmabot_tick_to_order_seconds_count 4");  // equals the +Inf bucket
  // (100 + 1000 + 1000 + 100e9) ns = 100000002100 ns = 100.0000021 s
  EXPECT_EQ(sum_line, "dmabot_tick_to_order_seconds_sum 100.0000021");
  // Cumulative counts never decrease.
  uint64_t prev = 0;
  for (const std::string& b : buckets) {
    const uint64_t v = std::stoull(b.substr(b.rfind(' ') + 1));
    EXPECT_GE(v, prev) << b;
    prev = v;
  }
}

TEST(Registry, FineHistogramExportsEightBoundsPerOctave) {
  Sample s;
  std::vector<std::string> buckets;
  std::string count_line, sum_line;
  for (const std::string& l : lines_of(s.reg.render())) {
    if (l.rfind("dmabot_fine_lat_seconds_bucket", 0) == 0) buckets.push_back(l);
    if (l.rfind("dmabot_fine_lat_seconds_count", 0) == 0) count_line = l;
    if (l.rfind("dmabot_fine_lat_seconds_sum", 0) == 0) sum_line = l;
  }
  // Bounds 2^(k/8) ns for k = 64 (256 ns) .. 240 (2^30 ns), then +Inf.
  constexpr int kFirst = Registry::kFineExportFirstShift * Registry::kFineExportPerOctave;
  constexpr int kLast = Registry::kFineExportLastShift * Registry::kFineExportPerOctave;
  ASSERT_EQ(buckets.size(), static_cast<std::size_t>(kLast - kFirst + 2));
  EXPECT_EQ(buckets[0], "dmabot_fine_lat_seconds_bucket{venue=\"mock\",le=\"2.56e-07\"} 0");
  EXPECT_EQ(buckets[1], "dmabot_fine_lat_seconds_bucket{venue=\"mock\",le=\"2.79e-07\"} 0");
  EXPECT_EQ(buckets[2], "dmabot_fine_lat_seconds_bucket{venue=\"mock\",le=\"3.04e-07\"} 2");
  EXPECT_EQ(buckets[15], "dmabot_fine_lat_seconds_bucket{venue=\"mock\",le=\"9.39e-07\"} 2");
  EXPECT_EQ(buckets[16], "dmabot_fine_lat_seconds_bucket{venue=\"mock\",le=\"1.024e-06\"} 3");
  EXPECT_EQ(buckets[17], "dmabot_fine_lat_seconds_bucket{venue=\"mock\",le=\"1.117e-06\"} 4");
  EXPECT_EQ(buckets[buckets.size() - 2], "dmabot_fine_lat_seconds_bucket{venue=\"mock\",le=\"1.073741824\"} 4");
  EXPECT_EQ(buckets.back(), "dmabot_fine_lat_seconds_bucket{venue=\"mock\",le=\"+Inf\"} 5");
  EXPECT_EQ(count_line, "dmabot_fine_lat_seconds_count{venue=\"mock\"} 5");
  // (600 + 1000 + 1100 + 5e9) ns
  EXPECT_EQ(sum_line, "dmabot_fine_lat_seconds_sum{venue=\"mock\"} 5.0000027");
  uint64_t prev = 0;
  for (const std::string& b : buckets) {
    const uint64_t v = std::stoull(b.substr(b.rfind(' ') + 1));
    EXPECT_GE(v, prev) << b;
    prev = v;
  }
  bool listed = false;
  for (const auto& f : s.reg.families())
    listed = listed || (f.name == "dmabot_fine_lat_seconds" && f.type == "histogram");
  EXPECT_TRUE(listed);
}

TEST(Registry, HistogramWithLabelsMergesLe) {
  Registry reg;
  reg.add_histogram("lat_seconds", "x", Labels{{{"stage", "risk"}}}).record(70);  // bucket 1, le 8e-08
  const std::string text = reg.render();
  EXPECT_TRUE(contains(text, "\ndmabot_lat_seconds_bucket{stage=\"risk\",le=\"8e-08\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "\ndmabot_lat_seconds_count{stage=\"risk\"} 1\n")) << text;
}

// Every family is exported under the registry's namespace; code keeps the short name.
TEST(Registry, NamespaceAppliedAtRegistration) {
  Registry reg;
  reg.add_counter("ticks_total", "Ticks.", Labels{{{"symbol", "BTCUSDT"}}}).inc(2);
  reg.add_counter("dmabot_ticks_total", "Ticks.", Labels{{{"symbol", "ETHUSDT"}}}).inc(3);  // already qualified
  reg.add_gauge("equity", "Equity.").set(1.5);
  reg.add_histogram("lat_seconds", "Latency.").record(100);
  const std::string text = reg.render();
  EXPECT_TRUE(contains(text,
                       "# TYPE dmabot_ticks_total counter\ndmabot_ticks_total{symbol=\"BTCUSDT\"} 2\n"
                       "dmabot_ticks_total{symbol=\"ETHUSDT\"} 3\n"))
      << text;
  EXPECT_TRUE(contains(text, "\ndmabot_equity 1.5\n")) << text;
  EXPECT_TRUE(contains(text, "\ndmabot_lat_seconds_count 1\n")) << text;
  for (const std::string& l : lines_of(text)) {
    const std::size_t at = l.rfind("# ", 0) == 0 ? 7 : 0;  // after "# HELP " / "# TYPE "
    EXPECT_EQ(l.compare(at, 7, "dmabot_"), 0) << l;
  }
  // Lookups take either spelling.
  EXPECT_EQ(reg.counter_total("ticks_total"), 5u);
  EXPECT_EQ(reg.counter_total("dmabot_ticks_total"), 5u);
  EXPECT_EQ(reg.counter_value("ticks_total", Labels{{{"symbol", "ETHUSDT"}}}), 3u);
  EXPECT_EQ(reg.exported_name("x"), "dmabot_x");
  const auto families = reg.families();
  ASSERT_EQ(families.size(), 3u);
  EXPECT_EQ(families[0].name, "dmabot_ticks_total");
  EXPECT_EQ(families[0].type, "counter");
  EXPECT_EQ(families[1].name, "dmabot_equity");
  EXPECT_EQ(families[1].type, "gauge");
  EXPECT_EQ(families[2].name, "dmabot_lat_seconds");
  EXPECT_EQ(families[2].type, "histogram");
  Registry other("acme_");
  other.add_counter("x_total", "X.").inc();
  EXPECT_TRUE(contains(other.render(), "\nacme_x_total 1\n"));
}

TEST(Registry, CounterLookups) {
  Sample s;
  EXPECT_EQ(s.reg.counter_total("dmabot_orders_total"), 7u);  // 3 + 4
  EXPECT_EQ(s.reg.counter_value("dmabot_orders_total", Labels{{{"venue", "sim"}}}), 4u);
  EXPECT_EQ(s.reg.counter_value("dmabot_orders_total", Labels{{{"venue", "none"}}}), 0u);
  EXPECT_EQ(s.reg.counter_value("dmabot_orders_total", Labels{}), 0u);
  EXPECT_EQ(s.reg.counter_total("dmabot_position"), 0u);  // a gauge is not a counter
  EXPECT_EQ(s.reg.counter_total("absent"), 0u);
}

TEST(Registry, SameNameDifferentTypesNeverMixLayouts) {
  // A programming error, but it must not render one metric through another's memory layout.
  Registry reg;
  reg.add_counter("dup", "c").inc(5);
  reg.add_histogram("dup", "h").record(100);
  reg.add_callback_gauge("g", "cb", Labels{}, &backlog_fn, &kCallbackValue);
  reg.add_gauge("g", "plain", Labels{{{"k", "v"}}}).set(1.5);
  const std::string text = reg.render();
  EXPECT_TRUE(contains(text, "# TYPE dmabot_dup counter\ndmabot_dup 5\n")) << text;
  EXPECT_TRUE(contains(text, "# TYPE dmabot_dup histogram\n")) << text;
  EXPECT_TRUE(contains(text, "dmabot_dup_count 1\n")) << text;
  EXPECT_TRUE(contains(text, "dmabot_g 9\ndmabot_g{k=\"v\"} 1.5\n")) << text;  // one gauge family, both series
  EXPECT_EQ(reg.counter_total("dup"), 5u);
}

// ---- promtool -------------------------------------------------------------------------------

TEST(Registry, PromtoolAcceptsTheOutput) {
  const char* promtool = "/usr/bin/promtool";
  if (access(promtool, X_OK) != 0) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  Sample s;
  const std::string dir = ::testing::TempDir();
  const std::string in_path = dir + "metrics_test_render.prom";
  const std::string out_path = dir + "metrics_test_promtool.out";
  {
    std::ofstream f(in_path, std::ios::binary);
    f << s.reg.render();
  }
  const std::string cmd = std::string(promtool) + " check metrics < " + in_path + " > " + out_path + " 2>&1";
  const int rc = std::system(cmd.c_str());
  std::ifstream out(out_path);
  const std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  ASSERT_TRUE(WIFEXITED(rc)) << cmd;
  EXPECT_EQ(WEXITSTATUS(rc), 0) << report;
  std::remove(in_path.c_str());
  std::remove(out_path.c_str());
}

}  // namespace
}  // namespace dmabot::core
