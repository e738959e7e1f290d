"""The briefing's charts: matplotlib (Agg), print quality for an A4 page, Chinese text.

From one period's results (SPEC §6) and the results of every recorded period up to it
(render.py's ``render_charts`` draws them all):

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

import math
from pathlib import Path
from typing import Any

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
    label_side,
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
