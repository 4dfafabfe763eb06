"""Keeping the store, the search index and the embedding cache in line: `jixiao reindex`, `jixiao check`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from api.contracts import CheckResult, CheckState
from jixiao import check as checks
from jixiao.cli.common import (
    DataOption,
    load_settings,
    open_store_or_exit,
    out,
    update_index,
)


def reindex(data: DataOption = None) -> None:
    """Rebuild the search index from the store (after changing the model or tokenizer settings)."""
    settings = load_settings(data)
    store = open_store_or_exit(settings)
    ok = update_index(store, settings, full=True)
    store.close()
    if not ok:
        raise typer.Exit(3)


def check(
    repair: Annotated[
        bool,
        typer.Option(
            "--repair",
            help="fix what is found: drop incomplete graphs, bring the index in line with the store,"
            " cut the embedding cache's torn tail",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="what was found (and repaired) as JSON")] = False,
    data: DataOption = None,
) -> None:
    """Check that the store, the search index and the embedding cache agree (after a crash or a kill).

    Exit 0 when they do (or --repair made them), 1 when problems remain."""
    settings = load_settings(data)
    store, found = checks.open_checked(settings)
    after, repaired = found, []
    if store is not None:
        try:
            found = after = checks.inspect(store, settings)
            if repair and not found.consistent:
                repaired = checks.repair(
                    store, settings, found, lambda full: update_index(store, settings, full=full)
                )
                after = checks.inspect(store, settings)
        finally:
            store.close()
    if as_json:
        result = CheckResult(
            found=CheckState.model_validate(found.to_json()),
            repaired=repaired,
            consistent=after.consistent,
            after=CheckState.model_validate(after.to_json()) if repair else None,
        )
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n")
    else:
        _print_check(found, repaired, after, repair)
    if not after.consistent:
        raise typer.Exit(1)


def _print_check(
    found: checks.CheckReport, repaired: list[str], after: checks.CheckReport, repair: bool
) -> None:
    for problem in found.problems:
        out.print(f"[red]problem[/] {problem.kind.value}: {problem.line()}", highlight=False, soft_wrap=True)
    for line in repaired:
        out.print(f"[green]repaired[/] {line}", highlight=False, soft_wrap=True)
    if repair:
        for problem in after.problems:
            out.print(
                f"[red]remains[/] {problem.kind.value}: {problem.line()}", highlight=False, soft_wrap=True
            )
    if after.kinds() & checks.FATAL:
        return
    indexed = "no search index" if after.indexed is None else f"{after.indexed} in the search index"
    counts = f"{after.documents} documents, {indexed}, {after.cached} cached vectors"
    if after.consistent:
        out.print(f"[green]consistent[/]: {counts}", highlight=False, soft_wrap=True)
    elif not repair:
        out.print(
            f"{len(after.problems)} problem(s): {counts}; `jixiao check --repair` fixes them",
            highlight=False,
            soft_wrap=True,
        )
