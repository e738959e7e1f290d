"""Builders for small campaigns in tmp_path: the plan, campaign.toml and unit sheets.

Tests describe a campaign as Python lists; these helpers write the files leitai reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

# A tiny campaign: 2 groups, 4 units, 4 projects, 9 nodes; cutoffs every 14 days from 09-14.
UNITS: list[tuple[str, str, str]] = [
    ("甲街道", "乡镇（街道）", "甲办"),
    ("乙镇", "乡镇（街道）", ""),
    ("县丙局", "县级部门", "丙局、县丙管理局"),
    ("县丁局", "县级部门", ""),
]
PROJECTS: list[tuple[Any, ...]] = [
    # id, name, category, unit, investment
    ("P01", "一号路改造", "项目推进", "甲街道", 1000),
    ("P02", "二号区块征迁", "重点区块征迁", "乙镇", None),
    ("P03", "三号园区", "项目推进", "县丙局", 5200),
    ("P04", "四号民生实事", "重要民生实事", "县丁局", 300),
]
NODES: list[tuple[str, int, str, str]] = [
    ("P01", 1, "完成方案", "2020-09-10"),
    ("P01", 2, "开工", "2020-09-25"),
    ("P01", 3, "完工", "2020-10-20"),
    ("P02", 1, "签约50%", "2020-09-12"),
    ("P02", 2, "签约100%", "2020-10-05"),
    ("P03", 1, "供地", "2020-09-14"),
    ("P03", 2, "开工", "2020-10-10"),
    ("P04", 1, "招标", "2020-09-20"),
    ("P04", 2, "完工", "2020-11-30"),
]

TOML = """\
[campaign]
name = "测试县百日攻坚行动"
short_name = "百日攻坚"
issuer = "测试县百日攻坚行动指挥部办公室"
doc_prefix = "测攻坚办〔2020〕"
start = 2020-09-01
end = 2020-12-09

[periods]
first_cutoff = 2020-09-14
every_days = 14
evaluations = [2, 4]

[rules]
yellow_cards = 1
{rules}
"""


def write_plan(
    path: Path,
    projects: Iterable[Sequence[Any]] = PROJECTS,
    nodes: Iterable[Sequence[Any]] = NODES,
    units: Iterable[Sequence[Any]] = UNITS,
    planned: dict[str, Any] | None = None,
) -> Path:
    """plan.xlsx; ``planned`` (project id -> 计划投资) adds that optional column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["项目编号", "项目名称", "所属板块", "牵头单位", "责任领导", "总投资（万元）", "备注"]
                 + (["计划投资（万元）"] if planned is not None else []))
    for pid, name, category, unit, investment in projects:
        sheet.append([pid, name, category, unit, "", investment, ""]
                     + ([planned.get(pid)] if planned is not None else []))
    sheet = book.create_sheet("节点")
    sheet.append(["项目编号", "节点序号", "节点目标", "计划完成日期"])
    for row in nodes:
        sheet.append(list(row))
    sheet = book.create_sheet("单位")
    sheet.append(["单位名称", "分组", "别名"])
    for row in units:
        sheet.append(list(row))
    book.save(path)
    return path


def no_pdf(toml: str) -> str:
    """campaign.toml text with ``[report] pdf = "never"``: LibreOffice only in the tests about PDF."""
    if "[report]" in toml:
        return toml.replace("[report]", '[report]\npdf = "never"', 1)
    return toml + '\n[report]\npdf = "never"\n'


def write_campaign(folder: Path, *, rules: str = "", toml: str | None = None, **plan: Any) -> Path:
    """A campaign folder with campaign.toml and plan.xlsx; ``rules`` adds lines to [rules]."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "campaign.toml").write_text(toml if toml is not None else no_pdf(TOML.format(rules=rules)),
                                          encoding="utf-8")
    write_plan(folder / "plan.xlsx", **plan)
    return folder


def date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def submit(campaign: Any, period: int, unit: str, answers: dict[tuple[str, int], Any], folder: Path,
           name: str | None = None, issue: str = "") -> Path:
    """A unit's filled sheet: the real template with 完成情况/实际完成日期 typed in.

    ``answers`` maps (project id, node seq) to a date text/date (done) or None (not done);
    nodes not in ``answers`` are left as the template has them.
    """
    from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW, build_template, template_filename

    book = build_template(campaign, unit, period)
    sheet = book[DATA_SHEET]
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        key = (str(sheet.cell(row, 1).value), int(sheet.cell(row, 3).value or 0))
        if key in answers:
            value = answers[key]
            sheet.cell(row, 6).value = "已完成" if value is not None else "未完成"
            sheet.cell(row, 7).value = value
            if isinstance(value, str):
                sheet.cell(row, 7).data_type = "s"  # typed text, as with a leading apostrophe in Excel
            if issue and value is None:
                sheet.cell(row, 11).value = issue
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or template_filename(unit, period))
    book.save(path)
    return path


def write_overrides(path: Path, rows: list[tuple[str, int, str, Any, str]]) -> Path:
    """核定.xlsx: (项目编号, 节点序号, 核定结果, 核定完成日期, 核定说明) rows."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "核定"
    sheet.append(["项目编号", "节点序号", "核定结果", "核定完成日期", "核定说明"])
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


CHANGE_HEADERS = ["项目编号", "节点序号", "调整类型", "调整后日期", "批准日期", "批准依据", "说明"]


def write_changes(plan_path: Path, rows: Iterable[Sequence[Any]] = (), included: dict[str, Any] | None = None) -> Path:
    """Give plan.xlsx a 计划调整 sheet (CHANGE_HEADERS rows) and, per project, a 纳入日期."""
    book = openpyxl.load_workbook(plan_path)
    if "计划调整" in book.sheetnames:
        del book["计划调整"]
    sheet = book.create_sheet("计划调整")
    sheet.append(CHANGE_HEADERS)
    for row in rows:
        sheet.append(list(row))
    if included:
        projects = book["项目"]
        column = projects.max_column + 1
        projects.cell(1, column, "纳入日期")
        for row in range(2, projects.max_row + 1):
            pid = str(projects.cell(row, 1).value)
            if pid in included:
                projects.cell(row, column, included[pid])
    book.save(plan_path)
    return plan_path


EXPORT_COLUMNS = ["项目编号", "项目名称", "节点序号", "节点目标", "计划完成日期", "完成情况", "实际完成日期",
                  "形象进度（%）", "累计完成投资（万元）", "进展情况", "存在问题", "下步计划"]


def export_rows(sheet_path: Path, unit: str) -> list[list[Any]]:
    """A filled template's node rows, as a form export would carry them: (unit, 12 SPEC columns)."""
    from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW

    sheet = openpyxl.load_workbook(sheet_path)[DATA_SHEET]
    return [[unit, *(sheet.cell(r, c).value for c in range(1, 13))]
            for r in range(FIRST_DATA_ROW, sheet.max_row + 1) if sheet.cell(r, 1).value]


def write_export(path: Path, rows: list[list[Any]], *, times: list[Any] | None = None,
                 unit_header: str = "填报单位", title: str = "") -> Path:
    """An online form's export: optional 提交时间, the unit column, the 12 SPEC columns, one row per node."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "收集结果"
    if title:
        sheet.append([title])
    sheet.append((["提交时间"] if times is not None else []) + [unit_header, *EXPORT_COLUMNS])
    for i, row in enumerate(rows):
        sheet.append(([times[i]] if times is not None else []) + list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
