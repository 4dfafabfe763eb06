"""POST/GET/DELETE /api/documents (issue 19): the service ingests uploads itself, while it runs.

Each test works on its own copy of the samples' data dir. "Unchanged" is checked on the store's
quads and the document list, before and after.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from ingest.limits import MB
from ingest.pipeline import read_file
from tests.api.conftest import LiveServer, make_app
from tests.conftest import FORM_LINES
from tests.fixtures.office_parts import bomb_sheet, laughs_sheet, xlsx_parts
from tests.fixtures.render import flat_rows, write_xlsx

ORIGIN = {"Origin": "http://testserver"}  # the page's own origin, as a browser sends it


def township_text() -> str:
    """The form-lines sample moved to a township of its own, with a project name found nowhere else."""
    text = FORM_LINES.read_text("utf-8")
    return (
        text.replace("宝丰镇", "上传镇")
        .replace("058-", "777-")
        .replace("城乡社区运转经费", "文件上传测试经费")
    )


@pytest.fixture()
def data(sample_data: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(sample_data, copy)
    return copy


@pytest.fixture()
def client(data: Path) -> Iterator[TestClient]:
    with TestClient(make_app(data)) as test_client:
        yield test_client


def state(client: TestClient) -> tuple[int, list[str]]:
    health = client.get("/health").json()
    listed = client.get("/api/documents").json()["documents"]
    return health["quads"], sorted(d["file"] for d in listed)


def post(
    client: TestClient, *files: tuple[str, bytes], headers: dict[str, str] | None = None, **form: str
) -> Any:
    return client.post(
        "/api/documents",
        files=[("files", (name, content, "application/octet-stream")) for name, content in files],
        data=form,
        headers=ORIGIN if headers is None else headers,
    )


def test_an_upload_is_stored_indexed_and_searchable(client: TestClient) -> None:
    before = client.get("/api/search", params={"q": "文件上传测试经费", "mode": "lexical"}).json()
    assert all(h["project"]["label"] != "文件上传测试经费" for h in before["hits"] if h["project"])
    sent = post(client, ("上传镇.txt", township_text().encode("utf-8")))
    assert sent.status_code == 200, sent.text
    (report,) = sent.json()["files"]
    assert report["error"] is None and report["stored"]
    assert report["layout"] == "form-lines"
    assert report["format"] == "utf-8"
    assert report["units"] == 1 and report["projects"] > 1 and report["indicators"] > 10
    assert report["id"] == "source/" + "%E4%B8%8A%E4%BC%A0%E9%95%87.txt"
    links = {p["label"]: p for p in report["project_links"]}
    assert "文件上传测试经费" in links and links["文件上传测试经费"]["id"].startswith("project/777/")
    # The project page's route answers for the new project, and search finds it at once.
    assert client.get(f"/api/projects/{links['文件上传测试经费']['id']}").status_code == 200
    found = client.get("/api/search", params={"q": "文件上传测试经费", "kind": "project"}).json()
    assert found["hits"][0]["label"] == "文件上传测试经费"
    assert found["hits"][0]["unit"]["label"].endswith("上传镇人民政府")
    assert found["warnings"] == []
    # Listed, with its counts and report; one document of it.
    listed = {d["file"]: d for d in client.get("/api/documents").json()["documents"]}
    mine = listed["上传镇.txt"]
    assert (mine["projects"], mine["indicators"]) == (report["projects"], report["indicators"])
    assert mine["format"] == "utf-8" and len(mine["sha256"]) == 64 and mine["ingested_at"]
    one = client.get(f"/api/documents/{mine['id']}").json()
    assert {p["label"] for p in one["project_links"]} == set(links)
    # The SPARQL endpoint's workers see the write.
    ask = client.get(
        "/sparql",
        params={"query": 'ASK { ?p <http://www.w3.org/2000/01/rdf-schema#label> "文件上传测试经费"@zh }'},
    )
    assert ask.json()["boolean"] is True


def test_good_and_bad_files_in_one_request(client: TestClient) -> None:
    quads, files = state(client)
    gbk_table = township_text().replace("上传镇", "编码镇").replace("777-", "778-").encode("gb18030")
    sent = post(
        client,
        ("编码镇.txt", gbk_table),
        ("binary.txt", bytes(range(256)) * 40),
        ("empty.csv", b""),
        ("gbk-prose.txt", "这只是一段说明文字，不是绩效目标表。\n".encode("gbk") * 20),
    )
    assert sent.status_code == 200
    reports = {r["file"]: r for r in sent.json()["files"]}
    assert reports["编码镇.txt"]["stored"] and reports["编码镇.txt"]["format"] == "gb18030"
    for bad in ("binary.txt", "empty.csv", "gbk-prose.txt"):
        assert reports[bad]["error"], reports[bad]
        assert reports[bad]["stored"] is False and reports[bad]["error_zh"]
    assert "binary" in reports["binary.txt"]["error"]
    assert reports["empty.csv"]["error_zh"] == "文件为空"
    assert sent.json()["stored"] == 1 and sent.json()["failed"] == 3
    after_quads, after_files = state(client)
    assert after_files == sorted([*files, "编码镇.txt"])
    assert after_quads > quads


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("binary.pdf", b"\x00\x01\x02\xff" * 500, "binary"),
        ("empty.txt", b"", "empty"),
        ("bomb.xlsx", xlsx_parts(bomb_sheet(60 * MB)), "ZIP bomb"),
        ("laughs.xlsx", xlsx_parts(laughs_sheet()), "entities"),
    ],
    ids=["binary", "empty", "zip-bomb", "billion-laughs"],
)
def test_a_bad_file_changes_nothing(client: TestClient, name: str, content: bytes, said: str) -> None:
    before = state(client)
    sent = post(client, (name, content))
    assert sent.status_code == 200
    (report,) = sent.json()["files"]
    assert report["stored"] is False
    assert said in report["error"], report["error"]
    assert state(client) == before


def test_a_zip_of_tables(client: TestClient, tmp_path: Path) -> None:
    workbook = write_xlsx(flat_rows(read_file(FORM_LINES).document), tmp_path / "宝丰.xlsx")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("乡镇/上传镇.txt", township_text())
        archive.writestr("乡镇/宝丰.xlsx", workbook.read_bytes())
        archive.writestr("乡镇/说明.jpg", b"\xff\xd8\xff")
        archive.writestr("乡镇/~$宝丰.xlsx", b"lock")
        archive.writestr("乡镇/坏.csv", b"")
    sent = post(client, ("tables.zip", buffer.getvalue()))
    reports = {r["file"]: r for r in sent.json()["files"]}
    assert reports["tables.zip/乡镇/上传镇.txt"]["stored"]
    assert reports["tables.zip/乡镇/宝丰.xlsx"]["layout"] == "flat-table"
    assert reports["tables.zip/乡镇/说明.jpg"]["skipped"] == "not a table"
    assert reports["tables.zip/乡镇/~$宝丰.xlsx"]["skipped"] == "an Office lock file"
    assert reports["tables.zip/乡镇/坏.csv"]["error"]
    names = state(client)[1]
    assert "上传镇.txt" in names and "宝丰.xlsx" in names and "坏.csv" not in names


def test_a_zip_bomb_archive_is_refused(client: TestClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", b"\t" * (300 * MB))
    assert len(buffer.getvalue()) < 1 * MB
    before = state(client)
    (report,) = post(client, ("bomb.zip", buffer.getvalue())).json()["files"]
    assert "ZIP bomb" in report["error"] and report["error_zh"].startswith("压缩内容过大")
    assert state(client) == before


def test_same_name_needs_replace_then_replaces(client: TestClient) -> None:
    first = post(client, ("上传镇.txt", township_text().encode())).json()["files"][0]
    assert first["stored"] and first["replaced"] is False
    quads = state(client)[0]
    changed = township_text().replace("≥95%", "≥96%").encode()
    again = post(client, ("上传镇.txt", changed)).json()["files"][0]
    assert again["stored"] is False and again["exists"] is True and again["id"] == first["id"]
    assert state(client)[0] == quads
    replaced = post(client, ("上传镇.txt", changed), replace="true").json()["files"][0]
    assert replaced["stored"] and replaced["replaced"] is True
    listed = [d for d in client.get("/api/documents").json()["documents"] if d["file"] == "上传镇.txt"]
    assert len(listed) == 1
    # Twice the same name in one request: the second is refused.
    twice = post(client, ("a/x.txt", township_text().encode()), ("b/x.txt", township_text().encode()))
    assert [r["stored"] for r in twice.json()["files"]] == [True, False]


def test_delete(client: TestClient) -> None:
    before = state(client)
    report = post(client, ("上传镇.txt", township_text().encode())).json()["files"][0]
    gone = client.delete(f"/api/documents/{report['id']}", headers=ORIGIN)
    assert gone.status_code == 200 and gone.json()["removed_triples"] > 0
    assert state(client) == before
    hits = client.get("/api/search", params={"q": "文件上传测试经费", "kind": "project"}).json()["hits"]
    assert all(h["label"] != "文件上传测试经费" for h in hits)
    again = client.delete(f"/api/documents/{report['id']}", headers=ORIGIN)
    assert again.status_code == 404 and "没有这个文件" in again.json()["error"]
    assert client.get("/api/documents/source/nothing.txt").status_code == 404


def test_cross_origin_writes_are_refused(client: TestClient) -> None:
    before = state(client)
    evil = {"Origin": "https://evil.example"}
    sent = post(client, ("上传镇.txt", township_text().encode()), headers=evil)
    assert sent.status_code == 403 and "another origin" in sent.json()["error"]
    site = post(client, ("上传镇.txt", township_text().encode()), headers={"Sec-Fetch-Site": "cross-site"})
    assert site.status_code == 403
    listed = client.get("/api/documents").json()["documents"][0]
    assert client.delete(f"/api/documents/{listed['id']}", headers=evil).status_code == 403
    preflight = client.options(
        "/api/documents/x", headers={**evil, "Access-Control-Request-Method": "DELETE"}
    )
    assert preflight.status_code == 403
    assert state(client) == before
    # Reads stay open to every origin.
    assert client.get("/api/documents", headers=evil).headers["access-control-allow-origin"] == "*"


def test_off_loopback_writes_need_the_token(data: Path) -> None:
    with TestClient(make_app(data, host="0.0.0.0")) as open_client:
        before = state(open_client)
        refused = post(open_client, ("上传镇.txt", township_text().encode()))
        assert refused.status_code == 403 and "JIXIAO_WRITE_TOKEN" in refused.json()["error"]
        assert state(open_client) == before
    with TestClient(make_app(data, host="0.0.0.0", write_token="s3cret")) as guarded:
        assert post(guarded, ("上传镇.txt", township_text().encode())).status_code == 401
        wrong = post(guarded, ("上传镇.txt", b"x"), headers={**ORIGIN, "Authorization": "Bearer nope"})
        assert wrong.status_code == 403
        assert state(guarded) == before
        right = post(
            guarded,
            ("上传镇.txt", township_text().encode()),
            headers={**ORIGIN, "Authorization": "Bearer s3cret"},
        )
        assert right.status_code == 200 and right.json()["files"][0]["stored"]


def test_limits_per_request_and_per_file(data: Path) -> None:
    with TestClient(make_app(data, upload_max_mb=5, upload_max_file_mb=2)) as small:
        before = state(small)
        too_big = post(small, ("a.txt", b"x" * (6 * MB)))
        assert too_big.status_code == 413 and "JIXIAO_UPLOAD_MAX_MB" in too_big.json()["error"]
        assert state(small) == before
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("big.txt", os.urandom(3 * MB // 2).hex())  # packs ×2: no bomb, but too large
            archive.writestr("上传镇.txt", township_text())
        reports = {r["file"]: r for r in post(small, ("t.zip", buffer.getvalue())).json()["files"]}
        assert "file too large" in reports["t.zip/big.txt"]["error"]
        assert reports["t.zip/上传镇.txt"]["stored"]
        single = post(small, ("big.txt", os.urandom(3 * MB))).json()["files"][0]
        assert "JIXIAO_UPLOAD_MAX_FILE_MB" in single["error"] and single["error_zh"] == "文件过大"
        assert state(small)[1] == sorted([*before[1], "上传镇.txt"])


def test_a_pdf_over_the_page_limit(data: Path) -> None:
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

    buffer = io.BytesIO()
    canvas = Canvas(buffer)
    for page in range(3):
        canvas.drawString(72, 720, f"page {page + 1}")
        canvas.showPage()
    canvas.save()
    with TestClient(make_app(data, ingest_max_pages=2)) as small:
        before = state(small)
        (report,) = post(small, ("long.pdf", buffer.getvalue())).json()["files"]
        assert "a PDF of 3 pages (at most 2" in report["error"] and report["error_zh"] == "PDF 页数过多"
        assert state(small) == before


def test_progress_while_an_upload_is_read(sample_data: Path, tmp_path: Path) -> None:
    data = tmp_path / "live"
    shutil.copytree(sample_data, data)
    texts = [
        (
            f"进度{k}镇.txt",
            township_text().replace("上传镇", f"进度{k}镇").replace("777-", f"8{k:02d}-").encode(),
        )
        for k in range(12)
    ]
    seen: list[dict[str, Any]] = []
    with LiveServer(make_app(data)) as server:
        sending = threading.Thread(
            target=lambda: seen.append(
                httpx.post(
                    server.url + "/api/documents",
                    files=[("files", (n, c, "text/plain")) for n, c in [*texts, ("bad.txt", b"")]],
                    timeout=120,
                ).json()
            )
        )
        sending.start()
        polls = []
        while sending.is_alive():
            polls.append(httpx.get(server.url + "/api/documents/progress").json())
            time.sleep(0.05)
        sending.join()
        after = httpx.get(server.url + "/api/documents/progress").json()
    active = [p for p in polls if p["active"]]
    assert active, "no poll saw the upload in progress"
    assert all(p["files"] == 13 and p["stage"] in ("reading", "indexing") for p in active)
    reads = [p["read"] for p in active]
    assert reads == sorted(reads) and any(0 < r < 13 for r in reads)
    assert after == {**after, "active": False, "files": 13, "read": 13, "stored": 12, "failed": 1}
    assert seen[0]["stored"] == 12


def test_an_index_that_cannot_follow_is_said(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from api import documents
    from search.index import IndexUnavailable

    def failing(*_: object, **__: object) -> None:
        raise IndexUnavailable("the disk is full")

    monkeypatch.setattr(documents, "sync", failing)
    answer = post(client, ("上传镇.txt", township_text().encode())).json()
    assert answer["files"][0]["stored"]
    assert "the disk is full" in answer["warnings"][0] and "jixiao reindex" in answer["warnings"][0]
    found = client.get("/api/search", params={"q": "经费"}).json()
    assert any("does not match the store" in w for w in found["warnings"])
