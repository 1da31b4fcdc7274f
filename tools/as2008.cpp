#include "tools/as2008.h"

#include <cmath>
#include <cstdio>

#include "core/prng.h"
#include "core/strings.h"
#include "strategy/avellaneda_stoikov.h"

namespace dmabot::tools {
namespace {

struct PathResult {
  double profit;
  double q;
  double spread_sum;
  int steps;
};

// One path. symmetric_spread < 0 selects the inventory strategy. The random draws per step are, in
// order: bid fill, ask fill, mid move — identical for both strategies of a path.
PathResult run_path(const As2008Params& p, double gamma, double symmetric_spread, uint64_t path_seed) {
  core::SplitMix64 rng(path_seed);
  const int steps = static_cast<int>(std::llround(p.T / p.dt));
  const double move = p.sigma * std::sqrt(p.dt);
  double s = p.s0, q = p.q0, cash = 0, spread_sum = 0;
  for (int i = 0; i < steps; ++i) {
    const double tau = p.T - i * p.dt;
    double bid, ask;
    if (symmetric_spread < 0) {
      const strategy::AsQuotes a = strategy::as_quotes(s, q, gamma, p.sigma, tau, p.k);
      bid = a.bid;
      ask = a.ask;
    } else {
      bid = s - symmetric_spread / 2;
      ask = s + symmetric_spread / 2;
    }
    spread_sum += ask - bid;
    const double p_bid = std::min(1.0, p.A * std::exp(-p.k * (s - bid)) * p.dt);
    const double p_ask = std::min(1.0, p.A * std::exp(-p.k * (ask - s)) * p.dt);
    const double u_bid = rng.uniform(), u_ask = rng.uniform(), u_move = rng.uniform();
    if (u_bid < p_bid) {  // our bid is hit: we buy one unit
      q += 1;
      cash -= bid;
    }
    if (u_ask < p_ask) {  // our ask is lifted: we sell one unit
      q -= 1;
      cash += ask;
    }
    s += u_move < 0.5 ? move : -move;
  }
  return PathResult{cash + q * s, q, spread_sum, steps};
}

As2008Stats stats_of(const std::vector<PathResult>& r) {
  As2008Stats st;
  double n = static_cast<double>(r.size()), spread = 0, steps = 0;
  for (const PathResult& x : r) {
    st.profit_mean += x.profit;
    st.q_mean += x.q;
    spread += x.spread_sum;
    steps += x.steps;
  }
  st.profit_mean /= n;
  st.q_mean /= n;
  st.avg_spread = spread / steps;
  for (const PathResult& x : r) {
    st.profit_std += (x.profit - st.profit_mean) * (x.profit - st.profit_mean);
    st.q_std += (x.q - st.q_mean) * (x.q - st.q_mean);
  }
  // Sample standard deviation (n - 1), as a reader reproducing the paper's table would compute it.
  st.profit_std = r.size() > 1 ? std::sqrt(st.profit_std / (n - 1)) : 0;
  st.q_std = r.size() > 1 ? std::sqrt(st.q_std / (n - 1)) : 0;
  return st;
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

}  // namespace

std::vector<As2008Row> run_as2008(const As2008Params& p) {
  std::vector<As2008Row> rows;
  for (double gamma : p.gammas) {
    std::vector<PathResult> inv, sym;
    inv.reserve(p.paths);
    sym.reserve(p.paths);
    core::SplitMix64 seeds(p.seed);
    std::vector<uint64_t> path_seeds(p.paths);
    for (uint64_t& ps : path_seeds) ps = seeds.next();
    for (int i = 0; i < p.paths; ++i) inv.push_back(run_path(p, gamma, -1, path_seeds[i]));
    As2008Row row;
    row.gamma = gamma;
    row.inventory = stats_of(inv);
    for (int i = 0; i < p.paths; ++i) sym.push_back(run_path(p, gamma, row.inventory.avg_spread, path_seeds[i]));
    row.symmetric = stats_of(sym);
    rows.push_back(row);
  }
  return rows;
}

std::string as2008_table(const As2008Params& p, const std::vector<As2008Row>& rows) {
  std::string out = core::str_cat("Avellaneda-Stoikov (2008) simulation: s0=", p.s0, " T=", p.T, " sigma=", p.sigma,
                                  " dt=", p.dt, " q0=", p.q0, " k=", p.k, " A=", p.A, " paths=", p.paths,
                                  " seed=", p.seed, "\n");
  char line[256];
  std::snprintf(line, sizeof(line), "%-8s %-10s %10s %12s %12s %10s %10s\n", "gamma", "strategy", "avg_spread",
                "profit_mean", "profit_std", "q_mean", "q_std");
  out += line;
  for (const As2008Row& r : rows) {
    for (int k = 0; k < 2; ++k) {
      const As2008Stats& s = k == 0 ? r.inventory : r.symmetric;
      std::snprintf(line, sizeof(line), "%-8s %-10s %10s %12s %12s %10s %10s\n", core::format_double(r.gamma).c_str(),
                    k == 0 ? "inventory" : "symmetric", fixed(s.avg_spread, 2).c_str(), fixed(s.profit_mean, 2).c_str(),
                    fixed(s.profit_std, 2).c_str(), fixed(s.q_mean, 2).c_str(), fixed(s.q_std, 2).c_str());
      out += line;
    }
  }
  return out;
}

std::string as2008_json(const As2008Params& p, const std::vector<As2008Row>& rows) {
  auto stats = [](const As2008Stats& s) {
    return core::str_cat("{\"avg_spread\":", s.avg_spread, ",\"profit_mean\":", s.profit_mean, ",\"profit_std\":",
                         s.profit_std, ",\"q_mean\":", s.q_mean, ",\"q_std\":", s.q_std, "}");
  };
  std::string out = core::str_cat("{\"params\":{\"s0\":", p.s0, ",\"T\":", p.T, ",\"sigma\":", p.sigma, ",\"dt\":", p.dt,
                                  ",\"q0\":", p.q0, ",\"k\":", p.k, ",\"A\":", p.A, ",\"paths\":", p.paths,
                                  ",\"seed\":", p.seed, "},\"rows\":[");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    core::str_append(out, i ? "," : "", "{\"gamma\":", rows[i].gamma, ",\"inventory\":", stats(rows[i].inventory),
                     ",\"symmetric\":", stats(rows[i].symmetric), "}");
  }
  out += "]}\n";
  return out;
}

}  // namespace dmabot::tools
