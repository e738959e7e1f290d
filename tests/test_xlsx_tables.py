"""The workbooks' fast table writing gives the bytes openpyxl's own per-cell calls give."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from openpyxl import Workbook

from leitai.fileio import workbook_bytes
from leitai.report.xlsxout import (
    _default_style,
    _letter,
    _register_styles,
    new_sheet,
    put,
    safe_sheet_title,
    wrapped_lines,
    write_table,
)

STAMP = dt.datetime(2020, 10, 12)
HEADERS = ["序号", "单位", "说明", "日期", "节点完成率"]
WIDTHS = [6, 10, 14, 12, 8]
ROWS: list[list[Any]] = [
    [1, "甲街道", "短", dt.date(2020, 10, 5), 0.5],
    [2, "乙镇", "一段很长很长的文字，需要换行才能放下，行高随之增加" * 2, dt.datetime(2020, 10, 6, 9, 30), math.nan],
    [3, "=SUM(A1)", "\x01控制字符\x02", None, -1],
    [4, "+86 电话", "", "2020-10-07", True],
    [5, "@提到", "#N/A", 12.5, None],
]


def styler(col: int, value: Any) -> str | None:
    return {0: "擂台·居中", 4: "擂台·百分比"}.get(col) if not isinstance(value, str) else None


def reference_table(sheet: Any, headers: list[str], rows: list[list[Any]], start_row: int, widths: list[int],
                    styles: list[Any] | None) -> None:
    """write_table as openpyxl's public calls make it, cell by cell (the code before issue 18)."""
    _register_styles(sheet.parent)
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=start_row, column=col)
        cell.style = "擂台·表头"
        put(cell, header)
    row_no = start_row
    for index, row in enumerate(rows):
        row_no = start_row + 1 + index
        styler = styles[index] if styles else None
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_no, column=col)
            cell.style = (styler(col - 1, value) if styler else None) or _default_style(value)
            put(cell, value)
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[_letter(col)].width = width
    for row_cells in sheet.iter_rows(min_row=start_row, max_row=row_no):
        lines = max((wrapped_lines(cell.value, widths[cell.column - 1]) for cell in row_cells
                     if cell.column <= len(widths)), default=1)
        if lines > 1:
            sheet.row_dimensions[row_cells[0].row].height = 15 * lines
    sheet.print_title_rows = f"{start_row}:{start_row}"
    sheet.freeze_panes = sheet.cell(row=start_row + 1, column=1)


def book_of(fast: bool) -> bytes:
    book = Workbook()
    used: set[str] = set()
    first = book.active
    first.title = safe_sheet_title("全部", used)
    put(first.cell(row=1, column=1), "标题")
    titles = ["甲街道", "乙镇", "甲街道", "history", "a" * 40, "[乙]:镇?"]
    for n, title in enumerate(titles):
        safe = safe_sheet_title(title, used)
        sheet = new_sheet(book, safe) if fast else book.create_sheet(safe)
        rows = ROWS[: n + 1]
        styles = [styler if i % 2 else None for i in range(len(rows))]
        if fast:
            write_table(sheet, HEADERS, rows, start_row=2, widths=WIDTHS, styles=styles)
        else:
            reference_table(sheet, HEADERS, rows, 2, WIDTHS, styles)
    if fast:
        write_table(first, HEADERS, ROWS, start_row=2, widths=WIDTHS)
    else:
        reference_table(first, HEADERS, ROWS, 2, WIDTHS, None)
    return workbook_bytes(book, STAMP)


def test_fast_tables_and_sheets_are_byte_identical_to_openpyxl_calls():
    assert book_of(fast=True) == book_of(fast=False)


def test_new_sheet_keeps_the_title_and_order():
    book = Workbook()
    used = {book.active.title.lower()}
    for title in ["乙镇", "甲街道", "乙镇"]:
        new_sheet(book, safe_sheet_title(title, used))
    assert book.sheetnames == ["Sheet", "乙镇", "甲街道", "乙镇(2)"]
    assert all(sheet.parent is book for sheet in book.worksheets)


def rich_book() -> Workbook:
    """Every kind of cell and sheet setting leitai's workbooks use, and a few they don't."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "表"
    put(sheet.cell(row=1, column=1), "标题")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=16)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    write_table(sheet, HEADERS, ROWS, start_row=2, widths=WIDTHS, styles=[styler] * len(ROWS))
    sheet.cell(row=9, column=1).value = "  前后空格  "
    sheet.cell(row=9, column=2).value = "   "
    sheet.cell(row=9, column=3).value = "<&>\"'\t换\n行\r"
    sheet.cell(row=9, column=4).value = dt.time(9, 30)
    sheet.cell(row=9, column=5).value = float("inf")
    sheet.cell(row=10, column=1).value = "=1+2"  # a formula: openpyxl's own writer
    sheet.cell(row=10, column=2).value = 10**20
    sheet.cell(row=11, column=1).comment = Comment("批注", "leitai")
    sheet.cell(row=11, column=2).hyperlink = "https://example.org"
    sheet.cell(row=12, column=3).font = Font(italic=True)  # styled, no value
    sheet.row_dimensions[14].height = 30  # a row with a height and no cell
    sheet.auto_filter.ref = "A2:E7"
    sheet.page_setup.orientation = "landscape"
    other = new_sheet(book, "其他")
    other.append([1, 2.5, True, False, None, dt.date(2020, 1, 1), dt.datetime(2020, 1, 1, 12)])
    return book


def test_fast_save_is_byte_identical_to_openpyxl_save():
    import io

    from leitai.fileio import normalized_zip

    ours = workbook_bytes(rich_book(), STAMP)
    buffer = io.BytesIO()
    rich_book().save(buffer)
    assert ours == normalized_zip(buffer.getvalue(), STAMP)


def test_wrapped_cells_and_headers_get_the_height_their_lines_need():
    """Excel keeps the height a row is written with: a long unit or project name (and a header
    wrapped in its column, 节点完成率 in 8) would show one line of its text."""
    from openpyxl import load_workbook

    from leitai.report.xlsxout import leaderboard_workbook

    long_unit = "高新技术产业开发区管理委员会经济发展局"
    long_name = "滨江新城智能制造产业园一期基础设施配套及道路改造提升工程（二期）"
    unit = {"unit": long_unit, "group": "市级部门", "submitted": True, "due": 4, "done": 3, "rate": 0.75,
            "period_rate": 0.5, "ahead": 0, "red_projects": 1, "rank": 1, "rank_change": None, "yellow_card": False,
            "timeliness": "on_time"}
    project = {"id": "P001", "name": long_name, "category": "项目推进", "unit": long_unit, "light": "red",
               "red_count": 1, "red_streak": 1, "due": 4, "done": 3, "overdue_nodes": [2]}
    book = leaderboard_workbook({"units": [unit], "projects": [project]}, "攻坚行动擂台榜（第2期，截至2025年3月28日）")
    book = load_workbook(__import__("io").BytesIO(workbook_bytes(book, STAMP)))
    units, projects = book["市级部门"], book["项目亮灯"]
    assert units.row_dimensions[2].height == 30  # 提前完成节点 wraps in its 12-wide column
    assert units.row_dimensions[3].height >= 15 * wrapped_lines(long_unit, 18) > 15
    assert projects.row_dimensions[2].height >= 15 * wrapped_lines(long_name, 30) == 45
