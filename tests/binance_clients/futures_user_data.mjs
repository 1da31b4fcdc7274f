// USD-M futures user data through @binance/derivatives-trading-usds-futures: POST /fapi/v1/listenKey,
// connect the streams client (it opens /market, /public, /private) and SUBSCRIBE the listenKey on
// /private, then place and cancel a post-only LIMIT GTX order over REST: ORDER_TRADE_UPDATE NEW and
// CANCELED must arrive as {"stream":"<listenKey>","data":{...}} on /private.
// Usage: node futures_user_data.mjs --ready READY.json --key hmac|ed25519
import { DerivativesTradingUsdsFutures } from '@binance/derivatives-trading-usds-futures';
import { Inbox, check, control_inbox, stream_id, wait_subscribed, check_eq, context, dec, dec_str, passive_buy, run, unique_id, with_timeout } from './lib.mjs';

const ctx = context('futures_user_data');
const sym = ctx.symbol;
const client = new DerivativesTradingUsdsFutures({
  configurationRestAPI: { ...ctx.auth, basePath: ctx.futures_rest, ...ctx.rest_options },
  configurationWebsocketStreams: { wsURL: ctx.futures_streams },
});
const api = client.restAPI;
const inbox = new Inbox();
const T = 10000;

await run(ctx, [
  ['listenKey', async (s) => {
    s.key = (await (await api.startUserDataStream()).data()).listenKey;
    check(typeof s.key === 'string' && s.key.length > 0, `listenKey: ${s.key}`);
  }],
  ['subscribe on /private', async (s) => {
    s.conn = await with_timeout(client.websocketStreams.connect(), T, 'connect to /market, /public and /private');
    const control = control_inbox(s.conn);
    const id = stream_id();
    s.conn.userData(s.key, id).on('message', (d) => inbox.push(d));
    // The order must not go out before the sim has the subscription.
    await wait_subscribed(control, id, 'listenKey on /private');
  }],
  ['new LIMIT GTX order', async (s) => {
    const info = await (await api.exchangeInformation()).data();
    const si = (info.symbols || []).find((x) => x.symbol === sym);
    check(si, `exchangeInfo has no ${sym}`);
    const bid = dec((await (await api.symbolOrderBookTicker({ symbol: sym })).data()).bidPrice, 'bidPrice');
    const { price, qty } = passive_buy(si, bid, 'notional');
    s.price = price;
    s.qty = qty;
    s.cid = unique_id('fud');
    const o = await (await api.newOrder({ symbol: sym, side: 'BUY', type: 'LIMIT', timeInForce: 'GTX', quantity: dec_str(qty), price: dec_str(price), newClientOrderId: s.cid })).data();
    check_eq(o.status, 'NEW', 'newOrder status');
    s.order_id = BigInt(o.orderId);
    s.order_id_wire = o.orderId;
  }],
  ['ORDER_TRADE_UPDATE NEW', async (s) => {
    const e = await inbox.wait_for((m) => m.e === 'ORDER_TRADE_UPDATE' && m.o && m.o.c === s.cid && m.o.X === 'NEW', T, `ORDER_TRADE_UPDATE NEW for ${s.cid}`);
    const o = e.o;
    check_eq(o.s, sym, 'o.s');
    check_eq(o.S, 'BUY', 'o.S');
    check_eq(o.o, 'LIMIT', 'o.o');
    check_eq(o.f, 'GTX', 'o.f');
    check_eq(o.x, 'NEW', 'o.x');
    check_eq(BigInt(o.i), s.order_id, 'o.i');
    check_eq(dec_str(dec(o.p, 'o.p')), dec_str(s.price), 'o.p');
    check_eq(dec_str(dec(o.q, 'o.q')), dec_str(s.qty), 'o.q');
    check(Number.isInteger(e.E) && Number.isInteger(e.T), `E ${e.E} / T ${e.T}`);
  }],
  ['cancel', async (s) => {
    const o = await (await api.cancelOrder({ symbol: sym, orderId: s.order_id_wire })).data();
    check_eq(o.status, 'CANCELED', 'cancelOrder status');
  }],
  ['ORDER_TRADE_UPDATE CANCELED', async (s) => {
    const e = await inbox.wait_for((m) => m.e === 'ORDER_TRADE_UPDATE' && m.o && BigInt(m.o.i) === s.order_id && m.o.X === 'CANCELED', T, `ORDER_TRADE_UPDATE CANCELED for order ${s.order_id}`);
    check_eq(e.o.x, 'CANCELED', 'o.x');
    check_eq(e.o.c, s.cid, 'o.c');
  }],
]);
