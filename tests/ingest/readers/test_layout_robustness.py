"""No damaged table crashes ingest (issue 17): cut short or with its lines out of order, each
layout mock (and each of our own cases) is either read or refused with an IngestError, never
with any other exception.

Real files arrive truncated by downloads and document sites (mid-row, mid-character) and
reassembled out of order by copy-paste; the lenient readers must fail in words, not tracebacks.
Twenty variants per mock from a fixed seed, so that a failure is reproducible from its id.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from ingest.decode import IngestError
from ingest.pipeline import read_file

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
DOCUMENTS = sorted(
    p
    for folder in (FIXTURES / "layouts", FIXTURES / "layouts_extra")
    for p in folder.iterdir()
    if p.suffix in {".txt", ".html", ".xls"}
)
VARIANTS = 20


def variants(data: bytes, seed: int) -> list[tuple[str, bytes]]:
    """(what was done, damaged bytes): byte truncations at any point (so also inside a multi-byte
    character, a tag or an entity), of the file as it is and, for UTF-8 text, of the same text
    saved with a BOM (Notepad) or in GB18030 (Windows tools in China); line shuffles of the whole
    file or of a window; lines dropped."""
    rng = random.Random(seed)
    lines = data.split(b"\n")
    encodings = [("as is", data)]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None  # already GB18030 (mock 31): truncated as is only
    if text is not None and not text.startswith("\ufeff"):
        encodings += [("with a BOM", b"\xef\xbb\xbf" + data), ("in GB18030", text.encode("gb18030"))]
    out: list[tuple[str, bytes]] = []
    for k in range(VARIANTS // 2):
        how, encoded = encodings[k % len(encodings)]
        cut = rng.randrange(len(encoded) + 1)
        out.append((f"{how}, truncated at byte {cut}", encoded[:cut]))
    for k in range(VARIANTS - VARIANTS // 2):
        shuffled = list(lines)
        if k % 3 == 0:
            rng.shuffle(shuffled)
            what = "all lines shuffled"
        elif k % 3 == 1:
            start = rng.randrange(len(lines))
            window = shuffled[start : start + rng.randint(2, 12)]
            rng.shuffle(window)
            shuffled[start : start + len(window)] = window
            what = f"lines from {start + 1} shuffled"
        else:
            for _ in range(max(1, len(lines) // 5)):
                shuffled.pop(rng.randrange(len(shuffled)))
            what = "a fifth of the lines dropped"
        out.append((what, b"\n".join(shuffled)))
    return out


@pytest.mark.parametrize("document", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_damaged_document_reads_or_refuses_cleanly(document: Path, tmp_path: Path) -> None:
    data = document.read_bytes()
    seed = DOCUMENTS.index(document)
    for n, (what, damaged) in enumerate(variants(data, seed)):
        path = tmp_path / f"{n:02d}{document.suffix}"  # the same suffix: sniffing may use it as a hint
        path.write_bytes(damaged)
        try:
            read_file(path)
        except IngestError:
            pass
        except Exception as error:
            pytest.fail(f"{document.name}, variant {n} ({what}): {type(error).__name__}: {error}")


def test_variants_are_deterministic_and_damaged() -> None:
    data = DOCUMENTS[0].read_bytes()
    first, again = variants(data, 0), variants(data, 0)
    assert first == again
    assert len(first) == VARIANTS
    assert sum(1 for _, damaged in first if damaged != data) >= VARIANTS - 2  # a cut at the end is intact
