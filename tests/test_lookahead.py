"""Looking ahead and acting, on hand-worked campaigns: early warning, the escalation ladder,
督办单, 催报 text, 预警 workbook, submission timeliness, and the settings that steer them."""

from __future__ import annotations

import datetime as dt
import json
import os

import openpyxl
import pytest
from docx import Document

from builders import TOML, submit, write_campaign, write_overrides
from leitai.campaign.plan import load_campaign
from leitai.errors import OutputError, SettingsError
from leitai.pipeline import run_period
from leitai.report.reminders import text_file_bytes
from leitai.scoring.lookahead import early_warning, escalations, issue_date, timeliness

# builders' plan: period 1 ends 09-14, period 2 on 09-28, period 3 on 10-12.
# Not due at 09-14: P01-2 (09-25), P01-3 (10-20), P02-2 (10-05), P03-2 (10-10), P04-1 (09-20), P04-2 (11-30).


def campaign_with(tmp_path, extra: str = "", rules: str = ""):
    toml = TOML.format(rules=rules) + '\n[report]\npdf = "never"\n' + extra
    return load_campaign(write_campaign(tmp_path / "c", toml=toml))


def at(path, when: str) -> None:
    stamp = dt.datetime.fromisoformat(when).timestamp()
    os.utime(path, (stamp, stamp))


def test_early_warning_lists_undone_nodes_due_by_the_next_cutoff(tmp_path):
    campaign = campaign_with(tmp_path)
    inputs = campaign.folder / "inputs" / "第01期"
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, inputs)
    submit(campaign, 1, "县丁局", {("P04", 1): "2020-09-13"}, inputs)  # done ahead: no warning
    result = run_period(campaign, 1)
    assert result.results["early_warning"] == [
        {"project_id": "P01", "seq": 2, "unit": "甲街道", "due": "2020-09-25"}]


def test_early_warning_horizon_in_days(tmp_path):
    campaign = campaign_with(tmp_path, "\n[supervision]\nwarning_days = 30\n")
    submit(campaign, 1, "甲街道", {}, campaign.folder / "inputs" / "第01期")
    warned = run_period(campaign, 1).results["early_warning"]
    assert [(w["project_id"], w["seq"], w["due"]) for w in warned] == [
        ("P04", 1, "2020-09-20"), ("P01", 2, "2020-09-25"), ("P02", 2, "2020-10-05"), ("P03", 2, "2020-10-10")]


def test_cancelled_exempt_and_not_yet_included_nodes_are_never_warned_of(tmp_path):
    """计划调整: a cancelled or exempt node is never due, nor is a node of a project not yet included."""
    from builders import write_changes

    campaign = campaign_with(tmp_path, "\n[supervision]\nwarning_days = 30\n")
    write_changes(campaign.folder / "plan.xlsx", [
        ("P01", 2, "取消", None, "2020-09-10", "会议纪要3号", ""),
        ("P02", 2, "豁免", None, "2020-09-11", "上级政策调整", "")], included={"P03": "2020-10-01"})
    campaign = load_campaign(campaign.folder)
    submit(campaign, 1, "甲街道", {}, campaign.folder / "inputs" / "第01期")
    warned = run_period(campaign, 1).results["early_warning"]
    assert [(w["project_id"], w["seq"], w["due"]) for w in warned] == [("P04", 1, "2020-09-20")]


def test_early_warning_is_pure_and_bounded():
    import pandas as pd

    nodes = pd.DataFrame({"project_id": ["A", "A", "B", "B"], "seq": [1, 2, 1, 2], "unit": ["u", "u", "v", "v"],
                          "due": pd.to_datetime(["2020-09-14", "2020-09-15", "2020-09-28", "2020-09-29"]),
                          "done": [False, False, False, False]})
    got = early_warning(nodes, dt.date(2020, 9, 14), dt.date(2020, 9, 28))
    assert [(g["project_id"], g["seq"]) for g in got] == [("A", 2), ("B", 1)]  # (cutoff, horizon]
    assert early_warning(nodes, dt.date(2020, 9, 28), dt.date(2020, 9, 28)) == []


def test_ladder_gives_each_red_project_its_highest_rung():
    projects = [
        {"id": "P1", "name": "一", "unit": "甲", "light": "red", "red_count": 1, "red_streak": 1, "overdue_nodes": [1]},
        {"id": "P2", "name": "二", "unit": "乙", "light": "red", "red_count": 2, "red_streak": 2, "overdue_nodes": [1]},
        {"id": "P3", "name": "三", "unit": "丙", "light": "red", "red_count": 4, "red_streak": 1, "overdue_nodes": [2]},
        {"id": "P4", "name": "四", "unit": "丁", "light": "green", "red_count": 5, "red_streak": 0, "overdue_nodes": []},
        {"id": "P5", "name": "五", "unit": "甲", "light": "red", "red_count": 3, "red_streak": 3, "overdue_nodes": [1]},
    ]
    got = escalations(projects, [(2, "提醒单"), (3, "督办单")])
    assert [(g["project_id"], g["kind"], g["number"]) for g in got] == [
        ("P3", "督办单", 1), ("P5", "督办单", 2), ("P2", "提醒单", 1)]
    three = escalations(projects, [(2, "提醒单"), (3, "警示单"), (4, "督办单")])
    assert [(g["project_id"], g["kind"]) for g in three] == [("P3", "督办单"), ("P5", "警示单"), ("P2", "提醒单")]


def test_timeliness_is_by_the_deadline_day():
    arrived = {"a": dt.datetime(2020, 9, 14, 23, 59), "b": dt.datetime(2020, 9, 15, 0, 1)}
    got = timeliness(["a", "b", "c", "d"], {"a", "b", "d"}, arrived, dt.date(2020, 9, 14))
    assert got == {"a": "on_time", "b": "late", "c": "missing", "d": "on_time"}


def test_documents_are_dated_when_the_last_sheet_counted_had_arrived():
    deadline = dt.date(2020, 9, 15)
    assert issue_date(deadline, []) == deadline
    assert issue_date(deadline, [dt.datetime(2020, 9, 14, 9), dt.datetime(2020, 9, 15, 23, 59)]) == deadline
    assert issue_date(deadline, [dt.datetime(2020, 9, 14, 9), dt.datetime(2020, 9, 17, 0, 5)]) == dt.date(2020, 9, 17)
    # a unit not heard from: its sheet could still come in on time on the deadline day
    assert issue_date(deadline, [dt.datetime(2020, 9, 14, 9)], missing=True) == dt.date(2020, 9, 16)
    assert issue_date(deadline, [dt.datetime(2020, 9, 18, 9)], missing=True) == dt.date(2020, 9, 18)


def test_a_briefing_with_a_late_unit_is_dated_on_its_arrival(tmp_path):
    """Dated at the cutoff, the briefing said 乙镇 was late with a sheet that had not yet arrived on its
    own date: the header, signature, 印发 line and 督办单 now carry the day it arrived; the data stay
    as of the cutoff, and the reply is due reply_days after the notice's date."""
    campaign, _ = red_three_times(tmp_path, "\n[supervision]\nsubmit_days = 1\nreply_days = 7\n")
    folder = campaign.folder / "inputs" / "第03期"
    late = next(folder.glob("乙镇*"))
    at(late, "2020-10-16T09:30:00")  # the deadline was 10-13
    result = run_period(campaign, 3)
    assert {u["unit"]: u["timeliness"] for u in result.results["units"]}["乙镇"] == "late"
    doc = Document(str(result.briefing))
    paragraphs = [p.text for p in doc.paragraphs if p.text.strip()]
    text = "\n".join(paragraphs)
    assert paragraphs[2].endswith("\t2020年10月16日")  # the document number's line
    assert "截至2020年10月12日" in text and "乙镇的填报表晚于报送截止时间（2020年10月13日）送达，记为迟报。" in text
    assert "请相关牵头单位于2020年10月23日前" in text  # 10-16 + 7
    assert "测试县百日攻坚行动指挥部办公室\t2020年10月16日印发" in text
    assert paragraphs[paragraphs.index("2020年10月16日") - 1] == "测试县百日攻坚行动指挥部办公室"  # 落款
    notice = "\n".join(p.text for p in Document(str(result.out_dir / "督办单" / "督办单-01-P02-乙镇.docx")).paragraphs)
    assert "〔2020〕第3期01号\t2020年10月16日" in notice and "2020年10月23日前" in notice
    # the files say so too: created and modified on the document's date
    for path in (result.briefing, result.out_dir / "督办单" / "督办单-01-P02-乙镇.docx"):
        props = Document(str(path)).core_properties
        assert props.created == props.modified == dt.datetime(2020, 10, 16, tzinfo=dt.UTC)
    # results.json records the dates the documents print (成文日期, 报送截止)
    recorded = json.loads((result.out_dir / "results.json").read_text(encoding="utf-8"))
    assert (recorded["issue_date"], recorded["submit_deadline"]) == ("2020-10-16", "2020-10-13")
    # on time, the same campaign's documents carry the 报送截止 day
    at(late, "2020-10-13T09:30:00")
    again = run_period(campaign, 3)
    assert [p.text for p in Document(str(again.briefing)).paragraphs if p.text.strip()][2].endswith("\t2020年10月13日")
    recorded = json.loads((again.out_dir / "results.json").read_text(encoding="utf-8"))
    assert (recorded["issue_date"], recorded["submit_deadline"]) == ("2020-10-13", "2020-10-13")


def red_three_times(tmp_path, extra: str = ""):
    """P02 (乙镇) red at periods 1, 2 and 3: node 1 never done; every other node done on its day.
    Every sheet arrives on its cutoff day (on time)."""
    campaign = campaign_with(tmp_path, extra)
    done = {("P01", 1): "2020-09-10", ("P01", 2): "2020-09-25", ("P03", 1): "2020-09-14", ("P03", 2): "2020-10-10",
            ("P04", 1): "2020-09-20", ("P02", 2): "2020-10-05"}
    for period, cutoff in ((1, "2020-09-14"), (2, "2020-09-28"), (3, "2020-10-12")):
        folder = campaign.folder / "inputs" / f"第{period:02d}期"
        for unit in ("甲街道", "县丙局", "县丁局", "乙镇"):
            answers = {k: v for k, v in done.items() if v <= cutoff and k[0] == {"甲街道": "P01", "县丙局": "P03",
                                                                              "县丁局": "P04", "乙镇": "P02"}[unit]}
            if unit == "乙镇":
                answers[("P02", 1)] = None
            at(submit(campaign, period, unit, answers, folder, issue="群众诉求未解决"), f"{cutoff}T16:00:00")
        results = run_period(campaign, period)
    return campaign, results


def test_notice_for_a_project_red_three_times(tmp_path):
    campaign, result = red_three_times(tmp_path)
    folder = result.out_dir / "督办单"
    names = sorted(p.name for p in folder.iterdir())
    red = {p["id"]: p for p in result.results["projects"] if p["light"] == "red"}
    assert red["P02"]["red_count"] == 3
    assert "督办单-01-P02-乙镇.docx" in names
    assert all(n.startswith(("督办单-", "提醒单-")) for n in names)
    doc = Document(str(folder / "督办单-01-P02-乙镇.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "百日攻坚督办单" in text and "编号：〔2020〕第3期01号" in text and "乙镇：" in text
    assert "二号区块征迁" in text and "已累计亮红灯3次，其中最近连续3次" in text and "现予督办" in text
    assert "2020年10月17日前" in text  # reply_days 5 after the cutoff 10-12
    assert "2020年9月12日" in cells and "30天" in cells  # node 1 due 09-12, 30 days late at 10-12
    assert "回执" in text and "督办事项" in cells
    assert "〔2020〕第3期01号  二号区块征迁" in cells
    assert names == ["督办单-01-P02-乙镇.docx"]  # the only red project


def test_a_notice_no_longer_due_is_removed_on_rerun(tmp_path):
    campaign, result = red_three_times(tmp_path)
    assert (result.out_dir / "督办单" / "督办单-01-P02-乙镇.docx").exists()
    write_overrides(campaign.folder / "inputs" / "第03期" / "核定.xlsx", [("P02", 1, "已完成", "2020-09-12", "核实")])
    rerun = run_period(campaign, 3)
    assert not (rerun.out_dir / "督办单" / "督办单-01-P02-乙镇.docx").exists()


def test_custom_ladder_and_reply_days(tmp_path):
    extra = '\n[supervision]\nladder = { "警示单" = 3 }\nreply_days = 10\n'
    campaign, result = red_three_times(tmp_path, extra)
    names = sorted(p.name for p in (result.out_dir / "督办单").iterdir())
    assert "警示单-01-P02-乙镇.docx" in names and not any(n.startswith(("督办单", "提醒单")) for n in names)
    text = "\n".join(p.text for p in Document(str(result.out_dir / "督办单" / names[0])).paragraphs)
    assert "现予警示" in text and "2020年10月22日前" in text


def test_reminder_text_for_notepad(tmp_path):
    campaign = campaign_with(tmp_path)
    inputs = campaign.folder / "inputs" / "第01期"
    submit(campaign, 1, "甲街道", {("P01", 1): "2020/9/32"}, inputs)  # a bad date: a problem with its cell
    submit(campaign, 1, "县丙局", {("P03", 1): "2020-09-14"}, inputs)
    result = run_period(campaign, 1)
    raw = (result.out_dir / "催报-第01期.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    assert "乙镇：截至2020年9月14日（第1期报送截止），你单位尚未报送第1期进度填报表" in text
    assert "县丁局：截至2020年9月14日" in text
    bad = [p for p in result.problems if p.unit == "甲街道" and p.code == "bad_date"]
    assert bad and f"{bad[0].sheet} {bad[0].cell}：{bad[0].message}" in text
    assert "甲街道：以下1个节点于9月15日至9月28日到期，截至2020年9月14日尚未完成" in text
    assert "一号路改造（P01）节点2“开工”，计划9月25日完成" in text
    assert "县丁局：以下1个节点于9月15日至9月28日到期，截至2020年9月14日尚未完成" in text  # not submitted, and warned too


def test_text_file_bytes_turns_every_line_end_to_crlf():
    assert text_file_bytes("甲\n乙\r\n") == "\ufeff甲\r\n乙\r\n".encode()


def test_warning_workbook_has_a_sheet_per_unit(tmp_path):
    campaign = campaign_with(tmp_path, "\n[supervision]\nwarning_days = 30\n")
    submit(campaign, 1, "甲街道", {}, campaign.folder / "inputs" / "第01期")
    result = run_period(campaign, 1)
    book = openpyxl.load_workbook(result.out_dir / "预警清单-第01期.xlsx")
    assert book.sheetnames == ["预警清单", "甲街道", "乙镇", "县丙局", "县丁局"]
    first = book["预警清单"]
    assert "2020年" not in first["A1"].value and "9月15日至10月14日" in first["A1"].value
    rows = [[c.value for c in row] for row in first.iter_rows(min_row=3)]
    assert rows[0] == [1, "县丁局", "P04", "四号民生实事", 1, "招标", "9月20日", 6]
    assert len(rows) == 4
    assert [c.value for c in book["乙镇"][3]][2:5] == ["P02", "二号区块征迁", 2]


def test_warning_workbook_of_many_units_is_one_sheet_filtered_by_unit(tmp_path, monkeypatch):
    """Above UNIT_SHEETS_LIMIT warned units (a province has two thousand) the workbook is its first
    sheet alone, with a filter on the 单位 column, instead of a sheet per unit."""
    import leitai.report.reminders

    monkeypatch.setattr(leitai.report.reminders, "UNIT_SHEETS_LIMIT", 2)
    campaign = campaign_with(tmp_path, "\n[supervision]\nwarning_days = 30\n")
    submit(campaign, 1, "甲街道", {}, campaign.folder / "inputs" / "第01期")
    result = run_period(campaign, 1)
    assert len({w["unit"] for w in result.results["early_warning"]}) > 2
    book = openpyxl.load_workbook(result.out_dir / "预警清单-第01期.xlsx")
    assert book.sheetnames == ["预警清单"]
    assert book["预警清单"].auto_filter.ref == f"A2:H{2 + len(result.results['early_warning'])}"


def test_timeliness_from_arrival_times(tmp_path):
    campaign = campaign_with(tmp_path, "\n[supervision]\nsubmit_days = 1\n")
    inputs = campaign.folder / "inputs" / "第01期"
    on_time = submit(campaign, 1, "甲街道", {}, inputs)
    late = submit(campaign, 1, "乙镇", {}, inputs)
    seen_early = submit(campaign, 1, "县丙局", {}, inputs)
    at(on_time, "2020-09-15T17:30:00")  # the deadline day (cutoff + 1)
    at(late, "2020-09-16T08:00:00")
    at(seen_early, "2020-09-20T08:00:00")  # modified later, but leitai saw it on the 14th
    from leitai.fileio import sha256_file

    (campaign.folder / "arrivals.json").write_text(json.dumps(
        {"files": {sha256_file(seen_early): {"first_seen": "2020-09-14T10:00:00", "file": seen_early.name}}}),
        encoding="utf-8")
    result = run_period(campaign, 1)
    status = {u["unit"]: u["timeliness"] for u in result.results["units"]}
    assert status == {"甲街道": "on_time", "乙镇": "late", "县丙局": "on_time", "县丁局": "missing"}
    board = openpyxl.load_workbook(result.out_dir / "擂台榜-第01期.xlsx")
    said = {r[1].value: r[-2].value for sheet in board.worksheets[:2] for r in sheet.iter_rows(min_row=3)}
    assert said == {"甲街道": "已报送", "乙镇": "迟报", "县丙局": "已报送", "县丁局": "未报送"}  # 报送情况
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    arrived = {i["file"]: i["arrived"] for i in manifest["inputs"]}
    assert arrived[on_time.name] == "2020-09-15T17:30:00" and arrived[seen_early.name] == "2020-09-14T10:00:00"
    seen = json.loads((campaign.folder / "arrivals.json").read_text(encoding="utf-8"))["files"]
    assert sha256_file(late) in seen  # first seen now, recorded for the next command
    text = (result.out_dir / "催报-第01期.txt").read_text(encoding="utf-8-sig")
    assert "乙镇：你单位第1期进度填报表于2020年9月16日8时00分报送，晚于报送截止时间（2020年9月15日）" in text


@pytest.mark.parametrize("extra, message", [
    ('[report]\npdf = "yes"', "[report] pdf 的值 'yes' 无效，可选 'auto' 或 'always' 或 'never'"),
    ("[supervision]\nwarning_days = -1", "[supervision] warning_days 应为不小于 0 的整数"),
    ("[supervision]\nreply_days = 400", "[supervision] reply_days 应为 1 至 366 的整数（现为 400）"),
    ("[supervision]\nsubmit_days = \"两天\"", "[supervision] submit_days 应为不小于 0 的整数"),
    ("[supervision]\nladder = 3", "[supervision] ladder 应为文书名称与亮红灯次数的对照"),
    ('[supervision]\nladder = { "督/办单" = 3 }', "[supervision] ladder 中的文书名称“督/办单”无效"),
    ('[supervision]\nladder = { "提醒单" = 2, "督办单" = 2 }', "[supervision] ladder 中各文书的亮红灯次数应互不相同"),
    ('[supervision]\nladder = { "督办单" = 0 }', "[supervision] ladder.督办单 应为不小于 1 的整数"),
    ("[supervision]\nwarn_days = 3", "[supervision] 中未知的键 warn_days（是否应为 warning_days？）"),
])
def test_bad_settings_name_the_key(tmp_path, extra, message):
    folder = write_campaign(tmp_path / "c", toml=TOML.format(rules="") + "\n" + extra + "\n")
    with pytest.raises(SettingsError) as err:
        load_campaign(folder)
    assert message in str(err.value)


def test_pdf_always_without_libreoffice_is_one_line_before_any_work(tmp_path, monkeypatch):
    import leitai.report.pdf

    monkeypatch.setattr(leitai.report.pdf, "find_soffice", lambda: None)
    folder = write_campaign(tmp_path / "c", toml=TOML.format(rules="") + '\n[report]\npdf = "always"\n')
    campaign = load_campaign(folder)
    submit(campaign, 1, "甲街道", {}, folder / "inputs" / "第01期")
    with pytest.raises(OutputError) as err:
        run_period(campaign, 1)
    assert "本机未安装 LibreOffice" in str(err.value) and "\n" not in str(err.value)
    assert not campaign.ledger_path.exists() or not (folder / "outputs" / "第01期").exists()


def test_stable_pdf_sets_dates_and_id_from_content():
    from leitai.report.pdf import stable_pdf

    body = b"%PDF-1.6\n1 0 obj<</CreationDate(D:20261127170931Z')>>endobj\ntrailer\n<</Size 2\n" \
           b"/ID [ <82772D9DB3ABA88DA864A660739467E2>\n<82772D9DB3ABA88DA864A660739467E2> ]\n" \
           b"/DocChecksum /35F6DAE7B90CF5ACC3A18C255B97EF9E\n>>\n%%EOF\n"
    other = body.replace(b"170931", b"180102").replace(b"82772D9D", b"11111111")
    stamp = dt.datetime(2020, 11, 9)
    assert stable_pdf(body, stamp) == stable_pdf(other, stamp)
    out = stable_pdf(body, stamp)
    assert len(out) == len(body) and b"(D:20201109000000Z')" in out and b"82772D9D" not in out


def test_status_shows_who_reported_late(tmp_path):
    from click.testing import CliRunner

    from leitai.cli import main

    campaign = campaign_with(tmp_path)
    inputs = campaign.folder / "inputs" / "第01期"
    at(submit(campaign, 1, "甲街道", {}, inputs), "2020-09-14T18:00:00")
    at(submit(campaign, 1, "乙镇", {}, inputs), "2020-09-15T09:30:00")
    result = CliRunner().invoke(main, ["status", "--campaign", str(campaign.folder), "--period", "1"])
    assert result.exit_code == 0, result.output
    assert "报送截止 2020年9月14日：按时 1 个单位，迟报 1 个，未报 2 个。" in result.output
    assert "迟报，09-15 09:30到" in result.output.replace("\n", "").replace("│", "").replace(" ", "") or \
        "（迟报" in result.output
    assert (campaign.folder / "arrivals.json").exists()  # status is a leitai command that sees files first


def test_demo_period_five_acts_on_what_it_finds(demo_dir):
    """Done-when of issue 16 on the demo: one 督办单 per escalated red project; early_warning is
    exactly the undone nodes due in (cutoff 5, cutoff 6]; the 催报 file names every problem."""
    import sqlite3

    import pandas as pd

    from leitai.pipeline import seeds_folder

    folder = demo_dir / "第05期"
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    escalated = {(p["id"], p["unit"]) for p in data["projects"] if p["light"] == "red" and p["red_count"] >= 3}
    notices = {tuple(p.stem.split("-")[2:]) for p in (folder / "督办单").glob("督办单-*.docx")}
    assert escalated and notices == escalated

    campaign = load_campaign(seeds_folder())
    cutoff5, cutoff6 = campaign.settings.schedule.cutoff(5), campaign.settings.schedule.cutoff(6)
    with sqlite3.connect(demo_dir / "history.sqlite") as db:
        done = {(pid, seq) for pid, seq, d, day in db.execute(
            "SELECT project_id, seq, done, done_date FROM node_states WHERE period = 5")
            if d and day and dt.date.fromisoformat(day) <= cutoff5}
    nodes = campaign.plan.nodes
    due = nodes["due"].dt.date
    expected = {(str(p), int(s)) for p, s, d in zip(nodes["project_id"], nodes["seq"], due)
                if cutoff5 < d <= cutoff6 and (str(p), int(s)) not in done}
    warned = {(w["project_id"], w["seq"]) for w in data["early_warning"]}
    assert expected and warned == expected
    assert pd.Series([w["due"] for w in data["early_warning"]]).is_monotonic_increasing

    text = (folder / "催报-第05期.txt").read_text(encoding="utf-8-sig")
    book = openpyxl.load_workbook(folder / "数据问题-第05期.xlsx")
    rows = [[c.value for c in row] for row in book.worksheets[0].iter_rows(min_row=3)]
    assert rows
    for _, unit, file, sheet, cell, _, message, fix, _ in rows:
        where = f"{file} {sheet or ''} {cell or ''}".strip()
        assert f"{where}：{message}。{fix}" in text, (unit, where, message)
    timely = {u["unit"]: u["timeliness"] for u in data["units"]}
    assert {k for k, v in timely.items() if v == "late"} == {"南屏乡", "县水利局"}
    assert all(f"【{u}】" in text for u in ("南屏乡", "县水利局"))
    assert (folder / "预警清单-第05期.xlsx").exists()


def pages(pdf) -> int:
    import re
    import subprocess

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def test_demo_pdf_matches_libreoffices_own_conversion(demo_dir, tmp_path):
    import shutil
    import subprocess

    if not shutil.which("soffice") or not shutil.which("pdfinfo"):
        pytest.skip("LibreOffice or poppler is not installed")
    folder = demo_dir / "第05期"
    pdf = folder / "督查通报-第05期.pdf"
    assert pdf.exists()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "督查通报-第05期.pdf" in {o["file"] for o in manifest["outputs"]}
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(folder / "督查通报-第05期.docx")],
                   check=True, capture_output=True, timeout=300)
    assert pages(pdf) == pages(tmp_path / "督查通报-第05期.pdf") > 1
    # a 督办单 is one page
    notice = sorted((folder / "督办单").glob("督办单-*.docx"))[0]
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(notice)], check=True, capture_output=True, timeout=300)
    assert pages(tmp_path / notice.with_suffix(".pdf").name) == 1


def test_pdf_is_made_the_same_way_every_time(tmp_path):
    import shutil

    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is not installed")
    campaign = load_campaign(write_campaign(tmp_path / "c", toml=TOML.format(rules="")))  # pdf = "auto"
    submit(campaign, 1, "甲街道", {}, campaign.folder / "inputs" / "第01期")
    first = run_period(campaign, 1).out_dir / "督查通报-第01期.pdf"
    before = first.read_bytes()
    run_period(campaign, 1)
    assert first.read_bytes() == before and before.startswith(b"%PDF")


def test_briefing_tells_notices_warnings_and_late_units(tmp_path):
    campaign, result = red_three_times(tmp_path, "\n[supervision]\nreply_days = 7\n")
    doc = Document(str(result.briefing))
    paragraphs = [p.text for p in doc.paragraphs]
    assert any(p.endswith("、预警与督办") for p in paragraphs)
    text = "\n".join(paragraphs)
    assert ("本期向1个项目的牵头单位发出督办单：二号区块征迁（乙镇）。请相关牵头单位于2020年10月19日前"
            "将整改情况连同回执报送测试县百日攻坚行动指挥部办公室。") in text
    # due after 10-12 and by 10-26, not done: P01-3 (10-20, 甲街道)
    assert "10月13日至10月26日到期、截至2020年10月12日尚未完成的节点还有1个，涉及1个单位：甲街道1个。" in text


def test_briefing_names_late_units(tmp_path):
    campaign = campaign_with(tmp_path)
    inputs = campaign.folder / "inputs" / "第01期"
    at(submit(campaign, 1, "甲街道", {}, inputs), "2020-09-14T18:00:00")
    at(submit(campaign, 1, "乙镇", {}, inputs), "2020-09-15T09:30:00")
    result = run_period(campaign, 1)
    text = "\n".join(p.text for p in Document(str(result.briefing)).paragraphs)
    assert "乙镇的填报表晚于报送截止时间（2020年9月14日）送达，记为迟报。" in text


def test_demo_briefing_period_five_outlook(demo_dir):
    folder = demo_dir / "第05期"
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    text = "\n".join(p.text for p in Document(str(folder / "督查通报-第05期.docx")).paragraphs)
    escalated = [p["name"] for p in data["projects"] if p["light"] == "red" and p["red_count"] >= 3]
    assert f"向{len(escalated)}个项目的牵头单位发出督办单：" in text
    assert all(f"{name}（" in text for name in escalated)
    assert f"11月10日至11月23日到期、截至2020年11月9日尚未完成的节点还有{len(data['early_warning'])}个" in text
    assert "南屏乡、县水利局的填报表晚于报送截止时间（2020年11月9日）送达，记为迟报。" in text
    # dated the day the last of them arrived (the manifest's arrival times), not at the cutoff
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    last = max(dt.date.fromisoformat(i["arrived"][:10]) for i in manifest["inputs"] if i["arrived"])
    assert last == dt.date(2020, 11, 10) and "天攻坚办〔2020〕5号\t2020年11月10日" in text


@pytest.mark.parametrize("period", [1, 2, 3, 4, 5])
def test_results_json_records_the_dates_the_demo_briefing_prints(demo_dir, period):
    """results.json's issue_date is the 成文日期 of the header, the 落款 and the 印发 line, and its
    submit_deadline the 报送截止 the briefing names its late units against."""
    from leitai.report.docxkit import cn_date

    folder = demo_dir / f"第{period:02d}期"
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    issued, deadline = dt.date.fromisoformat(data["issue_date"]), dt.date.fromisoformat(data["submit_deadline"])
    paragraphs = [p.text for p in Document(str(folder / f"督查通报-第{period:02d}期.docx")).paragraphs if p.text.strip()]
    text = "\n".join(paragraphs)
    assert paragraphs[2] == f"天攻坚办〔2020〕{period}号\t{cn_date(issued)}"
    assert paragraphs[paragraphs.index(cn_date(issued)) - 1] == "天台县百日攻坚行动指挥部办公室"  # 落款
    assert f"\t{cn_date(issued)}印发" in text
    assert deadline == dt.date.fromisoformat(data["cutoff"])  # submit_days = 0
    late = [u["unit"] for u in data["units"] if u["timeliness"] == "late"]
    if late:
        assert f"的填报表晚于报送截止时间（{cn_date(deadline)}）送达" in text
    assert issued >= deadline


def test_a_preview_notice_has_no_number(tmp_path):
    campaign, _ = red_three_times(tmp_path)
    result = run_period(campaign, 3, today=dt.date(2020, 10, 11))  # the day before the cutoff
    text = "\n".join(p.text for p in Document(str(result.out_dir / "督办单" / "督办单-01-P02-乙镇.docx")).paragraphs)
    assert "百日攻坚督办单（预览稿）" in text and "编号：预览稿不编号" in text and "〔2020〕" not in text


def test_check_on_the_inputs_folder_notes_arrivals(tmp_path):
    from click.testing import CliRunner

    from leitai.cli import main
    from leitai.fileio import sha256_file

    campaign = campaign_with(tmp_path)
    sheet = submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, campaign.folder / "inputs" / "第01期")
    outside = submit(campaign, 1, "乙镇", {}, tmp_path / "mail")
    runner = CliRunner()
    runner.invoke(main, ["check", "--campaign", str(campaign.folder), str(sheet.parent), str(outside)])
    seen = json.loads((campaign.folder / "arrivals.json").read_text(encoding="utf-8"))["files"]
    assert sha256_file(sheet) in seen and sha256_file(outside) not in seen  # not yet in the inputs folder


def test_the_last_period_warns_of_nothing_and_says_so(tmp_path):
    """With no later cutoff (and no warning_days) the look-ahead is empty: the 预警清单's title says
    this is the last period (it read 10月13日至10月12日), and 催报 does not promise nodes falling due."""
    from leitai.report.reminders import Outlook, load_texts, reminder_text, warning_workbook

    campaign = campaign_with(tmp_path)
    cutoff = dt.date(2020, 10, 12)
    results = {"cutoff": cutoff.isoformat(), "period": 3, "early_warning": [], "units": []}
    texts = load_texts()
    last = Outlook(campaign.settings, campaign.plan, results, [], {}, cutoff, cutoff)
    title = warning_workbook(last, texts)["预警清单"]["A1"].value
    assert title == "百日攻坚第3期预警清单（本期为最后一期，其后没有到期的节点）"
    assert "下一截止日前到期" not in reminder_text(last, texts) and "不再预警" in reminder_text(last, texts)
    ahead = Outlook(campaign.settings, campaign.plan, results, [], {}, cutoff, dt.date(2020, 10, 26))
    assert warning_workbook(ahead, texts)["预警清单"]["A1"].value == "百日攻坚第3期预警清单（10月13日至10月26日到期、尚未完成的节点）"


def test_notice_quotes_a_quoted_name_with_single_quotes_and_keeps_the_seals_date_whole():
    from leitai.report.notice import nested_quotes, seal_lines

    assert nested_quotes("“污水零直排区”建设") == "‘污水零直排区’建设"
    short = "单位负责人（签字）：          三合镇（盖章）    年  月  日"
    assert seal_lines(short) == [short]
    long = "单位负责人（签字）：          县生态环境分局（盖章）    年  月  日"
    assert seal_lines(long) == ["单位负责人（签字）：          县生态环境分局（盖章）", "年  月  日"]


def test_a_late_sheet_of_the_last_period_is_not_told_to_be_on_time_from_now_on(tmp_path):
    """请今后按时报送 after the last period (a 区 review): there is no 今后; the other periods keep it."""
    campaign = campaign_with(tmp_path)
    last = campaign.settings.schedule.count
    inputs = campaign.folder / "inputs" / f"第{last:02d}期"
    at(submit(campaign, last, "甲街道", {}, inputs), "2020-12-11T09:00:00")  # the cutoff was 12-09
    result = run_period(campaign, last, force=True)
    text = (result.out_dir / f"催报-第{last:02d}期.txt").read_text(encoding="utf-8-sig")
    assert "甲街道：你单位第8期进度填报表于2020年12月11日9时00分报送，晚于报送截止时间（2020年12月9日），本期记为迟报。" in text
    assert "今后" not in text
    inputs = campaign.folder / "inputs" / "第01期"
    at(submit(campaign, 1, "甲街道", {}, inputs), "2020-09-16T09:00:00")
    text = (run_period(campaign, 1, force=True).out_dir / "催报-第01期.txt").read_text(encoding="utf-8-sig")
    assert "本期记为迟报，请今后按时报送。" in text
