// tools/canary_cli.h — `dmabot canary`: proves a preset's Binance set-up end to end with one real,
// harmless order before the engine is trusted with it. On the preset's product (VENUE_MODE, or
// --product) and symbol (--symbol, else the first of SYMBOLS) it:
//   1. reads exchangeInfo (tick, step, minimum notional, status) and the book's best bid/ask;
//   2. connects what the engine connects (tools/binance_venue.h's pieces: RestClient, ClockOffset,
//      the spot WebSocket API user-data session or the USD-M listenKey stream, the same signers,
//      OrderEncoder and decoders — no second client);
//   3. places ONE post-only BUY (spot LIMIT_MAKER, USD-M LIMIT GTX) at least --distance-pct (default
//      5 %) below the best bid, raised only as far as PERCENT_PRICE filters require, quantized to the
//      grid, sized just above the minimum notional; waits for its REST ack and its user-data NEW;
//   4. cancels it; waits for the cancel's ack and its user-data CANCELED;
//   5. prints one line per step with its round-trip time (ms) and the order's client id; exit 0.
// Any failure: one line on stderr naming the step and Binance's code/message; if the order may have
// been placed it is canceled (and queried until it is known gone) first; exit 1 (venue/runtime) or 2
// (configuration, usage). BINANCE_ENV=mainnet needs CONFIRM_LIVE=yes (checked by BinanceSettings,
// exit 2 before anything connects). DRY_RUN: everything up to the order (reads, clock, user data),
// then the order it would send is printed and nothing is sent. Secrets are never printed.
//
// The client id has dmabot's shape (dm<run>-1): if the process dies between the two steps, the next
// engine start cancels the leftover (ON_START_OPEN_ORDERS=cancel, the default).
//
// Threads: the calling (main) thread; the clients run their own I/O threads. Allocation: freely.
#pragma once

namespace dmabot::tools {

// argv after "canary". Returns the exit code.
int canary_command(int argc, char** argv);

}  // namespace dmabot::tools
