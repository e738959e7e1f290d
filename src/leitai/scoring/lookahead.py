"""Looking ahead and acting, as pure functions: early warning, the escalation ladder, timeliness.

- ``early_warning``: nodes not done at the cutoff that fall due after it and on or before the
  horizon (the next cutoff, or ``[supervision] warning_days`` after the cutoff).
- ``escalations``: the red projects at or past a rung of the ladder (提醒单 → 督办单 by red
  count), each with the document it gets and its number within the period.
- ``timeliness``: each unit 按时 (``on_time``) / 迟报 (``late``) / 未报 (``missing``) against the
  报送截止 (cutoff + ``submit_days``), from the arrival time of its files.

No file, clock or database here; dates are parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from ..campaign.plan import Schedule, Supervision

TIMELINESS = ("on_time", "late", "missing")
TIMELINESS_CN = {"on_time": "按时", "late": "迟报", "missing": "未报"}


def warning_horizon(schedule: Schedule, period: int, supervision: Supervision) -> dt.date:
    """The last day the early warning looks at: ``warning_days`` after the cutoff, else the next
    cutoff (the cutoff itself after the last period, so nothing is warned of)."""
    cutoff = schedule.cutoff(period)
    if supervision.warning_days:
        return cutoff + dt.timedelta(days=supervision.warning_days)
    return schedule.cutoffs[period] if period < schedule.count else cutoff


def submit_deadline(schedule: Schedule, period: int, supervision: Supervision) -> dt.date:
    """报送截止: the cutoff plus ``submit_days`` (a sheet arriving on that day is on time)."""
    return schedule.cutoff(period) + dt.timedelta(days=supervision.submit_days)


def issue_date(deadline: dt.date, arrived: Iterable[dt.datetime], missing: bool = False) -> dt.date:
    """成文日期 of the briefing and its 督办单: the 报送截止 day, or the day the last sheet counted
    arrived when that is later; with a unit ``missing``, at least the day after the deadline (on
    the deadline day its sheet could still come in on time). A document dated earlier would report
    as late, or as not sent, sheets that could still arrive on or after its own date."""
    return max([deadline + dt.timedelta(days=1 if missing else 0), *(when.date() for when in arrived)])


def early_warning(nodes: pd.DataFrame, cutoff: dt.date, horizon: dt.date) -> list[dict[str, Any]]:
    """Nodes not done at ``cutoff`` with due in (cutoff, horizon], by due date then plan order.

    ``nodes`` is ``Scores.nodes`` (project_id, seq, unit, due in effect, status, done, ...); only
    active nodes are warned of. Each item:
    {project_id, seq, unit, due (ISO date)}.
    """
    if horizon <= cutoff or nodes.empty:
        return []
    due = pd.to_datetime(nodes["due"])
    soon = nodes[(due > pd.Timestamp(cutoff)) & (due <= pd.Timestamp(horizon)) & ~nodes["done"].astype(bool)]
    if "status" in soon.columns:  # cancelled, exempt or not yet included: never due (计划调整)
        soon = soon[soon["status"] == "active"]
    days = due[soon.index].sort_values(kind="stable")  # equal dates keep the plan's order
    soon = soon.loc[days.index]
    return [{"project_id": str(pid), "seq": int(seq), "unit": str(unit), "due": pd.Timestamp(day).date().isoformat()}
            for pid, seq, unit, day in zip(soon["project_id"], soon["seq"], soon["unit"], days)]


def escalations(projects: Sequence[Mapping[str, Any]], rungs: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    """The red projects at or past the lowest rung, with the document each gets.

    ``projects`` are results.json projects; ``rungs`` (red count, document name), lowest first.
    Each item: {project_id, name, unit, kind (the document's name), level (its rung's red count),
    number (1.. within the period, per kind), red_count, red_streak, overdue_nodes}; ordered by rung high
    to low, then red count high to low, then the plan's order.
    """
    if not rungs:
        return []
    ordered = sorted(rungs)
    found = []
    for order, p in enumerate(projects):
        if p.get("light") != "red":
            continue
        reached = [(count, name) for count, name in ordered if p["red_count"] >= count]
        if not reached:
            continue
        level, kind = reached[-1]
        found.append((-level, -p["red_count"], order, {
            "project_id": p["id"], "name": p["name"], "unit": p["unit"], "kind": kind, "level": level,
            "red_count": int(p["red_count"]), "red_streak": int(p["red_streak"]),
            "overdue_nodes": [int(s) for s in p.get("overdue_nodes", [])]}))
    found.sort(key=lambda item: item[:3])
    counters: dict[str, int] = {}
    out = []
    for *_, item in found:  # each kind of document numbered on its own: 督办单 1, 2, …; 提醒单 1, 2, …
        counters[item["kind"]] = counters.get(item["kind"], 0) + 1
        out.append({**item, "number": counters[item["kind"]]})
    return out


def unit_arrivals(files: Iterable[Any], arrivals: Mapping[str, dt.datetime],
                  superseded: Iterable[str] = ()) -> dict[str, dt.datetime]:
    """Unit -> the earliest arrival of a sheet it sent this period that was read as its own.

    ``files`` are intake FileRecords; an accepted file counts, and so does one superseded by the
    unit's later duplicate (the unit did send a sheet then). A unit carried by an export arrived at
    its 提交时间 there, else with the export file. ``arrivals`` is file name -> time.
    """
    replaced = set(superseded)
    out: dict[str, dt.datetime] = {}
    for record in files:
        if getattr(record, "role", "") == "export" and record.status in ("accepted", "accepted_with_problems"):
            # An online form's export: each unit arrived at its own latest 提交时间, else with the file.
            for unit, stamp in zip(record.units, record.unit_times):
                when = _iso_time(stamp) or arrivals.get(record.file)
                if when is not None and (unit not in out or when < out[unit]):
                    out[unit] = when
            continue
        if not record.unit or record.file not in arrivals:
            continue
        if record.status in ("accepted", "accepted_with_problems") or record.file in replaced:
            when = arrivals[record.file]
            if record.unit not in out or when < out[record.unit]:
                out[record.unit] = when
    return out


def _iso_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def timeliness(units: Iterable[str], submitted: set[str], arrived: Mapping[str, dt.datetime],
               deadline: dt.date) -> dict[str, str]:
    """Unit -> on_time / late / missing: late when its sheet arrived after the 报送截止 day.

    A unit that submitted but whose arrival is unknown counts as on time.
    """
    out = {}
    for unit in units:
        if unit not in submitted:
            out[unit] = "missing"
        elif unit in arrived and arrived[unit].date() > deadline:
            out[unit] = "late"
        else:
            out[unit] = "on_time"
    return out
