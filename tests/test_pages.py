"""Whole outputs of fresh campaigns of other levels and sizes (issue 12): the office's own
words everywhere (docx, charts, poster, workbooks), and pages a reader would accept.

The campaigns (tests/gencampaign.py) are made and run once per module: a 市 campaign of 24
units, a 区 campaign of 6 units with three-colour lights, and a county with a long issuer.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn
from gencampaign import LEVEL_CAMPAIGNS, make_campaign
from PIL import Image

import leitai.charts.figures
import leitai.charts.poster
from leitai.campaign.plan import load_campaign
from leitai.pipeline import RunResult, run_period


def docx_text(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join(parts)


def workbook_text(path: Path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """key -> {'run': RunResult of period 2, 'drawn': every text drawn in its charts and poster}."""
    out: dict[str, dict[str, Any]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LEITAI_CHART_WORKERS", "1")  # draw in this process, so the texts can be seen
        drawn: list[str] = []

        def seeing(original: Any) -> Any:
            def save(fig: Any, path: Path, *args: Any, **kwargs: Any) -> Any:
                from matplotlib.text import Text

                drawn.extend(t.get_text() for t in fig.findobj(Text) if t.get_text())
                return original(fig, path, *args, **kwargs)

            return save

        mp.setattr(leitai.charts.figures, "save_png", seeing(leitai.charts.figures.save_png))
        mp.setattr(leitai.charts.poster, "save_png", seeing(leitai.charts.poster.save_png))
        for key, spec in LEVEL_CAMPAIGNS.items():
            folder = make_campaign(tmp_path_factory.mktemp(f"campaign{len(out)}"), **spec)
            campaign = load_campaign(folder)
            run_period(campaign, 1)
            drawn.clear()
            run: RunResult = run_period(campaign, 2)
            out[key] = {"run": run, "drawn": list(drawn), "campaign": campaign}
    return out


@pytest.mark.parametrize("key, level", [("市", "市"), ("区", "区")])
def test_a_fresh_city_or_district_campaign_never_names_a_county(generated: dict[str, Any], key: str,
                                                                level: str) -> None:
    run: RunResult = generated[key]["run"]
    drawn = "\n".join(generated[key]["drawn"])
    text = docx_text(run.briefing)
    books = "\n".join(workbook_text(p) for p in run.out_dir.glob("*.xlsx"))
    results = json.dumps(run.results, ensure_ascii=False)
    for where, content in (("通报", text), ("图表和海报", drawn), ("工作簿", books), ("results.json", results)):
        assert "县" not in content, where
    assert f"全{level}" in drawn  # the trend legend, the category chart, the poster header
    assert f"抄送：{level}委、{level}人大常委会、{level}政府、{level}政协主要领导" in text


def test_the_county_campaign_names_its_own_level(generated: dict[str, Any]) -> None:
    run: RunResult = generated["长"]["run"]
    assert "全县" in "\n".join(generated["长"]["drawn"])
    assert "抄送：县委、县人大常委会、县政府、县政协主要领导，天台县“通堵点、破难点”百日攻坚行动指挥部成员单位。" in docx_text(
        run.briefing)


# ------------------------------------------------------------------ pages, as LibreOffice renders them


@dataclass(frozen=True)
class Rendered:
    """A briefing rendered to PDF: each page's text (layout mode) and fill (share of the text
    block, from the top, down to its last inked row), and the docx it came from."""

    docx: Path
    texts: list[str]
    fills: list[float]

    def main_pages(self) -> list[int]:
        """Pages of the main text (before the first attachment page), 0-based."""
        first = next((i for i, t in enumerate(self.texts) if re.match(r"\s*附件\s*\d*\s*$", t.strip().splitlines()[0])),
                     len(self.texts))
        return list(range(first))


def render(docx: Path, out: Path) -> Rendered:
    profile = out / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(docx)], check=True, capture_output=True, timeout=300)
    pdf = out / (docx.stem + ".pdf")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                              text=True).stdout).group(1))
    texts = [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True,
                            text=True).stdout for n in range(1, pages + 1)]
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(out / "page")], check=True)
    fills = []
    for png in sorted(out.glob("page-*.pgm")) or sorted(out.glob("page-*.png")):
        image = Image.open(png).convert("L")
        width, height = image.size
        landscape = width > height
        top = int(height * (28 / 210 if landscape else 37 / 297))
        bottom = int(height * (1 - (26 / 210 if landscape else 35 / 297)))
        pixels = image.load()
        inked = [y for y in range(top, bottom) if any(pixels[x, y] < 200 for x in range(width))]
        fills.append(((max(inked) - top) / (bottom - top)) if inked else 0.0)
    return Rendered(docx, texts, fills)


@pytest.fixture(scope="module")
def rendered(generated: dict[str, dict[str, Any]], demo_dir: Path,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    """The demo's period 5 and the generated campaigns' period 2, each rendered once."""
    if not all(shutil.which(tool) for tool in ("soffice", "pdftotext", "pdftoppm", "pdfinfo")):
        pytest.skip("LibreOffice or poppler is not installed")
    docs = {"demo": demo_dir / "第05期" / "督查通报-第05期.docx"}
    docs |= {key: value["run"].briefing for key, value in generated.items()}
    return {key: render(path, tmp_path_factory.mktemp(f"pdf{n}")) for n, (key, path) in enumerate(docs.items())}


CAMPAIGNS = ["demo", *LEVEL_CAMPAIGNS]


def squeeze(text: str) -> str:
    return re.sub(r"[ \t\u3000]+", "", text)


@pytest.mark.parametrize("key", CAMPAIGNS)
def test_the_issuers_line_is_one_line(rendered: dict[str, Rendered], key: str) -> None:
    page = rendered[key]
    issuer = Document(str(page.docx)).paragraphs[0].text
    assert issuer in [squeeze(line) for line in page.texts[0].splitlines()]


@pytest.mark.parametrize("key", CAMPAIGNS)
def test_no_page_of_the_main_text_is_a_third_empty(rendered: dict[str, Rendered], key: str) -> None:
    page = rendered[key]
    main = page.main_pages()
    assert len(main) >= 2
    empty = {n + 1: round(page.fills[n], 2) for n in main[:-1] if page.fills[n] < 2 / 3}
    assert not empty, f"pages more than a third empty: {empty}"


@pytest.mark.parametrize("key", CAMPAIGNS)
def test_table_headers_break_between_words_and_stay_with_their_heading(rendered: dict[str, Rendered],
                                                                       key: str) -> None:
    page = rendered[key]
    checked = 0
    raw = [line.split() for text in page.texts for line in text.splitlines()]
    for table in Document(str(page.docx)).tables:
        # a header breaks only where the layout broke it (at a word): a rendered header line
        # is made of whole parts, nothing else
        parts = {part for cell in table.rows[0].cells for part in cell.text.split("\n")}
        for tokens in raw:
            if sum(1 for token in tokens if token in parts) >= 3:
                assert all(token in parts for token in tokens), f"header line {tokens}: a word is broken"
                checked += 1
    assert checked
    for n, text in enumerate(page.texts):
        for line in text.splitlines():
            if re.match(r"\s*（[一二三四五六七八九十]+）", line) and n in page.main_pages():
                assert "名次" in squeeze(text), f"page {n + 1}: {line.strip()} without its table"


@pytest.mark.parametrize("key", CAMPAIGNS)
def test_attachment_tables_never_leave_a_lone_tail_or_a_blank_merged_cell(rendered: dict[str, Rendered],
                                                                          key: str) -> None:
    page = rendered[key]
    doc = Document(str(page.docx))
    body = doc.element.body
    labels = [n for n, text in enumerate(page.texts) if re.match(r"\s*附件\s*\d*\s*$", text.strip().splitlines()[0])]
    assert labels, "no attachment"
    # the node detail (附件1) is cut into parts, one a page: as many pages as parts
    first, end = labels[0], (labels[1] if len(labels) > 1 else len(page.texts))
    def text(el: Any) -> str:
        return "".join(t.text or "" for t in el.iter(qn("w:t"))) if el.tag == qn("w:p") else ""

    start = next(i for i, el in enumerate(body) if text(el) in ("附件1", "附件"))
    parts = []
    for el in list(body)[start + 1:]:
        if el.tag == qn("w:tbl"):
            parts.append(el)
        elif text(el).startswith("附件"):
            break
    pages = end - first
    if len(labels) == 1:  # the last attachment runs to the 版记 page
        pages = sum(1 for text in page.texts[first:] if "单位" in text)
    assert len(parts) == pages, f"{len(parts)} parts on {pages} pages: a part ran over its page"
    rows = [len(tbl.findall(qn("w:tr"))) - 1 for tbl in parts]
    assert len(parts) == 1 or min(rows) >= 3, rows
    for tbl in parts:  # a part never opens on the continuation of a merged cell
        first_row = tbl.findall(qn("w:tr"))[1]
        assert not [m for m in first_row.iter(qn("w:vMerge")) if m.get(qn("w:val")) != "restart"]


@pytest.mark.parametrize("key", CAMPAIGNS)
def test_the_printed_line_is_one_line_issuer_left_date_right(rendered: dict[str, Rendered], key: str) -> None:
    page = rendered[key]
    last = page.texts[-1].splitlines()
    printed = [line for line in last if "印发" in line]
    assert len(printed) == 1
    line = printed[0].strip()
    assert re.match(r"\S.*\S\s{2,}\d{4}\s?年.*印发$", line), line


@pytest.mark.parametrize("key", CAMPAIGNS)
def test_a_leaderboard_never_opens_at_a_pages_foot(rendered: dict[str, Rendered], key: str) -> None:
    """A table of the main text starts with its header and at least two rows on a page (or all
    its rows): never a header and a lone row at the foot, the rest overleaf."""
    page = rendered[key]
    row = re.compile(r"\s*(\d+|—|-)\s{2,}\S")
    checked = 0
    for n in page.main_pages():
        lines = [line for line in page.texts[n].splitlines() if line.strip()]
        for i, line in enumerate(lines):
            if not ("名次" in line and "单位" in line):
                continue
            body = lines[i + 1:]
            while body and not row.match(body[0]):  # the header's second line
                body = body[1:]
            rows = 0
            while rows < len(body) and row.match(body[rows]):
                rows += 1
            rest = [x for x in body[rows:] if not re.fullmatch(r"\s*—\s*\d+\s*—\s*", x)]
            starts_here = i > 0 or n == page.main_pages()[0]  # a header atop a page may be a repeat
            if starts_here and not rest:
                assert rows >= 2, f"page {n + 1}: a table opens with {rows} row at the foot of the page"
            checked += 1
    assert checked


@pytest.mark.parametrize("key", CAMPAIGNS)
def test_figures_stay_in_their_section(rendered: dict[str, Rendered], key: str) -> None:
    """Each chart sits in the section that speaks of it: the units' rankings under 擂台赛排名, the
    campaign's overall charts under 总体情况 (never pushed into the next section by the layout)."""
    doc = Document(str(rendered[key].docx))
    section, seen = "", []
    for paragraph in doc.paragraphs:
        text = paragraph.text.strip()
        if re.match(r"[一二三四五六七八九十]+、", text):
            section = text
        elif re.match(r"图\d+\u3000", text):
            seen.append((text, section))
    assert seen
    for caption, where in seen:
        expected = "擂台赛排名" if "各单位" in caption else "总体情况"
        assert expected in where, f"{caption} is under {where}"


@pytest.mark.parametrize("key", LEVEL_CAMPAIGNS)
def test_sheets_in_on_time_date_the_briefing_at_the_deadline(generated: dict[str, Any], key: str) -> None:
    """Every sheet arrived on the cutoff day (no 报送截止 days set): no unit is late, and the
    briefing is dated the cutoff day, in its number line and its signature; the day after when
    a unit sent nothing (on the cutoff day its sheet could still have come in on time)."""
    run = generated[key]["run"]
    timeliness = {u["timeliness"] for u in run.results["units"]}
    assert timeliness <= {"on_time", "missing"}
    dated = dt.date.fromisoformat(run.results["cutoff"]) + dt.timedelta(days=1 if "missing" in timeliness else 0)
    said = f"{dated.year}年{dated.month}月{dated.day}日"
    paragraphs = [p.text for p in Document(str(run.briefing)).paragraphs if p.text.strip()]
    assert paragraphs[2].endswith("\t" + said) and said in paragraphs and "迟报" not in "\n".join(paragraphs)


DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def district_notice(folder: Path) -> Path:
    """A 区 review's 提醒单, whose long project name put 截至2026|年5月17日 at a line's end."""
    from builders import write_campaign
    from leitai.report.notice import NoticeWriter, notice_content
    from leitai.report.reminders import load_texts

    settings = load_campaign(write_campaign(folder / "c")).settings
    item = {"kind": "提醒单", "number": 1, "unit": "古城街道", "name": "古城“未来社区”试点暨中小学扩容提质工程及配套基础设施建设项目",
            "project_id": "区07", "red_count": 2, "red_streak": 2, "overdue_nodes": [3]}
    notice = notice_content(item, settings, 6, dt.date(2026, 5, 17), {("区07", 3): ("开工建设", dt.date(2026, 5, 4))},
                            load_texts(), issued=dt.date(2026, 5, 20))
    path = folder / notice.file_name
    NoticeWriter(None).write(notice, path, dt.datetime(2026, 5, 20))
    return path


@pytest.mark.parametrize("period", [2, 5, "区"])
def test_a_notices_dates_are_never_broken_across_lines(demo_dir: Path, tmp_path: Path, period: Any) -> None:
    """LibreOffice broke 2020年10|月4日 (the reply's deadline), 截至2026|年5月17日 (the cutoff, after a
    long project name) and 年  月 | 日 (the 回执's blanks) across lines; every date of every demo
    督办单/提醒单 of the period is now on one line, the blanks too, and each notice is one page (period 2
    has the long unit names: 县生态环境分局; 区 a long project name)."""
    if not all(shutil.which(tool) for tool in ("soffice", "pdftotext", "pdfinfo")):
        pytest.skip("LibreOffice or poppler is not installed")
    if period == "区":
        notices = [district_notice(tmp_path / "notice")]
    else:
        notices = sorted((demo_dir / f"第{period:02d}期" / "督办单").glob("*.docx"))
    assert notices
    subprocess.run(["soffice", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), *map(str, notices)], check=True, capture_output=True, timeout=300)
    for notice in notices:
        pdf = tmp_path / (notice.stem + ".pdf")
        assert "Pages:           1\n" in subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        lines = [squeeze(line) for line in subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                                                          text=True).stdout.splitlines()]
        dates = set(DATE.findall(docx_text(notice)))
        assert len(dates) >= 3, dates  # the notice's own date, the nodes' due dates, the reply's deadline
        for date in dates:
            assert any(date in line for line in lines), (notice.name, date)
        assert any(line.endswith("年月日") for line in lines), notice.name  # the 回执's blanks
