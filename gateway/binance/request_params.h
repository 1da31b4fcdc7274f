// gateway/binance/request_params.h — binance-sim side: one view of a request's parameters, whether they
// came as a REST query string, an x-www-form-urlencoded body (or both), or a WebSocket API `params`
// object, with typed getters that answer Binance's own errors.
//
// Parsing follows Binance's rules (rest-api.md "General Information on Endpoints", errors.md):
//   - REST: `k=v` pairs split on '&', percent-decoded ('+' is a space); query and body may be mixed,
//     and a name sent in both takes the query's value. A name twice in the same part is -1101
//     "Duplicate values for a parameter detected."; a malformed escape, a control character or bad
//     UTF-8 is -1100; more than kMaxParams parameters is -1101.
//   - WebSocket API: the frame {"id":..,"method":"..","params":{..}}; string values as decoded text,
//     numbers as their JSON text ("timestamp":1655716096498 reads like "1655716096498"), booleans as
//     "true"/"false", null as empty. A frame that is no JSON object is -1135 "Invalid JSON Request".
//   - Getters: missing or empty mandatory -> -1102 "Mandatory parameter 'x' was not sent, was
//     empty/null, or malformed."; an optional one sent empty -> -1105 "Parameter 'x' was empty.";
//     a decimal that is none -> -1100 with Binance's legal range; a 9th decimal -> -1111; an integer
//     that overflows -> -1108; side/type/timeInForce outside the enum -> -1117/-1116/-1115.
//   - Unknown parameters: every getter marks its parameter read; check_all_read() then answers
//     -1104 "Not all sent parameters were read; read 'N' parameter(s) but was sent 'M'." (Spot's
//     answer to a parameter the endpoint does not take). Whether USD-M rejects unknown parameters
//     is not documented; the sim decides per product whether to call it.
// Signature payloads: rest_signature_payload() is the raw query string followed by the raw body, the
// `signature` pair removed (what Binance's REST signing covers); ws_signature_payload() is every param
// but `signature`, sorted by name, `k=v` joined by '&' (the WebSocket API rule).
//
// Threads: one object per connection/request; not thread-safe. Allocation: sim side, allowed; the
// storage is reused from one parse to the next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "gateway/binance/binance_types.h"

namespace dmabot::binance {

// A Binance error as the sim sends it: {"code":code,"msg":msg}. code 0 is success.
struct ApiError {
  int code = 0;
  std::string msg;
  [[nodiscard]] bool ok() const { return code == 0; }
};

enum class Need : uint8_t { kRequired, kOptional };

class RequestParams {
 public:
  static constexpr std::size_t kMaxParams = 64;

  RequestParams();
  ~RequestParams();
  RequestParams(const RequestParams&) = delete;
  RequestParams& operator=(const RequestParams&) = delete;

  // REST: `query` without the leading '?', `body` the form body (empty when none).
  [[nodiscard]] ApiError parse_rest(std::string_view query, std::string_view body);
  // WebSocket API: a whole request frame. On success ws_id_json()/ws_method() describe it; on an
  // error ws_id_json() still holds the id when one could be read ("null" otherwise), so the error
  // response can carry it.
  [[nodiscard]] ApiError parse_ws_request(std::string_view frame);
  [[nodiscard]] std::string_view ws_id_json() const { return ws_id_json_; }  // "\"abc\"", "7" or "null"
  [[nodiscard]] std::string_view ws_method() const { return ws_method_; }

  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] std::string_view name(std::size_t i) const;
  [[nodiscard]] std::string_view value(std::size_t i) const;
  [[nodiscard]] bool has(std::string_view name) const;
  // The decoded value, or empty when absent; does not mark it read.
  [[nodiscard]] std::string_view peek(std::string_view name) const;
  // Marks a parameter the venue handles itself (signature, apiKey) as read.
  void mark_read(std::string_view name);

  [[nodiscard]] const std::string& rest_signature_payload() const { return rest_payload_; }
  // What Binance's official Node connectors sign for REST (each decoded `k=v` re-encoded with
  // encodeURIComponent, `&`-joined, query part then body part, signature left out). It equals
  // rest_signature_payload() for plain ASCII values; the connectors put `a b~!` on the wire as
  // `a+b%7E%21` but sign `a%20b~!` (see /work/wt/notes/connectors.md), so a sim that wants to accept
  // them may verify against this too.
  [[nodiscard]] std::string rest_signature_payload_uri_component() const;
  // kRaw is Binance's documented WebSocket API rule (values as UTF-8 text); kUriComponent is what
  // Binance's official Node connectors sign (each value through encodeURIComponent): identical for
  // plain ASCII ids, different for non-ASCII symbols, spaces, '/', '+', '='. The sim may accept both.
  enum class PayloadEncoding : uint8_t { kRaw, kUriComponent };
  [[nodiscard]] std::string ws_signature_payload(PayloadEncoding encoding = PayloadEncoding::kRaw) const;

  // Typed getters: on success `out` holds the value when the parameter was sent and is left as it
  // was (the caller's default) when an optional one was not. Each marks its parameter read.
  [[nodiscard]] ApiError get_string(std::string_view name, std::string_view& out, Need need);
  [[nodiscard]] ApiError get_price(std::string_view name, core::Price& out, Need need);
  [[nodiscard]] ApiError get_qty(std::string_view name, core::Qty& out, Need need);
  [[nodiscard]] ApiError get_int64(std::string_view name, int64_t& out, Need need);
  [[nodiscard]] ApiError get_uint64(std::string_view name, uint64_t& out, Need need);
  [[nodiscard]] ApiError get_bool(std::string_view name, bool& out, Need need);  // true/false, any case
  [[nodiscard]] ApiError get_side(std::string_view name, OrderSide& out, Need need);
  [[nodiscard]] ApiError get_order_type(std::string_view name, OrderType& out, Need need);
  [[nodiscard]] ApiError get_time_in_force(std::string_view name, TimeInForce& out, Need need);
  [[nodiscard]] ApiError get_resp_type(std::string_view name, OrderRespType& out, Need need);
  [[nodiscard]] ApiError get_position_side(std::string_view name, PositionSide& out, Need need);

  [[nodiscard]] ApiError check_all_read() const;

  // Binance's messages, for the venue's own checks.
  [[nodiscard]] static ApiError mandatory_error(std::string_view name);                // -1102
  [[nodiscard]] static ApiError either_error(std::string_view a, std::string_view b);  // -1102 "Param 'a' or 'b' ..."

 private:
  struct Entry {
    uint32_t name_off, name_len, value_off, value_len;
    bool read;
    bool from_body;
  };
  struct Json;
  void reset();
  [[nodiscard]] ApiError add_rest_part(std::string_view part, bool from_body, std::size_t first_body_entry);
  [[nodiscard]] int find(std::string_view name) const;
  // The value of a present, non-empty parameter, marked read; or an ApiError / "absent".
  [[nodiscard]] ApiError fetch(std::string_view name, Need need, std::string_view& value, bool& present);
  template <class E>
  [[nodiscard]] ApiError get_enum(std::string_view name, E& out, Need need, bool (*parse)(std::string_view, E&),
                                  int code, std::string_view bad_msg);

  std::string arena_;
  std::vector<Entry> entries_;
  std::string rest_payload_;
  std::string ws_id_json_ = "null";
  std::string ws_method_;
  std::unique_ptr<Json> json_;
};

}  // namespace dmabot::binance
