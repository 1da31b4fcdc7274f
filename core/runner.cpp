#include "core/runner.h"

#include <pthread.h>
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <charconv>

#include "absl/status/status.h"
#include "core/strings.h"

namespace dmabot::core {

absl::StatusOr<IdlePolicy> parse_idle_policy(std::string_view s) {
  if (s == "spin") return IdlePolicy::kSpin;
  if (s == "spin_yield") return IdlePolicy::kSpinYield;
  if (s == "sleep") return IdlePolicy::kSleep;
  return absl::InvalidArgumentError(str_cat("unknown idle policy '", s, "' (spin, spin_yield, sleep)"));
}

std::string_view to_string(IdlePolicy p) {
  switch (p) {
    case IdlePolicy::kSpin: return "spin";
    case IdlePolicy::kSpinYield: return "spin_yield";
    case IdlePolicy::kSleep: return "sleep";
  }
  return "?";
}

absl::StatusOr<std::vector<int>> parse_cpu_list(std::string_view s) {
  std::vector<int> out;
  if (s.empty() || s == "none") return out;
  const int ncpu = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto number = [&](std::string_view item, int& cpu) -> absl::Status {
    auto [p, ec] = std::from_chars(item.data(), item.data() + item.size(), cpu);
    if (item.empty() || ec != std::errc() || p != item.data() + item.size() || cpu < 0) {
      return absl::InvalidArgumentError(str_cat("'", item, "' is not a CPU number"));
    }
    if (cpu >= ncpu) {
      return absl::InvalidArgumentError(str_cat("CPU ", cpu, " does not exist (this machine has ", ncpu, ")"));
    }
    return absl::OkStatus();
  };
  for (std::string_view item : split(s, ',')) {
    const std::size_t dash = item.find('-');
    int first = -1;
    int last = -1;
    if (auto st = number(item.substr(0, dash), first); !st.ok()) return st;
    last = first;
    if (dash != std::string_view::npos) {
      if (auto st = number(item.substr(dash + 1), last); !st.ok()) return st;
      if (last < first) return absl::InvalidArgumentError(str_cat("'", item, "' is an empty CPU range"));
    }
    for (int cpu = first; cpu <= last; ++cpu) out.push_back(cpu);
  }
  return out;
}

std::vector<int> usable_cpus() {
  std::vector<int> out;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) != 0) return out;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) out.push_back(cpu);
  }
  return out;
}

bool set_current_thread_cpus(const std::vector<int>& cpus) {
  if (cpus.empty()) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
    CPU_SET(cpu, &set);
  }
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

bool pin_current_thread(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

void name_current_thread(std::string_view name) {
  char buf[16] = {};
  const std::size_t n = std::min<std::size_t>(name.size(), 15);
  for (std::size_t i = 0; i < n; ++i) buf[i] = name[i];
  pthread_setname_np(pthread_self(), buf);
}

void IdleBackoff::idle() {
  ++empty_passes_;
  switch (policy_) {
    case IdlePolicy::kSpin:
      return;
    case IdlePolicy::kSpinYield:
      if (empty_passes_ > kSpinBeforeYield) sched_yield();
      return;
    case IdlePolicy::kSleep: {
      if (empty_passes_ < 200) return;
      if (empty_passes_ < 400) {
        sched_yield();
        return;
      }
      const uint32_t shift = std::min<uint32_t>((empty_passes_ - 400) / 16, 8);
      timespec ts{0, static_cast<long>(std::min<uint32_t>(1000u << shift, 200'000u))};
      nanosleep(&ts, nullptr);
      return;
    }
  }
}

int Runner::poll_once(const std::vector<Stage*>& stages) {
  int handled = 0;
  for (Stage* s : stages) handled += s->poll();
  return handled;
}

uint64_t Runner::run_fused(const std::vector<Stage*>& stages) {
  uint64_t total = 0;
  for (;;) {
    const int n = poll_once(stages);
    if (n == 0) return total;
    total += static_cast<uint64_t>(n);
  }
}

void Runner::start() {
  if (!threads_.empty()) return;
  stop_.store(false, std::memory_order_relaxed);
  threads_.reserve(groups_.size());
  for (std::size_t i = 0; i < groups_.size(); ++i) threads_.emplace_back([this, i] { thread_main(i); });
}

void Runner::stop() {
  stop_.store(true, std::memory_order_release);
  for (auto& t : threads_) t.join();
  threads_.clear();
}

void Runner::thread_main(std::size_t index) {
  ThreadGroup& g = groups_[index];
  name_current_thread(g.name);
  if (!cpus_.empty()) pin_current_thread(cpus_[index % cpus_.size()]);
  for (Stage* s : g.stages) s->on_thread_start();
  IdleBackoff backoff(policy_);
  while (!stop_.load(std::memory_order_acquire)) {
    if (poll_once(g.stages) > 0) {
      backoff.reset();
    } else {
      backoff.idle();
    }
  }
}

}  // namespace dmabot::core
