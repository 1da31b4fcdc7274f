#include "tools/convert_cli.h"

#include <sys/stat.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/strings.h"
#include "feed/event_cache.h"
#include "feed/replay_feed.h"
#include "tools/cli_common.h"

namespace dmabot::tools {
namespace {

using core::str_cat;

constexpr const char* kConvertHelp =
    "usage: dmabot convert IN OUT\n"
    "\n"
    "Converts IN — a raw Binance capture (gzip or plain '<local time> <JSON>' lines) or a dmabot\n"
    "recording (RECORD_FILE) — into a binary event cache OUT (\"dmabot event cache v1\"): every\n"
    "bookTicker, trade and mark price event in file order, with its local timestamp. Replays,\n"
    "backtests and sweeps then read OUT much faster than IN:\n"
    "    dmabot backtest --data OUT --strategy NAME     dmabot replay OUT --env FILE\n"
    "OUT is written to OUT.tmp.<pid> and renamed only when complete. A cache records the event layout\n"
    "of the build that wrote it; another build with a different layout refuses it (convert again).\n"
    "Malformed input lines are counted and the first ones printed with their line numbers.\n"
    "\n"
    "  --help   this text\n"
    "\n"
    "Exit codes: 0 ok, 2 bad usage or input (IN missing, a directory, unreadable or not a recording,\n"
    "capture or cache; OUT a directory), 1 OUT could not be written or IN was cut short.\n";

unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

}  // namespace

int convert_command(int argc, char** argv) {
  ArgCursor args(argc, argv);
  std::string in, out;
  while (!args.done()) {
    const std::string_view a = args.next();
    if (a == "--help" || a == "-h") {
      std::fputs(kConvertHelp, stdout);
      return kExitOk;
    }
    if (a.size() > 1 && a[0] == '-') {
      return usage_error(str_cat("convert: unknown option '", a, "' (see dmabot convert --help)"));
    }
    if (in.empty()) {
      in = std::string(a);
    } else if (out.empty()) {
      out = std::string(a);
    } else {
      return usage_error(str_cat("convert: needs exactly IN and OUT (extra argument '", a, "')"));
    }
  }
  if (in.empty() || out.empty()) return usage_error("convert: needs IN and OUT (see dmabot convert --help)");
  if (std::string err = check_market_data("", in); !err.empty()) return usage_error(err);
  struct stat sb {};
  if (::stat(out.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)) return usage_error(str_cat(out, ": is a directory"));

  auto sum = feed::write_event_cache(in, out);
  if (!sum.ok()) {
    const absl::StatusCode code = sum.status().code();
    const std::string msg(sum.status().message());
    // Input problems come from open_source() (NotFound / InvalidArgument naming IN); the rest are OUT's.
    if (code == absl::StatusCode::kNotFound || code == absl::StatusCode::kInvalidArgument) return usage_error(msg);
    return runtime_error(msg);
  }
  const feed::SourceStats& s = sum->source;
  const double rate = sum->seconds > 0 ? static_cast<double>(sum->records) / sum->seconds : 0.0;
  std::printf(
      "convert: %s -> %s: %llu events (%llu md, %llu trade, %llu mark), %zu symbols; %llu lines read, %llu skipped, "
      "%llu malformed; %llu bytes; %.2f s, %.2fM events/s\n",
      in.c_str(), out.c_str(), ull(sum->records), ull(s.count(feed::ReplayEvent::kMdTick)),
      ull(s.count(feed::ReplayEvent::kTrade)), ull(s.count(feed::ReplayEvent::kMarkPrice)), sum->symbols, ull(s.lines),
      ull(s.skipped), ull(s.malformed), ull(sum->bytes), sum->seconds, rate / 1e6);
  std::fflush(stdout);
  for (std::size_t i = 0; i < s.samples.size() && i < 5; ++i) {
    std::fprintf(stderr, "dmabot: %s:%llu: %s\n", in.c_str(), ull(s.samples[i].line), s.samples[i].reason.c_str());
  }
  if (s.malformed > 5)
    std::fprintf(stderr, "dmabot: %s: %llu more malformed lines\n", in.c_str(), ull(s.malformed - 5));
  if (!sum->source_status.ok()) {
    return runtime_error(str_cat(std::string(sum->source_status.message()), " (", out,
                                 " was written with the events before that point)"));
  }
  return kExitOk;
}

}  // namespace dmabot::tools
