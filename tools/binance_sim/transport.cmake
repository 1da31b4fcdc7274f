# binance-sim's network side: listeners, TLS identity, HTTP/WebSocket routing, stream hub, limits,
# transport faults, the CLI and the stand-in venue (included from tools/binance_sim/CMakeLists.txt).
list(APPEND BINANCE_SIM_SRCS
  ${CMAKE_CURRENT_SOURCE_DIR}/sim_options.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/tls_identity.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/server.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/basic_venue.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/binance_sim_cli.cpp)
