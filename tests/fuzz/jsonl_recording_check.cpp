// The JSONL recording target: EventDecoder's fast path against simdjson, decode() against
// decode_padded(), JsonlReader's line splitting at two buffer sizes, RecordingSource's accounting.
#include <cstring>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/event_codec.h"
#include "core/recorder.h"
#include "feed/replay_feed.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_util.h"

namespace dmabot::fuzz {
namespace {

struct Decoder {
  explicit Decoder(bool fast) : decoder(&symbols) { decoder.set_fast_path(fast); }
  core::SymbolTable symbols;
  core::EventDecoder decoder;
};

// Every field of a decoded line as text: events through their encoder (which writes every field),
// md/trade/mark through flatten() (symbols by name), the header and footer field by field.
std::string flatten(const core::RecordedEvent& r, const Decoder& d) {
  std::string out = core::str_cat(core::to_string(r.kind), " seq ", r.seq, ": ");
  char buf[4096];
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out += "(none)";
        } else if constexpr (std::is_same_v<T, core::MdTick> || std::is_same_v<T, core::Trade> ||
                             std::is_same_v<T, core::MarkPrice>) {
          out += fuzz::flatten(e, d.symbols);
        } else if constexpr (std::is_same_v<T, core::RecordFooter>) {
          core::str_append(out, "events ", e.events);
          for (uint64_t c : e.counts) core::str_append(out, " ", c);
        } else {
          const std::size_t n = core::encode(e, r.seq, d.symbols, buf, sizeof(buf));
          out.append(buf, n);
          core::str_append(out, " sym ", symbol_name(e.symbol, d.symbols));
        }
      },
      r.event);
  if (r.kind == core::RecordKind::kConfig) {
    const core::ConfigHeader& h = d.decoder.config_header();
    core::str_append(out, "v", h.version, " program '", h.program, "'");
    for (const auto& [k, v] : h.pairs) core::str_append(out, " ", k, "=", v);
  }
  return out;
}

std::string answer(core::DecodeResult res, const core::RecordedEvent& r, const Decoder& d) {
  if (res != core::DecodeResult::kOk) {
    return core::str_cat(core::to_string(res), ": ", d.decoder.error(), " (field '", d.decoder.error_field(), "')");
  }
  return flatten(r, d);
}

struct Lines {
  std::vector<std::string> lines;  // "<result> <line>"
};

Lines split(const std::string& path, std::size_t buffer_bytes) {
  core::JsonlReader reader(buffer_bytes);
  Lines out;
  if (absl::Status st = reader.open(path); !st.ok()) {
    out.lines.push_back("open: " + st.ToString());
    return out;
  }
  std::string_view line;
  for (;;) {
    const core::JsonlReader::Result r = reader.next(line);
    if (r == core::JsonlReader::Result::kEof) break;
    if (r == core::JsonlReader::Result::kError) {
      out.lines.push_back("error: " + reader.status().ToString());
      break;
    }
    out.lines.push_back(core::str_cat(static_cast<int>(r), " ", reader.line_number(), " ", line));
    if (out.lines.size() > 100000) break;
  }
  return out;
}

}  // namespace

std::string check_jsonl_recording(std::string_view input) {
  Decoder fast(true), generic(false), padded(true);
  core::RecordedEvent rf, rg, rp;
  std::vector<char> buf;
  std::size_t i = 0;
  for (std::string_view line : lines_of(input)) {
    ++i;
    const std::string where = core::str_cat("line ", i, " '", shown(line), "': ");
    const core::DecodeResult df = fast.decoder.decode(line, rf);
    const core::DecodeResult dg = generic.decoder.decode(line, rg);
    const std::string af = answer(df, rf, fast), ag = answer(dg, rg, generic);
    if (af != ag) return where + "fast path '" + af + "' vs simdjson '" + ag + "'";
    // decode_padded() with the bytes that follow the line in the input as its padding, then '7's.
    buf.assign(line.size() + core::kJsonPadding, '7');
    std::memcpy(buf.data(), line.data(), line.size());
    const std::size_t begin = static_cast<std::size_t>(line.data() - input.data());
    const std::size_t follow = std::min(core::kJsonPadding, input.size() - begin - line.size());
    std::memcpy(buf.data() + line.size(), input.data() + begin + line.size(), follow);
    const core::DecodeResult dp = padded.decoder.decode_padded(std::string_view(buf.data(), line.size()), rp);
    const std::string ap = answer(dp, rp, padded);
    if (ap != af) return where + "decode_padded '" + ap + "' vs decode '" + af + "'";
  }

  TempFile file(input, "recording.jsonl");
  const Lines big = split(file.path(), 64 << 10), small = split(file.path(), 4096);
  if (big.lines != small.lines) {
    for (std::size_t k = 0; k < std::min(big.lines.size(), small.lines.size()); ++k) {
      if (big.lines[k] != small.lines[k]) {
        return core::str_cat("JsonlReader line ", k + 1, ": 4 KiB buffer '", shown(small.lines[k]), "' vs 64 KiB '",
                             shown(big.lines[k]), "'");
      }
    }
    return core::str_cat("JsonlReader: ", small.lines.size(), " lines with a 4 KiB buffer vs ", big.lines.size());
  }

  core::SymbolTable symbols;
  feed::RecordingSource source(symbols);
  if (!source.open(file.path()).ok()) return {};
  feed::ReplayEvent ev;
  uint64_t handed_out = 0;
  while (source.next(ev)) {
    if (++handed_out > 100000) return "RecordingSource hands out more events than the file has lines";
  }
  const feed::SourceStats s = source.stats();
  if (s.total_events() != handed_out) return "RecordingSource: events per kind do not add up to the events handed out";
  if (s.lines != s.total_events() + s.skipped + s.malformed) {
    return core::str_cat("RecordingSource: lines ", s.lines, " != events ", s.total_events(), " + skipped ", s.skipped,
                         " + malformed ", s.malformed);
  }
  return {};
}

}  // namespace dmabot::fuzz
