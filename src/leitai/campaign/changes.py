"""计划调整: the command office's register of plan changes, and the plan in effect at a cutoff.

SPEC §4/§5. The register (optional sheet ``计划调整`` of plan.xlsx) has one row per
approved change: 延期 / 提前 (a node's date moves to 调整后日期), 取消 / 豁免 (a node, or
every node of a project when 节点序号 is blank, is neither due nor overdue). A change
takes effect at every cutoff on or after its 批准日期; the latest change in effect wins.
A project with a 纳入日期 (项目 sheet) counts only at cutoffs on or after that date.

- ``read_changes``: the register's rows as a frame, every error with its cell.
- ``plan_at``: pure; the plan in effect at a cutoff (each node's original and current
  date and status, each project's status). ``unchanged_at`` says, without building it,
  when that plan is plan.xlsx's own (no change approved yet, every project included).
- ``reconcile``: a recorded period's plan against today's plan.xlsx: what the register
  explains keeps the recorded plan (history does not move); a base date, node or project
  edited directly is listed, and today's plan is used for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..normalize import clean_text, is_blank, nfkc, parse_date

SHEET = "计划调整"
# Header -> required. Headers are compared after clean_header (no spaces, NFKC).
HEADERS: dict[str, bool] = {"项目编号": True, "节点序号": False, "调整类型": True, "调整后日期": False,
                            "批准日期": True, "批准依据": False, "说明": False}
CHANGE_TYPES = ("延期", "提前", "取消", "豁免")
MOVES = ("延期", "提前")
STOPS = {"取消": "cancelled", "豁免": "exempt"}
COMMENT_PREFIXES = ("#", "＃", "示例")
# seq 0 stands for "the whole project" (节点序号 left blank).
CHANGE_COLUMNS = ["project_id", "seq", "type", "new_due", "approved", "basis", "note", "row"]
NODE_COLUMNS = ["project_id", "seq", "unit", "category", "included", "original_due", "due", "status",
                "change", "approved", "basis", "note", "whole"]
PROJECT_COLUMNS = ["project_id", "unit", "category", "included", "status", "change", "approved", "basis", "note"]
STATUS_CN = {"active": "正常", "cancelled": "已取消", "exempt": "已豁免", "pending": "尚未纳入"}


def empty_changes() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in CHANGE_COLUMNS})
    return frame.astype({"seq": "int64", "row": "int64"})


def is_comment(value: Any) -> bool:
    """A register row whose 项目编号 starts with # or 示例 is an example or a note: ignored."""
    return isinstance(value, str) and nfkc(value).strip().startswith(("#", "示例"))


def read_changes(
    frame: pd.DataFrame,
    where: Callable[[int, str], str],
    nodes: dict[tuple[str, int], dt.date],
    projects: set[str],
    span: tuple[dt.date, dt.date],
    errors: list[str],
) -> pd.DataFrame:
    """The register's rows (CHANGE_COLUMNS, sorted by 批准日期 then row), errors appended.

    ``frame`` has canonical headers; ``where(i, header)`` names row ``i``'s cell;
    ``nodes`` maps (project, seq) to the base 计划完成日期; ``span`` is the campaign's
    start and end (批准日期 must fall inside it).
    """
    def text(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return clean_text(value)

    start, end = span
    rows: list[dict[str, Any]] = []
    taken: dict[tuple[str, int, dt.date], int] = {}  # (project, seq or 0, day) -> sheet row
    for i, row in frame.iterrows():
        raw_pid = row.get("项目编号")
        values = [row.get(h) for h in HEADERS if h in frame.columns]
        if all(is_blank(v) for v in values) or is_comment(raw_pid):
            continue
        pid, kind = text(raw_pid), text(row.get("调整类型"))
        if not pid:
            errors.append(f"{where(i, '项目编号')} 为空")
            continue
        if pid not in projects:
            errors.append(f"{where(i, '项目编号')} 项目“{pid}”不在“项目”表中")
            continue
        seq = 0
        seq_raw = row.get("节点序号")
        if not is_blank(seq_raw):
            try:
                seq_f = float(nfkc(str(seq_raw)).strip())
                if not seq_f.is_integer() or seq_f < 1:
                    raise ValueError
                seq = int(seq_f)
            except ValueError:
                errors.append(f"{where(i, '节点序号')} 应为正整数，或留空表示整个项目（现为“{seq_raw}”）")
                continue
            if (pid, seq) not in nodes:
                errors.append(f"{where(i, '节点序号')} 项目“{pid}”没有节点 {seq}（见“节点”表）")
                continue
        if kind not in CHANGE_TYPES:
            errors.append(f"{where(i, '调整类型')} 应为{'、'.join(CHANGE_TYPES)}之一（现为“{kind}”）" if kind
                          else f"{where(i, '调整类型')} 为空：请填写{'、'.join(CHANGE_TYPES)}之一")
            continue
        approved = _required_date(row, "批准日期", where(i, "批准日期"), start.year, span, errors,
                                  f"调整自批准日期起生效，请填写，如 {start.isoformat()}")
        if approved is None:
            continue
        if not start <= approved <= end:
            errors.append(f"{where(i, '批准日期')} {approved.isoformat()} 不在行动期间（{start.isoformat()} 至 "
                          f"{end.isoformat()}）内")
            continue
        new_due = None
        if kind in MOVES:
            if seq == 0:
                errors.append(f"{where(i, '节点序号')} 为空：{kind}须逐个节点填写节点序号和调整后日期")
                continue
            new_due = _required_date(row, "调整后日期", where(i, "调整后日期"), start.year, span, errors,
                                     f"{kind}须填写调整后的计划完成日期")
            if new_due is None:
                continue
        clash = [taken.get((pid, seq, approved))] + (
            [taken.get((pid, 0, approved))] if seq else [r for (p, _s, d), r in taken.items() if p == pid and d == approved])
        earlier = next((r for r in clash if r is not None), None)
        if earlier is not None:
            target = f"节点 {seq}" if seq else "整个项目"
            errors.append(f"{where(i, '批准日期')} 项目“{pid}”{target}在 {approved.isoformat()} 已有一项调整"
                          f"（第{earlier}行），同一节点同一天只能有一项调整，请合并为一行")
            continue
        taken[(pid, seq, approved)] = i + 2
        rows.append({"project_id": pid, "seq": seq, "type": kind, "new_due": new_due, "approved": approved,
                     "basis": text(row.get("批准依据")), "note": text(row.get("说明")), "row": i + 2,
                     "_cell": where(i, "调整后日期")})

    # 延期 must move a node later than the date then in effect, 提前 earlier.
    rows.sort(key=lambda r: (r["approved"], r["row"]))
    current = dict(nodes)
    for r in rows:
        if r["type"] not in MOVES:
            continue
        key = (r["project_id"], r["seq"])
        before = current[key]
        if r["type"] == "延期" and not r["new_due"] > before or r["type"] == "提前" and not r["new_due"] < before:
            side = "晚于" if r["type"] == "延期" else "早于"
            errors.append(f"{r['_cell']} {r['type']}后的日期 {r['new_due'].isoformat()} 应{side}此前的计划完成日期 "
                          f"{before.isoformat()}")
        current[key] = r["new_due"]
    if not rows:
        return empty_changes()
    return pd.DataFrame(rows)[CHANGE_COLUMNS].astype({"seq": "int64", "row": "int64"}).reset_index(drop=True)


def _required_date(row: dict[str, Any], column: str, where: str, year: int, span: tuple[dt.date, dt.date],
                   errors: list[str], missing: str) -> dt.date | None:
    """A date the register must have: an unreadable one is reported by ``_date``, a blank one with
    ``missing`` (what to fill in); None in both cases."""
    found = _date(row.get(column), where, year, span, errors)
    if found is None and is_blank(row.get(column)):
        errors.append(f"{where} 为空：{missing}")
    return found


def _date(value: Any, cell: str, year: int, span: tuple[dt.date, dt.date], errors: list[str]) -> dt.date | None:
    try:
        return parse_date(value, year=year, span=span)
    except ValueError:
        errors.append(f"{cell} 无法识别的日期“{value}”，请填写如 {span[0].isoformat()}")
        return None


# ---------------------------------------------------------------- the plan in effect


@dataclass(frozen=True)
class EffectivePlan:
    """The plan in effect at one cutoff.

    nodes:    NODE_COLUMNS, one row per plan node in plan order: original_due (the 节点
              sheet's date) and due (the date in effect; for a cancelled/exempt node the
              last date it had), status (active / cancelled / exempt / pending), the change
              in effect (type, approved, basis, note; None when none) and whether it was
              made to the whole project.
    projects: PROJECT_COLUMNS, one row per project in plan order; a project is active
              unless it is not yet included (pending) or every node of it is cancelled or
              exempt (then the whole-project change's type, else the nodes' common one).
    """

    nodes: pd.DataFrame
    projects: pd.DataFrame

    def active_nodes(self) -> pd.Series:
        return self.nodes["status"] == "active"

    def changes(self) -> list[dict[str, Any]]:
        """Each change in effect: whole-project changes once, node changes per node."""
        out: list[dict[str, Any]] = []
        for r in self.projects[self.projects["change"].notna()].itertuples(index=False):
            out.append({"project_id": r.project_id, "seq": None, "type": r.change, "original_due": None, "due": None,
                        "approved": r.approved, "basis": r.basis, "note": r.note})
        nodes = self.nodes[self.nodes["change"].notna() & ~self.nodes["whole"].astype(bool)]
        for n in nodes.itertuples(index=False):
            out.append({"project_id": n.project_id, "seq": int(n.seq), "type": n.change,
                        "original_due": n.original_due, "due": n.due if n.change in MOVES else None,
                        "approved": n.approved, "basis": n.basis, "note": n.note})
        order = {pid: i for i, pid in enumerate(self.projects["project_id"])}
        return sorted(out, key=lambda c: (order.get(c["project_id"], 0), c["seq"] or 0))


def change_key(change: dict[str, Any]) -> tuple[Any, ...]:
    return (change["project_id"], change["seq"], change["type"], change["approved"])


def unchanged_at(plan: Any, cutoff: dt.date) -> bool:
    """True when ``plan_at(plan, cutoff)`` is plan.xlsx's own plan: no change approved on or
    before ``cutoff`` and no project included after it, so every node is active at its base date."""
    changes = getattr(plan, "changes", None)
    if changes is not None and len(changes) and bool((changes["approved"] <= cutoff).any()):
        return False
    projects = plan.projects
    if "included" not in projects:
        return True
    included = pd.to_datetime(projects["included"])
    return not bool((included > pd.Timestamp(cutoff)).any())


def plan_at(plan: Any, cutoff: dt.date) -> EffectivePlan:
    """The plan in effect at ``cutoff``: every change approved on or before it applied.

    ``plan`` is a campaign.Plan (its ``changes`` frame may be absent: no register).
    Vectorised but for the nodes a change touches: 42,000 nodes take a fraction of a second.
    """
    projects = plan.projects
    included = projects["included"] if "included" in projects else pd.Series(pd.NaT, index=projects.index)
    inc: dict[str, dt.date | None] = {
        pid: None if pd.isna(day) else day.date()
        for pid, day in zip(projects["id"].tolist(), pd.to_datetime(included).tolist())}
    pending_projects = {pid for pid, day in inc.items() if day is not None and cutoff < day}
    changes = getattr(plan, "changes", None)
    in_effect = (changes[changes["approved"] <= cutoff].sort_values(["approved", "row"], kind="stable")
                 if changes is not None and len(changes) else empty_changes())
    latest: dict[tuple[str, int], dict[str, Any]] = {}
    moved: dict[tuple[str, int], dt.date] = {}
    for c in in_effect.to_dict("records"):  # later approvals overwrite earlier ones
        key = (c["project_id"], int(c["seq"]))
        latest[key] = c
        if c["type"] in MOVES:  # the date in effect is the latest move, even under a later stop
            moved[key] = c["new_due"]

    source = plan.nodes
    original = pd.Series(pd.to_datetime(source["due"]).dt.date.to_numpy(), dtype=object)
    pids = source["project_id"].reset_index(drop=True)
    unit, category = dict(zip(projects["id"], projects["unit"])), dict(zip(projects["id"], projects["category"]))
    nodes = pd.DataFrame({
        "project_id": pids, "seq": source["seq"].astype("int64").reset_index(drop=True),
        "unit": pids.map(unit), "category": pids.map(category),
        "included": pd.Series([inc.get(pid) for pid in pids.tolist()], dtype=object), "original_due": original,
        "due": original.copy(),
        "status": "active", "change": None, "approved": None, "basis": None, "note": None, "whole": False,
    }, columns=NODE_COLUMNS)
    touched = {pid for pid, _seq in latest}
    for i in nodes.index[nodes["project_id"].isin(touched)]:
        key = (nodes.at[i, "project_id"], int(nodes.at[i, "seq"]))
        node_change, whole_change = latest.get(key), latest.get((key[0], 0))
        change = max((c for c in (node_change, whole_change) if c is not None),
                     key=lambda c: (c["approved"], c["row"]), default=None)
        if key in moved:
            nodes.at[i, "due"] = moved[key]
        if change is None:
            continue
        if change["type"] in STOPS:
            nodes.at[i, "status"] = STOPS[change["type"]]
        for column in ("approved", "basis", "note"):
            nodes.at[i, column] = change[column]
        nodes.at[i, "change"] = change["type"]
        nodes.at[i, "whole"] = change is whole_change
    nodes.loc[nodes["project_id"].isin(pending_projects), "status"] = "pending"

    active = set(nodes.loc[nodes["status"] == "active", "project_id"])
    statuses_of: dict[str, set[str]] = {}
    for pid, status in zip(nodes["project_id"].tolist(), nodes["status"].tolist()):
        if pid not in active:
            statuses_of.setdefault(pid, set()).add(status)
    project_rows = []
    for pid in projects["id"].tolist():
        whole = latest.get((pid, 0))
        statuses = statuses_of.get(pid, set())
        if pid in pending_projects:
            status = "pending"
        elif statuses:  # nodes, and none of them active
            status = STOPS[whole["type"]] if whole is not None else ("cancelled" if statuses == {"cancelled"} else "exempt")
        else:
            status = "active"
        project_rows.append({
            "project_id": pid, "unit": unit[pid], "category": category[pid], "included": inc[pid], "status": status,
            "change": None if whole is None else whole["type"], "approved": None if whole is None else whole["approved"],
            "basis": None if whole is None else whole["basis"], "note": None if whole is None else whole["note"],
        })
    return EffectivePlan(nodes, pd.DataFrame(project_rows, columns=PROJECT_COLUMNS))


# ---------------------------------------------------------------- recorded vs today

_PROJECT_BASE = ["included", "unit", "category"]
_NODE_EFFECT = ["due", "status", "change", "approved", "basis", "note", "whole"]
_PROJECT_EFFECT = ["status", "change", "approved", "basis", "note"]


@dataclass(frozen=True)
class Reconciled:
    """The plan a recorded period is re-scored on, and what differs from its record.

    edited:  direct edits of plan.xlsx (base date, node, project, 纳入日期, lead unit or
             category changed outside the register), one Chinese line each; today's plan
             is used for those nodes and projects.
    late:    register changes that would alter the recorded plan (entered after the period
             was recorded, or re-dated): the recorded plan is kept for them.
    """

    plan: EffectivePlan
    edited: list[str]
    late: list[str]


def reconcile(today: EffectivePlan, recorded: EffectivePlan | None) -> Reconciled:
    """The plan to score a recorded period on: the record, except where plan.xlsx was edited directly."""
    if recorded is None:
        return Reconciled(today, [], [])
    if today.nodes.equals(recorded.nodes) and today.projects.equals(recorded.projects):
        return Reconciled(_in_effect(today, None, None, set()), [], [])  # the usual case: nothing edited
    edited: list[str] = []
    projects = today.projects.merge(recorded.projects, on="project_id", how="outer", suffixes=("", "_old"),
                                    indicator=True, sort=False)
    for r in projects[projects["_merge"] == "left_only"].itertuples(index=False):
        edited.append(f"项目 {r.project_id}：记录时计划表中没有这个项目（新增项目请在“项目”表填写纳入日期）")
    for r in projects[projects["_merge"] == "right_only"].itertuples(index=False):
        edited.append(f"项目 {r.project_id}：记录时在计划表中，现已删除（取消项目请在“计划调整”表登记“取消”）")
    both = projects[projects["_merge"] == "both"]
    changed = _differs(both, _PROJECT_BASE)
    for (_, row), diff in zip(both[changed.any(axis=1)].iterrows(), changed[changed.any(axis=1)].to_numpy()):
        edited.append(f"项目 {row['project_id']}：{'；'.join(_describe(row, _PROJECT_BASE, diff))}")
    same_project = set(both.loc[~changed.any(axis=1), "project_id"])

    nodes = today.nodes.merge(recorded.nodes, on=["project_id", "seq"], how="outer", suffixes=("", "_old"),
                              indicator=True, sort=False)
    in_same = nodes["project_id"].isin(same_project)
    for r in nodes[(nodes["_merge"] == "left_only") & in_same].itertuples(index=False):
        edited.append(f"项目 {r.project_id} 节点 {r.seq}：记录时没有这个节点")
    for r in nodes[(nodes["_merge"] == "right_only") & in_same].itertuples(index=False):
        edited.append(f"项目 {r.project_id} 节点 {r.seq}：记录时在计划表中，现已删除（请在“计划调整”表登记“取消”或“豁免”）")
    both = nodes[nodes["_merge"] == "both"]
    moved = _differs(both, ["original_due"])["original_due"]
    for _, row in both[moved].iterrows():
        edited.append(f"项目 {row['project_id']} 节点 {row['seq']}：{_describe(row, ['original_due'], [True])[0]}"
                      f"（调整日期请在“计划调整”表登记“延期”或“提前”）")
    kept = both[~moved & both["project_id"].isin(same_project)]
    late = [f"项目 {r.project_id} 节点 {r.seq}" for r in kept[_differs(kept, _NODE_EFFECT).any(axis=1)].itertuples()]
    return Reconciled(_in_effect(today, kept.set_index(["project_id", "seq"]), recorded.projects, same_project),
                      edited, late)


def _in_effect(today: EffectivePlan, old: pd.DataFrame | None, old_projects: pd.DataFrame | None,
               same_project: set[str]) -> EffectivePlan:
    """Today's plan with the recorded effect (``old``'s ``c_old`` columns, by project and seq) put back
    on the nodes it has, and the recorded status of the projects in ``same_project``; None: the record
    equals today's plan. Either way the columns come out with the same types."""
    use = today.nodes.copy()
    keys = pd.MultiIndex.from_frame(use[["project_id", "seq"]]) if old is not None else None
    hit = keys.isin(old.index) if keys is not None and old is not None else None
    for column in _NODE_EFFECT:
        use[column] = use[column].astype(object)
        if keys is not None and old is not None:
            use.loc[hit, column] = old[f"{column}_old"].reindex(keys[hit]).astype(object).to_numpy()
    use["whole"] = use["whole"].astype(bool)
    use = use.astype({"status": object, "change": object, "basis": object, "note": object})
    for column in ("change", "approved", "basis", "note"):
        use[column] = use[column].where(use[column].notna(), None)
    plan_projects = today.projects.copy()
    old_p = old_projects.set_index("project_id") if old_projects is not None else None
    hit_p = plan_projects["project_id"].isin(same_project).to_numpy()
    for column in _PROJECT_EFFECT:
        plan_projects[column] = plan_projects[column].astype(object)
        if old_p is not None:
            plan_projects.loc[hit_p, column] = (old_p[column].reindex(plan_projects.loc[hit_p, "project_id"])
                                                .astype(object).to_numpy())
        plan_projects[column] = plan_projects[column].where(plan_projects[column].notna(), None)
    return EffectivePlan(use, plan_projects)


def _differs(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Per row and column: today's value (``c``) differs from the recorded one (``c_old``)."""
    out = {}
    for c in columns:
        new, old = frame[c].astype(object), frame[f"{c}_old"].astype(object)
        new_missing, old_missing = new.isna(), old.isna()
        same = (new_missing & old_missing) | (~new_missing & ~old_missing & (new == old))
        out[c] = ~same
    return pd.DataFrame(out, index=frame.index)


def _describe(row: pd.Series, columns: list[str], diff: Any) -> list[str]:
    def show(value: Any) -> str:
        if _missing(value):
            return "空"
        return pd.Timestamp(value).date().isoformat() if isinstance(value, (dt.date, pd.Timestamp)) else str(value)

    return [f"{_BASE_CN[c]}由 {show(row[f'{c}_old'])} 改为 {show(row[c])}" for c, d in zip(columns, diff) if d]


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (str, bool)) and bool(pd.isna(value)))


_BASE_CN = {"original_due": "计划完成日期", "included": "纳入日期", "unit": "牵头单位", "category": "所属板块"}
