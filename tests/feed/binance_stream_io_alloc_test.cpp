// The I/O side of feed/binance_stream allocates nothing per frame once connected: binance-sim runs as
// a child process (so this process holds only the feed's I/O thread and the test thread polling the
// stage, whose drain+parse path is proven allocation-free by binance_stream_noalloc_test), and the
// process-wide allocation count must not move while hundreds of frames stream in.
// Own executable: alloc_counter replaces operator new.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <thread>

#include "core/clock.h"
#include "feed/binance_stream.h"
#include "tests/common/alloc_counter.h"
#include "tests/tools/test_process.h"

namespace dmabot::feed {
namespace {

namespace tp = dmabot::testing;
using namespace std::chrono_literals;

TEST(BinanceStreamIoAlloc, NoAllocationPerFrameOnTheIoThread) {
  const std::string dir = tp::temp_dir();
  const std::string ready = dir + "/ready.json";
  tp::Child c =
      tp::spawn({tp::dmabot_bin(), "binance-sim", "--listen-spot", "127.0.0.1:0", "--listen-futures", "127.0.0.1:0",
                 "--ready-file", ready, "--tls-dir", dir + "/tls", "--symbols", "BTCUSDT,ETHUSDT"},
                dir);
  ASSERT_TRUE(tp::wait_for_size(c, ready, 10, 20)) << tp::read_file(c.err_path);
  unsigned spot = 0, fut = 0;
  char ca[4096] = {};
  ASSERT_EQ(std::sscanf(tp::read_file(ready).c_str(),
                        "{\"spot_port\":%u,\"futures_port\":%u,\"ca_file\":\"%4095[^\"]\"}", &spot, &fut, ca),
            3)
      << tp::read_file(ready);

  core::SymbolTable symbols;
  symbols.add("BTCUSDT");
  symbols.add("ETHUSDT");
  BinanceStreamOptions o;
  o.spot_stream_url = "wss://127.0.0.1:" + std::to_string(spot);
  o.futures_stream_url = "wss://127.0.0.1:" + std::to_string(fut);
  o.ca_file = ca;
  o.spot_symbols = {"BTCUSDT", "ETHUSDT"};
  o.futures_symbols = {"BTCUSDT", "ETHUSDT"};
  const core::Clock clock = core::Clock::live();
  core::SpscRing<core::MdTick> md(1 << 12);
  core::SpscRing<core::MarkPrice> mark(1 << 10);
  core::SpscRing<core::BookStatus> status(1 << 10);
  BinanceStreamFeed feed(o, symbols, clock, {{&md, 1, 0}}, {&mark}, {&status}, nullptr);
  ASSERT_TRUE(feed.start().ok());

  uint64_t ticks = 0;
  auto messages = [&] {
    uint64_t n = 0;
    for (StreamKind k : {StreamKind::kSpotBook, StreamKind::kFuturesBook, StreamKind::kFuturesMark})
      n += feed.metrics(k).messages->value();
    return n;
  };
  auto pump_until = [&](uint64_t target, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline && messages() < target) {
      while (feed.stage().poll() > 0) {
      }
      core::MdTick t;
      while (md.try_pop(t)) ++ticks;
      core::MarkPrice m;
      while (mark.try_pop(m)) {
      }
      core::BookStatus s;
      while (status.try_pop(s)) {
      }
      std::this_thread::sleep_for(1ms);  // polling a condition, bounded by the deadline
    }
    return messages() >= target;
  };
  ASSERT_TRUE(pump_until(200, 30s)) << feed.io().last_error();  // warm-up: connected, buffers grown
  const uint64_t before = tp::allocation_count();
  const uint64_t m0 = messages();
  ASSERT_TRUE(pump_until(m0 + 400, 30s));
  const uint64_t allocations = tp::allocation_count() - before;
  const uint64_t frames = messages() - m0;
  EXPECT_EQ(allocations, 0u) << "over " << frames << " frames";
  EXPECT_GT(ticks, 0u);
  EXPECT_EQ(feed.metrics(StreamKind::kSpotBook).reconnects->value(), 0u);
  feed.stop();
  kill(c.pid, SIGTERM);
  EXPECT_EQ(tp::wait_exit(c, 10), 0) << tp::read_file(c.err_path);
}

}  // namespace
}  // namespace dmabot::feed
