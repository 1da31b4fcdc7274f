dmabot_test(NAME feed_replay_feed_test SRCS ${CMAKE_CURRENT_LIST_DIR}/replay_feed_test.cpp DEPS dmabot::feed LABELS unit)
