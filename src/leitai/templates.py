"""Unit progress workbooks (生成的填报表, SPEC §4; layout in docs/ARCHITECTURE.md).

``build_template`` makes one unit's workbook for one period: the data sheet ``进度填报``
pre-filled with the unit's nodes (and the nodes already known to be done), the hidden
identity sheet ``_leitai`` and the instructions sheet ``填报说明``. ``write_templates``
writes one per unit, reproducibly (same inputs, same bytes).

What survives a save in Excel, WPS and LibreOffice: plain cell values (the identity is
text in ``_leitai``), sheet protection without a password, data validations whose list
comes from a workbook-level defined name rather than an inline list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .campaign import Campaign
from .fileio import save_workbook

TEMPLATE_VERSION = "1"
KIND = "leitai-progress"

DATA_SHEET = "进度填报"
IDENTITY_SHEET = "_leitai"
HELP_SHEET = "填报说明"

HEADERS: tuple[str, ...] = (
    "项目编号", "项目名称", "节点序号", "节点目标", "计划完成日期", "完成情况",
    "实际完成日期", "形象进度（%）", "累计完成投资（万元）", "进展情况", "存在问题", "下步计划",
)
HEADER_ROW = 3
FIRST_DATA_ROW = 4
LOCKED_COLUMNS = 5  # 项目编号 .. 计划完成日期: pre-filled by the office
DONE, NOT_DONE = "已完成", "未完成"
STATUS_NAME = "leitai_status"  # defined name holding the 完成情况 choices
_STATUS_REF = "$D$1:$D$2"  # on the identity sheet, beside the key/value pairs

# Column widths in Excel character units, in HEADERS order.
_WIDTHS = (9, 22, 6, 30, 12, 10, 13, 9, 12, 28, 24, 24)
_WRAPPED = {"项目名称", "节点目标", "进展情况", "存在问题", "下步计划"}
_DATE_FORMAT = "yyyy-mm-dd"
_DATA_ROW_HEIGHT = 30  # points: two lines of wrapped text, room for a short note

_SERIF = "宋体"
_FANGSONG = "仿宋"
_CHARSET_GB2312 = 134
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
_DONE_FILL = PatternFill("solid", fgColor="E2EFDA")

ProgressCallback = Callable[[int, int, str], None]


def _font(size: float = 11, *, bold: bool = False, name: str = _SERIF) -> Font:
    return Font(name=name, size=size, bold=bold, charset=_CHARSET_GB2312)


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def template_filename(unit: str, period: int) -> str:
    """``<单位名称>-第NN期.xlsx``, the name readers fall back on for identity."""
    return f"{unit}-第{period:02d}期.xlsx"


def cutoff_stamp(campaign: Campaign, period: int) -> dt.datetime:
    """The document time written into a template: midnight at the period's cutoff."""
    cutoff = campaign.settings.schedule.cutoff(period)
    return dt.datetime.combine(cutoff, dt.time())


def _known_done(known: pd.DataFrame | None) -> dict[tuple[str, int], dt.date | None]:
    """(project_id, seq) → done date (None when unknown) for the nodes known to be done."""
    if known is None or known.empty:
        return {}
    done: dict[tuple[str, int], dt.date | None] = {}
    for row in known.loc[known["done"].astype(bool), ["project_id", "seq", "done_date"]].itertuples(index=False):
        day = None if pd.isna(row.done_date) else pd.Timestamp(row.done_date).date()
        done[(str(row.project_id), int(row.seq))] = day
    return done


def unit_nodes(campaign: Campaign, unit: str) -> pd.DataFrame:
    """The unit's nodes in plan order (project, then node), joined with project name."""
    plan = campaign.plan
    projects = plan.projects.loc[plan.projects["unit"] == unit, ["id", "name"]]
    nodes = plan.nodes.merge(projects, left_on="project_id", right_on="id", how="inner", sort=False)
    return nodes[["project_id", "name", "seq", "target", "due"]].reset_index(drop=True)


def build_template(
    campaign: Campaign, unit: str, period: int, known: pd.DataFrame | None = None
) -> openpyxl.Workbook:
    """One unit's progress workbook for ``period``.

    ``known``: node states (project_id, seq, done, done_date) from the previous recorded
    period, or None; nodes already done are pre-filled 已完成 with their date.
    Raises PeriodError for a period the campaign does not have.
    """
    settings = campaign.settings
    cutoff = settings.schedule.cutoff(period)
    book = openpyxl.Workbook()
    book.properties.creator = settings.campaign.issuer
    book.properties.lastModifiedBy = settings.campaign.issuer
    book.properties.title = f"{settings.campaign.short_name}第{period}期进度填报表（{unit}）"

    sheet = book.worksheets[0]
    sheet.title = DATA_SHEET
    rows = _write_data_sheet(sheet, campaign, unit, period, cutoff, _known_done(known))
    _write_help_sheet(book.create_sheet(HELP_SHEET), campaign, unit, period, cutoff)
    _write_identity_sheet(book.create_sheet(IDENTITY_SHEET), campaign, unit, period, cutoff)
    book.defined_names[STATUS_NAME] = DefinedName(STATUS_NAME, attr_text=f"'{IDENTITY_SHEET}'!{_STATUS_REF}")
    if rows:
        _add_validations(sheet, campaign, FIRST_DATA_ROW + rows - 1)
    book.active = 0
    return book


def _write_data_sheet(
    sheet: Worksheet, campaign: Campaign, unit: str, period: int, cutoff: dt.date,
    known: dict[tuple[str, int], dt.date | None],
) -> int:
    """Title, who/period/cutoff line, headers and node rows; returns the number of node rows."""
    info = campaign.settings.campaign
    last_col = get_column_letter(len(HEADERS))
    sheet.merge_cells(f"A1:{last_col}1")
    sheet["A1"] = f"{info.short_name}第{period}期进度填报表"
    sheet["A1"].font = _font(18, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 36

    sheet.merge_cells("A2:D2")
    sheet["A2"] = f"填报单位：{unit}"
    sheet["F2"] = f"填报期次：第{period}期"
    sheet.merge_cells("F2:G2")
    sheet["I2"] = f"截止日期：{_cn_date(cutoff)}"
    sheet.merge_cells("I2:K2")
    for ref in ("A2", "F2", "I2"):
        sheet[ref].font = _font(12, bold=True)
        sheet[ref].alignment = Alignment(vertical="center")
    sheet.row_dimensions[2].height = 24

    for col, header in enumerate(HEADERS, start=1):
        cell = sheet.cell(HEADER_ROW, col, header)
        cell.font = _font(11, bold=True)
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(col)].width = _WIDTHS[col - 1]
    sheet.row_dimensions[HEADER_ROW].height = 32

    nodes = unit_nodes(campaign, unit)
    for offset, node in enumerate(nodes.itertuples(index=False)):
        row = FIRST_DATA_ROW + offset
        sheet.row_dimensions[row].height = _DATA_ROW_HEIGHT
        key = (str(node.project_id), int(node.seq))
        done = key in known
        values: list[Any] = [
            key[0], node.name, key[1], node.target, pd.Timestamp(node.due).date(),
            DONE if done else NOT_DONE, known.get(key) if done else None,
            None, None, None, None, None,
        ]
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row, col, value)
            header = HEADERS[col - 1]
            cell.font = _font(11)
            cell.border = _BORDER
            cell.alignment = Alignment(
                horizontal="left" if header in _WRAPPED else "center", vertical="center",
                wrap_text=header in _WRAPPED,
            )
            if header in ("计划完成日期", "实际完成日期"):
                cell.number_format = _DATE_FORMAT
            elif header == "形象进度（%）":
                cell.number_format = "0"
            elif header == "累计完成投资（万元）":
                cell.number_format = "#,##0.00"
            if col <= LOCKED_COLUMNS:
                cell.fill = _LOCKED_FILL
            else:
                cell.protection = Protection(locked=False)
                if done and header == "完成情况":
                    cell.fill = _DONE_FILL

    sheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    setup = sheet.page_setup
    setup.paperSize = sheet.PAPERSIZE_A4
    setup.orientation = sheet.ORIENTATION_LANDSCAPE
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    # No password: protection is a guard against slips, not a security measure.
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # units may widen columns and rows
    sheet.protection.formatRows = False
    return len(nodes)


def _add_validations(sheet: Worksheet, campaign: Campaign, last_row: int) -> None:
    info = campaign.settings.campaign

    def column(header: str) -> str:
        letter = get_column_letter(HEADERS.index(header) + 1)
        return f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}"

    status = DataValidation(
        type="list", formula1=STATUS_NAME, allow_blank=True,
        showErrorMessage=True, errorTitle="完成情况", error=f"请从下拉框选择“{DONE}”或“{NOT_DONE}”",
        showInputMessage=True, promptTitle="完成情况", prompt=f"截至截止日期已完成的节点选“{DONE}”，并填写实际完成日期",
    )
    status.add(column("完成情况"))

    first, last = info.start - dt.timedelta(days=366), info.end + dt.timedelta(days=366)
    serial = _excel_serial
    when = DataValidation(
        type="date", operator="between", formula1=str(serial(first)), formula2=str(serial(last)),
        allow_blank=True, showErrorMessage=True, errorTitle="实际完成日期",
        error="请填写日期，如 2020-10-08", showInputMessage=True, promptTitle="实际完成日期",
        prompt="节点实际完成的日期，如 2020-10-08",
    )
    when.add(column("实际完成日期"))

    percent = DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100", allow_blank=True,
        showErrorMessage=True, errorTitle="形象进度", error="请填写 0 到 100 之间的数字，如 85",
        showInputMessage=True, promptTitle="形象进度（%）", prompt="0–100 的数字，如 85（不必输入 %）",
    )
    percent.add(column("形象进度（%）"))

    money = DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorTitle="累计完成投资", error="请填写数字，单位万元，如 1250.5",
    )
    money.add(column("累计完成投资（万元）"))
    for validation in (status, when, percent, money):
        sheet.add_data_validation(validation)


def _excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def _write_identity_sheet(
    sheet: Worksheet, campaign: Campaign, unit: str, period: int, cutoff: dt.date
) -> None:
    """Key/value identity in columns A/B (the ARCHITECTURE contract), choices in D1:D2."""
    pairs: list[tuple[str, Any]] = [
        ("kind", KIND),
        ("campaign", campaign.settings.campaign.name),
        ("unit", unit),
        ("period", period),
        ("cutoff", cutoff.isoformat()),
        ("template_version", TEMPLATE_VERSION),
    ]
    for row, (key, value) in enumerate(pairs, start=1):
        sheet.cell(row, 1, key)
        sheet.cell(row, 2, value)
    sheet["D1"], sheet["D2"] = DONE, NOT_DONE
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True


_COLUMN_NOTES: tuple[tuple[str, str], ...] = (
    ("项目编号、项目名称、节点序号、节点目标、计划完成日期", "由指挥部办公室按攻坚计划预填并锁定，请勿修改。"),
    ("完成情况", f"从下拉框选择“{DONE}”或“{NOT_DONE}”。截至本期截止日期已完成的节点选“{DONE}”。"
                "系统也认可“完成、是、√”（视为已完成）和“推进中、否、×”或空白（视为未完成）。"),
    ("实际完成日期", "已完成的节点必须填写，如 2020-10-08；也认可 2020/10/8、2020.10.8、2020年10月8日、"
                  "10月8日、20201008。晚于本期截止日期的，本期不计为完成。"),
    ("形象进度（%）", "填 0 至 100 之间的数字，如 85（不必输入 %）；已完成的节点填 100。"),
    ("累计完成投资（万元）", "自行动开始以来累计完成的投资，单位万元，只填数字，如 1250.5。"),
    ("进展情况", "简要写明本期主要进展和关键数据（如签约户数、腾空率、工程量）。"),
    ("存在问题", "未按期完成或进度滞后的节点必须写明原因和需协调的事项。"),
    ("下步计划", "写明下一步措施和完成时限，如“10月20日前完成签约”。"),
)


def _write_help_sheet(sheet: Worksheet, campaign: Campaign, unit: str, period: int, cutoff: dt.date) -> None:
    info = campaign.settings.campaign
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 80
    body = Alignment(wrap_text=True, vertical="top")
    late = ("本期排名列末位" if campaign.settings.rules.no_submission == "rank_last"
            else "本期节点完成情况按上期状态计，不计新完成的节点")
    lines: list[tuple[str, str | None]] = [
        (f"{info.short_name}进度填报说明", None),
        (f"本表是{unit}第{period}期进度填报表，截止日期为{_cn_date(cutoff)}。", None),
        (f"请于{_cn_date(cutoff)}（含当天）前在“{DATA_SHEET}”工作表中如实填写，"
         f"以原 .xlsx 文件报送{info.issuer}。", None),
        ("一、各列填写要求", None),
        *_COLUMN_NOTES,
        ("二、注意事项", None),
        ("1. 不改表头", "请勿修改表头文字、工作表名称，勿增删行列或调整行的顺序；隐藏的工作表用于自动识别"
                     "填报单位和期次，请勿删除。"),
        ("2. 一个单位一份", "每个单位每期只报送一份表格。如需更正，请重新报送完整的一份，办公室以最后保存的为准。"),
        ("3. 已完成的节点", f"上期已确认完成的节点已预填“{DONE}”和完成日期，无需重复填写；"
                        "如确需更正，请与指挥部办公室联系核定。"),
        ("4. 文件名", f"建议保持“{template_filename(unit, period)}”，不要改为其他单位或期次。"),
        ("5. 报送时限", f"本期截止日期为{_cn_date(cutoff)}。逾期未报送的单位列为“未报送”，{late}。"),
    ]
    row = 1
    for left, right in lines:
        if right is None:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            cell = sheet.cell(row, 1, left)
            is_title = row == 1
            is_heading = left.startswith(("一、", "二、"))
            cell.font = _font(16 if is_title else 12, bold=is_title or is_heading,
                              name=_SERIF if is_title or is_heading else _FANGSONG)
            cell.alignment = Alignment(horizontal="center" if is_title else "left", vertical="center",
                                       wrap_text=True)
            sheet.row_dimensions[row].height = 30 if is_title else 22
        else:
            head, text = sheet.cell(row, 1, left), sheet.cell(row, 2, right)
            head.font = _font(12, bold=True, name=_FANGSONG)
            text.font = _font(12, name=_FANGSONG)
            head.alignment = text.alignment = body
            head.border = text.border = _BORDER
            wrapped = max(1 + len(right) // 32, 1 + len(left) // 11)
            sheet.row_dimensions[row].height = 18 * wrapped
        row += 1
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_PORTRAIT
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.protection.sheet = True


def write_templates(
    campaign: Campaign, period: int, out_dir: Path, known: pd.DataFrame | None = None,
    progress: ProgressCallback | None = None,
) -> list[Path]:
    """One template per plan unit into ``out_dir``, named ``<单位名称>-第NN期.xlsx``.

    Files are saved atomically with the cutoff as document time, so re-running gives
    the same bytes. Returns the paths in the plan's unit order.
    """
    out_dir = Path(out_dir)
    stamp = cutoff_stamp(campaign, period)
    units = list(campaign.plan.units["unit"])
    paths: list[Path] = []
    for index, unit in enumerate(units, start=1):
        path = out_dir / template_filename(unit, period)
        save_workbook(build_template(campaign, unit, period, known), path, stamp)
        paths.append(path)
        if progress is not None:
            progress(index, len(units), unit)
    return paths
