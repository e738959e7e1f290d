"""One unit's sheet, row by row: identity, node rows, and the problems found on the way.

``read_sheet`` takes an open workbook (workbook.py) and returns the unit and its node rows
(an export carrying many units is exports.py's); row problems are collected with their
cells, file-level ones raise ``Reject``. The batch
around it (files, duplicates, worker processes, 核定.xlsx) is folder.py's.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import itertools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..campaign.plan import Campaign, unit_key
from ..normalize import clean_text, is_blank, nfkc, parse_date, parse_number, parse_percent, parse_status
from ..problems import Problem, problem
from .workbook import (
    Book,
    Reject,
    Table,
    bare,
    find_table,
    missing_headers,
)

# The 12 headers of SPEC §4, by their bare names (brackets dropped), and the field each fills.
HEADERS: dict[str, str] = {
    "项目编号": "pid", "项目名称": "project_name", "节点序号": "seq", "节点目标": "target",
    "计划完成日期": "due", "完成情况": "status", "实际完成日期": "date", "形象进度": "pct",
    "累计完成投资": "invest", "进展情况": "progress_text", "存在问题": "issue_text", "下步计划": "next_plan",
}
REQUIRED = ("项目编号", "节点序号", "完成情况", "实际完成日期")
# An export of an online form, or sheets merged by hand: a unit column beside them, perhaps a time.
EXPORT_HEADERS: dict[str, str] = {
    "填报单位": "unit", "单位": "unit", "单位名称": "unit", "报送单位": "unit", "牵头单位": "unit",
    "提交时间": "submitted", "填报时间": "submitted", "提交日期": "submitted", "报送时间": "submitted",
}
ALL_HEADERS: dict[str, str] = {**HEADERS, **EXPORT_HEADERS}
TEXT_LIMIT = 2000  # characters kept of a free-text cell
_APPROXIMATE = re.compile(r"约|左右|大约|近|多|余|\?|？|~")  # an estimate, not the 累计完成投资 figure


class Problems:
    """Problems of one file, stamped with its name, unit and sheet."""

    def __init__(self, file: str, unit: str) -> None:
        self.file, self.unit, self.sheet = file, unit, ""
        self.items: list[Problem] = []

    def add(self, code: str, *, cell: str = "", value: object = "", **fields: object) -> None:
        self.items.append(problem(code, file=self.file, unit=self.unit, sheet=self.sheet, cell=cell,
                                  value=value, **fields))

    def make(self, code: str, **fields: object) -> Problem:
        return problem(code, file=self.file, unit=self.unit, sheet=self.sheet, **fields)  # type: ignore[arg-type]



# -------------------------------------------------------------------------- identity

_UNIT_CELL = re.compile(r"填报单位\s*(?::\s*(\S*)|$)")  # 填报单位：甲街道, or 填报单位 | 甲街道
_PERIOD_CELL = re.compile(r"填报期次\s*:?\s*第?\s*(\d+)\s*期")
PERIOD_NAME = re.compile(r"第\s*(\d+)\s*期")


def _cell_identity(table: Table) -> tuple[str, int | None]:
    """The 填报单位 and 填报期次 written above the header row."""
    unit, period = "", None
    for row in table.grid[: table.header_row]:
        for col, value in enumerate(row):
            text = nfkc(value).strip() if isinstance(value, str) else ""
            match = _UNIT_CELL.search(text)
            if match and not unit:
                unit = match.group(1) or next((clean_text(v) for v in row[col + 1:] if not is_blank(v)), "")
            match = _PERIOD_CELL.search(text)
            if match and period is None:
                period = int(match.group(1))
    return unit, period


def match_unit(plan: PlanIndex, spelling: str) -> str | None:
    """The plan unit a spelling names: exactly, then by the longest unit name or alias it contains."""
    if not spelling:
        return None
    exact = plan.campaign.plan.resolve_unit(spelling)
    if exact:
        return exact
    key = re.sub(r"第\d+期|\d+", "", unit_key(spelling))
    if key in plan.alias_map:
        return plan.alias_map[key]
    hits = [(len(k), name) for k, name in plan.alias_map.items() if k and k in key]
    if not hits:
        return None
    longest = max(n for n, _ in hits)
    names = {name for n, name in hits if n == longest}
    return names.pop() if len(names) == 1 else None


def suggest(plan: PlanIndex, spelling: str) -> str:
    close = difflib.get_close_matches(unit_key(spelling), list(plan.alias_map), n=5, cutoff=0.4)
    names = list(dict.fromkeys(plan.alias_map[k] for k in close))[:3]
    return f"，是否为：{'、'.join(names)}？" if names else ""


# --------------------------------------------------------------------------- the sheet

class PlanIndex:
    """Plan lookups for intake: project ids forgiving case and width, node owners."""

    def __init__(self, campaign: Campaign) -> None:
        plan = campaign.plan
        self.campaign = campaign
        self.alias_map = plan.alias_map
        ids = plan.projects["id"].tolist()  # text columns listed at once (pandas iterates them value by value)
        self.owner = dict(zip(ids, plan.projects["unit"].tolist()))
        self.pids = {self.pid_key(pid): pid for pid in ids}
        keys = list(zip(plan.nodes["project_id"].tolist(), plan.nodes["seq"].astype(int).tolist()))
        self.due = dict(zip(keys, plan.nodes["due"].to_numpy(dtype="datetime64[D]").tolist()))  # dt.date each
        self._due_at: dict[dt.date, dict[tuple[str, int], dt.date]] = {}
        self.unit_nodes: dict[str, list[tuple[str, int]]] = {}
        for pid, run in itertools.groupby(keys, key=operator.itemgetter(0)):  # a project's nodes, in plan order
            self.unit_nodes.setdefault(self.owner.get(pid, ""), []).extend(run)

    @property
    def nodes(self) -> Any:
        """Every (project, seq) of the plan (a view of ``due``'s keys)."""
        return self.due.keys()

    def due_at(self, cutoff: dt.date) -> dict[tuple[str, int], dt.date]:
        """(project, seq) -> the date in effect at ``cutoff`` (计划调整 applied), for the nodes then active."""
        if cutoff not in self._due_at:
            from ..campaign.changes import plan_at, unchanged_at

            if unchanged_at(self.campaign.plan, cutoff):  # the usual case: nothing to apply
                self._due_at[cutoff] = self.due
            else:
                self.use_plan(cutoff, plan_at(self.campaign.plan, cutoff))
        return self._due_at[cutoff]

    def use_plan(self, cutoff: dt.date, effective: Any) -> None:
        """Take ``effective`` (an planchanges.EffectivePlan) as the plan in effect at ``cutoff``."""
        nodes = effective.nodes[effective.nodes["status"] == "active"]
        self._due_at[cutoff] = dict(zip(zip(nodes["project_id"].tolist(), nodes["seq"].astype(int).tolist()),
                                        nodes["due"]))

    @staticmethod
    def pid_key(value: Any) -> str:
        if type(value) is str and len(value) <= 64:
            if value.isascii() and value.isalnum():  # P00305: nothing to normalise
                return value.upper()
            return _pid_key_text(value)
        return re.sub(r"\s+", "", nfkc(clean_text(value))).upper()

    def node(self, pid_raw: Any, seq_raw: Any) -> tuple[str, int] | None:
        pid, seq = self.pids.get(self.pid_key(pid_raw)), to_int(seq_raw)
        if pid is None or seq is None or (pid, seq) not in self.nodes:
            return None
        return pid, seq


@functools.lru_cache(maxsize=16384)
def _pid_key_text(value: str) -> str:
    return re.sub(r"\s+", "", nfkc(clean_text(value))).upper()


def to_int(value: Any) -> int | None:
    try:
        number = parse_number(value)
    except ValueError:
        return None
    return int(number) if number is not None and number.is_integer() else None


def node_label(pid_raw: Any, seq_raw: Any) -> str:
    return f"{clean_text(pid_raw) or '（空）'} 节点{clean_text(seq_raw) or '（空）'}"


def cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class Sheet:
    """One unit's data table being read, with what its rows are checked against."""

    table: Table
    plan: PlanIndex
    unit: str
    span: tuple[dt.date, dt.date]  # campaign start and end
    out: Problems
    fractions: bool = False  # 形象进度 holds fractions (a percent-formatted column): 1 means 100%
    cutoff: dt.date | None = None  # the sheet's period's cutoff, when the period is known
    # Worked out once per sheet, not per row: the table's (field, column) pairs and the dates in
    # effect at the cutoff.
    fields: tuple[tuple[str, int], ...] = field(init=False, repr=False)
    due: dict[tuple[str, int], dt.date] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.fields = tuple(self.table.columns.items())
        self.due = self.plan.due_at(self.cutoff) if self.cutoff is not None else {}

    def values(self, r: int) -> dict[str, Any]:
        """Field -> raw cell value of 0-based row ``r``; a field whose column the row does not reach is absent."""
        cells = self.table.grid[r]
        return {name: cells[col] for name, col in self.fields if col < len(cells)}


@dataclass
class Part:
    """The node rows one unit sent in a file: the whole of a unit's sheet, or its rows of an export."""

    unit: str
    rows: list[dict[str, Any]]
    submitted: dt.datetime | None = None  # an export's latest 提交时间 for the unit (local time)


@dataclass
class Reading:
    """What one workbook carried: one unit's sheet, or (``export``) the parts of many units."""

    parts: list[Part]
    export: bool = False


def read_sheet(book: Book, path: Path, campaign: Campaign, plan: PlanIndex, period: int | None,
                out: Problems) -> Reading:
    """The unit(s) and node rows of one workbook; row problems go to ``out``, file-level ones raise."""
    info = campaign.settings.campaign
    identity = book.identity
    if identity.get("campaign") and unit_key(identity["campaign"]) != unit_key(info.name):
        raise Reject(out.make("wrong_campaign", value=identity["campaign"]))
    table = find_table(book, ALL_HEADERS, REQUIRED, path.name)
    if table is None:
        missing = missing_headers(book, HEADERS, REQUIRED)
        raise Reject(out.make("not_progress_sheet", detail="、".join(missing) or "项目编号等"))
    out.sheet = table.sheet
    cell_unit, cell_period = _cell_identity(table)
    spellings = [identity.get("unit", ""), cell_unit, PERIOD_NAME.sub("", path.stem)]
    unit = next((u for u in (match_unit(plan, s) for s in spellings) if u), None)
    if "unit" in table.columns:
        from .exports import read_export  # an export: one part per unit named in its unit column

        # a row with a blank unit cell belongs to the unit the file itself names, if any
        parts = read_export(table, path, campaign, plan, sheet_cutoff(campaign, period), out, default=unit)
        return Reading(parts, export=True)
    out.unit = unit or ""  # so a wrong-period sheet is listed under the unit that sent it
    seen_period = to_int(identity["period"]) if identity.get("period") else cell_period
    if period is not None and seen_period is not None and seen_period != period:
        raise Reject(out.make("wrong_period", value=seen_period, expected=period))
    if unit is None:
        seen = next(s for s in spellings if s) if any(spellings) else path.name
        raise Reject(out.make("unknown_unit", value=seen, detail=suggest(plan, seen)))
    named = match_unit(plan, spellings[2])
    if named is not None and named != unit:  # the sheet's own identity wins; both are named
        out.add("unit_name_mismatch", value=named, detail=unit)

    # The cutoff rules on dates are checked here, so `leitai check` and `status` see what `run` sees.
    sheet = new_sheet(table, plan, unit, campaign, sheet_cutoff(campaign, period if period is not None else seen_period),
                      out)
    rows = []
    where = {"file": path.name, "unit": unit, "sheet": table.sheet}  # one string each, not one per row
    for r in table.data_rows():
        row = read_row(sheet, r)
        if row is not None:
            rows.append(where | row)
    present = {(row["project_id"], row["seq"]) for row in rows}
    for pid, seq in plan.unit_nodes.get(unit, []):
        if (pid, seq) not in present:
            out.add("missing_node_row", value=f"{pid} 节点{seq}")
    # one row per node, in row order (the usual sheet): nothing to merge
    return Reading([Part(unit, rows if len(present) == len(rows) else merge_duplicates(rows, out))])


def sheet_cutoff(campaign: Campaign, period: int | None) -> dt.date | None:
    """The cutoff of ``period`` when it is a period of the campaign."""
    schedule = campaign.settings.schedule
    return schedule.cutoffs[period - 1] if period and 1 <= period <= schedule.count else None


def new_sheet(table: Table, plan: PlanIndex, unit: str, campaign: Campaign, cutoff: dt.date | None,
              out: Problems) -> Sheet:
    """A data table ready for ``read_row``: 形象进度 read as fractions when the column holds them."""
    info = campaign.settings.campaign
    col = table.columns.get("pct")
    cells = [] if col is None else [row[col] for row in table.grid[table.header_row + 1:] if col < len(row)]
    numbers = [v for v in cells if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return Sheet(table, plan, unit, (info.start, info.end), out,
                 fractions=any(0 < v < 1 for v in numbers) and all(0 <= v <= 1 for v in numbers), cutoff=cutoff)


_BLANK_ROW = dict.fromkeys(dict.fromkeys(ALL_HEADERS.values()))  # field -> None


def read_row(sheet: Sheet, r: int) -> dict[str, Any] | None:
    """One node row, or None for a blank row, a note row or a row that names no node of this unit."""
    out, plan = sheet.out, sheet.plan
    values = _BLANK_ROW | sheet.values(r)
    if is_blank(values["seq"]) and is_blank(values["status"]) and is_blank(values["date"]):
        return None  # blank, or a note under the table (填表人、联系电话…)
    if bare(values["pid"]) in ALL_HEADERS:
        return None  # the header repeated, or a second header row
    node = plan.node(values["pid"], values["seq"])
    if node is None:
        pid_known = plan.pid_key(values["pid"]) in plan.pids
        out.add("unknown_node", cell=sheet.table.cell(r, "seq" if pid_known else "pid"),
                value=node_label(values["pid"], values["seq"]))
        return None
    pid, seq = node
    owner = plan.owner.get(pid, "")
    if owner != sheet.unit:
        out.add("other_unit_node", cell=sheet.table.cell(r, "pid"), value=pid, detail=owner)
        return None

    status_cell, date_cell = sheet.table.cell(r, "status"), sheet.table.cell(r, "date")
    done, status_ok = False, True
    try:
        done = parse_status(values["status"])
    except ValueError:
        out.add("bad_status", cell=status_cell, value=clean_text(values["status"]))
        status_ok = False
    try:
        date = parse_date(values["date"], year=sheet.span[0].year, span=sheet.span)
        bad_date = False
    except ValueError:  # one problem for one mistake: an impossible date is not also a missing one
        date, bad_date = None, True
        counted = f"，按截止日期 {cn_date(sheet.cutoff)} 计为完成" if done and sheet.cutoff is not None else ""
        out.add("bad_date", cell=date_cell, value=clean_text(values["date"]), detail=counted,
                example=(sheet.cutoff or sheet.span[0]).isoformat())  # a date of this campaign, not of 2020
    if date is not None and date < sheet.span[0]:
        out.add("date_before_start", cell=date_cell, value=cn_date(date), detail=cn_date(sheet.span[0]))
    if date is not None and not done:
        if status_ok:
            out.add("date_without_done", cell=date_cell, value=cn_date(date))
        date = None
    if done and sheet.cutoff is not None:
        if date is None:
            if not bad_date:
                out.add("done_without_date", cell=date_cell, detail=cn_date(sheet.cutoff))
        elif date > sheet.cutoff:
            out.add("date_after_cutoff", cell=date_cell, value=cn_date(date), detail=cn_date(sheet.cutoff))
    pct = _parsed(parse_percent, values["pct"], "bad_percent", sheet, r, "pct")
    if sheet.fractions and pct == 1:
        pct = 100.0
    if pct is not None and not 0 <= pct <= 100:
        out.add("percent_out_of_range", cell=sheet.table.cell(r, "pct"), value=f"{pct:g}")
        pct = None
    raw_invest = values["invest"]
    invest = _parsed(parse_number, raw_invest, "bad_number", sheet, r, "invest")
    if invest is not None and invest < 0:
        out.add("negative_number", cell=sheet.table.cell(r, "invest"), value=clean_text(raw_invest))
        invest = None
    elif invest is not None and isinstance(raw_invest, str) and _APPROXIMATE.search(clean_text(raw_invest)):
        out.add("approximate_number", cell=sheet.table.cell(r, "invest"), value=clean_text(raw_invest),
                detail=f"{invest:g}")
    texts = {}
    for name in ("progress_text", "issue_text", "next_plan"):
        full = clean_text(values[name], limit=10 * TEXT_LIMIT + 1)
        if len(full) > TEXT_LIMIT:
            out.add("long_text", cell=sheet.table.cell(r, name), detail=len(full))
        texts[name] = full[:TEXT_LIMIT]
    # The 填报说明 asks a reason for every overdue node: say so where it is missing.
    if status_ok and not done and not texts["issue_text"] and sheet.cutoff is not None:
        due = sheet.due.get((pid, seq))
        if due is not None and due <= sheet.cutoff and "issue_text" in sheet.table.columns:
            out.add("missing_reason", cell=sheet.table.cell(r, "issue_text"), detail=cn_date(due))
    return {
        "row": r + 1, "project_id": pid, "seq": seq, "done": done,
        "done_date": date,  # dt.date or None: made datetime64 a column at a time (rowframes.frame_of)
        "progress_pct": float("nan") if pct is None else pct,
        "invest_done": float("nan") if invest is None else invest,
        **texts, "status_cell": status_cell, "date_cell": date_cell, "invest_cell": sheet.table.cell(r, "invest"),
    }


def _parsed(parse: Callable[[Any], Any], value: Any, code: str, sheet: Sheet, r: int, name: str) -> Any:
    """``parse(value)``, or None with a ``code`` problem at field ``name`` of row ``r`` when it cannot be read."""
    try:
        return parse(value)
    except ValueError:
        sheet.out.add(code, cell=sheet.table.cell(r, name), value=clean_text(value))
        return None


_ANSWER_FIELDS = ("done", "done_date", "progress_pct", "invest_done", "progress_text", "issue_text", "next_plan")


def answers(row: dict[str, Any], names: Sequence[str] = _ANSWER_FIELDS) -> tuple[Any, ...]:
    return tuple(None if is_blank(row[n]) else row[n] for n in names)


def merge_duplicates(rows: list[dict[str, Any]], out: Problems) -> list[dict[str, Any]]:
    """One row per node: identical repeats merge, differing repeats are all dropped."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["project_id"], row["seq"]), []).append(row)
    kept = []
    for (pid, seq), group in groups.items():
        if len(group) == 1:  # the usual case: nothing to compare
            kept.append(group[0])
            continue
        if len({answers(row) for row in group}) == 1:
            kept.append(group[0])
            for row in group[1:]:
                out.add("duplicate_row", cell=row["status_cell"], value=f"{pid} 节点{seq}")
            continue
        lines = "、".join(str(row["row"]) for row in group)
        for row in group:
            out.add("conflicting_rows", cell=row["status_cell"], value=f"{pid} 节点{seq}",
                    detail=f"项目 {pid} 节点{seq}，第{lines}行")
    return sorted(kept, key=lambda row: row["row"])
