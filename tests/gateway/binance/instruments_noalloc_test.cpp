// check_new_order(), check_cancel() and the quantizers run per order on the engine side: they must
// not allocate. alloc_counter.cpp (linked into this executable only) counts every operator new.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gateway/binance/instruments.h"
#include "tests/common/alloc_counter.h"
#include "tests/common/test_data.h"

namespace dmabot::binance {
namespace {

ExchangeInfo load(const char* name, Product p) {
  std::ifstream in(testdata::source_dir() + "/tests/data/binance/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  ExchangeInfo info;
  EXPECT_TRUE(parse_exchange_info(ss.str(), p, info).ok());
  return info;
}

TEST(InstrumentsNoAlloc, ChecksAndQuantizersDoNotAllocate) {
  const ExchangeInfo spot = load("exchange_info_spot.json", Product::kSpot);
  const ExchangeInfo fut = load("exchange_info_usdm.json", Product::kUsdmFutures);
  const InstrumentSpec* s = spot.find("BTCUSDT");
  const InstrumentSpec* f = fut.find("BTCUSDT");
  ASSERT_NE(s, nullptr);
  ASSERT_NE(f, nullptr);
  OrderCheck o;
  o.reference_price = core::Price::from_raw(6'000'000'000'000);
  int rejected = 0;
  const uint64_t before = testing::allocation_count();
  for (int i = 0; i < 10'000; ++i) {
    o.side = (i & 1) ? OrderSide::kSell : OrderSide::kBuy;
    o.price = core::Price::from_raw(5'000'000'000'000 + int64_t{i} * 500'000);  // on and off the tick
    o.qty = core::Qty::from_raw(int64_t{i % 7} * 50'000);                       // incl. 0 and too small
    o.reduce_only = (i % 3) == 0;
    rejected += check_new_order(*s, o).ok() ? 0 : 1;
    rejected += check_new_order(*f, o).ok() ? 0 : 1;  // incl. the -4164 text built inline
    rejected += check_cancel(*f).ok() ? 0 : 1;
    o.price = price_floor(*f, o.price);
    o.qty = qty_floor(*s, o.qty, (i & 1) != 0);
  }
  EXPECT_EQ(testing::allocation_count() - before, 0u);
  EXPECT_GT(rejected, 0);  // the loop did reach the reject paths
}

}  // namespace
}  // namespace dmabot::binance
