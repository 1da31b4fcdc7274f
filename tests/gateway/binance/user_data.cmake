# gateway/binance/user_data.h: the user-data event codecs.
dmabot_test(NAME binance_user_data_test SRCS user_data_test.cpp DEPS dmabot::binance LABELS unit)
# No allocation after warm-up: its own executable (alloc_counter.cpp replaces operator new).
dmabot_test(NAME binance_user_data_noalloc_test SRCS user_data_noalloc_test.cpp ${PROJECT_SOURCE_DIR}/tests/common/alloc_counter.cpp
            DEPS dmabot::binance LABELS unit)
