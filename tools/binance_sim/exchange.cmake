# The exchange of binance-sim (accounts, books, matching, ledger, rate limits, faults): pure logic.
list(APPEND BINANCE_SIM_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/accounts.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/exchange.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/exchange_faults.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/exchange_requests.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/exchange_wire.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ledger.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/market_driver.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/order_book.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/rate_limiter.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/sim_market.cpp)
# sim_market.cpp replays captures through feed::open_source; the library is declared after this file
# is included, so the link is added once the directory is processed.
cmake_language(DEFER CALL target_link_libraries dmabot_binance_sim PUBLIC dmabot::feed)
