"""Loading campaign.toml and plan.xlsx: every error named, located and explained."""

from __future__ import annotations

import datetime as dt

import pytest

from builders import NODES, PROJECTS, TOML, UNITS, write_campaign
from leitai.campaign.plan import load_campaign
from leitai.errors import CampaignError, PlanError, SettingsError


def test_defaults_and_schedule(tmp_path):
    campaign = load_campaign(write_campaign(tmp_path / "c"))
    settings = campaign.settings
    assert settings.schedule.cutoffs[:3] == (dt.date(2020, 9, 14), dt.date(2020, 9, 28), dt.date(2020, 10, 12))
    assert settings.schedule.cutoffs[-1] == dt.date(2020, 12, 9)  # the end closes a last, shorter period
    assert settings.rules.lights == "two" and settings.rules.no_submission == "carry_forward"
    assert campaign.plan.resolve_unit("丙局") == "县丙局" and campaign.plan.resolve_unit(" 甲 办 ") == "甲街道"
    assert list(campaign.plan.nodes.columns) == ["project_id", "seq", "target", "due"]


@pytest.mark.parametrize(("rules", "message"), [
    ('lights = "four"', "[rules] lights 的值 'four' 无效，可选 'two' 或 'three'"),
    ("yelow_cards = 2", "[rules] 中未知的键 yelow_cards（是否应为 yellow_cards？）"),
    ("grace_days = -1", "[rules] grace_days 应为不小于 0 的整数"),
    ('rank_by = "total"', "[rules] rank_by 的值 'total' 无效，可选 'cumulative' 或 'period'"),
    ('escalate_red_count = "三"', "[rules] escalate_red_count 应为不小于 1 的整数"),
])
def test_a_bad_setting_names_the_key_and_the_accepted_values(tmp_path, rules, message):
    with pytest.raises(SettingsError) as info:
        load_campaign(write_campaign(tmp_path / "c", rules=rules))
    assert message in str(info.value)


def test_yellow_cards_per_group(tmp_path):
    toml = TOML.format(rules="").replace("yellow_cards = 1", 'yellow_cards = { "乡镇（街道）" = 2, "县级部门" = 1 }')
    rules = load_campaign(write_campaign(tmp_path / "c", toml=toml)).settings.rules
    assert rules.cards_per_group() == {"乡镇（街道）": 2, "县级部门": 1}
    typo = TOML.format(rules="").replace("yellow_cards = 1", 'yellow_cards = { "乡镇" = 2 }')
    with pytest.raises(SettingsError, match="分组“乡镇”不在计划表“单位”页的分组中（现有：乡镇（街道）、县级部门）"):
        load_campaign(write_campaign(tmp_path / "e", toml=typo))
    bad = TOML.format(rules="").replace("yellow_cards = 1", 'yellow_cards = { "乡镇（街道）" = "两" }')
    with pytest.raises(SettingsError, match=r"yellow_cards\.乡镇（街道） 应为不小于 0 的整数"):
        load_campaign(write_campaign(tmp_path / "d", toml=bad))


def test_toml_syntax_error_says_how_dates_are_written(tmp_path):
    toml = TOML.format(rules="").replace("end = 2020-12-09", "end = 2020-12-9")
    with pytest.raises(SettingsError, match="第7行.*日期须写成 2020-09-01"):
        load_campaign(write_campaign(tmp_path / "c", toml=toml))


def test_a_setting_or_section_written_twice_is_named(tmp_path):
    """An office pasting a line in twice gets the key (or section) named, not advice on dates."""
    toml = TOML.format(rules="yellow_cards = 2\n")
    with pytest.raises(SettingsError, match=r"第\d+行第\d+列附近：设置 yellow_cards 写了两次，请删去重复的一处") as caught:
        load_campaign(write_campaign(tmp_path / "a", toml=toml))
    assert "日期须写成" not in str(caught.value)
    toml = TOML.format(rules="") + "\n[rules]\ngrace_days = 3\n"
    with pytest.raises(SettingsError, match=r"配置节 \[rules\] 写了两次"):
        load_campaign(write_campaign(tmp_path / "b", toml=toml))


def test_cutoffs_and_evaluations_lists(tmp_path):
    toml = TOML.format(rules="").replace("first_cutoff = 2020-09-14\nevery_days = 14\nevaluations = [2, 4]",
                                         "cutoffs = [2020-09-20, 2020-10-20]\nevaluate_every = 2")
    settings = load_campaign(write_campaign(tmp_path / "c", toml=toml)).settings
    assert settings.schedule.cutoffs == (dt.date(2020, 9, 20), dt.date(2020, 10, 20))
    assert settings.schedule.evaluations == frozenset({2})


def test_every_plan_error_is_listed_with_sheet_row_and_column(tmp_path):
    projects = [*PROJECTS, ("P01", "重复项目", "项目推进", "甲街道", 1), ("P05", "无主项目", "项目推进", "不存在局", "x")]
    nodes = [*NODES, ("P99", 1, "孤儿节点", "2020-10-01"), ("P01", 4, "坏日期", "十月一日"), ("P01", 1, "重复", "2020-10-01")]
    with pytest.raises(PlanError) as info:
        load_campaign(write_campaign(tmp_path / "c", projects=projects, nodes=nodes))
    errors = info.value.errors
    assert "“项目”表 A6（项目编号） 项目编号“P01”重复（第2行已有）" in errors
    assert "“项目”表 D7（牵头单位） 牵头单位“不存在局”不在“单位”表中" in errors
    assert "“项目”表 F7（总投资(万元)） 不是数字：“x”" in errors
    assert "“节点”表 A11（项目编号） 项目“P99”不在“项目”表中" in errors
    assert "“节点”表 D12（计划完成日期） 无法识别的日期“十月一日”，请填写如 2020-09-01" in errors  # the campaign's start
    assert "“节点”表 B13（节点序号） 项目“P01”的节点 1 重复（第2行已有）" in errors
    assert len(errors) == 6


def test_missing_sheet_and_header(tmp_path):
    folder = write_campaign(tmp_path / "c", units=UNITS)
    import openpyxl

    book = openpyxl.load_workbook(folder / "plan.xlsx")
    del book["单位"]
    book["节点"]["C1"] = "目标"
    book.save(folder / "plan.xlsx")
    with pytest.raises(PlanError) as info:
        load_campaign(folder)
    assert info.value.errors == ["工作表“节点”第1行缺少表头：节点目标", "缺少工作表“单位”（现有：项目、节点）"]


def test_missing_files(tmp_path):
    with pytest.raises(CampaignError, match="找不到攻坚行动文件夹"):
        load_campaign(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SettingsError, match="leitai init"):
        load_campaign(tmp_path / "empty")


def test_the_column_by_column_reading_gives_what_the_row_by_row_reading_gives(tmp_path, monkeypatch):
    """plan.xlsx's usual 节点 sheet is checked column by column (issue 18); the same frames as
    the row-by-row reading that any irregular sheet takes."""
    from leitai.campaign import plan as campaign_module
    from leitai.pipeline import seeds_folder

    taken = []
    real = campaign_module.clean_nodes
    monkeypatch.setattr(campaign_module, "clean_nodes", lambda *args: taken.append(real(*args)) or taken[-1])
    fast = load_campaign(seeds_folder()).plan  # the demo plan: real dates, every row right
    assert taken and taken[-1] is not None
    monkeypatch.setattr(campaign_module, "clean_nodes", lambda *args: None)
    slow = load_campaign(seeds_folder()).plan
    assert fast.nodes.equals(slow.nodes) and fast.projects.equals(slow.projects) and fast.units.equals(slow.units)
    assert fast.nodes["seq"].dtype == "int64" and str(fast.nodes["due"].dtype) == "datetime64[ns]"


def test_plan_cells_that_say_no_value_and_blank_rows(tmp_path):
    """'N/A' and the like are blank, as pandas always read them; a blank line keeps the row numbers
    of the rows below it; a blank node number is said to be blank."""
    nodes = [*NODES, (None, None, None, None), ("P01", None, "无序号", "2020-10-01"), ("N/A", 9, "无主", "2020-10-01")]
    projects = [*PROJECTS[:-1], (*PROJECTS[-1][:4], "N/A")]
    with pytest.raises(PlanError) as info:
        load_campaign(write_campaign(tmp_path / "c", projects=projects, nodes=nodes))
    first_blank = len(NODES) + 2  # header row, then the nodes, then the blank line
    assert info.value.errors == [f"“节点”表 B{first_blank + 1}（节点序号） 为空", f"“节点”表 A{first_blank + 2}（项目编号） 为空"]
