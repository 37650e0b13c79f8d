"""What the saturation phase (drive.py) and the fixed-rate phase (fixed.py) share: logging,
medians and cells that tolerate missing values, and ratios paired by round."""
import statistics
import sys

# A measurement during which other processes used more than this (% of one core) is noisy.
NOISE_PCT = 5.0


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt(v, spec="{:.0f}"):
    return "–" if v is None else spec.format(v)


def paired(results, group, name, ref, key="rps"):
    """Per round of `group`, target `name`'s `key` divided by target `ref`'s in the same round."""
    by = {(r["target"], r["round"]): r for r in results if r["group"] == group}
    out = []
    for (tn, rnd), r in sorted(by.items(), key=lambda kv: kv[0][1]):
        b = by.get((ref, rnd))
        if tn == name and b and b.get(key) and r.get(key) is not None:
            out.append(r[key] / b[key])
    return out
