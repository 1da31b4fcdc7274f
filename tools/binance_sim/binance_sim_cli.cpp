#include "tools/binance_sim/binance_sim_cli.h"

#include <signal.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "core/strings.h"
#include "tools/binance_sim/basic_venue.h"
#include "tools/binance_sim/server.h"
#include "tools/binance_sim/sim_options.h"

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

}  // namespace

int run_binance_sim(int argc, char** argv) {
  SimOptions opt;
  if (std::string err = parse_sim_args(argc, argv, opt); !err.empty()) {
    std::fprintf(stderr, "error: %s\n", err.c_str());
    return 2;
  }
  if (opt.help) {
    std::fputs(kBinanceSimHelp, stdout);
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
  boost::asio::io_context ioc(1);
  // Until the exchange is wired, a stand-in venue answers ping and time (basic_venue.h).
  BasicVenue venue(opt.server.faults.clock_skew_ms);
  Server server(ioc, opt.server, venue);
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
    if (!ec) server.stop();
  });
  ioc.run();
  const auto& st = server.stats();
  std::printf("binance-sim: stopped (%llu HTTP requests, %llu WebSocket connections)\n",
              static_cast<unsigned long long>(st.http_requests.load()),
              static_cast<unsigned long long>(st.ws_opened.load()));
  return 0;
}

}  // namespace dmabot::binance_sim
