"""The fixed-rate phase of bench/run.sh: latency at a fixed offered load, a pair at a time.

Each round is one run of `proscenium-loadgen` (bench/loadgen) with both targets of a pair: every
target gets the rate during its slices, and the slices (10 ms by default) alternate A B B A …,
so the stalls of this shared machine, which last from a few to a few hundred milliseconds, fall
on both targets alike on average instead of on whichever ran that round. Two latencies per 2xx
answer (other answers are counted, not timed):
- from sending: from just before the request is written to its answer's last byte: what the
  server adds, with the loopback's delivery and the generator's polling (and any stall of its
  CPU while the request is in flight). The goal of issue 22 compares its p99.
- from due: from when the request was due, which also counts the generator's own stalls
  before it could send (the open-loop, coordinated-omission-free figure).
Per round: each target's percentiles, CPU per request (the servers are separate processes) and
the CPU other processes used ("foreign"); across rounds: the median of the per-round p99
ratios with their spread, and the p99 of all rounds' requests pooled, with a 90 % interval
from resampling whole rounds (bootstrap): how far the pooled ratio would move had other rounds
of the same kind been measured.
"""
import json
import os
import random
import subprocess
import time

import procstat
from rounds import NOISE_PCT, fmt, log, med, paired


def rank(n, q):
    """The nearest rank of percentile q (99.9 allowed) among n values, in integers (floats put
    p99.9 of 1 000 values at the last one)."""
    return min(n, max(1, -(-n * round(q * 10) // 1000)))


def percentile(sorted_ns, q):
    """Nearest rank, in µs."""
    if not sorted_ns:
        return None
    return sorted_ns[rank(len(sorted_ns), q) - 1] / 1e3


# Histogram bins of latencies: 1 µs wide to 2 ms, 10 µs to 20 ms, 100 µs to 200 ms, one beyond.
NBINS = 5601


def _bin(ns):
    us = ns // 1000
    if us < 2000:
        return us
    if us < 20000:
        return 2000 + (us - 2000) // 10
    if us < 200000:
        return 3800 + (us - 20000) // 100
    return NBINS - 1


def _bin_us(b):
    # The upper edge of bin b, in µs.
    if b < 2000:
        return b + 1
    if b < 3800:
        return 2000 + (b - 2000 + 1) * 10
    if b < NBINS - 1:
        return 20000 + (b - 3800 + 1) * 100
    return float("inf")


def histogram(ns_values):
    h = [0] * NBINS
    for v in ns_values:
        h[_bin(v)] += 1
    return h


def summed(hists):
    total = [0] * NBINS
    for h in hists:
        for j, c in enumerate(h):
            if c:
                total[j] += c
    return total


def hist_percentile(h, q):
    n = sum(h)
    if n == 0:
        return None
    r = rank(n, q)
    acc = 0
    for b, c in enumerate(h):
        acc += c
        if acc >= r:
            return _bin_us(b)
    return None


def pooled_ratio_interval(mine, theirs, q=99, resamples=200, seed=1):
    # The 5th and 95th percentiles of the pooled p99 ratio over rounds drawn with replacement
    # (the same rounds for both targets: a round is a pair).
    rng = random.Random(seed)
    n = len(mine)
    ratios = []
    for _ in range(resamples):
        pick = [rng.randrange(n) for _ in range(n)]
        pa = hist_percentile(summed(mine[i] for i in pick), q)
        pb = hist_percentile(summed(theirs[i] for i in pick), q)
        if pa and pb:
            ratios.append(pa / pb)
    ratios.sort()
    if not ratios:
        return None
    return ratios[int(0.05 * (len(ratios) - 1))], ratios[int(0.95 * (len(ratios) - 1))]


def run_loadgen(binary, targets, secs, conns, cpu, rate, slice_ms, warmup):
    cmd = ["taskset", "-c", cpu, binary, "--rate", str(rate), "--conns", str(conns),
           "--seconds", f"{secs:g}", "--slice-ms", f"{slice_ms:g}", "--warmup", f"{warmup:g}"]
    cmd += [f"{t['name']}={t['url']}" for t in targets]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + warmup * len(targets) + 60)
    if p.returncode != 0:
        raise RuntimeError(f"proscenium-loadgen exited {p.returncode}: {p.stderr[-800:]}")
    return json.loads(p.stdout)


def measure_round(binary, pair, a, servers, rate, slice_ms):
    ours = [p for pids in servers.values() for p in pids]
    with procstat.Window(ours) as w:
        t0 = time.time()
        d = run_loadgen(binary, pair, a.duration, a.conns, a.load_cpu, rate, slice_ms, a.warmup)
        wall = time.time() - t0
    foreign, top = w.foreign(wall)
    out = []
    for i, t in enumerate(pair):
        tally = d["targets"][i]
        due = sorted(x for s in d["slices"] if s["target"] == i for x in s["ns"])
        sent = sorted(x for s in d["slices"] if s["target"] == i for x in s["service_ns"])
        n = max(tally["requests"], 1)
        # The servers' CPU over the whole run, warm-up included: divided by every request sent.
        total = n + round(a.warmup * rate)
        r = {"target": t["name"], "requests": tally["requests"], "non2xx": tally["non2xx"],
             "sockerr": tally["errors"], "first_error": tally["first_error"],
             # the target's share of the round (it got the full rate during its slices)
             "rps": tally["requests"] / a.duration,
             "p50": percentile(sent, 50), "p99": percentile(sent, 99), "p999": percentile(sent, 99.9),
             "due_p50": percentile(due, 50), "due_p99": percentile(due, 99),
             "due_p999": percentile(due, 99.9),
             "cpu_us": w.delta(servers[t["server"]]) / procstat.TCK * 1e6 / total,
             "foreign": foreign, "top_foreign": top, "_sent": sent, "_due": due}
        out.append(r)
    return out


def run_group(binary, name, pair, a, servers, rounds, results, pooled, rate, slice_ms):
    log(f"== group {name}: {pair[0]['name']} and {pair[1]['name']} interleaved in {slice_ms:g} ms "
        f"slices, {rate} rps during each one's slices; {rounds} round(s) of {a.duration:g} s (proscenium-loadgen)")
    for rnd in range(1, rounds + 1):
        best = None
        for attempt in range(a.retries + 1):
            rs = measure_round(binary, pair, a, servers, rate, slice_ms)
            if best is None or rs[0]["foreign"] < best[0]["foreign"]:
                best = rs
            if rs[0]["foreign"] <= NOISE_PCT:
                break
            log(f"    noisy ({rs[0]['foreign']:.1f} % of a core, top {rs[0]['top_foreign']}), "
                + ("retrying" if attempt < a.retries else "keeping it flagged"))
        for r in best:
            # Per round, for the pooled figures: histograms (1 µs bins below 2 ms).
            pooled.setdefault((name, r["target"]), {"sent": [], "due": []})
            pooled[(name, r["target"])]["sent"].append(histogram(r.pop("_sent")))
            pooled[(name, r["target"])]["due"].append(histogram(r.pop("_due")))
            r.update(group=name, round=rnd, attempts=attempt + 1)
            results.append(r)
            log(f"  r{rnd} {r['target']:<12} from sending p50={fmt(r['p50'])}us p99={fmt(r['p99'])}us "
                f"p99.9={fmt(r['p999'])}us; from due p99={fmt(r['due_p99'])}us; non2xx={r['non2xx']} "
                f"errors={r['sockerr']} cpu={r['cpu_us']:.2f}us/req foreign={r['foreign']:.1f}%")


def table(results, pooled, groups) -> str:
    head = ("| group | target | vs | p50 µs | p99 µs | p99.9 µs | p99 from due µs | "
            "pooled p50 / p90 / p99 / p99.9 µs | errors | server CPU µs/req | p99 ratio (paired, median) | "
            "per-round ratios | p99 ratio, all rounds pooled [90 % interval] | p99 from due ratio (median) | "
            "CPU/req ratio | noisy rounds |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for g in groups:
        for t in g["targets"]:
            rs = [r for r in results if r["group"] == g["name"] and r["target"] == t["name"]]
            if not rs:
                continue
            ref = t.get("vs")
            pr = paired(results, g["name"], t["name"], ref, "p99") if ref else []
            dr = paired(results, g["name"], t["name"], ref, "due_p99") if ref else []
            cr = paired(results, g["name"], t["name"], ref, "cpu_us") if ref else []
            mine, theirs = pooled.get((g["name"], t["name"])), pooled.get((g["name"], ref))
            total = summed(mine["sent"]) if mine else None
            quantiles = " / ".join(fmt(hist_percentile(total, q)) for q in (50, 90, 99, 99.9)) if total else "—"
            pooled_text = "—"
            if mine and theirs:
                p_mine, p_theirs = hist_percentile(total, 99), hist_percentile(summed(theirs["sent"]), 99)
                if p_mine and p_theirs:
                    # The interval only from 5 rounds on: fewer say little about the spread.
                    iv = pooled_ratio_interval(mine["sent"], theirs["sent"]) if len(mine["sent"]) >= 5 else None
                    pooled_text = f"{p_mine / p_theirs:.3f}" + (f" [{iv[0]:.3f}–{iv[1]:.3f}]" if iv else "")
            errs = sum(r["sockerr"] + r["non2xx"] for r in rs)
            noisy = sum(1 for r in rs if r["foreign"] > NOISE_PCT)
            lines.append("| " + " | ".join([
                g["name"], t["name"], ref or "—",
                fmt(med([r["p50"] for r in rs])), fmt(med([r["p99"] for r in rs])),
                fmt(med([r["p999"] for r in rs])), fmt(med([r["due_p99"] for r in rs])), quantiles, str(errs),
                fmt(med([r["cpu_us"] for r in rs]), "{:.2f}"),
                fmt(med(pr), "{:.3f}") if pr else "—",
                " ".join(f"{x:.3f}" for x in pr) if pr else "—",
                pooled_text,
                fmt(med(dr), "{:.3f}") if dr else "—",
                fmt(med(cr), "{:.3f}") if cr else "—",
                f"{noisy}/{len(rs)}"]) + " |")
    return "\n".join(lines)


def loadgen_binary():
    b = os.environ.get("LOADGEN_BIN")
    if not b or not os.access(b, os.X_OK):
        raise RuntimeError("LOADGEN_BIN must name the proscenium-loadgen binary (bench/run.sh builds it)")
    return b
