# Going-live checks against binance-sim as a child process (both need build/dmabot):
# `dmabot canary` end to end, and the fault matrix (one engine run per sim fault, label `faults`:
# ctest -L faults).
dmabot_test(NAME tools_canary_test SRCS canary_test.cpp DEPS dmabot::engine LABELS integration)
add_dependencies(tools_canary_test dmabot)
dmabot_test(NAME tools_binance_fault_matrix_test SRCS binance_fault_matrix_test.cpp DEPS dmabot::engine
  LABELS "integration;faults")
add_dependencies(tools_binance_fault_matrix_test dmabot)
