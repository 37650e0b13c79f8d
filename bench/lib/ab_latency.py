#!/usr/bin/env python3
"""Two builds of proscenium side by side at a fixed rate: each serves the MOCK method on CPU 0
with one worker, and `proscenium-loadgen` on CPU 1 calls both in one run (alternating 10 ms
slices, --rate requests a second to each during its slices), round after round, the order of
the two swapped every round. Prints each round's p99 and p99.9 from sending, the median of the
per-round p99 ratios new/old, and the pooled percentiles of all rounds (what a change does to
the tail, with the host's stalls falling on both builds alike).

    .venv/bin/python bench/lib/ab_latency.py --old OLD_BIN --new NEW_BIN \\
        --loadgen target/release/proscenium-loadgen [--rounds 16] [--seconds 10] [--rate 5000]
"""
import argparse
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import access  # noqa: E402
from fixed import percentile, run_loadgen  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", required=True)
    ap.add_argument("--new", required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--rounds", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=int, default=5000)
    a = ap.parse_args()
    urls, procs = {}, []
    try:
        for name, binary in (("old", a.old), ("new", a.new)):
            p, port = access.serve(binary, "http://127.0.0.1:9", "--workers", "1")
            procs.append(p)
            api_id = access.api(access.client_when_ready(port), "NONE")
            urls[name] = f"http://127.0.0.1:{port}/restapis/{api_id}/dev/_user_request_/pets"
        ratios, pooled = [], {"old": [], "new": []}
        for r in range(a.rounds):
            order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
            run = run_loadgen(a.loadgen, [{"name": n, "url": urls[n]} for n in order], a.seconds,
                              64, "1", a.rate, 10, 1)
            latencies = {n: [] for n in order}
            for s in run["slices"]:
                latencies[order[s["target"]]] += s["service_ns"]
            for n in order:
                latencies[n].sort()
            p99 = {n: percentile(latencies[n], 99) for n in order}
            p999 = {n: percentile(latencies[n], 99.9) for n in order}
            for n in order:
                pooled[n] += latencies[n]
            ratios.append(p99["new"] / p99["old"])
            print(f"round {r + 1}: p99 old {p99['old']:.0f} µs, new {p99['new']:.0f} µs, ratio "
                  f"{ratios[-1]:.3f}; p99.9 old {p999['old']:.0f} µs, new {p999['new']:.0f} µs", flush=True)
    finally:
        for p in procs:
            p.terminate()
    print(f"p99 ratio new/old, median of {len(ratios)} rounds: {statistics.median(ratios):.3f} "
          f"(rounds with new ≤ old: {sum(x <= 1 for x in ratios)})")
    for n in pooled:
        pooled[n].sort()
    for q in (50, 90, 99, 99.9):
        print(f"pooled p{q:g}: old {percentile(pooled['old'], q):.0f} µs, "
              f"new {percentile(pooled['new'], q):.0f} µs")


if __name__ == "__main__":
    main()
