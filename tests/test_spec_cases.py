"""Hand-worked campaigns for two SPEC §5 rules an independent oracle found broken.

- Overrides win over units' claims, and a date after the cutoff is not done at that cutoff:
  an override dated after the cutoff makes the node not done there and done from the next
  cutoff on, and it is not listed as applied until then.
- History wins over regressions, with a warning, and that warning counts against its file
  in results.json, manifest.json and ``leitai status``.

The builders' campaign: cutoffs 2020-09-14, 09-28, 10-12; 甲街道 leads P01 (nodes due 09-10,
09-25, 10-20), 乙镇 leads P02 (09-12, 10-05).
"""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from builders import submit, write_campaign, write_overrides
from leitai.campaign.plan import Campaign, load_campaign
from leitai.cli import main
from leitai.pipeline import run_period


@pytest.fixture()
def small(tmp_path) -> Campaign:
    return load_campaign(write_campaign(tmp_path / "c"))


def unit(result, name: str) -> dict:
    return next(u for u in result.results["units"] if u["unit"] == name)


def project(result, pid: str) -> dict:
    return next(p for p in result.results["projects"] if p["id"] == pid)


def node_state(campaign: Campaign, period: int, pid: str, seq: int) -> tuple:
    with sqlite3.connect(campaign.ledger_path) as db:
        return db.execute("SELECT done, done_date, done_period, source, reported_date FROM node_states"
                          " WHERE period = ? AND project_id = ? AND seq = ?", (period, pid, seq)).fetchone()


def test_an_override_dated_after_the_cutoff_counts_from_the_next_cutoff(small: Campaign) -> None:
    first = small.folder / "inputs" / "第01期"
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, first)  # the unit claims 09-09
    write_overrides(first / "核定.xlsx", [("P01", 1, "已完成", "2020-09-20", "现场核查9月20日方完成")])
    result = run_period(small, 1)
    # at 09-14: the office says the node was done on 09-20, so it is not done yet, whatever the unit claims
    assert (unit(result, "甲街道")["due"], unit(result, "甲街道")["done"], unit(result, "甲街道")["rate"]) == (1, 0, 0.0)
    assert project(result, "P01")["light"] == "red" and project(result, "P01")["overdue_nodes"] == [1]
    assert node_state(small, 1, "P01", 1) == (0, None, None, "override", "2020-09-20")
    deferred = [p for p in result.problems if p.file == "核定.xlsx"]
    assert [p.code for p in deferred] == ["override_deferred"]
    assert "本期按未完成计" in deferred[0].message and "未采用" not in deferred[0].message
    with sqlite3.connect(small.ledger_path) as db:
        assert db.execute("SELECT COUNT(*) FROM overrides").fetchone() == (0,)  # not applied at this cutoff
    from docx import Document

    text = "\n".join([p.text for p in Document(str(result.briefing)).paragraphs]
                     + [c.text for t in Document(str(result.briefing)).tables for r in t.rows for c in r.cells])
    assert "办公室核定情况" not in text and "现场核查9月20日方完成" not in text

    # at 09-28 the ruling counts, on its own date, over the unit's repeated claim of 09-09
    submit(small, 2, "甲街道", {("P01", 1): "2020-09-09", ("P01", 2): "2020-09-25"}, small.folder / "inputs" / "第02期")
    result = run_period(small, 2)
    assert (unit(result, "甲街道")["due"], unit(result, "甲街道")["done"], unit(result, "甲街道")["rate"]) == (2, 2, 1.0)
    assert project(result, "P01")["light"] == "green"
    assert node_state(small, 2, "P01", 1) == (1, "2020-09-20", 2, "override", None)


def test_a_regression_warning_counts_against_its_file_everywhere(small: Campaign) -> None:
    submit(small, 1, "乙镇", {("P02", 1): "2020-09-11"}, small.folder / "inputs" / "第01期")
    run_period(small, 1)
    name = "乙镇-第02期.xlsx"
    submit(small, 2, "乙镇", {("P02", 1): None}, small.folder / "inputs" / "第02期", issue="填错了")

    status = CliRunner().invoke(main, ["status", "--campaign", str(small.folder), "--period", "2"])
    assert status.exit_code == 0, status.output
    line = next(line for line in status.output.splitlines() if name in line)
    assert "已报送（有问题）" in line and "│ 1 " in line  # before the run, as the run will count it

    result = run_period(small, 2)
    assert unit(result, "乙镇")["done"] == 1  # history wins
    assert [p.code for p in result.problems if p.file == name] == ["regression"]
    submission = next(s for s in result.results["submissions"] if s["file"] == name)
    assert (submission["status"], submission["problems"]) == ("accepted_with_problems", 1)
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = next(i for i in manifest["inputs"] if i["file"] == name)
    assert (entry["status"], entry["problems"], entry["reason"]) == ("accepted_with_problems", 1, "已采用，有 1 处问题")


def test_an_assumed_date_is_flagged_then_replaced_by_the_first_real_date(small: Campaign) -> None:
    """已完成 without a date counts on the cutoff, flagged as assumed; the real date sent later replaces it."""
    submit(small, 1, "甲街道", {("P01", 1): None}, small.folder / "inputs" / "第01期")
    import openpyxl

    from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW

    first = small.folder / "inputs" / "第01期" / "甲街道-第01期.xlsx"
    book = openpyxl.load_workbook(first)
    sheet = book[DATA_SHEET]
    sheet.cell(FIRST_DATA_ROW, 6).value = "已完成"  # P01 node 1: done, no date
    book.save(first)
    result = run_period(small, 1)
    assert unit(result, "甲街道")["done"] == 1
    assert node_state(small, 1, "P01", 1) == (1, "2020-09-14", 1, "report", None)
    with sqlite3.connect(small.ledger_path) as db:
        assert db.execute("SELECT date_assumed FROM node_states WHERE period = 1 AND project_id = 'P01' AND seq = 1"
                          ).fetchone() == (1,)
    from docx import Document

    doc = Document(str(result.briefing))
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    [row] = [r for r in cells if r[:3] == ["甲街道", "一号路改造", "1"]]
    assert row[5] == "日期未填或有误" and "9月14日" not in row[5]  # never printed as if reported

    # the next template leaves the date blank for the unit to fill in
    from leitai.campaign.templates import build_template
    from leitai.ledger.history import Ledger

    with Ledger(small.ledger_path) as ledger:
        known = ledger.states(1)
    template = build_template(small, "甲街道", 2, known=known)[DATA_SHEET]
    assert template.cell(FIRST_DATA_ROW, 6).value == "已完成" and template.cell(FIRST_DATA_ROW, 7).value in (None, "")

    # period 2: the unit gives the real date; it replaces the assumed one, period 1's record stays
    submit(small, 2, "甲街道", {("P01", 1): "2020-09-08"}, small.folder / "inputs" / "第02期")
    result = run_period(small, 2)
    assert node_state(small, 2, "P01", 1) == (1, "2020-09-08", 1, "history", None)
    assert node_state(small, 1, "P01", 1) == (1, "2020-09-14", 1, "report", None)
    with sqlite3.connect(small.ledger_path) as db:
        assert db.execute("SELECT period, date_assumed FROM node_states WHERE project_id = 'P01' AND seq = 1"
                          " ORDER BY period").fetchall() == [(1, 1), (2, 0)]


def test_a_date_still_missing_is_said_to_count_at_the_cutoff_it_was_counted_at(small: Campaign) -> None:
    """已完成 without a date two periods running: the node stays done at period 1's cutoff, and period
    2's data problem names that date (it had said period 2's cutoff, which nothing counts)."""
    import openpyxl

    from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW

    for period in (1, 2):
        path = submit(small, period, "甲街道", {("P01", 1): None}, small.folder / "inputs" / f"第{period:02d}期")
        book = openpyxl.load_workbook(path)
        book[DATA_SHEET].cell(FIRST_DATA_ROW, 6).value = "已完成"  # P01 node 1: done, no date
        book[DATA_SHEET].cell(FIRST_DATA_ROW, 7).value = None
        book.save(path)
        result = run_period(small, period)
        [found] = [p for p in result.problems if p.code == "done_without_date"]
        assert found.message == "标为已完成但未填实际完成日期，按截止日期 2020年9月14日 计"
    assert node_state(small, 2, "P01", 1)[:2] == (1, "2020-09-14")


def test_a_ledger_without_the_assumed_column_is_migrated_in_place(small: Campaign) -> None:
    from leitai.ledger.history import Ledger

    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, small.folder / "inputs" / "第01期")
    run_period(small, 1)
    with sqlite3.connect(small.ledger_path) as db:  # as a ledger written before the column existed
        db.execute("ALTER TABLE node_states DROP COLUMN date_assumed")
    with Ledger(small.ledger_path) as ledger:
        states = ledger.states(1)
    assert not states["date_assumed"].any()
    submit(small, 2, "甲街道", {("P01", 2): "2020-09-25"}, small.folder / "inputs" / "第02期")
    assert unit(run_period(small, 2), "甲街道")["done"] == 2
