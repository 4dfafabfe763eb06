"""The notebooks as git holds them: outputs stripped (nothing left of an earlier run), a title first,
the standard kernel, data from the shared setup. Running them top to bottom is nbmake's job
(`make test`: pytest --nbmake notebooks)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
EXPECTED = {"01-getting-started.ipynb", "02-comparing-townships.ipynb", "03-search-and-precedents.ipynb"}
# or in JupyterLab: Edit › Clear Outputs of All Cells, then save
STRIP = "jupyter nbconvert --clear-output --inplace notebooks/*.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)
    return notebook


def test_the_notebooks_are_there() -> None:
    assert {path.name for path in NOTEBOOKS} >= EXPECTED


@pytest.fixture(params=NOTEBOOKS, ids=lambda path: path.name)
def notebook(request: pytest.FixtureRequest) -> nbformat.NotebookNode:
    path: Path = request.param
    return read(path)


def test_outputs_are_stripped(notebook: nbformat.NotebookNode) -> None:
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    with_outputs = [cell.id for cell in code if cell.outputs]
    executed = [cell.id for cell in code if cell.execution_count is not None]
    assert not with_outputs, f"cells {with_outputs} have outputs: run `{STRIP}`"
    assert not executed, f"cells {executed} have an execution count: run `{STRIP}`"


def test_opens_with_a_title(notebook: nbformat.NotebookNode) -> None:
    first = notebook.cells[0]
    assert first.cell_type == "markdown"
    assert first.source.startswith("# "), "the first cell is the notebook's title: '# 标题'"


def test_runs_on_the_standard_python_kernel(notebook: nbformat.NotebookNode) -> None:
    # nbmake and Jupyter start the kernel the metadata names; "python3" is the environment's own
    # Python (jupyter_client runs it as sys.executable), so the notebooks see the venv's jixiao.
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.kernelspec.language == "python"


def test_starts_from_the_shared_setup(notebook: nbformat.NotebookNode) -> None:
    """Data comes from _setup.data_settings() (JIXIAO_DATA or the samples), in the first code cells."""
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert any("from _setup import" in source and "data_settings(" in source for source in code[:3])


def test_no_absolute_paths(notebook: nbformat.NotebookNode) -> None:
    for cell in notebook.cells:
        for fragment in (str(REPO), "/home/", "/tmp/", "C:\\"):
            assert fragment not in cell.source, f"cell {cell.id} names {fragment}"
