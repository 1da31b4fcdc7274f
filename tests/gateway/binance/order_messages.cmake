# gateway/binance order/account message codecs (order_messages.h, response_decoder.h,
# request_params.h, response_encoders.h).
dmabot_test(NAME binance_order_messages_test SRCS order_messages_test.cpp DEPS dmabot::binance LABELS unit)
# Own executable: it replaces global operator new to count allocations.
dmabot_test(NAME binance_order_messages_noalloc_test
  SRCS order_messages_noalloc_test.cpp ${PROJECT_SOURCE_DIR}/tests/common/alloc_counter.cpp
  DEPS dmabot::binance LABELS unit)
