#include "tools/engine_config.h"

#include <cctype>

#include "core/strings.h"
#include "strategy/registry.h"

namespace dmabot::tools {
namespace {

// A per-symbol decimal list: one value for all symbols or one per symbol.
absl::Status read_per_symbol(core::Config& cfg, std::string_view key, std::string_view def,
                             std::vector<core::InstrumentInfo>& out, void (*apply)(core::InstrumentInfo&, int64_t),
                             bool allow_zero) {
  auto items = cfg.get_list(key, def);
  if (!items.ok()) return items.status();
  if (items->size() != 1 && items->size() != out.size()) {
    return cfg.error(key, core::str_cat("has ", items->size(), " values for ", out.size(),
                                        " symbols (give one, or one per symbol in SYMBOLS order)"));
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::string& s = (*items)[items->size() == 1 ? 0 : i];
    int64_t raw = 0;
    if (core::DecimalError e = core::parse_decimal(s, false, raw); e != core::DecimalError::kOk) {
      return cfg.error(key, core::str_cat("'", s, "': ", core::to_string(e)));
    }
    if (raw == 0 && !allow_zero) return cfg.error(key, core::str_cat("'", s, "' must be greater than zero"));
    apply(out[i], raw);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::vector<StageKind>>> parse_thread_layout(std::string_view spec) {
  std::vector<std::vector<StageKind>> layout;
  bool seen[5] = {};
  for (std::string_view group : core::split(spec, ';')) {
    std::vector<StageKind> g;
    for (std::string_view item : core::split(group, ',')) {
      StageKind k;
      if (item == "feed") k = StageKind::kFeed;
      else if (item == "strategy") k = StageKind::kStrategy;
      else if (item == "risk") k = StageKind::kRisk;
      else if (item == "router") k = StageKind::kRouter;
      else if (item == "gateway") k = StageKind::kGateway;
      else return core::invalid("unknown stage '", item, "' (feed, strategy, risk, router, gateway)");
      if (seen[static_cast<int>(k)]) return core::invalid("stage '", item, "' appears twice");
      seen[static_cast<int>(k)] = true;
      g.push_back(k);
    }
    layout.push_back(std::move(g));
  }
  for (int k = 0; k < 5; ++k) {
    if (!seen[k]) return core::invalid("every stage must appear once (feed, strategy, risk, router, gateway)");
  }
  return layout;
}

absl::StatusOr<EngineConfig> EngineConfig::from_config(core::Config& cfg) {
  EngineConfig ec;
#define DMABOT_ASSIGN(lhs, expr)            \
  {                                         \
    auto _v = (expr);                       \
    if (!_v.ok()) return _v.status();       \
    lhs = std::move(*_v);                   \
  }
  DMABOT_ASSIGN(ec.feed_mode, cfg.get_choice("FEED_MODE", "mock", {"mock", "replay", "synthetic", "binance"}));
  DMABOT_ASSIGN(ec.venue_mode,
                cfg.get_choice("VENUE_MODE", "mock", {"mock", "sim", "binance_spot", "binance_futures"}));
  DMABOT_ASSIGN(ec.replay_file, cfg.get_string("REPLAY_FILE", ""));
  if (ec.feed_mode == "replay" && ec.replay_file.empty()) {
    return cfg.error("REPLAY_FILE", "is empty; FEED_MODE=replay needs the file to replay");
  }
  DMABOT_ASSIGN(ec.replay_from_ns, cfg.get_int("REPLAY_FROM_NS", 0, 0, INT64_MAX));
  DMABOT_ASSIGN(ec.replay_until_ns, cfg.get_int("REPLAY_UNTIL_NS", 0, 0, INT64_MAX));
  if (ec.replay_until_ns != 0 && ec.replay_until_ns <= ec.replay_from_ns) {
    return cfg.error("REPLAY_UNTIL_NS", "must be later than REPLAY_FROM_NS");
  }

  // Safety first: live presets must carry credentials and, for mainnet, an explicit confirmation.
  std::string binance_env;
  DMABOT_ASSIGN(binance_env, cfg.get_choice("BINANCE_ENV", "testnet", {"testnet", "mainnet"}));
  std::string api_key, api_secret, confirm;
  DMABOT_ASSIGN(api_key, cfg.get_string("BINANCE_API_KEY", ""));
  DMABOT_ASSIGN(api_secret, cfg.get_string("BINANCE_API_SECRET", ""));
  DMABOT_ASSIGN(confirm, cfg.get_string("CONFIRM_LIVE", "no"));
  const bool binance_venue = ec.venue_mode == "binance_spot" || ec.venue_mode == "binance_futures";
  if (binance_venue) {
    if (api_key.empty()) return cfg.error("BINANCE_API_KEY", "is empty; the Binance venue needs an API key");
    if (api_secret.empty()) return cfg.error("BINANCE_API_SECRET", "is empty; the Binance venue needs an API secret");
    if (binance_env == "mainnet" && confirm != "yes") {
      return cfg.error("CONFIRM_LIVE", "live trading on mainnet requires CONFIRM_LIVE=yes");
    }
  }

  std::vector<std::string> symbols;
  DMABOT_ASSIGN(symbols, cfg.get_list("SYMBOLS", "BTCUSDT"));
  if (symbols.empty()) return cfg.error("SYMBOLS", "needs at least one symbol");
  for (const std::string& s : symbols) {
    for (char c : s) {
      if (!std::isalnum(static_cast<unsigned char>(c))) {
        return cfg.error("SYMBOLS", core::str_cat("'", s, "' is not a symbol (letters and digits only)"));
      }
    }
    if (s.size() > 20) return cfg.error("SYMBOLS", core::str_cat("'", s, "' is too long"));
    for (const auto& prev : ec.instruments) {
      if (prev.name == core::to_upper(s)) return cfg.error("SYMBOLS", core::str_cat("'", s, "' is listed twice"));
    }
    core::InstrumentInfo info;
    info.name = core::to_upper(s);
    ec.instruments.push_back(std::move(info));
  }
  if (auto st = read_per_symbol(cfg, "TICK_SIZE", "0.01", ec.instruments,
                                [](core::InstrumentInfo& i, int64_t r) { i.tick = core::Price::from_raw(r); }, false);
      !st.ok()) return st;
  if (auto st = read_per_symbol(cfg, "STEP_SIZE", "0.00001", ec.instruments,
                                [](core::InstrumentInfo& i, int64_t r) { i.step = core::Qty::from_raw(r); i.min_qty = i.step; }, false);
      !st.ok()) return st;
  if (auto st = read_per_symbol(cfg, "MIN_NOTIONAL", "5", ec.instruments,
                                [](core::InstrumentInfo& i, int64_t r) { i.min_notional_raw = r; }, true);
      !st.ok()) return st;

  std::vector<std::string> strategies;
  DMABOT_ASSIGN(strategies, cfg.get_list("STRATEGIES", "dynmm"));
  if (strategies.empty()) return cfg.error("STRATEGIES", "needs at least one strategy");
  std::vector<std::string> workers;
  DMABOT_ASSIGN(workers, cfg.get_list("STRATEGY_WORKERS", "1"));
  if (workers.size() != 1 && workers.size() != strategies.size()) {
    return cfg.error("STRATEGY_WORKERS", core::str_cat("has ", workers.size(), " values for ", strategies.size(),
                                                       " strategies (give one, or one per strategy)"));
  }
  int total_workers = 0;
  for (std::size_t i = 0; i < strategies.size(); ++i) {
    bool known = false;
    for (std::string_view n : strategy::strategy_names()) known = known || n == strategies[i];
    if (!known) {
      std::string names;
      for (std::string_view n : strategy::strategy_names()) core::str_append(names, names.empty() ? "" : ", ", n);
      return cfg.error("STRATEGIES", core::str_cat("unknown strategy '", strategies[i], "' (known: ", names, ")"));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (strategies[j] == strategies[i]) return cfg.error("STRATEGIES", core::str_cat("'", strategies[i], "' is listed twice"));
    }
    const std::string& w = workers[workers.size() == 1 ? 0 : i];
    int n = 0;
    for (char c : w) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || n > 1000) return cfg.error("STRATEGY_WORKERS", core::str_cat("'", w, "' is not a worker count"));
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 64) return cfg.error("STRATEGY_WORKERS", "each count must be between 1 and 64");
    total_workers += n;
    ec.strategies.push_back(StrategySpec{strategies[i], n});
  }
  if (total_workers > 254) return cfg.error("STRATEGY_WORKERS", "more than 254 strategy workers in total");
  if (total_workers + 1 > 63) return cfg.error("STRATEGY_WORKERS", "the feed fans out to at most 62 workers");
  if (auto st = strategy::read_all_strategy_params(cfg); !st.ok()) return st;

  DMABOT_ASSIGN(ec.record_file, cfg.get_string("RECORD_FILE", ""));
  int64_t port = 0;
  DMABOT_ASSIGN(port, cfg.get_int("METRICS_PORT", 9898, -1, 65535));
  ec.metrics_port = static_cast<int>(port);
  std::string level;
  DMABOT_ASSIGN(level, cfg.get_choice("LOG_LEVEL", "info", {"debug", "info", "warn", "error", "off"}));
  ec.log_level = *core::parse_log_level(level);
  std::string pin;
  DMABOT_ASSIGN(pin, cfg.get_string("PIN_CPUS", "none"));
  if (auto cpus = core::parse_cpu_list(pin); cpus.ok()) {
    ec.pin_cpus = *cpus;
  } else {
    return cfg.error("PIN_CPUS", std::string(cpus.status().message()));
  }
  std::string idle;
  DMABOT_ASSIGN(idle, cfg.get_choice("IDLE_POLICY", "spin_yield", {"spin", "spin_yield", "sleep"}));
  ec.idle = *core::parse_idle_policy(idle);
  std::string layout;
  DMABOT_ASSIGN(layout, cfg.get_string("THREAD_LAYOUT", "feed,strategy;risk,router,gateway"));
  if (auto l = parse_thread_layout(layout); l.ok()) {
    ec.thread_layout = *l;
  } else {
    return cfg.error("THREAD_LAYOUT", std::string(l.status().message()));
  }
  int64_t cap = 0;
  DMABOT_ASSIGN(cap, cfg.get_int("RING_CAPACITY", 4096, 16, 1 << 24));
  ec.ring_capacity = static_cast<std::size_t>(cap);

  DMABOT_ASSIGN(ec.mock_feed, feed::MockFeedParams::from_config(cfg, ec.instruments.size()));
  DMABOT_ASSIGN(ec.synthetic, feed::SyntheticMarketParams::from_config(cfg, ec.instruments.size()));
  DMABOT_ASSIGN(ec.risk, risk::RiskLimits::from_config(cfg));
  DMABOT_ASSIGN(ec.router, gateway::RouterParams::from_config(cfg));
  DMABOT_ASSIGN(ec.mock_venues, gateway::mock_venues_from_config(cfg));
  DMABOT_ASSIGN(ec.sim, gateway::SimExchangeParams::from_config(cfg));
  DMABOT_ASSIGN(ec.backtest, BacktestReportParams::from_config(cfg));
#undef DMABOT_ASSIGN
  if (auto st = cfg.check_unknown_keys(); !st.ok()) return st;
  ec.effective = cfg.dump();
  return ec;
}

}  // namespace dmabot::tools
