"""计划调整 and 纳入日期 (SPEC §4, §5): small campaigns worked out by hand, and plan errors.

The builders' campaign has cutoffs 09-14, 09-28, 10-12, 10-26, 11-09, 11-23, 12-07, 12-09 and
nodes P01#1 09-10, P01#2 09-25, P01#3 10-20, P02#1 09-12, P02#2 10-05, P03#1 09-14,
P03#2 10-10, P04#1 09-20, P04#2 11-30.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pandas as pd
import pytest

from builders import NODES, PROJECTS, write_campaign, write_changes
from leitai.campaign.changes import plan_at, reconcile
from leitai.campaign.plan import load_campaign
from leitai.errors import PlanError
from leitai.scoring.score import History, score_period
from leitai.scoring.states import empty_states

D = dt.date.fromisoformat


def campaign_with(tmp_path, rows, included=None, projects=PROJECTS, nodes=NODES):
    folder = write_campaign(tmp_path / "c", projects=projects, nodes=nodes)
    write_changes(folder / "plan.xlsx", rows, included)
    return load_campaign(folder)


def states_with(campaign, done):
    states = empty_states(campaign.plan.nodes)
    for (pid, seq), date in done.items():
        mask = (states["project_id"] == pid) & (states["seq"] == seq)
        states.loc[mask, "done"] = True
        states.loc[mask, "done_date"] = pd.Timestamp(date)
    return states


def score_all(campaign, done, last):
    """Scores of periods 1..last, each with the lights of the earlier ones as history."""
    schedule = campaign.settings.schedule
    lights = pd.DataFrame(columns=["period", "project_id", "light"])
    out = {}
    for period in range(1, last + 1):
        scores = score_period(
            campaign.plan, states_with(campaign, done), period=period, cutoff=schedule.cutoff(period),
            previous_cutoff=schedule.cutoff(period - 1) if period > 1 else None, rules=campaign.settings.rules,
            submitted=set(campaign.plan.units["unit"]), evaluation=False, history=History(lights, {}))
        out[period] = scores
        lights = pd.concat([lights, scores.projects[["id", "light"]].rename(columns={"id": "project_id"})
                           .assign(period=period)], ignore_index=True)
    return out


def project(scores, pid):
    rows = scores.projects[scores.projects["id"] == pid]
    return None if rows.empty else rows.iloc[0]


def node(scores, pid, seq):
    return scores.nodes[(scores.nodes["project_id"] == pid) & (scores.nodes["seq"] == seq)].iloc[0]


ALL_DONE_BUT = {("P01", 1): "2020-09-09", ("P01", 2): "2020-09-20", ("P01", 3): "2020-10-15",
                ("P02", 1): "2020-09-10", ("P02", 2): "2020-10-01", ("P03", 1): "2020-09-13",
                ("P03", 2): "2020-10-09", ("P04", 1): "2020-09-18", ("P04", 2): "2020-11-25"}


def but(*keys):
    return {k: v for k, v in ALL_DONE_BUT.items() if k not in keys}


def test_a_delay_approved_before_the_original_date(tmp_path):
    # P03#2 due 10-10, delayed on 10-05 to 11-05: not due at 10-12 (period 3); due, and overdue, at 11-09.
    campaign = campaign_with(tmp_path, [("P03", 2, "延期", "2020-11-05", "2020-10-05", "攻坚办〔2020〕12号", "")])
    scores = score_all(campaign, but(("P03", 2)), 5)
    assert not node(scores[3], "P03", 2)["is_due"]
    assert node(scores[3], "P03", 2)["due"] == pd.Timestamp("2020-11-05")
    assert node(scores[3], "P03", 2)["original_due"] == pd.Timestamp("2020-10-10")
    assert [project(scores[p], "P03")["light"] for p in (3, 4, 5)] == ["green", "green", "red"]
    assert project(scores[5], "P03")["red_count"] == 1
    assert scores[3].units.set_index("unit").loc["县丙局", ["due", "done"]].tolist() == [1, 1]
    # The node falls due in period 5 (10-26 .. 11-09), not in period 3 where it first was.
    assert not node(scores[3], "P03", 2)["due_in_period"] and node(scores[5], "P03", 2)["due_in_period"]


def test_a_delay_approved_after_the_original_date_leaves_the_node_overdue_until_approval(tmp_path):
    # P02#2 due 10-05, not done: red at 10-12 (period 3); delayed on 10-20 to 11-20: green at 10-26 and 11-09,
    # due again at 11-23 (period 6) and red; the red count of period 3 stays.
    campaign = campaign_with(tmp_path, [("P02", 2, "延期", "2020-11-20", "2020-10-20", "攻坚办〔2020〕15号", "")])
    scores = score_all(campaign, but(("P02", 2)), 6)
    assert [project(scores[p], "P02")["light"] for p in range(1, 7)] == ["green"] * 2 + ["red", "green", "green", "red"]
    assert project(scores[4], "P02")["red_count"] == 1 and project(scores[4], "P02")["red_streak"] == 0
    assert project(scores[6], "P02")["red_count"] == 2
    assert scores[4].units.set_index("unit").loc["乙镇", ["due", "done"]].tolist() == [1, 1]
    assert scores[3].units.set_index("unit").loc["乙镇", ["due", "done"]].tolist() == [2, 1]


def test_a_cancelled_project_that_was_red_twice_keeps_its_record(tmp_path):
    # P01#1 (09-10) never done: red at periods 1 and 2. Cancelled on 10-01: from period 3 P01 has no
    # light and no due nodes; 甲街道 (its only project) has nothing due and is not ranked.
    campaign = campaign_with(tmp_path, [("P01", None, "取消", None, "2020-10-01", "指挥部会议纪要〔2020〕3号", "规划调整")])
    scores = score_all(campaign, but(("P01", 1)), 4)
    assert [project(scores[p], "P01")["light"] for p in (1, 2)] == ["red", "red"]
    assert project(scores[2], "P01")["red_count"] == 2
    assert project(scores[3], "P01") is None and project(scores[4], "P01") is None
    unit = scores[3].units.set_index("unit").loc["甲街道"]
    assert unit["due"] == 0 and pd.isna(unit["rank"]) and unit["ahead"] == 0
    assert scores[3].overall["projects"] == 3
    assert set(node(scores[3], "P01", s)["status"] for s in (1, 2, 3)) == {"cancelled"}
    assert plan_at(campaign.plan, D("2020-10-12")).projects.set_index("project_id").at["P01", "status"] == "cancelled"


def test_an_exempt_node_is_neither_due_nor_overdue(tmp_path):
    # P04#1 due 09-20, not done: red at 09-28; exempted on 10-01: green from period 3, its one red stays.
    campaign = campaign_with(tmp_path, [("P04", 1, "豁免", None, "2020-10-01", "上级政策调整", "")])
    scores = score_all(campaign, but(("P04", 1)), 3)
    assert [project(scores[p], "P04")["light"] for p in (1, 2, 3)] == ["green", "red", "green"]
    assert project(scores[3], "P04")["red_count"] == 1
    exempt = node(scores[3], "P04", 1)
    assert exempt["status"] == "exempt" and not exempt["is_due"] and not exempt["overdue"]
    assert scores[3].units.set_index("unit").loc["县丁局", ["due", "done"]].tolist() == [0, 0]


def test_an_advance_makes_a_node_due_sooner(tmp_path):
    # P04#2 due 11-30, brought forward on 10-01 to 10-20: due (and overdue, not done) at 10-26.
    campaign = campaign_with(tmp_path, [("P04", 2, "提前", "2020-10-20", "2020-10-01", "", "")])
    scores = score_all(campaign, but(("P04", 2)), 4)
    assert project(scores[4], "P04")["light"] == "red" and project(scores[4], "P04")["overdue_nodes"] == [2]


def test_a_project_added_at_period_three_counts_from_then(tmp_path):
    projects = [*PROJECTS, ("P05", "五号新增项目", "项目推进", "乙镇", None)]
    nodes = [*NODES, ("P05", 1, "完成前期", "2020-09-20"), ("P05", 2, "开工", "2020-10-30")]
    campaign = campaign_with(tmp_path, [], included={"P05": "2020-10-01"}, projects=projects, nodes=nodes)
    scores = score_all(campaign, ALL_DONE_BUT, 4)
    assert project(scores[2], "P05") is None and node(scores[2], "P05", 1)["status"] == "pending"
    assert scores[2].units.set_index("unit").loc["乙镇", ["due", "done"]].tolist() == [1, 1]
    # Period 3 (10-12): P05#1, dated before the project was added, is due at once and counts in the period.
    assert project(scores[3], "P05")["light"] == "red" and project(scores[3], "P05")["red_count"] == 1
    assert node(scores[3], "P05", 1)["due_in_period"]
    assert scores[3].units.set_index("unit").loc["乙镇", ["due", "done"]].tolist() == [3, 2]


def test_the_latest_change_in_effect_wins(tmp_path):
    campaign = campaign_with(tmp_path, [
        ("P03", 2, "延期", "2020-10-30", "2020-10-05", "一号文", ""),
        ("P03", 2, "延期", "2020-11-15", "2020-10-25", "二号文", ""),
        ("P03", None, "豁免", None, "2020-11-20", "三号文", "")])
    at = {c: plan_at(campaign.plan, D(c)).nodes.set_index(["project_id", "seq"]).loc[("P03", 2)]
          for c in ("2020-10-04", "2020-10-12", "2020-10-26", "2020-11-23")}
    assert at["2020-10-04"]["due"] == D("2020-10-10") and at["2020-10-04"]["change"] is None
    assert at["2020-10-12"]["due"] == D("2020-10-30") and at["2020-10-12"]["basis"] == "一号文"
    assert at["2020-10-26"]["due"] == D("2020-11-15") and at["2020-10-26"]["status"] == "active"
    assert at["2020-11-23"]["status"] == "exempt" and at["2020-11-23"]["whole"]
    changes = plan_at(campaign.plan, D("2020-11-23")).changes()
    assert [(c["seq"], c["type"]) for c in changes] == [(None, "豁免")]


def test_comment_rows_are_ignored(tmp_path):
    campaign = campaign_with(tmp_path, [
        ("#示例", 1, "延期", "2020-11-30", "2020-10-20", "××〔2020〕1号", "以#开头的行不读取"),
        ("示例：P01", 2, "取消", None, "2020-10-20", "", ""),
        ("P01", 2, "延期", "2020-10-30", "2020-09-20", "", "")])
    assert campaign.plan.changes["project_id"].tolist() == ["P01"]


@pytest.mark.parametrize(("row", "cell", "words"), [
    (("P09", 1, "延期", "2020-11-30", "2020-10-20", "", ""), "A2", "不在“项目”表中"),
    (("P01", 7, "延期", "2020-11-30", "2020-10-20", "", ""), "B2", "没有节点 7"),
    (("P01", 1, "推迟", "2020-11-30", "2020-10-20", "", ""), "C2", "延期、提前、取消、豁免"),
    (("P01", 1, "延期", None, "2020-10-20", "", ""), "D2", "须填写调整后的计划完成日期"),
    (("P01", 1, "延期", "明年", "2020-10-20", "", ""), "D2", "无法识别的日期"),
    (("P01", 1, "延期", "2020-09-01", "2020-10-20", "", ""), "D2", "应晚于此前的计划完成日期 2020-09-10"),
    (("P01", 1, "提前", "2020-09-30", "2020-09-05", "", ""), "D2", "应早于"),
    (("P01", 1, "延期", "2020-11-30", None, "", ""), "E2", "批准日期） 为空"),
    (("P01", 1, "延期", "2020-11-30", "2020-12-20", "", ""), "E2", "不在行动期间"),
    (("P01", 1, "延期", "2020-11-30", "2020-08-20", "", ""), "E2", "不在行动期间"),
    (("P01", None, "延期", "2020-11-30", "2020-10-20", "", ""), "B2", "须逐个节点填写"),
])
def test_register_errors_name_their_cell(tmp_path, row, cell, words):
    with pytest.raises(PlanError) as caught:
        campaign_with(tmp_path, [row])
    text = str(caught.value)
    assert f"“计划调整”表 {cell}" in text and words in text, text


def test_two_changes_of_one_node_on_one_day(tmp_path):
    with pytest.raises(PlanError) as caught:
        campaign_with(tmp_path, [("P01", 3, "延期", "2020-11-30", "2020-10-20", "", ""),
                                 ("P01", None, "取消", None, "2020-10-20", "", "")])
    assert "“计划调整”表 E3" in str(caught.value) and "第2行" in str(caught.value)
    with pytest.raises(PlanError) as caught:
        campaign_with(tmp_path, [("P01", 3, "延期", "2020-11-30", "2020-10-20", "", ""),
                                 ("P01", 3, "豁免", None, "2020-10-20", "", "")])
    assert "同一节点同一天只能有一项调整" in str(caught.value)


def test_a_bad_inclusion_date_names_its_cell(tmp_path):
    with pytest.raises(PlanError) as caught:
        campaign_with(tmp_path, [], included={"P02": "下个月"})
    assert "“项目”表 H3（纳入日期） 无法识别的日期" in str(caught.value)


def test_reconcile_keeps_the_record_and_lists_direct_edits(tmp_path):
    recorded_campaign = campaign_with(tmp_path / "a", [])
    recorded = plan_at(recorded_campaign.plan, D("2020-10-12"))
    # A change entered later with an earlier approval date: the record stands, and it is named.
    later = campaign_with(tmp_path / "b", [("P03", 2, "延期", "2020-11-05", "2020-10-05", "", "")])
    result = reconcile(plan_at(later.plan, D("2020-10-12")), recorded)
    assert result.edited == [] and result.late == ["项目 P03 节点 2"]
    assert result.plan.nodes.set_index(["project_id", "seq"]).at[("P03", 2), "due"] == D("2020-10-10")
    # A base date edited in the 节点 sheet: today's date is used, and the edit is listed.
    nodes = [n if n[:2] != ("P02", 2) else ("P02", 2, "签约100%", "2020-10-25") for n in NODES]
    edited = campaign_with(tmp_path / "c", [], nodes=nodes)
    result = reconcile(plan_at(edited.plan, D("2020-10-12")), recorded)
    assert result.edited == ["项目 P02 节点 2：计划完成日期由 2020-10-05 改为 2020-10-25（调整日期请在“计划调整”表登记“延期”或“提前”）"]
    assert result.plan.nodes.set_index(["project_id", "seq"]).at[("P02", 2), "due"] == D("2020-10-25")


def test_reconcile_of_an_unedited_plan_is_the_full_comparisons_answer():
    """The usual case (the record equals today's plan) skips the comparison: the same plan, typed the same."""
    from pandas.testing import assert_frame_equal

    from leitai.campaign.changes import EffectivePlan
    from leitai.campaign.plan import load_campaign
    from leitai.pipeline import seeds_folder

    plan = load_campaign(seeds_folder()).plan
    for cutoff in (D("2020-09-14"), D("2020-11-23")):
        today = plan_at(plan, cutoff)
        recorded = plan_at(plan, cutoff)
        quick = reconcile(today, recorded)
        # the same values with another column type: not equal(), so the full comparison runs
        retyped = EffectivePlan(recorded.nodes.astype({"whole": object}), recorded.projects)
        full = reconcile(today, retyped)
        assert quick.edited == full.edited == [] and quick.late == full.late == []
        assert_frame_equal(quick.plan.nodes, full.plan.nodes)
        assert_frame_equal(quick.plan.projects, full.plan.projects)


# ------------------------------------------------------------------ through the pipeline

from builders import submit  # noqa: E402
from leitai.campaign.starter import init_campaign  # noqa: E402
from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW, build_template  # noqa: E402
from leitai.errors import StrictModeError  # noqa: E402
from leitai.ledger.history import Ledger  # noqa: E402
from leitai.pipeline import run_period  # noqa: E402


def results_of(run):
    return (run.out_dir / "results.json").read_bytes()


def submit_all(campaign, period, done):
    """Every unit reports the nodes in ``done`` done (on their date) and the rest not done."""
    folder = campaign.folder / "inputs" / f"第{period:02d}期"
    for unit in campaign.plan.units["unit"]:
        submit(campaign, period, unit, {k: v for k, v in done.items()}, folder)


def test_runs_record_the_plan_and_reruns_keep_it(tmp_path):
    folder = write_campaign(tmp_path / "c")
    campaign = load_campaign(folder)
    done = but(("P01", 1), ("P02", 2))
    first = {}
    for period in (1, 2, 3):
        submit_all(campaign, period, {k: v for k, v in done.items() if v <= campaign.settings.schedule.cutoff(period).isoformat()})
        first[period] = results_of(run_period(campaign, period))
    # The register gains changes after period 3: one approved before cutoff 3 (entered late), two after it.
    write_changes(folder / "plan.xlsx", [
        ("P01", None, "取消", None, "2020-10-01", "会议纪要3号", ""),
        ("P02", 2, "延期", "2020-11-20", "2020-10-20", "攻坚办〔2020〕15号", "征迁协议待批"),
        ("P04", 2, "豁免", None, "2020-10-22", "上级政策调整", "")])
    changed = load_campaign(folder)
    for period in (1, 2, 3):
        run = run_period(changed, period)
        assert results_of(run) == first[period]
        if period == 3:  # P01's cancellation (approved 10-01) was entered after period 3 was recorded
            assert any("汇总之后才登记" in w and "P01" in w for w in run.warnings)
    submit_all(changed, 4, done)
    data = json.loads(results_of(run_period(changed, 4)))
    assert "P01" not in {p["id"] for p in data["projects"]}
    assert next(p for p in data["projects"] if p["id"] == "P02")["light"] == "green"
    changes = {(c["project_id"], c["seq"]): c for c in data["plan_changes"]}
    assert changes[("P02", 2)] == {"project_id": "P02", "project": "二号区块征迁", "seq": 2, "target": "签约100%",
                                   "type": "延期", "original_due": "2020-10-05",
                                   "due": "2020-11-20", "approved": "2020-10-20", "basis": "攻坚办〔2020〕15号",
                                   "note": "征迁协议待批", "this_period": True}
    assert changes[("P01", None)]["type"] == "取消" and changes[("P04", 2)]["due"] is None
    nodes = {(n["project_id"], n["seq"]): n for n in data["nodes"]}
    assert nodes[("P02", 2)]["original_due"] == "2020-10-05" and nodes[("P02", 2)]["due"] == "2020-11-20"
    assert nodes[("P04", 2)]["status"] == "exempt" and nodes[("P01", 3)]["status"] == "cancelled"
    with Ledger(campaign.ledger_path) as ledger:
        plan3, plan4 = ledger.plan(3), ledger.plan(4)
    assert plan3 is not None and set(plan3.nodes["status"]) == {"active"}
    assert plan4 is not None and plan4.projects.set_index("project_id").at["P01", "status"] == "cancelled"
    # The leaderboard workbook lists the changes in effect beside the lights.
    book = openpyxl.load_workbook(changed.folder / "outputs" / "第04期" / "擂台榜-第04期.xlsx")
    rows = [[c.value for c in row] for row in book["计划调整"].iter_rows(min_row=2)]
    assert ["P02", 2, "延期", "2020-10-05", "2020-11-20", "2020-10-20", "攻坚办〔2020〕15号", "征迁协议待批", "是"] in rows


def test_a_direct_edit_is_listed_used_and_refused_under_strict(tmp_path):
    folder = write_campaign(tmp_path / "c")
    campaign = load_campaign(folder)
    submit_all(campaign, 1, {})
    submit_all(campaign, 2, {})
    run_period(campaign, 1)
    before = results_of(run_period(campaign, 2))
    nodes = [n if n[:2] != ("P01", 2) else ("P01", 2, "开工", "2020-10-25") for n in NODES]
    write_campaign(folder, nodes=nodes)  # the date typed over in the 节点 sheet
    edited = load_campaign(folder)
    with pytest.raises(StrictModeError, match="计划表被直接修改"):
        run_period(edited, 2, strict=True)
    run = run_period(edited, 2)
    block = [w for w in run.warnings if "直接修改" in w]
    assert len(block) == 1 and "项目 P01 节点 2：计划完成日期由 2020-09-25 改为 2020-10-25" in block[0]
    assert "计划调整" in block[0]
    assert results_of(run) != before  # today's plan is used: P01#2 is no longer due at 09-28
    assert json.loads(results_of(run))["overall"]["due"] == json.loads(before)["overall"]["due"] - 1


def test_templates_show_the_date_in_effect_with_the_original_beside_it(tmp_path):
    campaign = campaign_with(tmp_path, [("P02", 2, "延期", "2020-11-20", "2020-10-20", "", ""),
                                        ("P02", 1, "豁免", None, "2020-09-20", "", "")])
    rows = {}
    sheet = build_template(campaign, "乙镇", 4)[DATA_SHEET]
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        rows[sheet.cell(row, 3).value] = (sheet.cell(row, 4).value, pd.Timestamp(sheet.cell(row, 5).value).date())
    assert rows[2] == ("签约100%（原计划10月5日，10月20日批准延期）", D("2020-11-20"))
    assert rows[1] == ("签约50%（9月20日批准豁免，不再考核）", D("2020-09-12"))
    sheet = build_template(campaign, "乙镇", 3)[DATA_SHEET]  # before the approval: the original date
    assert pd.Timestamp(sheet.cell(FIRST_DATA_ROW + 1, 5).value).date() == D("2020-10-05")


def test_init_writes_the_register_with_a_skipped_example(tmp_path):
    folder = init_campaign(tmp_path / "new", today=D("2026-03-02"))
    book = openpyxl.load_workbook(folder / "plan.xlsx")
    rows = list(book["计划调整"].values)
    assert list(rows[0]) == ["项目编号", "节点序号", "调整类型", "调整后日期", "批准日期", "批准依据", "说明"]
    assert len(rows) == 2 and str(rows[1][0]).startswith("#示例")
    assert "纳入日期" in [c.value for c in book["项目"][1]]
    campaign = load_campaign(folder)
    assert campaign.plan.changes.empty
    # The example, with its # taken away, is a valid change.
    book["计划调整"]["A2"] = "01"
    book.save(folder / "plan.xlsx")
    assert load_campaign(folder).plan.changes["type"].tolist() == ["延期"]


# ------------------------------------------------------------------ the briefing tells the changes

def test_the_briefing_lists_this_periods_changes_and_counts_the_stopped_nodes_out():
    from dataclasses import replace as dc_replace

    from test_briefing import briefing_input

    from leitai.report.briefing import load_wording
    from leitai.report.content import Table
    from leitai.report.narrative import build_content

    data = briefing_input()
    results = dict(data.results)
    results["nodes"] = [
        {"project_id": "P01", "seq": 1, "original_due": "2020-10-10", "due": None, "status": "cancelled"},
        {"project_id": "P01", "seq": 2, "original_due": "2020-10-30", "due": None, "status": "cancelled"},
        {"project_id": "P02", "seq": 3, "original_due": "2020-10-19", "due": None, "status": "exempt"},
        {"project_id": "P03", "seq": 4, "original_due": "2020-10-19", "due": "2020-11-30", "status": "active"},
        {"project_id": "P09", "seq": 1, "original_due": "2020-11-20", "due": "2020-11-20", "status": "pending"},
    ]
    results["plan_changes"] = [
        {"project_id": "P01", "project": "一号路改造", "seq": None, "target": None, "type": "取消",
         "original_due": None, "due": None, "approved": "2020-09-20", "basis": "纪要1号", "note": "",
         "this_period": False},
        {"project_id": "P02", "project": "二号区块征迁", "seq": 3, "target": "腾空", "type": "豁免",
         "original_due": "2020-10-19", "due": None, "approved": "2020-11-02", "basis": "上级政策调整", "note": "",
         "this_period": True},
        {"project_id": "P03", "project": "三号园区", "seq": 4, "target": "开工", "type": "延期",
         "original_due": "2020-10-19", "due": "2020-11-30", "approved": "2020-10-30", "basis": "攻坚指〔2020〕12号",
         "note": "", "this_period": True},
    ]
    content = build_content(dc_replace(data, results=results), load_wording())
    assert [s.key for s in content.sections][3] == "plan_changes"
    section = content.sections[3]
    assert section.title == "计划调整"
    text = section.text()
    assert "本期经指挥部批准生效的计划调整2项" in text
    assert "截至本期，已取消节点2个、已豁免节点1个（涉及2个项目），均不计入应完成节点数、节点完成率和亮灯。" in text
    assert "一号路改造经批准取消，自第2期起不再亮灯，此前各期的亮灯和亮红灯次数照旧保留。" in text  # approved 9-20, before cutoff 2
    assert "另有1个新增项目尚未到纳入日期，暂不计入。" in text
    table = next(b for b in section.blocks if isinstance(b, Table))
    assert table.rows == (("1", "二号区块征迁", "3.腾空", "豁免", "10月19日", "不再考核", "11月2日", "上级政策调整"),
                          ("2", "三号园区", "4.开工", "延期", "10月19日", "11月30日", "10月30日", "攻坚指〔2020〕12号"))
    assert "经指挥部批准取消、豁免的3个节点不计入上述数字。" in content.sections[0].text()
    # Without a register nothing is said, and the sections are as before.
    assert "plan_changes" not in [s.key for s in build_content(data, load_wording()).sections]


# ------------------------------------------------------------------ done when: the demo

def test_demo_register_added_after_period_three(demo_dir, tmp_path):
    """A 计划调整 sheet added after period 3 leaves periods 1–3 byte-identical when re-run; period 4
    scores the changed nodes by the register, and its briefing tells the changes."""
    import hashlib
    import shutil
    import sqlite3

    from docx import Document

    from leitai.pipeline import seeds_folder

    seeds = seeds_folder()
    out = tmp_path / "out"
    shutil.copytree(demo_dir, out)
    with sqlite3.connect(out / "history.sqlite") as db:  # the ledger as it stood after period 3
        for table in ("node_states", "unit_scores", "project_lights", "overrides", "plan_nodes", "plan_projects",
                      "periods"):
            db.execute(f"DELETE FROM {table} WHERE period > 3")
    shutil.rmtree(out / "第04期")
    shutil.rmtree(out / "第05期")

    def digests(folder):
        return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(folder.rglob("*")) if p.is_file()}

    before = {n: digests(out / f"第{n:02d}期") for n in (1, 2, 3)}
    folder = tmp_path / "campaign"
    folder.mkdir()
    shutil.copy(seeds / "campaign.toml", folder / "campaign.toml")
    shutil.copy(seeds / "plan.xlsx", folder / "plan.xlsx")
    write_changes(folder / "plan.xlsx", [
        ("BR20", 4, "延期", "2020-11-30", "2020-10-20", "天攻坚指〔2020〕12号", "征迁安置方案调整"),
        ("BR30", 4, "豁免", None, "2020-10-15", "县政府专题会议纪要〔2020〕8号", "上级政策调整"),
        ("BR24", None, "取消", None, "2020-10-22", "天攻坚指〔2020〕13号", "项目不再实施")])
    campaign = load_campaign(folder)

    def run(period):
        return run_period(campaign, period, inputs_root=seeds / "inputs", outputs_root=out,
                          ledger_path=out / "history.sqlite")

    for period in (1, 2, 3):
        result = run(period)
        assert result.warnings == []
        assert digests(out / f"第{period:02d}期") == before[period]
    result = run(4)
    data = json.loads((out / "第04期" / "results.json").read_text(encoding="utf-8"))
    old = json.loads((demo_dir / "第04期" / "results.json").read_text(encoding="utf-8"))
    projects, old_projects = ({p["id"]: p for p in d["projects"]} for d in (data, old))
    # Without the register BR20 and BR30 were red for node 4 alone, and BR24 red a fourth time.
    assert old_projects["BR20"]["overdue_nodes"] == [4] and old_projects["BR30"]["overdue_nodes"] == [4]
    assert projects["BR20"]["light"] == "green" and projects["BR20"]["due"] == old_projects["BR20"]["due"] - 1
    assert projects["BR30"]["light"] == "green" and projects["BR30"]["due"] == old_projects["BR30"]["due"] - 1
    assert "BR24" not in projects and data["overall"]["projects"] == old["overall"]["projects"] - 1
    period3 = json.loads((out / "第03期" / "results.json").read_text(encoding="utf-8"))
    assert next(p for p in period3["projects"] if p["id"] == "BR24")["red_count"] == 3  # the record stays
    assert data["overall"]["due"] == old["overall"]["due"] - 2 - old_projects["BR24"]["due"]
    assert {(c["project_id"], c["seq"], c["type"]) for c in data["plan_changes"]} == {
        ("BR20", 4, "延期"), ("BR30", 4, "豁免"), ("BR24", None, "取消")}
    doc = Document(str(result.briefing))
    text = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
    assert "本期经指挥部批准生效的计划调整3项" in text
    assert "天攻坚指〔2020〕12号" in text and "11月30日" in text and "10月19日" in text
    assert "三合集镇区块征迁经批准取消，本期起不再亮灯" in text
    assert "不计入应完成节点数、节点完成率和亮灯" in text


def test_the_cli_prints_the_edit_block_and_strict_refuses_in_one_line(tmp_path):
    from click.testing import CliRunner

    from leitai.cli import main

    folder = write_campaign(tmp_path / "c")
    campaign = load_campaign(folder)
    submit_all(campaign, 1, {})
    run_period(campaign, 1)
    write_campaign(folder, nodes=[n if n[:2] != ("P01", 1) else ("P01", 1, "完成方案", "2020-09-20") for n in NODES])
    refused = CliRunner().invoke(main, ["run", "--campaign", str(folder), "--period", "1", "--strict"])
    assert refused.exit_code != 0 and "计划表被直接修改了 1 处" in refused.output and "Traceback" not in refused.output
    done = CliRunner().invoke(main, ["run", "--campaign", str(folder), "--period", "1"])
    assert done.exit_code == 0, done.output
    flat = "".join(done.output.replace("│", "").split())  # the summary table wraps long lines
    assert "项目P01节点1：计划完成日期由2020-09-10改为2020-09-20" in flat and "计划调整" in flat


def test_the_node_attachment_names_a_moved_nodes_original_date(tmp_path):
    """SPEC §5: the original date is always kept and shown: a node postponed by 计划调整 is listed
    in the briefing's node attachment at its new date, with the original beside it."""
    from docx import Document

    from builders import submit
    from leitai.pipeline import run_period

    campaign = campaign_with(tmp_path, [("P01", 1, "延期", "2020-09-13", "2020-09-05", "攻坚办〔2020〕9号", "")])
    folder = campaign.folder / "inputs" / "第01期"
    for unit in ("甲街道", "乙镇", "县丙局", "县丁局"):
        submit(campaign, 1, unit, {}, folder)
    result = run_period(campaign, 1)
    rows = [[c.text for c in row.cells] for t in Document(str(result.briefing)).tables for row in t.rows]
    moved = next(r for r in rows if r[1:3] == ["一号路改造", "1"])
    assert moved[4] == "9月13日（原9月10日）" and moved[6] == "逾期未完成"
    unmoved = next(r for r in rows if r[1:3] == ["二号区块征迁", "1"])
    assert unmoved[4] == "9月12日"
