"""The document reader interface, the registry of layouts, and layout detection."""

from __future__ import annotations

from typing import Protocol

from ingest.decode import IngestError
from ingest.records import Document
from ingest.source import Source


class Reader(Protocol):
    """Reads one layout. `detect` must be cheap and conservative: it looks for the layout's
    fixed labels, so that a file of another layout is never half-read as this one."""

    name: str
    description: str

    def detect(self, source: Source) -> bool: ...

    def read(self, source: Source) -> Document: ...


def all_readers() -> list[Reader]:
    # Imported here so that adding a layout is one line and base.py has no import cycle.
    from ingest.readers.flat_table import FlatTableReader
    from ingest.readers.form_lines import FormLinesReader
    from ingest.readers.form_table import FormTableReader
    from ingest.readers.paragraph_table import ParagraphTableReader

    return [ParagraphTableReader(), FormLinesReader(), FlatTableReader(), FormTableReader()]


def reader_named(name: str) -> Reader:
    for reader in all_readers():
        if reader.name == name:
            return reader
    known = ", ".join(r.name for r in all_readers())
    raise IngestError(f"unknown layout {name!r} (known: {known})")


def detect_reader(source: Source) -> Reader:
    matches = [r for r in all_readers() if r.detect(source)]
    if len(matches) == 1:
        return matches[0]
    looked_for = "; ".join(f"{r.name}: {r.description}" for r in all_readers())
    if not matches:
        raise IngestError(f"unknown layout ({source.describe()}): looked for {looked_for}")
    names = ", ".join(r.name for r in matches)
    raise IngestError(f"ambiguous layout: matches {names}; choose one with --layout")
