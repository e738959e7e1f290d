"""The unit progress workbook: layout, protection, validation, identity, reproducibility,
and that what matters survives a round trip through LibreOffice (.xlsx and .xls)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from builders import write_campaign
from leitai.campaign.plan import Campaign, load_campaign
from leitai.campaign.templates import (
    DATA_SHEET,
    HEADERS,
    IDENTITY_SHEET,
    STATUS_NAME,
    TEMPLATE_VERSION,
    build_template,
    write_templates,
)

EXPECTED_HEADERS = [
    "项目编号", "项目名称", "节点序号", "节点目标", "计划完成日期", "完成情况",
    "实际完成日期", "形象进度（%）", "累计完成投资（万元）", "进展情况", "存在问题", "下步计划",
]
IDENTITY = {
    "kind": "leitai-progress", "campaign": "测试县百日攻坚行动", "unit": "甲街道",
    "period": 2, "cutoff": "2020-09-28", "template_version": TEMPLATE_VERSION,
}


@pytest.fixture()
def campaign(tmp_path: Path) -> Campaign:
    return load_campaign(write_campaign(tmp_path / "campaign"))


@pytest.fixture()
def known() -> pd.DataFrame:
    frame = pd.DataFrame({
        "project_id": ["P01", "P01", "P02"],
        "seq": [1, 2, 1],
        "done": [True, False, True],
        "done_date": pd.to_datetime(["2020-09-09", None, "2020-09-11"]),
    })
    frame["done_date"] = frame["done_date"].astype("datetime64[ns]")
    return frame


@pytest.fixture()
def saved(campaign: Campaign, known: pd.DataFrame, tmp_path: Path) -> Path:
    paths = write_templates(campaign, 2, tmp_path / "out", known)
    return next(p for p in paths if p.name == "甲街道-第02期.xlsx")


def identity(rows: list[list[object]]) -> dict[str, object]:
    return {str(r[0]): r[1] for r in rows if r and r[0] not in (None, "")}


def test_headers_exact_at_row_3(campaign: Campaign) -> None:
    assert list(HEADERS) == EXPECTED_HEADERS
    sheet = build_template(campaign, "甲街道", 2)[DATA_SHEET]
    assert [c.value for c in sheet[3]] == EXPECTED_HEADERS
    assert sheet["A1"].value == "百日攻坚第2期进度填报表"
    assert sheet["A2"].value == "填报单位：甲街道"
    row2 = [c.value for c in sheet[2] if c.value]
    assert "填报期次：第2期" in row2 and "截止日期：2020年9月28日" in row2


def test_rows_are_the_units_nodes_in_order(campaign: Campaign) -> None:
    sheet = build_template(campaign, "甲街道", 1)[DATA_SHEET]
    rows = [[c.value for c in row[:5]] for row in sheet.iter_rows(min_row=4) if row[0].value]
    assert [(r[0], r[2], r[3]) for r in rows] == [("P01", 1, "完成方案"), ("P01", 2, "开工"), ("P01", 3, "完工")]
    assert rows[0][1] == "一号路改造"
    assert str(rows[0][4])[:10] == "2020-09-10"


def test_first_five_columns_locked_inputs_unlocked(campaign: Campaign) -> None:
    sheet = build_template(campaign, "县丙局", 1)[DATA_SHEET]
    assert sheet.protection.sheet and not sheet.protection.password
    for row in (4, 5):
        assert all(sheet.cell(row, col).protection.locked for col in range(1, 6))
        assert not any(sheet.cell(row, col).protection.locked for col in range(6, 13))
    assert sheet.cell(3, 6).protection.locked  # the headers cannot be typed over
    assert sheet.freeze_panes == "A4"
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.fitToWidth == 1


def test_validations(campaign: Campaign) -> None:
    book = build_template(campaign, "甲街道", 1)
    sheet = book[DATA_SHEET]
    by_column = {str(v.sqref).split(":")[0][0]: v for v in sheet.data_validations.dataValidation}
    assert by_column["F"].type == "list" and by_column["F"].formula1 == STATUS_NAME
    assert str(by_column["F"].sqref) == "F4:F6"
    assert by_column["G"].type == "date"
    assert by_column["H"].type == "decimal" and (by_column["H"].formula1, by_column["H"].formula2) == ("0", "100")
    name = book.defined_names[STATUS_NAME]
    (sheet_name, ref), = name.destinations
    assert sheet_name == IDENTITY_SHEET
    assert [c.value for row in book[IDENTITY_SHEET][ref.replace("$", "")] for c in row] == ["已完成", "未完成"]


def test_identity_sheet_hidden(campaign: Campaign) -> None:
    book = build_template(campaign, "甲街道", 2)
    assert book.sheetnames == [DATA_SHEET, "填报说明", IDENTITY_SHEET]
    assert book[IDENTITY_SHEET].sheet_state == "hidden"
    assert identity([[c.value for c in row] for row in book[IDENTITY_SHEET].iter_rows(max_col=2)]) == IDENTITY
    assert book.active.title == DATA_SHEET


def test_known_done_nodes_prefilled(campaign: Campaign, known: pd.DataFrame) -> None:
    sheet = build_template(campaign, "甲街道", 2, known)[DATA_SHEET]
    rows = {(r[0], r[2]): (r[5], r[6]) for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows[("P01", 1)][0] == "已完成" and rows[("P01", 1)][1].isoformat()[:10] == "2020-09-09"
    assert rows[("P01", 2)] == ("未完成", None)
    assert rows[("P01", 3)] == ("未完成", None)


def test_instructions_sheet(campaign: Campaign) -> None:
    text = " ".join(str(c.value) for row in build_template(campaign, "乙镇", 3)["填报说明"].iter_rows() for c in row if c.value)
    for phrase in ("已完成", "未完成", "实际完成日期", "表头", "2020年10月12日", "一份", "√"):
        assert phrase in text


def test_write_templates_names_and_identical_bytes(campaign: Campaign, known: pd.DataFrame, tmp_path: Path) -> None:
    calls: list[tuple[int, int, str]] = []
    first = write_templates(campaign, 2, tmp_path / "a", known, progress=lambda *a: calls.append(a))
    second = write_templates(campaign, 2, tmp_path / "b", known)
    assert [p.name for p in first] == ["甲街道-第02期.xlsx", "乙镇-第02期.xlsx", "县丙局-第02期.xlsx", "县丁局-第02期.xlsx"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]
    assert calls[-1] == (4, 4, "县丁局")


# ------------------------------------------------------------------ other software

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def convert(source: Path, fmt: str, out: Path, profile: Path) -> Path:
    """LibreOffice's own conversion, with a private profile so parallel runs do not clash."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", fmt,
         "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=240,
    )
    result = out / f"{source.stem}.{fmt}"
    assert result.exists(), f"LibreOffice did not write {result.name}"
    return result


def check_openpyxl(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    assert [c.value for c in book[DATA_SHEET][3]] == EXPECTED_HEADERS
    assert book[IDENTITY_SHEET].sheet_state == "hidden"
    assert identity([[c.value for c in row] for row in book[IDENTITY_SHEET].iter_rows(max_col=2)]) == IDENTITY
    lists = [v for v in book[DATA_SHEET].data_validations.dataValidation if v.type == "list"]
    assert lists and lists[0].formula1 == STATUS_NAME and str(lists[0].sqref).startswith("F4")
    (sheet_name, _), = book.defined_names[STATUS_NAME].destinations
    assert sheet_name == IDENTITY_SHEET
    assert any(v.type == "date" for v in book[DATA_SHEET].data_validations.dataValidation)


def check_calamine(path: Path) -> None:
    book = CalamineWorkbook.from_path(str(path))
    hidden = {m.name: m.visible for m in book.sheets_metadata}
    assert str(hidden[IDENTITY_SHEET]).endswith("Hidden")
    assert identity(book.get_sheet_by_name(IDENTITY_SHEET).to_python()) == IDENTITY
    assert book.get_sheet_by_name(DATA_SHEET).to_python()[2] == EXPECTED_HEADERS


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_survives_libreoffice_xlsx(saved: Path, tmp_path: Path) -> None:
    converted = convert(saved, "xlsx", tmp_path / "lo", tmp_path / "profile")
    check_openpyxl(converted)
    check_calamine(converted)


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_survives_libreoffice_xls(saved: Path, tmp_path: Path) -> None:
    legacy = convert(saved, "xls", tmp_path / "lo", tmp_path / "profile")
    check_calamine(legacy)
    # calamine does not read validations from .xls: open it again in LibreOffice to see them.
    check_openpyxl(convert(legacy, "xlsx", tmp_path / "back", tmp_path / "profile"))


def test_the_instructions_give_the_submission_deadline(tmp_path: Path) -> None:
    """With submit_days, units are told the 报送截止 they are judged by, not the cutoff."""
    from builders import TOML
    from leitai.campaign.templates import HELP_SHEET

    toml = TOML.format(rules="") + "\n[supervision]\nsubmit_days = 2\n"
    campaign = load_campaign(write_campaign(tmp_path / "c", toml=toml))
    book = build_template(campaign, "甲街道", 2)
    text = "\n".join(str(c.value) for row in book[HELP_SHEET].iter_rows() for c in row if c.value)
    assert "截止日期为2020年9月28日" in text and "请于2020年9月30日（含当天）前在" in text
    assert "本期数据截至2020年9月28日，请于2020年9月30日（含当天）前报送。" in text
    plain = build_template(load_campaign(write_campaign(tmp_path / "d")), "甲街道", 2)
    assert "请于2020年9月28日（含当天）前在" in "\n".join(
        str(c.value) for row in plain[HELP_SHEET].iter_rows() for c in row if c.value)


def test_a_long_project_name_or_node_target_gets_a_row_tall_enough(tmp_path: Path) -> None:
    """Rows were 30 pt (two lines) whatever they held: Excel showed two lines of a long name."""
    from builders import NODES, PROJECTS

    long_name = "滨江新城智能制造产业园一期基础设施配套及道路改造提升工程暨片区综合开发项目（二期）"
    long_target = "完成全部征收户的入户调查、评估、签约并腾空，移交土地储备中心完成出让前期工作"
    projects = [(pid, long_name if pid == "P01" else name, *rest) for pid, name, *rest in PROJECTS]
    nodes = [(pid, seq, long_target if (pid, seq) == ("P01", 2) else target, due) for pid, seq, target, due in NODES]
    campaign = load_campaign(write_campaign(tmp_path / "c", projects=projects, nodes=nodes))
    path = next(p for p in write_templates(campaign, 1, tmp_path / "out") if p.name.startswith("甲街道"))
    sheet = openpyxl.load_workbook(path)["进度填报"]
    heights = {row: sheet.row_dimensions[row].height for row in range(4, 7)}
    assert heights[4] == 15 * 4 and heights[5] == 15 * 4  # the name: 43 characters in a 22-wide column
    campaign = load_campaign(write_campaign(tmp_path / "d"))  # short names: two lines' room, as before
    path = next(p for p in write_templates(campaign, 1, tmp_path / "out2") if p.name.startswith("甲街道"))
    assert openpyxl.load_workbook(path)["进度填报"].row_dimensions[4].height == 30
