// strategy/rolling.h — fixed-window statistics over the last N values, O(1) per push.
//
//   RollingStats   count, mean, population variance/stdev, sum
//   RollingMinMax  max and min (monotonic queues)
//
// RollingStats keeps running sums of (x - ref) and (x - ref)^2 for a reference value `ref`
// re-based to the newest value every N pushes, when the sums are also recomputed from the stored
// window. The shift avoids the cancellation of sum(x^2)/n - mean^2 for prices far from zero; the
// periodic recompute stops rounding drift from accumulating. Results are deterministic: the same
// pushes give bit-identical answers.
//
// Threads: single owner. Allocation: the window storage, in the constructor only.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace dmabot::strategy {

class RollingStats {
 public:
  explicit RollingStats(std::size_t window) : buf_(window < 1 ? 1 : window, 0.0) {}

  void push(double x) noexcept {
    if (n_ == 0 && since_rebase_ == 0) ref_ = x;
    if (n_ == buf_.size()) {
      const double old = buf_[head_] - ref_;
      sum_ -= old;
      sumsq_ -= old * old;
    } else {
      ++n_;
    }
    buf_[head_] = x;
    head_ = head_ + 1 == buf_.size() ? 0 : head_ + 1;
    const double d = x - ref_;
    sum_ += d;
    sumsq_ += d * d;
    if (++since_rebase_ >= buf_.size()) rebase(x);
  }
  void clear() noexcept { n_ = head_ = since_rebase_ = 0; sum_ = sumsq_ = ref_ = 0.0; }

  [[nodiscard]] std::size_t window() const noexcept { return buf_.size(); }
  [[nodiscard]] std::size_t count() const noexcept { return n_; }
  [[nodiscard]] bool full() const noexcept { return n_ == buf_.size(); }
  [[nodiscard]] double sum() const noexcept { return ref_ * static_cast<double>(n_) + sum_; }
  [[nodiscard]] double mean() const noexcept { return n_ == 0 ? 0.0 : ref_ + sum_ / static_cast<double>(n_); }
  // Population variance (divides by n), never negative.
  [[nodiscard]] double variance() const noexcept {
    if (n_ == 0) return 0.0;
    const double m = sum_ / static_cast<double>(n_);
    const double v = sumsq_ / static_cast<double>(n_) - m * m;
    return v > 0.0 ? v : 0.0;
  }
  [[nodiscard]] double stdev() const noexcept { return std::sqrt(variance()); }

 private:
  void rebase(double new_ref) noexcept {
    ref_ = new_ref;
    sum_ = sumsq_ = 0.0;
    // Oldest first, so the summation order (and the result) only depends on the pushes.
    std::size_t i = n_ == buf_.size() ? head_ : 0;
    for (std::size_t k = 0; k < n_; ++k) {
      const double d = buf_[i] - ref_;
      sum_ += d;
      sumsq_ += d * d;
      i = i + 1 == buf_.size() ? 0 : i + 1;
    }
    since_rebase_ = 0;
  }

  std::vector<double> buf_;
  std::size_t head_ = 0;  // next write position
  std::size_t n_ = 0;
  std::size_t since_rebase_ = 0;
  double ref_ = 0.0;
  double sum_ = 0.0;
  double sumsq_ = 0.0;
};

class RollingMinMax {
 public:
  explicit RollingMinMax(std::size_t window)
      : window_(window < 1 ? 1 : window), maxq_(window_), minq_(window_) {}

  void push(double x) noexcept {
    const uint64_t seq = pushed_++;
    maxq_.evict_older_than(seq, window_);
    minq_.evict_older_than(seq, window_);
    while (!maxq_.empty() && maxq_.back().v <= x) maxq_.pop_back();
    while (!minq_.empty() && minq_.back().v >= x) minq_.pop_back();
    maxq_.push_back({seq, x});
    minq_.push_back({seq, x});
  }

  [[nodiscard]] std::size_t window() const noexcept { return window_; }
  [[nodiscard]] bool full() const noexcept { return pushed_ >= window_; }
  [[nodiscard]] std::size_t count() const noexcept { return pushed_ < window_ ? static_cast<std::size_t>(pushed_) : window_; }
  // Precondition: count() > 0.
  [[nodiscard]] double max() const noexcept { return maxq_.front().v; }
  [[nodiscard]] double min() const noexcept { return minq_.front().v; }

 private:
  struct Item {
    uint64_t seq;
    double v;
  };
  // Ring-buffer deque of at most `cap` items (a window never holds more).
  class Deque {
   public:
    explicit Deque(std::size_t cap) : items_(cap) {}
    bool empty() const noexcept { return size_ == 0; }
    const Item& front() const noexcept { return items_[head_]; }
    const Item& back() const noexcept { return items_[(head_ + size_ - 1) % items_.size()]; }
    void pop_back() noexcept { --size_; }
    void push_back(Item it) noexcept { items_[(head_ + size_++) % items_.size()] = it; }
    // Drops items that leave the window when item `seq` enters.
    void evict_older_than(uint64_t seq, std::size_t window) noexcept {
      while (size_ != 0 && items_[head_].seq + window <= seq) {
        head_ = head_ + 1 == items_.size() ? 0 : head_ + 1;
        --size_;
      }
    }

   private:
    std::vector<Item> items_;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
  };

  std::size_t window_;
  uint64_t pushed_ = 0;
  Deque maxq_;
  Deque minq_;
};

}  // namespace dmabot::strategy
