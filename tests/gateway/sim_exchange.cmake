dmabot_test(NAME gateway_sim_exchange_test SRCS ${CMAKE_CURRENT_LIST_DIR}/sim_exchange_test.cpp DEPS dmabot::gateway LABELS unit)
