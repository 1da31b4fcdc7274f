#include "tools/binance_sim/sim_setup.h"

#include <algorithm>

#include "core/strings.h"

namespace dmabot::binance_sim {

namespace {

Price px(int64_t raw) { return Price::from_raw(raw); }
Qty qty(int64_t raw) { return Qty::from_raw(raw); }

bool split_symbol(std::string_view symbol, std::string& base, std::string& quote) {
  for (std::string_view q : {"USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB", "EUR"}) {
    if (symbol.size() > q.size() && symbol.ends_with(q)) {
      base = std::string(symbol.substr(0, symbol.size() - q.size()));
      quote = std::string(q);
      return true;
    }
  }
  return false;
}

}  // namespace

absl::Status default_instrument(Product p, std::string_view symbol, binance::InstrumentSpec& out) {
  SymbolConfig c;
  c.product = p;
  c.name = std::string(symbol);
  if (!split_symbol(symbol, c.base_asset, c.quote_asset))
    return core::invalid("--symbols ", symbol, ": no known quote asset (USDT, USDC, FDUSD, BTC, ETH, BNB, EUR)");
  if (p == Product::kSpot) {
    c.tick_size = px(1'000'000);  // 0.01
    c.step_size = c.min_qty = qty(100'000);
    c.max_qty = Qty::from_units(9'000'000);
    if (symbol == "BTCUSDT") {
      c.step_size = c.min_qty = qty(1'000);
      c.max_qty = Qty::from_units(9000);
    } else if (symbol == "ETHUSDT") {
      c.step_size = c.min_qty = qty(10'000);
      c.max_qty = Qty::from_units(9000);
    }
    c.min_notional_raw = 5 * core::kScale;
    c.max_notional_raw = 9'000'000 * core::kScale;
    c.max_num_orders = 200;
  } else {
    c.tick_size = px(1'000'000);
    c.step_size = c.min_qty = qty(100'000);  // 0.001
    c.max_qty = Qty::from_units(1'000'000);
    c.min_notional_raw = 5 * core::kScale;
    if (symbol == "BTCUSDT") {
      c.tick_size = px(10'000'000);  // 0.10
      c.max_qty = Qty::from_units(1000);
      c.min_notional_raw = 100 * core::kScale;
    } else if (symbol == "ETHUSDT") {
      c.max_qty = Qty::from_units(10000);
      c.min_notional_raw = 20 * core::kScale;
    }
    c.price_precision = 2;
    c.quantity_precision = 3;
    c.max_num_orders = 200;
  }
  out = to_instrument(c);
  if (p == Product::kUsdmFutures) {
    out.maint_margin_percent = "2.5000";
    out.required_margin_percent = "5.0000";
    out.underlying_type = "COIN";
    out.trigger_protect = "0.0500";
    out.liquidation_fee = "0.012500";
    out.market_take_bound = "0.05";
    out.onboard_date_ms = 1569398400000;
    out.delivery_date_ms = 4133404800000;
  }
  return absl::OkStatus();
}

RandomWalkConfig default_walk(const binance::InstrumentSpec& spec, uint64_t seed) {
  RandomWalkConfig w;
  const std::string_view base = spec.base_asset;
  w.start_mid = base == "BTC"   ? Price::from_units(60000)
                : base == "ETH" ? Price::from_units(3000)
                : base == "BNB" ? Price::from_units(600)
                                : Price::from_units(10);
  if (spec.quote_asset != "USDT" && spec.quote_asset != "USDC" && spec.quote_asset != "FDUSD")
    w.start_mid = Price::from_raw(5'000'000);  // 0.05: a cross pair
  w.tick = spec.price.tick_size.raw > 0 ? spec.price.tick_size : Price::from_raw(1'000'000);
  w.step = spec.lot.step_size.raw > 0 ? spec.lot.step_size : Qty::from_raw(1'000);
  // A few thousand USDT a side, on the step grid.
  const int64_t units = std::max<int64_t>(1, 5000 / std::max<int64_t>(1, w.start_mid.raw / core::kScale));
  w.size = Qty::from_units(units);
  w.seed = seed;
  return w;
}

absl::Status setup_exchange(const ExchangeOptions& opt, Exchange& ex, KeyRegistry& keys) {
  for (Product p : {Product::kSpot, Product::kUsdmFutures}) {
    for (const auto& s : opt.symbols) {
      binance::InstrumentSpec spec;
      if (auto st = default_instrument(p, s, spec); !st.ok()) return st;
      if (auto st = ex.add_symbol(spec); !st.ok()) return st;
    }
  }
  std::vector<std::pair<std::string, int64_t>> spot;
  int64_t wallet = 0;
  if (opt.balances.empty()) {
    spot = {{"USDT", 10'000 * core::kScale}, {"BTC", 1 * core::kScale}, {"ETH", 10 * core::kScale}};
    wallet = 10'000 * core::kScale;
  } else {
    for (const auto& b : opt.balances) {
      int64_t raw = 0;
      if (core::parse_decimal(b.amount, false, raw) != core::DecimalError::kOk)
        return core::invalid("--balance ", b.asset, "=", b.amount, ": not a non-negative decimal");
      spot.emplace_back(b.asset, raw);
      if (b.asset == "USDT") wallet += raw;
    }
  }
  auto add = [&](AccountConfig c) -> absl::Status {
    c.spot_balances = spot;
    c.futures_wallet_raw = wallet;
    c.default_leverage = opt.leverage;
    c.hedge_mode = opt.hedge_mode;
    if (auto st = keys.add(c); !st.ok()) return st;
    return ex.add_account(c);
  };
  const bool default_taken = std::any_of(opt.accounts.begin(), opt.accounts.end(),
                                         [](const AccountFlag& a) { return a.api_key == kDefaultApiKey; });
  if (!default_taken) {
    AccountConfig c;
    c.api_key = std::string(kDefaultApiKey);
    c.key_type = KeyType::kHmac;
    c.hmac_secret = std::string(kDefaultHmacSecret);
    if (auto st = add(c); !st.ok()) return st;
  }
  for (const auto& a : opt.accounts) {
    AccountConfig c;
    c.api_key = a.api_key;
    if (a.key_type == AccountFlag::KeyType::kHmac) {
      c.key_type = KeyType::kHmac;
      c.hmac_secret = a.secret;
    } else {
      c.key_type = KeyType::kEd25519;
      c.ed25519_pem_path = a.public_key_pem;
    }
    if (auto st = add(c); !st.ok()) return st;
  }
  return absl::OkStatus();
}

absl::Status setup_market(const ExchangeOptions& opt, const Exchange& ex, MarketDriver& driver, UnixNanos now) {
  std::optional<Product> captured;
  if (opt.market != "walk") {
    const std::string& f = opt.market;
    const std::string base = f.substr(f.find_last_of('/') == std::string::npos ? 0 : f.find_last_of('/') + 1);
    const bool fut = base.find("usdm") != std::string::npos || base.find("futures") != std::string::npos ||
                     base.find("fapi") != std::string::npos;
    captured = fut ? Product::kUsdmFutures : Product::kSpot;
    if (auto st = driver.add_capture(*captured, f, now); !st.ok()) return st;
  }
  uint64_t n = 0;
  for (Product p : {Product::kSpot, Product::kUsdmFutures}) {
    if (captured && *captured == p) continue;
    for (const auto& spec : ex.symbols(p)) {
      // Spot and futures of a symbol share a walk seed (both start at the same mid).
      const uint64_t seed = opt.seed * 1000 + (n++ % opt.symbols.size());
      if (auto st = driver.add_random_walk(p, spec.symbol, default_walk(spec, seed)); !st.ok()) return st;
    }
  }
  return absl::OkStatus();
}

}  // namespace dmabot::binance_sim
