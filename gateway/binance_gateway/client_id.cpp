#include "gateway/binance_gateway/client_id.h"

#include <cstring>

namespace dmabot::binance_gateway {
namespace {

constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuv";
constexpr std::string_view kPrefix = "dm";

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'v') return c - 'a' + 10;
  return -1;
}

}  // namespace

ClientIdCodec::ClientIdCodec(uint64_t run_id) {
  for (std::size_t i = 0; i < kRunIdChars; ++i) {
    run_[kRunIdChars - 1 - i] = kDigits[run_id & 31];
    run_id >>= 5;
  }
}

std::size_t ClientIdCodec::encode(uint64_t engine_id, char (&out)[kClientIdTextMax]) const noexcept {
  std::memcpy(out, kPrefix.data(), kPrefix.size());
  std::memcpy(out + kPrefix.size(), run_.data(), kRunIdChars);
  std::size_t n = kPrefix.size() + kRunIdChars;
  out[n++] = '-';
  char tmp[13];
  std::size_t k = 0;
  do {
    tmp[k++] = kDigits[engine_id & 31];
    engine_id >>= 5;
  } while (engine_id != 0);
  while (k > 0) out[n++] = tmp[--k];
  return n;
}

ClientIdCodec::Origin ClientIdCodec::decode(std::string_view text, uint64_t& engine_id) const noexcept {
  constexpr std::size_t kHead = 2 + kRunIdChars + 1;
  if (text.size() <= kHead || text.size() > kHead + 13 || text.substr(0, 2) != kPrefix || text[kHead - 1] != '-')
    return Origin::kNotOurs;
  for (std::size_t i = 2; i < kHead - 1; ++i) {
    if (digit_value(text[i]) < 0) return Origin::kNotOurs;
  }
  uint64_t v = 0;
  const std::string_view digits = text.substr(kHead);
  if (digits.size() == 13 && digit_value(digits[0]) > 15) return Origin::kNotOurs;  // > 64 bits
  for (char c : digits) {
    const int d = digit_value(c);
    if (d < 0) return Origin::kNotOurs;
    v = (v << 5) | static_cast<uint64_t>(d);
  }
  engine_id = v;
  return text.substr(2, kRunIdChars) == run_text() ? Origin::kOurs : Origin::kForeignRun;
}

}  // namespace dmabot::binance_gateway
