// core/config.h — layered configuration: .env file < process environment < --set on the CLI.
//
// Config::load() reads a .env file (comments, blank lines, `export KEY=VALUE`, single or double
// quotes, inline ` # comment` after unquoted values). Each module then reads its own keys through the
// typed getters, which validate and remember that the key is known. After every module has read its
// keys, check_unknown_keys() rejects any key from the file or --set that nobody asked for, so a typo
// never silently falls back to a default.
//
// Environment: a variable from the process environment overrides the file only for keys the program
// asks for (the environment is full of unrelated variables).
//
// Every error is one line naming the key and where the value came from, e.g.
//   MAX_NOTIONAL='12x' (.env.mock:14): not a decimal number
// and the program exits with code 2 (see tools/).
//
// Secrets: keys listed in is_secret_key() are never echoed in errors, dump() or anywhere else.
//
// Threads: build and read on the start-up thread; the parsed values are then copied into the stages.
// Allocation: freely (cold path).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/types.h"

namespace dmabot::core {

// True for keys whose values are credentials (API keys, secrets, private keys, passphrases).
[[nodiscard]] bool is_secret_key(std::string_view key);

class Config {
 public:
  struct Entry {
    std::string value;
    std::string origin;  // ".env.mock:14", "environment", "--set"
  };

  // Parses the file (if path non-empty) and applies overrides ("KEY=VALUE" from --set, in order).
  // env_lookup(key) returns the process environment's value; tests pass their own.
  // A missing file is NotFound, a directory or an unreadable file FailedPrecondition (never an empty
  // config), a malformed line InvalidArgument naming file:line.
  using EnvLookup = std::optional<std::string> (*)(const char* key);
  static absl::StatusOr<Config> load(const std::string& path, const std::vector<std::string>& overrides,
                                     EnvLookup env_lookup = &process_env);
  // Parses .env text (path is used in messages only).
  static absl::StatusOr<Config> parse(std::string_view text, const std::string& path,
                                      const std::vector<std::string>& overrides, EnvLookup env_lookup);
  // Entries given as (KEY, VALUE) pairs, e.g. a recording's config header; `origin` names where
  // they came from in error messages. Same validation of key names and duplicates as parse().
  static absl::StatusOr<Config> from_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                                           const std::string& origin, const std::vector<std::string>& overrides,
                                           EnvLookup env_lookup);
  static std::optional<std::string> process_env(const char* key);
  static std::optional<std::string> no_env(const char*) { return std::nullopt; }

  // Typed getters. `def` is used when the key is absent everywhere. Values are trimmed of nothing:
  // a value with leading/trailing spaces is an error for numbers and symbols.
  absl::StatusOr<std::string> get_string(std::string_view key, std::string_view def);
  absl::StatusOr<int64_t> get_int(std::string_view key, int64_t def, int64_t min, int64_t max);
  absl::StatusOr<double> get_double(std::string_view key, double def, double min, double max);
  absl::StatusOr<bool> get_bool(std::string_view key, bool def);  // true/false/yes/no/1/0
  // A decimal (exact, fixed point) such as MAX_NOTIONAL=1000.5; min/max inclusive.
  absl::StatusOr<int64_t> get_decimal_raw(std::string_view key, std::string_view def, int64_t min_raw, int64_t max_raw);
  // Comma-separated list; each item must be non-empty and free of spaces.
  absl::StatusOr<std::vector<std::string>> get_list(std::string_view key, std::string_view def);
  // One of `choices`.
  absl::StatusOr<std::string> get_choice(std::string_view key, std::string_view def,
                                         const std::vector<std::string_view>& choices);

  // Declares a key as known without reading it (e.g. keys another subcommand uses).
  void declare(std::string_view key);
  bool has(std::string_view key) const;  // set in file, --set or environment
  // Where a key's value came from, for messages ("default" when unset).
  std::string origin(std::string_view key) const;

  // Error for any file/--set key never read nor declared. Names the key and file:line.
  absl::Status check_unknown_keys() const;

  // One error line in the house format for a key: "KEY='value' (origin): what". Secret values are
  // replaced by "***".
  absl::Status error(std::string_view key, std::string_view what) const;

  // All effective key/value pairs that were read (secrets masked), sorted — for the start-up banner.
  std::vector<std::pair<std::string, std::string>> dump() const;
  const std::string& path() const { return path_; }

 private:
  std::optional<Entry> lookup(std::string_view key);
  std::string path_;
  std::map<std::string, Entry, std::less<>> entries_;      // file + --set
  std::map<std::string, Entry, std::less<>> env_;          // environment values actually used
  std::map<std::string, std::string, std::less<>> known_;  // key -> effective value (for dump)
  EnvLookup env_lookup_ = &no_env;
};

}  // namespace dmabot::core
