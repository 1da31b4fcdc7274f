# feed/binance_stream: the live Binance market-data feed against binance-sim in process (loopback TLS).
dmabot_test(NAME feed_binance_stream_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/binance_stream_test.cpp
  DEPS dmabot::feed dmabot::binance_sim
  LABELS integration)
# Own executable: it replaces global operator new to count allocations.
dmabot_test(NAME feed_binance_stream_noalloc_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/binance_stream_noalloc_test.cpp ${PROJECT_SOURCE_DIR}/tests/common/alloc_counter.cpp
  DEPS dmabot::feed
  LABELS unit)
# Own executable too; binance-sim runs as a child process (build/dmabot) so only the feed's threads allocate here.
dmabot_test(NAME feed_binance_stream_io_alloc_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/binance_stream_io_alloc_test.cpp ${PROJECT_SOURCE_DIR}/tests/common/alloc_counter.cpp
  DEPS dmabot::feed
  LABELS integration)
add_dependencies(feed_binance_stream_io_alloc_test dmabot)
