#include "tools/sign_cli.h"

#include <openssl/crypto.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "core/strings.h"
#include "gateway/binance/signer.h"
#include "simdjson.h"
#include "tools/cli_common.h"

namespace dmabot::tools {

namespace {

namespace od = simdjson::ondemand;
using core::str_cat;
using Params = std::vector<std::pair<std::string, std::string>>;

constexpr const char* kSignHelp =
    "usage: dmabot sign --key-type hmac|ed25519 (--secret S | --secret - | --secret-file F | --key-file PEM)\n"
    "                   --payload STR [--body STR] [--ws-params]\n"
    "\n"
    "Signs one payload as dmabot's Binance gateways do and prints the signature on stdout (HMAC:\n"
    "lower-case hex; Ed25519: base64). Use it to debug -1022 'Signature for this request is not valid'.\n"
    "\n"
    "  --key-type hmac|ed25519  the API key's type\n"
    "  --secret S               HMAC secret (prefer the next two: argv is visible in ps and shell history)\n"
    "  --secret -               read the HMAC secret from stdin (one trailing newline dropped)\n"
    "  --secret-file F          read the HMAC secret from file F (one trailing newline dropped)\n"
    "  --key-file PEM           Ed25519 private key, PEM (-----BEGIN PRIVATE KEY-----, unencrypted)\n"
    "  --payload STR            REST: the query string as sent (percent-encoded); signed as given\n"
    "  --body STR               REST: the request body; the payload signed is STR + body, no separator\n"
    "  --ws-params              STR is a WebSocket API request's params: a JSON object (its `params`\n"
    "                           or the whole request) or k=v&k=v. `signature` is dropped, the rest\n"
    "                           sorted by name and joined as k=v&k=v, not encoded; that payload is\n"
    "                           printed on stderr\n"
    "  --help                   this text\n"
    "\n"
    "Exit codes: 0 ok, 2 bad usage or unusable key (the message names the flag or file), 1 signing failed.\n";

// A secret read from a file or stdin: one trailing newline (\n or \r\n) dropped, as `echo S > F` adds it.
void drop_trailing_newline(std::string& s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  if (!s.empty() && s.back() == '\r') s.pop_back();
}

bool looks_like_pem(std::string_view s) { return s.find("-----BEGIN ") != std::string_view::npos; }

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// One JSON value as the WebSocket API signature payload spells it.
absl::StatusOr<std::string> value_text(od::value v, std::string_view name) {
  od::json_type type;
  if (v.type().get(type) != simdjson::SUCCESS) return core::invalid("--payload: bad JSON value for '", name, "'");
  switch (type) {
    case od::json_type::string: {
      std::string_view s;
      if (v.get_string().get(s) != simdjson::SUCCESS) {
        return core::invalid("--payload: bad JSON string for '", name, "'");
      }
      return std::string(s);
    }
    case od::json_type::number: {
      std::string_view raw = v.raw_json_token();  // the literal as written: 52000.00 stays 52000.00
      return std::string(core::strip(raw));
    }
    case od::json_type::boolean: {
      bool b = false;
      if (v.get_bool().get(b) != simdjson::SUCCESS) return core::invalid("--payload: bad JSON value for '", name, "'");
      return std::string(b ? "true" : "false");
    }
    case od::json_type::null:
      return core::invalid("--payload: '", name, "' is null (leave the param out instead)");
    case od::json_type::array: {
      od::array a;
      std::string_view raw;
      if (v.get_array().get(a) != simdjson::SUCCESS || a.raw_json().get(raw) != simdjson::SUCCESS) {
        return core::invalid("--payload: bad JSON array for '", name, "'");
      }
      return std::string(core::strip(raw));
    }
    case od::json_type::object: {
      od::object o;
      std::string_view raw;
      if (v.get_object().get(o) != simdjson::SUCCESS || o.raw_json().get(raw) != simdjson::SUCCESS) {
        return core::invalid("--payload: bad JSON object for '", name, "'");
      }
      return std::string(core::strip(raw));
    }
  }
  return core::invalid("--payload: bad JSON value for '", name, "'");
}

// The fields of obj. At the top level (nested_params set) a `params` object is parsed into
// *nested_params (found_params set) and a `method` field noted, so a whole request can be given.
absl::StatusOr<Params> object_params(od::object obj, Params* nested_params, bool* found_params, bool* has_method) {
  Params out;
  for (auto field_result : obj) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS)
      return core::invalid("--payload: malformed JSON object");
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return core::invalid("--payload: malformed JSON key");
    std::string name(key);
    od::value v = field.value();
    if (nested_params != nullptr && name == "params") {
      od::json_type type;
      if (v.type().get(type) == simdjson::SUCCESS && type == od::json_type::object) {
        od::object inner;
        if (v.get_object().get(inner) != simdjson::SUCCESS) return core::invalid("--payload: malformed 'params'");
        auto p = object_params(inner, nullptr, nullptr, nullptr);
        if (!p.ok()) return p.status();
        *nested_params = std::move(*p);
        *found_params = true;
        continue;
      }
    }
    if (has_method != nullptr && name == "method") *has_method = true;
    auto text = value_text(v, name);
    if (!text.ok()) return text.status();
    out.emplace_back(std::move(name), std::move(*text));
  }
  return out;
}

absl::Status check_unique(const Params& params) {
  std::set<std::string_view> seen;
  for (const auto& [k, v] : params) {
    if (!seen.insert(k).second) return core::invalid("--payload: param '", k, "' appears twice");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Params> parse_ws_params_text(std::string_view text) {
  const std::string_view t = core::strip(text);
  Params params;
  if (!t.empty() && t.front() == '{') {
    simdjson::padded_string json(t);
    // The DOM parser validates the whole text (on-demand parsing reads only what is asked for and
    // would not notice trailing junk); the on-demand pass then keeps numbers as written.
    simdjson::dom::parser validator;
    if (validator.parse(json).error() != simdjson::SUCCESS) return core::invalid("--payload: not valid JSON");
    od::parser parser;
    od::document doc;
    if (parser.iterate(json).get(doc) != simdjson::SUCCESS) return core::invalid("--payload: not valid JSON");
    od::object obj;
    if (doc.get_object().get(obj) != simdjson::SUCCESS) return core::invalid("--payload: not a JSON object");
    Params nested;
    bool has_method = false, has_params = false;
    auto top = object_params(obj, &nested, &has_params, &has_method);
    if (!top.ok()) return top.status();
    if (has_params && !has_method) return core::invalid("--payload: a 'params' object without 'method'");
    // A whole request ({"id":..,"method":..,"params":{..}}) signs its params.
    params = has_params ? std::move(nested) : std::move(*top);
  } else {
    if (t.empty()) return core::invalid("--payload: empty");
    for (std::string_view piece : core::split(t, '&')) {
      const auto eq = piece.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return core::invalid("--payload: '", piece.substr(0, 40), "' is not name=value");
      }
      params.emplace_back(std::string(piece.substr(0, eq)), std::string(piece.substr(eq + 1)));
    }
  }
  if (auto st = check_unique(params); !st.ok()) return st;
  return params;
}

const char* sign_help() { return kSignHelp; }

int sign_command(int argc, char** argv) {
  std::string key_type, secret, secret_file, key_file, payload, body;
  bool have_secret = false, have_payload = false, have_body = false, ws_params = false;
  ArgCursor args(argc, argv);
  while (!args.done()) {
    const std::string_view a = args.next();
    if (a == "--help" || a == "-h") {
      std::fputs(kSignHelp, stdout);
      return kExitOk;
    } else if (a == "--key-type") {
      if (!args.take_value(key_type)) return usage_error("--key-type needs hmac or ed25519");
    } else if (a == "--secret") {
      if (!args.take_value(secret)) return usage_error("--secret needs a value (or '-' to read it from stdin)");
      have_secret = true;
    } else if (a == "--secret-file") {
      if (!args.take_value(secret_file)) return usage_error("--secret-file needs a file");
    } else if (a == "--key-file") {
      if (!args.take_value(key_file)) return usage_error("--key-file needs a PEM file");
    } else if (a == "--payload") {
      if (!args.take_value(payload)) return usage_error("--payload needs a string");
      have_payload = true;
    } else if (a == "--body") {
      if (!args.take_value(body)) return usage_error("--body needs a string");
      have_body = true;
    } else if (a == "--ws-params") {
      ws_params = true;
    } else if (!a.empty() && a.front() == '-') {
      // A flag is safe to echo (a mistyped --secret's value is never reached: parsing stops here).
      return usage_error(str_cat("sign: unknown option '", a.substr(0, 40), "' (see dmabot sign --help)"));
    } else {
      // Never echo a positional argument: it may be a secret typed without its flag.
      return usage_error("sign: unexpected argument (values follow their flag; see dmabot sign --help)");
    }
  }

  if (key_type.empty()) return usage_error("sign: --key-type is required (hmac or ed25519)");
  if (key_type != "hmac" && key_type != "ed25519") {
    return usage_error(str_cat("--key-type '", key_type.substr(0, 20), "' is not hmac or ed25519"));
  }
  if (!have_payload) return usage_error("sign: --payload is required");
  if (ws_params && have_body) return usage_error("--body is for REST payloads; it cannot be used with --ws-params");

  // The payload to sign.
  std::string to_sign;
  if (ws_params) {
    auto parsed = parse_ws_params_text(payload);
    if (!parsed.ok()) return usage_error(std::string(parsed.status().message()));
    std::vector<binance::WsParam> views;
    std::size_t total = 0;
    for (const auto& [k, v] : *parsed) {
      views.push_back({k, v});
      total += k.size() + v.size() + 2;
    }
    to_sign.resize(total);
    std::size_t len = 0;
    if (!binance::build_ws_payload(views, std::span<char>(to_sign.data(), to_sign.size()), len)) {
      return runtime_error("sign: internal error building the payload");
    }
    to_sign.resize(len);
    std::fprintf(stderr, "payload: %s\n", to_sign.c_str());
  } else {
    to_sign = payload + body;
  }

  if (key_type == "hmac") {
    if (!key_file.empty()) {
      return usage_error(
          "--key-file is for --key-type ed25519 (a PEM key); an HMAC secret goes in --secret, --secret-file or "
          "--secret -");
    }
    if (have_secret + !secret_file.empty() != 1) {
      return usage_error("--key-type hmac needs exactly one of --secret S, --secret - (stdin), --secret-file F");
    }
    std::string source = "--secret";
    if (!secret_file.empty()) {
      source = str_cat("--secret-file ", secret_file);
      if (std::string err = check_readable_file("--secret-file", secret_file); !err.empty()) return usage_error(err);
      std::ifstream in(secret_file, std::ios::binary);
      secret.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (in.bad()) return usage_error(str_cat(source, ": read error"));
      drop_trailing_newline(secret);
    } else if (secret == "-") {
      source = "--secret - (stdin)";
      secret.clear();
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof(buf), stdin)) > 0) {
        secret.append(buf, n);
        if (secret.size() > 64 * 1024) {
          wipe(secret);
          return usage_error(str_cat(source, ": more than 64 KiB; not an API secret"));
        }
      }
      OPENSSL_cleanse(buf, sizeof(buf));
      drop_trailing_newline(secret);
    }
    if (looks_like_pem(secret)) {
      wipe(secret);
      return usage_error(str_cat(source,
                                 " holds a PEM key, not an HMAC secret (an Ed25519 key: --key-type ed25519 "
                                 "--key-file PEM)"));
    }
    if (secret.empty()) return usage_error(str_cat(source, ": the HMAC secret is empty"));
    auto signer = binance::HmacSha256Signer::create(secret);
    wipe(secret);
    if (!signer.ok()) return usage_error(str_cat(source, ": ", std::string(signer.status().message())));
    char out[binance::kHmacSha256HexSize];
    signer->sign(to_sign, out);
    std::fwrite(out, 1, sizeof(out), stdout);
    std::fputc('\n', stdout);
    return kExitOk;
  }

  // ed25519
  if (have_secret || !secret_file.empty()) {
    wipe(secret);
    return usage_error("--secret and --secret-file are for --key-type hmac; an Ed25519 key needs --key-file PEM");
  }
  if (key_file.empty()) return usage_error("--key-type ed25519 needs --key-file PEM (the private key)");
  if (std::string err = check_readable_file("--key-file", key_file); !err.empty()) return usage_error(err);
  auto signer = binance::Ed25519Signer::from_pem_file(key_file);
  if (!signer.ok()) return usage_error(str_cat("--key-file ", std::string(signer.status().message())));
  char out[binance::kEd25519Base64Size];
  if (!signer->sign(to_sign, out)) return runtime_error("sign: Ed25519 signing failed inside OpenSSL");
  std::fwrite(out, 1, sizeof(out), stdout);
  std::fputc('\n', stdout);
  return kExitOk;
}

}  // namespace dmabot::tools
