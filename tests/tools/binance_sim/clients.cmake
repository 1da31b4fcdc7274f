# Binance's official Node connectors against binance-sim (tests/binance_clients, see
# docs/BINANCE_SIM.md "Official connectors"). Each entry is one ctest test with its own sim on free
# loopback ports. Every scenario is active: REST (spot_rest, futures_rest), the spot WebSocket API
# (spot_ws_api), market streams (spot_streams, futures_streams) and user data (spot_user_data over the
# WebSocket API, futures_user_data on /private), with both key types where keys are used.
#
# Needs node and `npm ci` in tests/binance_clients (`make test` and .ci/run do it). Without them the tests fail
# with that instruction rather than skip: a green run must mean the connectors were really used.
set(kBinanceClientScenarios
    spot_rest:hmac spot_rest:ed25519
    spot_ws_api:hmac spot_ws_api:ed25519
    spot_streams:none
    spot_user_data:hmac spot_user_data:ed25519
    futures_rest:hmac futures_rest:ed25519
    futures_streams:none
    futures_user_data:hmac futures_user_data:ed25519)
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
