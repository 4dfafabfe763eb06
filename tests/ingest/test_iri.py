"""IRIs depend on normalised content only: whitespace, brackets and punctuation variants agree."""

from __future__ import annotations

import pytest

from ingest.iri import IriMinter, normalize_key
from ingest.records import BudgetUnit

BASE = "https://example.org/id/"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("调委会工作 补助经费", "调委会工作补助经费"),
        ("订阅购买党建资料（含党报党刊）", "订阅购买党建资料(含党报党刊)"),
        ("果皮箱、景观花池项目质保金", "果皮箱,景观花池项目质保金"),
        ("乡镇“两个中心”运行费", '乡镇"两个中心"运行费'),
        ("新农合参保率：", "新农合参保率"),
        ("ＡＢＣ１２３", "ABC123"),
        (" 基层社区规范化建设覆盖率 ", "基层社区规范化建设覆盖率"),
    ],
)
def test_equivalent_keys(a: str, b: str) -> None:
    assert normalize_key(a) == normalize_key(b)


@pytest.mark.parametrize(("a", "b"), [("村干部任职补贴", "村干部任职年限补贴"), ("1.02", "10.2")])
def test_different_keys(a: str, b: str) -> None:
    assert normalize_key(a) != normalize_key(b)


def test_entity_iris_follow_the_documented_patterns() -> None:
    minter = IriMinter(BASE)
    unit = BudgetUnit(name="门源县浩门镇政府", code="407001")
    project = minter.project(unit, 2023, "党校工作经费")
    assert str(minter.unit(unit)) == BASE + "unit/407001"
    assert str(project).startswith(BASE + "project/407001/2023/")
    assert minter.project(unit, 2023, "党校 工作经费") == project
    assert str(minter.objective(project, 2)) == f"{project}/objective/2"
    assert str(minter.objective(project, None)) == f"{project}/objective/overall"
    first = minter.indicator(project, "quantity", "机关党员人数", 1)
    assert str(first).startswith(project + "/indicator/quantity-")
    assert str(minter.indicator(project, "quantity", "机关党员人数", 2)) == f"{first}-2"
    assert str(minter.target(first)) == f"{first}/target"


def test_unit_without_code_is_keyed_by_name() -> None:
    minter = IriMinter(BASE)
    a = minter.unit(BudgetUnit(name="平罗县宝丰镇人民政府"))
    assert str(a).startswith(BASE + "unit/n-")
    assert a == minter.unit(BudgetUnit(name="平罗县 宝丰镇人民政府"))


def test_file_names_only_in_provenance_iris() -> None:
    minter = IriMinter(BASE.rstrip("/"))  # a base without its slash still works
    assert str(minter.source_document("宝丰 镇.txt")) == BASE + "source/%E5%AE%9D%E4%B8%B0%20%E9%95%87.txt"
    assert str(minter.source_line("a.txt", 12)) == BASE + "source/a.txt#L12"
