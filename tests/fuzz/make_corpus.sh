#!/usr/bin/env bash
# Regenerates the seed corpora under tests/fuzz/corpus/<target>/ from the repository's fixtures
# (tests/data/*.head.raw.gz, .env.mock) and a small JSONL recording (default: one `make run` wrote,
# e.g. `timeout 2 build/dmabot run --env .env.mock --set MOCK_MAX_TICKS=200`; pass its path).
# The seeds are committed; this script only documents where they came from and remakes them.
#   usage: tests/fuzz/make_corpus.sh RECORDING.jsonl
set -eu  # no pipefail: `zcat | head` ends zcat with SIGPIPE by design
cd "$(dirname "$0")/../.."
rec=${1:?usage: tests/fuzz/make_corpus.sh RECORDING.jsonl}
out=tests/fuzz/corpus
rm -rf "$out"
mkdir -p "$out"/{binance_parser,capture_reader,jsonl_recording,decimal,config,event_cache}

# binance_parser: one message per file, the first two of each stream of each fixture (JSON only),
# messages under 4 KiB; then a few files of several messages in a row.
for f in tests/data/*.head.raw.gz; do
  stem=$(basename "$f" .head.raw.gz)
  for s in bookTicker '@trade' 'depth@' markPrice aggTrade; do
    zcat "$f" | grep -F "$s" | head -n 2 | cut -d' ' -f2- | awk 'length($0) < 4096' |
      { i=0; while IFS= read -r line; do i=$((i + 1)); printf '%s' "$line" > "$out/binance_parser/${stem}_${s//[@]/}_$i.json"; done; }
  done
  zcat "$f" | head -n 12 | cut -d' ' -f2- | awk 'length($0) < 4096' > "$out/binance_parser/${stem}_first12.jsonl"
done
printf '%s' '{"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]}' \
  > "$out/binance_parser/rest_snapshot.json"
printf '%s' '{"result":null,"id":1}' > "$out/binance_parser/subscribe_reply.json"
printf '%s\n%s' '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0"' \
  '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0",' \
  > "$out/binance_parser/two_cut_depth.jsonl"

# capture_reader: the first lines of each fixture as they are (time, space, JSON), and edge shapes.
for f in tests/data/*.head.raw.gz; do
  stem=$(basename "$f" .head.raw.gz)
  zcat "$f" | head -n 8 | awk 'length($0) < 4096' > "$out/capture_reader/${stem}_head.raw"
done
zcat tests/data/usdm_btcusdt_20240808.head.raw.gz | head -n 3 | awk 'length($0) < 4096' |
  sed 's/$/\r/' > "$out/capture_reader/crlf.raw"
{ zcat tests/data/spot_btcusdt_20240808.head.raw.gz | head -n 2; echo; echo 'nospace'; echo '12x {"a":1}';
  zcat tests/data/spot_btcusdt_20240808.head.raw.gz | sed -n 3p | cut -c1-80 | tr -d '\n'; } > "$out/capture_reader/mixed.raw"

# jsonl_recording: the recording's header, its first line of each kind, its footer.
head -n 1 "$rec" > "$out/jsonl_recording/header_only.jsonl"
for k in md trade mark sig ord exec ctl end; do
  line=$(grep -m1 "\"kind\":\"$k\"" "$rec" || true)
  [ -z "$line" ] || { head -n 1 "$rec"; printf '%s\n' "$line"; } > "$out/jsonl_recording/$k.jsonl"
done
# Kinds a mock run does not record, in the shape encode() writes (tests/core/event_codec_test.cpp).
{ head -n 1 "$rec"
  echo '{"v":1,"seq":1,"kind":"trade","ts_local":1,"ts_exch":1,"sym":"BTCUSDT","id":1,"px":"61837.63","qty":"0.001","aggr":"SELL","feed":0}'
  echo '{"v":1,"seq":2,"kind":"mark","ts_local":5,"ts_exch":6,"sym":"BTCUSDT","mark":"61800.2","index":"61801","funding":"-0.0001","next_funding":1723190400000000000,"feed":1}'
  echo '{"v":1,"seq":3,"kind":"ctl","ts_local":7,"sym":"BTCUSDT","cmd":"kill_off"}'; } > "$out/jsonl_recording/trade_mark_ctl.jsonl"
{ head -n 1 "$rec"; grep -m4 '"kind":"md"' "$rec"; grep -m1 '"kind":"end"' "$rec" | cut -c1-40 | tr -d '\n'; } \
  > "$out/jsonl_recording/truncated_end.jsonl"

# decimal: one case per line.
printf '%s\n' 61837.63000000 0.060 0 .5 5. +1 -1.5 -0 0.00000001 1.000000000 92233720368.54775807 \
  92233720368.54775808 -92233720368.54775808 '' . + - 1.2.3 1e5 ' 1' > "$out/decimal/cases.txt"
printf '%s' 61837.63 > "$out/decimal/price.txt"

# config: .env.mock as it is, and small files with quotes, export, comments and secrets.
cp .env.mock "$out/config/env.mock"
printf '%s\n' 'export FEED_MODE=mock' "SYMBOLS='BTCUSDT,ETHUSDT' # quoted" 'MAX_NOTIONAL="1000.5"' '# comment' '' \
  'API_SECRET=abcd1234' 'FLAG=yes' 'N=-12' > "$out/config/small.env"

# event_cache: edit lists (see event_cache_check.cpp): none, one flipped record byte, a header byte,
# a cut inside the records, trailing bytes.
printf '' > "$out/event_cache/none.bin"
printf '\x03\x10\x00\x01' > "$out/event_cache/record_bit.bin"
printf '\x00\x28\x00\xff' > "$out/event_cache/header_byte.bin"
printf '\x04\x00\x02\x00' > "$out/event_cache/cut.bin"
printf '\x05\x08\x00\x41' > "$out/event_cache/append.bin"
printf '\x02\x00\x00\x01' > "$out/event_cache/symbol_byte.bin"
echo "corpus written under $out: $(find "$out" -type f | wc -l) files"

# user_data (gateway/binance/user_data.h): Binance's docs examples (tests/data/binance_user_data), a
# file of several messages, a WS API response beside an unknown event, ids above 2^53, a cut message.
mkdir -p "$out/user_data"
cp tests/data/binance_user_data/*.json "$out/user_data/"
cat tests/data/binance_user_data/spot_execution_report.json tests/data/binance_user_data/futures_trade_lite_combined.json \
  tests/data/binance_user_data/spot_list_status.json > "$out/user_data/several.jsonl"
printf '%s\n%s' '{"id":"d3df8a21-98ea-4fe0-8f4e-0fcea5d418b7","status":200,"result":{"subscriptionId":0}}' \
  '{"subscriptionId":1,"event":{"e":"someNewEvent","E":1}}' > "$out/user_data/response_and_unknown.jsonl"
printf '%s' '{"e":"TRADE_LITE","E":1,"T":2,"s":"BTCUSDT","q":"1","p":"2","m":true,"c":"x","S":"SELL","L":"3","l":"1","t":9007199254740993,"i":9223372036854775807}' \
  > "$out/user_data/trade_lite_big_ids.json"
printf '%s' '{"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"mUvoqJ' \
  > "$out/user_data/truncated_execution_report.json"

# binance_sim (tools/binance_sim driven in process; input form in fuzz_checks.h): operations joined by
# the byte 0x1E. Op bytes: 0x08 signed HMAC REST spot, 0x18 signed Ed25519 REST spot, 0x0c/0x1c the
# same on USD-M, 0x00 unsigned, 0x01/0x05 raw WS frame spot/USD-M, 0x0a/0x1a/0x0e/0x1e built signed WS
# frame, 0x03/0x07 market move. The harness adds timestamp and signature, so the seeds carry none.
mkdir -p "$out/binance_sim"
sim_seed() {  # name, then operations
  local name=$1 first=1
  shift
  for op in "$@"; do
    [ $first -eq 1 ] || printf '\x1e'
    first=0
    printf "$op"
  done > "$out/binance_sim/$name"
}
lim='symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=50000'
sim_seed rest_place_cancel_hmac "\x08POST\n/api/v3/order\n\n$lim" '\x08GET\n/api/v3/openOrders\nsymbol=BTCUSDT\n' \
  '\x08DELETE\n/api/v3/order\nsymbol=BTCUSDT&orderId=1\n'
sim_seed rest_place_cancel_ed25519 "\x18POST\n/api/v3/order\n$lim\n" '\x18DELETE\n/api/v3/order\nsymbol=BTCUSDT&orderId=1\n' \
  '\x18GET\n/api/v3/account\n\n'
sim_seed rest_sell_fills '\x08POST\n/api/v3/order\n\nsymbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=60100' \
  '\x03\x00\x02' '\x08GET\n/api/v3/myTrades\nsymbol=BTCUSDT\n' '\x08GET\n/api/v3/account\n\n'
sim_seed rest_market_and_quote '\x08POST\n/api/v3/order\n\nsymbol=ETHUSDT&side=BUY&type=MARKET&quoteOrderQty=100' \
  '\x18POST\n/api/v3/order\n\nsymbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.002&newOrderRespType=FULL'
sim_seed rest_cancel_replace "\x08POST\n/api/v3/order\n\n$lim&newClientOrderId=a1" \
  '\x08POST\n/api/v3/order/cancelReplace\n\nsymbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.002&price=49000&cancelReplaceMode=STOP_ON_FAILURE&cancelOrigClientOrderId=a1' \
  '\x08DELETE\n/api/v3/openOrders\nsymbol=BTCUSDT\n'
sim_seed rest_public '\x00GET\n/api/v3/ping\n\n' '\x00GET\n/api/v3/time\n\n' '\x00GET\n/api/v3/exchangeInfo\nsymbol=BTCUSDT\n' \
  '\x00GET\n/api/v3/depth\nsymbol=BTCUSDT&limit=5\n' '\x00GET\n/api/v3/ticker/bookTicker\nsymbol=ETHUSDT\n' \
  '\x20POST\n/api/v3/order\nsymbol=BTCUSDT\n' '\x00GET\n/api/v3/nope\n\n'
sim_seed futures_orders '\x0cPOST\n/fapi/v1/order\n\nsymbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=55000' \
  '\x0cPOST\n/fapi/v1/order\n\nsymbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.002' '\x07\x00\xfe' \
  '\x0cGET\n/fapi/v2/positionRisk\n\n' '\x1cPOST\n/fapi/v1/leverage\n\nsymbol=BTCUSDT&leverage=5' \
  '\x0cDELETE\n/fapi/v1/allOpenOrders\nsymbol=BTCUSDT\n' '\x0cGET\n/fapi/v2/account\n\n'
sim_seed futures_modes '\x0cPOST\n/fapi/v1/positionSide/dual\n\ndualSidePosition=true' \
  '\x0cPOST\n/fapi/v1/order\n\nsymbol=ETHUSDT&side=BUY&positionSide=LONG&type=LIMIT&timeInForce=GTX&quantity=0.1&price=2900' \
  '\x04POST\n/fapi/v1/listenKey\n\n' '\x04PUT\n/fapi/v1/listenKey\n\n' '\x0cGET\n/fapi/v1/openOrders\n\n'
sim_seed ws_place_cancel_hmac "\x0aorder.place\n$lim&newClientOrderId=w1" '\x0aorder.status\nsymbol=BTCUSDT&origClientOrderId=w1' \
  '\x0aorder.cancel\nsymbol=BTCUSDT&origClientOrderId=w1'
sim_seed ws_place_cancel_ed25519 "\x1aorder.place\n$lim" '\x1aopenOrders.status\nsymbol=BTCUSDT' \
  '\x1aopenOrders.cancelAll\nsymbol=BTCUSDT'
sim_seed ws_logon_subscribe '\x1asession.logon\n' '\x01{"id":"s1","method":"userDataStream.subscribe"}' \
  "\x01{\"id\":\"p1\",\"method\":\"order.place\",\"params\":{\"symbol\":\"BTCUSDT\",\"side\":\"SELL\",\"type\":\"LIMIT\",\"timeInForce\":\"GTC\",\"quantity\":\"0.01\",\"price\":\"60050\",\"timestamp\":1700000000000}}" \
  '\x03\x00\x01' '\x01{"id":"s2","method":"session.status"}' '\x01{"id":"s3","method":"session.logout"}'
sim_seed ws_futures '\x0eorder.place\nsymbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=55000' \
  '\x0eaccount.status\n' '\x0ev2/account.position\n' '\x05{"id":1,"method":"ping"}' '\x0eorder.cancel\nsymbol=BTCUSDT&orderId=1'
sim_seed ws_raw_odd '\x01{"id":1,"method":"ping"}' '\x01{"id":2,"method":"time"}' '\x01not json' '\x01{"id":[1],"method":3}' \
  '\x01{"id":"x","method":"exchangeInfo","params":{"symbols":["BTCUSDT"]}}' '\x01{"method":"depth","params":{"symbol":"BTCUSDT"}}'
