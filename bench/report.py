"""Write one benchmark's report into its own marked section of bench/RESULTS.md, leaving the
other sections (and any notes around them) as they are."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def write_section(name: str, text: str, path: Path = RESULTS) -> None:
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    current = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _, after = rest.split(end, 1)
        updated = before + block + after
    else:
        updated = current.rstrip() + "\n\n" + block + "\n"
    path.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    # python -m bench.report NAME FILE: put FILE's text into RESULTS.md's NAME section.
    import sys

    write_section(sys.argv[1], Path(sys.argv[2]).read_text(encoding="utf-8"))
