// tools/binance_sim/exchange.h — the exchange behind `dmabot binance-sim`: accounts, one market per
// (product, symbol) with a price-time order book of every account's resting orders plus the sim's
// own top of book, Binance's order rules, fees, spot balances, futures positions, mark price and
// funding. Pure logic: no sockets, no clock of its own (every call takes `now`), no threads.
//
// Matching. An incoming order takes liquidity best price first from (a) other resting account orders
// and (b) the sim market's top (its price, up to its size; a size taken is gone until the top
// changes); at an equal price the sim market comes first (its liquidity was there before). Resting
// account orders fill as makers at their own price when the sim market moves through them
// (gateway/internal/trade_through.h: a new top whose opposite side reaches the limit, or a market
// trade strictly through it), up to the size shown, in price-time priority. Accounts cross each
// other. An order meeting its own account's resting order applies self-trade prevention by the
// taker's mode (spot default: the symbol's defaultSelfTradePreventionMode; USD-M: NONE):
// EXPIRE_MAKER / EXPIRE_TAKER / EXPIRE_BOTH expire the remaining quantity (EXPIRED_IN_MATCH, exec
// type TRADE_PREVENTION, preventedQuantity); NONE lets it trade.
//
// Binance's rules. Symbol status, order type, timeInForce and the exchangeInfo filters are checked by
// the protocol core (binance::check_new_order, gateway/binance/instruments.h), so the sim answers the
// codes and texts the gateways' pre-checks expect (-1013 "Filter failure: X" on spot; -4014, -4164,
// -1111, -2025 ... on USD-M; spot -2010 "Market is closed." for CANCEL_ONLY). Then, here:
//   spot LIMIT_MAKER that would cross  -2010 "Order would immediately match and take."
//   futures GTX that would cross       -5022 (rejected, not recorded: Binance's current behaviour; a
//                                      crossing GTX used to be accepted then EXPIRED before 2023)
//   FOK that cannot fill at once       spot: accepted then EXPIRED; futures: -5021
//   IOC / MARKET remainder             EXPIRED
//   insufficient spot balance          -2010 "Account has insufficient balance for requested action."
//   insufficient futures margin        -2019 "Margin is insufficient."
//   reduceOnly that would increase, or exceed the position (and hedge-mode closes beyond the
//   position)                          -2022 "ReduceOnly Order is rejected."
//   unknown order                      cancel -2011 "Unknown order sent.", query -2013
//   duplicate newClientOrderId among the account's open orders of the symbol: spot -2010
//     "Duplicate order sent.", futures -4116; a malformed one -1100
//   position side against the account's mode -4061; reduceOnly in hedge mode -1106
// Codes and texts come from gateway/binance/errors.h.
// Ids: orderId and tradeId count up from 1 per market. Fees: spot in the asset received (a buy pays
// base, a sell quote), futures in USDT from the wallet; truncated to 1e-8.
//
// Spot balances: a LIMIT buy locks price * qty of the quote asset, a sell locks qty of the base; a
// fill spends from the lock (a buy filled below its limit gets the difference back) and a cancel or
// expiry unlocks what is left. MARKET orders check the free balance against the liquidity they would
// take. Futures (cross margin, USDT): an order needs notional / leverage of available margin (wallet
// + unrealized − position margin − open-order margin; the part that only closes a position needs
// none); fills move positions (accounts.h), realized PnL and fees move the wallet; funding settles
// every `funding_interval` at the mark price: a long pays amount * mark * rate when the rate is
// positive, a short receives it.
//
// Events: every change goes to the listeners (exchange_types.h) synchronously, in order: NEW before
// the fills it makes, the maker's fill before the taker's for each trade, balances and positions
// after the fill that moved them.
//
// Threads: single-threaded. Every method is called on the sim's io thread; listeners run on it too.
// Allocation: orders, trades and events allocate (a test venue, not the engine's hot path).
// Errors: request methods answer an ExchangeError (Binance's code, message and HTTP status);
// configuration methods answer absl::Status naming what is wrong.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "core/prng.h"
#include "gateway/binance/instruments.h"
#include "tools/binance_sim/accounts.h"
#include "tools/binance_sim/exchange_types.h"
#include "tools/binance_sim/order_book.h"
#include "tools/binance_sim/sim_market.h"

namespace dmabot::binance_sim {

struct ExchangeConfig {
  uint64_t seed = 1;                                          // client order ids
  core::UnixNanos funding_interval = 8LL * 3600 * kNsPerSec;  // settlements at multiples of it (UTC)
  int64_t default_funding_rate_raw = 10'000;                  // 0.0001 = 0.01%
};

// The InstrumentSpec a SymbolConfig stands for (see SymbolConfig).
[[nodiscard]] binance::InstrumentSpec to_instrument(const SymbolConfig& s);

// Which order to cancel and what to place instead (spot POST /api/v3/order/cancelReplace).
enum class CancelReplaceMode : uint8_t { kStopOnFailure, kAllowFailure };
struct CancelReplaceRequest {
  CancelReplaceMode mode = CancelReplaceMode::kStopOnFailure;
  OrderRef cancel;
  std::optional<std::string> cancel_new_client_order_id;
  NewOrderRequest new_order;  // its symbol is the cancelled order's symbol
};
enum class StepResult : uint8_t { kSuccess, kFailure, kNotAttempted };
[[nodiscard]] std::string_view to_string(StepResult r);
struct CancelReplaceResult {
  int http_status = 200;  // 200 both done, 400 nothing done (or validation failed), 409 one of the two
  ExchangeError error;    // -2021 (partial) / -2022 (failed) or a validation error; code 0 when 200
  StepResult cancel_result = StepResult::kNotAttempted;
  StepResult new_order_result = StepResult::kNotAttempted;
  ExchangeError cancel_error;
  OrderResult cancel_response;
  ExchangeError new_order_error;
  OrderResult new_order_response;
};

struct CancelAllResult {
  ExchangeError error;
  std::vector<OrderSnapshot> canceled;
};

struct TradeQuery {
  std::optional<int64_t> order_id;
  std::optional<int64_t> from_id;
  int limit = 500;  // clamped to [1, 1000]
};
struct TradesResult {
  ExchangeError error;
  std::vector<TradeRecord> trades;
};

struct LeverageResult {
  ExchangeError error;
  std::string symbol;
  int leverage = 0;
  int64_t max_notional_raw = 0;
};

struct FuturesAccountView {
  ExchangeError error;
  std::string asset = "USDT";
  int64_t wallet_raw = 0;
  int64_t unrealized_raw = 0;
  int64_t margin_balance_raw = 0;     // wallet + unrealized
  int64_t position_margin_raw = 0;    // Σ |amount| * mark / leverage
  int64_t open_order_margin_raw = 0;  // Σ remaining notional / leverage
  int64_t available_raw = 0;          // margin balance − both margins
  bool hedge_mode = false;
  std::vector<PositionSnapshot> positions;
};

class Exchange {
 public:
  explicit Exchange(ExchangeConfig cfg = {});

  // ---- set-up (before serving) ----
  // A symbol as exchangeInfo describes it (binance::InstrumentSpec: the same struct the gateways parse
  // and write_exchange_info() serves); its filters are enforced with binance::check_new_order().
  [[nodiscard]] absl::Status add_symbol(const binance::InstrumentSpec& s);
  // Convenience: to_instrument(s).
  [[nodiscard]] absl::Status add_symbol(const SymbolConfig& s);
  [[nodiscard]] absl::Status add_account(const AccountConfig& a);
  // Listeners are called in the order added; they must outlive the exchange's use.
  void add_listener(ExchangeListener* l) { listeners_.push_back(l); }
  [[nodiscard]] absl::Status set_symbol_status(Product p, const std::string& symbol, SymbolStatus st);
  // The minimum notional of the symbol's NOTIONAL and MIN_NOTIONAL filters (whichever it lists), as
  // exchangeInfo shows and the order checks enforce from now on (the admin hook; also before serving).
  [[nodiscard]] absl::Status set_symbol_min_notional(Product p, const std::string& symbol, core::Price min_notional);
  // Admin hooks (a change behind the client's back, as a deposit, a trade on the web UI or an ADL would
  // make one). The account's one-way USD-M position on `symbol` becomes `amount_raw` (signed) at `entry`
  // (cost |amount| * entry), announced as an ACCOUNT_UPDATE with reason `reason`; its spot `asset`
  // balance becomes `free_raw` free (locked unchanged), announced as an outboundAccountPosition. Like
  // every balance event they go out at the publisher's next flush (the next market tick). announce =
  // false sends no event (a change only a REST read of the account shows: reconciliation's tests).
  [[nodiscard]] absl::Status set_position(const std::string& api_key, const std::string& symbol, int64_t amount_raw,
                                          Price entry, core::UnixNanos now, std::string_view reason = "ADJUSTMENT",
                                          bool announce = true);
  [[nodiscard]] absl::Status set_spot_balance(const std::string& api_key, const std::string& asset, int64_t free_raw,
                                              core::UnixNanos now, bool announce = true);

  // ---- look-ups for the transport (signature check, exchangeInfo, account endpoints) ----
  [[nodiscard]] const Account* find_account(std::string_view api_key) const;
  [[nodiscard]] const binance::InstrumentSpec* find_symbol(Product p, std::string_view symbol) const;
  [[nodiscard]] std::vector<binance::InstrumentSpec> symbols(Product p) const;
  // Best bid/ask over the sim market and the resting account orders (bookTicker); sizes sum every
  // source at the best price. Empty sides have raw 0.
  [[nodiscard]] TopOfBook book_ticker(Product p, const std::string& symbol) const;
  // Up to `levels` price levels per side (depth), merged the same way.
  struct Level {
    Price price;
    Qty qty;
  };
  struct Depth {
    std::vector<Level> bids, asks;
  };
  [[nodiscard]] Depth depth(Product p, const std::string& symbol, int levels) const;
  [[nodiscard]] std::optional<MarkPriceEvent> mark_price(const std::string& futures_symbol) const;

  // ---- the sim's market ----
  // A new top of book for a symbol; resting orders it reaches fill (makers, at their price).
  void set_market_top(Product p, const std::string& symbol, const TopOfBook& top, UnixNanos now);
  // A market trade: resting orders strictly through its price fill, up to its quantity.
  void on_market_trade(Product p, const std::string& symbol, Price px, Qty qty, UnixNanos now);
  // Futures: mark and index price, funding rate (raw 1e-8) and optionally the next funding time
  // (0, or a time not after now = keep the exchange's schedule; a capture's T is on the capture's
  // clock, so pass 0 when replaying). From then on tops no longer move the mark. Emits a
  // MarkPriceEvent.
  void set_mark_price(const std::string& symbol, Price mark, Price index, int64_t funding_rate_raw,
                      UnixNanos next_funding_time, UnixNanos now);
  // Settles funding for every futures symbol whose funding time is <= now (each boundary once).
  void advance_time(UnixNanos now);

  // ---- requests (api_key: as authenticated by the transport) ----
  OrderResult new_order(const std::string& api_key, Product p, const NewOrderRequest& req, UnixNanos now);
  OrderResult query_order(const std::string& api_key, Product p, const std::string& symbol, const OrderRef& ref) const;
  // Spot: the cancel gets a new clientOrderId (new_client_order_id, generated when absent) and the
  // answer's origClientOrderId is the order's own.
  OrderResult cancel_order(const std::string& api_key, Product p, const std::string& symbol, const OrderRef& ref,
                           const std::optional<std::string>& new_client_order_id, UnixNanos now);
  CancelAllResult cancel_open_orders(const std::string& api_key, Product p, const std::string& symbol, UnixNanos now);
  CancelReplaceResult cancel_replace(const std::string& api_key, const std::string& symbol,
                                     const CancelReplaceRequest& req, UnixNanos now);
  // Open orders of a symbol (or every symbol of the product when symbol is empty), by orderId.
  [[nodiscard]] std::vector<OrderSnapshot> open_orders(const std::string& api_key, Product p,
                                                       const std::string& symbol) const;
  [[nodiscard]] TradesResult trades(const std::string& api_key, Product p, const std::string& symbol,
                                    const TradeQuery& q) const;
  // One row per futures symbol and position side in use (BOTH, or LONG and SHORT in hedge mode);
  // symbol empty = all.
  [[nodiscard]] std::vector<PositionSnapshot> position_risk(const std::string& api_key,
                                                            const std::string& symbol) const;
  LeverageResult set_leverage(const std::string& api_key, const std::string& symbol, int leverage, UnixNanos now);
  // dualSidePosition; refused (-4068) with an open position or (-4067) open orders.
  ExchangeError set_position_mode(const std::string& api_key, bool hedge);
  [[nodiscard]] FuturesAccountView futures_account(const std::string& api_key) const;

  // Records a request refused before it reached the exchange (signature, rate limit, an injected
  // fault...): emits a RejectEvent (the ledger's order_rejected line). request: "order.new", ...
  void record_reject(const std::string& api_key, Product p, std::string_view request, const std::string& symbol,
                     std::optional<OrderSide> side, const std::string& client_id, int64_t order_id,
                     const ExchangeError& e, UnixNanos now);

  [[nodiscard]] uint64_t orders_accepted() const { return orders_accepted_; }
  [[nodiscard]] uint64_t orders_rejected() const { return orders_rejected_; }
  [[nodiscard]] uint64_t fills() const { return fills_; }

 private:
  struct Order {
    OrderSnapshot snap;
    std::string api_key;
    std::string lock_asset;  // spot: what the order locks ("" = nothing locked)
    int64_t locked_raw = 0;  // spot: still locked
    bool resting = false;
  };
  struct Market {
    binance::InstrumentSpec spec;
    OrderBook book;
    TopOfBook top;
    bool has_top = false;
    Qty bid_left, ask_left;  // sim-market size not yet taken at the current top
    int64_t next_order_id = 1;
    int64_t next_trade_id = 1;
    int64_t next_prevented_match_id = 1;
    std::map<int64_t, Order> orders;                         // every order ever accepted, by id
    std::map<std::string, std::vector<TradeRecord>> trades;  // per api key, in trade order
    // futures
    Price mark, index;
    int64_t funding_rate_raw = 0;
    UnixNanos next_funding = 0;   // 0 until the first time is known
    bool mark_from_feed = false;  // set_mark_price() was called: tops no longer move the mark
  };
  struct Liquidity {
    bool from_market = false;
    int64_t maker_id = 0;
    Price px;
    Qty qty;
  };

  Market* market(Product p, std::string_view symbol);
  const Market* market(Product p, std::string_view symbol) const;
  Account* account(std::string_view api_key);

  ExchangeError validate_new(const Account& acct, const Market& m, const NewOrderRequest& req) const;
  // Spot MARKET with quoteOrderQty: the quantity the amount takes from the liquidity there is.
  ExchangeError plan_quote_order(const Market& m, NewOrderRequest& r) const;
  std::vector<Liquidity> liquidity(const Market& m, const Order& taker) const;
  std::string generate_client_id();
  void emit_order(const std::string& api_key, const OrderSnapshot& o, ExecType x, UnixNanos now,
                  const TradeRecord* fill = nullptr, std::string_view reason = {});
  // One execution of `o` for q at px; updates the order, the account, and emits. Returns the record.
  TradeRecord execute(Market& m, Order& o, Price px, Qty q, bool maker, int64_t trade_id, UnixNanos now);
  void finish_order(Market& m, Order& o, OrderStatus st, ExecType x, UnixNanos now);
  void unlock(Order& o, UnixNanos now);
  void emit_spot_balance(const std::string& api_key, const Account& a, const std::string& asset, UnixNanos now);
  void emit_futures_balance(const std::string& api_key, const Account& a, int64_t change, std::string_view reason,
                            UnixNanos now);
  void emit_position(const std::string& api_key, const Account& a, const Market& m, PositionSide ps,
                     std::string_view reason, UnixNanos now);
  PositionSnapshot position_snapshot(const Account& a, const Market& m, PositionSide ps) const;
  // A reduce-only order (or a hedge-mode close) may fill only while it still reduces its position by
  // no more than the position holds; otherwise it expires.
  bool can_still_reduce(const Market& m, const Order& o) const;
  void expire_stale_reduce_only(Market& m, const std::string& api_key, UnixNanos now);
  // Fills resting orders on `resting_side` that `px` reaches (a top: book_reaches; a trade:
  // trade_through), as makers at their own price, up to `available`; returns what they took.
  Qty fill_resting(Market& m, core::Side resting_side, Price px, Qty available, bool by_trade, UnixNanos now);
  int64_t order_margin_need(const Account& a, const Market& m, const Order& o) const;
  FuturesAccountView futures_view(const Account& a) const;
  Price reference_price(const Market& m, OrderSide side) const;
  Price check_reference_price(const Market& m) const;
  void schedule_funding(Market& m, UnixNanos now);

  ExchangeConfig cfg_;
  core::SplitMix64 rng_;
  std::map<std::string, Account, std::less<>> accounts_;
  std::map<std::pair<Product, std::string>, Market> markets_;
  std::vector<ExchangeListener*> listeners_;
  uint64_t orders_accepted_ = 0, orders_rejected_ = 0, fills_ = 0;
};

}  // namespace dmabot::binance_sim
