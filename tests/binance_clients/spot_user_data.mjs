// Spot user data over the WebSocket API through @binance/spot (the REST listenKey is retired):
//   ed25519: session.logon, then userDataStream.subscribe; orders then go out with no apiKey and no
//            signature (the connector relies on the logged-on session).
//   hmac:    userDataStream.subscribe.signature (session.logon is Ed25519-only on Binance, so the sim
//            must refuse it for an HMAC key), orders signed one by one.
// Then a resting LIMIT BUY is placed and cancelled on the same connection; executionReport NEW and
// CANCELED (and an outboundAccountPosition) must arrive as {"subscriptionId":N,"event":{...}}.
// Usage: node spot_user_data.mjs --ready READY.json --key hmac|ed25519
import { Spot } from '@binance/spot';
import { CheckError, Inbox, check, check_eq, context, dec, dec_str, passive_buy, run, unique_id, with_timeout } from './lib.mjs';

const ctx = context('spot_user_data');
const sym = ctx.symbol;
const client = new Spot({ configurationWebsocketAPI: { ...ctx.auth, wsURL: ctx.spot_ws_api } });
const inbox = new Inbox();
const T = 10000;

const steps = [
  ['connect', async (s) => {
    s.ws = await with_timeout(client.websocketAPI.connect(), T, 'connect to /ws-api/v3');
  }],
];
if (ctx.key_type === 'ed25519') {
  steps.push(['session.logon', async (s) => {
    const r = await with_timeout(s.ws.sessionLogon(), T, 'session.logon');
    // sendMessage answers session requests with one response per connection (an array).
    const res = (Array.isArray(r) ? r[0] : r).data;
    check_eq(res.apiKey, ctx.auth.apiKey, 'session.logon apiKey');
  }]);
  steps.push(['userDataStream.subscribe', async (s) => {
    const { response, stream } = await with_timeout(s.ws.userDataStreamSubscribe(), T, 'userDataStream.subscribe');
    check(Number.isInteger(response.data.subscriptionId), `subscriptionId: ${JSON.stringify(response.data)}`);
    stream.on('message', (e) => inbox.push(e));
  }]);
} else {
  steps.push(['session.logon refused for HMAC', async () => {
    // A separate connection: a successful logon would change how this one signs.
    const other = await with_timeout(client.websocketAPI.connect(), T, 'second connection');
    // Binance's docs say only Ed25519 keys may log on and name no error code: any error answer
    // passes, a success does not.
    let ok = false;
    try {
      await with_timeout(other.sessionLogon(), T, 'session.logon');
      ok = true;
    } catch (e) {
      check(!(e instanceof CheckError), e.message);
    }
    check(!ok, 'session.logon with an HMAC key succeeded; Binance accepts only Ed25519 keys there');
  }]);
  steps.push(['userDataStream.subscribe.signature', async (s) => {
    const { response, stream } = await with_timeout(s.ws.userDataStreamSubscribeSignature(), T, 'userDataStream.subscribe.signature');
    check(Number.isInteger(response.data.subscriptionId), `subscriptionId: ${JSON.stringify(response.data)}`);
    stream.on('message', (e) => inbox.push(e));
  }]);
}
steps.push(
  ['order.place', async (s) => {
    const si = (await with_timeout(s.ws.exchangeInfo({ symbol: sym }), T, 'exchangeInfo')).data.symbols.find((x) => x.symbol === sym);
    check(si, `exchangeInfo has no ${sym}`);
    const bid = dec((await with_timeout(s.ws.tickerBook({ symbol: sym }), T, 'ticker.book')).data.bidPrice, 'bidPrice');
    const { price, qty } = passive_buy(si, bid, 'minNotional');
    s.price = price;
    s.qty = qty;
    s.cid = unique_id('uds');
    const o = (await with_timeout(s.ws.orderPlace({ symbol: sym, side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: dec_str(qty), price: dec_str(price), newClientOrderId: s.cid }), T, 'order.place')).data;
    check_eq(o.status, 'NEW', 'order.place status');
    s.order_id = BigInt(o.orderId);
    s.order_id_wire = o.orderId;
  }],
  ['executionReport NEW', async (s) => {
    const e = await inbox.wait_for((m) => m.e === 'executionReport' && m.c === s.cid, T, `executionReport for ${s.cid}`);
    check_eq(e.s, sym, 'executionReport s');
    check_eq(e.S, 'BUY', 'executionReport S');
    check_eq(e.o, 'LIMIT', 'executionReport o');
    check_eq(e.f, 'GTC', 'executionReport f');
    check_eq(e.x, 'NEW', 'executionReport x');
    check_eq(e.X, 'NEW', 'executionReport X');
    check_eq(BigInt(e.i), s.order_id, 'executionReport i');
    check_eq(dec_str(dec(e.p, 'p')), dec_str(s.price), 'executionReport p');
    check_eq(dec_str(dec(e.q, 'q')), dec_str(s.qty), 'executionReport q');
  }],
  ['outboundAccountPosition', async () => {
    const e = await inbox.wait_for((m) => m.e === 'outboundAccountPosition', T, 'outboundAccountPosition after the order locked USDT');
    check(Array.isArray(e.B) && e.B.some((b) => b.a === 'USDT'), `outboundAccountPosition without USDT: ${JSON.stringify(e.B)}`);
  }],
  ['order.cancel', async (s) => {
    const o = (await with_timeout(s.ws.orderCancel({ symbol: sym, orderId: s.order_id_wire }), T, 'order.cancel')).data;
    check_eq(o.status, 'CANCELED', 'order.cancel status');
  }],
  ['executionReport CANCELED', async (s) => {
    // On a cancel Binance puts the cancel request's id in `c` and the order's own in `C`.
    const e = await inbox.wait_for((m) => m.e === 'executionReport' && m.X === 'CANCELED' && BigInt(m.i) === s.order_id, T, `executionReport CANCELED for order ${s.order_id}`);
    check_eq(e.x, 'CANCELED', 'executionReport x');
    check_eq(e.C, s.cid, 'executionReport C (original client order id)');
  }],
);

await run(ctx, steps);
