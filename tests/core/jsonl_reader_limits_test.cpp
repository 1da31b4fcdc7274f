// core::JsonlReader under hostile input: lines longer than the limit are skipped and reported with
// their line number, memory stays bounded by the limit (the buffer never grows past it), and the
// lines around a long one come out intact, at every alignment of the long line against the buffer.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>

#include "core/recorder.h"

namespace dmabot::core {
namespace {

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "/dmabot_jsonl_limits_" + std::to_string(::getpid()) + "_" + name;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

struct Seen {
  std::string kinds;  // one letter per result: L line, T truncated, X too long
  std::string lines;  // the lines returned, '|' separated
  std::string numbers;
};

Seen read_all(JsonlReader& r) {
  Seen s;
  std::string_view line;
  for (;;) {
    const JsonlReader::Result res = r.next(line);
    if (res == JsonlReader::Result::kEof || res == JsonlReader::Result::kError) break;
    s.kinds += res == JsonlReader::Result::kLine ? 'L' : res == JsonlReader::Result::kTruncated ? 'T' : 'X';
    s.lines += std::string(line) + "|";
    s.numbers += std::to_string(r.line_number()) + ",";
  }
  return s;
}

// A 4096-byte buffer and a 10000-byte limit: lines of 9999, 10000 and 10001 bytes, anywhere in the
// file; the long ones are skipped, every other line comes out whole with its own number.
TEST(JsonlReaderLimits, LinesOverTheLimitAreSkippedWithTheirNumber) {
  const std::string path = temp_path("long");
  for (std::size_t lead : {0, 1, 4095, 4096, 5000}) {
    const std::string head(lead, 'h');
    const std::string text = head + "\nfirst\n" + std::string(9'999, 'a') + "\n" + std::string(10'000, 'b') + "\n" +
                             std::string(10'001, 'c') + "\nafter\n" + std::string(50'000, 'd');
    write_file(path, text);
    JsonlReader r(4096, 10'000);
    ASSERT_TRUE(r.open(path).ok());
    const Seen s = read_all(r);
    SCOPED_TRACE(lead);
    // Lines: 1 head, 2 first, 3 a*9999, 4 b*10000, 5 c*10001 (too long), 6 after, 7 d*50000 (too
    // long, and the file's end comes before its '\n').
    EXPECT_EQ(s.kinds, "LLLLXLX");
    EXPECT_EQ(s.numbers, "1,2,3,4,5,6,7,");
    EXPECT_EQ(s.lines, head + "|first|" + std::string(9'999, 'a') + "|" + std::string(10'000, 'b') + "||after||");
    EXPECT_LE(r.buffer_capacity(), 10'001u);
  }
  std::remove(path.c_str());
}

// The limit holds even when the long line fits in the buffer (1 MiB buffer, 100-byte limit).
TEST(JsonlReaderLimits, TheLimitHoldsWhateverTheBufferSize) {
  const std::string path = temp_path("small_limit");
  write_file(path, std::string(100, 'a') + "\n" + std::string(101, 'b') + "\nok\n");
  JsonlReader r(1 << 20, 100);
  ASSERT_TRUE(r.open(path).ok());
  const Seen s = read_all(r);
  EXPECT_EQ(s.kinds, "LXL");
  EXPECT_EQ(s.lines, std::string(100, 'a') + "||ok|");
  std::remove(path.c_str());
}

// A file of one endless line (what /dev/zero gives, cut at 64 MB here): one kTooLong, then the end,
// read through a buffer that never grows past the 1 MB limit.
TEST(JsonlReaderLimits, OneEndlessLineEndsAsTooLongInBoundedMemory) {
  const std::string path = temp_path("endless");
  {
    std::ofstream out(path, std::ios::binary);
    const std::string block(1 << 20, '\0');
    for (int i = 0; i < 64; ++i) out << block;
    ASSERT_TRUE(out.good());
  }
  JsonlReader r(64 * 1024, 1 << 20);
  ASSERT_TRUE(r.open(path).ok());
  std::string_view line;
  EXPECT_EQ(r.next(line), JsonlReader::Result::kTooLong);
  EXPECT_EQ(r.line_number(), 1u);
  EXPECT_EQ(r.next(line), JsonlReader::Result::kEof);
  EXPECT_EQ(r.file_offset(), uint64_t{64} << 20);
  EXPECT_LE(r.buffer_capacity(), (1u << 20) + 1);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace dmabot::core
