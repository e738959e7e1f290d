"""One workbook carrying many units: an online form's export, or sheets merged by hand.

Offices collect with 腾讯文档 收集表, 金山表单 or WPS 智能表格, whose export is one table:
one row per node report, a unit column (填报单位 / 单位 / 单位名称 …) beside the SPEC
columns, often a 提交时间. ``read_export`` reads such a table as one part per unit named in
it, each row checked exactly as on the unit's own sheet (sheetrows.read_row).

Choices where SPEC is silent:
- a row whose unit cell names no unit of the plan is a problem at that cell, and the row does
  not count; so is a blank unit cell, unless the file itself names a unit (its identity, its
  填报单位 cell or its name: a unit's own sheet with a unit column left blank); a node of another unit is a problem at its 项目编号 cell;
- a unit that reported one node on several rows (a form submitted twice): with 提交时间, the
  latest row wins; without, identical rows merge and differing ones all drop (as on a sheet);
- a unit's nodes absent from the export are one warning for the unit (it keeps what is known);
- a unit's submission time is its latest 提交时间, read as local time; without the column,
  the workbook's saved time. A unit both in an export and in its own file: the later wins
  (folder.py).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from ..campaign.plan import Campaign
from ..normalize import EXCEL_EPOCH, clean_text, is_blank, nfkc
from .sheetrows import (
    ALL_HEADERS,
    Part,
    PlanIndex,
    Problems,
    match_unit,
    merge_duplicates,
    new_sheet,
    read_row,
    suggest,
)
from .workbook import Table, bare

_TIME = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                   r"(?:[\sT]*(\d{1,2})\s*[:：时]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}(?:\.\d+)?))?\s*[分秒]?)?")


def parse_time(value: Any) -> dt.datetime | None:
    """A 提交时间: a date-time cell, an Excel serial, or text such as ``2020/11/08 14:23:05``.

    None for a blank cell; ``ValueError`` for anything else.
    """
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:
            return dt.datetime.combine(EXCEL_EPOCH, dt.time()) + dt.timedelta(days=float(value))
        raise ValueError(value)
    match = _TIME.fullmatch(nfkc(str(value)).strip())
    if match is None:
        raise ValueError(value)
    year, month, day, hour, minute = (int(g) if g else 0 for g in match.groups()[:5])
    second = float(match.group(6) or 0)
    return dt.datetime(year, month, day, hour, minute) + dt.timedelta(seconds=second)


def read_export(table: Table, path: Path, campaign: Campaign, plan: PlanIndex, cutoff: dt.date | None,
                out: Problems, default: str | None = None) -> list[Part]:
    """One part per unit named in the export's unit column, in the order they first appear.

    ``default``: the unit of a row whose unit cell is blank (the unit the file itself names), if any.
    """
    sheet = new_sheet(table, plan, "", campaign, cutoff, out)
    name = path.name  # one string for every row
    rows: dict[str, list[dict[str, Any]]] = {}
    times: dict[str, list[dt.datetime | None]] = {}  # each kept row's 提交时间
    latest: dict[str, dt.datetime | None] = {}  # each unit's latest 提交时间
    for r in table.data_rows():
        out.unit = ""
        if all(is_blank(table.value(r, k)) for k in ("seq", "status", "date")):
            continue  # a blank row, or a note under the table
        if bare(table.value(r, "pid")) in ALL_HEADERS:
            continue  # the header repeated (sheets pasted one under another)
        spelling = clean_text(table.value(r, "unit"))
        unit = match_unit(plan, spelling) if spelling else default
        if unit is None:
            if spelling or not is_blank(table.value(r, "pid")):
                out.add("export_unknown_unit", cell=table.cell(r, "unit"), value=spelling or "（空）",
                        detail=suggest(plan, spelling) if spelling else "")
            continue
        out.unit = sheet.unit = unit
        when = None
        if "submitted" in table.columns:
            try:
                when = parse_time(table.value(r, "submitted"))
            except ValueError:
                out.add("bad_submit_time", cell=table.cell(r, "submitted"),
                        value=clean_text(table.value(r, "submitted")))
        row = read_row(sheet, r)
        found, stamps = rows.setdefault(unit, []), times.setdefault(unit, [])  # named: the unit sent something
        latest[unit] = max((t for t in (latest.get(unit), when) if t is not None), default=None)
        if row is not None:
            found.append({"file": name, "unit": unit, "sheet": table.sheet, **row})
            stamps.append(when)
    out.unit = ""
    parts = []
    for unit, found in rows.items():
        out.unit = unit
        stamps = times[unit]
        kept = merge_duplicates(_latest(found, stamps), out)
        present = {(row["project_id"], row["seq"]) for row in kept}
        missing = [f"{pid} 节点{seq}" for pid, seq in plan.unit_nodes.get(unit, []) if (pid, seq) not in present]
        if missing:
            out.add("export_missing_rows", value="、".join(missing))
        parts.append(Part(unit, kept, latest[unit]))
    out.unit = ""
    return parts


def _latest(rows: list[dict[str, Any]], stamps: list[dt.datetime | None]) -> list[dict[str, Any]]:
    """Of one node's rows with different 提交时间, those of the latest time (earlier submissions are superseded)."""
    newest: dict[tuple[str, int], dt.datetime] = {}
    for row, when in zip(rows, stamps):
        key = (row["project_id"], row["seq"])
        if when is not None and (key not in newest or when > newest[key]):
            newest[key] = when
    return [row for row, when in zip(rows, stamps)
            if (row["project_id"], row["seq"]) not in newest or when is None or when == newest[(row["project_id"], row["seq"])]]
