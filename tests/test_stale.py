"""An earlier period re-run makes later ones stale: named at once, shown in status and history, re-run by --later."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from builders import submit, write_campaign
from leitai.campaign.plan import load_campaign
from leitai.cli import main
from leitai.ledger.history import Ledger
from leitai.pipeline import run_period


def test_rerunning_an_earlier_period_names_the_stale_ones_and_later_brings_them_up_to_date(tmp_path):
    folder = write_campaign(tmp_path / "c")
    campaign = load_campaign(folder)
    inbox = {p: folder / "inputs" / f"第{p:02d}期" for p in (1, 2, 3)}
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, inbox[1])
    submit(campaign, 2, "甲街道", {("P01", 2): "2020-09-25"}, inbox[2])
    submit(campaign, 3, "乙镇", {("P02", 2): None}, inbox[3])
    for period in (1, 2, 3):
        assert run_period(campaign, period).stale_note == ""
    before = json.loads((folder / "outputs" / "第02期" / "results.json").read_text(encoding="utf-8"))

    # a late period-1 sheet: period 1 changes, and periods 2 and 3 rest on the old period 1
    submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-12"}, inbox[1])
    result = run_period(campaign, 1)
    assert "第2期、第3期仍按改变前的历史计算，已过时" in result.stale_note
    assert "leitai run --period 2 --later" in result.stale_note and result.stale_note in result.warnings
    with Ledger(campaign.ledger_path) as ledger:
        assert ledger.stale() == {2: 1, 3: 1}

    runner = CliRunner(env={"COLUMNS": "300"})
    history = runner.invoke(main, ["history", "--campaign", str(folder)])
    assert history.exit_code == 0 and history.output.count("已过时（第1期已改变）") == 2
    status = runner.invoke(main, ["status", "--campaign", str(folder), "--period", "3"])
    assert status.exit_code == 0 and "第2期、第3期仍按第1期改变前的记录计算，已过时" in status.output

    # re-running an unchanged period changes nothing stale; --later brings every later period up to date
    assert run_period(campaign, 1).stale_note != ""
    done = runner.invoke(main, ["run", "--campaign", str(folder), "--period", "2", "--later"])
    assert done.exit_code == 0, done.output
    assert "第02期已重算" in done.output and "已过时" not in done.output
    with Ledger(campaign.ledger_path) as ledger:
        assert ledger.stale() == {}
    after = json.loads((folder / "outputs" / "第02期" / "results.json").read_text(encoding="utf-8"))
    rate = {u["unit"]: u["rate"] for u in after["units"]}
    assert rate["乙镇"] != {u["unit"]: u["rate"] for u in before["units"]}["乙镇"]  # P02-1, done in period 1, counts now
    assert "已过时" not in runner.invoke(main, ["history", "--campaign", str(folder)]).output


def test_a_ledger_from_before_the_basis_was_kept_is_not_stale(tmp_path):
    folder = write_campaign(tmp_path / "c")
    campaign = load_campaign(folder)
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, folder / "inputs" / "第01期")
    submit(campaign, 2, "甲街道", {("P01", 2): "2020-09-25"}, folder / "inputs" / "第02期")
    run_period(campaign, 1)
    run_period(campaign, 2)
    with sqlite3.connect(campaign.ledger_path) as db:
        db.execute("UPDATE periods SET basis = NULL")
    with Ledger(campaign.ledger_path) as ledger:
        assert ledger.stale() == {}
