// bench/wire_relay.h: the TLS record scanner across chunk boundaries, and the relay forwarding bytes
// unchanged both ways while reporting the large client→upstream records with their arrival stamps.
#include "bench/wire_relay.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"

namespace dmabot::bench {
namespace {

std::vector<uint8_t> record(uint8_t type, std::size_t len, uint8_t fill) {
  std::vector<uint8_t> r = {type, 3, 3, static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len & 0xff)};
  r.insert(r.end(), len, fill);
  return r;
}

std::vector<uint8_t> stream_of(const std::vector<std::pair<uint8_t, std::size_t>>& recs) {
  std::vector<uint8_t> s;
  uint8_t fill = 1;
  for (auto [t, n] : recs) {
    auto r = record(t, n, fill++);
    s.insert(s.end(), r.begin(), r.end());
  }
  return s;
}

TEST(TlsRecordScanner, FindsEveryHeaderWhateverTheChunking) {
  const std::vector<std::pair<uint8_t, std::size_t>> recs = {{22, 512}, {23, 53}, {23, 431}, {23, 0}, {23, 300}};
  const std::vector<uint8_t> s = stream_of(recs);
  for (std::size_t chunk = 1; chunk <= s.size(); chunk += (chunk < 16 ? 1 : 97)) {
    TlsRecordScanner sc;
    std::vector<WireRecord> got;
    for (std::size_t off = 0; off < s.size(); off += chunk) {
      const std::size_t n = std::min(chunk, s.size() - off);
      sc.feed(s.data() + off, n, static_cast<int64_t>(off), [&](const WireRecord& r) { got.push_back(r); });
    }
    ASSERT_EQ(got.size(), recs.size()) << "chunk " << chunk;
    std::size_t start = 0;
    for (std::size_t i = 0; i < recs.size(); ++i) {
      EXPECT_EQ(got[i].type, recs[i].first);
      EXPECT_EQ(got[i].length, recs[i].second);
      // Stamped with the chunk that held the header's first byte.
      EXPECT_EQ(got[i].t_ns, static_cast<int64_t>(start / chunk * chunk)) << "chunk " << chunk << " record " << i;
      start += 5 + recs[i].second;
    }
  }
}

// An upstream that echoes everything back (one connection), on its own thread.
struct EchoServer {
  int fd = -1;
  uint16_t port = 0;
  std::thread t;
  EchoServer() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd, 4), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    t = std::thread([this] {
      const int c = ::accept(fd, nullptr, nullptr);
      if (c < 0) return;
      uint8_t buf[4096];
      for (;;) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        if (::send(c, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
      }
      ::close(c);
    });
  }
  ~EchoServer() {
    ::shutdown(fd, SHUT_RDWR);
    t.join();
    ::close(fd);
  }
};

TEST(TcpRelay, ForwardsBothWaysAndReportsLargeRecordsWithStamps) {
  EchoServer echo;
  TcpRelay relay(echo.port, 200);
  ASSERT_EQ(relay.start(), "");
  const int c = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(relay.port());
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);

  // A pong-sized record, an order-sized one, a tiny one, a big one split over two writes.
  const std::vector<uint8_t> s = stream_of({{23, 30}, {23, 450}, {21, 2}, {23, 1500}});
  const int64_t before = core::monotonic_ns();
  const std::size_t split = s.size() - 700;
  ASSERT_EQ(::send(c, s.data(), split, 0), static_cast<ssize_t>(split));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // two separate arrivals (not a sync stand-in)
  ASSERT_EQ(::send(c, s.data() + split, s.size() - split, 0), static_cast<ssize_t>(s.size() - split));

  std::vector<uint8_t> back;
  uint8_t buf[4096];
  while (back.size() < s.size()) {
    const ssize_t n = ::recv(c, buf, sizeof buf, 0);
    ASSERT_GT(n, 0);
    back.insert(back.end(), buf, buf + n);
  }
  const int64_t after = core::monotonic_ns();
  EXPECT_EQ(back, s) << "bytes pass through unchanged, both ways";

  std::vector<WireRecord> got;
  while (WireRecord* r = relay.records().front()) {
    got.push_back(*r);
    relay.records().pop();
  }
  ASSERT_EQ(got.size(), 2u) << "only records of >= 200 bytes";
  EXPECT_EQ(got[0].length, 450u);
  EXPECT_EQ(got[1].length, 1500u);
  EXPECT_EQ(got[0].type, 23);
  EXPECT_EQ(got[0].connection, 1u);
  EXPECT_GE(got[0].t_ns, before);
  EXPECT_LE(got[1].t_ns, after);
  EXPECT_LE(got[0].t_ns, got[1].t_ns);
  EXPECT_EQ(relay.connections(), 1u);
  EXPECT_EQ(relay.bytes_up(), s.size());
  EXPECT_EQ(relay.bytes_down(), s.size());
  EXPECT_EQ(relay.dropped(), 0u);
  ::close(c);
  relay.stop();  // joins every thread: the test ends
}

}  // namespace
}  // namespace dmabot::bench
