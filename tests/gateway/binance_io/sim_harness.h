// binance-sim in process for the binance_io tests: the same pieces binance_sim_cli.cpp wires (Exchange,
// keys, market, SimVenue, Server, WsVenue and the 20 ms market timer) on an io thread of their own,
// started with `dmabot binance-sim` flags (faults included). start() returns once both listeners are
// up; the destructor stops the server and joins. Also the REST round trip and HMAC signing the tests share.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "gateway/binance/order_messages.h"
#include "gateway/binance/signer.h"
#include "gateway/binance_io/rest_client.h"
#include "tools/binance_sim/exchange.h"
#include "tools/binance_sim/ledger.h"
#include "tools/binance_sim/market_driver.h"
#include "tools/binance_sim/server.h"
#include "tools/binance_sim/sim_options.h"
#include "tools/binance_sim/sim_setup.h"
#include "tools/binance_sim/sim_venue.h"
#include "tools/binance_sim/ws_venue.h"

namespace dmabot::binance_io::testing {

namespace bs = dmabot::binance_sim;

// The sim's well-known default account (docs/BINANCE_SIM.md: test only, never a real secret).
inline constexpr const char* kHmacKey = "dmabot-local-key";
inline constexpr const char* kHmacSecret = "dmabot-local-secret";
inline constexpr const char* kEdKey = "binio-ed25519-key";

// A fixed Ed25519 test key (RFC 8032 test 1 secret), registered with the sim by its public PEM.
inline binance::Ed25519Signer test_ed25519() {
  static constexpr uint8_t kSeed[32] = {0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a,
                                        0xf4, 0x92, 0xec, 0x2c, 0xc4, 0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32,
                                        0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60};
  auto s = binance::Ed25519Signer::from_raw(std::span<const uint8_t, 32>(kSeed, 32));
  return std::move(*s);
}

// One round trip: submit, wait for the answer, copy it out.
inline std::unique_ptr<RestResponse> call(RestClient& c, const RestRequest& req) {
  EXPECT_TRUE(c.submit(req));
  if (!c.wait_response(std::chrono::seconds(10))) {
    ADD_FAILURE() << "no answer";
    return nullptr;
  }
  auto r = std::make_unique<RestResponse>(*c.front());
  c.pop();
  EXPECT_EQ(r->tag, req.tag);
  return r;
}

// A REST SIGNED request: params encoded, HMAC over the query, signature appended.
inline RestRequest signed_rest(uint64_t tag, const binance::RestTarget& t, const binance::ParamList& params,
                               const binance::HmacSha256Signer& signer) {
  binance::FixedBuffer<4096> q;
  EXPECT_TRUE(binance::encode_query(params, q));
  char sig[binance::kHmacSha256HexSize];
  signer.sign(q.view(), "", sig);
  EXPECT_TRUE(binance::append_signature(q, std::string_view(sig, sizeof sig)));
  RestRequest r;
  EXPECT_TRUE(r.set(tag, t, q.view()));
  return r;
}

class SimHarness {
 public:
  // flags: extra `binance-sim` arguments, e.g. {"--fault", "latency-ms=500"}.
  std::string start(std::vector<std::string> flags) {
    dir_ = ::testing::TempDir() + "/binio_sim_" + std::to_string(core::monotonic_ns());
    std::filesystem::create_directories(dir_);
    const std::string pem = dir_ + "/ed25519.pub.pem";
    std::ofstream(pem) << test_ed25519().public_key_pem();
    std::vector<std::string> args = {"binance-sim", "--tls-dir", dir_, "--account",
                                     std::string(kEdKey) + ":ed25519:" + pem};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    // parse_sim_args reads the arguments after "binance-sim".
    if (std::string err = bs::parse_sim_args(static_cast<int>(argv.size()) - 1, argv.data() + 1, opt_); !err.empty())
      return err;
    bs::ExchangeConfig cfg;
    cfg.seed = opt_.exchange.seed;
    exchange_ = std::make_unique<bs::Exchange>(cfg);
    if (auto st = bs::setup_exchange(opt_.exchange, *exchange_, keys_); !st.ok()) return std::string(st.message());
    if (!opt_.exchange.ledger.empty()) {  // `--ledger FILE`, as the CLI wires it
      if (auto st = ledger_.open(opt_.exchange.ledger); !st.ok()) return std::string(st.message());
      exchange_->add_listener(&ledger_);
    }
    driver_ = std::make_unique<bs::MarketDriver>(*exchange_);
    if (auto st = bs::setup_market(opt_.exchange, *exchange_, *driver_, core::wall_clock_ns()); !st.ok())
      return std::string(st.message());
    (void)driver_->poll(core::wall_clock_ns());
    const auto& f = opt_.server.faults;
    bs::SimVenueOptions vo;
    vo.faults.http_5xx_rate = f.http_5xx_rate;
    vo.faults.http_5xx_applied_rate = f.http_5xx_applied_rate;
    vo.faults.reject_rate = f.reject_rate;
    vo.faults.clock_skew_ms = static_cast<int64_t>(f.clock_skew_ms);
    vo.faults.listenkey_expire_s = static_cast<int64_t>(f.listenkey_expire_s);
    vo.faults.weight_limit = static_cast<int64_t>(f.weight_limit);
    vo.faults.order_limit_10s = static_cast<int64_t>(f.order_limit_10s);
    vo.faults.seed = opt_.exchange.seed;
    venue_ = std::make_unique<bs::SimVenue>(*exchange_, keys_, vo);
    server_ = std::make_unique<bs::Server>(ioc_, opt_.server, *venue_);
    // As the CLI: the listenkey-expire-s fault sets the validity of the store that publishes
    // listenKeyExpired.
    const double lk_s = f.listenkey_expire_s;
    ws_ = std::make_unique<bs::WsVenue>(
        *venue_, *server_, lk_s > 0 ? static_cast<bs::UnixNanos>(lk_s * 1e9) : bs::ListenKeyStore::kDefaultValidity);
    if (std::string err = server_->start(); !err.empty()) return err;
    tick();
    stopped_ = ran_.get_future();
    thread_ = std::thread([this] {
      ioc_.run();
      ran_.set_value();
    });
    return "";
  }
  ~SimHarness() { stop(); }
  // Closes the listeners and every connection (a venue gone mid-request) and joins. Idempotent.
  void stop() {
    if (server_ && thread_.joinable()) {
      boost::asio::post(ioc_, [this] {
        timer_.cancel();
        server_->stop();
      });
      // Server::stop() should make run() return once its connections are gone; seen not to when a
      // latency-delayed answer was pending on a connection the client had dropped (reported, left to
      // the sim's owner). Bounded here so a test cannot hang in its teardown.
      if (stopped_.wait_for(std::chrono::seconds(3)) != std::future_status::ready) ioc_.stop();
    }
    if (thread_.joinable()) thread_.join();
  }

  std::string spot_url() const { return "https://127.0.0.1:" + std::to_string(server_->spot_port()); }
  std::string futures_url() const { return "https://127.0.0.1:" + std::to_string(server_->futures_port()); }
  std::string spot_ws_api_url() const {
    return "wss://127.0.0.1:" + std::to_string(server_->spot_port()) + "/ws-api/v3";
  }
  // The futures stream base (the routes /public, /market, /private hang off it).
  std::string futures_stream_url() const { return "wss://127.0.0.1:" + std::to_string(server_->futures_port()); }
  const std::string& ca_file() const { return server_->ca_file(); }
  const bs::Server::Stats& server_stats() const { return server_->stats(); }

 private:
  void tick() {
    timer_.expires_after(std::chrono::milliseconds(20));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      const auto now = core::wall_clock_ns();
      (void)driver_->poll(now);
      ws_->tick(now);
      tick();
    });
  }

  std::string dir_;
  bs::SimOptions opt_;
  bs::KeyRegistry keys_;
  bs::Ledger ledger_;  // outlives the exchange that calls it
  std::unique_ptr<bs::Exchange> exchange_;
  std::unique_ptr<bs::MarketDriver> driver_;
  boost::asio::io_context ioc_{1};
  boost::asio::steady_timer timer_{ioc_};
  std::unique_ptr<bs::SimVenue> venue_;
  std::unique_ptr<bs::Server> server_;
  std::unique_ptr<bs::WsVenue> ws_;
  std::promise<void> ran_;
  std::future<void> stopped_;
  std::thread thread_;
};

}  // namespace dmabot::binance_io::testing
