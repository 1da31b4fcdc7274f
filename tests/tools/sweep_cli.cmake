# Tests for tools/sweep_cli.* (the `dmabot sweep` subcommand). include()d OPTIONAL from
# tests/tools/CMakeLists.txt.
dmabot_test(NAME tools_sweep_cli_test
            SRCS ${CMAKE_CURRENT_LIST_DIR}/sweep_cli_test.cpp
            DEPS dmabot::engine
            LABELS integration)
target_compile_definitions(tools_sweep_cli_test PRIVATE DMABOT_SWEEP_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# The end-to-end case runs the real binary (and skips until `dmabot backtest` exists).
add_dependencies(tools_sweep_cli_test dmabot)
