"""Stable IRIs from normalised natural keys (see ontology/README.md, "Minting IRIs").

Invariant: the same content gives the same IRIs, whatever the file is called, where its
lines fall, or how its whitespace and brackets were typed. File names and line numbers
appear only in provenance IRIs (`source/…`), never in an entity's IRI.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote

from rdflib import URIRef

from ingest.records import BudgetUnit

# Variants that mean the same thing in a name; NFKC already folds full-width ASCII forms.
_UNIFY = str.maketrans(
    {
        "【": "[", "】": "]", "〔": "[", "〕": "]", "［": "[", "］": "]",
        "《": "<", "》": ">", "〈": "<", "〉": ">",
        "“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"',
        "、": ",", "，": ",", "；": ";", "：": ":", "。": ".", "·": ".",
        "—": "-", "－": "-", "–": "-", "～": "~",
    }
)  # fmt: skip
_SPACE = re.compile(r"\s+")


def normalize_key(text: str) -> str:
    """NFKC, whitespace removed, brackets and punctuation unified, trailing colons dropped."""
    folded = unicodedata.normalize("NFKC", text).translate(_UNIFY)
    return _SPACE.sub("", folded).rstrip(":")


def short_hash(key: str) -> str:
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


class IriMinter:
    def __init__(self, base: str) -> None:
        self.base = base if base.endswith(("/", "#")) else base + "/"

    def _iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    # -- keys, kept as jx:naturalKey for audit -------------------------------------------
    @staticmethod
    def unit_key(unit: BudgetUnit) -> str:
        return unit.code.strip() if unit.code else "n-" + short_hash(normalize_key(unit.name))

    @staticmethod
    def project_key(unit: BudgetUnit, fiscal_year: int | None, name: str) -> str:
        year = str(fiscal_year) if fiscal_year else "na"
        return f"{IriMinter.unit_key(unit)}/{year}/{normalize_key(name)}"

    # -- entities --------------------------------------------------------------------------
    def unit(self, unit: BudgetUnit) -> URIRef:
        return self._iri(f"unit/{quote(self.unit_key(unit))}")

    def unit_code(self, code: str) -> URIRef:
        return self._iri(f"unit/{quote(code.strip())}")

    def unit_budget(self, unit: BudgetUnit, fiscal_year: int | None) -> URIRef:
        return URIRef(f"{self.unit(unit)}/budget/{fiscal_year or 'na'}")

    def project(self, unit: BudgetUnit, fiscal_year: int | None, name: str) -> URIRef:
        year = fiscal_year or "na"
        return self._iri(f"project/{quote(self.unit_key(unit))}/{year}/{short_hash(normalize_key(name))}")

    @staticmethod
    def objective(project: URIRef, ordinal: int | None) -> URIRef:
        return URIRef(f"{project}/objective/{ordinal if ordinal is not None else 'overall'}")

    @staticmethod
    def indicator(project: URIRef, category: str, name: str, occurrence: int) -> URIRef:
        """`occurrence` counts earlier indicators of the same name under the same category (1-based)."""
        suffix = "" if occurrence == 1 else f"-{occurrence}"
        return URIRef(f"{project}/indicator/{category}-{short_hash(normalize_key(name))}{suffix}")

    @staticmethod
    def medium_term_objective(project: URIRef, ordinal: int | None) -> URIRef:
        return URIRef(f"{project}/objective/medium-term{'' if ordinal is None else f'-{ordinal}'}")

    @staticmethod
    def target(indicator: URIRef) -> URIRef:
        return URIRef(f"{indicator}/target")

    @staticmethod
    def medium_term_target(indicator: URIRef) -> URIRef:
        return URIRef(f"{indicator}/medium-term-target")

    @staticmethod
    def funding(project: URIRef, source: str) -> URIRef:
        return URIRef(f"{project}/funding/{source}")

    # -- provenance --------------------------------------------------------------------------
    def source_document(self, file_name: str) -> URIRef:
        """Also the IRI of the document's named graph: one graph per source file name."""
        return self._iri(f"source/{quote(unicodedata.normalize('NFC', file_name), safe='')}")

    def source_line(self, file_name: str, line: int) -> URIRef:
        return URIRef(f"{self.source_document(file_name)}#L{line}")
