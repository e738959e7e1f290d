"""The node rows of a batch of files as one frame (``REPORT_COLUMNS``), however they were read.

Read in this process, each file's rows are dicts and the frame is made from all of them at
the end. Read by worker processes (folder.py, many files), each worker makes the frame of its
chunk's rows itself and sends that back: a frame pickles in a fraction of the time of its rows
as dicts, and the end of the batch is then a concatenation, not 40,000 dicts turned into
columns while everything waits. A file's rows are then a ``Span`` of its chunk's frame. A file
that gives way to a later one (folder.py's duplicate rules) has its rows dropped either way:
the list emptied, or the span's rows masked out, wholly or for one unit of an export.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

REPORT_COLUMNS: list[str] = [
    "file", "unit", "sheet", "row", "project_id", "seq", "done", "done_date", "progress_pct",
    "invest_done", "progress_text", "issue_text", "next_plan", "status_cell", "date_cell", "invest_cell",
]
_TYPED = ("seq", "done", "done_date", "row", "progress_pct", "invest_done")


@dataclass(frozen=True)
class Span:
    """A file's rows ``start:end`` of its chunk's ``frame`` (shared by the chunk's files), less the
    rows of the ``dropped`` units (an export whose rows of a unit gave way to a later file)."""

    frame: pd.DataFrame
    start: int
    end: int
    dropped: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return self.end - self.start

    def without(self, unit: str) -> Span:
        return replace(self, dropped=self.dropped | {unit})


Rows = list[dict[str, Any]] | Span


def frame_of(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows (dicts with ``columns``) as a frame: seq int64, done bool, done_date datetime64 (from
    dates or None), the other columns text."""
    frame = pd.DataFrame(rows, columns=columns)
    frame["seq"] = frame["seq"].astype("int64")
    frame["done"] = frame["done"].astype(bool)
    frame["done_date"] = pd.to_datetime(frame["done_date"]).astype("datetime64[ns]")
    for name in columns:
        if name not in _TYPED:
            frame[name] = frame[name].astype(str)
    return frame


def reports_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Node rows as the intake's reports frame (``REPORT_COLUMNS``)."""
    frame = frame_of(rows, REPORT_COLUMNS)
    frame["row"] = frame["row"].astype("int64")
    frame["progress_pct"] = frame["progress_pct"].astype("float64")
    frame["invest_done"] = frame["invest_done"].astype("float64")
    return frame


def framed(row_lists: Sequence[list[dict[str, Any]]]) -> list[Rows]:
    """A worker's chunk: each file's rows as a ``Span`` of one frame of them all ([] for none)."""
    frame = reports_frame([row for rows in row_lists for row in rows])
    spans: list[Rows] = []
    start = 0
    for rows in row_lists:
        spans.append(Span(frame, start, start + len(rows)) if rows else [])
        start += len(rows)
    return spans


def without_unit(rows: Rows, unit: str) -> Rows:
    """The rows less those of ``unit``."""
    if isinstance(rows, Span):
        return rows.without(unit)
    return [row for row in rows if row["unit"] != unit]


def assemble(row_sets: Iterable[Rows], renamed: dict[str, str] | None = None) -> pd.DataFrame:
    """The frame of every file's rows, in order. ``renamed``: file names shown otherwise."""
    pieces: list[pd.DataFrame] = []
    kept = [rows for rows in row_sets if len(rows)]
    # consecutive files of one chunk share its frame; rows read here are dicts (key None)
    for key, group in itertools.groupby(kept, key=lambda rows: id(rows.frame) if isinstance(rows, Span) else None):
        if key is None:
            pieces.append(reports_frame([row for rows in group if not isinstance(rows, Span) for row in rows]))
            continue
        spans = [rows for rows in group if isinstance(rows, Span)]
        frame = spans[0].frame
        keep = np.zeros(len(frame), dtype=bool)
        for span in spans:
            keep[span.start:span.end] = True
            if span.dropped:
                keep[span.start:span.end] &= ~frame["unit"].iloc[span.start:span.end].isin(span.dropped).to_numpy()
        pieces.append(frame if keep.all() else frame[keep])
    if not pieces:
        pieces.append(reports_frame([]))
    out = pieces[0].reset_index(drop=True) if len(pieces) == 1 else pd.concat(pieces, ignore_index=True)
    if renamed:
        out["file"] = out["file"].map(lambda name: renamed.get(name, name)).astype(str)
    return out
