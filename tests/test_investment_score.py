"""Investment against 序时进度, 逾期完成, caught_up and the composite score, worked out by hand.

The campaign is builders' (4 units, 4 projects, 9 nodes; 2020-09-01..12-09 = 100 days),
with 计划投资 P01 1000, P03 2000, P04 500 and none for P02. At period 2 (cutoff 09-28):
序时进度 = 28 / 100 = 0.28.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace

import pandas as pd
import pytest

from builders import TOML, write_campaign
from leitai.campaign.plan import load_campaign
from leitai.errors import PlanError, SettingsError
from leitai.scoring.composite import formula_text, unit_score
from leitai.scoring.investment import carry_figures, investment_light, project_investment, sums, time_progress
from leitai.scoring.score import History, score_period
from leitai.scoring.states import empty_states

PLANNED = {"P01": 1000, "P03": 2000, "P04": 500}
# Period 2: P01#2 done two days late, P03#1 six days late, P04#1 on its due day, P02#1 overdue.
DONE = {("P01", 1): "2020-09-09", ("P01", 2): "2020-09-27", ("P03", 1): "2020-09-20", ("P04", 1): "2020-09-20"}
# Last known 累计完成投资 per node row: P02 has money but no plan; P03 on two rows (the larger counts).
FIGURES = {("P01", 1): 300.0, ("P02", 1): 60.0, ("P03", 1): 400.0, ("P03", 2): 350.0}


def make(tmp_path, rules: str = "", score: str = ""):
    folder = write_campaign(tmp_path / "c", toml=TOML.format(rules=rules) + score, planned=PLANNED)
    return load_campaign(folder)


def states_of(campaign, done=DONE, figures=FIGURES):
    states = empty_states(campaign.plan.nodes)
    states["progress_pct"] = float("nan")
    states["invest_done"] = float("nan")
    for (pid, seq), day in done.items():
        mask = (states["project_id"] == pid) & (states["seq"] == seq)
        states.loc[mask, ["done", "done_date"]] = [True, pd.Timestamp(day)]
    for (pid, seq), money in figures.items():
        states.loc[(states["project_id"] == pid) & (states["seq"] == seq), "invest_done"] = money
    return states


def score(campaign, states, period=2, *, rules=None, history=None, adjustments=None, evaluation=True):
    schedule = campaign.settings.schedule
    cutoff = schedule.cutoff(period)
    return score_period(
        campaign.plan, states, period=period, cutoff=cutoff,
        previous_cutoff=schedule.cutoff(period - 1) if period > 1 else None,
        rules=rules or campaign.settings.rules, submitted=set(campaign.plan.units["unit"]),
        evaluation=evaluation, history=history or History.empty(),
        progress=time_progress(campaign.settings, period, cutoff), adjustments=adjustments)


# ------------------------------------------------------------------------ settings, plan


@pytest.mark.parametrize(("rules", "score", "words"), [
    ('investment_bands = [20, 10]', "", ["investment_bands", "[0, 20]"]),
    ('investment_bands = "宽松"', "", ["investment_bands", "两个 0–100"]),
    ('caught_up = "green"', "", ["caught_up", "'yellow'"]),
    ('time_progress = [10, 20]', "", ["time_progress", "'elapsed'", "共 8 个"]),
    ('rank_by = "score"', "", ["rank_by", "[score]", "nodes", "investment"]),
    ('rank_by = "score"', "\n[score]\nnodes = -1\n", ["[score] nodes", "不小于 0"]),
    ('rank_by = "score"', "\n[score]\nnodes = 0\n", ["至少一项"]),
    ('rank_by = "score"', "\n[score]\nnode = 60\n", ["[score]", "node", "nodes"]),
    ('rank_by = "points"', "", ["rank_by", "'score'"]),
])
def test_a_wrong_optional_rule_names_the_key_and_the_accepted_values(tmp_path, rules, score, words):
    with pytest.raises(SettingsError) as caught:
        make(tmp_path, rules, score)
    for word in words:
        assert word in str(caught.value)


def test_optional_rules_are_read_and_recorded_only_when_set(tmp_path):
    plain = make(tmp_path / "a").settings
    assert plain.rules.score is None and plain.rules.investment_bands is None
    assert set(plain.as_dict()["rules"]) == {"yellow_cards", "lights", "grace_days", "escalate_red_count",
                                            "no_submission", "rank_by"} and "score" not in plain.as_dict()
    rules = 'rank_by = "score"\ninvestment_bands = [0, 10]\ncaught_up = "yellow"\ntime_progress = "elapsed"'
    settings = make(tmp_path / "b", rules, "\n[score]\nnodes = 60\ninvestment = 40\n").settings
    assert settings.rules.weights() == {"nodes": 60.0, "investment": 40.0}
    assert settings.rules.investment_bands == (0.0, 10.0) and settings.rules.caught_up == "yellow"
    recorded = settings.as_dict()
    assert recorded["score"] == {"nodes": 60.0, "investment": 40.0}
    assert recorded["rules"]["investment_bands"] == [0.0, 10.0] and recorded["rules"]["rank_by"] == "score"


def test_time_progress_is_elapsed_days_or_the_offices_figures(tmp_path):
    campaign = make(tmp_path / "a")
    assert time_progress(campaign.settings, 1, dt.date(2020, 9, 14)) == 0.14  # 14 of 100 days
    assert time_progress(campaign.settings, 2, dt.date(2020, 9, 28)) == 0.28
    assert time_progress(campaign.settings, 8, dt.date(2020, 12, 9)) == 1.0
    listed = make(tmp_path / "b", "time_progress = [10, 20, 30, 40, 50, 60, 80, 100]")
    assert time_progress(listed.settings, 2, dt.date(2020, 9, 28)) == 0.2


def test_plan_investment_column_is_read_and_checked(tmp_path):
    plan = make(tmp_path).plan.projects.set_index("id")
    assert plan.loc["P01", "plan_investment"] == 1000 and math.isnan(plan.loc["P02", "plan_investment"])
    assert plan.loc["P03", "investment"] == 5200  # 总投资 stays the project's total
    with pytest.raises(PlanError) as caught:
        write_campaign(tmp_path / "bad", planned={"P01": -5, "P03": "约两千"})
        load_campaign(tmp_path / "bad")
    text = str(caught.value)
    assert "计划投资" in text and "负数" in text and "约两千" in text


# ------------------------------------------------------------------------ figures


def test_figures_carry_forward_and_bad_ones_are_problems_at_their_cells(tmp_path):
    campaign = make(tmp_path)
    previous = states_of(campaign, {}, {("P01", 1): 300.0, ("P03", 1): 100.0})
    previous.loc[previous["project_id"] == "P04", "progress_pct"] = 40.0
    reports = pd.DataFrame([
        # blank: keeps 300, with a warning at I4
        {"file": "甲.xlsx", "unit": "甲街道", "sheet": "进度填报", "project_id": "P01", "seq": 1,
         "invest_done": float("nan"), "progress_pct": 50.0, "invest_cell": "I4"},
        # lower than last period's 100: keeps 100
        {"file": "丙.xlsx", "unit": "县丙局", "sheet": "进度填报", "project_id": "P03", "seq": 1,
         "invest_done": 80.0, "progress_pct": float("nan"), "invest_cell": "I4"},
        {"file": "丙.xlsx", "unit": "县丙局", "sheet": "进度填报", "project_id": "P03", "seq": 2,
         "invest_done": 350.0, "progress_pct": float("nan"), "invest_cell": "I5"},
        # a row never filled before, left blank: no warning
        {"file": "甲.xlsx", "unit": "甲街道", "sheet": "进度填报", "project_id": "P01", "seq": 2,
         "invest_done": float("nan"), "progress_pct": float("nan"), "invest_cell": "I5"},
    ])
    states, problems = carry_figures(empty_states(campaign.plan.nodes), previous, reports)
    figures = states.set_index(["project_id", "seq"])
    assert figures.loc[("P01", 1), "invest_done"] == 300.0 and figures.loc[("P01", 1), "progress_pct"] == 50.0
    assert figures.loc[("P03", 1), "invest_done"] == 100.0 and figures.loc[("P03", 2), "invest_done"] == 350.0
    assert figures.loc[("P04", 1), "progress_pct"] == 40.0  # no report: last known kept
    assert math.isnan(figures.loc[("P01", 2), "invest_done"])
    assert [(p.code, p.file, p.cell) for p in problems] == [("invest_blank", "甲.xlsx", "I4"),
                                                            ("invest_lower", "丙.xlsx", "I4")]
    assert "300" in problems[0].message and "80" in problems[1].message and "100" in problems[1].message
    assert project_investment(campaign.plan, states).set_index("id").loc["P03", "invest_done"] == 350.0


def test_rates_count_only_projects_with_a_plan(tmp_path):
    campaign = make(tmp_path)
    frame = project_investment(campaign.plan, states_of(campaign)).set_index("id")
    assert frame.loc["P01", "invest_rate"] == 0.3 and frame.loc["P03", "invest_rate"] == 0.2
    assert frame.loc["P04", "invest_rate"] == 0.0 and math.isnan(frame.loc["P04", "invest_done"])
    assert frame.loc["P02", "invest_done"] == 60.0 and math.isnan(frame.loc["P02", "invest_rate"])
    # 700 of 3500: P02's 60 has no plan and is not counted (not 760 / 3500)
    assert sums(frame.reset_index()) == (3500.0, 700.0, 0.2)


def test_cancelled_and_not_yet_included_projects_are_out_of_the_investment_sums(tmp_path):
    """A project cancelled (计划调整 取消) or not yet included (纳入日期 after the cutoff) is not in
    play: its money is in no unit's or the whole campaign's sum (nor its nodes due)."""
    from builders import write_changes

    campaign = make(tmp_path)
    write_changes(campaign.folder / "plan.xlsx", [("P03", None, "取消", None, "2020-09-20", "会议纪要", "")],
                  included={"P04": "2020-10-01"})
    campaign = load_campaign(campaign.folder)
    scores = score(campaign, states_of(campaign))
    assert set(scores.projects["id"]) == {"P01", "P02"}
    overall = scores.overall
    assert (overall["invest_plan"], overall["invest_done"], overall["invest_rate"]) == (1000.0, 300.0, 0.3)
    units = scores.units.set_index("unit")
    lead = campaign.plan.projects.set_index("id")["unit"]
    assert math.isnan(units.loc[lead["P03"], "invest_plan"]) and math.isnan(units.loc[lead["P04"], "invest_plan"])
    assert units.loc[lead["P01"], "invest_plan"] == 1000.0


def test_investment_bands(tmp_path):
    rules = make(tmp_path, "investment_bands = [0, 10]").settings.rules
    assert [investment_light(r, 0.28, rules) for r in (0.30, 0.28, 0.20, 0.18, 0.0)] == [
        "green", "green", "yellow", "yellow", "red"]
    assert investment_light(float("nan"), 0.28, rules) is None
    assert investment_light(0.3, 0.28, replace(rules, investment_bands=None)) is None


# ------------------------------------------------------------------------ scoring


def test_investment_late_done_and_bands_at_period_two(tmp_path):
    campaign = make(tmp_path, "investment_bands = [0, 10]")
    scores = score(campaign, states_of(campaign))
    projects = scores.projects.set_index("id")
    assert projects["late_done"].to_dict() == {"P01": [2], "P02": [], "P03": [1], "P04": []}
    assert projects["invest_light"].to_dict() == {"P01": "green", "P02": None, "P03": "yellow", "P04": "red"}
    assert projects["light"].to_dict() == {"P01": "green", "P02": "red", "P03": "green", "P04": "green"}
    units = scores.units.set_index("unit")
    assert units["late_done"].to_dict() == {"甲街道": 1, "乙镇": 0, "县丙局": 1, "县丁局": 0}
    assert units.loc["甲街道", ["invest_plan", "invest_done", "invest_rate"]].tolist() == [1000, 300, 0.3]
    assert math.isnan(units.loc["乙镇", "invest_plan"]) and math.isnan(units.loc["乙镇", "invest_rate"])
    assert units.loc["县丁局", ["invest_plan", "invest_done", "invest_rate"]].tolist() == [500, 0, 0]
    overall = scores.overall
    assert (overall["late_done"], overall["invest_plan"], overall["invest_done"]) == (2, 3500, 700)
    assert overall["invest_rate"] == 0.2 and overall["time_progress"] == 0.28


def test_caught_up_lights_yellow_for_one_period_when_configured(tmp_path):
    campaign = make(tmp_path, 'caught_up = "yellow"')
    # P02 red at period 1; its node 1 done (late) by period 2, nothing else of P02 due.
    history = History(pd.DataFrame({"period": [1, 1], "project_id": ["P02", "P01"], "light": ["red", "green"]}), {})
    done = {**DONE, ("P02", 1): "2020-09-26"}
    lights = score(campaign, states_of(campaign, done), history=history).projects.set_index("id")
    assert lights.loc["P02", "light"] == "yellow" and lights.loc["P02", "red_count"] == 1
    assert lights.loc["P02", "late_done"] == [1] and lights.loc["P01", "light"] == "green"
    plain = score(campaign, states_of(campaign, done), history=history,
                  rules=replace(campaign.settings.rules, caught_up="none")).projects.set_index("id")
    assert plain.loc["P02", "light"] == "green"
    # Two periods on (period 3), the previous light is yellow: back to green.
    later = History(pd.concat([history.lights, pd.DataFrame({"period": [2], "project_id": ["P02"],
                                                             "light": ["yellow"]})]), {})
    again = score(campaign, states_of(campaign, done), 3, history=later).projects.set_index("id")
    assert again.loc["P02", "light"] in ("green", "red")  # red only if a node fell due since
    assert again.loc["P02", "light"] != "yellow"


def test_composite_score_by_hand(tmp_path):
    """nodes 60, investment 40, 加减分 乙镇 −2 and 县丁局 +5; one card overall at an evaluation.

    甲街道: 60×1 + 40×min(1, 0.30/0.28) = 100 (full marks: never carded)
    乙镇:   nodes 0; no investment plan, so nodes is scaled to 100: 0, then −2 = −2
    县丙局: 60×1 + 40×(0.20/0.28) = 88.571…
    县丁局: 60×1 + 40×0 = 60, then +5 = 65
    """
    campaign = make(tmp_path, 'rank_by = "score"', "\n[score]\nnodes = 60\ninvestment = 40\n")
    scores = score(campaign, states_of(campaign), adjustments={"乙镇": -2.0, "县丁局": 5.0})
    units = scores.units.set_index("unit")
    assert units.loc["甲街道", "score"] == 100
    assert units.loc["乙镇", "score"] == -2 and units.loc["乙镇", "score_parts"] == {
        "nodes": 0.0, "investment": None, "adjust": -2.0}
    assert units.loc["县丙局", "score"] == pytest.approx(60 + 40 * 0.2 / 0.28)
    assert units.loc["县丁局", "score"] == 65
    assert units.loc["县丁局", "score_parts"] == {"nodes": 60.0, "investment": 0.0, "adjust": 5.0}
    # Ranked by score within each group; by rate 县丙局 and 县丁局 would tie at 1.
    assert units["rank"].to_dict() == {"甲街道": 1, "乙镇": 2, "县丙局": 1, "县丁局": 2}
    assert units["yellow_card"].to_dict() == {"甲街道": False, "乙镇": True, "县丙局": False, "县丁局": False}
    cumulative = score(campaign, states_of(campaign), rules=replace(campaign.settings.rules, rank_by="cumulative"))
    assert cumulative.units.set_index("unit")["rank"].to_dict() == {"甲街道": 1, "乙镇": 2, "县丙局": 1, "县丁局": 1}


def test_unit_score_scales_missing_parts_and_states_its_formula():
    weights = {"nodes": 50.0, "period_nodes": 30.0, "investment": 20.0}
    score, parts = unit_score({"nodes": 0.8, "period_nodes": float("nan"), "investment": 0.5}, weights, 1.5)
    assert score == pytest.approx((50 * 0.8 + 20 * 0.5) * 100 / 70 + 1.5)
    assert parts["period_nodes"] is None and parts["adjust"] == 1.5
    nothing, parts = unit_score({"nodes": float("nan"), "period_nodes": float("nan"), "investment": float("nan")},
                                weights, 0.0)
    assert math.isnan(nothing) and parts["nodes"] is None
    assert formula_text({"nodes": 60.0, "investment": 40.0}) == (
        "综合得分＝累计节点完成率×60＋投资完成率与序时进度之比×40（比值最高按1计）＋办公室加减分")


# ------------------------------------------------------------------------ end to end


def sheet_with(campaign, period, unit, folder, rows: dict[tuple[str, int], tuple], known=None):
    """The unit's template for ``period`` (pre-filled from ``known``) with (status, date, pct, invest) typed in;
    a field given as ... keeps what the template has."""
    import openpyxl  # noqa: F401 - the template is an openpyxl workbook

    from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW, build_template, template_filename

    book = build_template(campaign, unit, period, known)
    sheet = book[DATA_SHEET]
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        key = (str(sheet.cell(row, 1).value), int(sheet.cell(row, 3).value))
        for col, value in zip((6, 7, 8, 9), rows.get(key, ())):
            if value is not ...:
                sheet.cell(row, col).value = value
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / template_filename(unit, period))
    return book


def write_adjustments(path, rows):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["单位", "分值", "事由"])
    for row in rows:
        book.active.append(list(row))
    book.save(path)


def test_two_periods_end_to_end(tmp_path):
    """Period 1 reports money; period 2 leaves a figure blank, lowers one, writes −5 and “约260”;
    the office adds 加减分; units are ranked by score (nodes 60, investment 40)."""
    import openpyxl

    from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW
    from leitai.ledger.history import Ledger
    from leitai.pipeline import run_period

    campaign = make(tmp_path, 'rank_by = "score"\ninvestment_bands = [0, 10]',
                    "\n[score]\nnodes = 60\ninvestment = 40\n")
    first = campaign.folder / "inputs" / "第01期"
    sheet_with(campaign, 1, "甲街道", first, {("P01", 1): ("已完成", "2020-09-09", 100, 120)})
    sheet_with(campaign, 1, "乙镇", first, {("P02", 1): ("未完成", None, 30, 40)})
    sheet_with(campaign, 1, "县丙局", first, {("P03", 1): ("已完成", "2020-09-14", 100, 500)})
    sheet_with(campaign, 1, "县丁局", first, {("P04", 1): ("未完成", None, 20, 50)})
    one = run_period(campaign, 1).results
    assert {p["id"]: p["invest_done"] for p in one["projects"]} == {"P01": 120, "P02": 40, "P03": 500, "P04": 50}

    with Ledger(campaign.ledger_path) as ledger:
        known = ledger.states(1)
    second = campaign.folder / "inputs" / "第02期"
    # The period-2 template carries period 1's figures: a unit that changes nothing re-sends them.
    book = sheet_with(campaign, 2, "甲街道", second, {("P01", 2): ("已完成", "2020-09-27", ..., ...),
                                                     ("P01", 1): (..., ..., ..., None)}, known)
    prefilled = sheet_with(campaign, 2, "乙镇", second, {}, known)[DATA_SHEET]
    assert [prefilled.cell(FIRST_DATA_ROW, c).value for c in (8, 9)] == [30, 40]
    assert book[DATA_SHEET].cell(FIRST_DATA_ROW, 9).value is None  # 甲街道 cleared its figure
    sheet_with(campaign, 2, "县丙局", second, {("P03", 1): (..., ..., ..., 450), ("P03", 2): (..., ..., ..., -5)}, known)
    sheet_with(campaign, 2, "县丁局", second, {("P04", 1): ("已完成", "2020-09-20", 100, "约260")}, known)
    write_adjustments(second / "加减分.xlsx", [("甲街道", 3, "攻坚专班经验被省里推广"), ("县丁局", "-2", "信息报送不及时"),
                                            ("戊局", 1, "无此单位"), ("乙镇", "两分", "写错")])
    result = run_period(campaign, 2)
    data = result.results
    projects = {p["id"]: p for p in data["projects"]}
    # 甲 blank → 120 kept; 乙 unchanged 40; 丙 450 < 500 → 500 kept, −5 rejected; 丁 “约260” → 260.
    assert {k: p["invest_done"] for k, p in projects.items()} == {"P01": 120, "P02": 40, "P03": 500, "P04": 260}
    assert projects["P01"]["invest_rate"] == 0.12 and projects["P02"]["invest_rate"] is None
    assert projects["P01"]["late_done"] == [2] and projects["P04"]["late_done"] == []
    # 序时进度 0.28, bands [0, 10]: 0.12 red, 0.25 yellow, 0.52 green
    assert {k: p["invest_light"] for k, p in projects.items()} == {"P01": "red", "P02": None, "P03": "yellow",
                                                                   "P04": "green"}
    assert data["overall"]["invest_plan"] == 3500 and data["overall"]["invest_done"] == 880
    assert data["overall"]["time_progress"] == 0.28 and data["overall"]["late_done"] == 1
    codes = {(p.code, p.unit, p.cell) for p in result.problems}
    assert {("invest_blank", "甲街道", "I4"), ("invest_lower", "县丙局", "I4"), ("negative_number", "县丙局", "I5"),
            ("approximate_number", "县丁局", "I4")} <= codes
    bad = [p for p in result.problems if p.code == "bad_adjustment"]
    assert [(p.file, p.cell) for p in bad] == [("加减分.xlsx", "A4"), ("加减分.xlsx", "B5")]
    assert data["adjustments"] == [{"unit": "甲街道", "points": 3.0, "reason": "攻坚专班经验被省里推广"},
                                   {"unit": "县丁局", "points": -2.0, "reason": "信息报送不及时"}]
    units = {u["unit"]: u for u in data["units"]}
    # 甲: 60×1 + 40×(0.12/0.28) + 3; 丁: 60×1 + 40×1 − 2 = 98; 丙: 60×1 + 40×(0.25/0.28)
    assert units["甲街道"]["score"] == pytest.approx(60 + 40 * 0.12 / 0.28 + 3)
    assert units["县丁局"]["score"] == 98 and units["县丁局"]["score_parts"]["adjust"] == -2
    assert units["县丙局"]["score"] == pytest.approx(60 + 40 * 0.25 / 0.28)
    assert units["县丁局"]["rank"] == 1 and units["县丙局"]["rank"] == 2
    assert [f.status for f in result.files if f.file == "加减分.xlsx"] == ["accepted_with_problems"]
    board = openpyxl.load_workbook(result.out_dir / "擂台榜-第02期.xlsx")
    first = board.worksheets[0]
    assert [c.value for c in first[2]][:4] == ["名次", "单位", "综合得分", "其中加减分"]  # 加减分 shown beside the score
    assert "）（" not in first["A1"].value and first["A1"].value.startswith("百日攻坚擂台榜（")  # one bracket
    dept = board.worksheets[1]
    row = next([c.value for c in r] for r in dept.iter_rows(min_row=3) if r[1].value == "县丁局")
    assert row[2:4] == [98, -2]
    lights = board["项目亮灯"]
    assert [c.value for c in lights[1]][-4:] == ["计划投资（万元）", "累计完成投资（万元）", "投资完成率", "投资亮灯"]
    with Ledger(campaign.ledger_path) as ledger:
        kept = ledger.states(2).set_index(["project_id", "seq"])
    assert kept.loc[("P03", 1), "invest_done"] == 500 and kept.loc[("P01", 1), "invest_done"] == 120


def test_the_starter_toml_documents_the_optional_rules_and_they_load_uncommented(tmp_path):
    import re

    from leitai.campaign.plan import load_settings
    from leitai.campaign.starter import init_campaign

    folder = init_campaign(tmp_path / "新行动", today=dt.date(2021, 3, 1))
    path = folder / "campaign.toml"
    text = path.read_text(encoding="utf-8")
    assert load_settings(path).rules.score is None
    for key in ("caught_up", "investment_bands", "time_progress", "[score]", "加减分.xlsx"):
        assert key in text
    uncommented = re.sub(r"(?m)^# (?=(caught_up|investment_bands|time_progress|nodes|period_nodes|investment)\b|\[score\])",
                         "", text).replace('rank_by = "cumulative"', 'rank_by = "score"')
    path.write_text(uncommented, encoding="utf-8")
    rules = load_settings(path).rules
    assert rules.rank_by == "score" and rules.weights() == {"nodes": 60, "period_nodes": 0, "investment": 40}
    assert rules.caught_up == "yellow" and rules.investment_bands == (0, 20) and rules.time_progress is None


def test_the_briefing_states_the_formula_adjustments_money_and_late_nodes(tmp_path):
    """The briefing of a scored period with 计划投资: one sentence with the formula, the 加减分 with
    their reasons, the investment against 序时进度, scores in the ranking table, 逾期完成 in the
    node attachment; caught-up projects named as such."""
    from leitai.report.briefing import load_wording
    from leitai.report.content import BriefingInput, Paragraph, Table
    from leitai.report.narrative import build_content

    campaign = make(tmp_path, 'rank_by = "score"\ninvestment_bands = [0, 10]\ncaught_up = "yellow"',
                    "\n[score]\nnodes = 60\ninvestment = 40\n")
    history = History(pd.DataFrame({"period": [1], "project_id": ["P02"], "light": ["red"]}), {})
    done = {**DONE, ("P02", 1): "2020-09-26"}
    scores = score(campaign, states_of(campaign, done), history=history, adjustments={"乙镇": -2.0})
    from leitai.pipeline import node_detail_frame  # the frame the pipeline hands the briefing
    from leitai.scoring.results import build_results

    results = build_results(campaign.settings.campaign.name, 2, dt.date(2020, 9, 28), True, scores, [],
                            campaign.plan.groups, [{"unit": "乙镇", "points": -2.0, "reason": "信息报送不及时"}])
    data = BriefingInput(settings=campaign.settings, results=results, previous=None, history=[results],
                         node_detail=node_detail_frame(campaign, scores), unit_issues={}, problems=[], overrides=[],
                         missing_units=[], charts={})
    content = build_content(data, load_wording())
    text = "\n".join(b.text for s in content.sections for b in s.blocks if isinstance(b, Paragraph))
    assert ("本期按综合得分排名，综合得分＝累计节点完成率×60＋投资完成率与序时进度之比×40（比值最高按1计）＋办公室加减分；"
            "得分相同的按提前完成节点数、亮红灯项目数排序。单位某项无法计算的（如本期无到期节点、所牵头项目未列计划投资），"
            "按其余各项折算为同样满分。") in text
    assert "本期办公室加减分：乙镇减2分（信息报送不及时）。" in text
    # 3 projects planned: 3500 万元, 700 done = 20.0%, 序时进度 28.0%
    assert ("列入计划投资的3个项目计划投资3500万元，累计完成投资700万元，投资完成率20.0%，序时进度28.0%，"
            "慢于序时进度8.0个百分点。") in text
    assert "按投资进度亮灯，绿灯1个、黄灯1个、红灯1个。" in text
    assert "二号区块征迁上期亮红灯，本期逾期节点已全部完成（逾期完成），亮黄灯一期。" in text
    assert "亮黄灯（节点逾期未超过" not in text  # the caught-up project is not a grace-window yellow
    ranking = next(s for s in content.sections if s.key == "ranking")
    town = next(b for b in ranking.blocks if isinstance(b, Table))
    assert town.headers[2] == "综合得分" and town.rows[0][:3] == ("1", "甲街道", "100.00")
    nodes = content.attachments[0].table
    statuses = {(row[2], row[6]) for row in nodes.rows}
    assert ("2", "逾期完成") in statuses and ("1", "已完成") in statuses
    late = next(i for i, row in enumerate(nodes.rows) if row[6] == "逾期完成")
    assert nodes.fills[late][6] == "yellow"


def test_a_carried_figure_never_falls_and_takes_every_higher_report(tmp_path):
    """Property: for any last known figures and any reports (blank, lower, higher), each node's
    累计完成投资 after carrying is max-consistent: never below the last known one, equal to the report
    when that is not lower, else the last known one; problems only where a known figure was blanked
    or lowered."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    campaign = make(tmp_path)
    keys = list(zip(campaign.plan.nodes["project_id"], campaign.plan.nodes["seq"]))
    figure = st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False))

    @settings(max_examples=80, deadline=None)
    @given(st.lists(figure, min_size=len(keys), max_size=len(keys)),
           st.lists(st.one_of(st.just("absent"), figure), min_size=len(keys), max_size=len(keys)))
    def check(known, reported):
        previous = states_of(campaign, {}, {k: v for k, v in zip(keys, known) if v is not None})
        rows = [{"file": "f.xlsx", "unit": "u", "sheet": "s", "project_id": k[0], "seq": k[1],
                 "invest_done": float("nan") if r is None else r, "progress_pct": float("nan"), "invest_cell": "I4"}
                for k, r in zip(keys, reported) if r != "absent"]
        states, problems = carry_figures(empty_states(campaign.plan.nodes), previous, pd.DataFrame(rows))
        got = dict(zip(zip(states["project_id"], states["seq"]), states["invest_done"]))
        expected_problems = 0
        for key, last, report in zip(keys, known, reported):
            value = got[key]
            if report in ("absent", None):
                assert (math.isnan(value) and last is None) or value == last
                expected_problems += report is None and last is not None
            elif last is not None and report < last:
                assert value == last
                expected_problems += 1
            else:
                assert value == report
        assert len(problems) == expected_problems

    check()
