"""Properties of the scoring rules that must hold for any campaign (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leitai.campaign.plan import Plan, Rules
from leitai.scoring.score import History, score_period
from leitai.scoring.states import empty_states

CUTOFF = dt.date(2020, 10, 12)
START = dt.date(2020, 9, 1)


@st.composite
def campaigns(draw):
    """A random plan (1–8 units in 1–2 groups, 1–3 projects each, 1–4 nodes each) and states."""
    n_units = draw(st.integers(1, 8))
    groups = ["A组", "B组"][: draw(st.integers(1, 2))]
    units = [(f"U{i}", groups[i % len(groups)]) for i in range(n_units)]
    projects, nodes, states = [], [], []
    for unit, _ in units:
        for p in range(draw(st.integers(1, 3))):
            pid = f"{unit}P{p}"
            projects.append({"id": pid, "name": pid, "category": draw(st.sampled_from(["甲", "乙"])), "unit": unit,
                             "leader": "", "investment": float("nan"), "note": ""})
            for seq in range(1, draw(st.integers(1, 4)) + 1):
                due = START + dt.timedelta(days=draw(st.integers(0, 80)))
                nodes.append({"project_id": pid, "seq": seq, "target": "t", "due": pd.Timestamp(due)})
                done = draw(st.booleans())
                date = START + dt.timedelta(days=draw(st.integers(0, 80))) if done else None
                states.append((pid, seq, done, date))
    plan = Plan(pd.DataFrame(projects), pd.DataFrame(nodes).astype({"due": "datetime64[ns]"}),
                pd.DataFrame([{"unit": u, "group": g, "aliases": ()} for u, g in units]), ("甲", "乙"),
                tuple(groups), {u: u for u, _ in units})
    frame = empty_states(plan.nodes)
    for i, (_, _, done, date) in enumerate(states):
        frame.loc[i, "done"] = done
        frame.loc[i, "done_date"] = pd.Timestamp(date) if date else pd.NaT
    cards = draw(st.integers(0, 4))
    return plan, frame, Rules(yellow_cards=cards, lights=draw(st.sampled_from(["two", "three"])))


def run(plan, states, rules):
    return score_period(plan, states, period=3, cutoff=CUTOFF, previous_cutoff=dt.date(2020, 9, 28), rules=rules,
                        submitted=set(plan.units["unit"]), evaluation=True, history=History.empty())


PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(campaigns())
def test_rates_are_fractions_and_counts_add_up(case):
    plan, states, rules = case
    scores = run(plan, states, rules)
    units = scores.units
    rates = units["rate"].dropna()
    assert ((rates >= 0) & (rates <= 1)).all()
    assert (units["done"] <= units["due"]).all()
    assert units["due"].sum() == scores.overall["due"] and units["done"].sum() == scores.overall["done"]
    assert scores.categories["due"].sum() == scores.overall["due"]
    assert units["rank"].isna().tolist() == (units["due"] == 0).tolist()


@PROPS
@given(campaigns())
def test_a_project_with_every_due_node_done_is_never_red(case):
    plan, states, rules = case
    scores = run(plan, states, rules)
    nodes = scores.nodes
    for project in scores.projects.itertuples():
        mine = nodes[nodes["project_id"] == project.id]
        if (mine["done"] | ~mine["is_due"]).all():
            assert project.light == "green"
        else:
            assert project.light in ("red", "yellow")


@PROPS
@given(campaigns())
def test_ranks_follow_the_keys(case):
    plan, states, rules = case
    units = run(plan, states, rules).units
    for _, group in units[units["rank"].notna()].groupby("group"):
        key = list(zip(-group["rate"], -group["ahead"], group["red_projects"]))
        for (ka, ra), (kb, rb) in ((a, b) for a in zip(key, group["rank"]) for b in zip(key, group["rank"])):
            if ka < kb:
                assert ra < rb
            elif ka == kb:
                assert ra == rb
        # competition ranking: rank = 1 + number strictly better
        for k, r in zip(key, group["rank"]):
            assert r == 1 + sum(1 for other in key if other < k)


@PROPS
@given(campaigns())
def test_cards_go_to_the_bottom_and_never_to_full_rate(case):
    plan, states, rules = case
    units = run(plan, states, rules).units
    carded = units[units["yellow_card"]]
    assert (carded["rate"] < 1).all() and carded["rank"].notna().all()
    if len(carded) > rules.yellow_cards:
        assert carded["card_tie"].any()
    eligible = units[units["rank"].notna() & (units["rate"] < 1)]
    assert len(carded) >= min(rules.yellow_cards, len(eligible))


@PROPS
@given(campaigns(), st.data())
def test_one_units_answers_never_change_another_units_rate(case, data):
    plan, states, rules = case
    before = run(plan, states, rules).units.set_index("unit")
    unit = data.draw(st.sampled_from(list(plan.units["unit"])))
    mine = plan.projects.loc[plan.projects["unit"] == unit, "id"]
    changed = states.copy()
    flip = changed["project_id"].isin(mine)
    changed.loc[flip, "done"] = ~changed.loc[flip, "done"]
    changed.loc[flip & changed["done"], "done_date"] = pd.Timestamp(START)
    after = run(plan, changed, rules).units.set_index("unit")
    others = before.index != unit
    pd.testing.assert_series_equal(before.loc[others, "rate"], after.loc[others, "rate"])
    pd.testing.assert_series_equal(before.loc[others, "done"], after.loc[others, "done"])


@PROPS
@given(campaigns(), st.data())
def test_applying_a_periods_reports_twice_changes_nothing(case, data):
    from leitai.scoring.states import resolve_states

    plan, previous, _ = case
    nodes = plan.nodes
    picks = data.draw(st.lists(st.integers(0, len(nodes) - 1), unique=True))
    rows = []
    for i in picks:
        done = data.draw(st.booleans())
        day = data.draw(st.one_of(st.none(), st.integers(0, 60)))
        rows.append({"file": "f.xlsx", "unit": "U", "sheet": "s", "row": i + 4, "project_id": nodes.loc[i, "project_id"],
                     "seq": int(nodes.loc[i, "seq"]), "done": done,
                     "done_date": pd.NaT if day is None else pd.Timestamp(START + dt.timedelta(days=day)),
                     "status_cell": "F4", "date_cell": "G4"})
    reports = pd.DataFrame(rows, columns=["file", "unit", "sheet", "row", "project_id", "seq", "done", "done_date",
                                          "status_cell", "date_cell"])
    overrides = pd.DataFrame(columns=["project_id", "seq", "done", "done_date", "reason", "cell"])
    once, _ = resolve_states(nodes, previous, reports, overrides, CUTOFF, 3)
    twice, _ = resolve_states(nodes, once, reports, overrides, CUTOFF, 3)
    pd.testing.assert_frame_equal(once[["project_id", "seq", "done", "done_date"]],
                                  twice[["project_id", "seq", "done", "done_date"]])


@PROPS
@given(campaigns(), st.sampled_from(["carry_forward", "rank_last"]))
def test_a_score_of_node_weight_100_ranks_and_cards_exactly_as_cumulative(case, no_submission):
    """[score] nodes = 100 (others 0 or absent) gives the cumulative ranking: ranks, changes, cards."""
    from dataclasses import replace

    plan, states, rules = case
    rules = replace(rules, no_submission=no_submission)
    cumulative = run(plan, states, rules).units
    for weights in ((("nodes", 100.0),), (("nodes", 100.0), ("period_nodes", 0.0), ("investment", 0.0))):
        scored = run(plan, states, replace(rules, rank_by="score", score=weights)).units
        for column in ("rank", "rank_change", "yellow_card", "card_tie"):
            pd.testing.assert_series_equal(cumulative[column], scored[column])
        ranked = scored["rank"].notna()
        assert (scored.loc[ranked, "score"] == 100 * scored.loc[ranked, "rate"]).all()
