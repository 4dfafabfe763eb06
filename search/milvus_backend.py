"""Search with Milvus holding the entries: vectors, BM25 text and filter fields (issue 22).

One collection, `jixiao_entries`, one row per Entry:
    id          INT64 primary key: the entry id (the in-process index's numbering, from meta)
    iri, document, kind, unit, township, project, year, level1, level2, target_type
                the filter fields (IRIs as stored in the graph; year -1 when none)
    tokens      jixiao's own tokens of the text, space-separated, cut by the whitespace analyzer:
                Milvus's jieba (milvus-lite 2.5.1) takes no user dictionary, and cutting with
                search.tokenize keeps jixiao's domain words and the in-process BM25's vocabulary
    sparse      BM25 of `tokens`, computed by Milvus (Function BM25)
    vector      the e5 vector (inner product: vectors are normalised)
    entry       the Entry as JSON (without tokens), so a hit needs no second look-up

A second collection, `jixiao_meta`, holds what the in-process index keeps in meta.json (model,
prompts, recipe, tokenizer and its user words, each document's sha256, the next id) plus the
document frequencies and the units that match evidence and unit filters need, as JSON in chunks.

Both lists are searched in Milvus and fused here by search.service.fuse: Milvus's RRFRanker takes
no per-list weight, and the judgement (search.match) needs each hit's rank and score in each list.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from search import precedents
from search.backend import Backend, Engine
from search.encoder import Encoder
from search.entries import Entry, Kind
from search.index import IndexMeta, IndexUnavailable
from search.match import BACKGROUND, Calibration, MatchEvidence, shipped_calibration
from search.service import (
    CANDIDATES,
    Filters,
    Hit,
    Mode,
    QueryError,
    RankingSettings,
    SearchResult,
    _cap_per_project,
    fuse,
    group,
    query_text,
    result_of,
)
from search.texts import category_by_label
from search.tokenize import Tokenizer, make_tokenizer, user_dictionary

ENTRIES = "jixiao_entries"
META = "jixiao_meta"
INSERT_BATCH = 2_000  # rows per upsert: one round trip each (the trial inserted row by row)
VARCHAR_MAX = 65_535  # Milvus's longest VARCHAR, in bytes
META_CHUNK = 60_000  # characters of ASCII JSON per meta row
# The meta row (part -1, apart from the JSON's parts 0…) holding the highest id ever written: ids
# from there up were never written, so their rows are inserted, not upserted.
CLAIM_PART = -1
IRI_MAX = 2_048
OUTPUT = ["entry", "tokens"]

Vector = npt.NDArray[np.float32]
Ranked = dict[int, tuple[int, float]]


class MilvusUnavailable(IndexUnavailable):
    """pymilvus / milvus-lite missing, the server unreachable, or a collection not ours."""


def connect(backend: Backend) -> Any:
    """A MilvusClient for the backend (milvus-lite starts its engine as a subprocess here)."""
    try:
        from pymilvus import MilvusClient
    except ImportError as error:
        raise MilvusUnavailable(
            "the Milvus search backend needs pymilvus (and milvus-lite for milvus-lite://):"
            ' pip install "jixiao[milvus]"'
        ) from error
    if backend.engine is Engine.MILVUS_LITE:
        backend.path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return MilvusClient(uri=backend.uri)
    except Exception as error:  # pymilvus raises its own exceptions, and grpc's, and OSError
        raise MilvusUnavailable(f"cannot open the Milvus search backend at {backend.uri}: {error}") from error


@dataclass
class StoredMeta:
    index: IndexMeta
    df: dict[str, int] = field(default_factory=dict)  # entries per token, for match evidence
    units: dict[str, str] = field(default_factory=dict)  # unit and township IRI -> label
    size: int = 0  # entries in the collection

    def to_json(self) -> str:
        data = {"index": asdict(self.index), "df": self.df, "units": self.units, "size": self.size}
        return json.dumps(data, ensure_ascii=True)  # ASCII: one byte a character in VARCHAR

    @classmethod
    def from_json(cls, text: str) -> StoredMeta:
        data = json.loads(text)
        return cls(IndexMeta(**data["index"]), dict(data["df"]), dict(data["units"]), int(data["size"]))


def _literal(value: str) -> str:
    """A string as a Milvus expression literal (every value typed by a user passes through here)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _cut_utf8(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")


_OPEN: dict[str, MilvusIndex] = {}
_OPEN_LOCK = threading.Lock()


class MilvusIndex:
    """The entries in Milvus, and the meta beside them: what sync writes and the searcher reads."""

    def __init__(self, client: Any, backend: Backend, meta: StoredMeta | None) -> None:
        self.client = client
        self.backend = backend
        self.meta = meta
        self.claimed = _read_claim(client) if meta is not None else 0
        self.version = 0  # bumped on every change: the searcher's evidence is keyed on it
        self._users = 0  # opened and not yet closed (MilvusIndex.open)
        self.tokenizer: Tokenizer = make_tokenizer(
            meta.index.tokenizer if meta else "jieba", meta.index.user_words if meta else ()
        )

    @classmethod
    def open(cls, backend: Backend) -> MilvusIndex:
        """The process's one MilvusIndex for this backend: pymilvus shares a connection per URI
        (closing one client closes the others), and the server's searcher sees a sync's meta."""
        with _OPEN_LOCK:
            held = _OPEN.get(backend.uri)
            if held is None:
                client = connect(backend)
                held = cls(client, backend, _read_meta(client))
            held._users += 1
            _OPEN[backend.uri] = held
            return held

    def close(self) -> None:
        with _OPEN_LOCK:
            self._users -= 1
            if self._users > 0:
                return
            _OPEN.pop(self.backend.uri, None)
        self.client.close()

    # --- writing (search.sync) ---------------------------------------------------------------

    def reset(self, meta: IndexMeta) -> None:
        """Drop every entry and start over with `meta` (a reindex, or another model)."""
        for name in (ENTRIES, META):
            if self.client.has_collection(name):
                self.client.drop_collection(name)
        _create_entries(self.client, meta.dimension, self.backend.engine)
        _create_meta(self.client)
        self.meta = StoredMeta(meta)
        self._claim(0)
        self.tokenizer = make_tokenizer(meta.tokenizer, meta.user_words)
        self._save_meta()

    def replace(
        self, documents: dict[str, str], entries: Sequence[Entry], vectors: Vector, save: bool = True
    ) -> None:
        """Drop everything from `documents`' graphs, then add `entries` (all from those graphs).

        `save=False` leaves the meta unsaved (`save_meta` later): the meta holds every token's
        document frequency, and rewriting it after each document made a sync slow down as the
        vocabulary grew (bench/milvus.py: 92 rows/s at 100k). Until it is saved, a run cut short
        reruns those documents: their rows are written again under the same ids (upsert)."""
        meta = self._meta()
        if len(entries) != len(vectors):
            raise ValueError("one vector per entry")
        self._drop(set(documents))
        if meta.size == 0 and not meta.index.user_words:
            # First fill: the dictionary comes from these entries, as in process (search.index).
            meta.index.user_words = user_dictionary(e.label for e in entries if e.kind == Kind.INDICATOR)
            self.tokenizer = make_tokenizer(meta.index.tokenizer, meta.index.user_words)
        start = meta.index.next_id
        meta.index.next_id = start + len(entries)
        # Ids below the claim may hold rows of a run cut short before its meta was saved: those are
        # upserted (overwritten by id). Ids above it were never written: inserted, as Milvus's
        # upsert first deletes the key in every segment (at 420k rows it wrote 280 rows/s, insert
        # 1,400: bench/RESULTS.md "Milvus backend"). The claim is written before the rows are.
        fresh_from = self.claimed
        if start + len(entries) > self.claimed:
            self._claim(start + len(entries))
        df = Counter(meta.df)
        # Texts repeat across a document (and townships): each distinct one is cut once.
        cut: dict[str, list[str]] = {}
        for offset in range(0, len(entries), INSERT_BATCH):
            batch = entries[offset : offset + INSERT_BATCH]
            rows = []
            for i, entry in enumerate(batch, start=offset):
                tokens = cut.get(entry.text)
                if tokens is None:
                    tokens = cut[entry.text] = [
                        t for t in self.tokenizer(entry.text) if t and not any(c.isspace() for c in t)
                    ]
                df.update(set(tokens))
                for ref in (entry.unit, entry.township):
                    if ref is not None:
                        meta.units[ref.iri] = ref.label
                rows.append(_row(start + i, entry, tokens, vectors[i]))
            if start + offset >= fresh_from:
                self.client.insert(ENTRIES, rows)
            else:
                self.client.upsert(ENTRIES, rows)
        meta.df = {token: count for token, count in df.items() if count > 0}
        meta.size += len(entries)
        meta.index.documents.update(documents)
        if save:
            self._save_meta()

    def save_meta(self) -> None:
        """Write the meta (after `replace(..., save=False)`)."""
        self._save_meta()

    def remove_documents(self, graphs: Iterable[str]) -> int:
        graphs = set(graphs)
        removed = self._drop(graphs)
        for graph in graphs:
            self._meta().index.documents.pop(graph, None)
        self._save_meta()
        return removed

    def _drop(self, graphs: set[str]) -> int:
        meta = self._meta()
        # Only documents the meta records have rows to look for (a first fill skips the query). Rows
        # of a run cut short before its meta was saved are overwritten by id: the rerun reuses the
        # unsaved ids, in the same order of documents.
        graphs = graphs & set(meta.index.documents)
        if not graphs:
            return 0
        expression = f"document in [{', '.join(_literal(g) for g in sorted(graphs))}]"
        df = Counter(meta.df)
        removed = 0
        iterator = self.client.query_iterator(
            ENTRIES, batch_size=INSERT_BATCH, filter=expression, output_fields=["tokens"]
        )
        try:
            while batch := iterator.next():
                for row in batch:
                    df.subtract(set(row["tokens"].split()))
                removed += len(batch)
        finally:
            iterator.close()
        if removed:
            self.client.delete(ENTRIES, filter=expression)
            meta.df = {token: count for token, count in df.items() if count > 0}
            meta.size -= removed
        return removed

    def _meta(self) -> StoredMeta:
        if self.meta is None:
            raise MilvusUnavailable(f"no jixiao index in Milvus at {self.backend.uri}: run `jixiao reindex`")
        return self.meta

    def _claim(self, upto: int) -> None:
        self.client.upsert(META, [{"part": CLAIM_PART, "chunk": str(upto), "v": [0.0, 0.0]}])
        self.claimed = upto

    def _save_meta(self) -> None:
        text = self._meta().to_json()
        chunks = [text[i : i + META_CHUNK] for i in range(0, len(text), META_CHUNK)] or [""]
        rows = [{"part": i, "chunk": chunk, "v": [0.0, 0.0]} for i, chunk in enumerate(chunks)]
        self.client.upsert(META, rows)
        self.client.delete(META, filter=f"part >= {len(chunks)}")
        self.version += 1

    # --- reading (the searcher) --------------------------------------------------------------

    def entries(self, ids: Sequence[int]) -> dict[int, Entry]:
        if not ids:
            return {}
        rows = self.client.get(ENTRIES, ids=list(ids), output_fields=OUTPUT)
        return {int(row["id"]): _entry(row) for row in rows}

    def vectors(self, ids: Sequence[int]) -> dict[int, Vector]:
        if not ids:
            return {}
        rows = self.client.get(ENTRIES, ids=list(ids), output_fields=["vector"])
        return {int(row["id"]): np.asarray(row["vector"], dtype=np.float32) for row in rows}

    def find(self, expression: str, limit: int) -> list[tuple[int, Entry]]:
        rows = self.client.query(ENTRIES, filter=expression, output_fields=OUTPUT, limit=limit)
        return [(int(row["id"]), _entry(row)) for row in rows]

    def sample_ids(self, size: int) -> list[int]:
        """About `size` entry ids spread over the id range (the background of match evidence)."""
        meta = self._meta()
        if meta.size == 0:
            return []
        step = max(1, meta.index.next_id // size)
        rows = self.client.query(ENTRIES, filter=f"id % {step} == 0", output_fields=["id"], limit=size)
        return sorted(int(row["id"]) for row in rows)

    def ranked(
        self, data: list[Any], field: str, metric: str, expression: str | None
    ) -> tuple[Ranked, dict[int, Entry]]:
        """One list (dense or BM25), best first, with its entries."""
        found = self.client.search(
            ENTRIES,
            data=data,
            anns_field=field,
            limit=CANDIDATES,
            filter=expression or "",
            output_fields=OUTPUT,
            search_params={"metric_type": metric},
        )[0]
        ranked: Ranked = {}
        entries: dict[int, Entry] = {}
        # Ties in id order, as in process (a stable sort over rows): the same page from either.
        found = sorted(found, key=lambda hit: (-float(hit["distance"]), int(hit["id"])))
        for rank, hit in enumerate(found):
            entry_id = int(hit["id"])
            ranked[entry_id] = (rank, float(hit["distance"]))
            entries[entry_id] = _entry(hit["entity"])
        return ranked, entries


def _create_entries(client: Any, dimension: int, engine: Engine) -> None:
    from pymilvus import DataType, Function, FunctionType

    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    for name in ("iri", "document", "unit", "township", "project", "level1", "level2"):
        schema.add_field(name, DataType.VARCHAR, max_length=IRI_MAX)
    schema.add_field("kind", DataType.VARCHAR, max_length=16)
    schema.add_field("target_type", DataType.VARCHAR, max_length=16)
    schema.add_field("year", DataType.INT64)
    schema.add_field(
        "tokens",
        DataType.VARCHAR,
        max_length=VARCHAR_MAX,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "whitespace"},
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
    schema.add_field("entry", DataType.VARCHAR, max_length=VARCHAR_MAX)
    schema.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["tokens"],
            output_field_names=["sparse"],
        )
    )
    indexes = client.prepare_index_params()
    # milvus-lite has FLAT only (exact, as in process up to exact_limit); a server gets HNSW.
    if engine is Engine.MILVUS_LITE:
        indexes.add_index("vector", index_type="FLAT", metric_type="IP")
    else:
        indexes.add_index(
            "vector", index_type="HNSW", metric_type="IP", params={"M": 16, "efConstruction": 200}
        )
    indexes.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    for name in ("kind", "document", "iri"):
        indexes.add_index(name, index_type="INVERTED")
    # Session: a search sees this client's writes (a sync in the server, a test) without waiting, as
    # Strong does on every search (it made a query 200 ms slower in milvus-lite); other clients see
    # them within the bounded staleness.
    client.create_collection(ENTRIES, schema=schema, index_params=indexes, consistency_level="Session")


def _create_meta(client: Any) -> None:
    from pymilvus import DataType

    schema = client.create_schema(auto_id=False)
    schema.add_field("part", DataType.INT64, is_primary=True)
    schema.add_field("chunk", DataType.VARCHAR, max_length=VARCHAR_MAX)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)  # Milvus wants a vector in every collection
    indexes = client.prepare_index_params()
    indexes.add_index("v", index_type="FLAT", metric_type="L2")
    client.create_collection(META, schema=schema, index_params=indexes, consistency_level="Session")


def _read_claim(client: Any) -> int:
    """The highest id ever written. An index written before claims existed has no claim row: any
    id may hold a row there, so every write upserts."""
    rows = client.query(META, filter=f"part == {CLAIM_PART}", output_fields=["chunk"], limit=1)
    return int(rows[0]["chunk"]) if rows else 2**62


def _read_meta(client: Any) -> StoredMeta | None:
    if not client.has_collection(META) or not client.has_collection(ENTRIES):
        return None
    rows = client.query(META, filter="part >= 0", output_fields=["part", "chunk"], limit=16_384)
    text = "".join(row["chunk"] for row in sorted(rows, key=lambda row: int(row["part"])))
    if not text:
        return None
    try:
        return StoredMeta.from_json(text)
    except (ValueError, KeyError, TypeError) as error:
        raise MilvusUnavailable(
            f"the jixiao meta in Milvus is unreadable ({error}): run `jixiao reindex`"
        ) from error


def _row(entry_id: int, entry: Entry, tokens: list[str], vector: Vector) -> dict[str, Any]:
    data = entry.to_json()
    data.pop("tokens", None)
    text = json.dumps(data, ensure_ascii=False)
    if len(text.encode("utf-8")) > VARCHAR_MAX:
        # A project's text lists its indicators; past 64 kB the stored copy keeps the start.
        overflow = len(text.encode("utf-8")) - VARCHAR_MAX
        data["text"] = _cut_utf8(entry.text, max(0, len(entry.text.encode("utf-8")) - overflow - 64))
        text = json.dumps(data, ensure_ascii=False)
    return {
        "id": entry_id,
        "iri": _cut_utf8(entry.iri, IRI_MAX),
        "document": _cut_utf8(entry.document, IRI_MAX),
        "kind": entry.kind.value,
        "unit": _cut_utf8(entry.unit.iri if entry.unit else "", IRI_MAX),
        "township": _cut_utf8(entry.township.iri if entry.township else "", IRI_MAX),
        "project": _cut_utf8(entry.project.iri if entry.project else "", IRI_MAX),
        "year": entry.year if entry.year is not None else -1,
        "level1": entry.level1.iri if entry.level1 else "",
        "level2": entry.level2.iri if entry.level2 else "",
        "target_type": entry.target.type if entry.target else "",
        "tokens": _cut_utf8(" ".join(tokens), VARCHAR_MAX).rsplit(" ", 1)[0]
        if len(" ".join(tokens).encode("utf-8")) > VARCHAR_MAX
        else " ".join(tokens),
        "vector": np.asarray(vector, dtype=np.float32).tolist(),
        "entry": text,
    }


def _entry(row: Mapping[str, Any]) -> Entry:
    data = json.loads(row["entry"])
    data["tokens"] = row["tokens"].split()
    return Entry.from_json(data)


# --- the searcher -------------------------------------------------------------------------------


class _Corpus:
    """What MatchEvidence reads (search.match.Corpus): the background sample, the document
    frequencies from meta, and entries and vectors of the hits at hand (fetched on a miss)."""

    def __init__(self, index: MilvusIndex, meta: StoredMeta) -> None:
        self._index = index
        self._meta = meta
        self._sample = index.sample_ids(BACKGROUND)
        self._vectors: dict[int, Vector] = index.vectors(self._sample)
        self._entries: dict[int, Entry] = {}
        self._lock = threading.Lock()

    @property
    def tokenizer(self) -> Tokenizer:
        return self._index.tokenizer

    @property
    def row_ids(self) -> Sequence[int]:
        return self._sample

    @property
    def vectors(self) -> _Corpus:
        return self

    @property
    def dimension(self) -> int:
        return self._meta.index.dimension

    def __len__(self) -> int:
        return self._meta.size

    def document_frequencies(self) -> Mapping[str, int]:
        return self._meta.df

    def prime(self, entries: Mapping[int, Entry], vectors: Mapping[int, Vector]) -> None:
        with self._lock:
            if len(self._entries) > 20_000:  # a cache of recent hits, not a copy of the corpus
                self._entries.clear()
                self._vectors = {i: self._vectors[i] for i in self._sample}
            self._entries.update(entries)
            self._vectors.update(vectors)

    def entry(self, entry_id: int) -> Entry:
        found = self._entries.get(entry_id)
        if found is None:
            found = self._index.entries([entry_id])[entry_id]
        return found

    def vector(self, entry_id: int) -> Vector:
        found = self._vectors.get(entry_id)
        if found is None:
            found = self._index.vectors([entry_id])[entry_id]
        return found

    def many(self, entry_ids: Sequence[int]) -> Vector:
        missing = [i for i in entry_ids if i not in self._vectors]
        fetched = self._index.vectors(missing) if missing else {}
        rows = [self._vectors[i] if i in self._vectors else fetched[i] for i in entry_ids]
        return np.stack(rows) if rows else np.zeros((0, self.dimension), dtype=np.float32)


class MilvusSearcher:
    """search.backend.Searcher over Milvus: the same fusion, grouping and judgement as in process."""

    def __init__(
        self,
        index: MilvusIndex,
        encoder: Callable[[], Encoder],
        ranking: RankingSettings | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        self.index = index
        self._encoder_factory = encoder
        self._encoder: Encoder | None = None
        self.ranking = ranking or RankingSettings()
        self.calibration = calibration if calibration is not None else shipped_calibration()
        self._evidence: tuple[int, _Corpus, MatchEvidence] | None = None

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = self._encoder_factory()
        return self._encoder

    @property
    def model(self) -> str:
        return self._meta().index.model

    @property
    def documents(self) -> dict[str, str]:
        return self._meta().index.documents

    def __len__(self) -> int:
        return self._meta().size

    def _meta(self) -> StoredMeta:
        return self.index._meta()

    @property
    def match_evidence(self) -> MatchEvidence:
        return self._judging()[1]

    def _judging(self) -> tuple[_Corpus, MatchEvidence]:
        if self._evidence is None or self._evidence[0] != self.index.version:
            corpus = _Corpus(self.index, self._meta())
            self._evidence = (self.index.version, corpus, MatchEvidence(corpus))
        return self._evidence[1], self._evidence[2]

    def entry_of(self, iri: str) -> Entry | None:
        found = self._find_iri(iri)
        return found[1] if found else None

    def _find_iri(self, iri: str) -> tuple[int, Entry] | None:
        if len(iri.encode("utf-8")) > IRI_MAX:
            return None
        found = self.index.find(f"iri == {_literal(iri)}", 1)
        return found[0] if found else None

    def amount_of(self, entry: Entry) -> float | None:
        return self._amounts([entry]).get(entry.iri)

    def _amounts(self, entries: Sequence[Entry]) -> dict[str, float | None]:
        """Each entry's project's amount (万元), in one query for a page of hits."""
        amounts: dict[str, float | None] = {}
        wanted: dict[str, list[str]] = {}
        for entry in entries:
            if entry.kind == Kind.PROJECT:
                amounts[entry.iri] = entry.amount
            elif entry.project is not None:
                wanted.setdefault(entry.project.iri, []).append(entry.iri)
            else:
                amounts[entry.iri] = None
        if wanted:
            listed = ", ".join(_literal(iri) for iri in wanted)
            projects = {e.iri: e.amount for _, e in self.index.find(f"iri in [{listed}]", len(wanted))}
            for project, parts in wanted.items():
                for iri in parts:
                    amounts[iri] = projects.get(project)
        return amounts

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int = 10,
        mode: Mode = Mode.HYBRID,
        per_project: int | None = None,
    ) -> SearchResult:
        text, warnings = query_text(query)
        expression = self.expression(filters or Filters())
        if expression is not None and not self.index.find(expression, 1):
            return SearchResult([], [*warnings, "no entry matches the filters"])
        dense: Ranked = {}
        lexical: Ranked = {}
        entries: dict[int, Entry] = {}
        vector = None
        if mode in (Mode.HYBRID, Mode.DENSE):
            vector = self.encoder.encode_queries([text])[0]
            dense, found = self.index.ranked([vector.tolist()], "vector", "IP", expression)
            entries.update(found)
        if mode in (Mode.HYBRID, Mode.LEXICAL):
            tokens = [t for t in self.index.tokenizer(text) if t and not any(c.isspace() for c in t)]
            if not tokens and mode == Mode.LEXICAL:
                warnings.append("no searchable words in the query")
            if tokens:
                lexical, found = self.index.ranked([" ".join(tokens)], "sparse", "BM25", expression)
                entries.update(found)
        fused = fuse(dense, lexical, mode, self.ranking)
        cap = self.ranking.per_project if per_project is None else per_project
        candidates = group(fused, dense, lexical, entries.__getitem__, len(fused), cap)
        self._judge(candidates, entries, text, vector, dense, lexical)
        return result_of(candidates, limit, warnings)

    def _judge(
        self,
        hits: list[Hit],
        entries: dict[int, Entry],
        text: str,
        vector: Vector | None,
        dense: Ranked,
        lexical: Ranked,
    ) -> None:
        corpus, evidence = self._judging()
        id_of = {entry.iri: entry_id for entry_id, entry in entries.items()}
        ids = [id_of[hit.entry.iri] for hit in hits]
        # The cosines of hits only BM25 found, in one round trip rather than one per hit.
        missing = [i for i in ids if i not in dense] if vector is not None else []
        corpus.prime({i: entries[i] for i in ids}, self.index.vectors(missing))
        amounts = self._amounts([hit.entry for hit in hits])
        for hit, found in zip(
            hits, evidence.of(ids, vector, evidence.words(text), dense, lexical), strict=True
        ):
            hit.evidence = found
            hit.match = self.calibration.judge(found) if self.calibration else None
            hit.amount = amounts.get(hit.entry.iri)

    def similar(self, iri: str, limit: int = 10, per_project: int | None = None) -> list[Hit]:
        """The nearest entries of the same kind in other townships, same level-2 category first."""
        found = self._find_iri(iri)
        if found is None:
            raise QueryError(f"{iri}: not in the search index (an indicator, objective or project IRI)")
        entry_id, entry = found
        township = entry.township.iri if entry.township else ""
        expression = f"kind == {_literal(entry.kind.value)} and township != {_literal(township)}"
        vector = self.index.vectors([entry_id])[entry_id]
        ranked, entries = self.index.ranked([vector.tolist()], "vector", "IP", expression)
        if entry.kind == Kind.PROJECT:
            return self._similar_projects(entry, ranked, entries, limit)
        hits = [Hit(entries[i], score, dense=score) for i, (_rank, score) in ranked.items()]
        if entry.level2 is not None:
            hits.sort(key=lambda hit: hit.entry.level2 != entry.level2)
        cap = self.ranking.per_project if per_project is None else per_project
        return _cap_per_project(hits, limit, cap)

    def _similar_projects(
        self, project: Entry, ranked: Ranked, entries: dict[int, Entry], limit: int
    ) -> list[Hit]:
        """As SearchService._similar_projects: by the project's vector and its indicator table."""
        township = _literal(project.township.iri if project.township else "")
        own = f"project == {_literal(project.iri)} and kind == {_literal(Kind.INDICATOR.value)}"
        mine = sorted(entry_id for entry_id, _ in self.index.find(own, 16384))[: precedents.TABLE_INDICATORS]
        others = f"kind == {_literal(Kind.INDICATOR.value)} and township != {township}"
        lists = []
        for vector in self.index.vectors(mine).values():
            found, owners = self.index.ranked([vector.tolist()], "vector", "IP", others)
            pairs = ((owners[i].project, score) for i, (_rank, score) in found.items())
            lists.append([(owner.iri, score) for owner, score in pairs if owner is not None])
        by_vector = [(entries[i].iri, score) for i, (_rank, score) in ranked.items()]
        cosine = dict(by_vector)
        by_iri = {entries[i].iri: entries[i] for i in ranked}
        fused = precedents.fuse(by_vector, precedents.table_overlap(lists))[:limit]
        missing = [iri for iri, _ in fused if iri not in by_iri and len(iri.encode("utf-8")) <= IRI_MAX]
        if missing:
            listed = ", ".join(_literal(iri) for iri in missing)
            by_iri.update({e.iri: e for _, e in self.index.find(f"iri in [{listed}]", len(missing))})
        return [Hit(by_iri[iri], score, dense=cosine.get(iri)) for iri, score in fused if iri in by_iri]

    def expression(self, filters: Filters) -> str | None:
        """The filters as a Milvus boolean expression, or None when nothing is filtered; the same
        checks and messages as the in-process masks (SearchService.allowed_rows)."""
        parts: list[str] = []
        if filters.kind is not None:
            parts.append(f"kind == {_literal(Kind(filters.kind).value)}")
        if filters.unit:
            wanted = filters.unit.strip()
            matching = sorted(
                iri
                for iri, label in self._meta().units.items()
                if iri == wanted or iri.rsplit("/", 1)[-1] == wanted or wanted in label
            )
            if not matching:
                raise QueryError(f"--unit {wanted}: no unit or township by that code, IRI or name")
            listed = ", ".join(_literal(iri) for iri in matching)
            parts.append(f"(unit in [{listed}] or township in [{listed}])")
        if filters.year is not None:
            parts.append(f"year == {int(filters.year)}")
        for value, name, level in ((filters.level1, "level1", 1), (filters.level2, "level2", 2)):
            if value:
                category = category_by_label(value, level)
                if category is None:
                    raise QueryError(
                        f"--level{level} {value}: no such level-{level} category (e.g. 产出指标, 数量指标)"
                    )
                parts.append(f"{name} == {_literal(category)}")
        if filters.target_type:
            parts.append(f"target_type == {_literal(filters.target_type)}")
        return " and ".join(parts) if parts else None
