"""File formats: bytes -> `Source`. Chosen by the file's first bytes, not its name.

The extension is only a hint: staff rename files, and systems export HTML as `.xls`. Each
format module reads one kind of file; `read_source` picks it and turns every library error
into an `IngestError` naming the problem in words a finance clerk can act on.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePath

from ingest.decode import IngestError
from ingest.formats.archive import check_archive
from ingest.formats.html_sniff import looks_like_html
from ingest.limits import DEFAULT_LIMITS, IngestLimits
from ingest.source import Format, Source

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls/.doc, and password-protected .xlsx/.docx


def sniff(data: bytes, limits: IngestLimits = DEFAULT_LIMITS) -> Format:
    """The format of a file from its first bytes. Raises IngestError for formats jixiao cannot read."""
    head = data[:1024]
    if b"%PDF-" in head:
        return Format.PDF
    if data.startswith(b"PK\x03\x04"):
        return _zip_format(data, limits)
    if data.startswith(_OLE2):
        raise IngestError(
            "an old binary Office file (.xls/.doc) or a password-protected one: open it in Excel, WPS "
            "or Word, remove any password, and save it as .xlsx or .docx"
        )
    if head.lstrip().startswith(b"{\\rtf"):
        raise IngestError("an RTF document: open it in Word or WPS and save it as .docx")
    if looks_like_html(data):
        return Format.HTML
    return Format.TEXT


def _zip_format(data: bytes, limits: IngestLimits) -> Format:
    check_archive(data, limits)  # before any library unpacks a member
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        raise IngestError("a damaged or truncated ZIP file (an .xlsx or .docx cut short?)") from None
    if "xl/workbook.xml" in names:
        return Format.XLSX
    if "word/document.xml" in names:
        return Format.DOCX
    raise IngestError("a ZIP archive that is neither an Excel workbook (.xlsx) nor a Word document (.docx)")


def read_source(data: bytes, file_name: str, limits: IngestLimits = DEFAULT_LIMITS) -> Source:
    """Read a file's bytes into a Source, or raise IngestError saying why not."""
    kind = sniff(data, limits)
    if kind is Format.PDF:
        from ingest.formats.pdf import read_pdf

        return read_pdf(data, file_name, limits.max_pages)
    if kind is Format.XLSX:
        from ingest.formats.xlsx import read_xlsx

        return read_xlsx(data, file_name, limits)
    if kind is Format.DOCX:
        from ingest.formats.docx import read_docx

        return read_docx(data, file_name)
    if kind is Format.HTML:
        from ingest.formats.html import read_html

        return read_html(data, file_name, limits)
    from ingest.formats.text import read_text

    return read_text(data, file_name, delimited_hint=PurePath(file_name).suffix.lower() in {".csv", ".tsv"})
