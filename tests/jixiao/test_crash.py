"""Kill -9 in the middle of a large ingest, start again: the store and the index are consistent
after `jixiao check --repair`, nothing ingested before is lost, and nothing is embedded twice.

The real `jixiao` CLI runs as a subprocess (this module is its launcher: `python -m
tests.jixiao.test_crash ARGS`), on a real store, index and embedding cache, killed with SIGKILL
from outside at a moment the test sees on disk: while it writes the store (the store folder has
grown by two documents), and while it embeds (the embedding cache has grown by two chunks). The
model is the tests' fake encoder, slowed to 2 ms a text so that embedding takes time to
be killed in (the real model would take a minute a run to load and embed here). A third test
makes the process kill itself between a bulk load's content and its markers, the one moment too
short to hit from outside.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeEncoder, Vectors
from tests.jixiao.conftest import jixiao

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "samples").glob("*.txt"))
DELAY = "JIXIAO_CRASH_TEST_DELAY"  # seconds per text the fake model takes
KILL_AT_MARKERS = "JIXIAO_CRASH_TEST_KILL_AT_MARKERS"  # die before a bulk load's marker triples
BATCH = 8  # JIXIAO_BATCH_SIZE: the cache is appended every 16 batches, 128 texts
CHUNK = BATCH * 16
KNOWN = "https://w3id.org/jixiao/id/project/058/2023/73d07ba997dd/indicator/outputCost-5f8c990b01a5"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


# --- the launcher: the real CLI with a slow fake model ------------------------------------------


class SlowEncoder(FakeEncoder):
    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay

    def encode_passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> Vectors:
        time.sleep(self.delay * len(texts))
        return super().encode_passages(texts, progress)


def main() -> None:
    from jixiao.cli import app
    from jixiao.store import EmbeddedStore
    from search import encoder as encoder_module

    fake = SlowEncoder(float(os.environ.get(DELAY, "0")))
    encoder_module.open_sentence_transformer = lambda *args, **kwargs: fake  # type: ignore[assignment]
    if os.environ.get(KILL_AT_MARKERS):
        bulk_add = EmbeddedStore.bulk_add_documents

        def dies_before_markers(self: EmbeddedStore, documents: Any) -> None:
            real = self._ox

            class Store:  # the pyoxigraph store, whose transactional load() (the markers) kills
                def __getattr__(self, name: str) -> Any:
                    return getattr(real, name)

                def load(self, *args: Any, **kwargs: Any) -> None:
                    os.kill(os.getpid(), signal.SIGKILL)

            self._ox = Store()  # type: ignore[assignment]
            bulk_add(self, documents)

        EmbeddedStore.bulk_add_documents = dies_before_markers  # type: ignore[method-assign]
    app(prog_name="jixiao")


if __name__ == "__main__":
    main()


# --- helpers --------------------------------------------------------------------------------------


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    env.update(JIXIAO_DATA=str(data), JIXIAO_BATCH_SIZE=str(BATCH), **{DELAY: "0.002"}, **extra)
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "tests.jixiao.test_crash", *args]


def run(data: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args), cwd=REPO, env=environment(data, **env), capture_output=True, text=True, timeout=120
    )


def start(data: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:
        return subprocess.Popen(command(*args), cwd=REPO, env=environment(data), stdout=handle, stderr=handle)


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool], log: Path) -> None:
    """SIGKILL `process` as soon as `ready()` (polled); fail if it ends first."""
    deadline = time.monotonic() + 60
    while not ready():
        assert process.poll() is None, f"ended before the kill:\n{log.read_text()}"
        assert time.monotonic() < deadline, "not ready after 60 s"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    assert process.wait(30) == -signal.SIGKILL


def log_bytes(store: Path, before: set[str]) -> int:
    """Bytes in RocksDB's write-ahead logs started since `before` (a committed transaction is in
    one; opening the store turns earlier logs into tables, so the folder's size says little)."""
    return sum(f.stat().st_size for f in store.glob("*.log") if f.name not in before)


def cache_rows(data: Path) -> int:
    """Whole rows in the embedding cache (what `inspect` reads: a torn tail is not counted)."""
    from search import embedding_cache

    return sum(s.rows for s in embedding_cache.inspect_all(data / "embeddings"))


def embedded(stderr: str) -> tuple[int, int]:
    """(texts embedded, texts from the cache) of the sync report on stderr."""
    found = re.search(
        r"\((\d+) distinct texts embedded(?:, (\d+) from the cache)?\)", " ".join(stderr.split())
    )
    assert found, stderr
    return int(found[1]), int(found[2] or 0)


def store_state(data: Path) -> tuple[dict[str, int], int]:
    """Each document's quad count, and the distinct texts the index embeds from the store."""
    from jixiao.settings import Settings
    from jixiao.store import open_store
    from search.texts import read_entries

    store = open_store(Settings(data=data))
    try:
        sizes = {str(d.graph): store.graph_size(d.graph) for d in store.documents()}
        return sizes, len({entry.text for entry in read_entries(store)})
    finally:
        store.close()


def check(data: Path, *args: str) -> tuple[int, dict[str, Any], str]:
    """`jixiao check --json ARGS`, in this process (the same CLI, the same fake model's vectors,
    without the subprocess's start-up time)."""
    code, out, err = jixiao(data, "check", "--json", *args)
    return code, json.loads(out), err


def assert_check_repairs(data: Path, expected: set[str]) -> tuple[list[str], str]:
    """check: exit 1 with `expected`; --repair: exit 0; check again: exit 0.
    What the repair did, and its stderr (the index update's report)."""
    code, found, _ = check(data)
    assert code == 1 and {p["kind"] for p in found["found"]["problems"]} == expected, found
    code, repaired, stderr = check(data, "--repair")
    assert code == 0 and repaired["after"]["consistent"], (repaired, stderr)
    code, again, _ = check(data)
    assert code == 0 and again["found"]["consistent"], again
    return repaired["repaired"], stderr


def assert_samples_kept(data: Path, samples: dict[str, int]) -> None:
    """The samples' documents are there, with every quad, and found by a search."""
    from jixiao.settings import Settings
    from search.index import SearchIndex
    from search.service import SearchService

    sizes, _ = store_state(data)
    assert {graph: sizes.get(graph) for graph in samples} == samples
    index = SearchIndex.load(Settings(data=data).index_dir)
    assert index.meta.documents.keys() == sizes.keys()  # every stored document is indexed
    hits = SearchService(index, FakeEncoder).similar(KNOWN, limit=3)
    assert hits and KNOWN in index.iris()


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled samples ingested (in this process, the same fake model), once; each test
    starts from a copy."""
    from search import encoder as encoder_module

    data = tmp_path_factory.mktemp("crash") / "data"
    with pytest.MonkeyPatch.context() as patch:
        fake = FakeEncoder()
        patch.setattr(encoder_module, "_loaded", {})
        patch.setattr(encoder_module, "open_sentence_transformer", lambda *args, **kwargs: fake)
        code, _, err = jixiao(data, "ingest", *map(str, SAMPLES))
    assert code == 0, err
    return data


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 1,000 indicators in 4 townships' CSV files (bench/corpus.py)."""
    from bench.corpus import write_corpus

    folder = tmp_path_factory.mktemp("corpus")
    assert write_corpus(folder, indicators=1000, seed=8).files >= 3
    return folder


@pytest.fixture()
def data(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(template, copy)
    return copy


@pytest.fixture()
def samples(data: Path) -> dict[str, int]:
    sizes, _ = store_state(data)
    assert len(sizes) == len(SAMPLES)
    return sizes


# --- the tests ------------------------------------------------------------------------------------


def test_killed_while_writing_the_store(
    data: Path, corpus: Path, samples: dict[str, int], tmp_path: Path
) -> None:
    files = len(list(corpus.iterdir()))
    store = data / "store"
    before = {f.name for f in store.glob("*.log")}
    log = tmp_path / "ingest.log"
    process = start(data, log, "ingest", str(corpus))
    # A township's document is one transaction of about 4.5 MB in the log: past 6 MB, the first
    # is committed and the second on its way.
    kill_when(process, lambda: log_bytes(store, before) > 6_000_000, log)

    sizes, distinct = store_state(data)
    written = len(sizes) - len(samples)
    assert 0 < written < files  # killed in the middle of the store writes
    rows = cache_rows(data)
    _, stderr = assert_check_repairs(data, {"index-behind"})
    # The repair indexes the documents the killed run wrote, embedding each new text once.
    assert embedded(stderr)[0] == distinct - rows == cache_rows(data) - rows > 0
    assert_samples_kept(data, samples)

    rows = cache_rows(data)
    done = run(data, "ingest", str(corpus))
    assert done.returncode == 0, done.stderr
    sizes, distinct = store_state(data)
    assert len(sizes) == len(samples) + files
    # The rerun rewrites every file, but embeds only texts of the documents not written before.
    assert embedded(done.stderr)[0] == distinct - rows
    assert cache_rows(data) == distinct
    assert check(data)[0] == 0
    assert_samples_kept(data, samples)


def test_killed_while_embedding(data: Path, corpus: Path, samples: dict[str, int], tmp_path: Path) -> None:
    files = len(list(corpus.iterdir()))
    rows = cache_rows(data)
    log = tmp_path / "ingest.log"
    process = start(data, log, "ingest", str(corpus))
    kill_when(process, lambda: cache_rows(data) >= rows + 2 * CHUNK, log)

    sizes, distinct = store_state(data)
    assert len(sizes) == len(samples) + files  # the store was written before the embedding
    killed_rows = cache_rows(data)
    assert killed_rows - rows >= 2 * CHUNK and killed_rows < distinct  # killed mid-embedding
    code, found, _ = check(data)
    kinds = {p["kind"] for p in found["found"]["problems"]}
    assert code == 1 and kinds - {"cache-torn-tail"} == {"index-behind"}  # a torn tail if killed mid-append
    _, stderr = assert_check_repairs(data, kinds)
    # The repair embeds what the killed run had not: its cached vectors are reused.
    sent, reused = embedded(stderr)
    assert sent == distinct - killed_rows and reused >= killed_rows - rows
    assert cache_rows(data) == distinct
    assert_samples_kept(data, samples)

    done = run(data, "ingest", str(corpus))
    assert done.returncode == 0, done.stderr
    assert embedded(done.stderr)[0] == 0  # everything is cached now
    assert check(data)[0] == 0


def test_killed_between_a_bulk_loads_content_and_its_markers(
    data: Path, corpus: Path, samples: dict[str, int]
) -> None:
    files = len(list(corpus.iterdir()))
    done = run(data, "ingest", "--bulk", str(corpus), **{KILL_AT_MARKERS: "1"})
    assert done.returncode == -signal.SIGKILL, done.stderr

    sizes, _ = store_state(data)
    assert sizes == samples  # no corpus document is listed: their markers were never written
    _, _, err = jixiao(data, "ingest", "--no-index", str(SAMPLES[0]))  # any ingest notices
    assert f"{files} incomplete document graph(s) from an ingest" in " ".join(err.split())
    rows = cache_rows(data)
    repaired, _ = assert_check_repairs(data, {"incomplete-graph"})
    assert repaired[0].startswith(f"dropped {files} incomplete graph(s)")
    assert_samples_kept(data, samples)

    done = run(data, "ingest", "--bulk", str(corpus))
    assert done.returncode == 0, done.stderr
    sizes, distinct = store_state(data)
    assert len(sizes) == len(samples) + files
    assert embedded(done.stderr)[0] == distinct - rows
    assert check(data)[0] == 0
