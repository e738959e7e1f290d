"""The campaign: settings from campaign.toml and the plan from plan.xlsx (SPEC §4).

``load_campaign(folder)`` returns a ``Campaign`` or raises: ``SettingsError`` names the
bad key and its accepted values; ``PlanError`` lists every plan error by sheet, row and
column. Nothing else runs on a broken campaign.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import CampaignError, PlanError, SettingsError
from ..normalize import clean_header, clean_text, is_blank, nfkc, parse_date, parse_number
from ..problems import cell_ref
from . import changes as planchanges
from .plansheet import Sheet, clean_nodes, read_book, shown
from .settings import (  # noqa: F401  (re-exported: the campaign's settings are imported from here too)
    DATE_WINDOW,
    DEFAULT_CLOSING,
    CampaignInfo,
    ReportSettings,
    Rules,
    Schedule,
    Settings,
    Supervision,
    load_settings,
    period_label,
)


@dataclass(frozen=True)
class Plan:
    """The office's plan as DataFrames.

    projects: id, name, category, unit, leader, investment (总投资, 万元, float or NaN), note,
              plan_investment (计划投资: the campaign's planned investment, 万元, float or NaN),
              included (纳入日期: datetime64, NaT when the project counts from the start)
    nodes:    project_id, seq (int), target, due (datetime64, day precision: the 节点 sheet's date)
    units:    unit, group, aliases (tuple of str)
    changes:  the 计划调整 register (planchanges.CHANGE_COLUMNS; seq 0 = the whole project)
    Categories keep the order of first appearance in the 项目 sheet; groups likewise in 单位.
    """

    projects: pd.DataFrame
    nodes: pd.DataFrame
    units: pd.DataFrame
    categories: tuple[str, ...]
    groups: tuple[str, ...]
    alias_map: dict[str, str] = field(default_factory=dict)  # any spelling -> unit name
    changes: pd.DataFrame = field(default_factory=planchanges.empty_changes)

    def resolve_unit(self, name: str) -> str | None:
        """The plan's unit name for a spelling (name or alias), or None."""
        return self.alias_map.get(unit_key(name))


@dataclass(frozen=True)
class Campaign:
    folder: Path
    settings: Settings
    plan: Plan

    @property
    def ledger_path(self) -> Path:
        return self.folder / "history.sqlite"


def unit_key(name: str) -> str:
    """Canonical spelling for matching unit names: NFKC, no spaces or punctuation."""
    return re.sub(r"[\s()（）·、,，.。\-—_]", "", nfkc(str(name)))



# Ranges a plan's values must fall in (SPEC is silent; these catch typing slips).
MAX_NODE_SEQ = 9999
DUE_MARGIN_DAYS = 3653     # a node's due date: within ten years of the campaign's start and end
TEXT_LIMIT = 1_000_000  # plan text is not cut: lengths are checked against NAME_LIMITS
NAME_LIMITS = {"单位名称": 50, "分组": 30, "项目编号": 30, "项目名称": 100, "所属板块": 30, "节点目标": 200}


# ------------------------------------------------------------------------------- plan

_PLAN_SHEETS = {
    "项目": {"项目编号": True, "项目名称": True, "所属板块": True, "牵头单位": True,
             "责任领导": False, "总投资(万元)": False, "备注": False, "计划投资(万元)": False, "纳入日期": False},
    "节点": {"项目编号": True, "节点序号": True, "节点目标": True, "计划完成日期": True},
    "单位": {"单位名称": True, "分组": True, "别名": False},
    planchanges.SHEET: planchanges.HEADERS,  # optional: read only when present
}
_OPTIONAL_SHEETS = {planchanges.SHEET}


def _read_plan_sheet(book: dict[str, list[list[Any]]], sheet: str, errors: list[str]) -> Sheet | None:
    names = {clean_header(n): n for n in book}
    if sheet not in names:
        if sheet in _OPTIONAL_SHEETS:
            return None
        errors.append(f"缺少工作表“{sheet}”（现有：{'、'.join(book) or '无'}）")
        return None
    rows = book[names[sheet]]
    columns: dict[str, int] = {}
    for index, header in enumerate(rows[0] if rows else [], start=1):
        key = clean_header(header)
        if key and key not in columns:
            columns[key] = index
    missing = [h for h, required in _PLAN_SHEETS[sheet].items() if required and h not in columns]
    if missing:
        errors.append(f"工作表“{sheet}”第1行缺少表头：{'、'.join(missing)}")
        return None
    return Sheet(rows[1:], columns)


def load_plan(path: Path, settings: Settings) -> Plan:
    """Read plan.xlsx; raises PlanError listing every error by sheet, row and column."""
    # The cells and rows read are plain values without cycles: the garbage collector, which
    # would walk all of them again and again while they are made, waits until the plan is read.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_plan(path, settings)
    finally:
        if collecting:
            gc.enable()


def _load_plan(path: Path, settings: Settings) -> Plan:
    if not path.exists():
        raise CampaignError(f"找不到计划表 {path}：请在攻坚行动文件夹中放置 plan.xlsx（可用 leitai init 生成示例）")
    try:
        book = read_book(path)
    except Exception as exc:  # any reader failure on the office's own file is fatal
        raise CampaignError(f"计划表 {path.name} 无法打开（{exc}），请用 Excel 另存为 .xlsx 后重试") from None
    errors: list[str] = []
    read = {sheet: _read_plan_sheet(book, sheet, errors) for sheet in _PLAN_SHEETS}
    if errors:
        raise PlanError(str(path), errors)
    span = (settings.campaign.start, settings.campaign.end)

    def where(sheet: str, row: int, header: str) -> str:
        column = read[sheet].columns.get(header)  # type: ignore[union-attr]
        place = cell_ref(row + 2, column) if column else f"第{row + 2}行"
        return f"“{sheet}”表 {place}（{header}）"

    texts: dict[Any, str] = {}

    def text(value: Any) -> str:
        """A cell as text (a whole number without its .0); each distinct cell cleaned once."""
        if type(value) is not str:
            return clean_text(int(value) if isinstance(value, float) and value.is_integer() else value,
                              limit=TEXT_LIMIT)
        cleaned = texts.get(value)
        if cleaned is None:
            cleaned = texts[value] = clean_text(value, limit=TEXT_LIMIT)
        return cleaned

    def too_long(sheet: str, row: int, header: str, value: str) -> bool:
        limit = NAME_LIMITS[header]
        if len(value) > limit:
            errors.append(f"{where(sheet, row, header)} 长 {len(value)} 字，超过 {limit} 字的上限：请精简")
            return True
        return False

    # 单位
    sheet = read["单位"]
    assert sheet is not None
    units, alias_map, groups = [], {}, []  # type: list[dict[str, Any]], dict[str, str], list[str]
    unit_names = sheet.column("单位名称")
    for i, (name_raw, group_raw, alias_raw) in enumerate(zip(unit_names, sheet.column("分组"), sheet.column("别名"))):
        name, group = text(name_raw), text(group_raw)
        if not name and not group:
            continue
        if not name:
            errors.append(f"{where('单位', i, '单位名称')} 为空")
            continue
        if not group:
            errors.append(f"{where('单位', i, '分组')} 为空：请填写分组，如“乡镇（街道）”或“部门”")
            continue
        if too_long("单位", i, "单位名称", name) | too_long("单位", i, "分组", group):
            continue
        twin = next((g for g in groups if g != group and unit_key(g) == unit_key(group)), None)
        if twin is not None:
            errors.append(f"{where('单位', i, '分组')} 分组“{group}”与“{twin}”只差空格、标点或全角半角，"
                          f"会被当成两个分组：请统一写成一种")
            continue
        if unit_key(name) in alias_map:
            first = next((j + 2 for j, u in enumerate(unit_names) if unit_key(text(u)) == unit_key(name)), None)
            errors.append(f"{where('单位', i, '单位名称')} 单位“{name}”重复（第{first}行已有）")
            continue
        aliases = tuple(a for a in re.split(r"[、,，;；\s]+", text(alias_raw)) if a)
        alias_map[unit_key(name)] = name
        for alias in aliases:
            other = alias_map.get(unit_key(alias))
            if other and other != name:
                errors.append(f"{where('单位', i, '别名')} 别名“{alias}”已用于“{other}”")
            alias_map.setdefault(unit_key(alias), name)
        if group not in groups:
            groups.append(group)
        units.append({"unit": name, "group": group, "aliases": aliases})

    # 项目
    sheet = read["项目"]
    assert sheet is not None
    projects, categories, seen = [], [], {}  # type: list[dict[str, Any]], list[str], dict[str, int]
    keys = ("项目名称", "所属板块", "牵头单位", "责任领导", "备注")
    amounts = {h: sheet.column(h) if h in sheet.columns else None for h in ("总投资(万元)", "计划投资(万元)")}
    included_raw = sheet.column("纳入日期") if "纳入日期" in sheet.columns else None
    for i, (pid_raw, *cells) in enumerate(zip(sheet.column("项目编号"), *(sheet.column(k) for k in keys))):
        pid = text(pid_raw)
        values = {k: text(v) for k, v in zip(keys, cells)}
        if not pid and not any(values.values()):
            continue
        if not pid:
            errors.append(f"{where('项目', i, '项目编号')} 为空")
            continue
        if pid in seen:
            errors.append(f"{where('项目', i, '项目编号')} 项目编号“{pid}”重复（第{seen[pid]}行已有）")
            continue
        seen[pid] = i + 2
        for header in ("项目名称", "所属板块", "牵头单位"):
            if not values[header]:
                errors.append(f"{where('项目', i, header)} 为空")
        too_long("项目", i, "项目编号", pid)
        too_long("项目", i, "项目名称", values["项目名称"])
        too_long("项目", i, "所属板块", values["所属板块"])
        twin = next((c for c in categories if c != values["所属板块"] and unit_key(c) == unit_key(values["所属板块"])), None)
        if twin is not None:
            errors.append(f"{where('项目', i, '所属板块')} 板块“{values['所属板块']}”与“{twin}”只差空格、标点或全角半角："
                          f"请统一写成一种")
        unit = alias_map.get(unit_key(values["牵头单位"])) if values["牵头单位"] else None
        if values["牵头单位"] and unit is None:
            errors.append(f"{where('项目', i, '牵头单位')} 牵头单位“{values['牵头单位']}”不在“单位”表中")
        place = functools.partial(where, "项目", i)
        investment, planned = (_plan_amount(None if column is None else column[i], header, place, errors)
                               for header, column in amounts.items())
        included = None
        if included_raw is not None and not is_blank(included_raw[i]):
            try:
                included = parse_date(included_raw[i], year=settings.campaign.start.year, span=span)
            except ValueError:
                errors.append(f"{where('项目', i, '纳入日期')} 无法识别的日期“{shown(included_raw[i])}”，请填写如 2020-10-12")
            if included is not None and included > settings.campaign.end:
                errors.append(f"{where('项目', i, '纳入日期')} {included.isoformat()} 晚于行动结束日期 "
                              f"{settings.campaign.end.isoformat()}")
        if values["所属板块"] and values["所属板块"] not in categories:
            categories.append(values["所属板块"])
        projects.append({
            "id": pid, "name": values["项目名称"], "category": values["所属板块"],
            "unit": unit or values["牵头单位"], "leader": values["责任领导"],
            "investment": investment, "note": values["备注"], "plan_investment": planned, "included": included,
        })

    # 节点
    sheet = read["节点"]
    assert sheet is not None
    nodes: list[tuple[str, int, str, dt.date]] = []
    node_seen: dict[tuple[str, int], int] = {}
    year = settings.campaign.start.year
    columns = (sheet.column("项目编号"), sheet.column("节点序号"), sheet.column("节点目标"), sheet.column("计划完成日期"))
    fast = clean_nodes(*columns, text, seen)
    if fast is not None:  # the usual sheet: every row whole and right, checked column by column
        nodes, columns = fast, ([], [], [], [])
    for i, (pid_raw, seq_raw, target_raw, due_raw) in enumerate(zip(*columns)):
        pid, target = text(pid_raw), text(target_raw)
        if not pid and is_blank(seq_raw) and not target and is_blank(due_raw):
            continue
        if pid not in seen:
            errors.append(f"{where('节点', i, '项目编号')} 项目“{pid}”不在“项目”表中" if pid else f"{where('节点', i, '项目编号')} 为空")
            continue
        try:
            if type(seq_raw) is int and 1 <= seq_raw <= MAX_NODE_SEQ:  # what a typed number mostly is
                seq = seq_raw
            else:
                seq_f = float(seq_raw) if type(seq_raw) is float else float(nfkc(str(seq_raw)).strip())
                if not seq_f.is_integer() or not 1 <= seq_f <= MAX_NODE_SEQ:
                    raise ValueError
                seq = int(seq_f)
        except (ValueError, OverflowError):
            errors.append(f"{where('节点', i, '节点序号')} 为空" if is_blank(seq_raw) else
                          f"{where('节点', i, '节点序号')} 应为 1 至 {MAX_NODE_SEQ} 的整数（现为“{shown(seq_raw)}”）")
            continue
        if (pid, seq) in node_seen:
            errors.append(f"{where('节点', i, '节点序号')} 项目“{pid}”的节点 {seq} 重复（第{node_seen[(pid, seq)]}行已有）")
            continue
        node_seen[(pid, seq)] = i + 2
        try:
            due = parse_date(due_raw, year=year)
        except ValueError:
            due = None
            errors.append(f"{where('节点', i, '计划完成日期')} 无法识别的日期“{shown(due_raw)}”，请填写如 {settings.campaign.start.isoformat()}")
            continue
        if due is None:
            errors.append(f"{where('节点', i, '计划完成日期')} 为空")
            continue
        low = settings.campaign.start - dt.timedelta(days=DUE_MARGIN_DAYS)
        high = settings.campaign.end + dt.timedelta(days=DUE_MARGIN_DAYS)
        if not low <= due <= high:
            errors.append(f"{where('节点', i, '计划完成日期')} {due} 超出合理范围（行动起止日期前后十年内，"
                          f"即 {low} 至 {high}），请检查年份")
            continue
        if not target:
            errors.append(f"{where('节点', i, '节点目标')} 为空")
        too_long("节点", i, "节点目标", target)
        nodes.append((pid, seq, target, due))

    changes = planchanges.empty_changes()
    register = read[planchanges.SHEET]
    if register is not None:
        changes = planchanges.read_changes(
            register.frame(), lambda i, header: where(planchanges.SHEET, i, header),
            {(pid, seq): due for pid, seq, _, due in nodes}, set(seen), span, errors)

    if not projects and not errors:
        errors.append("“项目”表中没有项目")
    if projects and not nodes and not errors:
        errors.append("“节点”表中没有节点：请为每个项目填写节点（项目编号、节点序号、节点目标、计划完成日期）")
    if errors:
        raise PlanError(str(path), errors)

    project_frame = pd.DataFrame(projects, columns=["id", "name", "category", "unit", "leader", "investment", "note",
                                                    "plan_investment", "included"])
    project_frame["included"] = pd.to_datetime(project_frame["included"]).astype("datetime64[ns]")
    node_frame = pd.DataFrame(nodes, columns=["project_id", "seq", "target", "due"])
    node_frame["due"] = pd.to_datetime(node_frame["due"]).astype("datetime64[ns]")
    node_frame["seq"] = node_frame["seq"].astype("int64")
    node_frame = node_frame.sort_values(["project_id", "seq"], key=_natural_key).reset_index(drop=True)
    unit_frame = pd.DataFrame(units, columns=["unit", "group", "aliases"])
    return Plan(project_frame, node_frame, unit_frame, tuple(categories), tuple(groups), alias_map, changes)


def _plan_amount(value: Any, header: str, where: Any, errors: list[str]) -> float:
    """An optional 万元 amount of the 项目 sheet: NaN when blank (or the sheet has no such column);
    not a number or negative is an error."""
    if is_blank(value):
        return float("nan")
    try:
        amount = float(parse_number(value) or 0.0)
    except ValueError:
        errors.append(f"{where(header)} 不是数字：“{shown(value)}”")
        return float("nan")
    if amount < 0 and header == "计划投资(万元)":
        errors.append(f"{where(header)} 不能为负数：“{shown(value)}”")
    return amount


def _natural_key(column: pd.Series) -> pd.Series:
    if column.dtype != object:
        return column
    keys = {s: [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", str(s))] for s in column.unique()}
    return column.map(keys)  # each distinct id split once (a project has several nodes)


def load_campaign(folder: Path | str) -> Campaign:
    """Settings and plan of the campaign in ``folder``; raises CampaignError on any error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CampaignError(f"找不到攻坚行动文件夹 {folder}：请用 --campaign 指定，或先运行 leitai init {folder}")
    settings = load_settings(folder / "campaign.toml")
    plan = load_plan(folder / "plan.xlsx", settings)
    for group in settings.rules.cards_per_group() or {}:
        if group not in plan.groups:
            raise SettingsError(f"campaign.toml：[rules] yellow_cards 中的分组“{group}”不在计划表“单位”页的分组中"
                                f"（现有：{'、'.join(plan.groups)}），请改成一致的名称")
    return Campaign(folder.resolve(), settings, plan)
