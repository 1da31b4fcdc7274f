// The binance-sim venue target: a real SimVenue + WsVenue (no sockets, a fixed ManualClock) driven by
// fuzzed REST requests, WebSocket API frames and market moves. Every answer must be well-formed and
// the exchange's books must stay consistent; see fuzz_checks.h for the properties and the input form.
//
// Authentication: the venue checks every signature for real. To get past it the input asks the
// harness to sign (a flag bit): the harness appends timestamp (the fixed clock) and a correct
// signature with the account's HMAC secret or Ed25519 private key, over exactly the bytes it sends.
// Without the bit the request goes as the fuzzer wrote it (and is refused unless it forged a valid
// signature). So the check's outcome is part of the input, yet the venue's code path is the real one.
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/strings.h"
#include "core/types.h"
#include "gateway/binance/signer.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/security.h"
#include "tools/binance_sim/sim_setup.h"
#include "tools/binance_sim/sim_venue.h"
#include "tools/binance_sim/venue_api.h"
#include "tools/binance_sim/ws_venue.h"

namespace dmabot::fuzz {
namespace {

using binance::Product;
using binance_sim::HttpRequest;
using binance_sim::HttpResponse;

// 2023-11-14T22:13:20Z: any fixed instant works; timestamps the harness adds are this one.
constexpr core::UnixNanos kNow = 1'700'000'000LL * binance_sim::kNsPerSec;
constexpr std::string_view kHmacKey = "fuzz-hmac-key";
constexpr std::string_view kHmacSecret = "fuzz-hmac-secret";
constexpr std::string_view kEdKey = "fuzz-ed25519-key";
// The repository's test key pair (tests/binance_clients/keys/test-ed25519-*.pem): test only.
constexpr std::string_view kEdPublicPem =
    "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEABHxVQuAOhfiB8aGn0GhIgwx5slei/8DOJ9JV21Asi9A=\n-----END PUBLIC "
    "KEY-----\n";
constexpr std::string_view kEdPrivatePem =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIEPWMLc7O91rcfdIV6FR9tj/4ue0+17HLcalUZXfP2fj\n-----END PRIVATE "
    "KEY-----\n";
constexpr std::string_view kSymbols[] = {"BTCUSDT", "ETHUSDT"};

class FakeConn final : public binance_sim::WsConnection {
 public:
  FakeConn(uint64_t id, Product p) : id_(id), product_(p) {}
  uint64_t id() const override { return id_; }
  Product product() const override { return product_; }
  bool time_unit_us() const override { return id_ % 2 == 0; }
  bool send_text(std::string text) override {
    if (!open_) return false;
    sent.push_back(std::move(text));
    return true;
  }
  void close() override { open_ = false; }
  bool is_open() const override { return open_; }
  std::vector<std::string> sent;

 private:
  uint64_t id_;
  Product product_;
  bool open_ = true;
};

// Everyone listens, so every event the venue publishes is formatted (and checked as JSON).
class CheckingHub final : public binance_sim::StreamHub {
 public:
  std::size_t publish(Product, binance_sim::StreamRoute, std::string_view, std::string_view ms,
                      std::string_view us) override {
    payloads.emplace_back(ms);
    if (!us.empty()) payloads.emplace_back(us);
    return 1;
  }
  bool has_subscribers(Product, binance_sim::StreamRoute, std::string_view) const override { return true; }
  std::size_t close_subscribers(Product, binance_sim::StreamRoute, std::string_view) override { return 0; }
  std::vector<std::string> payloads;
};

struct Keys {
  binance_sim::KeyRegistry registry;
  std::unique_ptr<binance::HmacSha256Signer> hmac;
  std::unique_ptr<binance::Ed25519Signer> ed;
  std::string error;
  Keys() {
    if (!registry.add_hmac(std::string(kHmacKey), kHmacSecret).ok() ||
        !registry.add_ed25519_pem(std::string(kEdKey), kEdPublicPem).ok()) {
      error = "key registry set-up failed";
      return;
    }
    auto h = binance::HmacSha256Signer::create(kHmacSecret);
    auto e = binance::Ed25519Signer::from_pem(kEdPrivatePem);
    if (!h.ok() || !e.ok()) {
      error = "signer set-up failed";
      return;
    }
    hmac = std::make_unique<binance::HmacSha256Signer>(std::move(*h));
    ed = std::make_unique<binance::Ed25519Signer>(std::move(*e));
  }
  std::string sign(bool ed25519, std::string_view payload) const {
    if (ed25519) {
      char sig[binance::kEd25519Base64Size];
      if (!ed->sign(payload, sig)) return {};
      return std::string(sig, sizeof sig);
    }
    char sig[binance::kHmacSha256HexSize];
    hmac->sign(payload, sig);
    return std::string(sig, sizeof sig);
  }
};

const Keys& keys() {
  static const Keys k;
  return k;
}

std::string pct_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Splits off the text up to the next '\n' (all of it when there is none).
std::string_view take_line(std::string_view& rest) {
  const std::size_t nl = rest.find('\n');
  std::string_view line = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  return line;
}

// Binance's error shape: an object with an integer "code" and a string "msg".
bool is_error_object(simdjson::dom::element e) {
  simdjson::dom::object o;
  if (e.get_object().get(o)) return false;
  int64_t code = 0;
  std::string_view msg;
  return !o["code"].get_int64().get(code) && !o["msg"].get_string().get(msg) && code != 0;
}

class Harness {
 public:
  explicit Harness(std::string* trace) : clock_(kNow), trace_(trace) {}

  std::string setup() {
    if (!keys().error.empty()) return keys().error;
    for (Product p : {Product::kSpot, Product::kUsdmFutures}) {
      for (std::string_view sym : kSymbols) {
        binance::InstrumentSpec spec;
        if (!binance_sim::default_instrument(p, sym, spec).ok() || !ex_.add_symbol(spec).ok())
          return "symbol set-up failed";
        move_market(p, sym, 0);
      }
    }
    for (bool ed : {false, true}) {
      binance_sim::AccountConfig a;
      a.api_key = std::string(ed ? kEdKey : kHmacKey);
      a.key_type = ed ? binance_sim::KeyType::kEd25519 : binance_sim::KeyType::kHmac;
      if (ed)
        a.ed25519_pem_path = "fuzz-ed25519-public.pem";  // the registry already holds the key
      else
        a.hmac_secret = std::string(kHmacSecret);
      a.spot_balances = {{"USDT", 10'000 * core::kScale}, {"BTC", core::kScale}, {"ETH", 10 * core::kScale}};
      a.futures_wallet_raw = 10'000 * core::kScale;
      if (!ex_.add_account(a).ok()) return "account set-up failed";
    }
    binance_sim::SimVenueOptions opt;
    venue_ = std::make_unique<binance_sim::SimVenue>(ex_, keys().registry, opt, &clock_);
    ws_ = std::make_unique<binance_sim::WsVenue>(*venue_, hub_);
    for (std::size_t i = 0; i < 2; ++i) {
      conns_[i] = std::make_shared<FakeConn>(i + 1, i == 0 ? Product::kSpot : Product::kUsdmFutures);
      venue_->on_ws_api_open(conns_[i]);
    }
    return {};
  }

  // One operation; "" or the first property it broke.
  std::string run(std::string_view rec) {
    if (rec.empty()) return {};
    const auto op = static_cast<uint8_t>(rec[0]);
    rec.remove_prefix(1);
    const Product product = (op & 0x04) ? Product::kUsdmFutures : Product::kSpot;
    const bool sign = (op & 0x08) != 0;
    const bool ed = (op & 0x10) != 0;
    switch (op & 0x03) {
      case 0:
        return rest(product, sign, ed, (op & 0x20) != 0, rec);
      case 1:
        return ws(product, rec);
      case 2:
        return ws_built(product, sign, ed, rec);
      default:
        if (rec.size() >= 2) {
          move_market(product, kSymbols[static_cast<uint8_t>(rec[0]) % 2], static_cast<int8_t>(rec[1]));
          ws_->tick(clock_.now());
        }
        return check_published();
    }
  }

  std::string finish() {
    for (auto& c : conns_) {
      venue_->on_ws_api_close(c);
    }
    if (std::string f = check_published(); !f.empty()) return f;
    return check_books();
  }

 private:
  // The market top of (product, symbol) at its reference mid moved by `steps` * 0.5%.
  void move_market(Product p, std::string_view sym, int steps) {
    const int64_t mid = (sym == "BTCUSDT" ? 60'000 : 3'000) * core::kScale;
    const int64_t m = mid + mid / 200 * steps;
    const int64_t half_spread = mid / 10'000;
    binance_sim::TopOfBook t{core::Price::from_raw(m - half_spread), core::Qty::from_raw(core::kScale / 2),
                             core::Price::from_raw(m + half_spread), core::Qty::from_raw(core::kScale / 2)};
    ex_.set_market_top(p, std::string(sym), t, clock_.now());
  }

  std::string rest(Product product, bool sign, bool ed, bool no_key, std::string_view rec) {
    HttpRequest r;
    r.method = std::string(take_line(rec));
    r.path = std::string(take_line(rec));
    r.query = std::string(take_line(rec));
    r.body = std::string(rec);
    r.remote_ip = "127.0.0.1";
    if (!r.body.empty()) {
      r.content_type = "application/x-www-form-urlencoded";
      r.headers.emplace_back("content-type", r.content_type);
    }
    if (!no_key) {
      r.api_key = std::string(ed ? kEdKey : kHmacKey);
      r.headers.emplace_back("x-mbx-apikey", r.api_key);
    }
    if (sign) {
      core::str_append(r.query, r.query.empty() ? "" : "&", "timestamp=", clock_.now() / binance_sim::kNsPerMs);
      const std::string sig = keys().sign(ed, core::str_cat(r.query, r.body));
      core::str_append(r.query, "&signature=", pct_encode(sig));
    }
    HttpResponse resp;
    try {
      resp = venue_->on_http(product, r);
    } catch (const std::exception& e) {
      return core::str_cat("on_http threw: ", e.what());
    }
    if (trace_) core::str_append(*trace_, resp.status, " ", resp.body.substr(0, 400), "\n");
    if (resp.status < 200 || resp.status > 599) return core::str_cat("HTTP status ", resp.status);
    if (resp.status == 404 && resp.body == binance_sim::not_found_response().body) return check_published();
    simdjson::dom::element e;
    if (parser_.parse(resp.body).get(e))
      return core::str_cat(r.method, " ", r.path, ": HTTP ", resp.status,
                           " body is not JSON: ", resp.body.substr(0, 200));
    if (resp.status >= 400 && !is_error_object(e))
      return core::str_cat(r.method, " ", r.path, ": HTTP ", resp.status,
                           " body is not Binance's error shape: ", resp.body.substr(0, 200));
    if (resp.status < 400 && !e.is_object() && !e.is_array())
      return core::str_cat(r.method, " ", r.path, ": HTTP ", resp.status, " body is neither object nor array");
    return check_published();
  }

  std::string ws(Product product, std::string_view frame) {
    const std::size_t i = product == Product::kSpot ? 0 : 1;
    const std::size_t before = conns_[i]->sent.size();
    try {
      venue_->on_ws_api_text(conns_[i], frame);
    } catch (const std::exception& e) {
      return core::str_cat("on_ws_api_text threw: ", e.what());
    }
    // Every request is answered (once, unless the connection was closed on it).
    if (conns_[i]->sent.size() == before && conns_[i]->is_open())
      return core::str_cat("WebSocket API frame not answered: ", frame.substr(0, 200));
    for (std::size_t k = before; k < conns_[i]->sent.size(); ++k) {
      if (trace_) core::str_append(*trace_, conns_[i]->sent[k].substr(0, 400), "\n");
      if (std::string f = check_ws_message(conns_[i]->sent[k]); !f.empty()) return f;
    }
    if (!conns_[i]->is_open()) {  // closed by the venue: reconnect so later frames are served
      venue_->on_ws_api_close(conns_[i]);
      conns_[i] = std::make_shared<FakeConn>(conns_[i]->id() + 2, product);
      venue_->on_ws_api_open(conns_[i]);
    }
    return check_published();
  }

  // method '\n' k=v&k=v: a JSON frame whose params are the pairs (values as JSON strings), plus apiKey,
  // timestamp and a correct signature when `sign`.
  std::string ws_built(Product product, bool sign, bool ed, std::string_view rec) {
    const std::string_view method = take_line(rec);
    std::vector<std::pair<std::string, std::string>> params;
    while (!rec.empty()) {
      const std::size_t amp = rec.find('&');
      const std::string_view kv = rec.substr(0, amp);
      rec = amp == std::string_view::npos ? std::string_view{} : rec.substr(amp + 1);
      const std::size_t eq = kv.find('=');
      if (eq == std::string_view::npos) continue;
      params.emplace_back(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
    }
    if (sign) {
      params.emplace_back("apiKey", std::string(ed ? kEdKey : kHmacKey));
      params.emplace_back("timestamp", std::to_string(clock_.now() / binance_sim::kNsPerMs));
      std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      std::string payload;
      for (const auto& [k, v] : params) core::str_append(payload, payload.empty() ? "" : "&", k, "=", v);
      params.emplace_back("signature", keys().sign(ed, payload));
    }
    std::string frame = "{\"id\":\"f\",\"method\":";
    core::append_json_string(frame, method);
    frame += ",\"params\":{";
    bool first = true;
    for (const auto& [k, v] : params) {
      if (!first) frame += ',';
      first = false;
      core::append_json_string(frame, k);
      frame += ':';
      core::append_json_string(frame, v);
    }
    frame += "}}";
    return ws(product, frame);
  }

  // A WebSocket API response ({"id":..,"status":N,...}; N >= 400 carries "error":{code,msg}) or a
  // user-data event pushed on the connection ({"subscriptionId":..,"event":{..}}).
  std::string check_ws_message(const std::string& text) {
    simdjson::dom::element e;
    if (parser_.parse(text).get(e)) return core::str_cat("WebSocket API sent non-JSON: ", text.substr(0, 200));
    simdjson::dom::object o;
    if (e.get_object().get(o)) return core::str_cat("WebSocket API sent a non-object: ", text.substr(0, 200));
    int64_t status = 0;
    if (!o["status"].get_int64().get(status)) {
      if (status < 200 || status > 599) return core::str_cat("WebSocket API status ", status);
      if (status >= 400 && !is_error_object(o["error"].value_unsafe()))
        return core::str_cat("WebSocket API error without Binance's shape: ", text.substr(0, 200));
      if (o["id"].error()) return core::str_cat("WebSocket API response without id: ", text.substr(0, 200));
      return {};
    }
    simdjson::dom::object ev;
    if (!o["event"].get_object().get(ev)) return {};
    return core::str_cat("WebSocket API sent neither a response nor an event: ", text.substr(0, 200));
  }

  std::string check_published() {
    for (const std::string& p : hub_.payloads) {
      simdjson::dom::element e;
      if (parser_.parse(p).get(e)) return core::str_cat("stream event is not JSON: ", p.substr(0, 200));
    }
    hub_.payloads.clear();
    return {};
  }

  // Balances never negative (so locked <= free + locked); every open order live and consistent; an
  // asset no open order locks has nothing locked; a sell's lock is exactly its unfilled base quantity.
  std::string check_books() {
    for (std::string_view key : {kHmacKey, kEdKey}) {
      const binance_sim::Account* a = ex_.find_account(key);
      if (!a) return "account vanished";
      std::map<std::string, int64_t> sell_lock;
      std::map<std::string, int> lockers;
      for (Product p : {Product::kSpot, Product::kUsdmFutures}) {
        for (const binance_sim::OrderSnapshot& o : ex_.open_orders(std::string(key), p, "")) {
          using binance::OrderStatus;
          if (o.status != OrderStatus::kNew && o.status != OrderStatus::kPartiallyFilled)
            return core::str_cat("open order ", o.order_id, " has status ", binance::wire_name(o.status));
          if (o.orig_qty.raw <= 0 || o.executed_qty.raw < 0 || o.executed_qty.raw >= o.orig_qty.raw)
            return core::str_cat("open order ", o.order_id, " qty ", o.orig_qty.raw, " executed ", o.executed_qty.raw);
          if (o.price.raw < 0 || o.cum_quote_raw < 0)
            return core::str_cat("open order ", o.order_id, " negative price");
          if (p != Product::kSpot) continue;
          const binance::InstrumentSpec* s = ex_.find_symbol(p, o.symbol);
          if (!s) return core::str_cat("open order on unknown symbol ", o.symbol);
          const bool buy = o.side == binance::OrderSide::kBuy;
          const std::string asset = buy ? s->quote_asset : s->base_asset;
          ++lockers[asset];
          if (!buy) sell_lock[asset] += o.orig_qty.raw - o.executed_qty.raw;
        }
      }
      for (const auto& [asset, b] : a->spot) {
        if (b.free < 0 || b.locked < 0)
          return core::str_cat(key, " ", asset, " free ", b.free, " locked ", b.locked, " (negative)");
        if (lockers[asset] == 0 && b.locked != 0)
          return core::str_cat(key, " ", asset, " locked ", b.locked, " with no open order locking it");
        if (asset != "USDT" && b.locked != sell_lock[asset])  // BTC, ETH: only sells lock them
          return core::str_cat(key, " ", asset, " locked ", b.locked, " but open sells leave ", sell_lock[asset]);
      }
      if (a->futures_wallet_raw < -1'000'000 * core::kScale) return core::str_cat(key, " futures wallet absurd");
    }
    return {};
  }

  binance_sim::ManualClock clock_;
  binance_sim::Exchange ex_;
  CheckingHub hub_;
  std::unique_ptr<binance_sim::SimVenue> venue_;
  std::unique_ptr<binance_sim::WsVenue> ws_;
  std::shared_ptr<FakeConn> conns_[2];
  simdjson::dom::parser parser_;
  std::string* trace_;
};

}  // namespace

std::string check_binance_sim(std::string_view input, std::string* trace) {
  Harness h(trace);
  if (std::string f = h.setup(); !f.empty()) return f;
  // Operations are separated by the byte 0x1E (ASCII record separator).
  while (true) {
    const std::size_t rs = input.find('\x1e');
    if (std::string f = h.run(input.substr(0, rs)); !f.empty()) return f;
    if (rs == std::string_view::npos) break;
    input.remove_prefix(rs + 1);
  }
  return h.finish();
}

std::string check_binance_sim(std::string_view input) { return check_binance_sim(input, nullptr); }

}  // namespace dmabot::fuzz
