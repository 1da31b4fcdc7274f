# Tests for tools/backtest_report.* and tools/sweep.* (dmabot::analytics). include()d from
# tests/tools/CMakeLists.txt.
dmabot_test(NAME backtest_report_test SRCS ${CMAKE_CURRENT_LIST_DIR}/backtest_report_test.cpp
            DEPS dmabot::analytics LABELS unit)
dmabot_test(NAME sweep_test SRCS ${CMAKE_CURRENT_LIST_DIR}/sweep_test.cpp DEPS dmabot::analytics LABELS unit)
# The backtest driver in process: the report's numbers against the engine's own accounting.
dmabot_test(NAME backtest_driver_test SRCS ${CMAKE_CURRENT_LIST_DIR}/backtest_driver_test.cpp DEPS dmabot::engine
            LABELS integration)
# report.html in headless Chromium (skips without /usr/bin/chromium unless DMABOT_REQUIRE_CHROMIUM=1).
dmabot_test(NAME backtest_report_chromium_test SRCS ${CMAKE_CURRENT_LIST_DIR}/backtest_report_chromium_test.cpp
            LABELS integration)
add_dependencies(backtest_report_chromium_test dmabot)
