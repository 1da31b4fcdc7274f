# binance-sim's venue: authentication (security), the Venue the server calls (sim_venue) and the REST
# endpoints (rest_api). Included from tools/binance_sim/CMakeLists.txt.
list(APPEND BINANCE_SIM_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/security.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/sim_venue.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/rest_api.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/sim_setup.cpp)
