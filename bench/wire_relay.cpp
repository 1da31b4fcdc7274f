#include "bench/wire_relay.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/clock.h"

namespace dmabot::bench {

struct TcpRelay::Conn {
  int client = -1;
  int upstream = -1;
  uint32_t id = 0;
  std::thread up, down;
};

namespace {

void no_delay(int fd) {
  int one = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

bool write_all(int fd, const uint8_t* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

sockaddr_in loopback(uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

}  // namespace

TcpRelay::TcpRelay(uint16_t upstream_port, uint32_t min_record_len, std::size_t ring_capacity)
    : upstream_port_(upstream_port), min_record_len_(min_record_len), ring_(ring_capacity) {}

TcpRelay::~TcpRelay() { stop(); }

std::string TcpRelay::start() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return std::string("relay: socket: ") + std::strerror(errno);
  int one = 1;
  (void)setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = loopback(0);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 16) != 0)
    return std::string("relay: bind/listen on 127.0.0.1: ") + std::strerror(errno);
  socklen_t len = sizeof a;
  (void)::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
  return "";
}

void TcpRelay::stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  std::lock_guard<std::mutex> lk(conns_mu_);
  for (auto& c : conns_) {
    ::shutdown(c->client, SHUT_RDWR);
    if (c->upstream >= 0) ::shutdown(c->upstream, SHUT_RDWR);
  }
  for (auto& c : conns_) {
    if (c->up.joinable()) c->up.join();
    if (c->down.joinable()) c->down.join();
    ::close(c->client);
    if (c->upstream >= 0) ::close(c->upstream);
  }
  conns_.clear();
}

void TcpRelay::accept_loop() {
  while (!stopping_.load()) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down
    }
    no_delay(fd);
    auto c = std::make_unique<Conn>();
    c->client = fd;
    c->id = static_cast<uint32_t>(connections_.fetch_add(1) + 1);
    const int up = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(upstream_port_);
    if (up < 0 || ::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      upstream_failures_.fetch_add(1);
      if (up >= 0) ::close(up);
      ::close(fd);
      continue;
    }
    no_delay(up);
    c->upstream = up;
    Conn* raw = c.get();
    std::lock_guard<std::mutex> lk(conns_mu_);
    if (stopping_.load()) {  // stop() already walked the list
      ::close(fd);
      ::close(up);
      return;
    }
    raw->up = std::thread([this, raw] { pump_up(raw); });
    raw->down = std::thread([this, raw] { pump_down(raw); });
    conns_.push_back(std::move(c));
  }
}

void TcpRelay::pump_up(Conn* c) {
  TlsRecordScanner scanner;
  std::vector<uint8_t> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::recv(c->client, buf.data(), buf.size(), 0);
    const int64_t t = core::monotonic_ns();  // first thing after the bytes arrive
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    scanner.feed(buf.data(), static_cast<std::size_t>(n), t, [&](WireRecord r) {
      if (r.length < min_record_len_) return;
      r.connection = c->id;
      std::lock_guard<std::mutex> lk(push_mu_);
      if (!ring_.try_push(r)) dropped_.fetch_add(1, std::memory_order_relaxed);
    });
    bytes_up_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    if (!write_all(c->upstream, buf.data(), static_cast<std::size_t>(n))) break;
  }
  ::shutdown(c->upstream, SHUT_WR);
}

void TcpRelay::pump_down(Conn* c) {
  std::vector<uint8_t> buf(1 << 16);
  for (;;) {
    const ssize_t n = ::recv(c->upstream, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes_down_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    if (!write_all(c->client, buf.data(), static_cast<std::size_t>(n))) break;
  }
  ::shutdown(c->client, SHUT_WR);
}

}  // namespace dmabot::bench
