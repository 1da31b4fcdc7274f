#include "gateway/binance/request_params.h"

#include <algorithm>
#include <charconv>

#include "core/strings.h"
#include "simdjson.h"

namespace dmabot::binance {
namespace {

namespace sj = simdjson;
namespace dom = simdjson::dom;

const ApiError kOk{};

ApiError err(int code, std::string msg) { return ApiError{code, std::move(msg)}; }

ApiError illegal_chars() { return err(-1100, "Illegal characters found in a parameter."); }
ApiError illegal_in(std::string_view name, std::string_view range) {
  return err(-1100, core::str_cat("Illegal characters found in parameter '", name, "'; legal range is '", range, "'."));
}
ApiError duplicate() { return err(-1101, "Duplicate values for a parameter detected."); }
ApiError too_many() { return err(-1101, "Too many parameters sent for this endpoint."); }
ApiError invalid_json(std::string_view what) {
  return what.empty() ? err(-1135, "Invalid JSON Request")
                      : err(-1135, core::str_cat("JSON sent for parameter '", what, "' is not valid"));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Printable text only: control characters and broken UTF-8 are what Binance calls illegal characters.
bool legal_text(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return false;
  }
  return sj::validate_utf8(s.data(), s.size());
}

bool percent_decode(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;  // "%", "%4": a cut escape
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

// `text` with the `signature=...` pair (and one '&' next to it) removed.
void append_without_signature(std::string_view text, std::string& out) {
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('&', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view part = text.substr(pos, end - pos);
    if (part.substr(0, 10) == "signature=" || part == "signature") {
      std::string_view before = text.substr(0, pos);
      std::string_view after = end < text.size() ? text.substr(end + 1) : std::string_view{};
      if (after.empty() && !before.empty()) before.remove_suffix(1);  // the '&' that led to it
      out.append(before.data(), before.size());
      out.append(after.data(), after.size());
      return;
    }
    pos = end + 1;
  }
  out.append(text.data(), text.size());
}

}  // namespace

struct RequestParams::Json {
  dom::parser parser;
};

RequestParams::RequestParams() : json_(std::make_unique<Json>()) {
  arena_.reserve(4096);
  entries_.reserve(kMaxParams);
}
RequestParams::~RequestParams() = default;

void RequestParams::reset() {
  arena_.clear();
  entries_.clear();
  rest_payload_.clear();
  ws_id_json_ = "null";
  ws_method_.clear();
}

std::string_view RequestParams::name(std::size_t i) const {
  return std::string_view(arena_).substr(entries_[i].name_off, entries_[i].name_len);
}
std::string_view RequestParams::value(std::size_t i) const {
  return std::string_view(arena_).substr(entries_[i].value_off, entries_[i].value_len);
}

int RequestParams::find(std::string_view n) const {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (name(i) == n) return static_cast<int>(i);
  }
  return -1;
}

bool RequestParams::has(std::string_view n) const { return find(n) >= 0; }
std::string_view RequestParams::peek(std::string_view n) const {
  const int i = find(n);
  return i < 0 ? std::string_view{} : value(static_cast<std::size_t>(i));
}
void RequestParams::mark_read(std::string_view n) {
  if (const int i = find(n); i >= 0) entries_[static_cast<std::size_t>(i)].read = true;
}

ApiError RequestParams::add_rest_part(std::string_view part, bool from_body, std::size_t first_body_entry) {
  const std::size_t eq = part.find('=');
  const std::string_view raw_name = part.substr(0, eq);
  const std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
  Entry e{};
  e.name_off = static_cast<uint32_t>(arena_.size());
  if (!percent_decode(raw_name, arena_)) return illegal_chars();
  e.name_len = static_cast<uint32_t>(arena_.size() - e.name_off);
  e.value_off = static_cast<uint32_t>(arena_.size());
  if (!percent_decode(raw_value, arena_)) return illegal_chars();
  e.value_len = static_cast<uint32_t>(arena_.size() - e.value_off);
  const std::string_view n = std::string_view(arena_).substr(e.name_off, e.name_len);
  const std::string_view v = std::string_view(arena_).substr(e.value_off, e.value_len);
  if (n.empty() || !legal_text(n) || !legal_text(v)) return illegal_chars();
  if (const int prev = find(n); prev >= 0) {
    // The same name in query and body: the query's value is used. Twice in one part: an error.
    if (from_body && static_cast<std::size_t>(prev) < first_body_entry) {
      arena_.resize(e.name_off);
      return kOk;
    }
    return duplicate();
  }
  if (entries_.size() == kMaxParams) return too_many();
  e.from_body = from_body;
  entries_.push_back(e);
  return kOk;
}

ApiError RequestParams::parse_rest(std::string_view query, std::string_view body) {
  reset();
  append_without_signature(query, rest_payload_);
  append_without_signature(body, rest_payload_);
  std::size_t first_body_entry = 0;
  for (int part_no = 0; part_no < 2; ++part_no) {
    const std::string_view text = part_no == 0 ? query : body;
    if (part_no == 1) first_body_entry = entries_.size();
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('&', pos);
      if (end == std::string_view::npos) end = text.size();
      if (end > pos) {
        if (ApiError e = add_rest_part(text.substr(pos, end - pos), part_no == 1, first_body_entry); !e.ok()) return e;
      }
      pos = end + 1;
    }
  }
  return kOk;
}

ApiError RequestParams::parse_ws_request(std::string_view frame) {
  reset();
  dom::element root;
  if (json_->parser.parse(frame.data(), frame.size(), true).get(root) != sj::SUCCESS) return invalid_json({});
  dom::object o;
  if (root.get_object().get(o) != sj::SUCCESS) return invalid_json({});
  dom::element id;
  if (o.at_key("id").get(id) != sj::SUCCESS) return mandatory_error("id");
  if (id.is_string()) {
    ws_id_json_.clear();
    core::append_json_string(ws_id_json_, id.get_string().value_unsafe());
  } else if (id.type() == dom::element_type::INT64 || id.type() == dom::element_type::UINT64) {
    ws_id_json_ = sj::to_string(id);
  } else if (!id.is_null()) {
    return invalid_json("id");
  }
  std::string_view method;
  if (o.at_key("method").get(method) != sj::SUCCESS || method.empty()) return mandatory_error("method");
  ws_method_.assign(method.data(), method.size());
  dom::element params;
  if (o.at_key("params").get(params) != sj::SUCCESS) return kOk;  // "May be omitted if there are no parameters"
  dom::object po;
  if (params.get_object().get(po) != sj::SUCCESS) return invalid_json("params");
  for (dom::key_value_pair kv : po) {
    if (kv.key.empty() || !legal_text(kv.key)) return illegal_chars();
    if (find(kv.key) >= 0) return duplicate();
    if (entries_.size() == kMaxParams) return too_many();
    Entry e{};
    e.name_off = static_cast<uint32_t>(arena_.size());
    arena_.append(kv.key.data(), kv.key.size());
    e.name_len = static_cast<uint32_t>(kv.key.size());
    e.value_off = static_cast<uint32_t>(arena_.size());
    const dom::element& v = kv.value;
    if (v.is_string()) {
      const std::string_view s = v.get_string().value_unsafe();
      if (!legal_text(s)) return illegal_chars();
      arena_.append(s.data(), s.size());
    } else if (v.is_bool()) {
      arena_.append(v.get_bool().value_unsafe() ? "true" : "false");
    } else if (!v.is_null()) {
      arena_.append(sj::to_string(v));  // numbers as their minimal JSON text; arrays/objects as JSON
    }
    e.value_len = static_cast<uint32_t>(arena_.size() - e.value_off);
    entries_.push_back(e);
  }
  return kOk;
}

namespace {
// JavaScript's encodeURIComponent: keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ), escapes every other byte.
void append_uri_component(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      std::string_view("-_.!~*'()").find(ch) != std::string_view::npos;
    if (keep) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
}
}  // namespace

std::string RequestParams::rest_signature_payload_uri_component() const {
  std::string out;
  for (int part = 0; part < 2; ++part) {
    bool first = true;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].from_body != (part == 1) || name(i) == "signature") continue;
      if (!first) out.push_back('&');
      first = false;
      append_uri_component(out, name(i));
      out.push_back('=');
      append_uri_component(out, value(i));
    }
  }
  return out;
}

std::string RequestParams::ws_signature_payload(PayloadEncoding encoding) const {
  std::vector<std::size_t> order;
  order.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (name(i) != "signature") order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [this](std::size_t a, std::size_t b) { return name(a) < name(b); });
  std::string out;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0) out.push_back('&');
    core::str_append(out, name(order[k]), "=");
    const std::string_view v = value(order[k]);
    if (encoding == PayloadEncoding::kRaw) {
      out.append(v.data(), v.size());
    } else {
      append_uri_component(out, v);
    }
  }
  return out;
}

ApiError RequestParams::mandatory_error(std::string_view n) {
  return err(-1102, core::str_cat("Mandatory parameter '", n, "' was not sent, was empty/null, or malformed."));
}

ApiError RequestParams::either_error(std::string_view a, std::string_view b) {
  return err(-1102, core::str_cat("Param '", a, "' or '", b, "' must be sent, but both were empty/null!"));
}

ApiError RequestParams::fetch(std::string_view n, Need need, std::string_view& v, bool& present) {
  present = false;
  const int i = find(n);
  if (i < 0) return need == Need::kRequired ? mandatory_error(n) : kOk;
  Entry& e = entries_[static_cast<std::size_t>(i)];
  e.read = true;
  v = value(static_cast<std::size_t>(i));
  if (v.empty()) {
    return need == Need::kRequired ? mandatory_error(n) : err(-1105, core::str_cat("Parameter '", n, "' was empty."));
  }
  present = true;
  return kOk;
}

ApiError RequestParams::get_string(std::string_view n, std::string_view& out, Need need) {
  std::string_view v;
  bool present = false;
  if (ApiError e = fetch(n, need, v, present); !e.ok()) return e;
  if (present) out = v;
  return kOk;
}

namespace {
ApiError decimal_param(std::string_view n, std::string_view v, int64_t& raw) {
  switch (core::parse_decimal(v, false, raw)) {
    case core::DecimalError::kOk:
      return kOk;
    case core::DecimalError::kTooManyDecimals:
      return err(-1111, core::str_cat("Parameter '", n, "' has too much precision."));
    case core::DecimalError::kOverflow:
      return err(-1108, core::str_cat("Parameter '", n, "' overflowed."));
    default:
      return illegal_in(n, "^([0-9]{1,20})(\\.[0-9]{1,20})?$");
  }
}
}  // namespace

ApiError RequestParams::get_price(std::string_view n, core::Price& out, Need need) {
  std::string_view v;
  bool present = false;
  if (ApiError e = fetch(n, need, v, present); !e.ok() || !present) return e;
  int64_t raw = 0;
  if (ApiError e = decimal_param(n, v, raw); !e.ok()) return e;
  out = core::Price::from_raw(raw);
  return kOk;
}

ApiError RequestParams::get_qty(std::string_view n, core::Qty& out, Need need) {
  std::string_view v;
  bool present = false;
  if (ApiError e = fetch(n, need, v, present); !e.ok() || !present) return e;
  int64_t raw = 0;
  if (ApiError e = decimal_param(n, v, raw); !e.ok()) return e;
  out = core::Qty::from_raw(raw);
  return kOk;
}

ApiError RequestParams::get_int64(std::string_view n, int64_t& out, Need need) {
  std::string_view v;
  bool present = false;
  if (ApiError e = fetch(n, need, v, present); !e.ok() || !present) return e;
  int64_t x = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), x);
  if (r.ec == std::errc::result_out_of_range) return err(-1108, core::str_cat("Parameter '", n, "' overflowed."));
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) return illegal_in(n, "^-?[0-9]{1,20}$");
  out = x;
  return kOk;
}

ApiError RequestParams::get_uint64(std::string_view n, uint64_t& out, Need need) {
  std::string_view v;
  bool present = false;
  if (ApiError e = fetch(n, need, v, present); !e.ok() || !present) return e;
  uint64_t x = 0;
  // from_chars for unsigned accepts no sign; a '-' is an illegal character like any other.
  const auto r = std::from_chars(v.data(), v.data() + v.size(), x);
  if (r.ec == std::errc::result_out_of_range) return err(-1108, core::str_cat("Parameter '", n, "' overflowed."));
  if (r.ec != std::errc() || r.ptr != v.data() + v.size()) return illegal_in(n, "^[0-9]{1,20}$");
  out = x;
  return kOk;
}

ApiError RequestParams::get_bool(std::string_view n, bool& out, Need need) {
  std::string_view v;
  bool present = false;
  if (ApiError e = fetch(n, need, v, present); !e.ok() || !present) return e;
  const std::string lower = core::to_lower(v);
  if (lower == "true") {
    out = true;
  } else if (lower == "false") {
    out = false;
  } else {
    return illegal_in(n, "true, false");
  }
  return kOk;
}

template <class E>
ApiError RequestParams::get_enum(std::string_view n, E& out, Need need, bool (*parse)(std::string_view, E&), int code,
                                 std::string_view bad_msg) {
  std::string_view v;
  bool present = false;
  if (ApiError e = fetch(n, need, v, present); !e.ok() || !present) return e;
  if (!parse(v, out)) return code == -1100 ? illegal_in(n, bad_msg) : err(code, std::string(bad_msg));
  return kOk;
}

ApiError RequestParams::get_side(std::string_view n, OrderSide& out, Need need) {
  return get_enum(n, out, need, &parse_order_side, -1117, "Invalid side.");
}
ApiError RequestParams::get_order_type(std::string_view n, OrderType& out, Need need) {
  return get_enum(n, out, need, &parse_order_type, -1116, "Invalid orderType.");
}
ApiError RequestParams::get_time_in_force(std::string_view n, TimeInForce& out, Need need) {
  return get_enum(n, out, need, &parse_time_in_force, -1115, "Invalid timeInForce.");
}
ApiError RequestParams::get_resp_type(std::string_view n, OrderRespType& out, Need need) {
  return get_enum(n, out, need, &parse_order_resp_type, -1100, "ACK, RESULT, FULL");
}
ApiError RequestParams::get_position_side(std::string_view n, PositionSide& out, Need need) {
  return get_enum(n, out, need, &parse_position_side, -1100, "BOTH, LONG, SHORT");
}

ApiError RequestParams::check_all_read() const {
  std::size_t read = 0;
  for (const Entry& e : entries_) read += e.read ? 1 : 0;
  if (read == entries_.size()) return kOk;
  return err(-1104, core::str_cat("Not all sent parameters were read; read '", read, "' parameter(s) but was sent '",
                                  entries_.size(), "'."));
}

}  // namespace dmabot::binance
