// core/runner.h — maps stages to threads, pins them, and idles them politely.
//
// A Stage is a plain object with a non-blocking poll() that does a bounded batch of work (at most a
// few dozen events) and returns how many events it handled. poll() is a virtual call per batch, not
// per event. Stages never block: when an output ring is full they stop consuming input and return, so
// a consumer placed on the same thread always gets its turn (no self-deadlock when stages are fused).
//
// Runner::start() launches one thread per group; each thread loops over its stages in order. When a
// full pass does no work the idle policy backs off:
//   spin        — busy-poll (one core per thread; only for pinned, isolated cores)
//   spin_yield  — spin kSpinBeforeYield (200) empty passes, then sched_yield() (default; safe with
//                 more threads than cores, since a yielding thread hands the core to a runnable
//                 peer). 200 rather than 2000: with 6 threads on 2 cores the ring-chain test moved
//                 items ~2.7x faster, at the cost of a dedicated core yielding after ~1 us idle.
//   sleep       — spin briefly, then sleep with exponential back-off up to 200 µs
// run_fused() drives every stage on the calling thread until all are idle — the deterministic mode
// used by replay, backtest and tests.
//
// Threads: configure and start/stop from one control thread. Allocation: at configuration only.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace dmabot::core {

class Stage {
 public:
  virtual ~Stage() = default;
  // Does a bounded amount of work; returns the number of events handled (0 = idle).
  virtual int poll() = 0;
  // Called once on the stage's own thread before the first poll (allocations allowed).
  virtual void on_thread_start() {}
  // Earliest clock time at which this stage has timed work (a scheduled ack, a paced tick), or
  // kNever. A simulated-time driver jumps the clock there when every stage is idle, instead of
  // stepping through empty time.
  static constexpr int64_t kNever = INT64_MAX;
  virtual int64_t next_wakeup() const { return kNever; }
  virtual std::string_view name() const = 0;
};

enum class IdlePolicy : uint8_t { kSpin, kSpinYield, kSleep };
absl::StatusOr<IdlePolicy> parse_idle_policy(std::string_view s);
std::string_view to_string(IdlePolicy p);

// Parses PIN_CPUS: "" or "none" = no pinning; "0,1" = thread i pinned to cpu list[i % n]; ranges
// ("0-3", "0,2-3") expand in order.
absl::StatusOr<std::vector<int>> parse_cpu_list(std::string_view s);

// The CPUs the calling thread may run on (sched_getaffinity), ascending; empty if the call fails.
std::vector<int> usable_cpus();
// The calling thread's CPU set, as a list (empty: unknown); and setting it (threads created by this
// thread afterwards inherit it). False when the kernel refuses (e.g. a CPU outside the cpuset).
bool set_current_thread_cpus(const std::vector<int>& cpus);

struct ThreadGroup {
  std::string name;
  std::vector<Stage*> stages;
};

class Runner {
 public:
  Runner(IdlePolicy policy, std::vector<int> cpus) : policy_(policy), cpus_(std::move(cpus)) {}
  ~Runner() { stop(); }

  void add_group(ThreadGroup g) { groups_.push_back(std::move(g)); }
  void start();
  // Asks every thread to finish its current pass, then joins.
  void stop();
  bool running() const { return !threads_.empty(); }
  std::size_t thread_count() const { return groups_.size(); }

  // Polls stages round-robin on the caller's thread until a full pass handles nothing.
  // Returns the total number of events handled.
  static uint64_t run_fused(const std::vector<Stage*>& stages);
  // One pass over every stage; returns events handled.
  static int poll_once(const std::vector<Stage*>& stages);

 private:
  void thread_main(std::size_t index);
  IdlePolicy policy_;
  std::vector<int> cpus_;
  std::vector<ThreadGroup> groups_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
};

// Pins the calling thread to one CPU; returns false (and leaves affinity alone) if that fails.
bool pin_current_thread(int cpu);
// Names the calling thread (shown by top/perf); truncated to 15 chars.
void name_current_thread(std::string_view name);

// The idle back-off state machine, usable by any loop that polls.
class IdleBackoff {
 public:
  static constexpr uint32_t kSpinBeforeYield = 200;
  explicit IdleBackoff(IdlePolicy p) : policy_(p) {}
  void reset() { empty_passes_ = 0; }
  void idle();  // called after a pass that did no work
 private:
  IdlePolicy policy_;
  uint32_t empty_passes_ = 0;
};

}  // namespace dmabot::core
