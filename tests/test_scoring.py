"""Scoring rules (SPEC §5) on small campaigns worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from builders import write_campaign
from leitai.campaign.plan import Rules, load_campaign
from leitai.scoring.score import History, score_period
from leitai.scoring.states import empty_states, resolve_states

D = dt.date.fromisoformat


@pytest.fixture()
def campaign(tmp_path):
    return load_campaign(write_campaign(tmp_path / "c"))


def states_with(campaign, done: dict[tuple[str, int], str]):
    states = empty_states(campaign.plan.nodes)
    for (pid, seq), date in done.items():
        mask = (states["project_id"] == pid) & (states["seq"] == seq)
        assert mask.sum() == 1
        states.loc[mask, "done"] = True
        states.loc[mask, "done_date"] = pd.Timestamp(date)
    return states


def score(campaign, states, period, *, rules=None, submitted=None, evaluation=False, history=None):
    schedule = campaign.settings.schedule
    return score_period(
        campaign.plan, states, period=period, cutoff=schedule.cutoff(period),
        previous_cutoff=schedule.cutoff(period - 1) if period > 1 else None,
        rules=rules or campaign.settings.rules,
        submitted=set(campaign.plan.units["unit"]) if submitted is None else submitted,
        evaluation=evaluation, history=history or History.empty())


def by_unit(scores):
    return scores.units.set_index("unit")


PERIOD1 = {("P01", 1): "2020-09-09", ("P01", 2): "2020-09-13", ("P03", 1): "2020-09-14", ("P04", 1): "2020-09-12"}


def test_period_one_by_hand(campaign):
    # Cutoff 09-14. Due: P01#1 (09-10), P02#1 (09-12), P03#1 (09-14, due on the cutoff day).
    scores = score(campaign, states_with(campaign, PERIOD1), 1)
    units = by_unit(scores)
    assert units.loc["甲街道", ["due", "done", "ahead", "red_projects", "rank"]].tolist() == [1, 1, 1, 0, 1]
    assert units.loc["乙镇", ["due", "done", "ahead", "red_projects", "rank"]].tolist() == [1, 0, 0, 1, 2]
    assert units.loc["县丙局", "rate"] == 1.0 and units.loc["县丙局", "rank"] == 1
    # 县丁局 has nothing due yet: no rate, not ranked, but its early node counts as ahead.
    assert math.isnan(units.loc["县丁局", "rate"]) and pd.isna(units.loc["县丁局", "rank"])
    assert units.loc["县丁局", "ahead"] == 1
    first_version = {k: scores.overall[k] for k in ("due", "done", "rate", "projects", "green", "yellow", "red")}
    assert first_version == {"due": 3, "done": 2, "rate": 2 / 3, "projects": 4, "green": 3, "yellow": 0, "red": 1}
    lights = scores.projects.set_index("id")
    assert lights.loc["P02", "light"] == "red" and lights.loc["P02", "overdue_nodes"] == [1]
    assert lights.loc["P02", ["red_count", "red_streak"]].tolist() == [1, 1]
    cats = scores.categories.set_index("category")
    assert cats.loc["项目推进", ["due", "done", "rate"]].tolist() == [2, 2, 1.0]
    assert cats.loc["重点区块征迁", "rate"] == 0.0
    assert math.isnan(cats.loc["重要民生实事", "rate"])
    assert list(scores.categories["category"]) == ["项目推进", "重点区块征迁", "重要民生实事"]


def test_period_rates_and_history(campaign):
    history = History(pd.DataFrame({"period": [1] * 4, "project_id": ["P01", "P02", "P03", "P04"],
                                    "light": ["green", "red", "green", "green"]}),
                      {"甲街道": 1, "乙镇": 2, "县丙局": 1})
    done = {**PERIOD1, ("P02", 1): "2020-09-20"}
    scores = score(campaign, states_with(campaign, done), 2, evaluation=True, history=history)
    units = by_unit(scores)
    # Period 2 (09-15..09-28) makes P01#2 and P04#1 due; both were done earlier.
    assert units.loc["甲街道", ["period_due", "period_done", "period_rate"]].tolist() == [1, 1, 1.0]
    assert math.isnan(units.loc["乙镇", "period_rate"])
    assert (units["rate"] == 1.0).all()
    # All equal on every key: everyone shares rank 1; 乙镇 rose one place; 县丁局 had no rank.
    assert units["rank"].tolist() == [1, 1, 1, 1]
    assert units.loc["乙镇", "rank_change"] == 1 and units.loc["甲街道", "rank_change"] == 0
    assert pd.isna(units.loc["县丁局", "rank_change"])
    # Evaluation period, but every unit is at 100%: nobody gets a yellow card.
    assert not units["yellow_card"].any()
    lights = scores.projects.set_index("id")
    assert lights.loc["P02", ["light", "red_count", "red_streak"]].tolist() == ["green", 1, 0]


def test_red_count_and_streak_from_history(campaign):
    history = History(pd.DataFrame({"period": [1, 2, 3], "project_id": ["P02"] * 3, "light": ["red", "green", "red"]}), {})
    scores = score(campaign, states_with(campaign, {}), 4, history=history)
    p02 = scores.projects.set_index("id").loc["P02"]
    assert (p02["light"], p02["red_count"], p02["red_streak"]) == ("red", 3, 2)
    assert p02["escalated"]  # escalate_red_count defaults to 3


def test_three_colour_lights_within_grace(campaign):
    rules = Rules(lights="three", grace_days=7)
    # Cutoff 09-28: P04#1 due 09-20 is 8 days late (red); P01#2 due 09-25 is 3 days late (yellow).
    scores = score(campaign, states_with(campaign, {("P01", 1): "2020-09-09", ("P02", 1): "2020-09-10",
                                                    ("P03", 1): "2020-09-10"}), 2, rules=rules)
    lights = scores.projects.set_index("id")["light"]
    assert lights.to_dict() == {"P01": "yellow", "P02": "green", "P03": "green", "P04": "red"}
    assert scores.overall["yellow"] == 1 and scores.overall["red"] == 1
    # Yellow projects do not count as red for ranking.
    assert by_unit(scores).loc["甲街道", "red_projects"] == 0


def test_done_node_never_red_and_late_date_not_done(campaign):
    states = states_with(campaign, {("P02", 1): "2020-09-20"})  # after the 09-14 cutoff
    scores = score(campaign, states, 1)
    assert scores.projects.set_index("id").loc["P02", "light"] == "red"
    assert by_unit(scores).loc["乙镇", "done"] == 0


FIVE_UNITS = [(f"单位{i}", "乡镇（街道）", "") for i in range(1, 6)]
FIVE_PROJECTS = [(f"Q{i}", f"项目{i}", "项目推进", f"单位{i}", None) for i in range(1, 6)]
FIVE_NODES = [(f"Q{i}", s, f"节点{s}", "2020-09-10") for i in range(1, 6) for s in range(1, 5)]


@pytest.fixture()
def five(tmp_path):
    return load_campaign(write_campaign(tmp_path / "five", units=FIVE_UNITS, projects=FIVE_PROJECTS, nodes=FIVE_NODES))


def done_counts(campaign, counts: dict[int, int]):
    return states_with(campaign, {(f"Q{i}", s): "2020-09-10" for i, n in counts.items() for s in range(1, n + 1)})


def test_shared_ranks_and_ties_at_the_card_boundary(five):
    # Rates: 单位1 100%, 单位2 75%, 单位3 50%, 单位4 50%, 单位5 25%.
    states = done_counts(five, {1: 4, 2: 3, 3: 2, 4: 2, 5: 1})
    scores = score(five, states, 1, rules=Rules(yellow_cards=2), evaluation=True)
    units = by_unit(scores)
    assert units["rank"].tolist() == [1, 2, 3, 3, 5]
    # Two cards: 单位5, then the boundary is 单位3/单位4, tied on every key: both carded.
    assert units.index[units["yellow_card"]].tolist() == ["单位3", "单位4", "单位5"]
    assert units.index[units["card_tie"]].tolist() == ["单位3", "单位4"]


def test_tie_broken_by_ahead_then_red_projects(five):
    nodes = [(f"Q{i}", 1, "节点1", "2020-09-10") for i in range(1, 6)] + [("Q2", 2, "节点2", "2020-10-30")]
    five_b = load_campaign(write_campaign(five.folder.parent / "b", units=FIVE_UNITS, projects=FIVE_PROJECTS, nodes=nodes))
    states = states_with(five_b, {("Q1", 1): "2020-09-10", ("Q2", 1): "2020-09-10", ("Q2", 2): "2020-09-12"})
    units = by_unit(score(five_b, states, 1, rules=Rules(yellow_cards=1), evaluation=True))
    # 单位1 and 单位2 both 100%; 单位2 has a node done ahead, so it ranks first.
    assert units.loc["单位2", "rank"] == 1 and units.loc["单位1", "rank"] == 2
    assert units.loc[["单位3", "单位4", "单位5"], "rank"].tolist() == [3, 3, 3]
    # One card, but three units tie at the bottom: all three carded.
    assert units["yellow_card"].sum() == 3


def test_cards_never_at_full_rate_and_per_group(tmp_path):
    units = [("甲", "A组", ""), ("乙", "A组", ""), ("丙", "B组", ""), ("丁", "B组", "")]
    projects = [(f"X{i}", f"项目{i}", "项目推进", u[0], None) for i, u in enumerate(units, start=1)]
    nodes = [(f"X{i}", s, "节点", "2020-09-10") for i in range(1, 5) for s in (1, 2)]
    c = load_campaign(write_campaign(tmp_path / "g", units=units, projects=projects, nodes=nodes))
    states = states_with(c, {("X1", 1): "2020-09-01", ("X1", 2): "2020-09-01", ("X2", 1): "2020-09-01",
                             ("X3", 1): "2020-09-01", ("X3", 2): "2020-09-01", ("X4", 1): "2020-09-01"})
    per_group = Rules(yellow_cards=(("A组", 1), ("B组", 1)))
    result = by_unit(score(c, states, 1, rules=per_group, evaluation=True))
    assert result.index[result["yellow_card"]].tolist() == ["乙", "丁"]
    overall = by_unit(score(c, states, 1, rules=Rules(yellow_cards=4), evaluation=True))
    # Four cards asked for, but 甲 and 丙 are at 100%: only the two below get one.
    assert overall.index[overall["yellow_card"]].tolist() == ["乙", "丁"]
    assert not by_unit(score(c, states, 1, rules=Rules(yellow_cards=4), evaluation=False))["yellow_card"].any()


def test_no_submission_rank_last(five):
    states = done_counts(five, {1: 4, 2: 3, 3: 2, 4: 2, 5: 1})
    submitted = {"单位2", "单位3", "单位4", "单位5"}
    carry = by_unit(score(five, states, 1, submitted=submitted))
    assert carry.loc["单位1", "rank"] == 1 and not carry.loc["单位1", "submitted"]
    last = by_unit(score(five, states, 1, submitted=submitted, rules=Rules(no_submission="rank_last")))
    assert last["rank"].tolist() == [5, 1, 2, 2, 4]


def test_rank_by_period(five):
    states = done_counts(five, {1: 4, 2: 3, 3: 2, 4: 2, 5: 1})
    units = by_unit(score(five, states, 1, rules=Rules(rank_by="period")))
    assert units["rank"].tolist() == [1, 2, 3, 3, 5]  # period 1: the period is the whole campaign so far


# ---------------------------------------------------------------- node states merging

def reports_frame(rows):
    columns = ["file", "unit", "sheet", "row", "project_id", "seq", "done", "done_date", "progress_pct", "invest_done",
               "progress_text", "issue_text", "next_plan", "status_cell", "date_cell"]
    frame = pd.DataFrame([{"file": "a.xlsx", "unit": "甲街道", "sheet": "进度填报", "row": 4, "progress_pct": None,
                           "invest_done": None, "progress_text": "", "issue_text": "", "next_plan": "",
                           "status_cell": "F4", "date_cell": "G4", **r} for r in rows], columns=columns)
    frame["done_date"] = pd.to_datetime(frame["done_date"])
    return frame


NO_OVERRIDES = pd.DataFrame(columns=["project_id", "seq", "done", "done_date", "reason", "cell"])


def test_states_rules(campaign):
    previous = states_with(campaign, {("P01", 1): "2020-09-09"})
    previous["done_period"] = previous["done_period"].mask(previous["done"], 1)
    reports = reports_frame([
        {"project_id": "P01", "seq": 1, "done": False, "done_date": None},            # regression
        {"project_id": "P01", "seq": 2, "done": True, "done_date": None},             # no date
        {"project_id": "P01", "seq": 3, "done": True, "done_date": "2020-10-01"},     # after cutoff
        {"project_id": "P02", "seq": 1, "done": True, "done_date": "2020-09-20"},
    ])
    states, problems = resolve_states(campaign.plan.nodes, previous, reports, NO_OVERRIDES, D("2020-09-28"), 2)
    s = states.set_index(["project_id", "seq"])
    assert s.loc[("P01", 1), "done"] and s.loc[("P01", 1), "source"] == "history"
    assert s.loc[("P01", 2), "done"] and s.loc[("P01", 2), "done_date"] == pd.Timestamp("2020-09-28")
    assert not s.loc[("P01", 3), "done"]
    assert s.loc[("P02", 1), "done_period"] == 2
    assert [p.code for p in problems] == ["regression"]  # missing and late dates are intake's records
    regression = next(p for p in problems if p.code == "regression")
    assert regression.cell == "F4" and "第1期" in regression.message


def test_override_undoes_history(campaign):
    previous = states_with(campaign, {("P01", 1): "2020-09-09"})
    overrides = pd.DataFrame([{"project_id": "P01", "seq": 1, "done": False, "done_date": pd.NaT,
                               "reason": "经核查未完成", "cell": "A2"},
                              {"project_id": "P02", "seq": 1, "done": True, "done_date": pd.Timestamp("2020-09-11"),
                               "reason": "现场核实已签约", "cell": "A3"}])
    reports = reports_frame([{"project_id": "P01", "seq": 1, "done": True, "done_date": "2020-09-09"}])
    states, problems = resolve_states(campaign.plan.nodes, previous, reports, overrides, D("2020-09-28"), 2)
    s = states.set_index(["project_id", "seq"])
    assert not s.loc[("P01", 1), "done"] and s.loc[("P01", 1), "source"] == "override"
    assert s.loc[("P02", 1), "done"] and s.loc[("P02", 1), "note"] == "现场核实已签约"
    assert [p.code for p in problems] == ["override_applied", "override_applied"]
