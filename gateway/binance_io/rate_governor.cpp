#include "gateway/binance_io/rate_governor.h"

#include <algorithm>
#include <cmath>

namespace dmabot::binance_io {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool parse_int(std::string_view s, int64_t& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

// "1m" → {1, kMinute}; "10s", "1d", "1h".
bool parse_suffix(std::string_view s, int32_t& num, RateLimitInterval& interval) {
  if (s.size() < 2) return false;
  const char unit = s.back();
  int64_t n = 0;
  if (!parse_int(s.substr(0, s.size() - 1), n) || n <= 0 || n > 1'000'000) return false;
  switch (unit) {
    case 's':
    case 'S':
      interval = RateLimitInterval::kSecond;
      break;
    case 'm':
    case 'M':
      interval = RateLimitInterval::kMinute;
      break;
    case 'h':
    case 'H':
      interval = RateLimitInterval::kHour;
      break;
    case 'd':
    case 'D':
      interval = RateLimitInterval::kDay;
      break;
    default:
      return false;
  }
  num = static_cast<int32_t>(n);
  return true;
}

}  // namespace

int64_t interval_ms(RateLimitInterval interval, int32_t num) {
  int64_t unit = 60'000;
  switch (interval) {
    case RateLimitInterval::kSecond:
      unit = 1000;
      break;
    case RateLimitInterval::kMinute:
      unit = 60'000;
      break;
    case RateLimitInterval::kHour:
      unit = 3'600'000;
      break;
    case RateLimitInterval::kDay:
      unit = 86'400'000;
      break;
  }
  return unit * std::max<int32_t>(1, num);
}

bool parse_usage_header(std::string_view name, std::string_view value, UsageHeaders& out) {
  if (iequals(name, "retry-after")) {
    int64_t v = 0;
    if (!parse_int(value, v)) return false;
    out.retry_after_s = v;
    return true;
  }
  constexpr std::string_view kWeight = "x-mbx-used-weight-";
  constexpr std::string_view kOrders = "x-mbx-order-count-";
  RateLimitType type;
  std::string_view rest;
  if (name.size() > kWeight.size() && iequals(name.substr(0, kWeight.size()), kWeight)) {
    type = RateLimitType::kRequestWeight;
    rest = name.substr(kWeight.size());
  } else if (name.size() > kOrders.size() && iequals(name.substr(0, kOrders.size()), kOrders)) {
    type = RateLimitType::kOrders;
    rest = name.substr(kOrders.size());
  } else {
    return false;
  }
  UsageCount c;
  c.type = type;
  if (!parse_suffix(rest, c.interval_num, c.interval) || !parse_int(value, c.count)) return false;
  if (out.n >= UsageHeaders::kMax) return false;
  out.counts[out.n++] = c;
  return true;
}

void RateGovernor::set_limits(std::span<const RateLimit> limits) {
  n_ = 0;
  for (const RateLimit& l : limits) {
    if (n_ == kMaxLimits) break;
    Window& w = w_[n_++];
    w = Window{};
    w.limit = l;
    w.len_ms = interval_ms(l.interval, l.interval_num);
    w.budget = static_cast<int64_t>(std::floor(static_cast<double>(l.limit) * opt_.headroom));
  }
}

void RateGovernor::roll(Window& w, int64_t now_ms) {
  const int64_t start = now_ms - (now_ms % w.len_ms);
  if (start != w.start_ms) {
    // A count from a later window (a header seen with a clock ahead) is kept until its window ends.
    if (start > w.start_ms) w.count = 0;
    w.start_ms = std::max(w.start_ms, start);
  }
}

RateGovernor::Verdict RateGovernor::check(int64_t weight, bool order, int64_t now_ms) {
  if (now_ms < blocked_until_ms_) return {false, blocked_until_ms_, Reason::kRetryAfter};
  Verdict v{true, 0, Reason::kOk};
  for (std::size_t i = 0; i < n_; ++i) {
    Window& w = w_[i];
    int64_t add = 0;
    Reason why = Reason::kWeight;
    if (w.limit.type == RateLimitType::kRequestWeight) {
      add = weight;
    } else if (w.limit.type == RateLimitType::kOrders && order) {
      add = 1;
      why = Reason::kOrders;
    } else {
      continue;
    }
    roll(w, now_ms);
    if (w.count + add <= w.budget) continue;
    const int64_t until = w.start_ms + w.len_ms;
    if (add > w.budget) why = Reason::kTooLarge;
    if (v.allowed || until > v.wait_until_ms) v = {false, until, why};
  }
  return v;
}

void RateGovernor::add(int64_t weight, bool order, int64_t now_ms) {
  for (std::size_t i = 0; i < n_; ++i) {
    Window& w = w_[i];
    roll(w, now_ms);
    if (w.limit.type == RateLimitType::kRequestWeight)
      w.count += weight;
    else if (w.limit.type == RateLimitType::kOrders && order)
      w.count += 1;
  }
}

RateGovernor::Verdict RateGovernor::check_request(int64_t weight, int64_t now_ms) {
  return check(weight, false, now_ms);
}
RateGovernor::Verdict RateGovernor::check_order(int64_t weight, int64_t now_ms) { return check(weight, true, now_ms); }
void RateGovernor::on_request_sent(int64_t weight, int64_t now_ms) { add(weight, false, now_ms); }
void RateGovernor::on_order_sent(int64_t weight, int64_t now_ms) { add(weight, true, now_ms); }

RateGovernor::Verdict RateGovernor::try_request(int64_t weight, int64_t now_ms) {
  const Verdict v = check(weight, false, now_ms);
  if (v.allowed) add(weight, false, now_ms);
  return v;
}
RateGovernor::Verdict RateGovernor::try_order(int64_t weight, int64_t now_ms) {
  const Verdict v = check(weight, true, now_ms);
  if (v.allowed) add(weight, true, now_ms);
  return v;
}

void RateGovernor::raise(RateLimitType type, RateLimitInterval interval, int32_t num, int64_t count, int64_t now_ms) {
  for (std::size_t i = 0; i < n_; ++i) {
    Window& w = w_[i];
    if (w.limit.type != type || w.limit.interval != interval || w.limit.interval_num != num) continue;
    roll(w, now_ms);
    w.count = std::max(w.count, count);
  }
}

void RateGovernor::on_response(int http_status, const UsageHeaders& usage, int64_t now_ms) {
  for (const UsageCount& c : usage.view()) raise(c.type, c.interval, c.interval_num, c.count, now_ms);
  if (http_status == 429 || http_status == 418) {
    int64_t until;
    if (usage.retry_after_s >= 0) {
      until = now_ms + usage.retry_after_s * 1000;
    } else if (http_status == 429) {
      until = now_ms - (now_ms % 60'000) + 60'000;
    } else {
      until = now_ms + opt_.ban_without_retry_after_ms;
    }
    blocked_until_ms_ = std::max(blocked_until_ms_, until);
  }
}

void RateGovernor::on_ws_rate_limits(std::span<const binance::RateLimitStatus> limits, int64_t now_ms) {
  for (const binance::RateLimitStatus& s : limits) {
    RateLimitType type;
    RateLimitInterval interval;
    if (!binance::parse_rate_limit_type(s.rate_limit_type.view(), type)) continue;
    if (!binance::parse_rate_limit_interval(s.interval.view(), interval)) continue;
    raise(type, interval, s.interval_num, s.count, now_ms);
  }
}

int64_t RateGovernor::count(RateLimitType type, RateLimitInterval interval, int32_t num, int64_t now_ms) {
  for (std::size_t i = 0; i < n_; ++i) {
    Window& w = w_[i];
    if (w.limit.type != type || w.limit.interval != interval || w.limit.interval_num != num) continue;
    roll(w, now_ms);
    return w.count;
  }
  return -1;
}

}  // namespace dmabot::binance_io
