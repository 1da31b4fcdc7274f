#include "tools/binance_sim/market_publisher.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <span>

#include "core/strings.h"

namespace dmabot::binance_sim {

namespace {

constexpr UnixNanos kMs = 1'000'000;

void append_dec(std::string& out, int64_t raw, int decimals) {
  char buf[48];
  const std::size_t n = core::format_decimal(raw, buf, decimals < 0 ? 0 : (decimals > 8 ? 8 : decimals));
  out.push_back('"');
  out.append(buf, n);
  out.push_back('"');
}

void append_levels(std::string& out, const std::vector<Exchange::Level>& levels, int px_dec, int qty_dec) {
  out.push_back('[');
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (i) out.push_back(',');
    out.push_back('[');
    append_dec(out, levels[i].price.raw, px_dec);
    out.push_back(',');
    append_dec(out, levels[i].qty.raw, qty_dec);
    out.push_back(']');
  }
  out.push_back(']');
}

// True when a period boundary lies in (prev, now]; the first poll (prev 0) is always due.
bool due(UnixNanos prev, UnixNanos now, UnixNanos period) { return prev == 0 || now / period != prev / period; }

bool same_top(const TopOfBook& a, const TopOfBook& b) {
  return a.bid == b.bid && a.ask == b.ask && a.bid_qty == b.bid_qty && a.ask_qty == b.ask_qty;
}

}  // namespace

std::string stream_symbol(std::string_view symbol) {
  std::string s(symbol);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string MarketPublisher::spot_book_ticker(std::string_view symbol, const TopOfBook& top, int64_t update_id) {
  std::string out = core::str_cat("{\"u\":", update_id, ",\"s\":");
  core::append_json_string(out, symbol);
  out += ",\"b\":";
  append_dec(out, top.bid.raw, 8);
  out += ",\"B\":";
  append_dec(out, top.bid_qty.raw, 8);
  out += ",\"a\":";
  append_dec(out, top.ask.raw, 8);
  out += ",\"A\":";
  append_dec(out, top.ask_qty.raw, 8);
  out += '}';
  return out;
}

std::string MarketPublisher::futures_book_ticker(const binance::InstrumentSpec& spec, const TopOfBook& top,
                                                 int64_t update_id, UnixNanos now) {
  const int64_t ms = now / kMs;
  std::string out = core::str_cat("{\"e\":\"bookTicker\",\"u\":", update_id, ",\"E\":", ms, ",\"T\":", ms, ",\"s\":");
  core::append_json_string(out, spec.symbol);
  out += ",\"b\":";
  append_dec(out, top.bid.raw, spec.price_precision);
  out += ",\"B\":";
  append_dec(out, top.bid_qty.raw, spec.quantity_precision);
  out += ",\"a\":";
  append_dec(out, top.ask.raw, spec.price_precision);
  out += ",\"A\":";
  append_dec(out, top.ask_qty.raw, spec.quantity_precision);
  out += '}';
  return out;
}

std::string MarketPublisher::spot_depth(const Exchange::Depth& d, int64_t last_update_id) {
  std::string out = core::str_cat("{\"lastUpdateId\":", last_update_id, ",\"bids\":");
  append_levels(out, d.bids, 8, 8);
  out += ",\"asks\":";
  append_levels(out, d.asks, 8, 8);
  out += '}';
  return out;
}

std::string MarketPublisher::futures_depth(const binance::InstrumentSpec& spec, const Exchange::Depth& d,
                                           int64_t first_id, int64_t last_id, int64_t prev_last_id, UnixNanos now) {
  const int64_t ms = now / kMs;
  std::string out = core::str_cat("{\"e\":\"depthUpdate\",\"E\":", ms, ",\"T\":", ms, ",\"s\":");
  core::append_json_string(out, spec.symbol);
  core::str_append(out, ",\"U\":", first_id, ",\"u\":", last_id, ",\"pu\":", prev_last_id, ",\"b\":");
  append_levels(out, d.bids, spec.price_precision, spec.quantity_precision);
  out += ",\"a\":";
  append_levels(out, d.asks, spec.price_precision, spec.quantity_precision);
  out += '}';
  return out;
}

std::string MarketPublisher::mark_price_update(const MarkPriceEvent& m, UnixNanos now) {
  std::string out = core::str_cat("{\"e\":\"markPriceUpdate\",\"E\":", now / kMs, ",\"s\":");
  core::append_json_string(out, m.symbol);
  out += ",\"p\":";
  append_dec(out, m.mark.raw, 8);
  out += ",\"i\":";
  append_dec(out, m.index.raw, 8);
  // P: the estimated settle price, which only differs from the index in a delivery's last hour; a
  // perpetual's is the index.
  out += ",\"P\":";
  append_dec(out, m.index.raw, 8);
  out += ",\"r\":";
  append_dec(out, m.funding_rate_raw, 8);
  core::str_append(out, ",\"T\":", m.next_funding_time / kMs, "}");
  return out;
}

void MarketPublisher::publish_symbol(Product p, const binance::InstrumentSpec& spec, UnixNanos now) {
  const std::string lower = stream_symbol(spec.symbol);
  SymbolState& st = state_[{p, spec.symbol}];
  const TopOfBook top = ex_.book_ticker(p, spec.symbol);
  const bool changed = top.valid() && (!st.published || !same_top(top, st.last_top));
  if (changed) {
    ++st.update_id;
    st.last_top = top;
    st.published = true;
  }
  const StreamRoute book_route = p == Product::kSpot ? StreamRoute::kSpot : StreamRoute::kPublic;
  const std::string bt = lower + "@bookTicker";
  // USD-M also has the all-market !bookTicker on /public (same payload per symbol).
  const bool all = p == Product::kUsdmFutures && changed && hub_.has_subscribers(p, book_route, "!bookTicker");
  if (changed && (all || hub_.has_subscribers(p, book_route, bt))) {
    const std::string payload = p == Product::kSpot ? spot_book_ticker(spec.symbol, top, st.update_id)
                                                    : futures_book_ticker(spec, top, st.update_id, now);
    hub_.publish(p, book_route, bt, payload);
    if (all) hub_.publish(p, book_route, "!bookTicker", payload);
  }

  // Partial depth: spot 1000 ms / @100ms; USD-M 250 ms (no suffix) / @100ms / @500ms.
  struct Speed {
    std::string_view suffix;
    UnixNanos period;
  };
  static constexpr Speed kSpotSpeeds[] = {{"", 1000 * kMs}, {"@100ms", 100 * kMs}};
  static constexpr Speed kFuturesSpeeds[] = {{"", 250 * kMs}, {"@100ms", 100 * kMs}, {"@500ms", 500 * kMs}};
  const std::span<const Speed> speeds =
      p == Product::kSpot ? std::span<const Speed>(kSpotSpeeds) : std::span<const Speed>(kFuturesSpeeds);
  for (const int levels : {5, 10, 20}) {
    for (const Speed& sp : speeds) {
      if (!due(last_poll_, now, sp.period)) continue;
      const std::string name = core::str_cat(lower, "@depth", levels, sp.suffix);
      if (!hub_.has_subscribers(p, book_route, name)) continue;
      const Exchange::Depth d = ex_.depth(p, spec.symbol, levels);
      std::string payload;
      if (p == Product::kSpot) {
        payload = spot_depth(d, st.update_id);
      } else {
        int64_t& last_u = st.depth_last_u[name];
        payload = futures_depth(spec, d, std::min(last_u + 1, st.update_id), st.update_id, last_u, now);
        last_u = st.update_id;
      }
      hub_.publish(p, book_route, name, payload);
    }
  }
  if (p != Product::kUsdmFutures) return;
  const bool due_1s = due(last_poll_, now, 1000 * kMs);
  const bool due_3s = due(last_poll_, now, 3000 * kMs);
  if (!due_1s && !due_3s) return;
  const std::string mp1 = lower + "@markPrice@1s";
  const std::string mp3 = lower + "@markPrice";
  const bool want1 = due_1s && hub_.has_subscribers(p, StreamRoute::kMarket, mp1);
  const bool want3 = due_3s && hub_.has_subscribers(p, StreamRoute::kMarket, mp3);
  if (!want1 && !want3) return;
  const std::optional<MarkPriceEvent> m = ex_.mark_price(spec.symbol);
  if (!m || m->mark.raw <= 0) return;
  const std::string payload = mark_price_update(*m, now);
  if (want1) hub_.publish(p, StreamRoute::kMarket, mp1, payload);
  if (want3) hub_.publish(p, StreamRoute::kMarket, mp3, payload);
}

void MarketPublisher::poll(UnixNanos now) {
  for (const Product p : {Product::kSpot, Product::kUsdmFutures})
    for (const binance::InstrumentSpec& spec : ex_.symbols(p)) publish_symbol(p, spec, now);
  last_poll_ = now;
}

}  // namespace dmabot::binance_sim
