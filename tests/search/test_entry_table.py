"""The entries as columns: every field survives the round trip, in memory and memory-mapped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from search.entries import Entry, Kind, Ref, TargetValue
from search.entry_table import CodedColumn, EntryTable, IriLookup, StringColumn

UNIT = Ref("https://w3id.org/jixiao/id/unit/058001", "宝丰镇财政所")
TOWN = Ref("https://w3id.org/jixiao/id/unit/058", "宝丰镇")
PROJECT = Ref("https://w3id.org/jixiao/id/project/1", "村干部任职补贴")
OUTPUT = Ref("https://w3id.org/jixiao/category/output", "产出指标")

BARE = Entry(
    iri="https://w3id.org/jixiao/id/x", kind=Kind.OBJECTIVE, label="", text="", document="g",
    unit=None, township=None, project=None, year=None,
)  # fmt: skip
FULL = Entry(
    iri="https://w3id.org/jixiao/id/project/1/indicator/1",
    kind=Kind.INDICATOR,
    label="补贴发放及时率",
    text="补贴发放及时率 ≥ 95%\x00'\"<script>\udcff",  # hostile bytes are data, kept as they are
    document="https://w3id.org/jixiao/id/source/a",
    unit=UNIT,
    township=TOWN,
    project=PROJECT,
    year=2023,
    level1=OUTPUT,
    level2=Ref("https://w3id.org/jixiao/category/timeliness", "时效指标"),
    target=TargetValue(raw="≥95%", type="quantitative", comparator="≥", number=95.0, unit="%"),
    amount=None,
)
CASES = [
    BARE,
    FULL,
    replace(FULL, iri=FULL.iri + "2", target=TargetValue("按时", "qualitative", None, None, None)),
    replace(FULL, iri=FULL.iri + "3", target=TargetValue("0", "quantitative", "＝", 0.0, None), year=0),
    replace(PROJECT_ENTRY := replace(FULL, kind=Kind.PROJECT, iri=PROJECT.iri, target=None), amount=12.5),
    replace(PROJECT_ENTRY, iri=PROJECT.iri + "b", amount=0.0, township=Ref(TOWN.iri, "另一个名字")),
]


def same(a: Entry, b: Entry) -> bool:
    return a == b and a.tokens == b.tokens


@pytest.mark.parametrize("mmap", [False, True])
def test_round_trip(tmp_path: Path, mmap: bool) -> None:
    table = EntryTable.of([3, 7, 8, 20, 21, 40], CASES)
    table.save(tmp_path / "entries")
    loaded = EntryTable.load(tmp_path / "entries", mmap=mmap)
    assert isinstance(loaded.ids.base, np.memmap) == mmap  # a view of the file's mapping
    assert loaded.ids.tolist() == [3, 7, 8, 20, 21, 40]
    for row, entry in enumerate(CASES):
        assert same(loaded.entry(row), entry), row
        assert same(table.entry(row), entry), row
    assert same(loaded.entry(1, ("补贴", "发放")), replace(FULL, tokens=("补贴", "发放")))


def test_the_samples_round_trip(sample_entries: list[Entry], tmp_path: Path) -> None:
    table = EntryTable.of(list(range(len(sample_entries))), sample_entries)
    table.save(tmp_path / "entries")
    loaded = EntryTable.load(tmp_path / "entries")
    assert [loaded.entry(row) for row in range(len(loaded))] == [
        replace(e, tokens=()) for e in sample_entries
    ]


def test_take_and_concat_keep_every_field() -> None:
    table = EntryTable.of([1, 2, 3], CASES[:3])
    kept = table.take(np.array([0, 2], dtype=np.int64))
    assert [kept.entry(r) for r in range(2)] == [CASES[0], CASES[2]]
    both = kept.concat(EntryTable.of([10, 11, 12], CASES[3:]))
    assert both.ids.tolist() == [1, 3, 10, 11, 12]
    assert [both.entry(r) for r in range(5)] == [CASES[0], CASES[2], *CASES[3:]]
    # The dictionary of a coded column lists only what the kept rows use.
    assert table.take(np.array([0], dtype=np.int64)).coded["unit"].iris == []


def test_coded_column_compares_like_the_string_arrays_it_replaced() -> None:
    column = CodedColumn.of([("a", "A"), None, ("b", "B"), ("a", "A2"), None])
    strings = np.array(["a", "", "b", "a", ""])
    for value in ("a", "b", "", "missing"):
        np.testing.assert_array_equal(column == value, strings == value)
        np.testing.assert_array_equal(column != value, strings != value)
    np.testing.assert_array_equal(column.isin(["b", "a"]), np.isin(strings, ["b", "a"]))
    mask = np.array([True, True, False, True, False])
    assert column[mask].tolist() == ["a", "", "a"]


def test_string_column_take_and_concat() -> None:
    values = ["", "资金", "a", "群众满意度≥95%", ""]
    column = StringColumn.of(values)
    taken = column.take(np.array([3, 0, 1], dtype=np.int64))
    assert [taken[i] for i in range(3)] == ["群众满意度≥95%", "", "资金"]
    joined = taken.concat(column)
    assert [joined[i] for i in range(len(joined))] == ["群众满意度≥95%", "", "资金", *values]


def test_iri_lookup() -> None:
    table = EntryTable.of([5, 9, 11, 12, 30, 31], CASES)
    lookup = IriLookup(table)
    for entry_id, entry in zip([5, 9, 11, 12, 30, 31], CASES, strict=True):
        assert lookup[entry.iri] == entry_id
    assert lookup.get("https://w3id.org/jixiao/id/nothing") is None
    assert "https://w3id.org/jixiao/id/nothing" not in lookup
    assert set(lookup) == {e.iri for e in CASES}
    assert len(lookup) == len(CASES)


def test_columns_of_different_lengths_are_refused(tmp_path: Path) -> None:
    EntryTable.of([1, 2], CASES[:2]).save(tmp_path / "entries")
    np.save(tmp_path / "entries" / "year.npy", np.zeros(5, dtype=np.int32))
    with pytest.raises(ValueError, match="different lengths"):
        EntryTable.load(tmp_path / "entries")
