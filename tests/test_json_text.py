"""fileio.json_text writes what json.dumps(..., ensure_ascii=False, indent=2) writes."""

from __future__ import annotations

import json
import math
from collections import OrderedDict

from hypothesis import given, settings
from hypothesis import strategies as st

from leitai.fileio import json_text

scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
           | st.text())
keys = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
                      max_leaves=40)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_text_as_json_dumps(value):
    assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_edge_cases():
    for value in [{}, [], (), {"a": ()}, [{}], "\u2028\x00\"\\</", math.nan, -math.inf, 10**30, -0.0, 1e16,
                  OrderedDict([("b", 1), ("a", [1.5, None])]), {1: "x", 2.5: "y", False: "z", None: "n"},
                  {"中文": ["全角，标点", "emoji 😀"]}]:
        assert json_text(value) == json.dumps(value, ensure_ascii=False, indent=2)


def test_what_json_refuses_is_refused():
    import pytest

    for value in [{1, 2}, object(), {(1, 2): 3}]:
        with pytest.raises(TypeError):
            json_text(value)
