#include "core/event_codec.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "core/prng.h"

namespace dmabot::core {
namespace {

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();

class CodecTest : public ::testing::Test {
 protected:
  CodecTest() {
    btc_ = symbols_.add("BTCUSDT");
    eth_ = symbols_.add("ETHUSDT");
  }
  std::string enc(const auto& e, uint64_t seq) {
    char buf[1024];
    const std::size_t n = encode(e, seq, symbols_, buf, sizeof(buf));
    EXPECT_GT(n, 0u);
    EXPECT_LE(n, 400u);  // the schema promises lines of at most ~400 bytes
    EXPECT_EQ(buf[n - 1], '\n');
    return std::string(buf, n);
  }
  // Decodes with a decoder whose table starts empty, so symbol names must really be in the line.
  RecordedEvent dec(const std::string& line) {
    RecordedEvent out;
    const DecodeResult r = decoder_.decode(line, out);
    EXPECT_EQ(r, DecodeResult::kOk) << decoder_.error() << " in " << line;
    return out;
  }
  DecodeResult dec_err(const std::string& line) {
    RecordedEvent out;
    return decoder_.decode(line, out);
  }
  // Name of a symbol id in the decoder's table.
  std::string_view dname(SymbolId id) { return decoded_symbols_.name(id); }

  SymbolTable symbols_;
  SymbolId btc_, eth_;
  SymbolTable decoded_symbols_;
  EventDecoder decoder_{&decoded_symbols_};
};

TEST_F(CodecTest, MdLineHasTheDocumentedExactText) {
  MdTick t;
  t.ts_exchange = 1'700'000'000'123'000'000;
  t.ts_local = 1'700'000'000'124'500'000;
  t.update_id = 400900217;
  t.bid = Price::from_raw(6183763000000);  // 61837.63 * 1e8
  t.bid_qty = Qty::from_raw(378800000);     // 3.788 * 1e8
  t.ask = Price::from_raw(6183764000000);   // 61837.64
  t.ask_qty = Qty::from_raw(1);             // 0.00000001, the smallest unit
  t.symbol = btc_;
  t.feed = 2;
  EXPECT_EQ(enc(t, 12),
            "{\"v\":1,\"seq\":12,\"kind\":\"md\",\"ts_local\":1700000000124500000,\"ts_exch\":1700000000123000000,"
            "\"sym\":\"BTCUSDT\",\"u\":400900217,\"bid\":\"61837.63\",\"bq\":\"3.788\",\"ask\":\"61837.64\","
            "\"aq\":\"0.00000001\",\"feed\":2}\n");
}

TEST_F(CodecTest, MdRoundTripsExtremes) {
  MdTick t;
  t.ts_exchange = kI64Min;
  t.ts_local = kI64Max;
  t.update_id = kU64Max;
  t.bid = Price::from_raw(kI64Min);   // "-92233720368.54775808"
  t.bid_qty = Qty::from_raw(kI64Max); // "92233720368.54775807"
  t.ask = Price::from_raw(-1);        // "-0.00000001"
  t.ask_qty = Qty::from_raw(0);       // "0"
  t.symbol = eth_;
  t.feed = 255;
  const std::string line = enc(t, kU64Max);
  EXPECT_NE(line.find("\"bid\":\"-92233720368.54775808\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"ask\":\"-0.00000001\""), std::string::npos) << line;
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kMd);
  EXPECT_EQ(r.seq, kU64Max);
  const auto& d = std::get<MdTick>(r.event);
  EXPECT_EQ(d.ts_exchange, kI64Min);
  EXPECT_EQ(d.ts_local, kI64Max);
  EXPECT_EQ(d.update_id, kU64Max);
  EXPECT_EQ(d.bid.raw, kI64Min);
  EXPECT_EQ(d.bid_qty.raw, kI64Max);
  EXPECT_EQ(d.ask.raw, -1);
  EXPECT_EQ(d.ask_qty.raw, 0);
  EXPECT_EQ(dname(d.symbol), "ETHUSDT");
  EXPECT_EQ(d.feed, 255);
}

TEST_F(CodecTest, DecimalsRoundTripAcrossDigitCountBoundaries) {
  // The decoder has a fast path for <= 10 integer digits and a checked path beyond; both must be exact.
  const int64_t raws[] = {
      0, 1, -1, 10, 99999999, 100000000,          // 0, 1e-8, -1e-8, 1e-7, 0.99999999, 1
      999999999999999999,                         // 9999999999.99999999: 10 integer digits (fast path)
      1000000000000000000,                        // 10000000000: 11 integer digits (checked path)
      -999999999999999999, -1000000000000000000,
      kI64Max, kI64Min, kI64Min + 1,
  };
  for (int64_t raw : raws) {
    Trade t;
    t.price = Price::from_raw(raw);
    t.qty = Qty::from_raw(raw);
    t.symbol = btc_;
    const uint64_t fast_before = decoder_.fast_path_lines();
    const RecordedEvent r = dec(enc(t, 1));
    EXPECT_EQ(std::get<Trade>(r.event).price.raw, raw);
    EXPECT_EQ(std::get<Trade>(r.event).qty.raw, raw);
    // Up to 10 integer digits (|raw| < 1e10 * 1e8) the whole line takes the fast path.
    const bool short_digits = raw > -1'000'000'000'000'000'000 && raw < 1'000'000'000'000'000'000;
    EXPECT_EQ(decoder_.fast_path_lines() - fast_before, short_digits ? 1u : 0u) << raw;
  }
  // Hand-written spellings the encoder never produces but a hand-edited file may contain.
  const std::string base =
      R"({"v":1,"seq":1,"kind":"trade","ts_local":1,"ts_exch":1,"sym":"X","id":1,"px":"PX","qty":"1","aggr":"BUY","feed":0})";
  const std::pair<std::string, int64_t> spellings[] = {
      {"1.", 100000000}, {".5", 50000000}, {"+2", 200000000}, {"-0", 0}, {"0007.10", 710000000},
  };
  for (const auto& [text, raw] : spellings) {
    std::string line = base;
    line.replace(line.find("PX"), 2, text);
    const RecordedEvent r = dec(line);
    EXPECT_EQ(std::get<Trade>(r.event).price.raw, raw) << text;
  }
}

TEST_F(CodecTest, TradeRoundTrips) {
  Trade t;
  t.ts_exchange = 1;
  t.ts_local = -2;
  t.trade_id = kU64Max - 1;
  t.price = Price::from_raw(12345678);  // 0.12345678: all 8 decimals significant
  t.qty = Qty::from_raw(100000000000);  // 1000
  t.symbol = btc_;
  t.aggressor = Side::kSell;
  t.feed = 7;
  const std::string line = enc(t, 3);
  EXPECT_NE(line.find("\"px\":\"0.12345678\",\"qty\":\"1000\",\"aggr\":\"SELL\""), std::string::npos) << line;
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kTrade);
  EXPECT_EQ(r.seq, 3u);
  const auto& d = std::get<Trade>(r.event);
  EXPECT_EQ(d.ts_exchange, 1);
  EXPECT_EQ(d.ts_local, -2);
  EXPECT_EQ(d.trade_id, kU64Max - 1);
  EXPECT_EQ(d.price.raw, 12345678);
  EXPECT_EQ(d.qty.raw, 100000000000);
  EXPECT_EQ(dname(d.symbol), "BTCUSDT");
  EXPECT_EQ(d.aggressor, Side::kSell);
  EXPECT_EQ(d.feed, 7);
}

TEST_F(CodecTest, MarkRoundTripsNegativeFunding) {
  MarkPrice m;
  m.ts_exchange = 1'700'000'000'000'000'000;
  m.ts_local = 1'700'000'000'000'000'001;
  m.next_funding_time = 1'700'028'800'000'000'000;
  m.mark = Price::from_raw(6180012345678);   // 61800.12345678
  m.index = Price::from_raw(-5000000000);    // -50: a negative index is nonsense but must survive
  m.funding_rate_raw = -12500;               // -0.000125 = -12500e-8
  m.symbol = btc_;
  m.feed = 1;
  const std::string line = enc(m, 4);
  EXPECT_NE(line.find("\"funding\":\"-0.000125\""), std::string::npos) << line;
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kMark);
  const auto& d = std::get<MarkPrice>(r.event);
  EXPECT_EQ(d.ts_exchange, 1'700'000'000'000'000'000);
  EXPECT_EQ(d.ts_local, 1'700'000'000'000'000'001);
  EXPECT_EQ(d.next_funding_time, 1'700'028'800'000'000'000);
  EXPECT_EQ(d.mark.raw, 6180012345678);
  EXPECT_EQ(d.index.raw, -5000000000);
  EXPECT_EQ(d.funding_rate_raw, -12500);
  EXPECT_EQ(dname(d.symbol), "BTCUSDT");
  EXPECT_EQ(d.feed, 1);
}

TEST_F(CodecTest, SignalRoundTrips) {
  Signal s;
  s.ts_tick = 100;
  s.ts_local = 250;
  s.price = Price::from_raw(-99999999);  // -0.99999999
  s.qty = Qty::from_raw(50000);          // 0.0005
  s.client_id = make_client_id(255, (uint64_t{1} << 52) - 1) | 0xF;  // every bit set = UINT64_MAX
  s.target_id = 0;
  s.symbol = eth_;
  s.strategy = 200;
  s.side = Side::kSell;
  s.action = SignalAction::kReplace;
  s.tif = TimeInForce::kPostOnly;
  ASSERT_EQ(s.client_id, kU64Max);
  const std::string line = enc(s, 5);
  EXPECT_NE(line.find("\"cid\":18446744073709551615"), std::string::npos) << line;  // unsigned, not -1
  EXPECT_NE(line.find("\"action\":\"replace\",\"side\":\"SELL\",\"tif\":\"POST_ONLY\""), std::string::npos) << line;
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kSig);
  const auto& d = std::get<Signal>(r.event);
  EXPECT_EQ(d.ts_tick, 100);
  EXPECT_EQ(d.ts_local, 250);
  EXPECT_EQ(d.price.raw, -99999999);
  EXPECT_EQ(d.qty.raw, 50000);
  EXPECT_EQ(d.client_id, kU64Max);
  EXPECT_EQ(d.target_id, 0u);
  EXPECT_EQ(dname(d.symbol), "ETHUSDT");
  EXPECT_EQ(d.strategy, 200);
  EXPECT_EQ(d.side, Side::kSell);
  EXPECT_EQ(d.action, SignalAction::kReplace);
  EXPECT_EQ(d.tif, TimeInForce::kPostOnly);
}

TEST_F(CodecTest, OrderRoundTrips) {
  Order o;
  o.ts_tick = kI64Min;
  o.ts_local = 0;
  o.price = Price::from_raw(kI64Max);
  o.qty = Qty::from_raw(123456789);  // 1.23456789
  o.client_id = make_client_id(3, 17) | 2;  // (3<<56) | (17<<4) | 2 = 216172782113784082
  o.target_id = kU64Max;
  o.symbol = btc_;
  o.strategy = 3;
  o.side = Side::kBuy;
  o.action = OrderAction::kCancel;
  o.tif = TimeInForce::kIoc;
  o.venue = 9;
  ASSERT_EQ(o.client_id, 216172782113784082u);
  const std::string line = enc(o, 6);
  EXPECT_NE(line.find("\"cid\":216172782113784082"), std::string::npos) << line;
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kOrd);
  const auto& d = std::get<Order>(r.event);
  EXPECT_EQ(d.ts_tick, kI64Min);
  EXPECT_EQ(d.ts_local, 0);
  EXPECT_EQ(d.price.raw, kI64Max);
  EXPECT_EQ(d.qty.raw, 123456789);
  EXPECT_EQ(d.client_id, 216172782113784082u);
  EXPECT_EQ(d.target_id, kU64Max);
  EXPECT_EQ(d.strategy, 3);
  EXPECT_EQ(d.side, Side::kBuy);
  EXPECT_EQ(d.action, OrderAction::kCancel);
  EXPECT_EQ(d.tif, TimeInForce::kIoc);
  EXPECT_EQ(d.venue, 9);
  EXPECT_EQ(dname(d.symbol), "BTCUSDT");
}

TEST_F(CodecTest, ExecRoundTripsEveryStatusAndReason) {
  for (int st = 0; st <= static_cast<int>(ExecStatus::kCancelRejected); ++st) {
    for (int rr = 0; rr < static_cast<int>(RejectReason::kCount); ++rr) {
      ExecReport e;
      e.ts_exchange = 1000 + st;
      e.ts_local = 2000 + rr;
      e.last_px = Price::from_raw(6183763000000);
      e.last_qty = Qty::from_raw(100000);     // 0.001
      e.cum_qty = Qty::from_raw(kI64Max);
      e.client_id = kU64Max;
      e.fee_raw = -618376;                    // rebate -0.00618376
      e.symbol = kNoSymbol;                   // risk rejects may lack a symbol: written as ""
      e.strategy = 1;
      e.venue = kRiskVenue;
      e.side = Side::kSell;
      e.status = static_cast<ExecStatus>(st);
      e.reject_reason = static_cast<RejectReason>(rr);
      e.maker = (st % 2) == 0;
      const std::string line = enc(e, 7);
      const RecordedEvent r = dec(line);
      ASSERT_EQ(r.kind, RecordKind::kExec);
      const auto& d = std::get<ExecReport>(r.event);
      EXPECT_EQ(d.ts_exchange, 1000 + st);
      EXPECT_EQ(d.ts_local, 2000 + rr);
      EXPECT_EQ(d.last_px.raw, 6183763000000);
      EXPECT_EQ(d.last_qty.raw, 100000);
      EXPECT_EQ(d.cum_qty.raw, kI64Max);
      EXPECT_EQ(d.client_id, kU64Max);
      EXPECT_EQ(d.fee_raw, -618376);
      EXPECT_EQ(d.symbol, kNoSymbol);
      EXPECT_EQ(d.strategy, 1);
      EXPECT_EQ(d.venue, kRiskVenue);
      EXPECT_EQ(d.side, Side::kSell);
      EXPECT_EQ(d.status, static_cast<ExecStatus>(st));
      EXPECT_EQ(d.reject_reason, static_cast<RejectReason>(rr));
      EXPECT_EQ(d.maker, (st % 2) == 0);
    }
  }
}

TEST_F(CodecTest, ControlRoundTrips) {
  Control c;
  c.ts_local = 42;
  c.command = ControlCommand::kKillSwitchOn;
  c.cause = KillCause::kDailyLoss;
  c.measured_raw = 51'230'000'000;  // 512.3
  c.limit_raw = 50'000'000'000;     // 500
  c.equity_raw = -51'230'000'001;
  c.symbol = btc_;
  const std::string line = enc(c, 8);
  EXPECT_EQ(line,
            "{\"v\":1,\"seq\":8,\"kind\":\"ctl\",\"ts_local\":42,\"sym\":\"BTCUSDT\",\"cmd\":\"kill_on\","
            "\"cause\":\"daily_loss\",\"measured\":\"512.3\",\"limit\":\"500\",\"equity\":\"-512.30000001\"}\n");
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kCtl);
  const auto& d = std::get<Control>(r.event);
  EXPECT_EQ(d.ts_local, 42);
  EXPECT_EQ(d.command, ControlCommand::kKillSwitchOn);
  EXPECT_EQ(d.cause, KillCause::kDailyLoss);
  EXPECT_EQ(d.measured_raw, c.measured_raw);
  EXPECT_EQ(d.limit_raw, c.limit_raw);
  EXPECT_EQ(d.equity_raw, c.equity_raw);
  EXPECT_EQ(dname(d.symbol), "BTCUSDT");
  // Every command and cause survives the round trip under its schema name.
  const std::pair<ControlCommand, std::string_view> cmds[] = {{ControlCommand::kNone, "none"},
                                                              {ControlCommand::kCancelAll, "cancel_all"},
                                                              {ControlCommand::kKillSwitchOn, "kill_on"},
                                                              {ControlCommand::kKillSwitchOff, "kill_off"},
                                                              {ControlCommand::kShutdown, "shutdown"},
                                                              {ControlCommand::kSymbolHalt, "symbol_halt"},
                                                              {ControlCommand::kSymbolResume, "symbol_resume"}};
  const std::pair<KillCause, std::string_view> causes[] = {{KillCause::kNone, "none"},
                                                           {KillCause::kManual, "manual"},
                                                           {KillCause::kDrawdown, "drawdown"},
                                                           {KillCause::kDailyLoss, "daily_loss"}};
  for (const auto& [cmd, cmd_name] : cmds) {
    for (const auto& [cause, cause_name] : causes) {
      Control x;
      x.command = cmd;
      x.cause = cause;
      const std::string l = enc(x, 1);
      EXPECT_NE(l.find(std::string("\"cmd\":\"") + std::string(cmd_name) + "\""), std::string::npos) << l;
      EXPECT_NE(l.find(std::string("\"cause\":\"") + std::string(cause_name) + "\""), std::string::npos) << l;
      const RecordedEvent re = dec(l);
      const auto& y = std::get<Control>(re.event);
      EXPECT_EQ(y.command, cmd);
      EXPECT_EQ(y.cause, cause);
    }
  }
}

TEST_F(CodecTest, ControlFieldsAddedWithinVersionOneAreOptional) {
  // A ctl line as first specified (no cause / measured / limit / equity) still decodes: defaults.
  const RecordedEvent r = dec("{\"v\":1,\"seq\":3,\"kind\":\"ctl\",\"ts_local\":7,\"sym\":\"\",\"cmd\":\"kill_off\"}");
  const auto& d = std::get<Control>(r.event);
  EXPECT_EQ(d.command, ControlCommand::kKillSwitchOff);
  EXPECT_EQ(d.cause, KillCause::kNone);
  EXPECT_EQ(d.measured_raw, 0);
  EXPECT_EQ(d.limit_raw, 0);
  EXPECT_EQ(d.equity_raw, 0);
  EXPECT_EQ(d.symbol, kNoSymbol);
  // Present, they are checked like every other field.
  RecordedEvent out;
  EXPECT_EQ(decoder_.decode("{\"v\":1,\"seq\":3,\"kind\":\"ctl\",\"ts_local\":7,\"sym\":\"\",\"cmd\":\"kill_on\","
                            "\"cause\":\"inventory\"}",
                            out),
            DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "cause");
  EXPECT_EQ(decoder_.decode("{\"v\":1,\"seq\":3,\"kind\":\"ctl\",\"ts_local\":7,\"sym\":\"\",\"cmd\":\"kill_on\","
                            "\"measured\":1.5}",
                            out),
            DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "measured");
}

TEST_F(CodecTest, FooterRoundTrips) {
  RecordFooter f;
  f.counts = {10, 1, 2, 3, 4, 5, 0};
  f.events = 25;  // 10+1+2+3+4+5+0
  char buf[512];
  const std::size_t n = encode_footer(f, buf, sizeof(buf));
  ASSERT_GT(n, 0u);
  const std::string line(buf, n);
  EXPECT_EQ(line,
            "{\"v\":1,\"kind\":\"end\",\"events\":25,\"n_md\":10,\"n_trade\":1,\"n_mark\":2,\"n_sig\":3,"
            "\"n_ord\":4,\"n_exec\":5,\"n_ctl\":0}\n");
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kEnd);
  EXPECT_EQ(r.seq, 0u);
  EXPECT_EQ(std::get<RecordFooter>(r.event), f);
}

TEST_F(CodecTest, ConfigHeaderDropsSecretsAndRoundTrips) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"SYMBOLS", "BTCUSDT,ETHUSDT"},
      {"BINANCE_API_KEY", "abc"},         // secret: must not appear, not even masked
      {"BINANCE_API_SECRET", "***"},
      {"NOTE", "quote \" and backslash \\ and tab \t"},
      {"MAX_NOTIONAL", "1000.5"},
  };
  const std::string line = encode_config_header("dmabot 0.1.0", pairs);
  EXPECT_EQ(line.find("API_KEY"), std::string::npos) << line;
  EXPECT_EQ(line.find("SECRET"), std::string::npos) << line;
  EXPECT_EQ(line.find("abc"), std::string::npos) << line;
  EXPECT_EQ(line.back(), '\n');
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kConfig);
  const ConfigHeader& h = decoder_.config_header();
  EXPECT_EQ(h.version, 1);
  EXPECT_EQ(h.program, "dmabot 0.1.0");
  ASSERT_EQ(h.pairs.size(), 3u);
  EXPECT_EQ(h.pairs[0], (std::pair<std::string, std::string>{"SYMBOLS", "BTCUSDT,ETHUSDT"}));
  EXPECT_EQ(h.pairs[1], (std::pair<std::string, std::string>{"NOTE", "quote \" and backslash \\ and tab \t"}));
  EXPECT_EQ(h.pairs[2], (std::pair<std::string, std::string>{"MAX_NOTIONAL", "1000.5"}));
}

TEST_F(CodecTest, EncodeRefusesASmallBuffer) {
  MdTick t;
  t.symbol = btc_;
  char buf[1024];
  // "BTCUSDT" is 7 chars: the encoder needs max_event_line_bytes(7) = 400 + 42 = 442 bytes.
  EXPECT_EQ(encode(t, 1, symbols_, buf, 441), 0u);
  EXPECT_GT(encode(t, 1, symbols_, buf, 442), 0u);
  RecordFooter f;
  EXPECT_EQ(encode_footer(f, buf, 100), 0u);
}

TEST_F(CodecTest, SymbolsAreInternedIntoTheDecodersTable) {
  SymbolTable table;
  const SymbolId pre = table.add("SOLUSDT");  // id 0
  EventDecoder d(&table);
  RecordedEvent out;
  const std::string a =
      R"({"v":1,"seq":1,"kind":"ctl","ts_local":1,"sym":"BNBUSDT","cmd":"none"})";
  const std::string b =
      R"({"v":1,"seq":2,"kind":"ctl","ts_local":2,"sym":"solusdt","cmd":"cancel_all"})";
  ASSERT_EQ(d.decode(a, out), DecodeResult::kOk) << d.error();
  EXPECT_EQ(std::get<Control>(out.event).symbol, 1);  // new name -> next id
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table.name(1), "BNBUSDT");
  ASSERT_EQ(d.decode(b, out), DecodeResult::kOk) << d.error();
  EXPECT_EQ(std::get<Control>(out.event).symbol, pre);  // case-insensitive match of an existing name
  EXPECT_EQ(std::get<Control>(out.event).command, ControlCommand::kCancelAll);
  ASSERT_EQ(d.decode(a, out), DecodeResult::kOk);  // cached path gives the same id
  EXPECT_EQ(std::get<Control>(out.event).symbol, 1);
  EXPECT_EQ(table.size(), 2u);
}

TEST_F(CodecTest, DecodeAcceptsAnyFieldOrderUnknownFieldsAndCrlf) {
  const std::string line =
      "{\"cmd\":\"shutdown\",\"extra\":{\"nested\":[1,2]},\"sym\":\"\",\"ts_local\":-5,\"kind\":\"ctl\","
      "\"seq\":9,\"v\":1}\r\n";
  const RecordedEvent r = dec(line);
  ASSERT_EQ(r.kind, RecordKind::kCtl);
  EXPECT_EQ(r.seq, 9u);
  EXPECT_EQ(std::get<Control>(r.event).ts_local, -5);
  EXPECT_EQ(std::get<Control>(r.event).symbol, kNoSymbol);
  EXPECT_EQ(std::get<Control>(r.event).command, ControlCommand::kShutdown);
}

TEST_F(CodecTest, DecodePaddedReadsInPlace) {
  // The line sits in a bigger buffer followed by the next line: decode_padded must stop at its end.
  const std::string first = R"({"v":1,"seq":1,"kind":"ctl","ts_local":7,"sym":"BTCUSDT","cmd":"kill_off"})";
  std::string buf = first + "\n" + first + std::string(kJsonPadding, ' ');
  RecordedEvent out;
  ASSERT_EQ(decoder_.decode_padded(std::string_view(buf.data(), first.size()), out), DecodeResult::kOk)
      << decoder_.error();
  EXPECT_EQ(std::get<Control>(out.event).ts_local, 7);
  EXPECT_EQ(std::get<Control>(out.event).command, ControlCommand::kKillSwitchOff);
}

// --- malformed input -------------------------------------------------------------------------------

const char* const kGoodMd =
    R"({"v":1,"seq":1,"kind":"md","ts_local":5,"ts_exch":4,"sym":"BTCUSDT","u":3,"bid":"1.5","bq":"2","ask":"1.6","aq":"3","feed":0})";

std::string replace(std::string s, std::string_view from, std::string_view to) {
  const auto pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  s.replace(pos, from.size(), to);
  return s;
}

TEST_F(CodecTest, GoodMdBaselineDecodes) {
  const RecordedEvent r = dec(kGoodMd);
  ASSERT_EQ(r.kind, RecordKind::kMd);
  EXPECT_EQ(std::get<MdTick>(r.event).bid.raw, 150000000);  // 1.5 * 1e8
}

TEST_F(CodecTest, EmptyLines) {
  EXPECT_EQ(dec_err(""), DecodeResult::kEmpty);
  EXPECT_EQ(dec_err("  \t\r\n"), DecodeResult::kEmpty);
}

TEST_F(CodecTest, TruncatedLineIsMalformed) {
  const std::string full = kGoodMd;
  // Every proper prefix (a crash can cut the last line anywhere) must be rejected, never accepted.
  for (std::size_t n = 1; n < full.size(); ++n) {
    const DecodeResult r = dec_err(full.substr(0, n));
    EXPECT_TRUE(r == DecodeResult::kMalformed || r == DecodeResult::kEmpty) << n << ": " << to_string(r);
  }
}

TEST_F(CodecTest, SyntaxErrorsAreMalformed) {
  EXPECT_EQ(dec_err("[1,2,3]"), DecodeResult::kMalformed);
  EXPECT_EQ(dec_err("\"md\""), DecodeResult::kMalformed);
  EXPECT_EQ(dec_err(std::string(kGoodMd) + "{\"v\":1}"), DecodeResult::kMalformed);  // two glued lines
  EXPECT_EQ(dec_err(std::string(kGoodMd) + " x"), DecodeResult::kMalformed);
  EXPECT_EQ(dec_err(replace(kGoodMd, "\"u\":3,", "\"u\":3,,")), DecodeResult::kMalformed);
}

TEST_F(CodecTest, WrongTypesNameTheField) {
  EXPECT_EQ(dec_err(replace(kGoodMd, "\"bid\":\"1.5\"", "\"bid\":1.5")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "bid");
  EXPECT_NE(decoder_.error().find("'bid'"), std::string_view::npos) << decoder_.error();

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"u\":3", "\"u\":\"3\"")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "u");

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"u\":3", "\"u\":-3")), DecodeResult::kBadField);  // ids are unsigned
  EXPECT_EQ(decoder_.error_field(), "u");

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"ts_local\":5", "\"ts_local\":5.5")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "ts_local");

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"feed\":0", "\"feed\":256")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "feed");

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"bq\":\"2\"", "\"bq\":\"1.000000001\"")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "bq");
  EXPECT_NE(decoder_.error().find("more than 8 decimals"), std::string_view::npos) << decoder_.error();

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"ask\":\"1.6\"", "\"ask\":\"1e5\"")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "ask");

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"sym\":\"BTCUSDT\"", "\"sym\":7")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "sym");
}

TEST_F(CodecTest, BadEnumValuesNameTheField) {
  const std::string ctl = R"({"v":1,"seq":1,"kind":"ctl","ts_local":1,"sym":"","cmd":"explode"})";
  EXPECT_EQ(dec_err(ctl), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "cmd");
  const std::string trade =
      R"({"v":1,"seq":1,"kind":"trade","ts_local":1,"ts_exch":1,"sym":"X","id":1,"px":"1","qty":"1","aggr":"buy","feed":0})";
  EXPECT_EQ(dec_err(trade), DecodeResult::kBadField);  // enum names are case-sensitive: "BUY"
  EXPECT_EQ(decoder_.error_field(), "aggr");
}

TEST_F(CodecTest, MissingFieldIsNamed) {
  EXPECT_EQ(dec_err(replace(kGoodMd, ",\"aq\":\"3\"", "")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "aq");
  EXPECT_NE(decoder_.error().find("missing"), std::string_view::npos) << decoder_.error();

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"seq\":1,", "")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "seq");

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"kind\":\"md\",", "")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "kind");

  EXPECT_EQ(dec_err(replace(kGoodMd, "\"v\":1,", "")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "v");
}

TEST_F(CodecTest, UnknownKind) {
  EXPECT_EQ(dec_err(replace(kGoodMd, "\"kind\":\"md\"", "\"kind\":\"depth\"")), DecodeResult::kUnknownKind);
  EXPECT_EQ(decoder_.error_field(), "kind");
  EXPECT_NE(decoder_.error().find("depth"), std::string_view::npos) << decoder_.error();
}

TEST_F(CodecTest, NewerVersionIsRejectedWithAClearMessage) {
  EXPECT_EQ(dec_err(replace(kGoodMd, "\"v\":1", "\"v\":2")), DecodeResult::kUnsupportedVersion);
  EXPECT_NE(decoder_.error().find("schema version 2"), std::string_view::npos) << decoder_.error();
  // A newer version wins over an unknown kind: the kind may exist in that version.
  EXPECT_EQ(dec_err(R"({"kind":"depth","v":3})"), DecodeResult::kUnsupportedVersion);
  EXPECT_EQ(dec_err(replace(kGoodMd, "\"v\":1", "\"v\":0")), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error_field(), "v");
}

TEST_F(CodecTest, DecoderIsMovable) {
  EventDecoder moved = std::move(decoder_);
  RecordedEvent out;
  ASSERT_EQ(moved.decode(kGoodMd, out), DecodeResult::kOk) << moved.error();
  EXPECT_EQ(std::get<MdTick>(out.event).ask.raw, 160000000);  // 1.6 * 1e8
  EXPECT_EQ(decoded_symbols_.name(std::get<MdTick>(out.event).symbol), "BTCUSDT");
  decoder_ = std::move(moved);  // move assignment works too
  ASSERT_EQ(decoder_.decode(kGoodMd, out), DecodeResult::kOk) << decoder_.error();
  EXPECT_EQ(std::get<MdTick>(out.event).update_id, 3u);
}

TEST_F(CodecTest, DecoderRecoversAfterErrors) {
  EXPECT_EQ(dec_err("{\"v\":1,"), DecodeResult::kMalformed);
  EXPECT_EQ(dec_err(replace(kGoodMd, "\"u\":3", "\"u\":true")), DecodeResult::kBadField);
  const RecordedEvent r = dec(kGoodMd);
  EXPECT_EQ(std::get<MdTick>(r.event).update_id, 3u);
}

// The example lines in docs/EVENT_SCHEMA.md must stay valid schema-1 lines.
TEST_F(CodecTest, SchemaDocExamplesDecode) {
  // ctest runs tests in the source root; DMABOT_SOURCE_DIR, when set, says where that is.
  const char* root = std::getenv("DMABOT_SOURCE_DIR");
  std::ifstream doc(std::string(root != nullptr ? root : ".") + "/docs/EVENT_SCHEMA.md");
  if (!doc.good()) GTEST_SKIP() << "docs/EVENT_SCHEMA.md not found: run from the source root or through ctest";
  std::string line;
  int examples = 0;
  while (std::getline(doc, line)) {
    if (line.rfind("{\"v\":", 0) != 0) continue;
    ++examples;
    RecordedEvent out;
    EXPECT_EQ(decoder_.decode(line, out), DecodeResult::kOk) << decoder_.error() << " in " << line;
  }
  EXPECT_EQ(examples, 6);  // config, md, sig, end, ctl (kill_on), ctl (position_adjust)
}

// ---------------------------------------------------------------------------------------------
// The md/trade/mark fast path against the generic simdjson decoder: two decoders, the second with
// set_fast_path(false), each with its own symbol table, so interning is compared too.

// Expects x.*f == y.*f for every member pointer f.
template <class E, class... F>
void expect_same_fields(const E& x, const E& y, const std::string& line, F... fields) {
  auto same = [&](auto f) { EXPECT_EQ(x.*f, y.*f) << line; };
  (same(fields), ...);
}

class FastVsGeneric {
 public:
  FastVsGeneric() : fast_(&fast_symbols_), generic_(&generic_symbols_) { generic_.set_fast_path(false); }
  // Returns the common result; last_was_fast() then tells whether the fast path took the line.
  DecodeResult check(const std::string& line) {
    RecordedEvent a, b;
    const uint64_t before = fast_.fast_path_lines();
    const DecodeResult ra = fast_.decode(line, a);
    const DecodeResult rb = generic_.decode(line, b);
    last_was_fast_ = fast_.fast_path_lines() != before;
    EXPECT_TRUE(!last_was_fast_ || ra == DecodeResult::kOk) << line;  // only valid lines are counted
    EXPECT_EQ(generic_.fast_path_lines(), 0u) << line;
    EXPECT_EQ(ra, rb) << line;
    EXPECT_EQ(fast_.error(), generic_.error()) << line;
    EXPECT_EQ(fast_.error_field(), generic_.error_field()) << line;
    EXPECT_EQ(fast_symbols_.size(), generic_symbols_.size()) << line;
    if (ra != DecodeResult::kOk || rb != DecodeResult::kOk) return ra;
    EXPECT_EQ(a.kind, b.kind) << line;
    EXPECT_EQ(a.seq, b.seq) << line;
    EXPECT_EQ(a.event.index(), b.event.index()) << line;
    if (const auto* x = std::get_if<MdTick>(&a.event)) {
      expect_same_fields(*x, std::get<MdTick>(b.event), line, &MdTick::ts_local, &MdTick::ts_exchange,
                         &MdTick::update_id, &MdTick::bid, &MdTick::bid_qty, &MdTick::ask, &MdTick::ask_qty,
                         &MdTick::symbol, &MdTick::feed);
    } else if (const auto* t = std::get_if<Trade>(&a.event)) {
      expect_same_fields(*t, std::get<Trade>(b.event), line, &Trade::ts_local, &Trade::ts_exchange,
                         &Trade::trade_id, &Trade::price, &Trade::qty, &Trade::aggressor, &Trade::symbol,
                         &Trade::feed);
    } else if (const auto* m = std::get_if<MarkPrice>(&a.event)) {
      expect_same_fields(*m, std::get<MarkPrice>(b.event), line, &MarkPrice::ts_local, &MarkPrice::ts_exchange,
                         &MarkPrice::next_funding_time, &MarkPrice::mark, &MarkPrice::index,
                         &MarkPrice::funding_rate_raw, &MarkPrice::symbol, &MarkPrice::feed);
    }
    return ra;
  }
  bool last_was_fast() const { return last_was_fast_; }
  uint64_t fast_lines() const { return fast_.fast_path_lines(); }
  void expect_same_tables() {
    ASSERT_EQ(fast_symbols_.size(), generic_symbols_.size());
    for (SymbolId i = 0; i < fast_symbols_.size(); ++i) EXPECT_EQ(fast_symbols_.name(i), generic_symbols_.name(i));
  }

 private:
  SymbolTable fast_symbols_, generic_symbols_;
  EventDecoder fast_, generic_;
  bool last_was_fast_ = false;
};

TEST_F(CodecTest, FastDecodeReadsWhatEncodeWrites) {
  // Hand-written lines in encode()'s exact shape; values scaled by hand (raw = value * 1e8).
  RecordedEvent e = dec(
      R"({"v":1,"seq":9,"kind":"trade","ts_local":-5,"ts_exch":7,"sym":"SOLUSDT","id":18446744073709551,"px":"-0.5","qty":"12.00000001","aggr":"SELL","feed":255})");
  ASSERT_EQ(e.kind, RecordKind::kTrade);
  EXPECT_EQ(e.seq, 9u);
  const Trade& t = std::get<Trade>(e.event);
  EXPECT_EQ(t.ts_local, -5);
  EXPECT_EQ(t.trade_id, 18'446'744'073'709'551u);
  EXPECT_EQ(t.price.raw, -50'000'000);     // -0.5 * 1e8
  EXPECT_EQ(t.qty.raw, 1'200'000'001);     // 12.00000001 * 1e8
  EXPECT_EQ(t.aggressor, Side::kSell);
  EXPECT_EQ(t.feed, 255);
  e = dec(R"({"v":1,"seq":10,"kind":"mark","ts_local":1,"ts_exch":2,"sym":"","mark":"9999999999.99999999","index":"0","funding":"-0.0001","next_funding":9223372036854775807,"feed":0})");
  const MarkPrice& m = std::get<MarkPrice>(e.event);
  EXPECT_EQ(m.mark.raw, 999'999'999'999'999'999);  // 9999999999.99999999 * 1e8
  EXPECT_EQ(m.funding_rate_raw, -10'000);          // -0.0001 * 1e8
  EXPECT_EQ(m.next_funding_time, kI64Max);
  EXPECT_EQ(m.symbol, kNoSymbol);  // "sym":"" is no symbol
  EXPECT_EQ(decoder_.fast_path_lines(), 2u);  // both lines went through the fast path
}

TEST_F(CodecTest, FastPathSwitchAndCounter) {
  // kGoodMd is in encode()'s exact shape: the fast path takes it while it is on, simdjson when off.
  RecordedEvent r;
  EXPECT_TRUE(decoder_.fast_path());
  decoder_.set_fast_path(false);
  EXPECT_FALSE(decoder_.fast_path());
  ASSERT_EQ(decoder_.decode(kGoodMd, r), DecodeResult::kOk) << decoder_.error();
  EXPECT_EQ(std::get<MdTick>(r.event).bid.raw, 150000000);  // 1.5 * 1e8
  EXPECT_EQ(decoder_.fast_path_lines(), 0u);
  decoder_.set_fast_path(true);
  ASSERT_EQ(decoder_.decode(kGoodMd, r), DecodeResult::kOk) << decoder_.error();
  EXPECT_EQ(std::get<MdTick>(r.event).bid.raw, 150000000);
  EXPECT_EQ(decoder_.fast_path_lines(), 1u);
  // decode_padded counts too; a leading blank, an invalid line and a ctl line take simdjson.
  const std::string padded = std::string(kGoodMd) + std::string(kJsonPadding, ' ');
  ASSERT_EQ(decoder_.decode_padded(std::string_view(padded.data(), padded.size() - kJsonPadding), r),
            DecodeResult::kOk);
  EXPECT_EQ(decoder_.fast_path_lines(), 2u);
  ASSERT_EQ(decoder_.decode(" " + std::string(kGoodMd), r), DecodeResult::kOk) << decoder_.error();
  EXPECT_EQ(decoder_.decode(replace(kGoodMd, "\"bid\":\"1.5\"", "\"bid\":\"x\""), r), DecodeResult::kBadField);
  EXPECT_EQ(decoder_.error(), "field 'bid': not a decimal number");
  ASSERT_EQ(decoder_.decode(R"({"v":1,"seq":2,"kind":"ctl","ts_local":7,"sym":"","cmd":"none"})", r),
            DecodeResult::kOk);
  EXPECT_EQ(decoder_.fast_path_lines(), 2u);
}

TEST(FastDecode, AgreesWithGenericOnRandomEvents) {
  SymbolTable names;
  const SymbolId ids[] = {names.add("BTCUSDT"), names.add("ETHUSDT"), names.add("1000PEPEUSDT"), kNoSymbol};
  SplitMix64 rng(99);
  // Values around the digit-count boundaries the word-at-a-time code switches on.
  auto i64 = [&rng]() -> int64_t {
    switch (rng.next() % 6) {
      case 0: return kI64Max - static_cast<int64_t>(rng.next() % 3);
      case 1: return kI64Min + static_cast<int64_t>(rng.next() % 3);
      case 2: return -static_cast<int64_t>(rng.next() % 100000);
      case 3: return static_cast<int64_t>(rng.next() % 100000000);
      default: return static_cast<int64_t>(rng.next() >> (rng.next() % 64));
    }
  };
  auto decimal = [&rng]() -> int64_t {
    int64_t v = static_cast<int64_t>(rng.next() >> (1 + rng.next() % 63));
    if (rng.next() % 3 == 0) v -= v % 1'000'000;  // trailing zeros trimmed: fewer decimals
    return rng.next() % 5 == 0 ? -v : v;
  };
  // The fast path takes a line unless a value needs the checked path: an unsigned field of 20 digits
  // (>= 1e19), a signed one at INT64_MIN (its 19 digits exceed INT64_MAX before the sign) or a
  // decimal with 11+ integer digits (|raw| >= 1e10 * 1e8).
  bool fast_ok = true;
  auto fits_uint = [&fast_ok](uint64_t v) {
    fast_ok = fast_ok && v < 10'000'000'000'000'000'000u;
    return v;
  };
  auto fits_int = [&fast_ok](int64_t v) {
    fast_ok = fast_ok && v != kI64Min;
    return v;
  };
  auto fits_dec = [&fast_ok](int64_t raw) {
    fast_ok = fast_ok && raw > -1'000'000'000'000'000'000 && raw < 1'000'000'000'000'000'000;
    return raw;
  };
  FastVsGeneric cmp;
  char buf[1024];
  int fast_lines = 0;
  for (int i = 0; i < 30000; ++i) {
    fast_ok = true;
    const SymbolId sym = ids[rng.next() % 4];
    const uint64_t seq = fits_uint(rng.next() >> (rng.next() % 64));
    std::size_t n = 0;
    switch (i % 3) {
      case 0: {
        MdTick t;
        t.ts_local = fits_int(i64());
        t.ts_exchange = fits_int(i64());
        t.update_id = fits_uint(rng.next() >> (rng.next() % 64));
        t.bid = Price::from_raw(fits_dec(decimal()));
        t.bid_qty = Qty::from_raw(fits_dec(decimal()));
        t.ask = Price::from_raw(fits_dec(decimal()));
        t.ask_qty = Qty::from_raw(fits_dec(decimal()));
        t.symbol = sym;
        t.feed = static_cast<uint8_t>(rng.next());
        n = encode(t, seq, names, buf, sizeof(buf));
        break;
      }
      case 1: {
        Trade t;
        t.ts_local = fits_int(i64());
        t.ts_exchange = fits_int(i64());
        t.trade_id = fits_uint(rng.next() >> (rng.next() % 64));
        t.price = Price::from_raw(fits_dec(decimal()));
        t.qty = Qty::from_raw(fits_dec(decimal()));
        t.aggressor = rng.next() % 2 == 0 ? Side::kBuy : Side::kSell;
        t.symbol = sym;
        t.feed = static_cast<uint8_t>(rng.next());
        n = encode(t, seq, names, buf, sizeof(buf));
        break;
      }
      default: {
        MarkPrice m;
        m.ts_local = fits_int(i64());
        m.ts_exchange = fits_int(i64());
        m.next_funding_time = fits_int(i64());
        m.mark = Price::from_raw(fits_dec(decimal()));
        m.index = Price::from_raw(fits_dec(decimal()));
        m.funding_rate_raw = fits_dec(decimal());
        m.symbol = sym;
        m.feed = static_cast<uint8_t>(rng.next());
        n = encode(m, seq, names, buf, sizeof(buf));
        break;
      }
    }
    ASSERT_GT(n, 0u);
    const std::string line(buf, n);  // with its '\n', as decode() allows
    EXPECT_EQ(cmp.check(line), DecodeResult::kOk) << line;
    EXPECT_EQ(cmp.last_was_fast(), fast_ok) << line;
    EXPECT_EQ(cmp.check(line.substr(0, n - 1)), DecodeResult::kOk) << line;
    EXPECT_EQ(cmp.last_was_fast(), fast_ok) << line;
    fast_lines += fast_ok ? 2 : 0;
    if (::testing::Test::HasFailure()) return;
  }
  cmp.expect_same_tables();
  EXPECT_EQ(cmp.fast_lines(), static_cast<uint64_t>(fast_lines));
  EXPECT_GT(fast_lines, 30000);  // most of the 60000 lines: the comparison covers the fast path
}

TEST(FastDecode, AgreesWithGenericOnMutatedLines) {
  const std::string seeds[] = {
      R"({"v":1,"seq":12,"kind":"md","ts_local":1723161254087891268,"ts_exch":1723161254087000000,"sym":"BTCUSDT","u":50093239212,"bid":"61837.63","bq":"3.78826","ask":"61837.64","aq":"1.54698","feed":0})",
      R"({"v":1,"seq":13,"kind":"trade","ts_local":-1,"ts_exch":0,"sym":"ETHUSDT","id":3,"px":"2500.1","qty":"0.001","aggr":"BUY","feed":2})",
      R"({"v":1,"seq":14,"kind":"mark","ts_local":5,"ts_exch":6,"sym":"BTCUSDT","mark":"61800.2","index":"61801","funding":"-0.0001","next_funding":1723190400000000000,"feed":1})",
  };
  const std::string replacements = std::string("\"\\ -.0159x}{,:e\x01\x7f") + '\xff' + '\0';
  FastVsGeneric cmp;
  int ok = 0, cases = 0;
  for (const std::string& seed : seeds) {
    ASSERT_EQ(cmp.check(seed), DecodeResult::kOk);
    ASSERT_TRUE(cmp.last_was_fast()) << seed;
    for (std::size_t n = 0; n <= seed.size(); ++n) ok += cmp.check(seed.substr(0, n)) == DecodeResult::kOk;
    for (std::size_t i = 0; i < seed.size(); ++i) {
      for (char c : replacements) {
        std::string m = seed;
        m[i] = c;
        ok += cmp.check(m) == DecodeResult::kOk;
        std::string ins = seed;
        ins.insert(i, 1, c);
        ok += cmp.check(ins) == DecodeResult::kOk;
        cases += 2;
      }
      std::string del = seed;
      del.erase(i, 1);
      ok += cmp.check(del) == DecodeResult::kOk;
      ++cases;
    }
    if (::testing::Test::HasFailure()) return;
  }
  cmp.expect_same_tables();
  EXPECT_GT(cases, 5000);
  EXPECT_GT(ok, 100);  // some mutations keep a valid line (a digit for a digit, a new symbol)
  // Fast lines are a subset of the valid ones: the 3 seeds plus mutations that keep the exact shape.
  EXPECT_GT(cmp.fast_lines(), 3u + 50u);
  EXPECT_LE(cmp.fast_lines(), 3u + static_cast<uint64_t>(ok));
}

}  // namespace
}  // namespace dmabot::core
