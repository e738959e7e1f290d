"""The optional rules of campaign.toml (SPEC §4–§5): investment bands, 序时进度, caught_up, [score].

``optional_rules`` validates them and returns the ``Rules`` fields; a wrong key or value
raises SettingsError naming the key and the accepted values. With none of them set every
field keeps its default, and ``optional_rules_dict`` adds nothing to the settings recorded
in manifest.json and the ledger (so an office that does not use them sees no change).
"""

from __future__ import annotations

from typing import Any

from ..errors import SettingsError

SCORE_PARTS: tuple[str, ...] = ("nodes", "period_nodes", "investment")
OPTIONAL_RULES: tuple[str, ...] = ("caught_up", "investment_bands", "time_progress", "score")
_DEFAULTS: dict[str, Any] = {"caught_up": "none", "investment_bands": None, "time_progress": None, "score": None}


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return None
    return float(value)


def optional_rules(file: str, rules: dict[str, Any], score: dict[str, Any], has_score: bool,
                   periods: int) -> dict[str, Any]:
    """Rules fields from the [rules] keys caught_up, investment_bands, time_progress and [score]."""
    out: dict[str, Any] = {}
    if "caught_up" in rules:
        if rules["caught_up"] not in ("none", "yellow"):
            raise SettingsError(f"{file}：[rules] caught_up 的值 {rules['caught_up']!r} 无效，可选 'none' 或 'yellow'")
        out["caught_up"] = rules["caught_up"]
    if "investment_bands" in rules:
        bands = rules["investment_bands"]
        numbers = [_number(v) for v in bands] if isinstance(bands, list) else []
        if len(numbers) != 2 or any(n is None or n < 0 or n > 100 for n in numbers) or numbers[0] > numbers[1]:  # type: ignore[operator]
            raise SettingsError(
                f"{file}：[rules] investment_bands 的值 {bands!r} 无效，应为两个 0–100 的百分点数 [绿, 黄]，"
                f"前者不大于后者，如 [0, 20]：投资完成率不低于序时进度减第一个数为绿灯，"
                f"不低于序时进度减第二个数为黄灯，否则红灯")
        out["investment_bands"] = (numbers[0], numbers[1])
    if "time_progress" in rules:
        value = rules["time_progress"]
        if value != "elapsed":
            numbers = [_number(v) for v in value] if isinstance(value, list) else []
            if (len(numbers) != periods or any(n is None or not 0 <= n <= 100 for n in numbers)
                    or numbers != sorted(numbers)):  # type: ignore[type-var]
                raise SettingsError(
                    f"{file}：[rules] time_progress 的值 {value!r} 无效，可选 'elapsed'（按已过天数占行动总天数计算），"
                    f"或每期一个 0–100 的百分数、共 {periods} 个、逐期不减的列表，如 [{', '.join(['…'] * min(periods, 3))}]")
            out["time_progress"] = tuple(n / 100 for n in numbers)  # type: ignore[operator]
    if has_score or rules.get("rank_by") == "score":
        out["score"] = _weights(file, score, rules.get("rank_by") == "score")
    return out


def _weights(file: str, score: dict[str, Any], ranked: bool) -> tuple[tuple[str, float], ...]:
    if not score:
        raise SettingsError(
            f"{file}：[rules] rank_by = \"score\" 需要 [score] 配置节给出权重（分值），可用的键有 "
            f"{', '.join(SCORE_PARTS)}，如 nodes = 60、investment = 40")
    weights = []
    for part in SCORE_PARTS:
        if part not in score:
            continue
        number = _number(score[part])
        if number is None or number < 0:
            raise SettingsError(f"{file}：[score] {part} 应为不小于 0 的数字（分值，现为 {score[part]!r}）")
        weights.append((part, number))
    if not any(w for _, w in weights):
        raise SettingsError(f"{file}：[score] 中至少一项权重应大于 0（可用的键有 {', '.join(SCORE_PARTS)}）")
    return tuple(weights)


def optional_rules_dict(rules: Any) -> dict[str, Any]:
    """The optional rules that are set (not at their default), JSON-ready; ``score`` is its own section."""
    out: dict[str, Any] = {}
    for key in ("caught_up", "investment_bands", "time_progress"):
        value = getattr(rules, key)
        if value != _DEFAULTS[key]:
            out[key] = list(value) if isinstance(value, tuple) else value
    if out.get("time_progress"):
        out["time_progress"] = [round(v * 100, 6) for v in out["time_progress"]]
    return out
