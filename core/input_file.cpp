#include "core/input_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "core/strings.h"

namespace dmabot::core {
const char* file_type_name(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

absl::Status require_regular_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    std::string msg = str_cat("'", path, "': cannot open: ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::InvalidArgumentError(msg);
  }
  if (!S_ISREG(st.st_mode)) return invalid("'", path, "': ", file_type_name(st.st_mode), ", not a file");
  return absl::OkStatus();
}

}  // namespace dmabot::core
