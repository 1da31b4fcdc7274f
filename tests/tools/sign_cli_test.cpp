// `dmabot sign` end to end: build/dmabot runs as a child. Expected signatures are Binance's own
// examples (binance-spot-api-docs: rest-api.md, web-socket-api.md, fix-api.md); every run also checks
// that the secret appears in neither stdout nor stderr.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "tests/tools/test_process.h"

namespace dmabot::testing {
namespace {

constexpr const char* kSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr const char* kRestPayload =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
constexpr const char* kRestSig = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
constexpr const char* kFixKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIIJEYWtGBrhACmb9Dvy+qa8WEf0lQOl1s4CLIAB9m89u\n"
    "-----END PRIVATE KEY-----\n";

struct Result {
  int code = -1;
  std::string out, err;
};

// Runs `dmabot sign ARGS` with stdin from `input` (empty: /dev/null).
Result sign(const std::vector<std::string>& args, const std::string& input = "") {
  const std::string dir = temp_dir();
  const std::string in_path = dir + "/stdin.txt";
  {
    std::ofstream f(in_path, std::ios::binary);
    f << input;
  }
  std::vector<std::string> argv = {dmabot_bin(), "sign"};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out_path = dir + "/stdout.txt", err_path = dir + "/stderr.txt";
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = open(in_path.c_str(), O_RDONLY);
    const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> cargv;
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  Result r;
  r.code = wait_exit(Child{pid, out_path, err_path}, 60);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  EXPECT_EQ(r.out.find(kSecret), std::string::npos) << "secret on stdout";
  EXPECT_EQ(r.err.find(kSecret), std::string::npos) << "secret on stderr";
  EXPECT_EQ(r.err.find("MC4CAQAw"), std::string::npos) << "key material on stderr";
  return r;
}

std::string write_temp(const std::string& name, const std::string& text) {
  const std::string path = temp_dir() + "/" + name;
  std::ofstream f(path, std::ios::binary);
  f << text;
  return path;
}

TEST(SignCli, HmacRestExampleFromTheDocs) {
  const Result r = sign({"--key-type", "hmac", "--secret", kSecret, "--payload", kRestPayload});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kRestSig) + "\n");
  EXPECT_EQ(r.err, "");
}

TEST(SignCli, HmacQueryPlusBody) {
  // rest-api.md (before f83a5bf), "Example 3: Mixed query string and request body".
  const Result r =
      sign({"--key-type", "hmac", "--secret", kSecret, "--payload", "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
            "--body", "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77\n");
}

TEST(SignCli, SecretFromStdinAndFileNotArgv) {
  const Result from_stdin =
      sign({"--key-type", "hmac", "--secret", "-", "--payload", kRestPayload}, std::string(kSecret) + "\n");
  EXPECT_EQ(from_stdin.code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, std::string(kRestSig) + "\n");
  const std::string file = write_temp("secret.txt", std::string(kSecret) + "\r\n");
  const Result from_file = sign({"--key-type", "hmac", "--secret-file", file, "--payload", kRestPayload});
  EXPECT_EQ(from_file.code, 0) << from_file.err;
  EXPECT_EQ(from_file.out, std::string(kRestSig) + "\n");
  const Result empty_stdin = sign({"--key-type", "hmac", "--secret", "-", "--payload", kRestPayload}, "\n");
  EXPECT_EQ(empty_stdin.code, 2);
  EXPECT_NE(empty_stdin.err.find("--secret - (stdin): the HMAC secret is empty"), std::string::npos) << empty_stdin.err;
}

// web-socket-api.md "SIGNED request example (HMAC)", given as the whole request (the docs' JSON).
TEST(SignCli, WsParamsWholeRequestJson) {
  const std::string request = R"({
    "id": "4885f793-e5ad-4c3b-8f6c-55d891472b71",
    "method": "order.place",
    "params": {
        "symbol": "BTCUSDT",
        "side": "SELL",
        "type": "LIMIT",
        "timeInForce": "GTC",
        "quantity": "0.01000000",
        "price": "52000.00",
        "recvWindow": 100,
        "timestamp": 1645423376532,
        "apiKey": "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
        "signature": "------ FILL ME ------"
    }
})";
  const Result r = sign({"--key-type", "hmac", "--secret", kSecret, "--payload", request, "--ws-params"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24\n");
  EXPECT_EQ(
      r.err,
      "payload: apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0."
      "01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT\n");
}

TEST(SignCli, WsParamsObjectWithUnicodeEscapesAndKvForm) {
  // The non-ASCII example, its symbol written with JSON \u escapes: the payload signs the UTF-8 text.
  const std::string params =
      R"({"symbol":"\uff11\uff12\uff13\uff14\uff15\uff16","side":"BUY","type":"LIMIT","timeInForce":"GTC",)"
      R"("quantity":"1.00000000","price":"0.10000000","recvWindow":5000,"timestamp":1645423376532,)"
      R"("apiKey":"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"})";
  const Result r = sign({"--key-type", "hmac", "--secret", kSecret, "--ws-params", "--payload", params});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd\n");
  // The same params as k=v in request order with a stale signature: dropped, sorted, same result.
  const Result kv =
      sign({"--key-type", "hmac", "--secret", kSecret, "--ws-params", "--payload",
            "symbol=１２３４５６&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1.00000000&price=0.10000000&"
            "recvWindow=5000&timestamp=1645423376532&apiKey="
            "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&"
            "signature=deadbeef"});
  EXPECT_EQ(kv.code, 0) << kv.err;
  EXPECT_EQ(kv.out, r.out);
  EXPECT_NE(kv.err.find("&symbol=１２３４５６&"), std::string::npos) << kv.err;
  EXPECT_EQ(kv.err.find("deadbeef"), std::string::npos) << kv.err;
}

// fix-api.md: Binance's example Ed25519 key and the signature of its Logon payload.
TEST(SignCli, Ed25519FromPemFile) {
  const std::string key = write_temp("key.pem", kFixKeyPem);
  const Result r = sign({"--key-type", "ed25519", "--key-file", key, "--payload",
                         std::string("A\x01"
                                     "EXAMPLE\x01SPOT\x01"
                                     "1\x01"
                                     "20240627-11:17:25.223")});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "4MHXelVVcpkdwuLbl6n73HQUXUf1dse2PCgT1DYqW9w8AVZ1RACFGM+5UdlGPrQHrgtS3CvsRURC1oj73j8gCA==\n");
}

// Exit 2 and one line on stderr that contains `want`.
void expect_usage(const Result& r, const std::string& want) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(SignCli, BadUsageAndBadKeysExitTwoNamingTheFlagOrFile) {
  const std::string pem = write_temp("ed.pem", kFixKeyPem);
  const std::string garbage = write_temp("garbage.pem", "not a key at all\n");
  const std::string dir = temp_dir();
  expect_usage(sign({"--key-type", "hmac", "--payload", "x"}), "--key-type hmac needs exactly one of --secret");
  expect_usage(sign({"--payload", "x", "--secret", kSecret}), "--key-type is required");
  expect_usage(sign({"--key-type", "rsa", "--payload", "x"}), "--key-type 'rsa' is not hmac or ed25519");
  expect_usage(sign({"--key-type", "hmac", "--secret", kSecret}), "--payload is required");
  expect_usage(sign({"--key-type", "ed25519", "--payload", "x"}), "--key-type ed25519 needs --key-file");
  expect_usage(sign({"--key-type", "ed25519", "--key-file", "/nonexistent/k.pem", "--payload", "x"}),
               "--key-file /nonexistent/k.pem: no such file");
  expect_usage(sign({"--key-type", "ed25519", "--key-file", dir, "--payload", "x"}), "--key-file " + dir);
  expect_usage(sign({"--key-type", "ed25519", "--key-file", garbage, "--payload", "x"}),
               "--key-file " + garbage + ": not PEM text");
  expect_usage(sign({"--key-type", "ed25519", "--secret", kSecret, "--payload", "x"}),
               "an Ed25519 key needs --key-file PEM");
  // An Ed25519 key handed over as an HMAC secret, by each route.
  expect_usage(sign({"--key-type", "hmac", "--key-file", pem, "--payload", "x"}),
               "--key-file is for --key-type ed25519");
  expect_usage(sign({"--key-type", "hmac", "--secret-file", pem, "--payload", "x"}),
               "--secret-file " + pem + " holds a PEM key, not an HMAC secret");
  expect_usage(sign({"--key-type", "hmac", "--secret", "-", "--payload", "x"}, kFixKeyPem),
               "--secret - (stdin) holds a PEM key");
  expect_usage(sign({"--key-type", "hmac", "--secret-file", "/nonexistent/s.txt", "--payload", "x"}),
               "--secret-file /nonexistent/s.txt: no such file");
  expect_usage(sign({"--key-type", "hmac", "--secret", kSecret, "--ws-params", "--payload", "{\"a\":1"}),
               "--payload: not valid JSON");
  expect_usage(sign({"--key-type", "hmac", "--secret", kSecret, "--ws-params", "--payload", "a=1&a=2"}),
               "param 'a' appears twice");
  expect_usage(sign({"--key-type", "hmac", "--secret", kSecret, "--ws-params", "--payload", "{\"a\":null}"}),
               "'a' is null");
  expect_usage(sign({"--key-type", "hmac", "--secret", kSecret, "--ws-params", "--payload", "a=1", "--body", "b"}),
               "--body is for REST payloads");
  // A secret typed without its flag, or after a mistyped one, is never echoed (sign() checks).
  expect_usage(sign({"--key-type", "hmac", kSecret, "--payload", "x"}), "unexpected argument");
  expect_usage(sign({"--key-type", "hmac", "--secrte", kSecret, "--payload", "x"}), "unknown option '--secrte'");
}

TEST(SignCli, Help) {
  const Result r = sign({"--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--ws-params"), std::string::npos);
  EXPECT_NE(r.out.find("--secret-file"), std::string::npos);
  const std::string dir = temp_dir();
  Child c;
  ASSERT_EQ(run({dmabot_bin(), "--help"}, dir, &c), 0);
  EXPECT_NE(read_file(c.out_path).find("  sign "), std::string::npos);
}

}  // namespace
}  // namespace dmabot::testing
