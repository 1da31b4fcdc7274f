#include "tools/export_cli.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/recorder.h"
#include "core/strings.h"
#include "tools/cli_common.h"

namespace dmabot::tools {
namespace {

using core::str_cat;

constexpr const char* kExportHelp =
    "usage: dmabot export IN --jsonl [--out FILE]\n"
    "\n"
    "Writes the recording IN as JSONL: a binary journal (RECORD_FORMAT=journal) becomes exactly the\n"
    "JSONL recording the recorder would have written (same lines, same seq, same bytes); a JSONL\n"
    "recording is copied through. replay, replay --diff and backtest read journals directly; export\n"
    "is for other tools and for reading a journal with another dmabot build (a journal records the\n"
    "event layout of the build that wrote it).\n"
    "\n"
    "  --jsonl       the output format (the only one)\n"
    "  --out FILE    write FILE (via FILE.tmp.<pid>, renamed when complete) instead of stdout\n"
    "  --help        this text\n"
    "\n"
    "A journal cut short by a crash exports its whole events and warns about the partial last one.\n"
    "Exit codes: 0 ok, 2 bad usage or IN missing / not a recording / another build's layout,\n"
    "1 FILE could not be written or IN is damaged inside.\n";

// Writes to a file descriptor, every byte or a one-line error.
class Sink {
 public:
  explicit Sink(int fd) : fd_(fd) { buf_.reserve(kFlushAt + 4096); }
  bool put(std::string_view s) {
    buf_.append(s);
    buf_.push_back('\n');
    return buf_.size() < kFlushAt || flush();
  }
  bool flush() {
    std::size_t done = 0;
    while (done < buf_.size()) {
      const ssize_t w = ::write(fd_, buf_.data() + done, buf_.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        error_ = std::strerror(errno);
        return false;
      }
      done += static_cast<std::size_t>(w);
    }
    buf_.clear();
    return true;
  }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  static constexpr std::size_t kFlushAt = 1 << 20;
  int fd_;
  std::string buf_;
  std::string error_;
};

}  // namespace

int export_command(int argc, char** argv) {
  ArgCursor args(argc, argv);
  std::string in, out;
  bool jsonl = false;
  while (!args.done()) {
    const std::string_view a = args.next();
    if (a == "--help" || a == "-h") {
      std::fputs(kExportHelp, stdout);
      return kExitOk;
    }
    if (a == "--jsonl") {
      jsonl = true;
    } else if (a == "--out") {
      if (!args.take_value(out) || out.empty()) return usage_error("export: --out needs a file name");
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error(str_cat("export: unknown option '", a, "' (see dmabot export --help)"));
    } else if (in.empty()) {
      in = std::string(a);
    } else {
      return usage_error(str_cat("export: needs exactly one input (extra argument '", a, "')"));
    }
  }
  if (in.empty()) return usage_error("export: needs IN (see dmabot export --help)");
  if (!jsonl) return usage_error("export: say the output format: --jsonl (see dmabot export --help)");
  if (std::string err = check_readable_file("", in); !err.empty()) return usage_error(err);
  struct stat sb {};
  if (!out.empty() && ::stat(out.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode)) {
    return usage_error(str_cat(out, ": is a directory"));
  }

  core::JsonlReader reader;
  if (absl::Status st = reader.open(in); !st.ok()) return usage_error(std::string(st.message()));
  std::string_view line;
  core::JsonlReader::Result r = reader.next(line);
  if (r == core::JsonlReader::Result::kError) return usage_error(std::string(reader.status().message()));
  if (r != core::JsonlReader::Result::kLine || line.find("\"kind\":\"config\"") == std::string_view::npos) {
    return usage_error(str_cat(in, ": not a dmabot recording (the first line is not a \"kind\":\"config\" header)"));
  }

  const std::string tmp = out.empty() ? "" : str_cat(out, ".tmp.", ::getpid());
  const int fd = out.empty() ? STDOUT_FILENO : ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return runtime_error(str_cat("export: cannot create '", tmp, "': ", std::strerror(errno)));
  auto fail = [&](const std::string& msg) {
    if (!out.empty()) {
      ::close(fd);
      ::unlink(tmp.c_str());
    }
    return runtime_error(msg);
  };
  Sink sink(fd);
  uint64_t lines = 0;
  bool truncated = false;
  for (; r == core::JsonlReader::Result::kLine || r == core::JsonlReader::Result::kTooLong; r = reader.next(line)) {
    if (r == core::JsonlReader::Result::kTooLong) {
      return fail(
          str_cat("export: ", in, ":", reader.line_number(), ": line longer than ", reader.max_line_bytes(), " bytes"));
    }
    ++lines;
    if (!sink.put(line)) return fail(str_cat("export: writing '", out.empty() ? "stdout" : tmp, "': ", sink.error()));
  }
  if (r == core::JsonlReader::Result::kError) return fail(str_cat("export: ", std::string(reader.status().message())));
  if (r == core::JsonlReader::Result::kTruncated) truncated = true;
  if (!sink.flush()) return fail(str_cat("export: writing '", out.empty() ? "stdout" : tmp, "': ", sink.error()));
  if (!out.empty()) {
    if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), out.c_str()) != 0) {
      const std::string err = std::strerror(errno);
      ::unlink(tmp.c_str());
      return runtime_error(str_cat("export: writing '", out, "': ", err));
    }
  }
  if (truncated) {
    std::fprintf(stderr, "dmabot: warning: %s: cut short (writer stopped mid-write): %s\n", in.c_str(),
                 std::string(line).c_str());
  }
  std::fprintf(stderr, "export: %s -> %s: %llu lines\n", in.c_str(), out.empty() ? "stdout" : out.c_str(),
               static_cast<unsigned long long>(lines));
  return kExitOk;
}

}  // namespace dmabot::tools
