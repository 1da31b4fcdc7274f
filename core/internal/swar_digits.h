// core/internal/swar_digits.h — ASCII digits (and string bytes) 8 at a time ("SWAR": SIMD within a
// register), for the hand-written parsers of the read path: the recorded-event JSONL fast path
// (core/event_codec.cpp), the Binance bookTicker fast path and the capture-line splitter (feed/).
//
// A digit-by-digit loop is one multiply-add chain per digit (~3 cycles each, and nothing else can
// overlap it); a bookTicker or md line holds ~90-100 digits, so that chain was most of the cost of
// reading one. These helpers find the end of a digit run and convert up to 8 digits with a few
// independent multiplies. Little-endian only (x86-64, aarch64), checked below.
//
// Every function that takes a pointer reads exactly 8 bytes there: the caller guarantees they are
// readable. Threads: pure. Allocation: none.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace dmabot::core::internal {

static_assert(std::endian::native == std::endian::little, "swar_digits.h assumes a little-endian target");

// The first character is the lowest byte of the word.
[[gnu::always_inline]] inline uint64_t load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
// How many of the 8 bytes at p are digits before the first non-digit (0..8). Bytes past that one
// may be anything: the borrows and carries below only travel upward, away from the digits before it.
[[gnu::always_inline]] inline unsigned digit_run8(const char* p) {
  const uint64_t x = load8(p) - 0x3030303030303030ULL;
  const uint64_t non_digit = (x | (x + 0x7676767676767676ULL)) & 0x8080808080808080ULL;
  return non_digit == 0 ? 8 : static_cast<unsigned>(std::countr_zero(non_digit)) / 8;
}
// The value of 8 digit values (bytes 0..9, first = most significant).
[[gnu::always_inline]] inline uint64_t value8(uint64_t x) {
  x = x * 10 + (x >> 8);
  return (((x & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
          (((x >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
         32;
}
// The first k (1..8) digits at p as a number; 8 bytes at p readable, the first k are digits.
[[gnu::always_inline]] inline uint64_t value_front(const char* p, unsigned k) {
  return value8((load8(p) - 0x3030303030303030ULL) << (8 * (8 - k)));
}
// The first k (0..8) digits at p followed by 8-k zeros (a fraction scaled to 8 decimals).
[[gnu::always_inline]] inline uint64_t value_padded(const char* p, unsigned k) {
  const uint64_t keep = k == 8 ? ~0ULL : (1ULL << (8 * k)) - 1;
  return value8((load8(p) - 0x3030303030303030ULL) & keep);
}

// Byte masks for string scanning: bit 7 of a byte is set where the byte matches. Exact for the
// lowest matching byte (borrows only travel upward), which is the only one the callers use.
[[gnu::always_inline]] inline uint64_t bytes_equal(uint64_t x, unsigned char c) {
  const uint64_t v = x ^ (0x0101010101010101ULL * c);
  return (v - 0x0101010101010101ULL) & ~v & 0x8080808080808080ULL;
}
[[gnu::always_inline]] inline uint64_t bytes_below(uint64_t x, unsigned char n) {  // n <= 128
  return (x - 0x0101010101010101ULL * n) & ~x & 0x8080808080808080ULL;
}
// Index (0..7) of the lowest flagged byte of a nonzero mask.
[[gnu::always_inline]] inline unsigned first_byte(uint64_t mask) {
  return static_cast<unsigned>(std::countr_zero(mask)) / 8;
}

}  // namespace dmabot::core::internal
