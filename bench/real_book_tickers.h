// bench/real_book_tickers.h — the bookTicker messages of a real Binance capture, for benchmarks that
// want Binance's own bytes (tests/data/*.head.raw.gz: "<recv ns> <json>" per line, gzip or plain).
// Cold: reads the whole file; allocates freely.
#pragma once

#include <zlib.h>

#include <string>
#include <string_view>
#include <vector>

namespace dmabot::bench {

// The JSON of every bookTicker line of a capture ("<recv ns> <json>" per line); empty if unreadable.
inline std::vector<std::string> read_book_tickers(const std::string& path) {
  std::vector<std::string> out;
  gzFile gz = gzopen(path.c_str(), "rb");
  if (gz == nullptr) return out;
  std::string text;
  char buf[1 << 16];
  for (int n; (n = gzread(gz, buf, sizeof(buf))) > 0;) text.append(buf, static_cast<std::size_t>(n));
  gzclose(gz);
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    const std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    const std::size_t sp = line.find(' ');
    if (sp != std::string_view::npos && line.find("@bookTicker") != std::string_view::npos) {
      out.emplace_back(line.substr(sp + 1));
    }
  }
  return out;
}

}  // namespace dmabot::bench
