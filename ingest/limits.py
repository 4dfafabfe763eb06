"""How much one file may make ingest read: the bounds that keep a hostile or broken file from
taking the machine's memory. Built from the settings (`jixiao.settings.Settings`), defaults here.

A target table is kilobytes to a few megabytes; the defaults leave room for a 200k-row budget
system export and refuse what only a mistake or an attack produces (bench/RESULTS.md, "Ingest
memory").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MB = 1024 * 1024


@dataclass(frozen=True)
class IngestLimits:
    max_file_bytes: int = 200 * MB  # the file as stored
    max_unpacked_bytes: int = 200 * MB  # all members of an .xlsx/.docx, as declared unpacked
    max_ratio: int = 100  # a member's unpacked size over its packed size (above RATIO_FLOOR)
    max_members: int = 10_000  # files inside one .xlsx/.docx (Excel writes tens)
    max_rows: int = 200_000  # rows of one workbook, all sheets
    max_cells: int = 4_000_000  # cells of one workbook, all sheets, merged ones included
    max_pages: int = 2_000  # pages of one PDF (a county's tables are tens to hundreds)


DEFAULT_LIMITS = IngestLimits()


class LimitSettings(Protocol):
    """What the limits are built from (`jixiao.settings.Settings` has them): declared here so that
    ingest takes its parameters explicitly rather than importing the application's settings."""

    @property
    def ingest_max_unpacked_mb(self) -> int: ...
    @property
    def ingest_max_ratio(self) -> int: ...
    @property
    def ingest_max_members(self) -> int: ...
    @property
    def ingest_max_rows(self) -> int: ...
    @property
    def ingest_max_pages(self) -> int: ...
    @property
    def ingest_max_cells(self) -> int: ...


def limits_from(settings: LimitSettings) -> IngestLimits:
    return IngestLimits(
        max_unpacked_bytes=settings.ingest_max_unpacked_mb * MB,
        max_ratio=settings.ingest_max_ratio,
        max_members=settings.ingest_max_members,
        max_rows=settings.ingest_max_rows,
        max_cells=settings.ingest_max_cells,
        max_pages=settings.ingest_max_pages,
    )
