// The .env target: Config::parse() and the typed getters on hostile files.
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/strings.h"
#include "tests/fuzz/fuzz_checks.h"
#include "tests/fuzz/fuzz_util.h"

namespace dmabot::fuzz {
namespace {

constexpr std::string_view kPath = ".env.fuzz";

// A user-facing error: one non-empty line.
std::string bad_message(const absl::Status& s, std::string_view what) {
  const std::string_view m(s.message().data(), s.message().size());
  if (m.empty()) return core::str_cat(what, ": empty error message");
  if (m.find('\n') != std::string_view::npos) return core::str_cat(what, ": error spans lines: ", shown(m));
  return {};
}

// The keys the file sets, read independently of the parser: `[export ]KEY=...` lines.
std::vector<std::string> keys_of(std::string_view text) {
  std::vector<std::string> keys;
  for (std::string_view line : lines_of(text)) {
    line = core::strip(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.substr(0, 7) == "export ") line = core::strip(line.substr(7));
    const std::size_t eq = line.find('=');
    if (eq != std::string_view::npos) keys.emplace_back(core::strip(line.substr(0, eq)));
  }
  return keys;
}

// Every typed getter on `key`, in a fixed order.
std::vector<absl::Status> getter_errors(core::Config& cfg, const std::string& key) {
  return {cfg.get_int(key, 0, -1000, 1000).status(),
          cfg.get_double(key, 0.0, -1e6, 1e6).status(),
          cfg.get_bool(key, false).status(),
          cfg.get_decimal_raw(key, "0", 0, 1000 * core::kScale).status(),
          cfg.get_list(key, "").status(),
          cfg.get_choice(key, "a", {"a", "b"}).status()};
}

// A secret value that no fixed message text contains; the space and the comma take get_list() down
// its "item contains spaces" path.
constexpr std::string_view kMarker = "Mq7Zx Wv,Kj";
constexpr std::string_view kMarkerCore = "Mq7Zx";

}  // namespace

std::string check_config(std::string_view input) {
  absl::StatusOr<core::Config> parsed = core::Config::parse(input, std::string(kPath), {}, &core::Config::no_env);
  if (!parsed.ok()) {
    if (std::string d = bad_message(parsed.status(), "parse"); !d.empty()) return d;
    if (!core::starts_with(std::string_view(parsed.status().message().data(), parsed.status().message().size()),
                           core::str_cat(kPath, ":"))) {
      return "parse error does not name the file and line: " + shown(std::string(parsed.status().message()));
    }
    return {};
  }
  core::Config& cfg = *parsed;
  for (const std::string& key : keys_of(input)) {
    if (!cfg.has(key)) return "parse accepted the file but does not have key " + shown(key);
    absl::StatusOr<std::string> value = cfg.get_string(key, "");
    if (!value.ok()) return "get_string(" + shown(key) + ") failed: " + std::string(value.status().message());
    const std::vector<absl::Status> errors = getter_errors(cfg, key);
    for (const absl::Status& s : errors) {
      if (s.ok()) continue;
      const std::string m(s.message());
      if (std::string d = bad_message(s, "getter on " + shown(key)); !d.empty()) return d;
      if (m.find(key) == std::string::npos) return "getter error does not name the key " + shown(key) + ": " + shown(m);
    }
    if (!core::is_secret_key(key)) continue;
    // A secret's value must never show. The same file with the value replaced by kMarker (--set)
    // tells fixed message text ("not a decimal number" holds the value "a decima") from an echo.
    absl::StatusOr<core::Config> marked =
        core::Config::parse(input, std::string(kPath), {key + "=" + std::string(kMarker)}, &core::Config::no_env);
    if (!marked.ok()) return "the file with --set " + shown(key) + "=... no longer parses";
    const std::vector<absl::Status> marker_errors = getter_errors(*marked, key);
    for (std::size_t g = 0; g < errors.size(); ++g) {
      const std::string mm(marker_errors[g].message());
      // The key's own name may contain the marker (the fuzzer writes key names too): only text
      // outside the key's name counts as an echo of the value.
      std::string outside_key = mm;
      for (std::size_t at = outside_key.find(key); at != std::string::npos; at = outside_key.find(key, at)) {
        outside_key.erase(at, key.size());
      }
      if (outside_key.find(kMarkerCore) != std::string::npos) {
        return "getter " + std::to_string(g) + " error echoes the value of secret key " + shown(key) + ": " + shown(mm);
      }
      const std::string m(errors[g].message());
      if (!errors[g].ok() && !marker_errors[g].ok() && value->size() >= 4 && m.find(*value) != std::string::npos &&
          mm.find(*value) == std::string::npos) {
        return "getter " + std::to_string(g) + " error echoes the value of secret key " + shown(key);
      }
    }
  }
  if (absl::Status s = cfg.check_unknown_keys(); !s.ok()) {
    return "every key was read, yet check_unknown_keys says: " + shown(std::string(s.message()));
  }
  for (const auto& [key, value] : cfg.dump()) {
    if (!core::is_secret_key(key) || value.size() < 4) continue;
    absl::StatusOr<std::string> real = cfg.get_string(key, "");
    if (real.ok() && real->size() >= 4 && value.find(*real) != std::string::npos) {
      return "dump() shows the value of secret key " + shown(key);
    }
  }
  return {};
}

}  // namespace dmabot::fuzz
