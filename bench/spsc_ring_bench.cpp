// SPSC ring benchmarks: core::SpscRing against boost::lockfree::spsc_queue and
// moodycamel::ConcurrentQueue (multi-producer; a reference point, not a like-for-like rival), all in
// one binary so they share the machine's state. Elements are 64-byte events, as on the buses.
//
//   spsc_2thread/<impl>    producer and consumer threads (pinned to cpus 0 and 1 when the machine
//                          has two), one event per iteration each; the figure is items per second
//                          of the pair, reported by the consumer.
//   spsc_roundtrip/<impl>  one thread: push one event then pop it; the uncontended cost of a pair
//                          of operations including the cache traffic of a single core.
//   spsc_pingpong/<impl>   two pinned threads, an event there through one queue and back through
//                          another; baseline: raw_cache_line, the same round trip on two bare cache
//                          lines (the floor). moodycamel::ReaderWriterQueue joins when its header is
//                          installed (libreaderwriterqueue-dev; `make bench` installs it).
//
// The first benchmark of each group is the baseline that run_benchmarks.sh divides by.
#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>

#include <boost/lockfree/spsc_queue.hpp>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <utility>

#if __has_include(<concurrentqueue/moodycamel/concurrentqueue.h>)
#include <concurrentqueue/moodycamel/concurrentqueue.h>
#else
#include <concurrentqueue/concurrentqueue.h>
#endif

#if __has_include(<readerwriterqueue/readerwriterqueue.h>)
#include <readerwriterqueue/readerwriterqueue.h>
#define DMABOT_HAVE_RWQ 1
#endif

#include <atomic>

#include "core/spsc_ring.h"

namespace {

struct Event64 {
  uint64_t seq;
  uint64_t payload[7];
};
static_assert(sizeof(Event64) == 64 && std::is_trivially_copyable_v<Event64>);

constexpr std::size_t kCapacity = 4096;

// Pins the calling thread for one run and restores its previous affinity afterwards: thread 0 of
// a Google Benchmark run is the main thread, which later benchmarks reuse.
class ScopedPin {
 public:
  explicit ScopedPin(int cpu) {
    if (std::thread::hardware_concurrency() < 2) return;
    if (pthread_getaffinity_np(pthread_self(), sizeof(saved_), &saved_) != 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pinned_ = pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
  }
  ~ScopedPin() {
    if (pinned_) pthread_setaffinity_np(pthread_self(), sizeof(saved_), &saved_);
  }
  ScopedPin(const ScopedPin&) = delete;
  ScopedPin& operator=(const ScopedPin&) = delete;

 private:
  cpu_set_t saved_{};
  bool pinned_ = false;
};

// Adapters: each gives push (spins until accepted) and pop (spins until an event arrives), so the
// benchmark loop is the same for every queue. Tokens are per thread for moodycamel.
struct DmabotRing {
  dmabot::core::SpscRing<Event64> q{kCapacity};
  struct Producer {
    DmabotRing& r;
    void push(const Event64& e) {
      while (!r.q.try_push(e)) {
      }
    }
  };
  struct Consumer {
    DmabotRing& r;
    uint64_t pop() {
      const Event64* e;
      while ((e = r.q.front()) == nullptr) {
      }
      const uint64_t s = e->seq;
      r.q.pop();
      return s;
    }
  };
};

struct BoostRing {
  boost::lockfree::spsc_queue<Event64, boost::lockfree::capacity<kCapacity>> q;
  struct Producer {
    BoostRing& r;
    void push(const Event64& e) {
      while (!r.q.push(e)) {
      }
    }
  };
  struct Consumer {
    BoostRing& r;
    uint64_t pop() {
      Event64 e;
      while (!r.q.pop(e)) {
      }
      return e.seq;
    }
  };
};

struct MoodycamelQueue {
  // One explicit producer, no implicit ones; capacity pre-allocated so try_enqueue never allocates.
  moodycamel::ConcurrentQueue<Event64> q{kCapacity, 1, 0};
  struct Producer {
    MoodycamelQueue& r;
    moodycamel::ProducerToken tok{r.q};
    void push(const Event64& e) {
      while (!r.q.try_enqueue(tok, e)) {
      }
    }
  };
  struct Consumer {
    MoodycamelQueue& r;
    moodycamel::ConsumerToken tok{r.q};
    uint64_t pop() {
      Event64 e;
      while (!r.q.try_dequeue(tok, e)) {
      }
      return e.seq;
    }
  };
};

#ifdef DMABOT_HAVE_RWQ
// moodycamel::ReaderWriterQueue, the single-producer single-consumer one; consumed with peek()/pop()
// (front/pop, as the engine consumes its rings), capacity pre-allocated so try_enqueue never allocates.
struct MoodycamelRwq {
  moodycamel::ReaderWriterQueue<Event64> q{kCapacity};
  struct Producer {
    MoodycamelRwq& r;
    void push(const Event64& e) {
      while (!r.q.try_enqueue(e)) {
      }
    }
  };
  struct Consumer {
    MoodycamelRwq& r;
    uint64_t pop() {
      const Event64* e;
      while ((e = r.q.peek()) == nullptr) {
      }
      const uint64_t s = e->seq;
      r.q.pop();
      return s;
    }
  };
};
#endif

// The floor of any cross-thread round trip: one cache line each way, no queue. ping is written by
// thread 0, pong by thread 1, each on its own line.
struct RawPingPong {
  alignas(64) std::atomic<uint64_t> ping{0};
  alignas(64) std::atomic<uint64_t> pong{0};
};

// One queue per implementation for the whole process: both benchmark threads must see the same
// object, and every run leaves it empty (producer and consumer do the same number of iterations).
template <class Q>
Q& shared_queue() {
  static auto* q = new Q();
  return *q;
}

template <class Q>
void BM_TwoThread(benchmark::State& state) {
  Q& queue = shared_queue<Q>();
  if (state.thread_index() == 0) {
    // Consumer on the main thread, cpu 0.
    ScopedPin pin(0);
    typename Q::Consumer consumer{queue};
    uint64_t expected = 0;
    uint64_t errors = 0;
    for (auto _ : state) {
      const uint64_t s = consumer.pop();
      errors += s != expected;
      ++expected;
    }
    benchmark::DoNotOptimize(errors);
    if (errors != 0) state.SkipWithError("events out of order");
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  } else {
    ScopedPin pin(1);
    typename Q::Producer producer{queue};
    Event64 e{};
    for (auto _ : state) {
      producer.push(e);
      ++e.seq;
    }
  }
}

template <class Q>
void BM_RoundTrip(benchmark::State& state) {
  Q& queue = shared_queue<Q>();
  typename Q::Producer producer{queue};
  typename Q::Consumer consumer{queue};
  Event64 e{};
  for (auto _ : state) {
    producer.push(e);
    benchmark::DoNotOptimize(consumer.pop());
    ++e.seq;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Round trip between two pinned threads: thread 0 sends event n through queue A and waits for it to
// come back through queue B; thread 1 echoes. One iteration = one round trip (two hops).
template <class Q>
std::pair<Q, Q>& shared_pair() {
  static auto* p = new std::pair<Q, Q>();
  return *p;
}

template <class Q>
void BM_PingPong(benchmark::State& state) {
  auto& [a, b] = shared_pair<Q>();
  if (state.thread_index() == 0) {
    ScopedPin pin(0);
    typename Q::Producer out{a};
    typename Q::Consumer in{b};
    Event64 e{};
    uint64_t errors = 0;
    for (auto _ : state) {
      out.push(e);
      errors += in.pop() != e.seq;
      ++e.seq;
    }
    if (errors != 0) state.SkipWithError("an event came back changed");
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  } else {
    ScopedPin pin(1);
    typename Q::Consumer in{a};
    typename Q::Producer out{b};
    Event64 e{};
    for (auto _ : state) {
      e.seq = in.pop();
      out.push(e);
    }
  }
}

void BM_RawPingPong(benchmark::State& state) {
  static RawPingPong line;
  if (state.thread_index() == 0) {
    ScopedPin pin(0);
    line.ping.store(0, std::memory_order_relaxed);
    line.pong.store(0, std::memory_order_relaxed);
    uint64_t n = 0;
    for (auto _ : state) {
      line.ping.store(++n, std::memory_order_release);
      while (line.pong.load(std::memory_order_acquire) != n) {
      }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  } else {
    ScopedPin pin(1);
    uint64_t n = 0;
    for (auto _ : state) {
      ++n;
      while (line.ping.load(std::memory_order_acquire) != n) {
      }
      line.pong.store(n, std::memory_order_release);
    }
  }
}

// Group baseline first: the raw floor.
BENCHMARK(BM_RawPingPong)->Name("spsc_pingpong/raw_cache_line")->Threads(2)->UseRealTime();
BENCHMARK(BM_PingPong<DmabotRing>)->Name("spsc_pingpong/dmabot_spsc_ring")->Threads(2)->UseRealTime();
BENCHMARK(BM_PingPong<BoostRing>)->Name("spsc_pingpong/boost_lockfree_spsc")->Threads(2)->UseRealTime();
#ifdef DMABOT_HAVE_RWQ
BENCHMARK(BM_PingPong<MoodycamelRwq>)->Name("spsc_pingpong/moodycamel_reader_writer_queue")->Threads(2)->UseRealTime();
#endif

BENCHMARK(BM_TwoThread<DmabotRing>)->Name("spsc_2thread/dmabot_spsc_ring")->Threads(2)->UseRealTime();
BENCHMARK(BM_TwoThread<BoostRing>)->Name("spsc_2thread/boost_lockfree_spsc")->Threads(2)->UseRealTime();
BENCHMARK(BM_TwoThread<MoodycamelQueue>)->Name("spsc_2thread/moodycamel_mpmc")->Threads(2)->UseRealTime();

BENCHMARK(BM_RoundTrip<DmabotRing>)->Name("spsc_roundtrip/dmabot_spsc_ring");
BENCHMARK(BM_RoundTrip<BoostRing>)->Name("spsc_roundtrip/boost_lockfree_spsc");
BENCHMARK(BM_RoundTrip<MoodycamelQueue>)->Name("spsc_roundtrip/moodycamel_mpmc");

}  // namespace

BENCHMARK_MAIN();
