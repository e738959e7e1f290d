"""The briefing's charts: matplotlib (Agg), print quality for an A4 page, Chinese text.

``render_charts`` draws, from one period's results (SPEC §6) and the results of every
recorded period up to it:

- ``category``: node completion rate by category, against the campaign's rate;
- ``units_<group>``: the units of each group in rank order, bars coloured by light;
- ``trend``: the campaign's (and each group's) completion rate over the periods;
- ``lights``: green / (yellow) / red project counts over the periods;
- ``investment``: investment done against plan (万元), where the plan has it.

One palette and type scale (``PALETTE``, ``SIZE``) for all of them and for the poster.
Every string is checked against the chosen font first: a character the font lacks is
drawn as 〓 (the printer's mark for a missing character) and reported in the returned
warnings, never drawn as an empty box. Same input, same bytes: no timestamps in the
PNGs, fixed size and dpi.
"""

from __future__ import annotations

import atexit
import math
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..campaign.office import GENERIC_WHOLE
from .chartkit import (  # noqa: F401  (re-exported: charts' public names stay importable from here)
    CM,
    DPI,
    LIGHT_NAMES,
    MISSING_MARK,
    PALETTE,
    SIZE,
    UNITS_HEAD,
    UNITS_LIMIT,
    UNITS_TAIL,
    WIDTH_CM,
    Ink,
    change_text,
    chart_axes,
    cn_date,
    figure_header,
    groups_of,
    leaderboard_name,
    legend_row,
    new_figure,
    pct,
    percent_axis,
    period_text,
    png_writes,
    ranked_units,
    rc_params,
    safe_name,
    save_png,
    shown_rows,
    text_em,
    unit_light,
    unit_lights,
    wrap,
)
from .fonts import FontChoice, resolve_font

# --- the charts -------------------------------------------------------------------------


def chart_category(results: dict[str, Any], path: Path, whole: str, ink: Ink) -> Path:
    cats = list(results.get("categories") or [])
    n = max(len(cats), 1)
    label_em = min(max((text_em(c["category"]) for c in cats), default=4), 9)
    names = [wrap(ink(c["category"], "板块"), 9) for c in cats]
    height = 2.6 + 0.85 * n
    fig = new_figure(WIDTH_CM, height)
    figure_header(fig, ink, height, "各板块节点完成率", period_text(results))
    left = 0.6 + label_em * SIZE["label"] / 72 * 2.54
    ax = chart_axes(fig, height, left, 2.2, 1.75, 0.9)
    ys = list(range(len(cats)))[::-1]
    rates = [c.get("rate") for c in cats]
    ax.barh(ys, [r or 0 for r in rates], height=0.58, color=PALETTE["bar"])
    overall = (results.get("overall") or {}).get("rate")
    if overall is not None:
        ax.axvline(overall, color=PALETTE["accent"], linewidth=0.9, linestyle=(0, (4, 2)), zorder=0.5)
        ax.text(  # right-aligned near 100%, so it stays clear of the 完成/到期 column
            overall,
            len(cats) - 0.45,
            f"{whole} {pct(overall)}",
            ha="center" if overall < 0.8 else "right",
            va="bottom",
            fontsize=SIZE["small"],
            color=PALETTE["accent"],
        )
    for y, c, r in zip(ys, cats, rates, strict=True):
        if r is None:
            ax.text(0.01, y, "无到期节点", va="center", fontsize=SIZE["small"], color=PALETTE["muted"])
            continue
        _bar_value(ax, y, r)
        _side_note(ax, 1.0 + 0.14, y, f"{c.get('done', 0)}/{c.get('due', 0)}")
    _side_note(ax, 1.0 + 0.14, len(cats) - 0.45, "完成/到期", va="bottom")
    ax.set_yticks(ys, names)
    ax.set_ylim(-0.6, len(cats) - 0.4)
    ax.set_xlim(0, 1.0)
    percent_axis(ax)
    ax.spines["bottom"].set_visible(False)
    return save_png(fig, path)



def _side_note(ax: Any, x: float, y: float, text: str, va: str = "center") -> None:
    """A muted figure or column header right of the bars (done/due, 万元)."""
    ax.text(x, y, text, va=va, ha="right", fontsize=SIZE["small"], color=PALETTE["muted"], clip_on=False)

def _bar_value(ax: Any, y: float, rate: float, colour: str = "white") -> None:
    """The rate at the end of its bar: inside in white when the bar is long enough."""
    if rate >= 0.22:
        ax.text(rate - 0.012, y, pct(rate), va="center", ha="right", fontsize=SIZE["value"], color=colour, zorder=4)
    else:
        ax.text(
            rate + 0.012, y, pct(rate), va="center", ha="left", fontsize=SIZE["value"], color=PALETTE["text"], zorder=4
        )


def scored(results: dict[str, Any]) -> bool:
    """Whether the units are ranked by the composite score (rank_by = "score": results carry it)."""
    return any(u.get("score") is not None for u in results.get("units") or [])


def chart_units(results: dict[str, Any], group: str, path: Path, ink: Ink) -> Path:
    everyone = ranked_units(results, group)
    rows = shown_rows(everyone, UNITS_LIMIT, UNITS_HEAD, UNITS_TAIL)
    units = [u for u in rows if not isinstance(u, int)]
    n = max(len(rows), 1)
    name_em = min(8.0, max([4.0, *(text_em(u["unit"]) for u in units)]))
    labels = [wrap(ink(u["unit"], "单位名称"), name_em) for u in units]
    two_line = any("\n" in s for s in labels)
    row = 0.78 if two_line else 0.62
    height = 3.4 + row * n
    fig = new_figure(WIDTH_CM, height)
    evaluation = bool(results.get("evaluation"))
    subtitle = period_text(results) + (f" · 共{len(everyone)}个单位" if len(rows) != len(everyone) else "")
    ranked_by = "（按综合得分排名）" if scored(results) else "排名"
    figure_header(fig, ink, height, f"{group}各单位节点完成率{ranked_by}", subtitle)
    name_cm = name_em * SIZE["label"] / 72 * 2.54
    left = 1.3 + name_cm
    right = 3.2 if evaluation else 2.2
    rank_x = -(name_cm + 0.6) / (WIDTH_CM - left - right)
    ax = chart_axes(fig, height, left, right, 1.75, 1.35)
    positions = list(range(n))[::-1]  # the first row at the top
    ys = [y for y, u in zip(positions, rows, strict=False) if not isinstance(u, int)]
    gaps = [(y, u) for y, u in zip(positions, rows, strict=False) if isinstance(u, int)]
    lights = unit_lights(results)
    shown_lights = [lights.get(u["unit"], "green") for u in units]
    colours = [PALETTE[light] for light in shown_lights]
    rates = [u.get("rate") for u in units]
    ax.barh(ys, [r or 0 for r in rates], height=0.62, color=colours)
    transform = ax.get_yaxis_transform()  # x in axes fraction, y in data
    for y, u, r, label in zip(ys, units, rates, labels, strict=True):
        rank = u.get("rank")
        ax.text(
            -0.015, y, label, transform=transform, ha="right", va="center", fontsize=SIZE["label"], linespacing=1.05
        )
        ax.text(
            rank_x,
            y,
            str(rank) if rank is not None else "—",
            transform=transform,
            ha="center",
            va="center",
            fontsize=SIZE["label"],
            color=PALETTE["muted"],
        )
        if r is None:
            ax.text(0.01, y, "无到期节点，不排名", va="center", fontsize=SIZE["small"], color=PALETTE["muted"])
        else:
            _bar_value(ax, y, r)
        text, colour = change_text(u.get("rank_change"))
        ax.text(
            1.0 + 1.1 / (WIDTH_CM - left - right),
            y,
            text,
            transform=transform,
            ha="center",
            va="center",
            fontsize=SIZE["value"],
            color=colour,
        )
        if evaluation and u.get("yellow_card"):
            ax.text(
                1.0 + 2.3 / (WIDTH_CM - left - right),
                y,
                "黄牌",
                transform=transform,
                ha="center",
                va="center",
                fontsize=SIZE["small"],
                color=PALETTE["text"],
                bbox={"boxstyle": "square,pad=0.25", "facecolor": PALETTE["card"], "edgecolor": "none"},
            )
    for y, left_out in gaps:
        ax.text(
            0.5,
            y,
            ink(f"…… 中间 {left_out} 个单位略，完整排名见{leaderboard_name(results)} ……", "图表"),
            transform=transform,
            ha="center",
            va="center",
            fontsize=SIZE["small"],
            color=PALETTE["muted"],
        )
    header_y = n - 0.35

    def column_header(x: float, text: str) -> None:
        ax.text(x, header_y, text, transform=transform, ha="center", va="bottom", fontsize=SIZE["small"],
                color=PALETTE["muted"])

    column_header(1.0 + 1.1 / (WIDTH_CM - left - right), "名次变化")
    if evaluation:
        column_header(1.0 + 2.3 / (WIDTH_CM - left - right), "督评")
    column_header(rank_x, "名次")
    ax.set_yticks([])
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, 1.0)
    percent_axis(ax)
    ax.spines["left"].set_color(PALETTE["axis"])
    ax.spines["bottom"].set_visible(False)
    present = set(shown_lights)
    items = [(PALETTE["green"], "项目全部亮绿灯")]
    if "yellow" in present:
        items.append((PALETTE["yellow"], "有项目亮黄灯"))
    items.append((PALETTE["red"], "有项目亮红灯"))
    legend_row(fig, ink, 0.42 / height, items, "↑↓ 较上期名次升降")
    return save_png(fig, path)


def _timeline(results: dict[str, Any], history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_period = {int(h.get("period", 0)): h for h in history or []}
    by_period[int(results.get("period", 0))] = results
    return [by_period[k] for k in sorted(by_period) if k <= int(results.get("period", 0))]


def _period_ticks(periods: list[dict[str, Any]]) -> list[str]:
    out = []
    for h in periods:
        cutoff = str(h.get("cutoff", ""))
        try:
            md = f"{int(cutoff[5:7])}月{int(cutoff[8:10])}日"
        except ValueError:
            md = cutoff
        out.append(f"第{h.get('period')}期\n{md}")
    return out


def _group_rate(h: dict[str, Any], group: str) -> float | None:
    rows = [u for u in h.get("units") or [] if u.get("group") == group]
    due = sum(int(u.get("due") or 0) for u in rows)
    done = sum(int(u.get("done") or 0) for u in rows)
    return done / due if due else None


def label_side(x: int, value: float, series: list[list[float | None]], need: float, half_width: float,
               limits: tuple[float, float]) -> int:
    """+1 to put a value label above its point at (``x``, ``value``), -1 below: above unless a line of
    ``series`` (one rate or None per period) crosses the label's box there (``need`` tall, in rates,
    ``half_width`` wide, in periods) and the box below is clearer. Within ``limits`` (the axis)."""
    def crossings(lo: float, hi: float) -> int:
        count = 0
        for s in series:
            for dx in (-half_width, 0.0, half_width):
                at = _at(s, x + dx)
                if at is not None and lo <= at <= hi:
                    count += 1
        return count

    above = crossings(value, value + need) + (value + need > limits[1])
    below = crossings(value - need, value) + (value - need < limits[0])
    return -1 if below < above else 1


def _at(series: list[float | None], x: float) -> float | None:
    """The line through ``series`` (values at 0, 1, 2…) at ``x``, None where it is not drawn."""
    left, right = math.floor(x), math.ceil(x)
    if left < 0 or right >= len(series) or series[left] is None or series[right] is None:
        return None
    a, b = series[left], series[right]
    assert a is not None and b is not None
    return a + (b - a) * (x - left)


def chart_trend(results: dict[str, Any], history: list[dict[str, Any]], path: Path, whole: str, ink: Ink) -> Path:
    periods = _timeline(results, history)
    xs = list(range(len(periods)))
    height = 7.8
    fig = new_figure(WIDTH_CM, height)
    figure_header(fig, ink, height, "节点完成率变化趋势", f"第1期至第{results.get('period')}期（累计口径）")
    ax = chart_axes(fig, height, 1.6, 0.6, 1.75, 1.75)
    overall = [(h.get("overall") or {}).get("rate") for h in periods]
    known = [r for r in overall if r is not None]
    group_series = {g: [_group_rate(h, g) for h in periods] for g in groups_of(results)}
    every = known + [r for s in group_series.values() for r in s if r is not None]
    lo = max(0.0, math.floor((min(every, default=0.5) - 0.05) * 5) / 5)
    for h_idx, h in enumerate(periods):
        if h.get("evaluation"):
            ax.axvspan(h_idx - 0.4, h_idx + 0.4, color="#F6F1E4", zorder=0)
            # inside its band, so the first one stays clear of the axis labels
            ax.text(h_idx - 0.38, lo + 0.01, "督评", ha="left", va="bottom", fontsize=SIZE["small"], color="#9A7B2F")
    # Each group its own colour, dash and marker (two groups keep the first two), so a legend of
    # three to six groups still tells them apart; beyond six they repeat.
    styles = [("#7D93AB", (0, (1, 1.5)), "o"), ("#A7B4C2", (0, (4, 2)), "o"), ("#6F9A7E", (0, (6, 2, 1, 2)), "s"),
              ("#B89B62", (0, (2, 1)), "^"), ("#8E7AA8", (0, (8, 2)), "D"), ("#8C8C8C", "-", "v")]
    for i, (group, series) in enumerate(group_series.items()):
        colour, dash, marker = styles[i % len(styles)]
        pts = [(x, r) for x, r in zip(xs, series, strict=True) if r is not None]
        if pts:
            ax.plot(
                [p[0] for p in pts],
                [p[1] for p in pts],
                color=colour,
                linestyle=dash,
                linewidth=1.2,
                marker=marker,
                markersize=2.5,
                label=ink(group, "分组"),
            )
    pts = [(x, r) for x, r in zip(xs, overall, strict=True) if r is not None]
    if pts:
        ax.plot(
            [p[0] for p in pts],
            [p[1] for p in pts],
            color=PALETTE["accent"],
            linewidth=2.0,
            marker="o",
            markersize=4.5,
            label=whole,
            zorder=5,
        )
        # a label above its point, or below where a group's line runs through the space above
        per_pt = (1.06 - lo) / ((height - 1.75 - 1.75) / 2.54 * 72)  # rate per point of the axes' height
        others = [s for s in group_series.values() if any(r is not None for r in s)]
        for x, r in pts:
            side = label_side(x, r, others, per_pt * (8 + SIZE["value"] * 1.3), 0.22, (lo, 1.06))
            ax.annotate(
                pct(r),
                (x, r),
                textcoords="offset points",
                xytext=(0, 8 if side > 0 else -8),
                ha="center",
                va="bottom" if side > 0 else "top",
                fontsize=SIZE["value"],
                color=PALETTE["accent"],
                zorder=6,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
            )
    ax.set_xticks(xs, [ink(t) for t in _period_ticks(periods)], linespacing=1.25)
    ax.tick_params(axis="x", labelsize=SIZE["small"], colors=PALETTE["text"])
    ax.set_xlim(-0.5, max(len(periods) - 0.5, 0.5))
    ax.set_ylim(lo, 1.06)
    step = 0.1 if 1.0 - lo <= 0.6 else 0.2
    percent_axis(ax, "y", lo, 1.0, step)
    ax.tick_params(axis="y", labelsize=SIZE["small"], colors=PALETTE["muted"])
    handles, names = ax.get_legend_handles_labels()
    order = sorted(range(len(names)), key=lambda i: names[i] != whole)  # the whole (全市) first
    if order:
        ax.legend(
            [handles[i] for i in order],
            [names[i] for i in order],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.19),
            ncol=len(order),
            frameon=False,
            fontsize=SIZE["small"],
            handlelength=2.4,
        )
    return save_png(fig, path)


def chart_lights(results: dict[str, Any], history: list[dict[str, Any]], path: Path, ink: Ink) -> Path:
    periods = _timeline(results, history)
    xs = list(range(len(periods)))
    height = 7.8
    fig = new_figure(WIDTH_CM, height)
    figure_header(fig, ink, height, "红绿灯项目数变化", "各期截止日亮灯的项目个数")
    ax = chart_axes(fig, height, 1.6, 0.6, 1.75, 1.75)
    keys = ["green", "yellow", "red"]
    counts = {k: [int((h.get("overall") or {}).get(k) or 0) for h in periods] for k in keys}
    if not any(counts["yellow"]):
        keys.remove("yellow")
    width = min(0.8 / len(keys), 0.3)
    top = max((max(v, default=0) for v in counts.values()), default=0)
    for i, k in enumerate(keys):
        offs = [x + (i - (len(keys) - 1) / 2) * width for x in xs]
        ax.bar(offs, counts[k], width=width * 0.92, color=PALETTE[k], label=LIGHT_NAMES[k])
        for x, v in zip(offs, counts[k], strict=True):
            ax.text(x, v + top * 0.015, str(v), ha="center", va="bottom", fontsize=SIZE["small"], color=PALETTE[k])
    ax.set_xticks(xs, [ink(t) for t in _period_ticks(periods)], linespacing=1.25)
    ax.tick_params(axis="x", labelsize=SIZE["small"], colors=PALETTE["text"])
    ax.tick_params(axis="y", labelsize=SIZE["small"], colors=PALETTE["muted"])
    ax.set_xlim(-0.5, max(len(periods) - 0.5, 0.5))
    ax.set_ylim(0, max(top * 1.15, 1))
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.grid(axis="y", color=PALETTE["grid"], linewidth=0.6)
    ax.set_axisbelow(True)
    # the unit (个) is in the subtitle: a label over the axis met the top tick's label
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.19), ncol=len(keys), frameon=False, fontsize=SIZE["small"])
    return save_png(fig, path)


def _wan(value: float) -> str:
    """万元 as the briefing's text writes them (no thousands separator), to the 万元."""
    return f"{value:.0f}"


def chart_investment(results: dict[str, Any], investment: dict[str, Any], path: Path, ink: Ink) -> Path | None:
    """Share of planned investment done, per label; plans differ by orders of magnitude, so the
    bars show the share (0–100%) and the labels the 万元 figures."""
    rows = []
    for label, v in investment.items():
        plan, done = _number(v, "plan"), _number(v, "done")
        if plan and plan > 0:
            rows.append((str(label), plan, done or 0.0))
    if not rows:
        return None
    limit = 15
    shown = sorted(rows, key=lambda r: -r[1])[:limit] if len(rows) > limit else rows
    n = len(shown)
    label_em = min(max(text_em(r[0]) for r in shown), 9)
    height = 3.0 + 0.85 * n
    fig = new_figure(WIDTH_CM, height)
    note = f"（计划投资前{limit}项）" if len(rows) > limit else ""
    figure_header(fig, ink, height, "投资完成情况" + note, period_text(results) + " · 累计完成投资占计划投资比例")
    left = 0.6 + label_em * SIZE["label"] / 72 * 2.54
    right = 4.4
    ax = chart_axes(fig, height, left, right, 1.75, 1.3)
    ys = list(range(n))[::-1]
    shares = [min(done / plan, 1.0) for _label, plan, done in shown]
    ax.barh(ys, [1.0] * n, height=0.6, color=PALETTE["bar_soft"])
    ax.barh(ys, shares, height=0.6, color=PALETTE["bar"])
    column = 1.0 + (right - 0.2) / (WIDTH_CM - left - right)
    for y, (_label, plan, done) in zip(ys, shown, strict=True):
        _bar_value(ax, y, done / plan if done <= plan else 1.0)
        _side_note(ax, column, y, f"{_wan(done)} / {_wan(plan)}")
    _side_note(ax, column, n - 0.45, "完成/计划（万元）", va="bottom")
    ax.set_yticks(ys, [wrap(ink(r[0], "板块/项目"), 9) for r in shown])
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, 1.0)
    percent_axis(ax)
    ax.spines["bottom"].set_visible(False)
    legend_row(fig, ink, 0.4 / height, [(PALETTE["bar"], "累计完成投资"), (PALETTE["bar_soft"], "计划投资")])
    return save_png(fig, path)


def _number(v: Any, key: str) -> float | None:
    if isinstance(v, dict):
        x = v.get(key)
    elif isinstance(v, (tuple, list)) and len(v) == 2:
        x = v[0] if key == "plan" else v[1]
    else:
        x = None
    try:
        x = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


# --- entry point ------------------------------------------------------------------------


DRAWN_KEYS = ("campaign", "period", "cutoff", "evaluation", "overall", "categories", "units", "projects")


def drawn_part(results: dict[str, Any]) -> dict[str, Any]:
    """The part of a results.json dict the charts and the poster read (``DRAWN_KEYS``): what is sent
    to the painter, without the per-node lists (42,000 nodes at province scale, in every period)."""
    return {key: results[key] for key in DRAWN_KEYS if key in results}


def chart_text(
    results: dict[str, Any], history: Iterable[dict[str, Any]] = (), investment: dict[str, Any] | None = None
) -> str:
    """Every name the charts and the poster may draw, for choosing a font that has them all."""
    parts = [str(results.get("campaign", ""))]
    for h in [results, *history]:
        parts += [str(c.get("category", "")) for c in h.get("categories") or []]
        parts += [f"{u.get('unit', '')}{u.get('group', '')}" for u in h.get("units") or []]
    parts += [str(k) for k in (investment or {})]
    return "".join(parts) + _FIXED_TEXT


_FIXED_TEXT = (
    "各板块节点完成率排名变化趋势红绿黄灯项目数投资情况计划累计万元全县区市省州旗盟镇乡域第期截至年月日督评牌名次升降"
    "无到期不排亮较上的个单位口径至前〓↑↓—·％%0123456789/（）：，、占总比例标注为乡镇街道级部门"
    "参赛按逾期未在宽限内推进有即本席会列全部中间略完整见擂台榜共此处综合得分…xls-"
)

# Charts are independent of each other: with LEITAI_CHART_WORKERS > 1 (default: up to 4 on a
# machine with 4+ CPUs) they are drawn by a pool of worker processes that lives as long as
# the program, so a demo of several periods starts matplotlib in the workers once. The
# same job function runs in-process when workers = 1; the PNGs are the same bytes.
_POOL: Any = None
_POOL_SIZE = 0


def chart_workers() -> int:
    """How many processes draw charts: ``LEITAI_CHART_WORKERS``, else min(4, CPUs − 1) on 4+ CPUs;
    1 = in this process."""
    value = os.environ.get("LEITAI_CHART_WORKERS", "").strip()
    if value.isdigit():
        return max(1, int(value))
    cpus = os.cpu_count() or 1
    # Measured: on 2 CPUs a pool saves ~5% (each chart is ~0.1 s of mostly Python), so
    # only machines with 4+ CPUs use one by default.
    return min(4, cpus - 1) if cpus >= 4 else 1


def _get_pool(n: int) -> Any:
    global _POOL, _POOL_SIZE
    if _POOL is not None and _POOL_SIZE == n:
        return _POOL
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        shutdown_workers()
        # spawn: the same behaviour on Windows, macOS and Linux, and safe with threads.
        _POOL = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"))
        _POOL_SIZE = n
        atexit.unregister(shutdown_workers)  # once, however often the pool is remade
        atexit.register(shutdown_workers)
    except (OSError, ImportError, NotImplementedError, ValueError):
        _POOL, _POOL_SIZE = None, 0
    return _POOL


def _draw(kind: str, args: tuple[Any, ...], font: FontChoice) -> tuple[Path | None, list[str], float]:
    """One chart: (path or None, warnings, seconds). Runs in a worker or in-process."""
    from matplotlib import rc_context

    start = time.perf_counter()
    ink = Ink(font)
    with rc_context(rc_params(ink.family)):  # type: ignore[arg-type]
        path = _CHARTS[kind](*args, ink)
    return path, ink.warnings, time.perf_counter() - start


def render_charts(
    results: dict[str, Any],
    history: list[dict[str, Any]],
    out_dir: Path,
    font: FontChoice | None = None,
    investment: dict[str, Any] | None = None,
    timings: dict[str, float] | None = None,
    workers: int | None = None,
    whole: str = GENERIC_WHOLE,
) -> tuple[dict[str, Path], list[str]]:
    """Draw the period's charts as PNGs in ``out_dir``.

    ``results`` is the period's results.json dict (SPEC §6, rates as fractions);
    ``history`` the results of the recorded periods up to and including it;
    ``investment`` maps a label (category or project) to ``{"plan": 万元, "done": 万元}``,
    entries without a positive plan are left out. ``whole`` names the campaign's whole in
    legends (全县, 全市 …: ``CampaignInfo.whole``). ``font`` defaults to
    ``resolve_font(text=<every name drawn>)``. ``workers``: processes to draw with
    (default ``chart_workers()``; 1 draws in this process).

    Returns ({'category', 'units_<group>' per group, 'trend', 'lights'[, 'investment']}
    → path, warnings); the warnings name every character the font lacks, once each.
    ``timings``, when given, receives the seconds spent drawing each chart.
    """
    out_dir = Path(out_dir)
    history = list(history or [])
    font = font or resolve_font(text=chart_text(results, history, investment))
    jobs: list[tuple[str, str, tuple[Any, ...]]] = [
        ("category", "category", (results, out_dir / "分板块完成率.png", whole)),
    ]
    used: set[str] = set()
    for group in groups_of(results):
        stem = safe_name(group)
        while stem in used:
            stem += "_"
        used.add(stem)
        jobs.append((f"units_{group}", "units", (results, group, out_dir / f"单位排名-{stem}.png")))
    jobs.append(("trend", "trend", (results, history, out_dir / "完成率趋势.png", whole)))
    jobs.append(("lights", "lights", (results, history, out_dir / "红绿灯变化.png")))
    if investment:
        jobs.append(("investment", "investment", (results, investment, out_dir / "投资完成.png")))

    n = workers or chart_workers()
    pool = _get_pool(min(n, len(jobs))) if n > 1 else None
    done: list[tuple[Path | None, list[str], float]] = []
    if pool is not None:
        try:
            futures = [pool.submit(_draw, kind, args, font) for _key, kind, args in jobs]
            done = [f.result() for f in futures]
        except Exception as exc:  # noqa: BLE001 - a broken pool falls back to drawing here
            if type(exc).__name__ != "BrokenProcessPool" and not isinstance(exc, (OSError, EOFError)):
                raise
            shutdown_workers()
            done = []
    if not done:
        with png_writes():  # each chart's PNG compressed and written while the next is drawn
            done = [_draw(kind, args, font) for _key, kind, args in jobs]

    paths: dict[str, Path] = {}
    warnings: list[str] = []
    for (key, _kind, _args), (path, found, seconds) in zip(jobs, done, strict=True):
        if timings is not None:
            timings[key] = seconds
        if path is not None:
            paths[key] = path
        warnings += [w for w in found if w not in warnings]
    return paths, warnings


def shutdown_workers() -> None:
    """Stop the chart worker processes (also done at exit); the next render starts new ones."""
    global _POOL, _POOL_SIZE
    pool, _POOL, _POOL_SIZE = _POOL, None, 0
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


_CHARTS: dict[str, Callable[..., Path | None]] = {
    "category": chart_category,
    "units": chart_units,
    "trend": chart_trend,
    "lights": chart_lights,
    "investment": chart_investment,
}


def render_poster(results: dict[str, Any], path: Path, title: str, font: FontChoice | None = None,
                  whole: str = GENERIC_WHOLE, rank_by: str = "cumulative") -> list[str]:
    """The 擂台榜 poster, 1920×1080 PNG for the lobby screen; returns warnings (missing glyphs).
    ``whole`` names the campaign's whole (全县, 全市 …); ``rank_by`` is [rules] rank_by, which the
    poster states (a campaign ranked by score shows each unit's score)."""
    from .poster import draw_poster

    font = font or resolve_font(text=chart_text(results) + title)
    return draw_poster(results, Path(path), title, font, whole, rank_by)
