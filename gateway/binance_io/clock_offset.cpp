#include "gateway/binance_io/clock_offset.h"

#include <string>

#include "core/clock.h"
#include "gateway/binance/response_decoder.h"
#include "gateway/binance_io/rest_client.h"

namespace dmabot::binance_io {

int64_t ClockOffset::server_ms_at(int64_t local_wall_ns) const noexcept {
  const int64_t t = local_wall_ns + offset_ns_.load(std::memory_order_relaxed);
  return t >= 0 ? t / 1'000'000 : -((-t + 999'999) / 1'000'000);
}
int64_t ClockOffset::now_server_ms() const noexcept { return server_ms_at(core::wall_clock_ns()); }

bool ClockOffset::needs_sync(int64_t local_wall_ns) const noexcept {
  if (stale_.load(std::memory_order_relaxed)) return true;
  return local_wall_ns - synced_at_ns_.load(std::memory_order_relaxed) >= opt_.refresh_ms * 1'000'000;
}

void ClockOffset::add(Round& round, int64_t send_wall_ns, int64_t recv_wall_ns, int64_t server_time_ms) noexcept {
  const int64_t rtt = recv_wall_ns - send_wall_ns;
  if (rtt < 0) return;  // the wall clock stepped back during the trip: the sample means nothing
  if (round.best_rtt_ns >= 0 && rtt >= round.best_rtt_ns) return;
  round.best_rtt_ns = rtt;
  // serverTime is truncated to the ms: its true value is on average half a ms later.
  const int64_t server_ns = server_time_ms * 1'000'000 + 500'000;
  round.offset_ns = server_ns - (send_wall_ns + rtt / 2);
}

bool ClockOffset::publish(const Round& round, int64_t local_wall_ns) noexcept {
  if (round.best_rtt_ns < 0) return false;
  offset_ns_.store(round.offset_ns, std::memory_order_relaxed);
  rtt_ns_.store(round.best_rtt_ns, std::memory_order_relaxed);
  synced_at_ns_.store(local_wall_ns, std::memory_order_relaxed);
  stale_.store(false, std::memory_order_relaxed);
  rounds_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

absl::Status ClockOffset::sync(RestClient& client, const binance::RestTarget& time_endpoint,
                               std::chrono::milliseconds timeout) {
  Round round;
  binance::ResponseDecoder decoder;
  std::string last_error = "no request sent";
  RestRequest req;
  for (int i = 0; i < std::max(1, opt_.samples); ++i) {
    if (!req.set(++tag_, time_endpoint, {})) return absl::InvalidArgumentError("clock: bad time endpoint");
    req.timeout_ms = static_cast<int32_t>(timeout.count());
    if (!client.submit(req)) return absl::ResourceExhaustedError("clock: request ring full");
    const RestResponse* r = nullptr;
    while (r == nullptr) {
      // The client answers every request (a response, a timeout, or a failure) within its timeout;
      // the extra second only guards against a stopped client.
      if (!client.wait_response(timeout + std::chrono::seconds(1)))
        return absl::DeadlineExceededError("clock: no answer from the REST client");
      r = client.front();
      if (r->tag != tag_) {  // an answer to an earlier round's abandoned request
        client.pop();
        r = nullptr;
      }
    }
    if (r->outcome != Outcome::kResponse) {
      last_error = std::string(to_string(r->outcome)) + ": " + std::string(r->error.view());
    } else if (r->status != 200) {
      last_error = "HTTP " + std::to_string(r->status);
    } else {
      int64_t server_ms = 0;
      const binance::DecodeResult d = decoder.decode_server_time(r->body_view(), server_ms);
      if (d.ok())
        add(round, r->sent_wall_ns, r->done_wall_ns, server_ms);
      else
        last_error = "bad time response: " + binance::describe(d);
    }
    client.pop();
  }
  if (!publish(round, core::wall_clock_ns())) return absl::UnavailableError("clock: no sample (" + last_error + ")");
  return absl::OkStatus();
}

}  // namespace dmabot::binance_io
