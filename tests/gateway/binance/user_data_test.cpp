// gateway/binance/user_data.h: every example of Binance's docs decodes to the values printed in the
// docs (tests/data/binance_user_data/, expected values read off that text), encode -> decode round
// trips, ids above 2^53, envelopes, unknown/malformed/truncated input, padding independence.
#include "gateway/binance/user_data.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/common/test_data.h"

namespace dmabot::binance {
namespace {

using core::Price;
using core::Qty;
using K = UserEventKind;

constexpr int64_t kMs = 1'000'000;  // ns per ms

std::string example(std::string_view name) {
  const std::string path = testdata::source_dir() + "/tests/data/binance_user_data/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Price px(std::string_view s) {
  Price p;
  EXPECT_EQ(Price::parse_signed(s, p), core::DecimalError::kOk) << s;
  return p;
}
Qty qty(std::string_view s) {
  Qty q;
  EXPECT_EQ(Qty::parse_signed(s, q), core::DecimalError::kOk) << s;
  return q;
}

std::string describe(const UserDataResult& r) {
  return std::string(to_string(r.kind)) + "/" + std::string(to_string(r.error)) + " field '" + std::string(r.field) +
         "'";
}

// ---- docs examples -------------------------------------------------------------------------------

TEST(UserDataDocs, SpotExecutionReport) {
  UserDataDecoder d;
  const UserDataResult r = d.decode(example("spot_execution_report.json"));
  ASSERT_EQ(r.kind, K::kExecutionReport) << describe(r);
  EXPECT_EQ(r.envelope, Envelope::kWsApi);
  EXPECT_EQ(r.subscription_id, 0);
  const ExecutionReport& e = d.execution_report();
  EXPECT_EQ(e.event_time, 1499405658658 * kMs);
  EXPECT_EQ(e.symbol, "ETHBTC");
  EXPECT_EQ(e.client_order_id, "mUvoqJxFIILMdfAW5iGSOW");
  EXPECT_EQ(e.side, OrderSide::kBuy);
  EXPECT_EQ(e.order_type, OrderType::kLimit);
  EXPECT_TRUE(e.order_type_known);
  EXPECT_EQ(e.time_in_force, TimeInForce::kGtc);
  EXPECT_EQ(e.orig_qty, Qty::from_units(1));
  EXPECT_EQ(e.price.raw, 10264410);  // "0.10264410"
  EXPECT_EQ(e.stop_price.raw, 0);
  EXPECT_EQ(e.iceberg_qty.raw, 0);
  EXPECT_EQ(e.order_list_id, -1);
  EXPECT_EQ(e.orig_client_order_id, "");
  EXPECT_EQ(e.execution_type, ExecutionType::kNew);
  EXPECT_EQ(e.status, OrderStatus::kNew);
  EXPECT_EQ(e.reject_reason, "NONE");
  EXPECT_EQ(e.order_id, 4293153);
  EXPECT_EQ(e.last_qty.raw, 0);
  EXPECT_EQ(e.cum_qty.raw, 0);
  EXPECT_EQ(e.last_price.raw, 0);
  EXPECT_EQ(e.commission.raw, 0);
  EXPECT_EQ(e.commission_asset, "");  // "N": null
  EXPECT_EQ(e.transaction_time, 1499405658657 * kMs);
  EXPECT_EQ(e.trade_id, -1);
  EXPECT_EQ(e.prevented_match_id, 3);
  EXPECT_EQ(e.execution_id, 8641984);
  EXPECT_TRUE(e.is_working);
  EXPECT_FALSE(e.is_maker);
  EXPECT_EQ(e.order_time, 1499405658657 * kMs);
  EXPECT_EQ(e.cum_quote_qty.raw, 0);
  EXPECT_EQ(e.working_time, 1499405658657 * kMs);
  EXPECT_EQ(e.stp_mode, "NONE");
}

TEST(UserDataDocs, SpotAccountPosition) {
  UserDataDecoder d;
  UserDataResult r = d.decode(example("spot_account_position.json"));
  ASSERT_EQ(r.kind, K::kAccountPosition) << describe(r);
  const AccountPosition& a = d.account_position();
  EXPECT_EQ(a.event_time, 1564034571105 * kMs);
  EXPECT_EQ(a.last_update_time, 1564034571073 * kMs);
  ASSERT_EQ(a.balances().size(), 1u);
  EXPECT_EQ(a.balances()[0].asset, "ETH");
  EXPECT_EQ(a.balances()[0].free, Qty::from_units(10000));
  EXPECT_EQ(a.balances()[0].locked.raw, 0);

  r = d.decode(example("spot_account_position_ws_api.json"));  // pretty-printed, two assets
  ASSERT_EQ(r.kind, K::kAccountPosition) << describe(r);
  ASSERT_EQ(a.balances().size(), 2u);
  EXPECT_EQ(a.event_time, 1728972148778 * kMs);
  EXPECT_EQ(a.balances()[0].asset, "BTC");
  EXPECT_EQ(a.balances()[0].free, Qty::from_units(11818));
  EXPECT_EQ(a.balances()[0].locked, Qty::from_units(182));
  EXPECT_EQ(a.balances()[1].asset, "USDT");
  EXPECT_EQ(a.balances()[1].free, Qty::from_units(10580));
  EXPECT_EQ(a.balances()[1].locked, Qty::from_units(70));
}

TEST(UserDataDocs, SpotBalanceAndExternalLockUpdate) {
  UserDataDecoder d;
  UserDataResult r = d.decode(example("spot_balance_update.json"));
  ASSERT_EQ(r.kind, K::kBalanceUpdate) << describe(r);
  EXPECT_EQ(d.balance_update().event_time, 1573200697110 * kMs);
  EXPECT_EQ(d.balance_update().asset, "BTC");
  EXPECT_EQ(d.balance_update().delta, Qty::from_units(100));
  EXPECT_EQ(d.balance_update().clear_time, 1573200697068 * kMs);

  r = d.decode(example("spot_external_lock_update.json"));
  ASSERT_EQ(r.kind, K::kExternalLockUpdate) << describe(r);
  EXPECT_EQ(d.balance_update().asset, "NEO");
  EXPECT_EQ(d.balance_update().delta, Qty::from_units(10));
  EXPECT_EQ(d.balance_update().clear_time, 1581557507268 * kMs);
}

TEST(UserDataDocs, SpotStreamTerminatedAndListStatus) {
  UserDataDecoder d;
  UserDataResult r = d.decode(example("spot_event_stream_terminated.json"));
  ASSERT_EQ(r.kind, K::kEventStreamTerminated) << describe(r);
  EXPECT_EQ(d.stream_event().event_time, 1728973001334 * kMs);

  r = d.decode(example("spot_list_status.json"));
  EXPECT_EQ(r.kind, K::kIgnored) << describe(r);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(d.event_type(), "listStatus");
  EXPECT_EQ(d.counters().kind(K::kIgnored), 1u);
}

TEST(UserDataDocs, ServerShutdownInEveryEnvelope) {
  UserDataDecoder d;
  UserDataResult r = d.decode(example("ws_api_server_shutdown.json"));
  ASSERT_EQ(r.kind, K::kServerShutdown) << describe(r);
  EXPECT_EQ(r.envelope, Envelope::kWsApi);
  EXPECT_EQ(r.subscription_id, -1);  // the WS API sends it without a subscriptionId
  EXPECT_EQ(d.stream_event().event_time, 1770123456789 * kMs);

  r = d.decode(example("stream_server_shutdown_raw.json"));
  ASSERT_EQ(r.kind, K::kServerShutdown) << describe(r);
  EXPECT_EQ(r.envelope, Envelope::kBare);

  r = d.decode(example("stream_server_shutdown_combined.json"));
  ASSERT_EQ(r.kind, K::kServerShutdown) << describe(r);
  EXPECT_EQ(r.envelope, Envelope::kCombined);
  EXPECT_EQ(d.stream(), "!serverShutdown");
  EXPECT_EQ(d.stream_event().event_time, 1770123456789 * kMs);
}

TEST(UserDataDocs, FuturesOrderTradeUpdate) {
  UserDataDecoder d;
  const UserDataResult r = d.decode(example("futures_order_trade_update.json"));
  ASSERT_EQ(r.kind, K::kOrderTradeUpdate) << describe(r);
  EXPECT_EQ(r.envelope, Envelope::kBare);
  const OrderTradeUpdate& o = d.order_trade_update();
  EXPECT_EQ(o.event_time, 1568879465651 * kMs);
  EXPECT_EQ(o.transaction_time, 1568879465650 * kMs);
  EXPECT_EQ(o.symbol, "BTCUSDT");
  EXPECT_EQ(o.client_order_id, "TEST");
  EXPECT_EQ(o.side, OrderSide::kSell);
  EXPECT_EQ(o.order_type, OrderType::kTrailingStopMarket);
  EXPECT_EQ(o.time_in_force, TimeInForce::kGtc);
  EXPECT_EQ(o.orig_qty, qty("0.001"));
  EXPECT_EQ(o.price.raw, 0);
  EXPECT_EQ(o.avg_price.raw, 0);
  EXPECT_EQ(o.stop_price, px("7103.04"));
  EXPECT_EQ(o.execution_type, ExecutionType::kExpired);
  EXPECT_EQ(o.status, OrderStatus::kExpiredInMatch);
  EXPECT_EQ(o.order_id, 8886774);
  EXPECT_EQ(o.commission_asset, "USDT");
  EXPECT_EQ(o.commission.raw, 0);
  EXPECT_EQ(o.trade_time, 1568879465650 * kMs);
  EXPECT_EQ(o.trade_id, 0);
  EXPECT_EQ(o.bid_notional.raw, 0);
  EXPECT_EQ(o.ask_notional, qty("9.91"));
  EXPECT_FALSE(o.is_maker);
  EXPECT_FALSE(o.reduce_only);
  EXPECT_EQ(o.working_type, "CONTRACT_PRICE");
  EXPECT_TRUE(o.orig_type_known);
  EXPECT_EQ(o.orig_type, OrderType::kTrailingStopMarket);
  EXPECT_EQ(o.position_side, PositionSide::kLong);
  EXPECT_FALSE(o.close_position);
  EXPECT_EQ(o.activation_price, px("7476.89"));
  EXPECT_EQ(o.callback_rate, px("5"));
  EXPECT_FALSE(o.price_protect);
  EXPECT_EQ(o.realized_profit.raw, 0);
  EXPECT_EQ(o.stp_mode, "EXPIRE_MAKER");
  EXPECT_EQ(o.price_match, "QUEUE");
  EXPECT_EQ(o.good_till, 1768879465650 * kMs);
}

TEST(UserDataDocs, FuturesAccountUpdate) {
  UserDataDecoder d;
  UserDataResult r = d.decode(example("futures_account_update.json"));
  ASSERT_EQ(r.kind, K::kAccountUpdate) << describe(r);
  const AccountUpdate& a = d.account_update();
  EXPECT_EQ(a.event_time, 1564745798939 * kMs);
  EXPECT_EQ(a.transaction_time, 1564745798938 * kMs);
  EXPECT_EQ(a.reason, "ORDER");
  ASSERT_EQ(a.balances().size(), 2u);
  EXPECT_EQ(a.balances()[0].asset, "USDT");
  EXPECT_EQ(a.balances()[0].wallet_balance.raw, 12262412345678);
  EXPECT_EQ(a.balances()[0].cross_wallet_balance.raw, 10012345678);
  EXPECT_EQ(a.balances()[0].balance_change.raw, 5012345678);
  EXPECT_EQ(a.balances()[1].asset, "BUSD");
  EXPECT_EQ(a.balances()[1].balance_change.raw, -4912345678);
  ASSERT_EQ(a.positions().size(), 1u);
  const FuturesPosition& p = a.positions()[0];
  EXPECT_EQ(p.symbol, "BTCUSDT");
  EXPECT_EQ(p.amount.raw, 0);
  EXPECT_EQ(p.accumulated_realized, Qty::from_units(200));
  EXPECT_EQ(p.margin_type, MarginType::kIsolated);
  EXPECT_EQ(p.position_side, PositionSide::kBoth);

  // Keys in another order ("m" last), no "bc", an empty "P".
  r = d.decode(example("futures_account_update_deposit.json"));
  ASSERT_EQ(r.kind, K::kAccountUpdate) << describe(r);
  EXPECT_EQ(a.reason, "DEPOSIT");
  EXPECT_EQ(a.event_time, 1603093193284 * kMs);
  ASSERT_EQ(a.balances().size(), 1u);
  EXPECT_EQ(a.balances()[0].asset, "BNB");
  EXPECT_EQ(a.balances()[0].wallet_balance.raw, 2575839);
  EXPECT_EQ(a.balances()[0].balance_change.raw, 0);
  EXPECT_TRUE(a.positions().empty());
}

TEST(UserDataDocs, FuturesMarginCall) {
  UserDataDecoder d;
  const UserDataResult r = d.decode(example("futures_margin_call.json"));
  ASSERT_EQ(r.kind, K::kMarginCall) << describe(r);
  const MarginCall& m = d.margin_call();
  EXPECT_EQ(m.event_time, 1587727187525 * kMs);
  EXPECT_TRUE(m.has_cross_wallet);
  EXPECT_EQ(m.cross_wallet_balance.raw, 316812045);
  ASSERT_EQ(m.positions().size(), 1u);
  const MarginCallPosition& p = m.positions()[0];
  EXPECT_EQ(p.symbol, "ETHUSDT");
  EXPECT_EQ(p.position_side, PositionSide::kLong);
  EXPECT_EQ(p.amount, qty("1.327"));
  EXPECT_EQ(p.margin_type, MarginType::kCross);
  EXPECT_EQ(p.isolated_wallet.raw, 0);
  EXPECT_EQ(p.mark_price, px("187.17127"));
  EXPECT_EQ(p.unrealized_pnl.raw, -116607400);
  EXPECT_EQ(p.maint_margin, qty("1.614445"));
}

TEST(UserDataDocs, FuturesListenKeyExpiredWithStringTime) {
  UserDataDecoder d;
  const UserDataResult r = d.decode(example("futures_listen_key_expired.json"));
  ASSERT_EQ(r.kind, K::kListenKeyExpired) << describe(r);
  EXPECT_EQ(d.listen_key_expired().event_time, 1736996475556 * kMs);
  EXPECT_EQ(d.listen_key_expired().listen_key, "WsCMN0a4KHUPTQuX6IUnqEZfB1inxmv1qR4kbf1LuEjur5VdbzqvyxqG9TSjVVxv");
  // The numeric form of older pages decodes too.
  ASSERT_EQ(d.decode(R"({"e":"listenKeyExpired","E":1576653824250})").kind, K::kListenKeyExpired);
  EXPECT_EQ(d.listen_key_expired().event_time, 1576653824250 * kMs);
  EXPECT_EQ(d.listen_key_expired().listen_key, "");
}

TEST(UserDataDocs, FuturesTradeLiteRawAndCombined) {
  UserDataDecoder d;
  for (const char* file : {"futures_trade_lite.json", "futures_trade_lite_combined.json"}) {
    const UserDataResult r = d.decode(example(file));
    ASSERT_EQ(r.kind, K::kTradeLite) << file << ": " << describe(r);
    const TradeLite& t = d.trade_lite();
    EXPECT_EQ(t.event_time, 1721895408092 * kMs);
    EXPECT_EQ(t.transaction_time, 1721895408214 * kMs);
    EXPECT_EQ(t.symbol, "BTCUSDT");
    EXPECT_EQ(t.orig_qty, qty("0.001"));
    EXPECT_EQ(t.orig_price.raw, 0);
    EXPECT_FALSE(t.is_maker);
    EXPECT_EQ(t.client_order_id, "z8hcUoOsqEdKMeKPSABslD");
    EXPECT_EQ(t.side, OrderSide::kBuy);
    EXPECT_EQ(t.last_price, px("64089.20"));
    EXPECT_EQ(t.last_qty, qty("0.040"));
    EXPECT_EQ(t.trade_id, 109100866);
    EXPECT_EQ(t.order_id, 8886774);
  }
  EXPECT_EQ(d.stream(), "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1");
}

TEST(UserDataDocs, FuturesAccountConfigUpdate) {
  UserDataDecoder d;
  UserDataResult r = d.decode(example("futures_account_config_update_leverage.json"));
  ASSERT_EQ(r.kind, K::kAccountConfigUpdate) << describe(r);
  EXPECT_TRUE(d.account_config_update().has_leverage);
  EXPECT_FALSE(d.account_config_update().has_multi_assets);
  EXPECT_EQ(d.account_config_update().symbol, "BTCUSDT");
  EXPECT_EQ(d.account_config_update().leverage, 25);
  EXPECT_EQ(d.account_config_update().event_time, 1611646737479 * kMs);
  EXPECT_EQ(d.account_config_update().transaction_time, 1611646737476 * kMs);

  r = d.decode(example("futures_account_config_update_multi_assets.json"));
  ASSERT_EQ(r.kind, K::kAccountConfigUpdate) << describe(r);
  EXPECT_FALSE(d.account_config_update().has_leverage);
  EXPECT_TRUE(d.account_config_update().has_multi_assets);
  EXPECT_TRUE(d.account_config_update().multi_assets);
}

// ---- ids, times, strings -------------------------------------------------------------------------

TEST(UserData, IdsAbove2Pow53AreExact) {
  // 2^53 + 1 and INT64_MAX cannot be represented by a double.
  UserDataDecoder d;
  const std::string msg =
      R"({"e":"TRADE_LITE","E":1,"T":2,"s":"BTCUSDT","q":"1","p":"2","m":true,"c":"x","S":"SELL","L":"3","l":"1",)"
      R"("t":9007199254740993,"i":9223372036854775807})";
  const UserDataResult r = d.decode(msg);
  ASSERT_EQ(r.kind, K::kTradeLite) << describe(r);
  EXPECT_EQ(d.trade_lite().trade_id, 9007199254740993);
  EXPECT_EQ(d.trade_lite().order_id, 9223372036854775807);
  // One more does not fit int64: an error naming the field, not a rounded id.
  std::string too_big = msg;
  too_big.replace(too_big.find("9223372036854775807"), 19, "9223372036854775808");
  const UserDataResult r2 = d.decode(too_big);
  EXPECT_EQ(r2.kind, K::kError);
  EXPECT_EQ(r2.error, UserDataError::kOutOfRange);
  EXPECT_EQ(r2.field, "i");
}

TEST(UserData, MicrosecondTimeUnit) {
  UserDataDecoder d(TimeUnit::kMicrosecond);
  ASSERT_EQ(d.decode(R"({"subscriptionId":3,"event":{"e":"eventStreamTerminated","E":1728973001334123}})").kind,
            K::kEventStreamTerminated);
  EXPECT_EQ(d.stream_event().event_time, 1728973001334123 * 1000);
}

TEST(UserData, EscapedAndUtf8StringsAreUnescapedIntoFixedArrays) {
  UserDataDecoder d;
  // The testnet lists symbols of CJK characters; "\u0041" is "A".
  ASSERT_EQ(d.decode(R"({"e":"balanceUpdate","E":1,"a":"\u0041币","d":"-1.5","T":2})").kind, K::kBalanceUpdate);
  EXPECT_EQ(d.balance_update().asset, "A币");
  EXPECT_EQ(d.balance_update().delta.raw, -150000000);
  // Copies: still valid after the next decode of another kind.
  const BalanceUpdate& b = d.balance_update();
  ASSERT_EQ(d.decode(example("futures_trade_lite.json")).kind, K::kTradeLite);
  EXPECT_EQ(b.asset, "A币");
}

// ---- malformed, truncated, unknown ---------------------------------------------------------------

struct BadCase {
  std::string msg;
  UserDataError error;
  std::string field;
};

TEST(UserData, MalformedInputNamesTheField) {
  const std::string er = example("spot_execution_report.json");
  auto with = [&](std::string_view from, std::string_view to) {
    std::string s = er;
    const auto at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    return s;
  };
  const std::vector<BadCase> cases = {
      {"", UserDataError::kEmpty, ""},
      {"  \n", UserDataError::kEmpty, ""},
      {"[1,2]", UserDataError::kNotObject, ""},
      {er + "x", UserDataError::kBadJson, ""},
      {R"({"e":"eventStreamTerminated","E":1} {})", UserDataError::kTrailingContent, ""},
      {with(R"("S":"BUY")", R"("S":"BUYX")"), UserDataError::kBadEnum, "S"},
      {with(R"("X":"NEW")", R"("X":5)"), UserDataError::kWrongType, "X"},
      {with(R"("q":"1.00000000")", R"("q":1.0)"), UserDataError::kWrongType, "q"},
      {with(R"("q":"1.00000000")", R"("q":"1.000000001")"), UserDataError::kTooManyDecimals, "q"},
      {with(R"("p":"0.10264410")", R"("p":"-0.1")"), UserDataError::kNegative, "p"},
      {with(R"("p":"0.10264410")", R"("p":"abc")"), UserDataError::kBadDecimal, "p"},
      {with(R"("i":4293153,)", ""), UserDataError::kMissingField, "i"},
      {with(R"("i":4293153)", R"("i":"4293153")"), UserDataError::kWrongType, "i"},
      {with(R"("E":1499405658658)", R"("E":-1)"), UserDataError::kOutOfRange, "E"},
      {with(R"("c":"mUvoqJxFIILMdfAW5iGSOW")", R"("c":")" + std::string(65, 'x') + "\""), UserDataError::kTooLong, "c"},
      {with(R"("w":true)", R"("w":"true")"), UserDataError::kWrongType, "w"},
      {R"({"e":"ORDER_TRADE_UPDATE","E":1,"T":1,"o":[]})", UserDataError::kWrongType, "o"},
      {R"({"e":5})", UserDataError::kWrongType, "e"},
      {R"({"subscriptionId":0,"event":{"E":1}})", UserDataError::kMissingField, "event.e"},
      {R"({"subscriptionId":0,"event":7})", UserDataError::kBadEnvelope, "event"},
      {R"({"event":{"e":"eventStreamTerminated","E":1},"data":{"e":"eventStreamTerminated","E":1}})",
       UserDataError::kBadEnvelope, "data"},
      {R"({"e":"MARGIN_CALL","E":1,"p":[{"s":"X","ps":"UP","pa":"1","mt":"CROSSED","mp":"1","up":"1","mm":"1"}]})",
       UserDataError::kBadEnum, "p[].ps"},
      {R"({"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"ORDER","B":[{"a":"USDT","wb":"1"}]}})",
       UserDataError::kMissingField, "a.B[].cw"},
  };
  UserDataDecoder d;
  for (const BadCase& c : cases) {
    const UserDataResult r = d.decode(c.msg);
    EXPECT_EQ(r.kind, K::kError) << c.msg;
    EXPECT_EQ(r.error, c.error) << c.msg << " -> " << describe(r);
    EXPECT_EQ(r.field, c.field) << c.msg << " -> " << describe(r);
  }
  EXPECT_EQ(d.counters().kind(K::kError), cases.size());
}

TEST(UserData, BalanceListOverflowIsAnError) {
  std::string msg = R"({"e":"outboundAccountPosition","E":1,"u":1,"B":[)";
  for (std::size_t i = 0; i <= kMaxBalances; ++i) {
    if (i) msg += ',';
    msg += R"({"a":"A)" + std::to_string(i) + R"(","f":"1","l":"0"})";
  }
  msg += "]}";
  UserDataDecoder d;
  const UserDataResult r = d.decode(msg);
  EXPECT_EQ(r.kind, K::kError);
  EXPECT_EQ(r.error, UserDataError::kTooMany);
  EXPECT_EQ(r.field, "B");
}

TEST(UserData, EveryTruncationOfEveryExampleIsAnErrorNotACrash) {
  UserDataDecoder d;
  for (const char* file :
       {"spot_execution_report.json", "futures_order_trade_update.json", "futures_account_update.json",
        "futures_margin_call.json", "spot_list_status.json", "futures_trade_lite_combined.json"}) {
    std::string full = example(file);
    while (!full.empty() && (full.back() == '\n' || full.back() == ' ')) full.pop_back();
    for (std::size_t n = 1; n < full.size(); ++n) {
      const UserDataResult r = d.decode(std::string_view(full).substr(0, n));
      EXPECT_EQ(r.kind, K::kError) << file << " cut at " << n << ": " << describe(r);
    }
  }
}

TEST(UserData, UnknownEventsAndResponsesAreCountedNotErrors) {
  UserDataDecoder d;
  UserDataResult r = d.decode(R"({"subscriptionId":1,"event":{"e":"someNewEvent2027","E":1}})");
  EXPECT_EQ(r.kind, K::kUnknown);
  EXPECT_EQ(r.error, UserDataError::kUnknownEvent);
  EXPECT_EQ(d.event_type(), "someNewEvent2027");
  r = d.decode(R"({"e":"ALGO_UPDATE","E":1,"o":{}})");
  EXPECT_EQ(r.kind, K::kIgnored);
  // A WS API response on the same connection.
  r = d.decode(R"({"id":"d3df8a21-98ea-4fe0-8f4e-0fcea5d418b7","status":200,"result":{"subscriptionId":0}})");
  EXPECT_EQ(r.kind, K::kUnknown);
  EXPECT_EQ(r.error, UserDataError::kNoEventType);
  // An unknown event that is not valid JSON is an error, not "unknown".
  r = d.decode(R"({"e":"someNewEvent2027","E":1,"x":[1,}})");
  EXPECT_EQ(r.kind, K::kError);
  EXPECT_EQ(d.counters().kind(K::kUnknown), 2u);
  EXPECT_EQ(d.counters().error(UserDataError::kUnknownEvent), 1u);
  EXPECT_EQ(d.counters().kind(K::kIgnored), 1u);
}

TEST(UserData, LenientOrderTypeKeepsTheFill) {
  UserDataDecoder d;
  std::string msg = example("futures_order_trade_update.json");
  msg.replace(msg.find(R"("o":"TRAILING_STOP_MARKET")"), 26, R"("o":"LIQUIDATION")");
  msg.replace(msg.find(R"("f":"GTC")"), 9, R"("f":"GTE_GTC")");
  const UserDataResult r = d.decode(msg);
  ASSERT_EQ(r.kind, K::kOrderTradeUpdate) << describe(r);
  EXPECT_FALSE(d.order_trade_update().order_type_known);
  EXPECT_FALSE(d.order_trade_update().time_in_force_known);
  EXPECT_EQ(d.order_trade_update().order_id, 8886774);
}

TEST(UserData, KeysInAnyOrder) {
  UserDataDecoder d;
  // "e" last, envelope keys reversed.
  UserDataResult r = d.decode(R"({"event":{"E":1728973001334,"e":"eventStreamTerminated"},"subscriptionId":7})");
  ASSERT_EQ(r.kind, K::kEventStreamTerminated) << describe(r);
  EXPECT_EQ(r.subscription_id, 7);
  EXPECT_EQ(d.stream_event().event_time, 1728973001334 * kMs);
  r = d.decode(R"({"data":{"E":5,"e":"serverShutdown"},"stream":"abc"})");
  ASSERT_EQ(r.kind, K::kServerShutdown) << describe(r);
  EXPECT_EQ(d.stream(), "abc");
}

// ---- padding independence -------------------------------------------------------------------------

TEST(UserData, SameAnswerWhateverFollowsInThePadding) {
  std::vector<std::string> inputs;
  for (const char* f : {"spot_execution_report.json", "futures_order_trade_update.json", "futures_account_update.json",
                        "futures_listen_key_expired.json", "spot_list_status.json"}) {
    std::string s = example(f);
    while (!s.empty() && s.back() == '\n') s.pop_back();
    inputs.push_back(s);
    for (std::size_t cut : {s.size() / 3, s.size() - 1, s.size() - 2}) inputs.push_back(s.substr(0, cut));
  }
  inputs.push_back(R"({"e":"eventStreamTerminated","E":17)");
  inputs.push_back(R"({"e":"eventStreamTerminated","E":17})");
  inputs.push_back(R"({"e":"eventStreamTerminated","E":tru)");
  UserDataDecoder plain, padded;
  for (const std::string& in : inputs) {
    const UserDataResult want = plain.decode(in);
    for (char fill : {'\0', '7', '"', '}', ' ', ']', 'e'}) {
      std::vector<char> buf(in.size() + UserDataDecoder::kPadding, fill);
      std::memcpy(buf.data(), in.data(), in.size());
      const UserDataResult got = padded.decode_padded(buf.data(), in.size(), buf.size());
      EXPECT_EQ(got.kind, want.kind) << in << " fill '" << fill << "': " << describe(got) << " vs " << describe(want);
      EXPECT_EQ(got.error, want.error) << in << " fill '" << fill << "'";
      EXPECT_EQ(got.field, want.field) << in << " fill '" << fill << "'";
      if (want.kind == K::kExecutionReport) {
        EXPECT_EQ(padded.execution_report().order_id, plain.execution_report().order_id);
        EXPECT_EQ(padded.execution_report().event_time, plain.execution_report().event_time);
      }
    }
  }
}

// ---- encode -> decode ----------------------------------------------------------------------------

TEST(UserDataEncode, DocsExamplesReencodeToTheSameValues) {
  // Decode a docs example, encode it, decode the encoding: the same event.
  UserDataDecoder d, d2;
  std::string out;
  ASSERT_EQ(d.decode(example("spot_execution_report.json")).kind, K::kExecutionReport);
  out.clear();
  encode_execution_report(d.execution_report(), out);
  std::string wrapped;
  wrap_ws_api_event(out, 0, wrapped);
  UserDataResult r = d2.decode(wrapped);
  ASSERT_EQ(r.kind, K::kExecutionReport) << describe(r) << " " << wrapped;
  EXPECT_EQ(r.subscription_id, 0);
  EXPECT_TRUE(d.execution_report() == d2.execution_report()) << wrapped;
}

TEST(UserDataEncode, SpotExecutionReportLooksLikeTheDocs) {
  // The docs' example, rebuilt field by field, encodes to the docs' text (comments and spaces
  // removed) — field order, strings vs numbers, null commission asset.
  ExecutionReport e;
  e.event_time = 1499405658658 * kMs;
  ASSERT_TRUE(e.symbol.assign("ETHBTC"));
  ASSERT_TRUE(e.client_order_id.assign("mUvoqJxFIILMdfAW5iGSOW"));
  e.orig_qty = Qty::from_units(1);
  e.price.raw = 10264410;
  e.order_id = 4293153;
  e.transaction_time = 1499405658657 * kMs;
  e.prevented_match_id = 3;
  e.execution_id = 8641984;
  e.is_working = true;
  e.order_time = 1499405658657 * kMs;
  e.working_time = 1499405658657 * kMs;
  std::string out;
  encode_execution_report(e, out);
  std::string want = example("spot_execution_report.json");
  want = want.substr(want.find("\"event\":") + 8);
  while (want.back() == '\n') want.pop_back();
  want.pop_back();  // the envelope's closing brace
  EXPECT_EQ(out, want);
}

TEST(UserDataEncode, FuturesExamplesRoundTrip) {
  UserDataDecoder d, d2;
  struct Case {
    const char* file;
    K kind;
  };
  for (const Case& c :
       {Case{"futures_order_trade_update.json", K::kOrderTradeUpdate},
        Case{"futures_account_update.json", K::kAccountUpdate}, Case{"futures_margin_call.json", K::kMarginCall},
        Case{"futures_listen_key_expired.json", K::kListenKeyExpired}, Case{"futures_trade_lite.json", K::kTradeLite},
        Case{"futures_account_config_update_leverage.json", K::kAccountConfigUpdate},
        Case{"futures_account_config_update_multi_assets.json", K::kAccountConfigUpdate}}) {
    ASSERT_EQ(d.decode(example(c.file)).kind, c.kind) << c.file;
    std::string out;
    switch (c.kind) {
      case K::kOrderTradeUpdate:
        encode_order_trade_update(d.order_trade_update(), out);
        break;
      case K::kAccountUpdate:
        encode_account_update(d.account_update(), out);
        break;
      case K::kMarginCall:
        encode_margin_call(d.margin_call(), out);
        break;
      case K::kListenKeyExpired:
        encode_listen_key_expired(d.listen_key_expired(), out);
        break;
      case K::kTradeLite:
        encode_trade_lite(d.trade_lite(), out);
        break;
      default:
        encode_account_config_update(d.account_config_update(), out);
        break;
    }
    std::string combined;
    wrap_combined("pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1", out, combined);
    for (const std::string* msg : {&out, &combined}) {
      const UserDataResult r = d2.decode(*msg);
      ASSERT_EQ(r.kind, c.kind) << describe(r) << " " << *msg;
      bool same = false;
      switch (c.kind) {
        case K::kOrderTradeUpdate:
          same = d.order_trade_update() == d2.order_trade_update();
          break;
        case K::kAccountUpdate:
          same = d.account_update() == d2.account_update();
          break;
        case K::kMarginCall:
          same = d.margin_call() == d2.margin_call();
          break;
        case K::kListenKeyExpired:
          same = d.listen_key_expired() == d2.listen_key_expired();
          break;
        case K::kTradeLite:
          same = d.trade_lite() == d2.trade_lite();
          break;
        default:
          same = d.account_config_update() == d2.account_config_update();
          break;
      }
      EXPECT_TRUE(same) << c.file << " -> " << *msg;
    }
  }
}

TEST(UserDataEncode, FuturesTradeLiteLooksLikeTheDocs) {
  UserDataDecoder d;
  ASSERT_EQ(d.decode(example("futures_trade_lite.json")).kind, K::kTradeLite);
  std::string out;
  encode_trade_lite(d.trade_lite(), out);
  // The docs print "L":"64089.20" and "l":"0.040" (the symbol's precision); the encoder writes the
  // shortest exact form. Everything else is the docs' text.
  EXPECT_EQ(out, R"({"e":"TRADE_LITE","E":1721895408092,"T":1721895408214,"s":"BTCUSDT","q":"0.001","p":"0","m":false,)"
                 R"("c":"z8hcUoOsqEdKMeKPSABslD","S":"BUY","L":"64089.2","l":"0.04","t":109100866,"i":8886774})");
}

TEST(UserDataEncode, SpotEventsRoundTripInMicroseconds) {
  UserDataDecoder us(TimeUnit::kMicrosecond);
  AccountPosition a;
  a.event_time = 1728972148778123000;
  a.last_update_time = 1728972148778456000;
  a.count = 2;
  ASSERT_TRUE(a.entries[0].asset.assign("BTC"));
  a.entries[0].free = qty("11818");
  a.entries[0].locked = qty("182.5");
  ASSERT_TRUE(a.entries[1].asset.assign("USDT"));
  a.entries[1].free = qty("0.00000001");
  std::string ev, msg;
  encode_account_position(a, ev, TimeUnit::kMicrosecond);
  EXPECT_NE(ev.find(R"("E":1728972148778123,)"), std::string::npos) << ev;
  EXPECT_NE(ev.find(R"("l":"182.50000000")"), std::string::npos) << ev;  // spot: 8 decimals
  wrap_ws_api_event(ev, 4, msg);
  const UserDataResult r = us.decode(msg);
  ASSERT_EQ(r.kind, K::kAccountPosition) << describe(r) << " " << msg;
  EXPECT_EQ(r.subscription_id, 4);
  EXPECT_TRUE(us.account_position() == a) << msg;

  for (auto enc : {&encode_balance_update, &encode_external_lock_update}) {
    BalanceUpdate b;
    b.event_time = 1'000'000'123'000;
    b.clear_time = 2'000'000'456'000;
    ASSERT_TRUE(b.asset.assign("BTC"));
    b.delta = qty("-0.5");
    ev.clear();
    enc(b, ev, TimeUnit::kMicrosecond);
    ASSERT_TRUE(us.decode(ev).ok()) << ev;
    EXPECT_TRUE(us.balance_update() == b) << ev;
  }
  ev.clear();
  encode_server_shutdown(StreamEvent{1770123456789000}, ev, TimeUnit::kMicrosecond);
  msg.clear();
  wrap_ws_api_event(ev, -1, msg);
  EXPECT_EQ(msg, R"({"event":{"e":"serverShutdown","E":1770123456789}})");
  ev.clear();
  encode_event_stream_terminated(StreamEvent{1728973001334 * kMs}, ev);
  EXPECT_EQ(ev, R"({"e":"eventStreamTerminated","E":1728973001334})");
}

}  // namespace
}  // namespace dmabot::binance
