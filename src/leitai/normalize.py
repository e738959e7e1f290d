"""Normalising what people type: dates, statuses, percentages, numbers, header names.

Pure functions, no I/O. Each parser returns a clean value, ``None`` for a blank cell,
and raises ``ValueError`` (never anything else) for something it cannot read; the
caller records a Problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from typing import Any

import pandas as pd

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap-year bug
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000  # 1954 .. 2119: anything else is not a date serial

# What people type in a number or date cell to say "nothing here".
_NOTHING = {"-", "--", "—", "——", "－", "/", "无", "暂无", "空"}


def nfkc(text: str) -> str:
    """Full-width digits, letters, brackets and % become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def clean_header(value: Any) -> str:
    """A header cell in canonical form: NFKC, no whitespace or line breaks at all."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if type(value) is str:
        return _squeeze_str(value)
    return re.sub(r"\s+", "", nfkc(str(value)))


_WHITESPACE = re.compile(r"\s+")


def _squeeze_str(text: str) -> str:
    if len(text) > 64:
        return _WHITESPACE.sub("", nfkc(text))
    return _squeeze_short(text)


@functools.lru_cache(maxsize=16384)
def _squeeze_short(text: str) -> str:
    # short cells repeat (statuses, headers, project ids): their canonical form is computed once
    return _WHITESPACE.sub("", nfkc(text))


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    kind = type(value)
    if kind is str:
        return value.strip() == ""
    if kind is float:
        return value != value  # NaN
    if kind is int or kind is bool or kind is dt.datetime or kind is dt.date:
        return False
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return value is pd.NaT or bool(pd.isna(value))
    except (TypeError, ValueError):  # array-likes: not a blank cell
        return False


def _squeeze(value: Any) -> str:
    """Text in canonical form for parsing: NFKC, no whitespace at all."""
    if type(value) is str:
        return _squeeze_str(value)
    return re.sub(r"\s+", "", nfkc(str(value)))


_TIME = re.compile(r"(?:[\sT]|(?<=[日号]))\s*\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")  # a time of day after a date
_YEARLESS = re.compile(r"^(?P<m>\d{1,2})(?:月(?P<d1>\d{1,2})[日号]?|[-/.](?P<d2>\d{1,2}))$")
_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]


def parse_date(value: Any, *, year: int | None = None,
               span: tuple[dt.date, dt.date] | None = None) -> dt.date | None:
    """A date from any of the forms SPEC §4 lists.

    Real dates and datetimes, Excel serial numbers, ``2020-11-03``, ``2020/11/3``,
    ``2020.11.3``, ``2020年11月3日``, ``11月3日``, ``11/3``, ``20201103``; full-width
    digits too. A date without a year takes ``year``; with ``span`` (the campaign's start
    and end) it takes the year that puts it inside the span, so a campaign running over
    New Year reads ``1月5日`` as the January after the start.
    """
    kind = type(value)  # fast paths for what calamine returns; subclasses take the general way
    if value is None:
        return None
    if kind is dt.datetime:
        return value.date()
    if kind is dt.date:
        return value
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return value.to_pydatetime().date()
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        if number.is_integer() and 19000101 <= number <= 21001231:
            return parse_date(str(int(number)), year=year, span=span)
        if _SERIAL_MIN <= number <= _SERIAL_MAX:
            return EXCEL_EPOCH + dt.timedelta(days=int(number))
        raise ValueError(value)
    text = _squeeze(_TIME.sub("", nfkc(str(value)).strip()))
    if text in _NOTHING:
        return None
    if re.fullmatch(r"\d{5}(\.\d+)?", text) and _SERIAL_MIN <= float(text) <= _SERIAL_MAX:
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))  # ValueError if impossible
    match = _YEARLESS.match(text)
    if match:
        month, day = int(match["m"]), int(match["d1"] or match["d2"])
        return _with_year(month, day, year, span, value)
    raise ValueError(value)


def _with_year(month: int, day: int, year: int | None, span: tuple[dt.date, dt.date] | None,
               value: Any) -> dt.date:
    if span is not None:
        start, end = span
        candidates = []
        for y in range(start.year, end.year + 1):
            try:
                candidates.append(dt.date(y, month, day))
            except ValueError:
                continue
        inside = [c for c in candidates if start <= c <= end]
        if inside:
            return inside[0]
        if candidates:  # outside the campaign: the nearest reading, the caller warns
            return min(candidates, key=lambda c: min(abs((c - start).days), abs((c - end).days)))
    if year is None:
        raise ValueError(value)
    return dt.date(year, month, day)


_DONE = {"已完成", "完成", "是", "√", "✓", "✔", "☑", "y", "yes", "done", "ok", "已完工", "完工", "已办结", "办结"}
_NOT_DONE = {"未完成", "否", "推进中", "进行中", "未开始", "×", "✗", "✘", "☐", "x", "n", "no", "未", "正在推进",
             "未完工", "-", "—", "/"}
_TRAILING = "。.，,；;！!"


def parse_status(value: Any) -> bool:
    """True for done, False for not done (blank is not done); ValueError if unreadable."""
    if type(value) is str and len(value) <= 64:
        return _status_text(value)
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    return _status_words(value)


@functools.lru_cache(maxsize=1024)
def _status_text(value: str) -> bool:
    # a column of a few spellings (已完成/未完成…), read once each; an unreadable one raises every time
    return False if value.strip() == "" else _status_words(value)


def _status_words(value: Any) -> bool:
    text = _squeeze(value).lower().strip(_TRAILING)
    if text in _DONE:
        return True
    if text in _NOT_DONE:
        return False
    raise ValueError(value)


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)
# suffix -> factor to 万元
_MONEY_SUFFIX = (("亿元", 1e4), ("亿", 1e4), ("万元", 1.0), ("万", 1.0), ("元", 1e-4))


def _plain_number(text: str, value: Any) -> float:
    text = text.replace(",", "")
    if not _NUMBER.match(text):
        raise ValueError(value)
    return float(text)


def parse_number(value: Any) -> float | None:
    """An amount in 万元, forgiving thousands separators, full-width digits and a unit suffix.

    ``1,250.5``, ``1250.5万元`` and ``1250.5万`` give 1250.5; ``1.2亿元`` gives 12000.0 and
    ``5000元`` gives 0.5 (the column is in 万元).
    """
    if value is None:
        return None
    if type(value) is float:
        if value != value:  # NaN: blank
            return None
        if not math.isfinite(value):
            raise ValueError(value)
        return value
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        return number
    text = _squeeze(value).replace("¥", "").lstrip("约")
    if text in _NOTHING:
        return None
    factor = 1.0
    for suffix, scale in _MONEY_SUFFIX:
        if text.endswith(suffix):
            text, factor = text[: -len(suffix)], scale
            break
    return _plain_number(text, value) * factor


def parse_percent(value: Any) -> float | None:
    """A percentage on the 0–100 scale.

    ``85``, ``"85%"``, ``"８５％"`` all give 85.0. A number strictly between 0 and 1 is
    read as a fraction (a percent-formatted cell stores 85% as 0.85), so it gives 85.0;
    1 stays 1 (one per cent). Range checking is the caller's job.
    """
    if value is None:
        return None
    if type(value) is float:  # what calamine gives for a number: the usual case
        if value != value:  # NaN: blank
            return None
        if not math.isfinite(value):
            raise ValueError(value)
        return round(value * 100, 9) if 0 < value < 1 else value
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        text = _squeeze(value)
        if text in _NOTHING:
            return None
        if text.endswith("%"):
            return _plain_number(text[:-1], value)
        number = _plain_number(text, value)
    else:
        number = parse_number(value)  # type: ignore[assignment]
        if number is None:
            return None
    if 0 < number < 1:
        return round(number * 100, 9)  # 0.85 * 100 is 85.00000000000001 in binary
    return number


# Characters str.isprintable() calls unprintable but clean_text keeps: line breaks and tabs, and
# the separators (category Z: U+3000, no-break spaces…). Mapped to a printable one only to test.
_KEPT_UNPRINTABLE = {ord(ch): "x" for ch in "\n\t" + "".join(
    chr(c) for c in range(0x3001) if unicodedata.category(chr(c))[0] == "Z")}


def clean_text(value: Any, *, limit: int = 2000) -> str:
    """Free text as a plain string: control characters dropped, trimmed, capped at ``limit``."""
    if type(value) is str and (value.isprintable() or value.translate(_KEPT_UNPRINTABLE).isprintable()):
        return value.strip()[:limit]  # no control (or other category C) character to drop
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    text = str(value)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()[:limit]
