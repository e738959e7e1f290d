"""normalize.py: every spelling SPEC §4 "What the reader accepts" lists, and properties."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leitai.normalize import (
    EXCEL_EPOCH,
    clean_header,
    clean_text,
    is_blank,
    parse_date,
    parse_number,
    parse_percent,
    parse_status,
)

NOV3 = dt.date(2020, 11, 3)
SERIAL = (NOV3 - EXCEL_EPOCH).days  # 44138


@pytest.mark.parametrize("value", [
    NOV3,
    dt.datetime(2020, 11, 3, 0, 0),
    dt.datetime(2020, 11, 3, 15, 30),
    pd.Timestamp("2020-11-03"),
    SERIAL,
    float(SERIAL),
    SERIAL + 0.5,
    str(SERIAL),
    "2020-11-03",
    "2020-11-3",
    "2020/11/3",
    "2020/11/03",
    "2020.11.3",
    "2020年11月3日",
    "2020年11月3号",
    "2020年11月03日",
    " 2020 年 11 月 3 日 ",
    "２０２０年１１月３日",
    "２０２０－１１－０３",
    "2020-11-03 00:00:00",
    "2020-11-03T08:30",
    "2020-11-3 10:00",
    "2020/11/3 10:00:59",
    "2020年11月3日 9:30",
    "2020年11月3日9:30",
    "20201103",
    20201103,
    20201103.0,
    "11月3日",
    "11月3号",
    "11/3",
    "11.3",
])
def test_parse_date_accepts(value: object) -> None:
    assert parse_date(value, year=2020) == NOV3


@pytest.mark.parametrize("value", [None, "", "   ", float("nan"), pd.NaT, "-", "—", "/", "无"])
def test_parse_date_blank(value: object) -> None:
    assert parse_date(value, year=2020) is None


@pytest.mark.parametrize("value", [
    "明天", "2020-13-01", "2020-02-30", "2020年2月30日", "13月1日", True, 12345, 99999999,
    float("inf"), -1, "2020", "20201340", "11-3-2020x", "第3周",
])
def test_parse_date_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_date(value, year=2020)


def test_yearless_date_needs_a_year() -> None:
    with pytest.raises(ValueError):
        parse_date("11月3日")


def test_yearless_date_takes_the_year_inside_the_campaign() -> None:
    span = (dt.date(2020, 11, 1), dt.date(2021, 2, 28))
    assert parse_date("1月5日", year=2020, span=span) == dt.date(2021, 1, 5)
    assert parse_date("12月5日", year=2020, span=span) == dt.date(2020, 12, 5)
    # outside the campaign: the nearest reading (the caller warns)
    assert parse_date("10月30日", year=2020, span=span) == dt.date(2020, 10, 30)


@pytest.mark.parametrize("value", [
    "已完成", "完成", "是", "√", "✓", "✔", "Y", "y", "Ｙ", "yes", "YES", "Yes", "done", "DONE", "Done",
    " 已完成 ", "已完成。", "已完工", True,
])
def test_parse_status_done(value: object) -> None:
    assert parse_status(value) is True


@pytest.mark.parametrize("value", [
    "未完成", "否", "推进中", "进行中", "未开始", "×", "N", "n", "no", "NO", "No", "", None, float("nan"), False,
])
def test_parse_status_not_done(value: object) -> None:
    assert parse_status(value) is False


@pytest.mark.parametrize("value", ["差不多", "80%", "完成一半", 1, "maybe"])
def test_parse_status_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_status(value)


@pytest.mark.parametrize("value, expected", [
    (85, 85.0), (85.0, 85.0), ("85", 85.0), ("85%", 85.0), ("85 %", 85.0), ("８５％", 85.0), ("85％", 85.0),
    (0.85, 85.0), ("0.85", 85.0), (100, 100.0), ("100%", 100.0), (0, 0.0), ("0%", 0.0), ("0.5%", 0.5),
    (150, 150.0), ("-", None), ("", None), (None, None),
])
def test_parse_percent(value: object, expected: float | None) -> None:
    assert parse_percent(value) == expected


@pytest.mark.parametrize("value", ["很多", "85万元", "八成", True, "nan", "%"])
def test_parse_percent_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_percent(value)


@pytest.mark.parametrize("value, expected", [
    (1000, 1000.0), (1250.5, 1250.5), ("1250.5", 1250.5), ("1,250.5", 1250.5), ("1，250.5", 1250.5),
    ("12,345,678", 12345678.0), ("1250.5万元", 1250.5), ("1,250.5 万元", 1250.5), ("1250.5万", 1250.5),
    ("１，２５０", 1250.0), ("1.2亿元", 12000.0), ("5000元", 0.5), ("-", None), ("", None), (None, None),
])
def test_parse_number(value: object, expected: float | None) -> None:
    assert parse_number(value) == pytest.approx(expected) if expected is not None else parse_number(value) is None


@pytest.mark.parametrize("value", ["一千", "nan", "inf", "1,2,3万元x", True, float("inf"), "12元万"])
def test_parse_number_rejects(value: object) -> None:
    with pytest.raises(ValueError):
        parse_number(value)


@pytest.mark.parametrize("value, expected", [
    ("形象进度\n（%）", "形象进度(%)"),
    (" 项目 编号 ", "项目编号"),
    ("累计完成投资（万元）", "累计完成投资(万元)"),
    ("实际完成\r\n日期", "实际完成日期"),
    (None, ""),
    (float("nan"), ""),
])
def test_clean_header(value: object, expected: str) -> None:
    assert clean_header(value) == expected


def test_clean_text() -> None:
    assert clean_text("  征迁\x00完成\x07 ") == "征迁完成"
    assert clean_text("第一行\n第二行") == "第一行\n第二行"
    assert clean_text(12.0) == "12"
    assert clean_text(None) == ""
    assert clean_text("长" * 3000) == "长" * 2000


def test_is_blank() -> None:
    assert all(is_blank(v) for v in (None, "", " \n", float("nan"), pd.NaT))
    assert not any(is_blank(v) for v in (0, "0", False, NOV3, [1]))


# ----------------------------------------------------------------------- properties

@given(st.text())
def test_parse_date_on_any_text_raises_only_value_error(text: str) -> None:
    try:
        parse_date(text, year=2020)
    except ValueError:
        pass


@given(st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none()))
def test_parse_date_on_any_number_raises_only_value_error(value: object) -> None:
    try:
        parse_date(value, year=2020)
    except ValueError:
        pass


@given(st.text())
def test_other_parsers_raise_only_value_error(text: str) -> None:
    for parse in (parse_status, parse_number, parse_percent):
        try:
            parse(text)
        except ValueError:
            pass


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


_FORMS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: int(d.strftime("%Y%m%d")),
    lambda d: (d - EXCEL_EPOCH).days,
    lambda d: str((d - EXCEL_EPOCH).days),
    lambda d: _full_width(d.isoformat()),
    lambda d: _full_width(f"{d.year}年{d.month}月{d.day}日"),
    lambda d: f"{d.month}月{d.day}日",
    lambda d: dt.datetime(d.year, d.month, d.day, 9, 0),
]


@given(st.dates(min_value=dt.date(1955, 1, 1), max_value=dt.date(2099, 12, 31)),
       st.sampled_from(range(len(_FORMS))))
def test_parse_date_round_trips_every_form(day: dt.date, form: int) -> None:
    assert parse_date(_FORMS[form](day), year=day.year) == day


@given(st.integers(min_value=1, max_value=100))
def test_percent_round_trips(n: int) -> None:
    assert parse_percent(f"{n}%") == n
    assert parse_percent(_full_width(f"{n}%")) == n
    assert parse_percent(n) == n


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_number_round_trips_with_separators(amount: object) -> None:
    value = float(amount)  # type: ignore[arg-type]
    assert math.isclose(parse_number(f"{value:,.2f}") or 0.0, value, abs_tol=1e-6)
    assert math.isclose(parse_number(f"{value:,.2f}万元") or 0.0, value, abs_tol=1e-6)


@given(st.text())
def test_clean_text_drops_exactly_the_control_characters(text: str) -> None:
    """The fast path (no category-C character) and the slow one agree with the definition."""
    import unicodedata

    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    assert clean_text(text) == kept.strip()[:2000]
    assert clean_text(text + "\u3000\n\x07") == (kept + "\u3000\n").strip()[:2000]


@given(st.sampled_from(["已完成", " 完成。", "未完成", "推进中", "", "  ", "差不多", "完成了吗"]))
def test_parse_status_is_the_same_every_time_it_is_asked(text: str) -> None:
    """A status spelling is read once and remembered; an unreadable one raises every time."""
    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(parse_status(text))
        except ValueError:
            outcomes.append("error")
    assert len(set(outcomes)) == 1
    assert outcomes[0] == {"已完成": True, " 完成。": True, "未完成": False, "推进中": False, "": False,
                           "  ": False}.get(text, "error")


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_parse_percent_of_a_number_cell(value: float) -> None:
    """A float (what calamine gives) reads as a string of it would: fractions scaled, NaN blank."""
    if math.isnan(value):
        assert parse_percent(value) is None
    elif math.isinf(value):
        with pytest.raises(ValueError):
            parse_percent(value)
    else:
        assert parse_percent(value) == (round(value * 100, 9) if 0 < value < 1 else value)
        assert parse_percent(value) == parse_percent(int(value)) or value != int(value)
