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
import io
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.image import Image
from docx.oxml.ns import qn
from docx.shared import Mm

from .content import Attachment, Block, BriefingContent, BriefingInput, Figure, Paragraph, Table
from .docxkit import (
    LANDSCAPE_WIDTH_MM,
    TEXT_WIDTH_MM,
    clean,
    clear_body,
    cn_number,
    has_style,
    new_section,
    pct,
    point_change,
    table_xml,
)
from .errors import OutputError
from .fileio import atomic_write_bytes, normalized_zip
from .narrative import build_content

__all__ = ["STYLES", "BriefingInput", "bundled_template", "load_wording", "pct", "point_change", "write_briefing"]

REPORTS = Path(__file__).resolve().parents[2] / "reports"

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


def bundled_template() -> Path:
    return REPORTS / "briefing.docx"


def load_wording(template: Path | None = None) -> dict[str, dict[str, Any]]:
    """reports/wording.toml, overridden key by key by a wording.toml next to ``template``."""
    wording = tomllib.loads((REPORTS / "wording.toml").read_text(encoding="utf-8"))
    if template is not None:
        local = Path(template).parent / "wording.toml"
        if local.exists() and local.resolve() != (REPORTS / "wording.toml").resolve():
            try:
                extra = tomllib.loads(local.read_text(encoding="utf-8-sig"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise OutputError(f"{local} 格式有误（{exc}），请按 TOML 格式修改") from None
            for section, values in extra.items():
                if isinstance(values, dict):
                    wording.setdefault(section, {}).update(values)
    return wording


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
    stamp = dt.datetime.combine(cutoff, dt.time())
    info = data.settings.campaign
    props = doc.core_properties
    props.title = content.title
    props.author = props.last_modified_by = info.issuer
    props.subject = info.short_name
    props.keywords = props.comments = props.category = ""
    props.revision = 1
    props.created = props.modified = stamp
    buffer = io.BytesIO()
    doc.save(buffer)
    atomic_write_bytes(Path(path), normalized_zip(buffer.getvalue(), stamp))




# ---------------------------------------------------------------------------- layout


class _Layout:
    """Lays a ``BriefingContent`` out in the template's styles; one instance per briefing."""

    def __init__(self, doc: DocxDocument, charts: dict[str, Path]) -> None:
        self.doc, self.charts = doc, charts
        self.style_ids = {key: doc.styles[name].style_id for key, name in STYLES.items()}
        for key, name in OPTIONAL_STYLES.items():
            if has_style(doc, name):
                self.style_ids[key] = doc.styles[name].style_id
        self._section_just_started = False

    def para(self, text: str, style: str = "body") -> Any:
        return self.doc.add_paragraph(clean(text), style=STYLES.get(style) or OPTIONAL_STYLES[style])

    def write(self, content: BriefingContent) -> None:
        self.para(content.issuer, "issuer")
        self.para(content.issue, "issue")
        self.para(f"{content.number}\t{content.date}", "number")
        self.para(content.title, "title")
        self.para(content.lead)
        for number, section in enumerate(content.sections, start=1):
            self.para(f"{cn_number(number)}、{section.title}", "h1")
            for block in section.blocks:
                self.block(block)
        for line in content.attachment_list:
            self.para(line, "attach_list")
        self.signature(content.signature)
        self.attachment_pages(content.attachments)
        self.record(content.record)

    def block(self, block: Block) -> None:
        if isinstance(block, Paragraph):
            self.para(block.text, block.style)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Figure):
            self.figure(block)

    def figure(self, figure: Figure) -> None:
        path = self.charts.get(figure.chart)
        if path is None or not Path(path).exists():
            return
        image = Image.from_file(str(path))
        width, height = Mm(150), Mm(150 * image.px_height / max(image.px_width, 1))
        if height > Mm(110):
            width, height = Mm(110 * image.px_width / max(image.px_height, 1)), Mm(110)
        self.doc.add_paragraph(style=STYLES["picture"]).add_run().add_picture(str(path), width=width, height=height)
        self.para(figure.caption, "caption")

    def signature(self, lines: Sequence[str]) -> None:
        """落款: the issuing office and the date, after the attachment list (GB/T 9704 7.3.5)."""
        style = "signature" if "signature" in self.style_ids else "body"
        self.para("", style)
        for text in lines:
            paragraph = self.para(text, style)
            if style == "body":  # a template without 落款: right-align by hand
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                paragraph.paragraph_format.first_line_indent = 0

    def record(self, lines: Sequence[str]) -> None:
        """版记 at the very end: 抄送 and 印发 lines, when the template has the 版记 style."""
        if "record" not in self.style_ids:
            return
        self.para("", "body")
        # The style's frame (anchored to the bottom margin) is repeated on each paragraph:
        # LibreOffice does not take frame properties from a paragraph style, Word does both.
        frame = self.doc.styles[OPTIONAL_STYLES["record"]].element.find(qn("w:pPr") + "/" + qn("w:framePr"))
        for text in lines:
            paragraph = self.para(text, "record")
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
            self.para(attachment.title, "table_title")
            self.table(attachment.table)
        if turned:
            new_section(self.doc, landscape=False)

    def table(self, table: Table) -> None:
        """A table in the template's table style at the end of the body (see ``docxkit.table_xml``)."""
        fills = table.fills

        def shade(n: int, i: int, value: str) -> str | None:
            colour = fills[n][i] if fills else None
            return SHADE[colour] if colour else None

        element = table_xml(self.style_ids, table.headers, table.rows, table.widths, left=table.left,
                            merge=table.merge, shade=shade if fills else None,
                            width_mm=LANDSCAPE_WIDTH_MM if table.wide else TEXT_WIDTH_MM)
        body = self.doc.element.body
        if body.sectPr is not None:
            body.sectPr.addprevious(element)
        else:
            body.append(element)
