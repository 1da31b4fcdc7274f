// tools/config_cli.h — `dmabot config`: the configuration keys, generated from the key table in
// tools/engine_config.cpp (config_keys()).
//
//   dmabot config --list               every key as a .env line: KEY=default  # type. meaning
//   dmabot config --list --format md   the same as Markdown: docs/CONFIG.md is exactly this output
//   dmabot config --env FILE [--set K=V] validate a preset as `run` would; print the effective values
//                                      (secrets as ***) and the Binance endpoints they resolve to
//
// Threads: the main thread. Allocation: freely (cold path).
#pragma once

#include <string>

namespace dmabot::tools {

enum class ConfigListFormat { kEnv, kMarkdown };

// The whole listing in one format (what --list prints).
std::string render_config_keys(ConfigListFormat format);

// argv after "config"; returns the exit code (0 ok, 2 bad usage).
int config_command(int argc, char** argv);

}  // namespace dmabot::tools
