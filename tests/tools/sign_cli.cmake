# `dmabot sign` end to end (runs build/dmabot as a child; needs the binary built first).
dmabot_test(NAME tools_sign_cli_test SRCS sign_cli_test.cpp LABELS integration)
add_dependencies(tools_sign_cli_test dmabot)
