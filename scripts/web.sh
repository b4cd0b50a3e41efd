#!/usr/bin/env bash
# Builds ksim's web page into a folder (default target/web-site): the ksim-web crate for
# wasm32-unknown-unknown in the `wasm` profile, wasm-bindgen's JavaScript glue, index.html.
# Serve the folder with any static server: python3 -m http.server -d target/web-site 8000
# Needs: rustup target add wasm32-unknown-unknown; wasm-bindgen-cli of the version Cargo.lock
# gives wasm-bindgen (cargo install wasm-bindgen-cli --version <it>).
set -euo pipefail

cd "$(dirname "$0")/.."
out="${1:-${CARGO_TARGET_DIR:-target}/web-site}"
target_dir="${CARGO_TARGET_DIR:-target}"

want=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$have" != "$want" ]; then
    echo "error: wasm-bindgen $want is needed (found: ${have:-none}); cargo install wasm-bindgen-cli --version $want" >&2
    exit 2
fi

cargo build --profile wasm --target wasm32-unknown-unknown -p ksim-web
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" \
    "$target_dir/wasm32-unknown-unknown/wasm/ksim_web.wasm"
cp web/static/index.html "$out/"
wasm="$out/ksim_web_bg.wasm"
echo "built $out: $(wc -c <"$wasm") bytes of wasm, $(gzip -9 -c "$wasm" | wc -c) gzip-compressed"
