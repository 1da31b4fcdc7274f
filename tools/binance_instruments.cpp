#include "tools/binance_instruments.h"

#include <algorithm>
#include <cmath>

#include "core/strings.h"
#include "gateway/binance_io/https_get.h"
#include "strategy/dyn_mm.h"
#include "strategy/ma_crossover.h"
#include "strategy/mean_reversion.h"
#include "strategy/vol_breakout.h"
#include "tools/binance_settings.h"

namespace dmabot::tools {
namespace {

using binance::ContractType;
using binance::Product;
using core::decimal_to_string;
using core::str_cat;

std::string_view product_name(Product p) { return p == Product::kSpot ? "spot" : "USD-M"; }

// The engine's spelling rule for a symbol (engine_config.cpp: SYMBOLS).
bool engine_symbol_name(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

int64_t exchange_min_notional(const binance::InstrumentSpec& s) {
  if (s.product == Product::kSpot && s.has(binance::FilterType::kNotional)) return s.notional.min_notional.raw;
  if (s.has(binance::FilterType::kMinNotional)) return s.min_notional.min_notional.raw;
  return 0;
}

// "" when the engine can trade on the symbol's grid, else why not.
std::string grid_problem(const binance::InstrumentSpec& s) {
  if (s.price.tick_size.raw <= 0) return "no tick size (PRICE_FILTER tickSize 0)";
  if (s.lot.step_size.raw <= 0) return "no step size (LOT_SIZE stepSize 0)";
  if (s.product == Product::kUsdmFutures) {
    if (s.price.min_price.raw % s.price.tick_size.raw != 0)
      return str_cat("minPrice ", decimal_to_string(s.price.min_price.raw), " is not a multiple of tickSize ",
                     decimal_to_string(s.price.tick_size.raw), " (the engine's price grid is k * tick)");
    if (s.lot.min_qty.raw % s.lot.step_size.raw != 0)
      return str_cat("minQty ", decimal_to_string(s.lot.min_qty.raw), " is not a multiple of stepSize ",
                     decimal_to_string(s.lot.step_size.raw), " (the engine's quantity grid is k * step)");
  }
  return "";
}

bool contract_allowed(const binance::InstrumentSpec& s, const InstrumentRules& r) {
  if (s.product != Product::kUsdmFutures) return true;
  return std::find(r.contract_types.begin(), r.contract_types.end(), s.contract_type) != r.contract_types.end();
}

std::string contract_list(const InstrumentRules& r) {
  std::string out;
  for (ContractType t : r.contract_types) core::str_append(out, out.empty() ? "" : ",", binance::wire_name(t));
  return out;
}

// The exchange's values as the engine's InstrumentInfo.
core::InstrumentInfo exchange_info_of(const binance::InstrumentSpec& s) {
  core::InstrumentInfo i;
  i.name = s.symbol;
  i.tick = s.price.tick_size;
  i.step = s.lot.step_size;
  i.min_qty = s.lot.min_qty.raw > 0 ? s.lot.min_qty : s.lot.step_size;
  i.min_notional_raw = exchange_min_notional(s);
  return i;
}

// Applies the overrides of symbol `index` (SYMBOLS order) to `info`, checked against the exchange's
// values. Errors name the key, the symbol and both values; coarser overrides add a note.
absl::Status apply_overrides(const InstrumentRules& r, std::size_t index, core::InstrumentInfo& info,
                             std::vector<std::string>* notes) {
  if (r.overrides.empty()) return absl::OkStatus();
  const core::InstrumentInfo& o = r.overrides[r.overrides.size() == 1 ? 0 : index];
  auto grid = [&](std::string_view key, std::string_view what, int64_t mine, int64_t theirs) -> absl::Status {
    if (mine < theirs)
      return core::invalid(key, ": ", info.name, " ", decimal_to_string(mine), " is finer than the exchange's ", what,
                           " ", decimal_to_string(theirs), " (exchangeInfo)");
    if (mine % theirs != 0)
      return core::invalid(key, ": ", info.name, " ", decimal_to_string(mine), " is not a multiple of the exchange's ",
                           what, " ", decimal_to_string(theirs), " (exchangeInfo)");
    if (mine > theirs && notes)
      notes->push_back(str_cat(key, ": ", info.name, " ", decimal_to_string(mine), " is coarser than the exchange's ",
                               what, " ", decimal_to_string(theirs), "; allowed (every order stays on its grid)"));
    return absl::OkStatus();
  };
  if (r.tick_set) {
    if (auto st = grid("TICK_SIZE", "tick", o.tick.raw, info.tick.raw); !st.ok()) return st;
    info.tick = o.tick;
  }
  if (r.step_set) {
    if (auto st = grid("STEP_SIZE", "step", o.step.raw, info.step.raw); !st.ok()) return st;
    info.step = o.step;
    info.min_qty = std::max(info.min_qty, o.step);
  }
  if (r.min_notional_set) {
    if (o.min_notional_raw < info.min_notional_raw)
      return core::invalid("MIN_NOTIONAL: ", info.name, " ", decimal_to_string(o.min_notional_raw),
                           " is below the exchange's minimum notional ", decimal_to_string(info.min_notional_raw),
                           " (exchangeInfo)");
    if (o.min_notional_raw > info.min_notional_raw && notes)
      notes->push_back(str_cat("MIN_NOTIONAL: ", info.name, " ", decimal_to_string(o.min_notional_raw),
                               " is above the exchange's minimum notional ", decimal_to_string(info.min_notional_raw),
                               "; allowed"));
    info.min_notional_raw = o.min_notional_raw;
  }
  return absl::OkStatus();
}

std::string order_size_text(const InstrumentRules& r) {
  return str_cat(decimal_to_string(r.order_notional_raw), " (", r.order_size_key, ")");
}

// Counted skips of auto-discovery, with the first few names.
struct SkipCount {
  explicit SkipCount(std::string why) : reason(std::move(why)) {}
  std::string reason;
  int count = 0;
  std::string names;
  void add(std::string_view symbol) {
    if (++count <= 5) core::str_append(names, names.empty() ? "" : ", ", symbol);
  }
  [[nodiscard]] std::string line(std::string_view key) const {
    return str_cat(key, "=auto skipped ", count, " ", reason, ": ", names, count > 5 ? ", ..." : "");
  }
};

std::string url_of(const InstrumentSource& s, std::string_view target) { return str_cat(s.rest_url, target); }

// symbols=["A","B"], percent-encoded as Binance's docs show it.
std::string symbols_query(std::span<const std::string> symbols) {
  std::string q = "symbols=%5B";
  for (std::size_t i = 0; i < symbols.size(); ++i) core::str_append(q, i ? "," : "", "%22", symbols[i], "%22");
  q += "%5D";
  return q;
}

}  // namespace

// ---- configuration ----------------------------------------------------------------------------

absl::StatusOr<InstrumentRules> InstrumentRules::from_config(core::Config& cfg, bool auto_symbols,
                                                             std::span<const core::InstrumentInfo> configured,
                                                             std::span<const std::string> strategies) {
  InstrumentRules r;
  r.auto_symbols = auto_symbols;
  for (const auto& i : configured) r.symbols.push_back(i.name);
  auto quotes = cfg.get_list("QUOTE_ASSETS", "USDT");
  if (!quotes.ok()) return quotes.status();
  // QUOTE_ASSET: the singular spelling some presets use. Empty = unset; set, it is the list, and a
  // QUOTE_ASSETS that is also set must say the same.
  auto quote_single = cfg.get_list("QUOTE_ASSET", "");
  if (!quote_single.ok()) return quote_single.status();
  const char* quote_key = "QUOTE_ASSETS";
  if (!quote_single->empty()) {
    if (cfg.has("QUOTE_ASSETS") && *quotes != *quote_single)
      return cfg.error("QUOTE_ASSET", "is another name for QUOTE_ASSETS, which says otherwise; set only one");
    quotes = std::move(quote_single);
    quote_key = "QUOTE_ASSET";
  }
  if (quotes->empty()) return cfg.error(quote_key, "needs at least one asset");
  r.quote_assets.clear();
  for (const auto& q : *quotes) {
    const std::string up = core::to_upper(q);
    if (!engine_symbol_name(up)) return cfg.error(quote_key, str_cat("'", q, "' is not an asset name"));
    if (std::find(r.quote_assets.begin(), r.quote_assets.end(), up) != r.quote_assets.end())
      return cfg.error(quote_key, str_cat("'", q, "' is listed twice"));
    r.quote_assets.push_back(up);
  }
  auto max = cfg.get_int("MAX_SYMBOLS", 10, 1, static_cast<int64_t>(core::SymbolTable::kMaxSymbols));
  if (!max.ok()) return max.status();
  r.max_symbols = static_cast<int>(*max);
  auto types = cfg.get_list("FUTURES_CONTRACT_TYPES", "PERPETUAL");
  if (!types.ok()) return types.status();
  if (types->empty()) return cfg.error("FUTURES_CONTRACT_TYPES", "needs at least one contract type");
  r.contract_types.clear();
  for (const auto& t : *types) {
    ContractType ct;
    if (!binance::parse_contract_type(core::to_upper(t), ct) || ct == ContractType::kNone)
      return cfg.error("FUTURES_CONTRACT_TYPES",
                       str_cat("'", t, "' is not a contract type (PERPETUAL, CURRENT_QUARTER, NEXT_QUARTER, ...)"));
    r.contract_types.push_back(ct);
  }
  auto not_trading = cfg.get_choice("SYMBOLS_NOT_TRADING", "error", {"error", "skip"});
  if (!not_trading.ok()) return not_trading.status();
  r.skip_not_trading = *not_trading == "skip";
  auto refresh = cfg.get_int("INSTRUMENTS_REFRESH_S", 300, 0, 86400);
  if (!refresh.ok()) return refresh.status();
  r.refresh_s = static_cast<int>(*refresh);

  auto size = cfg.get_string("ORDER_SIZE_USD", "auto");
  if (!size.ok()) return size.status();
  if (*size != "auto") {
    int64_t raw = 0;
    if (core::DecimalError e = core::parse_decimal(*size, false, raw); e != core::DecimalError::kOk)
      return cfg.error("ORDER_SIZE_USD", str_cat("not auto or a decimal: ", core::to_string(e)));
    if (raw <= 0) return cfg.error("ORDER_SIZE_USD", "must be greater than zero (or auto)");
    r.order_notional_raw = raw;
    r.order_size_key = "ORDER_SIZE_USD";
  } else {
    // The smallest quote-unit size among the strategies that run.
    auto consider = [&](double usd, std::string_view key) {
      const auto raw = static_cast<int64_t>(std::llround(usd * static_cast<double>(core::kScale)));
      if (r.order_notional_raw == 0 || raw < r.order_notional_raw) {
        r.order_notional_raw = raw;
        r.order_size_key = std::string(key);
      }
    };
    for (const std::string& s : strategies) {
      if (s == "dynmm") {
        auto p = strategy::DynMmParams::from_config(cfg);
        if (!p.ok()) return p.status();
        consider(p->base_size_usd, "DYNMM_BASE_SIZE_USD");
      } else if (s == "mean_reversion") {
        auto p = strategy::MeanReversionParams::from_config(cfg);
        if (!p.ok()) return p.status();
        consider(p->order_usd, "MR_ORDER_USD");
      } else if (s == "ma_cross") {
        auto p = strategy::MaCrossoverParams::from_config(cfg);
        if (!p.ok()) return p.status();
        consider(p->order_usd, "MAC_ORDER_USD");
      } else if (s == "vol_breakout") {
        auto p = strategy::VolBreakoutParams::from_config(cfg);
        if (!p.ok()) return p.status();
        consider(p->order_usd, "VB_ORDER_USD");
      }
    }
  }

  if (auto_symbols)
    if (auto st = refuse_overrides_with_auto(cfg); !st.ok()) return st;
  r.tick_set = cfg.has("TICK_SIZE");
  r.step_set = cfg.has("STEP_SIZE");
  r.min_notional_set = cfg.has("MIN_NOTIONAL");
  if (r.tick_set || r.step_set || r.min_notional_set) r.overrides.assign(configured.begin(), configured.end());
  return r;
}

absl::Status refuse_overrides_with_auto(const core::Config& cfg) {
  for (const char* key : {"TICK_SIZE", "STEP_SIZE", "MIN_NOTIONAL"}) {
    if (cfg.has(key))
      return cfg.error(key,
                       "overrides need explicit SYMBOLS (with SYMBOLS=auto every symbol takes the exchange's values)");
  }
  return absl::OkStatus();
}

InstrumentSource InstrumentSource::from_settings(const BinanceSettings& s, Product product) {
  InstrumentSource src;
  src.product = product;
  src.rest_url = product == Product::kSpot ? s.spot_rest_url : s.futures_rest_url;
  src.ca_file = s.ca_file;
  return src;
}

const LoadedInstrument* InstrumentSet::find(std::string_view symbol) const {
  for (const auto& i : instruments)
    if (i.info.name == symbol) return &i;
  return nullptr;
}

// ---- fetching ---------------------------------------------------------------------------------

absl::StatusOr<binance::ExchangeInfo> fetch_exchange_info(const InstrumentSource& source,
                                                          std::span<const std::string> symbols) {
  const bool spot = source.product == Product::kSpot;
  std::string target = spot ? "/api/v3/exchangeInfo" : "/fapi/v1/exchangeInfo";
  if (spot && !symbols.empty()) target += "?" + symbols_query(symbols);
  const std::string where = str_cat("exchangeInfo ", url_of(source, target), ": ");
  binance_io::HttpsGetOptions opt;
  opt.ca_file = source.ca_file;
  opt.timeout_ms = source.timeout_ms;
  auto r = binance_io::https_get(source.rest_url, target, opt);
  if (!r.ok()) return absl::Status(r.status().code(), str_cat(where, std::string(r.status().message())));
  if (r->status != 200) {
    std::string body = r->body.substr(0, 300);
    std::replace(body.begin(), body.end(), '\n', ' ');
    std::string retry = r->retry_after_s >= 0 ? str_cat(" (Retry-After ", r->retry_after_s, " s)") : "";
    return absl::UnavailableError(str_cat(where, "HTTP ", r->status, retry, ": ", body));
  }
  binance::ExchangeInfo info;
  if (auto st = binance::parse_exchange_info(r->body, source.product, info); !st.ok())
    return absl::DataLossError(str_cat(where, "unparsable: ", std::string(st.message())));
  return info;
}

// ---- resolution -------------------------------------------------------------------------------

absl::StatusOr<InstrumentSet> resolve_instruments(const binance::ExchangeInfo& info, const InstrumentRules& rules) {
  InstrumentSet set;
  set.product = info.product;
  set.rate_limits = info.rate_limits;
  set.server_time_ms = info.server_time_ms;
  const std::string_view prod = product_name(info.product);

  if (!rules.auto_symbols) {
    if (rules.symbols.empty()) return core::invalid(rules.symbols_key, ": needs at least one symbol");
    for (std::size_t i = 0; i < rules.symbols.size(); ++i) {
      const std::string& name = rules.symbols[i];
      const binance::InstrumentSpec* s = info.find(name);
      if (s == nullptr)
        return core::invalid(rules.symbols_key, ": ", name, " is not listed by Binance ", prod, " (exchangeInfo)");
      if (!contract_allowed(*s, rules))
        return core::invalid(rules.symbols_key, ": ", name, " is a ", binance::wire_name(s->contract_type),
                             " contract; FUTURES_CONTRACT_TYPES allows ", contract_list(rules));
      if (!binance::accepts_new_orders(s->status)) {
        if (!rules.skip_not_trading)
          return core::invalid(rules.symbols_key, ": ", name, " is ", binance::wire_name(s->status), " on Binance ",
                               prod, ", not TRADING (SYMBOLS_NOT_TRADING=skip starts without it)");
        set.notes.push_back(str_cat(rules.symbols_key, ": ", name, " is ", binance::wire_name(s->status),
                                    ", not TRADING: skipped (SYMBOLS_NOT_TRADING=skip)"));
        continue;
      }
      if (std::string g = grid_problem(*s); !g.empty())
        return core::invalid(rules.symbols_key, ": ", name, " cannot be quantized by the engine: ", g);
      LoadedInstrument li{exchange_info_of(*s), *s};
      if (auto st = apply_overrides(rules, i, li.info, &set.notes); !st.ok()) return st;
      if (rules.order_notional_raw > 0 && li.info.min_notional_raw > rules.order_notional_raw)
        return core::invalid(rules.symbols_key, ": ", name, " minimum notional ",
                             decimal_to_string(li.info.min_notional_raw), " exceeds the order size ",
                             order_size_text(rules), ": every order would be rejected");
      set.instruments.push_back(std::move(li));
    }
    if (set.instruments.empty())
      return core::invalid(rules.symbols_key, ": none of the listed symbols is TRADING on Binance ", prod);
    return set;
  }

  SkipCount min_notional{str_cat("whose minimum notional exceeds the order size ",
                                 rules.order_notional_raw > 0 ? order_size_text(rules) : "")};
  SkipCount grid{"that the engine cannot quantize"};
  SkipCount names{"whose names are not ASCII letters and digits"};
  int matched = 0;
  for (const std::string& quote : rules.quote_assets) {
    for (const binance::InstrumentSpec& s : info.symbols) {
      if (s.quote_asset != quote || !binance::accepts_new_orders(s.status) || !contract_allowed(s, rules)) continue;
      ++matched;
      if (!engine_symbol_name(s.symbol)) {
        names.add(s.symbol);
        continue;
      }
      if (!grid_problem(s).empty()) {
        grid.add(s.symbol);
        continue;
      }
      LoadedInstrument li{exchange_info_of(s), s};
      if (rules.order_notional_raw > 0 && li.info.min_notional_raw > rules.order_notional_raw) {
        min_notional.add(s.symbol);
        continue;
      }
      if (static_cast<int>(set.instruments.size()) < rules.max_symbols) set.instruments.push_back(std::move(li));
    }
  }
  std::string quotes;
  for (const auto& q : rules.quote_assets) core::str_append(quotes, quotes.empty() ? "" : ",", q);
  const int eligible = matched - names.count - grid.count - min_notional.count;
  set.notes.push_back(str_cat(rules.symbols_key, "=auto: ", matched, " TRADING ", prod, " symbols quoted in ", quotes,
                              info.product == Product::kUsdmFutures ? str_cat(" (", contract_list(rules), ")") : "",
                              ", ", eligible, " eligible, ", set.instruments.size(),
                              " taken (MAX_SYMBOLS=", rules.max_symbols, ")"));
  for (const SkipCount* c : {&min_notional, &grid, &names})
    if (c->count > 0) set.notes.push_back(c->line(rules.symbols_key));
  if (set.instruments.empty())
    return core::invalid(rules.symbols_key, "=auto: no TRADING Binance ", prod, " symbol quoted in ", quotes,
                         " passes the rules (", matched, " candidates; see QUOTE_ASSETS, ORDER_SIZE_USD)");
  return set;
}

absl::StatusOr<InstrumentSet> load_instruments(const InstrumentSource& source, const InstrumentRules& rules) {
  const bool narrow = source.product == Product::kSpot && !rules.auto_symbols && !rules.symbols.empty();
  auto info = fetch_exchange_info(
      source, narrow ? std::span<const std::string>(rules.symbols) : std::span<const std::string>());
  // Spot answers -1121 "Invalid symbol." for the whole request when one name is unknown: ask for
  // everything once, so that resolution names the symbol.
  if (!info.ok() && narrow && info.status().message().find("-1121") != std::string_view::npos)
    info = fetch_exchange_info(source);
  if (!info.ok()) return info.status();
  return resolve_instruments(*info, rules);
}

// ---- refresh ----------------------------------------------------------------------------------

std::vector<InstrumentChange> apply_refresh(const binance::ExchangeInfo& fresh, const InstrumentRules& rules,
                                            InstrumentSet& current) {
  std::vector<InstrumentChange> out;
  for (LoadedInstrument& li : current.instruments) {
    const std::string name = li.spec.symbol;  // the exchange's name (li.info.name may be "UM:...")
    const binance::InstrumentSpec* s = fresh.find(name);
    if (s == nullptr) {
      out.push_back({InstrumentChange::Kind::kGone, name, str_cat(name, ": no longer listed by exchangeInfo"), false});
      li.spec.status = binance::SymbolStatus::kClose;  // what the gateway's checks then refuse
      continue;
    }
    bool tradable = binance::accepts_new_orders(s->status);
    if (s->status != li.spec.status) {
      out.push_back(
          {InstrumentChange::Kind::kStatus, name,
           str_cat(name, ": status ", binance::wire_name(li.spec.status), " -> ", binance::wire_name(s->status)),
           tradable});
    }
    core::InstrumentInfo next = exchange_info_of(*s);
    if (std::string g = grid_problem(*s); !g.empty()) {
      tradable = false;
      out.push_back(
          {InstrumentChange::Kind::kFilters, name, str_cat(name, ": cannot be quantized any more: ", g), false});
    } else {
      const auto it = std::find(rules.symbols.begin(), rules.symbols.end(), name);
      const std::size_t index = static_cast<std::size_t>(it - rules.symbols.begin());
      if (!rules.auto_symbols && it != rules.symbols.end()) {
        core::InstrumentInfo tried = next;
        if (auto st = apply_overrides(rules, index, tried, nullptr); st.ok()) {
          next = tried;
        } else {
          out.push_back({InstrumentChange::Kind::kOverride, name,
                         str_cat(name, ": ", std::string(st.message()), "; the exchange's values apply"), tradable});
        }
      }
    }
    if (next.tick != li.info.tick || next.step != li.info.step || next.min_qty != li.info.min_qty ||
        next.min_notional_raw != li.info.min_notional_raw) {
      out.push_back(
          {InstrumentChange::Kind::kFilters, name,
           str_cat(name, ": tick ", decimal_to_string(li.info.tick.raw), " -> ", decimal_to_string(next.tick.raw),
                   ", step ", decimal_to_string(li.info.step.raw), " -> ", decimal_to_string(next.step.raw),
                   ", min qty ", decimal_to_string(li.info.min_qty.raw), " -> ", decimal_to_string(next.min_qty.raw),
                   ", min notional ", decimal_to_string(li.info.min_notional_raw), " -> ",
                   decimal_to_string(next.min_notional_raw)),
           tradable});
    }
    next.name = li.info.name;  // the engine's name and product stay
    next.exchange_name = li.info.exchange_name;
    next.product = li.info.product;
    li.info = std::move(next);
    li.spec = *s;
  }
  current.rate_limits = fresh.rate_limits;
  current.server_time_ms = fresh.server_time_ms;
  return out;
}

absl::StatusOr<std::vector<InstrumentChange>> refresh_instruments(const InstrumentSource& source,
                                                                  const InstrumentRules& rules,
                                                                  InstrumentSet& current) {
  std::vector<std::string> names;
  for (const auto& li : current.instruments) names.push_back(li.spec.symbol);
  const bool narrow = source.product == Product::kSpot && !names.empty();
  auto info =
      fetch_exchange_info(source, narrow ? std::span<const std::string>(names) : std::span<const std::string>());
  // A symbol delisted since the start makes Spot refuse the narrowed request (-1121).
  if (!info.ok() && narrow && info.status().message().find("-1121") != std::string_view::npos)
    info = fetch_exchange_info(source);
  if (!info.ok()) return info.status();
  return apply_refresh(*info, rules, current);
}

}  // namespace dmabot::tools
