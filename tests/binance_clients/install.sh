#!/usr/bin/env bash
# Installs Binance's official connectors exactly as pinned in package-lock.json (`npm ci`), unless
# node_modules already holds that lockfile's install (a stamp with the lockfile's and Node's
# identity), so repeated CI runs cost nothing. Used by .ci/run; by hand: bash tests/binance_clients/install.sh
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  echo "tests/binance_clients/install.sh: node and npm are required to install Binance's official" \
    "connectors for the binance-sim client tests (docs/BINANCE_SIM.md ("Official connectors")); install Node.js 20+" \
    "with npm (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
want="$(sha256sum package-lock.json | cut -d' ' -f1) node-$(node --version)"
stamp=node_modules/.dmabot-installed
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "binance_clients: node_modules matches package-lock.json"
  exit 0
fi
npm ci --no-audit --no-fund --prefer-offline --loglevel=error
echo "$want" >"$stamp"
echo "binance_clients: installed $(node -p 'const l=require("./package-lock.json").packages; ["@binance/spot","@binance/derivatives-trading-usds-futures"].map(n=>n+"@"+l["node_modules/"+n].version).join(" ")')"
