# `dmabot canary` end to end against binance-sim as a child process (needs build/dmabot).
dmabot_test(NAME tools_canary_test SRCS canary_test.cpp DEPS dmabot::engine LABELS integration)
add_dependencies(tools_canary_test dmabot)
