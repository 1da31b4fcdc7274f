#include "tools/binance_settings.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/strings.h"

namespace dmabot::tools {
namespace {

using core::str_cat;

// Where each default comes from (checked 2026-12-01; none was tried over the network from here):
//   Spot mainnet: binance-spot-api-docs rest-api.md ("base endpoints": https://api.binance.com),
//     web-socket-api.md (wss://ws-api.binance.com:443/ws-api/v3), web-socket-streams.md
//     (wss://stream.binance.com:9443, also :443).
//   Spot testnet: the same repo's testnet/rest-api.md (https://testnet.binance.vision/api, i.e. the
//     base https://testnet.binance.vision), testnet/web-socket-api.md
//     (wss://ws-api.testnet.binance.vision/ws-api/v3), testnet/web-socket-streams.md
//     (wss://stream.testnet.binance.vision/ws, i.e. the base wss://stream.testnet.binance.vision).
//   USD-M mainnet: developers.binance.com/docs/derivatives/usds-margined-futures (REST
//     https://fapi.binance.com; WebSocket API wss://ws-fapi.binance.com/ws-fapi/v1; market streams
//     base wss://fstream.binance.com with the routed /public, /market, /private of 2026, see
//     ../shared/BINANCE.md and Binance's announcement retiring the unrouted URLs on 2026-04-23).
//   USD-M testnet: Binance's own connectors' constants (binance-connector-js common constants,
//     DERIVATIVES_TRADING_USDS_FUTURES_*_TESTNET_URL): REST https://testnet.binancefuture.com,
//     WebSocket API wss://testnet.binancefuture.com/ws-fapi/v1, streams wss://stream.binancefuture.com.
//     Sources disagree on the stream host (Binance's Python SDK: wss://fstream.binancefuture.com;
//     older docs: wss://demo-fstream.binance.com): override BINANCE_FUTURES_STREAM_URL if it fails.
//   local: binance-sim on loopback (docs/BINANCE_SIM.md: /ws-api/v3 on the spot port, /ws-fapi/v1
//     on the futures port, streams at the root of each port).
constexpr BinanceEndpoints kBinanceEndpoints[] = {
    {"local", "https://127.0.0.1:18443", "wss://127.0.0.1:18443/ws-api/v3", "wss://127.0.0.1:18443",
     "https://127.0.0.1:18444", "wss://127.0.0.1:18444/ws-fapi/v1", "wss://127.0.0.1:18444"},
    {"testnet", "https://testnet.binance.vision", "wss://ws-api.testnet.binance.vision/ws-api/v3",
     "wss://stream.testnet.binance.vision", "https://testnet.binancefuture.com",
     "wss://testnet.binancefuture.com/ws-fapi/v1", "wss://stream.binancefuture.com"},
    {"mainnet", "https://api.binance.com", "wss://ws-api.binance.com:443/ws-api/v3", "wss://stream.binance.com:9443",
     "https://fapi.binance.com", "wss://ws-fapi.binance.com/ws-fapi/v1", "wss://fstream.binance.com"},
};

bool is_loopback_host(std::string_view host) { return host == "127.0.0.1" || host == "[::1]" || host == "localhost"; }

// "" when `path` is a regular file whose first 64 KiB hold `marker`; else the problem. The content
// is never echoed (a key file is a secret).
std::string check_pem_file(const std::string& path, std::string_view marker, std::string_view what) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0) {
    return errno == ENOENT || errno == ENOTDIR ? "no such file" : str_cat("cannot read (", std::strerror(errno), ")");
  }
  if (S_ISDIR(sb.st_mode)) return "is a directory, not a file";
  if (!S_ISREG(sb.st_mode)) return "is not a regular file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return str_cat("cannot read (", std::strerror(errno), ")");
  std::string head(64 * 1024, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.find(marker) == std::string::npos) return str_cat("is not a PEM ", what, " (no '", marker, "' line)");
  return "";
}

}  // namespace

const BinanceEndpoints* binance_endpoints(std::string_view env) {
  for (const BinanceEndpoints& e : kBinanceEndpoints) {
    if (e.env == env) return &e;
  }
  return nullptr;
}

const char* to_string(SigningKind k) {
  switch (k) {
    case SigningKind::kHmac:
      return "hmac";
    case SigningKind::kEd25519:
      return "ed25519";
    case SigningKind::kNone:
      break;
  }
  return "none";
}

std::string check_binance_url(std::string_view url, bool ws, bool needs_path, bool loopback_only) {
  const std::string_view want = ws ? "wss://" : "https://";
  if (url.empty()) return "is empty";
  for (char c : url) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c)))
      return "contains spaces or control characters";
  }
  if (url.rfind(want, 0) != 0) {
    if (url.rfind("http://", 0) == 0 || url.rfind("ws://", 0) == 0) {
      return str_cat("is not encrypted: use ", want,
                     " (plain http:// and ws:// are refused, for binance-sim too: it serves TLS; point "
                     "BINANCE_CA_FILE at its CA)");
    }
    return str_cat("must start with ", want);
  }
  std::string_view rest = url.substr(want.size());
  const std::size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  const std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    return "must not carry user:password@ (keys go in the environment)";
  if (url.find_first_of("?#") != std::string_view::npos) return "must not have a query or a fragment";
  // host[:port], with [v6]:port.
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "has an unterminated [IPv6] host";
    host = authority.substr(0, close + 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "has text after the [IPv6] host";
      port = after.substr(1);
      if (port.empty()) return "has an empty port";
    }
  } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) return "has an empty port";
  }
  if (host.empty() || host == "[]") return "has no host";
  if (host.front() != '[' && host.find(':') != std::string_view::npos) return "an IPv6 host goes in brackets: [::1]";
  if (!port.empty()) {
    int p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) return str_cat("port '", port, "' is not a number 1..65535");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return str_cat("port '", port, "' is not a number 1..65535");
  }
  if (needs_path) {
    if (path.size() <= 1) return str_cat("needs the API path (e.g. ", want, "host/ws-api/v3)");
  } else if (!path.empty() && path != "/") {
    return str_cat("is a base URL: no path ('", path, "'); the client adds it");
  }
  if (loopback_only && !is_loopback_host(host)) {
    return str_cat("host '", host, "' is not loopback; BINANCE_ENV=local is this machine's binance-sim");
  }
  return "";
}

absl::StatusOr<BinanceSettings> BinanceSettings::from_config(core::Config& cfg, std::string_view venue_mode,
                                                             bool connects) {
  BinanceSettings s;
#define DMABOT_ASSIGN(lhs, expr)      \
  {                                   \
    auto _v = (expr);                 \
    if (!_v.ok()) return _v.status(); \
    lhs = std::move(*_v);             \
  }
  DMABOT_ASSIGN(s.env, cfg.get_choice("BINANCE_ENV", "testnet", {"local", "testnet", "mainnet"}));
  const BinanceEndpoints& def = *binance_endpoints(s.env);
  const bool local = s.env == "local";

  struct UrlKey {
    std::string_view key;
    std::string BinanceSettings::*field;
    std::string_view def;
    bool ws, needs_path;
  };
  const UrlKey urls[] = {
      {"BINANCE_SPOT_REST_URL", &BinanceSettings::spot_rest_url, def.spot_rest, false, false},
      {"BINANCE_SPOT_WS_API_URL", &BinanceSettings::spot_ws_api_url, def.spot_ws_api, true, true},
      {"BINANCE_SPOT_STREAM_URL", &BinanceSettings::spot_stream_url, def.spot_stream, true, false},
      {"BINANCE_FUTURES_REST_URL", &BinanceSettings::futures_rest_url, def.futures_rest, false, false},
      {"BINANCE_FUTURES_WS_API_URL", &BinanceSettings::futures_ws_api_url, def.futures_ws_api, true, true},
      {"BINANCE_FUTURES_STREAM_URL", &BinanceSettings::futures_stream_url, def.futures_stream, true, false},
  };
  for (const UrlKey& u : urls) {
    std::string v;
    DMABOT_ASSIGN(v, cfg.get_string(u.key, ""));  // empty = BINANCE_ENV's default
    if (v.empty()) {
      s.*u.field = std::string(u.def);
      continue;
    }
    if (std::string err = check_binance_url(v, u.ws, u.needs_path, local); !err.empty()) return cfg.error(u.key, err);
    if (!u.needs_path && v.back() == '/') v.pop_back();
    s.*u.field = std::move(v);
  }

  DMABOT_ASSIGN(s.ca_file, cfg.get_string("BINANCE_CA_FILE", ""));
  if (!s.ca_file.empty()) {
    if (std::string err = check_pem_file(s.ca_file, "-----BEGIN CERTIFICATE-----", "certificate file"); !err.empty()) {
      return cfg.error("BINANCE_CA_FILE",
                       local ? str_cat(err, " (binance-sim writes its CA when it starts: make run-local)") : err);
    }
  }

  // Credentials: read every one, then refuse any that did not come from the environment.
  constexpr std::string_view kSecretKeys[] = {
      "BINANCE_API_KEY",         "BINANCE_API_SECRET",         "BINANCE_PRIVATE_KEY_FILE",
      "BINANCE_FUTURES_API_KEY", "BINANCE_FUTURES_API_SECRET", "BINANCE_FUTURES_PRIVATE_KEY_FILE"};
  std::string values[6];
  for (int i = 0; i < 6; ++i) {
    DMABOT_ASSIGN(values[i], cfg.get_string(kSecretKeys[i], ""));
    if (!values[i].empty() && !local && cfg.origin(kSecretKeys[i]) != "environment") {
      return cfg.error(kSecretKeys[i],
                       str_cat("credentials are read from the environment only (export ", kSecretKeys[i],
                               "=...), never from a file or the command line; remove it here"));
    }
  }
  const std::string &api_key = values[0], &api_secret = values[1], &pk_file = values[2];
  const std::string &f_key = values[3], &f_secret = values[4], &f_pk_file = values[5];
  auto signing = [&](std::string_view secret_key, const std::string& secret, std::string_view file_key,
                     const std::string& file, SigningKind& out) -> absl::Status {
    if (!secret.empty() && !file.empty()) {
      return cfg.error(file_key, str_cat("set either ", secret_key, " (HMAC) or ", file_key, " (Ed25519), not both"));
    }
    if (!file.empty()) {
      if (std::string err = check_pem_file(file, "-----BEGIN PRIVATE KEY-----", "private key file"); !err.empty())
        return cfg.error(file_key, err);
      out = SigningKind::kEd25519;
    } else if (!secret.empty()) {
      out = SigningKind::kHmac;
    }
    return absl::OkStatus();
  };
  if (auto st = signing("BINANCE_API_SECRET", api_secret, "BINANCE_PRIVATE_KEY_FILE", pk_file, s.spot.signing);
      !st.ok())
    return st;
  s.spot.has_api_key = !api_key.empty();
  const bool futures_own = !f_key.empty() || !f_secret.empty() || !f_pk_file.empty();
  if (futures_own) {
    if (auto st = signing("BINANCE_FUTURES_API_SECRET", f_secret, "BINANCE_FUTURES_PRIVATE_KEY_FILE", f_pk_file,
                          s.futures.signing);
        !st.ok())
      return st;
    s.futures.has_api_key = !f_key.empty();
    s.futures.from_futures_keys = true;
  } else {
    s.futures = s.spot;
  }

  std::string confirm;
  DMABOT_ASSIGN(confirm, cfg.get_string("CONFIRM_LIVE", "no"));
  s.confirm_live = confirm == "yes";
  DMABOT_ASSIGN(s.dry_run, cfg.get_bool("DRY_RUN", false));
  std::string on_start;
  DMABOT_ASSIGN(on_start, cfg.get_choice("ON_START_OPEN_ORDERS", "cancel", {"cancel", "leave", "adopt"}));
  s.cancel_stale_orders = on_start == "cancel";
  s.adopt_stale_orders = on_start == "adopt";
  int64_t clock_refresh = 0;
  DMABOT_ASSIGN(clock_refresh, cfg.get_int("BINANCE_CLOCK_REFRESH_S", 60, 1, 3600));
  s.clock_refresh_s = static_cast<int>(clock_refresh);
  int64_t reconcile = 0;
  DMABOT_ASSIGN(reconcile, cfg.get_int("RECONCILE_S", 30, 0, 86400));
  s.reconcile_s = static_cast<int>(reconcile);
  std::string neutral;
  DMABOT_ASSIGN(neutral, cfg.get_string("BINANCE_SPOT_NEUTRAL_BALANCE", ""));
  for (std::string_view item : core::split(neutral, ',')) {
    if (item.empty()) continue;
    const std::size_t colon = item.find(':');
    int64_t raw = 0;
    if (colon == std::string_view::npos || colon == 0 ||
        core::parse_decimal(item.substr(colon + 1), false, raw) != core::DecimalError::kOk) {
      return cfg.error("BINANCE_SPOT_NEUTRAL_BALANCE",
                       str_cat("'", item, "' is not ASSET:AMOUNT (a non-negative decimal, e.g. ETH:10)"));
    }
    s.spot_neutral.emplace_back(std::string(item.substr(0, colon)), raw);
  }

  // VENUE_MODE=binance trades both products: both sets of credentials must be there.
  const bool spot_venue = connects && (venue_mode == "binance_spot" || venue_mode == "binance");
  const bool futures_venue = connects && (venue_mode == "binance_futures" || venue_mode == "binance");
  for (const bool futures : {false, true}) {
    if (!(futures ? futures_venue : spot_venue)) continue;
    const BinanceCredentialsInfo& c = futures ? s.futures : s.spot;
    const bool own = futures && c.from_futures_keys;
    const std::string_view key_name = own ? "BINANCE_FUTURES_API_KEY" : "BINANCE_API_KEY";
    const std::string_view secret_name = own ? "BINANCE_FUTURES_API_SECRET" : "BINANCE_API_SECRET";
    const std::string_view file_name = own ? "BINANCE_FUTURES_PRIVATE_KEY_FILE" : "BINANCE_PRIVATE_KEY_FILE";
    if (!c.has_api_key) {
      return cfg.error(key_name, str_cat("is empty; the Binance venue needs an API key (export ", key_name, "=...)"));
    }
    if (c.signing == SigningKind::kNone) {
      return cfg.error(secret_name, str_cat("is empty; the Binance venue needs an API secret (HMAC) or ", file_name,
                                            " (Ed25519), from the environment"));
    }
  }
  if ((spot_venue || futures_venue) && s.env == "mainnet" && !s.confirm_live) {
    return cfg.error("CONFIRM_LIVE", "live trading on mainnet requires CONFIRM_LIVE=yes");
  }
#undef DMABOT_ASSIGN
  return s;
}

}  // namespace dmabot::tools
