# Unit tests of binance-sim's exchange (tools/binance_sim/exchange.cmake).
dmabot_test(NAME binance_sim_exchange_test
  SRCS
    ${CMAKE_CURRENT_SOURCE_DIR}/exchange_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/exchange_futures_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/rate_limiter_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/ledger_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/sim_market_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/exchange_requests_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/exchange_wire_test.cpp
  DEPS dmabot::binance_sim
  LABELS unit)
