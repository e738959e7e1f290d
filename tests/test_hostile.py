"""A hostile input folder: bombs, entities, far cells, broken and disguised files, payloads.

Every case is generated in tmp_path and dropped into ONE period folder beside two good
sheets. The batch must finish without a traceback, give every file a record (the bad ones
with a reason), score the good ones, leave the inputs byte-identical, stay within a bounded
peak memory, and write outputs in which unit text is only ever literal text.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine as calamine

from builders import submit, write_campaign
from leitai.campaign.plan import load_campaign
from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW, build_template
from leitai.intake.folder import read_inputs

PAYLOADS = ["=HYPERLINK(\"http://evil.example/\",\"点我\")", "@SUM(1+1)", "+1", "-1+1", "\t=1+1", "\r=1+1",
            "{=1+1}", "#N/A", "=cmd|' /C calc'!A0"]
PEAK_LIMIT = 1024 * 1024 * 1024  # bytes

# ------------------------------------------------------------------------------ builders


def _repack(data: bytes, change: dict[str, bytes | None], add: dict[str, bytes] | None = None) -> bytes:
    """A zip with some members replaced (None: dropped) and others added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = change.get(name, source.read(name))
            if content is not None:
                target.writestr(name, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return out.getvalue()


def _minimal(sheet_xml: bytes, shared: bytes | None = None) -> bytes:
    """A one-sheet workbook around ``sheet_xml`` (and a sharedStrings part)."""
    ns = b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
    rel = b'<Relationship Id="%s" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/%s" Target="%s"/>'
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                               b'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               b'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": b"<Relationships " + ns + b">" + rel % (b"rId1", b"officeDocument", b"xl/workbook.xml")
                       + b"</Relationships>",
        "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="'
                           b'http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
                           b'name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b"<Relationships " + ns + b">" + rel % (b"rId1", b"worksheet",
                                      b"worksheets/sheet1.xml") + (rel % (b"rId2", b"sharedStrings",
                                      b"sharedStrings.xml") if shared else b"") + b"</Relationships>",
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if shared:
        parts["xl/sharedStrings.xml"] = shared
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def _sheet(cells: bytes, dimension: bytes = b"") -> bytes:
    return (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + (b'<dimension ref="' + dimension + b'"/>' if dimension else b"")
            + b"<sheetData>" + cells + b"</sheetData></worksheet>")


A1 = b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
SST = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>x</t></si></sst>'


def _template_bytes(campaign, unit: str, period: int, edit=None) -> bytes:
    book = build_template(campaign, unit, period)
    if edit is not None:
        edit(book, book[DATA_SHEET])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            for _ in range(200):
                member.write(block)
    return out.getvalue()


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                     for i in range(1, 10))
          + b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>')
XXE = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
       b'<c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>')


def _encrypted_ole() -> bytes:
    """The shape of a password-protected .xlsx: an OLE file with EncryptionInfo/EncryptedPackage streams."""
    head = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504
    names = b"".join(n.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64 for n in ("EncryptionInfo", "EncryptedPackage"))
    return head + names + bytes(random.Random(7).randrange(256) for _ in range(4096))


def _bitflip(data: bytes, seed: int, flips: int = 12) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(flips):
        out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    return bytes(out)


def _injected(book, sheet) -> None:
    rows = list(range(FIRST_DATA_ROW, sheet.max_row + 1))
    for i, row in enumerate(rows):
        payload = PAYLOADS[i % len(PAYLOADS)]
        for col in (7, 8, 10):  # 实际完成日期, 形象进度, 进展情况: bad_date / bad_percent values
            cell = sheet.cell(row, col)
            cell.value = payload
            cell.data_type = "s"
    for i, payload in enumerate(PAYLOADS):  # rows the plan does not know: unknown_node, value as typed
        for col, value in ((1, payload), (3, 1), (6, "已完成"), (7, payload)):
            cell = sheet.cell(rows[-1] + 1 + i, col)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    sheet.cell(rows[0], 11).value = "控制字符_x0001_在此_x001F_结束"  # calamine decodes _xHHHH_
    sheet.cell(rows[0], 12).value = "长" * 100_000
    sheet.cell(rows[-1], 9).value = "#DIV/0!"  # an error cell
    sheet.cell(rows[-1], 12).value = "=1/0"  # a formula with no cached value


def _macro_decoy_merged(book, sheet) -> None:
    decoy = book.create_sheet("诱饵", 0)
    for col, header in enumerate(("项目编号", "项目名称", "节点序号", "节点目标", "计划完成日期", "完成情况",
                                  "实际完成日期"), start=1):
        decoy.cell(3, col, header)
    decoy.append(["P04", "x", 1, "x", "2020-09-01", "已完成", "2020-09-01"])
    decoy.sheet_state = "hidden"
    sheet.merge_cells(start_row=FIRST_DATA_ROW, start_column=1, end_row=FIRST_DATA_ROW + 1, end_column=1)


def build_corpus(campaign, folder: Path) -> dict[str, str]:
    """Write the corpus; returns file name -> what must happen to it ('good' or a problem code prefix)."""
    folder.mkdir(parents=True, exist_ok=True)
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, folder)
    submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-12"}, folder)
    later = _template_bytes(campaign, "甲街道", 2)  # another period's sheet: if a mutant opens, wrong_period
    cases: dict[str, bytes] = {
        "01-压缩炸弹.xlsx": _bomb(),
        "02-实体膨胀.xlsx": _minimal(_sheet(A1), LAUGHS),
        "03-外部实体.xlsx": _minimal(XXE),
        "04-远端单元格.xlsx": _minimal(_sheet(A1 + b'<row r="200000"><c r="XFD200000"><v>1</v></c></row>'), SST),
        "05-远端单元格无行号.xlsx": _minimal(_sheet(A1 + b'<row r="1048576">' + b"<c><v>1</v></c>" * 3 + b"</row>"
                                                + b'<row r="2"><c r="ZZZ2"><v>1</v></c></row>'), SST),
        "06-巨大范围.xlsx": _minimal(_sheet(A1, b"A1:XFD1048576"), SST),
        "07-加密.xlsx": _encrypted_ole(),
        "08-截断.xlsx": later[: len(later) // 2],
        "12-CSV改名.xlsx": "项目编号,节点序号,完成情况\nP01,1,已完成\n".encode("gbk"),
        "13-网页改名.xlsx": b"<html><body><table><tr><td>P01</td></tr></table></body></html>",
        "14-普通压缩包.xlsx": _repack(_minimal(_sheet(A1)), {"xl/workbook.xml": None}, {"readme.txt": b"hi"}),
        "15-县丙局-第01期.xlsx": _template_bytes(campaign, "县丙局", 1, _injected),
        "16-县丁局-第01期.xlsm": _repack(_template_bytes(campaign, "县丁局", 1, _macro_decoy_merged), {},
                                     {"xl/vbaProject.bin": bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 1024}),
    }
    for seed in range(3):
        cases[f"{9 + seed:02d}-位翻转{seed}.xlsx"] = _bitflip(later, seed)
    for name, data in cases.items():
        (folder / name).write_bytes(data)
    for path in folder.iterdir():  # long since copied: a broken file is rejected, not waited for
        os.utime(path, (1_600_000_000, 1_600_000_000))
    return {name: "bad" for name in cases}


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    campaign_dir = write_campaign(root / "campaign")
    campaign = load_campaign(campaign_dir)
    folder = campaign_dir / "inputs" / "第01期"
    build_corpus(campaign, folder)
    return campaign_dir, folder


EXPECTED = {
    "01-压缩炸弹.xlsx": ("rejected", "file_too_large"),
    "02-实体膨胀.xlsx": ("rejected", "file_unsafe"),
    "03-外部实体.xlsx": ("rejected", "file_unsafe"),
    "04-远端单元格.xlsx": ("rejected", "file_too_large"),
    "05-远端单元格无行号.xlsx": ("rejected", "file_too_large"),
    "06-巨大范围.xlsx": ("rejected", "not_progress_sheet"),
    "07-加密.xlsx": ("rejected", "file_encrypted"),
    "08-截断.xlsx": ("rejected", "file_unreadable"),
    "12-CSV改名.xlsx": ("rejected", "file_not_workbook"),
    "13-网页改名.xlsx": ("rejected", "file_not_workbook"),
    "14-普通压缩包.xlsx": ("rejected", "file_not_workbook"),
}


def test_every_file_gets_a_record(corpus):
    campaign_dir, folder = corpus
    before = _digests(folder)
    intake = read_inputs(folder, load_campaign(campaign_dir), 1)
    assert _digests(folder) == before
    records = {f.file: f for f in intake.files}
    assert set(records) == set(before)
    codes = {p.file: p.code for p in intake.problems if p.cell == ""}
    for name, (status, code) in EXPECTED.items():
        assert (records[name].status, codes.get(name)) == (status, code), (name, records[name])
        assert records[name].reason
    for seed in range(3):  # a flipped copy: unreadable, or read and refused as another period's sheet
        record = records[f"{9 + seed:02d}-位翻转{seed}.xlsx"]
        assert record.status == "rejected" and record.reason, record
    for name in ("甲街道-第01期.xlsx", "乙镇-第01期.xlsx"):
        assert records[name].status == "accepted", records[name]
    bing, ding = records["15-县丙局-第01期.xlsx"], records["16-县丁局-第01期.xlsm"]
    assert (bing.unit, bing.status) == ("县丙局", "accepted_with_problems")
    assert (ding.unit, ding.status) == ("县丁局", "accepted")  # macros never run; the decoy sheet is hidden
    rows = intake.reports
    assert set(rows.loc[rows["unit"] == "县丁局", "project_id"]) == {"P04"}
    assert not rows.loc[rows["unit"] == "县丁局", "done"].any()  # the hidden decoy's 已完成 was not read
    found = {p.code for p in intake.problems if p.unit == "县丙局"}
    assert {"bad_date", "bad_percent", "long_text"} <= found
    texts = set(rows.loc[rows["unit"] == "县丙局", "issue_text"])
    assert not any(re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", t) for t in texts)


RUNNER = """
import json, resource, sys, datetime as dt
from leitai.campaign.plan import load_campaign
from leitai.pipeline import run_period
result = run_period(load_campaign(sys.argv[1]), 1, today=dt.date(2020, 12, 31))
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"files": {f.file: f.status for f in result.files}, "peak_kb": max(own, kids),
                  "submitted": [u["unit"] for u in result.results["units"] if u["submitted"]],
                  "out": str(result.out_dir)}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="peak memory read with resource (POSIX)")
def test_whole_batch_runs_bounded_and_outputs_are_inert(corpus):
    campaign_dir, folder = corpus
    before = _digests(folder)
    done = subprocess.run([sys.executable, "-c", RUNNER, str(campaign_dir)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"hostile batch peak RSS: {report['peak_kb'] // 1024} MB")
    assert report["peak_kb"] * 1024 < PEAK_LIMIT, report["peak_kb"]
    assert _digests(folder) == before
    assert {"甲街道", "乙镇", "县丙局", "县丁局"} <= set(report["submitted"])
    out = Path(report["out"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest
    workbooks = sorted(out.glob("*.xlsx"))
    assert len(workbooks) >= 2
    seen: set[str] = set()
    for path in workbooks:
        _assert_inert(path, seen)
    problems_text = "\n".join(seen)
    for payload in PAYLOADS:
        if payload.strip():  # every payload is there, as the literal text the unit typed
            assert payload.strip() in problems_text, payload  # intake strips the leading tab/CR


def _assert_inert(path: Path, seen: set[str]) -> None:
    """No formula, error value or hyperlink anywhere; payload-looking text read back as strings."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, (path.name, name)
                assert b't="e"' not in xml and b"<hyperlink" not in xml, (path.name, name)
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (path.name, cell.coordinate, cell.value)
                    seen.add(cell.value)
                    assert len(cell.value) <= 32_767
                    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", cell.value)
                    if cell.value.startswith(("=", "+", "-", "@", "{", "#", "\t")):
                        assert cell.quotePrefix, (path.name, cell.coordinate)
    read = calamine.CalamineWorkbook.from_path(str(path))
    for name in read.sheet_names:
        for row in read.get_sheet_by_name(name).to_python():
            for value in row:
                if isinstance(value, str) and value.startswith(("=", "#", "{")):
                    assert value in seen  # the string itself, not a formula's result or an error


def test_output_names_are_safe():
    from leitai.campaign.templates import template_filename
    from leitai.report.xlsxout import put, safe_sheet_title

    for unit in ["a/b\\c:d*e?f\"g<h>i|j\x01k", "CON", "nul", "COM1", "..", " ", "x" * 300, "LPT9.txt"]:
        name = template_filename(unit, 3)
        assert not re.search(r'[\x00-\x1f/\\:*?"<>|]', name), name
        assert name.endswith("-第03期.xlsx") and len(name) <= 100
        assert not re.match(r"(?i)(con|prn|aux|nul|com\d|lpt\d)(\.|-|$)", name), name
    used: set[str] = set()
    titles = [safe_sheet_title(t, used) for t in ["a[1]", "A[1]", "History", "'x'", "\x01", "y" * 40, "y" * 40]]
    assert len({t.lower() for t in titles}) == len(titles)
    assert all(0 < len(t) <= 31 and not re.search(r"[\[\]:*?/\\\x00-\x1f]", t) for t in titles)
    book = openpyxl.Workbook()
    cell = book.active["A1"]
    put(cell, "\U0001F600" * 20_000 + "\x00")
    assert len(cell.value.encode("utf-16-le")) <= 2 * 32_767 and "\x00" not in cell.value


# Four ways a review found to make a sheet look like a theme to a pre-check that skipped themes (the
# skip was reverted): each file must be scanned, and rejected for its far cell, whatever part holds it.
_FAR_ROW = b'<row r="200000"><c r="XFD200000" t="n"><v>1</v></c></row></sheetData>'
_SHEET_REL = b'Target="/xl/worksheets/sheet1.xml"'


def _theme_disguise(data: bytes, how: str) -> bytes:
    import struct
    import zlib

    source = zipfile.ZipFile(io.BytesIO(data))
    far = source.read("xl/worksheets/sheet1.xml").replace(b"</sheetData>", _FAR_ROW)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/_rels/workbook.xml.rels":
                assert _SHEET_REL in content
                content = content.replace(_SHEET_REL, {
                    "case": b'Target="/xl/theme/theme1.xml" target="/xl/worksheets/sheet1.xml"',
                    "decoy": b'Target="/xl/theme/theme1.xml" x/="y Target=\'/xl/worksheets/sheet1.xml\'"',
                    "prefix": b'Target="/xl/theme/theme1.xml"',
                    "unicode-path": _SHEET_REL}[how])
                if how == "prefix":
                    start = content.rindex(b"<Relationship", 0, content.index(b"/xl/theme/theme1.xml"))
                    content = content[:start] + "<é:Relationship".encode() + content[start + len(b"<Relationship"):]
            if info.filename == "xl/theme/theme1.xml":
                content = far
            if how == "unicode-path" and info.filename == "xl/worksheets/sheet1.xml":
                continue  # stored below under a theme's name, its real name in the Unicode path field
            target.writestr(info.filename, content)
        if how == "unicode-path":
            fake = zipfile.ZipInfo("xl/theme/theme2.xml")
            fake.compress_type = zipfile.ZIP_DEFLATED
            payload = b"\x01" + struct.pack("<I", zlib.crc32(fake.filename.encode())) + b"xl/worksheets/sheet1.xml"
            fake.extra = struct.pack("<HH", 0x7075, len(payload)) + payload
            target.writestr(fake, far)
    return out.getvalue()


@pytest.mark.parametrize("how", ["case", "decoy", "prefix", "unicode-path"])
def test_a_sheet_disguised_as_a_theme_is_scanned_and_rejected(tmp_path: Path, how: str) -> None:
    from leitai.intake.precheck import Unsafe, precheck

    campaign = load_campaign(write_campaign(tmp_path / "c"))
    data = _theme_disguise(_template_bytes(campaign, "甲街道", 1), how)
    with pytest.raises(Unsafe) as found:
        precheck(zipfile.ZipFile(io.BytesIO(data)), data)
    assert found.value.code == "file_too_large"
