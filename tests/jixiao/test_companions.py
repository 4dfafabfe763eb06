"""jixiao's generically named packages (api, ingest, search, ontology) are checked to be its own
before the CLI imports them (jixiao.companions): another package of that name gets a clear
message, not a crash at some import."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest

from jixiao import companions

REPO = Path(__file__).resolve().parents[2]


def test_the_installed_parts_are_jixiaos() -> None:
    assert companions.foreign_parts() == []


def part(folder: Path, name: str, text: str) -> ModuleSpec:
    init = folder / name / "__init__.py"
    init.parent.mkdir(parents=True, exist_ok=True)
    init.write_text(text, "utf-8")
    spec = ModuleSpec(name, loader=None, origin=str(init))
    return spec


OURS = '"""x"""\n' + companions.MARK + "\n"


@pytest.mark.parametrize(
    ("where", "text", "expected"),
    [
        ("home", OURS, None),
        ("elsewhere", OURS, "not next to jixiao"),
        ("home", '"""another package\'s api"""\nimport os\n', "another package overwrote it"),
        ("missing", "", "is not installed"),
    ],
    ids=["ours", "found elsewhere first", "overwritten in place", "missing"],
)
def test_a_part_that_is_not_jixiaos_is_named(
    tmp_path: Path, where: str, text: str, expected: str | None
) -> None:
    home, other = tmp_path / "site", tmp_path / "other"
    specs = {name: part(home, name, OURS) for name in companions.PARTS}
    if where == "missing":
        del specs["search"]
    else:
        specs["search"] = part(home if where == "home" else other, "search", text)
    problems = companions.foreign_parts(home, specs.get)
    if expected is None:
        assert problems == []
    else:
        (problem,) = problems
        assert problem.startswith("`search`") and expected in problem


def test_the_cli_refuses_to_start_with_a_foreign_part(tmp_path: Path) -> None:
    """A package `search` earlier on sys.path than jixiao's: the CLI says so and exits 1."""
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "__init__.py").write_text("raise RuntimeError('someone else')\n", "utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-c", "import jixiao.cli"], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 1, done.stderr
    assert "`search` is found at" in done.stderr and "own virtual environment" in done.stderr
    assert "someone else" not in done.stderr  # the foreign package never ran
