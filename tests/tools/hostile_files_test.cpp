// Hostile input files through the real program (issue 9, "Proof"): empty, binary garbage, one
// endless line, a huge line, a truncated gzip, flipped bytes in an event cache, time going
// backwards, mixed time units, a directory, a FIFO, /dev/zero. Each gets the documented exit code
// (2 for input that cannot be used, 1 when reading fails part-way, 0 when bad lines are counted and
// skipped) and a message naming the file (and the line, where there is one) — never a crash, an
// abort or unbounded memory: every run is capped at 1 GB of address space (`ulimit -v`), so a
// reader that buffered a 70 MB line twice over or read /dev/zero into memory would abort (134).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "tests/common/test_data.h"
#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kCapMemory = false;  // sanitizers reserve terabytes of address space
#else
constexpr bool kCapMemory = true;
#endif

std::string gunzip(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  std::string out;
  char buf[1 << 16];
  for (int n; gz != nullptr && (n = gzread(gz, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  if (gz != nullptr) gzclose(gz);
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t nl = text.find('\n', at);
    out.push_back(text.substr(at, nl - at));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return out;
}

struct Case {
  std::string name;
  std::string path;
  int exit_code;
  std::string needle;  // in stderr
};

class HostileFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(temp_dir());
    const std::string d = *dir_;
    const std::vector<std::string> spot = lines_of(gunzip(testdata::fixture_capture("spot_btcusdt_20240808")));
    const std::vector<std::string> usdm = lines_of(gunzip(testdata::fixture_capture("usdm_btcusdt_20230405")));
    std::ofstream(d + "/empty");
    {
      std::ofstream f(d + "/garbage", std::ios::binary);
      uint64_t x = 88172645463325252ull;
      for (int i = 0; i < 100'000; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        f.put(static_cast<char>(x));
      }
    }
    {
      std::ofstream f(d + "/endless", std::ios::binary);  // 70 MB and no newline at all
      const std::string block(1 << 20, 'a');
      for (int i = 0; i < 70; ++i) f << block;
    }
    {
      // Lines 3 and 5 of the spot cut (bookTickers) around a 70 MB line.
      std::ofstream f(d + "/huge_line.raw", std::ios::binary);
      f << spot[2] << "\n"
        << spot[0].substr(0, 20) << "{\"x\":\"" << std::string(70 << 20, 'b') << "\"}\n"
        << spot[4] << "\n";
    }
    {
      std::ifstream in(testdata::fixture_capture("spot_btcusdt_20240808"), std::ios::binary);
      std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::ofstream(d + "/truncated.raw.gz", std::ios::binary) << gz.substr(0, gz.size() / 2);
    }
    {
      // Line 3 steps 2.5 ms back from line 2.
      std::ofstream f(d + "/backwards.raw", std::ios::binary);
      f << "1723161254005000000" << spot[2].substr(spot[2].find(' ')) << "\n"
        << "1723161254007500000" << spot[4].substr(spot[4].find(' ')) << "\n"
        << "1723161254005000000" << spot[2].substr(spot[2].find(' ')) << "\n";
    }
    {
      // A µs file (its first line sets the unit) with one ns-stamped line: line 3.
      std::ofstream f(d + "/mixed_units.raw", std::ios::binary);
      f << usdm[3] << "\n"
        << usdm[4] << "\n"
        << usdm[5].substr(0, 16) << "000" << usdm[5].substr(16) << "\n"
        << usdm[6] << "\n";
    }
    ::mkdir((d + "/a_directory").c_str(), 0755);
    ::mkfifo((d + "/a_fifo").c_str(), 0644);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // Runs the command with its address space capped; returns the exit code, stderr in *err.
  static int run_capped(const std::vector<std::string>& args, std::string* err) {
    std::string cmd = kCapMemory ? "ulimit -v 1000000; exec" : "exec";
    for (const std::string& a : args) cmd += " '" + a + "'";
    Child c;
    const int rc = run({"/bin/sh", "-c", cmd}, *dir_, &c, {}, 60);
    *err = read_file(c.err_path);
    return rc;
  }

  static std::string* dir_;
};
std::string* HostileFiles::dir_ = nullptr;

TEST_F(HostileFiles, ReplayAndBacktestGiveTheDocumentedExitAndAMessageNamingTheFile) {
  const std::string d = *dir_;
  const std::vector<Case> cases = {
      {"empty", d + "/empty", 2, "empty file"},
      {"binary garbage", d + "/garbage", 2, "not a dmabot recording, Binance capture or event cache"},
      {"one endless line", d + "/endless", 2, "not a dmabot recording, Binance capture or event cache"},
      {"a huge line", d + "/huge_line.raw", 0, d + "/huge_line.raw:2: too_long"},
      {"truncated gzip", d + "/truncated.raw.gz", 1, "gzip stream ends early"},
      {"time going backwards", d + "/backwards.raw", 0, d + "/backwards.raw:3: time goes backwards"},
      {"mixed time units", d + "/mixed_units.raw", 0, d + "/mixed_units.raw:3: bad_local_time"},
      {"a directory", d + "/a_directory", 2, "is a directory"},
      {"a FIFO", d + "/a_fifo", 2, "FIFO"},
      {"/dev/zero", "/dev/zero", 2, "character device"},
  };
  for (const Case& c : cases) {
    for (const char* command : {"replay", "backtest"}) {
      SCOPED_TRACE(std::string(command) + " on " + c.name);
      std::vector<std::string> args = {dmabot_bin(), command};
      if (std::string(command) == "backtest") {
        args.insert(args.end(), {"--data", c.path, "--strategy", "dynmm", "--json-summary-only"});
      } else {
        args.push_back(c.path);
      }
      std::string err;
      EXPECT_EQ(run_capped(args, &err), c.exit_code) << err;
      EXPECT_NE(err.find(c.needle), std::string::npos) << err;
      if (c.path != "/dev/zero") EXPECT_NE(err.find(c.path), std::string::npos) << "the file is not named: " << err;
    }
  }
}

TEST_F(HostileFiles, ConvertRefusesWhatIsNoMarketDataWithExitTwo) {
  const std::string d = *dir_;
  for (const std::string& name : {"empty", "garbage", "endless", "a_directory", "a_fifo"}) {
    SCOPED_TRACE(name);
    std::string err;
    EXPECT_EQ(run_capped({dmabot_bin(), "convert", d + "/" + name, d + "/out.dmbev"}, &err), 2) << err;
    EXPECT_NE(err.find(d + "/" + name), std::string::npos) << err;
    EXPECT_EQ(err.find('\n'), err.size() - 1) << "one line: " << err;
  }
}

}  // namespace
}  // namespace dmabot::testing
