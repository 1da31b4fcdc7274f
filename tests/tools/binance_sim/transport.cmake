# Tests of binance-sim's network side (included from tests/tools/binance_sim/CMakeLists.txt).
dmabot_test(NAME binance_sim_transport_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/transport_test.cpp
  DEPS dmabot::binance_sim dmabot_sim_test_client
  LABELS integration)
dmabot_test(NAME binance_sim_cli_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/cli_test.cpp
  DEPS dmabot::binance_sim dmabot_sim_test_client
  LABELS integration)
add_dependencies(binance_sim_cli_test dmabot)
