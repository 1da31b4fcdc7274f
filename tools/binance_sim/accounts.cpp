#include "tools/binance_sim/accounts.h"

#include <algorithm>
#include <cstdlib>

#include "core/strings.h"

namespace dmabot::binance_sim {

absl::StatusOr<AccountConfig> parse_account_spec(std::string_view spec) {
  auto c1 = spec.find(':');
  auto c2 = c1 == std::string_view::npos ? c1 : spec.find(':', c1 + 1);
  if (c2 == std::string_view::npos) {
    return core::invalid("--account: expected KEY:hmac:SECRET or KEY:ed25519:PUBKEY.pem");
  }
  AccountConfig a;
  a.api_key = std::string(spec.substr(0, c1));
  std::string_view type = spec.substr(c1 + 1, c2 - c1 - 1);
  std::string_view rest = spec.substr(c2 + 1);
  if (a.api_key.empty()) return core::invalid("--account: empty API key");
  if (rest.empty()) return core::invalid("--account ", a.api_key, ": empty ", type == "hmac" ? "secret" : "key file");
  if (type == "hmac") {
    a.key_type = KeyType::kHmac;
    a.hmac_secret = std::string(rest);
  } else if (type == "ed25519") {
    a.key_type = KeyType::kEd25519;
    a.ed25519_pem_path = std::string(rest);
  } else {
    return core::invalid("--account ", a.api_key, ": key type '", type, "' is not hmac or ed25519");
  }
  return a;
}

absl::Status parse_balances(std::string_view spec, std::vector<std::pair<std::string, int64_t>>& out) {
  out.clear();
  for (std::string_view item : core::split(spec, ',')) {
    item = core::strip(item);
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return core::invalid("--balance ", item, ": expected ASSET=AMOUNT");
    std::string asset(item.substr(0, eq));
    int64_t raw = 0;
    core::DecimalError e = core::parse_decimal(item.substr(eq + 1), false, raw);
    if (e != core::DecimalError::kOk) return core::invalid("--balance ", item, ": ", core::to_string(e));
    for (const auto& [a, v] : out)
      if (a == asset) return core::invalid("--balance: ", asset, " given twice");
    out.emplace_back(std::move(asset), raw);
  }
  return absl::OkStatus();
}

int64_t mul_div(int64_t a, int64_t b, int64_t c) {
  __int128 p = static_cast<__int128>(a) * b;
  return static_cast<int64_t>(p / c);
}

Price Position::entry_price() const {
  if (amount_raw == 0) return Price{};
  return Price::from_raw(mul_div(cost_raw, core::kScale, std::abs(amount_raw)));
}

int64_t Position::unrealized(Price mark) const {
  if (amount_raw == 0) return 0;
  int64_t value = core::notional_raw(mark, Qty::from_raw(std::abs(amount_raw)));
  return amount_raw > 0 ? value - cost_raw : cost_raw - value;
}

int64_t Position::apply_fill(int64_t dq, Price px) {
  if (dq == 0) return 0;
  if (amount_raw == 0 || (amount_raw > 0) == (dq > 0)) {
    cost_raw += core::notional_raw(px, Qty::from_raw(std::abs(dq)));
    amount_raw += dq;
    return 0;
  }
  int64_t open = std::abs(amount_raw);
  int64_t closing = std::min(open, std::abs(dq));
  int64_t closed_cost = closing == open ? cost_raw : mul_div(cost_raw, closing, open);
  int64_t value = core::notional_raw(px, Qty::from_raw(closing));
  int64_t pnl = amount_raw > 0 ? value - closed_cost : closed_cost - value;
  cost_raw -= closed_cost;
  amount_raw += dq > 0 ? closing : -closing;
  realized_raw += pnl;
  int64_t rest = std::abs(dq) - closing;
  if (rest > 0) {  // flipped: the rest opens the other way
    amount_raw = dq > 0 ? rest : -rest;
    cost_raw = core::notional_raw(px, Qty::from_raw(rest));
  }
  return pnl;
}

}  // namespace dmabot::binance_sim
