#!/usr/bin/env bash
# bench/ab.sh — two builds of proscenium side by side in one interleaved run (the "paired run"
# issue 22 asks for before a change lands).
#
#   bench/ab.sh OLD_BIN NEW_BIN [--scenarios templates,lambda,proxy,mock] [--duration S] [--rounds N]
#
# Starts on 127.0.0.1, all on CPU $SERVER_CPU (default 0): one nginx backend (a fixed 200 and a
# fake Lambda Invoke endpoint, as bench/run.sh's), and both builds, each with its own data dir and
# the same APIs (bench/lib/ab_setup.py). For each scenario, ../shared/bench/compare.sh (or
# $COMPARE) runs wrk on CPU $LOAD_CPU (default 1) against old and new in interleaved rounds with
# rotated order and prints new/old as paired per-round ratios. Needs wrk and nginx (apt-get).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
COMPARE=${COMPARE:-$ROOT/../shared/bench/compare.sh}
SERVER_CPU=${SERVER_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
[ $# -ge 2 ] || { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
OLD=$1 NEW=$2; shift 2
SCENARIOS=templates,lambda DURATION=5 ROUNDS=5
while [ $# -gt 0 ]; do
  case $1 in
    --scenarios) SCENARIOS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
for b in "$OLD" "$NEW"; do [ -x "$b" ] || { echo "not an executable: $b" >&2; exit 2; }; done
[ -x "$COMPARE" ] || { echo "no compare.sh at $COMPARE (set COMPARE)" >&2; exit 2; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/proscenium-ab.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
BACKEND_PORT=$(port) LAMBDA_PORT=$(port)
source "$ROOT/bench/lib/nginx.sh"
nginx_conf "$WORK" "
  server { listen 127.0.0.1:$BACKEND_PORT;
           location / { default_type application/json; return 200 '{\"ok\":true}'; } }
  server { listen 127.0.0.1:$LAMBDA_PORT;
           location = /2015-03-31/functions/bench/invocations {
             default_type application/json; return 200 '{\"statusCode\":200,\"body\":\"ok\"}'; } }"
taskset -c "$SERVER_CPU" "$NGINX" -p "$WORK" -c "$WORK/nginx.conf" -e "$WORK/error.log" -g 'daemon off;' &
PIDS+=($!)
declare -A URLS
for side in old new; do
  bin=$OLD; [ "$side" = new ] && bin=$NEW
  p=$(port)
  mkdir -p "$WORK/$side"
  taskset -c "$SERVER_CPU" "$bin" serve --listen "127.0.0.1:$p" --data-dir "$WORK/$side" \
    --lambda-endpoint "http://127.0.0.1:$LAMBDA_PORT" > "$WORK/$side.log" 2>&1 &
  PIDS+=($!)
  while IFS='=' read -r name url; do URLS[$side.$name]=$url; done \
    < <(python3 "$ROOT/bench/lib/ab_setup.py" --port "$p" --backend-port "$BACKEND_PORT")
done
# The servers' process names, so that compare.sh counts none of them as a co-tenant.
MINE="nginx,$(basename "$OLD" | cut -c1-15),$(basename "$NEW" | cut -c1-15)"
IFS=',' read -ra list <<< "$SCENARIOS"
for s in "${list[@]}"; do
  [ -n "${URLS[old.$s]:-}" ] || { echo "unknown scenario: $s" >&2; exit 2; }
  echo "== $s: old=$OLD new=$NEW"
  "$COMPARE" -d "$DURATION" -r "$ROUNDS" -L "$LOAD_CPU" -N "$MINE" "old=${URLS[old.$s]}" "new=${URLS[new.$s]}" \
    | sed -n '/^target/,$p'
done
