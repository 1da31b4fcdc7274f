// tools/binance_instruments.h — the engine's instruments from Binance's exchangeInfo: which symbols to
// trade (explicit SYMBOLS or SYMBOLS=auto), their tick, step, minimum quantity and minimum notional,
// checked against the configured overrides, and a refresh that reports what changed.
//
// The engine calls it at start when FEED_MODE=binance or VENUE_MODE=binance_spot|binance_futures:
//   rules  = ec.instrument_rules                      (read by EngineConfig from the keys below)
//   source = InstrumentSource::from_settings(ec.binance, product)
//   set    = load_instruments(source, rules)           → SymbolTable::add(set.instruments[i].info)
// and, every rules.refresh_s seconds from a cold thread, refresh_instruments(source, rules, set),
// acting on the changes (stop quoting a symbol that is no longer tradable, new filters, ...).
//
// Resolution rules (InstrumentRules, keys in docs/CONFIG.md):
//   - Explicit SYMBOLS: each must be listed by the product's exchangeInfo (else an error naming it), in
//     status TRADING, and on USD-M of a contract type in FUTURES_CONTRACT_TYPES (PERPETUAL by
//     default). A symbol not TRADING (CANCEL_ONLY, HALT, BREAK, PENDING_TRADING, ...) is an error by
//     default: a trader who names a symbol expects it quoted, and starting without it would go
//     unnoticed. SYMBOLS_NOT_TRADING=skip starts without it instead (a note says so; it stays out
//     until a restart, since refresh never adds symbols). Its min notional above the order size is
//     an error too (every order would be rejected); so is a grid the engine cannot reproduce.
//   - SYMBOLS=auto: the TRADING symbols whose quote asset is in QUOTE_ASSETS (USD-M: and whose contract
//     type is in FUTURES_CONTRACT_TYPES), skipping those whose min notional exceeds the order size,
//     those whose grid the engine cannot reproduce and names that are not ASCII letters and digits.
//     Order: QUOTE_ASSETS order, then exchangeInfo's listing order (oldest first on Binance, which puts
//     the majors first — exchangeInfo carries no volume; to pick by volume, list SYMBOLS). At most
//     MAX_SYMBOLS. Skips are counted in the notes, with the first few names.
//   - Order size: ORDER_SIZE_USD, or with ORDER_SIZE_USD=auto the smallest quote-unit order size of
//     the STRATEGIES that have one (DYNMM_BASE_SIZE_USD, MR_ORDER_USD, MAC_ORDER_USD, VB_ORDER_USD;
//     `as` sizes in base units, AS_ORDER_QTY, so with only `as` there is no check unless
//     ORDER_SIZE_USD is set).
//   - Grid the engine can reproduce: a non-zero tick and step; the engine's grid is k * tick and
//     k * step, so on USD-M (whose grid is minPrice + k * tick, minQty + k * step) minPrice must be
//     a multiple of tick and minQty of step.
//   - Overrides (explicit SYMBOLS only; with auto they are refused at config time): TICK_SIZE,
//     STEP_SIZE and MIN_NOTIONAL, when set, replace the exchange's values for the engine after a
//     check: a tick or step finer than the exchange's, or not a multiple of it, is an error; a
//     coarser multiple is allowed (orders stay on the exchange's grid; a note says so); a
//     MIN_NOTIONAL below the exchange's is an error, above it allowed. A STEP_SIZE override also
//     raises the minimum quantity to at least one step. Without overrides the engine takes the
//     exchange's tick, step, minQty and min notional (Spot NOTIONAL, else MIN_NOTIONAL; USD-M
//     MIN_NOTIONAL.notional).
//
// Fetching: Spot GET /api/v3/exchangeInfo (explicit SYMBOLS: with symbols=[...], so the answer stays
// small; if Binance answers -1121 for an unknown name, once more without, to name the symbol), USD-M
// GET /fapi/v1/exchangeInfo (no parameters exist). Over gateway/binance_io/https_get.h, not
// RestClient: a full exchangeInfo is megabytes and RestClient's response slots hold 64 KiB. TLS
// verification always on, with BINANCE_CA_FILE.
//
// Threads: every function is a cold-path call on the caller's thread (start-up, or the refresh
// thread); the InstrumentSet belongs to the caller. Allocation: freely. Errors: absl::Status, one line
// naming the URL (fetch) or the key and symbol (resolution); nothing throws.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/config.h"
#include "core/symbol_table.h"
#include "gateway/binance/instruments.h"

namespace dmabot::tools {

struct BinanceSettings;

// What to trade and how to check it, from the configuration.
struct InstrumentRules {
  bool auto_symbols = false;            // SYMBOLS=auto
  bool auto_futures_symbols = false;    // FUTURES_SYMBOLS=auto (VENUE_MODE=binance's USD-M side)
  std::string symbols_key = "SYMBOLS";  // the key messages name (FUTURES_SYMBOLS: VENUE_MODE=binance's USD-M side)
  std::vector<std::string> symbols;     // explicit SYMBOLS, upper case (empty with auto)
  std::vector<std::string> quote_assets = {"USDT"};                                         // QUOTE_ASSETS (auto only)
  int max_symbols = 10;                                                                     // MAX_SYMBOLS (auto only)
  std::vector<binance::ContractType> contract_types = {binance::ContractType::kPerpetual};  // USD-M
  bool skip_not_trading = false;   // SYMBOLS_NOT_TRADING=skip (explicit SYMBOLS)
  int64_t order_notional_raw = 0;  // the order size in quote units (1e-8); 0 = no check
  std::string order_size_key;      // where it came from, for messages ("DYNMM_BASE_SIZE_USD")
  // Overrides: which keys were set, and their values per symbol (SYMBOLS order; one value given
  // applies to every symbol). Empty `overrides` = none.
  bool tick_set = false, step_set = false, min_notional_set = false;
  std::vector<core::InstrumentInfo> overrides;
  int refresh_s = 300;  // INSTRUMENTS_REFRESH_S: how often the engine should call refresh (0 = never)

  // Reads QUOTE_ASSETS, MAX_SYMBOLS, FUTURES_CONTRACT_TYPES, SYMBOLS_NOT_TRADING, ORDER_SIZE_USD and
  // INSTRUMENTS_REFRESH_S. `configured` are EngineConfig's instruments (names and, where set, the
  // TICK_SIZE/STEP_SIZE/MIN_NOTIONAL values); `strategies` the STRATEGIES names (for
  // ORDER_SIZE_USD=auto). Errors name the key.
  static absl::StatusOr<InstrumentRules> from_config(core::Config& cfg, bool auto_symbols,
                                                     std::span<const core::InstrumentInfo> configured,
                                                     std::span<const std::string> strategies);
};

// With SYMBOLS=auto: an error naming TICK_SIZE, STEP_SIZE or MIN_NOTIONAL when one is set (EngineConfig
// calls it before it reads them, so a per-symbol list in a preset gets this message, not a count error).
[[nodiscard]] absl::Status refuse_overrides_with_auto(const core::Config& cfg);

// Where exchangeInfo comes from.
struct InstrumentSource {
  binance::Product product = binance::Product::kSpot;
  std::string rest_url;  // https://host[:port]: BINANCE_SPOT_REST_URL or BINANCE_FUTURES_REST_URL
  std::string ca_file;   // BINANCE_CA_FILE ("" = the system trust store)
  int timeout_ms = 10'000;

  static InstrumentSource from_settings(const BinanceSettings& s, binance::Product product);
};

struct LoadedInstrument {
  // What the engine uses (exchange values, overrides applied). Its name is the exchange's as loaded;
  // the engine may rename it ("UM:BTCUSDT", core/symbol_table.h): refresh matches by spec.symbol and
  // keeps info's name, exchange name and product.
  core::InstrumentInfo info;
  binance::InstrumentSpec spec;  // the exchange's full spec: status, filters, contract, precisions
};

struct InstrumentSet {
  binance::Product product = binance::Product::kSpot;
  std::vector<LoadedInstrument> instruments;  // in resolution order (see above)
  std::vector<binance::RateLimit> rate_limits;
  int64_t server_time_ms = 0;
  std::vector<std::string> notes;  // one line each, for the start-up log: skips, coarser overrides

  [[nodiscard]] const LoadedInstrument* find(std::string_view symbol) const;
};

// GETs and parses exchangeInfo. `symbols` (Spot only) narrows the request with symbols=[...].
// Errors: `exchangeInfo https://host:port/api/v3/exchangeInfo: HTTP 400: {"code":-1121,...}`,
// `...: TLS handshake: certificate verify failed`, `...: no complete answer within 10000 ms`,
// `...: unparsable: <parser's line>`.
[[nodiscard]] absl::StatusOr<binance::ExchangeInfo> fetch_exchange_info(const InstrumentSource& source,
                                                                        std::span<const std::string> symbols = {});

// The rules above applied to a parsed exchangeInfo (pure: the unit tests' entry point).
[[nodiscard]] absl::StatusOr<InstrumentSet> resolve_instruments(const binance::ExchangeInfo& info,
                                                                const InstrumentRules& rules);

// fetch_exchange_info + resolve_instruments.
[[nodiscard]] absl::StatusOr<InstrumentSet> load_instruments(const InstrumentSource& source,
                                                             const InstrumentRules& rules);

// One change seen by a refresh.
struct InstrumentChange {
  enum class Kind : uint8_t {
    kStatus,    // status changed (tradable says whether new orders are allowed now)
    kFilters,   // tick, step, min qty or min notional of the engine's info changed
    kGone,      // the symbol is no longer listed
    kOverride,  // an override no longer passes its check; the exchange's value is used instead
  };
  Kind kind = Kind::kStatus;
  std::string symbol;
  std::string what;      // one line: "BTCUSDT: status TRADING -> CANCEL_ONLY"
  bool tradable = true;  // after the change: listed, TRADING (and the override, if any, valid)
};

// Compares a fresh exchangeInfo with `current` and updates it in place (spec and info of each symbol;
// the symbol list itself never changes — SymbolIds are fixed at start, and auto-discovery does not
// add symbols while running). Pure: the unit tests' entry point for refresh.
[[nodiscard]] std::vector<InstrumentChange> apply_refresh(const binance::ExchangeInfo& fresh,
                                                          const InstrumentRules& rules, InstrumentSet& current);

// Re-fetches exchangeInfo (Spot: the current symbols only) and apply_refresh()es it. On a fetch error
// `current` is left as it was.
[[nodiscard]] absl::StatusOr<std::vector<InstrumentChange>> refresh_instruments(const InstrumentSource& source,
                                                                                const InstrumentRules& rules,
                                                                                InstrumentSet& current);

}  // namespace dmabot::tools
