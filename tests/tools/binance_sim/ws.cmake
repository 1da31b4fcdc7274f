# Unit tests of binance-sim's WebSocket API, user data and market streams (tools/binance_sim/ws.cmake).
dmabot_test(NAME binance_sim_ws_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/ws_test.cpp
  DEPS dmabot::binance_sim
  LABELS unit)
