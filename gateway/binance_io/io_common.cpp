#include "gateway/binance_io/io_common.h"

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <cerrno>
#include <charconv>

namespace dmabot::binance_io {

std::string parse_url(std::string_view text, std::string_view scheme, Url& out) {
  const std::string prefix = std::string(scheme) + "://";
  if (text.substr(0, prefix.size()) != prefix)
    return "url '" + std::string(text) + "': must start with " + prefix + " (TLS is always on)";
  std::string_view rest = text.substr(prefix.size());
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  if (out.path == "/") out.path.clear();
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return "url '" + std::string(text) + "': unclosed '['";
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "url '" + std::string(text) + "': junk after ']'";
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return "url '" + std::string(text) + "': no host";
  out.port = 443;
  if (!port_text.empty()) {
    unsigned p = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), p);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || p == 0 || p > 65535)
      return "url '" + std::string(text) + "': bad port '" + std::string(port_text) + "'";
    out.port = static_cast<uint16_t>(p);
  }
  return "";
}

std::string make_tls_context(const std::string& ca_file, const std::string& host,
                             std::unique_ptr<boost::asio::ssl::context>& out) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (ca_file.empty())
    ctx->set_default_verify_paths(ec);
  else
    ctx->load_verify_file(ca_file, ec);
  if (ec) return "CA file '" + ca_file + "': " + ec.message();
  ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  ctx->set_verify_callback(ssl::host_name_verification(host));
  out = std::move(ctx);
  return "";
}

void set_sni(void* ssl_native_handle, const std::string& host) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  if (ec) SSL_set_tlsext_host_name(static_cast<SSL*>(ssl_native_handle), host.c_str());
}

Notifier::Notifier() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
Notifier::~Notifier() {
  if (fd_ >= 0) ::close(fd_);
}
void Notifier::notify() const noexcept {
  const uint64_t one = 1;
  (void)!::write(fd_, &one, sizeof one);
}
void Notifier::drain() const noexcept {
  uint64_t v = 0;
  (void)!::read(fd_, &v, sizeof v);
}
bool Notifier::wait(std::chrono::nanoseconds timeout) const noexcept {
  pollfd p{fd_, POLLIN, 0};
  const int ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(timeout).count());
  int r;
  do {
    r = ::poll(&p, 1, ms < 0 ? 0 : ms);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) return false;
  drain();
  return true;
}

int Backoff::next_ms() noexcept {
  jitter_ ^= jitter_ << 13;
  jitter_ ^= jitter_ >> 7;
  jitter_ ^= jitter_ << 17;
  const int spread = std::max(1, current_ms_ / 5);
  const int wait = current_ms_ - spread + static_cast<int>(jitter_ % static_cast<uint64_t>(2 * spread + 1));
  current_ms_ = std::min(max_ms_, current_ms_ * 2);
  return std::max(1, wait);
}

}  // namespace dmabot::binance_io
