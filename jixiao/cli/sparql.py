"""`jixiao sparql`: a query against the store, printed as a table, JSON or CSV."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape

from jixiao import query_output
from jixiao.cli.common import (
    DataOption,
    err,
    load_settings,
    open_store_or_exit,
    out,
)
from jixiao.store import StoreError


class ResultFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def sparql(
    query: Annotated[
        str, typer.Argument(help="a SPARQL query; the default graph is the union of all documents")
    ],
    fmt: Annotated[ResultFormat, typer.Option("--format", help="output format")] = ResultFormat.table,
    data: DataOption = None,
) -> None:
    """Run a SPARQL query against the store."""
    from api.sparql import uses_service

    settings = load_settings(data)
    # A pasted query may hide a SERVICE that makes this machine fetch a URL: the endpoint's rule
    # (api.sparql, from the SPARQL terminals), the same setting to allow it.
    if uses_service(query) and not settings.sparql_allow_service:
        err.print(
            "[red]error:[/] 不允许 SERVICE（联邦查询会访问其他网址）/ SERVICE (a federated query fetches"
            " URLs) is not allowed; set JIXIAO_SPARQL_ALLOW_SERVICE=1 to allow it",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    store = open_store_or_exit(settings)
    try:
        result = store.query(query)
        text = query_output.render(result, fmt.value, out)
    except (SyntaxError, ValueError) as exc:  # a remote store's 400 is a ValueError too
        err.print(f"[red]error:[/] SPARQL: {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except StoreError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
    if text is not None:
        sys.stdout.write(text)
