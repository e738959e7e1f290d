"""The 擂台榜 poster: one 1920×1080 PNG for the lobby screen, readable across a hall.

Both groups side by side: rank, unit, completion rate with a bar, rank change, light
(with the number of red projects) and, at evaluation periods, the yellow cards.
Drawn in pixel coordinates on a 19.2×10.8 in figure at 100 dpi, with the same palette
as the charts; every string goes through ``charts.Ink`` so a missing character is
reported and drawn as 〓, never as a box.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..campaign.office import GENERIC_WHOLE
from .chartkit import (
    PALETTE,
    Ink,
    change_text,
    cn_date,
    groups_of,
    new_figure,
    pct,
    ranked_units,
    rc_params,
    save_png,
    shown_rows,
    text_em,
    unit_lights,
)
from .fonts import FontChoice

W, H = 1920, 1080
_DPI = 100
BAND = "#A51D1D"  # header band: the red of an official notice
GOLD = "#F7D58B"
STRIPE = "#F4F6F8"
LIGHT_LABEL = {"green": "绿", "yellow": "黄", "red": "红"}
# A row is min(ROW_MAX, room / rows) px high with text ROW_TEXT × row, but never under TEXT_MIN px:
# a group with more units than fit at that ratio (``max_rows``) shows its top and bottom units
# (and every carded one) with a row saying how many are left out.
ROW_MAX, ROW_TEXT, TEXT_MIN = 62.0, 0.62, 16.0


class _Canvas:
    """Pixel coordinates, origin top-left, sizes in px (1 px = 0.72 pt at 100 dpi)."""

    def __init__(self, ink: Ink) -> None:
        self.ink = ink
        self.fig = new_figure(W / _DPI * 2.54, H / _DPI * 2.54)
        self.fig.set_dpi(_DPI)
        self.fig.set_facecolor("white")

    def rect(self, x: float, y: float, w: float, h: float, colour: str, **kw: Any) -> None:
        from matplotlib.patches import FancyBboxPatch, Patch, Rectangle

        patch: Patch

        if kw.pop("rounded", False):
            patch = FancyBboxPatch(
                (x / W, 1 - (y + h) / H),
                w / W,
                h / H,
                boxstyle=f"round,pad=0,rounding_size={min(w, h) * 0.2 / W}",
                transform=self.fig.transFigure,
                facecolor=colour,
                edgecolor="none",
                **kw,
            )
        else:
            patch = Rectangle(
                (x / W, 1 - (y + h) / H),
                w / W,
                h / H,
                transform=self.fig.transFigure,
                facecolor=colour,
                edgecolor="none",
                **kw,
            )
        self.fig.add_artist(patch)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        px: float,
        colour: str = PALETTE["text"],
        ha: str = "left",
        va: str = "center",
        where: str = "海报",
        fit: float | None = None,
        **kw: Any,
    ) -> None:
        s = self.ink(s, where)
        if fit is not None:  # shrink a long name to its column instead of overflowing
            px = min(px, fit / max(text_em(s), 1))
        self.fig.text(x / W, 1 - y / H, s, fontsize=px * 0.72, color=colour, ha=ha, va=va, **kw)


BASIS = {"cumulative": "排名按累计节点完成率", "period": "排名按本期节点完成率", "score": "排名按综合得分"}


def draw_poster(results: dict[str, Any], path: Path, title: str, font: FontChoice,
                whole: str = GENERIC_WHOLE, rank_by: str = "cumulative") -> list[str]:
    from matplotlib import rc_context

    ink = Ink(font)
    with rc_context(rc_params(ink.family)):  # type: ignore[arg-type]
        c = _Canvas(ink)
        figure_header(c, results, title, whole)
        groups = groups_of(results) or [""]
        columns = groups[:2] if len(groups) <= 2 else groups  # more than two: narrower columns
        margin, gap = 40, 36
        col_w = (W - 2 * margin - gap * (len(columns) - 1)) / len(columns)
        lights = unit_lights(results)
        for i, group in enumerate(columns):
            _group_panel(c, results, group, margin + i * (col_w + gap), 168, col_w, lights, rank_by == "score",
                         rank_by == "period")
        _footer(c, results, BASIS.get(rank_by, BASIS["cumulative"]))
        save_png(c.fig, path, dpi=_DPI)
    return ink.warnings


def figure_header(c: _Canvas, results: dict[str, Any], title: str, whole: str) -> None:
    c.rect(0, 0, W, 132, BAND)
    c.rect(0, 132, W, 6, GOLD)
    c.text(W / 2, 52, title, 50, "white", ha="center", where="海报标题", fit=W - 120)
    overall = results.get("overall") or {}
    parts = [] if "截至" in title else [f"截至{cn_date(results.get('cutoff', ''))}"]
    parts += [f"{whole}节点完成率 {pct(overall.get('rate'))}", f"绿灯项目 {overall.get('green', 0)} 个"]
    if overall.get("yellow"):
        parts.append(f"黄灯项目 {overall.get('yellow')} 个")
    parts.append(f"红灯项目 {overall.get('red', 0)} 个")
    c.text(W / 2, 106, "    ".join(parts), 28, GOLD, ha="center", where="海报标题")


def _group_panel(
    c: _Canvas, results: dict[str, Any], group: str, x0: float, y0: float, w: float, lights: dict[str, str],
    by_score: bool = False, by_period: bool = False,
) -> None:
    """One group's ranking; ``by_score``: the bar and figure are the composite score (of 100);
    ``by_period``: this period's rate, the one the ranks rest on (the cumulative one stood beside
    ranks made on this period's nodes)."""
    units = ranked_units(results, group)
    evaluation = bool(results.get("evaluation"))
    # Column layout as fractions of the panel width.
    col = {"rank": 0.045, "name": 0.095, "bar": 0.43, "rate": 0.70, "change": 0.757, "light": 0.842, "card": 0.957}
    if not evaluation:
        col.update({"rate": 0.76, "change": 0.825, "light": 0.915})
    x = {k: x0 + v * w for k, v in col.items()}
    name_w = x["bar"] - x["name"] - 16

    c.text(x0, y0 + 22, group, 36, PALETTE["accent"], where="分组名称")
    ranked = sum(1 for u in units if u.get("rank") is not None)
    c.text(x0 + w, y0 + 26, f"参赛 {len(units)} 个单位，排名 {ranked} 个", 22, PALETTE["muted"], ha="right")
    c.rect(x0, y0 + 50, w, 3, PALETTE["accent"])
    head_y = y0 + 76
    heads = [
        ("rank", "名次", "center"),
        ("name", "单位", "left"),
        ("bar", "综合得分" if by_score else "本期完成率" if by_period else "节点完成率", "left"),
        ("change", "升降", "center"),
        ("light", "亮灯", "center"),
    ]
    if evaluation:
        heads.append(("card", "督评", "center"))
    for key, label, ha in heads:
        c.text(x[key], head_y, label, 22, PALETTE["muted"], ha=ha)

    top = head_y + 24
    avail = H - 70 - top
    limit = max_rows(avail)
    rows = shown_rows(units, limit, limit // 2, limit - 1 - limit // 2, fit=True)
    row = min(ROW_MAX, avail / max(len(rows), 1))
    px = max(TEXT_MIN, min(34.0, row * ROW_TEXT))
    px = min(px, w / 26)  # three or more groups: narrower panels, smaller type, so columns never meet
    # room for "100.0%" (or "100.00分") right-aligned at x["rate"]
    bar_w = x["rate"] - x["bar"] - px * (4.5 if by_score else 3.9) - 8
    gaps = 0
    for i, u in enumerate(rows):
        yc = top + row * (i + 0.5)
        if i % 2 == 0:
            c.rect(x0, top + row * i, w, row, STRIPE)
        if isinstance(u, int):
            # The first gap names the group's size; a carded unit in the middle makes a second.
            gap = f"…… 共 {len(units)} 个单位，中间 {u} 个略 ……" if not gaps else f"…… 此处略 {u} 个单位 ……"
            c.text(x0 + w / 2, yc, gap, px, PALETTE["muted"], ha="center")
            gaps += 1
            continue
        rank = u.get("rank")
        rank_colour = PALETTE["accent"] if rank is not None and rank <= 3 else PALETTE["text"]
        c.text(x["rank"], yc, str(rank) if rank is not None else "—", px, rank_colour, ha="center")
        c.text(x["name"], yc, u.get("unit", ""), px, where="单位名称", fit=name_w)
        light = lights.get(u.get("unit", ""), "green")
        rate = u.get("period_rate" if by_period else "rate")
        bar_h = row * 0.34
        c.rect(x["bar"], yc - bar_h / 2, bar_w, bar_h, "#E3E7EC")
        score = u.get("score") if by_score and rank is not None else None  # not ranked: no score shown
        if score is not None:
            c.rect(x["bar"], yc - bar_h / 2, bar_w * max(0.0, min(score / 100, 1.0)), bar_h, PALETTE[light])
            c.text(x["rate"], yc, f"{score:.2f}分", px, ha="right")  # as the briefing and 擂台榜 give it
        elif rate is not None:
            c.rect(x["bar"], yc - bar_h / 2, bar_w * max(0.0, min(rate, 1.0)), bar_h, PALETTE[light])
            c.text(x["rate"], yc, pct(rate), px, ha="right")
        else:
            c.text(x["rate"], yc, "本期无到期节点" if by_period else "无到期节点", px * 0.7, PALETTE["muted"], ha="right")
        text, colour = change_text(u.get("rank_change"))
        c.text(x["change"], yc, text, px, colour, ha="center")
        reds = int(u.get("red_projects") or 0)
        dot = px * 0.62
        c.text(x["light"] - 1, yc, "●", dot * 1.6, PALETTE[light], ha="right")
        label = f"{reds}红" if reds else LIGHT_LABEL[light]
        c.text(x["light"] + 2, yc, label, px * 0.72, PALETTE[light], ha="left")
        if evaluation and u.get("yellow_card"):
            bw, bh = px * 2.1, row * 0.72
            c.rect(x["card"] - bw / 2, yc - bh / 2, bw, bh, PALETTE["card"], rounded=True)
            c.text(x["card"], yc, "黄牌", px * 0.8, "#3A2E00", ha="center")


def max_rows(room: float) -> int:
    """How many rows fit in ``room`` px with their text at ROW_TEXT of the row, not under TEXT_MIN
    (28 in a group panel of the 1080 px poster)."""
    return max(3, int(room * ROW_TEXT / TEXT_MIN))


def yellow_legend(results: dict[str, Any]) -> str:
    """What a yellow light means on this poster: overdue within the grace window (three-colour lights),
    or overdue nodes all done after a red period (``caught_up``), or both; a two-colour campaign's
    caught-up yellow was read as 逾期在宽限期内."""
    yellow = [p for p in results.get("projects") or [] if p.get("light") == "yellow"]
    grace, caught = any(p.get("overdue_nodes") for p in yellow), any(not p.get("overdue_nodes") for p in yellow)
    if caught and not grace:
        return "黄：逾期节点已全部补齐，亮黄一期"
    if caught:
        return "黄：逾期在宽限期内，或逾期节点已补齐"
    return "黄：逾期在宽限期内"


def _footer(c: _Canvas, results: dict[str, Any], basis: str = BASIS["cumulative"]) -> None:
    """One line of legend along the bottom, coloured dots in their colours; its type is made
    smaller when the pieces (yellow lights, 黄牌席) would not fit the width."""
    y, px, gap = H - 31, 22.0, 44.0
    c.rect(0, H - 62, W, 1.5, "#D0D5DB")
    pieces: list[tuple[str, str]] = [
        (basis, PALETTE["muted"]),
        ("", ""),
        ("↑↓ 较上期名次升降", PALETTE["muted"]),
        ("", ""),
        ("●", PALETTE["green"]),
        ("绿：项目全部按期推进", PALETTE["muted"]),
        ("", ""),
        ("●", PALETTE["red"]),
        ("n 红：n个项目有逾期未完成节点、亮红灯", PALETTE["muted"]),
    ]
    if (results.get("overall") or {}).get("yellow"):
        pieces[7:7] = [("●", PALETTE["yellow"]), (yellow_legend(results), PALETTE["muted"]), ("", "")]
    if results.get("evaluation"):
        pieces += [("", ""), ("黄牌", PALETTE["text"]), ("本期为督评期，黄牌单位列席督评会黄牌席", PALETTE["muted"])]
    ems = sum(text_em(t) + (0.6 if t == "黄牌" else 0) for t, _ in pieces if t)
    gaps = sum(1 for t, _ in pieces if not t)
    scale = min(1.0, (W - 2 * 40) / (px * ems + gap * gaps))
    px, gap = px * scale, gap * scale
    widths = [gap if not t else px * (text_em(t) + (0.6 if t == "黄牌" else 0)) for t, _ in pieces]
    x = (W - sum(widths)) / 2
    for (t, colour), wdt in zip(pieces, widths, strict=True):
        if t == "黄牌":
            c.rect(x, y - px * 0.75, px * 2.3, px * 1.5, PALETTE["card"], rounded=True)
            c.text(x + px * 1.15, y, t, px * 0.9, "#3A2E00", ha="center")
        elif t:
            c.text(x, y, t, px, colour)
        x += wdt
