#include "tools/binance_sim/exchange.h"
