#include "gateway/binance/order_messages.h"

#include <charconv>

namespace dmabot::binance {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

// RFC 3986 unreserved: the only bytes a percent-encoder may leave as they are. A table: this runs
// per byte of every request.
constexpr std::array<bool, 256> kUnreserved = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
  }
  return t;
}();

// Runs of unreserved bytes are copied whole; everything else becomes %XX.
bool append_percent_encoded(Buffer& out, std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;
    while (run < s.size() && kUnreserved[static_cast<unsigned char>(s[run])]) ++run;
    if (run > i && !out.append(s.substr(i, run - i))) return false;
    if (run == s.size()) break;
    const auto c = static_cast<unsigned char>(s[run]);
    const char esc[3] = {'%', kHexUpper[c >> 4], kHexUpper[c & 0xF]};
    if (!out.append({esc, 3})) return false;
    i = run + 1;
  }
  return true;
}

// Runs of bytes JSON takes as they are are copied whole; '"', '\\' and control bytes are escaped.
bool append_json_escaped(Buffer& out, std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t run = i;
    while (run < s.size() && static_cast<unsigned char>(s[run]) >= 0x20 && s[run] != '"' && s[run] != '\\') ++run;
    if (run > i && !out.append(s.substr(i, run - i))) return false;
    if (run == s.size()) break;
    const auto c = static_cast<unsigned char>(s[run]);
    if (c >= 0x20) {
      const char esc[2] = {'\\', s[run]};
      if (!out.append({esc, 2})) return false;
    } else {
      const char esc[6] = {'\\', 'u', '0', '0', kHexLower[c >> 4], kHexLower[c & 0xF]};
      if (!out.append({esc, 6})) return false;
    }
    i = run + 1;
  }
  return true;
}

bool add_common_tail(ParamList& out, int64_t timestamp_ms, const std::optional<int64_t>& recv_window_ms) {
  bool ok = true;
  if (recv_window_ms) ok &= out.add_int("recvWindow", *recv_window_ms);
  ok &= out.add_int("timestamp", timestamp_ms);
  return ok;
}

// The new-order fields after `symbol`; shared by order.place and order.cancelReplace.
bool add_order_body(const NewOrder& o, ParamList& out) {
  bool ok = out.add("side", wire_name(o.side)) && out.add("type", wire_name(o.type));
  if (o.product == Product::kUsdmFutures && o.position_side) ok &= out.add("positionSide", wire_name(*o.position_side));
  if (o.time_in_force) ok &= out.add("timeInForce", wire_name(*o.time_in_force));
  if (o.quantity) ok &= out.add_decimal("quantity", o.quantity->raw);
  if (o.price) ok &= out.add_decimal("price", o.price->raw);
  if (o.product == Product::kUsdmFutures && o.reduce_only) ok &= out.add_bool("reduceOnly", *o.reduce_only);
  if (!o.new_client_order_id.empty()) ok &= out.add("newClientOrderId", o.new_client_order_id);
  if (o.new_order_resp_type) ok &= out.add("newOrderRespType", wire_name(*o.new_order_resp_type));
  return ok;
}

}  // namespace

bool ParamList::add(std::string_view name, std::string_view value, Kind kind) {
  return add_entry(name, value, kind, false);
}

bool ParamList::add_entry(std::string_view name, std::string_view value, Kind kind, bool plain) {
  if (!ok_ || n_ == kMaxParams || value.size() > kArenaBytes - used_) return ok_ = false;
  if (!value.empty()) std::memcpy(arena_ + used_, value.data(), value.size());
  entries_[n_++] = Entry{name, static_cast<uint16_t>(used_), static_cast<uint16_t>(value.size()), kind, plain};
  used_ += value.size();
  return true;
}

bool ParamList::add_int(std::string_view name, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return add_entry(name, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)), Kind::kNumber, true);
}

bool ParamList::add_uint(std::string_view name, uint64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return add_entry(name, std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)), Kind::kNumber, true);
}

bool ParamList::add_decimal(std::string_view name, int64_t raw) {
  char buf[core::kDecimalBufSize];
  return add_entry(name, std::string_view(buf, core::format_decimal_trimmed(raw, buf)), Kind::kString, true);
}

bool ParamList::add_bool(std::string_view name, bool v) {
  return add_entry(name, v ? "true" : "false", Kind::kString, true);
}

bool build_new_order(const NewOrder& o, ParamList& out) {
  out.clear();
  if (o.symbol.empty()) return false;
  return out.add("symbol", o.symbol) && add_order_body(o, out) &&
         add_common_tail(out, o.timestamp_ms, o.recv_window_ms);
}

bool build_order_ref(const OrderRef& r, ParamList& out) {
  out.clear();
  if (r.symbol.empty() || (!r.order_id && r.orig_client_order_id.empty())) return false;
  bool ok = out.add("symbol", r.symbol);
  if (r.order_id) ok &= out.add_uint("orderId", *r.order_id);
  if (!r.orig_client_order_id.empty()) ok &= out.add("origClientOrderId", r.orig_client_order_id);
  if (r.product == Product::kSpot && !r.new_client_order_id.empty()) {
    ok &= out.add("newClientOrderId", r.new_client_order_id);
  }
  return ok && add_common_tail(out, r.timestamp_ms, r.recv_window_ms);
}

bool build_symbol_scope(const SymbolScope& s, ParamList& out, bool symbol_required) {
  out.clear();
  if (symbol_required && s.symbol.empty()) return false;
  bool ok = true;
  if (!s.symbol.empty()) ok &= out.add("symbol", s.symbol);
  return ok && add_common_tail(out, s.timestamp_ms, s.recv_window_ms);
}

bool build_cancel_replace(const CancelReplace& c, ParamList& out) {
  out.clear();
  if (c.order.symbol.empty() || (!c.cancel_order_id && c.cancel_orig_client_order_id.empty())) return false;
  bool ok = out.add("symbol", c.order.symbol) && out.add("cancelReplaceMode", c.cancel_replace_mode);
  if (c.cancel_order_id) ok &= out.add_uint("cancelOrderId", *c.cancel_order_id);
  if (!c.cancel_orig_client_order_id.empty()) ok &= out.add("cancelOrigClientOrderId", c.cancel_orig_client_order_id);
  return ok && add_order_body(c.order, out) && add_common_tail(out, c.order.timestamp_ms, c.order.recv_window_ms);
}

bool build_signed_session(const SignedSession& s, ParamList& out) {
  out.clear();
  if (s.api_key.empty()) return false;
  return out.add("apiKey", s.api_key) && add_common_tail(out, s.timestamp_ms, s.recv_window_ms);
}

bool encode_query(const ParamList& params, Buffer& out) {
  if (!params.ok()) return false;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if ((i > 0 || !out.empty()) && !out.push_back('&')) return false;
    if (!append_percent_encoded(out, params.name(i)) || !out.push_back('=') ||
        !(params.plain(i) ? out.append(params.value(i)) : append_percent_encoded(out, params.value(i)))) {
      return false;
    }
  }
  return true;
}

bool append_signature(Buffer& out, std::string_view signature) {
  if (!out.empty() && !out.push_back('&')) return false;
  return out.append("signature=") && append_percent_encoded(out, signature);
}

bool encode_ws_request(std::string_view id, std::string_view method, const ParamList& params, Buffer& json,
                       Buffer& payload) {
  json.clear();
  payload.clear();
  if (!params.ok()) return false;
  // Sorted by name for the signature payload; the JSON takes the same order (Binance ignores it).
  // Insertion sort over at most kMaxParams indices: no allocation, and the lists are short.
  std::array<uint8_t, ParamList::kMaxParams> order{};
  const std::size_t n = params.size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t j = i;
    while (j > 0 && params.name(order[j - 1]) > params.name(i)) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = static_cast<uint8_t>(i);
  }
  bool ok = json.append("{\"id\":\"") && append_json_escaped(json, id) && json.append("\",\"method\":\"") &&
            append_json_escaped(json, method) && json.push_back('"');
  if (n > 0) ok &= json.append(",\"params\":{");
  for (std::size_t k = 0; ok && k < n; ++k) {
    const std::size_t i = order[k];
    if (k > 0) ok &= json.push_back(',') && payload.push_back('&');
    ok &= json.push_back('"') && append_json_escaped(json, params.name(i)) && json.append("\":");
    if (params.kind(i) == ParamList::Kind::kNumber) {
      ok &= json.append(params.value(i));
    } else {
      ok &= json.push_back('"') && append_json_escaped(json, params.value(i)) && json.push_back('"');
    }
    ok &= payload.append(params.name(i)) && payload.push_back('=') && payload.append(params.value(i));
  }
  return ok;
}

bool finish_ws_request(Buffer& json, const ParamList& params, std::string_view signature) {
  if (json.overflowed()) return false;
  const bool has_params = params.size() > 0;
  if (!signature.empty()) {
    if (!has_params && !json.append(",\"params\":{")) return false;
    if (has_params && !json.push_back(',')) return false;
    return json.append("\"signature\":\"") && append_json_escaped(json, signature) && json.append("\"}}");
  }
  return has_params ? json.append("}}") : json.push_back('}');
}

}  // namespace dmabot::binance
