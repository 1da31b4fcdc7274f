# feed/event_cache.h: the binary event cache (writer, CacheSource, open_source sniffing). Links zlib for
# the cut-gzip test.
dmabot_test(NAME feed_event_cache_test SRCS ${CMAKE_CURRENT_LIST_DIR}/event_cache_test.cpp DEPS dmabot::feed ZLIB::ZLIB
  LABELS unit)
