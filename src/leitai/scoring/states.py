"""Node states at a cutoff: what the ledger knew, what units reported, what the office ruled.

Pure: frames in, frames and problem records out (SPEC §5):
- done at C means reported 已完成 with an actual date ≤ C; done without a date counts
  as done on C (with a warning asking for the date); a date after C is not done at C;
- history wins over regressions: a node recorded done earlier stays done;
- office overrides (核定) win over everything, and are the only way to undo a done node; one
  dated after the cutoff makes the node not done at it, and done from the first cutoff on or
  after that date (kept as a pending ruling: source ``override`` with ``reported_date``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..problems import Problem, problem

# reported_date: a completion date a unit reported after the cutoff (so not done yet); kept so
# the next period's template shows it and the unit need not type it again.
# date_assumed: done without a date, so done_date is the cutoff it was counted at, not a date anyone gave;
# the first real date the unit reports later replaces it (past periods' records stay as they were).
STATE_COLUMNS = ["project_id", "seq", "done", "done_date", "done_period", "source", "note", "reported_date",
                 "date_assumed"]


def empty_states(nodes: pd.DataFrame) -> pd.DataFrame:
    """Every plan node, nothing done (the state before period 1)."""
    frame = nodes[["project_id", "seq"]].copy()
    frame["done"] = False
    frame["done_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame["done_period"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    frame["source"] = "none"
    frame["note"] = ""
    frame["reported_date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame["date_assumed"] = False
    return frame[STATE_COLUMNS]


def resolve_states(
    nodes: pd.DataFrame,
    previous: pd.DataFrame | None,
    reports: pd.DataFrame,
    overrides: pd.DataFrame,
    cutoff: dt.date,
    period: int,
) -> tuple[pd.DataFrame, list[Problem]]:
    """The state of every plan node at ``cutoff`` for ``period``.

    ``previous`` is the state recorded at the previous period (None before period 1);
    ``reports`` and ``overrides`` follow the frames in docs/ARCHITECTURE.md.
    Returns the states frame (STATE_COLUMNS, one row per plan node, plan order) and the
    problems found while merging (regressions, overrides). A missing date counts as the
    cutoff and a date after the cutoff as not done; intake has already recorded both.
    """
    cut = pd.Timestamp(cutoff)
    base = empty_states(nodes)
    if previous is not None and len(previous):
        prev = previous.set_index(["project_id", "seq"])
        key = pd.MultiIndex.from_frame(base[["project_id", "seq"]])
        known = prev.reindex(key)
        was_done = known["done"].fillna(False).astype(bool).to_numpy()
        base.loc[was_done, "done"] = True
        base.loc[was_done, "done_date"] = known["done_date"].to_numpy()[was_done]
        base.loc[was_done, "done_period"] = known["done_period"].to_numpy()[was_done]
        base.loc[was_done, "source"] = "history"
        if "date_assumed" in known:  # a ledger written before the column existed has none
            base.loc[was_done, "date_assumed"] = known["date_assumed"].fillna(False).astype(bool).to_numpy()[was_done]
        if "reported_date" in known:  # a ledger written before the column existed has none
            pending = ~was_done & known["reported_date"].notna().to_numpy()
            base.loc[pending, "reported_date"] = known["reported_date"].to_numpy()[pending]
            # an office ruling dated after its cutoff: the node is done from the first cutoff on or after that date
            ruled = pending & (known["source"] == "override").to_numpy()
            base.loc[ruled, "source"] = "override"
            base.loc[ruled, "note"] = known["note"].to_numpy()[ruled]
    problems: list[Problem] = []
    keys = ["project_id", "seq"]
    ruled = base[(base["source"] == "override") & base["reported_date"].notna()][keys]
    if len(reports) and len(ruled):  # the office's ruling stands over the units' claims
        reports = reports[reports.merge(ruled.assign(ruled=True), on=keys, how="left")["ruled"].isna().to_numpy()]
    due_ruling = (base["source"] == "override") & base["reported_date"].notna() & (base["reported_date"] <= cut)
    base.loc[due_ruling, "done"] = True
    base.loc[due_ruling, "done_date"] = base.loc[due_ruling, "reported_date"]
    base.loc[due_ruling, "done_period"] = period
    base.loc[due_ruling, "reported_date"] = pd.NaT
    if len(reports):
        # One merge instead of a lookup per row: 42,000 nodes take milliseconds, not seconds.
        rows = reports.assign(seq=reports["seq"].astype("int64")).merge(
            base[[*keys, "done", "done_period"]].rename(columns={"done": "was_done", "done_period": "since"}),
            on=keys, how="inner")  # nodes outside the plan were already reported by intake
        for row in rows[~rows["done"] & rows["was_done"]].itertuples(index=False):
            problems.append(problem("regression", file=row.file, unit=row.unit, sheet=row.sheet,
                                    cell=row.status_cell, value="未完成",
                                    detail="" if pd.isna(row.since) else int(row.since)))
        # A missing date counts as the cutoff; a date after it is not done at it (both recorded by intake).
        # History wins: a node already recorded done keeps its recorded date.
        fresh = rows[rows["done"] & ~rows["was_done"]].assign(date=lambda f: f["done_date"].fillna(cut),
                                                                 assumed=lambda f: f["done_date"].isna())
        late = fresh[fresh["date"] > cut].drop_duplicates(keys)
        fresh = fresh[fresh["date"] <= cut].drop_duplicates(keys)
        merged = base[keys].merge(fresh[[*keys, "date", "assumed"]], on=keys, how="left")
        dates = merged["date"].to_numpy()
        newly = pd.notna(dates)
        base.loc[newly, "done"] = True
        base.loc[newly, "done_date"] = dates[newly]
        base.loc[newly, "date_assumed"] = merged["assumed"].fillna(False).astype(bool).to_numpy()[newly]
        base.loc[newly, "done_period"] = period
        base.loc[newly, "source"] = "report"
        base.loc[newly, "reported_date"] = pd.NaT
        # A node counted done on an assumed date takes the first real date its unit reports (within the cutoff).
        real = rows[rows["done"] & rows["was_done"] & rows["done_date"].notna() & (rows["done_date"] <= cut)]
        real = base[keys].merge(real.drop_duplicates(keys)[[*keys, "done_date"]], on=keys, how="left")
        dated = (real["done_date"].notna() & base["date_assumed"]).to_numpy()
        base.loc[dated, "done_date"] = real["done_date"].to_numpy()[dated]
        base.loc[dated, "date_assumed"] = False
        withdrawn = rows.loc[~rows["done"] & ~rows["was_done"], keys].assign(gone=True)
        cleared = base[keys].merge(withdrawn.drop_duplicates(keys), on=keys, how="left")["gone"].notna().to_numpy()
        base.loc[cleared, "reported_date"] = pd.NaT  # the unit now says not done: its earlier date goes
        later = base[keys].merge(late[[*keys, "date"]], on=keys, how="left")["date"].to_numpy()
        pending = pd.notna(later)
        base.loc[pending, "reported_date"] = later[pending]
    base = base.set_index(keys)

    for row in overrides.itertuples(index=False):
        key = (row.project_id, int(row.seq))
        if key not in base.index:
            continue
        if row.done:
            date = cut if pd.isna(row.done_date) else pd.Timestamp(row.done_date)
            if date > cut:  # overrides win, and a date after the cutoff is not done at it: done from the next
                base.at[key, "done"], base.at[key, "done_date"], base.at[key, "done_period"] = False, pd.NaT, pd.NA
                base.at[key, "reported_date"], base.at[key, "source"] = date, "override"
                base.at[key, "date_assumed"] = False
                base.at[key, "note"] = str(row.reason)
                problems.append(problem("override_deferred", file="核定.xlsx", cell=row.cell,
                                        detail=f"项目 {row.project_id} 节点 {int(row.seq)} 核定于 {_cn_date(date)} 完成"))
                continue
            base.at[key, "reported_date"] = pd.NaT
            if not base.at[key, "done"]:
                base.at[key, "done_period"] = period
            base.at[key, "done"], base.at[key, "done_date"] = True, date
            base.at[key, "date_assumed"] = bool(pd.isna(row.done_date))
        else:
            base.at[key, "done"], base.at[key, "done_date"] = False, pd.NaT
            base.at[key, "done_period"], base.at[key, "reported_date"] = pd.NA, pd.NaT
            base.at[key, "date_assumed"] = False
        base.at[key, "source"] = "override"
        base.at[key, "note"] = str(row.reason)
        verdict = "已完成" if row.done else "未完成"
        problems.append(problem("override_applied", file="核定.xlsx", cell=row.cell,
                                detail=f"项目 {row.project_id} 节点 {int(row.seq)} 核定为{verdict}（{row.reason}）"))

    states = base.reset_index()[STATE_COLUMNS]
    states["done"] = states["done"].astype(bool)
    states["done_date"] = pd.to_datetime(states["done_date"]).astype("datetime64[ns]")
    states["done_period"] = states["done_period"].astype("Int64")
    states["reported_date"] = pd.to_datetime(states["reported_date"]).astype("datetime64[ns]")
    states.loc[states["done"], "reported_date"] = pd.NaT
    states["date_assumed"] = states["date_assumed"].fillna(False).astype(bool) & states["done"]
    return states, problems


def applied_overrides(overrides: pd.DataFrame, cutoff: dt.date) -> pd.DataFrame:
    """The overrides that take effect at ``cutoff`` (those done on a later date wait for a later cutoff)."""
    later = overrides["done"].astype(bool) & (pd.to_datetime(overrides["done_date"]) > pd.Timestamp(cutoff))
    return overrides[~later.to_numpy()]


def _cn_date(value: object) -> str:
    stamp = pd.Timestamp(value)
    return f"{stamp.year}年{stamp.month}月{stamp.day}日"


def with_counted_dates(problems: list[Problem], reports: pd.DataFrame, states: pd.DataFrame,
                       cutoff: dt.date) -> list[Problem]:
    """``problems`` with each 已完成-without-a-date (``done_without_date``) naming the date the node
    is counted at: intake says this cutoff, but a node already counted done at an earlier cutoff
    (its date assumed then) keeps that earlier date."""
    if not any(p.code == "done_without_date" for p in problems) or reports.empty:
        return problems
    nodes = dict(zip(zip(reports["file"], reports["date_cell"]), zip(reports["project_id"], reports["seq"])))
    assumed = states[states["done"] & states["date_assumed"].astype(bool)]
    dates = dict(zip(zip(assumed["project_id"], assumed["seq"]), assumed["done_date"]))
    out = []
    for found in problems:
        when = dates.get(nodes.get((found.file, found.cell), ("", -1))) if found.code == "done_without_date" else None
        if when is not None and not pd.isna(when) and pd.Timestamp(when).date() < cutoff:
            found = problem(found.code, file=found.file, unit=found.unit, sheet=found.sheet, cell=found.cell,
                            value=found.value, detail=_cn_date(when))
        out.append(found)
    return out
