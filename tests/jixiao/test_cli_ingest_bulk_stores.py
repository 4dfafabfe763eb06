"""`ingest --bulk` takes any store with a bulk loader, the embedded one and a SPARQL server's
(chunked updates, issue 21), and refuses one without, before anything is written."""

from __future__ import annotations

import pytest
import typer

from ingest.iri import IriMinter
from ingest.limits import DEFAULT_LIMITS
from jixiao.cli import ingest as ingest_cli
from jixiao.remote_store import RemoteStore
from jixiao.store import EmbeddedStore
from jixiao.store_interface import BulkLoading

MINTER = IriMinter("https://w3id.org/jixiao/id/")


class NoBulkStore:
    """A store without the capability (neither backend is one now; a third could be). It has no
    method at all, so a write before the refusal would fail the test with an AttributeError."""


@pytest.mark.parametrize("backend", [EmbeddedStore, RemoteStore])
def test_both_backends_bulk_load(backend: type[object]) -> None:
    assert issubclass(backend, BulkLoading)


def test_a_store_without_a_bulk_loader_is_refused_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(typer.Exit) as stopped:
        ingest_cli._bulk_loader(NoBulkStore(), MINTER, None, DEFAULT_LIMITS)  # type: ignore[arg-type]
    assert stopped.value.exit_code == 2
    said = " ".join(capsys.readouterr().err.split())
    assert "--bulk: this store (NoBulkStore) has no bulk loader; ingest without --bulk" in said
    assert "embedded store only" not in said
