"""One report per file read into the store, the same whoever read it: the upload route
(`POST /api/documents`, api.documents) and `jixiao ingest --json` build it here, and both answers
validate as api.contracts (StoredFile, FailedFile, SkippedFile; the CLI's UnchangedFile too)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rdflib.namespace import RDFS

from api.catalogue import Ids
from ingest.pipeline import TARGET_KINDS, IngestResult
from jixiao.store_interface import Store
from ontology.namespace import JX

# Graphs per projects query: a bulk load of thousands of files asks in batches, not once each
# (a SPARQL server would be sent a request per file).
_GRAPHS_PER_QUERY = 200


def stored(
    file: str, name: str, id: str, result: IngestResult, links: list[dict[str, Any]]
) -> dict[str, Any]:
    """A stored file's report (StoredFile): what the reader found, and the projects it holds."""
    return {
        "file": file,
        "name": name,
        "id": id,
        "stored": True,
        "layout": result.layout,
        "format": result.encoding,
        "units": result.units,
        "projects": result.projects,
        "objectives": result.objectives,
        "indicators": result.indicators,
        "targets": {k: result.targets.get(k, 0) for k in TARGET_KINDS},
        "warnings": result.warnings,
        "inferred": result.inferred,
        "dropped": result.dropped,
        "replaced": result.replaced,
        "project_links": links,
        "error": None,
    }


def failed(file: str, name: str, error: str, **extra: Any) -> dict[str, Any]:
    """A file that was not stored (FailedFile), its error in English and in Chinese."""
    return {
        "file": file,
        "name": name,
        "id": None,
        "stored": False,
        "error": error,
        "error_zh": chinese(error),
        **extra,
    }


def skipped(file: str, name: str, why: str) -> dict[str, Any]:
    """A file left out without being read (SkippedFile): `why` is "not a table", "hidden", …"""
    return {"file": file, "name": name, "id": None, "stored": False, "skipped": why, "error": None}


def project_links(store: Store, ids: Ids, graphs: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Each document graph's projects (ProjectLink), by name; a graph without projects is absent."""
    wanted = list(dict.fromkeys(graphs))
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for start in range(0, len(wanted), _GRAPHS_PER_QUERY):
        values = " ".join(f"<{g}>" for g in wanted[start : start + _GRAPHS_PER_QUERY])
        rows = store.query(
            f"""SELECT ?g ?p ?label ?unit ?amount WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{
                  ?p a <{JX.Project}> ; <{RDFS.label}> ?label .
                  OPTIONAL {{ ?p <{JX.unit}> ?u . OPTIONAL {{ ?u <{RDFS.label}> ?unit }} }}
                  OPTIONAL {{ ?p <{JX.amountWanYuan}> ?amount }} }} }} ORDER BY ?g ?label ?p"""
        )
        for row in rows:
            graph, project, label, unit, amount = row  # type: ignore[misc]
            found.setdefault(str(graph), {}).setdefault(
                str(project),
                {
                    "id": ids.id(str(project)),
                    "label": str(label),
                    "unit": str(unit) if unit is not None else None,
                    "amount_wan": float(amount) if amount is not None else None,
                },
            )
    return {graph: list(projects.values()) for graph, projects in found.items()}


# --- what an error means, in Chinese --------------------------------------------------------------

_ZH = [
    (r"^empty file|0 bytes|is empty", "文件为空"),
    (r"binary", "不是文本或表格文件（二进制内容）"),
    (r"decode|encoding|undecodable", "无法识别文字编码"),
    (r"ZIP bomb|unpacks to more than", "压缩内容过大（疑似压缩炸弹），已拒绝"),
    (r"entities", "XML 声明了会展开的实体（疑似 XML 炸弹），已拒绝"),
    (r"JIXIAO_INGEST_MAX_PAGES", "PDF 页数过多"),
    (r"too large", "文件过大"),
    (r"old binary Office|\.xls/\.doc", "旧版 Office 文件：请另存为 .xlsx 或 .docx"),
    (r"no text layer", "PDF 没有文字层（扫描件）：请先做 OCR"),
    (r"damaged|truncated", "文件已损坏或不完整"),
    (r"no known layout|no layout|layout", "无法识别表格格式"),
    (r"already stored", "同名文件已存在"),
    (r"same file name", "同名文件"),
    (r"no usable file name", "文件名不可用"),
    (r"no table in it", "压缩包里没有表格文件"),
    (r"not stored", "未能写入存储"),
]


def chinese(error: str) -> str:
    for pattern, zh in _ZH:
        if re.search(pattern, error, re.IGNORECASE):
            return zh
    return "无法导入"
