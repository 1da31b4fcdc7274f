# binance-sim's WebSocket API, user data and market streams (included from
# tools/binance_sim/CMakeLists.txt).
list(APPEND BINANCE_SIM_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/market_publisher.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/user_data_publisher.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ws_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/ws_venue.cpp)
