#!/usr/bin/env bash
# A MOCK request through a custom domain name with 3 base path mappings against the same
# request at its default invoke URL (issue 17: ≥ 0.97 ×), interleaved, the order reversed
# every round. Usage: bench/custom_domain.sh [BIN] [ROUNDS]  (BIN: target/release/proscenium)
# Needs wrk, openssl and the repository's .venv (boto3). Server on CPU 0, wrk on CPU 1.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$ROOT/target/release/proscenium}
ROUNDS=${2:-10}
WORK=$(mktemp -d /tmp/proscenium-domain-bench.XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
  -subj "/CN=api.example.com" -addext "subjectAltName=DNS:api.example.com" 2>/dev/null
taskset -c 0 "$BIN" serve --listen "127.0.0.1:$PORT" --data-dir "$WORK/data" --workers 1 \
  --account-rate-limit 10000000 --account-burst-limit 5000000 > "$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/_proscenium/health" >/dev/null && break; sleep 0.1; done
API=$("$ROOT/.venv/bin/python" "$ROOT/bench/lib/domain_setup.py" "$PORT" "$WORK")
rps() { taskset -c 1 wrk -t1 -c32 -d5s -H "Host: $1" "http://127.0.0.1:$PORT$2" | awk '/Requests\/sec/ {print $2}'; }
ratios=()
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then i=$(rps "$API.execute-api.localhost" /prod/); d=$(rps api.example.com /shop)
  else d=$(rps api.example.com /shop); i=$(rps "$API.execute-api.localhost" /prod/); fi
  ratio=$(python3 -c "print(f'{$d/$i:.3f}')")
  ratios+=("$ratio")
  echo "round $r: invoke URL $i rps, custom domain $d rps, ratio $ratio"
done
python3 -c "import statistics,sys; r=[float(x) for x in sys.argv[1:]]; print(f'custom domain / invoke URL: median {statistics.median(r):.3f} of {len(r)} rounds ({min(r):.3f}–{max(r):.3f})')" "${ratios[@]}"
