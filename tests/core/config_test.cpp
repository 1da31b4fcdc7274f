// Tests for core/config.h: .env syntax, every error path (one line naming key and origin),
// precedence file < environment < --set, unknown-key detection, and secret masking.
#include "core/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"

namespace dmabot::core {
namespace {

using Overrides = std::vector<std::string>;

// A fake process environment: only these two keys are set.
std::optional<std::string> fake_env(const char* key) {
  const std::string k(key);
  if (k == "MAX_NOTIONAL") return std::string("250");
  if (k == "BINANCE_API_SECRET") return std::string("env-secret-value");
  if (k == "ENV_ONLY") return std::string("from-env");
  return std::nullopt;
}

Config parse_ok(std::string_view text, const Overrides& ov = {}, Config::EnvLookup env = &Config::no_env) {
  absl::StatusOr<Config> c = Config::parse(text, ".env.test", ov, env);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *std::move(c) : Config();
}

std::string parse_error(std::string_view text, const Overrides& ov = {}) {
  absl::StatusOr<Config> c = Config::parse(text, ".env.test", ov, &Config::no_env);
  EXPECT_FALSE(c.ok()) << "parsed unexpectedly: " << text;
  if (c.ok()) return "";
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(c.status().message());
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "error must be one line: " << msg;
  return msg;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// ---- syntax ---------------------------------------------------------------------------------

TEST(ConfigSyntax, ExportCommentsQuotesInlineCommentsCrlf) {
  Config c = parse_ok(
      "# leading comment\r\n"
      "\r\n"
      "export SYMBOLS=BTCUSDT,ETHUSDT\r\n"
      "   # indented comment\n"
      "NAME=\"hello world\"\n"
      "SINGLE='one'   # a comment after the closing quote is fine\n"
      "HASH=\"a # not a comment\"\n"
      "URL=wss://x.test/ws#frag\n"  // '#' without a space before it is part of the value
      "PORT=9898 # inline comment\n"
      "RATIO=0.25\t# tab before the comment\n"
      "EMPTY=\n"
      "QEMPTY=\"\"\n");
  EXPECT_EQ(*c.get_list("SYMBOLS", ""), (std::vector<std::string>{"BTCUSDT", "ETHUSDT"}));
  EXPECT_EQ(*c.get_string("NAME", ""), "hello world");
  EXPECT_EQ(*c.get_string("SINGLE", ""), "one");
  EXPECT_EQ(*c.get_string("HASH", ""), "a # not a comment");
  EXPECT_EQ(*c.get_string("URL", ""), "wss://x.test/ws#frag");
  EXPECT_EQ(*c.get_int("PORT", 0, 1, 65535), 9898);
  EXPECT_DOUBLE_EQ(*c.get_double("RATIO", 0, 0, 1), 0.25);
  EXPECT_EQ(*c.get_string("EMPTY", "default"), "");  // present but empty is not "absent"
  EXPECT_EQ(*c.get_string("QEMPTY", "default"), "");
  EXPECT_EQ(c.origin("PORT"), ".env.test:9");
  EXPECT_EQ(c.origin("SYMBOLS"), ".env.test:3");
}

TEST(ConfigSyntax, SingleQuotesKeepInnerText) {
  Config c = parse_ok("A='x \"y\" # z'\n");
  EXPECT_EQ(*c.get_string("A", ""), "x \"y\" # z");
}

TEST(ConfigSyntax, NoTrailingNewlineAndSpacesAroundKey) {
  Config c = parse_ok("  KEY =value");
  EXPECT_EQ(*c.get_string("KEY", ""), "value");
}

// ---- parse errors ---------------------------------------------------------------------------

TEST(ConfigErrors, MissingFile) {
  absl::StatusOr<Config> c = Config::load("/nonexistent/dir/.env.nope", {}, &Config::no_env);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(contains(std::string(c.status().message()), "/nonexistent/dir/.env.nope"));
}

// A directory opens as an ifstream and reads as empty text: it must not pass for an empty config.
TEST(ConfigErrors, DirectoryIsNotAnEmptyConfig) {
  const std::string dir = ::testing::TempDir();
  absl::StatusOr<Config> c = Config::load(dir, {}, &Config::no_env);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kFailedPrecondition);
  const std::string m(c.status().message());
  EXPECT_TRUE(contains(m, dir)) << m;
  EXPECT_TRUE(contains(m, "is a directory")) << m;
}

TEST(ConfigErrors, KeyWithoutEquals) {
  const std::string m = parse_error("A=1\nJUSTAKEY\n");
  EXPECT_TRUE(contains(m, ".env.test:2")) << m;
  EXPECT_TRUE(contains(m, "KEY=VALUE")) << m;
}

TEST(ConfigErrors, BadKeyName) {
  EXPECT_TRUE(contains(parse_error("1ABC=x\n"), ".env.test:1")) << parse_error("1ABC=x\n");
  EXPECT_TRUE(contains(parse_error("A-B=x\n"), "'A-B'"));
  EXPECT_TRUE(contains(parse_error("=x\n"), "not a valid key"));
  EXPECT_TRUE(contains(parse_error("MY KEY=x\n"), "not a valid key"));
}

TEST(ConfigErrors, UnterminatedQuote) {
  const std::string m = parse_error("\nNAME=\"abc\n");
  EXPECT_TRUE(contains(m, ".env.test:2")) << m;
  EXPECT_TRUE(contains(m, "NAME")) << m;
  EXPECT_TRUE(contains(m, "unterminated")) << m;
}

TEST(ConfigErrors, TextAfterQuote) {
  const std::string m = parse_error("NAME=\"abc\" def\n");
  EXPECT_TRUE(contains(m, ".env.test:1")) << m;
  EXPECT_TRUE(contains(m, "after the closing quote")) << m;
}

TEST(ConfigErrors, DuplicateKey) {
  const std::string m = parse_error("A=1\nB=2\nA=3\n");
  EXPECT_TRUE(contains(m, ".env.test:3")) << m;  // where the duplicate is
  EXPECT_TRUE(contains(m, ".env.test:1")) << m;  // and where the first one was
  EXPECT_TRUE(contains(m, "A is set twice")) << m;
}

TEST(ConfigErrors, LeadingSpaceValue) {
  const std::string m = parse_error("A= 5\n");
  EXPECT_TRUE(contains(m, ".env.test:1")) << m;
  EXPECT_TRUE(contains(m, "leading spaces")) << m;
}

TEST(ConfigErrors, SetMalformed) {
  EXPECT_TRUE(contains(parse_error("", {"NOEQUALS"}), "--set")) << parse_error("", {"NOEQUALS"});
  EXPECT_TRUE(contains(parse_error("", {"=5"}), "--set"));
  EXPECT_TRUE(contains(parse_error("", {"BAD KEY=5"}), "KEY=VALUE"));
}

// ---- typed getters --------------------------------------------------------------------------

TEST(ConfigGetters, MalformedNumbersNameKeyAndLine) {
  Config c = parse_ok("A=12x\nB=1.5.2\nC=1.123456789\nD=maybe\nE=\nF=0x10\nG=nan\nH=99999999999999999999\n");
  auto a = c.get_int("A", 0, 0, 100);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(std::string(a.status().message()), "A='12x' (.env.test:1): expected an integer");
  auto b = c.get_double("B", 0, 0, 100);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(std::string(b.status().message()), "B='1.5.2' (.env.test:2): expected a number");
  auto d3 = c.get_decimal_raw("C", "0", 0, std::numeric_limits<int64_t>::max());
  ASSERT_FALSE(d3.ok());
  EXPECT_EQ(std::string(d3.status().message()), "C='1.123456789' (.env.test:3): more than 8 decimals");
  auto d = c.get_bool("D", false);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(std::string(d.status().message()), "D='maybe' (.env.test:4): expected true or false");
  EXPECT_FALSE(c.get_int("E", 1, 0, 10).ok());  // empty is not a number
  EXPECT_FALSE(c.get_int("F", 1, 0, 100).ok());
  EXPECT_FALSE(c.get_double("G", 1, 0, 100).ok());
  auto h = c.get_int("H", 0, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  ASSERT_FALSE(h.ok());
  EXPECT_TRUE(contains(std::string(h.status().message()), "H='99999999999999999999'"));
}

TEST(ConfigGetters, ValuesWithOuterSpacesAreNotNumbers) {
  Config c = parse_ok("A=' 5'\nB='5 '\nC=' 1.5'\n");
  EXPECT_FALSE(c.get_int("A", 0, 0, 10).ok());
  EXPECT_FALSE(c.get_int("B", 0, 0, 10).ok());
  EXPECT_FALSE(c.get_double("C", 0, 0, 10).ok());
}

TEST(ConfigGetters, OutOfRange) {
  Config c = parse_ok("PORT=70000\nRATIO=1.5\nMAX=1000.5\nNEG=-3\n");
  auto p = c.get_int("PORT", 0, 1, 65535);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(std::string(p.status().message()), "PORT='70000' (.env.test:1): must be between 1 and 65535");
  auto r = c.get_double("RATIO", 0, 0, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(std::string(r.status().message()), "RATIO='1.5' (.env.test:2): must be between 0 and 1");
  // 1000.5 > 1000 (max raw 1000 * 1e8)
  auto m = c.get_decimal_raw("MAX", "0", 0, 100'000'000'000);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(std::string(m.status().message()), "MAX='1000.5' (.env.test:3): must be between 0 and 1000");
  EXPECT_FALSE(c.get_int("NEG", 0, 0, 10).ok());
}

TEST(ConfigGetters, ParsedValuesAndDefaults) {
  Config c = parse_ok("I=-42\nD=2.5e-3\nX=1000.5\nB1=YES\nB2=off\nB3=0\nMODE=sleep\n");
  EXPECT_EQ(*c.get_int("I", 0, -100, 100), -42);
  EXPECT_DOUBLE_EQ(*c.get_double("D", 0, 0, 1), 0.0025);
  EXPECT_EQ(*c.get_decimal_raw("X", "0", 0, 200'000'000'000), 100'050'000'000);  // 1000.5 * 1e8
  EXPECT_TRUE(*c.get_bool("B1", false));                                         // case-insensitive
  EXPECT_FALSE(*c.get_bool("B2", true));
  EXPECT_FALSE(*c.get_bool("B3", true));
  EXPECT_EQ(*c.get_choice("MODE", "spin", {"spin", "spin_yield", "sleep"}), "sleep");
  // Absent keys take the default, which is validated like a value.
  EXPECT_EQ(*c.get_int("ABSENT_I", 7, 0, 10), 7);
  EXPECT_EQ(*c.get_decimal_raw("ABSENT_X", "0.01", 0, kScale), 1'000'000);  // 0.01 * 1e8
  EXPECT_EQ(*c.get_list("ABSENT_L", "a,b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c.get_list("ABSENT_E", "")->empty());
  EXPECT_EQ(c.origin("ABSENT_I"), "default, not in .env.test");
}

TEST(ConfigGetters, ListErrors) {
  Config c = parse_ok("L1=a,,b\nL2=a, b\nL3=a,\nL4=,a\n");
  auto l1 = c.get_list("L1", "");
  ASSERT_FALSE(l1.ok());
  EXPECT_EQ(std::string(l1.status().message()), "L1='a,,b' (.env.test:1): item 2 is empty");
  auto l2 = c.get_list("L2", "");
  ASSERT_FALSE(l2.ok());
  EXPECT_EQ(std::string(l2.status().message()), "L2='a, b' (.env.test:2): item ' b' contains spaces");
  EXPECT_FALSE(c.get_list("L3", "").ok());  // trailing comma = empty last item
  EXPECT_FALSE(c.get_list("L4", "").ok());
}

TEST(ConfigGetters, BadChoice) {
  Config c = parse_ok("MODE=turbo\n");
  auto m = c.get_choice("MODE", "spin", {"spin", "sleep"});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(std::string(m.status().message()), "MODE='turbo' (.env.test:1): must be one of: spin, sleep");
}

// ---- unknown keys ---------------------------------------------------------------------------

TEST(ConfigUnknownKeys, NamesKeyAndFileLine) {
  Config c = parse_ok("A=1\nTYPO_KEY=2\nB=3\n");
  ASSERT_TRUE(c.get_int("A", 0, 0, 10).ok());
  c.declare("B");
  absl::Status s = c.check_unknown_keys();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()), "TYPO_KEY (.env.test:2): unknown key");
  ASSERT_TRUE(c.get_string("TYPO_KEY", "").ok());
  EXPECT_TRUE(c.check_unknown_keys().ok());
}

TEST(ConfigUnknownKeys, SetKeysAreCheckedToo) {
  Config c = parse_ok("", {"NOPE=1"});
  absl::Status s = c.check_unknown_keys();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(std::string(s.message()), "NOPE (--set): unknown key");
}

TEST(ConfigUnknownKeys, EnvironmentIsNotScanned) {
  // The process environment is full of unrelated variables; only asked-for keys come from it.
  Config c = parse_ok("", {}, &fake_env);
  EXPECT_TRUE(c.check_unknown_keys().ok());
}

// ---- precedence -----------------------------------------------------------------------------

TEST(ConfigPrecedence, FileThenEnvironmentThenSet) {
  const char* text = "MAX_NOTIONAL=100\nQPS=5\nPORT=1\n";
  {
    Config c = parse_ok(text, {}, &Config::no_env);
    EXPECT_EQ(*c.get_int("MAX_NOTIONAL", 0, 0, 1000), 100);
    EXPECT_EQ(c.origin("MAX_NOTIONAL"), ".env.test:1");
  }
  {
    Config c = parse_ok(text, {}, &fake_env);  // environment beats the file
    EXPECT_EQ(*c.get_int("MAX_NOTIONAL", 0, 0, 1000), 250);
    EXPECT_EQ(c.origin("MAX_NOTIONAL"), "environment");
    EXPECT_EQ(*c.get_int("QPS", 0, 0, 1000), 5);  // not in the environment: file value
    EXPECT_EQ(*c.get_string("ENV_ONLY", "def"), "from-env");
    EXPECT_TRUE(c.has("ENV_ONLY"));
    EXPECT_FALSE(c.has("NOT_ANYWHERE"));
  }
  {
    Config c = parse_ok(text, {"MAX_NOTIONAL=500", "QPS=6", "QPS=7"}, &fake_env);  // --set beats both
    EXPECT_EQ(*c.get_int("MAX_NOTIONAL", 0, 0, 1000), 500);
    EXPECT_EQ(c.origin("MAX_NOTIONAL"), "--set");
    EXPECT_EQ(*c.get_int("QPS", 0, 0, 1000), 7);  // the last --set wins
    EXPECT_EQ(*c.get_int("PORT", 0, 0, 1000), 1);
  }
}

TEST(ConfigPrecedence, ErrorNamesTheWinningOrigin) {
  Config c = parse_ok("MAX_NOTIONAL=100\n", {}, &fake_env);
  auto v = c.get_int("MAX_NOTIONAL", 0, 0, 200);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(std::string(v.status().message()), "MAX_NOTIONAL='250' (environment): must be between 0 and 200");
  Config d = parse_ok("MAX_NOTIONAL=100\n", {"MAX_NOTIONAL=300"}, &fake_env);
  auto w = d.get_int("MAX_NOTIONAL", 0, 0, 200);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(std::string(w.status().message()), "MAX_NOTIONAL='300' (--set): must be between 0 and 200");
}

TEST(ConfigPrecedence, LoadReadsARealFile) {
  const std::string path = ::testing::TempDir() + "config_test_load.env";
  {
    std::ofstream f(path, std::ios::binary);
    f << "export QPS=12\r\nNAME='x'\r\n";
  }
  absl::StatusOr<Config> c = Config::load(path, {"NAME=y"}, &Config::no_env);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c->get_int("QPS", 0, 0, 100), 12);
  EXPECT_EQ(c->origin("QPS"), path + ":1");
  EXPECT_EQ(*c->get_string("NAME", ""), "y");
  EXPECT_EQ(c->path(), path);
  std::remove(path.c_str());
}

// ---- secrets --------------------------------------------------------------------------------

TEST(ConfigSecrets, KeyClassification) {
  EXPECT_TRUE(is_secret_key("BINANCE_API_KEY"));
  EXPECT_TRUE(is_secret_key("BINANCE_API_SECRET"));
  EXPECT_TRUE(is_secret_key("ed25519_private_key"));
  EXPECT_TRUE(is_secret_key("OPS_TOKEN"));
  EXPECT_FALSE(is_secret_key("MAX_NOTIONAL"));
  EXPECT_FALSE(is_secret_key("SYMBOLS"));
}

TEST(ConfigSecrets, MaskedInErrorsAndDump) {
  const std::string secret = "s3cr3t-Value-123";
  Config c = parse_ok("BINANCE_API_KEY=" + secret + "\nMY_TOKEN=" + secret + "\nQPS=5\n");
  auto k = c.get_int("BINANCE_API_KEY", 0, 0, 10);  // wrong type on purpose: forces an error
  ASSERT_FALSE(k.ok());
  const std::string m(k.status().message());
  EXPECT_FALSE(contains(m, secret)) << m;
  EXPECT_EQ(m, "BINANCE_API_KEY='***' (.env.test:1): expected an integer");
  absl::Status e = c.error("MY_TOKEN", "rejected by the venue");
  EXPECT_FALSE(contains(std::string(e.message()), secret));
  EXPECT_EQ(*c.get_string("MY_TOKEN", ""), secret);  // the program itself still gets the value
  ASSERT_TRUE(c.get_int("QPS", 0, 0, 10).ok());
  bool saw_token = false;
  for (const auto& [key, value] : c.dump()) {
    EXPECT_FALSE(contains(value, secret)) << key;
    if (key == "MY_TOKEN") {
      saw_token = true;
      EXPECT_EQ(value, "***");
    }
    if (key == "QPS") {
      EXPECT_EQ(value, "5");  // ordinary values are shown
    }
  }
  EXPECT_TRUE(saw_token);
}

TEST(ConfigSecrets, MaskedWhenFromEnvironment) {
  Config c = parse_ok("", {}, &fake_env);
  ASSERT_EQ(*c.get_string("BINANCE_API_SECRET", ""), "env-secret-value");
  absl::Status e = c.error("BINANCE_API_SECRET", "bad signature");
  EXPECT_EQ(std::string(e.message()), "BINANCE_API_SECRET='***' (environment): bad signature");
  for (const auto& [key, value] : c.dump()) EXPECT_FALSE(contains(value, "env-secret-value")) << key;
}

TEST(ConfigSecrets, NotEchoedByParseErrors) {
  const std::string secret = "s3cr3t-Value-123";
  // A typo'd line (':' instead of '=') and a malformed --set must not print the secret value.
  const std::string m1 = parse_error("BINANCE_API_SECRET: " + secret + "\n");
  EXPECT_FALSE(contains(m1, secret)) << m1;
  EXPECT_TRUE(contains(m1, ".env.test:1")) << m1;
  const std::string m2 = parse_error("", {"BINANCE_API_SECRET =" + secret});
  EXPECT_FALSE(contains(m2, secret)) << m2;
  EXPECT_TRUE(contains(m2, "--set")) << m2;
  const std::string m3 = parse_error("BINANCE_API_SECRET=\"" + secret + "\" x\n");
  EXPECT_FALSE(contains(m3, secret)) << m3;
  const std::string m4 = parse_error("BINANCE_API_SECRET=\"" + secret + "\n");
  EXPECT_FALSE(contains(m4, secret)) << m4;
}

}  // namespace
}  // namespace dmabot::core

namespace dmabot::core {
namespace {

// Config::from_pairs: a recording's header as the base layer; --set wins; errors name the origin.
TEST(ConfigFromPairs, PairsAreTheBaseAndSetWins) {
  auto c = Config::from_pairs({{"MAX_NOTIONAL", "100"}, {"SYMBOLS", "BTCUSDT"}}, "rec.jsonl (config header)",
                              {"MAX_NOTIONAL=7"}, &Config::no_env);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(*c->get_string("SYMBOLS", ""), "BTCUSDT");
  EXPECT_EQ(*c->get_int("MAX_NOTIONAL", 0, 0, 1000), 7);
  // A bad value from the pairs names the origin.
  auto bad = Config::from_pairs({{"PORT", "x"}}, "rec.jsonl (config header)", {}, &Config::no_env);
  ASSERT_TRUE(bad.ok());
  auto v = bad->get_int("PORT", 1, 0, 10);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(std::string(v.status().message()).find("rec.jsonl (config header)"), std::string::npos) << v.status();
}

TEST(ConfigFromPairs, InvalidKeyAndDuplicateAreErrors) {
  auto bad_key = Config::from_pairs({{"not a key", "1"}}, "h", {}, &Config::no_env);
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(std::string(bad_key.status().message()).find("not a valid key"), std::string::npos);
  auto dup = Config::from_pairs({{"A", "1"}, {"A", "2"}}, "h", {}, &Config::no_env);
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(std::string(dup.status().message()).find("set twice"), std::string::npos);
}

}  // namespace
}  // namespace dmabot::core

// ---- number formatting for summaries (core/strings.h; here because it shares config's binary) ----

namespace dmabot::core {
namespace {

// 21.09330448 is not representable: the nearest double prints in full as 21.093304480000004 (or
// 21.09330447999999...), the float noise users saw in summaries. Both helpers must hide it.
TEST(FormatMoney, FloatNoiseIsRoundedAway) {
  const double noisy = 21.09330448 + 4e-15;
  ASSERT_NE(format_double(noisy), "21.09330448");  // the noise is really there
  EXPECT_EQ(format_fixed(noisy, 4), "21.0933");
  EXPECT_EQ(format_decimal(noisy, 8), "21.09330448");
  EXPECT_EQ(format_decimal(0.1 + 0.2, 8), "0.3");  // 0.30000000000000004
  EXPECT_EQ(format_fixed(0.1 + 0.2, 4), "0.3000");
}

TEST(FormatMoney, SignsZerosAndNonFinite) {
  EXPECT_EQ(format_fixed(-0.00001, 4), "0.0000");  // no "-0.0000"
  EXPECT_EQ(format_fixed(-1.25, 2), "-1.25");
  EXPECT_EQ(format_fixed(2.0, 4), "2.0000");
  EXPECT_EQ(format_decimal(-0.000000001, 8), "0");
  EXPECT_EQ(format_decimal(150.0, 8), "150");
  EXPECT_EQ(format_decimal(-0.057, 8), "-0.057");
  EXPECT_EQ(format_fixed(1e20, 2), "100000000000000000000.00");
  EXPECT_EQ(format_fixed(std::numeric_limits<double>::quiet_NaN(), 4), "NaN");
  EXPECT_EQ(format_decimal(std::numeric_limits<double>::infinity(), 8), "+Inf");
}

}  // namespace
}  // namespace dmabot::core
