#!/usr/bin/env bash
# bench/run.sh — Proscenium side by side with nginx, on this machine, in one command.
#
#   bench/run.sh [--smoke] [--duration S] [--rounds N] [--conns C] [--fixed-rate RPS] [--fixed-rounds N] [--slice-ms MS]
#                [--phases LIST] [--groups mock,proxy,tls] [--resources 10000] [--retries 2] [--out DIR] [--keep] [--no-build]
#                [--layout pinned|multi]
#
# Installs what is missing (wrk, nginx, valgrind from Debian via apt-get), builds `proscenium`
# (release) and, for the fixed-rate phase, the workspace's load generator `proscenium-loadgen`
# (bench/loadgen), and starts on 127.0.0.1 only:
#   - nginx "peer": a fixed 200 on one port, proxy_pass (upstream keep-alive) on another;
#   - nginx "backend": a fixed 200 (the backend of both proxies) and a fake Lambda Invoke
#     endpoint (POST /2015-03-31/functions/bench/invocations -> {"statusCode":200,"body":"ok"});
#   - proscenium serve with a temporary data dir and the benchmark APIs (bench/lib/setup_apis.py),
# every server pinned to core $SERVER_CPU (default 0), the load generator to $LOAD_CPU (default 1).
# --layout multi (issue 22's multi-worker goal): nothing pinned, every CPU shared by all; nginx
#   with `worker_processes` = the CPUs, proscenium with its default `--workers` (the CPUs), wrk
#   with as many threads.
#
# Phases (--phases, comma-separated; default all):
#   saturation  wrk, interleaved rounds, rotated order: median RPS, p50/p99, errors, CPU µs per
#               request of each server, paired per-round ratios against the peer (bench/lib/drive.py)
#   fixed       latency at a fixed offered load (--fixed-rate, default 5000 rps): each round one run
#               of proscenium-loadgen with a pair of targets interleaved in --slice-ms slices
#               (default 10), p50/p99/p99.9 from sending and from due, paired and pooled p99
#               ratios (bench/lib/fixed.py); pinned layout only (the generator paces on a CPU of its own)
#   memory      VmRSS idle, and per additional deployment of a 1 000-resource API (bench/lib/memory.py)
#   startup     start to healthy (ready to serve), empty and populated store (bench/startup.py, boto3)
#   callgrind   instructions per request and top functions of MOCK, HTTP_PROXY, Lambda proxy and
#               HTTP with templates (bench/lib/callgrind.py)
#
# --smoke: every load scenario once for ~2 s, numbers not judged; ends with
#   "bench-smoke: N passed, 0 failed" when each scenario served requests without unexpected errors
#   (exit status non-zero otherwise). Phases: saturation and fixed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIB=$ROOT/bench/lib

LAYOUT=pinned GROUPS_=mock,proxy,tls RESOURCES=10000 RESOURCES_GIVEN=0 RETRIES=2 BUILD=1 SMOKE=0 DURATION=8 ROUNDS=5 CONNS=64 FIXED_RATE=5000 FIXED_ROUNDS=5 SLICE_MS=10 PHASES="" OUT="" KEEP=0
SERVER_CPU=${SERVER_CPU:-0} LOAD_CPU=${LOAD_CPU:-1}
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) SMOKE=1 ;;
    --duration) DURATION=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --conns) CONNS=$2; shift ;;
    --fixed-rate) FIXED_RATE=$2; shift ;;
    --fixed-rounds) FIXED_ROUNDS=$2; shift ;;
    --slice-ms) SLICE_MS=$2; shift ;;
    --phases) PHASES=$2; shift ;;
    --out) OUT=$2; shift ;;
    --groups) GROUPS_=$2; shift ;;
    --resources) RESOURCES=$2; RESOURCES_GIVEN=1; shift ;;
    --retries) RETRIES=$2; shift ;;
    --keep) KEEP=1 ;;
    --layout) LAYOUT=$2; shift ;;
    --no-build) BUILD=0 ;;
    -h|--help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage 2 ;;
  esac
  shift
done
if [ "$SMOKE" = 1 ]; then
  DURATION=2 ROUNDS=1
  # Smoke mode checks that every scenario runs, not how it scales: a smaller big API.
  [ "$RESOURCES_GIVEN" = 1 ] || RESOURCES=500
  PHASES=${PHASES:-saturation,fixed}
fi
PHASES=${PHASES:-saturation,fixed,memory,startup,callgrind}
NGINX_WORKERS=1 WRK_THREADS=1
case $LAYOUT in
  pinned) ;;
  multi)
    CPUS=$(nproc)
    SERVER_CPU="0-$((CPUS - 1))" LOAD_CPU="0-$((CPUS - 1))" NGINX_WORKERS=$CPUS WRK_THREADS=$CPUS ;;
  *) echo "--layout: pinned or multi, not $LAYOUT" >&2; exit 2 ;;
esac
if [ "$LAYOUT" = multi ] && [[ ",$PHASES," == *",fixed,"* ]]; then
  echo "== the fixed-rate phase needs the pinned layout (its generator paces on a CPU of its own): skipped" >&2
  PHASES=${PHASES//fixed/}
fi
has_phase() { [[ ",$PHASES," == *",$1,"* ]]; }
say() { echo "== $*" >&2; }

# ---- tools -------------------------------------------------------------------------------
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v python3 >/dev/null || need+=(python3)
command -v taskset >/dev/null || need+=(util-linux)
command -v openssl >/dev/null || need+=(openssl)
if has_phase callgrind; then command -v valgrind >/dev/null || need+=(valgrind); fi
if [ ${#need[@]} -gt 0 ]; then
  say "apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
export PATH="$PATH:$HOME/.cargo/bin"
[ "$(nproc)" -ge 2 ] || say "WARNING: fewer than 2 CPUs; server and load generator share a core"

# ---- build ---------------------------------------------------------------------------------
PGO_NOTE=""
if [ "$BUILD" = 1 ]; then
  say "cargo build --release -p proscenium-server"
  # rustc only warns when the committed PGO profile no longer matches a function ("hash
  # mismatch": the function changed since scripts/pgo-profile recorded it) and builds that
  # function without it; cargo replays the warning on later builds until the crate is built
  # again. The count goes into machine.txt, so that figures from a stale profile say so.
  build_log=$(mktemp)
  built=0
  (cd "$ROOT" && cargo build --release -q -p proscenium-server) 2> "$build_log" || built=$?
  cat "$build_log" >&2
  stale=$(grep -c 'hash mismatch' "$build_log" || true)
  rm -f "$build_log"
  [ "$built" = 0 ] || exit "$built"
  if [ "$stale" -gt 0 ]; then
    PGO_NOTE="; PGO profile stale for $stale function(s): run scripts/pgo-profile"
    say "WARNING: the PGO profile no longer matches $stale function(s) (scripts/pgo-profile records it again)"
  fi
fi
BIN=${PROSCENIUM_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/proscenium}
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 1; }
if has_phase fixed; then
  # The load generator is built even with --no-build (seconds: no dependencies); debug in smoke mode.
  profile=release
  [ "$SMOKE" = 1 ] && profile=dev
  say "cargo build --profile $profile -p proscenium-loadgen"
  (cd "$ROOT" && cargo build -q --profile "$profile" -p proscenium-loadgen)
  LOADGEN_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/$([ "$profile" = dev ] && echo debug || echo release)/proscenium-loadgen
  export LOADGEN_BIN
fi

# ---- servers -------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/proscenium-bench.XXXXXX)
OUT=${OUT:-$(mktemp -d /tmp/proscenium-bench-results.XXXXXX)}
mkdir -p "$OUT"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [ "$KEEP" = 1 ]; then echo "kept $WORK" >&2; else rm -rf "$WORK" "${DATA:-}"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
FIXED_PORT=$(free_port) PROXY_PORT=$(free_port) BACKEND_PORT=$(free_port) LAMBDA_PORT=$(free_port) GW_PORT=$(free_port) STATUS_PORT=$(free_port)
TLS_PORT=$(free_port) GWTLS_PORT=$(free_port)
# TLS on the client side: a throw-away self-signed certificate for both peers.
TLS_DIR=$WORK/tls
mkdir -p "$TLS_DIR"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" -days 2 \
  -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1

# nginx_conf DIR SERVER-BLOCKS... (bench/lib/nginx.sh)
source "$LIB/nginx.sh"
# The TLS peer offers TLS 1.3 as proscenium does (nginx before 1.23.4, Debian 12's, offers it
# only when asked): otherwise the two would be measured on different protocols.
nginx_conf "$WORK/peer" "
  upstream backend { server 127.0.0.1:$BACKEND_PORT; keepalive 128; }
  server { listen 127.0.0.1:$FIXED_PORT;
           location / { default_type application/json; return 200 '{\"ok\":true}'; } }
  server { listen 127.0.0.1:$PROXY_PORT;
           location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }
  server { listen 127.0.0.1:$TLS_PORT ssl; ssl_certificate $TLS_DIR/cert.pem; ssl_certificate_key $TLS_DIR/key.pem;
           ssl_protocols TLSv1.2 TLSv1.3;
           location / { default_type application/json; return 200 '{\"ok\":true}'; } }"
nginx_conf "$WORK/backend" "
  server { listen 127.0.0.1:$BACKEND_PORT;
           location / { default_type application/json; return 200 '{\"ok\":true}'; } }
  server { listen 127.0.0.1:$LAMBDA_PORT;
           location = /2015-03-31/functions/bench/invocations {
             default_type application/json; return 200 '{\"statusCode\":200,\"body\":\"ok\"}'; } }
  server { listen 127.0.0.1:$STATUS_PORT; location / { stub_status; } }"
for n in peer backend; do
  taskset -c "$SERVER_CPU" "$NGINX" -p "$WORK/$n" -c "$WORK/$n/nginx.conf" -e "$WORK/$n/error.log" \
    -g 'daemon off;' &
  PIDS+=($!)
  eval "${n^^}_PID=$!"
done

DATA=$(mktemp -d "$( [ -d /dev/shm ] && echo /dev/shm || echo /tmp )/proscenium-bench-data.XXXXXX")
taskset -c "$SERVER_CPU" "$BIN" serve --listen "127.0.0.1:$GW_PORT" --data-dir "$DATA" \
  --lambda-endpoint "http://127.0.0.1:$LAMBDA_PORT" > "$WORK/proscenium.log" 2>&1 &
GW_PID=$!
PIDS+=("$GW_PID")
# The TLS scenario's proscenium: the same binary serving HTTPS on its own port and data dir.
taskset -c "$SERVER_CPU" "$BIN" serve --listen "127.0.0.1:$GWTLS_PORT" --data-dir "$DATA/tls" \
  --tls-cert "$TLS_DIR/cert.pem" --tls-key "$TLS_DIR/key.pem" > "$WORK/proscenium-tls.log" 2>&1 &
GWTLS_PID=$!
PIDS+=("$GWTLS_PID")

wait_http() {  # URL: bounded wait for any HTTP answer
  for _ in $(seq 1 300); do
    python3 -c 'import sys, urllib.request as u
try: u.urlopen(sys.argv[1], timeout=0.2)
except u.HTTPError: pass' "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "not answering: $1" >&2; exit 1
}
wait_http "http://127.0.0.1:$FIXED_PORT/"
wait_http "http://127.0.0.1:$PROXY_PORT/"
wait_http "http://127.0.0.1:$LAMBDA_PORT/"
wait_http "http://127.0.0.1:$GW_PORT/_proscenium/health"
for _ in $(seq 1 300); do  # the TLS instance, verified against its certificate
  python3 -c 'import ssl, sys, urllib.request as u
u.urlopen(sys.argv[1], timeout=0.5, context=ssl.create_default_context(cafile=sys.argv[2]))' \
    "https://127.0.0.1:$GWTLS_PORT/_proscenium/health" "$TLS_DIR/cert.pem" 2>/dev/null && break
  sleep 0.1
done
say "nginx peer :$FIXED_PORT (fixed) :$PROXY_PORT (proxy_pass); backend :$BACKEND_PORT; fake Lambda :$LAMBDA_PORT; proscenium :$GW_PORT"

# ---- machine -----------------------------------------------------------------------------------
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
  if [ "$BUILD" = 1 ]; then
    echo "proscenium: built from $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)$(cd "$ROOT" && git diff --quiet HEAD -- crates 2>/dev/null || echo ' + uncommitted changes in crates/')$PGO_NOTE"
  else
    echo "proscenium: prebuilt $BIN ($(date -u -r "$BIN" +%Y-%m-%dT%H:%MZ)); repository at $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null)"
  fi
  echo "nginx: $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'); wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "layout ($LAYOUT): servers on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU; nginx $NGINX_WORKERS worker(s), wrk $WRK_THREADS thread(s); $CONNS connections; ${DURATION} s per measurement"
} | tee "$OUT/machine.txt" >&2

# ---- load phases -------------------------------------------------------------------------------
status=0
if has_phase saturation || has_phase fixed; then
  say "creating the benchmark APIs"
  python3 "$LIB/setup_apis.py" --port "$GW_PORT" --backend-port "$BACKEND_PORT" --resources "$RESOURCES" \
    --tls-port "$GWTLS_PORT" --tls-ca "$TLS_DIR/cert.pem" > "$OUT/apis.json" 2> >(tee "$OUT/setup.log" >&2)
  only=()
  has_phase saturation && only+=(saturation)
  has_phase fixed && only+=(fixed)
  fixed_args=()
  has_phase fixed && fixed_args=(--fixed-rate "$FIXED_RATE" --fixed-rounds "$FIXED_ROUNDS" --slice-ms "$SLICE_MS")
  smoke_args=()
  [ "$SMOKE" = 1 ] && smoke_args=(--smoke --warmup 0 --retries 0)
  taskset -c "$LOAD_CPU" python3 "$LIB/drive.py" --apis "$OUT/apis.json" --port "$GW_PORT" \
    --nginx-fixed "http://127.0.0.1:$FIXED_PORT/" --nginx-proxy "http://127.0.0.1:$PROXY_PORT/" \
    --nginx-tls "https://127.0.0.1:$TLS_PORT/" \
    --backend-status "http://127.0.0.1:$STATUS_PORT/" --pids "proscenium=$GW_PID,proscenium-tls=$GWTLS_PID,nginx=$PEER_PID,backend=$BACKEND_PID" \
    --duration "$DURATION" --rounds "$ROUNDS" --retries "$RETRIES" --conns "$CONNS" --load-cpu "$LOAD_CPU" --threads "$WRK_THREADS" \
    --groups "$GROUPS_" --only "$(IFS=,; echo "${only[*]}")" --out "$OUT" "${fixed_args[@]}" "${smoke_args[@]}" || status=$?
fi
kill "$GW_PID" "$GWTLS_PID" 2>/dev/null || true

if has_phase memory; then
  say "memory"
  python3 "$LIB/memory.py" --bin "$BIN" --cpu "$SERVER_CPU" \
    --nginx-pids "$PEER_PID,$(cat /proc/"$PEER_PID"/task/*/children | tr ' ' ',')" | tee "$OUT/memory.md"
fi

if has_phase startup; then
  say "startup time"
  PY=""
  for cand in "$ROOT/.venv/bin/python" /tmp/venv/bin/python; do
    if [ -x "$cand" ] && "$cand" -c 'import boto3' 2>/dev/null; then PY=$cand; break; fi
  done
  if [ -z "$PY" ]; then
    say "creating $ROOT/.venv for boto3 (tests/e2e/requirements.txt)"
    python3 -m venv "$ROOT/.venv" && "$ROOT/.venv/bin/pip" install -q -r "$ROOT/tests/e2e/requirements.txt"
    PY=$ROOT/.venv/bin/python
  fi
  taskset -c "$SERVER_CPU" "$PY" "$ROOT/bench/startup.py" --bin "$BIN" --runs 7 | tee "$OUT/startup.txt"
fi

if has_phase callgrind; then
  say "callgrind (a few minutes: valgrind runs the server ~50x slower)"
  python3 "$LIB/callgrind.py" --bin "$BIN" --backend-port "$BACKEND_PORT" --lambda-port "$LAMBDA_PORT" --cpu "$SERVER_CPU" \
    --out "$OUT/callgrind" | tee "$OUT/callgrind.md"
fi

echo "results in $OUT" >&2
if [ "$SMOKE" = 1 ]; then
  if [ "$status" = 0 ] && [ -f "$OUT/smoke.ok" ]; then
    echo "bench-smoke: $(cat "$OUT/smoke.ok") passed, 0 failed"
  else
    exit 1
  fi
fi
exit "$status"
