"""Drafts saved on the server: one JSON file per draft under `DATA/drafts/`, written atomically.

A saved draft is what the 起草 page needs to reopen it: the request it was drafted from and the
table as the drafter edited it (jixiao.drafting.draft.DraftTable JSON), with a title and the time it was
saved. A file is written to a temporary name in the same folder, flushed, and renamed over the
old one, so a crash leaves the old version or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FOLDER = "drafts"
ID = re.compile(r"^[0-9a-f]{16}$")


class UnknownDraft(LookupError):
    """No saved draft by that id."""


@dataclass(frozen=True)
class DraftStore:
    folder: Path

    @classmethod
    def of(cls, data: Path) -> DraftStore:
        return cls(data / FOLDER)

    def _path(self, draft_id: str) -> Path:
        if not ID.match(draft_id):
            raise UnknownDraft(f"{draft_id!r}: not a draft id (16 hexadecimal digits)")
        return self.folder / f"{draft_id}.json"

    def save(
        self, request: dict[str, Any], table: dict[str, Any], draft_id: str | None = None
    ) -> dict[str, Any]:
        """Write (or overwrite) a draft; its id, new when none is given."""
        draft_id = draft_id or secrets.token_hex(8)
        path = self._path(draft_id)
        saved = {
            "id": draft_id,
            "name": str(table.get("name") or request.get("name") or ""),
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "request": request,
            "table": table,
        }
        self.folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{draft_id}.", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(saved, out, ensure_ascii=False, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return saved

    def load(self, draft_id: str) -> dict[str, Any]:
        path = self._path(draft_id)
        try:
            found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise UnknownDraft(f"{draft_id}: no saved draft by that id") from exc
        return found

    def list(self) -> list[dict[str, Any]]:
        """Every saved draft's summary, the latest first; an unreadable file is left out."""
        found = []
        for path in self.folder.glob("*.json") if self.folder.is_dir() else []:
            if not ID.match(path.stem):
                continue
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            table = saved.get("table") or {}
            found.append(
                {
                    "id": path.stem,
                    "name": saved.get("name", ""),
                    "saved_at": saved.get("saved_at", ""),
                    "year": table.get("year"),
                    "amount": table.get("amount"),
                    "unit": table.get("unit"),
                    "rows": len(table.get("rows") or []),
                }
            )
        return sorted(found, key=lambda d: (d["saved_at"], d["id"]), reverse=True)

    def delete(self, draft_id: str) -> None:
        path = self._path(draft_id)
        try:
            path.unlink()
        except FileNotFoundError as exc:
            raise UnknownDraft(f"{draft_id}: no saved draft by that id") from exc
