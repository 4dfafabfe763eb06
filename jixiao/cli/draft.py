"""`jixiao draft`: a target table for a new project from similar projects elsewhere (起草)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.contracts import DraftProposal, ids_for
from jixiao.cli.common import (
    DataOption,
    err,
    load_settings,
    out,
    search_service,
)
from jixiao.drafting.draft import Draft, Drafter, DraftRequest, default_table
from jixiao.drafting.export import draft_turtle, draft_xlsx
from search.encoder import EncoderError
from search.service import QueryError


def draft(
    name: Annotated[str, typer.Option("--name", help="项目名称 of the new project")],
    objective: Annotated[str, typer.Option(help="its objective (绩效目标), if written")] = "",
    amount: Annotated[float | None, typer.Option(min=0, help="预算数 in 万元")] = None,
    unit: Annotated[
        str | None, typer.Option(help="your unit or township: its own projects are not used")
    ] = None,
    year: Annotated[int | None, typer.Option(help="fiscal year")] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="the whole draft as JSON, POST /api/draft's shape (api.contracts.DraftProposal)"
        ),
    ] = False,
    xlsx: Annotated[
        Path | None,
        typer.Option("--xlsx", help="write the proposed table as the budget system's target form (XLSX)"),
    ] = None,
    ttl: Annotated[
        Path | None, typer.Option("--ttl", help="write the proposed table as RDF (Turtle), marked as a draft")
    ] = None,
    data: DataOption = None,
) -> None:
    """Draft a target table for a new project from what similar projects elsewhere set (起草)."""
    settings = load_settings(data)
    service = search_service(settings)
    if not name.strip():
        err.print("[red]error:[/] --name is empty", highlight=False)
        raise typer.Exit(2)
    try:
        drafted = Drafter(service).draft(DraftRequest(name.strip(), objective.strip(), amount, unit, year))
    except (QueryError, EncoderError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    if as_json:
        proposal = DraftProposal.of(drafted, ids_for(settings.base_iri), [])
        sys.stdout.write(json.dumps(proposal.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n")
    else:
        _print_draft(drafted)
    _write_draft_files(drafted, xlsx, ttl, settings.base_iri)


def _write_draft_files(drafted: Draft, xlsx: Path | None, ttl: Path | None, base_iri: str) -> None:
    """The proposed table (each slot's first candidate) as files; where they went goes to stderr."""
    table = default_table(drafted)
    try:
        if xlsx is not None:
            xlsx.write_bytes(draft_xlsx(table))
            err.print(
                f"wrote {xlsx} (XLSX, 项目支出绩效目标表, {len(table.rows)} indicators)", highlight=False
            )
        if ttl is not None:
            ttl.write_text(draft_turtle(table, base_iri), encoding="utf-8")
            err.print(f"wrote {ttl} (Turtle, marked as a draft)", highlight=False)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot write: {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


# The drafting judgement (issue 20), in the words the 起草 page uses.
_DRAFT_MATCH = {
    "close": "[green]有相近的前例 / close precedents[/]",
    "related": "[yellow]没有相近的前例，以下是相关的 / no close precedent, related ones[/]",
    "none": "[yellow]没有找到相近的前例：从标准框架开始 / no close precedent: the standard frame[/]",
}
_MATCH_WORD = {"close": "相近", "related": "相关", "none": "不相近"}


def _print_draft(drafted: Draft) -> None:
    for warning in drafted.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    verdict = _DRAFT_MATCH.get(drafted.match.value if drafted.match else "", "")
    out.print(f"[bold]前例 precedents[/]  {verdict}", highlight=False)
    for p in drafted.precedents:
        township = p.project.township.label if p.project.township else ""
        words = "、".join(p.shared_words[:6])
        judged = f" · {_MATCH_WORD[p.match.value]}" if p.match else ""
        out.print(
            f" {p.rank}. {p.project.label}  [dim]{township} · 共同词 {words}{judged}[/]", highlight=False
        )
    if drafted.objective:
        out.print(f"\n[bold]年度总体目标（草稿）[/] {drafted.objective}", highlight=False, soft_wrap=True)
    out.print("\n[bold]建议指标 proposed indicators[/]")
    for slot in drafted.slots:
        level2 = slot.level2.label if slot.level2 else slot.label
        head = f"{slot.level1.label} › {level2}"
        if slot.missing:
            out.print(f" {head}: [red]前例中没有 — 请自行补充[/]", highlight=False)
            continue
        out.print(f" {head}", highlight=False)
        for c in slot.candidates[:3]:
            value = c.suggestion.raw if c.suggestion else ""
            used = len({e.precedent for e in c.evidence})
            adapted = " [yellow](换算)[/]" if c.suggestion and c.suggestion.adaptation else ""
            out.print(f"   - {c.label}  [bold]{value}[/]{adapted}  [dim]{used} 个前例[/]", highlight=False)
