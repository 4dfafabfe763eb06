"""What the service holds open for its lifetime, and the dependencies route handlers ask for."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import HTTPException, Request

from api.catalogue import Catalogue, Ids
from api.query_process import Gone, PoolState, QueryPool, UpdateRehearsal
from api.remote import InProcessQueries, RemoteEngine
from api.sparql import Answer, Dataset, Endpoint, Limits, ProtocolError, QueryEngine
from jixiao.remote_store import SparqlClient
from jixiao.settings import Settings
from jixiao.store import Store, open_store
from jixiao.store_interface import LocalOxigraph, SparqlPassthrough
from search.backend import Searcher
from search.encoder import Encoder
from search.index import IndexUnavailable
from search.service import SearchService
from search.sync import graph_state, open_searcher, stale_documents

SPARQL_WORKERS = 2  # query processes (2 cores here), besides the express one; more queries wait
# Searches encoding at once. Each torch call already uses every core; twenty at once only fight
# over them. bench/load.py, 20 clients: 26.1 req/s, p95 913 ms unbounded; 34.0 req/s, p95 678 ms with 2.
SEARCH_SLOTS = 2


class Queries(Protocol):
    """Where /sparql queries run: worker processes (embedded store), or the store server. The time
    limit counts from `arrived` (time.monotonic()); `gone()` tells whether the client has left."""

    async def query(
        self,
        text: str,
        dataset: Dataset,
        accept: str | None,
        format_param: str | None,
        arrived: float,
        gone: Gone,
    ) -> Answer: ...
    def state(self) -> PoolState | None: ...
    def refresh(self) -> None: ...
    def close(self) -> None: ...


class ThreadedQueries:
    """The remote store's queries (api.remote.InProcessQueries) in threads, SPARQL_WORKERS at once. A
    query that waited out its time limit is refused; one that runs cannot be stopped from here (the
    store server's own limit applies: see api.remote)."""

    def __init__(self, inner: InProcessQueries, limits: Limits) -> None:
        self.inner = inner
        self.limits = limits
        self._threads = ThreadPoolExecutor(SPARQL_WORKERS, thread_name_prefix="sparql")

    async def query(
        self,
        text: str,
        dataset: Dataset,
        accept: str | None,
        format_param: str | None,
        arrived: float,
        gone: Gone,
    ) -> Answer:
        def run() -> Answer:
            if time.monotonic() - arrived > self.limits.timeout:
                raise ProtocolError(
                    503, f"no SPARQL worker was free within the time limit ({self.limits.timeout:g} s)"
                )
            return self.inner.query(text, dataset, accept, format_param)

        return await asyncio.get_running_loop().run_in_executor(self._threads, run)

    def state(self) -> PoolState | None:
        return None

    def refresh(self) -> None:
        self.inner.refresh()

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.inner.close()


@dataclass
class Resources:
    settings: Settings
    store: Store
    catalogue: Catalogue
    endpoint: Endpoint  # updates, applied in this process (they need the writable store)
    queries: Queries  # queries, in worker processes (or the remote store's server)
    search: SearchService | None  # the in-process index: drafting and review read it whole
    search_problem: str | None  # why there is no search (no index yet, another model…)
    index_stale: bool  # the index was built from other versions of the documents
    rehearsal: UpdateRehearsal | None  # updates run first in a worker (embedded store): query_process
    update_threads: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="sparql-update")
    )
    search_slots: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(SEARCH_SLOTS)
    )
    updated_over_sparql: bool = False  # the graph changed since start; the index does not follow
    # What /api/search and /api/similar ask (search.backend): `search` itself in process, or Milvus.
    searcher: Searcher | None = None

    def search_warnings(self) -> list[str]:
        warnings = []
        if self.index_stale:
            warnings.append("the search index does not match the store: run `jixiao reindex`")
        if self.updated_over_sparql:
            warnings.append(
                "the graph was changed by SPARQL Update;"
                " search shows the earlier state until `jixiao reindex`"
            )
        return warnings

    def after_update(self) -> None:
        """After a SPARQL Update: query workers opened from now on must see it."""
        if isinstance(self.store, LocalOxigraph):
            self.store.oxigraph().flush()
        self.queries.refresh()
        self.updated_over_sparql = True

    def close(self) -> None:
        """Release the store's lock: every holder of the pyoxigraph store lets go before it closes."""
        if self.rehearsal is not None:
            self.rehearsal.close()
        self.update_threads.shutdown(wait=False, cancel_futures=True)
        self.queries.close()
        del self.catalogue, self.endpoint, self.rehearsal
        self.store.close()


def open_resources(
    settings: Settings, encoder: Callable[[], Encoder], preload_model: bool = False
) -> Resources:
    store = open_store(settings)
    store.install_ontology()
    ids = Ids(settings.base_iri if settings.base_iri.endswith(("/", "#")) else settings.base_iri + "/")
    limits = Limits(
        timeout=settings.sparql_timeout,
        max_rows=settings.sparql_max_rows,
        allow_service=settings.sparql_allow_service,
        allow_load=settings.sparql_allow_load,
    )
    search: SearchService | None = None
    searcher: Searcher | None = None
    problem: str | None = None
    stale = False
    try:
        searcher = open_searcher(settings, encoder)
    except IndexUnavailable as exc:
        problem = str(exc)
    if isinstance(searcher, SearchService):
        search = searcher
    elif searcher is not None:
        # Drafting and review read every precedent project's entries and vectors at once
        # (jixiao/drafting: SearchIndex.of_projects, its columns); the Searcher protocol answers one query.
        problem = (
            "drafting and review need the in-process search index, and this server's search backend is"
            f" {settings.search_backend}: serve them from a server without JIXIAO_SEARCH_BACKEND (its"
            " index built by `jixiao reindex`); search and similar work on either backend"
        )
    if searcher is not None:
        changed, gone = stale_documents(graph_state(store), searcher.documents)
        stale = bool(changed or gone)
        if preload_model:
            _ = searcher.encoder  # load now, so the first search does not wait for it
    engine, queries = _query_engine(store, settings, limits)
    rehearsal = None
    if isinstance(store, LocalOxigraph):
        rehearsal = UpdateRehearsal(store.oxigraph(), settings.data / "update-rehearsal", limits)
    return Resources(
        settings=settings,
        store=store,
        catalogue=Catalogue(engine, ids),
        endpoint=Endpoint(engine, limits, rehearsal),
        queries=queries,
        rehearsal=rehearsal,
        search=search,
        search_problem=problem,
        index_stale=stale,
        searcher=searcher,
    )


def _query_engine(store: Store, settings: Settings, limits: Limits) -> tuple[QueryEngine, Queries]:
    """What the pages and /sparql query: pyoxigraph itself (queries in worker processes that open
    the store read-only), or the remote store's server through api.remote."""
    if isinstance(store, SparqlPassthrough):
        engine = RemoteEngine(SparqlClient(store.endpoints, settings.sparql_timeout))
        return engine, ThreadedQueries(InProcessQueries(engine, limits), limits)
    if not isinstance(store, LocalOxigraph):
        raise TypeError(f"{type(store).__name__}: a store must be local Oxigraph or pass SPARQL through")
    return store.oxigraph(), QueryPool(settings.store_dir, limits, SPARQL_WORKERS, settings.sparql_queue)


def resources(request: Request) -> Resources:
    found: Resources = request.app.state.resources
    return found


def searcher(request: Request) -> Searcher:
    """Search and similar, from whichever backend holds the entries."""
    held = resources(request)
    if held.searcher is None:
        raise HTTPException(503, f"search is not available: {held.search_problem}")
    return held.searcher


def search_service(request: Request) -> SearchService:
    held = resources(request)
    if held.search is None:
        raise HTTPException(503, f"search is not available: {held.search_problem}")
    return held.search
