#include "tools/latency_cli.h"

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "core/event_codec.h"
#include "core/hdr_histogram.h"
#include "core/recorder.h"
#include "core/strings.h"
#include "core/symbol_table.h"
#include "tools/cli_common.h"

namespace dmabot::tools {
namespace {

using core::str_cat;

constexpr const char* kLatencyHelp =
    "usage: dmabot latency REC [--json]\n"
    "\n"
    "Measures a recorded run's latency exactly, from the recording's timestamps:\n"
    "  tick_to_order   every routed order: risk's approval (ord ts_local) minus the arrival of the tick\n"
    "                  that caused it (ts_tick)\n"
    "  tick_to_signal  every strategy signal: its emission minus the same arrival\n"
    "Orders and signals without a causing tick (timer cancels, shutdown's cancel-all) are counted\n"
    "apart. Reads JSONL and journal recordings; prints the run's THREAD_LAYOUT, IDLE_POLICY and\n"
    "PIN_CPUS from the header.\n"
    "\n"
    "  --json   one JSON object instead of the table (see docs/ARCHITECTURE.md)\n"
    "  --help   this text\n"
    "\n"
    "Exit codes: 0 ok, 2 bad usage or REC missing / not a recording, 1 a line that does not decode.\n";

std::string header_value(const core::ConfigHeader& h, std::string_view key) {
  for (const auto& [k, v] : h.pairs)
    if (k == key) return v;
  return "";
}

std::string json_series(const core::HdrHistogram& h) {
  return str_cat("{\"count\":", h.count(), ",\"p50_ns\":", h.value_at_quantile(0.5),
                 ",\"p90_ns\":", h.value_at_quantile(0.9), ",\"p99_ns\":", h.value_at_quantile(0.99),
                 ",\"p999_ns\":", h.value_at_quantile(0.999), ",\"p9999_ns\":", h.value_at_quantile(0.9999),
                 ",\"max_ns\":", h.max(), ",\"min_ns\":", h.min(), ",\"mean_ns\":", static_cast<int64_t>(h.mean()),
                 "}");
}

std::string json_string(std::string_view s) {
  std::string out;
  core::append_json_string(out, s);
  return out;
}

void print_row(std::string_view name, const core::HdrHistogram& h) {
  auto us = [](int64_t ns) { return static_cast<double>(ns) / 1000.0; };
  if (h.count() == 0) {
    std::printf("%-15s %10s\n", std::string(name).c_str(), "0");
    return;
  }
  const double p50 = static_cast<double>(h.value_at_quantile(0.5));
  std::printf("%-15s %10llu %9.2f %9.2f %9.2f %10.2f %11.2f %11.2f %8.1f %10.1f\n", std::string(name).c_str(),
              static_cast<unsigned long long>(h.count()), us(h.value_at_quantile(0.5)), us(h.value_at_quantile(0.9)),
              us(h.value_at_quantile(0.99)), us(h.value_at_quantile(0.999)), us(h.value_at_quantile(0.9999)),
              us(h.max()), p50 > 0 ? static_cast<double>(h.value_at_quantile(0.99)) / p50 : 0.0,
              p50 > 0 ? static_cast<double>(h.value_at_quantile(0.999)) / p50 : 0.0);
}

}  // namespace

int latency_command(int argc, char** argv) {
  ArgCursor args(argc, argv);
  std::string in;
  bool json = false;
  while (!args.done()) {
    const std::string_view a = args.next();
    if (a == "--help" || a == "-h") {
      std::fputs(kLatencyHelp, stdout);
      return kExitOk;
    }
    if (a == "--json") {
      json = true;
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error(str_cat("latency: unknown option '", a, "' (see dmabot latency --help)"));
    } else if (in.empty()) {
      in = std::string(a);
    } else {
      return usage_error(str_cat("latency: needs exactly one recording (extra argument '", a, "')"));
    }
  }
  if (in.empty()) return usage_error("latency: needs REC (see dmabot latency --help)");
  if (std::string err = check_readable_file("", in); !err.empty()) return usage_error(err);

  core::JsonlReader reader;
  if (absl::Status st = reader.open(in); !st.ok()) return usage_error(std::string(st.message()));
  core::SymbolTable symbols;
  core::EventDecoder decoder(&symbols);
  core::RecordedEvent ev;
  std::string_view line;
  core::JsonlReader::Result r = reader.next(line);
  if (r == core::JsonlReader::Result::kError) return usage_error(std::string(reader.status().message()));
  if (r != core::JsonlReader::Result::kLine || decoder.decode_padded(line, ev) != core::DecodeResult::kOk ||
      ev.kind != core::RecordKind::kConfig) {
    return usage_error(str_cat(in, ": not a dmabot recording (the first line is not a \"kind\":\"config\" header)"));
  }
  const core::ConfigHeader header = decoder.config_header();

  core::HdrHistogram order, signal;
  uint64_t untimed_orders = 0, untimed_signals = 0, negative = 0;
  auto sample = [&](core::HdrHistogram& h, int64_t ts_tick, int64_t ts_local, uint64_t& untimed) {
    if (ts_tick == 0) {
      ++untimed;
    } else if (ts_local < ts_tick) {
      ++negative;
    } else {
      h.record_n(ts_local - ts_tick, 1);
    }
  };
  bool truncated = false;
  for (r = reader.next(line); r == core::JsonlReader::Result::kLine || r == core::JsonlReader::Result::kTooLong;
       r = reader.next(line)) {
    if (r == core::JsonlReader::Result::kTooLong)
      return runtime_error(str_cat("latency: ", in, ":", reader.line_number(), ": line longer than ",
                                   reader.max_line_bytes(), " bytes"));
    const core::DecodeResult d = decoder.decode_padded(line, ev);
    if (d == core::DecodeResult::kEmpty) continue;
    if (d != core::DecodeResult::kOk)
      return runtime_error(str_cat("latency: ", in, ":", reader.line_number(), ": ", decoder.error()));
    if (const auto* o = std::get_if<core::Order>(&ev.event)) {
      sample(order, o->ts_tick, o->ts_local, untimed_orders);
    } else if (const auto* s = std::get_if<core::Signal>(&ev.event)) {
      sample(signal, s->ts_tick, s->ts_local, untimed_signals);
    }
  }
  if (r == core::JsonlReader::Result::kError)
    return runtime_error(str_cat("latency: ", std::string(reader.status().message())));
  if (r == core::JsonlReader::Result::kTruncated) truncated = true;

  const std::string layout = header_value(header, "THREAD_LAYOUT");
  const std::string idle = header_value(header, "IDLE_POLICY");
  const std::string pin = header_value(header, "PIN_CPUS");
  if (json) {
    std::printf("%s\n", str_cat("{\"file\":", json_string(in), ",\"thread_layout\":", json_string(layout),
                                ",\"idle_policy\":", json_string(idle), ",\"pin_cpus\":", json_string(pin),
                                ",\"tick_to_order\":", json_series(order), ",\"tick_to_signal\":", json_series(signal),
                                ",\"untimed_orders\":", untimed_orders, ",\"untimed_signals\":", untimed_signals,
                                ",\"negative\":", negative, ",\"truncated\":", truncated ? "true" : "false", "}")
                            .c_str());
  } else {
    std::printf("%s: THREAD_LAYOUT=%s IDLE_POLICY=%s PIN_CPUS=%s\n", in.c_str(), layout.c_str(), idle.c_str(),
                pin.c_str());
    std::printf("%-15s %10s %9s %9s %9s %10s %11s %11s %8s %10s\n", "latency (us)", "count", "p50", "p90", "p99",
                "p99.9", "p99.99", "max", "p99/p50", "p99.9/p50");
    print_row("tick_to_order", order);
    print_row("tick_to_signal", signal);
    std::printf("without a causing tick: %llu orders, %llu signals; clock stepped back: %llu\n",
                static_cast<unsigned long long>(untimed_orders), static_cast<unsigned long long>(untimed_signals),
                static_cast<unsigned long long>(negative));
  }
  if (truncated)
    std::fprintf(stderr,
                 "dmabot: warning: %s: cut short (writer stopped mid-write); measured up to the last whole line\n",
                 in.c_str());
  return kExitOk;
}

}  // namespace dmabot::tools
