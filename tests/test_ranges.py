"""Settings and plan values out of range are errors naming their key or cell, never a traceback."""

from __future__ import annotations

import pytest

from builders import NODES, PROJECTS, TOML, UNITS, write_campaign
from leitai.campaign.plan import NAME_LIMITS, load_campaign
from leitai.errors import PlanError, SettingsError


@pytest.mark.parametrize(("before", "after", "said"), [
    ("end = 2020-12-09", "end = 9999-12-31", "[campaign] end 的日期 9999-12-31 超出合理范围（2000年至2099年）"),
    ("start = 2020-09-01", "start = 1900-01-01", "[campaign] start 的日期 1900-01-01 超出合理范围"),
    ("end = 2020-12-09", "end = 2090-12-09", "[campaign] start 至 end 超过 10 年"),
    ("every_days = 14", "every_days = 99999999999", "[periods] every_days 应为 1 至 366 的整数（现为 99999999999）"),
    ("first_cutoff = 2020-09-14", "first_cutoff = 9999-12-31", "[periods] first_cutoff 的日期 9999-12-31 超出合理范围"),
])
def test_settings_out_of_range_name_their_key(tmp_path, before, after, said):
    toml = TOML.format(rules="").replace(before, after)
    with pytest.raises(SettingsError) as caught:
        load_campaign(write_campaign(tmp_path / "c", toml=toml))
    assert said in str(caught.value)


def test_campaign_toml_as_a_folder_is_one_line(tmp_path):
    folder = write_campaign(tmp_path / "c")
    (folder / "campaign.toml").unlink()
    (folder / "campaign.toml").mkdir()
    with pytest.raises(SettingsError, match="campaign.toml 是文件夹"):
        load_campaign(folder)


def plan_errors(tmp_path, **plan):
    with pytest.raises(PlanError) as caught:
        load_campaign(write_campaign(tmp_path / "c", **plan))
    return "\n".join(caught.value.errors)


def test_plan_values_out_of_range_name_their_cell(tmp_path):
    nodes = [*NODES[:-2], ("P04", 1e19, "招标", "2020-09-20"), ("P04", 2, "完工", "9999-12-31")]
    said = plan_errors(tmp_path, nodes=nodes)
    assert "“节点”表 B9（节点序号） 应为 1 至 9999 的整数（现为“10000000000000000000”）" in said
    assert "“节点”表 D10（计划完成日期） 9999-12-31 超出合理范围" in said


def test_an_empty_node_sheet_is_a_plan_error(tmp_path):
    assert "“节点”表中没有节点" in plan_errors(tmp_path, nodes=[])


def test_groups_that_differ_only_by_spaces_or_width_are_one_error(tmp_path):
    units = [*UNITS[:1], ("乙镇", "乡镇（ 街道）", ""), *UNITS[2:]]
    said = plan_errors(tmp_path, units=units)
    assert "“单位”表 B3（分组） 分组“乡镇（ 街道）”与“乡镇（街道）”只差空格、标点或全角半角" in said
    units = [*UNITS[:1], ("乙镇", "乡镇(街道)", ""), *UNITS[2:]]  # half-width brackets
    assert "只差空格、标点或全角半角" in plan_errors(tmp_path / "w", units=units)


def test_over_long_names_are_refused_with_the_limit(tmp_path):
    long_name = "长" * 5000
    units = [*UNITS[:3], (long_name, "县级部门", "")]
    projects = [*PROJECTS[:3], ("P04", "四号民生实事", "重要民生实事", long_name, 300)]
    said = plan_errors(tmp_path, units=units, projects=projects)
    assert f"“单位”表 A5（单位名称） 长 5000 字，超过 {NAME_LIMITS['单位名称']} 字的上限" in said
