"""Nothing on the poster or a chart is drawn outside its canvas or over other text (issue 12),
for any mix of lights, cards and name lengths: every text's box, as matplotlib's renderer
measures it, lies inside the figure and meets no other text's box."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from test_narrative_properties import make_case

import leitai.charts.figures
import leitai.charts.poster
from leitai.charts.render import render_charts, render_poster

NAMES = ["乙镇", "城南街道", "白鹤镇", "县自然资源和规划局", "天台经济开发区管理委员会", "县文化和广电旅游体育局",
         "洪畴镇人民政府", "三州乡", "区住建局", "市交通运输局城乡公交一体化专班"]


def renamed(results: dict[str, Any], seed: int) -> dict[str, Any]:
    """The case's units under names of mixed lengths (2 to 15 characters), still unique."""
    rnd = random.Random(seed)
    names = {u["unit"]: f"{rnd.choice(NAMES)}{i}" if rnd.random() < 0.5 else rnd.choice(NAMES) + "甲乙丙丁"[i % 4] * (i // 4 + 1)
             for i, u in enumerate(results["units"])}
    if len(set(names.values())) < len(names):
        names = {old: f"{new}{i}" for i, (old, new) in enumerate(names.items())}
    out = {**results, "units": [{**u, "unit": names[u["unit"]]} for u in results["units"]],
           "projects": [{**p, "unit": names.get(p["unit"], p["unit"])} for p in results["projects"]]}
    return out


def overlaps(fig: Any) -> list[str]:
    """What is drawn off the canvas or over another text."""
    from matplotlib.text import Text

    fig.canvas.draw()  # legends and annotations take their places when drawn
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    boxes = []
    problems = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
            problems.append(f"off the canvas: {text.get_text()!r} {box.bounds}")
        boxes.append((text.get_text(), box))
    for i, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[i + 1:]:
            w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if w > 1.5 and h > 1.5:
                problems.append(f"{a!r} over {b!r}")
    return problems


CASES = [("three_lights", 14, True), ("all_red", 9, True), ("ties_full", 30, False), ("mixed", 70, True),
         ("one_unit_group", 5, True), ("rank_last", 40, False), ("no_red", 22, True)]


@pytest.mark.parametrize("scenario, n_units, evaluation", CASES)
def test_poster_and_charts_stay_on_their_canvas(scenario: str, n_units: int, evaluation: bool, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEITAI_CHART_WORKERS", "1")
    case = make_case(n_units * 7 + 1, scenario, n_units, evaluation, first=False)
    results = renamed(case.results, n_units)
    history = [renamed(h, n_units) for h in case.data.history]
    found: dict[str, list[str]] = {}

    def seeing(original: Any) -> Any:
        def save(fig: Any, path: Path, *args: Any, **kwargs: Any) -> Any:
            found[Path(path).name] = overlaps(fig)
            return original(fig, path, *args, **kwargs)

        return save

    monkeypatch.setattr(leitai.charts.figures, "save_png", seeing(leitai.charts.figures.save_png))
    monkeypatch.setattr(leitai.charts.poster, "save_png", seeing(leitai.charts.poster.save_png))
    render_poster(results, tmp_path / "poster.png", "攻坚行动擂台榜（第2期，截至2025年3月28日）", whole="全市")
    render_charts(results, history, tmp_path / "charts", whole="全市")
    assert "poster.png" in found and len(found) >= 4
    assert {name: problems for name, problems in found.items() if problems} == {}
