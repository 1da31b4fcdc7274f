# Tests for tools/backtest_report.* and tools/sweep.* (dmabot::analytics). include()d from
# tests/tools/CMakeLists.txt.
dmabot_test(NAME backtest_report_test SRCS ${CMAKE_CURRENT_LIST_DIR}/backtest_report_test.cpp
            DEPS dmabot::analytics LABELS unit)
dmabot_test(NAME sweep_test SRCS ${CMAKE_CURRENT_LIST_DIR}/sweep_test.cpp DEPS dmabot::analytics LABELS unit)
