# gateway/binance/signer.h: Binance's and the RFCs' signing vectors, load errors, payload building.
dmabot_test(NAME binance_signer_test SRCS signer_test.cpp DEPS dmabot::binance LABELS unit)
# Own executable: it replaces global operator new and installs OpenSSL's allocator hooks to count
# both kinds of allocation per signature.
dmabot_test(NAME binance_signer_noalloc_test
  SRCS signer_noalloc_test.cpp ${PROJECT_SOURCE_DIR}/tests/common/alloc_counter.cpp
  DEPS dmabot::binance LABELS unit)
