"""The campaign's settings from campaign.toml (SPEC §4): what the campaign is, its periods,
rules, report and supervision settings, as frozen dataclasses.

``load_settings(path)`` returns ``Settings`` or raises ``SettingsError`` naming the bad key
and its accepted values; the optional rules are ``rulesettings``'. The plan is ``campaign``'s.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..errors import SettingsError
from ..normalize import parse_date
from .office import infer_level, parse_level, whole_word
from .rules import OPTIONAL_RULES, SCORE_PARTS, optional_rules, optional_rules_dict

DEFAULT_CLOSING = (
    "各单位要对照节点任务，倒排工期、挂图作战，确保按期完成；对亮红灯的项目，牵头单位要逐项分析原因，"
    "明确整改措施和完成时限；被亮黄牌的单位要深刻反思、迎头赶上。指挥部办公室将持续跟踪督办，"
    "对连续亮红灯的项目实行重点督办。"
)


@dataclass(frozen=True)
class CampaignInfo:
    name: str
    short_name: str
    issuer: str
    doc_prefix: str
    start: dt.date
    end: dt.date
    level: str = ""  # the whole as written (全市); '' = inferred from the issuer

    @property
    def whole(self) -> str:
        """How the campaign's whole is named in text and pictures: 全县, 全区, 全市 …"""
        return self.level or whole_word(infer_level(self.issuer))


@dataclass(frozen=True)
class Schedule:
    """Cutoff dates of periods 1..n (``cutoffs[0]`` ends period 1) and evaluation periods."""

    cutoffs: tuple[dt.date, ...]
    evaluations: frozenset[int]

    @property
    def count(self) -> int:
        return len(self.cutoffs)

    def cutoff(self, period: int) -> dt.date:
        if not 1 <= period <= len(self.cutoffs):
            from ..errors import PeriodError

            raise PeriodError(f"第{period}期不存在：本次行动共 {len(self.cutoffs)} 期（第1期至第{len(self.cutoffs)}期）")
        return self.cutoffs[period - 1]

    def is_evaluation(self, period: int) -> bool:
        return period in self.evaluations


@dataclass(frozen=True)
class Rules:
    yellow_cards: int | tuple[tuple[str, int], ...] = 4  # one N overall, or (group, N) pairs
    lights: Literal["two", "three"] = "two"
    grace_days: int = 7
    escalate_red_count: int = 3
    no_submission: Literal["carry_forward", "rank_last"] = "carry_forward"
    rank_by: Literal["cumulative", "period", "score"] = "cumulative"
    # Optional rules (issue 17); at their defaults nothing changes. See measures.py.
    caught_up: Literal["none", "yellow"] = "none"  # red at the previous cutoff, now caught up: yellow
    investment_bands: tuple[float, float] | None = None  # points below 序时进度 still green / still yellow
    time_progress: tuple[float, ...] | None = None  # 序时进度 per period (fractions); None: elapsed days
    score: tuple[tuple[str, float], ...] | None = None  # [score] weights: (part, points)

    def cards_per_group(self) -> dict[str, int] | None:
        return dict(self.yellow_cards) if isinstance(self.yellow_cards, tuple) else None

    def weights(self) -> dict[str, float] | None:
        return dict(self.score) if self.score is not None else None


@dataclass(frozen=True)
class ReportSettings:
    template: str | None = None
    closing: str = DEFAULT_CLOSING
    font: str | None = None  # chart font: a file (relative to the campaign folder) or an installed family
    cc: str | None = None  # 抄送 of the 版记; None = from the level (office.default_cc), '' = no 抄送 line
    printed_by: str | None = None  # 印发机关 of the 版记; None = the issuer
    pdf: Literal["auto", "always", "never"] = "auto"  # a PDF beside the .docx (LibreOffice)


@dataclass(frozen=True)
class Supervision:
    """Looking ahead and acting (campaign.toml ``[supervision]``).

    warning_days: the early-warning horizon in days after the cutoff; 0 = up to the next cutoff.
    ladder: (red count, document name) rungs, lowest first; None = 提醒单 one below
        ``escalate_red_count`` and 督办单 at it.
    reply_days: days after the cutoff by which a 督办单 asks for the reply.
    submit_days: 报送截止 = cutoff + submit_days (days).
    """

    warning_days: int = 0
    ladder: tuple[tuple[int, str], ...] | None = None
    reply_days: int = 5
    submit_days: int = 0

    def rungs(self, escalate_red_count: int) -> tuple[tuple[int, str], ...]:
        if self.ladder is not None:
            return self.ladder
        if escalate_red_count >= 2:
            return ((escalate_red_count - 1, "提醒单"), (escalate_red_count, "督办单"))
        return ((escalate_red_count, "督办单"),)


@dataclass(frozen=True)
class Settings:
    campaign: CampaignInfo
    schedule: Schedule
    rules: Rules
    report: ReportSettings
    supervision: Supervision = Supervision()

    def as_dict(self) -> dict[str, Any]:
        """The settings used, JSON-ready (for manifest.json)."""
        return {
            "campaign": {**{k: str(v) for k, v in vars(self.campaign).items()}, "level": self.campaign.whole},
            "periods": {
                "cutoffs": [c.isoformat() for c in self.schedule.cutoffs],
                "evaluations": sorted(self.schedule.evaluations),
            },
            "rules": {
                k: (dict(v) if isinstance(v, tuple) else v) for k, v in vars(self.rules).items()
                if k not in OPTIONAL_RULES
            } | optional_rules_dict(self.rules),
            "report": dict(vars(self.report)),
            "supervision": {
                **{k: v for k, v in vars(self.supervision).items() if k != "ladder"},
                "ladder": {name: count for count, name in self.supervision.rungs(self.rules.escalate_red_count)},
            },
        } | ({"score": self.rules.weights()} if self.rules.score is not None else {})



def period_label(period: int) -> str:
    return f"第{period:02d}期"

# --------------------------------------------------------------------------- settings

_KEYS: dict[str, set[str]] = {
    "campaign": {"name", "short_name", "issuer", "doc_prefix", "start", "end", "level"},
    "periods": {"first_cutoff", "every_days", "cutoffs", "evaluations", "evaluate_every"},
    "rules": {"yellow_cards", "lights", "grace_days", "escalate_red_count", "no_submission", "rank_by",
              "caught_up", "investment_bands", "time_progress"},
    "report": {"template", "closing", "font", "cc", "printed_by", "pdf"},
    "score": set(SCORE_PARTS),
    "supervision": {"warning_days", "ladder", "reply_days", "submit_days"},
}


# Ranges a value must fall in (SPEC is silent; these catch typing slips such as 9999-12-31).
DATE_WINDOW = (dt.date(2000, 1, 1), dt.date(2099, 12, 31))
MAX_CAMPAIGN_DAYS = 3660   # ten years
MAX_PERIOD_DAYS = 366      # every_days, evaluate_every


def _written_twice(message: str, text: str, where: re.Match[str] | None) -> str:
    """What tomllib's "Cannot overwrite a value" / "Cannot declare ('rules',) twice" is about, in
    the office's words ('' for any other error): the same key, or the same [section], twice."""
    section = re.search(r"Cannot declare \(([^)]*)\) twice", message)
    if section:
        name = ".".join(re.findall(r"'([^']*)'", section.group(1)))
        return f"配置节 [{name}] 写了两次"
    if "Cannot overwrite a value" not in message:
        return ""
    lines = text.splitlines()
    line = lines[int(where.group(1)) - 1] if where and int(where.group(1)) <= len(lines) else ""
    key = line.split("=", 1)[0].strip() if "=" in line else ""
    return f"设置 {key} 写了两次" if key else "同一项设置写了两次"


def load_settings(path: Path) -> Settings:
    """Parse and validate campaign.toml; raises SettingsError with the key's name."""
    if not path.exists():
        raise SettingsError(f"{path.parent} 中没有 campaign.toml：请用 --campaign 指定攻坚行动文件夹，"
                            f"或用 leitai init 新建一个")
    if not path.is_file():
        raise SettingsError(f"{path} 是文件夹，不是设置文件：请把它移走，放入 campaign.toml 文件（可用 leitai init 生成示例）")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"line (\d+), column (\d+)", str(exc))
        place = f"第{where.group(1)}行第{where.group(2)}列附近" if where else "某处"
        twice = _written_twice(str(exc), path.read_text(encoding="utf-8-sig"), where)
        if twice:
            raise SettingsError(f"{path.name} {place}：{twice}，请删去重复的一处（保留要用的那个）") from None
        raise SettingsError(
            f"{path.name} {place}格式有误：日期须写成 2020-09-01（月、日各两位），文字须加英文双引号，"
            f"如 name = \"××百日攻坚行动\"（原始信息：{exc}）") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path.name} 不是 UTF-8 编码，请用记事本“另存为 UTF-8”后重新运行") from None

    for section, value in raw.items():
        if section not in _KEYS:
            raise SettingsError(f"{path.name}：未知的配置节 [{section}]，可用的有 {', '.join('[' + s + ']' for s in _KEYS)}")
        if not isinstance(value, dict):
            raise SettingsError(f"{path.name}：{section} 应为配置节 [{section}]")
        for key in value:
            if key not in _KEYS[section]:
                close = difflib.get_close_matches(key, _KEYS[section], n=1)
                hint = f"（是否应为 {close[0]}？）" if close else ""
                raise SettingsError(
                    f"{path.name}：[{section}] 中未知的键 {key}{hint}，可用的有 {', '.join(sorted(_KEYS[section]))}"
                )
    c, p, r, rep, sc = (raw.get(s, {}) for s in ("campaign", "periods", "rules", "report", "score"))

    def need_text(key: str) -> str:
        value = c.get(key)
        if not isinstance(value, str) or not value.strip():
            raise SettingsError(f"{path.name}：[campaign] {key} 必须填写（文字）")
        return value.strip()

    def as_date(section: str, key: str, value: Any) -> dt.date:
        parsed: dt.date | None
        if isinstance(value, dt.datetime):
            parsed = value.date()
        elif isinstance(value, dt.date):
            parsed = value
        else:
            try:
                parsed = parse_date(value) if isinstance(value, str) else None
            except ValueError:
                parsed = None
        if parsed is None:
            raise SettingsError(f"{path.name}：[{section}] {key} 应为日期，如 2020-09-01（现为 {value!r}）")
        if not DATE_WINDOW[0] <= parsed <= DATE_WINDOW[1]:
            raise SettingsError(f"{path.name}：[{section}] {key} 的日期 {parsed} 超出合理范围"
                                f"（{DATE_WINDOW[0].year}年至{DATE_WINDOW[1].year}年），请检查年份")
        return parsed

    name = need_text("name")
    if "start" not in c or "end" not in c:
        raise SettingsError(f"{path.name}：[campaign] start 和 end（开始、结束日期）必须填写，如 start = 2020-09-01")
    start, end = as_date("campaign", "start", c["start"]), as_date("campaign", "end", c["end"])
    if end < start:
        raise SettingsError(f"{path.name}：[campaign] end（{end}）早于 start（{start}）")
    if (end - start).days > MAX_CAMPAIGN_DAYS:
        raise SettingsError(f"{path.name}：[campaign] start 至 end 超过 {MAX_CAMPAIGN_DAYS // 365} 年"
                            f"（{start} 至 {end}），请检查年份")
    level = ""
    if "level" in c:
        level = (parse_level(c["level"]) if isinstance(c["level"], str) else None) or ""
        if not level:
            raise SettingsError(f"{path.name}：[campaign] level 的值 {c['level']!r} 无效，可写 \"全县\"、\"全区\"、"
                                f"\"全市\"、\"全省\"、\"全镇\" 等（不填则按发文机关名称推断）")
    info = CampaignInfo(
        name=name,
        short_name=str(c.get("short_name") or name).strip(),
        issuer=str(c.get("issuer") or f"{name}指挥部办公室").strip(),
        doc_prefix=str(c.get("doc_prefix") or "").strip(),
        start=start,
        end=end,
        level=level,
    )

    def positive_int(section: str, key: str, value: Any, minimum: int = 1, maximum: int = MAX_PERIOD_DAYS) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise SettingsError(f"{path.name}：[{section}] {key} 应为不小于 {minimum} 的整数（现为 {value!r}）")
        if value > maximum:
            raise SettingsError(f"{path.name}：[{section}] {key} 应为 {minimum} 至 {maximum} 的整数（现为 {value!r}），请检查")
        return value

    if "cutoffs" in p:
        if "first_cutoff" in p or "every_days" in p:
            raise SettingsError(f"{path.name}：[periods] cutoffs 与 first_cutoff/every_days 只能二选一")
        if not isinstance(p["cutoffs"], list) or not p["cutoffs"]:
            raise SettingsError(f"{path.name}：[periods] cutoffs 应为日期列表，如 [2020-09-14, 2020-09-28]")
        cutoffs = tuple(as_date("periods", "cutoffs", v) for v in p["cutoffs"])
        if list(cutoffs) != sorted(set(cutoffs)):
            raise SettingsError(f"{path.name}：[periods] cutoffs 应按时间先后排列且不重复")
    else:
        every = positive_int("periods", "every_days", p.get("every_days", 14))
        first = as_date("periods", "first_cutoff", p["first_cutoff"]) if "first_cutoff" in p else start + dt.timedelta(days=every - 1)
        days, current = [], first
        while current <= end:
            days.append(current)
            current += dt.timedelta(days=every)
        if not days or days[-1] < end:
            days.append(end)  # a last, shorter period so nodes due near the end are scored
        cutoffs = tuple(days)
    if cutoffs[0] < start or cutoffs[-1] > end:
        raise SettingsError(f"{path.name}：[periods] 截止日期应在 {start} 至 {end} 之间")

    if "evaluations" in p:
        if "evaluate_every" in p:
            raise SettingsError(f"{path.name}：[periods] evaluations 与 evaluate_every 只能二选一")
        evals = p["evaluations"]
        if not isinstance(evals, list) or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= len(cutoffs) for v in evals):
            raise SettingsError(f"{path.name}：[periods] evaluations 应为期次列表（1 至 {len(cutoffs)}），如 [3, 5, 7]")
        evaluations = frozenset(evals)
    else:
        step = positive_int("periods", "evaluate_every", p.get("evaluate_every", 2))
        evaluations = frozenset(range(step, len(cutoffs) + 1, step))

    def choice(key: str, accepted: tuple[str, ...], default: str) -> Any:
        value = r.get(key, default)
        if value not in accepted:
            raise SettingsError(f"{path.name}：[rules] {key} 的值 {value!r} 无效，可选 {' 或 '.join(repr(a) for a in accepted)}")
        return value

    cards_raw = r.get("yellow_cards", 4)
    cards: int | tuple[tuple[str, int], ...]
    if isinstance(cards_raw, dict):
        cards = tuple((str(g), positive_int("rules", f"yellow_cards.{g}", n, 0)) for g, n in cards_raw.items())
    else:
        cards = positive_int("rules", "yellow_cards", cards_raw, 0)
    rules = Rules(
        yellow_cards=cards,
        lights=choice("lights", ("two", "three"), "two"),
        grace_days=positive_int("rules", "grace_days", r.get("grace_days", 7), 0),
        escalate_red_count=positive_int("rules", "escalate_red_count", r.get("escalate_red_count", 3)),
        no_submission=choice("no_submission", ("carry_forward", "rank_last"), "carry_forward"),
        rank_by=choice("rank_by", ("cumulative", "period", "score"), "cumulative"),
        **optional_rules(path.name, r, sc, "score" in raw, len(cutoffs)),
    )
    for key in ("template", "closing", "font", "cc", "printed_by"):
        if key in rep and not isinstance(rep[key], str):
            raise SettingsError(f"{path.name}：[report] {key} 应为文字")
    pdf = rep.get("pdf", "auto")
    if pdf not in ("auto", "always", "never"):
        raise SettingsError(f"{path.name}：[report] pdf 的值 {pdf!r} 无效，可选 'auto' 或 'always' 或 'never'")
    report = ReportSettings(template=rep.get("template") or None, closing=(rep.get("closing") or DEFAULT_CLOSING).strip(),
                            font=rep.get("font") or None, cc=rep["cc"].strip() if "cc" in rep else None,
                            printed_by=rep.get("printed_by", "").strip() or None, pdf=pdf)
    supervision = _supervision(path.name, raw.get("supervision", {}), positive_int)
    return Settings(info, Schedule(cutoffs, evaluations), rules, report, supervision)


_FILE_NAME_BAD = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _supervision(name: str, s: dict[str, Any], positive_int: Any) -> Supervision:
    """[supervision]: the early-warning horizon, the escalation ladder, reply and submission days."""
    ladder: tuple[tuple[int, str], ...] | None = None
    if "ladder" in s:
        raw = s["ladder"]
        example = '如 ladder = { "提醒单" = 2, "督办单" = 3 }（文书名称 = 亮红灯次数）'
        if not isinstance(raw, dict) or not raw:
            raise SettingsError(f"{name}：[supervision] ladder 应为文书名称与亮红灯次数的对照，{example}")
        rungs = []
        for doc, count in raw.items():
            doc = str(doc).strip()
            if not doc or len(doc) > 10 or _FILE_NAME_BAD.search(doc):
                raise SettingsError(f"{name}：[supervision] ladder 中的文书名称“{doc}”无效：应为不超过10个字、"
                                    f"不含 \\ / : * ? \" < > | 的文字，{example}")
            rungs.append((positive_int("supervision", f"ladder.{doc}", count), doc))
        counts = [c for c, _ in rungs]
        if len(set(counts)) != len(counts):
            raise SettingsError(f"{name}：[supervision] ladder 中各文书的亮红灯次数应互不相同，{example}")
        ladder = tuple(sorted(rungs))

    def days(key: str, default: int, minimum: int) -> int:
        return positive_int("supervision", key, s.get(key, default), minimum, 366)

    return Supervision(warning_days=days("warning_days", 0, 0), ladder=ladder, reply_days=days("reply_days", 5, 1),
                       submit_days=days("submit_days", 0, 0))
