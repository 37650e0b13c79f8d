#!/usr/bin/env python3
"""Instruction counts of the request hot path under valgrind's callgrind (user space only;
repeatable, unlike timings on a shared machine).

Starts `proscenium serve` under callgrind, deploys a MOCK and an HTTP_PROXY API (and, with
--lambda-port, a Lambda proxy API and an HTTP API with request and response templates), and
for each:
warms up, zeroes the counters (callgrind_control -z), sends N GETs over one keep-alive
connection, dumps (callgrind_control -d). Reports instructions per request and the top
functions by inclusive cost (callgrind_annotate --inclusive=yes).

Usage: callgrind.py --bin target/release/proscenium --backend-port P [--lambda-port L] --out DIR
                    [--requests 2000]
"""
import argparse
import glob
import http.client
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from mgmt import (BODY, free_port, HTTP_RESPONSE_TEMPLATE, MOCK, Mgmt, http_proxy,  # noqa: E402
                  http_with_templates, lambda_proxy, simple_api)


def get_loop(url: str, n: int) -> int:
    """n GETs over one keep-alive connection; returns how many answered 200."""
    u = url.split("/", 3)
    host, port = u[2].split(":")
    c = http.client.HTTPConnection(host, int(port), timeout=30)
    ok = 0
    for _ in range(n):
        c.request("GET", "/" + u[3])
        r = c.getresponse()
        r.read()
        ok += r.status == 200
    c.close()
    return ok


def control(pid: int, *args: str) -> None:
    subprocess.run(["callgrind_control", *args, str(pid)], check=True, timeout=120,
                   stdout=subprocess.DEVNULL)


def total_ir(path: str) -> int:
    with open(path) as f:
        for line in f:
            if line.startswith(("totals:", "summary:")):
                return int(line.split()[1])
    raise SystemExit(f"no totals in {path}")


# Frames every request passes through that say nothing about its cost: thread start-up and the
# tokio scheduler. Listed inclusive costs start below them.
PLUMBING = re.compile(r"^(clone|start_thread|std::sys::backtrace::__rust_begin_short_backtrace|"
                      r"<std::sys::thread::.*thread_start|core::ops::function::FnOnce::call_once\{\{vtable.shim\}\}|"
                      r"tokio::runtime::(task::raw::poll|blocking::pool::Inner::run|scheduler::|task::harness::|"
                      r"task::core::Core|runtime::Runtime::block_on)|"
                      # the single-threaded runtime runs on the main thread
                      r"(main|\(below main\)|__libc_start_main.*|0x[0-9a-f]+|std::rt::lang_start.*|proscenium::main|"
                      r"std::thread::local::LocalKey<T>::with)$)")
# Allocator entry points: the system's (glibc), mimalloc's and jemalloc's (the binary's global
# allocator, with tikv-jemallocator's `_rjem_` prefix).
ALLOCATORS = {"malloc": ["malloc", "mi_malloc", "mi_malloc_aligned", "_rjem_malloc", "_rjem_mallocx"],
              "realloc": ["realloc", "mi_realloc", "mi_realloc_aligned", "_rjem_realloc", "_rjem_rallocx"],
              "calloc": ["calloc", "mi_zalloc", "mi_zalloc_aligned", "mi_calloc", "_rjem_calloc"],
              "free": ["free", "mi_free", "_rjem_free", "_rjem_sdallocx", "_rjem_dallocx"]}


def functions(path: str, inclusive: bool) -> list:
    """(Ir, function) for every function, one row per function name: callgrind lists a function
    once per source file it has code inlined from; inclusive costs take the largest of those
    rows, self costs add up."""
    out = subprocess.run(["callgrind_annotate", f"--inclusive={'yes' if inclusive else 'no'}",
                          "--threshold=100", "--auto=no", path], capture_output=True, text=True, timeout=300).stdout
    costs, table = {}, False
    for line in out.splitlines():
        if "file:function" in line:
            table = True
            continue
        if not table:
            continue
        m = re.match(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        ir, name = int(m.group(1).replace(",", "")), m.group(2)
        name = re.sub(r"\s+\[[^\]]*\]$", "", name)                    # object file
        name = re.sub(r"^(\?\?\?|[^ ]*?\.(rs|c|S|h|cc|cpp)):", "", name)  # source file
        name = re.sub(r"::h[0-9a-f]{16}$", "", name)
        name = re.sub(r"'\d+$", "", name)                             # recursion level
        costs[name] = max(costs.get(name, 0), ir) if inclusive else costs.get(name, 0) + ir
    return sorted(((ir, n) for n, ir in costs.items()), reverse=True)


def calls_to(path: str, names: set) -> dict:
    """How often the named functions were called, from the dump's call records (cfn=, calls=).
    Names are compressed in the file: "(id) name" the first time, "(id)" after."""
    ids, counts, current = {}, dict.fromkeys(names, 0), None
    with open(path) as f:
        for line in f:
            m = re.match(r"(c?fn)=\((\d+)\)(?: (.*))?", line.rstrip("\n"))
            if m:
                if m.group(3):
                    ids[m.group(2)] = m.group(3).strip()
                current = ids.get(m.group(2)) if m.group(1) == "cfn" else None
            elif line.startswith("calls=") and current in counts:
                counts[current] += int(line.split("=")[1].split()[0])
    return counts


def short(name: str, width: int = 140) -> str:
    return name if len(name) <= width else name[:width - 1] + "…"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--backend-port", type=int, required=True)
    ap.add_argument("--lambda-port", type=int, help="a fake Lambda Invoke endpoint: adds LAMBDA_PROXY and TEMPLATES")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--cpu", default="0")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    port = free_port()
    data = tempfile.mkdtemp(prefix="proscenium-cg.", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    outfile = os.path.join(a.out, "callgrind.out")
    for f in glob.glob(outfile + "*"):
        os.remove(f)
    # CALLGRIND_EXTRA: more valgrind options (say --dump-instr=yes, to find call sites).
    extra = os.environ.get("CALLGRIND_EXTRA", "").split()
    p = subprocess.Popen(["taskset", "-c", a.cpu, "valgrind", "--tool=callgrind", f"--callgrind-out-file={outfile}",
                          *extra, a.bin, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data,
                          *(["--lambda-endpoint", f"http://127.0.0.1:{a.lambda_port}"] if a.lambda_port else [])],
                         stdout=subprocess.DEVNULL, stderr=open(os.path.join(a.out, "valgrind.log"), "w"),
                         env={**os.environ, "RUST_LOG": os.environ.get("RUST_LOG", "info")})
    report = []
    try:
        m = Mgmt(port)
        m.wait_healthy(p, 180, "callgrind (under valgrind)", interval=0.2)
        apis = {"MOCK": simple_api(m, "cg-mock", "mock", MOCK, BODY),
                "HTTP_PROXY": simple_api(m, "cg-proxy", "proxy", http_proxy(a.backend_port))}
        if a.lambda_port:
            apis["LAMBDA_PROXY"] = simple_api(m, "cg-lambda", "fn", lambda_proxy())
            apis["TEMPLATES"] = simple_api(m, "cg-templates", "tpl", http_with_templates(a.backend_port),
                                           HTTP_RESPONSE_TEMPLATE)
        for name, api in apis.items():
            end = time.time() + 60
            while m.get(api["url"])[0] != 200:
                if time.time() > end:
                    raise SystemExit(f"callgrind: {name} never answered 200")
                time.sleep(0.2)
        for i, (name, api) in enumerate(apis.items(), 1):
            get_loop(api["url"], a.warmup)
            control(p.pid, "-z")
            t0 = time.time()
            ok = get_loop(api["url"], a.requests)
            wall = time.time() - t0
            control(p.pid, "-d", name)
            dumps = sorted(glob.glob(outfile + ".*"), key=os.path.getmtime)
            dump = dumps[-1]
            ir = total_ir(dump)
            counted = calls_to(dump, {n for names in ALLOCATORS.values() for n in names})
            allocs = {k: sum(counted[n] for n in names) for k, names in ALLOCATORS.items()}
            report.append(f"#### {name}: {ir / a.requests:,.0f} instructions per request "
                          f"({a.requests} GETs on one connection, {ok} × 200, {wall:.1f} s under valgrind)")
            report.append("")
            report.append("per request: " + ", ".join(f"{v / a.requests:.1f} {k}" for k, v in sorted(allocs.items())))
            report.append("")
            incl = [(ir, f) for ir, f in functions(dump, True) if not PLUMBING.match(f)][:a.top]
            excl = [(ir, f) for ir, f in functions(dump, False) if not PLUMBING.match(f)][:a.top]
            report.append(f"top {a.top} by inclusive cost (scheduler and thread frames left out) | "
                          f"top {a.top} by self cost")
            report.append("")
            report.append("| incl. Ir/req | % | function | self Ir/req | % | function |")
            report.append("|---:|---:|---|---:|---:|---|")
            for (ii, fi), (ie, fe) in zip(incl, excl):
                report.append(f"| {ii / a.requests:,.0f} | {100 * ii / ir:.1f} | `{short(fi)}` "
                              f"| {ie / a.requests:,.0f} | {100 * ie / ir:.1f} | `{short(fe)}` |")
            report.append("")
            os.replace(dump, os.path.join(a.out, f"callgrind.{name}.out"))
    finally:
        p.terminate()
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
        subprocess.run(["rm", "-rf", data])
    text = "\n".join(report)
    with open(os.path.join(a.out, "callgrind.md"), "w") as f:
        f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
