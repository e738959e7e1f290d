"""Machine-readable results of one period: ``build_results``, the results.json dict of SPEC §6
(rates unrounded fractions, ISO dates), and the order problems are listed in. The workbooks made
from them are in report/xlsxout.py.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ..bulk import rows_of
from ..campaign.changes import EffectivePlan, change_key
from ..problems import Problem
from .score import Scores

SEVERITY_CN = {"error": "错误", "warning": "提醒", "info": "说明"}


def _num(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value) else float(value)


def _int(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def build_results(
    campaign_name: str,
    period: int,
    cutoff: dt.date,
    evaluation: bool,
    scores: Scores,
    submissions: Iterable[Any],
    group_order: Sequence[str],
    adjustments: Sequence[dict[str, Any]] = (),
    previous_plan: EffectivePlan | None = None,
    project_names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The results.json dict (SPEC §6). ``submissions`` are intake FileRecords; ``adjustments``
    the office's 加减分 rows (unit, points, reason) listed as read.

    ``previous_plan`` (the plan in effect at the previous cutoff) marks the plan changes
    that took effect this period (``this_period``).
    """
    units = scores.units.copy()
    scored = "score" in units.columns
    units["_g"] = units["group"].map({g: i for i, g in enumerate(group_order)})
    units["_r"] = units["rank"].astype("Float64").fillna(math.inf)
    units = units.sort_values(["_g", "_r"], kind="stable")  # equal ranks keep the plan's order
    return {
        "campaign": campaign_name,
        "period": period,
        "cutoff": cutoff.isoformat(),
        "evaluation": bool(evaluation),
        "overall": {
            "due": int(scores.overall["due"] or 0), "done": int(scores.overall["done"] or 0),
            "rate": _num(scores.overall["rate"]), "projects": int(scores.overall["projects"] or 0),
            "green": int(scores.overall["green"] or 0), "yellow": int(scores.overall["yellow"] or 0),
            "red": int(scores.overall["red"] or 0),
            "late_done": int(scores.overall.get("late_done") or 0),
            **{k: _num(scores.overall.get(k)) for k in ("invest_plan", "invest_done", "invest_rate", "time_progress")},
        },
        "categories": [
            {"category": r.category, "due": int(r.due), "done": int(r.done), "rate": _num(r.rate)}
            for r in scores.categories.itertuples(index=False)
        ],
        "units": [
            {"unit": r.unit, "group": r.group, "submitted": bool(r.submitted), "due": int(r.due),
             "done": int(r.done), "rate": _num(r.rate), "period_rate": _num(r.period_rate),
             "period_due": int(r.period_due), "period_done": int(r.period_done),
             "ahead": int(r.ahead), "red_projects": int(r.red_projects), "rank": _int(r.rank),
             "rank_change": _int(r.rank_change), "yellow_card": bool(r.yellow_card),
             "late_done": int(r.late_done), "invest_plan": _num(r.invest_plan), "invest_done": _num(r.invest_done),
             "invest_rate": _num(r.invest_rate),
             **({"score": _num(r.score), "score_parts": {k: _num(v) for k, v in r.score_parts.items()}}
                if scored else {})}
            for r in rows_of(units)
        ],
        "projects": [
            {"id": r.id, "name": r.name, "category": r.category, "unit": r.unit, "light": r.light,
             "red_count": int(r.red_count), "red_streak": int(r.red_streak), "due": int(r.due),
             "done": int(r.done), "overdue_nodes": [int(s) for s in r.overdue_nodes],
             "late_done": [int(s) for s in r.late_done], "invest_plan": _num(r.invest_plan),
             "invest_done": _num(r.invest_done), "invest_rate": _num(r.invest_rate),
             "invest_light": r.invest_light if isinstance(r.invest_light, str) else None}
            for r in rows_of(scores.projects)
        ],
        "submissions": [
            {"file": s.file, "unit": s.unit, "status": s.status, "problems": int(s.problems),
             **({"units": list(s.units)} if getattr(s, "role", "sheet") == "export" else {})}
            for s in submissions if s.status != "skipped"
        ],
        "adjustments": [{"unit": a["unit"], "points": float(a["points"]), "reason": a["reason"]} for a in adjustments],
        **plan_json(scores.plan, previous_plan, project_names or {},
                    dict(zip(zip(scores.nodes["project_id"], scores.nodes["seq"].astype(int)), scores.nodes["target"]))),
    }


def _iso(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def plan_json(plan: EffectivePlan | None, previous: EffectivePlan | None, names: dict[str, str] | None = None,
              targets: dict[tuple[str, int], str] | None = None) -> dict[str, Any]:
    """``nodes`` (each node's original and current date, status) and ``plan_changes``
    (each change in effect, with its project's name and node's target; ``this_period`` when
    it was not in effect at the previous cutoff)."""
    names, targets = names or {}, targets or {}
    if plan is None:
        return {}
    before = {change_key(c) for c in previous.changes()} if previous is not None else set()
    nodes = [
        {"project_id": n.project_id, "seq": int(n.seq), "original_due": _iso(n.original_due),
         "due": _iso(n.due) if n.status in ("active", "pending") else None, "status": n.status}
        for n in rows_of(plan.nodes)
    ]
    changes = [
        {"project_id": c["project_id"], "project": names.get(c["project_id"], ""), "seq": c["seq"],
         "target": None if c["seq"] is None else targets.get((c["project_id"], c["seq"]), ""),
         "type": c["type"], "original_due": _iso(c["original_due"]),
         "due": _iso(c["due"]), "approved": _iso(c["approved"]), "basis": c["basis"] or "", "note": c["note"] or "",
         "this_period": change_key(c) not in before}
        for c in plan.changes()
    ]
    return {"nodes": nodes, "plan_changes": changes}


def sorted_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems ordered by unit, file, sheet, then cell in reading order."""
    def cell_key(ref: str) -> tuple[int, str]:
        match = re.match(r"([A-Z]+)(\d+)", ref or "")
        return (int(match.group(2)), match.group(1).rjust(3)) if match else (0, "")

    return sorted(problems, key=lambda p: (p.unit or "~", p.file, p.sheet, cell_key(p.cell), p.code))


# Problems about the office's own files or actions: kept in the manifest, not sent to units.
OFFICE_ONLY = {"file_lock", "file_incomplete", "file_not_sheet", "override_applied", "override_deferred",
               "adjustments_unused"}


def node_rows(detail: pd.DataFrame, units: Sequence[str]) -> list[list[Any]]:
    """Every due or done node of ``detail`` (the briefing's node detail), in the units' order:
    the rows of 节点明细-第NN期.xlsx."""
    order = {u: i for i, u in enumerate(units)}
    frame = detail[detail["done"] | detail["overdue"]]
    frame = frame.assign(_o=frame["unit"].map(order).fillna(len(order))).sort_values(
        ["_o", "project_id", "seq"], kind="stable")
    late = frame["late"] if "late" in frame.columns else pd.Series(False, index=frame.index)
    rows = []
    for row, was_late in zip(rows_of(frame), late.tolist()):
        if row.done:
            status = "提前完成" if row.ahead else "逾期完成" if bool(was_late) else "已完成"
        else:
            status = "逾期未完成"
        rows.append([row.unit, row.project_id, row.project, int(row.seq), row.target, row.due,
                     row.done_date if row.done else None, status])
    return rows
