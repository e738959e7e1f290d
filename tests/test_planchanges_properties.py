"""History does not move (SPEC §5, 计划调整): for any register, re-running a recorded period
with any later register gives the scores recorded for it, and a register in place from the
start scores every cutoff by the changes approved by then (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import write_campaign
from leitai.campaign.changes import CHANGE_COLUMNS, plan_at, reconcile
from leitai.campaign.plan import load_campaign
from leitai.ledger.history import Ledger
from leitai.scoring.score import score_period
from leitai.scoring.states import empty_states

FOLDER = Path(tempfile.mkdtemp(prefix="leitai-planchanges-"))
CAMPAIGN = load_campaign(write_campaign(FOLDER / "c"))
KEYS = list(zip(CAMPAIGN.plan.nodes["project_id"], CAMPAIGN.plan.nodes["seq"].astype(int)))
PROJECTS = list(CAMPAIGN.plan.projects["id"])
START, END = CAMPAIGN.settings.campaign.start, CAMPAIGN.settings.campaign.end
PERIODS = 4
OVERRIDES = pd.DataFrame(columns=["project_id", "seq", "done", "done_date", "reason"])


@st.composite
def registers(draw):
    """Any register: moves and stops of nodes and projects, approved on any day of the campaign."""
    rows, used = [], set()
    for row in range(draw(st.integers(0, 6))):
        whole = draw(st.booleans()) and draw(st.booleans())
        pid, seq = (draw(st.sampled_from(PROJECTS)), 0) if whole else draw(st.sampled_from(KEYS))
        kind = draw(st.sampled_from(["取消", "豁免"] if whole else ["延期", "提前", "取消", "豁免"]))
        approved = START + dt.timedelta(days=draw(st.integers(0, (END - START).days)))
        if (pid, seq, approved) in used:
            continue
        used.add((pid, seq, approved))
        new_due = START + dt.timedelta(days=draw(st.integers(0, 110))) if kind in ("延期", "提前") else None
        rows.append({"project_id": pid, "seq": seq, "type": kind, "new_due": new_due, "approved": approved,
                     "basis": f"文{row}", "note": "", "row": row + 2})
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS).astype({"seq": "int64", "row": "int64"})


@st.composite
def done_dates(draw):
    return {key: START + dt.timedelta(days=draw(st.integers(0, 100))) for key in KEYS if draw(st.booleans())}


def states_at(done, cutoff):
    states = empty_states(CAMPAIGN.plan.nodes)
    for i, key in enumerate(KEYS):
        if key in done and done[key] <= cutoff:
            states.loc[i, "done"] = True
            states.loc[i, "done_date"] = pd.Timestamp(done[key])
    return states


def score(plan, ledger, period, done):
    """Score ``period`` as the pipeline does: on the recorded plan where there is one."""
    schedule = CAMPAIGN.settings.schedule
    cutoff = schedule.cutoff(period)
    now = reconcile(plan_at(plan, cutoff), ledger.plan(period))
    previous = (reconcile(plan_at(plan, schedule.cutoff(period - 1)), ledger.plan(period - 1)).plan
                if period > 1 else None)
    scores = score_period(plan, states_at(done, cutoff), period=period, cutoff=cutoff,
                          previous_cutoff=schedule.cutoff(period - 1) if period > 1 else None,
                          rules=CAMPAIGN.settings.rules, submitted=set(plan.units["unit"]),
                          evaluation=schedule.is_evaluation(period), history=ledger.history(period),
                          effective=now.plan, previous_effective=previous)
    return scores, now


def figures(scores):
    units = scores.units.drop(columns=["card_tie"]).to_dict("records")
    projects = scores.projects.drop(columns=["overdue_nodes"]).to_dict("records")
    return repr((units, projects, scores.overall, scores.nodes[["is_due", "ahead", "overdue", "due_in_period"]]
                 .to_dict("records")))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers(), registers(), done_dates(), st.integers(1, PERIODS))
def test_rerunning_a_recorded_period_gives_its_recorded_results(first, later, done, again):
    plan = dataclasses.replace(CAMPAIGN.plan, changes=first)
    with tempfile.TemporaryDirectory() as folder, Ledger(Path(folder) / "history.sqlite") as ledger:
        recorded = {}
        for period in range(1, PERIODS + 1):
            scores, _ = score(plan, ledger, period, done)
            recorded[period] = figures(scores)
            cutoff = CAMPAIGN.settings.schedule.cutoff(period)
            ledger.record(period, cutoff, states_at(done, cutoff), scores, {"period": period}, OVERRIDES, {}, {}, "test")
        # Today's plan.xlsx carries any other register: the recorded period still scores as recorded.
        scores, now = score(dataclasses.replace(CAMPAIGN.plan, changes=later), ledger, again, done)
        assert now.edited == []
        assert figures(scores) == recorded[again]
        # And with the register it was recorded with, nothing is late either.
        assert score(plan, ledger, again, done)[1].late == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers(), st.integers(1, PERIODS))
def test_a_change_counts_exactly_from_its_approval(register, period):
    cutoff = CAMPAIGN.settings.schedule.cutoff(period)
    plan = dataclasses.replace(CAMPAIGN.plan, changes=register)
    effective = plan_at(plan, cutoff).nodes.set_index(["project_id", "seq"])
    in_effect = register[register["approved"] <= cutoff].sort_values(["approved", "row"])
    for key in KEYS:
        rows = in_effect[(in_effect["project_id"] == key[0]) & in_effect["seq"].isin([key[1], 0])]
        node = effective.loc[key]
        if rows.empty:
            assert node["status"] == "active" and node["due"] == node["original_due"] and node["change"] is None
            continue
        last = rows.iloc[-1]
        assert node["change"] == last["type"]
        assert node["status"] == {"取消": "cancelled", "豁免": "exempt"}.get(last["type"], "active")
        moves = rows[(rows["seq"] == key[1]) & rows["type"].isin(["延期", "提前"])]
        assert node["due"] == (moves.iloc[-1]["new_due"] if len(moves) else node["original_due"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers(), st.integers(1, PERIODS), st.sampled_from([None, *PROJECTS]), st.integers(0, 40))
def test_intake_takes_the_dates_in_effect_with_or_without_changes(register, period, late_project, late_days):
    """PlanIndex.due_at skips plan_at when nothing has changed yet (unchanged_at): the dates are the same."""
    from leitai.campaign.changes import unchanged_at
    from leitai.intake.sheetrows import PlanIndex

    cutoff = CAMPAIGN.settings.schedule.cutoff(period)
    projects = CAMPAIGN.plan.projects.copy()
    if late_project is not None:  # one project included some day of the campaign
        projects["included"] = pd.to_datetime(
            [START + dt.timedelta(days=late_days) if pid == late_project else None for pid in projects["id"]])
    plan = dataclasses.replace(CAMPAIGN.plan, changes=register, projects=projects)
    nodes = plan_at(plan, cutoff).nodes
    active = nodes[nodes["status"] == "active"]
    expected = dict(zip(zip(active["project_id"], active["seq"].astype(int)), active["due"]))
    index = PlanIndex(dataclasses.replace(CAMPAIGN, plan=plan))
    assert index.due_at(cutoff) == expected
    changed = bool((register["approved"] <= cutoff).any()) or (
        late_project is not None and START + dt.timedelta(days=late_days) > cutoff)
    assert unchanged_at(plan, cutoff) is not changed
