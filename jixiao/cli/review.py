"""`jixiao review`: the review rules (审核) over every project (issue 7)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from api.contracts import ids_for
from jixiao.cli.common import (
    DataOption,
    err,
    load_settings,
    open_store_or_exit,
    out,
)
from jixiao.review import ReviewContext, ReviewError, review_graph, review_graph_iri, run_review
from jixiao.review.report import print_review
from jixiao.settings import Settings
from jixiao.store import Store, StoreError
from search.index import IndexUnavailable, SearchIndex
from search.sync import graph_state, load_index, stale_documents


def review(
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="the findings as a JSON list, each as GET /api/review gives it (FindingRecord)"
        ),
    ] = False,
    keep: Annotated[
        bool,
        typer.Option(
            "--store/--no-store", help="keep the findings in the store's review graph (replaced each run)"
        ),
    ] = True,
    data: DataOption = None,
) -> None:
    """Check every project against the review rules (审核) and list the findings per project.

    Findings are not failures: the exit code is 0 whatever is found, 1 only when the review could
    not run (then nothing is stored)."""
    settings = load_settings(data)
    store = open_store_or_exit(settings)
    try:
        store.install_ontology()
        result = run_review(ReviewContext(store, _review_index(settings, store)))
        if keep and not result.errors:
            store.replace_document(review_graph(result, review_graph_iri(settings.base_iri)))
    except (ReviewError, StoreError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    finally:
        store.close()
    if as_json:
        # The API's FindingRecord with the same ids (focus_id, project_id) as GET /api/review's.
        id_of = ids_for(settings.base_iri).id
        findings = [
            f.record(result.projects.get(f.project or ""), id_of).model_dump(mode="json")
            for f in result.findings
        ]
        sys.stdout.write(json.dumps(findings, ensure_ascii=False, indent=1) + "\n")
    else:
        print_review(out, result)
        if keep and not result.errors:
            out.print(f"[dim]stored in graph <{review_graph_iri(settings.base_iri)}>[/]", highlight=False)
    for rule, problem in result.errors.items():
        err.print(f"[red]error:[/] rule {rule} failed: {problem}", highlight=False, soft_wrap=True)
    if result.errors:
        raise typer.Exit(1)


def _review_index(settings: Settings, store: Store) -> SearchIndex | None:
    """The search index for the copy-paste rule, or None (that rule is then skipped, with the reason)."""
    try:
        index = load_index(settings)
    except IndexUnavailable:
        return None
    changed, gone = stale_documents(graph_state(store), index)
    if changed or gone:
        err.print(
            "[yellow]warning:[/] the search index does not match the store; the copy-paste rule"
            " reads it as it is (run `jixiao reindex`)",
            highlight=False,
        )
    return index
