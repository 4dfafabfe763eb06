"""Are the packages `jixiao` imports under generic names jixiao's own?

jixiao installs `ontology`, `ingest`, `search` and `api` as top-level packages (the design card's
folders; README, "Why the packages keep their top-level names"). Another distribution of one of
those names in the same environment either comes first on sys.path or overwrites our files, and
jixiao then fails at some import far from the cause, or worse, runs someone else's code. The CLI
asks here first: each must be found next to `jixiao` and carry the mark its `__init__.py` sets.
Nothing is imported to find out (`find_spec` of a top-level name only locates it).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from importlib.machinery import ModuleSpec
from pathlib import Path

PARTS = ("ontology", "ingest", "search", "api")
MARK = "__jixiao_part__ = True"
HOME = Path(__file__).resolve().parent.parent  # the folder holding jixiao/ (site-packages, a checkout)

Finder = Callable[[str], ModuleSpec | None]


def foreign_parts(home: Path = HOME, find: Finder = importlib.util.find_spec) -> list[str]:
    """One line per part that is missing, found elsewhere, or not jixiao's; empty when all are."""
    problems = []
    for name in PARTS:
        spec = find(name)
        origin = Path(spec.origin) if spec is not None and spec.origin else None
        if origin is None:
            problems.append(f"`{name}` is not installed")
        elif origin.resolve().parent.parent != home:
            problems.append(f"`{name}` is found at {origin.parent}, not next to jixiao in {home}")
        elif MARK not in _head(origin):
            problems.append(f"`{name}` in {origin.parent} is not jixiao's (another package overwrote it)")
    return problems


def _head(path: Path) -> str:
    try:
        with path.open(encoding="utf-8", errors="replace") as file:
            return file.read(4096)
    except OSError:
        return ""


def message(problems: list[str]) -> str:
    return (
        "jixiao 的组件被同名的其他软件包覆盖，请在独立的虚拟环境中安装 jixiao。\n"
        "jixiao cannot start: " + "; ".join(problems) + ". Another package of that name is installed"
        " in this environment. Install jixiao in its own virtual environment"
        " (python -m venv jixiao-env, then jixiao-env/bin/pip install jixiao-….whl)."
    )
