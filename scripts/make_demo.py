"""Make the demo campaign in seeds/ (SPEC §8), byte for byte the same on every run.

    python scripts/make_demo.py [--out DIR]

Modelled on Tiantai county's autumn-2020 "通堵点、破难点" 100-day campaign: 60 projects in
7 categories led by 30 units, periods 1–5 filled in by the units. A truth model (each
node's real completion date, which unit submits when) decides every sheet; the targets
of SPEC §8 are computed from it and asserted at the end, so a change that misses one
fails loudly. Some sheets carry the mistakes real units make; they are forgiven by the
reader and so must not change any score.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

from leitai.campaign.plan import load_campaign
from leitai.campaign.templates import FIRST_DATA_ROW, HEADERS, build_template, template_filename
from leitai.fileio import atomic_write_text, save_workbook, sha256_file

SEED = 2020
ROOT = Path(__file__).resolve().parent.parent
D = dt.date
START, END = D(2020, 9, 1), D(2020, 12, 9)
CUTOFFS = [D(2020, 9, 14), D(2020, 9, 28), D(2020, 10, 12), D(2020, 10, 26), D(2020, 11, 9)]
PERIODS = range(1, len(CUTOFFS) + 1)
FIRST_DUE, LAST_DUE = D(2020, 9, 5), D(2020, 12, 7)
YELLOW_CARDS = 4
TARGET_RATE = 0.85
ESCALATE = 3  # red this many times: 重点督办
EVALUATIONS = (3, 5, 7)

TOWNS, DEPTS = "乡镇（街道）", "县级部门"
UNITS: list[tuple[str, str, str]] = [
    ("赤城街道", TOWNS, ""), ("始丰街道", TOWNS, ""), ("福溪街道", TOWNS, ""),
    ("白鹤镇", TOWNS, ""), ("石梁镇", TOWNS, ""), ("街头镇", TOWNS, ""), ("平桥镇", TOWNS, ""),
    ("坦头镇", TOWNS, ""), ("三合镇", TOWNS, ""), ("洪畴镇", TOWNS, ""), ("三州乡", TOWNS, ""),
    ("龙溪乡", TOWNS, ""), ("雷峰乡", TOWNS, ""), ("南屏乡", TOWNS, ""), ("泳溪乡", TOWNS, ""),
    ("县发改局", DEPTS, "县发展改革局、县发展和改革局"), ("县经信局", DEPTS, "县经济和信息化局"),
    ("县财政局", DEPTS, ""), ("县自然资源局", DEPTS, "县自然资源和规划局、县资规局"),
    ("县住建局", DEPTS, "县住房和城乡建设局"), ("县交通局", DEPTS, "县交通运输局"),
    ("县水利局", DEPTS, ""), ("县农业农村局", DEPTS, "县农业农村和水利局、县农业局"),
    ("县商务局", DEPTS, ""), ("县文广旅体局", DEPTS, "县文化和广电旅游体育局"),
    ("县卫健局", DEPTS, "县卫生健康局"), ("县教育局", DEPTS, ""),
    ("县综合执法局", DEPTS, "县综合行政执法局"), ("县生态环境分局", DEPTS, "市生态环境局天台分局"),
    ("县人社局", DEPTS, "县人力社保局、县人力资源和社会保障局"),
]

# Node targets by kind of project; a project takes the first n (6–8) of its list.
KINDS: dict[str, list[str]] = {
    "relocation": ["完成入户调查和房屋测绘", "完成评估并公示补偿安置方案", "签约率达到50%", "签约率达到80%",
                   "签约率达到100%", "腾空率达到90%", "完成房屋拆除", "完成土地平整并交付"],
    "build": ["完成初步设计批复", "完成施工图审查", "完成施工招投标", "正式开工", "完成基础工程",
              "完成主体工程30%", "完成主体工程60%", "完成年度投资计划"],
    "road": ["完成沿线政策处理", "完成杆线管线迁改", "完成施工招投标", "完成路基工程", "完成桥涵工程",
             "完成路面工程", "完成交通安全设施", "完成交工验收"],
    "indicator": ["制定攻坚方案并分解任务到企业", "完成重点企业（项目）清单排摸", "9月份指标达到序时进度",
                  "召开重点企业（项目）协调会", "10月份指标达到序时进度", "新增入库项目（企业）达到目标数",
                  "11月份指标达到序时进度", "全年目标任务基本锁定"],
    "life": ["完成项目选址和方案设计", "完成立项和资金落实", "完成施工招投标", "开工建设", "完成主体工程",
             "完成附属工程", "完成竣工验收", "投入使用"],
    "special": ["完成问题排查并建立台账", "制定整治方案和责任清单", "完成整治任务30%", "完成整治任务60%",
                "完成整治任务90%", "开展“回头看”复查", "完成整治任务并通过验收", "建立长效管理机制"],
    "resource": ["梳理要素需求清单", "完成第一批材料组卷上报", "完成第一批审批", "完成第二批材料组卷上报",
                 "完成第二批审批", "解决重点项目要素缺口", "完成年度保障任务"],
}
PROBLEMS: dict[str, list[str]] = {
    "relocation": ["个别征迁户对补偿安置标准有异议，签约进度滞后", "部分户主常年在外务工，入户协商难度大",
                   "涉及坟墓迁移，群众思想工作尚需时间", "部分户要求现房安置，安置房源紧张",
                   "企业厂房评估价与企业预期差距较大，尚在协商"],
    "build": ["施工单位人员和机械投入不足", "连续降雨影响室外作业", "用地报批手续尚未完成，影响进场施工",
              "施工图设计调整，需重新送审", "建材价格上涨，施工单位推进积极性不高"],
    "road": ["沿线电力、通信杆线迁改涉及多家单位，协调进度慢", "部分路段政策处理尚未完成",
             "连续降雨影响路基施工", "施工单位机械投入不足"],
    "indicator": ["部分重点企业订单不足，产能释放不及预期", "新增入库项目数量不足", "个别重点企业数据入统滞后"],
    "life": ["招投标流程较长，开工时间推迟", "选址涉及规划调整，审批时间较长", "上级补助资金尚未到位"],
    "special": ["部分点位整改难度大，需多部门联合处置", "历史遗留问题涉及主体多，协调难度大",
                "个别整治对象抵触情绪较大"],
    "resource": ["省级审批时间较长", "用地指标缺口较大，需争取上级支持", "林地占补平衡指标尚未落实"],
}


@dataclass
class Project:
    id: str
    name: str
    category: str
    unit: str
    kind: str
    investment: float | None = None
    note: str = ""
    targets: list[str] = field(default_factory=list)
    fixed: dict[int, tuple[D, D | None]] = field(default_factory=dict)  # seq -> (due, done)


def p(name: str, category: str, unit: str, kind: str, investment: float | None = None, note: str = "",
      targets: list[str] | None = None, fixed: dict[int, tuple[D, D | None]] | None = None) -> Project:
    return Project("", name, category, unit, kind, investment, note, list(targets or []), dict(fixed or {}))


ECON, XIAOKANG, RELOC, BUILD, SPECIAL, LIFE, FACTOR = (
    "主要经济指标", "全面高水平小康", "重点区块征迁", "项目推进", "专项工作", "重要民生实事", "要素保障")

PROJECTS: list[Project] = [
    p("规上工业增加值增速攻坚", ECON, "县经信局", "indicator"),
    p("固定资产投资攻坚", ECON, "县发改局", "indicator"),
    p("财政收入提质增收", ECON, "县财政局", "indicator"),
    p("限上社会消费品零售额提升", ECON, "县商务局", "indicator"),
    p("外贸出口稳增长", ECON, "县商务局", "indicator"),
    p("“亩均论英雄”改革提效", ECON, "县经信局", "indicator"),
    p("农村生活污水治理提标改造", XIAOKANG, "县农业农村局", "special", 3200),
    p("低收入农户帮扶增收", XIAOKANG, "县农业农村局", "special"),
    p("城乡居民就业和社保扩面", XIAOKANG, "县人社局", "indicator"),
    p("义务教育优质均衡发展县创建", XIAOKANG, "县教育局", "special"),
    p("平桥美丽城镇样板创建", XIAOKANG, "平桥镇", "build", 8600),
    p("石梁美丽乡村精品线建设", XIAOKANG, "石梁镇", "build", 4200),
    p("“污水零直排区”建设", XIAOKANG, "县生态环境分局", "special", 5600),
    p("县域医共体建设提升", XIAOKANG, "县卫健局", "special", 2400),
    p("百花路东延西拓", RELOC, "赤城街道", "relocation", 18600, "涉及企业2家",
      ["完成入户调查和房屋测绘", "完成评估并公示补偿方案", "完成2家企业征迁协议签订", "完成企业厂房腾空",
       "完成厂房拆除", "完成管线迁改", "完成土地交付"],
      {1: (D(2020, 9, 8), D(2020, 9, 7)), 3: (D(2020, 10, 14), D(2020, 9, 11))}),
    p("天瑞路综合供能服务项目征迁", RELOC, "赤城街道", "relocation", 6800, "临时指挥部设在村里",
      ["完成户主意愿排摸", "完成入户调查和房屋测绘", "完成评估并公示补偿方案", "签约率达到60%",
       "签约率达到100%", "完成房屋腾空", "完成征迁清零并交付土地"],
      {6: (D(2020, 11, 13), D(2020, 10, 17)), 7: (D(2020, 11, 25), D(2020, 10, 23))}),
    p("玉湖四期征迁", RELOC, "始丰街道", "relocation", 15400, "",
      ["签约率达到100%", "腾空率达到90%", "完成房屋拆除50%", "完成房屋拆除100%", "完成建筑垃圾清运",
       "完成土地平整", "完成土地交付"],
      {1: (D(2020, 9, 6), D(2020, 9, 5)), 2: (D(2020, 9, 14), D(2020, 9, 12))}),
    p("众联科创产业中心", RELOC, "福溪街道", "relocation", 26000, "省重大产业项目，先行区块139亩，涉及4个村407户",
      ["成立征迁专班并完成入户排摸", "完成先行区块139亩地块界至划分", "407户签约率达到50%",
       "407户签约率达到100%", "腾空率达到90%", "完成房屋拆除", "完成先行区块土地交付"],
      {1: (D(2020, 9, 10), D(2020, 9, 9)), 2: (D(2020, 9, 30), D(2020, 9, 24))}),
    p("水南区块征迁", RELOC, "福溪街道", "relocation", 9200, "S区块遗留房屋拆除",
      ["完成遗留户入户协商", "签约率达到100%", "腾空率达到100%", "完成遗留房屋拆除", "完成征迁清零",
       "完成安置房地块交付", "安置房项目开工"],
      {5: (D(2020, 10, 31), D(2020, 10, 24))}),
    p("站前区块征迁", RELOC, "始丰街道", "relocation", 12800),
    p("坦头工业区块拓展征迁", RELOC, "坦头镇", "relocation", 7600),
    p("平桥小微企业园区块征迁", RELOC, "平桥镇", "relocation", 5400),
    p("白鹤中心区块有机更新征迁", RELOC, "白鹤镇", "relocation", 6300),
    p("三合集镇区块征迁", RELOC, "三合镇", "relocation", 3900),
    p("洪畴工业区块征迁", RELOC, "洪畴镇", "relocation", 4500),
    p("后岸区块提升征迁", RELOC, "街头镇", "relocation", 3100),
    p("智能橡胶园", BUILD, "县经信局", "build", 520000, "总投资52亿元",
      ["完成土地摘牌", "完成施工许可", "项目开工", "完成场地平整", "完成一期厂房基础工程",
       "完成一期厂房主体30%", "完成年度投资计划"],
      {2: (D(2020, 9, 9), D(2020, 9, 8)), 3: (D(2020, 9, 14), D(2020, 9, 12))}),
    p("城前公路改造提升", BUILD, "县交通局", "road", 2950, "总投资近3000万元",
      ["完成沿线政策处理", "完成杆线管线迁改", "完成路基工程50%", "完成路基工程100%", "完成桥涵工程",
       "完成路面工程", "完成交工验收"],
      {1: (D(2020, 9, 10), D(2020, 10, 14)), 2: (D(2020, 9, 25), D(2020, 10, 18)),
       3: (D(2020, 10, 10), D(2020, 10, 21)), 4: (D(2020, 10, 24), D(2020, 10, 23)),
       5: (D(2020, 11, 5), D(2020, 11, 2)), 6: (D(2020, 11, 26), None), 7: (D(2020, 12, 6), None)}),
    p("农村公路提档升级工程", BUILD, "县交通局", "road", 12600),
    p("始丰溪综合治理工程", BUILD, "县水利局", "build", 35000),
    p("城市污水处理厂提标扩建", BUILD, "县住建局", "build", 16800),
    p("妇幼保健院迁建工程", BUILD, "县卫健局", "build", 28000),
    p("和合文化园", BUILD, "县文广旅体局", "build", 45000),
    p("坦头汽车用品产业园", BUILD, "坦头镇", "build", 68000),
    p("城北安置房建设", BUILD, "县住建局", "build", 52000),
    p("石梁旅游集散中心", BUILD, "石梁镇", "build", 9800),
    p("白鹤工业园区基础设施", BUILD, "白鹤镇", "build", 7200),
    p("三合集镇道路提升工程", BUILD, "三合镇", "road", 3600),
    p("城西未来社区试点", BUILD, "赤城街道", "build", 86000),
    p("福溪小微企业园", BUILD, "福溪街道", "build", 32000),
    p("“三改一拆”违法建筑拆除", SPECIAL, "县综合执法局", "special"),
    p("垃圾分类示范片区创建", SPECIAL, "县综合执法局", "special", 1800),
    p("历史遗留不动产登记化解", SPECIAL, "县自然资源局", "special"),
    p("“低散乱”企业整治提升", SPECIAL, "洪畴镇", "special"),
    p("废弃矿山综合治理", SPECIAL, "县自然资源局", "special", 2600),
    p("“无违建”乡镇创建", SPECIAL, "街头镇", "special"),
    p("河道“清四乱”专项行动", SPECIAL, "县水利局", "special"),
    p("地质灾害隐患点综合治理", SPECIAL, "三州乡", "special", 1200),
    p("城区学校扩容工程", LIFE, "县教育局", "life", 24000),
    p("城乡公交一体化", LIFE, "县交通局", "life", 3800),
    p("老旧小区改造", LIFE, "县住建局", "life", 6500),
    p("农贸市场改造提升", LIFE, "县商务局", "life", 2200),
    p("龙溪乡饮用水提标工程", LIFE, "龙溪乡", "life", 1500),
    p("雷峰乡农村道路提升改造", LIFE, "雷峰乡", "road", 2100),
    p("南屏乡居家养老服务中心", LIFE, "南屏乡", "life", 650),
    p("泳溪乡山塘水库除险加固", LIFE, "泳溪乡", "life", 980),
    p("建设用地报批攻坚", FACTOR, "县自然资源局", "resource"),
    p("重点项目资金保障", FACTOR, "县财政局", "resource"),
    p("能耗和排污指标保障", FACTOR, "县发改局", "resource"),
    p("政府专项债券争取", FACTOR, "县生态环境分局", "resource"),
]

# Roles the units play in the story of periods 1–5.
TOP = ["赤城街道", "福溪街道", "县经信局", "南屏乡", "县财政局"]  # 100% at period 5
WEAK = ["三合镇", "泳溪乡", "县卫健局", "县综合执法局"]  # the yellow cards at period 5
COMEBACK = "坦头镇"  # slow start, then a big jump in rank
FALLER = "县水利局"  # good start, falls back
SILENT = ("雷峰乡", 4)  # does not submit in period 4
LATE_STARTER = "县人社局"  # no node due by the first cutoff: not ranked in period 1

# Where the overdue nodes sit: a few genuinely hard projects (征迁 blocks, big construction, land,
# the weak units' work); every other project finishes its nodes on time or inside the same period.
# name -> (stuck, first, drag): the last `stuck` nodes due by period 5 are still open at its cutoff
# (the stuck counts alone set period 5's completion rate: they add up to its overdue nodes); the
# project is red at every cutoff from period `first` on; earlier nodes due from period `first` to
# `drag` drag on until the window after cutoff `drag` (0: only as far as needed to stay red).
HARD: dict[str, tuple[int, int, int]] = {
    "三合集镇区块征迁": (4, 1, 4), "妇幼保健院迁建工程": (4, 1, 4), "“三改一拆”违法建筑拆除": (4, 2, 4),
    "垃圾分类示范片区创建": (3, 4, 0), "泳溪乡山塘水库除险加固": (2, 4, 0),
    "建设用地报批攻坚": (4, 1, 4), "城北安置房建设": (4, 2, 0), "农村公路提档升级工程": (4, 2, 0),
    "站前区块征迁": (3, 4, 0), "后岸区块提升征迁": (3, 4, 0), "石梁旅游集散中心": (3, 4, 0),
    "始丰溪综合治理工程": (2, 4, 0), "平桥小微企业园区块征迁": (2, 4, 0), "能耗和排污指标保障": (2, 4, 0),
    "洪畴工业区块征迁": (2, 4, 0),
}
# Projects that slip for a while and catch up: name -> (first, last period red); the nodes due in
# those periods are finished in the window after the last one.
SLIPS: dict[str, tuple[int, int]] = {
    "坦头工业区块拓展征迁": (1, 2), "坦头汽车用品产业园": (1, 2),
    "农村生活污水治理提标改造": (1, 1), "义务教育优质均衡发展县创建": (1, 2), "平桥美丽城镇样板创建": (1, 1),
    "“污水零直排区”建设": (1, 2), "城乡公交一体化": (1, 2),
    "龙溪乡饮用水提标工程": (1, 1),
    "城西未来社区试点": (2, 3), "石梁美丽乡村精品线建设": (2, 3), "固定资产投资攻坚": (2, 3),
    "福溪小微企业园": (3, 3), "历史遗留不动产登记化解": (3, 4), "重点项目资金保障": (3, 3),
    "白鹤工业园区基础设施": (3, 3), "县域医共体建设提升": (3, 3),
}

# Mistakes real units make (period, unit) -> kind; forgiven by the reader.
# Each goes to the preferred unit if that unit has something to get wrong that period, else
# to the first unit in plan order that has.
TEXT_DATES = [(2, "dots", "始丰街道"), (3, "month_day", "县水利局"), (4, "compact", "洪畴镇")]
STATUS_WORDS = [(2, "完成", "平桥镇"), (3, "√", "县农业农村局")]
DELETED_ROW = (3, "县教育局")  # a row of a node whose state does not change that period
DUPLICATE = (5, "县住建局")  # an early wrong version, then the right one (at least 2 new completions)
RENAMED = {(3, "龙溪乡"): "龙溪乡第3期填报表.xlsx", (5, "三州乡"): "百日攻坚进度表（三州乡）.xlsx"}

CLOSING = (
    "百日攻坚已进入决战决胜阶段，各单位要对照节点清单逐项销号：未完成的节点要倒排工期、挂图作战，"
    "明确责任人和完成时限；亮红灯的项目，牵头单位主要负责人要亲自研究、到现场协调，限期转为绿灯；"
    "被亮黄牌的单位要深刻剖析原因，拿出切实可行的整改措施，在下一轮擂台赛中迎头赶上。"
    "指挥部办公室将继续坚持“两周一竞赛、一月一督评”，对连续亮红灯的项目实行重点督办，"
    "督评结果纳入年度综合考核。"
)

TOML = f"""\
# 天台县“通堵点、破难点”百日攻坚行动（leitai 演示数据）
# 由 scripts/make_demo.py 生成，请勿手工修改；修改脚本后重新运行即可。

[campaign]
name = "天台县“通堵点、破难点”百日攻坚行动"
short_name = "百日攻坚"
issuer = "天台县百日攻坚行动指挥部办公室"
doc_prefix = "天攻坚办〔2020〕"
start = {START.isoformat()}
end = {END.isoformat()}

[periods]
first_cutoff = {CUTOFFS[0].isoformat()}
every_days = 14
evaluations = [{', '.join(map(str, EVALUATIONS))}]

[rules]
yellow_cards = {YELLOW_CARDS}
lights = "two"
grace_days = 7
escalate_red_count = {ESCALATE}
no_submission = "carry_forward"
rank_by = "cumulative"

[report]
closing = "{CLOSING}"
# 版记的抄送单位；不填时按发文机关所在层级（县）自动生成
cc = "县委、县人大常委会、县政府、县政协主要领导，县百日攻坚行动指挥部成员单位。"
"""

README = """\
# 演示数据 / Demo campaign

天台县“通堵点、破难点”百日攻坚行动的演示数据（依据 2020 年 11 月《台州日报》的公开报道虚构）：
7 大板块 60 个项目、约 420 个节点，15 个乡镇（街道）和 15 个县级部门，第 1–5 期各单位报送的填报表。
第 5 期（截止 2020-11-09）节点完成率 85%，4 个单位被亮黄牌；逾期节点集中在少数征迁、重大项目和要素保障项目上，
多数项目亮绿灯，少数连续亮红灯 3 次以上的项目列入重点督办；城前公路改造提升第 1–3 期亮红灯，第 4 期起转绿灯。
部分表格故意带有常见填报错误（文本日期、“完成”“√”、删除节点行、同一单位重复报送），用于演示数据问题清单。

A fictional demo modelled on a 2020 press report about Tiantai county's 100-day campaign: 60 projects
in 7 categories, about 420 milestones, 30 units in two groups, and the units' progress sheets for
periods 1–5. At period 5 the campaign's completion rate is 85% and 4 units get yellow cards; the overdue
milestones sit in a few hard projects (relocation blocks, big construction, land), most projects are
green and a handful, red three times or more, are under special supervision. Some
sheets carry typical mistakes (text dates, 完成/√, a deleted row, a late duplicate file).

- `campaign.toml`, `plan.xlsx`: settings and plan (SPEC §4)
- `inputs/第01期/` … `inputs/第05期/`: the units' sheets, one folder per period

重新生成 / Regenerate (byte for byte identical):

    python scripts/make_demo.py            # writes seeds/
    python scripts/make_demo.py --out DIR  # writes elsewhere

试运行 / Try it: `leitai demo`
"""


# ----------------------------------------------------------------------------- the plan

@dataclass
class Node:
    project: Project
    seq: int
    target: str
    due: D
    done: D | None = None  # the real completion date (None: not done by the last cutoff)

    @property
    def key(self) -> tuple[str, int]:
        return (self.project.id, self.seq)

    @property
    def unit(self) -> str:
        return self.project.unit


def make_plan(rng: random.Random) -> list[Node]:
    nodes: list[Node] = []
    early = set(u for u, _, _ in UNITS) - {LATE_STARTER}
    for index, project in enumerate(copy.deepcopy(PROJECTS), start=1):  # PROJECTS stays pristine
        project.id = f"BR{index:02d}"
        if not project.targets:
            size = rng.choice([6, 7, 7, 7, 8]) if project.kind != "resource" else rng.choice([6, 7])
            project.targets = KINDS[project.kind][:size]
        n = len(project.targets)
        if project.unit in early or project.unit != LATE_STARTER and rng.random() < 0.4:
            first = FIRST_DUE + dt.timedelta(days=rng.randint(0, 8))
            early.discard(project.unit)
        else:
            first = D(2020, 9, 16) + dt.timedelta(days=rng.randint(0, 8))
        last = LAST_DUE - dt.timedelta(days=rng.randint(0, 16))
        span = (last - first).days
        dues = [first + dt.timedelta(days=round(span * i / (n - 1) + rng.uniform(-3, 3))) for i in range(n)]
        dues[0], dues[-1] = first, last
        fixed = {seq - 1 for seq in project.fixed}
        for i in fixed:
            dues[i] = project.fixed[i + 1][0]
        gap = dt.timedelta(days=3)
        for i in range(1, n):  # strictly increasing around the fixed dates
            if i not in fixed and dues[i] <= dues[i - 1]:
                dues[i] = dues[i - 1] + gap
        for i in range(n - 2, -1, -1):
            if i not in fixed and dues[i] >= dues[i + 1]:
                dues[i] = dues[i + 1] - gap
        assert dues == sorted(set(dues)) and FIRST_DUE <= dues[0] and dues[-1] <= LAST_DUE, (project.name, dues)
        for seq, (target, due) in enumerate(zip(project.targets, dues), start=1):
            nodes.append(Node(project, seq, target, due))
    return nodes


def projects_of(nodes: list[Node]) -> list[Project]:
    return list({n.project.id: n.project for n in nodes}.values())


def write_plan(path: Path, nodes: list[Node]) -> None:
    book = openpyxl.Workbook()
    head_font, body_font = Font(name="宋体", size=11, bold=True), Font(name="宋体", size=11)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    fill = PatternFill("solid", fgColor="D9D9D9")

    def sheet(title: str, headers: list[str], widths: list[int], rows: list[list[object]]) -> None:
        ws = book.create_sheet(title)
        ws.append(headers)
        for row in rows:
            ws.append(row)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = width
        for r, row in enumerate(ws.iter_rows(), start=1):
            for cell in row:
                cell.font = head_font if r == 1 else body_font
                cell.border = border
                cell.alignment = Alignment(vertical="center", wrap_text=r == 1)
                if r == 1:
                    cell.fill = fill
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        ws.freeze_panes = "A2"

    book.remove(book.active)
    sheet("项目", ["项目编号", "项目名称", "所属板块", "牵头单位", "责任领导", "总投资（万元）", "备注"],
          [10, 30, 16, 16, 10, 14, 40],
          [[pr.id, pr.name, pr.category, pr.unit, "", pr.investment, pr.note] for pr in projects_of(nodes)])
    sheet("节点", ["项目编号", "节点序号", "节点目标", "计划完成日期"], [10, 10, 36, 14],
          [[n.project.id, n.seq, n.target, n.due] for n in nodes])
    sheet("单位", ["单位名称", "分组", "别名"], [16, 14, 40], [list(u) for u in UNITS])
    save_workbook(book, path, dt.datetime(2020, 8, 31, 9, 0))


# ------------------------------------------------------------------------ the truth model

def make_stamps(rng: random.Random) -> dict[tuple[str, int], dt.datetime]:
    """When each unit saved its sheet: the afternoon before the cutoff or the cutoff morning."""
    stamps = {}
    for period, cutoff in zip(PERIODS, CUTOFFS):
        for unit, _, _ in UNITS:
            day = cutoff - dt.timedelta(days=rng.choice([0, 1, 1, 2]))
            hour = rng.randint(8, 11) if day == cutoff else rng.randint(9, 18)
            stamps[(unit, period)] = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)))
    return stamps


def period_of(day: D) -> int:
    """The period whose cutoff is the first on or after ``day`` (len(CUTOFFS) + 1 after the last)."""
    return next((period for period, cutoff in zip(PERIODS, CUTOFFS) if day <= cutoff), len(CUTOFFS) + 1)


def finished_after(rng: random.Random, period: int) -> D | None:
    """A completion date in the window after cutoff ``period`` (None after the last recorded cutoff)."""
    if period >= len(CUTOFFS):
        return None
    return CUTOFFS[period - 1] + dt.timedelta(days=rng.randint(1, 9))


def red_at(project_nodes: list[Node], period: int) -> bool:
    cutoff = CUTOFFS[period - 1]
    return any(n.due <= cutoff and (n.done is None or n.done > cutoff) for n in project_nodes)


def assign_completions(rng: random.Random, nodes: list[Node]) -> None:
    """Each node's real completion date: on time (or a little late, inside the same period) unless
    its project is one of HARD or SLIPS."""
    last = len(CUTOFFS)
    by_project: dict[str, list[Node]] = {}
    for node in nodes:
        by_project.setdefault(node.project.name, []).append(node)
    assert set(HARD) | set(SLIPS) <= set(by_project), (set(HARD) | set(SLIPS)) - set(by_project)
    assert not set(HARD) & set(SLIPS)
    for name, mine in by_project.items():
        unit = mine[0].unit
        p_ahead = 0.0 if name in HARD or unit in WEAK else 0.15 if unit in TOP else 0.07
        for node in mine:
            if node.seq in node.project.fixed:
                node.done = node.project.fixed[node.seq][1]
                continue
            period, r = period_of(node.due), rng.random()
            if period > last:
                node.done = node.due - dt.timedelta(days=rng.randint(12, 30)) if r < p_ahead * 1.5 else None
            elif r < p_ahead:
                node.done = max(START + dt.timedelta(days=2), node.due - dt.timedelta(days=rng.randint(14, 30)))
            elif r < p_ahead + 0.25 and (room := (CUTOFFS[period - 1] - node.due).days) > 0:
                node.done = node.due + dt.timedelta(days=rng.randint(1, min(room, 6)))  # late, yet in time
            else:
                node.done = max(START + dt.timedelta(days=1), node.due - dt.timedelta(days=rng.randint(0, 4)))
            if node.done is not None and node.done > CUTOFFS[-1]:
                node.done = None
        if name in SLIPS:
            first, until = SLIPS[name]
            slipped = [n for n in mine if first <= period_of(n.due) <= until and n.seq not in n.project.fixed]
            assert slipped, f"{name}: no node due in periods {first}–{until}"
            for node in slipped:
                node.done = finished_after(rng, until)
        if name in HARD:
            stuck, first, drag = HARD[name]
            due = [n for n in mine if period_of(n.due) <= last]
            assert 1 <= stuck <= len(due) and not any(n.seq in n.project.fixed for n in mine), name
            for node in due[-stuck:]:
                node.done = None
            for node in mine:
                if period_of(node.due) > last:
                    node.done = None
            for node in due[:-stuck]:  # earlier nodes dragging on
                if first <= period_of(node.due) <= drag:
                    node.done = finished_after(rng, drag)
            for period in range(first, last + 1):  # red at every cutoff from `first` on
                if red_at(mine, period):
                    continue
                candidates = [n for n in due[:-stuck] if first <= period_of(n.due) <= period]
                assert candidates, f"{name}: cannot be red at period {period}"
                candidates[-1].done = finished_after(rng, period)
            assert first == 1 or not red_at(mine, first - 1), name


def clamp_to_stamps(nodes: list[Node], stamps: dict[tuple[str, int], dt.datetime]) -> None:
    """A unit cannot report on its sheet a completion after the moment it saved the sheet."""
    for node in nodes:
        if node.done is None or node.seq in node.project.fixed:
            continue
        for period, cutoff in zip(PERIODS, CUTOFFS):
            saved = stamps[(node.unit, period)].date()
            if saved < node.done <= cutoff:
                node.done = max(saved, START)
                break


def tidy_evaluation(nodes: list[Node], stamps: dict[tuple[str, int], dt.datetime], period: int, most: int) -> None:
    """Break wide ties at an earlier evaluation: a carded unit (not one of the weak) finishes a
    late node in time, until at most ``most`` units are carded. Period 5 is not affected."""
    cutoff = CUTOFFS[period - 1]
    while True:
        history: list[Scores] = []
        for q in range(1, period + 1):
            history.append(score(nodes, q, history[-1] if history else None))
        cards = history[-1].cards
        if len(cards) <= most:
            return
        late = sorted((n for n in nodes if n.unit in cards and n.unit not in WEAK and n.due <= cutoff
                       and n.done and n.done > cutoff and n.seq not in n.project.fixed),
                      key=lambda n: (-history[-1].rate(n.unit), n.unit, n.key))  # type: ignore[operator]
        assert late, f"cannot break the tie for the yellow cards of period {period}"
        node = late[0]
        node.done = max(START, min(stamps[(node.unit, period)].date(), node.due + dt.timedelta(days=3)))


@dataclass
class Scores:
    states: dict[tuple[str, int], D | None]  # recorded state at the cutoff: done date or None
    due: dict[str, int]
    done: dict[str, int]
    ahead: dict[str, int]
    red: dict[str, int]
    lights: dict[str, str]
    rank: dict[str, int]
    cards: list[str]

    def rate(self, unit: str) -> float | None:
        return self.done[unit] / self.due[unit] if self.due.get(unit) else None


def score(nodes: list[Node], period: int, previous: Scores | None) -> Scores:
    """SPEC §5 on the truth: what a correct reader and scorer must find."""
    cutoff = CUTOFFS[period - 1]
    states: dict[tuple[str, int], D | None] = {}
    for node in nodes:
        if (node.unit, period) == SILENT and previous is not None:
            states[node.key] = previous.states[node.key]  # no submission: carry forward
        else:
            states[node.key] = node.done if node.done is not None and node.done <= cutoff else None
    units = [u for u, _, _ in UNITS]
    due = dict.fromkeys(units, 0)
    done, ahead = dict(due), dict(due)
    red_projects: set[str] = set()
    for node in nodes:
        is_done = states[node.key] is not None
        if node.due <= cutoff:
            due[node.unit] += 1
            done[node.unit] += is_done
            if not is_done:
                red_projects.add(node.project.id)
        elif is_done:
            ahead[node.unit] += 1
    projects = projects_of(nodes)
    red = {u: sum(pr.id in red_projects and pr.unit == u for pr in projects) for u in units}
    lights = {pr.id: "red" if pr.id in red_projects else "green" for pr in projects}

    def key(unit: str) -> tuple[float, int, int]:
        return (-done[unit] / due[unit], -ahead[unit], red[unit])

    ranked = [u for u in units if due[u]]
    rank: dict[str, int] = {}
    groups = {g for _, g, _ in UNITS}
    for group in groups:
        members = sorted((u for u, g, _ in UNITS if g == group and due[u]), key=key)
        for u in members:
            rank[u] = 1 + sum(key(o) < key(u) for o in members)
    order = sorted(ranked, key=key)
    cards: list[str] = []
    if len(order) >= YELLOW_CARDS:
        last = key(order[-YELLOW_CARDS])
        cards = [u for u in order if key(u) >= last and done[u] < due[u]]
    return Scores(states, due, done, ahead, red, lights, rank, cards)


# ---------------------------------------------------------------------------- the sheets

def known_frame(scores: Scores | None) -> pd.DataFrame | None:
    if scores is None:
        return None
    rows = [(pid, seq, day is not None, pd.Timestamp(day) if day else pd.NaT) for (pid, seq), day in scores.states.items()]
    frame = pd.DataFrame(rows, columns=["project_id", "seq", "done", "done_date"])
    frame["done_date"] = pd.to_datetime(frame["done_date"]).astype("datetime64[ns]")
    return frame


def text_date(day: D, style: str) -> str:
    if style == "dots":
        return f"{day.year}.{day.month}.{day.day}"
    if style == "month_day":
        return f"{day.month}月{day.day}日"
    return day.strftime("%Y%m%d")


def fill_sheet(rng: random.Random, book: openpyxl.Workbook, unit: str, period: int, by_key: dict[tuple[str, int], Node],
               scores: Scores, previous: Scores | None, mistakes: Mistakes, *, withhold: int = 0) -> dict[str, list[int]]:
    """Fill a unit's template as the unit would. ``withhold``: newly done nodes left 未完成
    (the wrong early version of a duplicate). Returns what was done, for the mistake bookkeeping."""
    sheet = book["进度填报"]
    cutoff = CUTOFFS[period - 1]
    col = {h: i for i, h in enumerate(HEADERS, start=1)}
    text_style = mistakes.text_dates.get((period, unit))
    status_word = mistakes.status_words.get((period, unit), "已完成")
    newly_done: list[int] = []
    first_rows: set[str] = set()
    deletable: list[int] = []
    for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
        pid, seq = sheet.cell(row, col["项目编号"]).value, sheet.cell(row, col["节点序号"]).value
        if pid is None:
            continue
        node = by_key[(str(pid), int(seq))]
        day = scores.states[node.key]
        was = previous.states[node.key] if previous else None
        new = day is not None and was is None
        if new and withhold > 0:
            withhold -= 1
            day = None
        cells = {h: sheet.cell(row, col[h]) for h in HEADERS}
        kind = node.project.kind
        if day is not None:
            cells["完成情况"].value = status_word if new else "已完成"
            cells["实际完成日期"].value = text_date(day, text_style) if new and text_style else day
            cells["形象进度（%）"].value = 100
            cells["进展情况"].value = f"已于{day.month}月{day.day}日{node.target}。"
            if new:
                newly_done.append(row)
            elif was == day:
                deletable.append(row)
        else:
            cells["完成情况"].value = "未完成"
            if node.due <= cutoff:
                # The same problem every period, and progress that creeps up while overdue.
                pct = min(95, 30 + 5 * ((cutoff - node.due).days // 4) + rng.randrange(0, 15, 5))
                cells["形象进度（%）"].value = pct
                cells["进展情况"].value = f"正在推进，已完成约{pct}%。"
                problems = PROBLEMS[kind]
                # One root cause per project, a second one for its later nodes.
                cells["存在问题"].value = problems[(int(node.project.id[2:]) + node.seq // 3) % len(problems)]
                promise = node.done if node.done and node.done > cutoff else cutoff + dt.timedelta(days=rng.randint(7, 20))
                cells["下步计划"].value = f"倒排工期、加派力量，力争{promise.month}月{promise.day}日前完成。"
            elif node.due <= cutoff + dt.timedelta(days=14):
                pct = rng.randrange(10, 70, 10)
                cells["形象进度（%）"].value = pct
                cells["进展情况"].value = "按计划推进中。"
                cells["下步计划"].value = f"确保{node.due.month}月{node.due.day}日前{node.target}。"
        if node.project.id not in first_rows:
            first_rows.add(node.project.id)
            if node.project.investment:
                share = min(1.0, 0.04 + 0.06 * period + rng.uniform(0, 0.04))
                cells["累计完成投资（万元）"].value = round(node.project.investment * share, 1)
        if node.project.id == "BR17" and node.seq == 2 and day is not None:
            cells["进展情况"].value = "征迁户腾空率达94%，超额完成节点目标。"
        if node.project.name == "众联科创产业中心" and node.seq == 2 and day is not None:
            cells["进展情况"].value = "征迁专班走访取证、调取原状地形图，12天完成地块界至划分。"
    return {"newly_done": newly_done, "deletable": deletable}


def truth_model(rng: random.Random) -> tuple[list[Node], dict[tuple[str, int], dt.datetime]]:
    """The plan's nodes with their real completion dates, and when each unit saved its sheets."""
    nodes = make_plan(rng)
    stamps = make_stamps(rng)
    assign_completions(rng, nodes)
    clamp_to_stamps(nodes, stamps)
    tidy_evaluation(nodes, stamps, 3, most=5)
    return nodes, stamps


def truth_scores(nodes: list[Node]) -> list[Scores]:
    """What a correct reader and scorer must find at periods 1–5."""
    history: list[Scores] = []
    for period in PERIODS:
        history.append(score(nodes, period, history[-1] if history else None))
    return history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "seeds", help="output folder (default: seeds/)")
    out: Path = parser.parse_args(argv).out
    rng = random.Random(SEED)
    nodes, stamps = truth_model(rng)

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "campaign.toml", TOML)
    atomic_write_text(out / "README.md", README)
    write_plan(out / "plan.xlsx", nodes)
    campaign = load_campaign(out)
    assert len(campaign.plan.nodes) == len(nodes)

    by_key = {n.key: n for n in nodes}
    mistakes = place_mistakes(truth_scores(nodes))
    sent: list[tuple[Path, dt.datetime, int]] = []  # (file, saved at, period): when it reached the office
    history: list[Scores] = []
    inputs = out / "inputs"
    for period in PERIODS:
        previous = history[-1] if history else None
        scores = score(nodes, period, previous)
        history.append(scores)
        folder = inputs / f"第{period:02d}期"
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        known = known_frame(previous)
        for unit, _, _ in UNITS:
            if (unit, period) == SILENT:
                continue
            stamp = stamps[(unit, period)]
            name = RENAMED.get((period, unit), template_filename(unit, period))
            book = build_template(campaign, unit, period, known)
            facts = fill_sheet(rng, book, unit, period, by_key, scores, previous, mistakes)
            if (period, unit) in mistakes.text_dates or (period, unit) in mistakes.status_words:
                assert facts["newly_done"], f"{unit} 第{period}期 has no new completion to misspell"
            if (period, unit) == mistakes.deleted_row:
                rows = facts["deletable"]
                assert rows, f"{unit} 第{period}期 has no unchanged done node to delete"
                book["进度填报"].delete_rows(rows[0])  # type: ignore[index]
            save_workbook(book, folder / name, stamp)
            sent.append((folder / name, stamp, period))
            if (period, unit) == mistakes.duplicate:
                assert len(new_completions(scores, previous, unit)) >= 2, "the duplicate needs two new completions"
                wrong = build_template(campaign, unit, period, known)
                fill_sheet(rng, wrong, unit, period, by_key, scores, previous, mistakes, withhold=2)
                draft = folder / f"{unit}-第{period:02d}期（初稿）.xlsx"
                save_workbook(wrong, draft, stamp - dt.timedelta(days=1, hours=6))
                sent.append((draft, stamp - dt.timedelta(days=1, hours=6), period))

    write_arrivals(out / "arrivals.json", sent)
    report(history, nodes, mistakes)
    return 0


LATE = {2: ["县人社局"], 3: ["泳溪乡", "县商务局"], 4: ["白鹤镇"], 5: ["南屏乡", "县水利局"]}  # sent after the cutoff day


def write_arrivals(path: Path, sent: list[tuple[Path, dt.datetime, int]]) -> None:
    """arrivals.json as leitai keeps it: when each sheet reached the office (the demo's ``leitai run``
    sees them then). Most arrive within hours of being saved; the units in LATE a day or two after
    the cutoff. A separate generator, so the sheets themselves stay as they were."""
    import json

    rng = random.Random(SEED + 16)
    files = {}
    for file, saved, period in sorted(sent, key=lambda s: (s[2], s[0].name)):
        arrived = saved + dt.timedelta(minutes=rng.randint(5, 150))
        if any(file.name.startswith(unit) or f"（{unit}）" in file.name for unit in LATE.get(period, [])):
            day = CUTOFFS[period - 1] + dt.timedelta(days=rng.choice([1, 2]))
            arrived = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)))
        files[sha256_file(file)] = {"first_seen": arrived.isoformat(), "file": file.name}
    atomic_write_text(path, json.dumps({"files": dict(sorted(files.items()))}, ensure_ascii=False, indent=1) + "\n")


def unit_of(project_id: str) -> str:
    return PROJECTS[int(project_id[2:]) - 1].unit


def new_completions(scores: Scores, previous: Scores | None, unit: str) -> list[tuple[str, int]]:
    return [k for k, day in scores.states.items()
            if day is not None and (previous is None or previous.states[k] is None) and unit_of(k[0]) == unit]


@dataclass
class Mistakes:
    text_dates: dict[tuple[int, str], str]
    status_words: dict[tuple[int, str], str]
    deleted_row: tuple[int, str]
    duplicate: tuple[int, str]


def place_mistakes(history: list[Scores]) -> Mistakes:
    used = {(SILENT[1], SILENT[0])}  # (period, unit)

    def pick(period: int, preferred: str, ok: object) -> tuple[int, str]:
        for unit in [preferred, *(u for u, _, _ in UNITS)]:
            if (period, unit) not in used and ok(period, unit):  # type: ignore[operator]
                used.add((period, unit))
                return (period, unit)
        raise AssertionError(f"no unit can carry a mistake in period {period}")

    def has_new(period: int, unit: str) -> bool:
        return bool(new_completions(history[period - 1], history[period - 2] if period > 1 else None, unit))

    def has_kept(period: int, unit: str) -> bool:
        now, before = history[period - 1], history[period - 2]
        return any(day is not None and before.states[k] == day and unit_of(k[0]) == unit for k, day in now.states.items())

    duplicate = pick(DUPLICATE[0], DUPLICATE[1], lambda period, unit: len(
        new_completions(history[period - 1], history[period - 2], unit)) >= 2)
    text_dates = {pick(period, unit, has_new): style for period, style, unit in TEXT_DATES}
    status_words = {pick(period, unit, has_new): word for period, word, unit in STATUS_WORDS}
    deleted = pick(DELETED_ROW[0], DELETED_ROW[1], has_kept)
    return Mistakes(text_dates, status_words, deleted, duplicate)


def report(history: list[Scores], nodes: list[Node], mistakes: Mistakes) -> None:
    """Print the truth model's headline numbers and assert SPEC §8's targets."""
    print("期次  应完成  已完成  完成率   红灯项目  亮红灯3次以上（其中本期红灯）  黄牌")
    rates, reds, escalated = [], [], []
    red_count: dict[str, int] = {}
    for period, s in zip(PERIODS, history):
        due, done = sum(s.due.values()), sum(s.done.values())
        rates.append(done / due)
        red_now = [pid for pid, light in s.lights.items() if light == "red"]
        for pid in red_now:
            red_count[pid] = red_count.get(pid, 0) + 1
        reds.append(len(red_now))
        escalated.append([pid for pid, count in red_count.items() if count >= ESCALATE])
        print(f"第{period}期  {due:5d}  {done:6d}  {done / due:6.1%}  {len(red_now):6d}  {len(escalated[-1]):12d}"
              f"（{sum(pid in red_now for pid in escalated[-1])}）  {len(s.cards) if period in EVALUATIONS else ''}")
    final = history[-1]
    cutoff = CUTOFFS[-1]
    overdue = {pid: sum(n.project.id == pid and n.due <= cutoff and final.states[n.key] is None for n in nodes)
               for pid, light in final.lights.items() if light == "red"}
    names = {pr.id: pr.name for pr in projects_of(nodes)}
    print("第5期红灯项目（逾期节点数/累计亮红灯次数）：")
    print("  " + "、".join(f"{names[pid]}（{n}/{red_count[pid]}）" for pid, n in sorted(overdue.items())))
    order = sorted((u for u in final.due if final.due[u]),
                   key=lambda u: (-final.done[u] / final.due[u], -final.ahead[u], final.red[u]))
    print("第5期末位 5 个单位（由高到低）：")
    for u in order[-5:]:
        mark = "黄牌" if u in final.cards else ""
        print(f"  {u:10s} {final.done[u]:3d}/{final.due[u]:3d} = {final.rate(u):6.1%}  提前{final.ahead[u]} 红灯{final.red[u]} {mark}")
    chengqian = next(pr.id for pr in projects_of(nodes) if pr.name == "城前公路改造提升")
    lights = [s.lights[chengqian] for s in history]
    print("城前公路改造提升：", " ".join(lights))
    full = [u for u in final.due if final.rate(u) == 1.0]
    print("第3期黄牌：", "、".join(history[2].cards))
    print("第5期 100% 的单位：", "、".join(full))

    failures = []
    if abs(rates[-1] - TARGET_RATE) > 0.005:
        failures.append(f"第5期完成率 {rates[-1]:.2%}，目标 85%±0.5")
    # Most projects green, the overdue nodes concentrated in the hard ones, a handful escalated.
    if not 10 <= reds[-1] <= 16:
        failures.append(f"第5期红灯项目 {reds[-1]} 个，应为 10–16 个")
    if not 4 <= len(escalated[-1]) <= 8:
        failures.append(f"第5期累计亮红灯3次以上的项目 {len(escalated[-1])} 个，应为 4–8 个")
    if not 4 <= sum(final.lights[pid] == "red" for pid in escalated[-1]):
        failures.append("第5期仍亮红灯的重点督办项目少于4个")
    if not 8 <= reds[0] <= 14 or not all(8 <= r <= 18 for r in reds):
        failures.append(f"各期红灯项目 {reds}，第1期应为 8–14 个、各期不超过 18 个")
    if sum(n >= 2 for n in overdue.values()) < 0.75 * len(overdue):
        failures.append(f"逾期节点没有集中：{sorted(overdue.values())}")
    if any(final.rate(u) != 1.0 for u in TOP):
        failures.append(f"{TOP} 第5期应全部 100%")
    if sorted(final.cards) != sorted(WEAK):
        failures.append(f"第5期黄牌 {final.cards}，应为 {WEAK}")
    fifth = order[-YELLOW_CARDS - 1]
    if any(final.rate(u) >= final.rate(fifth) for u in final.cards):  # type: ignore[operator]
        failures.append("末位4个单位与第5名的完成率没有拉开")
    if lights != ["red", "red", "red", "green", "green"]:
        failures.append(f"城前公路改造提升亮灯 {lights}，应为红红红绿绿")
    if not 4 <= len(history[2].cards) <= 5:
        failures.append(f"第3期黄牌 {len(history[2].cards)} 个，应为 4–5 个")
    if len(full) < 3:
        failures.append("第5期 100% 的单位少于3个")
    if not final.ahead or sum(final.ahead.values()) < 5:
        failures.append("提前完成的节点太少")
    turned = sum(a.lights[k] == "red" and b.lights[k] == "green" for a, b in zip(history, history[1:]) for k in a.lights)
    if turned < 4:
        failures.append("由红转绿的项目太少")
    jumps = {u: max((a.rank[u] - b.rank[u] for a, b in zip(history, history[1:]) if u in a.rank and u in b.rank),
                    default=0) for u in final.rank}
    jump = max(jumps.values())
    if jump < 5 or jumps[COMEBACK] != jump:
        failures.append(f"名次最大上升仅 {jump} 位，{COMEBACK} 上升 {jumps[COMEBACK]} 位")
    if not final.rank[FALLER] > history[2].rank[FALLER]:
        failures.append(f"{FALLER} 第3期后名次应下滑")
    if not rates[-1] - rates[0] >= 0.1 or rates != sorted(rates):
        failures.append(f"完成率应逐期上升：{[f'{r:.1%}' for r in rates]}")
    if LATE_STARTER in history[0].rank:
        failures.append(f"{LATE_STARTER} 第1期应无应完成节点")
    if not 400 <= len(nodes) <= 440:
        failures.append(f"节点数 {len(nodes)}")
    print(f"节点 {len(nodes)} 个；名次最大上升 {jump} 位；由红转绿 {turned} 次")
    print(f"未报送：第{SILENT[1]}期 {SILENT[0]}")
    for (period, unit), style in mistakes.text_dates.items():
        print(f"文本日期（{style}）：第{period}期 {unit}")
    for (period, unit), word in mistakes.status_words.items():
        print(f"完成情况写作“{word}”：第{period}期 {unit}")
    print(f"删除节点行：第{mistakes.deleted_row[0]}期 {mistakes.deleted_row[1]}")
    print(f"重复报送（初稿在前、正式稿在后）：第{mistakes.duplicate[0]}期 {mistakes.duplicate[1]}")
    if failures:
        print("未达到演示目标：\n  " + "\n  ".join(failures), file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    raise SystemExit(main())
