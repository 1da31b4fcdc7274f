// tests/fuzz/fuzz_checks.h — the properties each fuzz target asserts, as plain functions.
//
// Every check takes the fuzzer's bytes and returns "" when all of its properties hold, else one line
// naming the first violation (a crash, an ASan/UBSan report or a hang is a finding too). The
// libFuzzer drivers (fuzz_main.cpp, clang only, DMABOT_FUZZ=ON) abort on a non-empty answer; the
// GoogleTest fuzz_regression_test (every build) replays the committed corpus and regression inputs
// through the same functions, so an input that once failed keeps being checked by `make test`.
// docs/RELIABILITY.md says what each target asserts and how a crash becomes a regression input.
//
// Threads: each check is called from one thread at a time (libFuzzer runs inputs one after another).
// Allocation: freely (test code); some keep state between calls (a template cache file, parsers).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace dmabot::fuzz {

// feed/binance_parser.h: the input is one or more messages separated by '\n', fed in order to parsers
// that keep their state between messages. The fast path and the generic path (set_fast_path(false))
// give the same kind, error, field and event values, and the same counters and interned symbols;
// parse_padded() gives the same answer as parse() whatever bytes lie in the padding.
std::string check_binance_parser(std::string_view input);

// feed/capture_reader.h: the input is a capture file. split_capture_line() agrees with a plain
// reference splitter on every line; CaptureReader with a 64 KiB buffer and the fast path, with a
// 4 KiB buffer (grown line by line) and the fast path off, and over the same bytes gzipped hand out
// the same events and stats; every line is accounted for exactly once in the stats.
std::string check_capture_reader(std::string_view input);

// core/event_codec.h + core/recorder.h: the input is a JSONL recording. EventDecoder with and
// without its fast path, and decode_padded() with whatever bytes follow the line, decode every line
// to the same result and event; JsonlReader with a 4 KiB buffer splits the file into the same lines as one with the
// default buffer; RecordingSource accounts for every line (events + skipped + malformed == lines) and never crashes.
std::string check_jsonl_recording(std::string_view input);

// core/types.h parse_decimal(): agrees with an independent reference parser (accept/reject, error
// class, value), feed/internal/fast_decimal.h agrees with it, and a parsed value formats back
// (format_decimal_trimmed) to text that parses to the same value.
std::string check_decimal(std::string_view input);

// core/config.h: the input is a .env file. Config::parse() never crashes; an error is one non-empty
// line; typed getters on every key the file sets either succeed or give one line naming the key,
// and never echo the value of a secret key (its own value, or a marker value set with --set).
std::string check_config(std::string_view input);

// feed/event_cache.h: the input is a list of edits (offset, byte) and a cut applied to a valid
// small cache. CacheSource never crashes, and when open() and the final status() are both OK, the
// events handed out are exactly the original ones: a changed cache is either refused or reported,
// never silently replayed with other values.
std::string check_event_cache(std::string_view input);

struct Target {
  std::string_view name;  // directory name under tests/fuzz/corpus and tests/fuzz/regressions
  std::string (*check)(std::string_view);
};
// Every target, in a fixed order.
std::span<const Target> targets();

}  // namespace dmabot::fuzz

// gateway/binance/user_data.h (target "user_data"; registered by the lines appended to
// tests/fuzz/CMakeLists.txt, replayed by fuzz_user_data_replay_test): the input is one or more
// messages separated by '\n'. A long-lived decoder and a fresh one give the same answer (kind, error,
// field, envelope, event values); decode_padded() gives decode()'s answer whatever the padding holds;
// every event decoded, encoded again, decodes to the same kind (also inside both envelopes), and its
// encoding is stable (encode(decode(encode(x))) == encode(x)).
namespace dmabot::fuzz {
std::string check_user_data(std::string_view input);
}  // namespace dmabot::fuzz

namespace dmabot::fuzz {
// gateway/binance order/account codecs (order_messages.h, request_params.h, response_decoder.h,
// response_encoders.h). The input is tried as a REST request (first line the query, the rest the form
// body), as a WebSocket API frame and as every response body. RequestParams never accepts an illegal
// name/value or a name twice, its getters answer only Binance's codes with a message, and a parsed
// request re-encoded by the engine's encode_query() parses back to the same params with that query as
// its signature payload; every decoder answers a DecodeResult; an order that decodes, re-encoded by the
// sim's encoder, decodes to the same values (fills included). Not part of targets(): it has its own
// replay test (binance_order_messages_replay_test.cpp) so the shared lists stay untouched.
std::string check_binance_order_messages(std::string_view input);
}  // namespace dmabot::fuzz

namespace dmabot::fuzz {
// tools/binance_sim (target "binance_sim"; appended lines in tests/fuzz/CMakeLists.txt, replayed by
// fuzz_binance_sim_replay_test): a real SimVenue + WsVenue on a fixed ManualClock, no sockets. The
// input is operations separated by the byte 0x1E; each starts with one op byte:
//   op & 3 == 0  REST: "method\npath\nquery\nbody"; bit 0x04 USD-M (else spot), 0x08 the harness appends
//                timestamp and a correct signature, 0x10 the Ed25519 account (else HMAC), 0x20 no api key
//   op & 3 == 1  a raw WebSocket API text frame (0x04 USD-M connection)
//   op & 3 == 2  "method\nk=v&k=v": a WebSocket API frame built from the pairs (0x08 signed with apiKey
//                and timestamp added, 0x10 Ed25519)
//   op & 3 == 3  two bytes: symbol, signed step: the market top moves (resting orders may fill)
// Properties: nothing throws; every REST answer has a 2xx-5xx status and a JSON body, with Binance's
// {"code","msg"} shape when >= 400, or is the 404 HTML page; every WebSocket API frame is answered
// with JSON (a response with id and status, Binance's error object when >= 400, or a user-data
// event); every published stream event is JSON; afterwards no balance is negative, every open order
// is live with 0 <= executed < orig, an asset no open order locks has nothing locked, and a base
// asset's lock equals its open sells' unfilled quantity.
std::string check_binance_sim(std::string_view input);
// The same, appending each answer's first bytes (REST: status and body; WS: the frame) to *trace,
// one line each: lets a test prove the seeds get past authentication.
std::string check_binance_sim(std::string_view input, std::string* trace);
}  // namespace dmabot::fuzz
