# Backtest analytics (summary metrics, HTML report) and parameter sweeps: the library the dmabot CLI's
# `backtest` and `sweep` subcommands call. include()d from tools/CMakeLists.txt; paths are relative
# to this file so it also works when included from elsewhere.
dmabot_library(NAME analytics
  SRCS
    ${CMAKE_CURRENT_LIST_DIR}/backtest_report.cpp
    ${CMAKE_CURRENT_LIST_DIR}/sweep.cpp
  DEPS
    dmabot::core)
