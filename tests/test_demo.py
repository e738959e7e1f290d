"""End to end: the demo campaign through the whole pipeline (SPEC §8 facts at period 5)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from docx import Document


def results(demo_dir, period):
    return json.loads((demo_dir / f"第{period:02d}期" / "results.json").read_text(encoding="utf-8"))


def test_period_five_facts(demo_dir):
    data = results(demo_dir, 5)
    assert data["period"] == 5 and data["cutoff"] == "2020-11-09" and data["evaluation"] is True
    assert 0.845 <= data["overall"]["rate"] <= 0.855
    assert sum(u["yellow_card"] for u in data["units"]) == 4
    chengqian = next(p for p in data["projects"] if p["name"].startswith("城前公路"))
    assert chengqian["light"] == "green" and chengqian["red_count"] == 3
    lights = [next(p for p in results(demo_dir, n)["projects"] if p["id"] == chengqian["id"])["light"]
              for n in range(1, 6)]
    assert lights == ["red", "red", "red", "green", "green"]
    assert len(data["projects"]) == 60 and len(data["categories"]) == 7


def test_results_follow_the_schema(demo_dir):
    data = results(demo_dir, 5)
    # The first version's keys, and those added since (SPEC §6) that this run has.
    assert set(data) >= {"campaign", "period", "cutoff", "evaluation", "overall", "categories", "units", "projects",
                         "submissions", "adjustments", "nodes", "plan_changes",
                         "early_warning"}
    assert set(data["nodes"][0]) == {"project_id", "seq", "original_due", "due", "status"}
    assert data["plan_changes"] == []  # the demo's plan has no 计划调整 sheet
    assert set(data["overall"]) >= {"due", "done", "rate", "projects", "green", "yellow", "red", "late_done",
                                    "invest_plan", "invest_done", "invest_rate", "time_progress"}
    assert set(data["units"][0]) >= {"unit", "group", "submitted", "due", "done", "rate", "period_rate", "ahead",
                                     "red_projects", "rank", "rank_change", "yellow_card", "timeliness", "late_done",
                                     "invest_plan", "invest_done", "invest_rate"}
    assert set(data["projects"][0]) >= {"id", "name", "category", "unit", "light", "red_count", "red_streak", "due",
                                        "done", "overdue_nodes", "late_done", "invest_plan", "invest_done",
                                        "invest_rate", "invest_light"}
    assert {s["status"] for s in data["submissions"]} <= {"accepted", "accepted_with_problems", "rejected"}
    for unit in data["units"]:
        assert unit["rate"] is None or 0 <= unit["rate"] <= 1


def test_manifest_lists_inputs_and_outputs(demo_dir):
    manifest = json.loads((demo_dir / "第05期" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == 5 and manifest["inputs"]
    names = {o["file"] for o in manifest["outputs"]}
    assert {"results.json", "督查通报-第05期.docx", "擂台榜-第05期.xlsx", "数据问题-第05期.xlsx"} <= names
    assert all(len(o["sha256"]) == 64 for o in manifest["outputs"])


def test_briefing_has_header_overview_and_leaderboards(demo_dir):
    doc = Document(str(demo_dir / "第05期" / "督查通报-第05期.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "天台县百日攻坚行动指挥部办公室" in text
    assert "天攻坚办〔2020〕5号" in text
    assert "总体情况" in text and "%" in text
    cells = {c.text for t in doc.tables for row in t.rows for c in row.cells}
    assert "赤城街道" in cells and "县经信局" in cells


def test_briefing_converts_to_pdf_with_chinese_fonts(demo_dir, tmp_path):
    if not shutil.which("soffice"):
        pytest.skip("LibreOffice is not installed")
    docx = demo_dir / "第05期" / "督查通报-第05期.docx"
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(docx)],
                   check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "督查通报-第05期.pdf"
    assert pdf.exists() and pdf.stat().st_size > 10_000
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert re.search(r"CJK|Song|Fang|Hei|Kai|Ming|SC", fonts), fonts





def briefing_text(demo_dir, period):
    doc = Document(str(demo_dir / f"第{period:02d}期" / f"督查通报-第{period:02d}期.docx"))
    paragraphs = [p.text for p in doc.paragraphs]
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return paragraphs, cells


@pytest.mark.parametrize("period", [4, 5])
def test_demo_briefings_read_as_an_office_writes(demo_dir, period):
    paragraphs, cells = briefing_text(demo_dir, period)
    text = "\n".join(paragraphs)
    data = results(demo_dir, period)
    rate = f"{data['overall']['rate'] * 100:.1f}%"
    assert f"节点完成率{rate}" in text and "较上期提高" in text
    for heading in ("一、总体情况", "二、擂台赛排名", "三、亮灯情况", "七、下步要求" if period == 5 else "六、下步要求"):
        assert heading in paragraphs
    assert ("黄牌警示" in text) is (period == 5)  # period 5 is an evaluation period, 4 is not
    if period == 5:
        carded = [u["unit"] for u in data["units"] if u["yellow_card"]]
        assert all(unit in text for unit in carded) and "坐黄牌席" in text
    if period == 4:
        assert "雷峰乡未报送" in text
    escalated = [p["name"] for p in data["projects"] if p["light"] == "red" and p["red_count"] >= 3]
    assert all(f"{name}（牵头单位：" in text for name in escalated)
    # no raw fractions anywhere a reader looks
    assert not any(re.search(r"(?<![\d.])0\.\d{2,}", s) for s in paragraphs + cells)
    assert paragraphs[-1].endswith("印发")


def test_demo_briefing_page_count_is_sane(demo_dir, tmp_path):
    if not shutil.which("soffice") or not shutil.which("pdfinfo"):
        pytest.skip("LibreOffice or poppler is not installed")
    docx = demo_dir / "第05期" / "督查通报-第05期.docx"
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(docx)], check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", str(tmp_path / "督查通报-第05期.pdf")], capture_output=True, text=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 10 <= pages <= 60
