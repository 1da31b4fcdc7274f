// Market-data parsing and recording codecs, with a generic simdjson DOM parse of the same text as the
// competing baseline in the same binary. Inputs are seeded Binance-like bookTicker messages, and for
// the real_bookticker group the real messages of a capture in tests/data (against bare simdjson
// On-Demand field extraction and nlohmann::json, the latter when nlohmann-json3-dev is installed).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#ifdef DMABOT_HAVE_NLOHMANN
#include <nlohmann/json.hpp>
#endif

#include <cctype>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "bench/real_book_tickers.h"
#include "core/event_codec.h"
#include "core/prng.h"
#include "core/strings.h"
#include "core/symbol_table.h"
#include "feed/binance_parser.h"

namespace {

using namespace dmabot;

#ifdef DMABOT_BENCH_SOURCE_DIR
constexpr const char* kSourceDir = DMABOT_BENCH_SOURCE_DIR;
#else
constexpr const char* kSourceDir = ".";
#endif

std::vector<std::string> book_tickers(std::size_t n) {
  core::SplitMix64 rng(2024);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    const double bid = 61000 + static_cast<double>(rng.next() % 200000) / 100.0;
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":%llu,\"s\":\"BTCUSDT\",\"b\":\"%.8f\","
                  "\"B\":\"%.8f\",\"a\":\"%.8f\",\"A\":\"%.8f\"}}",
                  static_cast<unsigned long long>(50093239212 + i), bid, static_cast<double>(rng.next() % 500000) / 1e5,
                  bid + 0.01, static_cast<double>(rng.next() % 500000) / 1e5);
    out.emplace_back(buf);
  }
  return out;
}

// USD-M futures shape: "e" first, prices on a 0.1 grid, "T" and "E" last.
std::vector<std::string> futures_book_tickers(std::size_t n) {
  core::SplitMix64 rng(2025);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    const double bid = 61000 + static_cast<double>(rng.next() % 20000) / 10.0;
    const unsigned long long t = 1723161256313ULL + i;
    char buf[320];
    std::snprintf(buf, sizeof(buf),
                  "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"e\":\"bookTicker\",\"u\":%llu,\"s\":\"BTCUSDT\","
                  "\"b\":\"%.2f\",\"B\":\"%.3f\",\"a\":\"%.2f\",\"A\":\"%.3f\",\"T\":%llu,\"E\":%llu}}",
                  static_cast<unsigned long long>(5123107839020 + i), bid,
                  static_cast<double>(rng.next() % 50000) / 1e3, bid + 0.1,
                  static_cast<double>(rng.next() % 50000) / 1e3, t, t);
    out.emplace_back(buf);
  }
  return out;
}

// Our parser (exact fixed point, symbol lookup): the bookTicker fast path, or with fast=false the
// generic path (one reused simdjson on-demand parser) that every other message takes.
void run_bookticker(benchmark::State& state, const std::vector<std::string>& msgs, bool fast) {
  core::SymbolTable symbols;
  symbols.add("BTCUSDT");
  feed::BinanceParser parser(symbols);
  parser.set_fast_path(fast);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto r = parser.parse(msgs[i++ & 1023], 1);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(parser.tick());
  }
  if (parser.counters().kind(feed::MsgKind::kMdTick) != static_cast<uint64_t>(state.iterations())) {
    state.SkipWithError("a message did not parse");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Baseline: spot shape, default (fast) path.
void BM_bookticker_parse_dmabot(benchmark::State& state) { run_bookticker(state, book_tickers(1024), true); }
BENCHMARK(BM_bookticker_parse_dmabot)->Name("bookticker_parse/dmabot_binance_parser");
void BM_bookticker_parse_futures(benchmark::State& state) { run_bookticker(state, futures_book_tickers(1024), true); }
BENCHMARK(BM_bookticker_parse_futures)->Name("bookticker_parse/dmabot_binance_parser_futures");
void BM_bookticker_parse_generic(benchmark::State& state) { run_bookticker(state, book_tickers(1024), false); }
BENCHMARK(BM_bookticker_parse_generic)->Name("bookticker_parse/dmabot_generic_simdjson");
void BM_bookticker_parse_generic_futures(benchmark::State& state) {
  run_bookticker(state, futures_book_tickers(1024), false);
}
BENCHMARK(BM_bookticker_parse_generic_futures)->Name("bookticker_parse/dmabot_generic_simdjson_futures");

// Competitor: a generic simdjson DOM parse reading the same fields (prices as strtod doubles).
void BM_bookticker_parse_simdjson_dom(benchmark::State& state) {
  simdjson::dom::parser parser;
  const auto msgs = book_tickers(1024);
  std::vector<simdjson::padded_string> padded;
  for (const auto& m : msgs) padded.emplace_back(m);
  std::size_t i = 0;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(padded[i++ & 1023]).get(doc)) state.SkipWithError("parse");
    simdjson::dom::element data = doc["data"];
    std::string_view b, a;
    uint64_t u = 0;
    if (data["b"].get(b) || data["a"].get(a) || data["u"].get(u)) state.SkipWithError("field");
    double bid = std::strtod(std::string(b).c_str(), nullptr);
    double ask = std::strtod(std::string(a).c_str(), nullptr);
    benchmark::DoNotOptimize(bid);
    benchmark::DoNotOptimize(ask);
    benchmark::DoNotOptimize(u);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_bookticker_parse_simdjson_dom)->Name("bookticker_parse/simdjson_dom_strtod");

// --- The same fields from real Binance messages: ours, bare simdjson On-Demand, nlohmann::json ----------
// Input: the bookTicker messages of tests/data/spot_btcusdt_20240808.head.raw.gz, Binance's bytes. Group
// baseline: our parser. Each competitor reads the same six fields (u, s, b, B, a, A); the bare On-Demand
// one leaves the decimals as string views (the least any parser must do), nlohmann builds its DOM and
// copies the strings out (how a typical C++ client reads a message).

const std::vector<std::string>& real_messages() {
  static const std::vector<std::string> msgs =
      dmabot::bench::read_book_tickers(std::string(kSourceDir) + "/tests/data/spot_btcusdt_20240808.head.raw.gz");
  return msgs;
}

// The six fields a competitor read, kept from being optimised away.
template <class Str>
void keep_fields(uint64_t u, const Str& s, const Str& b, const Str& bq, const Str& a, const Str& aq) {
  benchmark::DoNotOptimize(u);
  for (const Str* f : {&s, &b, &bq, &a, &aq}) benchmark::DoNotOptimize(f->data());
}

void BM_real_parse_dmabot(benchmark::State& state) {
  const auto& msgs = real_messages();
  if (msgs.empty()) return state.SkipWithError("tests/data capture not found");
  core::SymbolTable symbols;
  symbols.add("BTCUSDT");
  feed::BinanceParser parser(symbols);
  std::vector<std::string> padded;
  for (const auto& m : msgs) padded.push_back(m + std::string(feed::BinanceParser::kPadding, ' '));
  std::size_t i = 0;
  for (auto _ : state) {
    const std::string& m = padded[i++ % padded.size()];
    const auto r = parser.parse_padded(m.data(), m.size() - feed::BinanceParser::kPadding, m.size(), 1);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(parser.tick());
  }
  if (parser.counters().kind(feed::MsgKind::kMdTick) != static_cast<uint64_t>(state.iterations())) {
    state.SkipWithError("a message did not parse");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_real_parse_dmabot)->Name("real_bookticker/dmabot_binance_parser");

void BM_real_parse_ondemand_bare(benchmark::State& state) {
  const auto& msgs = real_messages();
  if (msgs.empty()) return state.SkipWithError("tests/data capture not found");
  simdjson::ondemand::parser parser;
  std::vector<simdjson::padded_string> padded;
  for (const auto& m : msgs) padded.emplace_back(m);
  std::size_t i = 0;
  for (auto _ : state) {
    simdjson::ondemand::document doc;
    if (parser.iterate(padded[i++ % padded.size()]).get(doc)) return state.SkipWithError("parse");
    simdjson::ondemand::object data;
    if (doc["data"].get_object().get(data)) return state.SkipWithError("data");
    uint64_t u = 0;
    std::string_view s, b, bq, a, aq;
    if (data["u"].get_uint64().get(u) || data["s"].get_string().get(s) || data["b"].get_string().get(b) ||
        data["B"].get_string().get(bq) || data["a"].get_string().get(a) || data["A"].get_string().get(aq)) {
      return state.SkipWithError("field");
    }
    keep_fields(u, s, b, bq, a, aq);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_real_parse_ondemand_bare)->Name("real_bookticker/simdjson_ondemand_bare_fields");

#ifdef DMABOT_HAVE_NLOHMANN
void BM_real_parse_nlohmann(benchmark::State& state) {
  const auto& msgs = real_messages();
  if (msgs.empty()) return state.SkipWithError("tests/data capture not found");
  std::size_t i = 0;
  for (auto _ : state) {
    const nlohmann::json j = nlohmann::json::parse(msgs[i++ % msgs.size()]);
    const nlohmann::json& d = j.at("data");
    const uint64_t u = d.at("u").get<uint64_t>();
    std::string s = d.at("s").get<std::string>(), b = d.at("b").get<std::string>(), bq = d.at("B").get<std::string>(),
                a = d.at("a").get<std::string>(), aq = d.at("A").get<std::string>();
    keep_fields(u, s, b, bq, a, aq);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_real_parse_nlohmann)->Name("real_bookticker/nlohmann_json");
#endif

core::MdTick sample_tick(core::SymbolId sym, uint64_t i) {
  core::MdTick t;
  t.symbol = sym;
  t.ts_local = 1723161254087891268 + static_cast<int64_t>(i);
  t.ts_exchange = t.ts_local;
  t.update_id = 50093239212 + i;
  t.bid = core::Price::from_raw(6183763000000 + static_cast<int64_t>(i % 1000) * 1'000'000);
  t.ask = core::Price::from_raw(t.bid.raw + 1'000'000);
  t.bid_qty = core::Qty::from_raw(378826000);
  t.ask_qty = core::Qty::from_raw(154698000);
  return t;
}

// Baseline of the recording group: encode one md line.
void BM_jsonl_encode_md(benchmark::State& state) {
  core::SymbolTable symbols;
  const auto sym = symbols.add("BTCUSDT");
  char buf[1024];
  uint64_t i = 0;
  for (auto _ : state) {
    const std::size_t n = core::encode(sample_tick(sym, i), i, symbols, buf, sizeof(buf));
    ++i;
    benchmark::DoNotOptimize(n);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_jsonl_encode_md)->Name("jsonl_md/dmabot_encode");

void BM_jsonl_decode_md(benchmark::State& state) {
  core::SymbolTable symbols;
  const auto sym = symbols.add("BTCUSDT");
  std::vector<std::string> lines;
  char buf[1024];
  for (uint64_t i = 0; i < 1024; ++i) {
    const std::size_t n = core::encode(sample_tick(sym, i), i + 1, symbols, buf, sizeof(buf));
    lines.emplace_back(buf, n - 1);  // without the newline
  }
  core::EventDecoder decoder(&symbols);
  core::RecordedEvent ev;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto r = decoder.decode(lines[i++ & 1023], ev);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(ev);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_jsonl_decode_md)->Name("jsonl_md/dmabot_decode");

// The same lines through the generic simdjson decoder: a leading blank is all it takes (the fast
// path wants '{' first; the generic decoder skips blanks), so the work differs only in the path.
void BM_jsonl_decode_md_generic(benchmark::State& state) {
  core::SymbolTable symbols;
  const auto sym = symbols.add("BTCUSDT");
  std::vector<std::string> lines;
  char buf[1024];
  for (uint64_t i = 0; i < 1024; ++i) {
    const std::size_t n = core::encode(sample_tick(sym, i), i + 1, symbols, buf, sizeof(buf));
    std::string line(1, ' ');
    line.append(buf, n - 1);
    lines.push_back(std::move(line));
  }
  core::EventDecoder decoder(&symbols);
  core::RecordedEvent ev;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto r = decoder.decode(lines[i++ & 1023], ev);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(ev);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_jsonl_decode_md_generic)->Name("jsonl_md/dmabot_decode_generic_simdjson");

}  // namespace

// ---------------------------------------------------------------------------------------------
// Symbol lookup, as the feed does it for every frame (BinanceParser::resolve_symbol misses its
// one-entry cache whenever consecutive frames name different symbols): SymbolTable::find through its
// index, against the linear case-insensitive scan it replaced (kept here as the reference), over a
// table of N names looked up round-robin. Group baseline: the index at N = 16.
namespace symbol_lookup {
std::vector<std::string> names(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(dmabot::core::str_cat("SYM", i, "USDT"));
  return out;
}
// The lookup before the index: every instrument in turn, std::toupper per character.
dmabot::core::SymbolId linear_find(const std::vector<std::string>& upper, std::string_view name) {
  for (std::size_t i = 0; i < upper.size(); ++i) {
    const std::string& u = upper[i];
    if (u.size() != name.size()) continue;
    std::size_t k = 0;
    while (k < u.size() && std::toupper(static_cast<unsigned char>(name[k])) == static_cast<unsigned char>(u[k])) ++k;
    if (k == u.size()) return static_cast<dmabot::core::SymbolId>(i);
  }
  return dmabot::core::kNoSymbol;
}
void run(benchmark::State& state, bool indexed) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<std::string> all = names(n);
  dmabot::core::SymbolTable table;
  for (const std::string& s : all) table.add(s);
  std::size_t i = 0;
  uint64_t sum = 0;
  for (auto _ : state) {
    const std::string_view name = all[i];
    i = i + 1 == n ? 0 : i + 1;
    sum += indexed ? table.find(name) : linear_find(all, name);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
}  // namespace symbol_lookup
void BM_symbol_lookup_index(benchmark::State& state) { symbol_lookup::run(state, true); }
void BM_symbol_lookup_linear(benchmark::State& state) { symbol_lookup::run(state, false); }
BENCHMARK(BM_symbol_lookup_index)->Name("symbol_lookup/index")->Arg(16)->Arg(256)->Arg(1024);
BENCHMARK(BM_symbol_lookup_linear)->Name("symbol_lookup/linear_scan_before")->Arg(16)->Arg(256)->Arg(1024);

BENCHMARK_MAIN();
