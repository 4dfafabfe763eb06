"""The machine a benchmark ran on, and a process's memory: written once for every bench script.

Linux first (/proc), with portable fallbacks where the standard library has one. Figures in
bench/RESULTS.md name the CPU model because it changes between machines (AMD EPYC, Intel with
AMX): a figure is only comparable with figures of the same model.
"""

from __future__ import annotations

import math
import os
import platform
import resource
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def cores() -> int:
    """The cores this process may run on (a container's share, not the host's)."""
    return len(os.sched_getaffinity(0))


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def _status_mb(field: str, pid: int | str = "self") -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory now, for the size of what a step added."""
    return _status_mb("VmRSS", pid)


def high_water_mb(pid: int | str = "self") -> float:
    """A process's own peak RSS (VmHWM). In a spawned child getrusage's maxrss is no use: Linux
    carries it over from the forked parent through exec, so it reports the parent's peak."""
    found = _status_mb("VmHWM", pid)
    if math.isnan(found) and pid == "self":  # no /proc (not Linux): getrusage is right here
        return peak_rss_mb()
    return found


def peak_rss_mb() -> float:
    """This process's peak RSS by getrusage (kB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
