"""The workbooks of a period, and the table helpers the other workbooks use.

- ``leaderboard_workbook``: 擂台榜-第NN期.xlsx, one sheet per group plus the project lights.
- ``problems_workbook``: 数据问题-第NN期.xlsx, one row per problem, sorted by unit.
- ``node_workbook``: 节点明细-第NN期.xlsx, every due or done node.

Text that came from units is always written as a literal string (never a formula). openpyxl is
imported here only, so a run loads it after the results exist, while the charts are drawn.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.worksheet import Worksheet

from ..problems import Problem
from ..scoring.results import OFFICE_ONLY, SEVERITY_CN, sorted_problems

LIGHT_CN = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}


FILLS = {
    "green": PatternFill("solid", fgColor="C6EFCE"),
    "yellow": PatternFill("solid", fgColor="FFEB9C"),
    "red": PatternFill("solid", fgColor="FFC7CE"),
    "header": PatternFill("solid", fgColor="D9D9D9"),
    "card": PatternFill("solid", fgColor="FFD966"),
}


_THIN = Side(style="thin", color="808080")


BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


# Named styles, registered once per workbook: openpyxl hashes every style object it is
# given, so setting fonts, fills and alignments cell by cell is several times slower.
_CENTERED = Alignment(horizontal="center", vertical="center", wrap_text=True)


NAMED_STYLES: dict[str, dict[str, Any]] = {
    "擂台·表头": {"font": Font(bold=True), "fill": FILLS["header"], "alignment": _CENTERED},
    "擂台·文字": {"alignment": Alignment(vertical="center")},
    "擂台·换行": {"alignment": Alignment(vertical="center", wrap_text=True)},
    "擂台·居中": {"alignment": _CENTERED},
    "擂台·百分比": {"alignment": _CENTERED, "number_format": "0.0%"},
    "擂台·绿灯": {"alignment": _CENTERED, "fill": FILLS["green"]},
    "擂台·黄灯": {"alignment": _CENTERED, "fill": FILLS["yellow"]},
    "擂台·红灯": {"alignment": _CENTERED, "fill": FILLS["red"]},
    "擂台·黄牌": {"alignment": _CENTERED, "fill": FILLS["card"]},
}


LIGHT_STYLE = {"green": "擂台·绿灯", "yellow": "擂台·黄灯", "red": "擂台·红灯"}


Styler = Callable[[int, Any], "str | None"]  # (0-based column, value) -> named style, None for the default


def _register_styles(book: Workbook) -> None:
    present = set(book.named_styles)
    for name, attrs in NAMED_STYLES.items():
        if name not in present:
            book.add_named_style(NamedStyle(name=name, border=BORDER, **attrs))


def _default_style(value: Any) -> str:
    return "擂台·换行" if isinstance(value, str) and len(value) > 12 else "擂台·文字"


SUBMITTED_CN = {"on_time": "已报送", "late": "迟报", "missing": "未报送"}  # units[].timeliness in 擂台榜


# Characters XML 1.0 cannot carry (and lone surrogates, which cannot be encoded): dropped.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


_NARROW = re.compile("[\x00-\u2e80]+")


TEXT_CAP = 32_767  # Excel's limit on a cell's text, in UTF-16 code units


_ACTIVE = ("=", "+", "-", "@", "\t", "\r", "\n", "{", "#")  # what a spreadsheet could take for a formula/error


def put(cell: Any, value: Any) -> None:
    """Write a value; text always as a literal string, never a formula, error or link.

    Text is stored as a string cell (``t="s"``) whatever it starts with (``=``, ``+``, ``-``,
    ``@``, tab, CR, ``{=…}``, ``#N/A``); such text also gets Excel's quote prefix, so editing
    the cell keeps it text. Control characters are dropped and text is capped at TEXT_CAP.
    """
    if isinstance(value, str):
        text = safe_text(value)
        # What ``cell.value = text`` then ``data_type = "s"`` leave, without openpyxl's checks,
        # which safe_text has made already (its characters and length are within Excel's).
        cell._value = str(text)
        cell.data_type = "s"
        if text.startswith(_ACTIVE):
            cell.quotePrefix = True
    else:
        cell.value = value


def safe_text(value: str) -> str:
    """``value`` without characters XML cannot hold, at most TEXT_CAP UTF-16 code units."""
    text = _ILLEGAL.sub("", value)
    if len(text) > TEXT_CAP // 2 and len(text.encode("utf-16-le")) > 2 * TEXT_CAP:
        text = text.encode("utf-16-le")[: 2 * TEXT_CAP].decode("utf-16-le", "ignore")
    return text


def write_table(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]], start_row: int = 1,
                widths: Sequence[float] | None = None, styles: Sequence[Styler | None] | None = None) -> int:
    """Header plus rows, bordered, header shaded and repeated on print. Returns the last row.

    ``styles`` gives, per row, a function choosing each cell's named style (NAMED_STYLES).
    """
    arrays = _style_arrays(sheet.parent)
    add = _cell_adder(sheet)
    for col, header in enumerate(headers, start=1):
        put(add(start_row, col, arrays["擂台·表头"]), header)
    row_no = start_row
    heights = sheet.row_dimensions
    if widths:  # a header wrapped in its column (提前完成节点 in 12) needs its row's height too
        lines = max(wrapped_lines(h, w) for h, w in zip(headers, widths))
        if lines > 1:
            heights[start_row].height = ROW_LINE_PT * lines
    for index, row in enumerate(rows):
        row_no = start_row + 1 + index
        styler = styles[index] if styles else None
        lines = 1
        for col, value in enumerate(row, start=1):
            name = (styler(col - 1, value) if styler else None) or _default_style(value)
            cell = add(row_no, col, arrays[name])
            put(cell, value)  # after the style: put may add the quote prefix that keeps text text
            if widths and col <= len(widths) and isinstance(cell._value, str):
                lines = max(lines, wrapped_lines(cell._value, widths[col - 1]))
        if lines > 1:  # row heights for wrapped text: office programs don't grow rows written by openpyxl
            heights[row_no].height = ROW_LINE_PT * lines
    for col, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[_letter(col)].width = width
    sheet.print_title_rows = f"{start_row}:{start_row}"
    sheet.freeze_panes = sheet.cell(row=start_row + 1, column=1)
    return row_no


def _style_arrays(book: Workbook) -> dict[str, StyleArray]:
    """Each of NAMED_STYLES (registered in ``book``) as the style array ``cell.style = name`` would
    give a cell: openpyxl looks a name up among every named style, cell by cell."""
    _register_styles(book)
    named = {style.name: style for style in book._named_styles}
    return {name: named[name].as_tuple() for name in NAMED_STYLES}


def _cell_adder(sheet: Worksheet) -> Callable[[int, int, StyleArray], Cell]:
    """``add(row, col, style)``: a new cell, as ``sheet.cell(row, col)`` then ``cell.style = name``
    make it (the cell gets a copy of the style array), without their lookups."""
    cells = sheet._cells

    def add(row: int, col: int, style: StyleArray) -> Cell:
        cell = Cell(sheet, row=row, column=col, style_array=style)
        cells[(row, col)] = cell
        if row > sheet._current_row:
            sheet._current_row = row
        return cell

    return add


def new_sheet(book: Workbook, title: str) -> Worksheet:
    """``book.create_sheet(title)`` for a title already valid and unique (``safe_sheet_title``):
    openpyxl compares a new title with every sheet's, so n sheets (2,000 units) cost n²."""
    sheet = Worksheet(None)  # no parent: openpyxl's title check is skipped
    sheet._parent = book
    sheet._WorkbookChild__title = title
    book._add_sheet(sheet)
    return sheet


ROW_LINE_PT = 15  # a line of 11 pt text in a row (Excel's default row is 15 pt)


def wrapped_lines(value: Any, width: float) -> int:
    """Lines a text needs in a column ``width`` characters wide (a CJK character is two); 1 for a
    value that is not text. Excel keeps the height a row is written with (openpyxl writes none, so a
    wrapped cell would show one line): callers set ``ROW_LINE_PT`` × this."""
    if not isinstance(value, str) or not value:
        return 1
    units = len(value) + len(_NARROW.sub("", value))  # a wide character counts twice
    return max(1, math.ceil(units / max(width - 1, 1)), value.count("\n") + 1)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _fit_one_page(sheet: Worksheet, landscape: bool = False) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 1
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True


def rank_change_text(change: int | None) -> str:
    if change is None:
        return "—"
    return f"↑{change}" if change > 0 else (f"↓{-change}" if change < 0 else "—")


def safe_sheet_title(text: str, used: set[str]) -> str:
    """An Excel sheet title from any text: no []:*?/\\ or control characters, no leading or
    trailing apostrophe, not ``History``, at most 31 characters, unique (case-insensitively,
    as Excel compares them). ``used`` holds the titles taken so far, lowercased (this adds to it)."""
    base = re.sub(r"[\[\]:*?/\\]", "_", _ILLEGAL.sub("", re.sub(r"[\t\r\n]", " ", text))).strip().strip("'")
    if not base or base.lower() == "history":
        base = base + "_" if base else "Sheet"
    title, n = base[:31], 2
    while title.lower() in used:
        suffix = f"({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def leaderboard_workbook(results: dict[str, Any], title: str) -> Workbook:
    """擂台榜: a sheet per group (rank, unit, counts, rate, change, lights, card) and 项目亮灯."""
    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    groups: list[str] = []
    for unit in results["units"]:
        if unit["group"] not in groups:
            groups.append(unit["group"])
    headers = ["名次", "单位", "应完成节点", "已完成节点", "节点完成率", "本期完成率", "名次变化",
               "提前完成节点", "亮红灯项目", "报送情况", "黄牌"]
    widths = [7, 18, 11, 11, 11, 11, 10, 12, 11, 10, 7]
    scored = any("score" in u for u in results["units"])
    adjusted = scored and any((u.get("score_parts") or {}).get("adjust") for u in results["units"])
    if scored:  # rank_by = "score": the score the ranks rest on, right after the unit (and 加减分 in it)
        headers[2:2] = ["综合得分", "其中加减分"] if adjusted else ["综合得分"]
        widths[2:2] = [10, 10] if adjusted else [10]
    head, bracket, rest = title.partition("（")
    for group in groups:
        sheet = new_sheet(book, safe_sheet_title(group, used))
        # 擂台榜（街道，第3期，截至…）: the group inside the title's bracket, not a second bracket after it
        put(sheet.cell(row=1, column=1), f"{head}（{group}，{rest}" if bracket else f"{title}（{group}）")
        sheet.cell(row=1, column=1).font = Font(bold=True, size=16)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center")
        members = [u for u in results["units"] if u["group"] == group]
        rows = [[u["rank"] if u["rank"] is not None else "不排名", u["unit"], u["due"], u["done"],
                 "—" if u["rate"] is None else u["rate"], "—" if u["period_rate"] is None else u["period_rate"],
                 rank_change_text(u["rank_change"]), u["ahead"], u["red_projects"],
                 SUBMITTED_CN.get(u.get("timeliness") or "", "已报送" if u["submitted"] else "未报送"),
                 "黄牌" if u["yellow_card"] else ""] for u in members]
        if scored:
            for row, u in zip(rows, members):
                # a unit not ranked (nothing due) has a score of its other parts, which ranks nothing
                extra = ["—" if u.get("score") is None or u["rank"] is None else round(u["score"], 2)]
                if adjusted:
                    extra.append((u.get("score_parts") or {}).get("adjust") or 0)
                row[2:2] = extra
        last = write_table(sheet, headers, rows, start_row=2, widths=widths,
                           styles=[_unit_styler(u, shift=int(scored) + int(adjusted)) for u in members])
        if scored:  # two decimals, as the briefing and the poster give a score (100.00, not 100)
            for (cell,) in sheet.iter_rows(min_row=3, max_row=last, min_col=3, max_col=3):
                cell.number_format = "0.00"
        _fit_one_page(sheet, landscape=True)

    sheet = new_sheet(book, safe_sheet_title("项目亮灯", used))
    headers = ["项目编号", "项目名称", "所属板块", "牵头单位", "亮灯", "亮红灯次数", "连续亮红灯", "逾期节点"]
    rows = [[p["id"], p["name"], p["category"], p["unit"], LIGHT_CN[p["light"]], p["red_count"], p["red_streak"],
             "、".join(str(s) for s in p["overdue_nodes"])] for p in results["projects"]]
    widths = [10, 30, 16, 16, 8, 11, 11, 12]
    projects = results["projects"]
    invested = any(p.get("invest_plan") is not None for p in projects)
    banded = any(p.get("invest_light") for p in projects)  # [rules] investment_bands: a light of its own
    if invested:  # 计划投资 in the plan: the money beside the node light
        headers += ["计划投资（万元）", "累计完成投资（万元）", "投资完成率"] + (["投资亮灯"] if banded else [])
        widths += [12, 12, 10] + ([8] if banded else [])
        for row, p in zip(rows, projects):
            row += ["" if p["invest_plan"] is None else p["invest_plan"],
                    "" if p["invest_done"] is None else p["invest_done"],
                    "—" if p["invest_rate"] is None else p["invest_rate"]]
            if banded:
                row.append(LIGHT_CN.get(p.get("invest_light") or "", ""))
    rate_col = len(headers) - 1 - int(banded) if invested else None
    write_table(sheet, headers, rows, widths=widths,
                styles=[_project_styler(p["light"], p.get("invest_light") if banded else None, rate_col)
                        for p in projects])
    _fit_one_page(sheet, landscape=True)
    sheet.page_setup.fitToHeight = 0
    if results.get("plan_changes"):
        _changes_sheet(new_sheet(book, safe_sheet_title("计划调整", used)), results["plan_changes"])
    return book


def _changes_sheet(sheet: Worksheet, changes: list[dict[str, Any]]) -> None:
    """The plan changes in effect: original and current date side by side, basis, and whether new."""
    headers = ["项目编号", "节点序号", "调整类型", "原计划完成日期", "现计划完成日期", "批准日期", "批准依据", "说明",
               "本期生效"]
    rows = [[c["project_id"], "整个项目" if c["seq"] is None else c["seq"], c["type"], c["original_due"] or "—",
             c["due"] or "不再考核", c["approved"], c["basis"], c["note"], "是" if c["this_period"] else ""]
            for c in changes]
    write_table(sheet, headers, rows, widths=[10, 9, 9, 14, 14, 12, 24, 30, 9],
                styles=[lambda col, value: "擂台·居中" if col in (1, 2, 3, 4, 5, 8) else None for _ in rows])
    _fit_one_page(sheet, landscape=True)
    sheet.page_setup.fitToHeight = 0


def _unit_styler(unit: dict[str, Any], shift: int = 0) -> Styler:
    """Leaderboard row: rates as percentages, red projects as a light, the yellow card shaded.
    ``shift``: columns inserted after 单位 (the score)."""
    light = LIGHT_STYLE["red" if unit["red_projects"] else "green"]
    card = "擂台·黄牌" if unit["yellow_card"] else "擂台·居中"
    styles = {1: None, 4 + shift: "擂台·百分比", 5 + shift: "擂台·百分比", 8 + shift: light, 10 + shift: card}

    def style(col: int, value: Any) -> str | None:
        return styles.get(col, "擂台·居中")

    return style


def _project_styler(light: str, invest_light: str | None = None, rate_col: int | None = None) -> Styler:
    """Project row: the node light coloured; with investment columns (``rate_col``: 投资完成率),
    the rate as a percentage and the investment light (the column after it) coloured."""
    def style(col: int, value: Any) -> str | None:
        if col == 4:
            return LIGHT_STYLE[light]
        if rate_col is not None and invest_light is not None and col == rate_col + 1:
            return LIGHT_STYLE[invest_light]
        if rate_col is not None and col == rate_col and not isinstance(value, str):
            return "擂台·百分比"
        return None

    return style


def problems_workbook(problems: Sequence[Problem], title: str) -> Workbook:
    """数据问题: all problems on the first sheet, then one sheet per unit to send back."""
    listed = [p for p in sorted_problems(problems) if p.code not in OFFICE_ONLY]
    book = Workbook()
    used: set[str] = set()
    headers = ["序号", "单位", "文件", "工作表", "单元格", "类别", "问题说明", "修改方法", "填写内容"]
    widths = [6, 16, 28, 10, 8, 7, 44, 40, 16]

    def fill(sheet: Worksheet, heading: str, rows_of: list[Problem]) -> None:
        put(sheet.cell(row=1, column=1), heading)
        sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
        rows = [[i, p.unit or "（未识别）", p.file, p.sheet, p.cell, SEVERITY_CN.get(p.severity, p.severity),
                 p.message, p.fix, p.value] for i, p in enumerate(rows_of, start=1)]
        if not rows:
            rows = [["", "", "", "", "", "", "本期未发现数据问题", "", ""]]
        write_table(sheet, headers, rows, start_row=2, widths=widths)
        sheet.auto_filter.ref = f"A2:I{len(rows) + 2}"
        _fit_one_page(sheet, landscape=True)
        sheet.page_setup.fitToHeight = 0

    summary = book.active
    summary.title = safe_sheet_title("数据问题", used)
    fill(summary, title, listed)
    units: dict[str, list[Problem]] = {}
    for item in listed:
        units.setdefault(item.unit or "未识别单位", []).append(item)
    for unit, items in units.items():
        fill(new_sheet(book, safe_sheet_title(unit, used)), f"{title}（{unit}）", items)
    return book


NODE_HEADERS = ["单位", "项目编号", "项目", "节点", "节点目标", "计划完成", "实际完成", "完成情况"]


def node_workbook(rows: Sequence[Sequence[Any]], title: str) -> Workbook:
    """节点明细: every due or done node, one row each (written streaming: a province has tens of
    thousands); filter and sort it in Excel."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("节点明细")
    for col, width in enumerate([16, 10, 28, 6, 30, 12, 12, 11], start=1):
        sheet.column_dimensions[_letter(col)].width = width
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:H{len(rows) + 2}"
    sheet.append([safe_text(title)])
    sheet.append(NODE_HEADERS)
    for row in rows:
        sheet.append([safe_text(v) if isinstance(v, str) else v for v in row])
    return book


def save_node_workbook(rows: Sequence[Sequence[Any]], title: str, path: Any, stamp: dt.datetime) -> None:
    """Write 节点明细 to ``path`` (a painter job: it runs beside the briefing)."""
    from ..fileio import save_workbook

    save_workbook(node_workbook(rows, title), path, stamp)
