"""The office's own words: level (全县/全市 …), 抄送 and 印发 from the campaign (issue 12)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from test_briefing import briefing_input, make_settings

from builders import TOML, write_campaign
from leitai.campaign.office import default_cc, infer_level, parse_level, whole_word
from leitai.campaign.plan import load_campaign
from leitai.errors import SettingsError
from leitai.report.briefing import load_wording
from leitai.report.narrative import build_content


@pytest.mark.parametrize("issuer, whole", [
    ("江城市攻坚年行动指挥部办公室", "全市"),
    ("天台县“通堵点、破难点”百日攻坚行动指挥部办公室", "全县"),
    ("临江区项目攻坚行动指挥部办公室", "全区"),
    ("浙江省重大项目攻坚指挥部办公室", "全省"),
    ("白鹤镇百日攻坚行动领导小组办公室", "全镇"),
    ("杭州市攻坚办", "全市"),  # the 州 of 杭州 is the city's name, not a level
    ("宁夏回族自治区攻坚办", "全区"),
    ("攻坚办公室", "全域"),  # no administrative unit named: a neutral word
    ("某某市临江区“项目攻坚年”行动指挥部办公室", "全区"),  # a district names its city first
    ("浙江省杭州市萧山区重大项目攻坚指挥部办公室", "全区"),
    ("金华市义乌市百日攻坚办", "全市"),  # a county-level city under its city
    ("天台县白鹤镇百日攻坚行动领导小组办公室", "全镇"),
    ("××市百日攻坚行动指挥部办公室", "全市"),  # the example of `leitai init`, a name still to fill in
    ("江城市重点区块攻坚指挥部办公室", "全市"),  # 重点区块 is no district
    ("江城市经济开发区攻坚办", "全市"),
    ("临江区城区改造攻坚办", "全区"),
    ("江城市场监管攻坚办", "全市"),
    ("天台县“城区改造”攻坚办", "全县"),  # the campaign's name, in quotes, names no level
    ("广西壮族自治区百色市攻坚办", "全市"),
])
def test_level_is_the_issuers_own_administrative_unit(issuer: str, whole: str) -> None:
    assert whole_word(infer_level(issuer)) == whole


def test_level_words_and_default_cc() -> None:
    assert parse_level("市") == parse_level("全市") == "全市"
    assert parse_level("全国") is None and parse_level("") is None
    assert default_cc("全市", "江城市攻坚年行动指挥部办公室") == (
        "市委、市人大常委会、市政府、市政协主要领导，江城市攻坚年行动指挥部成员单位。")
    assert default_cc("全镇", "白鹤镇攻坚办") == "镇党委、镇人大主席团、镇政府主要领导。"
    assert default_cc("全区", "广西壮族自治区攻坚行动指挥部办公室") == (
        "自治区党委、自治区人大常委会、自治区人民政府、自治区政协主要领导，广西壮族自治区攻坚行动指挥部成员单位。")
    assert default_cc("全区", "南湖区攻坚行动指挥部办公室").startswith("区委、区人大常委会、区政府、区政协主要领导")
    assert "县" not in default_cc("全区", "临江区项目攻坚行动指挥部办公室")
    # a campaign run by a leading group (领导小组) copies its members, as one run by a command does
    assert default_cc("全区", "临江区“比学赶超”攻坚行动领导小组办公室") == (
        "区委、区人大常委会、区政府、区政协主要领导，临江区“比学赶超”攻坚行动领导小组成员单位。")


def toml_with(campaign: str = "", report: str = "") -> str:
    text = TOML.format(rules="").replace('issuer = "测试县百日攻坚行动指挥部办公室"',
                                         'issuer = "江城市攻坚年行动指挥部办公室"\n' + campaign)
    return text + ("\n[report]\n" + report if report else "")


def test_campaign_toml_sets_level_cc_and_printed_by(tmp_path) -> None:
    folder = write_campaign(tmp_path / "a", toml=toml_with())
    settings = load_campaign(folder).settings
    assert settings.campaign.whole == "全市" and settings.report.cc is None
    folder = write_campaign(tmp_path / "b", toml=toml_with('level = "全区"', 'cc = ""\nprinted_by = "江城市委督查室"'))
    settings = load_campaign(folder).settings
    assert settings.campaign.whole == "全区" and settings.report.cc == "" and settings.report.printed_by == "江城市委督查室"
    assert settings.as_dict()["campaign"]["level"] == "全区"
    folder = write_campaign(tmp_path / "c", toml=toml_with('level = "全国"'))
    with pytest.raises(SettingsError, match=r"level .*全县.*全市"):
        load_campaign(folder)


def test_record_lines_come_from_the_campaign() -> None:
    city = make_settings()
    city = replace(city, campaign=replace(city.campaign, issuer="江城市攻坚年行动指挥部办公室"))
    content = build_content(briefing_input(settings=city), load_wording())
    assert content.record == ("抄送：市委、市人大常委会、市政府、市政协主要领导，江城市攻坚年行动指挥部成员单位。",
                              "江城市攻坚年行动指挥部办公室\t2020年11月9日印发")
    own = replace(city, report=replace(city.report, cc="市委办公室，各成员单位。", printed_by="江城市委督查室"))
    assert build_content(briefing_input(settings=own), load_wording()).record == (
        "抄送：市委办公室，各成员单位。", "江城市委督查室\t2020年11月9日印发")
    none = replace(city, report=replace(city.report, cc=""))
    assert build_content(briefing_input(settings=none), load_wording()).record == (
        "江城市攻坚年行动指挥部办公室\t2020年11月9日印发",)


def test_a_preview_is_marked_and_has_no_number() -> None:
    content = build_content(briefing_input(preview=True), load_wording())
    assert content.title == "关于百日攻坚第5期擂台赛情况的通报（预览稿）" and content.number == ""
    assert content.preview and "重新运行" not in content.text()
    assert build_content(briefing_input(), load_wording()).number == "测攻坚办〔2020〕5号"


@pytest.mark.parametrize("options, whole, groups, stray", [
    ({}, "全县", ("乡镇（街道）", "县级部门"), None),
    ({"level": "区"}, "全区", ("街道（镇）", "区级部门"), "县"),
    ({"level": "全市"}, "全市", ("县（市、区）", "市级部门"), "县级|县委|县政府|县另|县示|××县"),
    ({"issuer": "江城市攻坚年行动指挥部办公室"}, "全市", ("县（市、区）", "市级部门"), "县级|县委|县政府|××县"),
    ({"level": "省"}, "全省", ("设区市", "省级部门"), "县"),
])
def test_init_example_speaks_as_the_office_that_runs_it(tmp_path, options, whole, groups, stray) -> None:
    """`leitai init --level 市` (or an issuer naming its city) gives a city's example: its groups,
    units and 抄送 bodies, none of a county's words; the example loads and names its whole."""
    import datetime as dt
    import re

    import openpyxl

    from leitai.campaign.starter import init_campaign

    folder = init_campaign(tmp_path / "新行动", today=dt.date(2026, 3, 2), **options)
    campaign = load_campaign(folder)
    plan = campaign.plan
    assert plan.groups == groups
    level = whole.removeprefix("全")
    assert all(u.startswith(level) for u in plan.units.loc[plan.units["group"] == groups[1], "unit"])
    text = (folder / "campaign.toml").read_text(encoding="utf-8")
    assert f'yellow_cards = {{ "{groups[0]}" = 2, "{groups[1]}" = 2 }}' in text
    assert f"# cc = \"{level}委、{level}人大常委会、{level}政府、{level}政协主要领导，" in text
    book = openpyxl.load_workbook(folder / "plan.xlsx")
    cells = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
    if stray:  # (the comment on `level` lists every level's word)
        said = text.replace("（全县、全区、全市、全省、全镇等）", "") + cells
        assert not re.search(stray, said), re.search(stray, said)
    if "issuer" in options:  # the office's own name, and its level read from it
        assert campaign.settings.campaign.issuer == options["issuer"] and '# level = "全市"' in text
        assert campaign.settings.campaign.name == "江城市攻坚年行动"
    elif "level" in options:  # named, so set: the placeholder issuer (××市…) names no place
        assert f'\nlevel = "{whole}"' in text
    assert campaign.settings.campaign.whole == whole
    assert "〔2026〕1号" in cells  # the 计划调整 example's basis is of this year


def test_init_refuses_a_level_it_has_no_words_for(tmp_path) -> None:
    from leitai.campaign.starter import init_campaign
    from leitai.errors import InputError

    with pytest.raises(InputError, match="层级 '州' 无效，可写：县、区、市、省、镇、乡"):
        init_campaign(tmp_path / "x", level="州")
    with pytest.raises(InputError, match="发文机关"):
        init_campaign(tmp_path / "y", issuer='某"办')
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
