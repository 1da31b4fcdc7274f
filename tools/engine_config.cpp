#include "tools/engine_config.h"

#include <algorithm>
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
    return cfg.error(key,
                     core::str_cat("has ", items->size(), " values for ", out.size(),
                                   " symbols (give one, or one per symbol in SYMBOLS then FUTURES_SYMBOLS order)"));
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

// The key table: every key the engine reads, in documentation order. `def` is the built-in default
// as the key would be written in a .env file; tests/tools/config_keys_test.cpp checks each one
// against what the modules actually apply when the key is absent, and that no key the engine reads
// is missing here. docs/CONFIG.md and `dmabot config --list` are generated from this table.
constexpr ConfigKey kConfigKeys[] = {
    // --- what runs ---
    {"FEED_MODE", "mock", "mock | replay | synthetic | binance",
     "Where market data comes from: binance = the live bookTicker (and, for MARKET_TYPE=usdm, markPrice@1s) streams "
     "of BINANCE_ENV (threaded runs only, not run --fused).",
     "what runs"},
    {"VENUE_MODE", "mock", "mock | sim | binance_spot | binance_futures | binance",
     "Where orders go: mock venues, the simulated exchange, or Binance (it sets MARKET_TYPE). binance = Spot and "
     "USD-M at once: SYMBOLS on the spot venue, FUTURES_SYMBOLS on the futures venue.",
     "what runs"},
    {"MARKET_TYPE", "spot", "spot | usdm",
     "Binance market the mock venues and the simulated exchange imitate; picks their default fees (Binance base tier: "
     "spot maker 0.1% / taker 0.1%, USD-M maker 0.02% / taker 0.05%). FEED_MODE=binance streams this market.",
     "what runs"},
    {"SYMBOLS", "BTCUSDT", "list of symbols, or auto",
     "Symbols to trade, exchange spelling (letters and digits). With Binance each must be listed and TRADING; auto "
     "= picked from exchangeInfo (QUOTE_ASSETS, MAX_SYMBOLS; Binance modes only).",
     "what runs"},
    {"FUTURES_SYMBOLS", "", "list of symbols, or auto",
     "USD-M futures symbols traded next to SYMBOLS' spot ones (VENUE_MODE=binance; also mock/sim, e.g. replaying such "
     "a run), exchange spelling. The engine names each with the prefix UM: (BTCUSDT is UM:BTCUSDT in metrics, "
     "recordings and logs; the exchange name goes on the wire), so it and spot BTCUSDT are two instruments; refused "
     "with binance_spot and binance_futures. auto = picked from the USD-M exchangeInfo like SYMBOLS=auto "
     "(QUOTE_ASSETS, "
     "FUTURES_CONTRACT_TYPES, MAX_SYMBOLS per product).",
     "what runs"},
    {"TICK_SIZE", "0.01", "decimal > 0, one or one per symbol",
     "Price tick of each symbol (SYMBOLS then FUTURES_SYMBOLS order). With Binance: unset = the exchange's; set = an "
     "override, refused "
     "when finer than the exchange's (a coarser multiple is allowed).",
     "what runs"},
    {"STEP_SIZE", "0.00001", "decimal > 0, one or one per symbol",
     "Quantity step (lot size) of each symbol; also the minimum quantity. With Binance: unset = the exchange's step "
     "and minQty; set = an override, refused when finer than the exchange's.",
     "what runs"},
    {"MIN_NOTIONAL", "5", "decimal >= 0, one or one per symbol",
     "Minimum price * quantity of an order, quote units. With Binance: unset = the exchange's; set = an override, "
     "refused when below the exchange's.",
     "what runs"},
    {"QUOTE_ASSETS", "USDT", "list of assets",
     "SYMBOLS=auto, FUTURES_SYMBOLS=auto: quote assets whose symbols are picked, in this order (e.g. "
     "USDT,USDC,FDUSD).",
     "what runs"},
    {"QUOTE_ASSET", "", "list of assets", "Another name for QUOTE_ASSETS (set one of the two).", "what runs"},
    {"MAX_SYMBOLS", "10", "integer 1..1024",
     "SYMBOLS=auto, FUTURES_SYMBOLS=auto: at most this many symbols per product (QUOTE_ASSETS order, then "
     "exchangeInfo's listing order).",
     "what runs"},
    {"ORDER_SIZE_USD", "auto", "auto or decimal > 0",
     "Order size in quote units that a Binance symbol's minimum notional must not exceed (SYMBOLS=auto skips such a "
     "symbol, an explicit one is an error); auto = the smallest of the running strategies' DYNMM_BASE_SIZE_USD, "
     "MR_ORDER_USD, MAC_ORDER_USD, VB_ORDER_USD (as alone: no check).",
     "what runs"},
    {"FUTURES_CONTRACT_TYPES", "PERPETUAL", "list of PERPETUAL, CURRENT_QUARTER, NEXT_QUARTER, ...",
     "USD-M contract types accepted (explicit SYMBOLS and auto).", "what runs"},
    {"SYMBOLS_NOT_TRADING", "error", "error | skip",
     "An explicit Binance symbol that is not TRADING at start (CANCEL_ONLY, HALT, ...): stop with an error, or start "
     "without it.",
     "what runs"},
    {"INSTRUMENTS_REFRESH_S", "300", "integer 0..86400",
     "How often exchangeInfo is fetched again to see status and filter changes, seconds (0 = never).", "what runs"},
    {"STRATEGIES", "dynmm", "list of dynmm, as, mean_reversion, ma_cross, vol_breakout",
     "Strategies to run, each on its own worker(s).", "what runs"},
    {"STRATEGY_WORKERS", "1", "integer 1..64, one or one per strategy",
     "Workers per strategy; symbols are sharded over them.", "what runs"},
    // --- Binance account ---
    {"BINANCE_ENV", "testnet", "local | testnet | mainnet",
     "Which Binance the binance feed and venues use; picks the default URLs (docs/LIVE.md). local = binance-sim on "
     "this machine (every URL must be loopback).",
     "Binance account"},
    {"BINANCE_API_KEY", "", "string (secret, environment only)",
     "API key; required by the binance venues. From the environment only (a file or --set is refused, except with "
     "BINANCE_ENV=local). Never printed, logged, recorded or exported.",
     "Binance account", true},
    {"BINANCE_API_SECRET", "", "string (secret, environment only)",
     "HMAC API secret (or use BINANCE_PRIVATE_KEY_FILE, not both). Environment only; never printed, logged, recorded "
     "or exported.",
     "Binance account", true},
    {"BINANCE_PRIVATE_KEY_FILE", "", "path to a PEM private key (secret, environment only)",
     "Ed25519 private key (PKCS#8 PEM) for the API key, instead of BINANCE_API_SECRET. Environment only; the path "
     "is masked like a secret.",
     "Binance account", true},
    {"BINANCE_FUTURES_API_KEY", "", "string (secret, environment only)",
     "USD-M API key, when it differs from BINANCE_API_KEY (Binance's testnets issue separate keys). Setting any "
     "BINANCE_FUTURES_ credential makes futures use these three keys only.",
     "Binance account", true},
    {"BINANCE_FUTURES_API_SECRET", "", "string (secret, environment only)",
     "HMAC secret of BINANCE_FUTURES_API_KEY (or BINANCE_FUTURES_PRIVATE_KEY_FILE, not both).", "Binance account",
     true},
    {"BINANCE_FUTURES_PRIVATE_KEY_FILE", "", "path to a PEM private key (secret, environment only)",
     "Ed25519 private key of BINANCE_FUTURES_API_KEY.", "Binance account", true},
    {"CONFIRM_LIVE", "no", "string",
     "Must be yes to trade on mainnet (set it with --set, as a deliberate act each time).", "Binance account"},
    {"DRY_RUN", "false", "true | false",
     "VENUE_MODE=binance_*: everything live (connection, clock, credentials check, user data) except orders, "
     "which are checked, logged as they would be sent (DRY_RUN: would send ...) and never sent; the strategy "
     "sees each one rejected. Mock and sim venues ignore it.",
     "Binance account"},
    {"ON_START_OPEN_ORDERS", "cancel", "cancel | leave | adopt",
     "Binance venues: orders an earlier dmabot run left open on the engine's symbols (found by their client "
     "ids at start) are canceled before trading, left alone, or adopted: tracked by risk and the gateway as "
     "the engine's own (counted in the working exposure, their fills in the position, canceled at shutdown; "
     "no strategy owns them). Orders dmabot did not place are never touched.",
     "Binance account"},
    {"BINANCE_SPOT_NEUTRAL_BALANCE", "", "ASSET:AMOUNT,... (empty = none)",
     "VENUE_MODE=binance_spot: per base asset, the spot balance that counts as flat. The engine's inventory of a "
     "symbol starts at (and reconciles to) its base asset's free + locked balance minus this (unlisted assets: "
     "the whole balance).",
     "Binance account"},
    {"RECONCILE_S", "30", "integer 0..86400",
     "Binance venues: seconds between reconciliation rounds (0 = off): the exchange's positions / balances and "
     "open orders are compared with the engine's; a difference seen in two rounds in a row is drift "
     "(dmabot_binance_drift_total{venue,kind}), logged and resynced (the exchange wins).",
     "Binance account"},
    {"BINANCE_CLOCK_REFRESH_S", "60", "integer 1..3600",
     "Binance venues: how often the clock offset (for signed requests' timestamp) is measured again "
     "(GET time, from the control thread); a -1021 answer also triggers a measurement.",
     "Binance account"},
    // --- Binance endpoints ---
    {"BINANCE_SPOT_REST_URL", "", "https:// base URL, no path (empty = BINANCE_ENV's)",
     "Spot REST base (the client adds /api/v3/...). Plain http:// is refused.", "Binance endpoints"},
    {"BINANCE_SPOT_WS_API_URL", "", "wss:// URL with path (empty = BINANCE_ENV's)",
     "Spot WebSocket API (ending in /ws-api/v3).", "Binance endpoints"},
    {"BINANCE_SPOT_STREAM_URL", "", "wss:// base URL, no path (empty = BINANCE_ENV's)",
     "Spot market streams base (the client adds /ws or /stream).", "Binance endpoints"},
    {"BINANCE_FUTURES_REST_URL", "", "https:// base URL, no path (empty = BINANCE_ENV's)",
     "USD-M REST base (the client adds /fapi/...).", "Binance endpoints"},
    {"BINANCE_FUTURES_WS_API_URL", "", "wss:// URL with path (empty = BINANCE_ENV's)",
     "USD-M WebSocket API (ending in /ws-fapi/v1).", "Binance endpoints"},
    {"BINANCE_FUTURES_STREAM_URL", "", "wss:// base URL, no path (empty = BINANCE_ENV's)",
     "USD-M streams base: the client adds the routes /public, /market and /private.", "Binance endpoints"},
    {"BINANCE_CA_FILE", "", "path to a PEM certificate file (empty = system trust store)",
     "Extra CA to trust, e.g. binance-sim's generated CA. Certificate and host-name checks stay on.",
     "Binance endpoints"},
    // --- Binance market data ---
    {"BINANCE_STREAM_SILENT_TIMEOUT_S", "10", "number 0.1..3600",
     "FEED_MODE=binance: a stream with no data frame for this long marks its symbols' books stale (strategies pull "
     "quotes, risk blocks new orders) and reconnects.",
     "Binance market data"},
    {"BINANCE_STREAM_CONNECT_TIMEOUT_S", "10", "number 0.1..600",
     "Bound on each step of a stream connection (TCP connect, TLS handshake, WebSocket handshake).",
     "Binance market data"},
    {"BINANCE_STREAM_BACKOFF_MIN_S", "0.1", "number 0.001..60, at or below BINANCE_STREAM_BACKOFF_MAX_S",
     "First reconnect delay after a drop; doubles per failed attempt, with seeded jitter.", "Binance market data"},
    {"BINANCE_STREAM_BACKOFF_MAX_S", "30", "number 0.001..3600, at or above BINANCE_STREAM_BACKOFF_MIN_S",
     "Longest reconnect delay.", "Binance market data"},
    {"BINANCE_STREAM_ROTATION_AGE_S", "82800", "number 10..86400",
     "Age at which a stream connection is replaced, make-before-break (Binance cuts at 24 h).", "Binance market data"},
    // --- replay ---
    {"REPLAY_FILE", "", "path", "FEED_MODE=replay: a raw Binance capture, a dmabot recording or an event cache.",
     "replay"},
    {"REPLAY_FROM_NS", "0", "integer >= 0 (ns)", "Replay only events with local time >= this (0 = from the start).",
     "replay"},
    {"REPLAY_UNTIL_NS", "0", "integer >= 0 (ns)",
     "Replay only events with local time < this (0 = to the end); must be later than REPLAY_FROM_NS.", "replay"},
    {"REPLAY_MAX_LINE_BYTES", "67108864", "integer 4096..1073741824 (bytes)",
     "Longest capture/recording line read; a longer one is skipped (counted as malformed with its line number) "
     "in bounded memory.",
     "replay"},
    // --- mock market ---
    {"MOCK_RATE", "1000", "number 0..50000000", "Mock ticks per second over all symbols (0 = as fast as consumed).",
     "mock market"},
    {"MOCK_SEED", "1", "integer >= 0",
     "Seed of the mock market's random walk and of the mock venues' coin flips (venue id mixed in).", "mock market"},
    {"MOCK_VOL_BPS", "2", "number 0..1000", "Standard deviation of one step of the log-mid, bps.", "mock market"},
    {"MOCK_SPREAD_TICKS", "3", "integer 1..1000", "Largest quoted spread in ticks (each tick draws 1..this).",
     "mock market"},
    {"MOCK_START_PX", "100", "number > 0, one or one per symbol", "Starting mid of each symbol.", "mock market"},
    {"MOCK_MAX_TICKS", "0", "integer >= 0", "Stop after this many ticks (0 = run until stopped; run --fused needs it).",
     "mock market"},
    // --- synthetic market ---
    {"SYN_MODEL", "gbm", "gbm | abm", "Mid process of the synthetic market: geometric or arithmetic Brownian motion.",
     "synthetic market"},
    {"SYN_S0", "100", "number > 0, one or one per symbol", "Starting mid.", "synthetic market"},
    {"SYN_SIGMA", "0.0005", "number >= 0",
     "Volatility per sqrt(second): relative for gbm (max 10), price units for abm (whose default is 0.05).",
     "synthetic market"},
    {"SYN_DT_MS", "100", "number 0.000002..3600000", "Step length, milliseconds.", "synthetic market"},
    {"SYN_STEPS", "36000", "integer >= 0", "Steps to generate (0 = unlimited).", "synthetic market"},
    {"SYN_SPREAD_TICKS", "2", "integer 1..1000000", "Quoted spread in ticks.", "synthetic market"},
    {"SYN_DEPTH_QTY", "1", "decimal > 0", "Displayed size at the bid and the ask.", "synthetic market"},
    {"SYN_A", "140", "number >= 0", "Market orders per second per side (A in A*exp(-k*depth)).", "synthetic market"},
    {"SYN_K", "1.5", "number >= 0", "Decay of the fill intensity with distance from the mid (k in A*exp(-k*depth)).",
     "synthetic market"},
    {"SYN_TRADE_QTY", "1000", "decimal > 0", "Size of each printed market-order trade.", "synthetic market"},
    {"SYN_SEED", "1", "integer >= 0", "Seed of the synthetic market.", "synthetic market"},
    // --- mock venues ---
    {"MOCK_VENUES", "mock", "list of names (at most 16)",
     "Mock venues the router chooses between. Each fills resting orders only when the mock market trades through their "
     "price (the simulated exchange's rule).",
     "mock venues"},
    {"MOCK_ACK_LATENCY_US", "50", "microseconds 0..60000000, one or one per venue",
     "Order and cancel acknowledgement latency.", "mock venues"},
    {"MOCK_FILL_LATENCY_US", "1000", "microseconds 0..60000000, one or one per venue",
     "Time from the acknowledgement until an order reaches the matcher.", "mock venues"},
    {"MOCK_PARTIAL_PROB", "0.2", "probability 0..1, one or one per venue",
     "Chance that a fill comes as two halves (a seeded coin flip).", "mock venues"},
    {"MOCK_REJECT_PROB", "0", "probability 0..1, one or one per venue",
     "Chance that the venue rejects a new order (a seeded coin flip).", "mock venues"},
    {"MOCK_MAKER_FEE_BPS", "auto", "auto or bps -100..100, one or one per venue",
     "Maker fee (negative = rebate); auto = Binance base tier of MARKET_TYPE (spot 10, usdm 2).", "mock venues"},
    {"MOCK_TAKER_FEE_BPS", "auto", "auto or bps -100..100, one or one per venue",
     "Taker fee; auto = Binance base tier of MARKET_TYPE (spot 10, usdm 5).", "mock venues"},
    // --- simulated exchange ---
    {"SIM_ENTRY_LATENCY_US", "200", "number 0..60000000 (us)", "Order entry latency to the simulated book.",
     "simulated exchange"},
    {"SIM_ACK_LATENCY_US", "200", "number 0..60000000 (us)", "Latency of reports back to us.", "simulated exchange"},
    {"SIM_ENTRY_LATENCY_SAMPLES_US", "", "list of microseconds",
     "Draw entry latencies from these samples instead (empty = the constant).", "simulated exchange"},
    {"SIM_ACK_LATENCY_SAMPLES_US", "", "list of microseconds",
     "Draw report latencies from these samples instead (empty = the constant).", "simulated exchange"},
    {"SIM_LATENCY_RECORDING", "", "path",
     "A dmabot recording whose order round trips, split in halves, become the entry and report latency samples.",
     "simulated exchange"},
    {"SIM_MAKER_FEE_BPS", "auto", "auto or number -100..100 (bps)",
     "Maker fee; auto = Binance base tier of MARKET_TYPE (spot 10, usdm 2).", "simulated exchange"},
    {"SIM_TAKER_FEE_BPS", "auto", "auto or number -100..100 (bps)",
     "Taker fee; auto = Binance base tier of MARKET_TYPE (spot 10, usdm 5).", "simulated exchange"},
    {"SIM_SEED", "42", "integer >= 0", "Seed for latency sampling and the queue model.", "simulated exchange"},
    {"SIM_QUEUE_MODEL", "risk_averse", "risk_averse | probabilistic",
     "Queue position model (probabilistic: cancels ahead of us also advance the queue).", "simulated exchange"},
    // --- router ---
    {"ROUTER_W_FEE", "1", "number 0..1e9", "Venue score weight per bps of fee.", "router"},
    {"ROUTER_W_LATENCY", "0.01", "number 0..1e9", "Venue score weight per microsecond of order-to-ack latency.",
     "router"},
    {"ROUTER_W_FILL", "1", "number 0..1e9", "Venue score weight per unit of fill rate (0..1).", "router"},
    {"ROUTER_W_INVENTORY", "0.1", "number 0..1e9", "Venue score weight per order size of inventory skew.", "router"},
    {"ROUTER_SPLIT_NOTIONAL", "0", "decimal >= 0", "Split orders above this notional over two venues (0 = never).",
     "router"},
    {"ROUTER_EWMA_ALPHA", "0.1", "number 0.000001..1",
     "Weight of the newest sample in the latency and fill-rate averages.", "router"},
    {"ROUTER_MAX_LIVE_ORDERS", "16384", "integer 16..4194304", "Parent orders the router tracks at once.", "router"},
    // --- risk ---
    {"PX_MIN", "0.00000001", "decimal > 0", "Lowest accepted order price.", "risk"},
    {"PX_MAX", "10000000", "decimal > PX_MIN", "Highest accepted order price.", "risk"},
    {"PX_BAND_PCT", "5", "decimal 0..100", "Largest distance of an order from the last mid, percent (0 = off).",
     "risk"},
    {"MAX_NOTIONAL", "10000", "decimal > 0", "Largest price * quantity of one order, quote units.", "risk"},
    {"MAX_SYMBOL_NOTIONAL", "50000", "decimal > 0", "Largest |position| * mark + working orders' notional per symbol.",
     "risk"},
    {"MAX_QPS", "50", "integer 1..100000", "Accepted new/replace orders in any 1 s window.", "risk"},
    {"MAX_QPM", "1200", "integer 1..1000000", "Accepted new/replace orders in any 60 s window.", "risk"},
    {"MAX_INVENTORY", "25000", "decimal > 0", "Largest |position| per symbol, quote units at the mid.", "risk"},
    {"MAX_DRAWDOWN", "0", "decimal >= 0", "Equity drop from its peak that engages the kill switch (0 = off).", "risk"},
    {"MAX_DAILY_LOSS", "0", "decimal >= 0",
     "Equity drop since the start of the UTC day that engages the kill switch (0 = off).", "risk"},
    {"MAX_WORKING_ORDERS", "16384", "integer 16..1048576", "Capacity of risk's working-order table.", "risk"},
    // --- strategy: dynmm ---
    {"DYNMM_A", "1", "number 0..1000",
     "Spread bps per bps of volatility: spread = max(a*sigma + b*|inv/inv_cap|, floor).", "strategy dynmm"},
    {"DYNMM_B", "5", "number 0..10000", "Spread bps added at a full inventory.", "strategy dynmm"},
    {"DYNMM_FLOOR_BPS", "2", "number 0.01..10000", "Narrowest spread, bps.", "strategy dynmm"},
    {"DYNMM_INV_CAP", "1", "decimal > 0 (base units)", "Inventory at which the side that would grow it stops quoting.",
     "strategy dynmm"},
    {"DYNMM_BASE_SIZE_USD", "20", "number > 0", "Quote size in quote units.", "strategy dynmm"},
    {"DYNMM_SIGMA_WINDOW", "100", "integer 2..100000", "Mid returns in the volatility estimate (no quotes until full).",
     "strategy dynmm"},
    {"DYNMM_TOLERANCE_BPS", "1", "number 0..10000", "A working quote stays while within this of its new target.",
     "strategy dynmm"},
    {"DYNMM_MIN_REQUOTE_MS", "50", "integer 0..3600000",
     "At most one new/replace per side per this many ms of tick time.", "strategy dynmm"},
    // --- strategy: as ---
    {"AS_GAMMA", "0.1", "number 0.000000001..1000", "Risk aversion (price units; Avellaneda-Stoikov 2008).",
     "strategy as"},
    {"AS_K", "1.5", "number 0.000000001..1e9", "Order-arrival decay k.", "strategy as"},
    {"AS_SIGMA", "0", "number >= 0", "Volatility, price units per sqrt(second) (0 = estimate from recent mids).",
     "strategy as"},
    {"AS_SIGMA_WINDOW", "100", "integer 2..100000", "Sampled mid increments in the volatility estimate.",
     "strategy as"},
    {"AS_SIGMA_SAMPLE_MS", "100", "integer 1..3600000",
     "Grid step of the volatility estimate: the mid is sampled every this many ms (never divided by a tick's dt).",
     "strategy as"},
    {"AS_HORIZON_S", "1", "number 0.000001..1000000", "Rolling horizon T - t, seconds.", "strategy as"},
    {"AS_ORDER_QTY", "0.001", "decimal > 0 (base units)", "Quote size; also the unit of inventory q.", "strategy as"},
    {"AS_TOLERANCE_BPS", "1", "number 0..10000", "A working quote stays while within this of its new target.",
     "strategy as"},
    {"AS_MIN_REQUOTE_MS", "0", "integer 0..3600000", "At most one new/replace per side per this many ms of tick time.",
     "strategy as"},
    // --- strategy: mean_reversion ---
    {"MR_WINDOW", "50", "integer 2..100000", "Mids in the rolling mean and stdev.", "strategy mean_reversion"},
    {"MR_ENTRY_Z", "2", "number 0.01..100, above MR_EXIT_Z", "Enter when |z| reaches this (fading the move).",
     "strategy mean_reversion"},
    {"MR_EXIT_Z", "0.5", "number 0..100, below MR_ENTRY_Z", "Flatten when |z| falls to this.",
     "strategy mean_reversion"},
    {"MR_ORDER_USD", "20", "number > 0", "Target position size, quote units.", "strategy mean_reversion"},
    {"MR_MIN_EDGE_BPS", "1", "number 0..10000", "Least distance from the mean to enter, bps.",
     "strategy mean_reversion"},
    {"MR_COOLDOWN_MS", "1000", "integer 0..86400000", "At most one entry per this many ms of tick time.",
     "strategy mean_reversion"},
    {"MR_LONG_ONLY", "false", "true | false", "Never short (spot accounts): a short target becomes flat.",
     "strategy mean_reversion"},
    // --- strategy: ma_cross ---
    {"MAC_FAST", "10", "integer 1..100000, below MAC_SLOW", "Mids in the fast moving average.", "strategy ma_cross"},
    {"MAC_SLOW", "50", "integer 2..100000, above MAC_FAST", "Mids in the slow moving average.", "strategy ma_cross"},
    {"MAC_ORDER_USD", "20", "number > 0", "Target position size, quote units.", "strategy ma_cross"},
    {"MAC_MIN_EDGE_BPS", "0.5", "number 0..10000", "Least gap between the averages that counts as a trend, bps.",
     "strategy ma_cross"},
    {"MAC_COOLDOWN_MS", "1000", "integer 0..86400000", "At most one cross trade per this many ms of tick time.",
     "strategy ma_cross"},
    {"MAC_LONG_ONLY", "false", "true | false", "Never short: a down-cross only flattens.", "strategy ma_cross"},
    // --- strategy: vol_breakout ---
    {"VB_WINDOW", "50", "integer 2..100000", "Mids in the range and volatility window.", "strategy vol_breakout"},
    {"VB_K", "2", "number 0..100", "Breakout size needed, in multiples of sigma.", "strategy vol_breakout"},
    {"VB_MIN_EDGE_BPS", "1", "number 0..10000", "Least breakout beyond the range, bps.", "strategy vol_breakout"},
    {"VB_ORDER_USD", "20", "number > 0", "Target position size, quote units.", "strategy vol_breakout"},
    {"VB_COOLDOWN_MS", "1000", "integer 0..86400000", "At most one entry per this many ms of tick time.",
     "strategy vol_breakout"},
    {"VB_HOLD_MS", "5000", "integer 1..86400000", "Flatten this long after the last entry.", "strategy vol_breakout"},
    {"VB_LONG_ONLY", "false", "true | false", "Never short: a downside breakout only flattens.",
     "strategy vol_breakout"},
    // --- backtest report ---
    {"BACKTEST_CAPITAL", "10000", "number 0.000001..1e15", "Denominator of return and drawdown fraction, quote units.",
     "backtest report"},
    {"BACKTEST_SHARPE_INTERVAL_S", "60", "integer 1..604800",
     "Length of one return interval of the Sharpe ratio, seconds.", "backtest report"},
    {"BACKTEST_SAMPLE_MS", "1000", "integer 1..3600000", "PnL/inventory sampling interval, ms of simulated time.",
     "backtest report"},
    {"BACKTEST_CHART_POINTS", "5000", "integer 100..1000000", "Most points per chart in the report.",
     "backtest report"},
    // --- plumbing ---
    {"RECORD_FILE", "", "path", "Recording of every event (empty = recorder off).", "plumbing"},
    {"RECORD_FORMAT", "jsonl", "jsonl | journal",
     "jsonl: a JSON line per event; journal: fixed binary slots, cheaper to write (dmabot export gives the "
     "same JSONL; replay reads both).",
     "plumbing"},
    {"RECORD_ROTATE_MB", "0", "integer 0..1000000",
     "Start the next recording file (RECORD_FILE.1, .2, ...) when this one holds this many MiB (0 = never).",
     "plumbing"},
    {"RECORD_ROTATE_S", "0", "integer 0..31536000",
     "Start the next recording file after this many seconds (0 = never).", "plumbing"},
    {"METRICS_PORT", "9898", "integer -1..65535",
     "Prometheus /metrics port on 127.0.0.1 (0 = any free port, -1 = off).", "plumbing"},
    {"LOG_LEVEL", "info", "debug | info | warn | error | off", "Least severe log level printed.", "plumbing"},
    {"PIN_CPUS", "none", "none or a CPU list (0,1 or 0-3)", "Pin the hot threads to these CPUs.", "plumbing"},
    {"IDLE_POLICY", "spin_yield", "spin | spin_yield | sleep", "What an idle stage thread does.", "plumbing"},
    {"THREAD_LAYOUT", "auto", "auto, or groups of stages (; between threads, , within one)",
     "Which stages share a thread; every stage exactly once. auto: under 4 usable CPUs every hot stage on one "
     "thread pinned to the last CPU, the recorder, metrics and I/O threads on the others; from 4 CPUs "
     "feed,strategy;risk,router,gateway pinned to the last two. The start line says what it chose.",
     "plumbing"},
    {"RING_CAPACITY", "4096", "integer 16..16777216", "Slots of every SPSC ring between stages.", "plumbing"},
};

}  // namespace

std::span<const ConfigKey> config_keys() { return kConfigKeys; }

const ConfigKey* find_config_key(std::string_view key) {
  for (const ConfigKey& k : kConfigKeys) {
    if (k.key == key) return &k;
  }
  return nullptr;
}

std::vector<std::string> start_notes(const EngineConfig& ec) {
  std::vector<std::string> out;
  auto bps = [](double v) { return core::format_double(v); };
  if (ec.venue_mode == "sim") {
    out.push_back(core::str_cat("fees (bps, maker/taker; MARKET_TYPE=", gateway::to_string(ec.sim.market), "): sim ",
                                bps(ec.sim.maker_fee_bps), "/", bps(ec.sim.taker_fee_bps)));
  } else if (ec.venue_mode == "binance") {
    const gateway::FeeSchedule s = gateway::binance_base_fees(gateway::MarketType::kSpot);
    const gateway::FeeSchedule u = gateway::binance_base_fees(gateway::MarketType::kUsdm);
    out.push_back(core::str_cat("fees (bps, maker/taker; VENUE_MODE=binance): binance_spot ", bps(s.maker_bps), "/",
                                bps(s.taker_bps), ", binance_futures ", bps(u.maker_bps), "/", bps(u.taker_bps),
                                " (Binance base tier, for routing; each fill carries the venue's commission)"));
  } else if (ec.venue_mode.starts_with("binance_")) {
    const gateway::FeeSchedule f = gateway::binance_base_fees(ec.market);
    out.push_back(core::str_cat("fees (bps, maker/taker; MARKET_TYPE=", gateway::to_string(ec.market),
                                "): ", ec.venue_mode, " ", bps(f.maker_bps), "/", bps(f.taker_bps),
                                " (Binance base tier, for routing; each fill carries the venue's commission)"));
  } else if (ec.venue_mode == "mock" && !ec.mock_venues.empty()) {
    std::string fees;
    bool coins = false;
    for (const auto& [name, p] : ec.mock_venues) {
      core::str_append(fees, fees.empty() ? "" : ", ", name, " ", bps(p.maker_fee_bps), "/", bps(p.taker_fee_bps));
      coins = coins || p.reject_prob > 0 || p.partial_prob > 0;
    }
    out.push_back(core::str_cat(
        "fees (bps, maker/taker; MARKET_TYPE=", gateway::to_string(ec.mock_venues.front().second.market), "): ", fees));
    out.push_back(core::str_cat(
        "mock venues: resting orders fill only when the mock market trades through their price; ",
        coins ? "venue rejects (MOCK_REJECT_PROB) and half fills (MOCK_PARTIAL_PROB) are seeded coin flips"
              : "no coin flips (MOCK_REJECT_PROB and MOCK_PARTIAL_PROB are 0)"));
  }
  return out;
}

// BINANCE_STREAM_* into the feed's options (URLs and symbols are the engine's business).
absl::Status read_stream_options(core::Config& cfg, feed::BinanceStreamOptions& o) {
  const struct {
    std::string_view key;
    double* field;
    double min, max;
  } keys[] = {
      {"BINANCE_STREAM_SILENT_TIMEOUT_S", &o.silent_timeout_s, 0.1, 3600},
      {"BINANCE_STREAM_CONNECT_TIMEOUT_S", &o.connect_timeout_s, 0.1, 600},
      {"BINANCE_STREAM_BACKOFF_MIN_S", &o.backoff_min_s, 0.001, 60},
      {"BINANCE_STREAM_BACKOFF_MAX_S", &o.backoff_max_s, 0.001, 3600},
      {"BINANCE_STREAM_ROTATION_AGE_S", &o.rotation_age_s, 10, 86400},
  };
  for (const auto& k : keys) {
    auto v = cfg.get_double(k.key, *k.field, k.min, k.max);
    if (!v.ok()) return v.status();
    *k.field = *v;
  }
  if (o.backoff_max_s < o.backoff_min_s) {
    return cfg.error("BINANCE_STREAM_BACKOFF_MAX_S", "must not be below BINANCE_STREAM_BACKOFF_MIN_S");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::vector<StageKind>>> parse_thread_layout(std::string_view spec) {
  std::vector<std::vector<StageKind>> layout;
  bool seen[5] = {};
  for (std::string_view group : core::split(spec, ';')) {
    std::vector<StageKind> g;
    for (std::string_view item : core::split(group, ',')) {
      StageKind k;
      if (item == "feed")
        k = StageKind::kFeed;
      else if (item == "strategy")
        k = StageKind::kStrategy;
      else if (item == "risk")
        k = StageKind::kRisk;
      else if (item == "router")
        k = StageKind::kRouter;
      else if (item == "gateway")
        k = StageKind::kGateway;
      else
        return core::invalid("unknown stage '", item, "' (feed, strategy, risk, router, gateway)");
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

std::string cpu_list_text(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(cpus[i]);
    if (j > i) out += core::str_cat("-", cpus[j]);
    i = j + 1;
  }
  return out;
}

std::string layout_text(const std::vector<std::vector<StageKind>>& layout) {
  static constexpr std::string_view kNames[] = {"feed", "strategy", "risk", "router", "gateway"};
  std::string out;
  for (const auto& group : layout) {
    if (!out.empty()) out += ";";
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (i > 0) out += ",";
      out += kNames[static_cast<int>(group[i])];
    }
  }
  return out;
}

ThreadPlan auto_thread_plan(const std::vector<int>& usable, const std::vector<int>& pin_cpus) {
  using K = StageKind;
  ThreadPlan plan;
  const bool small = usable.size() < 4;
  if (small) {
    plan.layout = {{K::kFeed, K::kStrategy, K::kRisk, K::kRouter, K::kGateway}};
  } else {
    plan.layout = {{K::kFeed, K::kStrategy}, {K::kRisk, K::kRouter, K::kGateway}};
  }
  const std::size_t hot = plan.layout.size();
  if (!pin_cpus.empty()) {
    plan.hot_cpus = pin_cpus;
  } else if (usable.size() > hot) {
    plan.hot_cpus.assign(usable.end() - static_cast<std::ptrdiff_t>(hot), usable.end());
  }
  for (int cpu : usable) {
    if (std::find(plan.hot_cpus.begin(), plan.hot_cpus.end(), cpu) == plan.hot_cpus.end())
      plan.other_cpus.push_back(cpu);
  }
  if (plan.hot_cpus.empty() || plan.other_cpus.empty()) plan.other_cpus.clear();
  plan.description = core::str_cat(
      "threads: THREAD_LAYOUT=auto on ", usable.size(), " usable CPU", usable.size() == 1 ? "" : "s",
      usable.empty() ? std::string() : core::str_cat(" (", cpu_list_text(usable), ")"), ": ", hot, " hot thread",
      hot == 1 ? "" : "s", " [", layout_text(plan.layout), "]",
      plan.hot_cpus.empty() ? std::string(", unpinned")
                            : core::str_cat(" pinned to CPU", plan.hot_cpus.size() == 1 ? " " : "s ",
                                            cpu_list_text(plan.hot_cpus), pin_cpus.empty() ? "" : " (PIN_CPUS)"),
      plan.other_cpus.empty()
          ? std::string("; recorder, metrics and I/O threads anywhere")
          : core::str_cat("; recorder, metrics and I/O threads on CPU", plan.other_cpus.size() == 1 ? " " : "s ",
                          cpu_list_text(plan.other_cpus)));
  return plan;
}

absl::StatusOr<EngineConfig> EngineConfig::from_config(core::Config& cfg, bool connects) {
  EngineConfig ec;
#define DMABOT_ASSIGN(lhs, expr)      \
  {                                   \
    auto _v = (expr);                 \
    if (!_v.ok()) return _v.status(); \
    lhs = std::move(*_v);             \
  }
  DMABOT_ASSIGN(ec.feed_mode, cfg.get_choice("FEED_MODE", "mock", {"mock", "replay", "synthetic", "binance"}));
  DMABOT_ASSIGN(ec.venue_mode,
                cfg.get_choice("VENUE_MODE", "mock", {"mock", "sim", "binance_spot", "binance_futures", "binance"}));
  DMABOT_ASSIGN(ec.replay_file, cfg.get_string("REPLAY_FILE", ""));
  if (ec.feed_mode == "replay" && ec.replay_file.empty()) {
    return cfg.error("REPLAY_FILE", "is empty; FEED_MODE=replay needs the file to replay");
  }
  DMABOT_ASSIGN(ec.replay_from_ns, cfg.get_int("REPLAY_FROM_NS", 0, 0, INT64_MAX));
  DMABOT_ASSIGN(ec.replay_until_ns, cfg.get_int("REPLAY_UNTIL_NS", 0, 0, INT64_MAX));
  if (ec.replay_until_ns != 0 && ec.replay_until_ns <= ec.replay_from_ns) {
    return cfg.error("REPLAY_UNTIL_NS", "must be later than REPLAY_FROM_NS");
  }
  DMABOT_ASSIGN(ec.replay_max_line_bytes,
                cfg.get_int("REPLAY_MAX_LINE_BYTES", int64_t{64} << 20, kMinReplayLineBytes, kMaxReplayLineBytes));

  // Safety first: URLs, TLS, where credentials come from, and for mainnet an explicit confirmation.
  DMABOT_ASSIGN(ec.binance, BinanceSettings::from_config(cfg, ec.venue_mode, connects));
  DMABOT_ASSIGN(ec.market, gateway::market_type_from_config(cfg));
  if (ec.venue_mode.starts_with("binance")) {
    // The venue decides the market (VENUE_MODE=binance: SYMBOLS' market, spot); MARKET_TYPE, when set,
    // must agree.
    const gateway::MarketType venue_market =
        ec.venue_mode == "binance_futures" ? gateway::MarketType::kUsdm : gateway::MarketType::kSpot;
    if (cfg.has("MARKET_TYPE") && ec.market != venue_market) {
      return cfg.error("MARKET_TYPE",
                       core::str_cat("VENUE_MODE=", ec.venue_mode, " trades ",
                                     venue_market == gateway::MarketType::kUsdm ? "USD-M futures (usdm)" : "spot",
                                     ec.venue_mode == "binance" ? " on SYMBOLS (USD-M on FUTURES_SYMBOLS)" : "",
                                     "; set MARKET_TYPE to match or leave it out"));
    }
    ec.market = venue_market;
  }
  if (auto st = read_stream_options(cfg, ec.binance_stream); !st.ok()) return st;

  std::vector<std::string> symbols;
  DMABOT_ASSIGN(symbols, cfg.get_list("SYMBOLS", "BTCUSDT"));
  std::vector<std::string> futures_symbols;
  DMABOT_ASSIGN(futures_symbols, cfg.get_list("FUTURES_SYMBOLS", ""));
  if (!futures_symbols.empty() && (ec.venue_mode == "binance_spot" || ec.venue_mode == "binance_futures")) {
    return cfg.error("FUTURES_SYMBOLS",
                     core::str_cat("is set but VENUE_MODE=", ec.venue_mode,
                                   " trades one market on SYMBOLS; VENUE_MODE=binance trades SYMBOLS on spot and "
                                   "FUTURES_SYMBOLS on USD-M"));
  }
  if (!futures_symbols.empty() && ec.market == gateway::MarketType::kUsdm) {
    return cfg.error("FUTURES_SYMBOLS", "is set but MARKET_TYPE=usdm makes SYMBOLS USD-M already; list them there");
  }
  if (symbols.empty() && futures_symbols.empty()) return cfg.error("SYMBOLS", "needs at least one symbol");
  // SYMBOLS=auto: the symbols come from exchangeInfo at start (tools/binance_instruments.h).
  const bool auto_symbols = symbols.size() == 1 && symbols[0] == "auto";
  if (auto_symbols && ec.feed_mode != "binance" && !ec.venue_mode.starts_with("binance")) {
    return cfg.error("SYMBOLS",
                     "auto picks symbols from Binance's exchangeInfo: it needs FEED_MODE=binance or "
                     "VENUE_MODE=binance_spot|binance_futures|binance");
  }
  if (auto_symbols && !futures_symbols.empty() && ec.venue_mode != "binance") {
    return cfg.error("FUTURES_SYMBOLS", "is set with SYMBOLS=auto; that needs VENUE_MODE=binance");
  }
  if (auto_symbols) {
    if (auto st = refuse_overrides_with_auto(cfg); !st.ok()) return st;
    symbols.clear();
  }
  // FUTURES_SYMBOLS=auto: VENUE_MODE=binance's USD-M symbols from the futures exchangeInfo, by the
  // same rules as SYMBOLS=auto (QUOTE_ASSETS, FUTURES_CONTRACT_TYPES, MAX_SYMBOLS per product).
  const bool auto_futures = futures_symbols.size() == 1 && core::to_upper(futures_symbols[0]) == "AUTO";
  if (auto_futures) {
    if (ec.venue_mode != "binance")
      return cfg.error("FUTURES_SYMBOLS", "auto picks USD-M symbols from exchangeInfo: it needs VENUE_MODE=binance");
    if (auto st = refuse_overrides_with_auto(cfg); !st.ok()) return st;
    futures_symbols.clear();
  }
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
    info.exchange_name = info.name;
    info.product = ec.market == gateway::MarketType::kUsdm ? core::Product::kUsdm : core::Product::kSpot;
    ec.instruments.push_back(std::move(info));
  }
  // FUTURES_SYMBOLS: USD-M instruments named "UM:<symbol>" (core/symbol_table.h), after SYMBOLS'.
  for (const std::string& s : futures_symbols) {
    if (core::to_upper(s) == "AUTO")
      return cfg.error("FUTURES_SYMBOLS", "auto must be the only entry (FUTURES_SYMBOLS=auto)");
    for (char c : s) {
      if (!std::isalnum(static_cast<unsigned char>(c))) {
        return cfg.error("FUTURES_SYMBOLS", core::str_cat("'", s, "' is not a symbol (letters and digits only)"));
      }
    }
    if (s.size() > 20) return cfg.error("FUTURES_SYMBOLS", core::str_cat("'", s, "' is too long"));
    core::InstrumentInfo info;
    info.exchange_name = core::to_upper(s);
    info.name = core::str_cat(core::kUsdmPrefix, info.exchange_name);
    info.product = core::Product::kUsdm;
    for (const auto& prev : ec.instruments) {
      if (prev.name == info.name) return cfg.error("FUTURES_SYMBOLS", core::str_cat("'", s, "' is listed twice"));
    }
    ec.instruments.push_back(std::move(info));
  }
  if (auto st = read_per_symbol(
          cfg, "TICK_SIZE", "0.01", ec.instruments,
          [](core::InstrumentInfo& i, int64_t r) { i.tick = core::Price::from_raw(r); }, false);
      !st.ok())
    return st;
  if (auto st = read_per_symbol(
          cfg, "STEP_SIZE", "0.00001", ec.instruments,
          [](core::InstrumentInfo& i, int64_t r) {
            i.step = core::Qty::from_raw(r);
            i.min_qty = i.step;
          },
          false);
      !st.ok())
    return st;
  if (auto st = read_per_symbol(
          cfg, "MIN_NOTIONAL", "5", ec.instruments, [](core::InstrumentInfo& i, int64_t r) { i.min_notional_raw = r; },
          true);
      !st.ok())
    return st;

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
      if (strategies[j] == strategies[i])
        return cfg.error("STRATEGIES", core::str_cat("'", strategies[i], "' is listed twice"));
    }
    const std::string& w = workers[workers.size() == 1 ? 0 : i];
    int n = 0;
    for (char c : w) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || n > 1000)
        return cfg.error("STRATEGY_WORKERS", core::str_cat("'", w, "' is not a worker count"));
      n = n * 10 + (c - '0');
    }
    if (n < 1 || n > 64) return cfg.error("STRATEGY_WORKERS", "each count must be between 1 and 64");
    total_workers += n;
    ec.strategies.push_back(StrategySpec{strategies[i], n});
  }
  if (total_workers > 254) return cfg.error("STRATEGY_WORKERS", "more than 254 strategy workers in total");
  if (total_workers + 1 > 63) return cfg.error("STRATEGY_WORKERS", "the feed fans out to at most 62 workers");
  if (auto st = strategy::read_all_strategy_params(cfg); !st.ok()) return st;
  DMABOT_ASSIGN(ec.instrument_rules,
                InstrumentRules::from_config(cfg, auto_symbols || auto_futures, ec.instruments, strategies));
  ec.instrument_rules.auto_symbols = auto_symbols;
  ec.instrument_rules.auto_futures_symbols = auto_futures;

  DMABOT_ASSIGN(ec.record_file, cfg.get_string("RECORD_FILE", ""));
  std::string record_format;
  DMABOT_ASSIGN(record_format, cfg.get_choice("RECORD_FORMAT", "jsonl", {"jsonl", "journal"}));
  ec.record_format = record_format == "journal" ? core::RecordFormat::kJournal : core::RecordFormat::kJsonl;
  int64_t rotate_mb = 0, rotate_s = 0;
  DMABOT_ASSIGN(rotate_mb, cfg.get_int("RECORD_ROTATE_MB", 0, 0, 1'000'000));
  DMABOT_ASSIGN(rotate_s, cfg.get_int("RECORD_ROTATE_S", 0, 0, 31'536'000));
  ec.record_rotate_bytes = static_cast<uint64_t>(rotate_mb) << 20;
  ec.record_rotate_ns = rotate_s * 1'000'000'000;
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
  DMABOT_ASSIGN(layout, cfg.get_string("THREAD_LAYOUT", "auto"));
  if (layout == "auto") {
    ThreadPlan plan = auto_thread_plan(core::usable_cpus(), ec.pin_cpus);
    ec.thread_layout = std::move(plan.layout);
    ec.pin_cpus = std::move(plan.hot_cpus);
    ec.other_cpus = std::move(plan.other_cpus);
    ec.thread_plan = std::move(plan.description);
  } else if (auto l = parse_thread_layout(layout); l.ok()) {
    ec.thread_layout = *l;
    ec.thread_plan =
        core::str_cat("threads: THREAD_LAYOUT=", layout, " (", ec.thread_layout.size(), " hot thread",
                      ec.thread_layout.size() == 1 ? "" : "s",
                      "), PIN_CPUS=", ec.pin_cpus.empty() ? std::string("none") : cpu_list_text(ec.pin_cpus));
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
  // The feed fans out to at most 64 rings: risk, every worker, and each venue's copy of the market.
  const std::size_t venue_copies = ec.venue_mode == "mock" ? ec.mock_venues.size() : 1;
  if (static_cast<std::size_t>(total_workers) + 1 + venue_copies > 64) {
    return cfg.error("STRATEGY_WORKERS", core::str_cat(total_workers, " strategy workers plus ", venue_copies,
                                                       " venue(s) exceed the feed's 64 outputs"));
  }
  DMABOT_ASSIGN(ec.backtest, BacktestReportParams::from_config(cfg));
  if (ec.feed_mode == "binance") {
    // Each instrument on its product's streams, by exchange name (the stage maps them back:
    // SymbolTable::find_exchange).
    feed::BinanceStreamOptions& o = ec.binance_stream;
    o.ca_file = ec.binance.ca_file;
    for (const core::InstrumentInfo& i : ec.instruments) {
      (i.product == core::Product::kUsdm ? o.futures_symbols : o.spot_symbols).push_back(i.exchange_name);
    }
    if (!o.futures_symbols.empty() || auto_futures || (auto_symbols && ec.market == gateway::MarketType::kUsdm))
      o.futures_stream_url = ec.binance.futures_stream_url;
    if (!o.spot_symbols.empty() || (auto_symbols && ec.market != gateway::MarketType::kUsdm))
      o.spot_stream_url = ec.binance.spot_stream_url;
  }
#undef DMABOT_ASSIGN
  if (auto st = cfg.check_unknown_keys(); !st.ok()) return st;
  ec.effective = cfg.dump();
  return ec;
}

}  // namespace dmabot::tools
