"""A corpus of bad sheets: each made from a real template, spoiled the way a unit spoils one.

Every case writes a folder with one good sheet (乙镇) and the case's file(s), then reads it
as ``pipeline.run_period`` does (``read_inputs`` then ``resolve_states``) and asserts:
the exact problems (file, code, cell), each file's record status, and that every row the
case did not touch still counts with the answers the unit gave.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from builders import NODES, write_campaign
from leitai.campaign.plan import Campaign, load_campaign
from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW, build_template, cutoff_stamp, template_filename
from leitai.fileio import normalized_zip, save_workbook
from leitai.intake.folder import Intake, read_inputs
from leitai.problems import Problem
from leitai.scoring.states import resolve_states

PERIOD = 2  # cutoff 2020-09-28; the campaign runs 2020-09-01 .. 2020-12-09
EXTRA_NODES = [("P01", k, f"节点{k}", "2020-10-30") for k in range(4, 7)]  # 甲街道 gets six nodes
JIA = template_filename("甲街道", PERIOD)  # 甲街道-第02期.xlsx
YI = template_filename("乙镇", PERIOD)
OLD = 1_600_000_000  # an mtime long past: not a file still being copied

# What the units answer: node -> (完成情况, 实际完成日期, 形象进度, 累计完成投资, 进展情况)
Answer = tuple[Any, Any, Any, Any, Any]
JIA_ANSWERS: dict[tuple[str, int], Answer] = {
    ("P01", 1): ("已完成", dt.date(2020, 9, 9), 100, 120.5, "方案已批复"),
    ("P01", 2): ("已完成", dt.date(2020, 9, 25), 100, 300, "已开工"),
    ("P01", 3): ("未完成", None, 40, 500, "主体施工"),
    ("P01", 4): ("未完成", None, 10, None, "前期准备"),
    ("P01", 5): ("未完成", None, 0, None, None),
    ("P01", 6): ("未完成", None, None, None, None),
}
YI_ANSWERS: dict[tuple[str, int], Answer] = {
    ("P02", 1): ("已完成", dt.date(2020, 9, 12), 100, None, "签约过半"),
    ("P02", 2): ("未完成", None, 60, None, "签约中"),
}


def data_row(seq: int) -> int:
    """The template row of 甲街道's node P01-seq."""
    return FIRST_DATA_ROW + seq - 1


# ------------------------------------------------------------------------- the unit's hand

Edit = Callable[[Workbook, Worksheet], None]


def unit_file(campaign: Campaign, folder: Path, unit: str = "甲街道", *, name: str | None = None,
              period: int = PERIOD, answers: dict[tuple[str, int], Answer] | None = None,
              edit: Edit | None = None, modified: dt.datetime | None = None) -> Path:
    """The real template of ``unit``, saved, opened again, filled in and spoiled by ``edit``."""
    path = folder / (name or template_filename(unit, period))
    save_workbook(build_template(campaign, unit, period), path, cutoff_stamp(campaign, period))
    book = openpyxl.load_workbook(path)
    sheet = book[DATA_SHEET]
    answers = answers if answers is not None else (JIA_ANSWERS if unit == "甲街道" else YI_ANSWERS)
    for r in range(FIRST_DATA_ROW, sheet.max_row + 1):
        key = (sheet.cell(r, 1).value, sheet.cell(r, 3).value)
        if key in answers:
            for col, value in enumerate(answers[key], start=6):
                sheet.cell(r, col, value)
    if edit is not None:
        edit(book, sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(normalized_zip(buffer.getvalue(), modified) if modified else buffer.getvalue())
    return path


def set_cells(**cells: Any) -> Edit:
    def edit(book: Workbook, sheet: Worksheet) -> None:
        for ref, value in cells.items():
            sheet[ref] = value
    return edit


def append_row(*values: Any, at: int = data_row(7)) -> Edit:
    def edit(book: Workbook, sheet: Worksheet) -> None:
        for col, value in enumerate(values, start=1):
            sheet.cell(at, col, value)
    return edit


def copy_row(source: int, target: int = data_row(7), **changes: Any) -> Edit:
    def edit(book: Workbook, sheet: Worksheet) -> None:
        for col in range(1, 13):
            sheet.cell(target, col, sheet.cell(source, col).value)
        for ref, value in changes.items():
            sheet[f"{ref}{target}"] = value
    return edit


def both(*edits: Edit) -> Edit:
    def edit(book: Workbook, sheet: Worksheet) -> None:
        for one in edits:
            one(book, sheet)
    return edit


def drop_identity(book: Workbook, sheet: Worksheet) -> None:
    del book["_leitai"]


def rename_sheet(book: Workbook, sheet: Worksheet) -> None:
    sheet.title = "Sheet1"


def move_headers_down(book: Workbook, sheet: Worksheet) -> None:
    sheet.unmerge_cells("A1:L1")
    sheet.insert_rows(1, 2)  # two blank rows above the title: everything shifts down two rows


def odd_headers(book: Workbook, sheet: Worksheet) -> None:
    for ref, text in {"F3": "完成\n情况", "G3": " 实际完成日期 ", "H3": "形象进度\n(%)",
                      "I3": "累计完成投资\n[万元]", "A3": "项目\n编号", "C3": "节点 序号"}.items():
        sheet[ref] = text


def extra_columns(book: Workbook, sheet: Worksheet) -> None:
    sheet.insert_cols(1)  # a 序号 column in front of everything
    sheet["A3"] = "序号"
    for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 6):
        sheet.cell(r, 1, r - FIRST_DATA_ROW + 1)
    sheet["N3"], sheet["N4"] = "备注", "无"  # and a 备注 column after the last


def swap_status_and_date(book: Workbook, sheet: Worksheet) -> None:
    for r in range(3, FIRST_DATA_ROW + 6):
        sheet.cell(r, 6).value, sheet.cell(r, 7).value = sheet.cell(r, 7).value, sheet.cell(r, 6).value


def merge_project_ids(book: Workbook, sheet: Worksheet) -> None:
    sheet.merge_cells(f"A{data_row(1)}:A{data_row(3)}")  # 项目编号 written once over P01's rows
    sheet.merge_cells(f"B{data_row(1)}:B{data_row(3)}")


def hidden_decoy(book: Workbook, sheet: Worksheet) -> None:
    old = book.create_sheet("上期旧表", 0)  # placed first, hidden: must not be read
    old.sheet_state = "hidden"
    old.append(["项目编号", "项目名称", "节点序号", "节点目标", "计划完成日期", "完成情况", "实际完成日期",
                "形象进度（%）", "累计完成投资（万元）", "进展情况", "存在问题", "下步计划"])
    old.append(["P01", "", 3, "", "", "已完成", "2020-09-01", 999, "很多", "", "", ""])
    old.append(["P09", "", 1, "", "", "差不多", "九月底", "", "", "", "", ""])
    book.active = 1


def delete_node_row(book: Workbook, sheet: Worksheet) -> None:
    sheet.delete_rows(data_row(4))


def replace_with_own_table(book: Workbook, sheet: Worksheet) -> None:
    sheet.delete_rows(1, sheet.max_row)
    sheet.append(["序号", "工作内容", "完成时间", "责任人"])
    sheet.append([1, "一号路改造方案", "9月9日", "张三"])


def other_campaign(book: Workbook, sheet: Worksheet) -> None:
    book["_leitai"]["B2"] = "别县“三服务”百日攻坚行动"


# --------------------------------------------------------------------------- the cases

def good_yi(campaign: Campaign, folder: Path) -> None:
    unit_file(campaign, folder, "乙镇")


def jia(edit: Edit | None = None, **kwargs: Any) -> Callable[[Campaign, Path], None]:
    def make(campaign: Campaign, folder: Path) -> None:
        unit_file(campaign, folder, edit=edit, **kwargs)
    return make


def with_answer(seq: int, status: Any, date: Any = None, pct: Any = None, invest: Any = None,
                text: Any = None) -> dict[tuple[str, int], Answer]:
    return {**JIA_ANSWERS, ("P01", seq): (status, date, pct, invest, text)}


def raw(name: str, data: bytes | Callable[[Campaign, Path], bytes], mtime: float = OLD
        ) -> Callable[[Campaign, Path], None]:
    def make(campaign: Campaign, folder: Path) -> None:
        content = data(campaign, folder) if callable(data) else data
        (folder / name).write_bytes(content)
        os.utime(folder / name, (mtime, mtime))
    return make


def truncated_template(campaign: Campaign, folder: Path) -> bytes:
    path = unit_file(campaign, folder.parent, name="whole.xlsx")
    data = path.read_bytes()
    return data[: len(data) // 2]


def empty_zip() -> bytes:
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


# An Office file that only a password opens: a compound file holding EncryptionInfo and
# EncryptedPackage streams (their names are UTF-16 in the directory).
ENCRYPTED = (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + "EncryptionInfo".encode("utf-16-le")
             + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 1460)


def two_submissions(campaign: Campaign, folder: Path) -> None:
    unit_file(campaign, folder, modified=dt.datetime(2020, 9, 27, 9))
    later = with_answer(3, "已完成", dt.date(2020, 9, 26), 100, 520, "主体完工")
    unit_file(campaign, folder, name="甲街道-第02期（更正）.xlsx", answers=later, modified=dt.datetime(2020, 9, 28, 8))


def lock_files(campaign: Campaign, folder: Path) -> None:
    unit_file(campaign, folder)
    (folder / f"~${JIA}").write_bytes("张三".encode("utf-16-le").ljust(165, b"\x00"))
    (folder / f".~lock.{JIA}#").write_text("张三,zhangsan,PC-01,27.09.2020 09:12;", encoding="utf-8")


@dataclass(frozen=True)
class Case:
    make: Callable[[Campaign, Path], None]
    problems: list[tuple[str, str, str]]  # (file, code, cell), in any order
    status: dict[str, str]  # file -> record status
    counted: tuple[int, ...] = (1, 2, 3, 4, 5, 6)  # P01 nodes that count with JIA_ANSWERS
    sheet: str = DATA_SHEET  # where row problems are
    value: str | None = None  # the first problem's value, when it says something
    says: str = ""  # in the first problem's message
    unit: str = "甲街道"  # the first problem's unit ('' when the file names none)


WITH = "accepted_with_problems"
R = data_row(3)  # the row the row-level cases spoil: P01-3
NEW = data_row(7)  # a row the unit adds under the table

CASES: dict[str, Case] = {
    # ----- file level
    "unreadable_truncated": Case(raw(JIA, truncated_template), [(JIA, "file_unreadable", "")],
                                 {JIA: "rejected"}, counted=(), says="损坏", unit=""),
    "encrypted": Case(raw(JIA, ENCRYPTED), [(JIA, "file_encrypted", "")], {JIA: "rejected"}, counted=(),
                      says="密码", unit=""),
    "owner_lock_files": Case(lock_files, [(f"~${JIA}", "file_lock", ""), (f".~lock.{JIA}#", "file_lock", "")],
                             {JIA: "accepted", f"~${JIA}": "skipped", f".~lock.{JIA}#": "skipped"}, says="锁文件", unit=""),
    "not_progress_sheet": Case(jia(replace_with_own_table), [(JIA, "not_progress_sheet", "")],
                               {JIA: "rejected"}, counted=(), says="项目编号、节点序号、完成情况、实际完成日期", unit=""),
    "wrong_campaign": Case(jia(other_campaign), [(JIA, "wrong_campaign", "")], {JIA: "rejected"}, counted=(),
                           value="别县“三服务”百日攻坚行动", unit=""),
    "wrong_period_template": Case(jia(period=1, name=JIA), [(JIA, "wrong_period", "")], {JIA: "rejected"},
                                  counted=(), value="1", says="表内为第1期，本次汇总第2期"),
    "wrong_period_cell": Case(jia(both(drop_identity, set_cells(F2="填报期次：第3期"))),
                              [(JIA, "wrong_period", "")], {JIA: "rejected"}, counted=(), value="3"),
    "second_file_later_wins": Case(two_submissions, [(JIA, "duplicate_submission", "")],
                                   {JIA: "rejected", "甲街道-第02期（更正）.xlsx": "accepted"}, counted=(1, 2, 4, 5, 6),
                                   says="采用“甲街道-第02期（更正）.xlsx”，未采用“甲街道-第02期.xlsx”"),
    "csv_renamed_xlsx": Case(raw(JIA, "项目编号,节点序号,完成情况\nP01,1,已完成\n".encode("gbk")),
                             [(JIA, "file_not_workbook", "")], {JIA: "rejected"}, counted=(), says="文本文件", unit=""),
    "empty_zip_renamed_xlsx": Case(raw(JIA, empty_zip()), [(JIA, "file_not_workbook", "")], {JIA: "rejected"},
                                   counted=(), says="空压缩包", unit=""),
    "zero_byte_file": Case(raw(JIA, b""), [(JIA, "file_unreadable", "")], {JIA: "rejected"}, counted=(),
                           says="0 字节", unit=""),
    "unknown_unit": Case(jia(both(drop_identity, set_cells(A2="填报单位：戊镇人民政府")), name="进度表.xlsx"),
                         [("进度表.xlsx", "unknown_unit", "")], {"进度表.xlsx": "rejected"}, counted=(),
                         value="戊镇人民政府", says="无法识别填报单位“戊镇人民政府”", unit=""),
    # ----- rows that are not this unit's nodes
    "unknown_project": Case(jia(append_row("P09", "九号项目", 1, "", "", "已完成", "2020-09-20")),
                            [(JIA, "unknown_node", f"A{NEW}")], {JIA: WITH}),
    "unknown_node_number": Case(jia(append_row("P01", "一号路改造", 99, "", "", "已完成", "2020-09-20")),
                                [(JIA, "unknown_node", f"C{NEW}")], {JIA: WITH}),
    "text_in_node_number": Case(jia(set_cells(**{f"C{R}": "第三"})),
                                [(JIA, "unknown_node", f"C{R}"), (JIA, "missing_node_row", "")], {JIA: WITH},
                                counted=(1, 2, 4, 5, 6)),
    "another_units_node": Case(jia(append_row("P02", "二号区块征迁", 1, "", "", "已完成", "2020-09-12")),
                               [(JIA, "other_unit_node", f"A{NEW}")], {JIA: WITH}),
    "same_node_twice_differently": Case(jia(copy_row(R, F="已完成", G="2020-09-20")),
                                        [(JIA, "conflicting_rows", f"F{R}"), (JIA, "conflicting_rows", f"F{NEW}")],
                                        {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    "same_node_twice_identically": Case(jia(copy_row(R)), [(JIA, "duplicate_row", f"F{NEW}")], {JIA: WITH}),
    "node_row_deleted": Case(jia(delete_node_row), [(JIA, "missing_node_row", "")], {JIA: WITH},
                             counted=(1, 2, 3, 5, 6), value="P01 节点4"),
    # ----- dates
    "done_without_date": Case(jia(answers=with_answer(3, "已完成")), [(JIA, "done_without_date", f"G{R}")],
                              {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    "date_after_cutoff": Case(jia(answers=with_answer(3, "已完成", dt.date(2020, 10, 5))),
                              [(JIA, "date_after_cutoff", f"G{R}")], {JIA: WITH}, counted=(1, 2, 4, 5, 6),
                              value="2020年10月5日"),
    "date_before_campaign": Case(jia(answers=with_answer(3, "已完成", "2020-08-20")),
                                 [(JIA, "date_before_start", f"G{R}")], {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    "date_text_unreadable": Case(jia(answers=with_answer(3, "已完成", "九月底")),
                                 [(JIA, "bad_date", f"G{R}")], {JIA: WITH},  # one mistake, one problem
                                 counted=(1, 2, 4, 5, 6), value="九月底"),
    "impossible_date": Case(jia(answers=with_answer(3, "已完成", "2020-02-30")),
                            [(JIA, "bad_date", f"G{R}")], {JIA: WITH},  # one mistake, one problem
                            counted=(1, 2, 4, 5, 6), value="2020-02-30"),
    "date_without_done": Case(jia(answers=with_answer(3, "未完成", "2020-09-20")),
                              [(JIA, "date_without_done", f"G{R}")], {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    # ----- values
    "status_maybe": Case(jia(answers=with_answer(3, "maybe")), [(JIA, "bad_status", f"F{R}")], {JIA: WITH},
                         counted=(1, 2, 4, 5, 6), value="maybe"),
    "percent_150": Case(jia(answers=with_answer(3, "未完成", None, 150)),
                        [(JIA, "percent_out_of_range", f"H{R}")], {JIA: WITH}, counted=(1, 2, 4, 5, 6), value="150"),
    "percent_in_words": Case(jia(answers=with_answer(3, "未完成", None, "八十")), [(JIA, "bad_percent", f"H{R}")],
                             {JIA: WITH}, counted=(1, 2, 4, 5, 6), value="八十"),
    "number_with_letters": Case(jia(answers=with_answer(3, "未完成", None, 40, "abc万元")),
                                [(JIA, "bad_number", f"I{R}")], {JIA: WITH}, counted=(1, 2, 4, 5, 6),
                                value="abc万元"),
    "text_too_long": Case(jia(answers=with_answer(3, "未完成", None, 40, 500, "进展" * 1200)),
                          [(JIA, "long_text", f"J{R}")], {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    # ----- layout changed by the unit: the problem is still found, at the cell where it is
    "merged_project_cells": Case(jia(merge_project_ids, answers=with_answer(2, "maybe")),
                                 [(JIA, "bad_status", f"F{data_row(2)}")], {JIA: WITH}, counted=(1, 3, 4, 5, 6)),
    "hidden_decoy_sheet": Case(jia(hidden_decoy, answers=with_answer(3, "maybe")), [(JIA, "bad_status", f"F{R}")],
                               {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    "headers_moved_down_two_rows": Case(jia(move_headers_down, answers=with_answer(3, "maybe")),
                                        [(JIA, "bad_status", f"F{R + 2}")], {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    "headers_with_breaks_and_brackets": Case(jia(odd_headers, answers=with_answer(3, "未完成", None, 150)),
                                             [(JIA, "percent_out_of_range", f"H{R}")], {JIA: WITH},
                                             counted=(1, 2, 4, 5, 6)),
    "extra_columns": Case(jia(extra_columns, answers=with_answer(3, "maybe")), [(JIA, "bad_status", f"G{R}")],
                          {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    "columns_reordered": Case(jia(swap_status_and_date, answers=with_answer(3, "maybe")),
                              [(JIA, "bad_status", f"G{R}")], {JIA: WITH}, counted=(1, 2, 4, 5, 6)),
    "sheet_renamed": Case(jia(rename_sheet, answers=with_answer(3, "maybe")), [(JIA, "bad_status", f"F{R}")],
                          {JIA: WITH}, counted=(1, 2, 4, 5, 6), sheet="Sheet1"),
    # ----- who sent it, when the hidden identity is gone
    "odd_file_name_unit_from_cell": Case(jia(drop_identity, name="新建 Microsoft Excel 工作表 (2).xlsx",
                                             answers=with_answer(3, "maybe")),
                                         [("新建 Microsoft Excel 工作表 (2).xlsx", "bad_status", f"F{R}")],
                                         {"新建 Microsoft Excel 工作表 (2).xlsx": WITH}, counted=(1, 2, 4, 5, 6)),
    "alias_in_unit_cell": Case(jia(both(drop_identity, set_cells(A2="填报单位：甲办")), name="进度.xlsx",
                                   answers=with_answer(3, "未完成", None, 150)),
                               [("进度.xlsx", "percent_out_of_range", f"H{R}")], {"进度.xlsx": WITH},
                               counted=(1, 2, 4, 5, 6)),
}


# ------------------------------------------------------------------------------ the test

@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    return load_campaign(write_campaign(tmp_path_factory.mktemp("corpus") / "campaign", nodes=NODES + EXTRA_NODES))


def run(campaign: Campaign, folder: Path) -> tuple[Intake, list[Problem]]:
    """What the pipeline does with a folder: read it, then merge with (empty) history at the cutoff."""
    read = read_inputs(folder, campaign, PERIOD)
    cutoff = campaign.settings.schedule.cutoff(PERIOD)
    _, merged = resolve_states(campaign.plan.nodes, None, read.reports, read.overrides, cutoff, PERIOD)
    return read, [*read.problems, *merged]


def answers_of(reports: pd.DataFrame, unit: str) -> dict[tuple[str, int], tuple[bool, Any, Any]]:
    rows = reports[reports["unit"] == unit]
    return {(r.project_id, int(r.seq)): (bool(r.done), None if pd.isna(r.done_date) else r.done_date.date(),
                                          None if pd.isna(r.progress_pct) else r.progress_pct)
            for r in rows.itertuples()}


def expected(answers: dict[tuple[str, int], Answer], seqs: Any = None) -> dict[tuple[str, int], tuple[bool, Any, Any]]:
    return {key: (status == "已完成", date if status == "已完成" else None, None if pct is None else float(pct))
            for key, (status, date, pct, _, _) in answers.items() if seqs is None or key[1] in seqs}


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", list(CASES))
def test_bad_sheet(name: str, campaign: Campaign, tmp_path: Path) -> None:
    case = CASES[name]
    folder = tmp_path / "inputs" / "第02期"
    folder.mkdir(parents=True)
    good_yi(campaign, folder)
    case.make(campaign, folder)

    read, problems = run(campaign, folder)

    assert sorted((p.file, p.code, p.cell) for p in problems) == sorted(case.problems)
    if case.value is not None:
        assert problems[0].value == case.value
    assert case.says in problems[0].message
    assert problems[0].unit == case.unit
    for found in problems:
        assert found.message and found.fix
        if found.cell:
            assert found.sheet == case.sheet
    status = {f.file: f.status for f in read.files}
    assert status == {YI: "accepted", **case.status}
    for record in read.files:
        assert record.problems == sum(p.file == record.file for p in read.problems)
    # the good sheet and the untouched rows still count
    assert answers_of(read.reports, "乙镇") == expected(YI_ANSWERS)
    jia_rows = answers_of(read.reports, "甲街道")
    assert {k: v for k, v in jia_rows.items() if k[1] in case.counted} == expected(JIA_ANSWERS, case.counted)
    assert "乙镇" in read.submitted_units
    assert ("甲街道" in read.submitted_units) == bool(case.counted)
