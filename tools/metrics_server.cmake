# The Prometheus /metrics endpoint (included from tools/CMakeLists.txt).
dmabot_library(NAME metrics_server SRCS ${CMAKE_CURRENT_LIST_DIR}/metrics_server.cpp DEPS dmabot::core Boost::system Threads::Threads)
