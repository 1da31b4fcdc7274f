dmabot_test(NAME mock_feed_test SRCS mock_feed_test.cpp DEPS dmabot::feed LABELS unit)
