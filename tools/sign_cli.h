// tools/sign_cli.h — `dmabot sign`: signs one payload with an HMAC secret or an Ed25519 key exactly as
// the gateways do (gateway/binance/signer.h), so a user chasing Binance's -1022 ("Signature for this
// request is not valid") can compare signatures and payloads byte for byte.
//
//   dmabot sign --key-type hmac    (--secret S | --secret - | --secret-file F) --payload STR [--body STR]
//   dmabot sign --key-type ed25519 --key-file PEM --payload STR [--body STR]
//   ... --payload PARAMS --ws-params
//
// Without --ws-params the payload is signed as given (REST: the query string, plus --body appended
// with no separator). With --ws-params, STR is a WebSocket API request's params — a JSON object such
// as the request's `params` (or the whole request: its `params` are used), or `k=v&k=v` — and the
// signed payload is every param except `signature`, sorted by name, `k=v` joined by `&`, not
// encoded; that canonical payload is printed on stderr ("payload: ...").
//
// The signature goes to stdout (lower-case hex for HMAC, base64 for Ed25519). The secret never
// appears in any output: `--secret -` reads it from stdin and `--secret-file F` from a file (one
// trailing newline dropped), so it need not sit in argv or the shell history; no message echoes an
// argument that is not a flag.
//
// Exit codes: 0 signed; 2 bad usage or an unusable key (one line naming the flag or file);
// 1 an internal signing failure.
//
// Threads: the main thread. Allocation: freely (cold path).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace dmabot::tools {

// WebSocket API params from the text given to --payload with --ws-params, in the given order:
// a JSON object (string values unescaped, numbers as written, true/false, nested arrays/objects as
// their raw JSON text), a whole request with a `params` object (those are returned), or `k=v&k=v`
// (taken as is, not decoded). Errors: malformed JSON, null values, a piece without '=', a repeated
// name.
[[nodiscard]] absl::StatusOr<std::vector<std::pair<std::string, std::string>>> parse_ws_params_text(
    std::string_view text);

// The usage text printed by --help.
[[nodiscard]] const char* sign_help();

// The whole subcommand: argv after "sign". Reads stdin only for `--secret -`. Returns the exit code.
int sign_command(int argc, char** argv);

}  // namespace dmabot::tools
