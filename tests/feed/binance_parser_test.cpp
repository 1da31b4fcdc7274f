// Tests for feed/binance_parser.h on hand-written messages: every message kind, field order,
// every error reason, exact ids above 2^53, buffer reuse. Expected raw values are worked out by
// hand: raw = decimal value * 1e8; Binance ms times * 1e6 = ns.
#include "feed/binance_parser.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/internal/swar_digits.h"
#include "core/symbol_table.h"
#include "feed/internal/book_ticker_scan.h"
#include "feed/internal/capture_line.h"
#include "feed/internal/fast_decimal.h"
#include "tests/common/test_data.h"

namespace dmabot::feed {
namespace {

using core::Side;

// Spot line 3 of spot_btcusdt_20240808 (the JSON part).
constexpr std::string_view kSpotTicker =
    R"({"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}})";
// Spot bookTicker payload with a placeholder for one field's text, for the error tests.
std::string spot_ticker_with(std::string_view u, std::string_view b, std::string_view bq,
                             std::string_view a = "\"2.5\"", std::string_view aq = "\"1\"") {
  return std::string(R"({"stream":"btcusdt@bookTicker","data":{"u":)") + std::string(u) + R"(,"s":"BTCUSDT","b":)" +
         std::string(b) + R"(,"B":)" + std::string(bq) + R"(,"a":)" + std::string(a) + R"(,"A":)" + std::string(aq) +
         "}}";
}

class ParserTest : public ::testing::Test {
 protected:
  ParserTest() : btc_(symbols_.add("BTCUSDT")), parser_(symbols_, /*allow_new_symbols=*/false, /*feed_id=*/3) {}

  ParseResult parse(std::string_view msg, core::UnixNanos ts_local = 42) { return parser_.parse(msg, ts_local); }

  core::SymbolTable symbols_;
  core::SymbolId btc_;
  BinanceParser parser_;
};

TEST_F(ParserTest, SpotBookTickerCombinedStream) {
  const ParseResult r = parse(kSpotTicker, 1723161254087891268);
  ASSERT_EQ(r.kind, MsgKind::kMdTick) << to_string(r.error) << " " << r.field;
  EXPECT_TRUE(r.ok());
  const core::MdTick& t = parser_.tick();
  EXPECT_EQ(t.update_id, 50093239212u);
  EXPECT_EQ(t.bid.raw, 6'183'763'000'000);  // 61837.63 * 1e8
  EXPECT_EQ(t.bid_qty.raw, 378'826'000);    // 3.78826 * 1e8
  EXPECT_EQ(t.ask.raw, 6'183'764'000'000);  // 61837.64 * 1e8
  EXPECT_EQ(t.ask_qty.raw, 154'698'000);    // 1.54698 * 1e8
  EXPECT_EQ(t.ts_exchange, 0);              // spot bookTicker has no event time
  EXPECT_EQ(t.ts_local, 1723161254087891268);
  EXPECT_EQ(t.symbol, btc_);
  EXPECT_EQ(t.feed, 3);
}

TEST_F(ParserTest, FuturesBookTickerBareEvent) {
  const ParseResult r = parse(
      R"({"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314})");
  ASSERT_EQ(r.kind, MsgKind::kMdTick);
  const core::MdTick& t = parser_.tick();
  EXPECT_EQ(t.update_id, 5123107839020u);
  EXPECT_EQ(t.bid.raw, 6'180'020'000'000);  // 61800.20 * 1e8
  EXPECT_EQ(t.bid_qty.raw, 250'700'000);    // 2.507 * 1e8
  EXPECT_EQ(t.ask.raw, 6'180'030'000'000);
  EXPECT_EQ(t.ask_qty.raw, 251'000'000);
  EXPECT_EQ(t.ts_exchange, 1'723'161'256'314'000'000);  // E (not T) in ms * 1e6
}

TEST_F(ParserTest, FieldOrderDoesNotMatter) {
  // Same content as kSpotTicker, keys reversed and the "data" member before "stream".
  const ParseResult r = parse(
      R"({"data":{"A":"1.54698000","a":"61837.64000000","B":"3.78826000","b":"61837.63000000","s":"BTCUSDT","u":50093239212},"stream":"btcusdt@bookTicker"})");
  ASSERT_EQ(r.kind, MsgKind::kMdTick);
  EXPECT_EQ(parser_.tick().update_id, 50093239212u);
  EXPECT_EQ(parser_.tick().bid.raw, 6'183'763'000'000);
  EXPECT_EQ(parser_.tick().ask_qty.raw, 154'698'000);
  // A bare spot bookTicker (raw stream, no wrapper, no "e") is recognised by its shape.
  ASSERT_EQ(parse(R"({"u":7,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"})").kind, MsgKind::kMdTick);
  EXPECT_EQ(parser_.tick().ask.raw, 300'000'000);
  // Whitespace between tokens is fine.
  ASSERT_EQ(
      parse(" { \"u\" : 7 , \"s\" : \"BTCUSDT\" , \"b\" : \"1\" , \"B\" : \"2\" , \"a\" : \"3\" , \"A\" : \"4\" } \n")
          .kind,
      MsgKind::kMdTick);
  EXPECT_EQ(parser_.tick().bid_qty.raw, 200'000'000);
}

TEST_F(ParserTest, SpotTradeBuyerMakerMeansSellAggressor) {
  const ParseResult r = parse(
      R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}})",
      9);
  ASSERT_EQ(r.kind, MsgKind::kTrade);
  const core::Trade& t = parser_.trade();
  EXPECT_EQ(t.trade_id, 3735683259u);
  EXPECT_EQ(t.price.raw, 6'183'763'000'000);
  EXPECT_EQ(t.qty.raw, 2'000'000);  // 0.02 * 1e8
  EXPECT_EQ(t.aggressor, Side::kSell);
  EXPECT_EQ(t.ts_exchange, 1'723'161'255'343'000'000);
  EXPECT_EQ(t.ts_local, 9);
  EXPECT_EQ(t.symbol, btc_);
}

TEST_F(ParserTest, FuturesTradeBuyerTakerAndAggTrade) {
  ASSERT_EQ(
      parse(
          R"({"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,"p":"61800.30","q":"0.006","X":"MARKET","m":false})")
          .kind,
      MsgKind::kTrade);
  EXPECT_EQ(parser_.trade().aggressor, Side::kBuy);
  EXPECT_EQ(parser_.trade().qty.raw, 600'000);  // 0.006 * 1e8

  // aggTrade: "a" is the aggregate trade id (a number, not an ask price).
  const ParseResult r = parse(
      R"({"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1672515782136,"s":"BTCUSDT","a":12345,"p":"0.001","q":"100","f":100,"l":105,"T":1672515782136,"m":true}})");
  ASSERT_EQ(r.kind, MsgKind::kTrade) << to_string(r.error) << r.field;
  EXPECT_EQ(parser_.trade().trade_id, 12345u);
  EXPECT_EQ(parser_.trade().price.raw, 100'000);       // 0.001 * 1e8
  EXPECT_EQ(parser_.trade().qty.raw, 10'000'000'000);  // 100 * 1e8
  EXPECT_EQ(parser_.trade().aggressor, Side::kSell);
}

TEST_F(ParserTest, MarkPriceWithSignedFundingRate) {
  const ParseResult r = parse(
      R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1680652800010,"s":"BTCUSDT","p":"28155.10000000","P":"28141.47600845","i":"28165.04857143","r":"-0.00002760","T":1680652800000}})");
  ASSERT_EQ(r.kind, MsgKind::kMarkPrice);
  const core::MarkPrice& m = parser_.mark_price();
  EXPECT_EQ(m.mark.raw, 2'815'510'000'000);   // 28155.10 * 1e8
  EXPECT_EQ(m.index.raw, 2'816'504'857'143);  // 28165.04857143 * 1e8
  EXPECT_EQ(m.funding_rate_raw, -2'760);      // -0.0000276 * 1e8
  EXPECT_EQ(m.next_funding_time, 1'680'652'800'000'000'000);
  EXPECT_EQ(m.ts_exchange, 1'680'652'800'010'000'000);
  // Delivery contracts send an empty funding rate: no funding.
  ASSERT_EQ(parse(R"({"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","i":"1","r":"","T":0})").kind,
            MsgKind::kMarkPrice);
  EXPECT_EQ(parser_.mark_price().funding_rate_raw, 0);
}

TEST_F(ParserTest, FuturesDepthUpdateKeepsAllLevelsInOrder) {
  const ParseResult r = parse(
      R"({"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1680652800016,"T":1680652800009,"s":"BTCUSDT","U":2710249412206,"u":2710249413621,"pu":2710249412032,"b":[["22300.00","2.788"],["27577.40","0.000"],["28023.80","1.638"]],"a":[["28155.20","3.793"]]}})");
  ASSERT_EQ(r.kind, MsgKind::kDepth);
  const DepthUpdate& d = parser_.depth();
  EXPECT_EQ(d.first_update_id, 2710249412206u);
  EXPECT_EQ(d.last_update_id, 2710249413621u);
  EXPECT_EQ(d.prev_update_id, 2710249412032u);
  EXPECT_EQ(d.ts_exchange, 1'680'652'800'016'000'000);
  EXPECT_EQ(d.ts_transaction, 1'680'652'800'009'000'000);
  ASSERT_EQ(d.bids.size(), 3u);
  ASSERT_EQ(d.asks.size(), 1u);
  EXPECT_EQ(d.bids[0].price.raw, 2'230'000'000'000);  // 22300 * 1e8, first as sent (not best)
  EXPECT_EQ(d.bids[0].qty.raw, 278'800'000);          // 2.788 * 1e8
  EXPECT_EQ(d.bids[1].qty.raw, 0);                    // removal
  EXPECT_EQ(d.bids[2].price.raw, 2'802'380'000'000);
  EXPECT_EQ(d.asks[0].price.raw, 2'815'520'000'000);
  EXPECT_EQ(d.asks[0].qty.raw, 379'300'000);

  // Spot: no "pu", no "T"; an empty side is allowed.
  ASSERT_EQ(
      parse(
          R"({"e":"depthUpdate","E":1723161255308,"s":"BTCUSDT","U":5,"u":9,"b":[],"a":[["61838.04000000","0.32332000"]]})")
          .kind,
      MsgKind::kDepth);
  EXPECT_EQ(parser_.depth().prev_update_id, 0u);
  EXPECT_EQ(parser_.depth().ts_transaction, 0);
  EXPECT_TRUE(parser_.depth().bids.empty());
  ASSERT_EQ(parser_.depth().asks.size(), 1u);
  EXPECT_EQ(parser_.depth().asks[0].qty.raw, 32'332'000);  // 0.32332 * 1e8
}

TEST_F(ParserTest, DepthSnapshotRestAndPartialBook) {
  // REST /fapi/v1/depth: no symbol in the message.
  ParseResult r = parse(
      R"({"lastUpdateId":5123107852948,"E":1723161256501,"T":1723161256493,"bids":[["61800.20","2.909"],["61800.10","0.696"]],"asks":[["61800.30","1.072"]]})");
  ASSERT_EQ(r.kind, MsgKind::kSnapshot);
  const DepthSnapshot& s = parser_.snapshot();
  EXPECT_EQ(s.last_update_id, 5123107852948u);
  EXPECT_EQ(s.symbol, core::kNoSymbol);
  EXPECT_EQ(s.ts_exchange, 1'723'161'256'501'000'000);
  EXPECT_EQ(s.ts_transaction, 1'723'161'256'493'000'000);
  ASSERT_EQ(s.bids.size(), 2u);
  EXPECT_EQ(s.bids[1].price.raw, 6'180'010'000'000);
  EXPECT_EQ(s.bids[1].qty.raw, 69'600'000);  // 0.696 * 1e8
  ASSERT_EQ(s.asks.size(), 1u);

  // Spot partial book stream: snapshot shape; the symbol comes from the stream name.
  r = parse(
      R"({"stream":"btcusdt@depth5@100ms","data":{"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[["0.0026","100"]]}})");
  ASSERT_EQ(r.kind, MsgKind::kSnapshot);
  EXPECT_EQ(parser_.snapshot().symbol, btc_);
  EXPECT_EQ(parser_.snapshot().asks[0].price.raw, 260'000);  // 0.0026 * 1e8
}

TEST_F(ParserTest, IdsAboveTwoToThe53AreExact) {
  // 2^53 + 1 = 9007199254740993 has no double representation; 2^64 - 1 is the largest uint64.
  ASSERT_EQ(parse(spot_ticker_with("9007199254740993", "\"1\"", "\"1\"")).kind, MsgKind::kMdTick);
  EXPECT_EQ(parser_.tick().update_id, 9'007'199'254'740'993u);
  ASSERT_EQ(parse(spot_ticker_with("18446744073709551615", "\"1\"", "\"1\"")).kind, MsgKind::kMdTick);
  EXPECT_EQ(parser_.tick().update_id, 18'446'744'073'709'551'615u);
  const ParseResult r = parse(spot_ticker_with("18446744073709551616", "\"1\"", "\"1\""));  // 2^64
  EXPECT_EQ(r.kind, MsgKind::kError);
  EXPECT_EQ(r.error, ParseError::kOutOfRange);
  EXPECT_EQ(r.field, "u");
}

struct BadCase {
  std::string msg;
  MsgKind kind;
  ParseError error;
  std::string_view field;
};

TEST_F(ParserTest, EveryErrorNamesItsReasonAndField) {
  const std::vector<BadCase> cases = {
      {"", MsgKind::kError, ParseError::kEmpty, ""},
      {" \t\r\n", MsgKind::kError, ParseError::kEmpty, ""},
      // Truncated in the middle of a value, of a key, right after the opening brace.
      {std::string(kSpotTicker.substr(0, kSpotTicker.size() - 20)), MsgKind::kError, ParseError::kBadJson, ""},
      {R"({"stream":"btcusdt@depth@100ms","data":{)", MsgKind::kError, ParseError::kBadJson, ""},
      {R"({"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1",})", MsgKind::kError, ParseError::kBadJson, ""},
      {std::string(kSpotTicker) + "}", MsgKind::kError, ParseError::kTrailingContent, ""},
      {std::string(kSpotTicker) + " {}", MsgKind::kError, ParseError::kTrailingContent, ""},
      {"[1,2]", MsgKind::kError, ParseError::kNotObject, ""},
      {"12", MsgKind::kError, ParseError::kNotObject, ""},
      // Wrong types.
      {spot_ticker_with("\"50093239212\"", "\"1\"", "\"1\""), MsgKind::kError, ParseError::kWrongType, "u"},
      {spot_ticker_with("1.5", "\"1\"", "\"1\""), MsgKind::kError, ParseError::kWrongType, "u"},
      {spot_ticker_with("-5", "\"1\"", "\"1\""), MsgKind::kError, ParseError::kOutOfRange, "u"},
      {spot_ticker_with("1", "61837.63", "\"1\""), MsgKind::kError, ParseError::kWrongType, "b"},
      {spot_ticker_with("1", "\"1\"", "null"), MsgKind::kError, ParseError::kWrongType, "B"},
      {spot_ticker_with("1", "[[\"1\",\"2\"]]", "\"1\""), MsgKind::kError, ParseError::kWrongType, "b"},
      {R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"1","q":"1","m":"true"}})",
       MsgKind::kError, ParseError::kWrongType, "m"},
      {R"({"stream":"btcusdt@trade","data":[1]})", MsgKind::kError, ParseError::kWrongType, "data"},
      {R"({"e":5,"E":1})", MsgKind::kError, ParseError::kWrongType, "e"},
      // Missing fields.
      {R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"1"}})", MsgKind::kError,
       ParseError::kMissingField, "A"},
      {R"({"e":"trade","E":1,"s":"BTCUSDT","p":"1","q":"1","m":true})", MsgKind::kError, ParseError::kMissingField,
       "t"},
      {R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[]})", MsgKind::kError, ParseError::kMissingField,
       "a"},
      {R"({"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1","i":"1","T":1})", MsgKind::kError,
       ParseError::kMissingField, "r"},
      {R"({"lastUpdateId":1,"bids":[]})", MsgKind::kError, ParseError::kMissingField, "asks"},
      // Decimals: 9 decimals, negative, junk, empty.
      {spot_ticker_with("1", "\"61837.630000001\"", "\"1\""), MsgKind::kError, ParseError::kTooManyDecimals, "b"},
      {spot_ticker_with("1", "\"1\"", "\"-1.5\""), MsgKind::kError, ParseError::kNegative, "B"},
      {spot_ticker_with("1", "\"1\"", "\"1\"", "\"1e5\""), MsgKind::kError, ParseError::kBadDecimal, "a"},
      {spot_ticker_with("1", "\"1\"", "\"1\"", "\"2\"", "\"\""), MsgKind::kError, ParseError::kBadDecimal, "A"},
      {spot_ticker_with("1", "\"99999999999999999999\"", "\"1\""), MsgKind::kError, ParseError::kOutOfRange, "b"},
      // Depth levels.
      {R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1"]],"a":[]})", MsgKind::kError,
       ParseError::kBadLevel, "b"},
      {R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":["1","2"]})", MsgKind::kError,
       ParseError::kBadLevel, "a"},
      {R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[[1.5,"2"]],"a":[]})", MsgKind::kError,
       ParseError::kBadLevel, "b"},
      {R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1","-2"]],"a":[]})", MsgKind::kError,
       ParseError::kNegative, "b"},
      {R"({"lastUpdateId":1,"bids":[["1.000000001","1"]],"asks":[]})", MsgKind::kError, ParseError::kTooManyDecimals,
       "bids"},
      // A time that does not fit int64 ns once scaled: 9223372036855 ms > INT64_MAX / 1e6.
      {R"({"e":"trade","E":9223372036855,"s":"BTCUSDT","t":1,"p":"1","q":"1","m":true})", MsgKind::kError,
       ParseError::kOutOfRange, "E"},
      // Well-formed but not ours.
      {R"({"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":{}}})", MsgKind::kUnknown,
       ParseError::kUnknownStream, "stream"},
      {R"({"e":"24hrTicker","E":123456789,"s":"BTCUSDT","p":"-94.99999800"})", MsgKind::kUnknown,
       ParseError::kUnknownEvent, "e"},
      {R"({"e":"executionReport","E":1,"s":"BTCUSDT","t":-1})", MsgKind::kUnknown, ParseError::kUnknownEvent, "e"},
      {R"({"result":null,"id":1})", MsgKind::kUnknown, ParseError::kNoEventType, ""},
      {R"({"stream":"ethusdt@bookTicker","data":{"u":1,"s":"ETHUSDT","b":"1","B":"1","a":"1","A":"1"}})",
       MsgKind::kUnknown, ParseError::kUnknownSymbol, "s"},
      // A symbol with an escape is never unescaped into a lookalike.
      {R"({"u":1,"s":"BTC\u0055SDT","b":"1","B":"1","a":"1","A":"1"})", MsgKind::kUnknown, ParseError::kUnknownSymbol,
       "s"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.msg);
    const ParseResult r = parse(c.msg);
    EXPECT_EQ(r.kind, c.kind) << to_string(r.kind);
    EXPECT_EQ(r.error, c.error) << to_string(r.error);
    EXPECT_EQ(r.field, c.field);
    EXPECT_FALSE(r.ok());
  }
  // Each case above was counted once under its kind and reason.
  const ParseCounters& n = parser_.counters();
  uint64_t errors = 0;
  uint64_t unknowns = 0;
  for (const BadCase& c : cases) (c.kind == MsgKind::kError ? errors : unknowns) += 1;
  EXPECT_EQ(n.kind(MsgKind::kError), errors);
  EXPECT_EQ(n.kind(MsgKind::kUnknown), unknowns);
  EXPECT_EQ(n.kind(MsgKind::kMdTick), 0u);
  EXPECT_EQ(n.error(ParseError::kEmpty), 2u);
  EXPECT_EQ(n.error(ParseError::kUnknownSymbol), 2u);
}

TEST_F(ParserTest, BadJsonCarriesSimdjsonReason) {
  const ParseResult r = parse(R"({"u":1,"s":"BTCUSDT)");
  ASSERT_EQ(r.error, ParseError::kBadJson);
  EXPECT_NE(r.json_error, 0);
  EXPECT_FALSE(json_error_message(r.json_error).empty());
}

TEST_F(ParserTest, NewSymbolsAreInternedOnlyWhenAllowed) {
  const std::string eth = R"({"u":1,"s":"ETHUSDT","b":"1","B":"1","a":"1","A":"1"})";
  EXPECT_EQ(parse(eth).error, ParseError::kUnknownSymbol);
  EXPECT_EQ(symbols_.find("ETHUSDT"), core::kNoSymbol);

  BinanceParser open_parser(symbols_, /*allow_new_symbols=*/true);
  ASSERT_EQ(open_parser.parse(eth, 0).kind, MsgKind::kMdTick);
  const core::SymbolId eth_id = symbols_.find("ETHUSDT");
  ASSERT_NE(eth_id, core::kNoSymbol);
  EXPECT_EQ(open_parser.tick().symbol, eth_id);
  // Alternating symbols (the one-entry cache misses every time) still resolve correctly.
  ASSERT_EQ(open_parser.parse(kSpotTicker, 0).kind, MsgKind::kMdTick);
  EXPECT_EQ(open_parser.tick().symbol, btc_);
  ASSERT_EQ(open_parser.parse(eth, 0).kind, MsgKind::kMdTick);
  EXPECT_EQ(open_parser.tick().symbol, eth_id);
}

TEST_F(ParserTest, StaleBytesOfALongerMessageNeverCompleteAShortOne) {
  ASSERT_EQ(parse(kSpotTicker).kind, MsgKind::kMdTick);
  // The same message minus its last two braces: the scratch buffer still holds "}}" from the
  // previous message right after it (the padding is not cleared between messages), which must
  // not be read as part of this one.
  const ParseResult r = parse(kSpotTicker.substr(0, kSpotTicker.size() - 2));
  EXPECT_EQ(r.kind, MsgKind::kError);
  EXPECT_EQ(r.error, ParseError::kBadJson);
}

TEST_F(ParserTest, ParsePaddedReadsInPlace) {
  // The caller's buffer: message, then garbage that is readable padding.
  std::string buf(kSpotTicker);
  const std::size_t size = buf.size();
  buf.append(BinanceParser::kPadding, '}');
  ASSERT_EQ(parser_.parse_padded(buf.data(), size, buf.size(), 5).kind, MsgKind::kMdTick);
  EXPECT_EQ(parser_.tick().ask.raw, 6'183'764'000'000);
  EXPECT_EQ(parser_.tick().ts_local, 5);
  // Too little padding: falls back to the copying parse, same answer.
  ASSERT_EQ(parser_.parse_padded(buf.data(), size, size + 1, 6).kind, MsgKind::kMdTick);
  EXPECT_EQ(parser_.tick().ts_local, 6);
}

TEST_F(ParserTest, LargeMessagesGrowBuffersAndSpansStayValid) {
  // 20000 bids + 1 ask: more levels than the 16384 reserved and ~600 KB, more than the 64 KiB
  // scratch. Bid i is price i+1, qty 0.001.
  std::string msg = R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[)";
  constexpr int kBids = 20000;
  for (int i = 0; i < kBids; ++i) {
    if (i) msg += ',';
    msg += "[\"" + std::to_string(i + 1) + "\",\"0.001\"]";
  }
  msg += R"(],"a":[["99999.5","7"]]})";
  const ParseResult r = parse(msg);
  ASSERT_EQ(r.kind, MsgKind::kDepth) << to_string(r.error);
  const DepthUpdate& d = parser_.depth();
  ASSERT_EQ(d.bids.size(), static_cast<std::size_t>(kBids));
  EXPECT_EQ(d.bids[0].price.raw, 100'000'000);                           // 1 * 1e8
  EXPECT_EQ(d.bids[kBids - 1].price.raw, int64_t{kBids} * 100'000'000);  // 20000 * 1e8
  EXPECT_EQ(d.bids[kBids - 1].qty.raw, 100'000);                         // 0.001 * 1e8
  ASSERT_EQ(d.asks.size(), 1u);
  EXPECT_EQ(d.asks[0].price.raw, 9'999'950'000'000);  // 99999.5 * 1e8
  // A small message afterwards still parses (and the big buffers are reused).
  ASSERT_EQ(parse(kSpotTicker).kind, MsgKind::kMdTick);
}

TEST(BinanceParserLimits, MessageAboveMaxIsTooLarge) {
  core::SymbolTable symbols;
  symbols.add("BTCUSDT");
  BinanceParser parser(symbols, false, 0, /*max_message_bytes=*/64);
  const ParseResult r = parser.parse(kSpotTicker, 0);  // 146 bytes
  EXPECT_EQ(r.kind, MsgKind::kError);
  EXPECT_EQ(r.error, ParseError::kTooLarge);
}

// The fast decimal path must agree with core::parse_decimal on every input: same error, same value.
TEST(FastDecimal, AgreesWithCoreParser) {
  std::vector<std::string> inputs = {"0",
                                     "1",
                                     "61837.63000000",
                                     "0.00000001",
                                     "0.060",
                                     "123.",
                                     ".5",
                                     ".",
                                     "",
                                     "-1",
                                     "+1",
                                     "1.000000000",
                                     "1.123456789",
                                     "9999999999.99999999",
                                     "99999999999",
                                     "92233720368.54775807",
                                     "92233720368.54775808",
                                     "00000000000000000001",
                                     "1..2",
                                     "1.2.3",
                                     "1e5",
                                     " 1",
                                     "1 ",
                                     "abc",
                                     "0000000000.00000000",
                                     "18446744073709551616",
                                     "1234567890123456789",
                                     "12345678901.2345678"};
  std::mt19937_64 rng(20240808);
  const std::string alphabet = "0123456789.-+e ";
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    const int len = static_cast<int>(rng() % 22);
    for (int k = 0; k < len; ++k) {
      // Mostly digits and points so that many inputs are valid.
      const uint64_t pick = rng() % 100;
      s += pick < 80 ? alphabet[rng() % 10] : (pick < 92 ? '.' : alphabet[10 + rng() % 5]);
    }
    inputs.push_back(s);
  }
  int valid = 0;
  for (const std::string& s : inputs) {
    int64_t fast = -7;
    int64_t slow = -7;
    const core::DecimalError fe = internal::parse_unsigned_decimal(s, fast);
    const core::DecimalError se = core::parse_decimal(s, false, slow);
    ASSERT_EQ(fe, se) << "'" << s << "'";
    ASSERT_EQ(fast, slow) << "'" << s << "'";
    if (fe == core::DecimalError::kOk) ++valid;
  }
  EXPECT_GT(valid, 1000);  // the random inputs really exercised the fast path
}

// ---------------------------------------------------------------------------------------------
// The bookTicker fast path (feed/internal/book_ticker_scan.h) against the generic simdjson path.

TEST(FastPath, ReadsEveryBinanceShape) {
  core::SymbolTable symbols;
  const core::SymbolId btc = symbols.add("BTCUSDT");
  BinanceParser parser(symbols, false, 1);
  // Spot, combined stream (line 3 of spot_btcusdt_20240808).
  ASSERT_EQ(parser.parse(kSpotTicker, 5).kind, MsgKind::kMdTick);
  EXPECT_EQ(parser.tick().bid.raw, 6'183'763'000'000);  // 61837.63 * 1e8
  EXPECT_EQ(parser.tick().ask_qty.raw, 154'698'000);    // 1.54698 * 1e8
  EXPECT_EQ(parser.tick().ts_exchange, 0);
  EXPECT_EQ(parser.tick().symbol, btc);
  EXPECT_EQ(parser.tick().feed, 1);
  // Futures, combined stream, as in usdm_btcusdt_20240808 ("T" then "E" at the end).
  ASSERT_EQ(
      parser
          .parse(
              R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314}})",
              6)
          .kind,
      MsgKind::kMdTick);
  EXPECT_EQ(parser.tick().update_id, 5123107839020u);
  EXPECT_EQ(parser.tick().bid.raw, 6'180'020'000'000);              // 61800.20 * 1e8
  EXPECT_EQ(parser.tick().bid_qty.raw, 250'700'000);                // 2.507 * 1e8
  EXPECT_EQ(parser.tick().ts_exchange, 1'723'161'256'314'000'000);  // E in ms * 1e6
  EXPECT_EQ(parser.tick().ts_local, 6);
  // Futures as Binance documents it: "E" and "T" right after "u", no wrapper.
  ASSERT_EQ(
      parser
          .parse(
              R"({"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})",
              7)
          .kind,
      MsgKind::kMdTick);
  EXPECT_EQ(parser.tick().ts_exchange, 1'568'014'460'893'000'000);
  EXPECT_EQ(parser.tick().ask.raw, 2'536'520'000);      // 25.3652 * 1e8
  EXPECT_EQ(parser.tick().ask_qty.raw, 4'066'000'000);  // 40.66 * 1e8 (the last value: no room for a word load)
  // Bare spot.
  ASSERT_EQ(
      parser
          .parse(
              R"({"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})",
              8)
          .kind,
      MsgKind::kMdTick);
  EXPECT_EQ(parser.tick().bid.raw, 2'535'190'000);  // 25.3519 * 1e8
  EXPECT_EQ(parser.counters().fast_path, 4u);       // all four took the fast path
  EXPECT_EQ(parser.counters().kind(MsgKind::kMdTick), 4u);
}

TEST(FastPath, LeavesOtherShapesToTheGenericPath) {
  core::SymbolTable symbols;
  symbols.add("BTCUSDT");
  BinanceParser parser(symbols, false, 0);
  // Valid bookTickers the fast path does not take: whitespace, another key order, a 20-digit id,
  // a stream name with a second '@', 11 integer digits (core::parse_decimal accepts them).
  const char* valid[] = {
      R"({"stream":"btcusdt@bookTicker", "data":{"u":1,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"}})",
      R"({"data":{"u":1,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"},"stream":"btcusdt@bookTicker"})",
      R"({"u":12345678901234567890,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"})",
      R"({"stream":"btcusdt@bookTicker@x","data":{"u":1,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"}})",
      R"({"u":1,"s":"BTCUSDT","b":"00000000001.5","B":"2","a":"3","A":"4"})",
  };
  for (const char* m : valid) EXPECT_EQ(parser.parse(m, 0).kind, MsgKind::kMdTick) << m;
  EXPECT_EQ(parser.tick().bid.raw, 150'000'000);  // "00000000001.5" = 1.5 * 1e8
  EXPECT_EQ(parser.counters().fast_path, 0u);
  // Errors keep their generic reasons and fields.
  ParseResult r = parser.parse(R"({"u":1,"s":"BTCUSDT","b":"1.123456789","B":"2","a":"3","A":"4"})", 0);
  EXPECT_EQ(r.error, ParseError::kTooManyDecimals);
  EXPECT_EQ(r.field, "b");
  r = parser.parse(R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"ETHUSDT","b":"1","B":"2","a":"3","A":"4"}})",
                   0);
  EXPECT_EQ(r.kind, MsgKind::kUnknown);
  EXPECT_EQ(r.error, ParseError::kUnknownSymbol);
  r = parser.parse(R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"2","a":"3","A":"4"}}x)",
                   0);
  EXPECT_EQ(r.error, ParseError::kBadJson);
  EXPECT_EQ(parser.counters().fast_path, 0u);
}

TEST(SwarDigits, AgreeWithDigitLoops) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "0123456789./:\"\\ \x7f\xff";
  for (int i = 0; i < 200000; ++i) {
    char b[8];
    for (char& c : b) c = rng() % 4 != 0 ? static_cast<char>('0' + rng() % 10) : alphabet[rng() % alphabet.size()];
    unsigned run = 0;
    while (run < 8 && b[run] >= '0' && b[run] <= '9') ++run;
    ASSERT_EQ(core::internal::digit_run8(b), run) << std::string(b, 8);
    uint64_t v = 0;
    for (unsigned k = 1; k <= run; ++k) {
      v = v * 10 + static_cast<unsigned>(b[k - 1] - '0');
      ASSERT_EQ(core::internal::value_front(b, k), v);
      uint64_t padded = v;
      for (unsigned z = k; z < 8; ++z) padded *= 10;
      ASSERT_EQ(core::internal::value_padded(b, k), padded);
    }
    ASSERT_EQ(core::internal::value_padded(b, 0), 0u);
    unsigned quote = 8;
    for (unsigned k = 0; k < 8; ++k) {
      if (b[k] == '"') {
        quote = k;
        break;
      }
    }
    const uint64_t q = core::internal::bytes_equal(core::internal::load8(b), '"');
    ASSERT_EQ(q == 0 ? 8u : core::internal::first_byte(q), quote);
  }
}

// Both parsers see the same messages in the same order, each with its own symbol table (allow
// new symbols, so interning side effects are compared too); results and events must be identical.
class PathComparer {
 public:
  PathComparer() : fast_(fast_symbols_, true, 2), generic_(generic_symbols_, true, 2) { generic_.set_fast_path(false); }
  void check(std::string_view msg, core::UnixNanos ts) {
    const ParseResult f = fast_.parse(msg, ts);
    const ParseResult g = generic_.parse(msg, ts);
    ASSERT_EQ(f.kind, g.kind) << msg;
    ASSERT_EQ(f.error, g.error) << msg;
    ASSERT_EQ(f.field, g.field) << msg;
    ASSERT_EQ(f.json_error, g.json_error) << msg;
    if (f.kind == MsgKind::kMdTick) {
      const core::MdTick& a = fast_.tick();
      const core::MdTick& b = generic_.tick();
      ASSERT_EQ(a.ts_exchange, b.ts_exchange) << msg;
      ASSERT_EQ(a.ts_local, b.ts_local) << msg;
      ASSERT_EQ(a.update_id, b.update_id) << msg;
      ASSERT_EQ(a.bid.raw, b.bid.raw) << msg;
      ASSERT_EQ(a.bid_qty.raw, b.bid_qty.raw) << msg;
      ASSERT_EQ(a.ask.raw, b.ask.raw) << msg;
      ASSERT_EQ(a.ask_qty.raw, b.ask_qty.raw) << msg;
      ASSERT_EQ(a.symbol, b.symbol) << msg;
      ASSERT_EQ(a.feed, b.feed) << msg;
    }
    ASSERT_EQ(fast_symbols_.size(), generic_symbols_.size()) << msg;
  }
  void check_padded(std::string buf, std::size_t size, core::UnixNanos ts) {
    const ParseResult f = fast_.parse_padded(buf.data(), size, buf.size(), ts);
    const ParseResult g = generic_.parse_padded(buf.data(), size, buf.size(), ts);
    ASSERT_EQ(f.kind, g.kind);
    ASSERT_EQ(f.error, g.error);
    if (f.kind == MsgKind::kMdTick) {
      ASSERT_EQ(fast_.tick().bid_qty.raw, generic_.tick().bid_qty.raw);
    }
  }
  void expect_same_counters() {
    EXPECT_EQ(fast_.counters().by_kind, generic_.counters().by_kind);
    EXPECT_EQ(fast_.counters().by_error, generic_.counters().by_error);
    EXPECT_EQ(generic_.counters().fast_path, 0u);
    for (core::SymbolId i = 0; i < fast_symbols_.size(); ++i) {
      EXPECT_EQ(fast_symbols_.name(i), generic_symbols_.name(i));
    }
  }
  const BinanceParser& fast() const { return fast_; }

 private:
  core::SymbolTable fast_symbols_, generic_symbols_;
  BinanceParser fast_, generic_;
};

bool read_gz(const std::string& path, std::string& out) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return false;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(gz, buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
  gzclose(gz);
  return n == 0;
}

// Every line of the four real captures: the in-repo cuts always, the full files when present.
// Expected bookTicker counts, independent of this code:
//   zcat FILE | grep -c '"stream":"btcusdt@bookTicker"'
struct CaptureFile {
  std::string stem;
  uint64_t book_tickers;
};

void expect_paths_agree_on_every_line(const std::string& path, uint64_t book_tickers) {
  SCOPED_TRACE(path);
  std::string text;
  ASSERT_TRUE(read_gz(path, text)) << "cannot read " << path;
  PathComparer cmp;
  std::size_t pos = 0;
  uint64_t lines = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    uint64_t t = 0;
    std::string_view json;
    ASSERT_EQ(internal::split_capture_line(std::string_view(text).substr(pos, nl - pos), t, json),
              internal::SplitResult::kOk);
    ASSERT_NO_FATAL_FAILURE(cmp.check(json, static_cast<core::UnixNanos>(lines)));
    ++lines;
    pos = nl + 1;
  }
  cmp.expect_same_counters();
  // Every bookTicker of the file took the fast path, nothing else did.
  EXPECT_EQ(cmp.fast().counters().fast_path, book_tickers);
  EXPECT_EQ(cmp.fast().counters().kind(MsgKind::kMdTick), book_tickers);
}

TEST(FastPath, AgreesWithGenericOnEveryLineOfTheCaptureCuts) {
  const CaptureFile cuts[] = {{"spot_btcusdt_20240808", 2200},
                              {"spot_btcusdt_20240809", 2376},
                              {"usdm_btcusdt_20230405", 1839},
                              {"usdm_btcusdt_20240808", 2296}};
  for (const CaptureFile& file : cuts) {
    expect_paths_agree_on_every_line(testdata::fixture_capture(file.stem), file.book_tickers);
  }
}

TEST(FastPath, AgreesWithGenericOnEveryLineOfTheFullCaptures) {
  const CaptureFile files[] = {{"spot_btcusdt_20240808", 28040},
                               {"spot_btcusdt_20240809", 45134},
                               {"usdm_btcusdt_20230405", 37440},
                               {"usdm_btcusdt_20240808", 66089}};
  int tested = 0;
  for (const CaptureFile& file : files) {
    const std::string path = testdata::full_capture(file.stem);
    if (path.empty()) continue;
    expect_paths_agree_on_every_line(path, file.book_tickers);
    ++tested;
  }
  if (tested == 0) GTEST_SKIP() << testdata::skip_reason("spot_btcusdt_20240808");
}

// Damaged bookTickers: every truncation, every byte replaced by characters that matter to JSON or
// to the scanner, every byte deleted, a byte inserted everywhere. Fast and generic must agree on
// each (mostly by the fast path declining), on the events, counters and interned symbols.
TEST(FastPath, AgreesWithGenericOnMutatedMessages) {
  const std::string seeds[] = {
      std::string(kSpotTicker),
      R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256314}})",
      R"({"e":"bookTicker","u":400900217,"E":1568014460893,"T":1568014460891,"s":"BNBUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"})",
      R"({"u":400900217,"s":"BNBUSDT","b":"25.3519","B":"31.21","a":"25.3652","A":"40.66"})",
  };
  const std::string replacements = std::string("\"\\ -.0159x}{,:@eE\x01\x7f") + '\xff' + '\0';
  PathComparer cmp;
  uint64_t cases = 0;
  for (const std::string& seed : seeds) {
    for (std::size_t n = 0; n <= seed.size(); ++n) {
      ASSERT_NO_FATAL_FAILURE(cmp.check(seed.substr(0, n), 1));
      ++cases;
    }
    for (std::size_t i = 0; i < seed.size(); ++i) {
      for (char c : replacements) {
        std::string m = seed;
        m[i] = c;
        ASSERT_NO_FATAL_FAILURE(cmp.check(m, 2));
        std::string ins = seed;
        ins.insert(i, 1, c);
        ASSERT_NO_FATAL_FAILURE(cmp.check(ins, 3));
        cases += 2;
      }
      std::string del = seed;
      del.erase(i, 1);
      ASSERT_NO_FATAL_FAILURE(cmp.check(del, 4));
      ++cases;
    }
    // In place, with padding after the message that holds more JSON.
    ASSERT_NO_FATAL_FAILURE(cmp.check_padded(seed + std::string(BinanceParser::kPadding, '}'), seed.size(), 5));
  }
  cmp.expect_same_counters();
  EXPECT_GT(cases, 10000u);
  // The unmutated seeds (and mutations that keep a valid shape, e.g. one digit for another) took
  // the fast path; most mutations did not.
  EXPECT_GT(cmp.fast().counters().fast_path, 100u);
  EXPECT_LT(cmp.fast().counters().fast_path, cases / 2);
}

}  // namespace
}  // namespace dmabot::feed

namespace dmabot::feed {
namespace {

struct Answer {
  MsgKind kind;
  ParseError error;
  std::string field;
  int json_error;
  bool operator==(const Answer&) const = default;
};

std::string describe(const Answer& a) {
  return std::string(to_string(a.kind)) + "/" + std::string(to_string(a.error)) + " field '" + a.field +
         "' json_error " + std::to_string(a.json_error);
}

Answer answer_of(const ParseResult& r) { return Answer{r.kind, r.error, std::string(r.field), r.json_error}; }

// The answer to a message may depend on nothing but its bytes: not on the message parsed before it
// (a longer one leaves stale bytes in the scratch buffer; a fast-path one leaves none), not on the
// bytes after it in the caller's padding, not on the path. Found by the fuzzer (issue 9):
//   `{}}` with '}' padding was bad_json in place and trailing_content on a copy;
//   a broken bookTicker after a fast-path one was bad_json field 'u', alone bad_json with no field.
// Here: every cut of real messages of each kind (the 4 in-repo captures' first lines of each kind)
// and the fuzzer's inputs, each parsed fresh, after a long message, in place with 8 paddings, and
// with the fast path off.
TEST(ParserDeterminism, AnswerDependsOnlyOnTheMessageBytes) {
  std::vector<std::string> seeds = {
      "{}}",
      "{}]",
      "{\"e\":\"trade\",\"t\":12",
      "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1.5\",\"B\":\"1\",\"a\":\"1.6\",\"A\":",
      R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":#,"0.00282000"],["61693.58"]]}})",
      R"({"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":0001496119192,"s":"BTCUSDT","b":"61800.20"})"};
  for (const char* stem : {"spot_btcusdt_20240808", "usdm_btcusdt_20230405"}) {
    gzFile gz = gzopen(testdata::fixture_capture(stem).c_str(), "rb");
    ASSERT_NE(gz, nullptr) << stem;
    std::vector<char> line(1 << 20);
    std::vector<std::string> kinds_seen;
    while (gzgets(gz, line.data(), static_cast<int>(line.size())) != nullptr) {
      std::string l(line.data());
      const std::size_t sp = l.find(' ');
      const std::size_t at = l.find("@");
      if (sp == std::string::npos || at == std::string::npos) continue;
      const std::string kind = l.substr(at, 8);
      if (std::find(kinds_seen.begin(), kinds_seen.end(), kind) != kinds_seen.end()) continue;
      kinds_seen.push_back(kind);
      while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
      seeds.push_back(l.substr(sp + 1));
    }
    gzclose(gz);
  }
  const std::string long_valid =
      R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1700000000123,"s":"BTCUSDT","t":7,"p":"100.75","q":"0.5","T":1700000000120,"m":false,"M":true,"x":")" +
      std::string(3000, '9') + "\"}}";
  const std::string paddings = std::string("}]0\"9 ,") + '\0';
  uint64_t checked = 0;
  for (const std::string& seed : seeds) {
    // Every cut of short seeds; cuts every 7 bytes of the long ones (depth messages run to KBs).
    const std::size_t step = seed.size() > 400 ? 7 : 1;
    for (std::size_t n = 1; n <= seed.size();
         n += (n + step > seed.size() && n != seed.size()) ? seed.size() - n : step) {
      const std::string msg = seed.substr(0, n);
      core::SymbolTable s0;
      BinanceParser fresh(s0, true);
      const Answer want = answer_of(fresh.parse(msg, 1));
      core::SymbolTable s1, s2;
      BinanceParser after_long(s1, true), generic(s2, true);
      generic.set_fast_path(false);
      (void)after_long.parse(long_valid, 0);
      (void)after_long.parse(seeds.back(), 0);
      ASSERT_EQ(answer_of(after_long.parse(msg, 1)), want) << describe(want) << " vs history for: " << msg;
      (void)generic.parse(long_valid, 0);
      ASSERT_EQ(answer_of(generic.parse(msg, 1)), want) << describe(want) << " vs generic for: " << msg;
      for (char pad : paddings) {
        std::string buf = msg + std::string(BinanceParser::kPadding, pad);
        const Answer in_place = answer_of(after_long.parse_padded(buf.data(), msg.size(), buf.size(), 1));
        ASSERT_EQ(in_place, want) << describe(in_place) << " with padding '" << pad << "' vs " << describe(want)
                                  << " for: " << msg;
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
}

// kUnknown is for well-formed JSON only: the on-demand walk stops at the field that decides it, so
// the rest of the document is validated before the verdict stands; broken JSON there is kBadJson.
TEST(ParserDeterminism, UnknownIsOnlyForWellFormedJson) {
  core::SymbolTable symbols;
  BinanceParser p(symbols, true);
  const std::pair<std::string, MsgKind> cases[] = {
      {R"({"e":"kline","k":{"t":1}})", MsgKind::kUnknown},
      {R"({"e":"kline","k":[1,}})", MsgKind::kError},
      {R"({"e":"kline","k":tru})", MsgKind::kError},
      {R"({"stream":"btcusdt@kline_1m","data":{"k":1})", MsgKind::kError},
      {R"({"stream":"btcusdt@kline_1m","data":{"k":1}})", MsgKind::kUnknown},
      {R"({"result":null,"id":1})", MsgKind::kUnknown},
      {R"({"result":nul,"id":1})", MsgKind::kError},
  };
  for (const auto& [msg, kind] : cases) {
    const ParseResult r = p.parse(msg, 1);
    EXPECT_EQ(r.kind, kind) << msg << ": " << to_string(r.error);
    if (kind == MsgKind::kError) {
      EXPECT_EQ(r.error, ParseError::kBadJson) << msg;
    }
  }
}

}  // namespace
}  // namespace dmabot::feed

namespace dmabot::feed {
namespace {

// Issue 9's report: parse() crashed when two malformed depth messages came one after the other on
// the generic path (read_levels -> string_token), state of the failed document leaking into the
// next. The reported input was not kept and the crash has not been reproduced on this code; this
// test pins the property the report describes, on the path it names. Malformed depth messages are
// made by breaking a real depthUpdate (the in-repo spot capture) inside its bid and ask arrays —
// the bytes read_levels walks — and by cutting it there. Every ordered pair (A, B) goes through one
// generic-path parser: B's answer equals B's on a fresh parser, and a valid depth message after the
// pair gives exactly the levels a fresh parser gives. Run under ASan+UBSan in CI, where a read of
// the failed document's memory would stop the suite.
TEST(ParserDeterminism, MalformedDepthPairsLeaveNothingBehind) {
  std::string valid;
  {
    gzFile gz = gzopen(testdata::fixture_capture("spot_btcusdt_20240808").c_str(), "rb");
    ASSERT_NE(gz, nullptr);
    std::vector<char> line(1 << 20);
    while (valid.empty() && gzgets(gz, line.data(), static_cast<int>(line.size())) != nullptr) {
      std::string l(line.data());
      if (l.find("@depth") == std::string::npos) continue;
      while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
      valid = l.substr(l.find(' ') + 1);
    }
    gzclose(gz);
  }
  ASSERT_FALSE(valid.empty());
  const std::size_t bids = valid.find("\"b\":[");
  const std::size_t asks = valid.find("\"a\":[");
  ASSERT_NE(bids, std::string::npos);
  ASSERT_NE(asks, std::string::npos);
  // Breaks at 24 points spread over both arrays: 6 replacement bytes, a nested array and a cut at each.
  std::vector<std::string> broken;
  const std::string replacements = "\"[],}x";
  for (int i = 0; i < 24; ++i) {
    const std::size_t from = i < 12 ? bids : asks;
    const std::size_t at = from + 5 + static_cast<std::size_t>(i % 12) * 7;
    ASSERT_LT(at, valid.size());
    for (char c : replacements) {
      std::string m = valid;
      m[at] = c;
      broken.push_back(m);
    }
    std::string nested = valid;
    nested.insert(at, "[[[");
    broken.push_back(nested);
    broken.push_back(valid.substr(0, at));
  }
  const auto fresh_answer = [](const std::string& m) {
    core::SymbolTable s;
    BinanceParser p(s, true);
    p.set_fast_path(false);
    return answer_of(p.parse(m, 1));
  };
  std::vector<Answer> alone;
  std::size_t failing = 0;
  for (const std::string& m : broken) {
    alone.push_back(fresh_answer(m));
    failing += alone.back().error != ParseError::kNone ? 1 : 0;
  }
  // The breaks must really be malformed messages (else the pairs prove little).
  EXPECT_GT(failing, broken.size() * 3 / 4);

  core::SymbolTable fresh_symbols;
  BinanceParser fresh(fresh_symbols, true);
  fresh.set_fast_path(false);
  ASSERT_EQ(fresh.parse(valid, 1).kind, MsgKind::kDepth);
  const std::vector<Level> want_bids(fresh.depth().bids.begin(), fresh.depth().bids.end());
  const std::vector<Level> want_asks(fresh.depth().asks.begin(), fresh.depth().asks.end());
  ASSERT_FALSE(want_bids.empty());

  core::SymbolTable symbols;
  BinanceParser p(symbols, true);
  p.set_fast_path(false);
  for (std::size_t a = 0; a < broken.size(); ++a) {
    for (std::size_t b = 0; b < broken.size(); b += 3) {  // every 3rd B keeps the run short
      (void)p.parse(broken[a], 1);
      const Answer got = answer_of(p.parse(broken[b], 1));
      ASSERT_EQ(got, alone[b]) << describe(got) << " after #" << a << " vs alone " << describe(alone[b]);
    }
    ASSERT_EQ(p.parse(valid, 1).kind, MsgKind::kDepth) << "after #" << a;
    const DepthUpdate& d = p.depth();
    ASSERT_EQ(d.bids.size(), want_bids.size()) << "after #" << a;
    ASSERT_EQ(d.asks.size(), want_asks.size()) << "after #" << a;
    for (std::size_t i = 0; i < want_bids.size(); ++i) {
      ASSERT_EQ(d.bids[i].price.raw, want_bids[i].price.raw);
      ASSERT_EQ(d.bids[i].qty.raw, want_bids[i].qty.raw);
    }
    for (std::size_t i = 0; i < want_asks.size(); ++i) {
      ASSERT_EQ(d.asks[i].price.raw, want_asks[i].price.raw);
      ASSERT_EQ(d.asks[i].qty.raw, want_asks[i].qty.raw);
    }
  }
}

}  // namespace
}  // namespace dmabot::feed
