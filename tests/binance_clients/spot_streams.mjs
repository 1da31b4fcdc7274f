// Spot market streams through @binance/spot: connect to /stream?streams= (empty, as the connector
// does), SUBSCRIBE btcusdt@bookTicker, and check the first messages. The connector routes a message
// to the subscription only when it arrives as {"stream":"btcusdt@bookTicker","data":{...}}.
// Usage: node spot_streams.mjs --ready READY.json
import { Spot } from '@binance/spot';
import { Inbox, check, control_inbox, stream_id, wait_subscribed, check_eq, context, dec, run, with_timeout } from './lib.mjs';

const ctx = context('spot_streams');
const sym = ctx.symbol;
const client = new Spot({ configurationWebsocketStreams: { wsURL: ctx.spot_streams } });
const inbox = new Inbox();

await run(ctx, [
  ['connect', async (s) => {
    s.conn = await with_timeout(client.websocketStreams.connect(), 10000, 'connect to /stream?streams=');
  }],
  ['bookTicker message', async (s) => {
    const control = control_inbox(s.conn);
    const id = stream_id();
    s.conn.bookTicker({ symbol: sym, id }).on('message', (d) => inbox.push(d));
    await wait_subscribed(control, id, 'bookTicker');
    const m = await inbox.wait_for(() => true, 10000, `${sym.toLowerCase()}@bookTicker message`);
    check_eq(m.s, sym, 'bookTicker s');
    check(m.u !== undefined && BigInt(m.u) > 0n, `bookTicker u: ${m.u}`);
    const bid = dec(m.b, 'bookTicker b');
    const ask = dec(m.a, 'bookTicker a');
    check(bid > 0n && bid < ask, `bookTicker bid ${m.b} must be > 0 and < ask ${m.a}`);
    check(dec(m.B, 'bookTicker B') > 0n && dec(m.A, 'bookTicker A') > 0n, `bookTicker sizes B=${m.B} A=${m.A}`);
  }],
  ['updates keep coming', async () => {
    // A second message proves the subscription is live, not a one-off snapshot.
    await inbox.wait_for((m) => m !== inbox.messages[0], 10000, 'a second bookTicker message');
  }],
]);
