"""Working at province scale: reading DataFrame rows fast, and runs without the cycle collector.

- ``rows_of``: pandas gives a text column (its ``str`` dtype) to ``itertuples`` value by value,
  at about a microsecond each; a province's 42,000 plan nodes are read that way several times
  per run. ``rows_of`` reads such a column at once with ``tolist()`` (the same values) and makes
  the same named tuples; other columns are iterated as pandas does.
- ``collector_paused``: a run makes millions of short-lived objects (rows, openpyxl's cells,
  styles and sheets) that reference counting frees; Python's cycle collector would walk every
  live one again and again (a province run: ~1.5 s of its CPU, for some tens of MiB of cycles
  freed only afterwards).
"""

from __future__ import annotations

import collections
import gc
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd


def rows_of(frame: pd.DataFrame) -> Iterator[Any]:
    """``frame.itertuples(index=False)``: the same named tuples (``Pandas``, fields renamed as
    pandas renames them) of the same Python values."""
    row = collections.namedtuple("Pandas", list(frame.columns), rename=True)  # type: ignore[misc]
    if not len(frame.columns):
        return iter(itertools.repeat(row(), len(frame)))
    columns = [frame.iloc[:, k] for k in range(len(frame.columns))]
    return map(row._make, zip(*[c.tolist() if isinstance(c.dtype, pd.StringDtype) else c for c in columns], strict=True))


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off inside, and after as it was before (a caller's choice is kept)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
