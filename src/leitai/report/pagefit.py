"""Fitting the briefing to its pages: sizes estimated from the template's metrics (issue 12).

A GB/T 9704 page has a 156 × 225 mm text block; body text is 3号 (16 pt) on an exact
28.95 pt line, tables 五号 (10.5 pt). From character counts (a CJK character is one em, an
ASCII one half) these functions estimate how tall each block will be, so the layout can

- shrink the issuer's line (发文机关标志) to one line (``fitted_size``);
- give table columns widths from their header words, so a header never breaks inside a
  word (``column_widths`` with ``header_lines``);
- size a figure to the space left on its page, so no page is left a third empty (``Pager``);
- cut an attachment table into page-sized parts, none a lone tail (``page_chunks``).

Estimates err on the tall side (a row a little taller, a line a little shorter than the
renderer's), so a part never overflows its page. No I/O here.
"""

from __future__ import annotations

import functools
import math
import unicodedata
from collections.abc import Sequence

PT_PER_MM = 72 / 25.4
TEXT_WIDTH_PT = 156 * PT_PER_MM  # 442.2 pt
TEXT_HEIGHT_PT = 225 * PT_PER_MM  # 637.8 pt
LANDSCAPE_HEIGHT_PT = (210 - 28 - 26) * PT_PER_MM
BODY_PT, LINE_PT = 16.0, 28.95
CELL_PT = 10.5  # 五号 table text
CELL_MARGIN_PT = 85 / 20  # left and right cell margins (twips → pt)
CELL_ROW_EXTRA_PT = 2 + 2 + 2 + 2 + 1  # paragraph before/after, cell margins top/bottom, rule


@functools.lru_cache(maxsize=1 << 16)  # table cells repeat (units, dates, statuses): each measured once
def em(text: str) -> float:
    """Width of ``text`` in ems: full-width and CJK characters 1, others ½, and the quarter em
    a renderer puts between a CJK character and a Latin letter or digit (autospace)."""
    total, previous = 0.0, None
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in "WFA"
        total += 1.0 if wide else 0.5
        latin = ch.isascii() and ch.isalnum()
        if previous is not None and ((wide and previous == "latin") or (latin and previous == "wide")):
            total += 0.25
        previous = "wide" if wide and ch.isalnum() else "latin" if latin else None
    return total


def fitted_size(text: str, size_pt: float, width_pt: float = TEXT_WIDTH_PT) -> float:
    """The largest size up to ``size_pt`` (in half points) at which ``text`` fits one line."""
    width = em(text)
    if width <= 0:
        return size_pt
    fit = math.floor(width_pt * 0.97 / width * 2) / 2
    return min(size_pt, fit)


def lines(text: str, width_pt: float, size_pt: float, indent_em: float = 0.0, slack_em: float = 0.3) -> int:
    """Lines ``text`` takes in a column ``width_pt`` wide at ``size_pt`` (a shade pessimistic: each
    line counted ``slack_em`` short)."""
    per_line = max(1.0, width_pt / size_pt - slack_em)
    total = 0
    for part in text.split("\n"):
        total += max(1, math.ceil((em(part) + indent_em) / per_line))
    return total


def paragraph_height(text: str, size_pt: float = BODY_PT, line_pt: float = LINE_PT, indent_em: float = 2,
                     width_pt: float = TEXT_WIDTH_PT, extra_pt: float = 0) -> float:
    return lines(text, width_pt, size_pt, indent_em) * line_pt + extra_pt


def header_lines(header: str, one_line_em: float = 4) -> list[str]:
    """A header split where a reader expects it: at most two lines, each a run of whole words
    (节点/完成率, 应完成/节点), as balanced as the words allow; short headers stay one line."""
    if em(header) <= one_line_em:
        return [header]
    words = _words(header)
    best = [header]
    best_width = em(header)
    for cut in range(1, len(words)):
        first, second = "".join(words[:cut]), "".join(words[cut:])
        width = max(em(first), em(second))
        if width < best_width:
            best, best_width = [first, second], width
    return best


_VOCABULARY = ("节点", "完成率", "完成", "应完成", "已完成", "提前", "项目数", "项目", "名次", "变化", "亮红灯",
               "红灯", "次数", "单位", "牵头", "逾期", "目标", "计划", "实际", "情况", "序号", "反映的", "问题",
               "核定", "结果", "日期", "说明", "修改", "建议", "位置", "文件", "分组", "名称", "投资", "累计", "综合", "得分")


def _words(text: str) -> list[str]:
    """Greedy longest-match segmentation on a small vocabulary of table headers; other
    characters stand alone (so a header of unknown words may still break between any two)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        match = max((w for w in _VOCABULARY if text.startswith(w, i)), key=len, default=text[i])
        out.append(match)
        i += len(match)
    return out


def table_layout(headers: Sequence[str], rows: Sequence[Sequence[str]], weights: Sequence[float],
                 flexible: set[int], width_pt: float = TEXT_WIDTH_PT,
                 compact: bool = False) -> tuple[list[list[str]], list[float]]:
    """Each header's lines and the column widths (pt). A header of up to four ems stays on one
    line, unless the columns would then need more than ``width_pt`` (so that a unit's name or a
    number would wrap), or ``compact`` says so: then such headers break too (名次/变化, 综合/得分)."""
    lines = [header_lines(h) for h in headers]
    if compact or crowded(headers, rows, flexible, width_pt):
        lines = [header_lines(h, 2) for h in headers]
    return lines, column_widths(lines, rows, weights, flexible, width_pt)


def crowded(headers: Sequence[str], rows: Sequence[Sequence[str]], flexible: set[int],
            width_pt: float = TEXT_WIDTH_PT) -> bool:
    """Whether the table's columns, headers of up to four ems on one line, need more than ``width_pt``."""
    return sum(_needs([header_lines(h) for h in headers], rows, flexible)) > width_pt


def _needs(headers: Sequence[Sequence[str]], rows: Sequence[Sequence[str]], flexible: set[int]) -> list[float]:
    """Each column's least width (pt): its header's widest line; a column that is not ``flexible``
    its widest cell too."""
    pad = 2 * CELL_MARGIN_PT + 2
    need = []
    for i, head in enumerate(headers):
        width = max(em(line) for line in head) * CELL_PT * 1.06 + pad
        if i not in flexible:
            width = max([width] + [em(row[i]) * CELL_PT + pad for row in rows[:400]])
        need.append(width)
    return need


def column_widths(headers: Sequence[Sequence[str]], rows: Sequence[Sequence[str]], weights: Sequence[float],
                  flexible: set[int], width_pt: float = TEXT_WIDTH_PT) -> list[float]:
    """Column widths (pt) that sum to ``width_pt``. Every column is at least as wide as its
    header's widest line; a column that is not ``flexible`` (numbers, short codes) is as wide
    as its widest cell too, and the flexible ones (names, free text) share the rest by weight."""
    need = _needs(headers, rows, flexible)
    fixed = sum(need[i] for i in range(len(need)) if i not in flexible)
    share = sum(weights[i] for i in flexible) or 1
    left = width_pt - fixed
    widths = list(need)
    if flexible and left > sum(need[i] for i in flexible):
        # give each flexible column its weighted share, never less than its header needs
        for _ in range(3):
            for i in flexible:
                widths[i] = max(need[i], left * weights[i] / share)
            over = sum(widths[i] for i in flexible) - left
            if over <= 0.5:
                break
            big = [i for i in flexible if widths[i] > need[i]]
            share = sum(weights[i] for i in big) or 1
            left -= sum(need[i] for i in flexible if i not in big)
            flexible = set(big)
    total = sum(widths)
    return [w * width_pt / total for w in widths]


def row_height(cells: Sequence[str], widths_pt: Sequence[float], size_pt: float = CELL_PT,
               line_factor: float = 1.15) -> float:
    """A table row's height: its tallest cell's lines at 五号, plus spacing and rules. A line is
    ``line_factor`` times the size (more where a symbol such as ↑ may come from a taller
    fallback font)."""
    most = max((_cell_lines(str(c), w - 2 * CELL_MARGIN_PT, size_pt) for c, w in
                zip(cells, widths_pt, strict=False)), default=1)
    return most * size_pt * line_factor + CELL_ROW_EXTRA_PT


def _cell_lines(text: str, width_pt: float, size_pt: float) -> int:
    """Lines of a cell: one when it fits, else whole characters a line (a renderer breaks
    CJK text anywhere, and Latin runs only between words, so a line holds a little less)."""
    total = 0
    for part in text.split("\n"):
        if em(part) * size_pt <= width_pt:
            total += 1
        else:
            per_line = max(1, math.floor(width_pt / size_pt) - 0.5)
            total += math.ceil(em(part) / per_line)
    return total


def merged_heights(rows: Sequence[Sequence[str]], widths_pt: Sequence[float], merge: Sequence[int],
                   line_factor: float = 1.15, longest_run: int = 30) -> tuple[list[float], float]:
    """Row heights of a table whose ``merge`` columns are merged down where they repeat (as
    ``docxkit.table_xml`` merges them, runs capped at ``longest_run`` rows), and the most a part's
    first row may add when it opens inside a run (its merged cells written out again).

    A continued cell is empty, so a row is as tall as its other cells; a run as tall as its merged
    text needs, the shortfall added to its last row. Measuring the repeated name in every row had
    made an attachment's parts a third shorter than their pages."""
    merged = sorted(set(merge))
    plain = [[("" if i in merged else c) for i, c in enumerate(row)] for row in rows]
    own = [row_height(row, widths_pt, line_factor=line_factor) for row in plain]
    heights = list(own)
    extra = 0.0
    for i in merged:
        start, length = 0, 0
        for n in range(len(rows) + 1):
            same = (0 < n < len(rows) and length < longest_run
                    and all(rows[n][j] == rows[n - 1][j] for j in merged if j <= i))
            if same:
                length += 1
                continue
            if n:  # the run rows[start:n] ends here
                need = row_height([rows[start][i]], [widths_pt[i]], line_factor=line_factor)
                short = need - sum(heights[start:n])
                if short > 0:
                    heights[n - 1] += short
                extra = max(extra, need - min(own[start:n]))
            start, length = n, 1
    return heights, max(extra, 0.0)


def page_chunks(heights: Sequence[float], first_pt: float, page_pt: float, header_pt: float,
                min_tail: int = 3) -> list[tuple[int, int]]:
    """Rows (by height) cut into page-sized parts ``[(start, end), ...]``: the first part in
    ``first_pt`` (the rest of its page), the others in ``page_pt``, each under a repeated
    header; no part but a lone one has fewer than ``min_tail`` rows (rows move back from the
    part before rather than leave a tail)."""
    budget = 0.88  # a margin for rows the renderer wraps more than estimated
    chunks: list[tuple[int, int]] = []
    start, used, room = 0, header_pt, first_pt * budget
    for i, h in enumerate(heights):
        if used + h > room and i > start:
            chunks.append((start, i))
            start, used, room = i, header_pt, page_pt * budget
        used += h
    chunks.append((start, len(heights)))
    if len(chunks) > 1:
        last_start, end = chunks[-1]
        short = min_tail - (end - last_start)
        if short > 0:
            prev_start, _ = chunks[-2]
            move = min(short, max(0, last_start - prev_start - min_tail))
            chunks[-2] = (prev_start, last_start - move)
            chunks[-1] = (last_start - move, end)
    return chunks


class Pager:
    """Where the layout stands on its page (pt from the top of the text block)."""

    def __init__(self, height_pt: float = TEXT_HEIGHT_PT) -> None:
        self.height, self.y, self.page = height_pt, 0.0, 1

    @property
    def remaining(self) -> float:
        return self.height - self.y

    def flow(self, h: float) -> None:
        """Content that may break across pages (lines of text, table rows)."""
        self.y += h
        while self.y > self.height:
            self.y -= self.height
            self.page += 1

    def lines(self, count: int, line_pt: float) -> None:
        """A paragraph of ``count`` lines, as a renderer breaks it: whole lines on a page, and
        widow/orphan control (two lines at least on either side of a break; a paragraph that can
        keep only one line on this page, or leave only one for the next, moves a line on). A
        short paragraph moved whole leaves the foot of its page empty; ``flow`` would have
        counted it there, and every block after it would land a few lines too high."""
        left = count
        while left:
            fit = max(0, math.floor((self.remaining + 0.01) / line_pt))
            if left <= fit:
                self.y += left * line_pt
                return
            first = fit if left - fit >= 2 else fit - 1  # a widow: one more line goes on
            if first < 2 or self.y <= 0:  # an orphan: the paragraph opens on the next page
                first = 0 if self.y > 0 else max(1, fit)  # (at a page's top it must break)
            left -= first
            self.page += 1
            self.y = 0.0

    def keep(self, h: float) -> None:
        """Content that moves whole to the next page when it does not fit."""
        if self.y + h > self.height and self.y > 0:
            self.page += 1
            self.y = 0.0
        self.y += h

    def new_page(self, height_pt: float | None = None) -> None:
        self.page += 1
        self.y = 0.0
        if height_pt is not None:
            self.height = height_pt
