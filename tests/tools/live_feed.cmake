# FEED_MODE=binance end to end: the engine in process against binance-sim as a child (build/dmabot).
dmabot_test(NAME tools_live_feed_test SRCS live_feed_test.cpp DEPS dmabot::engine LABELS integration)
add_dependencies(tools_live_feed_test dmabot)
