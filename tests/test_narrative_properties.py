"""The briefing's narrative rules, as properties over generated campaigns (issue 12).

Each example is a whole campaign scored by the real scoring (two periods, or one), from
3 to 300 units, in scenarios that break naive wording: a group of one unit, no red, all
red, everyone at 100%, ties at 100%, three-colour lights, rank_last, the first period,
evaluation periods. The content function is tested directly (no .docx), so 200+
campaigns take seconds.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leitai.campaign.plan import CampaignInfo, Plan, ReportSettings, Rules, Schedule, Settings
from leitai.report.briefing import load_wording
from leitai.report.content import BriefingContent, BriefingInput, Paragraph, Table
from leitai.report.docxkit import pct
from leitai.report.narrative import build_content
from leitai.scoring.results import build_results
from leitai.scoring.score import History, score_period
from leitai.scoring.states import empty_states

START = dt.date(2025, 3, 1)
CUTOFFS = (dt.date(2025, 3, 14), dt.date(2025, 3, 28), dt.date(2025, 4, 11))
SCENARIOS = ("mixed", "no_red", "all_red", "all_full", "ties_full", "one_unit_group", "rank_last", "three_lights")
WORDING = load_wording()

# Sentence markers of the bundled wording: what praises a unit and what warns it.
PRAISE = ("予以通报表扬", "跑出了攻坚加速度", "名次进步明显", "位列第一")
WARN = ("排名末位", "排名靠后", "名次下滑", "亮黄牌", "要引起重视")


@dataclass(frozen=True)
class Case:
    scenario: str
    data: BriefingInput
    results: dict[str, Any]


def unit_name(i: int) -> str:
    return f"第{i:03d}号单位"  # fixed width: no name is part of another


def make_case(seed: int, scenario: str, n_units: int, evaluation: bool, first: bool) -> Case:
    rnd = random.Random(seed)
    n_groups = rnd.randint(1, 3) if scenario != "one_unit_group" else rnd.randint(2, 3)
    groups = [f"第{g + 1}组" for g in range(n_groups)]
    units = [(unit_name(i), groups[i % n_groups]) for i in range(n_units)]
    if scenario == "one_unit_group":  # the last group holds exactly one unit
        units = [(name, groups[i % (n_groups - 1)]) for i, (name, _) in enumerate(units[:-1])]
        units.append((unit_name(n_units - 1), groups[-1]))
    categories = ("主要经济指标", "项目推进", "重要民生实事")
    projects, nodes = [], []
    for name, _ in units:
        for p in range(rnd.randint(1, 3)):
            pid = f"{name[1:4]}P{p}"
            projects.append({"id": pid, "name": f"{name}{'甲乙丙'[p]}项目", "category": rnd.choice(categories), "unit": name,
                             "leader": "", "investment": float("nan"), "note": ""})
            for seq in range(1, rnd.randint(1, 4) + 1):
                due = START + dt.timedelta(days=rnd.randint(0, 40))
                nodes.append({"project_id": pid, "seq": seq, "target": f"{'一二三四'[seq - 1]}号目标", "due": pd.Timestamp(due)})
    plan = Plan(pd.DataFrame(projects), pd.DataFrame(nodes).astype({"due": "datetime64[ns]"}),
                pd.DataFrame([{"unit": u, "group": g, "aliases": ()} for u, g in units]),
                tuple(c for c in categories if any(p["category"] == c for p in projects)),
                tuple(dict.fromkeys(g for _, g in units)), {u: u for u, _ in units})

    lights = "three" if scenario in ("three_lights", "no_red") or rnd.random() < 0.3 else "two"
    per_group = rnd.random() < 0.3
    cards: int | tuple[tuple[str, int], ...] = (
        tuple((g, rnd.randint(0, 2)) for g in plan.groups) if per_group else rnd.randint(0, 4))
    rules = Rules(yellow_cards=cards, lights=lights, grace_days=7, escalate_red_count=rnd.randint(2, 3),
                  no_submission="rank_last" if scenario == "rank_last" or rnd.random() < 0.2 else "carry_forward",
                  rank_by="period" if rnd.random() < 0.15 else "cumulative")
    share = {"all_red": 0.0, "all_full": 1.0, "ties_full": 1.0, "no_red": 1.0}.get(scenario, rnd.uniform(0.3, 0.95))

    dues = [d.date() for d in plan.nodes["due"]]
    done_dates: list[dt.date | None] = [None] * len(dues)

    def states_at(cutoff: dt.date) -> pd.DataFrame:
        for i, due in enumerate(dues):
            if done_dates[i] is not None:
                continue
            if scenario == "no_red" and cutoff - dt.timedelta(days=5) < due <= cutoff:
                continue  # only recently overdue: yellow in three-colour mode, never red
            ahead = scenario == "ties_full" and due > cutoff and rnd.random() < 0.4
            if (due <= cutoff and rnd.random() < share) or ahead or (due > cutoff and rnd.random() < 0.05 * share):
                done_dates[i] = min(cutoff, due + dt.timedelta(days=rnd.randint(-5, 3)))
        frame = empty_states(plan.nodes)
        frame["done"] = [d is not None for d in done_dates]
        frame["done_date"] = pd.to_datetime(pd.Series([pd.Timestamp(d) if d else pd.NaT for d in done_dates],
                                                      index=frame.index, dtype="datetime64[ns]"))
        return frame

    names = [u for u, _ in units]
    missing = set(rnd.sample(names, k=rnd.randint(0, max(1, n_units // 5)))) if rnd.random() < 0.5 else set()
    if scenario == "rank_last" and not missing:
        missing = {names[-1]}
    periods = [1] if first else [1, 2]
    history: list[dict[str, Any]] = []
    past_lights = History.empty()
    results: dict[str, Any] = {}
    for period in periods:
        cutoff = CUTOFFS[period - 1]
        states = states_at(cutoff)
        scores = score_period(plan, states, period=period, cutoff=cutoff,
                              previous_cutoff=CUTOFFS[period - 2] if period > 1 else None, rules=rules,
                              submitted=set(names) - (missing if period == periods[-1] else set()),
                              evaluation=evaluation and period == periods[-1], history=past_lights)
        results = build_results("测试行动", period, cutoff, evaluation and period == periods[-1], scores, [],
                                plan.groups)
        history.append(results)
        lights_rows = pd.DataFrame([{"period": period, "project_id": p["id"], "light": p["light"]}
                                    for p in results["projects"]])
        past_lights = History(pd.concat([past_lights.lights, lights_rows], ignore_index=True),
                              {u["unit"]: u["rank"] for u in results["units"] if u["rank"] is not None})
    nodes_frame = scores.nodes
    detail = pd.DataFrame({
        "unit": nodes_frame["unit"], "project_id": nodes_frame["project_id"],
        "project": nodes_frame["project_id"].map(plan.projects.set_index("id")["name"]),
        "seq": nodes_frame["seq"].astype(int), "target": nodes_frame["target"], "due": nodes_frame["due"].dt.date,
        "done": nodes_frame["done"], "done_date": [None if pd.isna(d) else d.date() for d in nodes_frame["done_date"]],
        "ahead": nodes_frame["ahead"], "overdue": nodes_frame["overdue"]})
    settings_ = Settings(
        CampaignInfo("测试行动", "测试行动", "江城市攻坚行动指挥部办公室", "江攻办〔2025〕", START, dt.date(2025, 4, 30)),
        Schedule(CUTOFFS, frozenset({2})), rules, ReportSettings())
    data = BriefingInput(settings=settings_, results=results, previous=history[-2] if len(history) > 1 else None,
                         history=history, node_detail=detail, unit_issues={}, problems=[], overrides=[],
                         missing_units=sorted(missing), charts={})
    return Case(scenario, data, results)


@st.composite
def cases(draw: Any) -> Case:
    scenario = draw(st.sampled_from(SCENARIOS))
    size = draw(st.sampled_from(["small"] * 5 + ["medium"] * 2 + ["large"]))
    n_units = draw({"small": st.integers(3, 12), "medium": st.integers(13, 60), "large": st.integers(61, 300)}[size])
    return make_case(draw(st.integers(0, 2**31)), scenario, n_units, draw(st.booleans()), draw(st.booleans()))


PROPS = settings(max_examples=200, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def sentences(content: BriefingContent) -> list[str]:
    """Every sentence of the main text (split at 。 and ：)."""
    return [s for line in content.text().splitlines() for s in re.split(r"(?<=[。：])", line) if s.strip()]


def check(case: Case) -> None:
    content = build_content(case.data, WORDING)
    r = case.results
    o = r["overall"]
    text = content.text()
    units = {u["unit"]: u for u in r["units"]}

    # never "all green" when a project is yellow or red
    if o["red"] or o["yellow"]:
        assert "均亮绿灯" not in text
    # lights counted in the order 绿、黄、红
    for s in sentences(content):
        found = [s.find(w) for w in ("绿灯", "黄灯", "红灯") if w in s and "转为" not in s]
        if "亮绿灯" in s and ("亮红灯" in s or "亮黄灯" in s):
            assert found == sorted(found), s

    # no unit both praised and warned; a unit at 100% never warned
    praised: set[str] = set()
    warned: set[str] = set()
    for s in sentences(content):
        named = {name for name in units if name in s}
        if any(m in s for m in PRAISE):
            praised |= named
        if any(m in s for m in WARN):
            warned |= named
    assert not praised & warned, (praised & warned, text)
    assert not {u for u in warned if units[u]["rate"] == 1}, text

    # counts read as Chinese: every count is followed by its measure word
    for s in sentences(content):
        for m in re.finditer(r"(?<![\d.〔])(\d+)(?![\d.%〕])", s):
            after = s[m.end(): m.end() + 1]
            label = s[m.start() - 1: m.start()] in "第图附/" or s[m.start() - 2: m.start()] == "节点"  # 节点2: a name
            assert after in "个名位次期条份项天号年月日）/、；，。" or label, s

    # every figure in the text equals results.json's
    m = re.search(r"应完成节点(\d+)个，已完成(\d+)个，节点完成率([\d.]+%)", text)
    if o["rate"] is None:
        assert m is None
    else:
        assert m and (int(m[1]), int(m[2]), m[3]) == (o["due"], o["done"], pct(o["rate"]))
    m = re.search(r"(\d+)个项目中亮绿灯(\d+)个(?:、亮黄灯(\d+)个)?、亮红灯(\d+)个", text)
    assert m and (int(m[1]), int(m[2]), int(m[3] or 0), int(m[4])) == (o["projects"], o["green"], o["yellow"],
                                                                       o["red"])
    if o["red"]:
        assert f"本期亮红灯项目{o['red']}个" in text
    for c in r["categories"]:
        if c["rate"] is not None:
            assert f"{c['category']}{pct(c['rate'])}（{c['done']}/{c['due']}）" in text
    # ranked by this period's nodes, the cards, the table and the sentences speak of them (本期)
    by_period = case.data.settings.rules.rank_by == "period"
    scope, rate_key = ("本期", "period_rate") if by_period else ("", "rate")
    for m in re.finditer(rf"(第\d{{3}}号单位)，{scope}节点完成率([\d.]+%)，在(.+?)中排第(\d+)名；{scope}应完成节点(\d+)个，"
                         r"未完成(\d+)个", text):
        u = units[m[1]]
        due, done = (u["period_due"], u["period_done"]) if by_period else (u["due"], u["done"])
        assert u["yellow_card"] and (m[2], m[3], int(m[4]), int(m[5]), int(m[6])) == (
            pct(u[rate_key]), u["group"], u["rank"], due, due - done)
    ranking = next(s for s in content.sections if s.key == "ranking")
    if by_period:  # the ranking's sentences name the measure it ranks on
        said = "".join(b.text for b in ranking.blocks if isinstance(b, Paragraph))
        assert "节点完成率最高" not in said.replace("本期节点完成率最高", "")
        assert "排名末位，节点完成率" not in said
    rows = [row for b in ranking.blocks if isinstance(b, Table) for row in b.rows]
    assert len(rows) == len(r["units"])
    for row in rows:
        u = units[row[1]]
        if by_period:
            assert row[2:7] == (str(u["period_due"]), str(u["period_done"]), pct(u["period_rate"]), pct(u["rate"]),
                                str(u["ahead"]))
        else:
            assert row[2:6] == (str(u["due"]), str(u["done"]), pct(u["rate"]), str(u["ahead"]))
        assert row[0] == (str(u["rank"]) if u["rank"] is not None else "—")
    # the cards section names exactly the carded units
    cards = next((s for s in content.sections if s.key == "cards"), None)
    carded = {u["unit"] for u in r["units"] if u["yellow_card"]}
    if r["evaluation"]:
        assert cards is not None
        named = {name for name in units if name in cards.text()}
        assert named == carded
    else:
        assert cards is None
    # headings are the sections' own, paragraphs are never empty
    assert all(isinstance(b, Paragraph) and b.text or not isinstance(b, Paragraph)
               for s in content.sections for b in s.blocks)


@PROPS
@given(cases())
def test_narrative_rules_hold_for_any_campaign(case: Case) -> None:
    check(case)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("first", [False, True])
def test_every_scenario_at_an_evaluation(scenario: str, first: bool) -> None:
    check(make_case(12, scenario, 9, True, first))


def test_the_generator_reaches_its_scenarios() -> None:
    """The scenarios are what they say (so the properties are tested where they bite)."""
    full = make_case(3, "all_full", 20, True, False).results
    assert all(u["rate"] in (1, None) for u in full["units"]) and full["overall"]["red"] == 0
    red = make_case(3, "all_red", 20, True, False).results
    assert red["overall"]["done"] == 0 and red["overall"]["red"] > 0
    ties = make_case(4, "ties_full", 20, False, False).results
    assert len({u["rank"] for u in ties["units"] if u["rank"]}) > 1  # ranks split at 100% by done-ahead
    one = make_case(5, "one_unit_group", 10, False, False).results
    assert min(sum(1 for u in one["units"] if u["group"] == g) for g in {u["group"] for u in one["units"]}) == 1
    yellow = make_case(6, "no_red", 30, False, False).results
    assert yellow["overall"]["red"] == 0
    big = make_case(7, "mixed", 300, True, False)
    assert len(big.results["units"]) == 300
