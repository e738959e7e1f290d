"""Charts and the 擂台榜 poster: every character drawn, same input same bytes, sizes right.

Results are fabricated in the shape of results.json (SPEC §6) with the demo's names,
by ``demo_history``; matplotlib's "Glyph … missing from font" warnings are errors here.
"""

from __future__ import annotations

import random
import warnings
from pathlib import Path
from typing import Any

import pytest

from leitai.charts import figures as charts
from leitai.charts import poster
from leitai.charts.figures import (
    pct,
    ranked_units,
    safe_name,
    shown_rows,
    unit_lights,
    wrap,
)
from leitai.charts.fonts import resolve_font
from leitai.charts.render import chart_text, render_charts, render_poster, shutdown_workers

CATEGORIES = ["主要经济指标", "全面高水平小康", "重点区块征迁", "项目推进", "专项工作", "重要民生实事", "要素保障"]
TOWNS = [
    "赤城街道",
    "始丰街道",
    "福溪街道",
    "三合镇",
    "洪畴镇",
    "平桥镇",
    "白鹤镇",
    "石梁镇",
    "街头镇",
    "坦头镇",
    "泳溪乡",
    "雷峰乡",
    "南屏乡",
    "龙溪乡",
    "三州乡",
]
DEPTS = [
    "县发改局",
    "县经信局",
    "县交通局",
    "县自然资源局",
    "县住房和城乡建设局",
    "县水利局",
    "县农业农村局",
    "县商务局",
    "县教育局",
    "县卫生健康局",
    "县文化和广电旅游体育局",
    "县综合行政执法局",
    "县市场监督管理局",
    "天台经济开发区管理委员会",
    "县财政局",
]
GROUPS = {"乡镇（街道）": TOWNS, "县级部门": DEPTS}
PROJECTS = [
    "智能橡胶园",
    "百花路东延西拓",
    "玉湖四期征迁",
    "众联科创产业中心",
    "水南区块征迁",
    "城前公路改造提升",
    "天瑞路综合供能服务项目征迁",
]
CUTOFFS = ["2020-09-14", "2020-09-28", "2020-10-12", "2020-10-26", "2020-11-09", "2020-11-23", "2020-12-07"]


def make_results(period: int, seed: int = 7, units: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """One period's results.json dict with plausible, rising completion rates."""
    rng = random.Random(seed * 100 + period)
    units = units or GROUPS
    rows: list[dict[str, Any]] = []
    projects: list[dict[str, Any]] = []
    for group, names in units.items():
        for i, name in enumerate(names):
            due = 2 + period + (i % 4)
            done = max(0, min(due, round(due * (0.55 + 0.07 * period + rng.uniform(-0.15, 0.2)))))
            if i == len(names) - 1 and group == "县级部门":
                due = done = 0  # one unit with no due node yet: not ranked
            red = 0 if done == due else rng.randint(1, 2)
            rows.append(
                {
                    "unit": name,
                    "group": group,
                    "submitted": True,
                    "due": due,
                    "done": done,
                    "rate": done / due if due else None,
                    "period_rate": None,
                    "ahead": rng.randint(0, 2),
                    "red_projects": red,
                    "rank": None,
                    "rank_change": None,
                    "yellow_card": False,
                }
            )
            for k in range(2):
                pid = f"P{len(projects) + 1:02d}"
                light = "red" if k < red else "green"
                projects.append(
                    {
                        "id": pid,
                        "name": PROJECTS[len(projects) % len(PROJECTS)],
                        "category": CATEGORIES[len(projects) % 7],
                        "unit": name,
                        "light": light,
                        "red_count": 1 if light == "red" else 0,
                        "red_streak": 0,
                        "due": 2,
                        "done": 1,
                        "overdue_nodes": [2] if light == "red" else [],
                    }
                )
    for group in units:
        ranked = sorted(
            (r for r in rows if r["group"] == group and r["rate"] is not None),
            key=lambda r: (-r["rate"], -r["ahead"], r["red_projects"]),
        )
        for pos, r in enumerate(ranked, 1):
            r["rank"] = pos
            r["rank_change"] = rng.choice([None, 0, 1, -1, 2, -3, 4]) if period > 1 else None
    evaluation = period in (3, 5, 7)
    if evaluation:
        for r in sorted((r for r in rows if r["rank"]), key=lambda r: r["rate"])[:4]:
            r["yellow_card"] = True
    due = sum(r["due"] for r in rows)
    done = sum(r["done"] for r in rows)
    cats = []
    for j, c in enumerate(CATEGORIES):
        cdue = 10 + 3 * period + j
        cdone = round(cdue * min(1.0, 0.6 + 0.05 * period + 0.03 * j))
        cats.append({"category": c, "due": cdue, "done": cdone, "rate": cdone / cdue})
    reds = sum(1 for p in projects if p["light"] == "red")
    return {
        "campaign": "天台县“通堵点、破难点”百日攻坚行动",
        "period": period,
        "cutoff": CUTOFFS[period - 1],
        "evaluation": evaluation,
        "overall": {
            "due": due,
            "done": done,
            "rate": done / due,
            "projects": len(projects),
            "green": len(projects) - reds,
            "yellow": 0,
            "red": reds,
        },
        "categories": cats,
        "units": rows,
        "projects": projects,
        "submissions": [],
    }


def demo_history(period: int = 5) -> list[dict[str, Any]]:
    return [make_results(p) for p in range(1, period + 1)]


INVESTMENT = {
    c: {"plan": 12000.0 * (j + 1), "done": 9000.0 * (j + 1) * (0.5 + j / 14)} for j, c in enumerate(CATEGORIES)
}
INVESTMENT["要素保障"] = {"plan": float("nan"), "done": 0.0}  # no plan: left out


@pytest.fixture(autouse=True)
def in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Draw in this process, so the warning filters below apply to matplotlib."""
    monkeypatch.setenv("LEITAI_CHART_WORKERS", "1")


@pytest.fixture
def glyph_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def test_every_chart_renders_the_demo_text(tmp_path: Path, glyph_warnings_are_errors: None) -> None:
    history = demo_history()
    paths, problems = render_charts(history[-1], history, tmp_path, investment=INVESTMENT)
    assert problems == []
    assert set(paths) == {"category", "units_乡镇（街道）", "units_县级部门", "trend", "lights", "investment"}
    assert paths["units_乡镇（街道）"].name == "单位排名-乡镇街道.png"
    for path in paths.values():
        assert path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert path.parent == tmp_path


def test_charts_for_the_first_period_and_without_investment(tmp_path: Path, glyph_warnings_are_errors: None) -> None:
    first = make_results(1)
    paths, problems = render_charts(first, [first], tmp_path)
    assert problems == [] and "investment" not in paths
    assert {"category", "trend", "lights"} <= set(paths)


def test_bundled_font_alone_renders_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, glyph_warnings_are_errors: None
) -> None:
    monkeypatch.setenv("LEITAI_FONT_SEARCH", "bundled-only")
    history = demo_history()
    font = resolve_font(text=chart_text(history[-1], history, INVESTMENT))
    assert font.source == "bundled" and font.family == "Leitai Sans SC"
    paths, problems = render_charts(history[-1], history, tmp_path / "charts", font=font, investment=INVESTMENT)
    assert problems == [] and len(paths) == 6
    poster = tmp_path / "擂台榜.png"
    assert render_poster(history[-1], poster, "百日攻坚擂台榜（第05期，截至2020年11月9日）", font=font) == []


def test_a_character_outside_the_font_is_reported_not_boxed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, glyph_warnings_are_errors: None
) -> None:
    monkeypatch.setenv("LEITAI_FONT_SEARCH", "bundled-only")
    odd = {"乡镇（街道）": ["𠀀家街道", *TOWNS[:3]], "县级部门": DEPTS[:4]}
    results = make_results(3, units=odd)
    paths, problems = render_charts(results, [results], tmp_path)
    assert any("U+20000 𠀀" in p and "𠀀家街道" in p for p in problems)
    assert len([p for p in problems if "U+20000" in p]) == 1  # once per name, not per chart
    poster_problems = render_poster(results, tmp_path / "p.png", "擂台榜")
    assert any("U+20000 𠀀" in p for p in poster_problems)


def test_the_error_filter_does_catch_matplotlib_glyph_warnings(
    monkeypatch: pytest.MonkeyPatch, glyph_warnings_are_errors: None
) -> None:
    """Guard for the tests above: drawing a glyph the font lacks really raises here."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from leitai.charts.fonts import register

    monkeypatch.setenv("LEITAI_FONT_SEARCH", "bundled-only")
    fig = Figure()
    FigureCanvasAgg(fig)
    fig.text(0.5, 0.5, "𠀀", family=register(resolve_font()))
    with pytest.raises(UserWarning, match="missing from font"):
        fig.canvas.draw()


def test_same_input_same_bytes(tmp_path: Path) -> None:
    history = demo_history(3)
    a, _ = render_charts(history[-1], history, tmp_path / "a", investment=INVESTMENT)
    b, _ = render_charts(history[-1], history, tmp_path / "b", investment=INVESTMENT)
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key
    render_poster(history[-1], tmp_path / "a.png", "擂台榜")
    render_poster(history[-1], tmp_path / "b.png", "擂台榜")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_worker_processes_draw_the_same_bytes(tmp_path: Path) -> None:
    history = demo_history(3)
    timings: dict[str, float] = {}
    a, wa = render_charts(history[-1], history, tmp_path / "a", investment=INVESTMENT, workers=1)
    try:
        b, wb = render_charts(history[-1], history, tmp_path / "b", investment=INVESTMENT, workers=2, timings=timings)
    finally:
        shutdown_workers()
    assert wa == wb == [] and set(timings) == set(b)
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key


def test_poster_is_full_hd(tmp_path: Path, glyph_warnings_are_errors: None) -> None:
    from PIL import Image

    history = demo_history()
    path = tmp_path / "擂台榜-第05期.png"
    assert render_poster(history[-1], path, "百日攻坚擂台榜（第05期，截至2020年11月9日）") == []
    with Image.open(path) as image:
        assert image.size == (1920, 1080)


def test_chart_is_sixteen_centimetres_at_200_dpi(tmp_path: Path) -> None:
    from PIL import Image

    history = demo_history(2)
    paths, _ = render_charts(history[-1], history, tmp_path)
    with Image.open(paths["category"]) as image:
        assert abs(image.size[0] - round(16 / 2.54 * 200)) <= 2


def test_helpers() -> None:
    assert pct(0.85234) == "85.2%" and pct(None) == "—" and pct(1.0) == "100.0%"
    assert wrap("县文化和广电旅游体育局", 8) == "县文化和广电\n旅游体育局"
    assert wrap("赤城街道", 7) == "赤城街道"
    assert safe_name("乡镇（街道）") == "乡镇街道" and safe_name("a/b:c") == "abc"


# --- province scale: a group of 1,000 units -----------------------------------------------


def province_results(per_group: int = 1000) -> dict[str, Any]:
    """Two groups of ``per_group`` units at an evaluation period; one carded unit in the middle
    of 县级部门's ranking, and its last unit unranked."""
    units = {
        "乡镇（街道）": [f"镇{i:04d}" for i in range(per_group)],
        "县级部门": [f"局{i:04d}" for i in range(per_group)],
    }
    results = make_results(3, units=units)
    middle = ranked_units(results, "县级部门")[per_group // 2]
    middle["yellow_card"] = True
    return results


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """File name → every text drawn in it, recorded as each figure is saved."""
    from matplotlib.text import Text

    texts: dict[str, list[str]] = {}

    def recording(save: Any) -> Any:
        def save_png(fig: Any, path: Path, *args: Any, **kwargs: Any) -> Path:
            texts[Path(path).name] = [t.get_text() for t in fig.findobj(Text)]
            return save(fig, path, *args, **kwargs)

        return save_png

    monkeypatch.setattr(charts, "save_png", recording(charts.save_png))
    monkeypatch.setattr(poster, "save_png", recording(poster.save_png))
    return texts


def _unit_names(texts: list[str], prefix: str) -> list[str]:
    return [t for t in texts if t.startswith(prefix) and t[1:].isdigit()]


def test_a_group_of_a_thousand_units_draws_its_top_and_bottom_twenty(
    tmp_path: Path, drawn: dict[str, list[str]], glyph_warnings_are_errors: None
) -> None:
    from PIL import Image

    results = province_results()
    paths, problems = render_charts(results, [results], tmp_path)
    assert problems == []
    for group, prefix in (("乡镇（街道）", "镇"), ("县级部门", "局")):
        texts = drawn[paths[f"units_{group}"].name]
        ranked = ranked_units(results, group)
        names = _unit_names(texts, prefix)
        carded = [u["unit"] for u in ranked if u["yellow_card"]]
        assert carded and set(carded) <= set(names)  # carded units always drawn, also mid-table
        top_bottom = [u["unit"] for u in ranked[:20] + ranked[-20:]]
        assert set(top_bottom) <= set(names) and len(names) <= 40 + len(carded)
        gaps = [t for t in texts if t.startswith("…… 中间")]
        assert gaps and all("个单位略，完整排名见擂台榜-第03期.xlsx" in t for t in gaps)
        assert sum(int(t.split()[2]) for t in gaps) + len(names) == len(ranked)  # every unit drawn or counted
        assert "共1000个单位" in " ".join(texts)
        with Image.open(paths[f"units_{group}"]) as image:
            rows = len(names) + len(gaps)  # one carded unit mid-table makes two gaps in 县级部门
            assert image.size[1] <= round((3.4 + 0.78 * rows) / 2.54 * 200) + 2
            assert image.size[1] <= round((3.4 + 0.78 * 44) / 2.54 * 200)  # 40 units, cards and gaps


def test_the_poster_of_a_thousand_units_per_group_stays_readable(
    tmp_path: Path, drawn: dict[str, list[str]], glyph_warnings_are_errors: None
) -> None:
    from PIL import Image

    results = province_results()
    path = tmp_path / "擂台榜.png"
    assert render_poster(results, path, "擂台榜") == []
    texts = drawn[path.name]
    with Image.open(path) as image:
        assert image.size == (1920, 1080)
    assert poster.max_rows(1080 - 70 - 268) == 28  # the rows that keep 16 px text at 0.62 of the row
    for group, prefix in (("乡镇（街道）", "镇"), ("县级部门", "局")):
        ranked = ranked_units(results, group)
        names = _unit_names(texts, prefix)
        assert names[0] == ranked[0]["unit"] and names[-1] == ranked[-1]["unit"]
        assert {u["unit"] for u in ranked if u["yellow_card"]} <= set(names)
        assert len(names) < 28
    gaps = [t for t in texts if t.startswith("…… ")]
    assert "…… 共 1000 个单位，中间" in gaps[0] and 2 <= len(gaps) <= 4
    cards = sum(1 for u in results["units"] if u["yellow_card"])
    assert texts.count("黄牌") == cards + 1  # + the footer's legend
    assert sum(len(_unit_names(texts, p)) for p in "镇局") + len(gaps) <= 2 * 28


def test_county_sized_groups_are_drawn_whole(tmp_path: Path, drawn: dict[str, list[str]]) -> None:
    """Up to 40 units (chart) and 28 (poster) per group every unit is drawn and nothing is left out."""
    from PIL import Image

    units = {"乡镇（街道）": [f"镇{i:04d}" for i in range(40)], "县级部门": [f"局{i:04d}" for i in range(28)]}
    results = make_results(5, units=units)
    paths, _ = render_charts(results, [results], tmp_path)
    for group, prefix, n in (("乡镇（街道）", "镇", 40), ("县级部门", "局", 28)):
        texts = drawn[paths[f"units_{group}"].name]
        assert len(_unit_names(texts, prefix)) == n
        assert not any(t.startswith("……") for t in texts)
        with Image.open(paths[f"units_{group}"]) as image:  # the height as before: 3.4 cm + 0.62 cm a row
            assert abs(image.size[1] - (3.4 + 0.62 * n) / 2.54 * 200) <= 1
    results = make_results(5, units={"乡镇（街道）": units["乡镇（街道）"][:28], "县级部门": units["县级部门"]})
    render_poster(results, tmp_path / "p.png", "擂台榜")
    texts = drawn["p.png"]
    assert len(_unit_names(texts, "镇")) == len(_unit_names(texts, "局")) == 28
    assert not any(t.startswith("……") for t in texts)
    history = demo_history()
    render_charts(history[-1], history, tmp_path / "demo")
    render_poster(history[-1], tmp_path / "demo.png", "擂台榜")
    for name in ("单位排名-乡镇街道.png", "单位排名-县级部门.png", "demo.png"):
        assert not any(t.startswith("……") for t in drawn[name])
        drawn_names = sum(t in TOWNS or t.replace("\n", "") in DEPTS for t in drawn[name])
        assert drawn_names == (30 if name == "demo.png" else 15)


def test_shown_rows() -> None:
    units = [{"unit": str(i), "yellow_card": i in (10, 12)} for i in range(30)]
    assert shown_rows(units, 30, 2, 2) == units
    rows = shown_rows(units, 10, 2, 2)
    # 11 is a run of one left out between two cards: drawn, it takes the same row as a gap
    assert rows == [units[0], units[1], 8, units[10], units[11], units[12], 15, units[28], units[29]]
    fitted = shown_rows(units, 8, 3, 3, fit=True)
    assert len(fitted) <= 8 and units[10] in fitted and units[12] in fitted and fitted[0] is units[0]


def test_unit_lights_match_the_per_unit_rule() -> None:
    def one_light(unit: str, results: dict[str, Any]) -> str:  # the rule, one unit at a time
        lights = {p.get("light") for p in results.get("projects") or [] if p.get("unit") == unit}
        if "red" in lights:
            return "red"
        if "yellow" in lights:
            return "yellow"
        row = next((u for u in results.get("units") or [] if u.get("unit") == unit), {})
        return "red" if row.get("red_projects") else "green"

    results = make_results(4)
    projects = results["projects"]
    projects[0]["light"] = projects[2]["light"] = "yellow"  # yellow alone, yellow beside red
    projects[3]["light"] = "red"
    projects.append({"unit": "无名单位", "light": "yellow"})
    results["units"][5]["red_projects"] = 1  # counted red with no red project listed
    lights = unit_lights(results)
    for name in {u["unit"] for u in results["units"]} | {"无名单位", "不存在"}:
        assert lights.get(name, "green") == one_light(name, results), name
    assert "yellow" in lights.values() and "red" in lights.values()


@pytest.mark.parametrize("rank_by", ["cumulative", "period", "score"])
def test_poster_and_unit_charts_state_the_ranking_basis(tmp_path: Path, drawn: dict[str, list[str]],
                                                          rank_by: str) -> None:
    """The poster's footer names what the ranks rest on; ranked by score, it shows each unit's
    score and the unit charts say the order is by score (district review)."""
    results = make_results(3)
    for n, unit in enumerate(results["units"]):
        unit["period_rate"] = None if unit["rate"] is None else 0.313 + 0.011 * n
    if rank_by == "score":
        for n, unit in enumerate(results["units"]):
            unit["score"] = 90.0 - n
    render_poster(results, tmp_path / "p.png", "擂台榜")
    render_poster(results, tmp_path / "poster.png", "擂台榜", rank_by=rank_by)
    render_charts(results, [results], tmp_path)
    words = {"cumulative": "排名按累计节点完成率", "period": "排名按本期节点完成率", "score": "排名按综合得分"}
    assert words[rank_by] in drawn["poster.png"]
    assert "排名按累计节点完成率" in drawn["p.png"]  # the default
    titles = [t for name, texts in drawn.items() if name.startswith("单位排名") for t in texts if "各单位" in t]
    assert titles and all(t.endswith("（按综合得分排名）" if rank_by == "score" else "节点完成率排名") for t in titles)
    if rank_by == "score":
        assert "综合得分" in drawn["poster.png"] and "90.00分" in drawn["poster.png"]  # the briefing's precision
    else:
        assert not any(t.endswith("分") and t[:-1].replace(".", "").isdigit() for t in drawn["poster.png"])
    # ranked on this period's nodes, the poster shows this period's rate, the one the ranks rest on
    shown = {t for t in drawn["poster.png"] if t.endswith("%")}
    period_rates = {pct(u["period_rate"]) for u in results["units"] if u.get("period_rate") is not None}
    rates = {pct(u["rate"]) for u in results["units"] if u.get("rate") is not None}
    if rank_by == "period":
        assert "本期完成率" in drawn["poster.png"] and period_rates <= shown
    elif rank_by == "cumulative":
        assert "本期完成率" not in drawn["poster.png"] and rates <= shown


def test_every_group_has_its_own_line_in_the_trend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three or more groups: each trend line differs from the others in colour and dash (a
    district's 街道 / 区级部门 / 功能区 were two alike; district review)."""
    units = {"街道": ["甲街道", "乙街道"], "区级部门": ["区甲局", "区乙局"], "功能区": ["甲园区管委会", "乙园区管委会"],
             "国有企业": ["甲集团", "乙集团"]}
    history = [make_results(p, units=units) for p in (1, 2, 3)]
    seen: dict[str, list[tuple[Any, ...]]] = {}

    def keep(fig: Any, path: Path, *args: Any, **kwargs: Any) -> Path:
        seen[Path(path).name] = [(line.get_label(), line.get_color(), str(line.get_linestyle()), line.get_marker())
                                 for line in fig.axes[0].get_lines()]
        return path

    monkeypatch.setattr(charts, "save_png", keep)
    render_charts(history[-1], history, tmp_path, workers=1)
    lines = [line for line in seen["完成率趋势.png"] if line[0] in units]
    assert [line[0] for line in lines] == list(units)
    assert len({line[1:] for line in lines}) == len(units)


def test_a_trend_label_goes_below_when_a_group_line_runs_above():
    from leitai.charts.chartkit import label_side

    limits = (0.6, 1.06)
    # the groups' lines both pass just above the overall 0.80: the label goes below
    assert label_side(1, 0.80, [[0.82, 0.83, 0.84], [0.81, 0.84, 0.85]], 0.07, 0.22, limits) == -1
    # a line above and one below: as crowded either way, it stays above
    assert label_side(1, 0.80, [[0.82, 0.83, 0.84], [0.76, 0.77, 0.78]], 0.07, 0.22, limits) == 1
    # nothing above: above, even with lines below
    assert label_side(1, 0.80, [[0.70, 0.75, 0.78]], 0.07, 0.22, limits) == 1
    # at the top of the axis there is no room above
    assert label_side(0, 1.0, [[None, 0.9]], 0.07, 0.22, limits) == -1
    # a group not drawn at that period (None) is no line there
    assert label_side(1, 0.80, [[None, None, 0.84]], 0.07, 0.22, limits) == 1


def test_the_posters_yellow_legend_says_what_yellow_means_here():
    """A two-colour 区 campaign with caught_up = "yellow" had its caught-up project's yellow explained
    as 逾期在宽限期内; the legend now says what this poster's yellows are, in characters the font has."""
    from leitai.charts.poster import yellow_legend
    from leitai.charts.render import chart_text

    def results(*overdue):
        return {"projects": [{"light": "yellow", "overdue_nodes": list(o)} for o in overdue] + [
            {"light": "red", "overdue_nodes": [1]}]}

    assert yellow_legend(results([2])) == "黄：逾期在宽限期内"
    assert yellow_legend(results([])) == "黄：逾期节点已全部补齐，亮黄一期"
    assert yellow_legend(results([2], [])) == "黄：逾期在宽限期内，或逾期节点已补齐"
    drawable = chart_text({})
    for legend in (yellow_legend(results([])), yellow_legend(results([2], []))):
        assert set(legend) <= set(drawable), set(legend) - set(drawable)


def test_laying_each_string_out_once_draws_the_same_bytes(tmp_path: Path) -> None:
    """textcache: the charts and the poster drawn with each string's layout kept are the bytes
    drawn without it (a fresh process where the renderer is left as matplotlib made it)."""
    import hashlib
    import json
    import subprocess
    import sys

    from leitai.charts import textcache

    history = demo_history(3)
    (tmp_path / "history.json").write_text(json.dumps(history), encoding="utf-8")
    script = (
        "import json, sys; from pathlib import Path; import leitai.charts.textcache as t; t.install = lambda: False\n"
        "from leitai.charts.render import render_charts, render_poster\n"
        "h = json.loads(Path(sys.argv[1]).read_text(encoding='utf-8')); out = Path(sys.argv[2])\n"
        "render_charts(h[-1], h, out, workers=1); render_poster(h[-1], out / 'poster.png', '擂台榜')\n"
        "from matplotlib.backends.backend_agg import RendererAgg\n"
        "assert RendererAgg.draw_text.__module__.startswith('matplotlib')\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "history.json"), str(tmp_path / "plain")],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert textcache.install()  # this process: each string laid out once
    render_charts(history[-1], history, tmp_path / "cached", workers=1)
    render_poster(history[-1], tmp_path / "cached" / "poster.png", "擂台榜")
    render_charts(history[-1], history, tmp_path / "again", workers=1)  # the second time from the cache alone

    def digests(folder: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.png"))}

    plain = digests(tmp_path / "plain")
    assert len(plain) >= 5 and digests(tmp_path / "cached") == plain
    assert digests(tmp_path / "again") == {k: v for k, v in plain.items() if k != "poster.png"}
    assert textcache._LAYOUTS and textcache._EXTENTS


def test_text_layouts_are_kept_only_with_a_matplotlib_it_was_read_from(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    from leitai.charts import textcache

    monkeypatch.setattr(textcache, "_INSTALLED", False)
    monkeypatch.setattr(matplotlib, "__version__", "3.12.0")
    assert textcache.install() is False
