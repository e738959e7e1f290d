"""The pipeline end to end on small campaigns and on the demo: re-runs, overrides, gaps."""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
import sqlite3

import openpyxl
import pandas as pd
import pytest
from docx import Document

from builders import submit, write_campaign, write_overrides
from leitai.campaign.plan import load_campaign
from leitai.pipeline import run_period, seeds_folder


def digests(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".sqlite" not in p.name}


def test_rerunning_period_three_changes_no_output(demo_dir, tmp_path):
    copy = tmp_path / "demo"
    shutil.copytree(demo_dir, copy)
    before = digests(copy)
    seeds = seeds_folder()
    run_period(load_campaign(seeds), 3, inputs_root=seeds / "inputs", outputs_root=copy,
               ledger_path=copy / "history.sqlite")
    after = digests(copy)
    assert after == before  # periods 1, 2, 4, 5 untouched, and period 3 re-made byte for byte
    with sqlite3.connect(copy / "history.sqlite") as db:
        assert [r[0] for r in db.execute("SELECT period FROM periods ORDER BY period")] == [1, 2, 3, 4, 5]


@pytest.fixture()
def small(tmp_path):
    folder = write_campaign(tmp_path / "c")
    return load_campaign(folder)


def briefing_text(path):
    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(paragraphs + cells)


def test_overrides_win_and_are_recorded(small):
    inputs = small.folder / "inputs" / "第01期"
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, inputs)
    submit(small, 1, "乙镇", {("P02", 1): None}, inputs)
    write_overrides(inputs / "核定.xlsx", [("P01", 1, "未完成", None, "现场核查未完成方案审批"),
                                         ("P02", 1, "已完成", "2020-09-12", "经核实已签约")])
    result = run_period(small, 1)
    units = {u["unit"]: u for u in result.results["units"]}
    assert units["甲街道"]["done"] == 0 and units["乙镇"]["done"] == 1
    with sqlite3.connect(small.ledger_path) as db:
        rows = db.execute("SELECT project_id, seq, done, done_date, reason FROM overrides ORDER BY project_id").fetchall()
    assert rows == [("P01", 1, 0, None, "现场核查未完成方案审批"), ("P02", 1, 1, "2020-09-12", "经核实已签约")]
    text = briefing_text(result.briefing)
    assert "现场核查未完成方案审批" in text and "经核实已签约" in text


def test_forced_gap_is_stated_in_the_briefing(small):
    for period in (1, 3):
        submit(small, period, "甲街道", {("P01", 1): "2020-09-09"}, small.folder / "inputs" / f"第{period:02d}期")
    run_period(small, 1)
    result = run_period(small, 3, force=True)
    assert result.warnings == ["第2期未汇总，本期按第1期的记录计算"]
    assert "第2期未汇总，本期按第1期的记录计算" in briefing_text(result.briefing)


def test_history_carries_forward_for_a_unit_that_did_not_submit(small):
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09", ("P01", 2): "2020-09-13"}, small.folder / "inputs" / "第01期")
    run_period(small, 1)
    submit(small, 2, "乙镇", {("P02", 1): "2020-09-20"}, small.folder / "inputs" / "第02期")
    result = run_period(small, 2)
    units = {u["unit"]: u for u in result.results["units"]}
    assert not units["甲街道"]["submitted"] and units["甲街道"]["done"] == 2 and units["甲街道"]["rate"] == 1.0
    assert "甲街道" in result.missing_units


def test_leaderboard_workbook(small):
    inputs = small.folder / "inputs" / "第01期"
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, inputs)
    submit(small, 1, "乙镇", {("P02", 1): None}, inputs)
    submit(small, 1, "县丙局", {("P03", 1): "=1+1"}, inputs)  # text that looks like a formula
    result = run_period(small, 1)
    book = openpyxl.load_workbook(result.out_dir / "擂台榜-第01期.xlsx")
    assert book.sheetnames == ["乡镇（街道）", "县级部门", "项目亮灯"]
    sheet = book["乡镇（街道）"]
    assert [c.value for c in sheet[2]][:5] == ["名次", "单位", "应完成节点", "已完成节点", "节点完成率"]
    assert [sheet.cell(3, 2).value, sheet.cell(3, 5).value, sheet.cell(3, 5).number_format] == ["甲街道", 1.0, "0.0%"]
    assert sheet.cell(4, 9).value == 1 and sheet.cell(4, 9).fill.fgColor.rgb.endswith("FFC7CE")  # red cell
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    lights = book["项目亮灯"]
    # P03 is done with an unreadable date (counted done on the cutoff, with problems). P04 is not due yet.
    assert [lights.cell(r, 5).value for r in range(2, 6)] == ["绿灯", "红灯", "绿灯", "绿灯"]
    problems = openpyxl.load_workbook(result.out_dir / "数据问题-第01期.xlsx")["数据问题"]
    typed = [c for row in problems.iter_rows(min_row=3) for c in row if c.value == "=1+1"]
    assert typed and all(c.data_type == "s" for c in typed)  # shown as text, never evaluated


def test_same_inputs_same_bytes(small, tmp_path):
    inputs = small.folder / "inputs" / "第01期"
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, inputs)
    first = run_period(small, 1, outputs_root=tmp_path / "a", ledger_path=tmp_path / "a.sqlite")
    second = run_period(small, 1, outputs_root=tmp_path / "b", ledger_path=tmp_path / "b.sqlite")
    assert digests(first.out_dir) == digests(second.out_dir)
    manifest = json.loads((first.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert [i["status"] for i in manifest["inputs"]] == ["accepted"]


def test_configured_chart_font(tmp_path):
    from leitai.charts.fonts import bundled_font

    folder = write_campaign(tmp_path / "c", rules="[report]\nfont = \"fonts/本单位字体.otf\"")
    (folder / "fonts").mkdir()
    shutil.copyfile(bundled_font(), folder / "fonts" / "本单位字体.otf")
    campaign = load_campaign(folder)
    assert campaign.settings.report.font == "fonts/本单位字体.otf"
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-09"}, folder / "inputs" / "第01期")
    assert run_period(campaign, 1).warnings == []

    other = write_campaign(tmp_path / "d", rules="[report]\nfont = \"没有这个字体\"")
    campaign = load_campaign(other)
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-09"}, other / "inputs" / "第01期")
    warnings = run_period(campaign, 1).warnings
    assert len(warnings) == 1 and "没有这个字体" in warnings[0] and "未找到或缺字" in warnings[0]


def test_an_early_run_is_a_stated_preview(small):
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, small.folder / "inputs" / "第01期")
    result = run_period(small, 1, today=small.settings.schedule.cutoff(1).replace(day=10))
    assert result.warnings == ["第1期截止日期 2020年9月14日 尚未到，本次结果为提前汇总的预览，截止后请重新运行"]
    text = briefing_text(result.briefing)
    assert "（预览稿）" in text and "截止后请重新运行" not in text and "测攻坚办" not in text
    assert run_period(small, 1, today=small.settings.schedule.cutoff(1)).warnings == []


def test_latest_period_explains_what_is_missing(small):
    import datetime as dt

    from leitai.errors import PeriodError
    from leitai.pipeline import latest_period

    inputs = small.folder / "inputs"
    with pytest.raises(PeriodError, match="还没有期次文件夹"):
        latest_period(small, inputs, dt.date(2020, 12, 31))
    (inputs / "第2期").mkdir(parents=True)
    assert latest_period(small, inputs, dt.date(2020, 12, 31)) == 2
    with pytest.raises(PeriodError, match="第2期的截止日期 2020年9月28日 还没到.*--period 2"):
        latest_period(small, inputs, dt.date(2020, 9, 20))


def test_problems_workbook_has_a_sheet_per_unit(small):
    inputs = small.folder / "inputs" / "第01期"
    submit(small, 1, "甲街道", {("P01", 1): "昨天"}, inputs)
    submit(small, 1, "乙镇", {("P02", 1): "2020-10-30"}, inputs)
    (inputs / "~$甲街道-第01期.xlsx").write_bytes(b"lock")
    result = run_period(small, 1)
    book = openpyxl.load_workbook(result.out_dir / "数据问题-第01期.xlsx")
    assert book.sheetnames == ["数据问题", "乙镇", "甲街道"]
    rows = list(book["甲街道"].iter_rows(min_row=3, values_only=True))
    assert rows[0][1:5] == ("甲街道", "甲街道-第01期.xlsx", "进度填报", "G4") and rows[0][8] == "昨天"
    header = [c.value for c in book["数据问题"][2]]
    assert "问题代码" not in header and len(header) == 9
    everything = [v for ws in book for row in ws.iter_rows(values_only=True) for v in row]
    assert not any("~$" in str(v) for v in everything)  # the office's own lock file is not the units' problem
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["problems"]["by_code"]["file_lock"] == 1


def test_stray_documents_are_skipped_not_rejected(small):
    inputs = small.folder / "inputs" / "第01期"
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, inputs)
    (inputs / "说明.txt").write_text("各单位报送情况说明", encoding="utf-8")
    (inputs / "督查通报-第00期.docx").write_bytes(b"PK\x03\x04 not really")
    result = run_period(small, 1)
    status = {f.file: (f.status, f.reason) for f in result.files}
    assert status["说明.txt"] == ("skipped", "不是表格文件（.txt），已跳过")
    assert status["督查通报-第00期.docx"][0] == "skipped"
    assert [s["file"] for s in result.results["submissions"]] == ["甲街道-第01期.xlsx"]
    assert "未被采用" not in briefing_text(result.briefing)


def test_progress_reports_stages(small):
    inputs = small.folder / "inputs" / "第01期"
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, inputs)
    submit(small, 1, "乙镇", {("P02", 1): None}, inputs)
    calls = []
    run_period(small, 1, progress=lambda done, total, label: calls.append((done, total, label)))
    stages = list(dict.fromkeys(label.split("：")[0] for _, _, label in calls))
    assert stages == ["读取填报表", "计算得分", "生成报告"]
    assert (2, 2, "读取填报表：甲街道-第01期.xlsx") in calls
    assert all(done <= total for done, total, _ in calls)


def test_the_cycle_collector_waits_for_the_end_of_a_run(small):
    inputs = small.folder / "inputs" / "第01期"
    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09"}, inputs)
    collecting = []
    assert gc.isenabled()
    run_period(small, 1, progress=lambda done, total, label: collecting.append(gc.isenabled()))
    assert collecting and not any(collecting)  # off while the run reads, scores and writes
    assert gc.isenabled()  # and on again after it, as it was
    gc.disable()
    try:
        run_period(small, 1)
        assert not gc.isenabled()  # a caller's own choice is left as it was
    finally:
        gc.enable()


def test_a_date_reported_after_the_cutoff_is_kept_for_the_next_template(small, tmp_path):
    from leitai.campaign.templates import write_templates
    from leitai.ledger.history import Ledger

    submit(small, 1, "甲街道", {("P01", 1): "2020-09-09", ("P01", 2): "2020-09-20"}, small.folder / "inputs" / "第01期")
    first = run_period(small, 1)
    assert {u["unit"]: u["done"] for u in first.results["units"]}["甲街道"] == 1  # 09-20 is after the 09-14 cutoff
    with Ledger(small.ledger_path) as ledger:
        known = ledger.states(1)
    row = known.set_index(["project_id", "seq"]).loc[("P01", 2)]
    assert not row["done"] and row["reported_date"] == pd.Timestamp("2020-09-20")
    template = write_templates(small, 2, tmp_path / "t", known=known)[0]
    sheet = openpyxl.load_workbook(template)["进度填报"]
    filled = {(r[0], r[2]): (r[5], r[6]) for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert filled[("P01", 2)][0] == "已完成" and filled[("P01", 2)][1].date().isoformat() == "2020-09-20"
    inputs = small.folder / "inputs" / "第02期"
    inputs.mkdir()
    shutil.copy(template, inputs / template.name)  # sent back untouched
    second = run_period(small, 2)
    assert {u["unit"]: u["done"] for u in second.results["units"]}["甲街道"] == 2
