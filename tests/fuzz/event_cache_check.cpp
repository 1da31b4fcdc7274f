// The event cache target: edits and cuts applied to a valid small cache, read with CacheSource.
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_codec.h"
#include "feed/event_cache.h"
#include "feed/replay_feed.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_util.h"

namespace dmabot::fuzz {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A recording of 40 md/trade/mark events over two symbols (plus a ctl line the cache skips).
std::string small_recording() {
  core::SymbolTable symbols;
  symbols.add("BTCUSDT");
  symbols.add("ETHUSDT");
  std::string text = core::encode_config_header("fuzz", {{"SYMBOLS", "BTCUSDT,ETHUSDT"}});
  char buf[1024];
  constexpr int64_t kT0 = 1'700'000'000'000'000'000;
  uint64_t seq = 0;
  for (int i = 0; i < 40; ++i) {
    const int64_t ts = kT0 + 1000 * i;
    const auto sym = static_cast<core::SymbolId>(i % 2);
    std::size_t n = 0;
    if (i % 3 == 0) {
      core::MdTick t;
      t.ts_exchange = ts - 7;
      t.ts_local = ts;
      t.update_id = 100 + static_cast<uint64_t>(i);
      t.bid = core::Price::from_raw(6'183'763'000'000 + i);
      t.bid_qty = core::Qty::from_raw(378'826'000 - i);
      t.ask = core::Price::from_raw(6'183'764'000'000 + i);
      t.ask_qty = core::Qty::from_raw(154'698'000 + i);
      t.symbol = sym;
      n = core::encode(t, ++seq, symbols, buf, sizeof(buf));
    } else if (i % 3 == 1) {
      core::Trade t;
      t.ts_exchange = ts - 3;
      t.ts_local = ts;
      t.trade_id = 9000 + static_cast<uint64_t>(i);
      t.price = core::Price::from_raw(6'183'763'500'000 + i);
      t.qty = core::Qty::from_raw(1'000 * i);
      t.symbol = sym;
      t.aggressor = i % 2 == 0 ? core::Side::kBuy : core::Side::kSell;
      n = core::encode(t, ++seq, symbols, buf, sizeof(buf));
    } else {
      core::MarkPrice m;
      m.ts_exchange = ts - 1;
      m.ts_local = ts;
      m.next_funding_time = kT0 + 3'600'000'000'000;
      m.mark = core::Price::from_raw(6'183'000'000'000 + i);
      m.index = core::Price::from_raw(6'182'900'000'000 - i);
      m.funding_rate_raw = -2'760 + i;
      m.symbol = sym;
      n = core::encode(m, ++seq, symbols, buf, sizeof(buf));
    }
    text.append(buf, n);
    if (i == 20) {
      core::Control c;
      c.ts_local = ts + 1;
      text.append(buf, core::encode(c, ++seq, symbols, buf, sizeof(buf)));
    }
  }
  return text;
}

std::string flatten(const feed::ReplayEvent& e, const core::SymbolTable& symbols) {
  std::string out = core::str_cat(e.line, " ", e.ts_local, " ");
  switch (e.kind) {
    case feed::ReplayEvent::kMdTick:
      return out + fuzz::flatten(e.tick, symbols);
    case feed::ReplayEvent::kTrade:
      return out + fuzz::flatten(e.trade, symbols);
    case feed::ReplayEvent::kMarkPrice:
      return out + fuzz::flatten(e.mark, symbols);
  }
  return out + "?";
}

struct Read {
  bool opened = false;
  bool status_ok = false;
  std::string status;
  std::vector<std::string> events;
};

Read read_cache(const std::string& path) {
  core::SymbolTable symbols;
  feed::CacheSource source(symbols);
  Read r;
  const absl::Status st = source.open(path);
  r.opened = st.ok();
  if (!r.opened) {
    r.status = st.ToString();
    return r;
  }
  feed::ReplayEvent ev;
  while (source.next(ev)) {
    r.events.push_back(flatten(ev, symbols));
    if (r.events.size() > 1'000'000) break;
  }
  r.status_ok = source.status().ok();
  r.status = source.status().ToString();
  return r;
}

// The valid cache and what reading it gives, made once per process.
struct Template {
  std::string bytes;
  Read original;
  std::string error;  // "" when the template is usable
};

const Template& cache_template() {
  static const Template t = [] {
    Template out;
    TempFile recording(small_recording(), "small.jsonl");
    const std::string cache_path = recording.path() + ".cache";
    absl::StatusOr<feed::CacheWriteSummary> sum = feed::write_event_cache(recording.path(), cache_path);
    if (!sum.ok()) {
      out.error = "cannot make the template cache: " + sum.status().ToString();
      return out;
    }
    out.bytes = read_file(cache_path);
    ::unlink(cache_path.c_str());
    TempFile copy(out.bytes, "template.cache");
    out.original = read_cache(copy.path());
    if (!out.original.opened || !out.original.status_ok || out.original.events.size() != 40) {
      out.error = "the template cache does not read back: " + out.original.status;
    }
    return out;
  }();
  return t;
}

}  // namespace

std::string check_event_cache(std::string_view input) {
  const Template& t = cache_template();
  if (!t.error.empty()) return t.error;
  // The input, 4 bytes per edit: region, offset (2 bytes, little-endian), value.
  //   region % 6: 0 fixed header, 1 source name area, 2 symbol area, 3 records and seals
  //               (byte ^= value); 4 cut the file inside the records; 5 append `offset % 256`
  //               bytes of `value`.
  std::string bytes = t.bytes;
  const std::size_t records_offset = feed::cache::kRecordsOffset;
  const std::size_t records_bytes = t.bytes.size() - records_offset;
  bool cut = false;
  std::string edits;
  for (std::size_t i = 0; i + 4 <= input.size(); i += 4) {
    const auto u = [&](std::size_t k) { return static_cast<unsigned char>(input[i + k]); };
    const unsigned region = u(0) % 6;
    const std::size_t off = u(1) | (std::size_t{u(2)} << 8);
    const char value = static_cast<char>(u(3));
    std::size_t at = 0;
    switch (region) {
      case 0:
        at = off % feed::cache::kFixedHeaderBytes;
        break;
      case 1:
        at = feed::cache::kFixedHeaderBytes + off % feed::cache::kMaxSourceName;
        break;
      case 2:
        at = feed::cache::kFixedHeaderBytes + feed::cache::kMaxSourceName + off % 512;
        break;
      case 3:
        at = records_offset + off % records_bytes;
        break;
      case 4:
        if (bytes.size() > records_offset) bytes.resize(std::min(bytes.size(), records_offset + off % records_bytes));
        cut = true;
        core::str_append(edits, " cut@", bytes.size());
        continue;
      case 5:
        bytes.append(off % 256, value);
        core::str_append(edits, " append ", off % 256);
        continue;
    }
    if (at < bytes.size()) {
      bytes[at] = static_cast<char>(bytes[at] ^ value);
      core::str_append(edits, " ", at, "^", static_cast<int>(static_cast<unsigned char>(value)));
    }
  }
  TempFile file(bytes, "fuzz.cache");
  const Read r = read_cache(file.path());
  if (!r.opened) return {};
  const std::vector<std::string>& want = t.original.events;
  if (r.status_ok && r.events != want) {
    return core::str_cat("edits", edits, ": status OK but ", r.events.size(), " events differ from the ", want.size(),
                         " original ones");
  }
  // Without a cut every record is in a sealed block: what is handed out is the original, or nothing.
  if (!cut) {
    if (r.events.size() > want.size()) return core::str_cat("edits", edits, ": more events than the cache holds");
    for (std::size_t i = 0; i < r.events.size(); ++i) {
      if (r.events[i] != want[i]) {
        return core::str_cat("edits", edits, ": event ", i + 1, " changed ('", r.events[i], "' vs '", want[i],
                             "'), status ", r.status);
      }
    }
  }
  return {};
}

}  // namespace dmabot::fuzz
