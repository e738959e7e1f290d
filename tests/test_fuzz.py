"""Fuzzing: the normaliser raises nothing but ValueError, and mutated sheet XML never escapes intake."""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import write_campaign
from leitai.campaign.plan import load_campaign
from leitai.campaign.templates import build_template
from leitai.intake.folder import read_inputs
from leitai.normalize import clean_text, parse_date, parse_number, parse_percent, parse_status

VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.dates(), st.datetimes(), st.times(), st.timedeltas(),
    st.text(alphabet="0123456789-./年月日号 :%％，,.十一二三四五六七八九零〇已未完成是否√×", max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_normaliser_raises_only_value_error(value):
    for parse in (parse_status, parse_percent, parse_number,
                  lambda v: parse_date(v, year=2020, span=(dt.date(2020, 9, 1), dt.date(2020, 12, 9)))):
        try:
            parse(value)
        except ValueError:
            pass
    assert isinstance(clean_text(value), str)


def _template_parts(tmp: str) -> tuple[bytes, dict[str, bytes]]:
    from pathlib import Path

    campaign = load_campaign(write_campaign(Path(tmp) / "c"))
    buffer = io.BytesIO()
    build_template(campaign, "甲街道", 1).save(buffer)
    data = buffer.getvalue()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return data, {n: archive.read(n) for n in archive.namelist()}


_STATE: dict[str, object] = {}


def _setup(tmp_path_factory):
    if not _STATE:
        root = tmp_path_factory.mktemp("fuzz")
        data, parts = _template_parts(str(root))
        _STATE.update(root=root, data=data, parts=parts, campaign=load_campaign(root / "c"), n=0)
    return _STATE


INSERTS = st.sampled_from([
    b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', b'<c r="A99999999"><v>1</v></c>',
    b"<!DOCTYPE x>", b'<!ENTITY e "x">', b"&amp;&lt;&#0;&#x1F;", b"<c><v>1e308</v></c>", b'<c t="e"><v>#N/A</v></c>',
    b'<c t="d"><v>2020-13-45</v></c>', b'<c t="s"><v>999999</v></c>', b"<row>", b"</sheetData>", b"\xff\xfe",
    b'<mergeCell ref="A1:XFD1048576"/>', b'<dimension ref="A1:ZZZ9999999"/>', b"<v>" + b"9" * 400 + b"</v>",
])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(part=st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]),
       flips=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=6),
       inserts=st.lists(st.tuples(st.floats(0, 1), INSERTS), max_size=3))
def test_mutated_sheet_xml_gives_a_record(tmp_path_factory, part, flips, inserts):
    state = _setup(tmp_path_factory)
    parts = dict(state["parts"])  # type: ignore[call-overload]
    xml = bytearray(parts.get(part, b""))
    for where, byte in flips:
        if xml:
            xml[int(where * (len(xml) - 1))] = byte
    for where, text in inserts:
        at = int(where * len(xml))
        xml[at:at] = text
    parts[part] = bytes(xml)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    state["n"] = int(state["n"]) + 1  # type: ignore[call-overload]
    folder = state["root"] / f"in{state['n']}"  # type: ignore[operator]
    folder.mkdir()
    path = folder / "甲街道-第01期.xlsx"
    path.write_bytes(out.getvalue())
    os.utime(path, (1_600_000_000, 1_600_000_000))
    intake = read_inputs(folder, state["campaign"], 1)  # type: ignore[arg-type]
    assert [f.file for f in intake.files] == [path.name]
    assert intake.files[0].reason
