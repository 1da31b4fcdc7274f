// bench/tick_to_wire.cpp — tick-to-wire latency of the real live engine on loopback: a bookTicker
// frame written to the engine's market-data WebSocket → the signed order frame it writes to the
// venue's WebSocket API. Issue 11's last proof item.
//
// What runs (everything on 127.0.0.1, everything stopped by this process, on failure too):
//   * binance-sim as a child (`dmabot binance-sim`), serving REST, the WebSocket API and user data,
//     with a TLS identity this process generated (tools/binance_sim/tls_identity.h), so the one CA
//     file the engine trusts (BINANCE_CA_FILE) covers the sim and our own market-data server. Its
//     order-count limit is raised (--fault order-limit-10s) so thousands of orders a second pass.
//   * our market-data server: Boost.Beast, TLS WebSocket, synchronous writes from the driver thread.
//     The engine's feed (FEED_MODE=binance) connects to it through BINANCE_SPOT_STREAM_URL; frames are
//     Binance's combined-stream bookTicker bytes ({"stream":"btcusdt@bookTicker","data":{...}}).
//   * a TcpRelay (bench/wire_relay.h) between the engine and the sim's WebSocket API
//     (BINANCE_SPOT_WS_API_URL points at it; TLS passes through untouched). It stamps CLOCK_MONOTONIC
//     when the engine's bytes arrive and reports TLS records of >= 200 bytes: order frames.
//   * the engine: `dmabot run --env .env.local` (the model preset) with --set overrides:
//     VENUE_MODE=binance_spot, SYMBOLS=BTCUSDT, DynMm at a 5% spread that requotes on every tick
//     (DYNMM_MIN_REQUOTE_MS=0, DYNMM_TOLERANCE_BPS=0; quotes never fill against the sim's own book),
//     risk order-rate limits raised, recorder off, THREAD_LAYOUT per run.
//
// Attribution (one tick in flight at a time): tick k is due at t0 + k/rate and written when due
// (after tick k-1 is resolved); the first order-sized record the relay sees stamped after tick k's
// write began is tick k's wire time, and latency = that stamp − tick k's *scheduled* time, so a late
// write (our thread, or the previous tick's slowness) counts (no coordinated omission). Further
// order records before tick k+1 are the same tick's other orders (DynMm requotes both sides: the
// last one is reported too, `last_*`). A tick with no order within --tick-timeout-ms is counted
// (`no_order`), never hidden; then the driver waits a quiet 100 ms (records in it: `late_records`)
// so a late order is not given to the next tick, and restarts the schedule after that pause (its own,
// not the engine's). Latency from the write (`w_*`) is printed too. The engine's own counters (orders + cancels +
// queries sent, scraped from /metrics at the end) are printed beside the relay's count as a check.
//
// Floor (same run): the same frames, the same server, the same kind of relay — but the "engine" is a
// trivial peer (this binary with --floor-peer, a child process): a TLS WebSocket client that on every
// market frame writes one 450-byte frame on a second TLS WebSocket (through its own relay to a sink).
// Two of them: floor_block (a blocking read: the thread sleeps until data comes, as the engine's I/O
// threads do) and floor_spin (poll(2) spin with sched_yield after 200 empty passes, pinned to the last
// CPU: the engine's THREAD_LAYOUT=auto hot thread). They measure TLS + WebSocket framing both ways +
// loopback + the scheduler's wake-ups; ratios are to the lower of the two at each percentile, so the
// engine's ratio = what parse, strategy, risk, router, encode + sign and its thread hops add.
// The rate is low on purpose: DynMm sends nothing for a side whose last order is unanswered, so a
// tick must come after the previous tick's acknowledgements (sim → relay → engine), which on a loaded
// 2-core box take up to a few ms.
//
// Usage: tick_to_wire [--samples N (4000)] [--rate TICKS_PER_S (250)] [--warmup N (250)]
//                     [--layouts auto|'feed,strategy;risk,router,gateway'|...  ('|'-separated;
//                      default "auto|feed,strategy;risk,router,gateway")] [--tick-timeout-ms 250]
//                     [--no-floor] [--json] [--keep] [--dmabot PATH] [--engine-set K=V ...]
// Bounded: each phase has a deadline; the default run (2 floors + 2 layouts) takes ~80 s; at
// --samples 20000 ~6 minutes. One sim serves every layout and allows 200,000 orders a day (2 per
// tick): up to ~45,000 samples with two layouts.
// --json prints one object on stdout (the rest goes to stderr): {"samples","rate","runs":[{"name",
//   "threads_line","ok","samples","ticks","no_order","late_records","orders_seen","p50_ns","p90_ns",
//   "p99_ns","p999_ns","max_ns","write_p50_ns","write_p99_ns","write_p999_ns","last_p50_ns",
//   "last_p99_ns","gap_p50_ns","max_send_lateness_ns","ratio_p50","ratio_p99","ratio_p999",
//   "write_ratio_p50","write_ratio_p99","seconds"}...]} — floors first, ratios 0 without a floor.
// Exit status 1 if a phase failed (what failed is printed); children are always stopped.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/wire_relay.h"
#include "core/clock.h"
#include "tools/binance_sim/tls_identity.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using WsTls = websocket::stream<ssl::stream<tcp::socket>>;
using dmabot::bench::TcpRelay;
using dmabot::bench::WireRecord;

constexpr uint32_t kOrderRecordMin = 200;  // TLS record bytes: an order frame is larger, a pong smaller
constexpr std::size_t kFloorFrameBytes = 450;

int64_t now_ns() { return dmabot::core::monotonic_ns(); }

void sleep_until_ns(int64_t t) {
  timespec ts{static_cast<time_t>(t / 1'000'000'000), static_cast<long>(t % 1'000'000'000)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

void sleep_ns(int64_t d) { sleep_until_ns(now_ns() + d); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool write_text(const std::string& path, const std::string& s) {
  std::ofstream out(path, std::ios::binary);
  out << s;
  return static_cast<bool>(out);
}

// ------------------------------------------------------------------------------------------ children

// A child process, killed with SIGKILL if this process dies first (PR_SET_PDEATHSIG); stop() sends
// `sig`, waits (bounded), then SIGKILLs.
struct Child {
  pid_t pid = -1;
  std::string out, err;

  bool spawn(const std::vector<std::string>& args, const std::string& dir) {
    out = dir + "/stdout.txt";
    err = dir + "/stderr.txt";
    const pid_t parent = getpid();
    pid = fork();
    if (pid < 0) return false;
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(125);
      if (chdir(dir.c_str()) != 0) _exit(126);
      const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int n = open("/dev/null", O_RDONLY);
      dup2(o, 1);
      dup2(e, 2);
      dup2(n, 0);
      std::vector<char*> argv;
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    return true;
  }
  bool running() {
    if (pid <= 0) return false;
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      pid = -1;
      return false;
    }
    return true;
  }
  // Returns the exit status (-1 if it had to be killed or was not running).
  int stop(int sig, double timeout_s) {
    if (pid <= 0) return -1;
    kill(pid, sig);
    const int64_t deadline = now_ns() + static_cast<int64_t>(timeout_s * 1e9);
    int st = 0;
    while (now_ns() < deadline) {
      if (waitpid(pid, &st, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      sleep_ns(10'000'000);  // polling a child's exit against a deadline
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    pid = -1;
    return -1;
  }
  ~Child() { stop(SIGKILL, 5); }
};

// ------------------------------------------------------------------------------ market-data server

// Accepts TLS WebSocket connections on 127.0.0.1:0 (its own thread). A connection whose target starts
// with /stream is a market-data session the driver writes to (the newest one); /sink is read and
// discarded on a thread of its own (the floor peer's output, behind a relay).
class MdServer {
 public:
  MdServer(const std::string& cert_chain_pem, const std::string& key_pem) : ctx_(ssl::context::tls_server) {
    ctx_.use_certificate_chain(asio::buffer(cert_chain_pem));
    ctx_.use_private_key(asio::buffer(key_pem), ssl::context::pem);
  }
  ~MdServer() { stop(); }

  uint16_t start() {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { accept_loop(); });
    return port_;
  }
  void stop() {
    if (stopping_.exchange(true)) return;
    beast::error_code ec;
    acceptor_.cancel(ec);
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    std::lock_guard<std::mutex> lk(mu_);
    for (auto& s : sessions_) ::shutdown(s->next_layer().next_layer().native_handle(), SHUT_RDWR);
    for (auto& t : sinks_)
      if (t.joinable()) t.join();
  }
  uint16_t port() const { return port_; }
  // Market-data sessions accepted so far; the driver waits for a new one per run.
  std::size_t md_sessions() const { return md_count_.load(); }
  WsTls* latest_md() {
    std::lock_guard<std::mutex> lk(mu_);
    return latest_md_;
  }

 private:
  void accept_loop() {
    while (!stopping_.load()) {
      tcp::socket sock(ioc_);
      beast::error_code ec;
      acceptor_.accept(sock, ec);
      if (ec) {
        if (stopping_.load()) return;
        continue;
      }
      sock.set_option(tcp::no_delay(true), ec);
      auto ws = std::make_unique<WsTls>(std::move(sock), ctx_);
      ws->next_layer().handshake(ssl::stream_base::server, ec);
      if (ec) continue;
      beast::flat_buffer buf;
      http::request<http::string_body> req;
      http::read(ws->next_layer(), buf, req, ec);
      if (ec) continue;
      ws->accept(req, ec);
      if (ec) continue;
      ws->text(true);
      ws->auto_fragment(false);
      const std::string target(req.target());
      WsTls* raw = ws.get();
      std::lock_guard<std::mutex> lk(mu_);
      sessions_.push_back(std::move(ws));
      if (target.rfind("/sink", 0) == 0) {
        sinks_.emplace_back([raw] {
          beast::flat_buffer b;
          beast::error_code e;
          for (;;) {
            raw->read(b, e);
            if (e) return;
            b.consume(b.size());
          }
        });
      } else {
        latest_md_ = raw;
        md_count_.fetch_add(1);
      }
    }
  }

  asio::io_context ioc_;
  ssl::context ctx_;
  tcp::acceptor acceptor_{ioc_};
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::unique_ptr<WsTls>> sessions_;
  std::vector<std::thread> sinks_;
  WsTls* latest_md_ = nullptr;
  std::atomic<std::size_t> md_count_{0};
};

// bookTicker k: BTCUSDT's mid alternates between 60000.005 and 60010.005 (a 10 USDT step, so a 5%
// DynMm quote moves ~9.5 USDT = hundreds of ticks each time), update id k+1.
std::size_t book_ticker(char* out, std::size_t cap, uint64_t k) {
  const bool up = (k & 1) != 0;
  const int n = std::snprintf(out, cap,
                              "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":%llu,\"s\":\"BTCUSDT\",\"b\":\"%s\","
                              "\"B\":\"1.25000000\",\"a\":\"%s\",\"A\":\"0.75000000\"}}",
                              static_cast<unsigned long long>(k + 1), up ? "60010.00000000" : "60000.00000000",
                              up ? "60010.01000000" : "60000.01000000");
  return n > 0 ? static_cast<std::size_t>(n) : 0;
}

// ------------------------------------------------------------------------------------------ driver

struct Result {
  std::string name;
  std::string threads_line;
  std::vector<int64_t> first;       // per tick with an order: first order record − scheduled time
  std::vector<int64_t> last;        // per tick with an order: last order record before the next tick
  std::vector<int64_t> from_write;  // first order record − the moment the tick's write began
  std::vector<int64_t> gap;         // ticks with 2+ orders: last − first order record (back-to-back writes)
  uint64_t ticks = 0, no_order = 0, late_records = 0, orders_seen = 0, write_errors = 0;
  int64_t max_send_lateness_ns = 0;
  double seconds = 0;
  std::string engine_counters;  // from /metrics
  bool ok = false;
  std::string error;
};

int64_t pct(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t i = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(i), v.end());
  return v[i];
}

struct Opts {
  uint64_t samples = 4000;
  double rate = 250;
  uint64_t warmup = 250;
  int64_t tick_timeout_ns = 250'000'000;
  std::vector<std::string> layouts = {"auto", "feed,strategy;risk,router,gateway"};
  bool floor = true, json = false, keep = false;
  std::vector<std::string> engine_sets;          // --engine-set K=V: more engine settings, applied last
  std::string dmabot = DMABOT_BENCH_DMABOT_BIN;  // made absolute in main (children run elsewhere)
  std::string source_dir = DMABOT_BENCH_SOURCE_DIR;
};

// Drains records older than `since` (anything left from before) into late_records.
void drain(TcpRelay& relay, Result& r) {
  while (relay.records().front() != nullptr) {
    relay.records().pop();
    ++r.late_records;
  }
}

// Sends ticks on `ws` at opts.rate until the first order record arrives (bounded by `deadline_s`):
// the engine is up, subscribed and quoting. Then `warmup` more ticks, then `samples` measured ones.
void drive(WsTls& ws, TcpRelay& relay, const Opts& o, double start_deadline_s, Result& r) {
  char frame[512];
  uint64_t k = 0;
  const int64_t period = static_cast<int64_t>(1e9 / o.rate);
  // Start: one tick every 20 ms until an order shows up.
  drain(relay, r);
  r.late_records = 0;
  const int64_t start_deadline = now_ns() + static_cast<int64_t>(start_deadline_s * 1e9);
  bool quoting = false;
  while (now_ns() < start_deadline && !quoting) {
    beast::error_code ec;
    ws.write(asio::buffer(frame, book_ticker(frame, sizeof frame, k++)), ec);
    if (ec) {
      r.error = "market-data write failed while waiting for the first order: " + ec.message();
      return;
    }
    sleep_ns(20'000'000);
    while (relay.records().front() != nullptr) {
      relay.records().pop();
      quoting = true;
    }
  }
  if (!quoting) {
    r.error = "no order frame within the start deadline";
    return;
  }
  sleep_ns(100'000'000);
  drain(relay, r);
  r.late_records = 0;

  const uint64_t total = o.warmup + o.samples;
  r.first.reserve(o.samples);
  r.from_write.reserve(o.samples);
  r.last.reserve(o.samples);
  int64_t t0 = now_ns() + 1'000'000;
  const int64_t run_start = t0;
  for (uint64_t i = 0; i < total; ++i) {
    const int64_t sched = t0 + static_cast<int64_t>(i) * period;
    if (now_ns() < sched) sleep_until_ns(sched);
    const std::size_t n = book_ticker(frame, sizeof frame, k++);
    const int64_t t_write = now_ns();
    r.max_send_lateness_ns = std::max(r.max_send_lateness_ns, i >= o.warmup ? t_write - sched : 0);
    beast::error_code ec;
    ws.write(asio::buffer(frame, n), ec);
    if (ec) {
      ++r.write_errors;
      r.error = "market-data write failed: " + ec.message();
      return;
    }
    // Wait for this tick's first order record (bounded), then gather its others until the next is due.
    int64_t first = -1, last = -1;
    int records = 0;
    const int64_t give_up = t_write + o.tick_timeout_ns;
    const int64_t next_sched = sched + period;
    for (;;) {
      WireRecord* rec = relay.records().front();
      if (rec != nullptr) {
        const WireRecord w = *rec;
        relay.records().pop();
        if (w.t_ns < t_write) {
          ++r.late_records;  // stamped before this tick was written: not its order
          continue;
        }
        ++r.orders_seen;
        ++records;
        if (first < 0) first = w.t_ns;
        last = w.t_ns;
        continue;
      }
      const int64_t now = now_ns();
      if (first < 0 && now >= give_up) break;
      if (first >= 0 && now >= next_sched) break;
      sleep_ns(20'000);  // polling the relay's ring; the stamps are the relay's, not this loop's
    }
    const bool measured = i >= o.warmup;
    if (measured) ++r.ticks;
    if (first < 0) {
      if (measured) ++r.no_order;
      // Quiet period so a late order is not attributed to the next tick. The quiet period is this
      // driver's own pause, not the engine's: the schedule restarts after it (the next tick is due one
      // period later) instead of charging it to the next ticks.
      const int64_t quiet_end = now_ns() + 100'000'000;
      while (now_ns() < quiet_end) {
        sleep_ns(1'000'000);
        while (relay.records().front() != nullptr) {
          relay.records().pop();
          ++r.late_records;
        }
      }
      t0 = now_ns() + period - static_cast<int64_t>(i + 1) * period;
      continue;
    }
    if (measured) {
      r.first.push_back(first - sched);
      r.last.push_back(last - sched);
      r.from_write.push_back(first - t_write);
      if (records >= 2) r.gap.push_back(last - first);  // 0 when both came in one recv()
    }
  }
  r.seconds = static_cast<double>(now_ns() - run_start) / 1e9;
  r.ok = true;
}

// ------------------------------------------------------------------------------------ floor peer

// --floor-peer MD_PORT SINK_PORT CA_FILE block|spin: read market frames, write one 450-byte frame per
// frame read. block: a blocking read (the thread sleeps until data comes, as the engine's I/O threads
// do); spin: poll(2) with a zero timeout until the socket is readable, sched_yield() after 200 empty
// passes (the engine's IDLE_POLICY=spin_yield hot thread), then the same read.
int floor_peer(uint16_t md_port, uint16_t sink_port, const std::string& ca, bool spin) {
  if (spin) {  // pinned to the last allowed CPU, where THREAD_LAYOUT=auto pins the engine's hot thread
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
      int last = -1;
      for (int c = 0; c < CPU_SETSIZE; ++c)
        if (CPU_ISSET(c, &set)) last = c;
      if (last >= 0) {
        CPU_ZERO(&set);
        CPU_SET(last, &set);
        (void)sched_setaffinity(0, sizeof set, &set);
      }
    }
  }
  asio::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.set_verify_mode(ssl::verify_peer);
  ctx.load_verify_file(ca);
  auto open = [&](uint16_t port, const char* target) {
    auto ws = std::make_unique<WsTls>(ioc, ctx);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    beast::get_lowest_layer(*ws).connect(ep);
    beast::get_lowest_layer(*ws).set_option(tcp::no_delay(true));
    ws->next_layer().set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    ws->next_layer().handshake(ssl::stream_base::client);
    ws->handshake("127.0.0.1", target);
    ws->text(true);
    return ws;
  };
  try {
    auto md = open(md_port, "/stream?streams=btcusdt@bookTicker");
    auto out = open(sink_port, "/sink");
    std::string frame(kFloorFrameBytes, 'x');
    beast::flat_buffer b;
    const int fd = beast::get_lowest_layer(*md).native_handle();
    for (;;) {
      if (spin) {
        pollfd pfd{fd, POLLIN, 0};
        for (int idle = 0; SSL_pending(md->next_layer().native_handle()) == 0 && ::poll(&pfd, 1, 0) == 0;) {
          if (++idle > 200) sched_yield();
        }
      }
      md->read(b);
      b.consume(b.size());
      out->write(asio::buffer(frame));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "floor peer: %s\n", e.what());
    return 1;
  }
}

// ------------------------------------------------------------------------------------------- main

std::string metrics_line_values(const std::string& text, const std::vector<std::string>& names) {
  std::string out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    for (const auto& n : names) {
      if (line.rfind(n, 0) == 0) out += (out.empty() ? "" : ", ") + line;
    }
  }
  return out;
}

std::string http_get_local(uint16_t port, const std::string& path) {
  try {
    asio::io_context ioc;
    tcp::socket s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    http::request<http::empty_body> req{http::verb::get, path, 11};
    req.set(http::field::host, "127.0.0.1");
    http::write(s, req);
    beast::flat_buffer b;
    http::response<http::string_body> res;
    http::read(s, b, res);
    return res.body();
  } catch (const std::exception&) {
    return "";
  }
}

// Polls a file until `needle` appears in it (bounded); returns the line holding it.
std::string wait_for_line(const std::string& path, const std::string& needle, double timeout_s, Child* c) {
  const int64_t deadline = now_ns() + static_cast<int64_t>(timeout_s * 1e9);
  while (now_ns() < deadline) {
    const std::string t = read_text(path);
    const std::size_t at = t.find(needle);
    if (at != std::string::npos) {
      const std::size_t b = t.rfind('\n', at);
      const std::size_t e = t.find('\n', at);
      return t.substr(b == std::string::npos ? 0 : b + 1, e == std::string::npos ? std::string::npos : e - b - 1);
    }
    if (c != nullptr && !c->running()) return "";
    sleep_ns(20'000'000);  // polling a log against a deadline
  }
  return "";
}

struct FloorPct {
  double p50 = 0, p99 = 0, p999 = 0;  // from the scheduled time
  double w50 = 0, w99 = 0, w999 = 0;  // from the write
};

double ratio(int64_t v, double floor) { return floor > 0 ? static_cast<double>(v) / floor : 0; }

void print_result(Result& r, const FloorPct* floor, bool json, bool last_json) {
  const int64_t p50 = pct(r.first, 0.50), p90 = pct(r.first, 0.90), p99 = pct(r.first, 0.99),
                p999 = pct(r.first, 0.999),
                mx = r.first.empty() ? 0 : *std::max_element(r.first.begin(), r.first.end());
  const int64_t w50 = pct(r.from_write, 0.50), w99 = pct(r.from_write, 0.99), w999 = pct(r.from_write, 0.999);
  const int64_t l50 = pct(r.last, 0.50), l99 = pct(r.last, 0.99), g50 = pct(r.gap, 0.50);
  const FloorPct f = floor ? *floor : FloorPct{};
  if (json) {
    std::printf(
        "{\"name\":\"%s\",\"threads_line\":\"%s\",\"ok\":%s,\"samples\":%zu,\"ticks\":%llu,\"no_order\":%llu,"
        "\"late_records\":%llu,\"orders_seen\":%llu,\"p50_ns\":%lld,\"p90_ns\":%lld,\"p99_ns\":%lld,\"p999_ns\":%lld,"
        "\"max_ns\":%lld,\"write_p50_ns\":%lld,\"write_p99_ns\":%lld,\"write_p999_ns\":%lld,\"last_p50_ns\":%lld,"
        "\"last_p99_ns\":%lld,\"gap_p50_ns\":%lld,\"max_send_lateness_ns\":%lld,\"ratio_p50\":%.2f,\"ratio_p99\":%.2f,"
        "\"ratio_p999\":%.2f,\"write_ratio_p50\":%.2f,\"write_ratio_p99\":%.2f,\"seconds\":%.1f}%s\n",
        r.name.c_str(), r.threads_line.c_str(), r.ok ? "true" : "false", r.first.size(),
        static_cast<unsigned long long>(r.ticks), static_cast<unsigned long long>(r.no_order),
        static_cast<unsigned long long>(r.late_records), static_cast<unsigned long long>(r.orders_seen),
        static_cast<long long>(p50), static_cast<long long>(p90), static_cast<long long>(p99),
        static_cast<long long>(p999), static_cast<long long>(mx), static_cast<long long>(w50),
        static_cast<long long>(w99), static_cast<long long>(w999), static_cast<long long>(l50),
        static_cast<long long>(l99), static_cast<long long>(g50), static_cast<long long>(r.max_send_lateness_ns),
        ratio(p50, f.p50), ratio(p99, f.p99), ratio(p999, f.p999), ratio(w50, f.w50), ratio(w99, f.w99), r.seconds,
        last_json ? "" : ",");
    return;
  }
  auto us = [](int64_t v) { return static_cast<double>(v) / 1e3; };
  std::printf(
      "%-30s %7zu %6llu %8.1f %8.1f %8.1f %8.1f %8.1f | %8.1f %8.1f %8.1f | %8.1f %8.1f %7.1f | %5.2f %5.2f %5.2f | "
      "%5.2f %5.2f\n",
      r.name.c_str(), r.first.size(), static_cast<unsigned long long>(r.no_order), us(p50), us(p90), us(p99), us(p999),
      us(mx), us(w50), us(w99), us(w999), us(l50), us(l99), us(g50), ratio(p50, f.p50), ratio(p99, f.p99),
      ratio(p999, f.p999), ratio(w50, f.w50), ratio(w99, f.w99));
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  // Timer slack 1 ns: the driver's (and the floor peer's) sleeps end when due, not up to 50 µs later.
  prctl(PR_SET_TIMERSLACK, 1UL);
  if (argc == 6 && std::string(argv[1]) == "--floor-peer") {
    return floor_peer(static_cast<uint16_t>(std::atoi(argv[2])), static_cast<uint16_t>(std::atoi(argv[3])), argv[4],
                      std::string(argv[5]) == "spin");
  }
  Opts o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tick_to_wire: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--samples") {
      o.samples = std::strtoull(val().c_str(), nullptr, 10);
    } else if (a == "--rate") {
      o.rate = std::strtod(val().c_str(), nullptr);
    } else if (a == "--warmup") {
      o.warmup = std::strtoull(val().c_str(), nullptr, 10);
    } else if (a == "--tick-timeout-ms") {
      o.tick_timeout_ns = static_cast<int64_t>(std::strtod(val().c_str(), nullptr) * 1e6);
    } else if (a == "--layouts") {
      o.layouts.clear();
      std::string s = val();
      for (std::size_t p = 0; p <= s.size();) {
        const std::size_t e = s.find('|', p);
        o.layouts.push_back(s.substr(p, e == std::string::npos ? std::string::npos : e - p));
        if (e == std::string::npos) break;
        p = e + 1;
      }
    } else if (a == "--engine-set") {
      o.engine_sets.push_back(val());
    } else if (a == "--no-floor") {
      o.floor = false;
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--dmabot") {
      o.dmabot = val();
    } else {
      std::fprintf(stderr,
                   "usage: tick_to_wire [--samples N] [--rate R] [--warmup N] [--layouts 'a|b'] [--tick-timeout-ms MS] "
                   "[--no-floor] [--json] [--keep] [--dmabot PATH] [--engine-set K=V]\n");
      return 2;
    }
  }
  {
    std::error_code ec;
    const auto abs = std::filesystem::absolute(o.dmabot, ec);
    if (!ec) o.dmabot = abs.string();
  }
  if (o.samples == 0 || !(o.rate > 0) || o.rate > 100000) {
    std::fprintf(stderr, "tick_to_wire: --samples must be > 0 and --rate in (0, 100000]\n");
    return 2;
  }
  // A diagnostic line for the reader; JSON goes to stdout alone.
  FILE* info = o.json ? stderr : stdout;

  char tmpl[] = "/tmp/tick_to_wire_XXXXXX";
  const char* dir_c = mkdtemp(tmpl);
  if (dir_c == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = dir_c;
  dmabot::binance_sim::TlsIdentity id;
  if (std::string err = dmabot::binance_sim::make_tls_identity(dir + "/tls", id); !err.empty()) {
    std::fprintf(stderr, "tick_to_wire: %s\n", err.c_str());
    return 1;
  }
  const std::string cert = dir + "/tls/server.pem", key = dir + "/tls/server.key";
  if (!write_text(cert, id.cert_chain_pem) || !write_text(key, id.key_pem)) {
    std::fprintf(stderr, "tick_to_wire: cannot write the TLS files in %s\n", dir.c_str());
    return 1;
  }
  chmod(key.c_str(), 0600);

  std::fprintf(info, "# tick_to_wire: %s, %ld cpus, load average %s, %llu samples at %.0f ticks/s, warm-up %llu\n",
               dir.c_str(), sysconf(_SC_NPROCESSORS_ONLN), read_text("/proc/loadavg").substr(0, 14).c_str(),
               static_cast<unsigned long long>(o.samples), o.rate, static_cast<unsigned long long>(o.warmup));

  MdServer md(id.cert_chain_pem, id.key_pem);
  const uint16_t md_port = md.start();

  std::vector<Result> results;
  int status = 0;

  // ---- floors: the trivial peer, blocking and spinning
  if (o.floor) {
    for (const char* mode : {"block", "spin"}) {
      Result r;
      r.name = std::string("floor_") + mode;
      TcpRelay relay(md_port, kOrderRecordMin);
      if (std::string err = relay.start(); !err.empty()) {
        std::fprintf(stderr, "tick_to_wire: %s\n", err.c_str());
        return 1;
      }
      const std::string pdir = dir + "/floor_" + mode;
      mkdir(pdir.c_str(), 0755);
      Child peer;
      const std::size_t before = md.md_sessions();
      // /proc/self/exe in the child is still this binary's image.
      peer.spawn(
          {"/proc/self/exe", "--floor-peer", std::to_string(md_port), std::to_string(relay.port()), id.ca_file, mode},
          pdir);
      const int64_t deadline = now_ns() + 10'000'000'000;
      while (md.md_sessions() == before && now_ns() < deadline && peer.running()) sleep_ns(5'000'000);
      if (md.md_sessions() == before) {
        r.error = "the floor peer did not connect: " + read_text(peer.err);
      } else {
        drive(*md.latest_md(), relay, o, 10, r);
      }
      peer.stop(SIGKILL, 5);
      relay.stop();
      if (!r.ok) {
        std::fprintf(stderr, "tick_to_wire: %s: %s\n", r.name.c_str(), r.error.c_str());
        status = 1;
      }
      results.push_back(std::move(r));
    }
  }

  // ---- binance-sim
  const std::string sdir = dir + "/sim";
  mkdir(sdir.c_str(), 0755);
  Child sim;
  const std::string ready = sdir + "/ready.json";
  sim.spawn({o.dmabot, "binance-sim", "--listen-spot", "127.0.0.1:0", "--listen-futures", "127.0.0.1:0", "--ready-file",
             ready, "--tls-cert", cert, "--tls-key", key, "--symbols", "BTCUSDT", "--fault", "order-limit-10s=1000000",
             "--fault", "weight-limit=100000000"},
            sdir);
  unsigned spot_port = 0, futures_port = 0;
  {
    const int64_t deadline = now_ns() + 15'000'000'000;
    while (now_ns() < deadline && sim.running()) {
      if (std::sscanf(read_text(ready).c_str(), "{\"spot_port\":%u,\"futures_port\":%u", &spot_port, &futures_port) ==
          2)
        break;
      sleep_ns(20'000'000);  // polling the sim's ready file against a deadline
    }
  }
  if (spot_port == 0) {
    std::fprintf(stderr, "tick_to_wire: binance-sim (%s) did not start; logs in %s: %s\n", o.dmabot.c_str(),
                 sdir.c_str(), read_text(sim.err).c_str());
    return 1;
  }

  for (const std::string& layout : o.layouts) {
    Result r;
    r.name = "engine " + layout;
    TcpRelay relay(static_cast<uint16_t>(spot_port), kOrderRecordMin);
    if (std::string err = relay.start(); !err.empty()) {
      std::fprintf(stderr, "tick_to_wire: %s\n", err.c_str());
      status = 1;
      break;
    }
    const std::string edir = dir + "/engine_" + std::to_string(results.size());
    mkdir(edir.c_str(), 0755);
    const std::string sim_base = "127.0.0.1:" + std::to_string(spot_port);
    const double rate_s = std::max(1000.0, o.rate * 4);
    const std::vector<std::string> sets = {
        "VENUE_MODE=binance_spot",
        "MARKET_TYPE=spot",
        "FEED_MODE=binance",
        "SYMBOLS=BTCUSDT",
        "FUTURES_SYMBOLS=",
        "BINANCE_SPOT_REST_URL=https://" + sim_base,
        "BINANCE_SPOT_WS_API_URL=wss://127.0.0.1:" + std::to_string(relay.port()) + "/ws-api/v3",
        "BINANCE_SPOT_STREAM_URL=wss://127.0.0.1:" + std::to_string(md_port),
        "BINANCE_CA_FILE=" + id.ca_file,
        "RECONCILE_S=0",
        "RECORD_FILE=",
        "METRICS_PORT=0",
        "LOG_LEVEL=info",
        "THREAD_LAYOUT=" + layout,
        "STRATEGIES=dynmm",
        "DYNMM_A=0",
        "DYNMM_B=0",
        "DYNMM_FLOOR_BPS=500",
        "DYNMM_SIGMA_WINDOW=3",
        "DYNMM_TOLERANCE_BPS=0",
        "DYNMM_MIN_REQUOTE_MS=0",
        "PX_BAND_PCT=20",
        "MAX_QPS=" + std::to_string(static_cast<long long>(rate_s)),
        "MAX_QPM=" + std::to_string(static_cast<long long>(rate_s * 60)),
    };
    std::vector<std::string> args = {o.dmabot, "run", "--env", o.source_dir + "/.env.local"};
    std::vector<std::string> all_sets = sets;
    all_sets.insert(all_sets.end(), o.engine_sets.begin(), o.engine_sets.end());
    for (const auto& s : all_sets) {
      args.push_back("--set");
      args.push_back(s);
    }
    Child engine;
    const std::size_t before = md.md_sessions();
    engine.spawn(args, edir);
    r.threads_line = wait_for_line(engine.err, "threads: ", 30, &engine);
    if (r.threads_line.empty()) r.threads_line = wait_for_line(engine.out, "threads: ", 1, &engine);
    const std::string metrics_line =
        wait_for_line(engine.err, "metrics server listening on http://127.0.0.1:", 30, &engine);
    uint16_t metrics_port = 0;
    if (const std::size_t at = metrics_line.find("127.0.0.1:"); at != std::string::npos)
      metrics_port = static_cast<uint16_t>(std::atoi(metrics_line.c_str() + at + 10));
    const int64_t deadline = now_ns() + 30'000'000'000;
    while (md.md_sessions() == before && now_ns() < deadline && engine.running()) sleep_ns(10'000'000);
    if (md.md_sessions() == before) {
      r.error = "the engine's feed did not connect; its stderr:\n" + read_text(engine.err);
    } else {
      drive(*md.latest_md(), relay, o, 30, r);
    }
    if (metrics_port != 0) {
      r.engine_counters = metrics_line_values(
          http_get_local(metrics_port, "/metrics"),
          {"dmabot_binance_orders_sent", "dmabot_binance_cancels_sent", "dmabot_binance_queries_sent",
           "dmabot_binance_venue_rejects", "dmabot_binance_rate_limited", "dmabot_binance_fills{"});
    }
    const int rc = engine.stop(SIGINT, 20);
    relay.stop();
    if (!r.ok) {
      std::fprintf(stderr, "tick_to_wire: %s: %s\n", r.name.c_str(), r.error.c_str());
      status = 1;
    }
    std::fprintf(info,
                 "# %s: %s\n#   engine exit %d; relay: %llu connection(s), %llu order records seen in the run, %llu "
                 "dropped; engine: %s\n",
                 r.name.c_str(), r.threads_line.c_str(), rc, static_cast<unsigned long long>(relay.connections()),
                 static_cast<unsigned long long>(r.orders_seen), static_cast<unsigned long long>(relay.dropped()),
                 r.engine_counters.c_str());
    results.push_back(std::move(r));
  }
  sim.stop(SIGTERM, 10);
  md.stop();

  // The floor, per percentile: the lower of the two floor peers' figures (the conservative ratio).
  FloorPct fl;
  if (o.floor && results.size() >= 2 && results[0].ok && results[1].ok) {
    auto lo = [&](std::vector<int64_t> Result::*v, double p) {
      return static_cast<double>(std::min(pct(results[0].*v, p), pct(results[1].*v, p)));
    };
    fl.p50 = lo(&Result::first, 0.5);
    fl.p99 = lo(&Result::first, 0.99);
    fl.p999 = lo(&Result::first, 0.999);
    fl.w50 = lo(&Result::from_write, 0.5);
    fl.w99 = lo(&Result::from_write, 0.99);
    fl.w999 = lo(&Result::from_write, 0.999);
  }
  const FloorPct* floor = fl.p50 > 0 ? &fl : nullptr;
  if (o.json) {
    std::printf("{\"samples\":%llu,\"rate\":%.0f,\"runs\":[\n", static_cast<unsigned long long>(o.samples), o.rate);
    for (std::size_t i = 0; i < results.size(); ++i) print_result(results[i], floor, true, i + 1 == results.size());
    std::printf("]}\n");
  } else {
    std::printf(
        "# latency µs of the first order frame of each tick at the relay: from the tick's scheduled time (no "
        "coordinated "
        "omission), and from the moment its write began (w_); last = the tick's last order frame, gap = last - first "
        "(ticks with 2+ orders); r_ = ratio to the floor's same percentile (the lower of the two floor peers)\n");
    std::printf("%-30s %7s %6s %8s %8s %8s %8s %8s | %8s %8s %8s | %8s %8s %7s | %5s %5s %5s | %5s %5s\n", "run",
                "samples", "no_ord", "p50", "p90", "p99", "p99.9", "max", "w_p50", "w_p99", "w_p99.9", "last_p50",
                "last_p99", "gap_p50", "r_p50", "r_p99", "r_999", "rw_50", "rw_99");
    for (auto& r : results) print_result(r, floor, false, false);
    for (auto& r : results)
      std::printf(
          "# %s: %llu ticks measured, %llu without an order, %llu late/unattributed records, max send lateness %.1f "
          "µs, %zu ticks with 2+ orders (gap p10 %.1f µs, p50 %.1f µs), %.1f s\n",
          r.name.c_str(), static_cast<unsigned long long>(r.ticks), static_cast<unsigned long long>(r.no_order),
          static_cast<unsigned long long>(r.late_records), static_cast<double>(r.max_send_lateness_ns) / 1e3,
          r.gap.size(), static_cast<double>(pct(r.gap, 0.1)) / 1e3, static_cast<double>(pct(r.gap, 0.5)) / 1e3,
          r.seconds);
  }
  if (o.keep || status != 0) {
    std::fprintf(stderr, "tick_to_wire: logs kept in %s\n", dir.c_str());
  } else {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return status;
}
