"""How well the readers recover real-world table layouts: the 34 mocks of issue 17 and our own
extra cases, each read as `jixiao ingest` reads a file and scored against its gold tree.

    .venv/bin/python bench/layouts.py [--family F] [--file N] [--show] [--write]

`--family` keeps one family (`form-nl-pipe`, `run-together`, ...), `--file` the files whose
name starts with N (`07`, `31_html`), `--show` prints each file's differences (missing,
spurious, wrong level, wrong value, actual, score, values not found in the source) for whoever
works on the reader. `--write` puts the report into the "layouts" section of bench/RESULTS.md.
The exit code is always 0: this is a measurement; the acceptance thresholds are printed with
pass/fail. How names are matched and levels compared: bench/layout_score.py.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from any folder

from bench.layout_score import (  # noqa: E402
    FAMILIES,
    MAX_SPURIOUS,
    MIN_LEVEL,
    MIN_READ,
    MIN_RECALL,
    MIN_VALUE,
    Gold,
    Score,
    gold_files,
    read_document,
    score_document,
    total,
)
from bench.load import cores, cpu_model  # noqa: E402

MOCKS = ROOT / "tests" / "fixtures" / "layouts"
EXTRA = ROOT / "tests" / "fixtures" / "layouts_extra"


def score_one(path: Path, gold: Gold) -> Score:
    """Like layout_score.score_file, but a crash is recorded (and counts as unread) instead of
    stopping the measurement; the robustness test is where a crash fails."""
    try:
        document, haystack, error = read_document(path)
    except Exception as crash:  # reported as CRASH, never hidden
        document, haystack, error = None, None, f"CRASH {type(crash).__name__}: {crash}"
    return score_document(document, gold, error, haystack)


def _pct(x: float) -> str:
    return f"{x:.3f}"


def table(rows: list[tuple[str, Score]]) -> list[str]:
    lines = [
        "| family | docs read | projects read/gold | indicators gold | recall | level acc. | value acc. "
        "| spurious | actual | score | values not in text |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, s in rows:
        level, value = (_pct(s.level_accuracy), _pct(s.value_accuracy)) if s.matched else ("-", "-")
        actual = f"{s.actual_ok}/{s.actual_total}" if s.actual_total else "-"
        scored = f"{s.score_ok}/{s.score_total}" if s.score_total else "-"
        lines.append(
            f"| {label} | {s.read}/{s.files} | {s.read_projects}/{s.gold_projects} | {s.gold_indicators} "
            f"| {_pct(s.recall)} ({s.matched}) | {level} | {value} "
            f"| {s.spurious_share:.1%} ({s.spurious}/{s.read_indicators}) | {actual} | {scored} "
            f"| {s.invented}/{s.values_checked} |"
        )
    return lines


def acceptance(s: Score) -> list[str]:
    checks = [
        (f"documents read ≥ {MIN_READ}/34", f"{s.read}/{s.files}", s.read >= MIN_READ),
        (f"indicator recall ≥ {MIN_RECALL}", _pct(s.recall), s.recall >= MIN_RECALL),
        (f"level accuracy ≥ {MIN_LEVEL}", _pct(s.level_accuracy), s.level_accuracy >= MIN_LEVEL),
        (f"value accuracy ≥ {MIN_VALUE}", _pct(s.value_accuracy), s.value_accuracy >= MIN_VALUE),
        (f"spurious ≤ {MAX_SPURIOUS:.0%}", f"{s.spurious_share:.1%}", s.spurious_share <= MAX_SPURIOUS),
        (
            "no value invented (each read value found in the source)",
            f"{s.invented} not found",
            not s.invented,
        ),
    ]
    return [f"- {name}: {got} — {'pass' if ok else 'FAIL'}" for name, got, ok in checks]


def block(name: str, scored: list[tuple[Gold, Score]]) -> list[str]:
    families = [f for f in FAMILIES if any(g.family == f for g, _ in scored)]
    families += sorted({g.family for g, _ in scored} - set(FAMILIES))  # a family added to a gold file
    rows = [(f, total(s for g, s in scored if g.family == f)) for f in families]
    rows.append(("**all**", total(s for _, s in scored)))
    return [f"### {name}", "", *table(rows), ""]


def per_file(scored: list[tuple[Gold, Score]], show: bool) -> list[str]:
    lines = []
    for gold, s in scored:
        status = "read" if s.read else "NOT READ"
        lines.append(
            f"{gold.file} [{gold.family}] {status}: recall {s.matched}/{s.gold_indicators}, level "
            f"{s.level_ok}/{s.matched}, value {s.value_ok}/{s.matched}, "
            f"spurious {s.spurious}/{s.read_indicators}"
            + (f", actual {s.actual_ok}/{s.actual_total}" if s.actual_total else "")
            + (f", score {s.score_ok}/{s.score_total}" if s.score_total else "")
            + (f", {s.invented} value(s) NOT IN TEXT" if s.invented else "")
        )
        lines += [f"    {e.split(': ', 1)[-1][:300]}" for e in s.errors]
        if show:
            lines += [f"    {d}" for d in s.diffs]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--family", help="only this family")
    parser.add_argument("--file", help="only the files whose name starts with this")
    parser.add_argument("--show", action="store_true", help="print each file's differences")
    parser.add_argument("--write", action="store_true", help="write the report into bench/RESULTS.md")
    args = parser.parse_args()

    started = time.perf_counter()
    blocks: dict[str, list[tuple[Gold, Score]]] = {}
    for name, folder in (("mocks", MOCKS), ("extra", EXTRA)):
        chosen = [
            (path, gold)
            for path, gold in gold_files(folder)
            if (not args.family or gold.family == args.family)
            and (not args.file or gold.file.startswith(args.file))
        ]
        blocks[name] = [(gold, score_one(path, gold)) for path, gold in chosen]
    seconds = time.perf_counter() - started

    for name, scored in blocks.items():
        if scored:
            print(f"== {name} ({len(scored)} files)")
            print("\n".join(per_file(scored, args.show)))
            print()
    report = [
        f"Each file read as `jixiao ingest` reads it (`ingest.pipeline.read_file`: format sniffing, layout "
        f"detection, reader) and scored by `bench/layout_score.py`; {seconds:.1f} s in all.",
        "",
    ]
    titles = {"mocks": "The 34 mocks of issue 17", "extra": "Our own cases (tests/fixtures/layouts_extra)"}
    for name, title in titles.items():
        if blocks[name]:
            report += block(title, blocks[name])
    mocks = total(s for _, s in blocks["mocks"])
    if blocks["mocks"] and not args.family and not args.file:
        report += ["Acceptance (issue 17, on the mocks):", "", *acceptance(mocks), ""]
    elif blocks["mocks"]:
        report += ["(a subset: the acceptance holds for all 34 mocks, not printed here)", ""]
    crashes = [e for scored in blocks.values() for _, sc in scored for e in sc.errors if ": CRASH " in e]
    if crashes:
        report += [f"{len(crashes)} file(s) CRASHED the reader (not an IngestError):", ""]
        report += [f"- {e[:200]}" for e in crashes] + [""]
    print("\n".join(report))

    if args.write and (args.family or args.file):
        print("not written: --write records the whole set, without --family or --file")
    elif args.write:
        from bench.report import write_section

        command = "python bench/layouts.py " + shlex.join(sys.argv[1:])
        today = datetime.now(UTC).date().isoformat()
        heading = [
            f"## Layouts (issue 17) ({today}, {cpu_model()}, {cores()} cores)",
            "",
            f"`{command.strip()}`. Recall: gold indicators matched by normalised name (NFKC, "
            "traditional to simplified, no whitespace, numbering, bracketed placeholders, punctuation or "
            "★); nameless gold rows by value, then position. Level and value accuracy over the matched "
            "ones (levels as the graph maps them with ingest/categories.py; values as written, whitespace "
            "aside). Spurious: read indicators matching no gold one, as a share of those read. Values not in "
            "text: read values (targets, per-area targets, grades, actuals) with a part (a run of CJK "
            "characters, a number, a comparator) that is nowhere in the source's text or cells.",
            "",
        ]
        write_section("layouts", "\n".join(heading + report))
        print("written to bench/RESULTS.md (section layouts)")


if __name__ == "__main__":
    main()
