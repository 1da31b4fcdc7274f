// Spot WebSocket API (/ws-api/v3) through @binance/spot, every request signed on its own (no
// session.logon; that path is in spot_user_data.mjs): ping, exchangeInfo, ticker.book, order.place
// (newClientOrderId), order.status, openOrders.status, order.cancel, error answers for a second
// cancel (-2011), a wrong signature (-1022) and a stale timestamp (-1021).
// Usage: node spot_ws_api.mjs --ready READY.json --key hmac|ed25519
import { Spot } from '@binance/spot';
import { check, check_eq, context, dec, dec_str, expect_rejection, passive_buy, run, unique_id, with_clock_shift, with_timeout, wrong_auth } from './lib.mjs';

const ctx = context('spot_ws_api');
const sym = ctx.symbol;
const client = new Spot({ configurationWebsocketAPI: { ...ctx.auth, wsURL: ctx.spot_ws_api } });
const T = 10000;

await run(ctx, [
  ['connect', async (s) => {
    s.ws = await with_timeout(client.websocketAPI.connect(), T, 'connect to /ws-api/v3');
  }],
  ['ping', async (s) => {
    const r = await with_timeout(s.ws.ping(), T, 'ping');
    check_eq(JSON.stringify(r.data), '{}', 'ping result');
    check(Array.isArray(r.rateLimits), 'ping answer has no rateLimits array');
  }],
  ['exchangeInfo', async (s) => {
    const r = await with_timeout(s.ws.exchangeInfo({ symbol: sym }), T, 'exchangeInfo');
    s.si = (r.data.symbols || []).find((x) => x.symbol === sym);
    check(s.si, `exchangeInfo has no ${sym}`);
    check_eq(s.si.status, 'TRADING', `${sym} status`);
  }],
  ['ticker.book', async (s) => {
    const r = await with_timeout(s.ws.tickerBook({ symbol: sym }), T, 'ticker.book');
    s.bid = dec(r.data.bidPrice, 'ticker.book bidPrice');
    check(s.bid > 0n && s.bid < dec(r.data.askPrice, 'ticker.book askPrice'), `ticker.book bid ${r.data.bidPrice} / ask ${r.data.askPrice}`);
  }],
  ['order.place', async (s) => {
    const { price, qty } = passive_buy(s.si, s.bid, 'minNotional');
    s.cid = unique_id('wsapi');
    const r = await with_timeout(s.ws.orderPlace({ symbol: sym, side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: dec_str(qty), price: dec_str(price), newClientOrderId: s.cid }), T, 'order.place');
    const o = r.data;
    check_eq(o.symbol, sym, 'order.place symbol');
    check_eq(o.clientOrderId, s.cid, 'order.place clientOrderId');
    check_eq(o.status, 'NEW', 'order.place status');
    check_eq(dec_str(dec(o.price, 'price')), dec_str(price), 'order.place price');
    check_eq(dec_str(dec(o.origQty, 'origQty')), dec_str(qty), 'order.place origQty');
    check(Array.isArray(r.rateLimits) && r.rateLimits.some((l) => l.rateLimitType === 'ORDERS'), 'order.place answer has no ORDERS rateLimits');
    s.order_id = o.orderId;
  }],
  ['order.status', async (s) => {
    const o = (await with_timeout(s.ws.orderStatus({ symbol: sym, origClientOrderId: s.cid }), T, 'order.status')).data;
    check_eq(BigInt(o.orderId), BigInt(s.order_id), 'order.status orderId');
    check_eq(o.status, 'NEW', 'order.status status');
  }],
  ['openOrders.status', async (s) => {
    const l = (await with_timeout(s.ws.openOrdersStatus({ symbol: sym }), T, 'openOrders.status')).data;
    check(Array.isArray(l) && l.some((x) => x.clientOrderId === s.cid), 'openOrders.status does not list the order');
  }],
  ['order.cancel', async (s) => {
    const o = (await with_timeout(s.ws.orderCancel({ symbol: sym, orderId: s.order_id }), T, 'order.cancel')).data;
    check_eq(BigInt(o.orderId), BigInt(s.order_id), 'order.cancel orderId');
    check_eq(o.status, 'CANCELED', 'order.cancel status');
    check_eq(o.origClientOrderId, s.cid, 'order.cancel origClientOrderId');
    const l = (await with_timeout(s.ws.openOrdersStatus({ symbol: sym }), T, 'openOrders.status')).data;
    check_eq(l.length, 0, 'open orders after order.cancel');
  }],
  ['order.cancel again -2011', async (s) => {
    await expect_rejection(with_timeout(s.ws.orderCancel({ symbol: sym, orderId: s.order_id }), T, 'order.cancel'), -2011, 'second order.cancel');
  }],
  ['bad signature -1022', async () => {
    const other = await with_timeout(new Spot({ configurationWebsocketAPI: { ...wrong_auth(ctx), wsURL: ctx.spot_ws_api } }).websocketAPI.connect(), T, 'second connection');
    await expect_rejection(with_timeout(other.openOrdersStatus({ symbol: sym }), T, 'openOrders.status'), -1022, 'openOrders.status signed with the wrong key');
  }],
  ['stale timestamp -1021', async (s) => {
    await expect_rejection(with_clock_shift(-120000, () => with_timeout(s.ws.openOrdersStatus({ symbol: sym }), T, 'openOrders.status')), -1021, 'openOrders.status with a timestamp 120 s old');
  }],
]);
