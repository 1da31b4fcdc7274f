#include "core/metrics.h"

#include <bit>
#include <cmath>
#include <limits>

#include "core/strings.h"

namespace dmabot::core {
namespace {
constexpr int kSubBuckets = 4;  // per power of two
constexpr int kMinShift = 6;    // first bound 64 ns

std::string escape_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// HELP text escaping per the text format: a raw newline would end the line and break the parse.
std::string escape_help(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Nanoseconds to seconds for exposition. Division by the exact 1e9 gives the correctly rounded
// quotient, so bounds print in their shortest form ("1.12e-07"); multiplying by the inexact 1e-9
// printed half of them as "1.1200000000000001e-07".
double ns_to_seconds(double ns) { return ns / 1e9; }

// Merges extra labels (le="...") into a rendered label set.
std::string with_label(const std::string& rendered, std::string_view k, std::string_view v) {
  std::string extra = str_cat(k, "=\"", v, "\"");
  if (rendered.empty()) return str_cat("{", extra, "}");
  return str_cat(rendered.substr(0, rendered.size() - 1), ",", extra, "}");
}
}  // namespace

LatencyHistogram::LatencyHistogram() {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
}

int64_t LatencyHistogram::bucket_upper_ns(int i) noexcept {
  if (i >= kBuckets - 1) return std::numeric_limits<int64_t>::max();
  // Bucket i covers (upper(i-1), upper(i)]; bounds are 2^(6 + i/4) * (1 + (i%4)/4).
  const int octave = i / kSubBuckets;
  const int sub = i % kSubBuckets;
  const int64_t base = int64_t{1} << (kMinShift + octave);
  return base + base * sub / kSubBuckets;
}

int LatencyHistogram::bucket_index(int64_t ns) noexcept {
  if (ns <= (int64_t{1} << kMinShift)) return 0;
  // Smallest i with upper(i) >= ns. Start from the octave of ns and walk at most a few steps.
  const int msb = 63 - std::countl_zero(static_cast<uint64_t>(ns));
  int i = (msb - kMinShift - 1) * kSubBuckets;
  if (i < 0) i = 0;
  // Values past the last finite bound (~15 s) would otherwise start the walk beyond the array.
  if (i > kBuckets - 1) return kBuckets - 1;
  while (i < kBuckets - 1 && bucket_upper_ns(i) < ns) ++i;
  return i;
}

void LatencyHistogram::record(int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  auto& b = buckets_[bucket_index(ns)];
  b.store(b.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  sum_.store(sum_.load(std::memory_order_relaxed) + static_cast<uint64_t>(ns), std::memory_order_relaxed);
  count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

int64_t LatencyHistogram::quantile_ns(double q) const noexcept {
  uint64_t total = 0;
  for (const auto& b : buckets_) total += b.load(std::memory_order_relaxed);
  if (total == 0) return 0;
  if (q < 0) q = 0;
  if (q > 1) q = 1;
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(total))));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= rank) return bucket_upper_ns(i == kBuckets - 1 ? kBuckets - 2 : i);
  }
  return bucket_upper_ns(kBuckets - 2);
}

std::string Labels::render() const {
  if (pairs.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (i) out += ",";
    str_append(out, pairs[i].first, "=\"", escape_label(pairs[i].second), "\"");
  }
  out += "}";
  return out;
}

std::string Registry::exported_name(std::string_view name) const {
  if (name.substr(0, namespace_.size()) == namespace_) return std::string(name);
  return str_cat(namespace_, name);
}

std::vector<Registry::FamilyInfo> Registry::families() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<FamilyInfo> out;
  for (const Family& f : families_) {
    out.push_back(FamilyInfo{f.name, f.type == Type::kCounter                                       ? "counter"
                                     : f.type == Type::kHistogram || f.type == Type::kFineHistogram ? "histogram"
                                                                                                    : "gauge"});
  }
  return out;
}

std::size_t Registry::family_index(const std::string& short_name, const std::string& help, Type t) {
  const std::string name = exported_name(short_name);
  // Gauges and callback gauges share a family; any other type clash (a programming error) gets a
  // family of its own, so a series is never rendered through another metric type's layout.
  auto kind = [](Type x) { return x == Type::kCallbackGauge ? Type::kGauge : x; };
  for (std::size_t i = 0; i < families_.size(); ++i) {
    if (families_[i].name == name && kind(families_[i].type) == kind(t)) return i;
  }
  families_.push_back(Family{name, help, t});
  return families_.size() - 1;
}

Counter& Registry::add_counter(std::string name, std::string help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::size_t f = family_index(name, help, Type::kCounter);
  Counter& c = counters_.emplace_back();
  series_.push_back(Series{f, labels.render(), &c});
  return c;
}

Gauge& Registry::add_gauge(std::string name, std::string help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::size_t f = family_index(name, help, Type::kGauge);
  Gauge& g = gauges_.emplace_back();
  series_.push_back(Series{f, labels.render(), &g});
  return g;
}

LatencyHistogram& Registry::add_histogram(std::string name, std::string help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::size_t f = family_index(name, help, Type::kHistogram);
  LatencyHistogram& h = histograms_.emplace_back();
  series_.push_back(Series{f, labels.render(), &h});
  return h;
}

HdrHistogram& Registry::add_fine_histogram(std::string name, std::string help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::size_t f = family_index(name, help, Type::kFineHistogram);
  HdrHistogram& h = fine_histograms_.emplace_back();
  series_.push_back(Series{f, labels.render(), &h});
  return h;
}

void Registry::add_callback_gauge(std::string name, std::string help, Labels labels, double (*fn)(const void*),
                                  const void* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::size_t f = family_index(name, help, Type::kCallbackGauge);
  series_.push_back(Series{f, labels.render(), ctx, fn});
}

std::string Registry::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (std::size_t f = 0; f < families_.size(); ++f) {
    const Family& fam = families_[f];
    const char* type = fam.type == Type::kCounter                                         ? "counter"
                       : fam.type == Type::kHistogram || fam.type == Type::kFineHistogram ? "histogram"
                                                                                          : "gauge";
    str_append(out, "# HELP ", fam.name, " ", escape_help(fam.help), "\n# TYPE ", fam.name, " ", type, "\n");
    for (const Series& s : series_) {
      if (s.family != f) continue;
      // Families are per type (see family_index); a gauge family may hold callback series too.
      Type type_of_series = fam.type;
      if (s.fn != nullptr) {
        type_of_series = Type::kCallbackGauge;
      } else if (fam.type == Type::kCallbackGauge) {
        type_of_series = Type::kGauge;  // a plain gauge added to a family a callback gauge opened
      }
      switch (type_of_series) {
        case Type::kCounter:
          str_append(out, fam.name, s.labels, " ", static_cast<const Counter*>(s.metric)->value(), "\n");
          break;
        case Type::kGauge:
          str_append(out, fam.name, s.labels, " ", format_double(static_cast<const Gauge*>(s.metric)->value()), "\n");
          break;
        case Type::kCallbackGauge:
          str_append(out, fam.name, s.labels, " ", format_double(s.fn(s.metric)), "\n");
          break;
        case Type::kHistogram: {
          // Exposed in seconds, as Prometheus convention asks; buckets are cumulative. Read the
          // buckets first and derive count from them so count == the +Inf bucket.
          const auto* h = static_cast<const LatencyHistogram*>(s.metric);
          uint64_t cum = 0;
          for (int i = 0; i < LatencyHistogram::kBuckets; ++i) {
            cum += h->bucket_count(i);
            const std::string le =
                i == LatencyHistogram::kBuckets - 1
                    ? std::string("+Inf")
                    : format_double(ns_to_seconds(static_cast<double>(LatencyHistogram::bucket_upper_ns(i))));
            str_append(out, fam.name, "_bucket", with_label(s.labels, "le", le), " ", cum, "\n");
          }
          str_append(out, fam.name, "_sum", s.labels, " ",
                     format_double(ns_to_seconds(static_cast<double>(h->sum_ns()))), "\n");
          str_append(out, fam.name, "_count", s.labels, " ", cum, "\n");
          break;
        }
        case Type::kFineHistogram: {
          // Bounds 2^(k/8) ns; one pass over the fine buckets, each added once it lies wholly at or
          // below the bound. count is derived from the buckets, so it equals the +Inf bucket.
          const auto* h = static_cast<const HdrHistogram*>(s.metric);
          uint64_t cum = 0;
          std::size_t b = 0;
          constexpr int kFirst = kFineExportFirstShift * kFineExportPerOctave;
          constexpr int kLast = kFineExportLastShift * kFineExportPerOctave;
          for (int k = kFirst; k <= kLast; ++k) {
            const auto bound = static_cast<int64_t>(
                std::llround(std::exp2(static_cast<double>(k) / static_cast<double>(kFineExportPerOctave))));
            while (b < HdrHistogram::kBuckets && HdrHistogram::bucket_highest(b) <= bound) cum += h->bucket_count(b++);
            str_append(out, fam.name, "_bucket",
                       with_label(s.labels, "le", format_double(ns_to_seconds(static_cast<double>(bound)))), " ", cum,
                       "\n");
          }
          while (b < HdrHistogram::kBuckets) cum += h->bucket_count(b++);
          str_append(out, fam.name, "_bucket", with_label(s.labels, "le", "+Inf"), " ", cum, "\n");
          str_append(out, fam.name, "_sum", s.labels, " ", format_double(ns_to_seconds(static_cast<double>(h->sum()))),
                     "\n");
          str_append(out, fam.name, "_count", s.labels, " ", cum, "\n");
          break;
        }
      }
    }
  }
  return out;
}

uint64_t Registry::counter_total(std::string_view short_name) const {
  const std::string name = exported_name(short_name);
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const Series& s : series_) {
    if (families_[s.family].name == name && families_[s.family].type == Type::kCounter) {
      total += static_cast<const Counter*>(s.metric)->value();
    }
  }
  return total;
}

uint64_t Registry::counter_value(std::string_view short_name, const Labels& labels) const {
  const std::string name = exported_name(short_name);
  const std::string want = labels.render();
  std::lock_guard<std::mutex> lock(mu_);
  for (const Series& s : series_) {
    if (families_[s.family].name == name && s.labels == want && families_[s.family].type == Type::kCounter) {
      return static_cast<const Counter*>(s.metric)->value();
    }
  }
  return 0;
}

}  // namespace dmabot::core
