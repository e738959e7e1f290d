"""Scoring rules of SPEC §5 as pure functions: frames in, frames out, no I/O, no clock.

Rates are fractions in [0, 1] (``NaN`` when nothing is due). Ranking is within each
group by the ranking rate (cumulative or per-period) high to low, then done-ahead count
high to low, then red projects few to many; equal units share the rank (1, 2, 2, 4).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..campaign.changes import EffectivePlan, plan_at
from ..campaign.plan import Plan, Rules
from .composite import score_units
from .investment import investment_light, project_investment, sums, unit_sums

LIGHTS = ("green", "yellow", "red")
PRECISION_DIGITS = 9  # scores are ranked rounded to this many decimals (floating-point noise ranks equal)


@dataclass(frozen=True)
class History:
    """What the ledger knows before this period.

    lights: rows (period, project_id, light) for recorded periods before this one.
    ranks:  unit -> rank at the previous recorded period (units not ranked are absent).
    """

    lights: pd.DataFrame
    ranks: dict[str, int]

    @classmethod
    def empty(cls) -> History:
        return cls(pd.DataFrame(columns=["period", "project_id", "light"]), {})


@dataclass(frozen=True)
class Scores:
    """Everything scored at one cutoff.

    nodes:      plan nodes with unit, category, group, due (Timestamp: the date in effect),
                original_due (Timestamp: the 节点 sheet's), status (active / cancelled / exempt /
                pending), is_due, done, done_date, ahead, overdue, late (逾期完成), due_in_period,
                done_in_period; only active nodes are ever due, ahead, overdue or late
    projects:   the projects in play (not cancelled, exempt or not yet included): id, name, category,
                unit, group, light, red_count, red_streak, due, done, overdue_nodes (list of seq),
                late_done (list of seq), escalated (bool), invest_plan, invest_done, invest_rate,
                invest_light (None without bands)
    units:      unit, group, submitted, due, done, rate, period_due, period_done,
                period_rate, ahead, red_projects, late_done, invest_plan, invest_done,
                invest_rate, rank, rank_change, yellow_card, card_tie; with [score] also
                score, score_base, score_parts, score_full (composite.py)
    categories: category, due, done, rate (plan order)
    groups:     group, due, done, rate
    overall:    due, done, rate, projects, green, yellow, red, late_done, invest_plan,
                invest_done, invest_rate, time_progress
    plan:       the plan in effect at the cutoff it was scored on
    """

    nodes: pd.DataFrame
    projects: pd.DataFrame
    units: pd.DataFrame
    categories: pd.DataFrame
    groups: pd.DataFrame
    overall: dict[str, float | int | None]
    plan: EffectivePlan | None = None


def rate(done: int | float, due: int | float) -> float:
    """done / due as a fraction, NaN when nothing is due."""
    return float(done) / float(due) if due else float("nan")


def score_nodes(
    plan: Plan, states: pd.DataFrame, cutoff: dt.date, previous_cutoff: dt.date | None,
    effective: EffectivePlan | None = None, previous_effective: EffectivePlan | None = None,
) -> pd.DataFrame:
    """Per node: due, done, ahead and overdue at ``cutoff``; due and done within the period.

    ``effective`` is the plan in effect at the cutoff (default: ``plan_at(plan, cutoff)``),
    ``previous_effective`` the one at the previous cutoff: a node is due in the period when
    it is due now and was not due then.
    """
    cut = pd.Timestamp(cutoff)
    effective = effective if effective is not None else plan_at(plan, cutoff)
    if previous_effective is None and previous_cutoff is not None:
        previous_effective = plan_at(plan, previous_cutoff)
    frame = plan.nodes.rename(columns={"due": "original_due"}).merge(
        _dates(effective, "due", "status"), on=["project_id", "seq"], how="left")
    frame = frame.merge(states[["project_id", "seq", "done", "done_date"]], on=["project_id", "seq"], how="left")
    frame["done"] = frame["done"].fillna(False).astype(bool)
    # A date after the cutoff is not done at the cutoff, whatever the state says.
    frame["done"] &= ~(frame["done_date"].notna() & (frame["done_date"] > cut))
    projects = plan.projects.set_index("id")
    frame["unit"] = frame["project_id"].map(projects["unit"])
    frame["category"] = frame["project_id"].map(projects["category"])
    frame["group"] = frame["unit"].map(plan.units.set_index("unit")["group"])
    active = frame["status"] == "active"
    frame["is_due"] = active & (frame["due"] <= cut)
    frame["ahead"] = active & frame["done"] & ~frame["is_due"]
    frame["overdue"] = frame["is_due"] & ~frame["done"]
    frame["late"] = active & frame["done"] & frame["done_date"].notna() & (frame["done_date"] > frame["due"])  # 逾期完成
    was_due = pd.Series(False, index=frame.index)
    if previous_effective is not None and previous_cutoff is not None:
        before = frame[["project_id", "seq"]].merge(
            _dates(previous_effective, "prev_due", "prev_status"), on=["project_id", "seq"], how="left")
        was_due = ((before["prev_status"] == "active") & (before["prev_due"] <= pd.Timestamp(previous_cutoff))).to_numpy()
    frame["due_in_period"] = frame["is_due"] & ~was_due
    frame["done_in_period"] = frame["due_in_period"] & frame["done"]
    return frame


def _dates(effective: EffectivePlan, due: str, status: str) -> pd.DataFrame:
    nodes = effective.nodes
    return pd.DataFrame({"project_id": nodes["project_id"], "seq": nodes["seq"].astype("int64"),
                         due: pd.to_datetime(nodes["due"]).astype("datetime64[ns]"), status: nodes["status"]})


def project_lights(
    plan: Plan, nodes: pd.DataFrame, cutoff: dt.date, rules: Rules, period: int, history: History,
    effective: EffectivePlan | None = None,
) -> pd.DataFrame:
    """Light, red count and current red streak of every project in play at ``cutoff``.

    A cancelled, exempt or not yet included project has no light this period; the lights
    recorded for it earlier stay in the ledger.
    """
    cut = pd.Timestamp(cutoff)
    due = nodes.groupby("project_id", sort=False)["is_due"].sum()
    done = nodes[nodes["is_due"]].groupby("project_id", sort=False)["done"].sum()
    overdue = nodes[nodes["overdue"]]
    overdue_lists = overdue.groupby("project_id", sort=False)["seq"].agg(lambda s: sorted(int(x) for x in s))
    # Three-colour mode: yellow while every overdue node is within the grace window.
    days_late = (cut - overdue["due"]).dt.days.groupby(overdue["project_id"], sort=False).max().astype(float)
    effective = effective if effective is not None else plan_at(plan, cutoff)
    in_play = set(effective.projects.loc[effective.projects["status"] == "active", "project_id"])
    frame = plan.projects.loc[plan.projects["id"].isin(in_play), ["id", "name", "category", "unit"]].copy()
    frame["group"] = frame["unit"].map(plan.units.set_index("unit")["group"])
    frame["due"] = frame["id"].map(due).fillna(0).astype(int)
    frame["done"] = frame["id"].map(done).fillna(0).astype(int)
    frame["overdue_nodes"] = frame["id"].map(overdue_lists).apply(lambda v: v if isinstance(v, list) else [])
    has_overdue = frame["overdue_nodes"].map(len) > 0
    light = np.where(has_overdue, "red", "green")
    if rules.lights == "three":
        within = (frame["id"].map(days_late) <= rules.grace_days).to_numpy()
        light = np.where(has_overdue.to_numpy() & within, "yellow", light)
    frame["light"] = light
    late_lists = nodes[nodes["late"]].groupby("project_id", sort=False)["seq"].agg(lambda s: sorted(int(x) for x in s))
    frame["late_done"] = frame["id"].map(late_lists).apply(lambda v: v if isinstance(v, list) else [])

    past = history.lights[history.lights["period"] < period]
    if rules.caught_up == "yellow" and not past.empty:
        # Red at the previous recorded cutoff, every overdue node now done: yellow for this period.
        before = past[past["period"] == past["period"].max()].set_index("project_id")["light"]
        caught = (frame["id"].map(before) == "red") & ~has_overdue
        frame.loc[caught, "light"] = "yellow"
    reds_before = past[past["light"] == "red"].groupby("project_id")["period"].count()
    frame["red_count"] = frame["id"].map(reds_before).fillna(0).astype(int) + (frame["light"] == "red").astype(int)
    streaks = _streaks_before(past)
    frame["red_streak"] = np.where(frame["light"] == "red", frame["id"].map(streaks).fillna(0).astype(int) + 1, 0)
    frame["escalated"] = frame["red_count"] >= rules.escalate_red_count
    return frame.reset_index(drop=True)


def _streaks_before(past: pd.DataFrame) -> pd.Series:
    """project_id -> number of consecutive red lights at the latest recorded periods."""
    if past.empty:
        return pd.Series(dtype=int)
    periods = sorted(past["period"].unique(), reverse=True)
    table = past.pivot_table(index="project_id", columns="period", values="light", aggfunc="first")
    streak = pd.Series(0, index=table.index)
    alive = pd.Series(True, index=table.index)
    for p in periods:
        alive &= table[p] == "red"
        streak += alive.astype(int)
    return streak


def unit_scores(
    plan: Plan,
    nodes: pd.DataFrame,
    projects: pd.DataFrame,
    rules: Rules,
    submitted: set[str],
    evaluation: bool,
    history: History,
    progress: float = float("nan"),
    adjustments: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Per unit: counts, rates, investment, score, rank within group, rank change and yellow card.

    ``progress`` is 序时进度 and ``adjustments`` the office's 加减分 by unit (used by the score).
    """
    by_unit = nodes.groupby("unit", sort=False)
    frame = plan.units[["unit", "group"]].copy()
    frame["submitted"] = frame["unit"].isin(submitted)
    frame["due"] = frame["unit"].map(by_unit["is_due"].sum()).fillna(0).astype(int)
    frame["done"] = frame["unit"].map(nodes[nodes["is_due"]].groupby("unit")["done"].sum()).fillna(0).astype(int)
    frame["rate"] = [rate(d, n) for d, n in zip(frame["done"], frame["due"])]
    frame["period_due"] = frame["unit"].map(by_unit["due_in_period"].sum()).fillna(0).astype(int)
    frame["period_done"] = frame["unit"].map(by_unit["done_in_period"].sum()).fillna(0).astype(int)
    frame["period_rate"] = [rate(d, n) for d, n in zip(frame["period_done"], frame["period_due"])]
    frame["ahead"] = frame["unit"].map(by_unit["ahead"].sum()).fillna(0).astype(int)
    reds = projects[projects["light"] == "red"].groupby("unit")["id"].count()
    frame["red_projects"] = frame["unit"].map(reds).fillna(0).astype(int)
    frame["late_done"] = frame["unit"].map(nodes[nodes["late"]].groupby("unit")["late"].count()).fillna(0).astype(int)
    frame = frame.join(unit_sums(projects, frame["unit"]).set_index(frame.index))
    weights = rules.weights()
    if weights is not None:
        frame = score_units(frame, weights, progress, adjustments or {})

    metric = {"cumulative": frame["rate"], "period": frame["period_rate"]}.get(rules.rank_by)
    full = pd.Series(1.0, index=frame.index)
    if metric is None:  # score: ranked on the score; "at 100%" means full marks before 加减分
        metric, full = frame["score"].round(PRECISION_DIGITS), frame["score_full"]
        at_full = frame["score_base"].round(PRECISION_DIGITS) >= full.round(PRECISION_DIGITS)
    else:
        at_full = metric >= full
    # Sort key where smaller is better; rank_last puts non-submitters behind everyone.
    late = (~frame["submitted"]).astype(int) if rules.no_submission == "rank_last" else 0
    frame["_k0"] = late
    frame["_k1"] = -metric
    frame["_k2"] = -frame["ahead"]
    frame["_k3"] = frame["red_projects"]
    ranked = metric.notna() & frame["rate"].notna()  # nothing due: not ranked, whatever the measure
    frame["rank"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    keys = ["_k0", "_k1", "_k2", "_k3"]
    for _, members in frame[ranked].groupby("group", sort=False):
        frame.loc[members.index, "rank"] = _competition_rank(members[keys])
    prev = frame["unit"].map(history.ranks).astype("Int64")
    frame["rank_change"] = (prev - frame["rank"]).astype("Int64")

    frame["yellow_card"] = False
    frame["card_tie"] = False
    if evaluation:
        eligible = frame[ranked & ~at_full]
        per_group = rules.cards_per_group()
        pools: list[tuple[pd.DataFrame, int]] = (
            [(eligible, int(rules.yellow_cards))] if per_group is None  # type: ignore[arg-type]
            else [(eligible[eligible["group"] == g], n) for g, n in per_group.items()]
        )
        for pool, count in pools:
            carded, tied = _bottom(pool[keys], count)
            frame.loc[carded, "yellow_card"] = True
            frame.loc[tied, "card_tie"] = True
    return frame.drop(columns=keys).reset_index(drop=True)


def _competition_rank(keys: pd.DataFrame) -> list[int]:
    """1 + the number of rows strictly better (lexicographically smaller) than each row."""
    tuples = [tuple(row) for row in keys.itertuples(index=False)]
    ordered = sorted(tuples)
    first: dict[tuple[object, ...], int] = {}
    for position, key in enumerate(ordered, start=1):
        first.setdefault(key, position)
    return [first[key] for key in tuples]


def _bottom(keys: pd.DataFrame, count: int) -> tuple[list, list]:
    """Indexes of the worst ``count`` rows, extended to everyone tied with the last one.

    Returns (carded, the carded units tied at the boundary when the tie carded more than ``count``).
    """
    if count <= 0 or keys.empty:
        return [], []
    ordered = sorted(keys.index, key=lambda i: tuple(keys.loc[i]), reverse=True)
    if len(ordered) <= count:
        return ordered, []
    boundary = tuple(keys.loc[ordered[count - 1]])
    carded = [i for i in ordered if tuple(keys.loc[i]) >= boundary]
    tied = [i for i in carded if tuple(keys.loc[i]) == boundary] if len(carded) > count else []
    return carded, tied


def summarize(frame: pd.DataFrame, by: str, order: tuple[str, ...]) -> pd.DataFrame:
    """due, done and rate of due nodes per ``by`` value, in ``order``."""
    due_nodes = frame[frame["is_due"]]
    due = due_nodes.groupby(by)["done"].count()
    done = due_nodes.groupby(by)["done"].sum()
    out = pd.DataFrame({by: list(order)})
    out["due"] = out[by].map(due).fillna(0).astype(int)
    out["done"] = out[by].map(done).fillna(0).astype(int)
    out["rate"] = [rate(d, n) for d, n in zip(out["done"], out["due"])]
    return out


def score_period(
    plan: Plan,
    states: pd.DataFrame,
    *,
    period: int,
    cutoff: dt.date,
    previous_cutoff: dt.date | None,
    rules: Rules,
    submitted: set[str],
    evaluation: bool,
    history: History,
    progress: float = float("nan"),
    adjustments: dict[str, float] | None = None,
    effective: EffectivePlan | None = None,
    previous_effective: EffectivePlan | None = None,
) -> Scores:
    """Score every node, project, unit, category and group at ``cutoff`` (SPEC §5).

    ``progress`` is 序时进度 at the cutoff; ``adjustments`` the office's 加减分 per unit.
    Investment figures come from ``states`` (investment.FIGURE_COLUMNS) where it has them.
    ``effective``: the plan in effect at the cutoff (default: ``plan_at(plan, cutoff)``);
    a recorded period is re-scored on the plan it was recorded with (planchanges.reconcile).
    """
    effective = effective if effective is not None else plan_at(plan, cutoff)
    nodes = score_nodes(plan, states, cutoff, previous_cutoff, effective, previous_effective)
    projects = project_lights(plan, nodes, cutoff, rules, period, history, effective)
    projects = projects.merge(project_investment(plan, states), on="id", how="left")
    projects["invest_light"] = pd.Series([investment_light(r, progress, rules) for r in projects["invest_rate"]],
                                         index=projects.index, dtype=object)
    units = unit_scores(plan, nodes, projects, rules, submitted, evaluation, history, progress, adjustments)
    categories = summarize(nodes, "category", plan.categories)
    groups = summarize(nodes, "group", plan.groups)
    due, done = int(nodes["is_due"].sum()), int((nodes["is_due"] & nodes["done"]).sum())
    counts = projects["light"].value_counts()
    invest_plan, invest_done, invest_rate = sums(projects)
    overall: dict[str, float | int | None] = {
        "due": due, "done": done, "rate": rate(done, due), "projects": len(projects),
        **{light: int(counts.get(light, 0)) for light in LIGHTS},
        "late_done": int(nodes["late"].sum()), "invest_plan": invest_plan, "invest_done": invest_done,
        "invest_rate": invest_rate, "time_progress": progress,
    }
    return Scores(nodes, projects, units, categories, groups, overall, effective)
