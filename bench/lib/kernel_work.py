#!/usr/bin/env python3
"""What the kernel does for each request at a fixed rate, proscenium's MOCK method beside
nginx's `return 200` (issue 22, goal 4: where a server's own tail could come from). Both run
on CPU 0 with one worker, the workspace's load generator on CPU 1 (both targets in one run,
alternating 10 ms slices, --rate requests a second to each during its slices, so half that on
average; first a warm-up second for each in turn). Over the middle half of the measured run
it counts, for each server's threads: minor and major page faults, voluntary and involuntary
context switches, CPU ticks. With --strace it runs a second time under `strace -c -f` and
prints each server's system calls per request. With --idle it also counts proscenium's
context switches while nothing is sent (on the embedded store, a server with no timer
running makes none).

    .venv/bin/python bench/lib/kernel_work.py --bin target/release/proscenium \\
        --loadgen target/release/proscenium-loadgen [--seconds 20] [--strace] [--idle]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import access  # noqa: E402


def nginx(port):
    d = tempfile.mkdtemp(prefix="kernel-work-nginx-")
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(f"worker_processes 1; daemon off; pid {d}/nginx.pid; error_log {d}/error.log;\n"
                "events { worker_connections 4096; }\n"
                f"http {{ access_log off; server {{ listen 127.0.0.1:{port}; "
                'location / { return 200 "ok"; } } }\n')
    binary = "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else "nginx"
    master = subprocess.Popen(["taskset", "-c", "0", binary, "-c", f"{d}/nginx.conf", "-p", d])
    for _ in range(100):
        try:
            return master, int(subprocess.check_output(["pgrep", "-P", str(master.pid)]).split()[0])
        except subprocess.CalledProcessError:
            time.sleep(0.05)
    raise SystemExit("nginx started no worker")


def counts(pid):
    """Totals over the process's threads, and each thread's context switches by thread id."""
    t = {"minor faults": 0, "major faults": 0, "voluntary switches": 0, "involuntary switches": 0,
         "CPU ticks": 0}
    per_thread = {}
    for task in glob.glob(f"/proc/{pid}/task/*"):
        try:
            stat = open(f"{task}/stat").read().rsplit(")", 1)[1].split()
            status = open(f"{task}/status").read().splitlines()
        except OSError:  # the thread ended meanwhile
            continue
        t["minor faults"] += int(stat[7])
        t["major faults"] += int(stat[9])
        t["CPU ticks"] += int(stat[11]) + int(stat[12])
        sw = 0
        for line in status:
            if line.startswith("voluntary_ctxt_switches"):
                t["voluntary switches"] += int(line.split()[1])
                sw += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches"):
                t["involuntary switches"] += int(line.split()[1])
                sw += int(line.split()[1])
        per_thread[task] = sw
    return t, per_thread


def load(a, targets, seconds):
    cmd = ["taskset", "-c", "1", a.loadgen, "--rate", str(a.rate), "--conns", "64", "--seconds",
           f"{seconds:g}", "--slice-ms", "10", "--warmup", "1"] + [f"{n}={u}" for n, u in targets]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def per_target(a, seconds):
    """Requests each of the two targets gets in `seconds` of the measured run (half the slices)."""
    return a.rate * seconds / 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--rate", type=int, default=5000)
    ap.add_argument("--strace", action="store_true")
    ap.add_argument("--idle", action="store_true")
    a = ap.parse_args()
    master = p = None
    try:
        master, worker = nginx(nginx_port := access.free_port())
        p, port = access.serve(a.bin, "http://127.0.0.1:9", "--workers", "1")
        c = access.client_when_ready(port)
        api_id = access.api(c, "NONE")
        url = f"http://127.0.0.1:{port}/restapis/{api_id}/dev/_user_request_/pets"
        urllib.request.urlopen(url).read()
        time.sleep(1.5)
        if a.idle:
            before = counts(p.pid)[1]
            time.sleep(5)
            after = counts(p.pid)[1]
            idle = sum(n - before.get(tid, 0) for tid, n in after.items())
            print(f"idle proscenium: {idle} context switches in 5 s")
        servers = {"proscenium": p.pid, "nginx": worker}
        targets = [("proscenium", url), ("nginx", f"http://127.0.0.1:{nginx_port}/")]
        run = load(a, targets, a.seconds)
        time.sleep(2 + a.seconds * 0.25)  # after the two warm-up seconds
        before = {n: counts(pid)[0] for n, pid in servers.items()}
        time.sleep(a.seconds * 0.5)
        after = {n: counts(pid)[0] for n, pid in servers.items()}
        out, err = run.communicate()
        done = {t["name"]: t for t in json.loads(out)["targets"]}
        print(err.strip())
        window = per_target(a, a.seconds * 0.5)
        print(f"over the middle {a.seconds * 0.5:g} s, per 1 000 requests "
              f"(about {window:.0f} requests each):")
        for name in servers:
            delta = {k: after[name][k] - before[name][k] for k in after[name]}
            per = {k: round(v * 1000 / window, 2) for k, v in delta.items()}
            print(f"  {name:<10} {per}   errors {done[name]['errors']}, non-2xx {done[name]['non2xx']}")
        if a.strace:
            traces = tempfile.mkdtemp(prefix="kernel-work-strace-")
            files = {n: os.path.join(traces, n) for n in servers}
            tracers = [subprocess.Popen(["strace", "-c", "-f", "-p", str(pid), "-o", files[n]],
                                        stderr=subprocess.DEVNULL) for n, pid in servers.items()]
            try:
                time.sleep(1)
                out, _ = load(a, targets, a.seconds).communicate()
            finally:
                for t in tracers:
                    t.send_signal(2)
                    t.wait()
            # The warm-up second sent --rate requests to each before the counted ones.
            done = {t["name"]: t["requests"] + a.rate for t in json.loads(out)["targets"]}
            for name, path in files.items():
                calls = []
                for line in open(path):
                    f = line.split()
                    if len(f) >= 5 and f[3].isdigit() and f[-1] != "total":
                        errors = int(f[4]) if len(f) == 6 else 0
                        calls.append((int(f[3]) / done[name], f[-1], errors / done[name]))
                calls.sort(reverse=True)
                shown = ", ".join(f"{s} {n:.3f}" + (f" ({e:.3f} failed)" if e else "")
                                  for n, s, e in calls if n >= 0.001)
                print(f"  {name:<10} system calls per request (strace -c, {done[name]} requests, "
                      f"the warm-up's included): {shown}")
    finally:
        for proc in (p, master):
            if proc is not None:
                proc.terminate()


if __name__ == "__main__":
    main()
