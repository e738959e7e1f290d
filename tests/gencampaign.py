"""Whole campaigns of other levels and sizes, made fresh from a seed (issue 12).

``make_campaign(folder, level=..., units=..., seed=...)`` writes campaign.toml, plan.xlsx and
each period's filled unit sheets (the real templates, as units return them), so the
pipeline runs on them as on an office's own folder. Unit, project and category names
follow the level (a 市 has 区/县 and 市直部门, a 区 has 街道 and 区直部门), with names of
varied lengths, so layouts meet long and short names alike.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path
from typing import Any

import openpyxl

from builders import submit

PLACES = ["城南", "江北", "临海", "白鹤", "平桥", "石梁", "龙溪", "洪畴", "街头", "三合", "泳溪", "雷峰",
          "南屏", "坦头", "三州", "屯桥", "福溪", "赤城", "始丰", "龙泉湾", "滨江新城", "高新技术产业开发"]
DEPTS = ["发改局", "经信局", "住建局", "交通运输局", "自然资源和规划局", "生态环境局", "水利局", "农业农村局",
         "商务局", "文广旅体局", "卫健局", "教育局", "应急管理局", "综合行政执法局", "市场监管局", "财政局"]
CATEGORIES = ["主要经济指标", "重点区块征迁", "项目推进", "专项工作", "重要民生实事", "要素保障"]
WORKS = ["道路改造提升工程", "区块征迁", "产业园建设", "综合供能服务项目", "老旧小区改造", "污水零直排区建设",
         "未来社区试点", "中小学扩容工程", "智能制造产业园一期", "安置房建设", "农村供水保障工程", "文化中心"]
TARGETS = ["完成方案设计", "完成立项审批", "开工建设", "完成签约50%", "全部签约并腾空", "主体结构封顶", "完工验收",
           "完成招标"]


def _units(level: str, n: int, rnd: random.Random) -> list[tuple[str, str]]:
    """(name, group) pairs: places then departments, in two groups (or one when ``n`` is small)."""
    place_suffix, dept_prefix, place_group, dept_group = {
        "市": ("区", "市", "各区", "市级部门"),
        "区": ("街道", "区", "街道", "区级部门"),
        "县": ("镇", "县", "乡镇（街道）", "县级部门"),
        "省": ("市", "省", "设区市", "省级部门"),
        "镇": ("村", "镇", "行政村", "镇属单位"),
    }[level]
    n_places = max(1, n // 2)
    out = [(f"{PLACES[i % len(PLACES)]}{'' if i < len(PLACES) else i}{place_suffix}", place_group)
           for i in range(n_places)]
    out += [(f"{dept_prefix}{DEPTS[i % len(DEPTS)]}{'' if i < len(DEPTS) else i}", dept_group)
            for i in range(n - n_places)]
    return out


def make_campaign(
    folder: Path,
    *,
    issuer: str,
    level: str,
    units: int = 10,
    seed: int = 1,
    periods: int = 2,
    lights: str = "two",
    extra_report: str = "",
    done_share: float = 0.75,
) -> Path:
    """A campaign folder with ``periods`` periods of returned sheets; returns the folder."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    start = dt.date(2025, 3, 1)
    toml = f"""\
[campaign]
name = "{issuer.removesuffix('指挥部办公室').removesuffix('办公室')}"
short_name = "攻坚行动"
issuer = "{issuer}"
doc_prefix = "攻坚办〔2025〕"
start = {start.isoformat()}
end = {(start + dt.timedelta(days=99)).isoformat()}

[periods]
first_cutoff = {(start + dt.timedelta(days=13)).isoformat()}
every_days = 14
evaluations = [2, 4]

[rules]
yellow_cards = 2
lights = "{lights}"

[report]
{extra_report}
"""
    (folder / "campaign.toml").write_text(toml, encoding="utf-8")
    unit_list = _units(level, units, rnd)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["项目编号", "项目名称", "所属板块", "牵头单位", "责任领导", "总投资（万元）", "备注"])
    nodes: list[tuple[str, int, str, dt.date]] = []
    project_units: dict[str, str] = {}
    n = 0
    for unit, _ in unit_list:
        for _ in range(rnd.randint(1, 3)):
            n += 1
            pid = f"P{n:03d}"
            place = rnd.choice(PLACES)
            name = f"{place}{rnd.choice(WORKS)}" + ("（二期）" if rnd.random() < 0.2 else "")
            sheet.append([pid, name, rnd.choice(CATEGORIES[:4]), unit, "", rnd.choice([None, 1200, 38000]), ""])
            project_units[pid] = unit
            for seq in range(1, rnd.randint(2, 5) + 1):
                due = start + dt.timedelta(days=rnd.randint(3, 95))
                nodes.append((pid, seq, rnd.choice(TARGETS), due))
    sheet = book.create_sheet("节点")
    sheet.append(["项目编号", "节点序号", "节点目标", "计划完成日期"])
    for pid, seq, target, due in nodes:
        sheet.append([pid, seq, target, due])
    sheet = book.create_sheet("单位")
    sheet.append(["单位名称", "分组", "别名"])
    for unit, group in unit_list:
        sheet.append([unit, group, ""])
    book.save(folder / "plan.xlsx")

    from leitai.campaign.plan import load_campaign, period_label

    campaign = load_campaign(folder)
    done: dict[tuple[str, int], dt.date] = {}
    for period in range(1, periods + 1):
        cutoff = campaign.settings.schedule.cutoff(period)
        for unit, _ in unit_list:
            if period > 1 and rnd.random() < 0.08:
                continue  # now and then a unit does not report
            answers: dict[tuple[str, int], Any] = {}
            for pid, seq, _, due in nodes:
                if project_units[pid] != unit:
                    continue
                if (pid, seq) in done:
                    answers[(pid, seq)] = done[(pid, seq)]
                elif due <= cutoff + dt.timedelta(days=10) and rnd.random() < done_share:
                    day = min(cutoff, due + dt.timedelta(days=rnd.randint(-6, 3)))
                    done[(pid, seq)] = answers[(pid, seq)] = day
                elif due <= cutoff:
                    answers[(pid, seq)] = None
            sent = submit(campaign, period, unit, answers, folder / "inputs" / period_label(period),
                          issue="征地拆迁协调难度大，施工进度受阴雨天气影响" if rnd.random() < 0.5 else "")
            arrived = dt.datetime.combine(cutoff, dt.time(17)).timestamp()  # on the cutoff day: on time
            os.utime(sent, (arrived, arrived))
    return folder


LEVEL_CAMPAIGNS: dict[str, dict[str, Any]] = {
    "市": {"issuer": "江城市攻坚年行动指挥部办公室", "level": "市", "units": 24, "seed": 3},
    "区": {"issuer": "临江区项目攻坚行动指挥部办公室", "level": "区", "units": 6, "seed": 5, "lights": "three"},
    "长": {"issuer": "天台县“通堵点、破难点”百日攻坚行动指挥部办公室", "level": "县", "units": 40, "seed": 7},
    # 9 各区 and 9 市级部门 with three-colour lights: the 市级部门 leaderboard moved whole to a page of
    # its own (half empty) when the page estimate ran a few lines behind LibreOffice's
    "市18": {"issuer": "江城市攻坚年行动指挥部办公室", "level": "市", "units": 18, "seed": 3, "lights": "three"},
}
