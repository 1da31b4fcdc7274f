// tools/binance_settings.h — the Binance connection settings: which environment, its URLs, the TLS
// CA, where the API keys come from, and dry-run. Read and validated at start-up; the live feed and
// the gateways (tools/binance_venue.h) take their endpoints from here.
//
// BINANCE_ENV=local|testnet|mainnet picks the default URLs (kBinanceEndpoints below, each with the
// source it was taken from); every URL can be overridden by its own key. Rules, each an error of one
// line naming the key (exit 2 in the CLI):
//   - REST URLs are https://, WebSocket URLs wss://. Plain http:// and ws:// are always refused, for
//     the sim too: TLS with certificate and host-name verification is never switched off (the sim
//     serves TLS with its own CA; BINANCE_CA_FILE points at it).
//   - A base URL (REST, streams) has no path; a WebSocket API URL has one. No user:password@, no
//     query, no fragment, no spaces.
//   - BINANCE_ENV=local: every URL's host is loopback (127.0.0.1, [::1] or localhost).
//   - BINANCE_CA_FILE, when set, is a readable PEM certificate file; BINANCE_PRIVATE_KEY_FILE a
//     readable PEM private key.
//   - Credentials (BINANCE_API_KEY, BINANCE_API_SECRET, BINANCE_PRIVATE_KEY_FILE and the
//     BINANCE_FUTURES_ ones) come from the process environment only. A non-empty value from a .env
//     file or --set is refused, except with BINANCE_ENV=local (the sim's published test key may sit
//     in .env.local: it can only reach loopback, see above).
//   - One signing method per key: the API secret (HMAC) or the private key file (Ed25519), not both.
//
// Secrets: BinanceSettings holds no secret values, only which credentials are present and how they
// sign, so it may be printed and recorded. The gateways read the secret itself from the environment
// when they connect (core::Config, never echoed).
//
// Threads: start-up only. Allocation: yes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/config.h"

namespace dmabot::tools {

// Default URLs of one Binance environment. REST and stream URLs are bases (the client appends
// /api/v3/..., /fapi/v1/..., /ws, /stream, or for futures streams /public, /market, /private);
// WebSocket API URLs are complete.
struct BinanceEndpoints {
  std::string_view env;
  std::string_view spot_rest, spot_ws_api, spot_stream;
  std::string_view futures_rest, futures_ws_api, futures_stream;
};

// The binance-sim ports .env.local and `make run-local` use (tools/run_local.sh passes them to the
// sim, whose own default is a free port).
inline constexpr int kLocalSpotPort = 18443;
inline constexpr int kLocalFuturesPort = 18444;

// local, testnet, mainnet; nullptr for anything else.
const BinanceEndpoints* binance_endpoints(std::string_view env);

enum class SigningKind : uint8_t { kNone, kHmac, kEd25519 };
const char* to_string(SigningKind k);

struct BinanceCredentialsInfo {
  bool has_api_key = false;
  SigningKind signing = SigningKind::kNone;
  bool from_futures_keys = false;  // futures: the BINANCE_FUTURES_* keys, not the shared ones
};

struct BinanceSettings {
  std::string env = "testnet";  // local | testnet | mainnet
  std::string spot_rest_url, spot_ws_api_url, spot_stream_url;
  std::string futures_rest_url, futures_ws_api_url, futures_stream_url;
  std::string ca_file;  // empty = the system's trust store
  BinanceCredentialsInfo spot, futures;
  bool dry_run = false;
  bool confirm_live = false;
  // ON_START_OPEN_ORDERS: what the Binance venue does at start with orders resting on its symbols that
  // earlier dmabot runs left (recognised by their client ids): cancel them (default), leave them, or
  // adopt them (tracked by risk, router and gateway as engine orders: canceled at shutdown, their
  // fills counted). Orders dmabot did not place are always left alone (a warning counts them).
  bool cancel_stale_orders = true;
  bool adopt_stale_orders = false;
  // BINANCE_SPOT_NEUTRAL_BALANCE ("ETH:10,BTC:0.5"): per base asset, the spot balance that counts as
  // flat; the engine's spot inventory is free + locked minus it (assets not listed: 0, the whole
  // balance is inventory). Raw amounts (1e-8).
  std::vector<std::pair<std::string, int64_t>> spot_neutral;
  // RECONCILE_S: seconds between reconciliation rounds of a Binance venue (0 = off).
  int reconcile_s = 30;
  // BINANCE_CLOCK_REFRESH_S: how often the live venue measures the clock offset again (GET time).
  int clock_refresh_s = 60;

  // Reads BINANCE_*, CONFIRM_LIVE and DRY_RUN. `venue_mode` decides which credentials must be
  // present (binance_spot: the spot ones; binance_futures: the futures ones or, when no
  // BINANCE_FUTURES_* credential is set, the shared ones; binance: both) and whether mainnet needs CONFIRM_LIVE=yes.
  // `connects` false (a replay of a live run's recording: nothing is sent anywhere): neither is required.
  static absl::StatusOr<BinanceSettings> from_config(core::Config& cfg, std::string_view venue_mode,
                                                     bool connects = true);
};

// Checks one URL against the rules above; "" when fine, else what is wrong (without the key name).
// `ws` = wss:// expected (else https://); `needs_path` = a WebSocket API URL; `loopback_only` for
// BINANCE_ENV=local.
std::string check_binance_url(std::string_view url, bool ws, bool needs_path, bool loopback_only);

}  // namespace dmabot::tools
