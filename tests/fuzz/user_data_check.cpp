// The user-data decoder target (gateway/binance/user_data.h): history independence, decode() against
// decode_padded() whatever the padding holds, and encode/decode agreement on every event decoded.
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"
#include "gateway/binance/user_data.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_util.h"

namespace dmabot::fuzz {
namespace {

using binance::UserDataDecoder;
using binance::UserDataResult;
using binance::UserEventKind;

std::string describe(const UserDataResult& r) {
  return core::str_cat(binance::to_string(r.kind), "/", binance::to_string(r.error), " field '", r.field, "' envelope ",
                       binance::to_string(r.envelope), " sub ", r.subscription_id);
}

// The event of an ok() result encoded (every kind has an encoder; futures times are milliseconds,
// as the decoders here are).
std::string encode(UserEventKind k, const UserDataDecoder& d) {
  std::string out;
  switch (k) {
    case UserEventKind::kExecutionReport:
      binance::encode_execution_report(d.execution_report(), out);
      break;
    case UserEventKind::kAccountPosition:
      binance::encode_account_position(d.account_position(), out);
      break;
    case UserEventKind::kBalanceUpdate:
      binance::encode_balance_update(d.balance_update(), out);
      break;
    case UserEventKind::kExternalLockUpdate:
      binance::encode_external_lock_update(d.balance_update(), out);
      break;
    case UserEventKind::kEventStreamTerminated:
      binance::encode_event_stream_terminated(d.stream_event(), out);
      break;
    case UserEventKind::kServerShutdown:
      binance::encode_server_shutdown(d.stream_event(), out);
      break;
    case UserEventKind::kOrderTradeUpdate:
      binance::encode_order_trade_update(d.order_trade_update(), out);
      break;
    case UserEventKind::kAccountUpdate:
      binance::encode_account_update(d.account_update(), out);
      break;
    case UserEventKind::kMarginCall:
      binance::encode_margin_call(d.margin_call(), out);
      break;
    case UserEventKind::kListenKeyExpired:
      binance::encode_listen_key_expired(d.listen_key_expired(), out);
      break;
    case UserEventKind::kTradeLite:
      binance::encode_trade_lite(d.trade_lite(), out);
      break;
    case UserEventKind::kAccountConfigUpdate:
      binance::encode_account_config_update(d.account_config_update(), out);
      break;
    default:
      break;
  }
  return out;
}

bool same_event(UserEventKind k, const UserDataDecoder& a, const UserDataDecoder& b) {
  switch (k) {
    case UserEventKind::kExecutionReport:
      return a.execution_report() == b.execution_report();
    case UserEventKind::kAccountPosition:
      return a.account_position() == b.account_position();
    case UserEventKind::kBalanceUpdate:
    case UserEventKind::kExternalLockUpdate:
      return a.balance_update() == b.balance_update();
    case UserEventKind::kEventStreamTerminated:
    case UserEventKind::kServerShutdown:
      return a.stream_event() == b.stream_event();
    case UserEventKind::kOrderTradeUpdate:
      return a.order_trade_update() == b.order_trade_update();
    case UserEventKind::kAccountUpdate:
      return a.account_update() == b.account_update();
    case UserEventKind::kMarginCall:
      return a.margin_call() == b.margin_call();
    case UserEventKind::kListenKeyExpired:
      return a.listen_key_expired() == b.listen_key_expired();
    case UserEventKind::kTradeLite:
      return a.trade_lite() == b.trade_lite();
    case UserEventKind::kAccountConfigUpdate:
      return a.account_config_update() == b.account_config_update();
    default:
      return true;
  }
}

// "" when both answers agree (kind, error, field, envelope, subscription id and, for an event, its values).
std::string diff(const UserDataResult& ra, const UserDataDecoder& a, const UserDataResult& rb,
                 const UserDataDecoder& b) {
  if (ra.kind != rb.kind || ra.error != rb.error || ra.field != rb.field || ra.envelope != rb.envelope ||
      ra.subscription_id != rb.subscription_id) {
    return core::str_cat(describe(ra), " vs ", describe(rb));
  }
  if (ra.ok() && !same_event(ra.kind, a, b)) return "same kind, different event values";
  if (ra.ok() && ra.envelope == binance::Envelope::kCombined && a.stream() != b.stream()) return "different stream";
  return {};
}

constexpr std::array<char, 6> kFills = {'7', '"', '}', ' ', ']', 'e'};

}  // namespace

std::string check_user_data(std::string_view input) {
  UserDataDecoder kept, padded;
  const std::vector<std::string_view> messages = lines_of(input);
  std::vector<char> buf;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string_view msg = messages[i];
    const std::string where = core::str_cat("message ", i + 1, " '", shown(msg), "': ");
    const UserDataResult r = kept.decode(msg);
    // The answer depends on the message alone, not on what the decoder saw before.
    auto fresh = std::make_unique<UserDataDecoder>();
    const UserDataResult rf = fresh->decode(msg);
    if (std::string d = diff(r, kept, rf, *fresh); !d.empty()) return where + "kept vs fresh decoder: " + d;
    if (r.kind == UserEventKind::kCount) return where + "kind kCount";
    if (r.kind == UserEventKind::kError && r.error == binance::UserDataError::kNone)
      return where + "error without reason";
    // decode_padded(): what really follows the message in the input, then each kind of fill.
    const std::size_t begin = static_cast<std::size_t>(msg.data() - input.data());
    for (std::size_t v = 0; v <= kFills.size(); ++v) {
      buf.assign(msg.size() + UserDataDecoder::kPadding, v == 0 ? '\0' : kFills[v - 1]);
      std::memcpy(buf.data(), msg.data(), msg.size());
      if (v == 0) {
        const std::size_t follow = std::min(UserDataDecoder::kPadding, input.size() - begin - msg.size());
        std::memcpy(buf.data() + msg.size(), input.data() + begin + msg.size(), follow);
      }
      const UserDataResult rp = padded.decode_padded(buf.data(), msg.size(), buf.size());
      if (std::string d = diff(rp, padded, r, kept); !d.empty()) {
        return where + core::str_cat("decode_padded (padding ",
                                     v == 0 ? std::string("from input") : shown({&kFills[v - 1], 1}),
                                     ") vs decode: ", d);
      }
    }
    if (!r.ok()) continue;
    // Encoding what was decoded gives a message that decodes to the same kind, and encoding that
    // again gives the same text: encoder and decoder agree on every field both carry.
    const std::string e1 = encode(r.kind, kept);
    UserDataDecoder second;
    const UserDataResult r1 = second.decode(e1);
    if (r1.kind != r.kind) return where + core::str_cat("re-encoded '", shown(e1, 400), "' decodes as ", describe(r1));
    const std::string e2 = encode(r1.kind, second);
    if (e1 != e2)
      return where + core::str_cat("encode is not stable: '", shown(e1, 400), "' vs '", shown(e2, 400), "'");
    std::string wrapped;
    binance::wrap_ws_api_event(e1, 5, wrapped);
    const UserDataResult rw = second.decode(wrapped);
    if (rw.kind != r.kind || rw.envelope != binance::Envelope::kWsApi || rw.subscription_id != 5) {
      return where + "ws-api wrapped re-encoding: " + describe(rw);
    }
    wrapped.clear();
    binance::wrap_combined("key", e1, wrapped);
    const UserDataResult rc = second.decode(wrapped);
    if (rc.kind != r.kind || rc.envelope != binance::Envelope::kCombined || second.stream() != "key") {
      return where + "combined re-encoding: " + describe(rc);
    }
  }
  return {};
}

}  // namespace dmabot::fuzz
