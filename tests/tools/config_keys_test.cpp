// The key table (tools/engine_config.cpp, config_keys()) is the one source of truth about
// configuration: these tests hold the code, the generated docs and the presets to it.
//   - every key the engine reads is in the table, and every table key is read;
//   - each table default is what the modules apply when the key is absent;
//   - docs/CONFIG.md is exactly what `dmabot config --list --format md` generates;
//   - .env.mock lists every key, no unknown ones, and each value equal to the default unless its
//     comment says why it differs ("preset: ..."); .env.sandbox / .env.mainnet / .env.local hold no
//     unknown keys and no secret values (.env.local: only binance-sim's published test key).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/config.h"
#include "tests/tools/test_process.h"
#include "tools/config_cli.h"
#include "tools/engine_config.h"

namespace dmabot::tools {
namespace {

std::string source_dir() {
  const char* d = std::getenv("DMABOT_SOURCE_DIR");
  return d != nullptr ? d : ".";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t next = s.find(sep, pos);
    out.push_back(s.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
    if (next == std::string::npos) return out;
    pos = next + 1;
  }
}

// "0.0005" and "5e-04" are the same default; lists compare item by item.
bool same_value(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const std::vector<std::string> x = split(a, ','), y = split(b, ',');
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] == y[i]) continue;
    char *ex = nullptr, *ey = nullptr;
    const double dx = std::strtod(x[i].c_str(), &ex), dy = std::strtod(y[i].c_str(), &ey);
    if (x[i].empty() || y[i].empty() || *ex != '\0' || *ey != '\0' || dx != dy) return false;
  }
  return true;
}

struct EnvLine {
  std::string value, comment;
  int line = 0;
};

// KEY=VALUE [# comment] lines of a preset (the presets use no quotes).
std::map<std::string, EnvLine> parse_env(const std::string& path) {
  std::map<std::string, EnvLine> out;
  std::istringstream in(testing::read_file(path));
  std::string l;
  int n = 0;
  while (std::getline(in, l)) {
    ++n;
    if (l.empty() || l[0] == '#') continue;
    const std::size_t eq = l.find('=');
    EXPECT_NE(eq, std::string::npos) << path << ":" << n;
    if (eq == std::string::npos) continue;
    EnvLine e;
    e.line = n;
    std::string rest = l.substr(eq + 1);
    if (const std::size_t hash = rest.find(" #"); hash != std::string::npos) {
      e.comment = rest.substr(hash + 2);
      rest = rest.substr(0, hash);
    }
    while (!rest.empty() && rest.back() == ' ') rest.pop_back();
    e.value = rest;
    EXPECT_EQ(out.count(l.substr(0, eq)), 0u) << path << ":" << n << " sets " << l.substr(0, eq) << " twice";
    out[l.substr(0, eq)] = e;
  }
  return out;
}

TEST(ConfigKeys, TableIsWellFormed) {
  std::set<std::string_view> seen;
  for (const ConfigKey& k : config_keys()) {
    EXPECT_TRUE(seen.insert(k.key).second) << k.key << " is in the table twice";
    EXPECT_FALSE(k.type.empty()) << k.key;
    EXPECT_FALSE(k.meaning.empty()) << k.key;
    EXPECT_FALSE(k.group.empty()) << k.key;
    EXPECT_EQ(k.secret, core::is_secret_key(k.key)) << k.key << ": the secret flag disagrees with core::is_secret_key";
    if (k.secret) EXPECT_TRUE(k.def.empty()) << k.key << ": a secret has no default";
    EXPECT_EQ(find_config_key(k.key), &k);
  }
  EXPECT_EQ(find_config_key("NO_SUCH_KEY"), nullptr);
}

// What the engine really reads and applies, from an empty configuration.
TEST(ConfigKeys, TableMatchesWhatTheEngineReadsAndItsDefaults) {
  auto cfg = core::Config::parse("", "empty.env", {}, &core::Config::no_env);
  ASSERT_TRUE(cfg.ok());
  auto ec = EngineConfig::from_config(*cfg);
  ASSERT_TRUE(ec.ok()) << ec.status();
  std::set<std::string> read_keys;
  for (const auto& [key, value] : ec->effective) {
    read_keys.insert(key);
    const ConfigKey* k = find_config_key(key);
    if (k == nullptr) {
      ADD_FAILURE() << key << " is read by the engine (default '" << value
                    << "') but missing from the key table in tools/engine_config.cpp; add a row, then run "
                       "build/dmabot config --list --format md > docs/CONFIG.md";
      continue;
    }
    EXPECT_TRUE(same_value(std::string(k->def), value))
        << key << ": the key table says the default is '" << k->def << "' but the engine applies '" << value << "'";
  }
  for (const ConfigKey& k : config_keys()) {
    EXPECT_EQ(read_keys.count(std::string(k.key)), 1u) << k.key << " is in the key table but the engine never reads it";
  }
}

// The numeric ranges the table states ("integer LO..HI", "number LO..HI") are the ones the code
// enforces: both ends are accepted, just outside either end is an error naming the key. Keys whose
// range depends on another key ("below X", "above X") are left out.
TEST(ConfigKeys, StatedRangesAreEnforced) {
  int checked = 0;
  for (const ConfigKey& k : config_keys()) {
    const std::string type(k.type);
    const bool integer = type.rfind("integer ", 0) == 0;
    if (!integer && type.rfind("number ", 0) != 0) continue;
    if (type.find("below") != std::string::npos || type.find("above") != std::string::npos ||
        k.key == "STRATEGY_WORKERS") {
      continue;  // the range depends on another key (the feed's fan-out, for STRATEGY_WORKERS)
    }
    const std::string range =
        type.substr(type.find(' ') + 1, type.find_first_of(" ,", type.find(' ') + 1) - type.find(' ') - 1);
    const std::size_t dots = range.find("..");
    if (dots == std::string::npos) continue;
    const double lo = std::stod(range.substr(0, dots)), hi = std::stod(range.substr(dots + 2));
    auto attempt = [&](const std::string& value) {
      auto cfg = core::Config::parse("", "t.env", {std::string(k.key) + "=" + value}, &core::Config::no_env);
      EXPECT_TRUE(cfg.ok());
      auto ec = EngineConfig::from_config(*cfg);
      return ec.ok() ? std::string() : std::string(ec.status().message());
    };
    auto num = [&](double v) {
      if (integer) return std::to_string(static_cast<long long>(v));
      std::ostringstream ss;
      ss.precision(17);
      ss << v;
      return ss.str();
    };
    const double below = integer ? lo - 1 : lo - std::max(std::abs(lo) * 0.5, 1e-9);
    const double above = integer ? hi + 1 : hi + std::max(std::abs(hi) * 0.5, 1e-9);
    EXPECT_EQ(attempt(range.substr(0, dots)), "") << k.key << " rejects its stated minimum";
    EXPECT_EQ(attempt(range.substr(dots + 2)), "") << k.key << " rejects its stated maximum";
    const std::string e1 = attempt(num(below)), e2 = attempt(num(above));
    EXPECT_EQ(e1.rfind(std::string(k.key) + "=", 0), 0u) << k.key << "=" << num(below) << " below the range: " << e1;
    EXPECT_EQ(e2.rfind(std::string(k.key) + "=", 0), 0u) << k.key << "=" << num(above) << " above the range: " << e2;
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

TEST(ConfigKeys, DocsAreGeneratedFromTheTable) {
  const std::string committed = testing::read_file(source_dir() + "/docs/CONFIG.md");
  const std::string generated = render_config_keys(ConfigListFormat::kMarkdown);
  EXPECT_TRUE(committed == generated) << "docs/CONFIG.md is not what the key table generates: run "
                                         "build/dmabot config --list --format md > docs/CONFIG.md";
}

TEST(ConfigKeys, EnvListingIsACompletePresetOfDefaults) {
  // `dmabot config --list` output loads as a preset and changes nothing.
  const std::string text = render_config_keys(ConfigListFormat::kEnv);
  auto cfg = core::Config::parse(text, "list.env", {}, &core::Config::no_env);
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  auto ec = EngineConfig::from_config(*cfg);
  ASSERT_TRUE(ec.ok()) << ec.status();
  for (const ConfigKey& k : config_keys()) {
    EXPECT_NE(cfg->origin(k.key).find("list.env:"), std::string::npos) << k.key << " missing from the listing";
  }
}

TEST(ConfigKeys, EnvMockListsEveryKeyAtItsDefaultUnlessItSaysWhy) {
  const std::string path = source_dir() + "/.env.mock";
  const std::map<std::string, EnvLine> env = parse_env(path);
  ASSERT_FALSE(env.empty()) << path;
  for (const ConfigKey& k : config_keys()) {
    auto it = env.find(std::string(k.key));
    if (it == env.end()) {
      ADD_FAILURE() << ".env.mock lacks " << k.key << " (default " << k.def << ")";
      continue;
    }
    const EnvLine& e = it->second;
    const bool annotated = e.comment.find("preset:") != std::string::npos;
    if (!same_value(e.value, std::string(k.def))) {
      EXPECT_TRUE(annotated) << ".env.mock:" << e.line << ": " << k.key << "=" << e.value
                             << " differs from the default " << k.def << " without a '# preset: why' comment";
    } else {
      EXPECT_FALSE(annotated) << ".env.mock:" << e.line << ": " << k.key
                              << " says it differs (preset:) but equals the default";
    }
  }
  for (const auto& [key, e] : env) {
    EXPECT_NE(find_config_key(key), nullptr) << ".env.mock:" << e.line << ": unknown key " << key;
  }
}

// .env.local may hold exactly binance-sim's published test account (tools/binance_sim/security.h),
// and only because it says BINANCE_ENV=local; every other secret in every preset is empty.
TEST(ConfigKeys, LivePresetsHoldOnlyKnownKeysAndNoSecrets) {
  for (const char* name : {".env.sandbox", ".env.mainnet", ".env.local"}) {
    const std::map<std::string, EnvLine> env = parse_env(source_dir() + "/" + name);
    ASSERT_FALSE(env.empty()) << name;
    const bool local = std::string(name) == ".env.local";
    ASSERT_EQ(env.at("BINANCE_ENV").value,
              local ? "local" : (std::string(name) == ".env.sandbox" ? "testnet" : "mainnet"));
    EXPECT_EQ(env.at("CONFIRM_LIVE").value, "no") << name;
    for (const auto& [key, e] : env) {
      const ConfigKey* k = find_config_key(key);
      EXPECT_NE(k, nullptr) << name << ":" << e.line << ": unknown key " << key;
      if (k == nullptr || !k->secret) continue;
      if (local && key == "BINANCE_API_KEY") {
        EXPECT_EQ(e.value, "dmabot-local-key");
      } else if (local && key == "BINANCE_API_SECRET") {
        EXPECT_EQ(e.value, "dmabot-local-secret");
      } else {
        EXPECT_TRUE(e.value.empty()) << name << ":" << e.line << ": " << key << " holds a value";
      }
    }
  }
}

}  // namespace
}  // namespace dmabot::tools
