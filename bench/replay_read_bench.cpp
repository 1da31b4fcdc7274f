// The replay read path, file -> core::MdTick, per event: CaptureSource::next over a plain-text and a
// gzip capture, RecordingSource::next over a dmabot JSONL recording. Each group's baseline is the
// default (fast) path; the generic simdjson path, measured in the same run, is the competitor.
//
// Inputs are built once at start-up into /tmp from the real captures in shared/data/binance: every
// bookTicker line of the three files stamped in ns (spot 2024-08-08, spot 2024-08-09, USD-M
// 2024-08-08; 139,263 lines, 53% spot, 47% futures shape) repeated 3x = 417,789 events per pass.
// The recording holds the same ticks as encode() writes them. The generic-path recording is the same
// file with one space before each line: the decoder's fast path only takes lines that start with
// '{', the generic decoder skips leading blanks, so the events are identical and only the path
// differs. A fourth group replays the unmodified USD-M capture (trades, depth, mark prices mixed in).
//
// Without the data directory (DMABOT_SOURCE_DIR/../shared/data/binance, or next to the source tree
// this was built from) every benchmark is skipped with a message.
#include <benchmark/benchmark.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_codec.h"
#include "core/recorder.h"
#include "core/symbol_table.h"
#include "feed/capture_reader.h"
#include "feed/replay_feed.h"

namespace {

using namespace dmabot;

constexpr int kRepeat = 3;

std::string data_dir() {
  if (const char* src = std::getenv("DMABOT_SOURCE_DIR"); src != nullptr) {
    return std::string(src) + "/../shared/data/binance";
  }
#ifdef DMABOT_BENCH_SOURCE_DIR
  return std::string(DMABOT_BENCH_SOURCE_DIR) + "/../shared/data/binance";
#else
  return "../shared/data/binance";
#endif
}

bool read_gz(const std::string& path, std::string& out) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return false;
  char buf[1 << 16];
  int n = 0;
  while ((n = gzread(gz, buf, sizeof(buf))) > 0) out.append(buf, static_cast<std::size_t>(n));
  const bool ok = n == 0;
  gzclose(gz);
  return ok;
}

bool write_file(const std::string& path, std::string_view text) {
  std::ofstream f(path, std::ios::binary);
  f.write(text.data(), static_cast<std::streamsize>(text.size()));
  return f.good();
}

bool write_gz(const std::string& path, std::string_view text) {
  gzFile gz = gzopen(path.c_str(), "wb6");
  if (gz == nullptr) return false;
  bool ok = true;
  for (std::size_t off = 0; off < text.size() && ok; off += 1 << 20) {
    const std::size_t n = std::min<std::size_t>(1 << 20, text.size() - off);
    ok = gzwrite(gz, text.data() + off, static_cast<unsigned>(n)) == static_cast<int>(n);
  }
  return gzclose(gz) == Z_OK && ok;
}

// The input files, built on first use and removed at exit.
struct Inputs {
  bool ok = false;
  std::string why;  // when !ok
  std::string capture_txt, capture_gz, recording, recording_generic, real_gz;
  uint64_t events = 0;  // bookTicker events per pass
  uint64_t capture_bytes = 0, recording_bytes = 0;

  Inputs() {
    const std::string dir = data_dir();
    const char* files[] = {"spot_btcusdt_20240808.raw.gz", "spot_btcusdt_20240809.raw.gz",
                           "usdm_btcusdt_20240808.raw.gz"};
    std::string lines;
    for (const char* f : files) {
      std::string text;
      if (!read_gz(dir + "/" + f, text)) {
        why = "data not found: " + dir + "/" + f + " (set DMABOT_SOURCE_DIR to the repo root)";
        return;
      }
      std::size_t pos = 0;
      while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        const std::string_view line(text.data() + pos, nl - pos);
        if (line.find("@bookTicker\"") != std::string_view::npos) {
          lines.append(line);
          lines.push_back('\n');
          ++events;
        }
        pos = nl + 1;
      }
    }
    std::string capture;
    for (int i = 0; i < kRepeat; ++i) capture += lines;
    events *= kRepeat;
    capture_bytes = capture.size();

    const std::string base = "/tmp/dmabot_replay_read_bench_" + std::to_string(::getpid());
    capture_txt = base + "_capture.txt";
    capture_gz = base + "_capture.txt.gz";
    recording = base + "_recording.jsonl";
    recording_generic = base + "_recording_generic.jsonl";
    real_gz = dir + "/usdm_btcusdt_20240808.raw.gz";
    if (!write_file(capture_txt, capture) || !write_gz(capture_gz, capture)) {
      why = "cannot write " + capture_txt;
      return;
    }

    // The recording: the same ticks, encoded by the recorder's encoder.
    core::SymbolTable symbols;
    feed::CaptureSource src(symbols);
    if (!src.open(capture_txt).ok()) {
      why = "cannot open " + capture_txt;
      return;
    }
    std::string rec = core::encode_config_header("replay_read_bench", {{"MODE", "bench"}});
    std::string generic = " " + rec;
    feed::ReplayEvent ev;
    char buf[1024];
    uint64_t seq = 0;
    while (src.next(ev)) {
      const std::size_t n = core::encode(ev.tick, ++seq, symbols, buf, sizeof(buf));
      rec.append(buf, n);
      generic.push_back(' ');
      generic.append(buf, n);
    }
    if (seq != events) {
      why = "capture yielded " + std::to_string(seq) + " ticks, expected " + std::to_string(events);
      return;
    }
    recording_bytes = rec.size();
    if (!write_file(recording, rec) || !write_file(recording_generic, generic)) {
      why = "cannot write " + recording;
      return;
    }
    ok = true;
  }
  ~Inputs() {
    for (const std::string* p : {&capture_txt, &capture_gz, &recording, &recording_generic}) {
      if (!p->empty()) std::remove(p->c_str());
    }
  }
};

const Inputs& inputs() {
  static const Inputs in;
  return in;
}

// Per-event cost of Source::next(); the file is reopened (untimed) at its end.
template <class Source, class Make>
void run_source(benchmark::State& state, const std::string& path, uint64_t file_bytes, Make make) {
  const Inputs& in = inputs();
  if (!in.ok) {
    state.SkipWithError(in.why.c_str());
    return;
  }
  core::SymbolTable symbols;
  Source src = make(symbols);
  if (!src.open(path).ok()) {
    state.SkipWithError(("cannot open " + path).c_str());
    return;
  }
  feed::ReplayEvent ev;
  uint64_t events = 0, passes = 0;
  for (auto _ : state) {
    if (!src.next(ev)) {
      state.PauseTiming();
      ++passes;
      src = make(symbols);
      if (!src.open(path).ok()) state.SkipWithError("reopen failed");
      state.ResumeTiming();
      if (!src.next(ev)) {
        state.SkipWithError("empty file");
        break;
      }
    }
    ++events;
    benchmark::DoNotOptimize(ev);
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  // Bytes of file text (decompressed) per event, averaged over the file.
  if (file_bytes != 0) {
    state.SetBytesProcessed(static_cast<int64_t>(static_cast<double>(events) * static_cast<double>(file_bytes) /
                                                 static_cast<double>(in.events)));
  }
  state.counters["passes"] = static_cast<double>(passes);
}

auto capture(bool fast) {
  return [fast](core::SymbolTable& symbols) {
    feed::CaptureOptions o;
    o.fast_path = fast;
    return feed::CaptureSource(symbols, o);
  };
}
auto recording() {
  return [](core::SymbolTable& symbols) { return feed::RecordingSource(symbols); };
}

void BM_capture_txt_fast(benchmark::State& s) {
  run_source<feed::CaptureSource>(s, inputs().capture_txt, inputs().capture_bytes, capture(true));
}
void BM_capture_txt_generic(benchmark::State& s) {
  run_source<feed::CaptureSource>(s, inputs().capture_txt, inputs().capture_bytes, capture(false));
}
void BM_capture_gz_fast(benchmark::State& s) {
  run_source<feed::CaptureSource>(s, inputs().capture_gz, inputs().capture_bytes, capture(true));
}
void BM_capture_gz_generic(benchmark::State& s) {
  run_source<feed::CaptureSource>(s, inputs().capture_gz, inputs().capture_bytes, capture(false));
}
void BM_recording_fast(benchmark::State& s) {
  run_source<feed::RecordingSource>(s, inputs().recording, inputs().recording_bytes, recording());
}
void BM_recording_generic(benchmark::State& s) {
  run_source<feed::RecordingSource>(s, inputs().recording_generic, inputs().recording_bytes, recording());
}
// The unmodified USD-M capture: per yielded event (md, trade, mark); depth lines are read and skipped.
void BM_real_gz_fast(benchmark::State& s) { run_source<feed::CaptureSource>(s, inputs().real_gz, 0, capture(true)); }
void BM_real_gz_generic(benchmark::State& s) {
  run_source<feed::CaptureSource>(s, inputs().real_gz, 0, capture(false));
}

// What gzip alone costs: gzread of the bookTicker capture into a 1 MiB buffer, per line (the ceiling
// for .gz captures on one core, whatever the parser does).
void BM_gz_inflate_only(benchmark::State& state, unsigned gz_buffer) {
  const Inputs& in = inputs();
  if (!in.ok) {
    state.SkipWithError(in.why.c_str());
    return;
  }
  std::vector<char> buf(1 << 20);
  uint64_t bytes = 0;
  for (auto _ : state) {
    gzFile gz = gzopen(in.capture_gz.c_str(), "rb");
    gzbuffer(gz, gz_buffer);
    int n = 0;
    while ((n = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()))) > 0) bytes += static_cast<uint64_t>(n);
    gzclose(gz);
  }
  // Items = lines: the decompressed bytes over the average line length.
  state.SetItemsProcessed(
      static_cast<int64_t>(static_cast<double>(state.iterations()) * static_cast<double>(in.events)));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
void BM_plain_read_only(benchmark::State& state) {
  const Inputs& in = inputs();
  if (!in.ok) {
    state.SkipWithError(in.why.c_str());
    return;
  }
  std::vector<char> buf(1 << 20);
  uint64_t bytes = 0;
  for (auto _ : state) {
    gzFile gz = gzopen(in.capture_txt.c_str(), "rb");
    int n = 0;
    while ((n = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()))) > 0) bytes += static_cast<uint64_t>(n);
    gzclose(gz);
  }
  state.SetItemsProcessed(
      static_cast<int64_t>(static_cast<double>(state.iterations()) * static_cast<double>(in.events)));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
// JsonlReader alone: line splitting of the recording, per line.
void BM_jsonl_lines_only(benchmark::State& state) {
  const Inputs& in = inputs();
  if (!in.ok) {
    state.SkipWithError(in.why.c_str());
    return;
  }
  uint64_t lines = 0;
  for (auto _ : state) {
    core::JsonlReader r;
    if (!r.open(in.recording).ok()) state.SkipWithError("open");
    std::string_view line;
    while (r.next(line) == core::JsonlReader::Result::kLine) {
      benchmark::DoNotOptimize(line);
      ++lines;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(lines));
}

BENCHMARK(BM_capture_txt_fast)->Name("replay_capture_txt/capture_source_fast");
BENCHMARK(BM_capture_txt_generic)->Name("replay_capture_txt/capture_source_generic_simdjson");
BENCHMARK(BM_plain_read_only)->Name("replay_capture_txt/read_only_no_parse");
BENCHMARK(BM_capture_gz_fast)->Name("replay_capture_gz/capture_source_fast");
BENCHMARK(BM_capture_gz_generic)->Name("replay_capture_gz/capture_source_generic_simdjson");
BENCHMARK_CAPTURE(BM_gz_inflate_only, 256k, 256 * 1024)->Name("replay_capture_gz/inflate_only_gzbuffer_256k");
BENCHMARK_CAPTURE(BM_gz_inflate_only, 1m, 1024 * 1024)->Name("replay_capture_gz/inflate_only_gzbuffer_1m");
BENCHMARK(BM_recording_fast)->Name("replay_recording/recording_source_fast");
BENCHMARK(BM_recording_generic)->Name("replay_recording/recording_source_generic_simdjson");
BENCHMARK(BM_jsonl_lines_only)->Name("replay_recording/jsonl_reader_lines_only");
BENCHMARK(BM_real_gz_fast)->Name("replay_capture_real_usdm_gz/capture_source_fast");
BENCHMARK(BM_real_gz_generic)->Name("replay_capture_real_usdm_gz/capture_source_generic_simdjson");

}  // namespace

BENCHMARK_MAIN();
