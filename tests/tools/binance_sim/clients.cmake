# Binance's official Node connectors against binance-sim (tests/binance_clients, see
# docs/BINANCE_SIM.md "Official connectors"). Each entry is one ctest test with its own sim on free
# loopback ports. Active: the REST scenarios. The WebSocket API, stream and user-data scenarios join
# the list as the venue's WebSocket side lands (spot_ws_api, spot_streams, spot_user_data,
# futures_streams, futures_user_data).
#
# Needs node and `npm ci` in tests/binance_clients (.ci/run does it). Without them the tests fail
# with that instruction rather than skip: a green run must mean the connectors were really used.
set(kBinanceClientScenarios
    spot_rest:hmac spot_rest:ed25519
    futures_rest:hmac futures_rest:ed25519)
foreach(scenario IN LISTS kBinanceClientScenarios)
  string(REPLACE ":" "_" test_name "binance_clients_${scenario}")
  string(REPLACE "_none" "" test_name "${test_name}")
  add_test(NAME ${test_name}
           COMMAND bash ${PROJECT_SOURCE_DIR}/tests/binance_clients/run_against_sim.sh
                   $<TARGET_FILE:dmabot> ${scenario}
           WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  # Each scenario bounds its own steps (60 s); the sim start and stop add a few seconds.
  set_tests_properties(${test_name} PROPERTIES LABELS integration TIMEOUT 120)
endforeach()
