"""Drawing a period's charts and poster: what the painter calls.

- ``drawn_part``: the part of a results.json dict the charts and the poster read (sent to the painter);
- ``chart_text``: every name they may draw, for choosing a font that has them all;
- ``render_charts``: the charts of figures.py as PNGs (in a pool of processes on a machine
  with 4+ CPUs, else here), with the warnings of the font;
- ``render_poster``: the 擂台榜 poster (poster.py).
"""

from __future__ import annotations

import atexit
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..campaign.office import GENERIC_WHOLE
from .chartkit import Ink, groups_of, png_writes, rc_params, safe_name
from .figures import chart_category, chart_investment, chart_lights, chart_trend, chart_units
from .fonts import FontChoice, resolve_font

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
    "参赛按逾期未在宽限内推进有即本席会列全部中间略完整见擂台榜共此处综合得分…xls-已补齐或一"
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
