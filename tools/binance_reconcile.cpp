// The exchange's account as the engine's inventory, and BinanceVenue's start positions and
// reconciliation rounds (tools/binance_venue.h, tools/binance_reconcile.h).
#include "tools/binance_reconcile.h"

#include <algorithm>

#include "core/log.h"
#include "core/strings.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance_gateway/inventory.h"
#include "tools/binance_venue.h"

namespace dmabot::tools {

using core::str_cat;

std::vector<ExchangePosition> spot_inventory(std::span<const binance::SpotAssetBalance> balances,
                                             std::span<const binance::InstrumentSpec* const> symbols,
                                             std::span<const std::pair<std::string, int64_t>> neutral) {
  std::vector<ExchangePosition> out;
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i] == nullptr) continue;
    const std::string& base = symbols[i]->base_asset;
    int64_t free_raw = 0, locked_raw = 0;
    for (const binance::SpotAssetBalance& b : balances) {
      if (b.asset.view() != base) continue;
      free_raw += b.free.raw;
      locked_raw += b.locked.raw;
    }
    ExchangePosition p;
    p.symbol = static_cast<core::SymbolId>(i);
    p.qty_raw = binance_gateway::spot_inventory_raw(base, free_raw, locked_raw, neutral);
    out.push_back(p);
  }
  return out;
}

absl::Status check_spot_assets(std::span<const binance::InstrumentSpec* const> symbols) {
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i] == nullptr) continue;
    for (std::size_t j = 0; j < symbols.size(); ++j) {
      if (j == i || symbols[j] == nullptr) continue;
      const binance::InstrumentSpec& a = *symbols[i];
      const binance::InstrumentSpec& b = *symbols[j];
      if (j > i && a.base_asset == b.base_asset)
        return absl::FailedPreconditionError(
            str_cat("SYMBOLS: ", a.symbol, " and ", b.symbol, " share the base asset ", a.base_asset,
                    "; the spot wallet cannot tell their inventories apart: trade one of them per run"));
      if (a.base_asset == b.quote_asset)
        return absl::FailedPreconditionError(
            str_cat("SYMBOLS: ", a.symbol, "'s base asset ", a.base_asset, " is ", b.symbol,
                    "'s quote asset; the spot wallet cannot tell their inventories apart: trade one of them per run"));
    }
  }
  return absl::OkStatus();
}

absl::Status futures_inventory(std::span<const binance::FuturesPositionInfo> rows,
                               std::span<const binance::InstrumentSpec* const> symbols,
                               std::vector<ExchangePosition>& out) {
  out.clear();
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i] == nullptr) continue;
    ExchangePosition p;
    p.symbol = static_cast<core::SymbolId>(i);
    for (const binance::FuturesPositionInfo& r : rows) {
      if (r.symbol.view() != symbols[i]->symbol) continue;
      if (r.position_side != binance::PositionSide::kBoth) {
        if (r.position_amt.raw == 0) continue;
        return absl::FailedPreconditionError(str_cat(symbols[i]->symbol, ": a hedge-mode position (positionSide ",
                                                     binance::wire_name(r.position_side),
                                                     "); dmabot trades one-way mode only (dualSidePosition=false)"));
      }
      p.qty_raw = r.position_amt.raw;
      p.entry_px_raw = r.entry_price.raw;
    }
    out.push_back(p);
  }
  return absl::OkStatus();
}

// 4b: GET account (spot) or positionRisk (USD-M) on the control client.
absl::Status BinanceVenue::load_positions(std::vector<ExchangePosition>& out) {
  const bool spot = p_.product == binance::Product::kSpot;
  const binance::RestTarget target = spot ? binance::kSpotAccount : binance::kFuturesPositionRiskV3;
  const std::string what = str_cat("Binance ", spot ? "spot" : "USD-M", " GET ", p_.rest_url, target.path);
  const binance::SymbolScope scope{p_.product, "", clock_offset_.now_server_ms(), 5000};
  if (!enc_->encode_scope(scope, binance_gateway::Wire::kRest, "", 0))
    return absl::InternalError(str_cat(what, ": cannot encode"));
  std::string body;
  if (auto st = signed_call(target, what, body); !st.ok()) return st;
  if (spot) {
    binance::SpotAccount account;
    std::span<const binance::SpotAssetBalance> balances;
    if (auto r = dec_->decode_spot_account(body, account, balances); !r.ok())
      return absl::DataLossError(str_cat(what, ": unparsable answer: ", binance::describe(r)));
    out = spot_inventory(balances, p_.symbols, p_.spot_neutral);
    return absl::OkStatus();
  }
  std::span<const binance::FuturesPositionInfo> rows;
  if (auto r = dec_->decode_positions(body, rows); !r.ok())
    return absl::DataLossError(str_cat(what, ": unparsable answer: ", binance::describe(r)));
  if (auto st = futures_inventory(rows, p_.symbols, out); !st.ok())
    return absl::FailedPreconditionError(str_cat(what, ": ", std::string(st.message())));
  return absl::OkStatus();
}

void BinanceVenue::send_adjust(core::SymbolId symbol, int64_t delta_raw, int64_t px_raw, core::KillCause cause) {
  core::Control c;
  c.cause = cause;
  c.ts_local = engine_clock_->now();
  c.command = core::ControlCommand::kPositionAdjust;
  c.symbol = symbol;
  c.venue = p_.venue_id;
  c.measured_raw = delta_raw;
  c.limit_raw = px_raw;
  control_q_->enqueue(c);
  ++adjusts_sent_;
}

void BinanceVenue::attach(moodycamel::ConcurrentQueue<core::Control>* control, const risk::RiskStage* risk,
                          const core::Clock* clock) {
  control_q_ = control;
  risk_ = risk;
  engine_clock_ = clock;
  position_drift_ = DriftTracker(p_.symbols.size());
  const bool spot = p_.product == binance::Product::kSpot;
  for (const ExchangePosition& p : start_positions_) {
    if (p.qty_raw == 0) continue;
    // The engine starts flat: the adjustment is the whole position.
    send_adjust(p.symbol, p.qty_raw, spot ? 0 : p.entry_px_raw, core::KillCause::kStart);
    core::log_info("venue ", p_.name, ": start position ", p_.symbols[p.symbol]->symbol, " ",
                   core::decimal_to_string(p.qty_raw),
                   spot ? str_cat(" (", p_.symbols[p.symbol]->base_asset,
                                  " balance less BINANCE_SPOT_NEUTRAL_BALANCE; cost basis at the first mid)")
                        : str_cat(" at entry price ", core::decimal_to_string(p.entry_px_raw)));
  }
  next_reconcile_ns_ = p_.reconcile_ms > 0 ? core::monotonic_ns() + p_.reconcile_ms * 1'000'000 : 0;
}

void BinanceVenue::count_drift(int kind) {
  drift_[kind].fetch_add(1, std::memory_order_relaxed);
  if (drift_counters_[kind] != nullptr) drift_counters_[kind]->inc();
}

void BinanceVenue::reconcile() {
  if (risk_ == nullptr) return;
  rounds_.fetch_add(1, std::memory_order_relaxed);
  // This run's orders: what the gateway found when it compared the previous rounds' snapshots.
  const uint64_t missing = core_->stats().missing_orders.load(std::memory_order_relaxed);
  if (missing > missing_seen_) {
    core::log_warn("venue ", p_.name, ": drift: ", missing - missing_seen_,
                   " working order(s) missing from the exchange's open orders two rounds in a row: queried by "
                   "client id to settle them");
    for (; missing_seen_ < missing; ++missing_seen_) count_drift(1);
  }
  std::vector<std::pair<uint64_t, core::SymbolId>> untracked;
  for (std::pair<uint64_t, core::SymbolId> u; core_->next_untracked(u.first, u.second);) untracked.push_back(u);
  std::vector<std::pair<uint64_t, core::SymbolId>> suspects;
  for (const auto& u : untracked) {
    if (std::find(untracked_suspects_.begin(), untracked_suspects_.end(), u) == untracked_suspects_.end()) {
      suspects.push_back(u);
      continue;
    }
    char text[binance_gateway::kClientIdTextMax];
    const std::string id(text, ids_.encode(u.first, text));
    const binance::InstrumentSpec* spec = u.second < p_.symbols.size() ? p_.symbols[u.second] : nullptr;
    if (spec == nullptr) continue;
    count_drift(1);
    core::log_warn("venue ", p_.name, ": drift: ", spec->symbol, " order ", id,
                   " of this run is open on the exchange but not tracked (two rounds in a row): ",
                   p_.dry_run ? "DRY_RUN: would cancel it" : "canceling it");
    if (p_.dry_run) continue;
    if (auto st = cancel_order(*spec, id, "reconciliation"); !st.ok())
      core::log_warn("venue ", p_.name, ": ", std::string(st.message()));
  }
  untracked_suspects_ = std::move(suspects);
  // Open orders per symbol: this run's go to the gateway as a snapshot (compared on its thread); an
  // earlier run's order still open is drift (ON_START_OPEN_ORDERS=cancel took them all at start,
  // =adopt tracks them: those are skipped; =leave keeps them on purpose).
  std::vector<OpenOrder> open;
  for (const binance::InstrumentSpec* const& spec : p_.symbols) {
    if (spec == nullptr) continue;
    const int64_t as_of = clock_offset_.now_server_ms();
    if (auto st = open_orders(*spec, open); !st.ok()) {
      core::log_warn("venue ", p_.name, ": reconciliation: ", std::string(st.message()), "; next round in ",
                     p_.reconcile_ms / 1000, " s");
      return;
    }
    binance_gateway::OpenSnapshot snap;
    snap.as_of_ms = as_of;
    snap.symbol = static_cast<core::SymbolId>(&spec - p_.symbols.data());
    bool fits = true;
    for (const OpenOrder& o : open) {
      uint64_t id = 0;
      const auto origin = ids_.decode(o.client_id, id);
      if (origin == binance_gateway::ClientIdCodec::Origin::kForeignRun) {  // adopted: under its engine id
        const auto at = std::find(adopted_text_.begin(), adopted_text_.end(), o.client_id);
        if (at == adopted_text_.end()) continue;
        id = adopted_[static_cast<std::size_t>(at - adopted_text_.begin())].client_id;
      } else if (origin != binance_gateway::ClientIdCodec::Origin::kOurs) {
        continue;
      }
      if (snap.n == binance_gateway::OpenSnapshot::kMaxIds) {
        fits = false;
        break;
      }
      snap.ids[snap.n++] = id;
    }
    if (fits && !core_->post_open_snapshot(snap))
      core::log_warn("venue ", p_.name, ": reconciliation: the gateway has not taken the last snapshots yet");
    for (const OpenOrder& o : open) {
      if (o.origin != binance_gateway::ClientIdCodec::Origin::kForeignRun) continue;
      if (!(p_.cancel_stale_orders || p_.adopt_stale_orders)) continue;
      if (std::find(adopted_text_.begin(), adopted_text_.end(), o.client_id) != adopted_text_.end()) continue;
      count_drift(1);
      core::log_warn("venue ", p_.name, ": drift: ", spec->symbol, " order ", o.client_id,
                     " of an earlier dmabot run is open on the exchange and not tracked: ",
                     p_.dry_run ? "DRY_RUN: would cancel it" : "canceling it");
      if (p_.dry_run) continue;
      if (auto st = cancel_order(*spec, o.client_id, "reconciliation"); !st.ok())
        core::log_warn("venue ", p_.name, ": ", std::string(st.message()));
    }
  }
  // Positions: only once risk has applied every adjustment sent, and only symbols whose engine position
  // did not move while the exchange was asked.
  if (risk_->adjusts_applied() < adjusts_sent_) return;
  std::vector<int64_t> before(p_.symbols.size());
  for (std::size_t i = 0; i < before.size(); ++i)
    before[i] = risk_->published_qty(static_cast<core::SymbolId>(i), p_.venue_id);
  std::vector<ExchangePosition> now;
  if (auto st = load_positions(now); !st.ok()) {
    core::log_warn("venue ", p_.name, ": reconciliation: ", std::string(st.message()), "; next round in ",
                   p_.reconcile_ms / 1000, " s");
    return;
  }
  const bool spot = p_.product == binance::Product::kSpot;
  for (const ExchangePosition& x : now) {
    const int64_t engine = risk_->published_qty(x.symbol, p_.venue_id);
    if (engine != before[x.symbol]) {
      position_drift_.skip(x.symbol);
      continue;
    }
    const int64_t diff = x.qty_raw - engine;
    if (!position_drift_.observe(x.symbol, diff)) continue;
    count_drift(0);
    core::log_warn("venue ", p_.name, ": drift: ", p_.symbols[x.symbol]->symbol, " position on the exchange ",
                   core::decimal_to_string(x.qty_raw), spot ? " (balance less BINANCE_SPOT_NEUTRAL_BALANCE)" : "",
                   ", in the engine ", core::decimal_to_string(engine), " (two rounds in a row): adjusting by ",
                   core::decimal_to_string(diff), " at the mark");
    send_adjust(x.symbol, diff, 0, core::KillCause::kReconcile);
  }
}

}  // namespace dmabot::tools
