"""Pools the fixed-rate phase's rounds of several runs: `python3 bench/lib/pool.py DIR|FILE …`.

Each argument is a results directory of `bench/run.sh --phases fixed` (or its
`fixed-histograms.json`). Every round of every run is a pair (the same seconds, in slices, for
both targets), so pooling runs is pooling pairs: for each target that has a reference (its `vs`
in the run's targets; here by name: `mock` against `nginx-fixed`, `proxy` against
`nginx-proxy`), it prints the rounds, the pooled p50 / p90 / p99 / p99.9 from sending of both,
the pooled p99 ratio with a 90 % bootstrap interval over the rounds, and how many rounds had a
p99 ratio at or below 1. A run that lacks one side of a pair is refused, not half pooled.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixed import hist_percentile, pooled_ratio_interval, summed  # noqa: E402

PAIRS = [("mock@fixed", "mock", "nginx-fixed"), ("proxy@fixed", "proxy", "nginx-proxy")]


def load(path):
    if os.path.isdir(path):
        path = os.path.join(path, "fixed-histograms.json")
    with open(path) as f:
        return path, json.load(f)


def pool(runs):
    """runs: [(name, {"group/target": {"sent": [hist per round], …}})] → report lines."""
    lines = ["| pair | runs | rounds | pooled p50 / p90 / p99 / p99.9 µs | reference's | "
             "pooled p99 ratio [90 % interval] | rounds with p99 ratio ≤ 1 |",
             "|---|---|---|---|---|---|---|"]
    for group, target, ref in PAIRS:
        mine, theirs, used = [], [], 0
        for name, data in runs:
            a, b = data.get(f"{group}/{target}"), data.get(f"{group}/{ref}")
            if a is None and b is None:
                continue
            if a is None or b is None or len(a["sent"]) != len(b["sent"]):
                raise SystemExit(f"{name}: {group} lacks rounds of {target} or {ref}; not pooled")
            mine += a["sent"]
            theirs += b["sent"]
            used += 1
        if not mine:
            continue
        ta, tb = summed(mine), summed(theirs)
        qa = " / ".join(str(hist_percentile(ta, q)) for q in (50, 90, 99, 99.9))
        qb = " / ".join(str(hist_percentile(tb, q)) for q in (50, 90, 99, 99.9))
        ratio = hist_percentile(ta, 99) / hist_percentile(tb, 99)
        iv = pooled_ratio_interval(mine, theirs) if len(mine) >= 5 else None
        below = sum(1 for x, y in zip(mine, theirs) if hist_percentile(x, 99) <= hist_percentile(y, 99))
        lines.append(f"| {target} vs {ref} | {used} | {len(mine)} | {qa} | {qb} | {ratio:.3f}"
                     + (f" [{iv[0]:.3f}–{iv[1]:.3f}]" if iv else "") + f" | {below}/{len(mine)} |")
    if len(lines) == 2:
        raise SystemExit("no fixed-rate rounds of a pair in these runs")
    return lines


def main(argv):
    if not argv:
        raise SystemExit(__doc__.strip().splitlines()[0])
    runs = [load(p) for p in argv]
    names = [os.path.realpath(name) for name, _ in runs]
    if len(set(names)) != len(names):
        raise SystemExit("a run named twice would count its rounds twice; not pooled")
    print("\n".join(pool(runs)))


if __name__ == "__main__":
    main(sys.argv[1:])
