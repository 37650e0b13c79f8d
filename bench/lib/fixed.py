"""The fixed-rate phase of bench/run.sh: latency at a fixed offered load, a pair at a time.

Each round is one run of `proscenium-loadgen` (bench/loadgen) with both targets of a pair: every
target gets the rate during its slices, and the slices (10 ms by default) alternate A B B A …,
so a stall of this shared machine, which lasts from a few to a few hundred milliseconds, falls
on both targets alike instead of on whichever ran that round. Two latencies per request:
- from sending: from the request's write to its answer's last byte. This is what the server
  adds (plus loopback); the goal of issue 22 compares its p99.
- from due: from when the request was due, which also counts the generator's own stalls
  before it could send (the open-loop, coordinated-omission-free figure).
Per round: each target's percentiles, CPU per request (the servers are separate processes) and
the CPU other processes used ("foreign"); across rounds: the median of the per-round p99
ratios with their spread, and the p99 of all rounds' requests pooled.
"""
import json
import os
import statistics
import subprocess

import procstat

NOISE_PCT = 5.0


def log(*a):
    import sys
    print(*a, file=sys.stderr, flush=True)


def percentile(sorted_ns, q):
    """Nearest rank, in µs."""
    if not sorted_ns:
        return None
    i = min(len(sorted_ns), max(1, -(-len(sorted_ns) * q // 100)))
    return sorted_ns[int(i) - 1] / 1e3


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
        import time
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
        f"slices, {rate} rps each; {rounds} round(s) of {a.duration:g} s (proscenium-loadgen)")
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
            pooled.setdefault((name, r["target"]), {"sent": [], "due": []})
            pooled[(name, r["target"])]["sent"] += r.pop("_sent")
            pooled[(name, r["target"])]["due"] += r.pop("_due")
            r.update(group=name, round=rnd, attempts=attempt + 1)
            results.append(r)
            log(f"  r{rnd} {r['target']:<12} from sending p50={r['p50']:.0f}us p99={r['p99']:.0f}us "
                f"p99.9={r['p999']:.0f}us; from due p99={r['due_p99']:.0f}us; non2xx={r['non2xx']} "
                f"errors={r['sockerr']} cpu={r['cpu_us']:.2f}us/req foreign={r['foreign']:.1f}%")


def paired(results, group, name, ref, key):
    by = {(r["target"], r["round"]): r for r in results if r["group"] == group}
    out = []
    for (tn, rnd), r in sorted(by.items(), key=lambda kv: kv[0][1]):
        b = by.get((ref, rnd))
        if tn == name and b and b.get(key) and r.get(key) is not None:
            out.append(r[key] / b[key])
    return out


def fmt(v, spec="{:.0f}"):
    return "–" if v is None else spec.format(v)


def table(results, pooled, groups) -> str:
    head = ("| group | target | vs | p50 µs | p99 µs | p99.9 µs | p99 from due µs | errors | "
            "server CPU µs/req | p99 ratio (paired, median) | per-round ratios | p99 ratio, all rounds pooled | "
            "p99 from due ratio (median) | CPU/req ratio | noisy rounds |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    med = lambda xs: statistics.median(xs) if xs else None  # noqa: E731
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
            pooled_ratio = None
            if mine and theirs and mine["sent"] and theirs["sent"]:
                pooled_ratio = percentile(sorted(mine["sent"]), 99) / percentile(sorted(theirs["sent"]), 99)
            errs = sum(r["sockerr"] + r["non2xx"] for r in rs)
            noisy = sum(1 for r in rs if r["foreign"] > NOISE_PCT)
            lines.append("| " + " | ".join([
                g["name"], t["name"], ref or "—",
                fmt(med([r["p50"] for r in rs])), fmt(med([r["p99"] for r in rs])),
                fmt(med([r["p999"] for r in rs])), fmt(med([r["due_p99"] for r in rs])), str(errs),
                fmt(med([r["cpu_us"] for r in rs]), "{:.2f}"),
                fmt(med(pr), "{:.3f}") if pr else "—",
                " ".join(f"{x:.3f}" for x in pr) if pr else "—",
                fmt(pooled_ratio, "{:.3f}") if ref else "—",
                fmt(med(dr), "{:.3f}") if dr else "—",
                fmt(med(cr), "{:.3f}") if cr else "—",
                f"{noisy}/{len(rs)}"]) + " |")
    return "\n".join(lines)


def loadgen_binary():
    b = os.environ.get("LOADGEN_BIN")
    if not b or not os.access(b, os.X_OK):
        raise RuntimeError("LOADGEN_BIN must name the proscenium-loadgen binary (bench/run.sh builds it)")
    return b
