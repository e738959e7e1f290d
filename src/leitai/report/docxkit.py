"""Building blocks for writing a Chinese office document with python-docx.

Formatting (percentages, point changes, Chinese dates and numerals, XML-safe text, a unit's
free text as one sentence) and structure (a table built as one XML element, since
python-docx's ``add_row`` is quadratic; a portrait or landscape section). No wording here:
that is reports/wording.toml's, and the briefing's sections are ``briefing.py``'s.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls

TEXT_WIDTH_MM = 210 - 28 - 26  # column widths of tables are fractions of this
LANDSCAPE_WIDTH_MM = 297 - 37 - 35  # a landscape attachment page keeps the margins, turned
MAX_MERGED_ROWS = 30
CN_DIGITS = "零一二三四五六七八九十"
_BAD_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def pct(rate: float | None, none: str = "—") -> str:
    """A fraction as a percentage with one decimal, half up: 0.85234 -> '85.2%'."""
    return none if rate is None else f"{tenths(rate)}%"


def tenths(rate: float) -> Decimal:
    return (Decimal(str(rate)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def point_change(rate: float | None, previous: float | None) -> Decimal | None:
    """Change in percentage points between the two *shown* percentages (so they add up)."""
    if rate is None or previous is None:
        return None
    return tenths(rate) - tenths(previous)


def cn_date(value: Any, year: bool = True) -> str:
    day = to_date(value)
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日" if year else f"{day.month}月{day.day}日"


def to_date(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10]) if value.strip() else None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals, for 一、 and （一） headings."""
    if n <= 10:
        return CN_DIGITS[n] if n < 10 else "十"
    tens, ones = divmod(n, 10)
    return f"{'' if tens == 1 else CN_DIGITS[tens]}十{CN_DIGITS[ones] if ones else ''}"


def join_names(names: Iterable[str]) -> str:
    return "、".join(names)


def clean(text: Any) -> str:
    """Text safe for XML (units paste control characters from other software)."""
    return _BAD_XML.sub("", "" if text is None else str(text))


def has_style(doc: DocxDocument, name: str) -> bool:
    try:
        doc.styles[name]
    except KeyError:
        return False
    return True


class Paragraphs:
    """Paragraphs added to ``doc`` in its paragraph styles, each style looked up once.

    python-docx's ``add_paragraph(style=...)`` searches every style of the document on each
    call (for the name, or for the default style to compare a style object with), about a
    millisecond a paragraph; this makes the same XML with the ids found once. A style the
    document lacks is a KeyError, as there.
    """

    def __init__(self, doc: DocxDocument, names: Iterable[str]) -> None:
        default = doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self.doc = doc
        self.ids: dict[str, str | None] = {}
        for name in names:
            style = doc.styles[name]
            self.ids[name] = None if style == default else style.style_id  # the default style is not named

    def add(self, text: str, name: str) -> Any:
        paragraph = self.doc.add_paragraph(text)
        paragraph._p.style = self.ids[name]  # what Paragraph.style's setter writes
        return paragraph


def clear_body(doc: DocxDocument) -> None:
    """Remove the template's sample content, keeping the final section properties."""
    body = doc.element.body
    for child in list(body):
        if child is not body.sectPr:
            body.remove(child)


def sentence(text: str, limit: int = 200) -> str:
    """A unit's free text as one sentence: collapsed whitespace, trimmed, ending in 。."""
    # a line break typed inside a cell is not a space in Chinese text
    text = re.sub(r"[ \t\u3000]*[\r\n]+[ \t\u3000]*", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > limit:
        text = text[:limit].rstrip("，,；;、 ") + "……"
    if text and text[-1] not in "。！？…":
        text = text.rstrip("，,；;、.") + "。"
    return text


def table_xml(
    ids: dict[str, str],
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_mm: Sequence[float],
    left: Iterable[int] = (),
    keep_together: int = 16,
    shade: Callable[[int, int, str], str | None] | None = None,
    merge: Iterable[int] = (),
    width_mm: float = TEXT_WIDTH_MM,
    keep_first: int = 0,
) -> Any:
    """A ``w:tbl`` element in the template's table style, built as one XML string (python-docx's
    add_row is quadratic); the header row repeats on every page, rows never split, and
    a table of up to ``keep_together`` rows is kept on one page (keep-with-next), and a longer one
    starts with at least its header and ``keep_first`` + 1 rows on a page. A line break in a text
    (``\n``) is a line break in its cell."""
    scale = width_mm / sum(widths_mm)
    twips = [int(round(w * scale * 1440 / 25.4)) for w in widths_mm]
    left = set(left)

    def cell(text: str, style: str, width: int, keep: bool, fill: str | None = None, vmerge: str = "") -> str:
        props = f'<w:tcW w:w="{width}" w:type="dxa"/>'
        if vmerge:  # cells of a group: the first restarts the merge, the rest continue it empty
            props += '<w:vMerge w:val="restart"/>' if vmerge == "restart" else "<w:vMerge/>"
            text = text if vmerge == "restart" else ""
        if fill:
            props += f'<w:shd w:val="clear" w:color="auto" w:fill="{fill}"/>'
        return (
            f'<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:pPr>'
            f'<w:pStyle w:val="{escape(ids[style])}"/>{"<w:keepNext/>" if keep else ""}</w:pPr>'
            f'<w:r>{"<w:br/>".join(_t(line) for line in clean(text).split(chr(10)))}</w:r></w:p></w:tc>'
        )

    merged = set(merge)
    run = dict.fromkeys(merged, 0)

    def vmerge(n: int, i: int) -> str:
        if i not in merged:
            return ""
        # a group continues while this column and every merged column left of it repeat;
        # runs are capped, as readers such as python-docx resolve merges recursively
        same = n > 0 and all(rows[n][j] == rows[n - 1][j] for j in merged if j <= i)
        run[i] = run[i] + 1 if same and run[i] < MAX_MERGED_ROWS - 1 else 0
        return "continue" if run[i] else "restart"

    small = len(rows) <= keep_together
    head = (
        "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
        + "".join(cell(h, "th", w, True) for h, w in zip(headers, twips))
        + "</w:tr>"
    )
    body = "".join(
        "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
        + "".join(
            cell(v, "td_left" if i in left else "td", w, (small or n < keep_first) and n < len(rows) - 1,
                 shade(n, i, v) if shade else None, vmerge(n, i))
            for i, (v, w) in enumerate(zip(row, twips))
        )
        + "</w:tr>"
        for n, row in enumerate(rows)
    )
    xml = (
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{escape(ids["table"])}"/>'
        f'<w:tblW w:w="{sum(twips)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>'
        + "".join(f'<w:gridCol w:w="{w}"/>' for w in twips)
        + f"</w:tblGrid>{head}{body}</w:tbl>"
    )
    return parse_xml(xml)


def _t(text: str) -> str:
    return f'<w:t xml:space="preserve">{escape(text)}</w:t>'


def new_section(doc: DocxDocument, landscape: bool) -> None:
    """A new page section, portrait or landscape, with the first section's margins turned."""
    first = doc.sections[0]
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    short, long_ = first.page_width, first.page_height
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    margins = (first.top_margin, first.right_margin, first.bottom_margin, first.left_margin)
    if landscape:  # turned a quarter: the binding side (left) becomes the top
        margins = (first.left_margin, first.top_margin, first.right_margin, first.bottom_margin)
    section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = margins


_CHANGING = ("word/document.xml", "docProps/core.xml")  # what one notice changes of its template


def docx_bytes(doc: DocxDocument, stamp: dt.datetime, unchanged: dict[str, bytes] | None = None) -> bytes:
    """The document as ``doc.save`` then ``fileio.normalized_zip`` would give it, the same bytes,
    packed once: python-docx's own writer deflates every part (the pictures too) only for the
    normalizing step to inflate and deflate them again. The members are what python-docx's
    ``OpcPackage.save`` writes (its package writer's steps, done here).

    ``unchanged``: the serialized parts of a template written over and over (the 督办单), kept
    across calls: every part but the body and the core properties is serialized once."""
    from docx.opc.packuri import CONTENT_TYPES_URI, PACKAGE_URI
    from docx.opc.pkgwriter import _ContentTypesItem

    from ..fileio import normalized_package

    package = doc.part.package
    parts = list(package.iter_parts())
    for part in parts:
        part.before_marshal()
    members = {CONTENT_TYPES_URI.membername: _ContentTypesItem.from_parts(parts).blob,
               PACKAGE_URI.rels_uri.membername: package.rels.xml}
    for part in parts:
        name = part.partname.membername
        if unchanged is None or name in _CHANGING:
            members[name] = part.blob
        else:
            members[name] = unchanged.get(name) or unchanged.setdefault(name, part.blob)
        if len(part.rels):
            members[part.partname.rels_uri.membername] = part.rels.xml
    return normalized_package(members, stamp)
