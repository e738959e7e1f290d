"""intake/folder.py: reading a period's folder of unit sheets into reports, file records and problems."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from builders import NODES, PROJECTS, write_campaign
from leitai.campaign.plan import Campaign, load_campaign
from leitai.errors import InputError
from leitai.fileio import normalized_zip
from leitai.intake import folder as intake
from leitai.intake.folder import OVERRIDE_COLUMNS, check_files, read_inputs, read_overrides
from leitai.intake.rowframes import REPORT_COLUMNS

HEADERS = ["项目编号", "项目名称", "节点序号", "节点目标", "计划完成日期", "完成情况", "实际完成日期",
           "形象进度（%）", "累计完成投资（万元）", "进展情况", "存在问题", "下步计划"]
CAMPAIGN_NAME = "测试县百日攻坚行动"
# 甲街道 gets more nodes so one sheet can show every row problem
EXTRA_NODES = [("P01", k, f"节点{k}", "2020-10-30") for k in range(4, 14)]


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    return load_campaign(write_campaign(tmp_path / "campaign", nodes=NODES + EXTRA_NODES))


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs" / "第01期"
    folder.mkdir(parents=True)
    return folder


def node_rows(unit: str, **answers: tuple[Any, ...]) -> list[list[Any]]:
    """The template's pre-filled rows for ``unit``; ``answers["P01-1"] = (status, date, pct, invest, text)``."""
    names = {p[0]: p for p in PROJECTS}
    rows = []
    for pid, seq, target, due in NODES + EXTRA_NODES:
        if names[pid][3] != unit:
            continue
        status, date, pct, invest, text = (*answers.get(f"{pid}-{seq}", ()), None, None, None, None, None)[:5]
        reason = "正在协调推进" if (status or "未完成") == "未完成" else None  # as the 填报说明 asks
        rows.append([pid, names[pid][1], seq, target, due, status or "未完成", date, pct, invest, text, reason, None])
    return rows


def row(pid: str, seq: Any, status: Any = None, date: Any = None, pct: Any = None, invest: Any = None,
        text: Any = None) -> list[Any]:
    return [pid, "", seq, "", "", status, date, pct, invest, text, None, None]


def write_sheet(path: Path, unit: str = "甲街道", period: int = 1, rows: list[list[Any]] | None = None, *,
                identity: dict[str, Any] | None | bool = True, unit_cell: str | None = None,
                headers: list[str] = HEADERS, header_row: int = 3, first_col: int = 1,
                title: str = "进度填报", decoy: list[list[Any]] | None = None,
                modified: dt.datetime | None = None) -> Path:
    """A unit progress workbook laid out as docs/ARCHITECTURE.md says the template is."""
    book = openpyxl.Workbook()
    if decoy is not None:  # a hidden sheet with the same headers placed first: must be ignored
        hidden = book.active
        hidden.title = "旧表"
        hidden.sheet_state = "hidden"
        hidden.append(headers)
        for values in decoy:
            hidden.append(values)
        sheet = book.create_sheet(title)
    else:
        sheet = book.active
        sheet.title = title
    sheet.cell(row=1, column=first_col, value=f"百日攻坚第{period}期进度填报表")
    if header_row > 2:
        sheet.cell(row=2, column=first_col, value=f"填报单位：{unit}" if unit_cell is None else unit_cell)
        sheet.cell(row=2, column=first_col + 4, value=f"填报期次：第{period}期")
        sheet.cell(row=2, column=first_col + 7, value="截止日期：2020年9月14日")
    for col, header in enumerate(headers, start=first_col):
        sheet.cell(row=header_row, column=col, value=header)
    for r, values in enumerate(rows if rows is not None else node_rows(unit), start=header_row + 1):
        for col, value in enumerate(values, start=first_col):
            sheet.cell(row=r, column=col, value=value)
    if identity:
        meta = {"kind": "leitai-progress", "campaign": CAMPAIGN_NAME, "unit": unit, "period": period,
                "cutoff": "2020-09-14", "template_version": "1"}
        if isinstance(identity, dict):
            meta.update(identity)
        hidden = book.create_sheet("_leitai")
        hidden.sheet_state = "hidden"
        for key, value in meta.items():
            hidden.append([key, value])
    guide = book.create_sheet("填报说明")
    guide["A1"] = "请在“完成情况”列选择已完成或未完成。"
    buffer = io.BytesIO()
    book.save(buffer)  # openpyxl stamps "now"; set dcterms:modified as the test wants
    path.write_bytes(normalized_zip(buffer.getvalue(), modified or dt.datetime(2020, 9, 14, 9, 0)))
    return path


def codes(result: intake.Intake, file: str | None = None) -> list[tuple[str, str]]:
    return sorted((p.code, p.cell) for p in result.problems if file is None or p.file == file)


def record(result: intake.Intake, file: str) -> intake.FileRecord:
    return next(f for f in result.files if f.file == file)


# ---------------------------------------------------------------------------- a good sheet

def test_good_sheet(campaign: Campaign, inbox: Path) -> None:
    rows = node_rows("甲街道", **{"P01-1": ("已完成", dt.date(2020, 9, 9), 100, 250.5, "方案已批复"),
                                  "P01-2": ("未完成", None, "60%", "1,000万元", "施工准备")})
    write_sheet(inbox / "甲街道-第01期.xlsx", rows=rows)
    result = read_inputs(inbox, campaign, 1)

    assert result.problems == []
    assert result.files == [intake.FileRecord(
        "甲街道-第01期.xlsx", hashlib.sha256((inbox / "甲街道-第01期.xlsx").read_bytes()).hexdigest(),
        (inbox / "甲街道-第01期.xlsx").stat().st_size, "甲街道", "accepted", "已采用", 0)]
    assert result.submitted_units == {"甲街道"}
    reports = result.reports
    assert list(reports.columns) == REPORT_COLUMNS
    assert len(reports) == 13
    first = reports.iloc[0]
    assert (first.file, first.unit, first.sheet, first.row, first.project_id, first.seq) == \
        ("甲街道-第01期.xlsx", "甲街道", "进度填报", 4, "P01", 1)
    assert bool(first.done) and first.done_date == pd.Timestamp("2020-09-09")
    assert (first.progress_pct, first.invest_done, first.progress_text) == (100.0, 250.5, "方案已批复")
    assert (first.status_cell, first.date_cell) == ("F4", "G4")
    second = reports.iloc[1]
    assert not second.done and pd.isna(second.done_date)
    assert (second.progress_pct, second.invest_done) == (60.0, 1000.0)
    assert reports["done_date"].dtype == "datetime64[ns]"
    assert reports["seq"].dtype == "int64" and reports["done"].dtype == bool
    assert list(result.overrides.columns) == OVERRIDE_COLUMNS and result.overrides.empty


def test_every_spelling_a_unit_types(campaign: Campaign, inbox: Path) -> None:
    spellings = [("完成", "2020年9月9日"), ("√", "2020/9/9"), ("Y", "9月9日"), ("done", 20200909),
                 ("是", "2020.9.9"), ("YES", (dt.date(2020, 9, 9) - dt.date(1899, 12, 30)).days),
                 ("✓", "２０２０－０９－０９")]
    rows = [row("P01", k, status, date, "８５％") for k, (status, date) in enumerate(spellings, start=1)]
    write_sheet(inbox / "甲街道.xlsx", rows=rows)
    result = read_inputs(inbox, campaign, 1)
    reports = result.reports
    assert len(reports) == len(spellings)
    assert reports["done"].all()
    assert (reports["done_date"] == pd.Timestamp("2020-09-09")).all()
    assert (reports["progress_pct"] == 85.0).all()
    assert {p.code for p in result.problems} == {"missing_node_row"}


def test_percent_formatted_cell(campaign: Campaign, inbox: Path) -> None:
    path = write_sheet(inbox / "甲街道.xlsx", rows=[row("P01", 1, "未完成", None, 0.85)])
    book = openpyxl.load_workbook(path)
    book["进度填报"]["H4"].number_format = "0%"
    book.save(path)
    assert read_inputs(inbox, campaign, 1).reports.iloc[0].progress_pct == 85.0


def test_percent_formatted_column_reads_one_as_100(campaign: Campaign, inbox: Path) -> None:
    rows = [row("P01", 1, "已完成", "2020-09-09", 1), row("P01", 2, "未完成", None, 0.6), row("P01", 3, "未完成", None, 0)]
    write_sheet(inbox / "甲街道.xlsx", rows=rows)
    assert list(read_inputs(inbox, campaign, 1).reports["progress_pct"]) == [100.0, 60.0, 0.0]


def test_cutoff_rules_are_checked_at_intake(campaign: Campaign, inbox: Path) -> None:
    # So that `leitai check` and `status` report what `run` reports.
    write_sheet(inbox / "甲街道.xlsx", rows=node_rows("甲街道", **{"P01-1": ("已完成",),
                                                                 "P01-2": ("已完成", "2020-09-20")}))
    result = read_inputs(inbox, campaign, 1)
    assert [(p.code, p.cell) for p in result.problems] == [("done_without_date", "G4"), ("date_after_cutoff", "G5")]
    assert result.files[0].status == "accepted_with_problems" and result.files[0].problems == 2
    assert result.reports.iloc[0].done and pd.isna(result.reports.iloc[0].done_date)  # the rule is scoring's
    checked = intake.check_files([inbox / "甲街道.xlsx"], campaign)  # the period comes from the sheet itself
    assert [p.code for p in checked.problems] == ["done_without_date", "date_after_cutoff"]


# ---------------------------------------------------------------------------- row problems

def test_row_problems_carry_code_and_cell(campaign: Campaign, inbox: Path) -> None:
    rows = [
        row("P01", 1, "已完成", "2020-09-09"),           # 4 good
        row("P01", 2, "完成", "2020年9月20日"),           # 5 good
        row("P09", 1, "已完成", "2020-09-09"),           # 6 unknown project
        row("P01", 99, "已完成", "2020-09-09"),          # 7 unknown node number
        row("P02", 1, "已完成", "2020-09-09"),           # 8 乙镇's node
        row("P01", 3, "已完成", "九月底"),               # 9 bad date
        row("P01", 4, "差不多"),                         # 10 bad status
        row("P01", 5, "未完成", None, "很多"),            # 11 bad percent
        row("P01", 6, "未完成", None, 150),              # 12 percent out of range
        row("P01", 7, "未完成", None, None, "一千万"),    # 13 bad number
        row("P01", 8, "已完成", "2020-08-01"),           # 14 before the campaign
        row("P01", 9, "未完成", "2020-10-01"),           # 15 date without 已完成
        row("P01", 10, "已完成", "2020-10-01"),          # 16 \ identical
        row("P01", 10, "已完成", "2020-10-01"),          # 17 /
        row("P01", 11, "已完成", "2020-10-01"),          # 18 \ conflicting
        row("P01", 11, "未完成"),                        # 19 /
        [None] * 12,                                     # 20 blank
        ["填表人：张三  联系电话：12345678"] + [None] * 11,  # 21 a note
        row("P01", 13, "已完成"),                        # 22 done without a date
    ]                                                    # P01 node 12: missing
    write_sheet(inbox / "甲街道-第01期.xlsx", rows=rows)
    result = read_inputs(inbox, campaign, 1)

    assert codes(result) == sorted([
        ("unknown_node", "A6"), ("unknown_node", "C7"), ("other_unit_node", "A8"), ("bad_date", "G9"),
        ("bad_status", "F10"), ("bad_percent", "H11"), ("percent_out_of_range", "H12"), ("bad_number", "I13"),
        ("date_before_start", "G14"), ("date_without_done", "G15"), ("duplicate_row", "F17"),
        ("conflicting_rows", "F18"), ("conflicting_rows", "F19"), ("missing_node_row", ""),
        # the cutoff (2020-09-14) rules: dates after it, and done rows left without a usable date
        ("date_after_cutoff", "G5"), ("date_after_cutoff", "G16"),
        ("date_after_cutoff", "G17"), ("date_after_cutoff", "G18"), ("done_without_date", "G22"),
    ])
    assert all(p.unit == "甲街道" and p.sheet == "进度填报" and p.file == "甲街道-第01期.xlsx" for p in result.problems)
    by_code = {p.code: p for p in result.problems}
    assert by_code["other_unit_node"].message == "该节点属于“乙镇”，不是本单位牵头的项目"
    assert by_code["missing_node_row"].value == "P01 节点12"
    assert by_code["bad_date"].value == "九月底"
    # an unreadable date on a done row is one problem, which says how the row counted
    assert by_code["bad_date"].message == "无法识别的日期“九月底”，按截止日期 2020年9月14日 计为完成"
    assert by_code["date_before_start"].message.startswith("实际完成日期 2020年8月1日 早于行动开始日期 2020年9月1日")

    reports = result.reports.set_index("seq")
    assert sorted(reports.index) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13]  # the good rows still count
    assert reports.loc[3].done and pd.isna(reports.loc[3].done_date)       # bad date: done, date unknown
    assert not reports.loc[4].done                                          # bad status: not done
    assert pd.isna(reports.loc[5].progress_pct) and pd.isna(reports.loc[6].progress_pct)
    assert pd.isna(reports.loc[7].invest_done)
    assert reports.loc[8].done_date == pd.Timestamp("2020-08-01")
    assert not reports.loc[9].done and pd.isna(reports.loc[9].done_date)
    assert reports.loc[10].row == 16
    record_ = record(result, "甲街道-第01期.xlsx")
    assert record_.status == "accepted_with_problems" and record_.problems == 19


def test_merged_project_cells(campaign: Campaign, inbox: Path) -> None:
    path = write_sheet(inbox / "甲街道.xlsx", rows=[row("P01", 1, "已完成", "2020-09-09"), row(None, 2), row(None, 3)])
    book = openpyxl.load_workbook(path)
    book["进度填报"].merge_cells("A4:A6")
    book.save(path)
    reports = read_inputs(inbox, campaign, 1).reports
    assert list(reports["seq"]) == [1, 2, 3] and set(reports["project_id"]) == {"P01"}


def test_long_text_is_capped(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "甲街道.xlsx", rows=[row("P01", 1, "未完成", text="长" * 2500)])
    result = read_inputs(inbox, campaign, 1)
    assert ("long_text", "J4") in codes(result)
    assert len(result.reports.iloc[0].progress_text) == 2000


# ---------------------------------------------------------------------------- finding the table

def test_header_variants_and_table_position(campaign: Campaign, inbox: Path) -> None:
    headers = [" 项目\n编号", "项目名称", "*节点序号 ", "节点目标", "计划完成日期", "完成情况（已完成/未完成）",
               "实际完成\n日期", "形象进度(％)", "累计完成投资（万元）", "进展 情况", "存在问题", "下步计划"]
    rows = [row("P01", 1, "已完成", "2020-09-09", 50)]
    write_sheet(inbox / "甲街道.xlsx", rows=rows, headers=headers, header_row=6, first_col=2, title="Sheet1")
    result = read_inputs(inbox, campaign, 1)
    first = result.reports.iloc[0]
    assert (first.sheet, first.row, first.status_cell, first.date_cell) == ("Sheet1", 7, "G7", "H7")
    assert first.done and first.progress_pct == 50.0


def test_two_row_header_with_merged_cells(campaign: Campaign, inbox: Path) -> None:
    path = write_sheet(inbox / "甲街道.xlsx", rows=[[None] * 12, row("P01", 1, "已完成", "2020-09-09", 30)])
    book = openpyxl.load_workbook(path)
    sheet = book["进度填报"]
    for col in "ABCDEFGHIJKL":
        sheet.merge_cells(f"{col}3:{col}4")  # headers merged down over a second header row
    book.save(path)
    result = read_inputs(inbox, campaign, 1)
    assert [(r.row, r.progress_pct) for r in result.reports.itertuples()] == [(5, 30.0)]
    assert {p.code for p in result.problems} == {"missing_node_row"}


def test_repeated_header_row_is_not_a_node(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "甲街道.xlsx", rows=[row("P01", 1), HEADERS, row("P01", 2)])
    result = read_inputs(inbox, campaign, 1)
    assert list(result.reports["seq"]) == [1, 2]
    assert "unknown_node" not in {p.code for p in result.problems}


def test_minimum_headers_only(campaign: Campaign, inbox: Path) -> None:
    headers = ["项目编号", "节点序号", "完成情况", "实际完成日期"]
    write_sheet(inbox / "甲街道.xlsx", headers=headers, rows=[["P01", 1, "已完成", "2020-09-09"]])
    result = read_inputs(inbox, campaign, 1)
    first = result.reports.iloc[0]
    assert first.done and (first.status_cell, first.date_cell) == ("C4", "D4")
    assert pd.isna(first.progress_pct) and first.progress_text == ""


def test_hidden_decoy_sheet_is_ignored(campaign: Campaign, inbox: Path) -> None:
    decoy = [row("P01", 1, "已完成", "2020-09-01")]
    write_sheet(inbox / "甲街道.xlsx", rows=node_rows("甲街道"), decoy=decoy)
    reports = read_inputs(inbox, campaign, 1).reports
    assert set(reports["sheet"]) == {"进度填报"} and not reports["done"].any()


def test_not_a_progress_sheet(campaign: Campaign, inbox: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["项目编号", "金额"])
    book.save(inbox / "甲街道-统计.xlsx")
    result = read_inputs(inbox, campaign, 1)
    assert codes(result) == [("not_progress_sheet", "")]
    assert "节点序号、完成情况、实际完成日期" in result.problems[0].message
    assert record(result, "甲街道-统计.xlsx").status == "rejected"


# ---------------------------------------------------------------------------- identity

def test_identity_from_leitai_sheet(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "报表.xlsx", unit="乙镇", unit_cell="")
    assert record(read_inputs(inbox, campaign, 1), "报表.xlsx").unit == "乙镇"


def test_leitai_sheet_wins_over_cell_and_name(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "甲街道-第01期.xlsx", unit="乙镇", unit_cell="填报单位：甲街道")
    assert record(read_inputs(inbox, campaign, 1), "甲街道-第01期.xlsx").unit == "乙镇"


def test_identity_from_unit_cell(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "报表.xlsx", unit="乙镇", identity=False)
    result = read_inputs(inbox, campaign, 1)
    assert record(result, "报表.xlsx").unit == "乙镇" and result.problems == []


def test_identity_from_unit_cell_with_value_in_next_cell(campaign: Campaign, inbox: Path) -> None:
    path = write_sheet(inbox / "报表.xlsx", unit="乙镇", identity=False, unit_cell="填报单位")
    book = openpyxl.load_workbook(path)
    book["进度填报"]["B2"] = "乙镇（盖章）"
    book.save(path)
    assert record(read_inputs(inbox, campaign, 1), "报表.xlsx").unit == "乙镇"


def test_identity_from_file_name(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "县丙局-第01期.xlsx", unit="县丙局", identity=False, unit_cell="")
    write_sheet(inbox / "关于报送县丁局第1期进度的函.xlsx", unit="县丁局", identity=False, unit_cell="")
    result = read_inputs(inbox, campaign, 1)
    assert record(result, "县丙局-第01期.xlsx").unit == "县丙局"
    assert record(result, "关于报送县丁局第1期进度的函.xlsx").unit == "县丁局"


def test_identity_by_alias(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "a.xlsx", unit="县丙局", identity=False, unit_cell="填报单位：丙局")
    write_sheet(inbox / "甲办第1期.xlsx", unit="甲街道", identity=False, unit_cell="")
    result = read_inputs(inbox, campaign, 1)
    assert record(result, "a.xlsx").unit == "县丙局"
    assert record(result, "甲办第1期.xlsx").unit == "甲街道"


def test_unknown_unit_suggests_close_names(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "报表.xlsx", unit="甲街到", identity=False)
    result = read_inputs(inbox, campaign, 1)
    assert codes(result) == [("unknown_unit", "")]
    assert result.problems[0].value == "甲街到"
    assert "是否为：甲街道" in result.problems[0].message
    assert record(result, "报表.xlsx").status == "rejected" and result.reports.empty


def test_wrong_campaign(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "甲街道.xlsx", identity={"campaign": "别县百日攻坚行动"})
    result = read_inputs(inbox, campaign, 1)
    assert codes(result) == [("wrong_campaign", "")]
    assert result.problems[0].value == "别县百日攻坚行动"


def test_wrong_period_from_leitai_sheet(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "甲街道.xlsx", period=2)
    result = read_inputs(inbox, campaign, 1)
    assert codes(result) == [("wrong_period", "")]
    assert result.problems[0].message == "期次不符：表内为第2期，本次汇总第1期"
    assert record(result, "甲街道.xlsx").status == "rejected" and result.submitted_units == set()


def test_wrong_period_from_period_cell(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "甲街道.xlsx", period=3, identity=False)
    assert codes(read_inputs(inbox, campaign, 1)) == [("wrong_period", "")]


def test_check_files_takes_the_period_from_the_file(campaign: Campaign, inbox: Path) -> None:
    path = write_sheet(inbox / "甲街道-第03期.xlsx", period=3)
    result = check_files([path], campaign)
    assert result.problems == [] and record(result, "甲街道-第03期.xlsx").status == "accepted"
    assert check_files([inbox], campaign).files == result.files


# ---------------------------------------------------------------------------- files

def test_later_submission_wins(campaign: Campaign, inbox: Path) -> None:
    early = node_rows("甲街道")
    late = node_rows("甲街道", **{"P01-1": ("已完成", "2020-09-09")})
    write_sheet(inbox / "甲街道-第01期（修改）.xlsx", rows=early, modified=dt.datetime(2020, 9, 13, 8))
    write_sheet(inbox / "甲街道-第01期.xlsx", rows=late, modified=dt.datetime(2020, 9, 14, 8))
    result = read_inputs(inbox, campaign, 1)
    loser, winner = record(result, "甲街道-第01期（修改）.xlsx"), record(result, "甲街道-第01期.xlsx")
    assert winner.status == "accepted"
    assert loser.status == "rejected" and loser.unit == "甲街道" and "采用“甲街道-第01期.xlsx”" in loser.reason
    assert codes(result) == [("duplicate_submission", "")]
    assert result.problems[0].file == loser.file
    assert set(result.reports["file"]) == {"甲街道-第01期.xlsx"} and result.reports.iloc[0].done


def test_same_time_submissions_fall_back_to_name(campaign: Campaign, inbox: Path) -> None:
    stamp = dt.datetime(2020, 9, 14, 8)
    write_sheet(inbox / "甲街道-1.xlsx", modified=stamp)
    write_sheet(inbox / "甲街道-2.xlsx", modified=stamp)
    result = read_inputs(inbox, campaign, 1)
    assert record(result, "甲街道-2.xlsx").status == "accepted"
    assert record(result, "甲街道-1.xlsx").status == "rejected"


def test_lock_and_hidden_files_are_skipped(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "甲街道-第01期.xlsx")
    (inbox / "~$甲街道-第01期.xlsx").write_bytes(b"\x00" * 165)
    (inbox / ".~lock.甲街道-第01期.xlsx#").write_text("lock")
    (inbox / ".DS_Store").write_bytes(b"\x00\x00")
    result = read_inputs(inbox, campaign, 1)
    assert record(result, "~$甲街道-第01期.xlsx").status == "skipped"
    assert record(result, ".~lock.甲街道-第01期.xlsx#").status == "skipped"
    assert record(result, ".DS_Store").status == "skipped"
    assert codes(result) == [("file_lock", ""), ("file_lock", "")]
    assert result.submitted_units == {"甲街道"}


def test_text_file_renamed_xlsx_is_rejected(campaign: Campaign, inbox: Path) -> None:
    (inbox / "乙镇.xlsx").write_text("项目编号,节点序号\nP02,1\n", encoding="utf-8")
    (inbox / "说明.pdf").write_bytes(b"%PDF-1.4 ...")
    result = read_inputs(inbox, campaign, 1)
    assert codes(result) == [("file_not_sheet", ""), ("file_not_workbook", "")]
    assert "文本文件" in record(result, "乙镇.xlsx").reason and record(result, "乙镇.xlsx").status == "rejected"
    assert record(result, "说明.pdf").status == "skipped"  # plainly not a sheet: the office's own document


def test_word_document_and_broken_zip(campaign: Campaign, inbox: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    (inbox / "通知.docx").write_bytes(buffer.getvalue())
    (inbox / "县丙局.xlsx").write_bytes(buffer.getvalue())  # a Word document renamed .xlsx
    good = write_sheet(inbox / "甲街道.xlsx").read_bytes()
    broken = inbox / "乙镇.xlsx"
    broken.write_bytes(good[: len(good) // 2])
    os.utime(broken, (1_600_000_000, 1_600_000_000))  # old: not a file still being copied
    result = read_inputs(inbox, campaign, 1)
    assert record(result, "通知.docx").reason == "不是表格文件（.docx），已跳过"
    assert record(result, "通知.docx").status == "skipped"
    assert record(result, "县丙局.xlsx").reason == "不是 Excel 工作簿（Word 文档）"
    assert record(result, "乙镇.xlsx").status == "rejected"
    assert [p.code for p in result.problems if p.file == "乙镇.xlsx"] == ["file_unreadable"]


def test_file_being_copied_is_skipped(campaign: Campaign, inbox: Path) -> None:
    good = write_sheet(inbox / "x.xlsx").read_bytes()
    (inbox / "x.xlsx").unlink()
    (inbox / "乙镇.xlsx").write_bytes(good[: len(good) // 2])
    (inbox / "丙.xlsx").write_bytes(b"")
    result = read_inputs(inbox, campaign, 1)
    assert [f.status for f in result.files] == ["skipped", "skipped"]
    assert codes(result) == [("file_incomplete", ""), ("file_incomplete", "")]


def test_encrypted_files_are_rejected(campaign: Campaign, inbox: Path) -> None:
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64
    (inbox / "甲街道.xlsx").write_bytes(ole)
    result = read_inputs(inbox, campaign, 1)
    assert codes(result) == [("file_encrypted", "")]
    assert record(result, "甲街道.xlsx").status == "rejected"


def test_one_broken_file_does_not_stop_the_batch(campaign: Campaign, inbox: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    write_sheet(inbox / "甲街道.xlsx")
    write_sheet(inbox / "乙镇.xlsx", unit="乙镇")
    real = intake._read_sheet

    def flaky(book: Any, path: Path, *args: Any) -> Any:
        if path.name == "乙镇.xlsx":
            raise RuntimeError("boom")
        return real(book, path, *args)

    monkeypatch.setattr(intake, "_read_sheet", flaky)
    result = read_inputs(inbox, campaign, 1)
    assert record(result, "乙镇.xlsx").status == "rejected"
    assert codes(result) == [("file_unreadable", "")] and "RuntimeError: boom" in result.problems[0].message
    assert result.submitted_units == {"甲街道"}


def test_input_files_are_not_modified(campaign: Campaign, inbox: Path) -> None:
    write_sheet(inbox / "甲街道.xlsx")
    write_sheet(inbox / "乙镇.xlsx", unit="乙镇", rows=[row("P02", 9)])
    (inbox / "bad.xlsx").write_text("x")
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in inbox.iterdir()}
    read_inputs(inbox, campaign, 1)
    check_files(sorted(inbox.iterdir()), campaign)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in inbox.iterdir()} == before


def test_progress_callback_and_folders(campaign: Campaign, inbox: Path, tmp_path: Path) -> None:
    write_sheet(inbox / "甲街道.xlsx")
    write_sheet(inbox / "乙镇.xlsx", unit="乙镇")
    calls: list[tuple[int, int, str]] = []
    read_inputs(inbox, campaign, 1, progress=lambda *args: calls.append(args))
    assert calls == [(1, 2, "乙镇.xlsx"), (2, 2, "甲街道.xlsx")]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert read_inputs(empty, campaign, 1).files == []
    with pytest.raises(InputError):
        read_inputs(tmp_path / "missing", campaign, 1)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_legacy_xls_reads_like_xlsx(campaign: Campaign, inbox: Path, tmp_path: Path) -> None:
    rows = node_rows("甲街道", **{"P01-1": ("已完成", dt.date(2020, 9, 9), 100, 250.5, "方案已批复"),
                                  "P01-2": ("完成", "2020年9月12日", "60%", "1,000万元", "施工")})
    source = write_sheet(tmp_path / "甲街道-第01期.xlsx", rows=rows)
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "xls",
                    "--outdir", str(inbox), str(source)], check=True, capture_output=True, timeout=180)
    assert (inbox / "甲街道-第01期.xls").read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")
    xls = read_inputs(inbox, campaign, 1)
    other = tmp_path / "xlsx"
    other.mkdir()
    shutil.copy(source, other / source.name)
    xlsx = read_inputs(other, campaign, 1)
    assert record(xls, "甲街道-第01期.xls").status == "accepted" and xls.problems == []
    pd.testing.assert_frame_equal(xls.reports.drop(columns="file"), xlsx.reports.drop(columns="file"))


# ---------------------------------------------------------------------------- overrides

def write_overrides(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "核定"
    sheet.append(["项目编号", "节点序号", "核定结果", "核定完成日期", "核定说明"])
    for values in rows:
        sheet.append(values)
    book.save(path)
    return path


def test_overrides(campaign: Campaign, inbox: Path) -> None:
    write_overrides(inbox / "核定.xlsx", [
        ["P01", 1, "已完成", "2020-09-10", "现场核实已完成"],   # 2 good
        ["P03", 2, "未完成", None, "未达到开工条件"],          # 3 good
        ["P09", 1, "已完成", "2020-09-10", ""],                # 4 unknown node
        ["P02", 1, "差不多", None, ""],                        # 5 bad result
        ["P02", 2, "已完成", "下周", ""],                      # 6 bad date
        ["P04", 1, None, None, "待定"],                        # 7 no result
        ["P04", 2, "已完成", "2020-09-10", "a"],               # 8 \ two rulings
        ["P04", 2, "未完成", None, "b"],                       # 9 /
    ])
    write_sheet(inbox / "甲街道.xlsx")
    result = read_inputs(inbox, campaign, 1)
    assert list(result.overrides.columns) == OVERRIDE_COLUMNS
    frame = result.overrides
    assert list(zip(frame["project_id"], frame["seq"], frame["done"], frame["cell"])) == \
        [("P01", 1, True, "A2"), ("P03", 2, False, "A3")]
    assert frame.iloc[0].done_date == pd.Timestamp("2020-09-10") and pd.isna(frame.iloc[1].done_date)
    assert frame.iloc[0].reason == "现场核实已完成"
    assert codes(result, "核定.xlsx") == [("bad_override", f"A{r}") for r in (4, 5, 6, 7, 8, 9)]
    assert record(result, "核定.xlsx").status == "accepted_with_problems"
    assert record(result, "核定.xlsx").unit is None
    assert result.submitted_units == {"甲街道"}


def test_unreadable_overrides(campaign: Campaign, inbox: Path) -> None:
    (inbox / "核定.xlsx").write_text("not a workbook")
    frame, problems = read_overrides(inbox / "核定.xlsx", campaign)
    assert frame.empty and list(frame.columns) == OVERRIDE_COLUMNS
    assert [p.code for p in problems] == ["bad_override"]
    assert record(read_inputs(inbox, campaign, 1), "核定.xlsx").status == "rejected"


# ------------------------------------------------------------------ performance paths (issue 8)

def _sheet_part(cells: bytes, dimension: bytes = b"") -> bytes:
    return (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + (b'<dimension ref="' + dimension + b'"/>' if dimension else b"")
            + b"<sheetData>" + cells + b"</sheetData></worksheet>")


@pytest.mark.parametrize("part", [
    _sheet_part(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="200000"><c r="XFD200000"><v>1</v></c></row>'),
    _sheet_part(b'<row r="1"><c r="A1"><v>1</v></c><c r="ALM1"><v>1</v></c></row>'),  # 1001 columns
    _sheet_part(b'<row r="1"><c r="A1"><v>1</v></c></row><row r="3000"><c r="ZZ3000"><v>1</v></c></row>'),
    _sheet_part(b'<row r="1"><c><v>1</v></c></row>'),  # a cell without r
    _sheet_part(b'<row><c r="A1"><v>1</v></c></row>'),  # a row without r
    _sheet_part(b'<row r="x"><c r="A1"><v>1</v></c></row>'),
    _sheet_part(b'<row r="1"><x:c r="XFD1"><v>1</v></x:c></row>'),  # a namespace prefix
    _sheet_part(b'<row r="1"><c\tr="XFD1"><v>1</v></c></row>'),
    _sheet_part(b'<row r="1"><c s="1" r="XFD1"><v>1</v></c></row>'),  # r not first
    _sheet_part(b'<row r="1"><c r="$A$1"><v>1</v></c></row>'),
    _sheet_part(b'<row r="1"><c r="A1"><v>1</v></c></row>', b"A1:XFD1048577"),
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><sst/>',
    "<sst/>".encode("utf-16"),
])
def test_quick_precheck_never_passes_what_the_full_scan_must_look_at(part: bytes) -> None:
    from leitai.intake import precheck

    assert not precheck._plainly_safe(part)


@pytest.mark.parametrize("part", [
    _sheet_part(b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="L1"><v>2</v></c></row>', b"A1:L1"),
    _sheet_part(b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="ZZ%d"/></row>' % (i, i, i)
                         for i in range(1, 2800))),
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>row c dimension</t></si></sst>',
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
])
def test_quick_precheck_agrees_with_the_full_scan(part: bytes) -> None:
    from leitai.intake import precheck

    assert precheck._plainly_safe(part)
    precheck._Extent().scan(part, "xl/worksheets/sheet1.xml")  # the full scan accepts it too


def test_worker_processes_give_the_same_intake(campaign: Campaign, inbox: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    write_sheet(inbox / "甲街道.xlsx", rows=node_rows("甲街道", **{"P01-1": ("已完成", "2020-09-10", 50, "1,200")}))
    write_sheet(inbox / "乙镇.xlsx", unit="乙镇")
    (inbox / "notes.txt").write_text("x")
    (inbox / "broken.xlsx").write_bytes(b"PK\x03\x04broken")
    os.utime(inbox / "broken.xlsx", (1_600_000_000, 1_600_000_000))
    monkeypatch.setenv("LEITAI_INTAKE_WORKERS", "1")
    serial = read_inputs(inbox, campaign, 1)
    monkeypatch.setenv("LEITAI_INTAKE_WORKERS", "2")
    monkeypatch.setattr(intake, "PARALLEL_MIN", 1)
    monkeypatch.setattr(intake, "CHUNK_FILES", 1)
    assert intake.intake_workers(4) == 2
    seen: list[str] = []
    parallel = read_inputs(inbox, campaign, 1, progress=lambda done, total, name: seen.append(name))
    assert seen == sorted(p.name for p in inbox.iterdir())
    assert parallel.files == serial.files and parallel.problems == serial.problems
    pd.testing.assert_frame_equal(parallel.reports, serial.reports)
    assert parallel.submitted_units == serial.submitted_units == {"甲街道", "乙镇"}


def test_workers_are_not_forked_from_a_threaded_process(campaign: Campaign, inbox: Path, monkeypatch) -> None:
    import threading

    seen = []
    real = intake.multiprocessing.get_context
    monkeypatch.setattr(intake.multiprocessing, "get_context", lambda method: seen.append(method) or real(method))
    monkeypatch.setattr(intake, "PARALLEL_MIN", 2)
    monkeypatch.setattr(intake, "CHUNK_FILES", 1)
    monkeypatch.setenv("LEITAI_INTAKE_WORKERS", "2")
    write_sheet(inbox / "甲街道.xlsx")
    write_sheet(inbox / "乙镇.xlsx", unit="乙镇", rows=node_rows("乙镇"))
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        result = read_inputs(inbox, campaign, 1)
    finally:
        stop.set()
        thread.join()
    assert seen == ["spawn"] and result.submitted_units == {"甲街道", "乙镇"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the patched reader reaches workers by fork")
def test_a_worker_that_dies_costs_only_its_file(campaign: Campaign, inbox: Path, monkeypatch) -> None:
    real = intake._read_one

    def fatal_on_one_file(path, *args):
        if path.name == "乙镇.xlsx":
            os._exit(134)  # as the native reader does on a file it cannot survive
        return real(path, *args)

    monkeypatch.setattr(intake, "_read_one", fatal_on_one_file)
    monkeypatch.setattr(intake, "PARALLEL_MIN", 2)
    monkeypatch.setattr(intake, "CHUNK_FILES", 2)
    monkeypatch.setenv("LEITAI_INTAKE_WORKERS", "2")
    write_sheet(inbox / "甲街道.xlsx")
    write_sheet(inbox / "乙镇.xlsx", unit="乙镇", rows=node_rows("乙镇"))
    write_sheet(inbox / "县丙局.xlsx", unit="县丙局", rows=node_rows("县丙局"))
    result = read_inputs(inbox, campaign, 1)
    assert record(result, "乙镇.xlsx").status == "rejected"
    assert "异常退出" in record(result, "乙镇.xlsx").reason
    assert result.submitted_units == {"甲街道", "县丙局"}


@pytest.mark.parametrize("core", [
    # openpyxl: the prefix bound on the element itself
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties">'
    b'<dcterms:modified xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    b' xsi:type="dcterms:W3CDTF">2020-10-12T08:30:00Z</dcterms:modified></cp:coreProperties>',
    # Excel and WPS: bound on the root
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<cp:coreProperties xmlns:cp="http://schemas.'
    b'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dcterms:created xsi:type="dcterms:W3CDTF">'
    b'2020-10-01T00:00:00Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2020-10-12T08:30:00Z'
    b'</dcterms:modified></cp:coreProperties>',
    # another prefix: read as XML
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
    b'xmlns:t="http://purl.org/dc/terms/"><t:modified>2020-10-12T16:30:00+08:00</t:modified></cp:coreProperties>',
])
def test_the_saved_time_is_read_however_core_xml_spells_it(core: bytes) -> None:
    from leitai.intake import workbook

    assert workbook._stamp(core) == dt.datetime(2020, 10, 12, 8, 30, tzinfo=dt.UTC).timestamp()


def test_a_saved_time_that_is_no_date_is_none() -> None:
    from leitai.intake import workbook

    bad = (b'<cp:coreProperties xmlns:cp="x" xmlns:dcterms="http://purl.org/dc/terms/">'
           b'<dcterms:modified>yesterday</dcterms:modified></cp:coreProperties>')
    assert workbook._stamp(bad) is None
    assert workbook._stamp(bad.replace(b"yesterday", b"")) is None


def test_a_row_shorter_than_the_header_reads_its_missing_cells_as_blank(campaign: Campaign) -> None:
    """Rows of an export or a hand-made sheet may stop before the last column: the rest is blank."""
    from leitai.intake.sheetrows import PlanIndex, Problems, new_sheet, read_row
    from leitai.intake.workbook import Table

    header = ["项目编号", "节点序号", "完成情况", "实际完成日期", "累计完成投资", "存在问题"]
    grid = [header, ["P01", 1, "已完成", dt.date(2020, 9, 10), 120.5, ""], ["P01", 2, "未完成"], ["P01", 3]]
    columns = {"pid": 0, "seq": 1, "status": 2, "date": 3, "invest": 4, "issue_text": 5}
    out = Problems("甲街道.xlsx", "甲街道")
    sheet = new_sheet(Table("进度填报", grid, 0, columns), PlanIndex(campaign), "甲街道", campaign,
                      dt.date(2020, 9, 27), out)
    full, short, shorter = (read_row(sheet, r) for r in (1, 2, 3))
    assert full is not None and full["invest_done"] == 120.5 and full["status_cell"] == "C2"
    assert short is not None and not short["done"] and math.isnan(short["invest_done"])
    assert short["issue_text"] == "" and short["invest_cell"] == "E3"
    assert shorter is not None and not shorter["done"] and shorter["date_cell"] == "D4"  # due 10月20日: no reason asked
    # P01 node 2 was due 9月25日, before the cutoff, and has no reason: asked for at its (empty) cell
    assert [(p.code, p.cell) for p in out.items] == [("missing_reason", "F3")]


@pytest.mark.parametrize("files, workers", [(0, 2), (1, 2), (7, 2), (200, 2), (2000, 2), (2000, 4), (45, 3)])
@pytest.mark.parametrize("chunk", [1, 2, 40])
def test_chunks_keep_every_file_in_order_and_shrink_towards_the_end(files, workers, chunk, monkeypatch) -> None:
    monkeypatch.setattr(intake, "CHUNK_FILES", chunk)
    paths = [Path(f"{i}.xlsx") for i in range(files)]
    chunks = intake.chunked(paths, workers)
    assert [p for c in chunks for p in c] == paths
    sizes = [len(c) for c in chunks]
    assert all(0 < s <= chunk for s in sizes)
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # the last takes what is left
    if chunk >= 8 and files >= 8 * chunk * workers:
        assert sizes[0] == chunk and sizes[-2] < chunk  # whole chunks first, smaller ones at the end


@pytest.mark.parametrize("pid", ["P00305", "p00305", "ＰＯ１", " P 01 ", "A-01", "项目1", "X" * 70])
def test_a_project_id_is_keyed_the_same_on_the_fast_path(pid: str) -> None:
    import re as re_

    from leitai.intake.sheetrows import PlanIndex
    from leitai.normalize import nfkc

    assert PlanIndex.pid_key(pid) == re_.sub(r"\s+", "", nfkc(pid).strip()).upper()


def test_rows_read_by_workers_assemble_like_rows_read_here() -> None:
    """rowframes: spans of chunk frames, less what gave way, give the frame of the same dicts."""
    from leitai.intake.rowframes import Span, assemble, framed, reports_frame, without_unit

    def row(file: str, unit: str, seq: int) -> dict[str, Any]:
        return {"file": file, "unit": unit, "sheet": "S", "row": seq + 3, "project_id": "P01", "seq": seq,
                "done": seq % 2 == 0, "done_date": dt.date(2020, 9, seq) if seq % 2 == 0 else None,
                "progress_pct": float("nan"), "invest_done": 1.5 * seq, "progress_text": "", "issue_text": "",
                "next_plan": "", "status_cell": f"F{seq + 3}", "date_cell": f"G{seq + 3}", "invest_cell": f"I{seq + 3}"}

    files = [[row("a", "甲", 1), row("a", "甲", 2)], [], [row("b", "乙", 3), row("b", "丙", 4)],
             [row("c", "丁", 5)], [row("d", "戊", 6), row("d", "戊", 7)]]
    spans = framed(files[:3]) + framed(files[3:])  # two chunks
    assert isinstance(spans[0], Span) and spans[1] == [] and len(spans[2]) == 2
    kept = [spans[0], [], without_unit(spans[2], "乙"), [], spans[4]]  # b's 乙 rows and all of c gave way
    expected = [files[0], [], without_unit(files[2], "乙"), [], files[4]]
    renamed = {"a": "甲.xlsx"}
    want = reports_frame([r for rows in expected for r in rows])
    want["file"] = want["file"].replace(renamed)
    pd.testing.assert_frame_equal(assemble(kept, renamed), want)
    pd.testing.assert_frame_equal(assemble(expected, renamed), want)
    pd.testing.assert_frame_equal(assemble([[], []]), reports_frame([]))
