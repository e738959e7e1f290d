"""The composite score of `[rules] rank_by = "score"` (SPEC §5), as pure functions.

A unit's score = Σ weight × measure over the configured parts of ``[score]``, plus the
office's 加减分 (adjustments) for the unit:

- ``nodes``: the cumulative node completion rate (0..1);
- ``period_nodes``: the period's node completion rate (0..1);
- ``investment``: investment rate / 序时进度, capped at 1 (a unit at or ahead of 序时进度
  gets the whole weight; 序时进度 0 counts as 1).

A part whose measure is missing for a unit (no nodes due in the period, no project with a
计划投资) is left out and the unit's other parts are scaled up to the same total weight, so
units are compared on what they can be measured on; with no part measurable the unit has
no score. As in every mode, a unit with no node due is not ranked (its score is still shown).
Scores are rounded to 1e-9 for ranking, so sums that differ only in floating-point noise
rank equal, and ties are broken as for rates (done ahead, then red projects).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

PART_CN = {"nodes": "累计节点完成率", "period_nodes": "本期节点完成率", "investment": "投资完成率与序时进度之比",
           "adjust": "加减分"}
PRECISION = 9


def investment_index(rate: float, progress: float) -> float:
    """min(1, investment rate / 序时进度); NaN without a rate."""
    if rate is None or math.isnan(rate):
        return math.nan
    if progress <= 0:
        return 1.0
    return min(1.0, rate / progress)


def unit_score(measures: dict[str, float], weights: dict[str, float], adjust: float) -> tuple[float, dict[str, Any]]:
    """(score, parts) of one unit. ``parts`` maps each weighted part to its points (None when
    the measure is missing) and ``adjust`` to the 加减分 points; score is NaN when no part counts."""
    counted = {k: w for k, w in weights.items() if w > 0 and not math.isnan(measures.get(k, math.nan))}
    total = sum(w for w in weights.values() if w > 0)
    parts: dict[str, Any] = {}
    if not counted:
        parts = {k: None for k in weights}
        parts["adjust"] = adjust
        return math.nan, parts
    scale = total / sum(counted.values())
    for key, weight in weights.items():
        parts[key] = weight * measures[key] * scale if key in counted else (0.0 if weight == 0 else None)
    parts["adjust"] = adjust
    score = sum(v for v in parts.values() if v is not None)
    return score, parts


def score_units(units: pd.DataFrame, weights: dict[str, float], progress: float,
                adjustments: dict[str, float]) -> pd.DataFrame:
    """``units`` (with rate, period_rate, invest_rate) plus score, score_base (without 加减分),
    score_parts (dict per unit) and score_full (the total weight: a unit there is at full marks)."""
    scores, bases, parts_list = [], [], []
    for row in units.itertuples(index=False):
        measures = {"nodes": float(row.rate), "period_nodes": float(row.period_rate),
                    "investment": investment_index(float(row.invest_rate), progress)}
        adjust = float(adjustments.get(row.unit, 0.0))
        score, parts = unit_score(measures, weights, adjust)
        scores.append(score)
        bases.append(score - adjust if not math.isnan(score) else math.nan)
        parts_list.append(parts)
    out = units.copy()
    out["score"] = scores
    out["score_base"] = bases
    out["score_parts"] = parts_list
    out["score_full"] = float(sum(w for w in weights.values() if w > 0))
    return out


def formula_text(weights: dict[str, float]) -> str:
    """The score formula in words, e.g. 综合得分 = 累计节点完成率×60 + 投资完成率与序时进度之比×40（封顶1）＋加减分."""
    terms = []
    for key, weight in weights.items():
        if weight > 0:
            terms.append(f"{PART_CN[key]}×{weight:g}" + ("（比值最高按1计）" if key == "investment" else ""))
    return "综合得分＝" + "＋".join(terms) + "＋办公室加减分"
