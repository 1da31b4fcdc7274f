// binance-sim as a child process for the engine tests (`dmabot binance-sim` on free loopback ports
// with its generated CA, BTCUSDT and ETHUSDT on both products): started by the constructor (waits,
// bounded, for its ready file), stopped by the destructor (SIGTERM, bounded wait). `extra` are more
// binance-sim flags (--ledger FILE, --fault ..., --seed N).
#pragma once

#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/tools/test_process.h"

namespace dmabot::testing {

struct SimProcess {
  explicit SimProcess(const std::vector<std::string>& faults, const std::vector<std::string>& extra = {}) {
    dir = temp_dir();
    const std::string ready = dir + "/ready.json";
    std::vector<std::string> args = {dmabot_bin(),       "binance-sim", "--listen-spot", "127.0.0.1:0",
                                     "--listen-futures", "127.0.0.1:0", "--ready-file",  ready,
                                     "--tls-dir",        dir + "/tls",  "--symbols",     "BTCUSDT,ETHUSDT"};
    for (const std::string& f : faults) {
      args.push_back("--fault");
      args.push_back(f);
    }
    args.insert(args.end(), extra.begin(), extra.end());
    child = spawn(args, dir);
    if (!wait_for_size(child, ready, 10, 30)) return;
    char ca_buf[4096] = {};
    if (std::sscanf(read_file(ready).c_str(), "{\"spot_port\":%u,\"futures_port\":%u,\"ca_file\":\"%4095[^\"]\"}",
                    &spot_port, &futures_port, ca_buf) == 3) {
      ca = ca_buf;
    }
  }
  ~SimProcess() {
    if (child.pid > 0) {
      kill(child.pid, SIGTERM);
      (void)wait_exit(child, 10);
    }
  }
  bool ok() const { return !ca.empty(); }
  std::string log() const { return read_file(child.err_path); }
  std::string spot_base() const { return "127.0.0.1:" + std::to_string(spot_port); }
  std::string futures_base() const { return "127.0.0.1:" + std::to_string(futures_port); }

  std::string dir, ca;
  unsigned spot_port = 0, futures_port = 0;
  Child child;
};

}  // namespace dmabot::testing
