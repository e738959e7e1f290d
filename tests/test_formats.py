"""Every format the units' software writes: .ods, odd OOXML packages, .xls stream names, others' formats.

tests/data holds files saved by LibreOffice (named by their case); the rest are made here.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import uuid
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from builders import submit, write_campaign
from leitai.campaign.plan import Campaign, load_campaign
from leitai.intake.folder import Intake, read_inputs
from leitai.pipeline import run_period

DATA = Path(__file__).parent / "data"


@pytest.fixture()
def campaign(tmp_path: Path) -> Campaign:
    return load_campaign(write_campaign(tmp_path / "c"))


def only(intake: Intake, name: str):
    return next(f for f in intake.files if f.file == name)


def answers(intake: Intake) -> list[tuple]:
    frame = intake.reports
    return sorted(zip(frame["unit"], frame["project_id"], frame["seq"], frame["done"],
                      frame["done_date"].astype(str)))


def test_libreoffice_ods_reads_as_the_xlsx_it_was_saved_from(campaign: Campaign, tmp_path: Path) -> None:
    ods = tmp_path / "ods"
    ods.mkdir()
    shutil.copy(DATA / "乙镇-第01期-LibreOffice另存.ods", ods)
    xlsx = tmp_path / "xlsx"
    submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-11"}, xlsx)
    from_ods, from_xlsx = read_inputs(ods, campaign, 1), read_inputs(xlsx, campaign, 1)
    record = only(from_ods, "乙镇-第01期-LibreOffice另存.ods")
    assert (record.status, record.unit) == ("accepted", "乙镇")
    assert answers(from_ods) == answers(from_xlsx)
    assert ("乙镇", "P02", 1, True, "2020-09-11") in answers(from_ods)


def test_xls_with_a_capitalised_workbook_stream(campaign: Campaign, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "甲街道-第01期-WORKBOOK大写流.xls", folder)
    intake = read_inputs(folder, campaign, 1)
    assert only(intake, "甲街道-第01期-WORKBOOK大写流.xls").status == "accepted"
    assert ("甲街道", "P01", 1, True, "2020-09-09") in answers(intake)


def _rewrite(source: Path, target: Path, rename, edit=lambda name, data: data) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(rename(info.filename), edit(info.filename, old.read(info)))
    return target


def test_odd_but_valid_packages(campaign: Campaign, tmp_path: Path) -> None:
    made = submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-09"}, tmp_path / "made")
    folder = tmp_path / "in"
    folder.mkdir()
    # part names written with backslashes, as some exporting systems do
    _rewrite(made, folder / "甲街道-反斜杠.xlsx", lambda n: n.replace("/", "\\"))
    # the workbook part elsewhere than xl/, found through _rels/.rels as the package says
    moved = folder / "乙镇-非标准位置.xlsx"
    other = submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-11"}, tmp_path / "made")
    _rewrite(other, moved, lambda n: "book/" + n[3:] if n.startswith("xl/") else n,
             lambda n, d: d.replace(b"/xl/", b"/book/").replace(b'"xl/', b'"book/') if n.endswith((".xml", ".rels"))
             else d)
    intake = read_inputs(folder, campaign, 1)
    assert {f.file: (f.status, f.unit) for f in intake.files} == {
        "甲街道-反斜杠.xlsx": ("accepted", "甲街道"), "乙镇-非标准位置.xlsx": ("accepted", "乙镇")}
    assert {("甲街道", "P01", 1, True, "2020-09-09"), ("乙镇", "P02", 1, True, "2020-09-11")} <= set(answers(intake))


def _ole(stream: str) -> bytes:
    """A compound-file header followed by a directory entry name (enough for the sniffing)."""
    return bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 512


def _zip(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_other_software_formats_are_named_with_how_to_save(campaign: Campaign, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "甲街道.et").write_bytes(_ole("WpsSheetStream"))
    (folder / "乙镇.numbers").write_bytes(_zip({"Index/Document.iwa": b"\x00" * 64, "Metadata/Properties.plist": b""}))
    (folder / "县丙局.fods").write_text('<?xml version="1.0"?><office:document/>', encoding="utf-8")
    (folder / "县丁局.xlsx").write_bytes(_zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                                              "content.xml": b"<x/>"}))
    (folder / "说明.xls").write_bytes(_ole("WordDocument"))
    intake = read_inputs(folder, campaign, 1)
    reasons = {f.file: (f.status, f.reason) for f in intake.files}
    assert reasons["甲街道.et"][0] == "rejected" and "WPS 表格" in reasons["甲街道.et"][1]
    assert "Numbers" in reasons["乙镇.numbers"][1]
    assert "LibreOffice" in reasons["县丙局.fods"][1]
    assert reasons["县丁局.xlsx"][1] == "不是 Excel 工作簿（ODF 文字文档（.odt））"
    assert reasons["说明.xls"][1] == "不是 Excel 工作簿（Word 文档（.doc））"
    fixes = {p.file: p.fix for p in intake.problems}
    assert "另存为" in fixes["甲街道.et"] and ".xlsx" in fixes["甲街道.et"]


ODS_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content'
            ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
            ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
            ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>'
            '<table:table table:name="S">')
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>"
CELL = '<table:table-cell office:value-type="string"{rep}><text:p>x</text:p></table:table-cell>'


def _ods(rows: str) -> bytes:
    manifest = ('<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                'manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                'vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
    return _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                 "content.xml": (ODS_HEAD + rows + ODS_TAIL).encode(), "META-INF/manifest.xml": manifest.encode()})


@pytest.mark.parametrize(("rows", "accepted"), [
    # a filled row repeated a million times: calamine would ask for 10^9 cells
    ('<table:table-row table:number-rows-repeated="1000000">'
     + CELL.format(rep=' table:number-columns-repeated="1000"') + "</table:table-row>", False),
    # a filled cell 16,000 columns out
    ("<table:table-row>" + CELL.format(rep="") + '<table:table-cell table:number-columns-repeated="16000"/>'
     + CELL.format(rep="") + "</table:table-row>", False),
    # what LibreOffice writes for formatted but empty rest-of-sheet: harmless
    ("<table:table-row>" + CELL.format(rep="") + '<table:table-cell table:number-columns-repeated="16383"/>'
     '</table:table-row><table:table-row table:number-rows-repeated="1048575">'
     '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>', True),
])
def test_ods_repeats_are_bounded_before_parsing(campaign: Campaign, tmp_path: Path, rows: str, accepted: bool) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "甲街道.ods").write_bytes(_ods(rows))
    record = only(read_inputs(folder, campaign, 1), "甲街道.ods")
    assert record.status == "rejected"
    assert ("缺少表头" in record.reason) if accepted else ("结构异常" in record.reason)


def soffice_convert(files: list[Path], fmt: str, tmp_path: Path) -> list[Path]:
    """Files saved by LibreOffice as ``fmt`` beside the originals (which are removed)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path / f"lo-profile-{uuid.uuid4().hex}"
    for out_dir in sorted({f.parent for f in files}):
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(out_dir), *(str(f) for f in files if f.parent == out_dir)],
                       check=True, capture_output=True, timeout=300)
    made = [f.with_suffix("." + fmt) for f in files]
    assert all(m.exists() for m in made)
    for f in files:
        f.unlink()
    return made


def scored(results: dict) -> dict:
    """results.json without what names files (the submissions list)."""
    return {k: v for k, v in results.items() if k != "submissions"}


def test_a_period_with_some_units_sending_ods_scores_as_all_xlsx(tmp_path: Path) -> None:
    plain = load_campaign(write_campaign(tmp_path / "plain"))
    mixed = load_campaign(write_campaign(tmp_path / "mixed"))
    sent = {
        1: {"甲街道": {("P01", 1): "2020-09-09"}, "乙镇": {("P02", 1): "9月12日"},
            "县丙局": {("P03", 1): None}, "县丁局": {}},
        2: {"甲街道": {("P01", 2): "2020-09-25"}, "乙镇": {("P02", 2): None},
            "县丙局": {("P03", 1): "2020-09-20"}, "县丁局": {("P04", 1): "2020-09-18"}},
    }
    for period, units in sent.items():
        label = f"第{period:02d}期"
        for unit, answers_ in units.items():
            submit(plain, period, unit, answers_, plain.folder / "inputs" / label)
            submit(mixed, period, unit, answers_, mixed.folder / "inputs" / label)
    folder = mixed.folder / "inputs"
    soffice_convert([folder / "第01期" / "乙镇-第01期.xlsx", folder / "第02期" / "县丙局-第02期.xlsx",
                     folder / "第02期" / "甲街道-第02期.xlsx"], "ods", tmp_path)
    soffice_convert([folder / "第02期" / "县丁局-第02期.xlsx"], "xls", tmp_path)
    for period in (1, 2):
        a, b = run_period(plain, period), run_period(mixed, period)
        assert scored(a.results) == scored(b.results)
        assert [s["status"] for s in b.results["submissions"]] == [s["status"] for s in a.results["submissions"]]
        manifest = json.loads((b.out_dir / "manifest.json").read_text(encoding="utf-8"))
        assert {i["unit"] for i in manifest["inputs"]} == {"甲街道", "乙镇", "县丙局", "县丁局"}
    assert pd.read_excel(b.out_dir / "数据问题-第02期.xlsx", engine="openpyxl").shape[0] == pd.read_excel(
        a.out_dir / "数据问题-第02期.xlsx", engine="openpyxl").shape[0]
