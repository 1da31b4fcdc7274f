// gateway/binance/user_data.h on the gateway's I/O thread: after warm-up (one pass over every kind of
// message), decoding allocates nothing — events, unknown and ignored events, malformed input, both
// decode() and decode_padded(). Global operator new is replaced in this executable by
// tests/common/alloc_counter.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gateway/binance/user_data.h"
#include "tests/common/alloc_counter.h"
#include "tests/common/test_data.h"

namespace dmabot::binance {
namespace {

std::string example(std::string_view name) {
  std::ifstream in(testdata::source_dir() + "/tests/data/binance_user_data/" + std::string(name), std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(UserDataNoAlloc, DecodingAllocatesNothingAfterWarmUp) {
  std::vector<std::string> msgs;
  for (const char* f :
       {"spot_execution_report.json", "spot_account_position.json", "spot_account_position_ws_api.json",
        "spot_balance_update.json", "spot_list_status.json", "spot_event_stream_terminated.json",
        "spot_external_lock_update.json", "ws_api_server_shutdown.json", "stream_server_shutdown_raw.json",
        "stream_server_shutdown_combined.json", "futures_order_trade_update.json", "futures_account_update.json",
        "futures_account_update_deposit.json", "futures_margin_call.json", "futures_listen_key_expired.json",
        "futures_trade_lite.json", "futures_account_config_update_leverage.json",
        "futures_account_config_update_multi_assets.json", "futures_trade_lite_combined.json"}) {
    msgs.push_back(example(f));
    ASSERT_FALSE(msgs.back().empty()) << f;
  }
  msgs.push_back(R"({"subscriptionId":1,"event":{"e":"someNewEvent2027","E":1}})");
  msgs.push_back(R"({"id":"x","status":200,"result":{"subscriptionId":0}})");
  msgs.push_back(R"({"e":"executionReport","E":1,"s":"ETHBTC")");  // truncated
  msgs.push_back(R"({"e":"TRADE_LITE","E":1,"T":2,"s":"BTCUSDT","q":"1","p":"2","m":true,"c":"x","S":"SELL",)"
                 R"("L":"3","l":"1","t":9007199254740993,"i":9223372036854775807})");
  // Caller buffers with padding, as a WebSocket reader would hand them over.
  std::vector<std::vector<char>> padded;
  for (const std::string& m : msgs) {
    padded.emplace_back(m.size() + UserDataDecoder::kPadding, '\0');
    std::memcpy(padded.back().data(), m.data(), m.size());
  }

  UserDataDecoder d;
  uint64_t ok = 0;
  for (const std::string& m : msgs) ok += d.decode(m).ok();  // warm-up
  const uint64_t before = testing::allocation_count();
  for (int pass = 0; pass < 2'000; ++pass) {
    for (std::size_t i = 0; i < msgs.size(); ++i) {
      ok += d.decode(msgs[i]).ok();
      ok += d.decode_padded(padded[i].data(), msgs[i].size(), padded[i].size()).ok();
    }
  }
  const uint64_t allocs = testing::allocation_count() - before;
  EXPECT_EQ(allocs, 0u);
  // The measured loop really decoded events (19 of the messages are events: listStatus is ignored).
  EXPECT_EQ(ok, 19u * (1 + 2 * 2'000));
  EXPECT_GT(d.counters().kind(UserEventKind::kUnknown), 4'000u);
  EXPECT_GT(d.counters().kind(UserEventKind::kError), 4'000u);
}

}  // namespace
}  // namespace dmabot::binance
