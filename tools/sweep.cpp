#include "tools/sweep.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <random>
#include <thread>
#include <utility>

#include "core/clock.h"
#include "core/strings.h"
#include "core/types.h"

extern char** environ;

namespace dmabot::tools {

using core::invalid;
using core::str_append;
using core::str_cat;
using core::strip;

namespace {

// ---------------------------------------------------------------------------------------------
// Spec parsing

bool valid_key(std::string_view k) {
  if (k.empty()) return false;
  const auto first = static_cast<unsigned char>(k[0]);
  if (!(std::isalpha(first) || first == '_')) return false;
  for (char c : k) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_' || c == '.')) return false;
  }
  return true;
}

struct Item {
  std::string text;  // the whole item, for messages
  std::string key;
  std::string value;
};

absl::StatusOr<std::vector<Item>> split_spec(std::string_view kind, std::string_view spec) {
  std::vector<Item> items;
  if (strip(spec).empty()) return invalid(kind, " spec is empty");
  int n = 0;
  for (std::string_view raw : core::split(spec, ',')) {
    ++n;
    const std::string_view piece = strip(raw);
    if (piece.empty()) return invalid(kind, " spec item ", n, " is empty (stray ',')");
    const std::size_t eq = piece.find('=');
    if (eq == std::string_view::npos) return invalid(kind, " spec item '", piece, "': expected KEY=VALUE");
    Item it{std::string(piece), std::string(strip(piece.substr(0, eq))), std::string(strip(piece.substr(eq + 1)))};
    if (!valid_key(it.key)) {
      return invalid(kind, " spec item '", piece, "': '", it.key, "' is not a valid key (letters, digits, '_', '.')");
    }
    if (it.value.empty()) return invalid(kind, " spec item '", piece, "': empty value");
    for (const Item& prev : items) {
      if (prev.key == it.key) return invalid(kind, " spec: key '", it.key, "' appears twice");
    }
    items.push_back(std::move(it));
  }
  return items;
}

absl::StatusOr<std::vector<std::string>> parse_list(std::string_view kind, const Item& it) {
  std::vector<std::string> out;
  for (std::string_view v : core::split(it.value, '|')) {
    v = strip(v);
    if (v.empty()) return invalid(kind, " spec item '", it.text, "': empty value in the '|' list");
    out.emplace_back(v);
  }
  return out;
}

absl::Status parse_number(std::string_view kind, const Item& it, std::string_view what, std::string_view text,
                          int64_t& raw) {
  const core::DecimalError e = core::parse_decimal(text, true, raw);
  if (e != core::DecimalError::kOk) {
    return invalid(kind, " spec item '", it.text, "': ", what, " '", text, "' is not a decimal number (",
                   core::to_string(e), ")");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> grid_values(const Item& it) {
  if (it.value.find('|') != std::string::npos) return parse_list("grid", it);
  if (it.value.find(':') == std::string::npos) return std::vector<std::string>{it.value};
  const std::vector<std::string_view> parts = core::split(it.value, ':');
  if (parts.size() != 3) return invalid("grid spec item '", it.text, "': expected start:stop:step");
  int64_t start = 0, stop = 0, step = 0;
  if (auto st = parse_number("grid", it, "start", strip(parts[0]), start); !st.ok()) return st;
  if (auto st = parse_number("grid", it, "stop", strip(parts[1]), stop); !st.ok()) return st;
  if (auto st = parse_number("grid", it, "step", strip(parts[2]), step); !st.ok()) return st;
  if (step <= 0) return invalid("grid spec item '", it.text, "': step must be positive");
  if (stop < start) return invalid("grid spec item '", it.text, "': stop is below start");
  // Exact integer arithmetic on 1e-8 units: no accumulated 0.1 + 0.1 + 0.1 error.
  const uint64_t count = static_cast<uint64_t>((static_cast<__int128>(stop) - start) / step) + 1;
  if (count > kMaxSweepPoints) {
    return invalid("grid spec item '", it.text, "': ", count, " values, more than ", kMaxSweepPoints);
  }
  std::vector<std::string> out;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) out.push_back(core::decimal_to_string(start + static_cast<int64_t>(i) * step));
  return out;
}

struct RandomDim {
  enum Kind { kConst, kList, kUniform, kLog } kind = kConst;
  bool integer = false;
  std::vector<std::string> values;  // kConst: one; kList: the choices
  int64_t lo_raw = 0, hi_raw = 0;
};

absl::StatusOr<RandomDim> random_dim(const Item& it) {
  RandomDim d;
  if (it.value.find('|') != std::string::npos) {
    auto list = parse_list("random", it);
    if (!list.ok()) return list.status();
    d.kind = RandomDim::kList;
    d.values = std::move(*list);
    return d;
  }
  if (it.value.find(':') == std::string::npos) {
    d.values = {it.value};
    return d;
  }
  const std::vector<std::string_view> parts = core::split(it.value, ':');
  if (parts.size() != 2 && parts.size() != 3)
    return invalid("random spec item '", it.text, "': expected lo:hi or lo:hi:log");
  d.kind = RandomDim::kUniform;
  if (parts.size() == 3) {
    if (strip(parts[2]) != "log") {
      return invalid("random spec item '", it.text, "': third field must be 'log' (random ranges take no step)");
    }
    d.kind = RandomDim::kLog;
  }
  const std::string_view lo = strip(parts[0]), hi = strip(parts[1]);
  if (auto st = parse_number("random", it, "lo", lo, d.lo_raw); !st.ok()) return st;
  if (auto st = parse_number("random", it, "hi", hi, d.hi_raw); !st.ok()) return st;
  if (d.hi_raw < d.lo_raw) return invalid("random spec item '", it.text, "': hi is below lo");
  if (d.kind == RandomDim::kLog && d.lo_raw <= 0)
    return invalid("random spec item '", it.text, "': log range needs lo > 0");
  d.integer = lo.find('.') == std::string_view::npos && hi.find('.') == std::string_view::npos;
  return d;
}

// Uniform in [0, 1) from the top 53 bits: std::uniform_real_distribution is implementation-defined,
// this is not, so points are the same on every standard library.
double unit_draw(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

std::string draw(const RandomDim& d, std::mt19937_64& rng) {
  switch (d.kind) {
    case RandomDim::kConst:
      return d.values.front();
    case RandomDim::kList: {
      const double u = unit_draw(rng);
      const std::size_t i =
          std::min(d.values.size() - 1, static_cast<std::size_t>(u * static_cast<double>(d.values.size())));
      return d.values[i];
    }
    case RandomDim::kUniform:
    case RandomDim::kLog:
      break;
  }
  const double u = unit_draw(rng);
  const double lo = static_cast<double>(d.lo_raw) / core::kScale;
  const double hi = static_cast<double>(d.hi_raw) / core::kScale;
  if (d.integer) {
    // Integer bins [k, k+1): uniform or log-uniform over the widened range, then floor.
    const double top = hi + 1.0;
    double v =
        d.kind == RandomDim::kLog ? std::exp(std::log(lo) + u * (std::log(top) - std::log(lo))) : lo + u * (top - lo);
    v = std::clamp(std::floor(v), lo, hi);
    return core::decimal_to_string(static_cast<int64_t>(v) * core::kScale);
  }
  const double v =
      d.kind == RandomDim::kLog ? std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))) : lo + u * (hi - lo);
  // 6 significant digits, at most 8 decimals: short, and parseable by every Config getter.
  int decimals = 8;
  if (v != 0.0) decimals = std::clamp(5 - static_cast<int>(std::floor(std::log10(std::fabs(v)))), 0, 8);
  int64_t unit = 1;
  for (int i = decimals; i < 8; ++i) unit *= 10;
  int64_t raw = std::llround(v * std::pow(10.0, decimals)) * unit;
  raw = std::clamp(raw, d.lo_raw, d.hi_raw);
  return core::decimal_to_string(raw);
}

// ---------------------------------------------------------------------------------------------
// Flat JSON

void skip_ws(std::string_view s, std::size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
}

// A JSON string starting at s[i] == '"'; returns the raw token (with quotes) and its decoded text.
bool scan_string(std::string_view s, std::size_t& i, std::string* decoded) {
  if (i >= s.size() || s[i] != '"') return false;
  ++i;
  while (i < s.size()) {
    const char c = s[i++];
    if (c == '"') return true;
    if (static_cast<unsigned char>(c) < 0x20) return false;
    if (c != '\\') {
      if (decoded) decoded->push_back(c);
      continue;
    }
    if (i >= s.size()) return false;
    const char e = s[i++];
    char out = 0;
    switch (e) {
      case '"':
        out = '"';
        break;
      case '\\':
        out = '\\';
        break;
      case '/':
        out = '/';
        break;
      case 'b':
        out = '\b';
        break;
      case 'f':
        out = '\f';
        break;
      case 'n':
        out = '\n';
        break;
      case 'r':
        out = '\r';
        break;
      case 't':
        out = '\t';
        break;
      case 'u': {
        if (i + 4 > s.size()) return false;
        for (int k = 0; k < 4; ++k) {
          if (!std::isxdigit(static_cast<unsigned char>(s[i + k]))) return false;
        }
        // Keys and values here are ASCII in practice; keep other code points escaped.
        if (decoded) decoded->append(s.substr(i - 2, 6));
        i += 4;
        continue;
      }
      default:
        return false;
    }
    if (decoded) decoded->push_back(out);
  }
  return false;
}

// RFC 8259 number grammar.
bool is_json_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size()) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  } else {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t d = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == d) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const std::size_t d = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == d) return false;
  }
  return i == s.size();
}


// ---------------------------------------------------------------------------------------------
// Child processes

struct Child {
  pid_t pid = -1;
  int out_fd = -1, err_fd = -1;
  std::string out, err;
  std::size_t row = 0;
  bool oos = false;
  core::UnixNanos deadline = 0;  // monotonic; 0 = none
  bool timed_out = false;
};

struct RunOutcome {
  bool ok = false;
  std::string error;
  Metrics metrics;
};

constexpr std::size_t kMaxStdout = 4u << 20;   // keep the tail: the summary is the last line
constexpr std::size_t kMaxStderr = 64u << 10;  // keep the head: the first line is what we report

std::string first_line(std::string_view s) {
  for (std::string_view line : core::split(s, '\n')) {
    line = strip(line);
    if (!line.empty()) return std::string(line.substr(0, 500));
  }
  return {};
}

RunOutcome outcome(const Child& c, int status, int64_t timeout_s) {
  RunOutcome r;
  if (c.timed_out) {
    r.error = str_cat("timed out after ", timeout_s, " s");
    return r;
  }
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    r.error = first_line(c.err);
    if (r.error.empty()) {
      r.error = WIFEXITED(status) ? str_cat("exit status ", WEXITSTATUS(status))
                                  : str_cat("killed by signal ", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    return r;
  }
  std::string_view summary;
  for (std::string_view line : core::split(c.out, '\n')) {
    line = strip(line);
    if (!line.empty() && line.front() == '{') summary = line;
  }
  if (summary.empty()) {
    r.error = "no JSON summary line on stdout";
    return r;
  }
  auto m = parse_summary_json(summary);
  if (!m.ok()) {
    r.error = std::string(m.status().message());
    return r;
  }
  r.ok = true;
  r.metrics = std::move(*m);
  return r;
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Spawns one child with stdout/stderr on fresh pipes. Returns an error text when it cannot start.
std::string spawn(Child& c, const std::vector<std::string>& args) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return str_cat("pipe: ", std::strerror(errno));
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int e = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return str_cat("pipe: ", std::strerror(e));
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  // dup2 clears close-on-exec on the targets; every pipe end itself closes at exec.
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  // Own process group: a terminal's Ctrl-C goes to the sweep only, which stops the children itself
  // (they would otherwise die with it and be recorded as failed points). Signals start at their
  // defaults and unblocked, whatever the caller had.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) sigaddset(&defaults, sig);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return str_cat("cannot start '", args[0], "': ", std::strerror(rc));
  }
  c.pid = pid;
  c.out_fd = out_pipe[0];
  c.err_fd = err_pipe[0];
  return {};
}

// Reads what is available; closes the fd at EOF or on a hard error.
void drain(int& fd, std::string& buf, bool keep_tail, std::size_t cap) {
  char chunk[65536];
  const ssize_t n = ::read(fd, chunk, sizeof(chunk));
  if (n > 0) {
    if (keep_tail) {
      buf.append(chunk, static_cast<std::size_t>(n));
      if (buf.size() > cap) buf.erase(0, buf.size() - cap / 2);
    } else if (buf.size() < cap) {
      buf.append(chunk, std::min(static_cast<std::size_t>(n), cap - buf.size()));
    }
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  close_fd(fd);
}

std::vector<std::string> command_for(const std::vector<std::string>& base, const SweepPoint& p,
                                     const std::string& set_flag) {
  std::vector<std::string> args = base;
  for (const auto& [k, v] : p.params) {
    if (!set_flag.empty()) args.push_back(set_flag);
    args.push_back(str_cat(k, '=', v));
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Output columns

struct Columns {
  std::vector<std::string> params;
  std::vector<std::string> metrics;
  bool has_oos = false;
};

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// Adds r's columns that c lacks; true when it added any.
bool widen(Columns& c, const SweepRow& r) {
  const std::size_t before = c.params.size() + c.metrics.size();
  const bool had_oos = c.has_oos;
  c.has_oos = c.has_oos || r.has_oos;
  for (const auto& kv : r.params) add_unique(c.params, kv.first);
  for (const auto& kv : r.is.values) add_unique(c.metrics, kv.first);
  for (const auto& kv : r.oos.values) add_unique(c.metrics, kv.first);
  return c.has_oos != had_oos || c.params.size() + c.metrics.size() != before;
}

Columns columns_of(const std::vector<SweepRow>& rows) {
  Columns c;
  for (const SweepRow& r : rows) widen(c, r);
  return c;
}

const std::string* param_of(const SweepRow& r, const std::string& key) {
  for (const auto& kv : r.params) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

void append_csv_field(std::string& out, std::string_view s) {
  if (s.find_first_of(",\"\n\r") == std::string_view::npos) {
    out.append(s);
    return;
  }
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

// A metric token as a CSV cell: null is empty, strings lose their quotes (escapes kept as written).
std::string csv_metric(const std::string* token) {
  if (token == nullptr || *token == "null") return {};
  if (token->size() >= 2 && token->front() == '"') return token->substr(1, token->size() - 2);
  return *token;
}

std::string format_cell(std::optional<double> v) {
  if (!v) return "-";
  char buf[48];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), *v == 0.0 ? 0.0 : *v, std::chars_format::general, 6);
  return std::string(buf, end);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public API

absl::StatusOr<std::vector<SweepPoint>> expand_grid(std::string_view spec) {
  auto items = split_spec("grid", spec);
  if (!items.ok()) return items.status();
  std::vector<std::vector<std::string>> dims;
  std::size_t total = 1;
  for (const Item& it : *items) {
    auto vals = grid_values(it);
    if (!vals.ok()) return vals.status();
    total *= vals->size();
    if (total > kMaxSweepPoints) return invalid("grid spec: more than ", kMaxSweepPoints, " points");
    dims.push_back(std::move(*vals));
  }
  std::vector<SweepPoint> points;
  points.reserve(total);
  std::vector<std::size_t> at(dims.size(), 0);  // odometer, last key fastest
  for (std::size_t n = 0; n < total; ++n) {
    SweepPoint p;
    p.index = static_cast<int>(n);
    p.params.reserve(dims.size());
    for (std::size_t d = 0; d < dims.size(); ++d) p.params.emplace_back((*items)[d].key, dims[d][at[d]]);
    points.push_back(std::move(p));
    for (std::size_t d = dims.size(); d-- > 0;) {
      if (++at[d] < dims[d].size()) break;
      at[d] = 0;
    }
  }
  return points;
}

absl::StatusOr<std::vector<SweepPoint>> sample_random(std::string_view spec, int n, uint64_t seed) {
  if (n < 1 || static_cast<std::size_t>(n) > kMaxSweepPoints) {
    return invalid("random: point count ", n, " must be between 1 and ", kMaxSweepPoints);
  }
  auto items = split_spec("random", spec);
  if (!items.ok()) return items.status();
  std::vector<RandomDim> dims;
  for (const Item& it : *items) {
    auto d = random_dim(it);
    if (!d.ok()) return d.status();
    dims.push_back(std::move(*d));
  }
  std::mt19937_64 rng(seed);
  std::vector<SweepPoint> points;
  points.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    SweepPoint p;
    p.index = i;
    for (std::size_t d = 0; d < dims.size(); ++d) p.params.emplace_back((*items)[d].key, draw(dims[d], rng));
    points.push_back(std::move(p));
  }
  return points;
}

absl::StatusOr<Shard> parse_shard(std::string_view text) {
  const std::string_view t = strip(text);
  const std::size_t slash = t.find('/');
  auto bad = [&](std::string_view why) { return invalid("shard '", text, "': ", why); };
  if (slash == std::string_view::npos) return bad("expected i/n, e.g. 0/4");
  Shard s;
  const std::string_view a = t.substr(0, slash), b = t.substr(slash + 1);
  auto r1 = std::from_chars(a.data(), a.data() + a.size(), s.index);
  auto r2 = std::from_chars(b.data(), b.data() + b.size(), s.count);
  if (a.empty() || r1.ec != std::errc() || r1.ptr != a.data() + a.size()) return bad("index is not a whole number");
  if (b.empty() || r2.ec != std::errc() || r2.ptr != b.data() + b.size()) return bad("count is not a whole number");
  if (s.count < 1) return bad("count must be at least 1");
  if (s.index < 0 || s.index >= s.count) return bad("index must be in 0..count-1 (shards are 0-based)");
  return s;
}

std::vector<SweepPoint> filter_shard(const std::vector<SweepPoint>& points, Shard s) {
  std::vector<SweepPoint> out;
  for (const SweepPoint& p : points) {
    if (in_shard(p.index, s)) out.push_back(p);
  }
  return out;
}

const std::string* Metrics::find(std::string_view key) const {
  for (const auto& kv : values) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

std::optional<double> Metrics::number(std::string_view key) const {
  const std::string* v = find(key);
  if (v == nullptr || !is_json_number(*v)) return std::nullopt;
  double d = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), d);
  if (ec != std::errc() || !std::isfinite(d)) return std::nullopt;
  return d;
}

absl::StatusOr<Metrics> parse_summary_json(std::string_view text) {
  Metrics m;
  std::size_t i = 0;
  auto bad = [&](std::string_view why) { return invalid("bad JSON summary at byte ", i, ": ", why); };
  skip_ws(text, i);
  if (i >= text.size() || text[i] != '{') return bad("expected '{'");
  ++i;
  skip_ws(text, i);
  if (i < text.size() && text[i] == '}') {
    ++i;
  } else {
    for (;;) {
      skip_ws(text, i);
      std::string key;
      if (!scan_string(text, i, &key)) return bad("expected a string key");
      skip_ws(text, i);
      if (i >= text.size() || text[i] != ':') return bad("expected ':'");
      ++i;
      skip_ws(text, i);
      if (i >= text.size()) return bad("missing value");
      const std::size_t start = i;
      const char c = text[i];
      if (c == '"') {
        if (!scan_string(text, i, nullptr)) return bad("bad string value");
      } else if (c == '{' || c == '[') {
        return bad(str_cat("nested value for '", key, "' (summaries are flat)"));
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '}' && text[i] != ' ' && text[i] != '\t' &&
               text[i] != '\r' && text[i] != '\n') {
          ++i;
        }
        const std::string_view tok = text.substr(start, i - start);
        if (!(tok == "null" || tok == "true" || tok == "false" || is_json_number(tok))) {
          return bad(str_cat("bad value for '", key, "'"));
        }
      }
      m.values.emplace_back(std::move(key), std::string(text.substr(start, i - start)));
      skip_ws(text, i);
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '}') {
        ++i;
        break;
      }
      return bad("expected ',' or '}'");
    }
  }
  skip_ws(text, i);
  if (i != text.size()) return bad("trailing text after the object");
  return m;
}

std::optional<double> SweepRow::rank_value(std::string_view metric) const {
  return has_oos ? oos.number(metric) : is.number(metric);
}

namespace {

// True when fd is readable now (without blocking).
bool readable(int fd) {
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

// Kills a child and whatever it started (the child leads its own process group).
void kill_group(pid_t pid) {
  if (::kill(-pid, SIGKILL) != 0) ::kill(pid, SIGKILL);
}

}  // namespace

absl::StatusOr<std::vector<SweepRow>> run_sweep(const std::vector<SweepPoint>& points, const SweepRunOptions& opts) {
  if (opts.argv.empty() || opts.argv.front().empty()) return invalid("sweep: empty child command");
  if (opts.jobs < 1) return invalid("sweep: jobs must be at least 1, got ", opts.jobs);
  if (opts.timeout_s < 0) return invalid("sweep: timeout must not be negative");
  const bool has_oos = !opts.oos_argv.empty();
  if (has_oos && opts.oos_argv.front().empty()) return invalid("sweep: empty out-of-sample command");

  std::vector<SweepRow> rows(points.size());
  std::vector<int> pending(points.size(), has_oos ? 2 : 1);
  std::vector<RunOutcome> is_out(points.size()), oos_out(points.size());
  for (std::size_t r = 0; r < points.size(); ++r) {
    rows[r].index = points[r].index;
    rows[r].params = points[r].params;
    rows[r].has_oos = has_oos;
  }
  struct Task {
    std::size_t row;
    bool oos;
  };
  std::vector<Task> tasks;
  tasks.reserve(points.size() * (has_oos ? 2 : 1));
  for (std::size_t r = 0; r < points.size(); ++r) {
    tasks.push_back({r, false});
    if (has_oos) tasks.push_back({r, true});
  }

  std::size_t done_rows = 0;
  auto finish = [&](std::size_t r, bool oos, RunOutcome out) {
    (oos ? oos_out[r] : is_out[r]) = std::move(out);
    if (--pending[r] > 0) return;
    SweepRow& row = rows[r];
    row.ok = is_out[r].ok && (!has_oos || oos_out[r].ok);
    if (!is_out[r].ok) {
      row.error = has_oos ? str_cat("in-sample: ", is_out[r].error) : is_out[r].error;
    } else if (has_oos && !oos_out[r].ok) {
      row.error = str_cat("out-of-sample: ", oos_out[r].error);
    }
    row.is = std::move(is_out[r].metrics);
    row.oos = std::move(oos_out[r].metrics);
    ++done_rows;
    if (opts.on_row) opts.on_row(row, done_rows, rows.size());
  };

  std::vector<Child> running;
  running.reserve(static_cast<std::size_t>(opts.jobs));
  std::size_t next = 0;
  bool stopping = readable(opts.stop_fd);
  std::vector<pollfd> fds;
  while ((next < tasks.size() && !stopping) || !running.empty()) {
    if (stopping) {
      // Unfinished points are dropped, not recorded as failures: a rerun with --resume runs them.
      for (Child& c : running) {
        kill_group(c.pid);
        close_fd(c.out_fd);
        close_fd(c.err_fd);
        int status = 0;
        while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
        }
      }
      running.clear();
      break;
    }
    while (running.size() < static_cast<std::size_t>(opts.jobs) && next < tasks.size()) {
      const Task t = tasks[next++];
      Child c;
      c.row = t.row;
      c.oos = t.oos;
      const std::string err = spawn(c, command_for(t.oos ? opts.oos_argv : opts.argv, points[t.row], opts.set_flag));
      if (!err.empty()) {
        finish(t.row, t.oos, RunOutcome{false, err, {}});
        continue;
      }
      if (opts.timeout_s > 0) c.deadline = core::monotonic_ns() + opts.timeout_s * 1'000'000'000;
      running.push_back(std::move(c));
    }
    if (running.empty()) continue;

    // Reap children whose pipes are both closed (EOF or timeout). waitpid on that pid only.
    for (std::size_t k = 0; k < running.size();) {
      Child& c = running[k];
      if (c.out_fd >= 0 || c.err_fd >= 0) {
        ++k;
        continue;
      }
      int status = 0;
      while (::waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
      }
      finish(c.row, c.oos, outcome(c, status, opts.timeout_s));
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
    }
    if (running.empty()) continue;

    fds.clear();
    for (const Child& c : running) {
      if (c.out_fd >= 0) fds.push_back({c.out_fd, POLLIN, 0});
      if (c.err_fd >= 0) fds.push_back({c.err_fd, POLLIN, 0});
    }
    if (opts.stop_fd >= 0) fds.push_back({opts.stop_fd, POLLIN, 0});
    int timeout_ms = -1;
    if (opts.timeout_s > 0) {
      const core::UnixNanos now = core::monotonic_ns();
      core::UnixNanos nearest = INT64_MAX;
      for (const Child& c : running) nearest = std::min(nearest, c.deadline);
      timeout_ms = static_cast<int>(std::clamp<core::UnixNanos>((nearest - now) / 1'000'000 + 1, 0, 60'000));
    }
    const int n = ::poll(fds.data(), fds.size(), timeout_ms);
    if (n < 0 && errno != EINTR) {
      for (Child& c : running) {
        kill_group(c.pid);
        close_fd(c.out_fd);
        close_fd(c.err_fd);
        ::waitpid(c.pid, nullptr, 0);
      }
      return absl::InternalError(str_cat("sweep: poll: ", std::strerror(errno)));
    }
    if (n > 0) {
      for (const pollfd& p : fds) {
        if (p.revents == 0) continue;
        if (p.fd == opts.stop_fd) {
          stopping = true;
          continue;
        }
        for (Child& c : running) {
          if (c.out_fd == p.fd) {
            drain(c.out_fd, c.out, true, kMaxStdout);
            break;
          }
          if (c.err_fd == p.fd) {
            drain(c.err_fd, c.err, false, kMaxStderr);
            break;
          }
        }
      }
    }
    if (opts.timeout_s > 0) {
      const core::UnixNanos now = core::monotonic_ns();
      for (Child& c : running) {
        if (c.timed_out || now < c.deadline) continue;
        kill_group(c.pid);
        c.timed_out = true;
        // A grandchild may still hold the pipes: stop reading rather than wait for its EOF.
        close_fd(c.out_fd);
        close_fd(c.err_fd);
      }
    }
  }
  std::vector<SweepRow> finished;
  finished.reserve(done_rows);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (pending[r] == 0) finished.push_back(std::move(rows[r]));
  }
  std::stable_sort(finished.begin(), finished.end(),
                   [](const SweepRow& a, const SweepRow& b) { return a.index < b.index; });
  return finished;
}

namespace {

std::vector<std::string_view> metric_prefixes(const Columns& cols) {
  return cols.has_oos ? std::vector<std::string_view>{"is_", "oos_"} : std::vector<std::string_view>{""};
}

std::string csv_header(const Columns& cols) {
  std::string out = "index";
  for (const std::string& p : cols.params) {
    out.push_back(',');
    append_csv_field(out, p);
  }
  out.append(",status,error");
  for (std::string_view prefix : metric_prefixes(cols)) {
    for (const std::string& m : cols.metrics) {
      out.push_back(',');
      append_csv_field(out, str_cat(prefix, m));
    }
  }
  out.push_back('\n');
  return out;
}

void append_csv_row(std::string& out, const SweepRow& r, const Columns& cols) {
  str_append(out, r.index);
  for (const std::string& p : cols.params) {
    out.push_back(',');
    const std::string* v = param_of(r, p);
    if (v) append_csv_field(out, *v);
  }
  str_append(out, ',', r.status(), ',');
  append_csv_field(out, r.error);
  for (const Metrics* m :
       cols.has_oos ? std::vector<const Metrics*>{&r.is, &r.oos} : std::vector<const Metrics*>{&r.is}) {
    for (const std::string& k : cols.metrics) {
      out.push_back(',');
      append_csv_field(out, csv_metric(m->find(k)));
    }
  }
  out.push_back('\n');
}

void append_jsonl_row(std::string& out, const SweepRow& r, const Columns& cols) {
  str_append(out, "{\"index\":", r.index);
  for (const std::string& p : cols.params) {
    out.push_back(',');
    core::append_json_string(out, p);
    out.push_back(':');
    const std::string* v = param_of(r, p);
    if (v == nullptr) {
      out.append("null");
    } else if (is_json_number(*v)) {
      out.append(*v);
    } else {
      core::append_json_string(out, *v);
    }
  }
  str_append(out, ",\"status\":\"", r.status(), "\",\"error\":");
  if (r.ok) {
    out.append("null");
  } else {
    core::append_json_string(out, r.error);
  }
  const std::vector<std::string_view> prefixes = metric_prefixes(cols);
  for (std::size_t i = 0; i < prefixes.size(); ++i) {
    const Metrics& m = i == 0 ? r.is : r.oos;
    for (const std::string& k : cols.metrics) {
      out.push_back(',');
      core::append_json_string(out, str_cat(prefixes[i], k));
      out.push_back(':');
      const std::string* v = m.find(k);
      out.append(v ? *v : std::string("null"));
    }
  }
  out.append("}\n");
}

std::string render(const std::vector<SweepRow>& rows, const Columns& cols, bool csv) {
  std::string out = csv ? csv_header(cols) : std::string();
  for (const SweepRow& r : rows) {
    if (csv) {
      append_csv_row(out, r, cols);
    } else {
      append_jsonl_row(out, r, cols);
    }
  }
  return out;
}

bool has_suffix(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// 1 for .csv, 0 for .jsonl/.ndjson, -1 otherwise.
int csv_format(std::string_view path) {
  if (has_suffix(path, ".csv")) return 1;
  if (has_suffix(path, ".jsonl") || has_suffix(path, ".ndjson")) return 0;
  return -1;
}

absl::Status write_all(int fd, std::string_view text, const std::string& path) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError(str_cat("cannot write '", path, "': ", std::strerror(errno)));
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return absl::OkStatus();
}

// Writes `text` to a temporary file beside `path` and renames it over `path`.
absl::Status replace_file(const std::string& path, std::string_view text) {
  const std::string tmp = str_cat(path, ".tmp.", ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::UnavailableError(str_cat("cannot write '", path, "': ", std::strerror(errno)));
  absl::Status st = write_all(fd, text, path);
  // On disk before the rename publishes it: a crash right after never leaves an empty results file.
  if (st.ok() && ::fsync(fd) != 0) {
    st = absl::UnavailableError(str_cat("cannot write '", path, "': ", std::strerror(errno)));
  }
  if (::close(fd) != 0 && st.ok()) {
    st = absl::UnavailableError(str_cat("cannot write '", path, "': ", std::strerror(errno)));
  }
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    st = absl::UnavailableError(str_cat("cannot write '", path, "': ", std::strerror(errno)));
  }
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

}  // namespace

std::string to_csv(const std::vector<SweepRow>& rows) { return render(rows, columns_of(rows), true); }

std::string to_jsonl(const std::vector<SweepRow>& rows) { return render(rows, columns_of(rows), false); }

absl::Status write_results(const std::vector<SweepRow>& rows, const std::string& path) {
  const int csv = csv_format(path);
  if (csv < 0) return invalid("--out '", path, "': extension must be .csv or .jsonl");
  const std::string body = render(rows, columns_of(rows), csv == 1);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return absl::UnavailableError(str_cat("cannot write '", path, "': ", std::strerror(errno)));
  const bool wrote = std::fwrite(body.data(), 1, body.size(), f) == body.size();
  const int err = errno;
  if (std::fclose(f) != 0 || !wrote) {
    return absl::UnavailableError(str_cat("cannot write '", path, "': ", std::strerror(wrote ? errno : err)));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// ResultsWriter

absl::StatusOr<ResultsWriter> ResultsWriter::create(const std::string& path, std::vector<std::string> param_keys,
                                                    bool has_oos, std::vector<SweepRow> rows) {
  const int csv = csv_format(path);
  if (csv < 0) return invalid("--out '", path, "': extension must be .csv or .jsonl");
  ResultsWriter w;
  w.path_ = path;
  w.csv_ = csv == 1;
  w.has_oos_ = has_oos;
  w.param_keys_ = std::move(param_keys);
  w.rows_ = std::move(rows);
  if (absl::Status st = w.rewrite(false); !st.ok()) return st;
  return w;
}

ResultsWriter::ResultsWriter(ResultsWriter&& o) noexcept { *this = std::move(o); }

ResultsWriter& ResultsWriter::operator=(ResultsWriter&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    csv_ = o.csv_;
    has_oos_ = o.has_oos_;
    fd_ = std::exchange(o.fd_, -1);
    param_keys_ = std::move(o.param_keys_);
    metric_keys_ = std::move(o.metric_keys_);
    rows_ = std::move(o.rows_);
    rewrites_ = o.rewrites_;
  }
  return *this;
}

ResultsWriter::~ResultsWriter() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status ResultsWriter::rewrite(bool sort_by_index) {
  if (sort_by_index) {
    std::stable_sort(rows_.begin(), rows_.end(),
                     [](const SweepRow& a, const SweepRow& b) { return a.index < b.index; });
  }
  Columns cols;
  cols.params = param_keys_;
  cols.has_oos = has_oos_;
  for (const SweepRow& r : rows_) widen(cols, r);
  param_keys_ = cols.params;
  metric_keys_ = cols.metrics;
  has_oos_ = cols.has_oos;
  if (absl::Status st = replace_file(path_, render(rows_, cols, csv_)); !st.ok()) return st;
  // The rename replaced the file: appends go to the new one.
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return absl::UnavailableError(str_cat("cannot write '", path_, "': ", std::strerror(errno)));
  return absl::OkStatus();
}

absl::Status ResultsWriter::append(const SweepRow& row) {
  if (fd_ < 0) return absl::FailedPreconditionError(str_cat("'", path_, "' is not open"));
  rows_.push_back(row);
  Columns cols;
  cols.params = param_keys_;
  cols.metrics = metric_keys_;
  cols.has_oos = has_oos_;
  if (widen(cols, row) && csv_) {
    ++rewrites_;
    return rewrite(false);
  }
  param_keys_ = cols.params;
  metric_keys_ = cols.metrics;
  has_oos_ = cols.has_oos;
  std::string line;
  if (csv_) {
    append_csv_row(line, row, cols);
  } else {
    append_jsonl_row(line, row, cols);
  }
  // A row is written whole or not at all: a short write (disk full) is cut back so that no later
  // row continues a partial line, and each row reaches the disk before the next point is reported
  // done (a row costs a whole backtest; one fdatasync is nothing beside it).
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  absl::Status st = write_all(fd_, line, path_);
  if (st.ok() && ::fdatasync(fd_) != 0) {
    st = absl::UnavailableError(str_cat("cannot write '", path_, "': ", std::strerror(errno)));
  }
  if (!st.ok()) {
    rows_.pop_back();
    if (before >= 0 && ::ftruncate(fd_, before) != 0) {
      return absl::UnavailableError(
          str_cat(std::string(st.message()), "; and cannot cut the partial row back: ", std::strerror(errno)));
    }
  }
  return st;
}

absl::Status ResultsWriter::finish() { return rewrite(true); }

// ---------------------------------------------------------------------------------------------
// read_results

namespace {

// One CSV record (RFC 4180) starting at text[i]; advances i past its line end. False when the
// record has no line end (the file was cut mid-record) or a quote is malformed (*bad set).
bool csv_record(std::string_view text, std::size_t& i, std::vector<std::string>& cells, bool* bad) {
  cells.assign(1, std::string());
  bool quoted = false, was_quoted = false;
  while (i < text.size()) {
    const char c = text[i++];
    if (quoted) {
      if (c != '"') {
        cells.back().push_back(c);
      } else if (i < text.size() && text[i] == '"') {
        cells.back().push_back('"');
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '"') {
      if (!cells.back().empty() || was_quoted) {
        *bad = true;
        return false;
      }
      quoted = was_quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
      was_quoted = false;
    } else if (c == '\n') {
      if (!cells.back().empty() && cells.back().back() == '\r' && !was_quoted) cells.back().pop_back();
      return true;
    } else {
      if (was_quoted && c != '\r') {
        *bad = true;
        return false;
      }
      cells.back().push_back(c);
    }
  }
  return false;  // no '\n': a cut-short last record
}

// A CSV metric cell as the JSON token the child printed (csv_metric's inverse up to string escapes).
std::string token_of_cell(const std::string& cell) {
  if (cell.empty()) return "null";
  if (cell == "true" || cell == "false" || cell == "null" || is_json_number(cell)) return cell;
  std::string out;
  core::append_json_string(out, cell);
  return out;
}

// A JSON token (from parse_summary_json) as the plain text of a param or error.
std::string text_of_token(const std::string& token) {
  if (token.size() >= 2 && token.front() == '"') {
    std::string decoded;
    std::size_t i = 0;
    if (scan_string(token, i, &decoded)) return decoded;
  }
  return token;
}

// Builds a row from (column, JSON token) pairs in file order: index, params..., status, error, metrics...
absl::StatusOr<SweepRow> row_of(const std::vector<std::pair<std::string, std::string>>& cells, bool has_oos,
                                const std::string& where) {
  SweepRow r;
  r.has_oos = has_oos;
  if (cells.empty() || cells[0].first != "index") return invalid(where, ": the first column is not 'index'");
  const std::string idx = text_of_token(cells[0].second);
  auto [p, ec] = std::from_chars(idx.data(), idx.data() + idx.size(), r.index);
  if (ec != std::errc() || p != idx.data() + idx.size() || r.index < 0) {
    return invalid(where, ": index '", idx, "' is not a whole number");
  }
  std::size_t k = 1;
  for (; k < cells.size() && cells[k].first != "status"; ++k)
    r.params.emplace_back(cells[k].first, text_of_token(cells[k].second));
  if (k + 1 >= cells.size() || cells[k + 1].first != "error")
    return invalid(where, ": no 'status' and 'error' columns");
  const std::string status = text_of_token(cells[k].second);
  if (status != "ok" && status != "error") return invalid(where, ": status '", status, "' is neither ok nor error");
  r.ok = status == "ok";
  if (!r.ok) r.error = text_of_token(cells[k + 1].second);
  for (k += 2; k < cells.size(); ++k) {
    const std::string& name = cells[k].first;
    if (!has_oos) {
      if (core::starts_with(name, "oos_")) {
        return invalid(where, ": column '", name, "' comes from a sweep with out-of-sample runs (this one has none)");
      }
      r.is.values.emplace_back(name, cells[k].second);
    } else if (core::starts_with(name, "is_")) {
      r.is.values.emplace_back(name.substr(3), cells[k].second);
    } else if (core::starts_with(name, "oos_")) {
      r.oos.values.emplace_back(name.substr(4), cells[k].second);
    } else {
      return invalid(where, ": column '", name, "' lacks the is_/oos_ prefix of a sweep with out-of-sample runs");
    }
  }
  return r;
}

}  // namespace

absl::StatusOr<std::vector<SweepRow>> read_results(const std::string& path, bool has_oos) {
  const int csv = csv_format(path);
  if (csv < 0) return invalid("'", path, "': extension must be .csv or .jsonl");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return absl::UnavailableError(str_cat("cannot read '", path, "': ", std::strerror(errno)));
  std::string text;
  char buf[65536];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  const bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) return absl::UnavailableError(str_cat("cannot read '", path, "'"));

  std::vector<SweepRow> rows;
  std::size_t i = 0;
  int line = 0;
  if (csv == 1) {
    std::vector<std::string> header, cells;
    bool bad = false;
    ++line;
    if (text.empty()) return rows;
    if (!csv_record(text, i, header, &bad)) {
      if (bad) return invalid(path, ":1: malformed CSV header");
      return rows;  // only a cut-short header: no rows yet
    }
    while (i < text.size()) {
      ++line;
      const std::string where = str_cat(path, ':', line);
      if (!csv_record(text, i, cells, &bad)) {
        if (bad) return invalid(where, ": malformed CSV quoting");
        break;  // a cut-short last line
      }
      if (cells.size() != header.size()) {
        return invalid(where, ": ", cells.size(), " fields, the header has ", header.size());
      }
      std::vector<std::pair<std::string, std::string>> pairs;
      pairs.reserve(cells.size());
      for (std::size_t c = 0; c < cells.size(); ++c) {
        // index/params/status/error are text; metric cells go back to JSON tokens.
        pairs.emplace_back(header[c], token_of_cell(cells[c]));
      }
      auto r = row_of(pairs, has_oos, where);
      if (!r.ok()) return r.status();
      rows.push_back(std::move(*r));
    }
    return rows;
  }
  while (i < text.size()) {
    ++line;
    const std::size_t nl = text.find('\n', i);
    if (nl == std::string::npos) break;  // a cut-short last line
    const std::string_view l = std::string_view(text).substr(i, nl - i);
    i = nl + 1;
    if (strip(l).empty()) continue;
    const std::string where = str_cat(path, ':', line);
    auto m = parse_summary_json(l);
    if (!m.ok()) return invalid(where, ": ", std::string(m.status().message()));
    auto r = row_of(m->values, has_oos, where);
    if (!r.ok()) return r.status();
    rows.push_back(std::move(*r));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Ranking

std::vector<SweepRow> rank(const std::vector<SweepRow>& rows, std::string_view metric, bool descending) {
  // 0: ok with a value, 1: ok and undefined, 2: error.
  auto tier = [&](const SweepRow& r, std::optional<double>& v) {
    v = r.ok ? r.rank_value(metric) : std::nullopt;
    return v ? 0 : r.ok ? 1 : 2;
  };
  std::vector<SweepRow> out = rows;
  std::stable_sort(out.begin(), out.end(), [&](const SweepRow& a, const SweepRow& b) {
    std::optional<double> va, vb;
    const int ta = tier(a, va), tb = tier(b, vb);
    if (ta != tb) return ta < tb;
    if (ta == 0 && *va != *vb) return descending ? *va > *vb : *va < *vb;
    return a.index < b.index;
  });
  return out;
}

std::string undefined_metric_warning(const std::vector<SweepRow>& rows, std::string_view metric) {
  std::size_t ok = 0, undefined = 0;
  bool has_oos = false;
  std::vector<std::pair<std::string, std::size_t>> reasons;  // first-seen order
  const std::string note_key = str_cat(metric, "_note");
  for (const SweepRow& r : rows) {
    if (!r.ok) continue;
    ++ok;
    has_oos = has_oos || r.has_oos;
    if (r.rank_value(metric)) continue;
    ++undefined;
    const Metrics& m = r.has_oos ? r.oos : r.is;
    std::string why;
    const std::string* note = m.find(note_key);
    const std::string* token = m.find(metric);
    if (note != nullptr && note->size() >= 2 && note->front() == '"') {
      why = text_of_token(*note);
    } else if (token == nullptr) {
      why = "the backtest did not report it";
    } else if (*token == "null") {
      why = core::starts_with(metric, "sharpe") ? "the backtest reported null (too few buckets?)"
                                                : "the backtest reported null";
    } else {
      why = str_cat("the backtest reported ", *token, ", not a finite number");
    }
    auto it = std::find_if(reasons.begin(), reasons.end(), [&](const auto& p) { return p.first == why; });
    if (it == reasons.end()) {
      reasons.emplace_back(std::move(why), 1);
    } else {
      ++it->second;
    }
  }
  if (undefined == 0) return {};
  std::string why;
  for (const auto& [text, n] : reasons) {
    str_append(why, why.empty() ? "" : "; ", text);
    if (reasons.size() > 1) str_append(why, " (", n, ')');
  }
  const std::string name = str_cat(has_oos ? "oos_" : "", metric);
  if (undefined == ok) {
    return str_cat("WARNING: ", name, " undefined for every point (", undefined, " of ", ok, "): ", why,
                   ". The ranking is meaningless (points are listed by index); rank on a metric this data defines, "
                   "e.g. --rank net_pnl");
  }
  return str_cat("warning: ", name, " undefined for ", undefined, " of ", ok, " points: ", why,
                 "; they are ranked after every point that has a value");
}

std::string top_table(const std::vector<SweepRow>& ranked, std::string_view metric, std::size_t top_n) {
  const bool has_oos = std::any_of(ranked.begin(), ranked.end(), [](const SweepRow& r) { return r.has_oos; });
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> head = {"rank", "index", "status"};
  if (has_oos) {
    head.push_back(str_cat("is_", metric));
    head.push_back(str_cat("oos_", metric));
  } else {
    head.emplace_back(metric);
  }
  head.emplace_back("params");
  table.push_back(std::move(head));
  for (std::size_t i = 0; i < ranked.size() && i < top_n; ++i) {
    const SweepRow& r = ranked[i];
    std::vector<std::string> line = {str_cat(i + 1), str_cat(r.index), std::string(r.status())};
    line.push_back(format_cell(r.is.number(metric)));
    if (has_oos) line.push_back(format_cell(r.oos.number(metric)));
    std::string params;
    for (const auto& [k, v] : r.params) str_append(params, params.empty() ? "" : " ", k, '=', v);
    if (!r.ok) str_append(params, params.empty() ? "" : "  ", "(", r.error, ")");
    line.push_back(std::move(params));
    table.push_back(std::move(line));
  }
  std::vector<std::size_t> width(table.front().size(), 0);
  for (const auto& line : table) {
    for (std::size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::string out;
  for (const auto& line : table) {
    std::string text;
    for (std::size_t c = 0; c < line.size(); ++c) {
      const bool last = c + 1 == line.size();
      const std::size_t pad = width[c] - line[c].size();
      // Numbers right-aligned, the params column left-aligned and unpadded.
      if (!last) text.append(pad, ' ');
      text.append(line[c]);
      if (!last) text.append("  ");
    }
    str_append(out, text, '\n');
  }
  return out;
}

int default_jobs() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace dmabot::tools
