# Going-live checks against binance-sim as a child process (both need build/dmabot):
# `dmabot canary` end to end, and the fault matrix (one engine run per sim fault, label `faults`:
# ctest -L faults; only one label: dmabot_test passes LABELS through gtest_discover_tests, which splits a list).
dmabot_test(NAME tools_canary_test SRCS canary_test.cpp DEPS dmabot::engine LABELS integration)
add_dependencies(tools_canary_test dmabot)
dmabot_test(NAME tools_binance_fault_matrix_test SRCS binance_fault_matrix_test.cpp DEPS dmabot::engine
  LABELS faults)
add_dependencies(tools_binance_fault_matrix_test dmabot)
# The soak: `make soak` only (SOAK_SECONDS), deliberately not a ctest test.
add_executable(tools_binance_soak binance_soak.cpp)
target_include_directories(tools_binance_soak PRIVATE ${PROJECT_SOURCE_DIR})
target_compile_definitions(tools_binance_soak PRIVATE DMABOT_TEST_BIN="${PROJECT_BINARY_DIR}/dmabot")
target_link_libraries(tools_binance_soak PRIVATE dmabot_build_options dmabot::engine GTest::gtest GTest::gtest_main)
add_dependencies(tools_binance_soak dmabot)
