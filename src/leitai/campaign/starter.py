"""``leitai init``: a new campaign folder an office can fill in.

Writes a commented campaign.toml (every setting with its default and the accepted
values), an example plan.xlsx with the three sheets and a few rows to overwrite, an empty
计划调整 register whose one example row starts with # (the reader skips it), and the
inputs/ and outputs/ folders. Dates start from ``today`` so the example is current.

The example speaks as the office that runs it: ``level`` (县, 区, 市, 省, 镇, 乡; given, or read from
``issuer``) names its units, groups (乡镇（街道）/县级部门 for a county, 县（市、区）/市级部门 for a
city …) and 抄送 bodies; without either it is a county's.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ..errors import InputError
from ..fileio import atomic_write_text, save_workbook
from .office import default_cc, infer_level, parse_level
from .plan import period_label

CAMPAIGN_TOML = """\
# 攻坚行动设置（leitai）。以 # 开头的行是说明，可删除。修改后保存为 UTF-8 编码。
# 日期写成 2020-09-01 的形式（月、日各两位）；文字加英文双引号。

[campaign]
# 行动全称（必填）
name = "{name}"
# 简称，用于表格标题
short_name = "百日攻坚"
# 发文机关，显示在通报红头
issuer = "{issuer}"
# 文号前缀：文号 = 前缀 + 期次 + 号
doc_prefix = "×攻坚办〔{year}〕"
# 通报和图表中对行动范围的称谓（全县、全区、全市、全省、全镇等）；不填则按发文机关名称推断
{level_line}
# 开始、结束日期
start = {start}
end = {end}

[periods]
# 第1期截止日期，此后每隔 every_days 天一期；也可改用 cutoffs = [日期, 日期, ...] 逐期列出。
# 最后一期的截止日期若早于结束日期，结束日期自动成为最后一期（较短）的截止日期。
first_cutoff = {first}
every_days = 14
# 每几期督评一次（发黄牌）；也可改用 evaluations = [3, 5, 7] 列出督评期次
evaluate_every = 2

[rules]
# 督评时黄牌数：一个数字表示全部单位合并排序取末位；
# 也可按分组：yellow_cards = {{ "{place_group}" = 2, "{dept_group}" = 2 }}
yellow_cards = 4
# "two"：红绿两色；"three"：逾期在宽限期（grace_days 天）内亮黄灯
lights = "two"
grace_days = 7
# 累计亮红灯达到几次列入重点督办
escalate_red_count = 3
# 未报送单位："carry_forward" 沿用已知进度；"rank_last" 排在末位
no_submission = "carry_forward"
# 排名依据："cumulative" 累计完成率；"period" 本期完成率；"score" 综合得分（权重见下方 [score]）
rank_by = "cumulative"
# 以下为可选规则，不填则不启用：
# 逾期完成后追平：上期亮红灯、本期逾期节点已全部完成的项目亮黄灯一期（"none" 不启用）
# caught_up = "yellow"
# 投资亮灯（需在计划表“项目”页填写“计划投资（万元）”）：投资完成率不低于序时进度减第一个数（百分点）
# 为绿灯，不低于序时进度减第二个数为黄灯，否则红灯；只显示在节点亮灯旁，不改变节点亮灯
# investment_bands = [0, 20]
# 序时进度："elapsed" 按已过天数占行动总天数计算（默认）；也可每期列出一个百分数，如 [14, 28, 42, ...]
# time_progress = "elapsed"

# 综合得分（rank_by = "score" 时必填）：各项分值，得分 = 累计节点完成率×nodes + 本期节点完成率×period_nodes
# + 投资完成率与序时进度之比（最高按1计）×investment + 期次文件夹中“加减分.xlsx”（单位、分值、事由）的加减分
# [score]
# nodes = 60
# period_nodes = 0
# investment = 40

[report]
# 自定义通报模板（相对于本文件夹）；不填用自带模板
# template = "reports/briefing.docx"
# 图表字体：字体文件（相对于本文件夹）或已安装的字体名；不填自动选择
# font = "fonts/微软雅黑.ttf"
# 版记抄送单位；不填则按层级生成，如“{cc}”；
# 填 cc = "" 则不印抄送行
# cc = "{cc}"
# 印发机关；不填即发文机关
# printed_by = "{issuer}"
# 下步要求
closing = "各单位要对照节点任务，倒排工期、挂图作战，确保按期完成；对亮红灯的项目，牵头单位要逐项分析原因，明确整改措施和完成时限。"
# 通报 PDF："auto" 装有 LibreOffice 时生成；"always" 必须生成（未安装则提示）；"never" 不生成
pdf = "auto"

[supervision]
# 预警范围：0 表示截止日之后到下一截止日；填天数则为截止日之后若干天
warning_days = 0
# 督办升级：文书名称 = 亮红灯次数（红灯项目按达到的最高一级出文书，放在 outputs/第NN期/督办单/）
ladder = {{ "提醒单" = 2, "督办单" = 3 }}
# 督办单要求回复的期限：发文日期（报送截止日，有迟报或未报送时稍后）后几天
reply_days = 5
# 报送截止：截止日期后几天（0 表示截止当天），晚于此日到达的记为迟报
submit_days = 0
"""

# Per level: the two groups (its places, its departments) and two example units of each, the
# first department with an alias (a shorter spelling units use).
OFFICES: dict[str, tuple[str, str, tuple[str, str], tuple[str, str]]] = {
    "县": ("乡镇（街道）", "县级部门", ("示例街道", "示例镇"), ("县示例局", "县另一局")),
    "区": ("街道（镇）", "区级部门", ("示例街道", "示例镇"), ("区示例局", "区另一局")),
    "市": ("县（市、区）", "市级部门", ("示例区", "示例县"), ("市示例局", "市另一局")),
    "省": ("设区市", "省级部门", ("示例市", "另一市"), ("省示例厅", "省另一厅")),
    "镇": ("村（社区）", "镇属单位", ("示例村", "示例社区"), ("镇示例办", "镇另一站")),
    "乡": ("村（社区）", "乡属单位", ("示例村", "另一村"), ("乡示例办", "乡另一站")),
}
LEVEL_CHOICES = tuple(OFFICES)


def _units(level: str) -> list[tuple[str, str, str]]:
    place_group, dept_group, places, depts = OFFICES[level]
    return [(places[0], place_group, ""), (places[1], place_group, ""),
            (depts[0], dept_group, depts[0].removeprefix(level)), (depts[1], dept_group, "")]


PROJECTS = [("01", "示例道路改造工程", "项目推进", 0, "", 3000, ""),
            ("02", "示例区块征迁", "重点区块征迁", 1, "", None, ""),
            ("03", "示例产业园建设", "项目推进", 2, "", 52000, ""),
            ("04", "示例民生实事", "重要民生实事", 3, "", 500, "")]  # lead unit: an index into the units
NODE_TARGETS = [("01", ["完成初步设计", "开工建设", "完成路基工程"]),
                ("02", ["完成入户调查", "签约率达50%", "全部签约并腾空"]),
                ("03", ["完成土地供应", "开工建设"]),
                ("04", ["完成招标", "完工并投用"])]


def office_level(level: str | None = None, issuer: str | None = None) -> str:
    """The level the example speaks at: ``level`` (县 or 全县 …), else the one ``issuer`` names, else 县.

    Raises InputError for a level the example has no words for, naming the accepted ones.
    """
    if level:
        whole = parse_level(level)
        bare = whole.removeprefix("全") if whole else None
        if bare not in OFFICES:
            raise InputError(f"层级 {level!r} 无效，可写：{'、'.join(LEVEL_CHOICES)}（或全县、全市等）")
        return bare
    inferred = infer_level(issuer) if issuer else None
    return inferred if inferred in OFFICES else "县"


def starter_toml(start: dt.date, level: str = "县", issuer: str | None = None, explicit: bool = False) -> str:
    """campaign.toml of a new campaign at ``level`` (a key of OFFICES); ``issuer`` the 发文机关 if known.
    ``explicit``: the office named its level, so ``level`` is set rather than left to the issuer's name."""
    place_group, dept_group = OFFICES[level][:2]
    office = issuer or f"××{level}百日攻坚行动指挥部办公室"
    base = office.removesuffix("指挥部办公室").removesuffix("办公室")
    name = base if issuer and base != office else f"××{level}“通堵点、破难点”百日攻坚行动"
    whole = f"全{level}"
    level_line = f'level = "{whole}"' if explicit else f'# level = "{whole}"'
    return CAMPAIGN_TOML.format(
        year=start.year, start=start, end=start + dt.timedelta(days=99), first=start + dt.timedelta(days=13),
        name=name, issuer=office, level_line=level_line, place_group=place_group, dept_group=dept_group,
        cc=default_cc(whole, office))


def init_campaign(folder: Path, today: dt.date | None = None, level: str | None = None,
                  issuer: str | None = None) -> Path:
    """Create the campaign folder; refuses to overwrite an existing campaign. ``level`` (县, 区, 市, 省,
    镇, 乡, or 全县 …) and ``issuer`` (the 发文机关) make the example speak as that office."""
    folder = Path(folder)
    if (folder / "campaign.toml").exists() or (folder / "plan.xlsx").exists():
        raise InputError(f"{folder} 中已有 campaign.toml 或 plan.xlsx，为免覆盖未做任何改动；请换一个新文件夹")
    if issuer is not None and (not issuer.strip() or '"' in issuer or "\\" in issuer or "\n" in issuer):
        raise InputError(f"发文机关 {issuer!r} 无效：请写机关全称，不含引号、反斜杠或换行")
    bare = office_level(level, issuer)
    start = today or dt.date.today()
    end = start + dt.timedelta(days=99)
    atomic_write_text(folder / "campaign.toml", starter_toml(start, bare, issuer and issuer.strip(), bool(level)))
    save_workbook(example_plan(start, end, bare), folder / "plan.xlsx", dt.datetime.combine(start, dt.time()))
    (folder / "inputs" / period_label(1)).mkdir(parents=True, exist_ok=True)
    (folder / "outputs").mkdir(exist_ok=True)
    return folder


def example_plan(start: dt.date, end: dt.date, level: str = "县") -> Workbook:
    """plan.xlsx with the three sheets SPEC §4 names and a few example rows, units of ``level``."""
    units = _units(level)
    book = Workbook()
    header_font, header_fill = Font(bold=True), PatternFill("solid", fgColor="D9D9D9")

    def sheet(title: str, headers: list[str], rows: list[list[object]], widths: list[int]) -> None:
        ws = book.create_sheet(title)
        ws.append(headers)
        for cell in ws[1]:
            cell.font, cell.fill = header_font, header_fill
        for row in rows:
            ws.append(row)
        for col, width in enumerate(widths):
            ws.column_dimensions[chr(65 + col)].width = width
        ws.freeze_panes = "A2"

    book.remove(book.active)
    sheet("项目", ["项目编号", "项目名称", "所属板块", "牵头单位", "责任领导", "总投资（万元）", "备注", "纳入日期"],
          [[pid, name, category, units[lead][0], *rest] for pid, name, category, lead, *rest in PROJECTS],
          [10, 28, 14, 14, 10, 14, 20, 12])
    span = (end - start).days
    nodes: list[list[object]] = []
    for pid, targets in NODE_TARGETS:
        for seq, target in enumerate(targets, start=1):
            due = start + dt.timedelta(days=round(span * seq / (len(targets) + 0.5)))
            nodes.append([pid, seq, target, due])
    sheet("节点", ["项目编号", "节点序号", "节点目标", "计划完成日期"], nodes, [10, 10, 30, 14])
    for row in book["节点"].iter_rows(min_row=2, min_col=4, max_col=4):
        row[0].number_format = "yyyy-mm-dd"
    sheet("单位", ["单位名称", "分组", "别名"], [list(u) for u in units], [16, 14, 24])
    # The register starts empty: its one row is an example the reader skips (项目编号 starts with #).
    example_due = start + dt.timedelta(days=round(span / (len(NODE_TARGETS[0][1]) + 0.5)))  # node 01#1's date
    example_approved = start + dt.timedelta(days=10)
    sheet("计划调整", ["项目编号", "节点序号", "调整类型", "调整后日期", "批准日期", "批准依据", "说明"],
          [[f"#示例：{nodes[0][0]}", nodes[0][1], "延期", example_due + dt.timedelta(days=20), example_approved,
            f"×攻坚指〔{start.year}〕1号", "以 # 开头的行是示例，不计入；登记调整时请另起一行，类型为延期、提前、取消或豁免"]],
          [14, 10, 10, 14, 14, 20, 60])
    for row in book["计划调整"].iter_rows(min_row=2, min_col=4, max_col=5):
        for cell in row:
            cell.number_format = "yyyy-mm-dd"
    return book
