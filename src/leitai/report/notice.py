"""督办单 (and the lower rungs of the ladder, such as 提醒单): one page per escalated red project.

``notice_content`` decides what a notice says (pure: data in, a ``Notice`` out);
``write_notice`` lays it out in the briefing template's look (its styles: 标题, 文号, 正文, 表题,
the table style, 落款) on one A4 page: number, addressee (the lead unit), the project, its
overdue nodes with their dates, red count and streak, what is required and by when, and a
回执 to cut off and send back. Wording in reports/督办与催报.toml ``[notice]``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Mm, Pt

from ..campaign.plan import Settings
from ..errors import OutputError
from ..fileio import atomic_write_bytes
from .briefing import STYLES, bundled_template
from .docxkit import Paragraphs, clean, clear_body, cn_date, docx_bytes, has_style, table_xml
from .pagefit import TEXT_WIDTH_PT, em

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
REPLY_ROW_MM = 8.5
MAX_ROWS = 7  # overdue-node rows that fit on the page with everything else
BODY_LINE_PT = 24  # the briefing's body is 28.95 pt (22 lines a page)
TOP_MM, BOTTOM_MM = 22, 20  # a form on one page; left and right margins stay the template's
SEAL_WIDTH_EM = (TEXT_WIDTH_PT - 32) / 16  # 落款: 3号 text, 2 em right indent


@dataclass(frozen=True)
class Notice:
    """One notice, as data: every text and table cell it shows."""

    kind: str  # the rung's document name, e.g. 督办单
    title: str
    number: str
    date: str
    addressee: str
    body: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    requirement: str
    issuer: str
    cut_line: str
    reply_rows: tuple[tuple[str, str], ...]
    reply_tall: tuple[int, ...]  # 1-based rows of the 回执 given room to write in
    reply_seal: str
    file_name: str


def safe_name(text: str) -> str:
    """Text usable in a file name on Windows and Linux."""
    return _UNSAFE.sub("_", text).strip(" .") or "_"


def notice_content(
    item: Mapping[str, Any],
    settings: Settings,
    period: int,
    cutoff: dt.date,
    nodes: Mapping[tuple[str, int], tuple[str, Any]],
    texts: Mapping[str, Mapping[str, Any]],
    preview: bool = False,
    issued: dt.date | None = None,
) -> Notice:
    """The notice for one escalation (``lookahead.escalations`` item).

    ``nodes`` maps (project id, seq) to (target, due date) for the overdue nodes' rows. A
    ``preview`` (a run before the cutoff) is titled as one and has no number. ``issued``: its date,
    the briefing's (``lookahead.issue_date``; None: the cutoff); the reply is due ``reply_days`` after it.
    """
    w = texts["notice"]
    info = settings.campaign
    kind = str(item["kind"])
    issued = issued or cutoff
    deadline = issued + dt.timedelta(days=settings.supervision.reply_days)
    fields = {"short_name": info.short_name, "issuer": info.issuer, "period": period, "cutoff": cn_date(cutoff),
              "year": cutoff.year, "n": f"{item['number']:02d}", "unit": item["unit"], "name": item["name"],
              "project_id": item["project_id"], "kind": kind, "kind_verb": kind[:-1] if kind.endswith("单") else kind,
              "red_count": item["red_count"], "deadline": cn_date(deadline),
              "overdue_count": len(item["overdue_nodes"])}

    def t(key: str, **extra: Any) -> str:
        return clean(str(w[key]).format(**{**fields, **extra}))

    streak = t("streak", streak=item["red_streak"]) if item["red_streak"] > 1 else ""
    number = t("preview_number") if preview else t("number")
    rows = []
    overdue = list(item["overdue_nodes"])
    shown = overdue if len(overdue) <= MAX_ROWS else overdue[: MAX_ROWS - 1]
    for seq in shown:
        target, due = nodes.get((str(item["project_id"]), int(seq)), ("", None))
        late = (cutoff - _day(due)).days if due is not None else None
        rows.append((str(seq), clean(target), cn_date(due), "" if late is None else f"{late}天"))
    if len(shown) < len(overdue):  # one page: the rest are named in the briefing's node detail
        rows.append(("……", t("more_rows", more=len(overdue) - len(shown)), "", ""))
    return Notice(
        kind=kind, title=t("preview_title", title=t("title")) if preview else t("title"), number=number, date=cn_date(issued), addressee=t("addressee"),
        body=t("body", streak=streak, action=t("action"), name=nested_quotes(str(item["name"]))),
        headers=tuple(str(h) for h in w["table_headers"]), rows=tuple(rows), requirement=t("requirement"),
        issuer=info.issuer, cut_line=t("cut_line"),
        reply_rows=tuple((str(label), t("reply_subject", number_plain=number.split("：")[-1]) if i == 0 else "")
                         for i, label in enumerate(w["reply_rows"])),
        reply_seal=t("reply_seal"), reply_tall=tuple(int(n) for n in w.get("reply_tall", ())),
        file_name=f"{kind}-{item['number']:02d}-{safe_name(str(item['project_id']))}-{safe_name(str(item['unit']))}.docx",
    )


def nested_quotes(text: str) -> str:
    """Double quotes inside a quoted name become single ones (“‘污水零直排区’建设”, not ““…”建设”)."""
    return text.replace("“", "‘").replace("”", "’")


def seal_lines(text: str, width_em: float = SEAL_WIDTH_EM) -> list[str]:
    """The 回执's closing line, or two when it would not fit one: the date's blanks (年  月  日, the
    part after the last wide gap) on a line of their own rather than broken as 年 / 月  日.

    Spaces are the ascii font's (Times New Roman: a quarter em), not the half em ``em`` counts."""
    if em(text) - 0.25 * text.count(" ") <= width_em:
        return [text]
    head, gap, tail = text.rpartition("    ")
    if not gap or not head.strip():
        return [text]
    return [head.rstrip(), tail.strip()]


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def write_notice(notice: Notice, path: Path, template: Path | None, stamp: dt.datetime) -> None:
    """Lay ``notice`` out on one page of the template's look and write it atomically."""
    NoticeWriter(template).write(notice, path, stamp)


class NoticeWriter:
    """Writes 督办单 one after another on one page each: the template is opened and checked once
    (reopening it per notice was a third of the time), its body cleared for each."""

    def __init__(self, template: Path | None) -> None:
        template = Path(template) if template is not None else bundled_template()
        try:
            doc = Document(str(template))
        except Exception as exc:  # the office's template: unusable is a failure with its name
            raise OutputError(f"通报模板 {template.name} 无法打开（{exc}），请用 Word 另存为 .docx") from None
        missing = [name for name in STYLES.values() if not has_style(doc, name)]
        if missing:
            raise OutputError(f"通报模板 {template.name} 缺少样式：{'、'.join(missing)}")
        self.doc = doc
        self.ids = {key: doc.styles[name].style_id for key, name in STYLES.items()}
        self.signature = "落款" if has_style(doc, "落款") else STYLES["body"]
        self.paragraphs = Paragraphs(doc, [STYLES["title"], STYLES["number"], STYLES["body"], STYLES["td"],
                                           self.signature])
        self.unchanged: dict[str, bytes] = {}  # the template's parts a notice does not change, serialized once

    def write(self, notice: Notice, path: Path, stamp: dt.datetime) -> None:
        """Lay ``notice`` out and write it atomically."""
        doc, ids, signature = self.doc, self.ids, self.signature
        clear_body(doc)

        def para(text: str, style: str, indent: bool = True) -> Any:
            paragraph = self.paragraphs.add(clean(text), style)
            if not indent:
                paragraph.paragraph_format.first_line_indent = 0
            if style in (STYLES["body"], signature):  # a little tighter than the briefing, to keep one page
                paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
                paragraph.paragraph_format.line_spacing = Pt(BODY_LINE_PT)
            return paragraph

        def table(element: Any) -> None:
            body = doc.element.body
            body.sectPr.addprevious(element) if body.sectPr is not None else body.append(element)

        section = doc.sections[0]
        section.top_margin, section.bottom_margin = Mm(TOP_MM), Mm(BOTTOM_MM)
        title = para(notice.title, STYLES["title"])
        title.paragraph_format.space_before = 0
        para(f"{notice.number}\t{notice.date}", STYLES["number"])
        para(notice.addressee, STYLES["body"], indent=False)
        para(notice.body, STYLES["body"])
        table(table_xml(ids, notice.headers, notice.rows, [22, 80, 36, 22], left=(1,)))
        para(notice.requirement, STYLES["body"])
        para(notice.issuer, signature)
        para(notice.date, signature)
        cut = para(notice.cut_line, STYLES["td"])
        cut._p.get_or_add_pPr().append(parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:top w:val="dashed" w:sz="6" w:space="4" w:color="808080"/></w:pBdr>'))
        cut.paragraph_format.space_before = Pt(10)
        table(_reply_table(ids, notice.reply_rows, notice.reply_tall))
        for line in seal_lines(notice.reply_seal):
            para(line, signature)

        props = doc.core_properties
        props.title = f"{notice.kind} {notice.number}"
        props.author = props.last_modified_by = notice.issuer
        props.subject = props.keywords = props.comments = props.category = ""
        props.revision = 1
        props.created = props.modified = stamp
        atomic_write_bytes(Path(path), docx_bytes(doc, stamp, self.unchanged))


def _reply_table(ids: Mapping[str, str], rows: Sequence[tuple[str, str]], tall: Sequence[int] = ()) -> Any:
    """The 回执: label and a blank (or prefilled) cell per row, rows tall enough to write in
    (the ``tall`` ones twice as tall)."""
    twips = [int(round(mm * 1440 / 25.4)) for mm in (42, 114)]

    def height(n: int) -> int:
        return int(round(REPLY_ROW_MM * (2 if n in tall else 1) * 1440 / 25.4))

    def cell(text: str, style: str, width: int) -> str:
        return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/><w:vAlign w:val="center"/></w:tcPr>'
                f'<w:p><w:pPr><w:pStyle w:val="{escape(ids[style])}"/></w:pPr>'
                f'<w:r><w:t xml:space="preserve">{escape(clean(text))}</w:t></w:r></w:p></w:tc>')

    body = "".join(
        f'<w:tr><w:trPr><w:cantSplit/><w:trHeight w:val="{height(n)}" w:hRule="atLeast"/></w:trPr>'
        + cell(label, "th", twips[0]) + cell(value, "td_left", twips[1]) + "</w:tr>"
        for n, (label, value) in enumerate(rows, start=1))
    return parse_xml(
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{escape(ids["table"])}"/>'
        f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:tblLayout w:type="fixed"/></w:tblPr><w:tblGrid>'
        + "".join(f'<w:gridCol w:w="{w}"/>' for w in twips) + f"</w:tblGrid>{body}</w:tbl>")
