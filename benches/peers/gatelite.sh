#!/usr/bin/env bash
# Starts GateLite as one more target of ../shared/bench/peers.sh:
#   ../shared/bench/peers.sh 'gatelite:9300:exec benches/peers/gatelite.sh'
# (run from the repository root after `cargo build --release`). The harness
# exports PORT, BACKEND and WORKDIR; this writes the equivalent of the nginx
# peer's config (proxy everything to BACKEND, upstream keep-alive, no access
# log) and runs the gateway in the foreground.
set -euo pipefail
conf="$WORKDIR/gatelite.conf"
cat >"$conf" <<CONF
listen 127.0.0.1:$PORT;
workers ${GATELITE_WORKERS:-64};
queue 4096;
upstream origin {
    server $BACKEND;
    keepalive 128;
}
route all {
    path /*;
    upstream origin;
}
CONF
exec "${GATELITE_BIN:-./target/release/gatelite}" run "$conf"
