# Tests for tools/metrics_server (included from tests/tools/CMakeLists.txt).
dmabot_test(NAME tools_metrics_server_test SRCS ${CMAKE_CURRENT_LIST_DIR}/metrics_server_test.cpp DEPS dmabot::metrics_server LABELS unit)
