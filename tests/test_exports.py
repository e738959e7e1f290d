"""One workbook carrying many units (an online form's export, or sheets merged by hand).

The done-when case: a period merged into one export scores exactly as the same period sent
as separate sheets, in .xlsx and in .ods.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_formats import scored, soffice_convert

from builders import export_rows, submit, write_campaign, write_export
from leitai.campaign.plan import Campaign, load_campaign
from leitai.cli import main
from leitai.intake.exports import parse_time
from leitai.intake.folder import read_inputs
from leitai.pipeline import run_period

DATA = Path(__file__).parent / "data"

SENT = {
    1: {"甲街道": {("P01", 1): "2020-09-09"}, "乙镇": {("P02", 1): "9月12日"},
        "县丙局": {("P03", 1): None}, "县丁局": {}},
    2: {"甲街道": {("P01", 2): "2020-09-25", ("P01", 3): "2020-10-30"}, "乙镇": {("P02", 2): None},
        "县丙局": {("P03", 1): "2020-09-20"}, "县丁局": {("P04", 1): "2020/9/18"}},
}


def untimed(results: dict) -> dict:
    """results without each unit's timeliness and the documents' date (issue_date: when the last
    sheet arrived, not what it scored)."""
    return {**{k: v for k, v in results.items() if k != "issue_date"},
            "units": [{k: v for k, v in u.items() if k != "timeliness"} for u in results["units"]]}


def problems_by_unit(result) -> list[tuple[str, str]]:
    """(unit, code) of every problem: the cells differ between an export and the units' own sheets."""
    return sorted((p.unit, p.code) for p in result.problems)


def build(tmp_path: Path, name: str, *, export: bool, ods: bool = False) -> Campaign:
    campaign = load_campaign(write_campaign(tmp_path / name))
    for period, units in SENT.items():
        folder = campaign.folder / "inputs" / f"第{period:02d}期"
        paths = {unit: submit(campaign, period, unit, answers, folder) for unit, answers in units.items()}
        if export:
            rows = [row for unit, path in paths.items() for row in export_rows(path, unit)]
            for path in paths.values():
                path.unlink()
            made = write_export(folder / f"收集表导出-第{period}期.xlsx", rows,
                                times=[f"2020/9/{period * 14} 9:{i % 60:02d}:00" for i in range(len(rows))])
            if ods:
                soffice_convert([made], "ods", tmp_path)
    return campaign


@pytest.mark.parametrize("ods", [False, True], ids=["xlsx", "ods"])
def test_a_period_in_one_export_scores_as_separate_sheets(tmp_path: Path, ods: bool) -> None:
    plain = build(tmp_path, "plain", export=False)
    merged = build(tmp_path, "merged", export=True, ods=ods)
    for period in (1, 2):
        a, b = run_period(plain, period), run_period(merged, period)
        # Timeliness differs on purpose: the sheets arrived now (their mtime), the export's units at
        # their 提交时间 on the cutoff day.
        assert untimed(scored(a.results)) == untimed(scored(b.results))
        assert {u["unit"]: u["timeliness"] for u in b.results["units"]} == dict.fromkeys(
            ["甲街道", "乙镇", "县丙局", "县丁局"], "on_time")
        assert problems_by_unit(a) == problems_by_unit(b)
        [export] = b.results["submissions"]
        assert export["unit"] is None and export["units"] == ["甲街道", "乙镇", "县丙局", "县丁局"]
        manifest = json.loads((b.out_dir / "manifest.json").read_text(encoding="utf-8"))
        [entry] = manifest["inputs"]
        assert [u["unit"] for u in entry["units"]] == ["甲街道", "乙镇", "县丙局", "县丁局"]
        assert entry["units"][0]["submitted_at"].startswith(f"2020-09-{period * 14}")
        assert entry["reason"].startswith("汇总表（多个单位），已采用 4 个单位：甲街道、乙镇、县丙局、县丁局")
    assert b.missing_units == a.missing_units == []


def test_libreoffice_ods_export(tmp_path: Path) -> None:
    """A form export saved by LibreOffice as .ods, with 单位名称 spelled by aliases and a stray row."""
    campaign = load_campaign(write_campaign(tmp_path / "c"))
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(DATA / "收集表导出-第01期-LibreOffice另存.ods", folder)
    intake = read_inputs(folder, campaign, 1)
    [record] = intake.files
    assert record.role == "export" and record.units == ("甲街道", "县丙局")
    done = {(r.unit, r.project_id, r.seq): (r.done, str(r.done_date.date()) if r.done else "")
            for r in intake.reports.itertuples()}
    assert done[("甲街道", "P01", 1)] == (True, "2020-09-09")
    assert done[("县丙局", "P03", 1)] == (True, "2020-09-14")  # "9月14日", the year from the campaign
    assert [(p.code, p.cell, p.value) for p in intake.problems if p.code == "export_unknown_unit"] == [
        ("export_unknown_unit", "B6", "某某办")]


def test_rows_naming_no_unit_or_another_units_node_are_problems_at_their_cells(tmp_path: Path) -> None:
    campaign = load_campaign(write_campaign(tmp_path / "c"))
    sheet = submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-09"}, tmp_path / "made")
    rows = export_rows(sheet, "甲办")  # an alias of 甲街道
    rows.append(["不存在的单位", "P01", "", 2, "", "", "已完成", "2020-09-10", None, None, "", "", ""])
    rows.append(["", "P01", "", 3, "", "", "已完成", "2020-09-10", None, None, "", "", ""])
    rows.append(["乙镇", "P01", "", 2, "", "", "已完成", "2020-09-10", None, None, "", "", ""])
    rows.insert(3, ["单位名称", "项目编号", "项目名称", "节点序号", "", "", "完成情况", "实际完成日期"])  # pasted header
    folder = tmp_path / "in"
    write_export(folder / "汇总.xlsx", rows, unit_header="单位名称")
    intake = read_inputs(folder, campaign, 1)
    n = len(rows) + 1  # the header is row 1
    found = sorted((p.code, p.cell, p.unit) for p in intake.problems if p.code != "missing_reason")
    assert found == sorted([("export_unknown_unit", f"A{n - 2}", ""), ("export_unknown_unit", f"A{n - 1}", ""),
                            ("other_unit_node", f"B{n}", "乙镇"), ("export_missing_rows", "", "乙镇")])
    [record] = intake.files
    assert record.units == ("甲街道", "乙镇") and record.status == "accepted_with_problems"
    assert set(intake.reports["unit"]) == {"甲街道"}


def test_the_later_of_an_export_and_a_units_own_sheet_wins(tmp_path: Path) -> None:
    campaign = load_campaign(write_campaign(tmp_path / "c"))
    folder = campaign.folder / "inputs" / "第01期"
    own = submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-09"}, folder)  # saved now
    rows = export_rows(submit(campaign, 1, "甲街道", {("P01", 1): None}, tmp_path / "made"), "甲街道")
    rows += export_rows(submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-11"}, tmp_path / "made"), "乙镇")
    write_export(folder / "收集表.xlsx", rows, times=["2020-09-14 08:00"] * len(rows))  # submitted long before
    intake = read_inputs(folder, campaign, 1)
    export = next(f for f in intake.files if f.file == "收集表.xlsx")
    assert export.units == ("乙镇",) and export.status == "accepted_with_problems"
    assert next(f for f in intake.files if f.file == own.name).status == "accepted"
    [note] = [p for p in intake.problems if p.code == "duplicate_in_export"]
    assert note.unit == "甲街道" and f"采用“{own.name}”" in note.message
    assert set(intake.reports[intake.reports["file"] == "收集表.xlsx"]["unit"]) == {"乙镇"}
    status = CliRunner(env={"COLUMNS": "250"}).invoke(main, ["status", "--campaign", str(campaign.folder), "--period", "1"])
    assert status.exit_code == 0, status.output
    assert "未采用（另有较晚报送）" in status.output and "（汇总表）" in status.output

    # submitted after the unit's own file was saved: the export's rows win
    write_export(folder / "收集表.xlsx", rows, times=[dt.datetime.now() + dt.timedelta(hours=1)] * len(rows))
    intake = read_inputs(folder, campaign, 1)
    assert next(f for f in intake.files if f.file == own.name).status == "rejected"
    assert next(f for f in intake.files if f.file == "收集表.xlsx").units == ("甲街道", "乙镇")


def test_a_form_submitted_twice_counts_its_latest_row_per_node(tmp_path: Path) -> None:
    campaign = load_campaign(write_campaign(tmp_path / "c"))
    sheet = submit(campaign, 1, "甲街道", {("P01", 1): None}, tmp_path / "made")
    first = export_rows(sheet, "甲街道")
    again = [row for row in first if row[3] == 1]
    again[0][6:8] = ["已完成", "2020-09-09"]
    times = ["2020-09-10 10:00"] * len(first) + ["2020-09-12 16:30:05"]
    write_export(tmp_path / "in" / "收集表.xlsx", first + again, times=times)
    intake = read_inputs(tmp_path / "in", campaign, 1)
    node = intake.reports[(intake.reports["project_id"] == "P01") & (intake.reports["seq"] == 1)]
    assert len(node) == 1 and bool(node.iloc[0]["done"])
    assert intake.files[0].unit_times == ("2020-09-12 16:30:05",)


@pytest.mark.parametrize(("text", "expected"), [
    ("2020/11/08 14:23:05", dt.datetime(2020, 11, 8, 14, 23, 5)),
    ("2020-11-08 14:23", dt.datetime(2020, 11, 8, 14, 23)),
    ("2020年11月8日 9时5分", dt.datetime(2020, 11, 8, 9, 5)),
    ("2020-11-08", dt.datetime(2020, 11, 8)),
    (44143.5, dt.datetime(2020, 11, 8, 12, 0)),
    (dt.datetime(2020, 11, 8, 14, 23), dt.datetime(2020, 11, 8, 14, 23)),
    ("", None),
])
def test_submission_times(text, expected) -> None:
    assert parse_time(text) == expected


def test_an_unreadable_submission_time_is_a_warning(tmp_path: Path) -> None:
    campaign = load_campaign(write_campaign(tmp_path / "c"))
    rows = export_rows(submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-11"}, tmp_path / "made"), "乙镇")
    write_export(tmp_path / "in" / "导出.xlsx", rows, times=["昨天下午"] + [None] * (len(rows) - 1))
    intake = read_inputs(tmp_path / "in", campaign, 1)
    assert [(p.code, p.cell) for p in intake.problems] == [("bad_submit_time", "A2")]


def test_a_units_own_sheet_with_a_blank_unit_column_is_still_its_sheet(tmp_path: Path) -> None:
    campaign = load_campaign(write_campaign(tmp_path / "c"))
    rows = export_rows(submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-11"}, tmp_path / "made"), "")
    write_export(tmp_path / "in" / "乙镇-第01期.xlsx", rows, unit_header="牵头单位")
    intake = read_inputs(tmp_path / "in", campaign, 1)
    assert intake.files[0].units == ("乙镇",) and intake.problems == []
    assert ("乙镇", "P02", 1, True) in {(r.unit, r.project_id, r.seq, r.done) for r in intake.reports.itertuples()}


@pytest.mark.parametrize("chunk", [1, 2, 40])
def test_workers_give_what_one_process_gives_when_files_give_way(tmp_path: Path, chunk: int, monkeypatch) -> None:
    """Read by workers (each chunk's rows sent back as one frame), an export's rows of a unit and a
    unit's earlier file that give way are dropped exactly as when read in this process."""
    import pandas as pd

    from leitai.intake import folder as intake

    campaign = load_campaign(write_campaign(tmp_path / "c"))
    folder = campaign.folder / "inputs" / "第01期"
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-09"}, folder)  # saved now: wins over the export
    rows = export_rows(submit(campaign, 1, "甲街道", {("P01", 1): None}, tmp_path / "made"), "甲街道")
    rows += export_rows(submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-11"}, tmp_path / "made"), "乙镇")
    write_export(folder / "收集表.xlsx", rows, times=["2020-09-14 08:00"] * len(rows))
    submit(campaign, 1, "县丙局", {("P03", 1): None}, folder, name="县丙局-旧.xlsx")
    submit(campaign, 1, "县丙局", {("P03", 1): "2020-09-12"}, folder, name="县丙局-新.xlsx")
    monkeypatch.setenv("LEITAI_INTAKE_WORKERS", "1")
    serial = read_inputs(folder, campaign, 1)
    monkeypatch.setenv("LEITAI_INTAKE_WORKERS", "2")
    monkeypatch.setattr(intake, "PARALLEL_MIN", 1)
    monkeypatch.setattr(intake, "CHUNK_FILES", chunk)
    parallel = read_inputs(folder, campaign, 1)
    assert parallel.files == serial.files and parallel.problems == serial.problems
    pd.testing.assert_frame_equal(parallel.reports, serial.reports)
    assert {p.code for p in serial.problems} >= {"duplicate_in_export", "duplicate_submission"}
    assert set(parallel.reports[parallel.reports["file"] == "收集表.xlsx"]["unit"]) == {"乙镇"}
    assert len({"县丙局-旧.xlsx", "县丙局-新.xlsx"} & set(parallel.reports["file"])) == 1  # one gave way
