"""Normalising what people type: dates, statuses, percentages, numbers, header names.

Pure functions, no I/O. Each parser returns a clean value, ``None`` for a blank cell,
and raises ``ValueError`` for something it cannot read (the caller records a Problem).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 with Excel's 1900 leap-year bug
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000  # 1954 .. 2119: anything else is not a date serial


def nfkc(text: str) -> str:
    """Full-width digits, letters, brackets and % become their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def clean_header(value: Any) -> str:
    """A header cell in canonical form: NFKC, no whitespace or line breaks at all."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return re.sub(r"\s+", "", nfkc(str(value)))


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
            return True
    except (TypeError, ValueError):
        pass
    return isinstance(value, str) and value.strip() == ""


_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<m>\d{1,2})月(?P<d>\d{1,2})[日号]?$"),
    re.compile(r"^(?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]


def parse_date(value: Any, *, year: int | None = None) -> dt.date | None:
    """A date from any of the forms SPEC §4 lists.

    Real dates and datetimes, Excel serial numbers, ``2020-11-03``, ``2020/11/3``,
    ``2020.11.3``, ``2020年11月3日``, ``11月3日`` (``year`` supplies the year), ``20201103``.
    """
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
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return parse_date(str(int(value)), year=year)
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = re.sub(r"\s+", "", nfkc(str(value)))
    if re.fullmatch(r"\d+(\.0+)?", text) and _SERIAL_MIN <= float(text) <= _SERIAL_MAX:
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text)))
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            parts = match.groupdict()
            y = int(parts["y"]) if parts.get("y") else year
            if y is None:
                raise ValueError(value)
            return dt.date(y, int(parts["m"]), int(parts["d"]))  # ValueError if impossible
    raise ValueError(value)


_DONE = {"已完成", "完成", "是", "√", "✓", "✔", "y", "yes", "done", "ok", "已完工", "完工"}
_NOT_DONE = {"未完成", "否", "推进中", "进行中", "未开始", "×", "✗", "✘", "x", "n", "no", "未", "正在推进"}


def parse_status(value: Any) -> bool:
    """True for done, False for not done (blank is not done); ValueError if unreadable."""
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = re.sub(r"\s+", "", nfkc(str(value))).lower()
    if text in _DONE:
        return True
    if text in _NOT_DONE:
        return False
    raise ValueError(value)


def parse_number(value: Any) -> float | None:
    """A number, forgiving thousands separators, full-width digits and a 万元/万 suffix."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(value)
        return float(value)
    text = re.sub(r"\s+", "", nfkc(str(value)))
    text = text.replace(",", "").replace("，", "")
    text = re.sub(r"(万元|万|元)$", "", text)
    try:
        number = float(text)
    except ValueError:
        raise ValueError(value) from None
    if math.isnan(number) or math.isinf(number):
        raise ValueError(value)
    return number


def parse_percent(value: Any) -> float | None:
    """A percentage on the 0–100 scale.

    ``85``, ``"85%"``, ``"８５％"`` all give 85.0. A number strictly between 0 and 1 is
    read as a fraction (a percent-formatted cell stores 85% as 0.85), so it gives 85.0.
    Range checking is the caller's job.
    """
    if is_blank(value):
        return None
    if isinstance(value, str):
        text = re.sub(r"\s+", "", nfkc(value))
        if text.endswith("%"):
            return parse_number(text[:-1])
        number = parse_number(text)
    else:
        number = parse_number(value)
    if number is not None and 0 < number < 1:
        return number * 100
    return number


def clean_text(value: Any, *, limit: int = 2000) -> str:
    """Free text as a plain string: control characters dropped, trimmed, capped at ``limit``."""
    if is_blank(value):
        return ""
    text = str(value)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text.strip()[:limit]
