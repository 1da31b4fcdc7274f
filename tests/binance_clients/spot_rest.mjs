// Spot REST through @binance/spot: ping, time, exchangeInfo, account balances, a resting LIMIT order
// (newClientOrderId) placed, queried, cancelled, open orders empty again; refusals: second cancel
// -2011, wrong signature -1022, unknown API key -2015, stale timestamp -1021.
// Usage: node spot_rest.mjs --ready READY.json --key hmac|ed25519
import { Spot } from '@binance/spot';
import { check, check_eq, check_rate_limit_headers, context, dec, dec_str, expect_rejection, passive_buy, run, unique_id, unknown_key_auth, with_clock_shift, wrong_auth } from './lib.mjs';

const ctx = context('spot_rest');
const rest = (auth) => new Spot({ configurationRestAPI: { ...auth, basePath: ctx.spot_rest, ...ctx.rest_options } }).restAPI;
const api = rest(ctx.auth);
const sym = ctx.symbol;

function balance(account, asset) {
  const b = (account.balances || []).find((x) => x.asset === asset);
  return b ? { free: dec(b.free, `${asset}.free`), locked: dec(b.locked, `${asset}.locked`) } : { free: 0n, locked: 0n };
}

await run(ctx, [
  ['ping', async () => {
    const r = await api.ping();
    check_eq(r.status, 200, 'ping HTTP status');
    check_eq(JSON.stringify(await r.data()), '{}', 'ping body');
    check_rate_limit_headers(r, 'REQUEST_WEIGHT', 'ping');
  }],
  ['time', async () => {
    const before = Date.now();
    const t = (await (await api.time()).data()).serverTime;
    check(Number.isInteger(t), `serverTime is not an integer: ${t}`);
    check(Math.abs(t - before) < 10000, `serverTime ${t} is ${t - before} ms away from this machine's clock`);
  }],
  ['exchangeInfo', async (s) => {
    const info = await (await api.exchangeInfo({ symbol: sym })).data();
    const si = (info.symbols || []).find((x) => x.symbol === sym);
    check(si, `exchangeInfo has no ${sym}`);
    check_eq(si.status, 'TRADING', `${sym} status`);
    check(Array.isArray(si.orderTypes) && si.orderTypes.includes('LIMIT'), `${sym} orderTypes lacks LIMIT`);
    s.si = si;
  }],
  ['account balances', async (s) => {
    const r = await api.getAccount();
    const acct = await r.data();
    check(Array.isArray(acct.balances), 'account has no balances array');
    for (const [asset, amount] of Object.entries(ctx.balances)) {
      const b = balance(acct, asset);
      check_eq(dec_str(b.free + b.locked), dec_str(amount), `${asset} free+locked at start`);
    }
    s.usdt0 = balance(acct, 'USDT');
  }],
  ['new LIMIT order', async (s) => {
    const bt = await (await api.tickerBookTicker({ symbol: sym })).data();
    const bid = dec(bt.bidPrice, 'bookTicker bidPrice');
    check(bid > 0n, 'bookTicker bidPrice is 0');
    const { price, qty } = passive_buy(s.si, bid, 'minNotional');
    s.price = price;
    s.qty = qty;
    s.cid = unique_id('rest');
    const r = await api.newOrder({ symbol: sym, side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: dec_str(qty), price: dec_str(price), newClientOrderId: s.cid });
    check_eq(r.status, 200, 'newOrder HTTP status');
    check_rate_limit_headers(r, 'ORDERS', 'newOrder');
    const o = await r.data();
    check_eq(o.symbol, sym, 'newOrder symbol');
    check_eq(o.clientOrderId, s.cid, 'newOrder clientOrderId');
    check(o.orderId !== undefined && BigInt(o.orderId) > 0n, `newOrder orderId: ${o.orderId}`);
    check_eq(o.status, 'NEW', 'newOrder status');
    check_eq(dec_str(dec(o.price, 'price')), dec_str(price), 'newOrder price');
    check_eq(dec_str(dec(o.origQty, 'origQty')), dec_str(qty), 'newOrder origQty');
    check_eq(dec(o.executedQty, 'executedQty'), 0n, 'newOrder executedQty');
    s.order_id = BigInt(o.orderId);
    s.order_id_wire = o.orderId; // number or BigInt (json-with-bigint), sent back as is
  }],
  ['balance locked', async (s) => {
    const u = balance(await (await api.getAccount()).data(), 'USDT');
    const cost = s.price * s.qty;
    // Only exact when price*qty has at most 8 decimals (it does for tick 0.01 and step 1e-5).
    if (cost % 100000000n === 0n) {
      const c = cost / 100000000n;
      check_eq(dec_str(u.locked - s.usdt0.locked), dec_str(c), 'USDT locked by the resting BUY');
      check_eq(dec_str(s.usdt0.free - u.free), dec_str(c), 'USDT free decrease by the resting BUY');
    }
  }],
  ['query order', async (s) => {
    const o = await (await api.getOrder({ symbol: sym, origClientOrderId: s.cid })).data();
    check_eq(BigInt(o.orderId), s.order_id, 'getOrder orderId');
    check_eq(o.clientOrderId, s.cid, 'getOrder clientOrderId');
    check_eq(o.status, 'NEW', 'getOrder status');
    check_eq(o.side, 'BUY', 'getOrder side');
    check_eq(o.type, 'LIMIT', 'getOrder type');
    check_eq(o.timeInForce, 'GTC', 'getOrder timeInForce');
    const open = await (await api.getOpenOrders({ symbol: sym })).data();
    check(open.some((x) => x.clientOrderId === s.cid), 'getOpenOrders does not list the new order');
  }],
  ['cancel order', async (s) => {
    const o = await (await api.deleteOrder({ symbol: sym, orderId: s.order_id_wire })).data();
    check_eq(BigInt(o.orderId), s.order_id, 'deleteOrder orderId');
    check_eq(o.status, 'CANCELED', 'deleteOrder status');
    check_eq(o.origClientOrderId, s.cid, 'deleteOrder origClientOrderId');
    const q = await (await api.getOrder({ symbol: sym, orderId: s.order_id_wire })).data();
    check_eq(q.status, 'CANCELED', 'getOrder status after cancel');
  }],
  ['open orders empty', async (s) => {
    const open = await (await api.getOpenOrders({ symbol: sym })).data();
    check(Array.isArray(open), 'getOpenOrders did not return an array');
    check_eq(open.length, 0, 'open orders after cancel');
    const u = balance(await (await api.getAccount()).data(), 'USDT');
    check_eq(dec_str(u.free), dec_str(s.usdt0.free), 'USDT free after cancel');
    check_eq(dec_str(u.locked), dec_str(s.usdt0.locked), 'USDT locked after cancel');
  }],
  ['cancel unknown order -2011', async (s) => {
    await expect_rejection(api.deleteOrder({ symbol: sym, orderId: s.order_id_wire }), -2011, 'cancel of a cancelled order');
  }],
  ['bad signature -1022', async () => {
    await expect_rejection(rest(wrong_auth(ctx)).getAccount(), -1022, 'account signed with the wrong key');
  }],
  ['unknown API key -2015', async () => {
    await expect_rejection(rest(unknown_key_auth(ctx)).getAccount(), -2015, 'account with an API key the sim does not know');
  }],
  ['stale timestamp -1021', async () => {
    // 2 minutes old: outside the default recvWindow (5 s) and even the largest one (60 s).
    await expect_rejection(with_clock_shift(-120000, () => api.getAccount()), -1021, 'account with a timestamp 120 s old');
  }],
]);
