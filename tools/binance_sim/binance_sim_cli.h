// tools/binance_sim/binance_sim_cli.h — `dmabot binance-sim`: parses the flags (sim_options.h),
// starts the Server with the venue on one io thread (this one), writes --ready-file once both ports
// listen, and runs until SIGINT/SIGTERM. Exit codes: 0 after a clean stop, 2 bad usage (one line
// naming the flag), 1 start-up failure (cannot listen, TLS).
#pragma once

namespace dmabot::binance_sim {

// argv holds the arguments after "binance-sim".
int run_binance_sim(int argc, char** argv);

}  // namespace dmabot::binance_sim
