#!/usr/bin/env bash
# The web page tested in a real browser: builds the site (scripts/web.sh), serves it on
# loopback, and runs web/tests/browser.mjs in headless Chromium (playwright-core from npm,
# installed under target/web-test). Screenshots land in target/web-test/. Without chromium,
# node, the wasm target or wasm-bindgen it says why and passes, except under CI=true.
set -euo pipefail

cd "$(dirname "$0")/.."
target_dir="${CARGO_TARGET_DIR:-target}"
work="$target_dir/web-test"
skip() {
    if [ "${CI:-}" = true ]; then
        echo "error: $1" >&2
        exit 1
    fi
    echo "skipped: $1"
    exit 0
}
command -v "${CHROMIUM:-/usr/bin/chromium}" >/dev/null || skip "chromium is not installed"
command -v node >/dev/null && command -v npm >/dev/null || skip "node and npm are not installed"
rustup target list --installed 2>/dev/null | grep -q wasm32-unknown-unknown ||
    skip "the wasm32-unknown-unknown target is not installed"
command -v wasm-bindgen >/dev/null || skip "wasm-bindgen-cli is not installed"

mkdir -p "$work"
if [ ! -d "$work/node_modules/playwright-core" ]; then
    timeout 300 npm install --prefix "$work" --no-audit --no-fund --silent playwright-core@1
fi
cp web/tests/browser.mjs "$work/"

timeout 1800 scripts/web.sh "$work/site"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$work/site" "$port" >/dev/null 2>&1 &
server=$!
trap 'kill $server' EXIT
for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
    sleep 0.1
done
timeout 120 node "$work/browser.mjs" "http://127.0.0.1:$port/" "$work"
