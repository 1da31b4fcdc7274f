// tests/tools/venue_ledger_check.h — what the engine tests against binance-sim share: the sim's URL and
// test-account settings, the engine configuration with a market maker on it, polling a condition
// against a deadline, reading the sim's JSONL ledger (docs/BINANCE_SIM.md "The ledger"), reading the
// engine's recording, and check_against_ledger(): the venue's ledger held against the engine's own
// record and positions after a run. Used by binance_venue_engine_test.cpp (fault-free runs),
// binance_fault_matrix_test.cpp (one run per sim fault) and canary_test.cpp.
//
// Test code: header-only, gtest assertions, allocates freely; call from the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/config.h"
#include "core/event_codec.h"
#include "core/symbol_table.h"
#include "gateway/binance_gateway/binance_gateway.h"
#include "gateway/binance_io/https_get.h"
#include "tests/tools/engine_test_util.h"
#include "tests/tools/sim_process.h"
#include "tests/tools/test_process.h"
#include "tools/binance_venue.h"

namespace dmabot::testing {

using tools::Engine;

// The sim's URLs and CA (BINANCE_ENV=local) and its published test account (allowed outside the
// environment with BINANCE_ENV=local).
inline std::vector<std::string> sim_binance_sets(const SimProcess& sim) {
  return {"BINANCE_ENV=local",
          "BINANCE_SPOT_REST_URL=https://" + sim.spot_base(),
          "BINANCE_SPOT_WS_API_URL=wss://" + sim.spot_base() + "/ws-api/v3",
          "BINANCE_SPOT_STREAM_URL=wss://" + sim.spot_base(),
          "BINANCE_FUTURES_REST_URL=https://" + sim.futures_base(),
          "BINANCE_FUTURES_WS_API_URL=wss://" + sim.futures_base() + "/ws-fapi/v1",
          "BINANCE_FUTURES_STREAM_URL=wss://" + sim.futures_base(),
          "BINANCE_CA_FILE=" + sim.ca,
          "BINANCE_API_KEY=dmabot-local-key",
          "BINANCE_API_SECRET=dmabot-local-secret"};
}

// The engine with the market maker on the sim (FEED_MODE=binance, VENUE_MODE=binance_*), recording to
// `record` when not empty.
// FEED_MODE comes first (a test may swap it: sets[0]).
inline std::vector<std::string> venue_config(const SimProcess& sim, bool futures, const std::string& record) {
  std::vector<std::string> c = {
      "FEED_MODE=binance", futures ? "VENUE_MODE=binance_futures" : "VENUE_MODE=binance_spot",
      futures ? "MARKET_TYPE=usdm" : "MARKET_TYPE=spot", "SYMBOLS=ETHUSDT",
      // The sim's default spot wallet (BTC 1, ETH 10) counts as flat: these runs start with no inventory.
      "BINANCE_SPOT_NEUTRAL_BALANCE=BTC:1,ETH:10", "STRATEGIES=dynmm", "DYNMM_SIGMA_WINDOW=3",
      // The sim's walk moves ETHUSDT (3000) one tick (0.01) per 100 ms: quote at the touch (the tightest
      // spread, rounded outwards to the tick) and follow every move (at most every 300 ms: inside the
      // sim's 100 orders / 10 s), so the walk fills a quote within seconds.
      "DYNMM_MIN_REQUOTE_MS=300", "DYNMM_TOLERANCE_BPS=0", "DYNMM_A=0", "DYNMM_B=0", "DYNMM_FLOOR_BPS=0.01",
      // USD-M ETHUSDT's minimum notional is 20 on the sim (as on Binance).
      futures ? "DYNMM_BASE_SIZE_USD=40" : "DYNMM_BASE_SIZE_USD=20", "METRICS_PORT=-1", "IDLE_POLICY=sleep",
      "LOG_LEVEL=warn"};
  const std::vector<std::string> binance = sim_binance_sets(sim);
  c.insert(c.end(), binance.begin(), binance.end());
  if (!record.empty()) c.push_back("RECORD_FILE=" + record);
  return c;
}

// `sets` with each of `more` replacing the value of its key (or added).
inline std::vector<std::string> with(std::vector<std::string> sets, const std::vector<std::string>& more) {
  for (const std::string& kv : more) {
    const std::string key = kv.substr(0, kv.find('=') + 1);
    std::erase_if(sets, [&](const std::string& s) { return s.rfind(key, 0) == 0; });
    sets.push_back(kv);
  }
  return sets;
}

inline absl::StatusOr<std::unique_ptr<Engine>> venue_engine(const std::vector<std::string>& sets) {
  auto cfg = core::Config::parse("", "venue.env", sets, &core::Config::no_env);
  if (!cfg.ok()) return cfg.status();
  return tools::build_test_engine(*cfg, core::Clock::live());
}

inline bool poll_until(double seconds, const std::function<bool()>& cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a condition against a deadline
  }
  return false;
}

inline double reports(Engine& e, const std::string& venue, core::ExecStatus st) {
  return static_cast<double>(e.metrics().counter_value(
      "exec_reports_total", {{{"venue", venue}, {"status", std::string(core::to_string(st))}}}));
}

// One JSON field of a ledger line: a string's contents or a bare token; "" when absent.
inline std::string field(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const std::size_t at = line.find(k);
  if (at == std::string::npos) return "";
  std::size_t p = at + k.size();
  if (p < line.size() && line[p] == '"') {
    const std::size_t end = line.find('"', p + 1);
    return line.substr(p + 1, end - p - 1);
  }
  const std::size_t end = line.find_first_of(",}", p);
  return line.substr(p, end - p);
}

struct Ledger {
  std::vector<std::string> accepted;        // clientOrderId of every order_accepted, in order
  std::set<std::string> closed;             // reached a final state (order_state or a FILLED fill)
  std::map<std::string, int64_t> fill_qty;  // signed (BUY +) quantity filled, per clientOrderId
  int fills = 0;
  int order_lines = 0;                  // any line about an order (accepted, rejected, state, fill)
  std::map<std::string, int> rejected;  // order_rejected lines (any request) by Binance's code
};

// The ledger as it is now, in a copy (PATH.at_stop) that later work cannot change: taken right after
// e.shutdown(), since the sim's market goes on and fills what an IP ban left working (RateLimit cases)
// while a test exports or replays the recording.
inline std::string ledger_at_stop(const std::string& path) {
  const std::string copy = path + ".at_stop";
  std::ofstream(copy, std::ios::binary) << testing::read_file(path);
  return copy;
}

inline Ledger read_ledger(const std::string& path, const std::string& prefix, int* foreign = nullptr) {
  Ledger l;
  std::istringstream in(testing::read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    const std::string type = field(line, "type");
    const std::string cid = field(line, "clientOrderId");
    if (type == "order_accepted" || type == "order_rejected" || type == "order_state" || type == "fill")
      ++l.order_lines;
    if (cid.rfind(prefix, 0) != 0) {
      if (foreign != nullptr && type == "order_accepted") ++*foreign;
      continue;
    }
    if (type == "order_accepted") l.accepted.push_back(cid);
    if (type == "order_rejected") ++l.rejected[field(line, "code")];
    const std::string status = field(line, "status");
    if (type == "order_state" && (status == "CANCELED" || status == "EXPIRED" || status == "EXPIRED_IN_MATCH" ||
                                  status == "FILLED" || status == "REJECTED")) {
      l.closed.insert(cid);
    }
    if (type == "fill") {
      int64_t raw = 0;
      EXPECT_EQ(core::parse_decimal(field(line, "qty"), false, raw), core::DecimalError::kOk) << line;
      l.fill_qty[cid] += field(line, "side") == "SELL" ? -raw : raw;
      ++l.fills;
      if (status == "FILLED") l.closed.insert(cid);
    }
  }
  return l;
}

// Calls fn(event, symbols) for each recorded event of type T in the recording, in file order.
template <class T, class Fn>
inline void for_each_recorded(const std::string& record, Fn fn) {
  core::SymbolTable symbols;
  core::EventDecoder dec(&symbols);
  std::istringstream in(testing::read_file(record));
  std::string line;
  while (std::getline(in, line)) {
    core::RecordedEvent ev;
    if (dec.decode(line, ev) != core::DecodeResult::kOk) continue;
    if (const auto* e = std::get_if<T>(&ev.event)) fn(*e, symbols);
  }
}

// The engine's view from its recording: the last venue report per client id.
inline std::map<uint64_t, core::ExecStatus> engine_orders(const std::string& record, std::set<uint64_t>& acked,
                                                          std::map<uint64_t, int64_t>& fill_qty) {
  std::map<uint64_t, core::ExecStatus> last;
  for_each_recorded<core::ExecReport>(record, [&](const core::ExecReport& r, const core::SymbolTable&) {
    // A refused cancel (the order had filled meanwhile) says nothing about the order's own state.
    if (r.status != core::ExecStatus::kCancelRejected) last[r.client_id] = r.status;
    if (r.status == core::ExecStatus::kNew) acked.insert(r.client_id);
    if (r.last_qty.raw != 0) fill_qty[r.client_id] += r.side == core::Side::kSell ? -r.last_qty.raw : r.last_qty.raw;
  });
  return last;
}

// The position adjustments risk recorded (ctl position_adjust lines) for `symbol` (the engine's name;
// "" = every symbol): their sum, and how many had each cause.
struct RecordedAdjusts {
  int64_t sum = 0;
  std::map<core::KillCause, int> by_cause;
  std::vector<int64_t> user_data;  // the changes booked from user-data events, in order
};
inline RecordedAdjusts recorded_adjusts(const std::string& record, const std::string& symbol = "") {
  RecordedAdjusts out;
  for_each_recorded<core::Control>(record, [&](const core::Control& c, const core::SymbolTable& symbols) {
    if (c.command != core::ControlCommand::kPositionAdjust) return;
    if (!symbol.empty() && symbols.name(c.symbol) != symbol) return;
    out.sum += c.measured_raw;
    ++out.by_cause[c.cause];
    if (c.cause == core::KillCause::kUserData) out.user_data.push_back(c.measured_raw);
  });
  return out;
}

inline bool final_status(core::ExecStatus s) {
  return s == core::ExecStatus::kFilled || s == core::ExecStatus::kCanceled || s == core::ExecStatus::kExpired ||
         s == core::ExecStatus::kRejected;
}

// A gauge's value in the registry's text ("" venue label set to `venue`); NaN when absent.
inline double gauge(Engine& e, const std::string& name, const std::string& venue) {
  const std::string text = e.metrics().render();
  const std::string key = "\n" + name + "{venue=\"" + venue + "\"} ";
  const std::size_t at = text.find(key);
  return at == std::string::npos ? std::nan("") : std::strtod(text.c_str() + at + key.size(), nullptr);
}

// binance-sim's --admin hook: GET https://<base>/sim/admin/<what>; "" when it answered 200.
inline std::string sim_admin(const SimProcess& sim, bool futures, const std::string& target) {
  binance_io::HttpsGetOptions o;
  o.ca_file = sim.ca;
  auto r = binance_io::https_get("https://" + (futures ? sim.futures_base() : sim.spot_base()), target, o);
  if (!r.ok()) return std::string(r.status().message());
  return r->status == 200 ? "" : r->body;
}

// What a run must show at least, for check_against_ledger.
struct LedgerExpect {
  std::size_t min_accepted = 1;  // orders of this run the venue accepted
  int min_fills = 0;             // fills of this run in the ledger
  // Shutdown canceled every working order. False where the venue refuses every request for longer
  // than the shutdown's drain (an IP ban): then open orders must still be the engine's working ones.
  bool all_closed = true;
  // Position changes the engine did not trade, booked from user-data events (none unless the test made
  // one): a fill counted twice would show up here.
  int user_data_adjusts = 0;
};

// After e.shutdown(): the sim's ledger (`ledger`) against the engine's recording (`record`) and positions
// (symbol 0), for the run's client ids (its gateway's prefix):
//   * every order the venue accepted is this run's, and no newClientOrderId was accepted twice;
//   * the orders the venue accepted are exactly the ones the engine saw acknowledged;
//   * the orders still open on the venue are exactly the ones the engine thinks are working, and
//     none (shutdown cancels every working order);
//   * fills: per order the engine's quantity equals the venue's (none lost, none counted twice), the
//     engine's position is their sum plus the recorded position adjustments, the user-data ones are
//     as many as expected, and the engine reported each ledger fill exactly once.
// Returns the drift found: client ids accepted twice + orders the two sides disagree on (accepted vs
// acknowledged, open vs working, filled quantity) + 1 if the position differs. 0 = they agree.
inline int check_against_ledger(Engine& e, const std::string& ledger, const std::string& record,
                                const std::string& venue, const LedgerExpect& expect) {
  if (e.binance_venue() == nullptr) {
    ADD_FAILURE() << "not a Binance venue";
    return 1;
  }
  const binance_gateway::GatewayCore& gw = e.binance_venue()->core();
  const std::string prefix = "dm" + std::string(gw.ids().run_text()) + "-";
  int foreign = 0;
  const Ledger l = read_ledger(ledger, prefix, &foreign);
  EXPECT_EQ(foreign, 0) << "orders accepted that are not this run's";
  EXPECT_GE(l.accepted.size(), expect.min_accepted);
  const std::set<std::string> accepted(l.accepted.begin(), l.accepted.end());
  EXPECT_EQ(accepted.size(), l.accepted.size()) << "a newClientOrderId was accepted twice";

  std::set<uint64_t> acked;
  std::map<uint64_t, int64_t> engine_fills;
  const std::map<uint64_t, core::ExecStatus> last = engine_orders(record, acked, engine_fills);
  auto text = [&](uint64_t id) {
    char buf[binance_gateway::kClientIdTextMax];
    return std::string(gw.client_text(id, buf));
  };
  std::set<std::string> acked_text, working_engine, working_venue;
  for (uint64_t id : acked) acked_text.insert(text(id));
  for (const auto& [id, st] : last) {
    if (acked.count(id) != 0 && !final_status(st)) working_engine.insert(text(id));
  }
  for (const std::string& cid : accepted) {
    if (l.closed.count(cid) == 0) working_venue.insert(cid);
  }
  EXPECT_EQ(acked_text, accepted) << "the venue accepted what the engine saw acknowledged";
  EXPECT_EQ(working_engine, working_venue) << "open on the venue = working for the engine";
  if (expect.all_closed) {
    EXPECT_TRUE(working_venue.empty()) << "shutdown cancels every working order";
  }

  std::map<std::string, int64_t> engine_fill_text;
  for (const auto& [id, q] : engine_fills) engine_fill_text[text(id)] += q;
  EXPECT_EQ(engine_fill_text, l.fill_qty) << "fills per order: engine (recording) vs venue (ledger)";
  // The position is the fills plus what risk booked that the engine did not trade (start position,
  // spot commissions paid in the base asset, changes behind its back), each recorded as a ctl line.
  const RecordedAdjusts adjusts = recorded_adjusts(record);
  const auto user_data = adjusts.by_cause.find(core::KillCause::kUserData);
  EXPECT_EQ(user_data == adjusts.by_cause.end() ? 0 : user_data->second, expect.user_data_adjusts)
      << "changes the engine did not trade, from user data";
  int64_t venue_position = adjusts.sum;
  for (const auto& [cid, q] : l.fill_qty) venue_position += q;
  EXPECT_EQ(e.positions().symbol_qty(0).raw, venue_position);
  EXPECT_GE(l.fills, expect.min_fills);
  EXPECT_EQ(static_cast<double>(l.fills),
            reports(e, venue, core::ExecStatus::kFilled) + reports(e, venue, core::ExecStatus::kPartiallyFilled))
      << "each ledger fill reported once";

  auto sym_diff = [](const auto& a, const auto& b) {
    int n = 0;
    for (const auto& x : a) n += b.count(x) == 0;
    for (const auto& x : b) n += a.count(x) == 0;
    return n;
  };
  int drift = static_cast<int>(l.accepted.size() - accepted.size());
  drift += sym_diff(acked_text, accepted) + sym_diff(working_engine, working_venue);
  std::set<std::string> fill_ids;
  for (const auto& [cid, q] : l.fill_qty) fill_ids.insert(cid);
  for (const auto& [cid, q] : engine_fill_text) fill_ids.insert(cid);
  for (const std::string& cid : fill_ids) {
    const auto a = engine_fill_text.find(cid);
    const auto b = l.fill_qty.find(cid);
    drift += (a == engine_fill_text.end() ? 0 : a->second) != (b == l.fill_qty.end() ? 0 : b->second);
  }
  drift += e.positions().symbol_qty(0).raw != venue_position;
  return drift;
}

}  // namespace dmabot::testing
