"""Reading plan.xlsx fast: calamine's cells straight into columns, no DataFrame in between.

campaign.load_plan checks the plan row by row only where a row needs it; the usual 节点
sheet (tens of thousands of rows in a province) is checked column by column
(``clean_nodes``). Measured: plan loading at 1.5–2× calamine's own reading of the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


class Sheet:
    """One plan sheet as read by calamine: its data rows by canonical header (first column of
    that name wins), and each header's 1-based column number (for error messages)."""

    def __init__(self, rows: list[list[Any]], columns: dict[str, int]) -> None:
        self.rows, self.columns = rows, columns
        self.height = len(rows)
        self._cells = list(zip(*rows)) if rows and all(len(r) == len(rows[0]) for r in rows) else None

    def column(self, header: str) -> list[Any]:
        """The header's cells, row by row (None where the sheet has no such column, or the cell
        is empty or says it has no value: "N/A", "null" …, as pandas has always read them)."""
        index = self.columns.get(header)
        if index is None:
            return [None] * self.height
        k, none = index - 1, NO_VALUE
        if self._cells is not None:  # calamine's rows are all as wide as the sheet: columns at once
            cells = self._cells[k]
            if none.isdisjoint(cells):
                return list(cells)
            return [None if type(v) is str and v in none else v for v in cells]
        return [None if k >= len(row) or (type(v := row[k]) is str and v in none) else v for row in self.rows]


    def frame(self) -> Any:
        """The sheet as a DataFrame with canonical headers, its cells as pandas' reader gave them
        (blank as None, whole numbers as int): for the small sheets read row by row elsewhere."""
        import pandas as pd

        def cell(value: Any) -> Any:
            return int(value) if type(value) is float and value.is_integer() else value

        return pd.DataFrame({h: pd.Series([cell(v) for v in self.column(h)], dtype=object) for h in self.columns},
                            index=range(self.height))


# Cells that mean "no value" (pandas' default NA strings, which plan.xlsx was read with until 0.1.0)
NO_VALUE = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                       "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})


def read_book(path: Path) -> dict[str, list[list[Any]]]:
    """Every sheet's cells, from row 1 and column A (calamine, no DataFrame in between)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in book.sheet_names}


def clean_nodes(pids: list[Any], seqs: list[Any], targets: list[Any], dues: list[Any], text: Any,
                 projects: dict[str, int]) -> list[tuple[str, int, str, dt.date]] | None:
    """The 节点 sheet's rows when every one is complete and right (ids of known projects,
    whole sequence numbers from 1, targets, real dates, no node twice); None when any row
    needs the row-by-row reading, which says what is wrong where."""
    ids, names = texts(pids, text), texts(targets, text)
    if not all(names) or not set(ids) <= projects.keys():
        return None
    numbers: list[int] = []
    for v in seqs:
        kind = type(v)
        if kind is float and v.is_integer():
            v = int(v)
        elif kind is not int:
            return None
        if v < 1:
            return None
        numbers.append(v)
    days: list[dt.date] = []
    for v in dues:
        kind = type(v)
        if kind is dt.datetime:
            days.append(v.date())
        elif kind is dt.date:
            days.append(v)
        else:
            return None
    rows = list(zip(ids, numbers, names, days))
    if len(set(zip(ids, numbers))) != len(rows):
        return None
    return rows


def texts(cells: list[Any], text: Any) -> list[str]:
    """``text`` of every cell, computed once per distinct cell."""
    try:
        distinct = {v: text(v) for v in set(cells) if type(v) is str}
    except TypeError:
        distinct = {}
    return [distinct[v] if type(v) is str and v in distinct else text(v) for v in cells]


def shown(value: Any) -> str:
    """A cell as the office typed it, for a message (a whole number without .0, a blank as empty)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)
