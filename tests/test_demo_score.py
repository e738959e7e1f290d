"""Issue 17 on the demo: defaults unchanged, a node-only score ranks as the default, money kept.

tests/demo_scores_before_issue17.json holds the demo's first-version results (SPEC §6 schema:
overall, every unit's counts, rates, rank, change and card, every project's light) as the
code before issue 17 computed them; with none of the new rules configured they must not move.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from leitai.campaign.plan import load_campaign
from leitai.pipeline import run_period, seeds_folder

BEFORE = json.loads((Path(__file__).parent / "demo_scores_before_issue17.json").read_text(encoding="utf-8"))
PERIODS = range(1, 6)


def results(folder: Path, period: int) -> dict:
    return json.loads((folder / f"第{period:02d}期" / "results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("period", PERIODS)
def test_default_demo_scores_are_as_before(demo_dir, period):
    data, before = results(demo_dir, period), BEFORE["periods"][str(period)]
    assert {k: data["overall"][k] for k in before["overall"]} == before["overall"]
    assert [[u[k] for k in BEFORE["unit_keys"]] for u in data["units"]] == before["units"]
    assert [[p[k] for k in BEFORE["project_keys"]] for p in data["projects"]] == before["projects"]
    assert all("score" not in u for u in data["units"]) and data["adjustments"] == []
    # The demo's plan has no 计划投资: no rates, no investment lights; 序时进度 is still stated.
    assert data["overall"]["invest_rate"] is None and all(p["invest_light"] is None for p in data["projects"])
    assert data["overall"]["time_progress"] == pytest.approx(
        {1: 14, 2: 28, 3: 42, 4: 56, 5: 70}[period] / 100)
    book = openpyxl.load_workbook(demo_dir / f"第{period:02d}期" / f"擂台榜-第{period:02d}期.xlsx")
    headers = [[c.value for c in row] for sheet in book.worksheets for row in sheet.iter_rows(min_row=1, max_row=3)]
    assert not any(h in ("综合得分", "计划投资（万元）") for row in headers for h in row)


def test_reported_investment_never_falls_when_a_row_or_a_unit_is_missing(demo_dir):
    """Period 3 has a deleted node row (县教育局), period 4 a unit that sent nothing (雷峰乡): their
    projects keep the last known 累计完成投资 instead of dropping out of the sums."""
    last: dict[str, float] = {}
    for period in PERIODS:
        for project in results(demo_dir, period)["projects"]:
            money = project["invest_done"]
            if project["id"] in last:
                assert money is not None and money >= last[project["id"]], (period, project["id"])
            if money is not None:
                last[project["id"]] = money
    assert len(last) > 30


def test_demo_ranked_by_a_node_score_gives_the_default_ranks_and_cards(demo_dir, tmp_path):
    seeds = seeds_folder()
    folder = tmp_path / "scored"
    folder.mkdir()
    toml = (seeds / "campaign.toml").read_text(encoding="utf-8")
    assert 'rank_by = "cumulative"' in toml
    toml = toml.replace('rank_by = "cumulative"', 'rank_by = "score"') + "\n[score]\nnodes = 100\ninvestment = 0\n"
    (folder / "campaign.toml").write_text(toml, encoding="utf-8")
    (folder / "plan.xlsx").write_bytes((seeds / "plan.xlsx").read_bytes())
    campaign = load_campaign(folder)
    assert campaign.settings.rules.rank_by == "score"
    for period in PERIODS:
        run_period(campaign, period, inputs_root=seeds / "inputs", outputs_root=folder / "outputs")
        scored, default = results(folder / "outputs", period), results(demo_dir, period)
        keys = ("unit", "rank", "rank_change", "yellow_card")
        assert [[u[k] for k in keys] for u in scored["units"]] == [[u[k] for k in keys] for u in default["units"]]
        for unit in scored["units"]:
            expected = None if unit["rate"] is None else 100 * unit["rate"]
            assert unit["score"] == expected
            assert unit["score_parts"] == {"nodes": expected, "investment": None if expected is None else 0.0,
                                           "adjust": 0.0}
    book = openpyxl.load_workbook(folder / "outputs" / "第05期" / "擂台榜-第05期.xlsx")
    assert book.worksheets[0]["C2"].value == "综合得分"


def test_the_demo_briefing_marks_nodes_done_late(demo_dir):
    """逾期完成 in the node attachment: exactly the done nodes whose actual date is after the due date."""
    import re

    from docx import Document

    doc = Document(str(demo_dir / "第05期" / "督查通报-第05期.docx"))
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows if len(row.cells) == 7]

    def day(text: str) -> tuple[int, int]:
        month, date = re.fullmatch(r"(\d+)月(\d+)日", text).groups()  # type: ignore[union-attr]
        return int(month), int(date)

    done = [r for r in rows if r[6] in ("已完成", "逾期完成", "提前完成")]
    late = [r for r in done if r[6] == "逾期完成"]
    assert late and all(day(r[5]) > day(r[4]) for r in late)
    assert all(day(r[5]) <= day(r[4]) for r in done if r[6] == "已完成")
    assert len(late) == results(demo_dir, 5)["overall"]["late_done"]
