// tools/as2008.h — re-runs the simulation of Avellaneda & Stoikov, "High-frequency trading in a limit
// order book" (Quantitative Finance, 2008), section 4.
//
// Model: the mid starts at s0 and each step of dt moves up or down by sigma*sqrt(dt) with equal
// probability. A quote at distance delta from the mid is hit during a step with probability
// lambda(delta)*dt, lambda(delta) = A*exp(-k*delta) (capped at 1), one unit per fill. The inventory
// strategy quotes around the reservation price (strategy::as_quotes with tau = T - t); the symmetric
// strategy quotes centred on the mid with a constant spread equal to the inventory strategy's average
// spread. Final profit = cash + q_T * s_T. Both strategies of one path see the same random numbers
// (common random numbers), so their difference is not noise from different paths.
//
// Deterministic: the same parameters and seed give the same table on every machine (splitmix64 and
// a fixed order of draws). Threads: pure; call from anywhere. Allocation: small vectors per run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dmabot::tools {

struct As2008Params {
  double s0 = 100;
  double T = 1;
  double sigma = 2;
  double dt = 0.005;
  double q0 = 0;
  double k = 1.5;
  double A = 140;
  int paths = 1000;
  uint64_t seed = 1;
  std::vector<double> gammas{0.1, 0.01, 1};
};

struct As2008Stats {
  double avg_spread = 0;
  double profit_mean = 0;
  double profit_std = 0;
  double q_mean = 0;
  double q_std = 0;
};

struct As2008Row {
  double gamma = 0;
  As2008Stats inventory;
  As2008Stats symmetric;
};

std::vector<As2008Row> run_as2008(const As2008Params& p);
std::string as2008_table(const As2008Params& p, const std::vector<As2008Row>& rows);
std::string as2008_json(const As2008Params& p, const std::vector<As2008Row>& rows);

}  // namespace dmabot::tools
