# Tests of binance-sim's venue (tools/binance_sim/venue.cmake): security and the REST API in process.
dmabot_test(NAME binance_sim_venue_test
  SRCS
    ${CMAKE_CURRENT_SOURCE_DIR}/security_test.cpp
    ${CMAKE_CURRENT_SOURCE_DIR}/rest_api_test.cpp
  DEPS dmabot::binance_sim
  LABELS unit)
dmabot_test(NAME binance_sim_venue_cli_test
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/venue_cli_test.cpp
  DEPS dmabot::binance_sim dmabot_sim_test_client
  LABELS integration)
add_dependencies(binance_sim_venue_cli_test dmabot)
