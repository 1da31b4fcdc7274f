# `dmabot binance-sim` as a child under abuse (garbage connections, slowloris, oversized body, WS
# flood), then a normal signed order (tests/tools/binance_sim/robustness_test.cpp).
dmabot_test(NAME binance_sim_robustness_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/robustness_test.cpp
  DEPS dmabot::binance_sim dmabot_sim_test_client dmabot::binance
  LABELS integration)
add_dependencies(binance_sim_robustness_test dmabot)
