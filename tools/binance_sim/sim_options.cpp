#include "tools/binance_sim/sim_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "core/strings.h"
#include "core/types.h"

namespace dmabot::binance_sim {

using core::str_append;
using core::str_cat;

const char* const kBinanceSimHelp =
    "usage: dmabot binance-sim [options]\n"
    "\n"
    "A local Binance venue (Spot + USD-M Futures) on loopback, for tests. Runs until SIGINT/SIGTERM\n"
    "(exit 0). See docs/BINANCE_SIM.md.\n"
    "\n"
    "listeners:\n"
    "  --listen-spot HOST:PORT      spot REST /api/v3, WS API /ws-api/v3, streams /ws, /stream\n"
    "                               (default 127.0.0.1:0; port 0 = a free port)\n"
    "  --listen-futures HOST:PORT   futures REST /fapi/v1|v2|v3, WS API /ws-fapi/v1, streams\n"
    "                               /public, /market, /private (default 127.0.0.1:0)\n"
    "  --ready-file FILE            written once both listen: "
    "{\"spot_port\":N,\"futures_port\":N,\"ca_file\":\"PATH\"}\n"
    "  --tls-dir DIR                where the generated CA goes (ca.pem; default a fresh temp dir)\n"
    "  --tls-cert PEM --tls-key PEM serve this certificate instead of generating a CA\n"
    "  --plain-http                 no TLS (debugging only)\n"
    "limits (tests shrink them):\n"
    "  --max-connections N          per listener (default 1024)\n"
    "  --request-timeout-ms N       a whole HTTP request must arrive within it (default 10000)\n"
    "  --ws-ping-interval-ms N      server ping period (default 20000, as Binance)\n"
    "  --ws-pong-timeout-ms N       close when no pong this long after a ping (default 60000)\n"
    "  --ws-max-age-s N             close WebSocket connections at this age (default 86400)\n"
    "exchange:\n"
    "  --account KEY:hmac:SECRET | KEY:ed25519:PUBKEY.pem   an API key (repeatable)\n"
    "  --balance USDT=10000,BTC=1   starting balances\n"
    "  --leverage N                 futures leverage 1..125 (default 20)\n"
    "  --position-mode oneway|hedge (default oneway)\n"
    "  --seed N                     random walk / fault seed (default 1)\n"
    "  --market walk|FILE           bookTicker source: a seeded random walk or a capture replayed\n"
    "  --symbols BTCUSDT,...        symbols listed (default BTCUSDT)\n"
    "  --ledger FILE                JSONL ledger of requests, order states and fills\n"
    "  --admin                      serve /sim/admin/* (tests: symbol status, minNotional, clock skew)\n"
    "faults (repeatable --fault NAME=VALUE, 0 = off):\n"
    "  drop-ws-every-s=N  latency-ms=N  stall-stream-s=N  http-5xx-rate=P  http-5xx-applied-rate=P\n"
    "  clock-skew-ms=N  listenkey-expire-s=N  reject-rate=P  weight-limit=N  order-limit-10s=N\n"
    "  --help                       this text\n";

namespace {

// Strict number: the whole string, finite.
bool parse_number(std::string_view s, double& out) {
  if (s.empty() || s.size() > 64) return false;
  const std::string tmp(s);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(tmp.c_str(), &end);
  if (end != tmp.c_str() + tmp.size() || errno == ERANGE || !std::isfinite(v)) return false;
  out = v;
  return true;
}

bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (max - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool parse_listen(std::string_view s, ListenAddress& out) {
  // HOST:PORT, with [v6]:PORT for IPv6.
  std::string_view host, port;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return false;
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  uint64_t p = 0;
  if (host.empty() || !parse_uint(port, 65535, p)) return false;
  out.host = std::string(host);
  out.port = static_cast<uint16_t>(p);
  return true;
}

struct FaultSpec {
  std::string_view name;
  double Faults::*field;
  double min, max;
};

constexpr FaultSpec kFaultSpecs[] = {
    {"drop-ws-every-s", &Faults::drop_ws_every_s, 0, 1e9},
    {"latency-ms", &Faults::latency_ms, 0, 1e7},
    {"stall-stream-s", &Faults::stall_stream_s, 0, 1e9},
    {"http-5xx-rate", &Faults::http_5xx_rate, 0, 1},
    {"http-5xx-applied-rate", &Faults::http_5xx_applied_rate, 0, 1},
    {"clock-skew-ms", &Faults::clock_skew_ms, -1e10, 1e10},
    {"listenkey-expire-s", &Faults::listenkey_expire_s, 0, 1e9},
    {"reject-rate", &Faults::reject_rate, 0, 1},
    {"weight-limit", &Faults::weight_limit, 0, 1e9},
    {"order-limit-10s", &Faults::order_limit_10s, 0, 1e9},
};

}  // namespace

std::string parse_fault(std::string_view s, Faults& faults) {
  const auto eq = s.find('=');
  if (eq == std::string_view::npos) return str_cat("--fault '", s, "' is not NAME=VALUE");
  const std::string_view name = s.substr(0, eq), value = s.substr(eq + 1);
  for (const FaultSpec& spec : kFaultSpecs) {
    if (spec.name != name) continue;
    double v = 0;
    if (!parse_number(value, v) || v < spec.min || v > spec.max)
      return str_cat("--fault ", name, ": '", value, "' is not a number in [", core::format_decimal(spec.min, 8), ", ",
                     core::format_decimal(spec.max, 8), "]");
    faults.*spec.field = v;
    return "";
  }
  std::string known;
  for (const FaultSpec& spec : kFaultSpecs) str_append(known, known.empty() ? "" : ", ", spec.name);
  return str_cat("--fault: unknown fault '", name, "' (known: ", known, ")");
}

std::string parse_sim_args(int argc, char** argv, SimOptions& out) {
  ServerOptions& so = out.server;
  ExchangeOptions& ex = out.exchange;
  for (int i = 0; i < argc; ++i) {
    const std::string_view a = argv[i];
    std::string_view v;
    auto value = [&]() -> bool {
      if (i + 1 >= argc) return false;
      v = argv[++i];
      return true;
    };
    auto need = [&](std::string_view what) { return str_cat(a, " needs ", what); };
    auto ms_flag = [&](std::chrono::milliseconds& dst, uint64_t scale) -> std::string {
      uint64_t n = 0;
      if (!value()) return need("a number");
      if (!parse_uint(v, 1'000'000'000'000ull, n) || n == 0) return str_cat(a, " '", v, "' is not a positive integer");
      dst = std::chrono::milliseconds(n * scale);
      return "";
    };
    if (a == "--help" || a == "-h") {
      out.help = true;
      return "";
    } else if (a == "--listen-spot" || a == "--listen-futures") {
      if (!value()) return need("HOST:PORT");
      if (!parse_listen(v, a == "--listen-spot" ? so.spot : so.futures))
        return str_cat(a, " '", v, "' is not HOST:PORT (e.g. 127.0.0.1:0)");
    } else if (a == "--ready-file") {
      if (!value()) return need("a file");
      out.ready_file = std::string(v);
    } else if (a == "--tls-dir") {
      if (!value()) return need("a directory");
      so.tls_dir = std::string(v);
    } else if (a == "--tls-cert") {
      if (!value()) return need("a PEM file");
      so.tls_cert = std::string(v);
    } else if (a == "--tls-key") {
      if (!value()) return need("a PEM file");
      so.tls_key = std::string(v);
    } else if (a == "--plain-http") {
      so.plain_http = true;
    } else if (a == "--max-connections") {
      uint64_t n = 0;
      if (!value()) return need("a number");
      if (!parse_uint(v, 1'000'000, n) || n == 0) return str_cat(a, " '", v, "' is not a positive integer");
      so.limits.max_connections = n;
    } else if (a == "--request-timeout-ms") {
      if (auto e = ms_flag(so.limits.request_timeout, 1); !e.empty()) return e;
    } else if (a == "--ws-ping-interval-ms") {
      if (auto e = ms_flag(so.limits.ws_ping_interval, 1); !e.empty()) return e;
    } else if (a == "--ws-pong-timeout-ms") {
      if (auto e = ms_flag(so.limits.ws_pong_timeout, 1); !e.empty()) return e;
    } else if (a == "--ws-max-age-s") {
      if (auto e = ms_flag(so.limits.ws_max_age, 1000); !e.empty()) return e;
    } else if (a == "--fault") {
      if (!value()) return need("NAME=VALUE");
      if (auto e = parse_fault(v, so.faults); !e.empty()) return e;
    } else if (a == "--account") {
      if (!value()) return need("KEY:hmac:SECRET or KEY:ed25519:PUBKEY.pem");
      const auto c1 = v.find(':');
      const auto c2 = c1 == std::string_view::npos ? c1 : v.find(':', c1 + 1);
      if (c2 == std::string_view::npos || c1 == 0 || c2 + 1 >= v.size())
        return "--account needs KEY:hmac:SECRET or KEY:ed25519:PUBKEY.pem";  // the value may hold a secret
      AccountFlag acc;
      acc.api_key = std::string(v.substr(0, c1));
      const std::string_view type = v.substr(c1 + 1, c2 - c1 - 1), rest = v.substr(c2 + 1);
      if (type == "hmac") {
        acc.key_type = AccountFlag::KeyType::kHmac;
        acc.secret = std::string(rest);
      } else if (type == "ed25519") {
        acc.key_type = AccountFlag::KeyType::kEd25519;
        acc.public_key_pem = std::string(rest);
      } else {
        return str_cat("--account ", acc.api_key, ": key type '", type, "' is not hmac or ed25519");
      }
      for (const AccountFlag& o : ex.accounts)
        if (o.api_key == acc.api_key) return str_cat("--account ", acc.api_key, ": this API key is given twice");
      ex.accounts.push_back(std::move(acc));
    } else if (a == "--balance") {
      if (!value()) return need("ASSET=AMOUNT,...");
      for (std::string_view item : core::split(v, ',')) {
        const auto eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0) return str_cat("--balance '", item, "' is not ASSET=AMOUNT");
        int64_t raw = 0;
        if (core::parse_decimal(item.substr(eq + 1), false, raw) != core::DecimalError::kOk)
          return str_cat("--balance ", item.substr(0, eq), ": '", item.substr(eq + 1),
                         "' is not a non-negative decimal (at most 8 decimals)");
        ex.balances.push_back({std::string(item.substr(0, eq)), std::string(item.substr(eq + 1))});
      }
    } else if (a == "--leverage") {
      uint64_t n = 0;
      if (!value()) return need("a number");
      if (!parse_uint(v, 125, n) || n == 0) return str_cat("--leverage '", v, "' is not an integer in 1..125");
      ex.leverage = static_cast<int>(n);
    } else if (a == "--position-mode") {
      if (!value()) return need("oneway or hedge");
      if (v != "oneway" && v != "hedge") return str_cat("--position-mode '", v, "' is not oneway or hedge");
      ex.hedge_mode = v == "hedge";
    } else if (a == "--seed") {
      if (!value()) return need("a number");
      if (!parse_uint(v, UINT64_MAX, ex.seed)) return str_cat("--seed '", v, "' is not a non-negative integer");
    } else if (a == "--market") {
      if (!value()) return need("walk or a capture file");
      ex.market = std::string(v);
    } else if (a == "--symbols") {
      if (!value()) return need("SYMBOL,...");
      ex.symbols.clear();
      for (std::string_view s : core::split(v, ',')) {
        if (s.empty() || s.size() > 32) return str_cat("--symbols: '", s, "' is not a symbol");
        ex.symbols.emplace_back(s);
      }
    } else if (a == "--admin") {
      ex.admin = true;
    } else if (a == "--ledger") {
      if (!value()) return need("a file");
      ex.ledger = std::string(v);
    } else {
      return str_cat("binance-sim: unknown option '", a, "' (see dmabot binance-sim --help)");
    }
  }
  if (so.tls_cert.empty() != so.tls_key.empty()) return "--tls-cert and --tls-key go together";
  if (so.plain_http && !so.tls_cert.empty()) return "--plain-http and --tls-cert exclude each other";
  return "";
}

}  // namespace dmabot::binance_sim
