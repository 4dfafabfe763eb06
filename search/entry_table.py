"""The entries as columns: numpy arrays, one element per row, memory-mapped from the index folder.

At a million indicators a `dict[int, Entry]` of Python objects held most of the index's 4.3 GB
(bench/RESULTS.md, "Scale"); as columns the same fields are a few hundred MB on disk, of which a
search touches the filter codes and the few rows it returns. An `Entry` is built only for a hit.

- Strings (IRI, label, text, target as written) are one UTF-8 byte array plus row offsets.
- Repeated values (kind, unit, township, project, categories, document, target type) are codes
  into a dictionary of (IRI, label) pairs, so a filter is an integer comparison; -1 is "none".
- Numbers (year, amount, target number) are arrays with -1 or NaN for "none".

Tokens are not here: the lexical index keeps them (search.lexical), in the same row order.
"""

from __future__ import annotations

import hashlib
import json
import math
import mmap as mmap_module
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from search.entries import Entry, Kind, Ref, TargetValue

Codes = npt.NDArray[np.int32]
Mask = npt.NDArray[np.bool_]
Rows = npt.NDArray[np.int64]


def _load(path: Path, mmap: bool, random: bool = False) -> Any:
    # A plain ndarray over the mapping: np.memmap's own indexing costs microseconds per call.
    loaded = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    mapping = getattr(loaded, "_mmap", None)
    if random and mapping is not None and hasattr(mmap_module, "MADV_RANDOM"):
        # A hit's string is read alone: no readahead around it (it would count in RSS).
        mapping.madvise(mmap_module.MADV_RANDOM)
    return np.asarray(loaded)


class StringColumn:
    """Strings as UTF-8 bytes plus offsets: row i is data[offsets[i]:offsets[i + 1]]."""

    def __init__(self, offsets: npt.NDArray[np.int64], data: npt.NDArray[np.uint8]) -> None:
        self.offsets = offsets
        self.data = data

    @classmethod
    def of(cls, values: Iterable[str]) -> StringColumn:
        # surrogatepass: a lone surrogate (a reader's undecodable byte) is stored, not an error.
        encoded = [value.encode("utf-8", "surrogatepass") for value in values]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        return cls(offsets, np.frombuffer(b"".join(encoded), dtype=np.uint8).copy())

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, row: int) -> str:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return bytes(self.data[start:end]).decode("utf-8", "surrogatepass")

    @property
    def nbytes(self) -> int:
        return int(self.offsets.nbytes + self.data.nbytes)

    def take(self, rows: Rows) -> StringColumn:
        starts = self.offsets[rows]
        lengths = self.offsets[rows + 1] - starts
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # Byte k of the result comes from starts[row] + (k - offsets[row]) of its row.
        source = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
        return StringColumn(offsets, np.asarray(self.data[source], dtype=np.uint8))

    def concat(self, other: StringColumn) -> StringColumn:
        base = self.offsets[-1] - self.offsets[0]
        offsets = np.concatenate(
            [self.offsets - self.offsets[0], other.offsets[1:] - other.offsets[0] + base]
        )
        data = np.concatenate(
            [self.data[self.offsets[0] : self.offsets[-1]], other.data[other.offsets[0] : other.offsets[-1]]]
        )
        return StringColumn(offsets.astype(np.int64), data.astype(np.uint8))

    def save(self, folder: Path, name: str) -> None:
        np.save(folder / f"{name}.offsets.npy", self.offsets)
        np.save(folder / f"{name}.bytes.npy", self.data)

    @classmethod
    def load(cls, folder: Path, name: str, mmap: bool = True) -> StringColumn:
        return cls(
            _load(folder / f"{name}.offsets.npy", mmap, random=True),
            _load(folder / f"{name}.bytes.npy", mmap, random=True),
        )


class CodedColumn:
    """A repeated value per row as a code into (IRI, label) pairs; -1 for none (the old "" value).

    `==`, `!=` and `isin` take IRIs (or the plain value for kind and target type) and give a row
    mask, `column[mask]` gives the IRIs ("" for none): what the string arrays gave before.
    """

    def __init__(self, codes: Codes, iris: list[str], labels: list[str]) -> None:
        self.codes = codes
        self.iris = iris
        self.labels = labels
        self._by_iri: dict[str, list[int]] | None = None
        self._refs: list[Ref] | None = None

    @classmethod
    def of(cls, refs: Iterable[tuple[str, str] | None]) -> CodedColumn:
        pairs: dict[tuple[str, str], int] = {}
        codes = [-1 if ref is None else pairs.setdefault(ref, len(pairs)) for ref in refs]
        return cls(np.array(codes, dtype=np.int32), [p[0] for p in pairs], [p[1] for p in pairs])

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def nbytes(self) -> int:
        return int(self.codes.nbytes)

    def codes_of(self, iri: str) -> list[int]:
        if iri == "":
            return [-1]
        if self._by_iri is None:
            by_iri: dict[str, list[int]] = {}
            for code, value in enumerate(self.iris):
                by_iri.setdefault(value, []).append(code)
            self._by_iri = by_iri
        return self._by_iri.get(iri, [])

    def isin(self, iris: Iterable[str]) -> Mask:
        # A lookup table over the codes (shifted by one for -1): one gather, whatever the count.
        table = np.zeros(len(self.iris) + 1, dtype=bool)
        for iri in iris:
            table[np.asarray(self.codes_of(iri), dtype=np.int64) + 1] = True
        return np.asarray(table[np.asarray(self.codes, dtype=np.int64) + 1], dtype=bool)

    def __eq__(self, iri: object) -> Mask:  # type: ignore[override]
        if not isinstance(iri, str):
            return NotImplemented
        return self.isin([iri])

    def __ne__(self, iri: object) -> Mask:  # type: ignore[override]
        if not isinstance(iri, str):
            return NotImplemented
        return ~self.isin([iri])

    __hash__ = None  # type: ignore[assignment]

    def __getitem__(self, rows: Mask | Rows) -> npt.NDArray[np.str_]:
        values = np.array(["", *self.iris], dtype=np.str_)
        return np.asarray(values[np.asarray(self.codes[rows], dtype=np.int64) + 1])

    def ref(self, row: int) -> Ref | None:
        code = int(self.codes[row])
        if code < 0:
            return None
        if self._refs is None:  # one Ref per distinct value, shared by the entries built from it
            self._refs = [Ref(i, label) for i, label in zip(self.iris, self.labels, strict=True)]
        return self._refs[code]

    def value(self, row: int) -> str | None:
        code = int(self.codes[row])
        return None if code < 0 else self.iris[code]

    def take(self, rows: Rows) -> CodedColumn:
        # Codes no kept row uses are dropped, so the dictionary lists only what is in the index.
        codes = np.asarray(self.codes[rows], dtype=np.int64)
        used, inverse = np.unique(codes, return_inverse=True)
        present = used[used >= 0]
        shift = 1 if len(used) and used[0] < 0 else 0
        new = np.where(codes < 0, -1, inverse - shift).astype(np.int32)
        return CodedColumn(new, [self.iris[c] for c in present], [self.labels[c] for c in present])

    def concat(self, other: CodedColumn) -> CodedColumn:
        pairs = {pair: code for code, pair in enumerate(zip(self.iris, self.labels, strict=True))}
        iris, labels = list(self.iris), list(self.labels)
        remap = np.zeros(len(other.iris) + 1, dtype=np.int32)
        remap[0] = -1
        for code, pair in enumerate(zip(other.iris, other.labels, strict=True)):
            if pair not in pairs:
                pairs[pair] = len(iris)
                iris.append(pair[0])
                labels.append(pair[1])
            remap[code + 1] = pairs[pair]
        codes = np.concatenate([self.codes, remap[np.asarray(other.codes, dtype=np.int64) + 1]])
        return CodedColumn(codes.astype(np.int32), iris, labels)

    def save(self, folder: Path, name: str) -> None:
        np.save(folder / f"{name}.codes.npy", self.codes)
        values = {"iris": self.iris, "labels": self.labels}
        (folder / f"{name}.values.json").write_text(json.dumps(values), "utf-8")  # ASCII: any str survives

    @classmethod
    def load(cls, folder: Path, name: str, mmap: bool = True) -> CodedColumn:
        values = json.loads((folder / f"{name}.values.json").read_text("utf-8"))
        return cls(_load(folder / f"{name}.codes.npy", mmap), list(values["iris"]), list(values["labels"]))


def iri_hash(iri: str) -> int:
    """A stable 63-bit hash (Python's own `hash` of a str changes from process to process)."""
    return (
        int.from_bytes(
            hashlib.blake2b(iri.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little"
        )
        >> 1
    )


STRINGS = ("iri", "label", "text", "target_raw")
CODED = (
    "kind",
    "document",
    "unit",
    "township",
    "project",
    "level1",
    "level2",
    "target_type",
    "target_comparator",
    "target_unit",
)
NUMBERS = ("ids", "year", "amount", "target_number", "hashes")


@dataclass(frozen=True)
class Columns:
    """The filterable fields, as `allowed_rows`, `similar` and drafting read them."""

    ids: npt.NDArray[np.int64]
    kind: CodedColumn
    unit: CodedColumn
    township: CodedColumn
    project: CodedColumn
    year: npt.NDArray[np.int32]
    level1: CodedColumn
    level2: CodedColumn
    target_type: CodedColumn


def _plain(values: Iterable[str | None]) -> Iterator[tuple[str, str] | None]:
    return ((value, "") if value is not None else None for value in values)


def _ref(ref: Ref | None) -> tuple[str, str] | None:
    return (ref.iri, ref.label) if ref is not None else None


class EntryTable:
    """Every entry's fields by row; `ids` ascend (ids are handed out in order, rows keep it)."""

    def __init__(
        self, arrays: dict[str, Any], strings: dict[str, StringColumn], coded: dict[str, CodedColumn]
    ) -> None:
        self.ids: npt.NDArray[np.int64] = arrays["ids"]
        self.year: npt.NDArray[np.int32] = arrays["year"]
        self.amount: npt.NDArray[np.float64] = arrays["amount"]
        self.target_number: npt.NDArray[np.float64] = arrays["target_number"]
        self.hashes: npt.NDArray[np.int64] = arrays["hashes"]  # iri_hash of each row's IRI
        self.strings = strings
        self.coded = coded
        self._hash_order: npt.NDArray[np.int64] | None = None
        self._sorted_hashes: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    @classmethod
    def of(cls, ids: Sequence[int], entries: Sequence[Entry]) -> EntryTable:
        def number(value: float | None) -> float:
            return math.nan if value is None else value

        targets = [e.target for e in entries]
        arrays = {
            "ids": np.array(ids, dtype=np.int64),
            "year": np.array([-1 if e.year is None else e.year for e in entries], dtype=np.int32),
            "amount": np.array([number(e.amount) for e in entries], dtype=np.float64),
            "target_number": np.array([number(t.number if t else None) for t in targets], dtype=np.float64),
            "hashes": np.array([iri_hash(e.iri) for e in entries], dtype=np.int64),
        }
        strings = {
            "iri": StringColumn.of(e.iri for e in entries),
            "label": StringColumn.of(e.label for e in entries),
            "text": StringColumn.of(e.text for e in entries),
            "target_raw": StringColumn.of(t.raw if t else "" for t in targets),
        }
        coded = {
            "kind": CodedColumn.of(_plain(e.kind.value for e in entries)),
            "document": CodedColumn.of(_plain(e.document for e in entries)),
            "unit": CodedColumn.of(_ref(e.unit) for e in entries),
            "township": CodedColumn.of(_ref(e.township) for e in entries),
            "project": CodedColumn.of(_ref(e.project) for e in entries),
            "level1": CodedColumn.of(_ref(e.level1) for e in entries),
            "level2": CodedColumn.of(_ref(e.level2) for e in entries),
            # The type says whether a row has a target at all (-1: none).
            "target_type": CodedColumn.of(_plain(t.type if t else None for t in targets)),
            "target_comparator": CodedColumn.of(_plain(t.comparator if t else None for t in targets)),
            "target_unit": CodedColumn.of(_plain(t.unit if t else None for t in targets)),
        }
        return cls(arrays, strings, coded)

    @classmethod
    def empty(cls) -> EntryTable:
        return cls.of([], [])

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def columns(self) -> Columns:
        c = self.coded
        return Columns(
            self.ids, c["kind"], c["unit"], c["township"], c["project"], self.year,
            c["level1"], c["level2"], c["target_type"],
        )  # fmt: skip

    def entry(self, row: int, tokens: Sequence[str] = ()) -> Entry:
        c, s = self.coded, self.strings
        target_type = c["target_type"].value(row)
        target = None
        if target_type is not None:
            number = float(self.target_number[row])
            target = TargetValue(
                raw=s["target_raw"][row],
                type=target_type,
                comparator=c["target_comparator"].value(row),
                number=None if math.isnan(number) else number,
                unit=c["target_unit"].value(row),
            )
        year = int(self.year[row])
        amount = float(self.amount[row])
        return Entry(
            iri=s["iri"][row],
            kind=Kind(c["kind"].value(row) or ""),
            label=s["label"][row],
            text=s["text"][row],
            document=c["document"].value(row) or "",
            unit=c["unit"].ref(row),
            township=c["township"].ref(row),
            project=c["project"].ref(row),
            year=None if year < 0 else year,
            level1=c["level1"].ref(row),
            level2=c["level2"].ref(row),
            target=target,
            tokens=tuple(tokens),
            amount=None if math.isnan(amount) else amount,
        )

    def row_of(self, entry_id: int) -> int | None:
        row = int(np.searchsorted(self.ids, entry_id))
        return row if row < len(self.ids) and int(self.ids[row]) == entry_id else None

    def rows_of(self, entry_ids: npt.NDArray[np.int64]) -> Rows:
        """The rows of ids known to be in the table."""
        return np.asarray(np.searchsorted(self.ids, entry_ids), dtype=np.int64)

    def row_of_iri(self, iri: str) -> int | None:
        if self._hash_order is None:
            # Built on the first lookup (a few tens of ms at a million rows), kept for this state.
            self._hash_order = np.argsort(self.hashes, kind="stable").astype(np.int64)
            self._sorted_hashes = np.asarray(self.hashes[self._hash_order])
        order, sorted_hashes = self._hash_order, self._sorted_hashes
        wanted = iri_hash(iri)
        start = int(np.searchsorted(sorted_hashes, wanted, side="left"))
        end = int(np.searchsorted(sorted_hashes, wanted, side="right"))
        for row in order[start:end].tolist():
            if self.strings["iri"][row] == iri:
                return int(row)
        return None

    def take(self, rows: Rows) -> EntryTable:
        arrays = {name: np.asarray(getattr(self, name)[rows]) for name in NUMBERS}
        strings = {name: column.take(rows) for name, column in self.strings.items()}
        coded = {name: column.take(rows) for name, column in self.coded.items()}
        return EntryTable(arrays, strings, coded)

    def concat(self, other: EntryTable) -> EntryTable:
        arrays = {name: np.concatenate([getattr(self, name), getattr(other, name)]) for name in NUMBERS}
        strings = {name: column.concat(other.strings[name]) for name, column in self.strings.items()}
        coded = {name: column.concat(other.coded[name]) for name, column in self.coded.items()}
        return EntryTable(arrays, strings, coded)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in NUMBERS:
            np.save(folder / f"{name}.npy", getattr(self, name))
        for name, column in self.strings.items():
            column.save(folder, name)
        for name, coded in self.coded.items():
            coded.save(folder, name)

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> EntryTable:
        arrays = {name: _load(folder / f"{name}.npy", mmap) for name in NUMBERS}
        strings = {name: StringColumn.load(folder, name, mmap) for name in STRINGS}
        coded = {name: CodedColumn.load(folder, name, mmap) for name in CODED}
        sizes = {len(arrays["ids"]), *(len(a) for a in arrays.values())}
        sizes |= {len(s) for s in strings.values()} | {len(c) for c in coded.values()}
        if len(sizes) != 1:
            raise ValueError(f"{folder}: columns of different lengths {sorted(sizes)}")
        return cls(arrays, strings, coded)


class IriLookup(Mapping[str, int]):
    """IRI -> entry id without a dict of a million strings: a hash search, then one string check."""

    def __init__(self, table: EntryTable) -> None:
        self._table = table
        self.recent: dict[str, int] = {}  # IRIs of entries built lately (SearchIndex.entry)

    def __getitem__(self, iri: str) -> int:
        known = self.recent.get(iri)
        if known is not None:
            return known
        row = self._table.row_of_iri(iri) if isinstance(iri, str) else None
        if row is None:
            raise KeyError(iri)
        return int(self._table.ids[row])

    def __len__(self) -> int:
        return len(self._table)

    def __iter__(self) -> Iterator[str]:
        iris = self._table.strings["iri"]
        return (iris[row] for row in range(len(iris)))


def units_of(table: EntryTable) -> dict[str, str]:
    """Every unit and township in the table once (IRI -> label), for filters typed as a code or a name."""
    found: dict[str, str] = {}
    for name in ("unit", "township"):
        column = table.coded[name]
        for iri, label in zip(column.iris, column.labels, strict=True):
            found.setdefault(iri, label)
    return found


def projects_mask(table: EntryTable, projects: Collection[str], kind: Kind) -> Mask:
    return (table.coded["kind"] == kind.value) & table.coded["project"].isin(projects)
