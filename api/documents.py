"""Documents added, listed and removed while the service runs (issue 19): the 文件 page's routes.

The server holds the store (pyoxigraph's lock), so it runs the ingest itself:

- `POST /api/documents`: multipart, the files in the field `files` (every format `jixiao ingest`
  reads, and `.zip` archives of them). Each file is read and stored as `jixiao ingest` does
  (ingest.pipeline.ingest_file: one transaction per document, so a bad file changes nothing);
  then the search index is brought up to date (search.sync, only the changed documents embedded)
  and swapped in, between searches. A file whose name is already stored is not replaced unless
  the request says `replace=true` (the page asks first).
- `GET /api/documents`, `GET /api/documents/{id}`, `DELETE /api/documents/{id}`.

Writes are serialized by one lock. They are accepted only from the server's own pages
(api.http_guards: the Origin check) and, when the server listens on anything but loopback, only
with `JIXIAO_WRITE_TOKEN` (`Authorization: Bearer …`; without a token set there, they are refused).
Bytes per request (JIXIAO_UPLOAD_MAX_MB, before the body is read) and per file
(JIXIAO_UPLOAD_MAX_FILE_MB) are bounded, and archives are checked (ingest.formats.archive)
before a member is unpacked.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import tempfile
import threading
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Annotated, Any
from urllib.parse import unquote

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from rdflib import URIRef
from rdflib.namespace import DCTERMS

from api import ingest_report
from api.contracts import (
    DocumentPage,
    Documents,
    RemovedDocument,
    UploadProgress,
    UploadReport,
)
from api.resources import SEARCH_SLOTS, Resources, resources
from ingest.decode import IngestError
from ingest.formats.archive import check_archive
from ingest.iri import IriMinter
from ingest.limits import MB, IngestLimits, limits_from
from ingest.pipeline import ingest_file
from jixiao.store import StoreError
from jixiao.store_interface import LocalOxigraph
from ontology.namespace import JX
from search.encoder import EncoderError
from search.index import IndexUnavailable
from search.service import SearchService
from search.sync import sync

router = APIRouter(prefix="/api", tags=["documents"])
Held = Annotated[Resources, Depends(resources)]

# What a .zip of tables is searched for (as `jixiao ingest` searches a folder).
TABLE_SUFFIXES = frozenset(
    {".txt", ".csv", ".tsv", ".xlsx", ".docx", ".pdf", ".xls", ".doc", ".html", ".htm", ".mhtml", ".mht"}
)
MAX_NAME_BYTES = 240  # a file name, as UTF-8 (file systems allow 255)
_WRITES = threading.Lock()  # one upload or removal at a time: ingest and the index swap are not concurrent
_SIDECAR = "documents.json"  # DATA/documents.json: each uploaded document's format and warnings


@dataclass
class Progress:
    """The upload being read, for GET /api/documents/progress (the page polls it while it waits)."""

    active: bool = False
    files: int = 0  # files of the request (a .zip counts once)
    read: int = 0  # of them, read
    reports: int = 0  # per-file reports so far (members of a .zip each)
    stored: int = 0
    failed: int = 0
    current: str | None = None
    stage: str = "idle"  # idle | reading | indexing

    def as_json(self) -> dict[str, Any]:
        return dict(vars(self))


_PROGRESS = Progress()


# --- who may write ------------------------------------------------------------------------------


def on_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    return host in ("localhost", "::1") or host.startswith("127.")


def require_write(request: Request) -> None:
    """The write token's rule (module docstring); the same-origin rule is api.http_guards'."""
    settings = resources(request).settings
    token = settings.write_token.get_secret_value() if settings.write_token is not None else None
    if token is None:
        if on_loopback(settings.host):
            return
        raise HTTPException(
            403,
            f"服务器监听 {settings.host}（非本机地址），未设置写入令牌，不接受上传和删除 / the server"
            f" listens on {settings.host}, not loopback, and JIXIAO_WRITE_TOKEN is not set:"
            " uploads and removals are refused",
        )
    given = request.headers.get("authorization", "")
    given = given[7:].strip() if given[:7].lower() == "bearer " else request.headers.get("x-jixiao-token", "")
    if not given:
        raise HTTPException(
            401,
            "需要写入令牌 / a write token is needed (Authorization: Bearer <JIXIAO_WRITE_TOKEN>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(given.encode(), token.encode()):
        raise HTTPException(403, "写入令牌不正确 / the write token is wrong")


Writer = Annotated[None, Depends(require_write)]


# --- files of a request -------------------------------------------------------------------------


@dataclass
class Item:
    """One file to ingest: as the user named it (`表.zip/乡镇/a.xlsx`) and its document name."""

    shown: str
    name: str
    data: bytes = b""
    error: str | None = None
    skipped: str | None = None


def safe_name(name: str) -> str | None:
    """The last component of an uploaded name, NFC, without control characters; None if none is left."""
    last = re.split(r"[/\\]", name)[-1]
    last = "".join(ch for ch in unicodedata.normalize("NFC", last) if ch.isprintable()).strip()
    if last in ("", ".", "..") or len(last.encode("utf-8")) > MAX_NAME_BYTES:
        return None
    return last


def _member_name(info: zipfile.ZipInfo) -> str:
    """A member's name. Windows' zip tools write GBK names without the UTF-8 flag; zipfile has
    decoded those as cp437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gb18030")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def is_archive(data: bytes) -> bool:
    """A ZIP of files, not an .xlsx or .docx (which are ZIPs too)."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False  # ingest says what is wrong with it
    return (
        "xl/workbook.xml" not in names
        and "word/document.xml" not in names
        and "[Content_Types].xml" not in names
    )


def expand(shown: str, data: bytes, limits: IngestLimits) -> Iterator[Item]:
    """The file itself, or the tables inside a .zip (checked for bombs before any is unpacked)."""
    name = safe_name(shown)
    if name is None:
        yield Item(shown, shown, error="no usable file name")
        return
    if not is_archive(data):
        yield Item(shown, name, data)
        return
    try:
        check_archive(data, limits)
    except IngestError as exc:
        yield Item(shown, name, error=str(exc))
        return
    archive = zipfile.ZipFile(io.BytesIO(data))
    found = 0
    for info in archive.infolist():
        if info.is_dir():
            continue
        path = PurePosixPath(_member_name(info).replace("\\", "/"))
        inner = f"{shown}/{path}"
        member = safe_name(path.name)
        if member is None:
            yield Item(inner, inner, error="no usable file name")
            continue
        if any(part.startswith(".") or part == "__MACOSX" for part in path.parts):
            yield Item(inner, member, skipped="hidden")
            continue
        if member.startswith("~$"):
            yield Item(inner, member, skipped="an Office lock file")
            continue
        if path.suffix.lower() not in TABLE_SUFFIXES:
            yield Item(inner, member, skipped="not a table")
            continue
        found += 1
        if info.file_size > limits.max_file_bytes:
            yield Item(inner, member, error=_too_large(info.file_size, limits))
            continue
        try:
            yield Item(inner, member, archive.read(info))
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            yield Item(inner, member, error=f"cannot be unpacked from the archive ({exc})")
    if not found:
        yield Item(shown, name, error="a ZIP archive with no table in it (.txt .csv .xlsx .docx .pdf .html)")


def _too_large(size: int, limits: IngestLimits) -> str:
    return (
        f"file too large ({size / MB:.1f} MB; at most {limits.max_file_bytes / MB:.0f} MB per file,"
        " JIXIAO_UPLOAD_MAX_FILE_MB)"
    )


# --- the routes ---------------------------------------------------------------------------------


def _limits(held: Resources) -> IngestLimits:
    settings = held.settings
    return replace(limits_from(settings), max_file_bytes=settings.upload_max_file_mb * MB)


def _minter(held: Resources) -> IriMinter:
    return IriMinter(held.settings.base_iri)


@router.post(
    "/documents",
    summary="Upload tables (one or many, or a .zip of them): each is read and stored, the index updated",
    response_model=UploadReport,
    response_model_exclude_unset=True,  # a failed file's `exists` only when it is true (FailedFile)
    responses={401: {"description": "a write token is needed"}, 413: {"description": "too many bytes"}},
)
def upload(
    held: Held,
    _: Writer,
    files: Annotated[
        list[UploadFile], File(description="the tables: .txt .csv .xlsx .docx .pdf .html, or a .zip")
    ],
    replace_existing: Annotated[
        bool, Form(alias="replace", description="replace documents of the same file name (else: exists)")
    ] = False,
) -> dict[str, Any]:
    limits = _limits(held)
    minter = _minter(held)
    reports: list[dict[str, Any]] = []
    with _WRITES, tempfile.TemporaryDirectory(prefix="jixiao-upload-") as folder:
        global _PROGRESS
        _PROGRESS = progress = Progress(active=True, files=len(files), stage="reading")
        try:
            warnings = _read_all(
                files, held, minter, limits, replace_existing, Path(folder), progress, reports
            )
        finally:
            _PROGRESS = Progress(**{**progress.as_json(), "active": False, "current": None, "stage": "idle"})
    return {
        "files": reports,
        "stored": sum(1 for r in reports if r.get("stored")),
        "failed": sum(1 for r in reports if r.get("error")),
        "warnings": warnings,
    }


def _read_all(
    files: list[UploadFile],
    held: Resources,
    minter: IriMinter,
    limits: IngestLimits,
    replace_existing: bool,
    folder: Path,
    progress: Progress,
    reports: list[dict[str, Any]],
) -> list[str]:
    """Read and store every file (reports appended as they come), then index; the warnings."""
    stored: set[str] = set()
    names: dict[str, str] = {}
    for upload in files:
        shown = upload.filename or "unnamed"
        progress.current = shown
        progress.read += 1
        if upload.size is not None and upload.size > limits.max_file_bytes:
            reports.append(_failed(Item(shown, shown), _too_large(upload.size, limits)))
            continue
        data = upload.file.read(limits.max_file_bytes + 1)
        if len(data) > limits.max_file_bytes:
            reports.append(_failed(Item(shown, shown), _too_large(len(data), limits)))
            continue
        for item in expand(shown, data, limits):
            progress.current = item.shown
            report = _ingest_item(item, held, minter, limits, replace_existing, names, folder)
            if report.get("stored"):
                stored.add(minter.source_document(item.name))
                progress.stored += 1
            elif report.get("error"):
                progress.failed += 1
            reports.append(report)
            progress.reports += 1
            item.data = b""
    progress.stage, progress.current = "indexing", None
    warnings = _after_write(held, stored) if stored else []
    sidecar = _read_sidecar(held)
    for report in reports:
        if report.get("stored"):
            sidecar[str(minter.source_document(report["name"]))] = {
                "format": report["format"],
                "warnings": report["warnings"],
            }
    if stored:
        _write_sidecar(held, sidecar)
    return warnings


def _failed(item: Item, error: str, **extra: Any) -> dict[str, Any]:
    return ingest_report.failed(item.shown, item.name, error, **extra)


def _ingest_item(
    item: Item,
    held: Resources,
    minter: IriMinter,
    limits: IngestLimits,
    replace_existing: bool,
    names: dict[str, str],
    folder: Path,
) -> dict[str, Any]:
    if item.skipped is not None:
        return ingest_report.skipped(item.shown, item.name, item.skipped)
    if item.error is not None:
        return _failed(item, item.error)
    earlier = names.get(item.name)
    if earlier is not None:
        return _failed(item, f"same file name as {earlier}, in this upload; rename one")
    names[item.name] = item.shown
    graph = minter.source_document(item.name)
    ids = held.catalogue.ids
    if not replace_existing and held.store.has_document(graph):
        return _failed(
            item,
            f"{item.name} is already stored: send it again with replace=true to replace it",
            exists=True,
            id=ids.id(str(graph)),
        )
    path = folder / item.name
    try:
        path.write_bytes(item.data)
        result = ingest_file(path, held.store, minter, limits=limits)
    except IngestError as exc:
        return _failed(item, str(exc))
    except StoreError as exc:
        return _failed(item, f"not stored: {exc}")
    except Exception as exc:  # a reader bug must not stop the other files
        return _failed(item, f"unexpected error ({type(exc).__name__}: {exc}); please report it")
    finally:
        path.unlink(missing_ok=True)
    links = ingest_report.project_links(held.store, ids, [str(graph)]).get(str(graph), [])
    return ingest_report.stored(item.shown, item.name, ids.id(str(graph)), result, links)


def _after_write(held: Resources, changed: set[str]) -> list[str]:
    """Query workers see the write; the search index follows it (swapped in between searches)."""
    if isinstance(held.store, LocalOxigraph):
        held.store.oxigraph().flush()
    held.queries.refresh()
    service = held.searcher  # in process, or Milvus (search.backend): sync writes to either
    if service is None:
        return [f"搜索索引未更新 / the search index was not updated: {held.search_problem}"]
    try:
        report = sync(held.store, held.settings, lambda: service.encoder, changed=changed)
    except (EncoderError, IndexUnavailable, OSError, StoreError) as exc:
        held.index_stale = True  # the graph is stored; search says it is behind
        return [f"搜索索引未更新 / the search index was not updated: {exc}; run `jixiao reindex`"]
    if report.changed and report.index is not None and isinstance(service, SearchService):
        for _ in range(SEARCH_SLOTS):  # no search is half-way through the old index
            held.search_slots.acquire()
        try:
            service.index = report.index
        finally:
            for _ in range(SEARCH_SLOTS):
                held.search_slots.release()
    held.index_stale = False
    return []


def _sidecar_path(held: Resources) -> Path:
    return held.settings.data / _SIDECAR


def _read_sidecar(held: Resources) -> dict[str, Any]:
    try:
        found = json.loads(_sidecar_path(held).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _write_sidecar(held: Resources, sidecar: dict[str, Any]) -> None:
    path = _sidecar_path(held)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_suffix(".json.new")
    staging.write_text(json.dumps(sidecar, ensure_ascii=False, indent=1), "utf-8")
    staging.replace(path)


def _graph_counts(held: Resources, cls: URIRef) -> dict[str, int]:
    rows = held.store.query(
        f"SELECT ?g (COUNT(DISTINCT ?x) AS ?n) WHERE {{ GRAPH ?g {{ ?x a <{cls}> }} }} GROUP BY ?g"
    )
    return {str(g): int(n) for g, n in rows}  # type: ignore[misc]


def _listing(held: Resources) -> list[dict[str, Any]]:
    rows = held.store.query(
        f"""SELECT ?g ?title ?sha ?layout ?when WHERE {{ GRAPH ?g {{
              ?g a <{JX.SourceDocument}> ; <{DCTERMS.title}> ?title ;
                 <{JX.sha256}> ?sha ; <{JX.layout}> ?layout . OPTIONAL {{ ?g <{JX.ingestedAt}> ?when }} }} }}
            ORDER BY ?title"""
    )
    units = _graph_counts(held, JX.BudgetUnit)
    projects = _graph_counts(held, JX.Project)
    indicators = _graph_counts(held, JX.Indicator)
    sidecar = _read_sidecar(held)
    ids = held.catalogue.ids
    found = []
    for g, title, sha, layout, when in rows:  # type: ignore[misc]
        graph = str(g)
        kept = sidecar.get(graph, {})
        found.append(
            {
                "id": ids.id(graph),
                "file": str(title),
                "layout": str(layout),
                "format": kept.get("format"),
                "units": units.get(graph, 0),
                "projects": projects.get(graph, 0),
                "indicators": indicators.get(graph, 0),
                "ingested_at": str(when) if when is not None else None,
                "sha256": str(sha),
                "warnings": kept.get("warnings", []),
            }
        )
    return found


@router.get(
    "/documents",
    summary="The stored documents: file name, layout, format, counts, when, sha256",
    response_model=Documents,
)
def documents(held: Held) -> dict[str, Any]:
    return {"documents": _listing(held)}


def _graph_of(held: Resources, id: str) -> URIRef:
    """A document id (`source/<file name, percent-encoded or not>`), its IRI, or its file name."""
    iri = held.catalogue.ids.iri(id)
    prefix = held.catalogue.ids.iri("source/")
    name = unquote(iri[len(prefix) :]) if iri.startswith(prefix) else id
    graph = _minter(held).source_document(name)
    if not held.store.has_document(graph):
        raise HTTPException(404, f"没有这个文件 / no document {id}")
    return graph


@router.get(
    "/documents/progress",
    summary="The upload being read: files read, stored, failed, the current one",
    response_model=UploadProgress,
)
async def progress() -> dict[str, Any]:
    return _PROGRESS.as_json()


@router.get(
    "/documents/{id:path}", summary="One document: its report and its projects", response_model=DocumentPage
)
def document(held: Held, id: str) -> dict[str, Any]:
    graph = _graph_of(held, id)
    listed = next((d for d in _listing(held) if d["id"] == held.catalogue.ids.id(str(graph))), None)
    if listed is None:
        raise HTTPException(404, f"没有这个文件 / no document {id}")
    links = ingest_report.project_links(held.store, held.catalogue.ids, [str(graph)]).get(str(graph), [])
    return {**listed, "project_links": links}


@router.delete(
    "/documents/{id:path}",
    summary="Remove a document (its named graph) and its search entries",
    response_model=RemovedDocument,
)
def remove(held: Held, _: Writer, id: str) -> dict[str, Any]:
    with _WRITES:
        graph = _graph_of(held, id)
        removed = held.store.remove_document(graph)
        warnings = _after_write(held, set())
        sidecar = _read_sidecar(held)
        if sidecar.pop(str(graph), None) is not None:
            _write_sidecar(held, sidecar)
    return {"id": held.catalogue.ids.id(str(graph)), "removed_triples": removed, "warnings": warnings}
