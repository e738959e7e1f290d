"""Unit progress workbooks (生成的填报表, SPEC §4; layout in docs/ARCHITECTURE.md).

``build_template`` makes one unit's workbook for one period: the data sheet ``进度填报``
pre-filled with the unit's nodes (and the nodes already known to be done), the hidden
identity sheet ``_leitai`` and the instructions sheet ``填报说明``, whose wording comes
from reports/填报说明.toml (an office may override it from its campaign folder's
reports/). ``write_templates`` writes one per unit, reproducibly (same inputs, same bytes).

What survives a save in Excel, WPS and LibreOffice: plain cell values (the identity is
text in ``_leitai``), sheet protection without a password, data validations whose list
comes from a workbook-level defined name rather than an inline list.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
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

from ..errors import CampaignError
from ..fileio import save_workbook
from ..report.xlsxout import ROW_LINE_PT, put, wrapped_lines
from .changes import EffectivePlan, plan_at
from .plan import Campaign

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


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')
_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$")
_NAME_CAP = 80  # characters of the unit name kept: paths stay short on Windows


def template_filename(unit: str, period: int) -> str:
    """``<单位名称>-第NN期.xlsx``, the name readers fall back on for identity.

    Made safe on every system from whatever the plan says: path separators, ``:*?"<>|``
    and control characters become ``_``, leading/trailing dots and spaces go, Windows'
    reserved names (CON, NUL, COM1…) get a ``_``, and the name is capped at 80 characters.
    """
    name = _UNSAFE_NAME.sub("_", unit).strip(" .")[:_NAME_CAP].strip(" .") or "_"
    if _RESERVED.match(name):
        name = "_" + name
    return f"{name}-第{period:02d}期.xlsx"


def cutoff_stamp(campaign: Campaign, period: int) -> dt.datetime:
    """The document time written into a template: midnight at the period's cutoff."""
    cutoff = campaign.settings.schedule.cutoff(period)
    return dt.datetime.combine(cutoff, dt.time())


def _known_done(known: pd.DataFrame | None) -> dict[tuple[str, int], dt.date | None]:
    """(project_id, seq) → done date (None when unknown) for the nodes known to be done, and for
    those a unit already reported done with a date after the last cutoff (not counted then)."""
    if known is None or known.empty:
        return {}
    done: dict[tuple[str, int], dt.date | None] = {}
    assumed = known["date_assumed"].astype(bool) if "date_assumed" in known else pd.Series(False, index=known.index)
    for row in known.loc[known["done"].astype(bool)].assign(assumed=assumed).itertuples(index=False):
        # an assumed date (done without one: the cutoff) is left blank, so the unit fills in the real one
        day = None if pd.isna(row.done_date) or row.assumed else pd.Timestamp(row.done_date).date()
        done[(str(row.project_id), int(row.seq))] = day
    if "reported_date" in known:
        pending = known[~known["done"].astype(bool) & known["reported_date"].notna()]
        for row in pending[["project_id", "seq", "reported_date"]].itertuples(index=False):
            done[(str(row.project_id), int(row.seq))] = pd.Timestamp(row.reported_date).date()
    return done


def _known_figures(known: pd.DataFrame | None) -> dict[tuple[str, int], tuple[float | None, float | None]]:
    """(project_id, seq) → (形象进度, 累计完成投资) last known, for the nodes that have either."""
    if known is None or known.empty or not {"progress_pct", "invest_done"} <= set(known.columns):
        return {}
    figures: dict[tuple[str, int], tuple[float | None, float | None]] = {}
    for row in known[["project_id", "seq", "progress_pct", "invest_done"]].itertuples(index=False):
        pct = None if pd.isna(row.progress_pct) else float(row.progress_pct)
        money = None if pd.isna(row.invest_done) else float(row.invest_done)
        if pct is not None or money is not None:
            figures[(str(row.project_id), int(row.seq))] = (pct, money)
    return figures


def unit_nodes(campaign: Campaign, unit: str, cutoff: dt.date | None = None,
               effective: EffectivePlan | None = None) -> pd.DataFrame:
    """The unit's nodes in plan order (project, then node), joined with project name.

    With ``cutoff``, the plan in effect then (计划调整; ``effective`` when already computed):
    ``due`` is the date in effect and ``target`` says what changed (the original date beside
    a moved one; cancelled, exempt, or counted only from its 纳入日期).
    """
    plan = campaign.plan
    projects = plan.projects.loc[plan.projects["unit"] == unit, ["id", "name"]]
    nodes = plan.nodes.merge(projects, left_on="project_id", right_on="id", how="inner", sort=False)
    nodes = nodes[["project_id", "name", "seq", "target", "due"]].reset_index(drop=True)
    if cutoff is None or nodes.empty:
        return nodes
    effective = effective if effective is not None else plan_at(plan, cutoff)
    changed = effective.nodes[(effective.nodes["status"] != "active") | effective.nodes["change"].notna()]
    if changed.empty:
        return nodes
    by_key = changed.set_index(["project_id", "seq"])
    dues, targets = [], []
    for row in nodes.itertuples(index=False):
        key = (row.project_id, int(row.seq))
        if key not in by_key.index:
            dues.append(row.due)
            targets.append(row.target)
            continue
        node = by_key.loc[key]
        dues.append(pd.Timestamp(node["due"]))
        targets.append(row.target + _change_note(node))
    return nodes.assign(due=dues, target=targets)


def _change_note(node: pd.Series) -> str:
    """What the plan in effect says about a node, for beside its 节点目标 (empty when unchanged)."""
    def md(day: dt.date) -> str:
        return f"{day.month}月{day.day}日"

    if node["status"] == "pending":
        return f"（自{md(node['included'])}起纳入考核）"
    if node["status"] in ("cancelled", "exempt"):
        return f"（{md(node['approved'])}批准{node['change']}，不再考核）"
    if node["change"] in ("延期", "提前"):
        return f"（原计划{md(node['original_due'])}，{md(node['approved'])}批准{node['change']}）"
    return ""


def build_template(
    campaign: Campaign, unit: str, period: int, known: pd.DataFrame | None = None,
    effective: EffectivePlan | None = None,
) -> openpyxl.Workbook:
    """One unit's progress workbook for ``period``.

    ``known``: node states (project_id, seq, done, done_date) from the previous recorded
    period, or None; nodes already done are pre-filled 已完成 with their date, and where it
    has the last known 形象进度 and 累计完成投资 (progress_pct, invest_done) they are pre-filled too.
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
    rows = _write_data_sheet(sheet, campaign, unit, period, cutoff, _known_done(known), _known_figures(known),
                             effective)
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
    figures: dict[tuple[str, int], tuple[float | None, float | None]] | None = None,
    effective: EffectivePlan | None = None,
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

    nodes = unit_nodes(campaign, unit, cutoff, effective)
    for offset, node in enumerate(nodes.itertuples(index=False)):
        row = FIRST_DATA_ROW + offset
        key = (str(node.project_id), int(node.seq))
        done = key in known
        values: list[Any] = [
            key[0], node.name, key[1], node.target, pd.Timestamp(node.due).date(),
            DONE if done else NOT_DONE, known.get(key) if done else None,
            *(figures or {}).get(key, (None, None)), None, None, None,
        ]
        # a long project name or node target (with its 计划调整 note) shows whole, at least two lines' room
        lines = max(wrapped_lines(value, _WIDTHS[col]) for col, value in enumerate(values) if HEADERS[col] in _WRAPPED)
        sheet.row_dimensions[row].height = max(_DATA_ROW_HEIGHT, ROW_LINE_PT * lines)
        for col, value in enumerate(values, start=1):
            cell = sheet.cell(row, col)
            put(cell, value)  # plan text too is written as text, never as a formula
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
        put(sheet.cell(row, 2), value)
    sheet["D1"], sheet["D2"] = DONE, NOT_DONE
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True


HELP_FILE = "填报说明.toml"
REPORTS = Path(__file__).resolve().parents[3] / "reports"


def load_help(campaign: Campaign | None = None) -> dict[str, Any]:
    """The 填报说明 wording: reports/填报说明.toml, overridden key by key by a
    reports/填报说明.toml in the campaign folder (``sections`` is replaced as a whole)."""
    wording = tomllib.loads((REPORTS / HELP_FILE).read_text(encoding="utf-8"))
    local = campaign.folder / "reports" / HELP_FILE if campaign is not None else None
    if local is not None and local.exists() and local.resolve() != (REPORTS / HELP_FILE).resolve():
        try:
            extra = tomllib.loads(local.read_text(encoding="utf-8-sig"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CampaignError(f"{local} 格式有误（{exc}），请按 TOML 格式修改") from None
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(wording.get(key), dict):
                wording[key] = {**wording[key], **value}
            else:
                wording[key] = value
    return wording


def _help_lines(campaign: Campaign, unit: str, period: int, cutoff: dt.date) -> list[tuple[str, str | None, str]]:
    """(left, right, kind) rows of the 填报说明 sheet; kind is title, text, heading or item."""
    info = campaign.settings.campaign
    wording = load_help(campaign)
    fields = {"short_name": info.short_name, "issuer": info.issuer, "unit": unit, "period": str(period),
              "cutoff": _cn_date(cutoff), "data_sheet": DATA_SHEET, "file_name": template_filename(unit, period),
              "deadline": _cn_date(cutoff + dt.timedelta(days=campaign.settings.supervision.submit_days))}  # 报送截止
    example = cutoff - dt.timedelta(days=4)  # a date in this period, so the examples are in the campaign's year
    y, m, d = example.year, example.month, example.day
    fields.update(example_iso=example.isoformat(), example_slash=f"{y}/{m}/{d}", example_dot=f"{y}.{m}.{d}",
                  example_cn=f"{y}年{m}月{d}日", example_md=f"{m}月{d}日", example_compact=f"{y}{m:02d}{d:02d}")
    fields["late"] = _fill(wording["late"][campaign.settings.rules.no_submission], fields)
    lines: list[tuple[str, str | None, str]] = [(_fill(wording["title"], fields), None, "title")]
    lines += [(_fill(text, fields), None, "text") for text in wording.get("intro", [])]
    for section in wording.get("sections", []):
        lines.append((_fill(section["heading"], fields), None, "heading"))
        lines += [(_fill(item["name"], fields), _fill(item["text"], fields), "item") for item in section["items"]]
    return lines


def _fill(text: str, fields: dict[str, str]) -> str:
    try:
        return text.format_map(fields)
    except (KeyError, ValueError, IndexError) as exc:
        raise CampaignError(f"{HELP_FILE} 中“{text}”的花括号字段有误（{exc}）：可用字段见该文件开头的说明") from None


def _write_help_sheet(sheet: Worksheet, campaign: Campaign, unit: str, period: int, cutoff: dt.date) -> None:
    sheet.column_dimensions["A"].width = 26
    sheet.column_dimensions["B"].width = 80
    body = Alignment(wrap_text=True, vertical="top")
    row = 1
    for left, right, kind in _help_lines(campaign, unit, period, cutoff):
        if right is None:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=2)
            cell = sheet.cell(row, 1, left)
            is_title = kind == "title"
            is_heading = kind == "heading"
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
    effective = plan_at(campaign.plan, campaign.settings.schedule.cutoff(period))
    paths: list[Path] = []
    for index, unit in enumerate(units, start=1):
        path = out_dir / template_filename(unit, period)
        save_workbook(build_template(campaign, unit, period, known, effective), path, stamp)
        paths.append(path)
        if progress is not None:
            progress(index, len(units), unit)
    return paths
