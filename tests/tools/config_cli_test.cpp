// `dmabot config` and the fee statement at start, run as the real program.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/tools/test_process.h"
#include "tools/engine_config.h"

namespace dmabot::testing {
namespace {

std::string source_dir() {
  const char* d = std::getenv("DMABOT_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

TEST(ConfigCli, ListMarkdownIsTheCommittedDoc) {
  const std::string dir = temp_dir();
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "config", "--list", "--format", "md"}, dir, &c), 0) << read_file(c.err_path);
  EXPECT_TRUE(read_file(c.out_path) == read_file(source_dir() + "/docs/CONFIG.md"))
      << "run build/dmabot config --list --format md > docs/CONFIG.md";
}

TEST(ConfigCli, ListPrintsEveryKeyWithItsDefault) {
  const std::string dir = temp_dir();
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "config", "--list"}, dir, &c), 0) << read_file(c.err_path);
  const std::string out = read_file(c.out_path);
  for (const tools::ConfigKey& k : tools::config_keys()) {
    const std::string line = "\n" + std::string(k.key) + "=" + std::string(k.def) + "  # ";
    EXPECT_NE(out.find(line), std::string::npos) << k.key;
  }
  EXPECT_NE(out.find("\nMARKET_TYPE=spot  # spot | usdm. "), std::string::npos);
}

TEST(ConfigCli, BadUsageExitsTwoWithOneLine) {
  const std::string dir = temp_dir();
  Child c;
  EXPECT_EQ(run({dmabot_bin(), "config"}, dir, &c), 2);
  EXPECT_NE(read_file(c.err_path).find("use --list"), std::string::npos);
  EXPECT_EQ(run({dmabot_bin(), "config", "--list", "--format", "xml"}, dir, &c), 2);
  EXPECT_NE(read_file(c.err_path).find("--format 'xml': expected env or md"), std::string::npos);
  EXPECT_EQ(run({dmabot_bin(), "config", "--frobnicate"}, dir, &c), 2);
  EXPECT_NE(read_file(c.err_path).find("unknown option '--frobnicate'"), std::string::npos);
  EXPECT_EQ(run({dmabot_bin(), "config", "--list", "--format"}, dir, &c), 2);
  EXPECT_EQ(run({dmabot_bin(), "config", "--help"}, dir, &c), 0);
}

// The output of a short fused run (start notes are log lines on stderr).
std::string run_output(const std::vector<std::string>& sets) {
  const std::string dir = temp_dir();
  std::vector<std::string> args{dmabot_bin(),
                                "run",
                                "--env",
                                source_dir() + "/.env.mock",
                                "--fused",
                                "--set",
                                "MOCK_MAX_TICKS=50",
                                "--set",
                                "METRICS_PORT=-1",
                                "--set",
                                "RECORD_FILE="};
  for (const std::string& s : sets) {
    args.push_back("--set");
    args.push_back(s);
  }
  Child c;
  EXPECT_EQ(run(args, dir, &c), 0) << read_file(c.err_path);
  return read_file(c.out_path) + read_file(c.err_path);
}

// Binance base tier: spot 0.1% / 0.1% = 10/10 bps, USD-M 0.02% / 0.05% = 2/5 bps.
TEST(ConfigCli, RunStatesTheFeesInUse) {
  std::string out = run_output({});
  EXPECT_NE(out.find("fees (bps, maker/taker; MARKET_TYPE=spot): mock_a 10/10, mock_b 10/10"), std::string::npos)
      << out;
  EXPECT_NE(out.find("mock venues: resting orders fill only when the mock market trades through their price"),
            std::string::npos)
      << out;
  out = run_output({"MARKET_TYPE=usdm"});
  EXPECT_NE(out.find("fees (bps, maker/taker; MARKET_TYPE=usdm): mock_a 2/5, mock_b 2/5"), std::string::npos) << out;
  out = run_output({"VENUE_MODE=sim", "MARKET_TYPE=usdm", "SIM_TAKER_FEE_BPS=4"});
  EXPECT_NE(out.find("fees (bps, maker/taker; MARKET_TYPE=usdm): sim 2/4"), std::string::npos) << out;
}

}  // namespace
}  // namespace dmabot::testing
