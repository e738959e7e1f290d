"""The ledger: one transaction per period, re-running replaces only that period."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from builders import write_campaign
from leitai.campaign.plan import load_campaign
from leitai.errors import LedgerError
from leitai.ledger.history import Ledger
from leitai.scoring.score import History, score_period
from leitai.scoring.states import empty_states


def record(ledger, campaign, period, done=()):
    states = empty_states(campaign.plan.nodes)
    for pid, seq in done:
        mask = (states["project_id"] == pid) & (states["seq"] == seq)
        states.loc[mask, ["done", "done_date"]] = [True, pd.Timestamp("2020-09-10")]
    cutoff = campaign.settings.schedule.cutoff(period)
    scores = score_period(campaign.plan, states, period=period, cutoff=cutoff, previous_cutoff=None,
                          rules=campaign.settings.rules, submitted=set(), evaluation=False,
                          history=ledger.history(period))
    overrides = pd.DataFrame(columns=["project_id", "seq", "done", "done_date", "reason"])
    ledger.record(period, cutoff, states, scores, {"period": period, "overall": {"due": 1, "done": 0, "rate": None,
                  "green": 0, "yellow": 0, "red": 0}, "units": [], "evaluation": False}, overrides, {}, {}, "test")
    return scores


@pytest.fixture()
def campaign(tmp_path):
    return load_campaign(write_campaign(tmp_path / "c"))


def test_record_and_read_back(campaign, tmp_path):
    with Ledger(tmp_path / "h.sqlite") as ledger:
        record(ledger, campaign, 1, done=[("P01", 1)])
        record(ledger, campaign, 2)
        assert ledger.periods() == [1, 2]
        states = ledger.states(1)
        assert states.set_index(["project_id", "seq"]).loc[("P01", 1), "done"]
        assert states["done_date"].dtype == "datetime64[ns]"
        history = ledger.history(3)
        assert set(history.lights["period"]) == {1, 2}
        assert ledger.previous_period(3) == 2 and ledger.previous_period(1) is None
        assert ledger.states(7) is None


def test_rerun_replaces_only_that_period(campaign, tmp_path):
    path = tmp_path / "h.sqlite"
    with Ledger(path) as ledger:
        for period in (1, 2, 3):
            record(ledger, campaign, period)
        before = {p: ledger.states(p) for p in (1, 3)}
        record(ledger, campaign, 2, done=[("P02", 1)])
        assert ledger.periods() == [1, 2, 3]
        assert ledger.states(2).set_index(["project_id", "seq"]).loc[("P02", 1), "done"]
        for p, frame in before.items():
            pd.testing.assert_frame_equal(ledger.states(p), frame)


def test_failed_record_leaves_the_period_as_it_was(campaign, tmp_path):
    with Ledger(tmp_path / "h.sqlite") as ledger:
        record(ledger, campaign, 1, done=[("P01", 1)])
        broken = empty_states(campaign.plan.nodes).iloc[:0]
        with pytest.raises(AttributeError):  # scores=None fails mid-transaction
            ledger.record(1, dt.date(2020, 9, 14), broken, None, {}, None, {}, {}, "x")  # type: ignore[arg-type]
        assert ledger.states(1).set_index(["project_id", "seq"]).loc[("P01", 1), "done"]


def test_unreadable_ledger_is_one_clear_error(tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(LedgerError, match="历史台账"):
        Ledger(path)


def test_history_is_empty_before_anything(tmp_path):
    with Ledger(tmp_path / "h.sqlite") as ledger:
        assert ledger.periods() == [] and ledger.history(1).ranks == {}
        assert isinstance(ledger.history(1), History)


def test_a_second_run_waits_then_refuses(tmp_path):
    import subprocess
    import sys
    import time

    from leitai.ledger.history import run_lock

    ledger = tmp_path / "history.sqlite"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from leitai.ledger.history import run_lock\n"
        f"with run_lock(Path({str(ledger)!r})):\n    print('held', flush=True); time.sleep(30)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        with pytest.raises(LedgerError, match="正在另一个窗口中汇总"):
            with run_lock(ledger, wait_seconds=0.5):
                pass
        assert time.monotonic() - start >= 0.4  # it waited before refusing
    finally:
        holder.kill()
        holder.wait()
    with run_lock(ledger, wait_seconds=5):  # a killed holder leaves no stale lock behind
        pass


def test_a_ledger_from_before_reported_dates_opens_and_reads(campaign, tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # the node_states table as the first version wrote it
        db.execute("CREATE TABLE node_states (period INTEGER NOT NULL, project_id TEXT NOT NULL, seq INTEGER NOT NULL,"
                   " done INTEGER NOT NULL, done_date TEXT, done_period INTEGER, source TEXT NOT NULL,"
                   " note TEXT NOT NULL, PRIMARY KEY (period, project_id, seq))")
    with Ledger(path) as ledger:
        record(ledger, campaign, 1, done=[("P01", 1)])
        assert ledger.states(1)["reported_date"].isna().all()


def test_a_ledger_from_before_investment_figures_gets_them_in_place(campaign, tmp_path):
    import sqlite3

    from leitai.scoring.investment import carry_figures

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # node_states with reported_date but no figures, one period in it
        db.execute("CREATE TABLE node_states (period INTEGER NOT NULL, project_id TEXT NOT NULL, seq INTEGER NOT NULL,"
                   " done INTEGER NOT NULL, done_date TEXT, done_period INTEGER, source TEXT NOT NULL,"
                   " note TEXT NOT NULL, reported_date TEXT, PRIMARY KEY (period, project_id, seq))")
        db.execute("INSERT INTO node_states VALUES (0, 'P01', 1, 0, NULL, NULL, 'none', '', NULL)")
    with Ledger(path) as ledger:
        old = ledger.states(0) if 0 in ledger.periods() else None
        assert old is None  # no periods row: not a recorded period
        record(ledger, campaign, 1)
        states = ledger.states(1)
        assert states["invest_done"].isna().all() and states["progress_pct"].isna().all()
        carried, problems = carry_figures(states, states, pd.DataFrame())
        assert problems == [] and carried["invest_done"].isna().all()
    with sqlite3.connect(path) as db:
        columns = {row[1] for row in db.execute("PRAGMA table_info(node_states)")}
        assert {"progress_pct", "invest_done"} <= columns
        assert db.execute("SELECT COUNT(*) FROM node_states WHERE period = 0").fetchone()[0] == 1  # kept


def test_column_converters_give_the_row_by_row_values():
    from leitai.ledger.history import _dates, _values

    frame = pd.DataFrame({
        "when": pd.to_datetime(["2020-10-05", None, "2020-10-12 18:30", "1969-12-31 12:00"], format="mixed"),
        "obj": [dt.date(2020, 1, 2), None, pd.Timestamp("2020-03-04 23:59"), float("nan")],
        "n": pd.array([1, None, 3, 4], dtype="Int64"),
        "x": [0.5, float("nan"), 2.0, 3.25],
        "flag": [True, False, True, False],
    })

    def iso(value):
        return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()

    assert _dates(frame, "when") == [iso(v) for v in frame["when"]] == ["2020-10-05", None, "2020-10-12", "1969-12-31"]
    assert _dates(frame, "obj") == [iso(v) for v in frame["obj"]]
    assert _dates(frame, "absent") == [None] * 4
    assert _values(frame, "n", int, optional=True) == [1, None, 3, 4]
    assert _values(frame, "x", float, optional=True) == [0.5, None, 2.0, 3.25]
    assert _values(frame, "flag", lambda v: int(bool(v))) == [1, 0, 1, 0]
    assert _values(frame, "absent", default=0) == [0] * 4
