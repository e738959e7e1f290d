"""The one look of leitai's charts and poster, and the helpers both use.

Palette and type scale (``PALETTE``, ``SIZE``), text that fits (``wrap``, ``text_em``),
``Ink`` (every string checked against the font: a missing character is drawn as 〓 and
reported, never as an empty box), reproducible figures (``new_figure``, ``save_png``),
and the units' order, lights and rank changes as the charts and the poster show them.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..fileio import atomic_write_bytes
from .fonts import FontChoice, covers, register

# --- one look for every chart ---------------------------------------------------------

PALETTE = {
    "bar": "#3E5C7E",  # restrained steel blue for plain bars
    "bar_soft": "#D5DDE6",  # plan / background bars
    "green": "#2E7D4F",
    "yellow": "#D49A00",
    "red": "#B0241B",
    "accent": "#9E1B1B",  # deep red for titles' rule and the campaign line
    "text": "#1F1F1F",
    "muted": "#646B73",
    "grid": "#E4E7EB",
    "axis": "#9AA3AD",
    "card": "#F2C200",
}
SIZE = {"title": 11.5, "subtitle": 8.5, "label": 9.0, "value": 8.5, "small": 7.5}  # points
WIDTH_CM = 16.0
DPI = 200
CM = 1 / 2.54
MISSING_MARK = "〓"

LIGHT_NAMES = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}


def pct(rate: float | None) -> str:
    """A fraction 0..1 as ``85.2%``; ``—`` when there is no rate."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return "—"
    return f"{rate * 100:.1f}%"


def cn_date(iso: str) -> str:
    """``2020-11-09`` → ``2020年11月9日``."""
    try:
        y, m, d = (int(x) for x in str(iso)[:10].split("-"))
    except ValueError:
        return str(iso)
    return f"{y}年{m}月{d}日"


def text_em(text: str) -> float:
    """Width of a single line in ems: CJK characters (and ●↑— which CJK fonts draw full width) 1,
    others about 0.56."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WFA" else 0.56 for ch in text)


def wrap(text: str, max_em: float, max_lines: int = 2) -> str:
    """Break ``text`` into balanced lines of at most ``max_em`` ems (县住房和城\n乡建设局, not
    县住房和城乡建设\n局); beyond ``max_lines`` the last line ends in …."""
    total = text_em(text)
    if total <= max_em:
        return text
    n_lines = math.ceil(total / max_em)
    target = min(max_em, total / n_lines + 0.5)
    lines: list[str] = []
    line, width = "", 0.0
    for ch in text:
        w = text_em(ch)
        if line and width + w > target:
            lines.append(line)
            line, width = "", 0.0
        line += ch
        width += w
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return "\n".join(lines)


def safe_name(name: str) -> str:
    """A group name usable in a file name on Windows, macOS and Linux (``乡镇（街道）`` → ``乡镇街道``)."""
    cleaned = "".join(ch for ch in name if ch.isalnum() or ch in "-_")
    return cleaned[:40] or "group"


class Ink:
    """Checks every string against the font; missing characters become 〓 and a warning."""

    def __init__(self, font: FontChoice) -> None:
        self.font = font
        self.family = register(font)
        self.warnings: list[str] = []
        self._reported: set[tuple[str, str]] = set()
        self._mark = MISSING_MARK if covers(font, MISSING_MARK) else "?"

    def __call__(self, text: Any, where: str = "图表") -> str:
        s = str(text)
        if all(covers(self.font, ch) for ch in s):
            return s
        out = []
        for ch in s:
            if covers(self.font, ch):
                out.append(ch)
                continue
            out.append(self._mark)
            key = (ch, s)
            if key not in self._reported:
                self._reported.add(key)
                self.warnings.append(
                    f"{where}“{s}”中的字符 U+{ord(ch):04X} {ch} 不在字体 {self.font.family} 中，"
                    f"已以{self._mark}代替；请核对名称或在 campaign.toml 中配置含该字的字体"
                )
        return "".join(out)


def rc_params(family: str) -> dict[str, Any]:
    return {
        "font.family": [family],
        "font.size": SIZE["label"],
        "axes.unicode_minus": False,
        "axes.edgecolor": PALETTE["axis"],
        "axes.labelcolor": PALETTE["text"],
        "axes.linewidth": 0.6,
        "xtick.color": PALETTE["muted"],
        "ytick.color": PALETTE["text"],
        "xtick.labelsize": SIZE["small"],
        "ytick.labelsize": SIZE["label"],
        "text.color": PALETTE["text"],
        "svg.hashsalt": "leitai",
        "path.simplify": True,
    }


def new_figure(width_cm: float, height_cm: float) -> Any:
    """A Figure on its own Agg canvas (no pyplot, so no global backend switch)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from .textcache import install

    install()  # each string laid out once per process
    fig = Figure(figsize=(width_cm * CM, height_cm * CM), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


PNG_COMPRESS_LEVEL = 1  # zlib level 1: the demo's six PNGs 2% larger than at level 3 (908 KB, not 892), some 40 ms less to write
_WRITES: list[Any] | None = None  # inside ``png_writes``: the PNGs being compressed and written
_WRITER: Any = None  # inside ``png_writes``: the thread that writes them


def save_png(fig: Any, path: Path, dpi: int = DPI) -> Path:
    """The figure as a PNG at ``dpi``: RGB when its background is opaque (every pixel is, so the
    alpha channel says nothing; without it the file is smaller and faster to compress), no
    text chunks, the dpi recorded (pHYs) as matplotlib records it. Inside ``png_writes`` the
    compressing and writing go on in a thread while the next figure is drawn."""
    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=dpi, facecolor=fig.get_facecolor())
    size = (int(fig.get_figwidth() * dpi), int(fig.get_figheight() * dpi))  # the Agg canvas's size
    opaque = fig.get_facecolor()[3] == 1
    if _WRITES is None:
        _write_png(raw.getvalue(), size, opaque, dpi, path)
    else:
        assert _WRITER is not None
        _WRITES.append(_WRITER.submit(_write_png, raw.getvalue(), size, opaque, dpi, path))
    return path


def _write_png(rgba: bytes, size: tuple[int, int], opaque: bool, dpi: int, path: Path) -> None:
    from PIL import Image

    image = Image.frombuffer("RGBA", size, rgba, "raw", "RGBA", 0, 1)
    if opaque:
        image = image.convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="png", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)
    atomic_write_bytes(path, buffer.getvalue())


@contextmanager
def png_writes() -> Iterator[None]:
    """Within: ``save_png`` hands each figure's compressing and writing (zlib and the disk, which
    let other Python code run) to a thread, so the next figure is drawn meanwhile on a free
    core. On leaving, every PNG is written, or the first failure is raised, and the thread has
    ended (a thread left running would make intake's workers spawn instead of fork)."""
    global _WRITES, _WRITER
    from concurrent.futures import ThreadPoolExecutor

    outer, _WRITES = _WRITES, []
    outer_writer, _WRITER = _WRITER, ThreadPoolExecutor(max_workers=1, thread_name_prefix="leitai-png")
    try:
        yield
    finally:
        pending, _WRITES = _WRITES, outer
        writer, _WRITER = _WRITER, outer_writer
        writer.shutdown(wait=True)
        errors = []
        for future in pending:
            try:
                future.result()
            except Exception as exc:  # noqa: BLE001 - the first is raised once all are done
                errors.append(exc)
        if errors:
            raise errors[0]


def figure_header(fig: Any, ink: Ink, height_cm: float, title: str, subtitle: str) -> None:
    top = 1 - 0.35 / height_cm
    fig.text(0.5, top, ink(title, "图表标题"), ha="center", va="top", fontsize=SIZE["title"], color=PALETTE["text"])
    if subtitle:
        fig.text(
            0.5,
            top - 0.62 / height_cm,
            ink(subtitle, "图表标题"),
            ha="center",
            va="top",
            fontsize=SIZE["subtitle"],
            color=PALETTE["muted"],
        )


def chart_axes(fig: Any, height_cm: float, left_cm: float, right_cm: float, top_cm: float, bottom_cm: float) -> Any:
    ax = fig.add_axes(
        (
            left_cm / WIDTH_CM,
            bottom_cm / height_cm,
            (WIDTH_CM - left_cm - right_cm) / WIDTH_CM,
            (height_cm - top_cm - bottom_cm) / height_cm,
        )
    )
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0, pad=4)
    return ax


def percent_axis(ax: Any, axis: str = "x", lo: float = 0.0, hi: float = 1.0, step: float = 0.2) -> None:
    from matplotlib.ticker import FixedLocator, FuncFormatter

    ticks = [lo + i * step for i in range(int(round((hi - lo) / step)) + 1)]
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(FixedLocator(ticks))
    target.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:.0f}%"))
    ax.grid(axis=axis, color=PALETTE["grid"], linewidth=0.6)
    ax.set_axisbelow(True)


def period_text(results: dict[str, Any]) -> str:
    return f"第{results.get('period', '')}期 · 截至{cn_date(results.get('cutoff', ''))}"


def legend_row(fig: Any, ink: Ink, y: float, items: list[tuple[str, str]], note: str = "") -> None:
    """A row of coloured squares and labels, centred at figure height ``y`` (fraction)."""
    em = SIZE["small"] / 72 * 2.54  # cm
    widths = [0.42 + em * text_em(label) + 0.8 for _, label in items]
    total = sum(widths) + (em * text_em(note) if note else -0.8)
    x = (WIDTH_CM - total) / 2
    for (colour, label), w in zip(items, widths, strict=True):
        fig.text(x / WIDTH_CM, y, "■", color=colour, fontsize=SIZE["value"], va="center")
        fig.text(
            (x + 0.42) / WIDTH_CM, y, ink(label, "图例"), fontsize=SIZE["small"], va="center", color=PALETTE["text"]
        )
        x += w
    if note:
        fig.text(x / WIDTH_CM, y, ink(note, "图例"), fontsize=SIZE["small"], va="center", color=PALETTE["muted"])


def unit_lights(results: dict[str, Any]) -> dict[str, str]:
    """Every unit's light in one pass over the projects: red if any of its projects is red,
    yellow if any is yellow, else red when its row counts red projects, else green.
    Look a unit up with ``.get(unit, "green")``."""
    worst: dict[str, str] = {}
    for p in results.get("projects") or []:
        light = p.get("light")
        if light == "red" or (light == "yellow" and worst.get(p.get("unit")) != "red"):
            worst[p.get("unit")] = light
    lights: dict[str, str] = {}
    for row in results.get("units") or []:  # the first row of a name decides, as before
        name = row.get("unit")
        if name not in lights:
            lights[name] = worst.get(name) or ("red" if row.get("red_projects") else "green")
    for name, light in worst.items():
        lights.setdefault(name, light)
    return lights


def unit_light(unit: str, results: dict[str, Any]) -> str:
    """One unit's light (see ``unit_lights``; for many units build that dict once instead)."""
    return unit_lights(results).get(unit, "green")


def ranked_units(results: dict[str, Any], group: str) -> list[dict[str, Any]]:
    """A group's units by rank; unranked (no due nodes) last, in their given order."""
    rows = [u for u in results.get("units") or [] if u.get("group") == group]
    return sorted(rows, key=lambda u: (u.get("rank") is None, u.get("rank") or 0))


def groups_of(results: dict[str, Any]) -> list[str]:
    return list(dict.fromkeys(u.get("group", "") for u in results.get("units") or []))


def shown_rows(
    units: list[dict[str, Any]], limit: int, head: int, tail: int, fit: bool = False
) -> list[dict[str, Any] | int]:
    """The rows a ranking draws: all of ``units`` when there are at most ``limit``; else the
    first ``head``, the last ``tail`` and every yellow-carded unit between them, with an
    ``int`` (how many units are left out) for each run of two or more left out (a run of one
    is drawn: it takes the same row). ``fit``: drop rows from the top and bottom (never a
    carded unit) until at most ``limit`` rows remain, gaps included."""
    if len(units) <= limit:
        return list(units)
    carded = {i for i, u in enumerate(units) if u.get("yellow_card")}
    while True:
        keep = set(range(min(head, len(units)))) | set(range(max(len(units) - tail, 0), len(units))) | carded
        out: list[dict[str, Any] | int] = []
        run: list[dict[str, Any]] = []  # left out since the last kept unit
        for i, u in enumerate(units):
            if i in keep:
                if run:
                    out.append(run[0] if len(run) == 1 else len(run))
                    run = []
                out.append(u)
            else:
                run.append(u)
        if run:
            out.append(run[0] if len(run) == 1 else len(run))
        if not fit or len(out) <= limit or head + tail <= 2:
            return out
        if head > tail:
            head -= 1
        else:
            tail -= 1


def leaderboard_name(results: dict[str, Any]) -> str:
    """The file with every unit's rank: ``擂台榜-第05期.xlsx``."""
    period = results.get("period")
    return f"擂台榜-第{period:02d}期.xlsx" if isinstance(period, int) else "擂台榜.xlsx"


def change_text(change: int | None) -> tuple[str, str]:
    """Rank change as (text, colour): ``↑3`` green, ``↓2`` red, ``—`` for none or 0."""
    if not change:
        return "—", PALETTE["muted"]
    if change > 0:
        return f"↑{change}", PALETTE["green"]
    return f"↓{-change}", PALETTE["red"]


# A group of more than UNITS_LIMIT units is drawn as its top UNITS_HEAD and bottom UNITS_TAIL
# (and any carded unit between), with a row saying how many are left out.
UNITS_LIMIT, UNITS_HEAD, UNITS_TAIL = 40, 20, 20


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
