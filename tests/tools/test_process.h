// Helpers for tests that run the dmabot program as a child process: spawn with captured output,
// wait with a bound, read files, and fetch a URL path from a loopback HTTP server.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace dmabot::testing {

inline std::string dmabot_bin() {
  const char* b = std::getenv("DMABOT_BIN");  // override for running the tests against another build
  return b ? b : DMABOT_TEST_BIN;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string temp_dir() {
  char tmpl[] = "/tmp/dmabot_test_XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "/tmp";
}

struct Child {
  pid_t pid = -1;
  std::string out_path, err_path;
};

// Starts argv[0] with stdout/stderr redirected to files in dir; env_extra is "K=V" added to the env;
// the child runs in `cwd` when given (else in the test's working directory).
inline Child spawn(const std::vector<std::string>& args, const std::string& dir,
                   const std::vector<std::string>& env_extra = {}, const std::string& cwd = "") {
  Child c;
  c.out_path = dir + "/stdout.txt";
  c.err_path = dir + "/stderr.txt";
  c.pid = fork();
  if (c.pid == 0) {
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    int out = open(c.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(c.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    for (const std::string& e : env_extra) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return c;
}

// Waits for the child; returns its exit code, or -1 if it did not exit within timeout_s (then kills it).
inline int wait_exit(const Child& c, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(c.pid, &status, WNOHANG);
    if (r == c.pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (std::chrono::steady_clock::now() > deadline) {
      kill(c.pid, SIGKILL);
      waitpid(c.pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a child's exit, bounded
  }
}

// Runs to completion and returns the exit code (output in the child's files).
inline int run(const std::vector<std::string>& args, const std::string& dir, Child* out = nullptr,
               const std::vector<std::string>& env_extra = {}, double timeout_s = 120) {
  Child c = spawn(args, dir, env_extra);
  const int rc = wait_exit(c, timeout_s);
  if (out) *out = c;
  return rc;
}

// Size of a file in bytes, -1 if it does not exist.
inline long long file_size(const std::string& path) {
  struct stat sb {};
  return ::stat(path.c_str(), &sb) == 0 ? static_cast<long long>(sb.st_size) : -1;
}

// Polls (bounded) until `path` holds at least `bytes` bytes or the child has exited; true on the
// former. The child keeps running either way (it is not reaped here).
inline bool wait_for_size(const Child& c, const std::string& path, long long bytes, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    if (file_size(path) >= bytes) return true;
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(c.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == c.pid) {
      return false;  // exited (left for wait_exit to reap)
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling a file's growth, bounded
  }
  return false;
}

// HTTP GET on 127.0.0.1:port; returns the whole response (headers + body), "" on connect failure.
inline std::string http_get(uint16_t port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return "";
  }
  const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    close(fd);
    return "";
  }
  std::string resp;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    resp.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  return resp;
}

}  // namespace dmabot::testing
