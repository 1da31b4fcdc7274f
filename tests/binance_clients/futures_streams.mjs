// USD-M futures market streams through @binance/derivatives-trading-usds-futures. connect() opens
// /market, /public and /private (each /stream?streams=) at once; bookTicker is then SUBSCRIBEd on
// /public and markPrice@1s on /market, and each must arrive there as {"stream":...,"data":...}.
// Usage: node futures_streams.mjs --ready READY.json
import { DerivativesTradingUsdsFutures } from '@binance/derivatives-trading-usds-futures';
import { Inbox, check, control_inbox, stream_id, wait_subscribed, check_eq, context, dec, run, with_timeout } from './lib.mjs';

const ctx = context('futures_streams');
const sym = ctx.symbol;
const client = new DerivativesTradingUsdsFutures({ configurationWebsocketStreams: { wsURL: ctx.futures_streams } });
const book = new Inbox();
const mark = new Inbox();

await run(ctx, [
  ['connect /market /public /private', async (s) => {
    s.conn = await with_timeout(client.websocketStreams.connect(), 10000, 'connect to /market, /public and /private');
    s.control = control_inbox(s.conn);
  }],
  ['bookTicker on /public', async (s) => {
    const id = stream_id();
    s.conn.individualSymbolBookTickerStreams({ symbol: sym, id }).on('message', (d) => book.push(d));
    await wait_subscribed(s.control, id, 'bookTicker on /public');
    const m = await book.wait_for(() => true, 10000, `${sym.toLowerCase()}@bookTicker on /public`);
    check_eq(m.e, 'bookTicker', 'bookTicker e');
    check_eq(m.s, sym, 'bookTicker s');
    for (const k of ['u', 'E', 'T']) check(Number.isInteger(m[k]) || typeof m[k] === 'bigint', `bookTicker ${k}: ${m[k]}`);
    const bid = dec(m.b, 'bookTicker b');
    const ask = dec(m.a, 'bookTicker a');
    check(bid > 0n && bid < ask, `bookTicker bid ${m.b} must be > 0 and < ask ${m.a}`);
  }],
  ['markPrice@1s on /market', async (s) => {
    const id = stream_id();
    s.conn.markPriceStream({ symbol: sym, updateSpeed: '1s', id }).on('message', (d) => mark.push(d));
    await wait_subscribed(s.control, id, 'markPrice@1s on /market');
    const m = await mark.wait_for(() => true, 10000, `${sym.toLowerCase()}@markPrice@1s on /market`);
    check_eq(m.e, 'markPriceUpdate', 'markPrice e');
    check_eq(m.s, sym, 'markPrice s');
    check(dec(m.p, 'markPrice p') > 0n, `mark price p: ${m.p}`);
    check(dec(m.i, 'markPrice i') > 0n, `index price i: ${m.i}`);
    dec(m.r, 'funding rate r');
    check(Number.isInteger(m.T) && m.T > m.E - 8 * 3600 * 1000, `next funding time T ${m.T} vs E ${m.E}`);
    // @1s: the next update about a second later (allow up to 5 s).
    const n = await mark.wait_for((x) => x !== m, 5000, 'a second markPrice@1s update');
    check(n.E > m.E, `markPrice E must increase: ${m.E} then ${n.E}`);
  }],
]);
