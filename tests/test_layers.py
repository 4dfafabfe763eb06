"""No module imports another top-level package's private names (issue 18).

A leading underscore says "this package's own business": `jixiao/drafting/export.py` typed its
targets with ingest's private `_Builder`, so ingest could not change its builder without breaking
the draft export, and import-linter's layers cannot see it (the import itself is allowed). This
reads every module's imports with `ast` and lists each one that reaches into another top-level
package's private names, modules or attributes. Dunder names (`__version__`) are public.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("jixiao", "ontology", "ingest", "search", "api")


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def foreign(module: str, home: str) -> bool:
    top = module.split(".")[0]
    return top in PACKAGES and top != home


def private_imports(source: str, home: str) -> list[str]:
    """What a module of package `home` takes privately from another package, one line each."""
    found: list[str] = []
    imported: dict[str, str] = {}  # local name -> the other package's dotted name it stands for
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and foreign(node.module, home)
        ):
            for alias in node.names:
                imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
                if private(alias.name) or any(map(private, node.module.split("."))):
                    found.append(f"line {node.lineno}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if foreign(alias.name, home):
                    imported[alias.asname or alias.name.split(".")[0]] = alias.name
                    if any(map(private, alias.name.split("."))):
                        found.append(f"line {node.lineno}: import {alias.name}")
    # `import ingest.graph` then `ingest.graph._Builder`, or `from ingest import graph; graph._Builder`
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            chain = [node.attr]
            base: ast.expr = node.value
            while isinstance(base, ast.Attribute):
                chain.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in imported:
                found.append(f"line {node.lineno}: {base.id}.{'.'.join(reversed(chain))}")
    return found


@pytest.mark.parametrize(
    ("home", "source", "expected"),
    [
        ("jixiao", "from ingest.graph import _Builder", ["line 1: from ingest.graph import _Builder"]),
        ("api", "from ingest.graph import _Builder as B", ["line 1: from ingest.graph import _Builder"]),
        ("api", "from search._private import x", ["line 1: from search._private import x"]),
        ("api", "import search._private.mod", ["line 1: import search._private.mod"]),
        ("api", "import ingest.graph\ningest.graph._Builder", ["line 2: ingest.graph._Builder"]),
        ("api", "from ingest import graph\ngraph._Builder(1)", ["line 2: graph._Builder"]),
        # allowed: the package's own private names, public names, dunders, relative imports
        ("ingest", "from ingest.graph import _Builder", []),
        ("api", "from ingest.graph import document_graph, SourceInfo", []),
        ("api", "from jixiao import __version__", []),
        ("api", "from ._routes import _x", []),
        ("api", "import json\njson._default_decoder", []),
    ],
)
def test_the_rule(home: str, source: str, expected: list[str]) -> None:
    assert private_imports(source, home) == expected


def modules() -> list[tuple[str, Path]]:
    return [(package, path) for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))]


def test_the_rule_reads_every_package() -> None:
    seen = {package for package, _ in modules()}
    assert seen == set(PACKAGES)
    assert len(modules()) > 50


def test_no_module_imports_another_packages_private_names() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} {line}"
        for package, path in modules()
        for line in private_imports(path.read_text(encoding="utf-8"), package)
    ]
    assert not offenders, "private names of another package (make them public):\n" + "\n".join(offenders)
