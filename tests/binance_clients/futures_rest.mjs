// USD-M futures REST through @binance/derivatives-trading-usds-futures: ping, time, exchangeInfo,
// account (v3) and balance (v3), positionRisk, leverage change (seen again in positionRisk v2), a
// post-only LIMIT GTX order placed/queried/cancelled, listenKey create/keepalive/close, and a
// wrongly signed request (-1022), an unknown API key (-2015) and a stale timestamp (-1021) refused.
// Usage: node futures_rest.mjs --ready READY.json --key hmac|ed25519
import { DerivativesTradingUsdsFutures } from '@binance/derivatives-trading-usds-futures';
import { check, check_eq, check_rate_limit_headers, context, dec, dec_str, expect_rejection, passive_buy, run, unique_id, unknown_key_auth, with_clock_shift, wrong_auth } from './lib.mjs';

const ctx = context('futures_rest');
const sym = ctx.symbol;
const rest = (auth) => new DerivativesTradingUsdsFutures({ configurationRestAPI: { ...auth, basePath: ctx.futures_rest, ...ctx.rest_options } }).restAPI;
const api = rest(ctx.auth);
const kLeverage = 7;

await run(ctx, [
  ['ping', async () => {
    const r = await api.testConnectivity();
    check_eq(r.status, 200, 'ping HTTP status');
    check_eq(JSON.stringify(await r.data()), '{}', 'ping body');
    check_rate_limit_headers(r, 'REQUEST_WEIGHT', 'ping');
  }],
  ['time', async () => {
    const before = Date.now();
    const t = (await (await api.checkServerTime()).data()).serverTime;
    check(Number.isInteger(t), `serverTime is not an integer: ${t}`);
    check(Math.abs(t - before) < 10000, `serverTime ${t} is ${t - before} ms away from this machine's clock`);
  }],
  ['exchangeInfo', async (s) => {
    const info = await (await api.exchangeInformation()).data();
    const si = (info.symbols || []).find((x) => x.symbol === sym);
    check(si, `exchangeInfo has no ${sym}`);
    check_eq(si.status, 'TRADING', `${sym} status`);
    check_eq(si.contractType, 'PERPETUAL', `${sym} contractType`);
    check(Array.isArray(si.timeInForce) && si.timeInForce.includes('GTX'), `${sym} timeInForce lacks GTX`);
    s.si = si;
  }],
  ['account', async () => {
    const a = await (await api.accountInformationV3()).data();
    check(Array.isArray(a.assets), 'account v3 has no assets array');
    const usdt = a.assets.find((x) => x.asset === 'USDT');
    check(usdt, 'account v3 has no USDT asset');
    if (ctx.balances.USDT !== undefined) check_eq(dec_str(dec(usdt.walletBalance, 'USDT walletBalance')), dec_str(ctx.balances.USDT), 'USDT walletBalance');
    check(dec(a.availableBalance, 'availableBalance') > 0n, `availableBalance ${a.availableBalance}`);
  }],
  ['balance', async () => {
    const l = await (await api.futuresAccountBalanceV3()).data();
    check(Array.isArray(l), 'balance v3 is not an array');
    const usdt = l.find((x) => x.asset === 'USDT');
    check(usdt, 'balance v3 has no USDT');
    if (ctx.balances.USDT !== undefined) check_eq(dec_str(dec(usdt.balance, 'USDT balance')), dec_str(ctx.balances.USDT), 'USDT balance');
  }],
  ['positionRisk', async () => {
    const l = await (await api.positionInformationV3({ symbol: sym })).data();
    check(Array.isArray(l), 'positionRisk v3 is not an array');
    // v3 lists only symbols with a position or open orders: nothing, or a zero position.
    for (const p of l) check_eq(dec(p.positionAmt, 'positionAmt'), 0n, `${p.symbol} positionAmt at start`);
  }],
  ['leverage', async () => {
    const r = await (await api.changeInitialLeverage({ symbol: sym, leverage: kLeverage })).data();
    check_eq(r.symbol, sym, 'leverage symbol');
    check_eq(Number(r.leverage), kLeverage, 'leverage answer');
    const l = await (await api.positionInformationV2({ symbol: sym })).data();
    const p = l.find((x) => x.symbol === sym);
    check(p, `positionRisk v2 has no ${sym}`);
    check_eq(Number(p.leverage), kLeverage, 'positionRisk v2 leverage');
  }],
  ['new LIMIT GTX order', async (s) => {
    const bt = await (await api.symbolOrderBookTicker({ symbol: sym })).data();
    const bid = dec(bt.bidPrice, 'bookTicker bidPrice');
    check(bid > 0n, 'bookTicker bidPrice is 0');
    const { price, qty } = passive_buy(s.si, bid, 'notional');
    s.price = price;
    s.qty = qty;
    s.cid = unique_id('fut');
    const r = await api.newOrder({ symbol: sym, side: 'BUY', type: 'LIMIT', timeInForce: 'GTX', quantity: dec_str(qty), price: dec_str(price), newClientOrderId: s.cid });
    check_eq(r.status, 200, 'newOrder HTTP status');
    check_rate_limit_headers(r, 'ORDERS', 'newOrder');
    const o = await r.data();
    check_eq(o.symbol, sym, 'newOrder symbol');
    check_eq(o.clientOrderId, s.cid, 'newOrder clientOrderId');
    check_eq(o.status, 'NEW', 'newOrder status');
    check_eq(o.timeInForce, 'GTX', 'newOrder timeInForce');
    check_eq(o.positionSide, 'BOTH', 'newOrder positionSide');
    check_eq(dec_str(dec(o.price, 'price')), dec_str(price), 'newOrder price');
    check_eq(dec_str(dec(o.origQty, 'origQty')), dec_str(qty), 'newOrder origQty');
    s.order_id = BigInt(o.orderId);
    s.order_id_wire = o.orderId;
  }],
  ['query order', async (s) => {
    const o = await (await api.queryOrder({ symbol: sym, origClientOrderId: s.cid })).data();
    check_eq(BigInt(o.orderId), s.order_id, 'queryOrder orderId');
    check_eq(o.status, 'NEW', 'queryOrder status');
    check_eq(o.type, 'LIMIT', 'queryOrder type');
    const open = await (await api.currentAllOpenOrders({ symbol: sym })).data();
    check(open.some((x) => x.clientOrderId === s.cid), 'openOrders does not list the new order');
  }],
  ['cancel order', async (s) => {
    const o = await (await api.cancelOrder({ symbol: sym, orderId: s.order_id_wire })).data();
    check_eq(BigInt(o.orderId), s.order_id, 'cancelOrder orderId');
    check_eq(o.status, 'CANCELED', 'cancelOrder status');
    const q = await (await api.queryOrder({ symbol: sym, orderId: s.order_id_wire })).data();
    check_eq(q.status, 'CANCELED', 'queryOrder status after cancel');
    const open = await (await api.currentAllOpenOrders({ symbol: sym })).data();
    check_eq(open.length, 0, 'open orders after cancel');
  }],
  ['cancel unknown order -2011', async (s) => {
    await expect_rejection(api.cancelOrder({ symbol: sym, orderId: s.order_id_wire }), -2011, 'cancel of a cancelled order');
  }],
  ['listenKey create/keepalive/close', async () => {
    const k = (await (await api.startUserDataStream()).data()).listenKey;
    check(typeof k === 'string' && k.length > 0, `listenKey: ${k}`);
    const again = (await (await api.startUserDataStream()).data()).listenKey;
    check_eq(again, k, 'second POST listenKey (Binance returns the active key)');
    const ka = await api.keepaliveUserDataStream();
    check_eq(ka.status, 200, 'listenKey keepalive HTTP status');
    const kab = await ka.data();
    if (kab.listenKey !== undefined) check_eq(kab.listenKey, k, 'keepalive listenKey');
    check_eq((await api.closeUserDataStream()).status, 200, 'listenKey DELETE HTTP status');
  }],
  ['bad signature -1022', async () => {
    await expect_rejection(rest(wrong_auth(ctx)).accountInformationV3(), -1022, 'account signed with the wrong key');
  }],
  ['unknown API key -2015', async () => {
    await expect_rejection(rest(unknown_key_auth(ctx)).accountInformationV3(), -2015, 'account with an API key the sim does not know');
  }],
  ['stale timestamp -1021', async () => {
    // 2 minutes old: outside the default recvWindow (5 s) and even the largest one (60 s).
    await expect_rejection(with_clock_shift(-120000, () => api.accountInformationV3()), -1021, 'account with a timestamp 120 s old');
  }],
]);
