#include "tools/binance_sim/binance_sim_cli.h"

#include <signal.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "core/strings.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/ledger.h"
#include "tools/binance_sim/market_driver.h"
#include "tools/binance_sim/server.h"
#include "tools/binance_sim/sim_options.h"
#include "tools/binance_sim/sim_setup.h"
#include "tools/binance_sim/sim_venue.h"
#include "tools/binance_sim/ws_venue.h"

namespace dmabot::binance_sim {

namespace {

// Temp + rename, so a test polling for the file never reads half of it.
bool write_ready_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.close();
    if (!f) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

constexpr const char* kDefaultAccountHelp =
    "default account (TEST ONLY, always present; never a real secret):\n"
    "  api key dmabot-local-key, HMAC secret dmabot-local-secret (see docs/BINANCE_SIM.md)\n";

// The transport's fault flags as the exchange's fault set.
ExchangeFaults exchange_faults(const Faults& f, uint64_t seed) {
  ExchangeFaults x;
  x.http_5xx_rate = f.http_5xx_rate;
  x.http_5xx_applied_rate = f.http_5xx_applied_rate;
  x.reject_rate = f.reject_rate;
  x.clock_skew_ms = static_cast<int64_t>(f.clock_skew_ms);
  x.listenkey_expire_s = static_cast<int64_t>(f.listenkey_expire_s);
  x.weight_limit = static_cast<int64_t>(f.weight_limit);
  x.order_limit_10s = static_cast<int64_t>(f.order_limit_10s);
  x.seed = seed;
  return x;
}

// Moves the sim's market every 20 ms on the io thread, on the server's clock, then publishes what is
// due on the streams (bookTicker, depth, markPrice), expires listenKeys and sends coalesced account
// events.
class MarketTimer {
 public:
  MarketTimer(boost::asio::io_context& ioc, MarketDriver& driver, const SimVenue& venue, WsVenue& ws)
      : timer_(ioc), driver_(driver), venue_(venue), ws_(ws) {}
  void start() {
    timer_.expires_after(std::chrono::milliseconds(20));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const UnixNanos now = venue_.server_now();
      (void)driver_.poll(now);
      ws_.tick(now);
      start();
    });
  }
  void stop() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
  MarketDriver& driver_;
  const SimVenue& venue_;
  WsVenue& ws_;
};

}  // namespace

int run_binance_sim(int argc, char** argv) {
  SimOptions opt;
  if (std::string err = parse_sim_args(argc, argv, opt); !err.empty()) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return 2;
  }
  if (opt.help) {
    std::fputs(kBinanceSimHelp, stdout);
    std::fputs(kDefaultAccountHelp, stdout);
    return 0;
  }
  if (opt.server.plain_http)
    std::fprintf(stderr,
                 "warning: binance-sim: --plain-http serves without TLS (debugging only; tests and real "
                 "clients should use https:// and wss:// with the generated CA)\n");

  // Official connectors open a keep-alive connection per REST call: allow as many descriptors as the
  // hard limit permits (the server also evicts idle keep-alive connections when full).
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
  }
  // The exchange: symbols on both products, the default account plus --account ones, the market.
  ExchangeConfig ex_cfg;
  ex_cfg.seed = opt.exchange.seed;
  Exchange exchange(ex_cfg);
  KeyRegistry keys;
  if (absl::Status st = setup_exchange(opt.exchange, exchange, keys); !st.ok()) {
    std::fprintf(stderr, "error: binance-sim: %s\n", std::string(st.message()).c_str());
    return 2;
  }
  Ledger ledger;
  if (!opt.exchange.ledger.empty()) {
    if (absl::Status st = ledger.open(opt.exchange.ledger); !st.ok()) {
      std::fprintf(stderr, "error: binance-sim: %s\n", std::string(st.message()).c_str());
      return 1;
    }
    exchange.add_listener(&ledger);
  }
  MarketDriver driver(exchange);
  // The server's clock, clock-skew-ms applied (SimVenue::server_now() from here on).
  const UnixNanos start = core::wall_clock_ns() + static_cast<int64_t>(opt.server.faults.clock_skew_ms) * kNsPerMs;
  if (absl::Status st = setup_market(opt.exchange, exchange, driver, start); !st.ok()) {
    std::fprintf(stderr, "error: binance-sim: --market: %s\n", std::string(st.message()).c_str());
    return 1;
  }
  (void)driver.poll(start);  // a first top before the first request

  boost::asio::io_context ioc(1);
  SimVenueOptions venue_opt;
  venue_opt.faults = exchange_faults(opt.server.faults, opt.exchange.seed);
  venue_opt.admin = opt.exchange.admin;
  SimVenue venue(exchange, keys, venue_opt);
  Server server(ioc, opt.server, venue);
  // The WebSocket API, user data and market streams (ws_venue.h) on the same venue and clock.
  const double lk_s = opt.server.faults.listenkey_expire_s;
  WsVenue ws(venue, server, lk_s > 0 ? static_cast<UnixNanos>(lk_s * 1e9) : ListenKeyStore::kDefaultValidity);
  MarketTimer market_timer(ioc, driver, venue, ws);
  market_timer.start();
  if (std::string err = server.start(); !err.empty()) {
    std::fprintf(stderr, "error: binance-sim: %s\n", err.c_str());
    return 1;
  }
  std::string ready = core::str_cat("{\"spot_port\":", server.spot_port(), ",\"futures_port\":", server.futures_port(),
                                    ",\"ca_file\":");
  core::append_json_string(ready, server.ca_file());
  ready += "}";
  if (!opt.ready_file.empty() && !write_ready_file(opt.ready_file, ready + "\n")) {
    std::fprintf(stderr, "error: binance-sim: cannot write --ready-file %s: %s\n", opt.ready_file.c_str(),
                 std::strerror(errno));
    return 1;
  }
  const char* scheme = opt.server.plain_http ? "http" : "https";
  std::printf("binance-sim: spot %s://%s:%u futures %s://%s:%u ca %s\n", scheme, opt.server.spot.host.c_str(),
              server.spot_port(), scheme, opt.server.futures.host.c_str(), server.futures_port(),
              server.ca_file().empty() ? "(none: plain HTTP)" : server.ca_file().c_str());
  std::printf("%s\n", ready.c_str());
  std::fflush(stdout);

  boost::asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec) {
      market_timer.stop();
      // Binance announces a shutdown on the WebSocket API (BINANCE.md); the close follows.
      ws.announce_shutdown(venue.server_now());
      server.stop();
    }
  });
  ioc.run();
  const auto& st = server.stats();
  std::printf("binance-sim: stopped (%llu HTTP requests, %llu WebSocket connections)\n",
              static_cast<unsigned long long>(st.http_requests.load()),
              static_cast<unsigned long long>(st.ws_opened.load()));
  std::printf("binance-sim: %llu orders accepted, %llu rejected, %llu fills\n",
              static_cast<unsigned long long>(exchange.orders_accepted()),
              static_cast<unsigned long long>(exchange.orders_rejected()),
              static_cast<unsigned long long>(exchange.fills()));
  if (ledger.write_errors() > 0) {
    std::fprintf(stderr, "error: binance-sim: %llu ledger write errors, first: %s\n",
                 static_cast<unsigned long long>(ledger.write_errors()), ledger.last_error().c_str());
    return 1;
  }
  return 0;
}

}  // namespace dmabot::binance_sim
