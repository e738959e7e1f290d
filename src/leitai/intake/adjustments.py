"""The office's 加减分.xlsx (SPEC §5, composite score): 单位, 分值, 事由, in the period folder.

Read with the same workbook reader as the units' sheets (any format it accepts, the table
found by its headers). Every row that cannot be used is a ``bad_adjustment`` problem at its
cell, and is left out: a unit not in the plan, a 分值 that is not a number, a missing 事由.
A unit may have several rows; its points are their sum.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ..campaign.plan import Campaign
from ..normalize import clean_header, clean_text, is_blank, nfkc
from ..problems import Problem, cell_ref, problem
from .workbook import Reject, describe, find_table, open_workbook

ADJUSTMENTS_FILE = "加减分.xlsx"
HEADERS: dict[str, str] = {"单位": "unit", "单位名称": "unit", "分值": "points", "加减分": "points", "事由": "reason",
                           "加减分事由": "reason"}
REQUIRED = ("单位", "分值", "事由")


def is_adjustments(path: Path) -> bool:
    """Whether ``path`` is the office's 加减分 sheet (加减分.xlsx / .xls / .xlsm), not a unit's."""
    return clean_header(path.stem) in ("加减分", "加减分表") and path.suffix.lower() in (".xlsx", ".xlsm", ".xls")


def _points(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        text = nfkc(str(value)).strip().replace("分", "").replace(" ", "")
        number = float(text)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def read_adjustments(path: Path, campaign: Campaign) -> tuple[list[dict[str, Any]], list[Problem]]:
    """Rows ``{"unit", "points", "reason", "cell"}`` of 加减分.xlsx that can be used, and the problems."""
    path = Path(path)
    problems: list[Problem] = []

    def bad(detail: str, cell: str = "", sheet: str = "", value: object = "") -> None:
        problems.append(problem("bad_adjustment", file=path.name, sheet=sheet, cell=cell, value=value, detail=detail))

    try:
        book = open_workbook(path.read_bytes(), path.name)
        table = find_table(book, HEADERS, REQUIRED, path.name)
    except Reject as reject:
        bad(reject.problem.message)
        return [], problems
    except Exception as exc:  # noqa: BLE001 - any reader failure is this file's problem
        bad(f"文件无法打开（{describe(exc)}）")
        return [], problems
    if table is None:
        bad(f"未找到表头 {'、'.join(REQUIRED)}")
        return [], problems
    rows: list[dict[str, Any]] = []
    for r in table.data_rows():
        raw_unit, raw_points, raw_reason = (table.value(r, k) for k in ("unit", "points", "reason"))
        if is_blank(raw_unit) and is_blank(raw_points) and is_blank(raw_reason):
            continue
        unit = campaign.plan.resolve_unit(clean_text(raw_unit)) if not is_blank(raw_unit) else None
        if unit is None:
            bad(f"单位“{clean_text(raw_unit)}”不在计划表“单位”页中" if not is_blank(raw_unit) else "单位为空",
                table.cell(r, "unit"), table.sheet, clean_text(raw_unit))
            continue
        try:
            points = _points(raw_points)
        except (ValueError, TypeError):
            bad(f"{unit} 的分值“{clean_text(raw_points)}”不是数字（加分填正数，减分填负数，如 -2）",
                table.cell(r, "points"), table.sheet, clean_text(raw_points))
            continue
        reason = clean_text(raw_reason)
        if not reason:
            bad(f"{unit} 的 {points:g} 分没有填写事由", table.cell(r, "reason"), table.sheet)
            continue
        rows.append({"unit": unit, "points": points, "reason": reason, "cell": cell_ref(r + 1, 1)})
    return rows, problems


def points_by_unit(rows: list[dict[str, Any]]) -> dict[str, float]:
    """unit -> the sum of its points."""
    out: dict[str, float] = {}
    for row in rows:
        out[row["unit"]] = out.get(row["unit"], 0.0) + float(row["points"])
    return out
