"""The briefing's words on investment, 逾期完成 and the composite score (issue 17).

Pure helpers for narrative.py: each takes the period's results (and settings) and the
wording lookup ``t(section, key, **fields)``, and returns text (or None when there is
nothing to say). With none of the optional rules configured and no 计划投资 in the plan
they return None, so the briefing reads as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..campaign.plan import Settings
from ..scoring.composite import formula_text
from .docxkit import join_names, pct, point_change

Words = Callable[..., str]


def money(value: float) -> str:
    """万元 figures as an office writes them: 1,250.5 → 1250.5, 3000.0 → 3000."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def scored(results: dict[str, Any]) -> bool:
    return any("score" in u for u in results.get("units", []))


def investment_paragraph(results: dict[str, Any], t: Words) -> str | None:
    """计划投资, 累计完成投资, rate and 序时进度 overall, and the investment lights when banded."""
    o = results["overall"]
    if o.get("invest_plan") is None:
        return None
    planned = [p for p in results.get("projects", []) if p.get("invest_plan") is not None]
    progress = o.get("time_progress")
    text = t("investment", "overall", projects=len(planned), plan=money(o["invest_plan"]),
             done=money(o["invest_done"] or 0.0), rate=pct(o["invest_rate"]), progress=pct(progress))
    if o.get("invest_rate") is not None and progress is not None:
        gap = point_change(o["invest_rate"], progress)
        if gap is not None and gap > 0:
            text += t("investment", "ahead_of_progress", points=gap)
        elif gap is not None and gap < 0:
            text += t("investment", "behind_progress", points=-gap)
        else:
            text += t("investment", "at_progress")
    lit = [p for p in planned if p.get("invest_light")]
    if lit:
        counts = {c: sum(1 for p in lit if p["invest_light"] == c) for c in ("green", "yellow", "red")}
        text += t("investment", "lights", green=counts["green"], yellow=counts["yellow"], red=counts["red"])
        red = [p["name"] for p in lit if p["invest_light"] == "red"]
        if red:
            text += t("investment", "lights_red", names=join_names(red))
    return text


def ranking_intro(results: dict[str, Any], settings: Settings, t: Words) -> str | None:
    """The ranking's basis when ranked by score: the formula in one sentence; None otherwise."""
    weights = settings.rules.weights()
    if settings.rules.rank_by != "score" or weights is None:
        return None
    text = t("score", "intro", formula=formula_text(weights))
    counted = [k for k, w in weights.items() if w > 0]
    if any(u.get("score_parts") and any(u["score_parts"].get(k) is None for k in counted)
           for u in results.get("units", []) if u.get("score") is not None):
        text += t("score", "scaled")  # some unit lacked a part: say how it was scored
    return text


def adjustments_paragraph(results: dict[str, Any], t: Words) -> str | None:
    """The office's 加减分 with their reasons."""
    rows = results.get("adjustments") or []
    if not rows:
        return None
    items = [t("score", "adjust_plus" if a["points"] >= 0 else "adjust_minus", unit=a["unit"],
               points=money(abs(a["points"])), reason=a["reason"]) for a in rows]
    return t("score", "adjustments", list="；".join(items))


def score_text(unit: dict[str, Any], no_score: str) -> str:
    score = unit.get("score")
    return no_score if score is None else f"{score:.2f}"


def split_yellow(projects: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Yellow projects: (within the grace window — they have overdue nodes, caught up — none left)."""
    yellow = [p for p in projects if p["light"] == "yellow"]
    return [p for p in yellow if p.get("overdue_nodes")], [p for p in yellow if not p.get("overdue_nodes")]
