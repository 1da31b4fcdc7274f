#include "gateway/binance_io/https_get.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <chrono>

#include "absl/status/status.h"
#include "gateway/binance_io/io_common.h"

namespace dmabot::binance_io {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

absl::StatusOr<HttpsGetResult> https_get(std::string_view base_url, std::string_view target,
                                         const HttpsGetOptions& options) {
  Url url;
  if (std::string e = parse_url(base_url, "https", url); !e.empty()) return absl::InvalidArgumentError(e);
  if (!url.path.empty()) return absl::InvalidArgumentError("url '" + std::string(base_url) + "': has a path");
  std::unique_ptr<ssl::context> tls;
  if (std::string e = make_tls_context(options.ca_file, url.host, tls); !e.empty())
    return absl::FailedPreconditionError(e);

  asio::io_context ioc{1};
  tcp::resolver resolver{ioc};
  beast::ssl_stream<beast::tcp_stream> stream{ioc, *tls};
  set_sni(stream.native_handle(), url.host);

  const bool v6 = url.host.find(':') != std::string::npos;
  std::string host_header = v6 ? "[" + url.host + "]" : url.host;
  if (url.port != 443) host_header += ":" + std::to_string(url.port);
  http::request<http::empty_body> req{http::verb::get, std::string(target), 11};
  req.set(http::field::host, host_header);
  req.set(http::field::user_agent, "dmabot");
  req.set(http::field::connection, "close");
  if (!options.api_key.empty()) req.set("X-MBX-APIKEY", options.api_key);
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_body_bytes);

  std::string failure;
  bool body_too_large = false;
  bool done = false;
  auto fail = [&](const char* step, const error_code& ec) {
    if (failure.empty()) failure = std::string(step) + ": " + ec.message();
    body_too_large = ec == http::error::body_limit;
  };
  resolver.async_resolve(url.host, std::to_string(url.port), [&](const error_code& ec, tcp::resolver::results_type r) {
    if (ec) return fail("resolve", ec);
    beast::get_lowest_layer(stream).async_connect(r, [&](const error_code& ec2, const tcp::endpoint&) {
      if (ec2) return fail("connect", ec2);
      stream.async_handshake(ssl::stream_base::client, [&](const error_code& ec3) {
        if (ec3) return fail("TLS handshake", ec3);
        http::async_write(stream, req, [&](const error_code& ec4, std::size_t) {
          if (ec4) return fail("write", ec4);
          http::async_read(stream, buf, parser, [&](const error_code& ec5, std::size_t) {
            if (ec5) return fail("read", ec5);
            done = true;
          });
        });
      });
    });
  });
  ioc.run_for(std::chrono::milliseconds(std::max(1, options.timeout_ms)));
  if (!done && failure.empty()) {
    // Abort what is pending and let the handlers run (they reference this frame) before returning.
    resolver.cancel();
    error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
    ioc.restart();
    ioc.run();
    return absl::DeadlineExceededError("no complete answer within " + std::to_string(options.timeout_ms) + " ms");
  }
  {
    error_code ignored;
    beast::get_lowest_layer(stream).socket().close(ignored);
  }
  if (!done) {
    if (body_too_large)
      return absl::ResourceExhaustedError("the body is longer than " + std::to_string(options.max_body_bytes) +
                                          " bytes");
    return absl::UnavailableError(failure);
  }
  HttpsGetResult out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) {
    const std::string_view v(it->value().data(), it->value().size());
    int64_t s = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
    if (ec == std::errc() && p == v.data() + v.size()) out.retry_after_s = s;
  }
  return out;
}

}  // namespace dmabot::binance_io
