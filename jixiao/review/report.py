"""A review for people and programs: findings grouped per project, counts per rule and severity."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from jixiao.review.model import Finding, Severity
from jixiao.review.run import ProjectInfo, Review

COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


@dataclass(frozen=True)
class Group:
    """The findings about one project, or about one unit budget (project None)."""

    key: str
    heading: str
    project: ProjectInfo | None
    findings: list[Finding]


def groups(review: Review) -> list[Group]:
    """Findings per project in the review's order (township, unit, project)."""
    found: dict[str, Group] = {}
    for finding in review.findings:
        key = finding.project or finding.focus
        if key not in found:
            info = review.projects.get(finding.project or "")
            heading = f"{info.township} · {info.label}" if info else finding.focus_label
            found[key] = Group(key, heading, info, [])
        found[key].findings.append(finding)
    return list(found.values())


def counts_table(review: Review) -> Table:
    counted: Counter[tuple[str, Severity]] = review.counts()
    table = Table(
        title="审核发现 findings per rule: 错误 error · 警告 warning · 提示 info", title_justify="left"
    )
    table.add_column("rule", no_wrap=True)
    table.add_column("规则", overflow="fold")
    for severity in Severity:
        table.add_column(severity.zh, justify="right")
    for rule in review.rules:
        cells = [str(counted.get((rule.id, s), 0) or "") for s in Severity]
        if rule.id in review.skipped:
            cells = ["skipped", "", ""]
        table.add_row(rule.id, rule.title, *cells)
    totals = Counter(f.severity for f in review.findings)
    table.add_row("total", "合计", *(str(totals.get(s, 0)) for s in Severity), style="bold")
    return table


def print_review(console: Console, review: Review) -> None:
    for group in groups(review):
        where = (
            f"  [dim]{escape(group.project.document)}[/]" if group.project and group.project.document else ""
        )
        console.print(f"[bold]{escape(group.heading)}[/]{where}", highlight=False, soft_wrap=True)
        for f in group.findings:
            colour = COLOURS[f.severity]
            console.print(
                f"  [{colour}]{f.severity.zh} {f.severity.value}[/] [dim]{f.rule}[/]  {escape(f.message)}",
                highlight=False,
                soft_wrap=True,
            )
            if f.values:
                shown = " | ".join(v if v else "（空）" for v in f.values)
                console.print(f"      [dim]原值 values:[/] {escape(shown)}", highlight=False, soft_wrap=True)
        console.print()
    if not review.findings:
        console.print("没有发现问题 / no findings")
    console.print(counts_table(review))
    for rule, reason in review.skipped.items():
        console.print(f"[yellow]skipped:[/] {rule}: {escape(reason)}", highlight=False)
