"""Round trips: a template filled in reads back as filled, also after LibreOffice re-saves it
as .xlsx or .xls; and a whole period run on a folder of good and bad files writes every
output and leaves the input files untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from docx import Document

from builders import NODES, write_campaign
from leitai.campaign.plan import Campaign, load_campaign
from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW, build_template, cutoff_stamp, template_filename
from leitai.fileio import save_workbook
from leitai.intake.folder import read_inputs
from leitai.pipeline import run_period

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PERIOD = 2  # cutoff 2020-09-28
EXTRA_NODES = [("P01", k, f"节点{k}", "2020-10-30") for k in range(4, 8)]
OLD = 1_600_000_000  # an mtime long past

# node -> what the unit types: 完成情况, 实际完成日期, 形象进度, 累计完成投资, 进展情况, 存在问题, 下步计划
FILLED: dict[tuple[str, int], tuple[Any, ...]] = {
    ("P01", 1): ("已完成", dt.date(2020, 9, 9), 100, 120.5, "方案已批复", "无", None),   # pre-filled, kept
    ("P01", 2): ("已完成", dt.date(2020, 9, 25), 100, 300, "已开工\n首段路基完成", None, "推进二段"),
    ("P01", 3): ("未完成", None, 45, "1,250.5万元", "主体施工", "雨季影响工期", "10月20日前完成路面"),
    ("P01", 4): ("完成", "2020年9月20日", "80%", 88, "提前完成", None, None),
    ("P01", 5): ("√", "2020/9/21", 0.5, None, None, None, None),
    ("P01", 6): ("推进中", None, None, None, None, "资金未到位", None),
    ("P01", 7): (None, None, None, None, None, None, None),
}
# what intake must read: done, done_date, progress_pct, invest_done, progress_text, issue_text, next_plan
EXPECTED: dict[tuple[str, int], tuple[Any, ...]] = {
    ("P01", 1): (True, dt.date(2020, 9, 9), 100.0, 120.5, "方案已批复", "无", ""),
    ("P01", 2): (True, dt.date(2020, 9, 25), 100.0, 300.0, "已开工\n首段路基完成", "", "推进二段"),
    ("P01", 3): (False, None, 45.0, 1250.5, "主体施工", "雨季影响工期", "10月20日前完成路面"),
    ("P01", 4): (True, dt.date(2020, 9, 20), 80.0, 88.0, "提前完成", "", ""),
    ("P01", 5): (True, dt.date(2020, 9, 21), 50.0, None, "", "", ""),
    ("P01", 6): (False, None, None, None, "", "资金未到位", ""),
    ("P01", 7): (False, None, None, None, "", "", ""),
}


@pytest.fixture(scope="module")
def campaign(tmp_path_factory: pytest.TempPathFactory) -> Campaign:
    return load_campaign(write_campaign(tmp_path_factory.mktemp("rt") / "campaign", nodes=NODES + EXTRA_NODES))


def known_done() -> pd.DataFrame:
    frame = pd.DataFrame({"project_id": ["P01"], "seq": [1], "done": [True],
                          "done_date": pd.to_datetime(["2020-09-09"])})
    frame["done_date"] = frame["done_date"].astype("datetime64[ns]")
    return frame


def filled_template(campaign: Campaign, folder: Path, unit: str = "甲街道",
                    answers: dict[tuple[str, int], tuple[Any, ...]] = FILLED, period: int = PERIOD,
                    name: str | None = None) -> Path:
    """The unit's template as written by ``leitai templates``, then filled in with openpyxl."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or template_filename(unit, period))
    save_workbook(build_template(campaign, unit, period, known_done()), path, cutoff_stamp(campaign, period))
    book = openpyxl.load_workbook(path)
    sheet = book[DATA_SHEET]
    for r in range(FIRST_DATA_ROW, sheet.max_row + 1):
        key = (sheet.cell(r, 1).value, sheet.cell(r, 3).value)
        for col, value in enumerate(answers.get(key, ()), start=6):
            if value is not None or col > 6:  # a blank 完成情况 is left as the template has it
                sheet.cell(r, col, value)
    book.save(path)
    return path


def read_back(reports: pd.DataFrame) -> dict[tuple[str, int], tuple[Any, ...]]:
    def value(x: Any) -> Any:
        return None if pd.isna(x) else x

    return {(r.project_id, int(r.seq)): (bool(r.done), None if pd.isna(r.done_date) else r.done_date.date(),
                                         value(r.progress_pct), value(r.invest_done), r.progress_text,
                                         r.issue_text, r.next_plan)
            for r in reports.itertuples()}


def convert(source: Path, fmt: str, out: Path) -> Path:
    """LibreOffice's own re-save, with a private profile so parallel runs do not clash."""
    profile = f"file:///tmp/lo-profile-{uuid.uuid4().hex}"
    try:
        subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=240)
    finally:
        shutil.rmtree(profile.removeprefix("file://"), ignore_errors=True)
    result = out / f"{source.stem}.{fmt}"
    assert result.exists(), f"LibreOffice did not write {result.name}"
    return result


# ------------------------------------------------------------------ template → fill → intake

def test_filled_template_reads_back_as_filled(campaign: Campaign, tmp_path: Path) -> None:
    path = filled_template(campaign, tmp_path / "in")
    result = read_inputs(tmp_path / "in", campaign, PERIOD)
    assert result.problems == []
    assert [(f.file, f.unit, f.status) for f in result.files] == [(path.name, "甲街道", "accepted")]
    assert read_back(result.reports) == EXPECTED
    assert list(result.reports["row"]) == list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(EXPECTED)))
    assert set(result.reports["status_cell"]) == {f"F{r}" for r in result.reports["row"]}


def test_untouched_template_reads_as_the_known_state(campaign: Campaign, tmp_path: Path) -> None:
    filled_template(campaign, tmp_path / "in", answers={})
    result = read_inputs(tmp_path / "in", campaign, PERIOD)
    # untouched: the only thing to say is that overdue nodes have no stated reason
    assert {p.code for p in result.problems} <= {"missing_reason"}
    done = {k: v[:2] for k, v in read_back(result.reports).items() if v[0]}
    assert done == {("P01", 1): (True, dt.date(2020, 9, 9))}


# ------------------------------------------------------------------------- LibreOffice

@pytest.fixture(scope="module")
def resaved(campaign: Campaign, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The filled template, and LibreOffice's .xlsx and .xls re-saves of it, each alone in a folder."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    root = tmp_path_factory.mktemp("resaved")
    source = filled_template(campaign, root / "openpyxl")
    return {"openpyxl": source, "xlsx": convert(source, "xlsx", root / "xlsx"), "xls": convert(source, "xls", root / "xls")}


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_libreoffice_resave_reads_back_the_same(campaign: Campaign, resaved: dict[str, Path], fmt: str) -> None:
    path = resaved[fmt]
    if fmt == "xls":
        assert path.read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")  # a real BIFF8 compound file
    original = read_inputs(resaved["openpyxl"].parent, campaign, PERIOD)
    again = read_inputs(path.parent, campaign, PERIOD)
    assert again.problems == []
    assert [(f.unit, f.status) for f in again.files] == [("甲街道", "accepted")]
    assert read_back(again.reports) == EXPECTED
    pd.testing.assert_frame_equal(again.reports.drop(columns="file"), original.reports.drop(columns="file"))


@pytest.mark.parametrize("fmt", ["xlsx", "xls"])
def test_libreoffice_resave_keeps_row_problems_at_their_cells(campaign: Campaign, tmp_path: Path, fmt: str) -> None:
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    bad = {**FILLED, ("P01", 3): ("maybe", None, 150, "abc万元", None, None, None),
           ("P01", 6): ("已完成", "2020-02-30", None, None, None, None, None)}
    source = filled_template(campaign, tmp_path / "src", answers=bad)
    path = convert(source, fmt, tmp_path / "out")
    found = sorted((p.code, p.cell, p.sheet) for p in read_inputs(path.parent, campaign, PERIOD).problems)
    assert found == [("bad_date", "G9", DATA_SHEET), ("bad_number", "I6", DATA_SHEET),
                     ("bad_status", "F6", DATA_SHEET), ("percent_out_of_range", "H6", DATA_SHEET)]


# --------------------------------------------------------------------------- a whole run

def fingerprint(folder: Path) -> dict[str, tuple[str, int, int]]:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}


def test_run_period_on_good_and_bad_files(tmp_path: Path) -> None:
    campaign = load_campaign(write_campaign(tmp_path / "campaign", nodes=NODES + EXTRA_NODES))
    inbox = tmp_path / "campaign" / "inputs" / "第01期"
    good = filled_template(campaign, inbox, answers={("P01", 1): ("已完成", "2020-09-09", 100, 50, "方案已批复")},
                           period=1)
    filled_template(campaign, inbox, "乙镇", answers={("P02", 1): ("是", "9月12日", "100%", None, "签约过半")}, period=1)
    filled_template(campaign, inbox, "县丙局", period=1,
                    answers={("P03", 1): ("maybe", None, 150, None, None), ("P03", 2): ("已完成", "2020-10-05")})
    filled_template(campaign, inbox, "县丁局", period=2, name="县丁局-第01期.xlsx")  # last period's sheet
    (inbox / "乙镇（补报）.xlsx").write_text("项目编号,节点序号\nP02,1\n", encoding="utf-8")
    (inbox / f"~${good.name}").write_bytes(b"\x05zhang".ljust(165, b"\x00"))
    (inbox / "空文件.xlsx").write_bytes(b"")
    for path in inbox.iterdir():
        os.utime(path, ns=(OLD * 10**9, OLD * 10**9))
    before = fingerprint(inbox)

    result = run_period(campaign, 1, ledger_path=tmp_path / "history.sqlite")

    assert fingerprint(inbox) == before  # read, never written, not even touched
    out = tmp_path / "campaign" / "outputs" / "第01期"
    for name in ("results.json", "manifest.json", "督查通报-第01期.docx", "擂台榜-第01期.xlsx", "数据问题-第01期.xlsx"):
        assert (out / name).stat().st_size > 0, name

    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    submissions = {s["file"]: (s["unit"], s["status"]) for s in results["submissions"]}
    assert submissions == {
        "甲街道-第01期.xlsx": ("甲街道", "accepted"),
        "乙镇-第01期.xlsx": ("乙镇", "accepted"),
        "县丙局-第01期.xlsx": ("县丙局", "accepted_with_problems"),
        "县丁局-第01期.xlsx": ("县丁局", "rejected"),
        "乙镇（补报）.xlsx": (None, "rejected"),
        "空文件.xlsx": (None, "rejected"),
    }
    units = {u["unit"]: u for u in results["units"]}
    assert units["甲街道"]["done"] == 1 and units["乙镇"]["done"] == 1  # the good data is scored
    assert not units["县丁局"]["submitted"] and units["县丙局"]["submitted"]

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {i["file"]: i["sha256"] for i in manifest["inputs"]} == {k: v[0] for k, v in before.items()}

    expected = {
        ("县丙局-第01期.xlsx", "F4", "bad_status"), ("县丙局-第01期.xlsx", "H4", "percent_out_of_range"),
        ("县丙局-第01期.xlsx", "G5", "date_after_cutoff"),
        ("县丁局-第01期.xlsx", "", "wrong_period"), ("乙镇（补报）.xlsx", "", "file_not_workbook"),
        ("空文件.xlsx", "", "file_unreadable"), (f"~${good.name}", "", "file_lock"),
    }
    assert {(p.file, p.cell, p.code) for p in result.problems} == expected
    sheet = openpyxl.load_workbook(io.BytesIO((out / "数据问题-第01期.xlsx").read_bytes()))["数据问题"]
    header = [c.value for c in sheet[2]]
    listed = sorted((row[header.index("文件")], row[header.index("单元格")] or "", row[header.index("问题说明")])
                    for row in sheet.iter_rows(min_row=3, values_only=True))
    office_only = {"file_lock"}  # the office's own business: kept in the manifest, not sent to units
    assert listed == sorted((p.file, p.cell, p.message) for p in result.problems if p.code not in office_only)
    assert {(i["file"], i["status"]) for i in manifest["inputs"]} >= {(f"~${good.name}", "skipped")}

    text = "\n".join(p.text for p in Document(str(out / "督查通报-第01期.docx")).paragraphs)
    assert "百日攻坚" in text and "第1期" in text
