// core/input_file.h — the check every reader of an input file makes before it reads: the path
// names a regular file. A directory, a FIFO, a device (/dev/zero) or a socket is refused with one
// line saying what it is, because readers sniff the start of a file and need its end: a stream that
// never ends would hang them or grow their buffers without bound.
//
// Threads: any. Allocation: the message of a failure only. Errors: NotFound when the path does not
// exist; InvalidArgument naming the path and what it is otherwise (callers map both to exit 2).
#pragma once

#include <string>

#include "absl/status/status.h"

namespace dmabot::core {

[[nodiscard]] absl::Status require_regular_file(const std::string& path);

// "a directory", "a FIFO (named pipe)", "a character device", ... for a stat() st_mode.
[[nodiscard]] const char* file_type_name(unsigned mode);

}  // namespace dmabot::core
