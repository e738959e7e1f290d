"""Whole outputs of fresh campaigns of other levels and sizes (issue 12): the office's own
words everywhere (docx, charts, poster, workbooks), and pages a reader would accept.

The campaigns (tests/gencampaign.py) are made and run once per module: a 市 campaign of 24
units, a 区 campaign of 6 units with three-colour lights, and a county with a long issuer.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document
from gencampaign import LEVEL_CAMPAIGNS, make_campaign

import leitai.charts
import leitai.poster
from leitai.campaign import load_campaign
from leitai.pipeline import RunResult, run_period


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def workbook_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """key -> {'run': RunResult of period 2, 'drawn': every text drawn in its charts and poster}."""
    out: dict[str, dict[str, Any]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEITAI_CHART_WORKERS", "1")  # draw in this process, so the texts can be seen
        drawn: list[str] = []

        def seeing(original: Any) -> Any:
            def save(fig: Any, path: Path, *args: Any, **kwargs: Any) -> Any:
                from matplotlib.text import Text

                drawn.extend(t.get_text() for t in fig.findobj(Text) if t.get_text())
                return original(fig, path, *args, **kwargs)

            return save

        mp.setattr(leitai.charts, "save_png", seeing(leitai.charts.save_png))
        mp.setattr(leitai.poster, "save_png", seeing(leitai.poster.save_png))
        for key, spec in LEVEL_CAMPAIGNS.items():
            folder = make_campaign(tmp_path_factory.mktemp(f"campaign{len(out)}"), **spec)
            campaign = load_campaign(folder)
            run_period(campaign, 1)
            drawn.clear()
            run: RunResult = run_period(campaign, 2)
            out[key] = {"run": run, "drawn": list(drawn), "campaign": campaign}
    return out


@pytest.mark.parametrize("key, level", [("市", "市"), ("区", "区")])
def test_a_fresh_city_or_district_campaign_never_names_a_county(generated: dict[str, Any], key: str,
                                                                level: str) -> None:
    run: RunResult = generated[key]["run"]
    drawn = "\n".join(generated[key]["drawn"])
    text = docx_text(run.briefing)
    books = "\n".join(workbook_text(p) for p in run.out_dir.glob("*.xlsx"))
    results = json.dumps(run.results, ensure_ascii=False)
    for where, content in (("通报", text), ("图表和海报", drawn), ("工作簿", books), ("results.json", results)):
        assert "县" not in content, where
    assert f"全{level}" in drawn  # the trend legend, the category chart, the poster header
    assert f"抄送：{level}委、{level}人大常委会、{level}政府、{level}政协主要领导" in text


def test_the_county_campaign_names_its_own_level(generated: dict[str, Any]) -> None:
    run: RunResult = generated["长"]["run"]
    assert "全县" in "\n".join(generated["长"]["drawn"])
    assert "抄送：县委、县人大常委会、县政府、县政协主要领导，天台县“通堵点、破难点”百日攻坚行动指挥部成员单位。" in docx_text(
        run.briefing)
