// Shared helpers for the binance-sim client scenarios: read the sim's ready file, build Binance's
// official connectors pointed at it, exact decimal arithmetic for prices/quantities, bounded waits,
// and the one-line PASS/FAIL protocol (exit 0 / exit 1 with the reason).
//
// Each scenario is a plain script: `node spot_rest.mjs --ready READY.json --key hmac|ed25519`
// (or env BINANCE_SIM_READY / BINANCE_SIM_KEY). The CA comes from the ready file through
// NODE_EXTRA_CA_CERTS, which Node reads only at start: when it does not name the ready file's
// ca_file, the scenario re-runs itself once with it set (replacing any machine-wide value: Node takes
// one file), so it also works when started by hand. run_against_sim.sh sets it and BINANCE_SIM_CA.
// The accounts below are test-only and exist only in a sim started with the matching --account flags.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// The connectors log at info level by default; keep the output to our one line (errors still show).
process.env.LOG_LEVEL = process.env.LOG_LEVEL || 'error';
// axios honours HTTPS_PROXY from the environment: loopback must never go through a proxy.
process.env.NO_PROXY = ['127.0.0.1', 'localhost', process.env.NO_PROXY].filter(Boolean).join(',');
process.env.no_proxy = process.env.NO_PROXY;

// Test-only credentials: fake values, valid only against a sim started by run_against_sim.sh.
export const kAccounts = {
  hmac: { apiKey: 'dmabot-test-hmac-key', apiSecret: 'dmabot-test-hmac-secret-not-a-real-secret' },
  ed25519: {
    apiKey: 'dmabot-test-ed25519-key',
    privateKey: path.join(here, 'keys', 'test-ed25519-private.pem'),
    publicKeyFile: path.join(here, 'keys', 'test-ed25519-public.pem'),
  },
};

export class CheckError extends Error {}

export function check(cond, message) {
  if (!cond) throw new CheckError(message);
}

export function check_eq(actual, expected, what) {
  if (actual !== expected) {
    throw new CheckError(`${what}: expected ${JSON.stringify(expected)}, got ${fmt_json(actual)}`);
  }
}

function fmt_json(v) {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return String(v);
  }
}

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : undefined;
}

// --- exact decimals: BigInt units of 1e-8 (Binance sends at most 8 decimals) -------------------
const kScale = 100000000n;

// Binance sends every price, quantity and balance as a JSON string; a number here is a mismatch.
export function dec(s, what = 'decimal') {
  check(typeof s === 'string' && /^-?\d+(\.\d+)?$/.test(s), `${what}: expected a decimal string, got ${fmt_json(s)}`);
  const neg = s.startsWith('-');
  const [ip, fp = ''] = (neg ? s.slice(1) : s).split('.');
  const frac = fp.replace(/0+$/, '');
  check(frac.length <= 8, `${what}: more than 8 decimals: ${s}`);
  const v = BigInt(ip) * kScale + BigInt(frac.padEnd(8, '0') || '0');
  return neg ? -v : v;
}

export function dec_str(units) {
  const neg = units < 0n;
  const a = neg ? -units : units;
  const ip = a / kScale;
  const fp = (a % kScale).toString().padStart(8, '0').replace(/0+$/, '');
  return (neg ? '-' : '') + ip.toString() + (fp ? `.${fp}` : '');
}

function ceil_div(a, b) {
  return (a + b - 1n) / b;
}

export function filter_of(symbol_info, type) {
  return (symbol_info.filters || []).find((f) => f.filterType === type);
}

// A resting BUY: below the best bid (so it never crosses, also valid as post-only), inside the
// percent-price band, on the tick, with a quantity on the step and comfortably above min notional.
export function passive_buy(symbol_info, best_bid, notional_key) {
  const pf = filter_of(symbol_info, 'PRICE_FILTER');
  const lot = filter_of(symbol_info, 'LOT_SIZE');
  check(pf, `${symbol_info.symbol}: exchangeInfo has no PRICE_FILTER`);
  check(lot, `${symbol_info.symbol}: exchangeInfo has no LOT_SIZE`);
  const tick = dec(pf.tickSize, 'PRICE_FILTER.tickSize');
  const step = dec(lot.stepSize, 'LOT_SIZE.stepSize');
  const min_qty = dec(lot.minQty, 'LOT_SIZE.minQty');
  check(tick > 0n && step > 0n, `${symbol_info.symbol}: tickSize/stepSize must be > 0`);
  // Lower bound of the band, as a multiplier: spot PERCENT_PRICE_BY_SIDE.bidMultiplierDown,
  // futures PERCENT_PRICE.multiplierDown. Stay halfway between it and the bid, at most 3% away.
  const band = filter_of(symbol_info, 'PERCENT_PRICE_BY_SIDE') || filter_of(symbol_info, 'PERCENT_PRICE');
  const down = band ? dec(band.bidMultiplierDown ?? band.multiplierDown, 'percent price multiplierDown') : 0n;
  let factor = (kScale * 97n) / 100n;
  if (band && (kScale + down) / 2n > factor) factor = (kScale + down) / 2n;
  let price = (best_bid * factor) / kScale;
  price -= price % tick;
  check(price > 0n && price < best_bid, `cannot pick a passive price below bid ${dec_str(best_bid)}`);
  const nf = filter_of(symbol_info, 'NOTIONAL') || filter_of(symbol_info, 'MIN_NOTIONAL');
  const min_notional = nf ? dec(nf[notional_key] ?? nf.minNotional ?? nf.notional, 'min notional') : 0n;
  // qty * price >= 1.5 * min_notional, in 1e-8 units: qty_u * price_u / 1e8 >= 1.5 * mn_u.
  let qty = min_notional > 0n ? ceil_div(min_notional * 3n * kScale, 2n * price) : step;
  qty = ceil_div(qty, step) * step;
  if (qty < min_qty) qty = ceil_div(min_qty, step) * step;
  return { price, qty };
}

// --- bounded waits -------------------------------------------------------------------------------
export function with_timeout(promise, ms, what) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, t]).finally(() => clearTimeout(timer));
}

// A predicate that throws on an unexpected shape (e.g. BigInt(undefined)) just does not match.
function safe(pred, m) {
  try {
    return pred(m);
  } catch {
    return false;
  }
}

// Collects stream/user-data messages; wait_for() resolves with the first (past or future) message
// matching a predicate, or fails after a deadline naming what it waited for.
export class Inbox {
  constructor() {
    this.messages = [];
    this.waiters = [];
  }
  push(m) {
    this.messages.push(m);
    for (const w of [...this.waiters]) {
      if (safe(w.pred, m)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }
  wait_for(pred, ms, what) {
    const seen = this.messages.find((m) => safe(pred, m));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      this.waiters.push(w);
      setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i < 0) return;
        this.waiters.splice(i, 1);
        const last = this.messages.length ? ` (last of ${this.messages.length}: ${fmt_json(this.messages.at(-1)).slice(0, 300)})` : ' (nothing received)';
        reject(new CheckError(`${what}: not received within ${ms} ms${last}`));
      }, ms);
    });
  }
}

export function unique_id(prefix) {
  // Binance allows [.A-Z:/a-z0-9_-]{1,36}; keep to characters the connectors sign and send alike.
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

// --- set-up and the PASS/FAIL line ---------------------------------------------------------------
export function context(scenario) {
  const ready_file = arg('ready') || process.env.BINANCE_SIM_READY;
  // Stream scenarios need no key: 'none' (their default).
  const key_type = arg('key') || process.env.BINANCE_SIM_KEY || (scenario.endsWith('_streams') ? 'none' : 'hmac');
  const label = key_type === 'none' ? scenario : `${scenario} ${key_type}`;
  const die = (msg) => {
    console.log(`FAIL ${label}: ${msg}`);
    process.exit(1);
  };
  if (!ready_file) die('no ready file: pass --ready FILE or set BINANCE_SIM_READY');
  if (!kAccounts[key_type] && key_type !== 'none') die(`--key must be hmac, ed25519 or none, got ${key_type}`);
  let ready;
  try {
    ready = JSON.parse(fs.readFileSync(ready_file, 'utf8'));
  } catch (e) {
    die(`cannot read ready file ${ready_file}: ${e.message}`);
  }
  for (const k of ['spot_port', 'futures_port']) {
    if (!Number.isInteger(ready[k]) || ready[k] <= 0 || ready[k] > 65535) die(`ready file: ${k} is not a port: ${fmt_json(ready[k])}`);
  }
  if (typeof ready.ca_file !== 'string' || !ready.ca_file) die(`ready file: ca_file is not a path: ${fmt_json(ready.ca_file)}`);
  // run_against_sim.sh passes the absolute path it resolved; by hand, relative to the cwd.
  const ca = process.env.BINANCE_SIM_CA || path.resolve(ready.ca_file);
  if (process.env.NODE_EXTRA_CA_CERTS !== ca && !process.env.DMABOT_CLIENTS_REEXEC) {
    if (!fs.existsSync(ca)) die(`ready file: ca_file ${ca} does not exist`);
    const r = spawnSync(process.execPath, process.argv.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca, DMABOT_CLIENTS_REEXEC: '1' },
    });
    process.exit(r.status ?? 1);
  }
  // The connectors emit 'error' on their WebSocket objects; with no listener Node throws it here.
  process.on('uncaughtException', (e) => die(`uncaught ${describe_error(e)}`));
  process.on('unhandledRejection', (e) => die(`unhandled rejection ${describe_error(e)}`));
  const host = process.env.BINANCE_SIM_HOST || '127.0.0.1';
  const acct = kAccounts[key_type];
  const auth = key_type === 'none' ? {} : key_type === 'hmac' ? { apiKey: acct.apiKey, apiSecret: acct.apiSecret } : { apiKey: acct.apiKey, privateKey: acct.privateKey };
  return {
    label,
    key_type,
    auth,
    symbol: process.env.BINANCE_SIM_SYMBOL || 'BTCUSDT',
    // Starting balances the sim was given (--balance), e.g. "USDT=10000,BTC=1"; checked when set.
    balances: parse_balances(process.env.BINANCE_SIM_BALANCE),
    host,
    ports: [ready.spot_port, ready.futures_port],
    spot_rest: `https://${host}:${ready.spot_port}`,
    spot_ws_api: `wss://${host}:${ready.spot_port}/ws-api/v3`,
    spot_streams: `wss://${host}:${ready.spot_port}`,
    futures_rest: `https://${host}:${ready.futures_port}`,
    futures_ws_api: `wss://${host}:${ready.futures_port}/ws-fapi/v1`,
    futures_streams: `wss://${host}:${ready.futures_port}`,
    // REST: 5 s instead of the connectors' 1 s (sanitizer builds are slow), and no retries: a
    // retried GET/DELETE would hide a sim failure.
    rest_options: { timeout: 5000, retries: 0 },
  };
}

function parse_balances(s) {
  const out = {};
  if (!s) return out;
  for (const part of s.split(',')) {
    const [asset, amount] = part.split('=');
    out[asset] = dec(amount, `BINANCE_SIM_BALANCE ${asset}`);
  }
  return out;
}

export function describe_error(e) {
  if (e instanceof CheckError) return e.message;
  if (e && typeof e === 'object' && !(e instanceof Error) && 'code' in e) return `Binance error ${e.code}: ${e.msg}`;
  const code = e && e.code !== undefined ? ` code=${e.code}` : '';
  return `${e && e.name ? e.name : 'Error'}${code}: ${e && e.message ? e.message : fmt_json(e)}`;
}

// Runs the scenario's steps in order, each named, under an overall deadline, then exits.
export async function run(ctx, steps, overall_ms = 60000) {
  let current = '(start)';
  const killer = setTimeout(() => {
    console.log(`FAIL ${ctx.label}: step "${current}" still running after ${overall_ms} ms`);
    process.exit(1);
  }, overall_ms);
  const state = {};
  // The connectors hide TLS failures behind "Network error or request timeout": check the handshake
  // (CA, IP subjectAltName) first so a certificate problem is reported as one.
  steps = [['TLS handshake', () => Promise.all(ctx.ports.map((port) => tls_probe(ctx.host, port)))], ...steps];
  try {
    for (const [name, fn] of steps) {
      current = name;
      await fn(state);
    }
  } catch (e) {
    console.log(`FAIL ${ctx.label}: ${current}: ${describe_error(e)}`);
    process.exit(1);
  }
  clearTimeout(killer);
  console.log(`PASS ${ctx.label}: ${steps.map(([n]) => n).join(', ')}`);
  // Connections close gracefully only after polling; nothing is left to wait for.
  process.exit(0);
}

function tls_probe(host, port) {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host, port, timeout: 5000 }, () => {
      sock.end();
      resolve();
    });
    sock.on('timeout', () => {
      sock.destroy();
      reject(new CheckError(`TLS handshake with ${host}:${port}: no answer within 5000 ms`));
    });
    sock.on('error', (e) => reject(new CheckError(`TLS handshake with ${host}:${port} (CA ${process.env.NODE_EXTRA_CA_CERTS}): ${e.code || ''} ${e.message}`)));
  });
}

export async function expect_rejection(promise, code, what) {
  let result;
  try {
    result = await promise;
  } catch (e) {
    const got = e && e.code;
    check(got === code, `${what}: expected Binance error ${code}, got ${describe_error(e)}`);
    return e;
  }
  throw new CheckError(`${what}: expected Binance error ${code}, but the request succeeded (${fmt_json(result && result.status)})`);
}

export function check_rate_limit_headers(response, kind, what) {
  const rl = response.rateLimits || [];
  check(rl.some((r) => r.rateLimitType === kind), `${what}: no ${kind === 'ORDERS' ? 'x-mbx-order-count-*' : 'x-mbx-used-weight-*'} header (rateLimits ${fmt_json(rl)})`);
}

// Answers to SUBSCRIBE/UNSUBSCRIBE on a streams connection ({"result":null,"id":...}): the connector
// neither waits for nor reads them, so the scenarios do, with an id they choose (32 hex digits, the
// only string form the connector keeps).
export function control_inbox(conn) {
  const inbox = new Inbox();
  conn.on('message', (raw) => {
    try {
      const m = JSON.parse(raw);
      if (m && typeof m === 'object' && !('stream' in m) && 'id' in m) inbox.push(m);
    } catch {
      // not JSON: the connector logs it; a scenario's data checks will fail on their own
    }
  });
  return inbox;
}

export function stream_id() {
  return crypto.randomBytes(16).toString('hex');
}

export async function wait_subscribed(control, id, what) {
  const a = await control.wait_for((m) => m.id === id, 10000, `answer to SUBSCRIBE ${what} (id ${id})`);
  check(a.result === null && !a.error, `SUBSCRIBE ${what} answered ${fmt_json(a)}, expected {"result":null,"id":"${id}"}`);
}

// Runs fn with Date.now() shifted: the connectors take `timestamp` from it, so a signed request made
// inside carries a timestamp that far from the sim's clock (for the recvWindow rule, -1021).
export async function with_clock_shift(ms, fn) {
  const real = Date.now;
  Date.now = () => real() + ms;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

// A key pair or secret the sim does not know for this API key: its signatures must fail with -1022.
export function wrong_auth(ctx) {
  return ctx.key_type === 'hmac'
    ? { apiKey: ctx.auth.apiKey, apiSecret: 'not-the-secret' }
    : { apiKey: ctx.auth.apiKey, privateKey: crypto.generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) };
}

export function unknown_key_auth(ctx) {
  return { ...ctx.auth, apiKey: 'dmabot-test-unknown-key' };
}
