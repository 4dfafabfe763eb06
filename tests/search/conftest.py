"""The samples ingested once per session, read back as entries, and indexed with the fake encoder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.iri import IriMinter
from ingest.pipeline import ingest_file
from jixiao.settings import Settings
from jixiao.store import EmbeddedStore, open_store
from search.entries import Entry
from search.index import SearchIndex
from search.service import SearchService
from search.sync import new_meta
from search.texts import read_entries
from tests.conftest import FORM_LINES, PARAGRAPH_TABLE
from tests.fakes import FakeEncoder


@pytest.fixture(scope="session")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    settings = Settings(data=tmp_path_factory.mktemp("search-data"))
    store = open_store(settings)
    minter = IriMinter(settings.base_iri)
    for path in (PARAGRAPH_TABLE, FORM_LINES):
        ingest_file(path, store, minter, None)
    yield store
    store.close()


@pytest.fixture(scope="session")
def sample_entries(sample_store: EmbeddedStore) -> list[Entry]:
    return read_entries(sample_store)


def index_of(entries: list[Entry], tokenizer: str = "jieba", exact_limit: int = 200_000) -> SearchIndex:
    encoder = FakeEncoder()
    settings = Settings(data=Path("unused"), tokenizer=tokenizer)
    index = SearchIndex.empty(new_meta(encoder, settings))
    documents = {entry.document: "test" for entry in entries}
    index.replace(documents, entries, encoder.encode_passages([e.text for e in entries]), exact_limit)
    return index


@pytest.fixture(scope="session")
def sample_index(sample_entries: list[Entry]) -> SearchIndex:
    return index_of(sample_entries)


@pytest.fixture()
def service(sample_index: SearchIndex) -> SearchService:
    encoder = FakeEncoder()
    return SearchService(sample_index, lambda: encoder)
