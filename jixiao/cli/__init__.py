"""The `jixiao` command: ingest, remove, stats, validate, review, sparql, export, search, similar,
reindex, draft, serve.

One module per command group (ingest, data, sparql, review, search, check, draft, serve) and
`common` for what they share; the commands are registered here, in the order `jixiao --help`
lists them."""

from __future__ import annotations

from collections.abc import Callable

import typer

from jixiao import companions

# Before anything imports `api`, `search`, …: another package of one of those names would
# otherwise fail (or run) at some import far from the cause.
if _foreign := companions.foreign_parts():
    raise SystemExit(companions.message(_foreign))

from jixiao.cli import check, common, data, draft, ingest, review, search, serve, sparql

app = typer.Typer(
    help="jixiao 绩效: a knowledge graph of budget performance targets. / 预算绩效目标知识图谱",
    no_args_is_help=True,
    add_completion=False,
)
app.callback()(common.global_options)

COMMANDS: tuple[Callable[..., None], ...] = (
    ingest.ingest,
    ingest.remove,
    data.stats,
    sparql.sparql,
    data.export,
    data.validate,
    review.review,
    search.search,
    search.similar,
    check.reindex,
    check.check,
    draft.draft,
    serve.samples,
    serve.serve,
)
for command in COMMANDS:
    app.command()(command)

__all__ = ["app"]
