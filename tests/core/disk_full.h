// tests/core/disk_full.h — a disk that fills up part-way through a write, for recorder tests:
// RLIMIT_FSIZE makes write() store what fits under the limit and then fail with EFBIG (SIGXFSZ is
// ignored meanwhile). The limit holds from construction until lift() or destruction.
#pragma once

#include <sys/resource.h>

#include <csignal>

namespace dmabot::core::test_support {

class DiskFull {
 public:
  explicit DiskFull(rlim_t bytes) {
    if (::getrlimit(RLIMIT_FSIZE, &old_) != 0) return;
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old_;
    small.rlim_cur = bytes;
    active_ = ::setrlimit(RLIMIT_FSIZE, &small) == 0;
  }
  ~DiskFull() { lift(); }
  DiskFull(const DiskFull&) = delete;
  DiskFull& operator=(const DiskFull&) = delete;

  // False when the limit could not be set (the test should fail: nothing would be exercised).
  [[nodiscard]] bool active() const { return active_; }
  // Space comes back.
  void lift() {
    if (!active_) return;
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
    active_ = false;
  }

 private:
  struct rlimit old_ {};
  void (*old_handler_)(int) = SIG_DFL;
  bool active_ = false;
};

}  // namespace dmabot::core::test_support
