# tests for gateway/binance/errors.h and instruments.h (exchangeInfo, filters, error codes)
dmabot_test(NAME binance_instruments_test SRCS instruments_test.cpp errors_test.cpp DEPS dmabot::binance LABELS unit)
