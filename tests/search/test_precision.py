"""Which precision the embedding model runs in: read from /proc/cpuinfo's flags, forced by a setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import precision as precision_module
from search.precision import AUTO, BFLOAT16, FLOAT32, choose_precision, cpu_flags, resolve_precision

# Flags as /proc/cpuinfo lists them, cut to the ones that matter and a few neighbours.
EPYC_ZEN1 = "fpu sse sse2 avx f16c avx2 bmi2 sha_ni xsaveopt"  # the AMD EPYC these machines had
SKYLAKE_X = "avx2 avx512f avx512dq avx512cd avx512bw avx512vl"  # AVX-512 without BF16
COOPER_LAKE = SKYLAKE_X + " avx512_vnni avx512_bf16"
SAPPHIRE_RAPIDS = COOPER_LAKE + " amx_bf16 amx_tile amx_int8 avx512_fp16"
ZEN4 = "avx2 avx512f avx512bw avx512vl avx512_vnni avx512_bf16"  # AMD with AVX-512 BF16


def cpuinfo(*flag_lines: str) -> str:
    """A /proc/cpuinfo text: one processor block per flags line."""
    return "\n\n".join(
        f"processor\t: {n}\nvendor_id\t: GenuineIntel\nmodel name\t: Some CPU\nflags\t\t: {flags}\n"
        for n, flags in enumerate(flag_lines)
    )


@pytest.mark.parametrize(
    ("text", "native", "auto"),
    [
        (cpuinfo(EPYC_ZEN1, EPYC_ZEN1), (), FLOAT32),
        (cpuinfo(SKYLAKE_X), (), FLOAT32),
        (cpuinfo(COOPER_LAKE, COOPER_LAKE), ("avx512_bf16",), BFLOAT16),
        (cpuinfo(SAPPHIRE_RAPIDS, SAPPHIRE_RAPIDS), ("amx_bf16", "avx512_bf16"), BFLOAT16),
        (cpuinfo(ZEN4), ("avx512_bf16",), BFLOAT16),
        # AMX tiles without the bf16 unit is not bfloat16 arithmetic.
        (cpuinfo("avx2 amx_tile amx_int8"), (), FLOAT32),
        # A flag only some processors list (a mixed or misreported machine) cannot be relied on.
        (cpuinfo(SAPPHIRE_RAPIDS, SKYLAKE_X), (), FLOAT32),
        # The name of a flag elsewhere than in the flags line is not a flag.
        ("processor\t: 0\nmodel name\t: amx_bf16 avx512_bf16 edition\nflags\t\t: avx2\n", (), FLOAT32),
        # A prefix is not the flag.
        (cpuinfo("avx2 avx512_bf16x amx_bf16_lite"), (), FLOAT32),
        # ARM lists `Features`; its bf16 is not one auto picks (not measured here).
        ("processor\t: 0\nFeatures\t: fp asimd sve bf16 i8mm\n", (), FLOAT32),
        ("", (), FLOAT32),  # no /proc/cpuinfo text at all
    ],
    ids=[
        "epyc-zen1",
        "skylake-x",
        "cooper-lake",
        "sapphire-rapids",
        "zen4",
        "amx-without-bf16",
        "mixed-cores",
        "flag-in-model-name",
        "prefix",
        "arm",
        "empty",
    ],
)
def test_auto_picks_bfloat16_only_with_native_support(text: str, native: tuple[str, ...], auto: str) -> None:
    choice = choose_precision(AUTO, cpu_flags(text))
    assert (choice.native, choice.precision) == (native, auto)
    assert not choice.emulated


@pytest.mark.parametrize(
    ("requested", "flags", "precision", "emulated"),
    [
        (FLOAT32, SAPPHIRE_RAPIDS, FLOAT32, False),  # float32 forced on an AMX machine
        (BFLOAT16, SAPPHIRE_RAPIDS, BFLOAT16, False),
        (BFLOAT16, EPYC_ZEN1, BFLOAT16, True),  # allowed, said to be slow
        (FLOAT32, EPYC_ZEN1, FLOAT32, False),
    ],
)
def test_a_setting_forces_one(requested: str, flags: str, precision: str, emulated: bool) -> None:
    choice = choose_precision(requested, cpu_flags(cpuinfo(flags)))
    assert (choice.precision, choice.requested, choice.emulated) == (precision, requested, emulated)
    assert choice.describe().startswith(precision)
    assert ("slower than float32" in choice.describe()) == emulated


def test_describe_says_why() -> None:
    auto = choose_precision(AUTO, cpu_flags(cpuinfo(SAPPHIRE_RAPIDS)))
    assert auto.describe() == "bfloat16 (auto; the CPU has amx_bf16, avx512_bf16)"
    forced = choose_precision(FLOAT32, cpu_flags(cpuinfo(EPYC_ZEN1)))
    assert (
        forced.describe() == "float32 (set by JIXIAO_EMBEDDING_PRECISION; the CPU has no AMX or AVX-512 BF16)"
    )


@pytest.mark.parametrize("requested", ["bf16", "fp16", "", "Float32"])
def test_an_unknown_precision_is_refused(requested: str) -> None:
    with pytest.raises(ValueError, match="auto, float32, bfloat16"):
        choose_precision(requested, frozenset())


def test_this_machine_is_read_from_proc_cpuinfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "cpuinfo"
    fake.write_text(cpuinfo(SAPPHIRE_RAPIDS, SAPPHIRE_RAPIDS))
    monkeypatch.setattr(precision_module, "CPUINFO", fake)
    precision_module.machine_flags.cache_clear()
    try:
        assert resolve_precision(AUTO).precision == BFLOAT16
        precision_module.machine_flags.cache_clear()
        fake.unlink()  # not Linux: no /proc/cpuinfo
        assert resolve_precision(AUTO).precision == FLOAT32
    finally:
        precision_module.machine_flags.cache_clear()
