"""CPU accounting from /proc: per-process CPU ticks, whole-machine busy ticks, RSS."""
import os
import resource

TCK = os.sysconf("SC_CLK_TCK")
PF_KTHREAD = 0x00200000


def _stat_fields(pid: int):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    comm = s[s.index("(") + 1:s.rindex(")")]
    rest = s[s.rindex(")") + 2:].split()
    # rest[0] is field 3 (state); utime = field 14, stime = field 15, flags = field 9
    return comm, int(rest[6]), int(rest[11]) + int(rest[12])


def ticks(pids) -> int:
    """utime+stime (all threads) of the given processes; vanished ones count 0."""
    total = 0
    for p in pids:
        try:
            total += _stat_fields(p)[2]
        except (OSError, ValueError, IndexError):
            pass
    return total


def user_sys(pids) -> tuple:
    """(utime, stime) ticks summed over the given processes."""
    u = k = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            u, k = u + int(rest[11]), k + int(rest[12])
        except (OSError, ValueError, IndexError):
            pass
    return u, k


def all_procs() -> dict:
    """pid -> (comm, ticks, is_kernel_thread) for every live process."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                comm, flags, t = _stat_fields(int(d))
                out[int(d)] = (comm, t, bool(flags & PF_KTHREAD))
            except (OSError, ValueError, IndexError):
                pass
    return out


def machine_busy() -> int:
    """user+nice+system ticks of all CPUs (/proc/stat): also counts processes that started and
    ended inside a window, which per-process snapshots would miss."""
    with open("/proc/stat") as f:
        v = f.readline().split()
    return int(v[1]) + int(v[2]) + int(v[3])


def own_ticks() -> int:
    """This driver and its waited-for children (wrk, oha), in ticks."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return round((s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime) * TCK)


def children(pid: int) -> list:
    out = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return out


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Window:
    """CPU used during a measurement: by the servers under test, and by everything else that is
    neither ours (servers, this driver and its children) nor a kernel thread (loopback softirq
    work runs in ksoftirqd on behalf of our load)."""

    def __init__(self, ours: list):
        self.ours = ours

    def __enter__(self):
        self.p0, self.m0, self.o0 = all_procs(), machine_busy(), own_ticks()
        return self

    def __exit__(self, *exc):
        self.p1, self.m1, self.o1 = all_procs(), machine_busy(), own_ticks()
        return False

    def delta(self, pids) -> int:
        return sum(self.p1.get(p, ("", 0))[1] - self.p0.get(p, ("", 0))[1] for p in pids)

    def foreign(self, secs: float):
        ours = set(self.ours) | {os.getpid()}
        mine = self.delta(ours) + (self.o1 - self.o0) - (self.p1.get(os.getpid(), ("", 0))[1]
                                                          - self.p0.get(os.getpid(), ("", 0))[1])
        kern, per = 0, {}
        for pid, (comm, t1, kt) in self.p1.items():
            if pid in ours:
                continue
            d = t1 - self.p0.get(pid, (comm, 0, kt))[1]
            if d <= 0:
                continue
            if kt:
                kern += d
            else:
                per[comm] = per.get(comm, 0) + d
        f = max(0, (self.m1 - self.m0) - mine - kern)
        top = max(per, key=per.get) if per else "-"
        return 100.0 * f / (TCK * secs), top
