"""A synthetic national corpus, derived from the samples, deterministic by seed, in a layout jixiao ingests.

Each file is one township's budget-system export for one year (flat-table CSV, UTF-8 with BOM, a
title row naming the year): about 25 projects of about 15 indicators, as the issue sizes a
township. Projects are the samples' real projects, re-drawn per township:

- the township, its county and its villages get new names (the samples' own place names are
  replaced wherever they occur: project names, objectives, indicator names);
- amounts are scaled by a log-normal factor; head counts, quantities and money targets by the
  same factor, so that a project's numbers stay coherent (percentages, satisfaction and dates
  keep their shape);
- 20% of indicator names get the project's subject or a village as prefix, 10% of projects a
  village (names repeat across the country, but not all of them: the distinct-text share is what
  drives embedding time, see bench/RESULTS.md).

Usage (writes N indicators' worth of CSV files; prints counts):

    .venv/bin/python bench/corpus.py OUTDIR --indicators 100000 [--seed 1]

Files are generated one township at a time, so memory stays flat whatever the size.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script from any folder

from ingest.pipeline import read_file  # noqa: E402
from ingest.records import BudgetUnit, Document, Indicator, Objective, Project, Target, TargetKind  # noqa: E402
from ingest.target import parse_target  # noqa: E402
from tests.fixtures.render import FlatOptions, flat_rows, write_csv  # noqa: E402

SAMPLES = REPO / "samples"
PROJECTS_PER_TOWNSHIP = (15, 35)  # uniform; mean 25, as the issue sizes a township
YEARS = (2021, 2022, 2023, 2024, 2025)

# Characters place names are drawn from (common in real township and village names).
PLACE = (
    "安宝北昌长城大东丰福高古光和河红黄吉江金进景康兰乐林龙马明南平"
    "青清庆仁山上石双水顺太桃天田万文西新兴阳永玉园云中"
)
COUNTY_SUFFIX = ("县", "县", "县", "区", "市")
TOWN_SUFFIX = ("镇", "镇", "乡")
# The samples' own place names, replaced by the generated ones.
SAMPLE_TOWNS = re.compile(r"(宝丰|浩门|南川|马踏|东川|北山|西宁|平罗|门源|井研)(镇|乡|县|市|区)?")
NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Corpus:
    files: int
    units: int
    projects: int
    indicators: int


@dataclass(frozen=True)
class Township:
    county: str
    name: str  # 石桥镇
    code: str  # 6 digits
    villages: tuple[str, ...]
    year: int

    @property
    def unit(self) -> BudgetUnit:
        return BudgetUnit(name=f"{self.county}{self.name}人民政府", code=self.code)


@cache
def templates() -> tuple[Project, ...]:
    """The samples' projects (read by jixiao's own readers), the material every township is drawn from."""
    projects: list[Project] = []
    for path in sorted(SAMPLES.glob("*.txt")):
        projects.extend(p for p in read_file(path).document.projects if p.indicators)
    return tuple(projects)


def _place(rng: random.Random, length: int = 2) -> str:
    return "".join(rng.choice(PLACE) for _ in range(length))


def township(seed: int, number: int) -> Township:
    rng = random.Random(f"{seed}/township/{number}")
    villages = tuple(dict.fromkeys(f"{_place(rng)}村" for _ in range(12)))
    return Township(
        county=f"{_place(rng)}{rng.choice(COUNTY_SUFFIX)}",
        name=f"{_place(rng)}{rng.choice(TOWN_SUFFIX)}",
        code=f"{100000 + number % 900000:06d}",
        villages=villages,
        year=rng.choice(YEARS),
    )


def _scaled(number: str, factor: float) -> str:
    value = Decimal(number) * Decimal(str(factor))
    if "." not in number:
        return str(max(1, int(value.to_integral_value(ROUND_HALF_UP))))
    places = Decimal(1).scaleb(-len(number.split(".")[1]))
    return str(max(places, value.quantize(places, ROUND_HALF_UP)))


def vary_target(target: Target, factor: float, rng: random.Random, year_shift: int) -> Target:
    """The same kind of target with plausibly different numbers; parsed again from its new text."""
    raw = target.raw
    if target.kind is TargetKind.QUANTITATIVE and target.unit is not None and "%" in target.unit.text:
        if target.value is not None and target.value >= 80:  # rates and satisfaction: 80–100
            new = min(Decimal(100), target.value + rng.choice((-5, -2, 0, 0, 0, 1, 2)))
            raw = raw.replace(format(target.value, "f"), format(new, "f"), 1)
    elif target.kind is TargetKind.QUANTITATIVE:
        raw = NUMBER.sub(lambda m: _scaled(m.group(), factor), raw, count=1)
    elif target.kind is TargetKind.DATE and year_shift:
        raw = re.sub(r"20\d\d", lambda m: str(int(m.group()) + year_shift), raw)
    return target if raw == target.raw else parse_target(raw)


def _places(text: str, town: Township) -> str:
    return SAMPLE_TOWNS.sub(lambda m: town.name if m.group(2) in (None, "镇", "乡") else town.county, text)


def vary_project(template: Project, town: Township, rng: random.Random, taken: set[str]) -> Project:
    factor = rng.lognormvariate(0, 0.6)
    year_shift = town.year - (template.fiscal_year or town.year)
    name = _places(template.name, town)
    if rng.random() < 0.10:
        name = f"{rng.choice(town.villages)}{name}"
    while name in taken:  # one unit's projects must differ by name: the IRI is minted from it
        name = f"{rng.choice(town.villages)}{name}"
    taken.add(name)
    subject = re.sub(r"(项目|资金|经费|补助|补贴)+$", "", name)[:6]
    indicators: list[Indicator] = []
    for indicator in template.indicators:
        label = _places(indicator.name, town)
        roll = rng.random()
        if roll < 0.10:
            label = f"{subject}{label}"
        elif roll < 0.20:
            label = f"{rng.choice(town.villages)}{label}"
        indicators.append(
            replace(
                indicator,
                name=label,
                target=vary_target(indicator.target, factor, rng, year_shift),
                medium_term_target=None,
            )
        )
    objectives = [
        replace(o, text=re.sub(r"20\d\d", str(town.year), _places(o.text, town)))
        for o in template.objectives
        if not o.medium_term
    ]
    amount = None
    if template.amount_wan is not None:
        amount = max(Decimal("0.01"), (template.amount_wan * Decimal(str(factor))).quantize(Decimal("0.01")))
    return Project(
        name=name,
        unit=town.unit,
        amount_wan=amount,
        fiscal_year=town.year,
        objectives=list[Objective](objectives),
        indicators=indicators,
    )


def township_document(seed: int, number: int) -> Document:
    town = township(seed, number)
    rng = random.Random(f"{seed}/projects/{number}")
    pool = templates()
    taken: set[str] = set()
    count = rng.randint(*PROJECTS_PER_TOWNSHIP)
    projects = [vary_project(rng.choice(pool), town, rng, taken) for _ in range(count)]
    return Document(layout="flat-table", fiscal_year=town.year, units=[town.unit], projects=projects)


def documents(seed: int, indicators: int) -> Iterator[tuple[str, Document]]:
    """(file name, document) for townships until `indicators` indicators are reached (the last file
    is cut at a project boundary, so the total is at least `indicators`)."""
    written = 0
    number = 0
    while written < indicators:
        doc = township_document(seed, number)
        town = township(seed, number)
        written += sum(len(p.indicators) for p in doc.projects)
        yield f"{number:06d}_{town.county}{town.name}_{town.year}.csv", doc
        number += 1


def write_corpus(folder: Path, indicators: int, seed: int = 1) -> Corpus:
    """Write the corpus's CSV files into `folder` (created); the same seed gives the same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    files = projects = total = 0
    for name, doc in documents(seed, indicators):
        town = doc.units[0].name
        rows = flat_rows(doc, FlatOptions(title=f"{doc.fiscal_year}年{town}项目支出绩效目标表"))
        write_csv(rows, folder / name)
        files += 1
        projects += len(doc.projects)
        total += sum(len(p.indicators) for p in doc.projects)
    return Corpus(files=files, units=files, projects=projects, indicators=total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--indicators", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = write_corpus(args.folder, args.indicators, args.seed)
    print(
        f"{corpus.files} files, {corpus.projects} projects, {corpus.indicators} indicators in {args.folder}"
    )


if __name__ == "__main__":
    main()
