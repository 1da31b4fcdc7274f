// Tests for core/runner.h: idle-policy and CPU-list parsing, the fused single-thread driver, and the
// threaded Runner with more threads than cores (this machine has 2) under each idle policy. Stages
// are toy relays over capacity-2 rings, so back-pressure happens on almost every event.
#include "core/runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/spsc_ring.h"
#include "core/strings.h"

namespace dmabot::core {
namespace {

using Ring = SpscRing<uint64_t>;
constexpr int kBatch = 64;  // the house limit on events per poll()

// Sanitizers slow every ring operation several-fold; the threaded tests move fewer items there.
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr uint64_t kThreadedDivisor = 5;
#else
constexpr uint64_t kThreadedDivisor = 1;
#endif

// Emits 0..n-1, only as fast as the output ring accepts them.
class Source final : public Stage {
 public:
  Source(Ring& out, uint64_t n) : out_(out), n_(n) {}
  int poll() override {
    int k = 0;
    while (k < kBatch && next_ < n_ && out_.try_push(next_)) {
      ++next_;
      ++k;
    }
    return k;
  }
  std::string_view name() const override { return "source"; }

 private:
  Ring& out_;
  uint64_t n_;
  uint64_t next_ = 0;
};

// Moves events from in to out, consuming one only when out has room (never drops, never blocks).
class Relay final : public Stage {
 public:
  Relay(Ring& in, Ring& out) : in_(in), out_(out) {}
  int poll() override {
    int k = 0;
    while (k < kBatch && out_.can_push()) {
      const uint64_t* v = in_.front();
      if (v == nullptr) break;
      const bool pushed = out_.try_push(*v);
      if (!pushed) break;  // cannot happen after can_push() on the producer thread
      in_.pop();
      ++k;
    }
    return k;
  }
  void on_thread_start() override { start_thread_ = std::this_thread::get_id(); }
  std::string_view name() const override { return "relay"; }
  std::thread::id start_thread() const { return start_thread_; }

 private:
  Ring& in_;
  Ring& out_;
  std::thread::id start_thread_;
};

// Checks order and count; wakes the test thread once when everything has arrived.
class Sink final : public Stage {
 public:
  Sink(Ring& in, uint64_t n) : in_(in), n_(n) {}
  int poll() override {
    int k = 0;
    while (k < kBatch) {
      const uint64_t* v = in_.front();
      if (v == nullptr) break;
      if (*v != expected_) out_of_order_.store(out_of_order_.load() + 1);
      ++expected_;
      in_.pop();
      ++k;
    }
    if (k > 0) {
      received_.store(expected_, std::memory_order_release);
      if (expected_ == n_) {
        std::lock_guard<std::mutex> lock(mu_);
        done_ = true;
        cv_.notify_all();
      }
    }
    return k;
  }
  std::string_view name() const override { return "sink"; }

  // Waits for completion; the timeout only turns a hang into a failure, it is not a sleep.
  bool wait_done(std::chrono::seconds guard) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, guard, [&] { return done_; });
  }
  uint64_t received() const { return received_.load(std::memory_order_acquire); }
  uint64_t out_of_order() const { return out_of_order_.load(); }

 private:
  Ring& in_;
  uint64_t n_;
  uint64_t expected_ = 0;
  std::atomic<uint64_t> received_{0};
  std::atomic<uint64_t> out_of_order_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

// source -> relay x (stages-2) -> sink, connected by capacity-2 rings.
struct Chain {
  Chain(int stages, uint64_t n) {
    for (int i = 0; i < stages - 1; ++i) rings.push_back(std::make_unique<Ring>(2));
    source = std::make_unique<Source>(*rings.front(), n);
    for (int i = 0; i + 2 < stages; ++i) relays.push_back(std::make_unique<Relay>(*rings[i], *rings[i + 1]));
    sink = std::make_unique<Sink>(*rings.back(), n);
  }
  std::vector<Stage*> all() {
    std::vector<Stage*> v{source.get()};
    for (auto& r : relays) v.push_back(r.get());
    v.push_back(sink.get());
    return v;
  }
  std::vector<std::unique_ptr<Ring>> rings;
  std::unique_ptr<Source> source;
  std::vector<std::unique_ptr<Relay>> relays;
  std::unique_ptr<Sink> sink;
};

// ---- parsing --------------------------------------------------------------------------------

TEST(RunnerParse, IdlePolicy) {
  EXPECT_EQ(*parse_idle_policy("spin"), IdlePolicy::kSpin);
  EXPECT_EQ(*parse_idle_policy("spin_yield"), IdlePolicy::kSpinYield);
  EXPECT_EQ(*parse_idle_policy("sleep"), IdlePolicy::kSleep);
  for (const char* bad : {"", "Spin", "yield", "spin ", "busy"}) {
    auto p = parse_idle_policy(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(std::string(p.status().message()).find("spin_yield"), std::string::npos);  // lists the choices
  }
  for (IdlePolicy p : {IdlePolicy::kSpin, IdlePolicy::kSpinYield, IdlePolicy::kSleep}) {
    EXPECT_EQ(*parse_idle_policy(to_string(p)), p);  // round trip
  }
}

TEST(RunnerParse, CpuList) {
  EXPECT_TRUE(parse_cpu_list("")->empty());
  EXPECT_TRUE(parse_cpu_list("none")->empty());
  EXPECT_EQ(*parse_cpu_list("0"), std::vector<int>{0});
  EXPECT_EQ(*parse_cpu_list("0,0,0"), (std::vector<int>{0, 0, 0}));
  const int ncpu = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int last = ncpu - 1;
  EXPECT_EQ(*parse_cpu_list(str_cat(last, ",0")), (std::vector<int>{last, 0}));
  auto beyond = parse_cpu_list(str_cat("0,", ncpu));
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(std::string(beyond.status().message()),
            str_cat("CPU ", ncpu, " does not exist (this machine has ", ncpu, ")"));
  for (const char* bad : {"a", "0,", ",0", "0,,1", "-1", " 0", "0 ", "1.5", "+1", "99999999999999999999", "None"}) {
    EXPECT_FALSE(parse_cpu_list(bad).ok()) << "'" << bad << "'";
  }
  // Ranges (the key table documents "0-3").
  EXPECT_EQ(*parse_cpu_list("0-0"), std::vector<int>{0});
  std::vector<int> all;
  for (int c = 0; c < ncpu; ++c) all.push_back(c);
  EXPECT_EQ(*parse_cpu_list(str_cat("0-", last)), all);
  EXPECT_EQ(*parse_cpu_list(str_cat(last, ",0-0")), (std::vector<int>{last, 0}));
  for (const char* bad : {"0-", "-", "0-a", "0--1", "0-1-2"}) {
    EXPECT_FALSE(parse_cpu_list(bad).ok()) << "'" << bad << "'";
  }
  if (ncpu >= 2) {
    auto backwards = parse_cpu_list("1-0");
    ASSERT_FALSE(backwards.ok());
    EXPECT_EQ(std::string(backwards.status().message()), "'1-0' is an empty CPU range");
  }
  EXPECT_FALSE(parse_cpu_list(str_cat("0-", ncpu)).ok());
}

TEST(RunnerAffinity, UsableCpusRoundTripThroughSetCurrentThreadCpus) {
  const std::vector<int> before = usable_cpus();
  ASSERT_FALSE(before.empty());
  EXPECT_TRUE(std::is_sorted(before.begin(), before.end()));
  std::thread t([&] {
    // A thread of its own, so the test's main thread keeps its mask whatever happens here.
    ASSERT_TRUE(set_current_thread_cpus({before.back()}));
    EXPECT_EQ(usable_cpus(), std::vector<int>{before.back()});
    ASSERT_TRUE(set_current_thread_cpus(before));
    EXPECT_EQ(usable_cpus(), before);
    EXPECT_FALSE(set_current_thread_cpus({}));
    EXPECT_FALSE(set_current_thread_cpus({-1}));
  });
  t.join();
  EXPECT_EQ(usable_cpus(), before);
}

// ---- fused ----------------------------------------------------------------------------------

TEST(RunFused, ChainOfTinyRingsDeliversEverythingInOrder) {
  constexpr uint64_t kN = 10'000;
  Chain chain(5, kN);  // source, 3 relays, sink
  const uint64_t handled = Runner::run_fused(chain.all());
  EXPECT_EQ(chain.sink->received(), kN);
  EXPECT_EQ(chain.sink->out_of_order(), 0u);
  // Every stage handles every item once: 5 stages * 10000 items.
  EXPECT_EQ(handled, 5 * kN);
  EXPECT_EQ(Runner::poll_once(chain.all()), 0);  // all idle afterwards
}

TEST(RunFused, ReverseStageOrderStillCompletes) {
  // Consumers polled before producers: each pass moves items at most one hop, but nothing stalls.
  constexpr uint64_t kN = 1'000;
  Chain chain(4, kN);
  std::vector<Stage*> stages = chain.all();
  std::reverse(stages.begin(), stages.end());
  EXPECT_EQ(Runner::run_fused(stages), 4 * kN);
  EXPECT_EQ(chain.sink->received(), kN);
  EXPECT_EQ(chain.sink->out_of_order(), 0u);
}

TEST(RunFused, EmptyStageListReturnsZero) { EXPECT_EQ(Runner::run_fused({}), 0u); }

// ---- threaded -------------------------------------------------------------------------------

// One thread per stage: with 6 threads on a 2-core machine, completion proves the idle policy
// hands the core to runnable peers instead of livelocking.
void run_threaded(IdlePolicy policy, std::vector<int> cpus, uint64_t items) {
  const uint64_t n = items / kThreadedDivisor;
  Chain chain(6, n);
  Runner runner(policy, std::move(cpus));
  int i = 0;
  for (Stage* s : chain.all()) runner.add_group(ThreadGroup{str_cat("t", i++), {s}});
  ASSERT_EQ(runner.thread_count(), 6u);
  EXPECT_FALSE(runner.running());
  runner.start();
  EXPECT_TRUE(runner.running());
  const bool done = chain.sink->wait_done(std::chrono::seconds(120));
  runner.stop();
  EXPECT_FALSE(runner.running());
  ASSERT_TRUE(done) << "only " << chain.sink->received() << " of " << n << " items arrived";
  EXPECT_EQ(chain.sink->received(), n);
  EXPECT_EQ(chain.sink->out_of_order(), 0u);
  // on_thread_start ran on the stage's own thread, not the caller's.
  for (auto& r : chain.relays) {
    EXPECT_NE(r->start_thread(), std::thread::id());
    EXPECT_NE(r->start_thread(), std::this_thread::get_id());
  }
}

TEST(RunnerThreads, SixThreadsSpinYield) { run_threaded(IdlePolicy::kSpinYield, {}, 10'000); }

TEST(RunnerThreads, SixThreadsSleep) { run_threaded(IdlePolicy::kSleep, {}, 20'000); }

TEST(RunnerThreads, SixThreadsPinnedToOneCpu) {
  // The harshest case: every thread on cpu 0, so progress relies entirely on yielding.
  run_threaded(IdlePolicy::kSpinYield, {0}, 5'000);
}

TEST(RunnerThreads, GroupsRunTheirStagesFusedOnOneThread) {
  // Two groups of three stages: each thread drives a fused sub-chain.
  constexpr uint64_t kN = 20'000 / kThreadedDivisor;
  Chain chain(6, kN);
  std::vector<Stage*> all = chain.all();
  Runner runner(IdlePolicy::kSpinYield, {});
  runner.add_group(ThreadGroup{"front", {all[0], all[1], all[2]}});
  runner.add_group(ThreadGroup{"back", {all[3], all[4], all[5]}});
  runner.start();
  const bool done = chain.sink->wait_done(std::chrono::seconds(120));
  runner.stop();
  ASSERT_TRUE(done) << chain.sink->received();
  EXPECT_EQ(chain.sink->out_of_order(), 0u);
}

TEST(RunnerThreads, StopWithoutStartAndRestart) {
  Runner idle(IdlePolicy::kSleep, {});
  idle.stop();  // harmless
  EXPECT_FALSE(idle.running());

  constexpr uint64_t kN = 5'000;
  Chain chain(3, kN);
  Runner runner(IdlePolicy::kSleep, {});
  for (Stage* s : chain.all()) runner.add_group(ThreadGroup{std::string(s->name()), {s}});
  runner.start();
  runner.start();  // second start is a no-op, not a second set of threads
  runner.stop();
  runner.start();  // restart after stop resumes where the stages left off
  ASSERT_TRUE(chain.sink->wait_done(std::chrono::seconds(120))) << chain.sink->received();
  runner.stop();
  EXPECT_EQ(chain.sink->received(), kN);
  EXPECT_EQ(chain.sink->out_of_order(), 0u);
}

}  // namespace
}  // namespace dmabot::core
