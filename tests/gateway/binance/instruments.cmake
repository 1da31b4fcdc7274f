# tests for gateway/binance/errors.h and instruments.h (exchangeInfo, filters, error codes)
dmabot_test(NAME binance_instruments_test SRCS instruments_test.cpp errors_test.cpp DEPS dmabot::binance LABELS unit)
# alloc_counter.cpp replaces operator new for this executable only (counting).
dmabot_test(NAME binance_instruments_noalloc_test
  SRCS instruments_noalloc_test.cpp ${PROJECT_SOURCE_DIR}/tests/common/alloc_counter.cpp
  DEPS dmabot::binance LABELS unit)
