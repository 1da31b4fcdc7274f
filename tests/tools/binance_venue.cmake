# VENUE_MODE=binance_spot|binance_futures end to end: the engine in process (and build/dmabot) against
# binance-sim as a child process with a ledger.
dmabot_test(NAME tools_binance_venue_engine_test SRCS binance_venue_engine_test.cpp DEPS dmabot::engine
  LABELS integration)
add_dependencies(tools_binance_venue_engine_test dmabot)
dmabot_test(NAME tools_binance_reconcile_test SRCS binance_reconcile_test.cpp DEPS dmabot::engine)
