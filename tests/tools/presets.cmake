# Binance connection settings, the presets and `make run-local` (tools/binance_settings.h,
# tools/run_local.sh, .env.local/.env.sandbox/.env.mainnet).
dmabot_test(NAME tools_binance_settings_test SRCS binance_settings_test.cpp DEPS dmabot::engine LABELS unit)
dmabot_test(NAME tools_presets_cli_test SRCS presets_cli_test.cpp LABELS integration)
add_dependencies(tools_presets_cli_test dmabot)
