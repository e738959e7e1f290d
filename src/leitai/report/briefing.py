"""The 督查通报: one period's briefing as a Word document (SPEC §7).

``write_briefing(data, path)`` fills a copy of a template .docx (GB/T 9704-2012 page
setup and styles, bundled as reports/briefing.docx) with the period's figures. What is
said is decided by ``narrative.build_content`` (a ``content.BriefingContent``); this
module only lays it out. Content is written by *style name* (``STYLES``), never by
position, so an office can restyle the
template in Word — its own red header, fonts, table look — and point campaign.toml
``[report] template`` at it. Sentences and titles come from reports/wording.toml, which
an office may also override with a wording.toml placed next to its template.

Rates in ``results`` are fractions 0..1; the briefing shows them as percentages with one
decimal ("85.2%") and changes in percentage points ("提高3.2个百分点"). The same input
gives a byte-identical file (document times are the cutoff date).
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.image import Image
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..errors import OutputError
from ..fileio import atomic_write_bytes, report_texts
from .content import Attachment, Block, BriefingContent, BriefingInput, Figure, Paragraph, Table
from .docxkit import (
    LANDSCAPE_WIDTH_MM,
    MAX_MERGED_ROWS,
    TEXT_WIDTH_MM,
    Paragraphs,
    clean,
    clear_body,
    cn_number,
    docx_bytes,
    has_style,
    new_section,
    pct,
    point_change,
    table_xml,
)
from .narrative import build_content
from .pagefit import (
    BODY_PT,
    LANDSCAPE_HEIGHT_PT,
    LINE_PT,
    PT_PER_MM,
    TEXT_HEIGHT_PT,
    TEXT_WIDTH_PT,
    Pager,
    crowded,
    fitted_size,
    lines,
    merged_heights,
    page_chunks,
    paragraph_height,
    row_height,
    table_layout,
)

__all__ = ["STYLES", "BriefingInput", "bundled_template", "load_wording", "pct", "point_change", "write_briefing"]

REPORTS = Path(__file__).resolve().parents[3] / "reports"

# Style names the code fills; a template must define all of them.
STYLES = {
    "issuer": "发文机关",
    "issue": "期号",
    "number": "文号",
    "title": "Title",
    "body": "正文",
    "h1": "Heading 1",
    "h2": "Heading 2",
    "th": "表头",
    "td": "表格文字",
    "td_left": "表格文字（左）",
    "table": "通报表格",
    "table_title": "表题",
    "picture": "图片",
    "caption": "图题",
    "attach_list": "附件说明",
    "attach_title": "附件标题",
}
# Styles used when the template has them (an office's own template may not).
OPTIONAL_STYLES = {"signature": "落款", "record": "版记"}
SHADE = {"red": "FFC7CE", "green": "C6EFCE", "yellow": "FFEB9C"}  # light cells in tables
ISSUER_PT, RECORD_PT = 26.0, 14.0  # the template's 发文机关 and 版记 sizes (reduced to fit one line)
MIN_FIGURE_SCALE = 0.5  # a figure may shrink to half its height to stay on its page
CAPTION_PT = 6 + 28.95 + 6 + 4  # space before the picture, the caption line and after it
KEEP_FIRST_ROWS = 2  # a main-text table never opens at a page's foot with fewer rows than this (orphan control)
TURNED_PT = 100.0  # a waiting figure follows text that has run this far onto the next page


def bundled_template() -> Path:
    return REPORTS / "briefing.docx"


def load_wording(template: Path | None = None) -> dict[str, dict[str, Any]]:
    """reports/wording.toml, overridden key by key by a wording.toml next to ``template``."""
    return report_texts("wording.toml", template)


def write_briefing(data: BriefingInput, path: Path, template: Path | None = None) -> None:
    """Write the briefing .docx to ``path`` atomically; OutputError if the template is unusable."""
    template = Path(template) if template is not None else bundled_template()
    if not template.exists():
        raise OutputError(f"找不到通报模板 {template}：请检查 campaign.toml [report] template")
    try:
        doc = Document(str(template))
    except Exception as exc:  # a broken or non-docx template is the office's file
        raise OutputError(f"通报模板 {template.name} 无法打开（{exc}），请用 Word 另存为 .docx") from None
    missing = [name for name in STYLES.values() if not has_style(doc, name)]
    if missing:
        raise OutputError(
            f"通报模板 {template.name} 缺少样式：{'、'.join(missing)}（样式名不可修改，可修改样式的格式）"
        )
    clear_body(doc)
    content = build_content(data, load_wording(template))
    _Layout(doc, data.charts).write(content)

    cutoff = dt.date.fromisoformat(data.results["cutoff"])
    stamp = dt.datetime.combine(data.issued or cutoff, dt.time())  # the document's own date (成文日期)
    info = data.settings.campaign
    props = doc.core_properties
    props.title = content.title
    props.author = props.last_modified_by = info.issuer
    props.subject = info.short_name
    props.keywords = props.comments = props.category = ""
    props.revision = 1
    props.created = props.modified = stamp
    atomic_write_bytes(Path(path), docx_bytes(doc, stamp))




# ---------------------------------------------------------------------------- layout


class _Layout:
    """Lays a ``BriefingContent`` out in the template's styles; one instance per briefing.

    A ``pagefit.Pager`` follows where each block lands (estimated from the template's
    metrics), so a figure is sized to the space left on its page and an attachment table is
    cut into page-sized parts (see pagefit.py).
    """

    def __init__(self, doc: DocxDocument, charts: dict[str, Path]) -> None:
        self.doc, self.charts = doc, charts
        self.style_ids = {key: doc.styles[name].style_id for key, name in STYLES.items()}
        for key, name in OPTIONAL_STYLES.items():
            if has_style(doc, name):
                self.style_ids[key] = doc.styles[name].style_id
        self.paragraphs = Paragraphs(doc, [STYLES.get(key) or OPTIONAL_STYLES[key] for key in self.style_ids])
        self._section_just_started = False
        self.pager = Pager()
        self.compact_headers: set[tuple[str, ...]] = set()  # headers of tables too crowded for one-line headers

    def para(self, text: str, style: str = "body") -> Any:
        return self.paragraphs.add(clean(text), STYLES.get(style) or OPTIONAL_STYLES[style])

    def text(self, text: str, style: str = "body", keep_with_next: bool = False) -> Any:
        """A paragraph of the main text, followed on the page."""
        paragraph = self.para(text, style)
        if keep_with_next:
            paragraph.paragraph_format.keep_with_next = True
        # line by line, and as the renderer counts them: a line too many at a page's foot would move a
        # paragraph whole (widow control) where the renderer keeps it, and every block after it
        self.pager.lines(lines(text, TEXT_WIDTH_PT, BODY_PT, 2, slack_em=0.0), LINE_PT)
        return paragraph

    def write(self, content: BriefingContent) -> None:
        issuer = self.para(content.issuer, "issuer")
        size = fitted_size(content.issuer, ISSUER_PT)
        if size < ISSUER_PT:  # GB/T 9704 7.2.3: the 发文机关标志 may be set smaller to fit one line
            for run in issuer.runs:
                run.font.size = Pt(size)
        self.para(content.issue, "issue")
        self.para(f"{content.number}\t{content.date}", "number")
        self.para(content.title, "title")
        self.pager.flow(size * 1.3 + 30 + 2 * LINE_PT + 20 + paragraph_height(content.title, 22, 36, 0, extra_pt=28))
        self.text(content.lead)
        self.main_text(content)
        last = None
        # the 附件 list is one block with the signature: never split, nor the signature alone on a page
        self._keep_room(sum(paragraph_height(line) for line in content.attachment_list) + 3 * LINE_PT)
        for line in content.attachment_list:
            last = self.text(line, "attach_list", keep_with_next=True)
        if last is None and self.doc.paragraphs:
            last = self.doc.paragraphs[-1]
        if last is not None:
            last.paragraph_format.keep_with_next = True
        self.signature(content.signature)
        self.attachment_pages(content.attachments)
        self.record(content.record)

    def main_text(self, content: BriefingContent) -> None:
        """The numbered sections. A figure that neither fits the rest of its page nor can be
        shrunk to it waits while the text after it fills the page, and opens the next one; it
        never leaves its section or subsection (a chart of the rankings under 亮灯情况, or one group's
        chart under the next group's heading, would be out of place)."""
        items: list[Block] = []
        for number, section in enumerate(content.sections, start=1):
            items.append(Paragraph(f"{cn_number(number)}、{section.title}", "h1"))
            items += section.blocks
        # tables of one kind (the groups' leaderboards) break their headers alike: all, if one must
        self.compact_headers = {t.headers for t in items if isinstance(t, Table) and crowded(
            t.headers, t.rows, set(t.left) | set(t.merge), (LANDSCAPE_WIDTH_MM if t.wide else TEXT_WIDTH_MM) * PT_PER_MM)}
        waiting: list[Figure] = []
        waiting_page = 0
        for i, block in enumerate(items):
            before_table = i + 1 < len(items) and isinstance(items[i + 1], Table)
            if waiting and isinstance(block, Paragraph) and block.style in ("h1", "h2"):  # its (sub)section ends
                for figure in waiting:
                    self.figure(figure)
                waiting = []
            if isinstance(block, Figure):
                if not waiting and self._figure_size(block) is None:
                    waiting_page = self.pager.page
                if waiting or self._figure_size(block) is None:
                    waiting.append(block)
                else:
                    self.figure(block)
                continue
            heading = isinstance(block, Paragraph) and block.style in ("h1", "h2")
            if heading:  # it keeps with what follows (its style's keep-with-next): modelled, not only set
                self._keep_room(LINE_PT + self._opening(items[i + 1:i + 3]))
            self.block(block, before_table)
            # well into the next page (estimates may run ahead of the renderer by a few rows)
            turned = self.pager.page > waiting_page and self.pager.y >= TURNED_PT
            if waiting and turned and not before_table and not heading:
                for figure in waiting:
                    self.figure(figure)
                waiting = []
        for figure in waiting:
            self.figure(figure)

    def block(self, block: Block, before_table: bool = False) -> None:
        if isinstance(block, Paragraph):
            if before_table:  # a heading and its intro stay with their table
                self._keep_room(paragraph_height(block.text) + (KEEP_FIRST_ROWS + 1) * 24)
            self.text(block.text, block.style, keep_with_next=before_table)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Figure):
            self.figure(block)

    def _opening(self, following: Sequence[Block]) -> float:
        """The least of ``following`` that must stand on the page under a heading: two lines of a
        paragraph (orphan control), or the whole of an intro kept with its table's first rows."""
        if not following or not isinstance(following[0], Paragraph):
            return 2 * LINE_PT if following and isinstance(following[0], Table) else 0.0
        if len(following) > 1 and isinstance(following[1], Table):
            return paragraph_height(following[0].text) + (KEEP_FIRST_ROWS + 1) * 24
        return min(2, lines(following[0].text, TEXT_WIDTH_PT, BODY_PT, 2)) * LINE_PT

    def _keep_room(self, height: float) -> None:
        if self.pager.remaining < height:
            self.pager.new_page()

    def _figure_size(self, figure: Figure, natural: bool = False) -> tuple[float, float] | None:
        """(width mm, height pt) of a chart at 150 mm wide (at most 110 mm tall), shrunk to the
        space left on its page when that is at least half its height; None when it fits
        neither way (or, with ``natural``, its own size)."""
        path = self.charts.get(figure.chart)
        if path is None or not Path(path).exists():
            return (0.0, 0.0)
        image = Image.from_file(str(path))
        ratio = image.px_height / max(image.px_width, 1)
        width_mm = min(150.0, 110.0 / ratio)
        height_pt = width_mm * ratio * PT_PER_MM
        room = self.pager.remaining - CAPTION_PT - LINE_PT  # a line spare
        if height_pt <= room or natural:
            return width_mm, height_pt
        if room >= max(height_pt * MIN_FIGURE_SCALE, 45 * PT_PER_MM):
            return width_mm * room / height_pt, room
        return None

    def figure(self, figure: Figure) -> None:
        path = self.charts.get(figure.chart)
        if path is None or not Path(path).exists():
            return
        size = self._figure_size(figure) or self._figure_size(figure, natural=True)
        assert size is not None
        width_mm, height_pt = size
        self.pager.keep(height_pt + CAPTION_PT)
        self.paragraphs.add("", STYLES["picture"]).add_run().add_picture(
            str(path), width=Mm(width_mm), height=Mm(height_pt / PT_PER_MM))
        self.para(figure.caption, "caption")

    def signature(self, lines: Sequence[str]) -> None:
        """落款: the issuing office and the date, after the attachment list (GB/T 9704 7.3.5)."""
        style = "signature" if "signature" in self.style_ids else "body"
        self.pager.keep(3 * LINE_PT)
        self.para("", style).paragraph_format.keep_with_next = True
        for n, text in enumerate(lines):
            paragraph = self.para(text, style)
            if n < len(lines) - 1:
                paragraph.paragraph_format.keep_with_next = True
            if style == "body":  # a template without 落款: right-align by hand
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                paragraph.paragraph_format.first_line_indent = 0

    def record(self, lines: Sequence[str]) -> None:
        """版记 at the very end: 抄送 and 印发 lines, when the template has the 版记 style. The 印发
        line (机关 left, date right at the style's tab stop) is set smaller if it would wrap."""
        if "record" not in self.style_ids:
            return
        self.para("", "body")
        # The style's frame (anchored to the bottom margin) is repeated on each paragraph:
        # LibreOffice does not take frame properties from a paragraph style, Word does both.
        frame = self.doc.styles[OPTIONAL_STYLES["record"]].element.find(qn("w:pPr") + "/" + qn("w:framePr"))
        for text in lines:
            paragraph = self.para(text, "record")
            label = text[:text.find("：") + 1] if 0 < text.find("：") < 6 and "\t" not in text else ""
            if label:  # 抄送: GB/T 9704 7.4.2, a wrapped line starts under the first word after 抄送：
                hang = Pt(RECORD_PT * len(label))
                paragraph.paragraph_format.left_indent = (paragraph.style.paragraph_format.left_indent or 0) + hang
                paragraph.paragraph_format.first_line_indent = -hang
            if "\t" in text:
                size = fitted_size(text.replace("\t", "\u3000\u3000"), RECORD_PT, TEXT_WIDTH_PT - 2 * RECORD_PT)
                if size < RECORD_PT:
                    for run in paragraph.runs:
                        run.font.size = Pt(size)
            if frame is not None:
                paragraph._p.get_or_add_pPr().insert(1, copy.deepcopy(frame))

    def attachment_pages(self, attachments: Sequence[Attachment]) -> None:
        """Each attachment on a new page; a wide table on landscape pages."""
        turned = False
        for attachment in attachments:
            if attachment.landscape != turned:
                new_section(self.doc, attachment.landscape)
                self._section_just_started = True
                turned = attachment.landscape
            heading = self.para(attachment.label, "attach_title")
            heading.paragraph_format.page_break_before = not self._section_just_started
            self._section_just_started = False
            self.pager.new_page(LANDSCAPE_HEIGHT_PT if attachment.landscape else TEXT_HEIGHT_PT)
            self.pager.flow(2 * LINE_PT + 6)
            self.para(attachment.title, "table_title")
            self.table(attachment.table, paged=True)
        if turned:
            new_section(self.doc, landscape=False)

    def table(self, table: Table, paged: bool = False) -> None:
        """A table in the template's table style (see ``docxkit.table_xml``): columns as wide as
        their header words; in the main text it flows across pages under a repeated header; an
        attachment table is cut into page-sized parts, so no page holds a lone tail of one or
        two rows and a merged cell never continues blank on the next page."""
        width_pt = (LANDSCAPE_WIDTH_MM if table.wide else TEXT_WIDTH_MM) * PT_PER_MM
        flexible = set(table.left) | set(table.merge)
        headers, widths = table_layout(table.headers, table.rows, table.widths, flexible, width_pt,
                                       compact=table.headers in self.compact_headers)
        # in the main text a table taller than estimated would push a figure off its page, so
        # there rows are estimated generously; an attachment's parts keep a margin instead
        factor = 1.15 if paged else 1.45
        header_pt = row_height(["\n".join(h) for h in headers], widths, line_factor=factor)
        if paged and table.merge:  # merged cells measured once per run, as they are drawn
            heights, reopened = merged_heights(table.rows, widths, table.merge, factor, MAX_MERGED_ROWS)
        else:
            heights, reopened = [row_height(row, widths, line_factor=factor) for row in table.rows], 0.0
        fills = table.fills
        if paged:
            parts = page_chunks(heights, self.pager.remaining, self.pager.height, header_pt + reopened)
        else:
            parts = [(0, len(table.rows))]
            # it opens with its header and first rows together (KEEP_FIRST_ROWS), on this page or the next
            if self.pager.remaining < header_pt + sum(heights[:KEEP_FIRST_ROWS]):
                self.pager.new_page()
            self.pager.flow(header_pt)
            for h in heights:
                if self.pager.remaining < h:
                    self.pager.new_page()
                    self.pager.flow(header_pt)
                self.pager.flow(h)
        for n, (start, end) in enumerate(parts):
            if n:
                self._page_break()
                self.pager.new_page()
            if paged:
                self.pager.flow(header_pt + sum(heights[start:end]))
            part_fills = fills[start:end]

            def shade(row: int, i: int, value: str, part_fills: Any = part_fills) -> str | None:
                colour = part_fills[row][i] if part_fills else None
                return SHADE[colour] if colour else None

            element = table_xml(self.style_ids, ["\n".join(h) for h in headers], table.rows[start:end],
                                [w / PT_PER_MM for w in widths], left=table.left, merge=table.merge,
                                shade=shade if fills else None, keep_together=0,
                                keep_first=0 if paged else KEEP_FIRST_ROWS - 1,
                                width_mm=width_pt / PT_PER_MM)
            self._append(element)

    def _page_break(self) -> None:
        """A 1 pt paragraph that starts a new page (the next part of a table goes under it)."""
        paragraph = self.para("", "body")
        fmt = paragraph.paragraph_format
        fmt.page_break_before = True
        fmt.first_line_indent = 0
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing = Pt(1)

    def _append(self, element: Any) -> None:
        body = self.doc.element.body
        if body.sectPr is not None:
            body.sectPr.addprevious(element)
        else:
            body.append(element)
