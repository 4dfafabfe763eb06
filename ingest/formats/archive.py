"""The ZIP container of .xlsx and .docx files, checked before any library unpacks it.

A ZIP's directory declares each member's packed and unpacked size. A "ZIP bomb" declares (and
holds) a small file that unpacks to gigabytes: 3.9 MB of `.xlsx` that unpacked to 1.3 GB grew
ingest past 9 GB (issue 16). So every member's declared unpacked size, its ratio to its packed
size, and the total are checked here, from the directory alone, before openpyxl or python-docx
read a byte of XML.

Declared sizes are enough: Python's zipfile, which both libraries read through, stops at a
member's declared size (and fails its CRC check) when the data would unpack to more.
"""

from __future__ import annotations

import io
import struct
import zipfile

from ingest.decode import IngestError
from ingest.limits import MB, IngestLimits

# Below this a member's ratio is not checked: small XML parts (styles, an empty sheet) compress
# well over 100× and cannot make memory grow anyway.
RATIO_FLOOR = 1 * MB
_END = b"PK\x05\x06"  # end of central directory record
_END_SIZE = 22
_DIRECTORY_ENTRY = 46  # bytes of a central directory entry before its name


def check_archive(data: bytes, limits: IngestLimits) -> None:
    """Raise IngestError when the ZIP in `data` would unpack to more than `limits` allow."""
    _check_directory_size(data, limits)
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, struct.error):
        raise IngestError("a damaged or truncated ZIP file (an .xlsx or .docx cut short?)") from None
    if len(members) > limits.max_members:
        raise IngestError(
            f"a ZIP archive of {len(members)} files (an .xlsx or .docx holds tens; at most"
            f" {limits.max_members} are read)"
        )
    total = 0
    for member in members:
        name = ascii(member.filename)[1:-1]  # a hostile name may hold escape sequences
        size = member.file_size
        if size > RATIO_FLOOR and size > limits.max_ratio * max(member.compress_size, 1):
            ratio = size / max(member.compress_size, 1)
            raise IngestError(
                f"{name} inside the file unpacks to {_mb(size)} from {_mb(member.compress_size)}"
                f" (×{ratio:.0f}; at most ×{limits.max_ratio} is read): a ZIP bomb, or not a real"
                " Office file"
            )
        total += size
        if total > limits.max_unpacked_bytes:
            raise IngestError(
                f"the file unpacks to more than {_mb(limits.max_unpacked_bytes)} (reached at {name},"
                f" {_mb(size)}): too large for a target table; split it, or raise the limit"
                " (JIXIAO_INGEST_MAX_UNPACKED_MB)"
            )


def _check_directory_size(data: bytes, limits: IngestLimits) -> None:
    """Refuse a directory too long for `max_members` before zipfile builds an object per entry.

    Its size comes from the end record (within the last 64 KiB + 22 bytes); a file without one
    is left to zipfile, which refuses it."""
    at = data.rfind(_END, max(0, len(data) - 65_536 - _END_SIZE))
    if at < 0 or at + _END_SIZE > len(data):
        return
    entries, directory_bytes = struct.unpack_from("<HI", data, at + 10)
    # 0xFFFF / 0xFFFFFFFF: the real values are in a ZIP64 record; Office never writes one that big.
    if entries > limits.max_members or directory_bytes > limits.max_members * (_DIRECTORY_ENTRY + 1024):
        raise IngestError(
            f"a ZIP archive whose directory lists {entries} files in {_mb(directory_bytes)} (an .xlsx or"
            f" .docx holds tens; at most {limits.max_members} are read)"
        )


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB" if size >= MB // 10 else f"{size} bytes"


def unreadable(what: str, exc: BaseException) -> IngestError:
    """The error for an Office file a library could not read, saying so plainly when its XML
    declared entities: defusedxml (openpyxl's XML parser here) forbids them, and libxml2
    (python-docx's) stops their expansion ("billion laughs"); either way nothing was expanded."""
    seen: BaseException | None = exc
    while seen is not None:
        text = str(seen)
        if type(seen).__name__ in ("EntitiesForbidden", "DTDForbidden") or "amplification" in text:
            return IngestError(
                f"not a readable {what}: its XML declares entities that expand (an XML bomb?); refused"
            )
        seen = seen.__cause__ or seen.__context__
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return IngestError(f"not a readable {what} ({type(exc).__name__}{': ' + first if first else ''})")
