# alloc_counter.cpp replaces operator new for this executable (counting only) for the no-allocation test.
dmabot_test(NAME feed_synthetic_feed_test
  SRCS ${CMAKE_CURRENT_LIST_DIR}/synthetic_feed_test.cpp ${PROJECT_SOURCE_DIR}/tests/common/alloc_counter.cpp
  DEPS dmabot::feed dmabot::gateway LABELS unit)
