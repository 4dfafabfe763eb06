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


def fallback_reader() -> Reader:
    """The structural reader: every source no exact reader claims (issue 17)."""
    from ingest.readers.structural import StructuralReader

    return StructuralReader()


class _OrStructural:
    """An exact reader whose detection matched; when it then finds nothing it can read (a page
    that only looks like its layout), the structural reader tries before the error stands."""

    def __init__(self, exact: Reader) -> None:
        self.exact = exact
        self.name = exact.name
        self.description = exact.description

    def detect(self, source: Source) -> bool:
        return self.exact.detect(source)

    def read(self, source: Source) -> Document:
        document = self.exact.read(source)  # an exact reader's errors stand: they are exact
        if document.projects or document.warnings:
            return document
        try:
            return fallback_reader().read(source)
        except IngestError:
            return document


def reader_named(name: str) -> Reader:
    for reader in [*all_readers(), fallback_reader()]:
        if reader.name == name:
            return reader
    known = ", ".join(r.name for r in all_readers())
    raise IngestError(f"unknown layout {name!r} (known: {known})")


def detect_reader(source: Source) -> Reader:
    matches = [r for r in all_readers() if r.detect(source)]
    if len(matches) == 1:
        return _OrStructural(matches[0])
    if not matches:
        # No exact layout: the structural reader takes any source that names indicator levels
        # or tree columns, and says what it found when there is no tree after all.
        fallback = fallback_reader()
        if fallback.detect(source):
            return fallback
        looked_for = "; ".join(f"{r.name}: {r.description}" for r in [*all_readers(), fallback])
        raise IngestError(f"unknown layout ({source.describe()}): looked for {looked_for}")
    names = ", ".join(r.name for r in matches)
    raise IngestError(f"ambiguous layout: matches {names}; choose one with --layout")
