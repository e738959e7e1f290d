"""The 督查通报 as a reader sees it: text, tables, page setup, fonts, reproducibility, PDF."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from leitai.campaign.plan import CampaignInfo, ReportSettings, Rules, Schedule, Settings
from leitai.problems import problem
from leitai.report.briefing import STYLES, BriefingInput, bundled_template, pct, point_change, write_briefing

CUTOFFS = tuple(dt.date(2020, 9, 14) + dt.timedelta(days=14 * i) for i in range(7))


def make_settings(**rules: Any) -> Settings:
    return Settings(
        campaign=CampaignInfo(
            name="测试县“通堵点、破难点”百日攻坚行动",
            short_name="百日攻坚",
            issuer="测试县百日攻坚行动指挥部办公室",
            doc_prefix="测攻坚办〔2020〕",
            start=dt.date(2020, 9, 1),
            end=dt.date(2020, 12, 9),
        ),
        schedule=Schedule(CUTOFFS, frozenset({3, 5, 7})),
        rules=Rules(**{"yellow_cards": 2, **rules}),
        report=ReportSettings(closing="各单位要对照节点任务，倒排工期、挂图作战。\n对亮红灯项目要逐项销号。"),
    )


def unit(
    name: str,
    group: str,
    due: int,
    done: int,
    rank: int | None,
    change: int | None,
    red: int = 0,
    ahead: int = 0,
    card: bool = False,
    submitted: bool = True,
) -> dict[str, Any]:
    return {
        "unit": name,
        "group": group,
        "submitted": submitted,
        "due": due,
        "done": done,
        "rate": done / due if due else None,
        "period_rate": None,
        "ahead": ahead,
        "red_projects": red,
        "rank": rank,
        "rank_change": change,
        "yellow_card": card,
    }


def project(
    pid: str,
    name: str,
    category: str,
    unit_name: str,
    light: str,
    red_count: int,
    streak: int,
    due: int,
    done: int,
    overdue: list[int],
) -> dict[str, Any]:
    return {
        "id": pid,
        "name": name,
        "category": category,
        "unit": unit_name,
        "light": light,
        "red_count": red_count,
        "red_streak": streak,
        "due": due,
        "done": done,
        "overdue_nodes": overdue,
    }


TOWN, DEPT = "乡镇（街道）", "县级部门"


def results(period: int = 5, evaluation: bool = True) -> dict[str, Any]:
    units = [
        unit("赤城街道", TOWN, 12, 12, 1, 2, ahead=3),
        unit("福溪街道", TOWN, 10, 9, 2, -1, red=1, ahead=1),
        unit("始丰街道", TOWN, 11, 8, 3, 0, red=2, card=evaluation),
        unit("县经信局", DEPT, 8, 8, 1, 0, ahead=1),
        unit("县交通局", DEPT, 9, 7, 2, 1, red=1, submitted=False),
        unit("县自然资源局", DEPT, 7, 5, 3, -1, red=1, card=evaluation),
        unit("县统计局", DEPT, 0, 0, None, None),
    ]
    projects = [
        project("P01", "百花路东延西拓", "项目推进", "赤城街道", "green", 0, 0, 4, 4, []),
        project("P02", "众联科创产业中心征迁", "重点区块征迁", "福溪街道", "red", 1, 1, 4, 3, [3]),
        project("P03", "玉湖四期征迁", "重点区块征迁", "始丰街道", "red", 3, 3, 5, 3, [4, 5]),
        project("P04", "城前公路改造提升", "项目推进", "县交通局", "red", 2, 1, 5, 4, [5]),
        project("P05", "智能橡胶园", "主要经济指标", "县经信局", "green", 0, 0, 4, 4, []),
        project("P06", "水南区块征迁", "重点区块征迁", "县自然资源局", "red", 1, 1, 3, 2, [3]),
        project("P07", "天瑞路综合供能服务项目征迁", "项目推进", "赤城街道", "green", 1, 0, 3, 3, []),
    ]
    return {
        "campaign": "测试县“通堵点、破难点”百日攻坚行动",
        "period": period,
        "cutoff": CUTOFFS[period - 1].isoformat(),
        "evaluation": evaluation,
        "overall": {"due": 57, "done": 49, "rate": 49 / 57, "projects": 7, "green": 3, "yellow": 0, "red": 4},
        "categories": [
            {"category": "主要经济指标", "due": 8, "done": 8, "rate": 1.0},
            {"category": "重点区块征迁", "due": 22, "done": 17, "rate": 17 / 22},
            {"category": "项目推进", "due": 27, "done": 24, "rate": 24 / 27},
            {"category": "重要民生实事", "due": 0, "done": 0, "rate": None},
        ],
        "units": units,
        "projects": projects,
        "submissions": [
            {"file": "赤城街道-第05期.xlsx", "unit": "赤城街道", "status": "accepted", "problems": 0},
            {"file": "乱码.xlsx", "unit": None, "status": "rejected", "problems": 1},
        ],
    }


def previous() -> dict[str, Any]:
    r = results(4, evaluation=False)
    r["overall"] = {**r["overall"], "done": 45, "rate": 45 / 55, "due": 55, "red": 5, "green": 2}
    r["projects"][6] = {**r["projects"][6], "light": "red"}
    return r


def node_detail() -> pd.DataFrame:
    rows = []
    for p in results()["projects"]:
        for seq in range(1, 6):
            due = dt.date(2020, 9, 10) + dt.timedelta(days=12 * seq)
            done = seq not in p["overdue_nodes"] and due <= CUTOFFS[4]
            rows.append(
                {
                    "unit": p["unit"],
                    "project_id": p["id"],
                    "project": p["name"],
                    "seq": seq,
                    "target": f"{p['name']}第{seq}节点",
                    "due": due,
                    "done": done,
                    "done_date": due - dt.timedelta(days=2) if done else None,
                    "ahead": False,
                    "overdue": seq in p["overdue_nodes"],
                }
            )
    return pd.DataFrame(rows)


def briefing_input(evaluation: bool = True, **changes: Any) -> BriefingInput:
    data = BriefingInput(
        settings=make_settings(),
        results=results(5, evaluation),
        previous=previous(),
        history=[previous(), results(5, evaluation)],
        node_detail=node_detail(),
        unit_issues={"P03": "个别农户诉求较高，\n腾空签约推进缓慢", "P02": ""},
        problems=[
            problem(
                "bad_date", file="福溪街道-第05期.xlsx", unit="福溪街道", sheet="进度填报", cell="G7", value="10月32日"
            ),
            problem("file_lock", file="~$赤城街道.xlsx"),
        ],
        overrides=[
            {
                "project_id": "P04",
                "seq": 4,
                "done": True,
                "done_date": dt.date(2020, 11, 2),
                "reason": "经现场核实已完成",
            }
        ],
        missing_units=["县交通局"],
        charts={},
    )
    return replace(data, **changes)


def read(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    doc = Document(str(path))
    paragraphs = [p.text for p in doc.paragraphs]
    # a header's line break (between words, so it never breaks inside one) is layout, not text
    tables = [[[c.text.replace("\n", "") for c in row.cells] for row in t.rows] for t in doc.tables]
    return paragraphs, tables


def node_rows(tables: list[list[list[str]]]) -> list[list[str]]:
    """The node-detail attachment's header and rows, joined from its page-sized parts."""
    parts = [t for t in tables if t[0] == ["单位", "项目", "节点", "节点目标", "计划完成", "实际完成", "完成情况"]]
    return parts[0][:1] + [row for part in parts for row in part[1:]]


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "督查通报-第05期.docx"
    write_briefing(briefing_input(), path)
    return path


def test_formatting_helpers() -> None:
    assert pct(0.85234) == "85.2%"
    assert pct(0.8525) == "85.3%"
    assert pct(1.0) == "100.0%"
    assert pct(None) == "—"
    assert str(point_change(0.852, 0.82)) == "3.2"
    assert point_change(0.5, None) is None


def test_header_and_overall(written: Path) -> None:
    paragraphs, _ = read(written)
    text = "\n".join(paragraphs)
    assert paragraphs[0] == "测试县百日攻坚行动指挥部办公室"
    assert paragraphs[1] == "第5期"
    assert paragraphs[2] == "测攻坚办〔2020〕5号\t2020年11月9日"
    assert "关于百日攻坚第5期擂台赛情况的通报" in text
    # 49/57 = 85.96% ; 45/55 = 81.82% → 86.0 − 81.8 = +4.2 points
    assert "应完成节点57个，已完成49个，节点完成率86.0%，较上期提高4.2个百分点" in text
    assert "主要经济指标100.0%（8/8）" in text and "重要民生实事暂无到期节点" in text
    assert "其中主要经济指标板块完成率最高，重点区块征迁板块相对滞后" in text
    assert "亮绿灯3个、亮红灯4个，红灯项目较上期减少1个" in text
    assert "从各期看" not in text  # two periods of history are not a trend yet
    assert "县交通局未报送（见附件2）" in text
    assert "数据问题1条，请相关单位对照核实修改（见附件3）" in text  # the lock-file info is not a problem for units
    # never a raw fraction in the text
    assert not re.search(r"(?<![\d.])0\.\d{2,}", text)
    assert "一、总体情况" in paragraphs and "二、擂台赛排名" in paragraphs


def test_leaderboard_tables_in_rank_order(written: Path) -> None:
    paragraphs, tables = read(written)
    town, dept = tables[0], tables[1]
    assert town[0] == ["名次", "单位", "应完成节点", "已完成节点", "节点完成率", "提前完成节点", "名次变化", "亮红灯项目数"]
    assert [row[1] for row in town[1:]] == ["赤城街道", "福溪街道", "始丰街道"]
    assert town[1] == ["1", "赤城街道", "12", "12", "100.0%", "3", "↑2", "0"]
    assert town[2][4:7] == ["90.0%", "1", "↓1"] and town[3][6] == "—"
    assert [row[1] for row in dept[1:]] == ["县经信局", "县交通局", "县自然资源局", "县统计局"]
    assert dept[4][0] == "—" and dept[4][4] == "—"
    assert any("县统计局本期无到期节点，暂不参与排名" in p for p in paragraphs)
    doc = Document(str(written))
    header_row = doc.tables[0].rows[0]._tr
    assert header_row.find(qn("w:trPr")).find(qn("w:tblHeader")) is not None
    assert all(r._tr.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None for r in doc.tables[0].rows)


def test_red_projects_and_escalation(written: Path) -> None:
    text = "\n".join(read(written)[0])
    assert "本期亮红灯项目4个" in text
    item = next(p for p in read(written)[0] if p.startswith("1．玉湖四期征迁"))
    assert "牵头单位：始丰街道" in item and "累计亮红灯3次，已连续3次亮红灯" in item
    assert item.endswith("单位反映：个别农户诉求较高，腾空签约推进缓慢。")
    assert "节点4“玉湖四期征迁第4节点”" in item
    assert "玉湖四期征迁累计亮红灯已达3次，列入指挥部重点督办" in text
    # Every red project is in the table; only the escalated ones are also told in full.
    table = next(t for t in read(written)[1] if t[0][0] == "序号" and t[0][1] == "项目名称")
    assert [row[1] for row in table[1:]][0] == "玉湖四期征迁【重点督办】"
    chengqian = next(row for row in table[1:] if row[1].startswith("城前公路"))
    assert chengqian[2:5] == ["县交通局", "5.城前公路改造提升第5节点", "2/1"]
    assert all(row[5] for row in table[1:]) and "—" not in [row[5] for row in table[1:]]  # reasons or 未说明原因
    assert "城前公路改造提升（牵头单位：县交通局）" not in text
    assert "天瑞路综合供能服务项目征迁由红灯转为绿灯" in text


def test_yellow_cards_only_at_evaluation(tmp_path: Path, written: Path) -> None:
    text = "\n".join(read(written)[0])
    assert "四、黄牌警示" in text
    assert "始丰街道，节点完成率72.7%，在乡镇（街道）中排第3名" in text
    assert "县自然资源局，节点完成率" in text and "在县级部门中排第" in text
    plain = tmp_path / "plain.docx"
    write_briefing(briefing_input(evaluation=False), plain)
    text = "\n".join(read(plain)[0])
    assert "黄牌" not in text
    assert "四、典型与后进" in text
    assert "始丰街道（完成率72.7%，组内第3名）" in text


def test_examples_closing_and_attachments(written: Path) -> None:
    paragraphs, tables = read(written)
    text = "\n".join(paragraphs)
    assert "赤城街道、县经信局到期节点全部完成" in text
    # 福溪街道 fell a place (warned below), so it is not also praised for its node done ahead
    assert "赤城街道3个、县经信局1个，共提前完成节点4个" in text and "福溪街道（下降1位）" in text
    assert "六、预警与督办" in paragraphs and "七、下步要求" in paragraphs and "对亮红灯项目要逐项销号。" in paragraphs
    assert "附件：1．各单位节点完成明细（到期及已完成节点）" in paragraphs
    assert "附件1" in paragraphs and "附件4" in paragraphs
    # after two leaderboards and the red projects; the node detail may come in page-sized parts
    nodes = node_rows(tables)
    missing, problems, overrides = tables[-3:]
    assert nodes[0] == ["单位", "项目", "节点", "节点目标", "计划完成", "实际完成", "完成情况"]
    detail = node_detail()
    assert len(nodes) == 1 + int((detail["done"] | detail["overdue"]).sum()) and nodes[1][0] == "赤城街道"
    assert "未到期" not in {row[6] for row in nodes}  # nodes neither due nor done are left out
    assert "逾期未完成" in {row[6] for row in nodes}
    assert nodes[1][4:] == ["9月22日", "9月20日", "已完成"]
    assert missing[1] == ["1", "县交通局", "县级部门"]
    assert problems[1][1:4] == ["福溪街道", "福溪街道-第05期.xlsx", "进度填报 G7"]
    assert overrides[1][:4] == ["1", "P04 城前公路改造提升", "4", "已完成"]


def test_first_period_without_previous(tmp_path: Path) -> None:
    path = tmp_path / "p1.docx"
    r = results(1, evaluation=False)
    for u in r["units"]:
        u["rank_change"] = None
    write_briefing(
        briefing_input(
            evaluation=False,
            results=r,
            previous=None,
            overrides=[],
            problems=[],
            missing_units=[],
            node_detail=pd.DataFrame(),
        ),
        path,
    )
    paragraphs, tables = read(path)
    text = "\n".join(paragraphs)
    assert "节点完成率86.0%。" in text and "较上期" not in text
    assert "附件" not in text and len(tables) == 3  # two leaderboards and the red projects


def test_page_setup_styles_and_footer(written: Path) -> None:
    doc = Document(str(written))
    section = doc.sections[0]
    for got, mm in (
        (section.page_width, 210),
        (section.page_height, 297),
        (section.top_margin, 37),
        (section.bottom_margin, 35),
        (section.left_margin, 28),
        (section.right_margin, 26),
    ):
        assert abs(got - Mm(mm)) < Mm(0.1)
    fonts = {}
    for style in doc.styles:
        if style.type != 4:  # numbering styles carry no fonts
            rfonts = style.element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
            assert rfonts is not None and rfonts.get(qn("w:eastAsia")), style.name
            fonts[style.name] = rfonts.get(qn("w:eastAsia"))
    assert fonts["Title"] == "方正小标宋简体" and fonts["发文机关"] == "方正小标宋简体"
    assert fonts["正文"] == "仿宋_GB2312" and fonts["Heading 1"] == "黑体" and fonts["Heading 2"] == "楷体_GB2312"
    assert doc.styles["Title"].font.size.pt == 22 and doc.styles["正文"].font.size.pt == 16
    assert doc.styles["正文"].paragraph_format.line_spacing.pt == pytest.approx(28.95, abs=0.05)
    assert all(name in [s.name for s in doc.styles] for name in STYLES.values())
    with zipfile.ZipFile(written) as z:
        settings = z.read("word/settings.xml").decode()
        styles = z.read("word/styles.xml").decode()
        footers = [z.read(n).decode() for n in z.namelist() if n.startswith("word/footer")]
    assert "evenAndOddHeaders" in settings
    assert 'w:eastAsia="zh-CN"' in styles
    assert len(footers) == 2 and all("PAGE" in f and "— " in f for f in footers)
    assert doc.core_properties.author == "测试县百日攻坚行动指挥部办公室"
    assert doc.core_properties.created == dt.datetime(2020, 11, 9, tzinfo=dt.UTC)


def test_reproducible(tmp_path: Path, written: Path) -> None:
    again = tmp_path / "again.docx"
    write_briefing(briefing_input(), again)
    assert written.read_bytes() == again.read_bytes()


def test_template_is_the_generated_one(tmp_path: Path) -> None:
    import runpy

    script = runpy.run_path(str(Path(__file__).parents[1] / "scripts" / "make_report_template.py"))
    assert script["build"]() == bundled_template().read_bytes()


def test_custom_template_and_wording(tmp_path: Path) -> None:
    template = tmp_path / "office" / "通报模板.docx"
    template.parent.mkdir()
    shutil.copy(bundled_template(), template)
    (template.parent / "wording.toml").write_text(
        '[header]\ntitle = "百日攻坚擂台赛第{period}期通报"\n', encoding="utf-8"
    )
    path = tmp_path / "out.docx"
    write_briefing(briefing_input(), path, template)
    assert "百日攻坚擂台赛第5期通报" in read(path)[0]


def test_charts_are_placed(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    png = tmp_path / "c.png"
    fig = plt.figure(figsize=(6, 3))
    fig.savefig(png, dpi=50)
    plt.close(fig)
    path = tmp_path / "charts.docx"
    write_briefing(briefing_input(charts={"category": png, "units_县级部门": png}), path)
    text = "\n".join(read(path)[0])
    assert "图1　各板块节点完成率" in text and "图2　县级部门各单位节点完成率" in text
    assert len(Document(str(path)).inline_shapes) == 2


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_renders_to_pdf_with_cjk_fonts(tmp_path: Path, written: Path) -> None:
    out = tmp_path / "pdf"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(written),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = out / (written.stem + ".pdf")
    assert pdf.exists()
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
        assert 3 <= pages <= 12
    if shutil.which("pdffonts"):
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"CJK|Song|Hei|Kai|Fang|Ming|SimSun", fonts), fonts


def test_tied_yellow_cards_are_explained(tmp_path: Path) -> None:
    r = results()
    # 福溪街道 ties 始丰街道 on every key; with one card per group both get one
    r["units"][1] = {
        **r["units"][1],
        "done": 8,
        "due": 11,
        "rate": 8 / 11,
        "ahead": 0,
        "red_projects": 2,
        "rank": 2,
        "yellow_card": True,
    }
    r["units"][2] = {**r["units"][2], "rank": 2, "ahead": 0}
    settings = make_settings(yellow_cards=((TOWN, 1), (DEPT, 1)))
    path = tmp_path / "tie.docx"
    write_briefing(briefing_input(results=r, settings=settings), path)
    text = "\n".join(read(path)[0])
    assert "以下3个单位节点完成率排名末位" in text
    # tied with each other at the card line (here the last place), which the sentence says
    assert "福溪街道、始丰街道在乡镇（街道）中并列第2名，各项排名指标相同，一并亮黄牌。" in text


def test_large_attachment(tmp_path: Path) -> None:
    detail = pd.concat([node_detail()] * 120, ignore_index=True)  # 4200 node rows
    path = tmp_path / "big.docx"
    write_briefing(briefing_input(node_detail=detail), path)  # its speed is measured in scripts/bench.py
    _, tables = read(path)
    assert len(node_rows(tables)) == 1 + int((detail["done"] | detail["overdue"]).sum())
    assert len([t for t in tables if t[0][0] == "单位"]) > 10  # one part a page, each under its header
    assert not any(re.search(r"(?<![\d.])0\.\d{2,}", cell) for table in tables for row in table for cell in row)


def test_signature_after_the_attachment_list_and_record_at_the_end(written: Path) -> None:
    paragraphs = [p for p in read(written)[0] if p]
    listing = next(i for i, p in enumerate(paragraphs) if p.startswith("附件：1．"))
    first_attachment = paragraphs.index("附件1")
    signature = paragraphs[listing + 4:first_attachment]
    assert signature == ["测试县百日攻坚行动指挥部办公室", "2020年11月9日"]
    assert paragraphs[-2].startswith("抄送：") and paragraphs[-1] == "测试县百日攻坚行动指挥部办公室\t2020年11月9日印发"


def test_a_superseded_duplicate_is_not_called_rejected(tmp_path: Path) -> None:
    r = results()
    r["submissions"] = [{"file": "赤城街道-初稿.xlsx", "unit": "赤城街道", "status": "rejected", "problems": 1},
                        {"file": "说明.txt", "unit": None, "status": "rejected", "problems": 1}]
    problems = [problem("duplicate_submission", file="赤城街道-初稿.xlsx", unit="赤城街道", detail="x"),
                problem("file_not_workbook", file="说明.txt", detail="文本文件")]
    path = tmp_path / "dup.docx"
    write_briefing(briefing_input(results=r, problems=problems), path)
    text = "\n".join(read(path)[0])
    assert "1个单位重复报送，以最后报送的版本为准。" in text
    assert "另有1份报送文件未被采用，原因见附件3。" in text
    assert "退回" not in text


def test_charts_without_content_are_left_out(tmp_path: Path) -> None:
    from leitai.charts.render import render_charts

    r = results(1, evaluation=False)
    charts, _ = render_charts(r, [r], tmp_path / "charts")
    path = tmp_path / "p1.docx"
    write_briefing(briefing_input(evaluation=False, results=r, previous=None, history=[r], charts=charts), path)
    captions = [p for p in read(path)[0] if p.startswith("图")]
    # One period: no trend and no red/green history; the rate charts have due nodes to show.
    assert not any("趋势" in c or "红绿灯" in c for c in captions)
    assert any("各板块节点完成率" in c for c in captions)
    nothing_due = {**r, "overall": {**r["overall"], "due": 0, "done": 0, "rate": None}}
    write_briefing(briefing_input(evaluation=False, results=nothing_due, previous=None, history=[nothing_due],
                                  charts=charts), path)
    assert not [p for p in read(path)[0] if p.startswith("图")]


def test_lights_shaded_groups_merged_and_a_landscape_attachment(written: Path) -> None:
    doc = Document(str(written))
    body = doc.element.body
    xml = body.xml
    assert 'w:fill="FFC7CE"' in xml and 'w:fill="C6EFCE"' in xml  # red and green cells
    assert '<w:vMerge w:val="restart"/>' in xml and "<w:vMerge/>" in xml  # units and projects grouped
    orientations = [(s.orientation, round(s.page_width.mm), round(s.page_height.mm)) for s in doc.sections]
    assert orientations[0][1:] == (210, 297)
    landscape = [o for o in orientations if o[1] > o[2]]
    assert landscape == [(1, 297, 210)]  # the data-problem attachment, turned
    assert orientations[-1][1:] == (210, 297)  # and back to portrait after it


def test_long_merged_runs_stay_readable(tmp_path: Path) -> None:
    detail = pd.concat([node_detail()] * 40, ignore_index=True)  # hundreds of rows of one unit
    path = tmp_path / "merged.docx"
    write_briefing(briefing_input(node_detail=detail), path)
    _, tables = read(path)  # python-docx resolves merges recursively: runs are capped
    assert len(node_rows(tables)) == 1 + int((detail["done"] | detail["overdue"]).sum())


def test_a_group_where_nobody_has_done_anything_is_not_praised(tmp_path: Path) -> None:
    r = results()
    for u in r["units"]:
        if u["group"] == "县级部门" and u["rate"] is not None:
            u["done"], u["rate"] = 0, 0.0
    path = tmp_path / "zero.docx"
    write_briefing(briefing_input(results=r), path)
    text = "\n".join(read(path)[0])
    assert "县级部门各单位到期节点均未完成" in text
    assert "最高，为0.0%" not in text


def test_a_single_attachment_has_no_number(tmp_path: Path) -> None:
    path = tmp_path / "one.docx"
    write_briefing(briefing_input(overrides=[], problems=[], missing_units=[]), path)
    paragraphs = read(path)[0]
    assert "附件：各单位节点完成明细（到期及已完成节点）" in paragraphs
    assert "附件" in paragraphs and "附件1" not in paragraphs


def test_record_is_framed_at_the_foot_of_the_page(written: Path) -> None:
    doc = Document(str(written))
    records = [p for p in doc.paragraphs if p.style.name == "版记"]
    assert len(records) == 2
    for p in records:
        frame = p._p.pPr.find(qn("w:framePr"))
        assert frame is not None and frame.get(qn("w:yAlign")) == "bottom" and frame.get(qn("w:vAnchor")) == "margin"


def test_a_wrapped_cc_line_hangs_under_its_first_word(written: Path) -> None:
    """GB/T 9704 7.4.2: a 抄送 line that wraps goes on under the first word after 抄送：; the 印发
    line keeps the 版记 style's indent."""
    doc = Document(str(written))
    style_left = doc.styles["版记"].paragraph_format.left_indent
    cc = next(p for p in doc.paragraphs if p.text.startswith("抄送："))
    printed = next(p for p in doc.paragraphs if p.text.endswith("印发"))
    assert cc.paragraph_format.first_line_indent == -Pt(14 * 3)
    assert cc.paragraph_format.left_indent == style_left + Pt(14 * 3)
    assert printed.paragraph_format.left_indent is None and printed.paragraph_format.first_line_indent is None


def test_leaderboards_break_their_headers_alike(tmp_path: Path) -> None:
    """A score-ranked campaign: one group's long unit name crowds its table, so its 综合得分 and 名次变化
    headers break; the other group's table breaks them the same way (office review: one document,
    one look)."""
    r = results()
    for n, u in enumerate(r["units"]):
        u["score"] = None if u["rate"] is None else round(u["rate"] * 100 - n, 2)
        u["score_parts"] = {}
    r["units"][4]["unit"] = "县生态环境分局"  # seven characters, in 县级部门
    settings = make_settings(rank_by="score")
    path = tmp_path / "score.docx"
    write_briefing(briefing_input(results=r, settings=settings), path)
    doc = Document(str(path))
    boards = [t for t in doc.tables if t.rows[0].cells[0].text == "名次"]
    assert len(boards) == 2
    for table in boards:
        heads = [c.text for c in table.rows[0].cells]
        assert "综合\n得分" in heads and "名次\n变化" in heads, heads


def test_a_document_is_packed_once_to_the_same_bytes(tmp_path: Path) -> None:
    """docxkit.docx_bytes gives what python-docx's save then fileio.normalized_zip gave, packed once."""
    import io

    from docx import Document as open_document

    from leitai.fileio import normalized_zip
    from leitai.report.docxkit import docx_bytes

    png = tmp_path / "c.png"
    from PIL import Image

    Image.new("RGB", (300, 200), "white").save(png)
    path = tmp_path / "b.docx"
    write_briefing(briefing_input(charts={"category": png}), path)
    doc = open_document(str(path))
    stamp = dt.datetime(2020, 11, 9)
    buffer = io.BytesIO()
    doc.save(buffer)
    assert docx_bytes(doc, stamp) == normalized_zip(buffer.getvalue(), stamp)
    # The picture is stored as it is (a PNG is compressed already); the XML parts are deflated.
    import zipfile

    packed = zipfile.ZipFile(io.BytesIO(docx_bytes(doc, stamp)))
    kinds = {i.filename: i.compress_type for i in packed.infolist()}
    media = [n for n in kinds if n.startswith("word/media/")]
    assert media and all(kinds[n] == zipfile.ZIP_STORED for n in media)
    assert kinds["word/document.xml"] == zipfile.ZIP_DEFLATED
    assert packed.read(media[0]) == png.read_bytes()
