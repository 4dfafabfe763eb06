"""Which number format the embedding model computes in: float32, or bfloat16 where the CPU has it.

bfloat16 halves the bytes every matrix multiply reads, and CPUs with AMX (`amx_bf16`) or AVX-512
BF16 (`avx512_bf16`) multiply it natively: issue 22's trial on such a machine embedded about twice
as many texts a second, at cosine 0.99998 to float32's vectors, with pooling and L2 normalisation
kept in float32 (search.encoder does that). Without those instructions torch emulates bfloat16 and
is several times slower than float32 (bench/RESULTS.md, "Embedding precision"), so `auto` picks
bfloat16 only where the CPU has one of them.

The choice is read from /proc/cpuinfo's flags, not from torch: reading a file is instant, so loading
the index (which checks the precision its vectors were made in) need not import torch, and the
index check and the encoder always agree. Where there is no /proc/cpuinfo (not Linux), `auto` is
float32: slower at worst, never wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

AUTO = "auto"
FLOAT32 = "float32"
BFLOAT16 = "bfloat16"
SETTINGS = (AUTO, FLOAT32, BFLOAT16)  # what JIXIAO_EMBEDDING_PRECISION may say
BF16_FLAGS = ("amx_bf16", "avx512_bf16")  # /proc/cpuinfo flags of native bfloat16 multiplies
CPUINFO = Path("/proc/cpuinfo")


@dataclass(frozen=True)
class PrecisionChoice:
    """The precision the model runs in, what was asked for, and what the CPU offers."""

    precision: str  # float32 | bfloat16
    requested: str  # auto | float32 | bfloat16
    native: tuple[str, ...]  # the bfloat16 flags this CPU has (empty: bfloat16 would be emulated)

    @property
    def emulated(self) -> bool:
        """bfloat16 on a CPU without native bfloat16: correct, but slower than float32."""
        return self.precision == BFLOAT16 and not self.native

    def describe(self) -> str:
        """One line for `jixiao stats` and the logs: the path and why it was taken."""
        has = f"the CPU has {', '.join(self.native)}" if self.native else "the CPU has no AMX or AVX-512 BF16"
        how = "auto" if self.requested == AUTO else "set by JIXIAO_EMBEDDING_PRECISION"
        slow = ", emulated: slower than float32" if self.emulated else ""
        return f"{self.precision} ({how}; {has}{slow})"


def cpu_flags(cpuinfo: str) -> frozenset[str]:
    """The flags every processor in a /proc/cpuinfo text lists (x86 `flags`, ARM `Features`): a
    flag only some cores report is not one the process can count on."""
    found: frozenset[str] | None = None
    for line in cpuinfo.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip().lower() in ("flags", "features"):
            flags = frozenset(value.split())
            found = flags if found is None else found & flags
    return found or frozenset()


def native_bf16(flags: Iterable[str]) -> tuple[str, ...]:
    present = set(flags)
    return tuple(flag for flag in BF16_FLAGS if flag in present)


def choose_precision(requested: str, flags: Iterable[str]) -> PrecisionChoice:
    """The precision for a setting on a CPU with these flags. A forced bfloat16 is kept on any CPU
    (an index built in bfloat16 elsewhere stays usable, slowly); `emulated` says when it is slow."""
    if requested not in SETTINGS:
        raise ValueError(f"embedding precision {requested!r}: give one of {', '.join(SETTINGS)}")
    native = native_bf16(flags)
    if requested == AUTO:
        return PrecisionChoice(BFLOAT16 if native else FLOAT32, requested, native)
    return PrecisionChoice(requested, requested, native)


@functools.cache
def machine_flags() -> frozenset[str]:
    """This machine's CPU flags, read once per process (empty where there is no /proc/cpuinfo)."""
    try:
        return cpu_flags(CPUINFO.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return frozenset()


def resolve_precision(requested: str) -> PrecisionChoice:
    """The precision a setting means on this machine."""
    return choose_precision(requested, machine_flags())
