"""bulk.rows_of gives what DataFrame.itertuples(index=False) gives; bulk.collector_paused."""

from __future__ import annotations

import numpy as np
import pandas as pd

from leitai.bulk import rows_of


def test_same_tuples_as_itertuples():
    frame = pd.DataFrame({
        "text": ["x", None, "z"], "_o": [1, 2, 3], "class": pd.array([1, None, 2], dtype="Int64"),
        "when": pd.to_datetime(["2020-01-01", None, "2020-02-02"]), "flag": [True, False, True],
        1: [0.5, np.nan, 2.0], "obj": [None, [1], {"k": 1}], "na": pd.Series(["a", "b", None], dtype="string"),
    })
    frame["dup"] = frame["_o"]
    frame.columns = [*frame.columns[:-1], "text"]  # a repeated column name
    for theirs, ours in zip(frame.itertuples(index=False), rows_of(frame), strict=True):
        assert type(ours) is not tuple and ours._fields == theirs._fields
        assert repr(ours) == repr(theirs)
        assert [type(v) for v in ours] == [type(v) for v in theirs]


def test_no_rows_and_no_columns():
    assert list(rows_of(pd.DataFrame({"a": []}))) == []
    assert list(rows_of(pd.DataFrame(index=[1, 2]))) == list(pd.DataFrame(index=[1, 2]).itertuples(index=False))


def test_collector_paused_restores_the_callers_choice():
    import gc

    from leitai.bulk import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
