#!/usr/bin/env python3
"""Interleaved load measurements for bench/run.sh (run it pinned to the load-generator core).

Every group has a baseline (the peer). Each round runs every target of a group once, in an order
rotated by one each round, so drift of a shared machine hits all targets alike; ratios are paired
per round (target / baseline measured minutes apart at most) and the median of them is reported.
Per measurement it records the server's CPU time per request (/proc/PID/stat utime+stime delta
divided by requests) and the CPU other processes used meanwhile ("foreign", % of one core); a
measurement with foreign > 5 % is repeated (--retries), then kept and flagged as noisy.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import fixed  # noqa: E402
import procstat  # noqa: E402
from mgmt import Mgmt  # noqa: E402
from rounds import NOISE_PCT, fmt, log, med, paired  # noqa: E402


def us(v: str) -> float:
    num = float(re.match(r"[\d.]+", v).group())
    for suffix, f in (("us", 1), ("ms", 1e3), ("s", 1e6), ("m", 6e7)):
        if v.endswith(suffix):
            return num * f
    return num


WRK_THREADS = 1  # --threads


def run_wrk(url: str, secs: float, conns: int, cpu: str, headers: tuple = ()) -> dict:
    extra = [arg for h in headers for arg in ("-H", h)]
    cmd = ["taskset", "-c", cpu, "wrk", f"-t{WRK_THREADS}", f"-c{conns}", f"-d{secs:g}s", "--latency",
           *extra, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=secs + 20).stdout
    r = {"requests": 0, "rps": 0.0, "p50": None, "p99": None, "non2xx": 0, "sockerr": 0, "raw": out}
    for line in out.splitlines():
        s = line.split()
        if "requests in" in line:
            r["requests"] = int(s[0])
        elif line.startswith("Requests/sec:"):
            r["rps"] = float(s[1])
        elif re.match(r"^\s+50(\.0+)?%", line):
            r["p50"] = us(s[1])
        elif re.match(r"^\s+99(\.0+)?%", line):
            r["p99"] = us(s[1])
        elif "Non-2xx or 3xx responses:" in line:
            r["non2xx"] = int(s[-1])
        elif "Socket errors:" in line:
            r["sockerr"] = sum(int(x) for x in re.findall(r"\d+", line))
    return r


class Churn(threading.Thread):
    """Every 100 ms: a new deployment of the stage, or a rollback to the previous one
    (alternating), for a bounded time; counts the operations and their failures."""

    def __init__(self, port: int, api: str, secs: float):
        super().__init__(daemon=True)
        self.m, self.api, self.secs = Mgmt(port), api, secs
        self.ops = self.failed = 0

    def run(self):
        end = time.time() + self.secs
        prev = cur = None
        while time.time() < end:
            t = time.time()
            try:
                if prev is not None and self.ops % 2 == 1:
                    self.m.patch_stage(self.api, [{"op": "replace", "path": "/deploymentId", "value": prev}])
                    prev, cur = cur, prev
                else:
                    new = self.m.deploy(self.api)
                    prev, cur = cur, new
                self.ops += 1
            except Exception as e:  # noqa: BLE001 - counted and reported
                self.failed += 1
                log(f"    churn: {e}")
            time.sleep(max(0.0, 0.1 - (time.time() - t)))


class RssSampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def run(self):
        while not self.stop.wait(0.25):
            self.peak = max(self.peak, procstat.rss_kib(self.pid))


def backend_accepts(url: str) -> int:
    """Connections the backend nginx has accepted so far (stub_status); this read is one of them."""
    import urllib.request
    with urllib.request.urlopen(url, timeout=5) as r:
        return int(r.read().decode().splitlines()[2].split()[0])


def measure(t: dict, a, servers: dict) -> dict:
    secs = a.duration
    ours = [p for pids in servers.values() for p in pids]
    churn = Churn(a.port, t["api"], secs) if t.get("churn") else None
    sampler = RssSampler(servers["proscenium"][0]) if t["server"] == "proscenium" else None
    acc0 = backend_accepts(a.backend_status) if t.get("backend") else None
    us0 = procstat.user_sys(servers[t["server"]])
    with procstat.Window(ours) as w:
        t0 = time.time()
        if churn:
            churn.start()
        if sampler:
            sampler.start()
        r = run_wrk(t["url"], secs, a.conns, a.load_cpu, t.get("headers", ()))
        if churn:
            churn.join(timeout=5)
        if sampler:
            sampler.stop.set()
        wall = time.time() - t0
    r["foreign"], r["top_foreign"] = w.foreign(wall)
    r["backend_conns"] = backend_accepts(a.backend_status) - acc0 - 1 if acc0 is not None else None
    n = max(r["requests"], 1)
    us1 = procstat.user_sys(servers[t["server"]])
    r["cpu_us"] = w.delta(servers[t["server"]]) / procstat.TCK * 1e6 / n
    r["user_us"], r["sys_us"] = ((us1[i] - us0[i]) / procstat.TCK * 1e6 / n for i in (0, 1))
    r["backend_us"] = w.delta(servers["backend"]) / procstat.TCK * 1e6 / n if t.get("backend") else None
    r["rss_peak_kib"] = sampler.peak if sampler else None
    if churn:
        r["churn_ops"], r["churn_failed"] = churn.ops, churn.failed
    r.pop("raw", None)
    return r


def run_group(name: str, targets: list, a, servers, rounds: int, results: list):
    log(f"== group {name}: {', '.join(t['name'] for t in targets)}; {rounds} round(s) of "
        f"{a.duration:g} s (wrk, saturation)")
    if a.warmup > 0:
        for t in targets:
            run_wrk(t["url"], a.warmup, a.conns, a.load_cpu, t.get("headers", ()))
    n = len(targets)
    for rnd in range(1, rounds + 1):
        for j in range(n):
            t = targets[(j + rnd - 1) % n]
            best = None
            for attempt in range(a.retries + 1):
                r = measure(t, a, servers)
                if best is None or r["foreign"] < best["foreign"]:
                    best = r
                if r["foreign"] <= NOISE_PCT:
                    break
                log(f"    noisy ({r['foreign']:.1f} % of a core, top {r['top_foreign']}), "
                    + ("retrying" if attempt < a.retries else "keeping it flagged"))
            best.update(group=name, round=rnd, order=j + 1, target=t["name"], attempts=attempt + 1)
            results.append(best)
            with open(os.path.join(a.out, f"partial-{name}.json"), "w") as f:  # survives an interrupted run
                json.dump(results, f, indent=1)
            log(f"  r{rnd} {t['name']:<16} rps={best['rps']:>9.0f} p50={fmt(best['p50'])}us "
                f"p99={fmt(best['p99'])}us non2xx={best['non2xx']} sockerr={best['sockerr']} "
                f"cpu={best['cpu_us']:.2f}us/req"
                + (f" backend={best['backend_us']:.2f}us/req,{best['backend_conns']}conns" if best.get("backend_us") is not None else "")
                + f" foreign={best['foreign']:.1f}%"
                + (f" churn={best['churn_ops']} ops/{best['churn_failed']} failed" if "churn_ops" in best else ""))


def table(results, groups) -> str:
    head = ("| group | target | vs | RPS (median) | spread | p50 µs | p99 µs | "
            "errors | server CPU µs/req | of it user/sys | server core busy | backend CPU µs/req | backend conns opened | "
            "RPS ratio (paired, median) | per-round ratios | "
            "CPU/req ratio | noisy rounds |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for g in groups:
        for t in g["targets"]:
            rs = [r for r in results if r["group"] == g["name"] and r["target"] == t["name"]]
            if not rs:
                continue
            rps = [r["rps"] for r in rs]
            m = med(rps)
            spread = 100 * (max(rps) - min(rps)) / m if m else 0
            ref = t.get("vs")
            pr = paired(results, g["name"], t["name"], ref, "rps") if ref else []
            cr = paired(results, g["name"], t["name"], ref, "cpu_us") if ref else []
            errs = sum(r["sockerr"] for r in rs) + (0 if t.get("expect_non2xx") else sum(r["non2xx"] for r in rs))
            errtxt = str(errs)
            if t.get("expect_non2xx"):
                errtxt += f" ({sum(r['non2xx'] for r in rs)} × 429 expected)"
            if t.get("churn"):
                errtxt += f" ({sum(r.get('churn_ops', 0) for r in rs)} redeploys/rollbacks, " \
                          f"{sum(r.get('churn_failed', 0) for r in rs)} failed)"
            noisy = sum(1 for r in rs if r["foreign"] > NOISE_PCT)
            lines.append("| " + " | ".join([
                g["name"], t["name"], ref or "—", f"{m:.0f}", f"{spread:.1f} %",
                fmt(med([r["p50"] for r in rs])), fmt(med([r["p99"] for r in rs])),
                errtxt, fmt(med([r["cpu_us"] for r in rs]), "{:.2f}"),
                fmt(med([r.get("user_us") for r in rs]), "{:.1f}") + " / "
                + fmt(med([r.get("sys_us") for r in rs]), "{:.1f}"),
                fmt(med([r["cpu_us"] * r["rps"] / 1e4 for r in rs]), "{:.0f} %"),
                fmt(med([r["backend_us"] for r in rs]), "{:.2f}"),
                fmt(med([r.get("backend_conns") for r in rs])),
                fmt(med(pr), "{:.3f}") if pr else "—",
                " ".join(f"{x:.3f}" for x in pr) if pr else "—",
                fmt(med(cr), "{:.3f}") if cr else "—",
                f"{noisy}/{len(rs)}"]) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apis", required=True, help="JSON from setup_apis.py")
    ap.add_argument("--port", type=int, required=True, help="proscenium port (management + invoke)")
    ap.add_argument("--nginx-fixed", required=True)
    ap.add_argument("--nginx-tls", help="nginx's fixed 200 over HTTPS (the TLS peer)")
    ap.add_argument("--nginx-proxy", required=True)
    ap.add_argument("--backend-status", required=True, help="stub_status URL of the backend nginx")
    ap.add_argument("--pids", required=True, help="proscenium=PID,nginx=PID,backend=PID (nginx masters)")
    ap.add_argument("--duration", type=float, default=8)
    ap.add_argument("--warmup", type=float, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--retries", type=int, default=2)
    ap.add_argument("--conns", type=int, default=64)
    ap.add_argument("--load-cpu", default="1")
    ap.add_argument("--threads", type=int, default=1, help="wrk threads")
    ap.add_argument("--fixed-rate", type=int, default=0,
                    help="also measure latency at this rate (bench/loadgen, $LOADGEN_BIN)")
    ap.add_argument("--fixed-rounds", type=int, default=3)
    ap.add_argument("--slice-ms", type=float, default=10, help="fixed rate: the targets' alternating slices")
    ap.add_argument("--only", default="", help="comma-separated groups: saturation,fixed")
    ap.add_argument("--groups", default="mock,proxy", help="saturation groups to run")
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()
    global WRK_THREADS
    WRK_THREADS = a.threads

    apis = json.load(open(a.apis))
    feats = apis.get("_features", {})
    pids = dict(kv.split("=") for kv in a.pids.split(","))
    servers = {"proscenium": [int(pids["proscenium"])]}
    if "proscenium-tls" in pids:
        servers["proscenium-tls"] = [int(pids["proscenium-tls"])]
    for k in ("nginx", "backend"):
        servers[k] = [int(pids[k])] + procstat.children(int(pids[k]))

    def T(name, server="proscenium", **kw):
        return {"name": name, "server": server, **kw}

    mock = [T("nginx-fixed", "nginx", url=a.nginx_fixed),
            T("mock", vs="nginx-fixed", **apis["mock"]),
            T("mock-10k", vs="mock", **apis["mock-10k"]),
            T("mock-redeploy", vs="mock", churn=True, **apis["mock-redeploy"])]
    if feats.get("throttling"):
        mock.append(T("mock-429", vs="mock", **apis["mock-429"]))
    proxy = [T("nginx-proxy", "nginx", backend=True, url=a.nginx_proxy),
             T("proxy", vs="nginx-proxy", backend=True, **apis["proxy"]),
             T("http-templates", vs="nginx-proxy", backend=True, **apis["http-templates"]),
             T("lambda-proxy", vs="nginx-proxy", backend=True, **apis["lambda-proxy"])]
    if feats.get("cache"):
        proxy.append(T("proxy-cache-hit", vs="proxy", backend=True, **apis["proxy-cache-hit"]))
    groups = [{"name": "mock", "targets": mock}, {"name": "proxy", "targets": proxy}]
    if a.nginx_tls and "mock-tls" in apis:
        # TLS on the client side: kept-alive HTTPS connections (wrk), the same MOCK answer;
        # then one request a connection (`Connection: close`, both servers close after the
        # answer and wrk reconnects), so requests/s is new TLS connections/s, a handshake
        # each (wrk keeps its last session, so a server that offers resumption gets it).
        close = ("Connection: close",)
        groups.append({"name": "tls", "targets": [
            T("nginx-fixed-tls", "nginx", url=a.nginx_tls),
            T("mock-tls", "proscenium-tls", vs="nginx-fixed-tls", **apis["mock-tls"]),
            T("nginx-tls-handshake", "nginx", url=a.nginx_tls, headers=close),
            T("mock-tls-handshake", "proscenium-tls", vs="nginx-tls-handshake", headers=close,
              **apis["mock-tls"])]})

    log("features: throttling (429 path): " + ("supported" if feats.get("throttling") else
        "not supported yet (a 100-rps stage limit produced no 429) — scenario skipped"))
    log("features: stage cache hit: " + ("supported" if feats.get("cache") else
        "not supported yet (no cache hits counted) — scenario skipped"))

    only = set(a.only.split(",")) if a.only else {"saturation", "fixed"}
    results, fixed_results, pooled = [], [], {}
    os.makedirs(a.out, exist_ok=True)
    if "saturation" in only:
        for g in groups:
            if g["name"] in a.groups.split(","):
                run_group(g["name"], g["targets"], a, servers, 1 if a.smoke else a.rounds, results)
    fixed_groups = []
    if a.fixed_rate and "fixed" in only:
        fixed_groups = [{"name": "mock@fixed", "targets": [mock[0], mock[1]]},
                        {"name": "proxy@fixed", "targets": [proxy[0], proxy[1]]}]
        binary = fixed.loadgen_binary()
        for g in fixed_groups:
            fixed.run_group(binary, g["name"], g["targets"], a, servers, 1 if a.smoke else a.fixed_rounds,
                            fixed_results, pooled, a.fixed_rate, a.slice_ms)

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump({"saturation": results, "fixed": fixed_results, "features": feats}, f, indent=1)
    if pooled:
        # Each round's latency histograms (1 µs bins below 2 ms, bench/lib/fixed.py), so that
        # runs can be pooled later.
        with open(os.path.join(a.out, "fixed-histograms.json"), "w") as f:
            json.dump({f"{g}/{t}": h for (g, t), h in pooled.items()}, f)
    report = []
    if results:
        report += ["### Saturation (wrk, closed loop)", "", table(results, groups), ""]
    if fixed_results:
        report += [f"### Latency at a fixed offered load ({a.fixed_rate} rps, proscenium-loadgen, "
                   f"{a.slice_ms:g} ms slices; p50/p99/p99.9 from sending)", "",
                   fixed.table(fixed_results, pooled, fixed_groups), ""]
    rss = [r["rss_peak_kib"] for r in results if r.get("rss_peak_kib")]
    if rss:
        report += [f"proscenium peak RSS under load: {max(rss) / 1024:.1f} MiB", ""]
    text = "\n".join(report)
    with open(os.path.join(a.out, "results.md"), "w") as f:
        f.write(text + "\n")
    print(text)

    if a.smoke:
        passed = failed = 0
        for r in results + fixed_results:
            t = next(t for g in groups for t in g["targets"] if t["name"] == r["target"])
            bad = r["requests"] <= 0 or r["sockerr"] > 0 \
                or (r["non2xx"] > 0 and not t.get("expect_non2xx")) \
                or r.get("churn_failed", 0) > 0 or (t.get("churn") and r.get("churn_ops", 0) == 0)
            if bad:
                failed += 1
                log(f"smoke FAILED: {r['group']}/{r['target']}: requests={r['requests']} "
                    f"non2xx={r['non2xx']} sockerr={r['sockerr']} churn_failed={r.get('churn_failed', 0)}")
            else:
                passed += 1
        if failed:
            log(f"bench-smoke: {passed} passed, {failed} failed")
            sys.exit(1)
        with open(os.path.join(a.out, "smoke.ok"), "w") as f:
            f.write(f"{passed}\n")


if __name__ == "__main__":
    main()
