#include "core/config.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/strings.h"

namespace dmabot::core {
namespace {

bool valid_key(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return !std::isdigit(static_cast<unsigned char>(k[0]));
}

bool has_outer_space(std::string_view v) {
  return !v.empty() &&
         (std::isspace(static_cast<unsigned char>(v.front())) || std::isspace(static_cast<unsigned char>(v.back())));
}

// Echo of user text in a parse error. A line that mentions a secret key may carry the secret
// itself (e.g. "API_SECRET: abc" or "--set 'API_SECRET =abc'"), so it is not repeated.
std::string echo(std::string_view text) {
  if (is_secret_key(text)) return "(not shown: it may contain a secret)";
  return str_cat("'", text.substr(0, 40), "'");
}

std::string join(const std::vector<std::string_view>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) str_append(out, i ? ", " : "", v[i]);
  return out;
}

}  // namespace

bool is_secret_key(std::string_view key) {
  const std::string k = to_upper(key);
  for (std::string_view marker : {"SECRET", "API_KEY", "PRIVATE_KEY", "PASSPHRASE", "PASSWORD", "TOKEN"}) {
    if (k.find(marker) != std::string::npos) return true;
  }
  return false;
}

std::optional<std::string> Config::process_env(const char* key) {
  const char* v = std::getenv(key);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

absl::StatusOr<Config> Config::load(const std::string& path, const std::vector<std::string>& overrides,
                                    EnvLookup env_lookup) {
  std::string text;
  if (!path.empty()) {
    // A directory opens as an ifstream and reads as empty: it would pass for an empty config.
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) {
      return absl::NotFoundError(
          str_cat(path, ": cannot open config file (", errno == ENOENT ? "no such file" : std::strerror(errno), ")"));
    }
    if (S_ISDIR(sb.st_mode)) return absl::FailedPreconditionError(str_cat(path, ": is a directory, not a config file"));
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::FailedPreconditionError(str_cat(path, ": cannot read config file (", std::strerror(errno), ")"));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return absl::FailedPreconditionError(str_cat(path, ": read error"));
    text = ss.str();
  }
  return parse(text, path, overrides, env_lookup);
}

absl::StatusOr<Config> Config::parse(std::string_view text, const std::string& path,
                                     const std::vector<std::string>& overrides, EnvLookup env_lookup) {
  Config cfg;
  cfg.path_ = path;
  cfg.env_lookup_ = env_lookup;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = str_cat(path, ":", line_no);
    std::string_view body = strip_leading(line);
    if (body.empty() || body.front() == '#') continue;
    if (body.substr(0, 7) == "export ") body = strip_leading(body.substr(7));
    const std::size_t eq = body.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError(str_cat(where, ": expected KEY=VALUE, got ", echo(body)));
    }
    std::string_view key = strip_trailing(body.substr(0, eq));
    if (!valid_key(key)) {
      return absl::InvalidArgumentError(str_cat(where, ": ", echo(key), " is not a valid key name"));
    }
    std::string_view raw = body.substr(eq + 1);
    std::string value;
    if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
      const char q = raw.front();
      const std::size_t close = raw.find(q, 1);
      if (close == std::string_view::npos) {
        return absl::InvalidArgumentError(str_cat(where, ": ", key, " has an unterminated quote"));
      }
      std::string_view rest = strip(raw.substr(close + 1));
      if (!rest.empty() && rest.front() != '#') {
        return absl::InvalidArgumentError(str_cat(where, ": ", key, " has text after the closing quote"));
      }
      value = std::string(raw.substr(1, close - 1));
    } else {
      // Unquoted: an inline comment starts at " #"; trailing whitespace before it is not part of the
      // value, but whitespace the user kept (a value that is only padding) is an error later.
      std::size_t hash = raw.find(" #");
      if (hash == std::string_view::npos) hash = raw.find("\t#");
      if (hash != std::string_view::npos) raw = raw.substr(0, hash);
      value = std::string(strip_trailing(raw));
      if (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) {
        return absl::InvalidArgumentError(str_cat(where, ": ", key, " value has leading spaces; quote it if intended"));
      }
    }
    if (cfg.entries_.count(key) != 0) {
      return absl::InvalidArgumentError(
          str_cat(where, ": ", key, " is set twice (first at ", cfg.entries_[std::string(key)].origin, ")"));
    }
    cfg.entries_[std::string(key)] = Entry{std::move(value), where};
  }
  for (const std::string& ov : overrides) {
    const std::size_t eq = ov.find('=');
    if (eq == std::string::npos || !valid_key(ov.substr(0, eq))) {
      return absl::InvalidArgumentError(str_cat("--set ", echo(ov), ": expected KEY=VALUE"));
    }
    cfg.entries_[ov.substr(0, eq)] = Entry{ov.substr(eq + 1), "--set"};
  }
  return cfg;
}

absl::StatusOr<Config> Config::from_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                                          const std::string& origin, const std::vector<std::string>& overrides,
                                          EnvLookup env_lookup) {
  auto cfg = parse("", origin, overrides, env_lookup);
  if (!cfg.ok()) return cfg.status();
  for (const auto& [key, value] : pairs) {
    if (!valid_key(key))
      return absl::InvalidArgumentError(str_cat(origin, ": ", echo(key), " is not a valid key name"));
    auto it = cfg->entries_.find(key);
    if (it != cfg->entries_.end()) {
      if (it->second.origin == "--set") continue;  // --set wins over the pairs
      return absl::InvalidArgumentError(str_cat(origin, ": ", key, " is set twice"));
    }
    cfg->entries_[key] = Entry{value, origin};
  }
  return cfg;
}

std::optional<Config::Entry> Config::lookup(std::string_view key) {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.origin == "--set") return it->second;
  const std::string k(key);
  if (env_lookup_ != nullptr) {
    if (std::optional<std::string> v = env_lookup_(k.c_str())) {
      Entry e{*v, "environment"};
      env_[k] = e;
      return e;
    }
  }
  if (it != entries_.end()) return it->second;
  return std::nullopt;
}

void Config::declare(std::string_view key) { known_.try_emplace(std::string(key), std::string()); }

bool Config::has(std::string_view key) const {
  if (entries_.count(key) != 0) return true;
  if (env_lookup_ == nullptr) return false;
  return env_lookup_(std::string(key).c_str()).has_value();
}

std::string Config::origin(std::string_view key) const {
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.origin == "--set") return it->second.origin;
  if (auto e = env_.find(key); e != env_.end()) return e->second.origin;
  if (it != entries_.end()) return it->second.origin;
  return path_.empty() ? "default" : str_cat("default, not in ", path_);
}

absl::Status Config::error(std::string_view key, std::string_view what) const {
  std::string value = "";
  auto it = entries_.find(key);
  if (auto e = env_.find(key); e != env_.end() && (it == entries_.end() || it->second.origin != "--set")) {
    value = e->second.value;
  } else if (it != entries_.end()) {
    value = it->second.value;
  }
  if (is_secret_key(key)) value = "***";
  return absl::InvalidArgumentError(str_cat(key, "='", value, "' (", origin(key), "): ", what));
}

absl::StatusOr<std::string> Config::get_string(std::string_view key, std::string_view def) {
  std::optional<Entry> e = lookup(key);
  std::string v = e ? e->value : std::string(def);
  known_[std::string(key)] = is_secret_key(key) ? (v.empty() ? "" : "***") : v;
  return v;
}

absl::StatusOr<int64_t> Config::get_int(std::string_view key, int64_t def, int64_t min, int64_t max) {
  auto s = get_string(key, std::to_string(def));
  if (!s.ok()) return s.status();
  const std::string& v = *s;
  if (v.empty() || has_outer_space(v)) return error(key, "expected an integer");
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(v.c_str(), &end, 10);
  if (errno == ERANGE || end != v.c_str() + v.size()) return error(key, "expected an integer");
  if (n < min || n > max) return error(key, str_cat("must be between ", min, " and ", max));
  return static_cast<int64_t>(n);
}

absl::StatusOr<double> Config::get_double(std::string_view key, double def, double min, double max) {
  auto s = get_string(key, format_double(def));
  if (!s.ok()) return s.status();
  const std::string& v = *s;
  if (v.empty() || has_outer_space(v)) return error(key, "expected a number");
  errno = 0;
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (errno == ERANGE || end != v.c_str() + v.size() || !std::isfinite(d)) return error(key, "expected a number");
  if (d < min || d > max) return error(key, str_cat("must be between ", min, " and ", max));
  return d;
}

absl::StatusOr<bool> Config::get_bool(std::string_view key, bool def) {
  auto s = get_string(key, def ? "true" : "false");
  if (!s.ok()) return s.status();
  const std::string v = to_lower(*s);
  if (v == "true" || v == "yes" || v == "1" || v == "on") return true;
  if (v == "false" || v == "no" || v == "0" || v == "off") return false;
  return error(key, "expected true or false");
}

absl::StatusOr<int64_t> Config::get_decimal_raw(std::string_view key, std::string_view def, int64_t min_raw,
                                                int64_t max_raw) {
  auto s = get_string(key, def);
  if (!s.ok()) return s.status();
  int64_t raw = 0;
  if (DecimalError e = parse_decimal(*s, true, raw); e != DecimalError::kOk) return error(key, to_string(e));
  if (raw < min_raw || raw > max_raw) {
    return error(key, str_cat("must be between ", decimal_to_string(min_raw), " and ", decimal_to_string(max_raw)));
  }
  return raw;
}

absl::StatusOr<std::vector<std::string>> Config::get_list(std::string_view key, std::string_view def) {
  auto s = get_string(key, def);
  if (!s.ok()) return s.status();
  std::vector<std::string> out;
  if (s->empty()) return out;
  std::size_t pos = 0;
  while (pos <= s->size()) {
    std::size_t comma = s->find(',', pos);
    if (comma == std::string::npos) comma = s->size();
    std::string item = s->substr(pos, comma - pos);
    if (item.empty()) return error(key, str_cat("item ", out.size() + 1, " is empty"));
    for (char c : item) {
      if (std::isspace(static_cast<unsigned char>(c))) {
        // error() masks a secret's value; the item is part of it and must be masked too.
        return error(key, str_cat("item ", is_secret_key(key) ? "***" : str_cat("'", item, "'"), " contains spaces"));
      }
    }
    out.push_back(std::move(item));
    pos = comma + 1;
  }
  return out;
}

absl::StatusOr<std::string> Config::get_choice(std::string_view key, std::string_view def,
                                               const std::vector<std::string_view>& choices) {
  auto s = get_string(key, def);
  if (!s.ok()) return s.status();
  for (std::string_view c : choices) {
    if (*s == c) return *s;
  }
  return error(key, str_cat("must be one of: ", join(choices)));
}

absl::Status Config::check_unknown_keys() const {
  for (const auto& [key, entry] : entries_) {
    if (known_.count(key) == 0) {
      return absl::InvalidArgumentError(str_cat(key, " (", entry.origin, "): unknown key"));
    }
  }
  return absl::OkStatus();
}

std::vector<std::pair<std::string, std::string>> Config::dump() const { return {known_.begin(), known_.end()}; }

}  // namespace dmabot::core
