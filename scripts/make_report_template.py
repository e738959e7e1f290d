"""Make reports/briefing.docx, the bundled template of the 督查通报 (GB/T 9704-2012).

    .venv/bin/python scripts/make_report_template.py [OUT]

The template carries everything visual: page setup, the styles the code fills by name
(see ``STYLE_NAMES`` in leitai.report.briefing), the table style and the page-number footers.
Its body holds one sample paragraph per style so an office opening it in Word sees what
to restyle; leitai clears the body before writing. The output is byte-reproducible.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

from leitai.fileio import atomic_write_bytes, normalized_zip

OUT = Path(__file__).resolve().parents[1] / "reports" / "briefing.docx"

# GB/T 9704-2012 faces, with the fallback Word/WPS use when the first is not installed
XBS, FS, HT, KT, ST = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"
FALLBACK = {XBS: ST, FS: "仿宋", KT: "楷体", HT: "SimHei", ST: "SimSun"}
LATIN = "Times New Roman"
RED = RGBColor(0xFF, 0x00, 0x00)
LINE = Pt(28.95)  # 3号 body at 22 lines per page on a 225 mm text block
TEXT_WIDTH = Mm(210 - 28 - 26)


def set_fonts(rpr_owner, east_asia: str, latin: str | None = None) -> None:
    """Explicit ascii/hAnsi/eastAsia font names (theme font references removed)."""
    rpr = rpr_owner.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for key, value in (
        ("ascii", latin or east_asia),
        ("hAnsi", latin or east_asia),
        ("eastAsia", east_asia),
        ("cs", latin or east_asia),
    ):
        fonts.set(qn(f"w:{key}"), value)


def paragraph_style(
    doc,
    name: str,
    *,
    base: str | None = "Normal",
    font: str = FS,
    latin: str | None = LATIN,
    size: float = 16,
    bold: bool = False,
    color: RGBColor | None = None,
    align=None,
    indent_chars: int = 0,
    line=LINE,
    before: float = 0,
    after: float = 0,
    keep_next: bool = False,
):
    styles = doc.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.hidden = False
    style.quick_style = True
    for child_tag in ("w:rPr", "w:pPr"):  # start clean: no theme fonts, colours, borders
        old = style.element.find(qn(child_tag))
        if old is not None:
            style.element.remove(old)
    if base is not None:
        style.base_style = styles[base]
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color or RGBColor(0, 0, 0)
    set_fonts(style.element, font, latin)
    pf = style.paragraph_format
    pf.alignment = align if align is not None else WD_ALIGN_PARAGRAPH.JUSTIFY
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    if line is None:
        pf.line_spacing = 1.0
    else:
        pf.line_spacing = line  # a Length: exact spacing
    pf.keep_with_next = keep_next
    pf.widow_control = True
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:ind")):
        ppr.remove(old)
    # first-line indent counted in characters so it follows the font size
    ind = parse_xml(
        f'<w:ind {nsdecls("w")} w:firstLineChars="{indent_chars * 100}" '
        f'w:firstLine="{int(indent_chars * size * 20)}" w:leftChars="0" w:left="0" '
        f'w:rightChars="0" w:right="0"/>'
    )
    ppr.append(ind)
    # snap nothing to a document grid: the exact line pitch is the grid
    if ppr.find(qn("w:snapToGrid")) is None:
        ppr.append(parse_xml(f'<w:snapToGrid {nsdecls("w")} w:val="0"/>'))
    _order_ppr(ppr)
    return style


_PPR_ORDER = [
    "pStyle",
    "keepNext",
    "keepLines",
    "pageBreakBefore",
    "framePr",
    "widowControl",
    "numPr",
    "suppressLineNumbers",
    "pBdr",
    "shd",
    "tabs",
    "suppressAutoHyphens",
    "kinsoku",
    "wordWrap",
    "overflowPunct",
    "topLinePunct",
    "autoSpaceDE",
    "autoSpaceDN",
    "bidi",
    "adjustRightInd",
    "snapToGrid",
    "spacing",
    "ind",
    "contextualSpacing",
    "mirrorIndents",
    "suppressOverlap",
    "jc",
    "textDirection",
    "textAlignment",
    "textboxTightWrap",
    "outlineLvl",
    "divId",
    "cnfStyle",
    "rPr",
    "sectPr",
    "pPrChange",
]


def _order_ppr(ppr) -> None:
    """Children of w:pPr in schema order (Word refuses files that break it)."""
    rank = {qn(f"w:{n}"): i for i, n in enumerate(_PPR_ORDER)}
    children = sorted(ppr, key=lambda el: rank.get(el.tag, len(rank)))
    for child in children:
        ppr.remove(child)
        ppr.append(child)


def outline(style, level: int) -> None:
    ppr = style.element.get_or_add_pPr()
    for old in ppr.findall(qn("w:outlineLvl")):
        ppr.remove(old)
    ppr.append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="{level}"/>'))
    _order_ppr(ppr)


def bottom_rule(style, color: str = "FF0000", size_eighths: int = 18) -> None:
    ppr = style.element.get_or_add_pPr()
    ppr.append(
        parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="{size_eighths}" '
            f'w:space="6" w:color="{color}"/></w:pBdr>'
        )
    )
    _order_ppr(ppr)


def fonts_on_every_style(doc) -> None:
    """Explicit East-Asian font names on every style (a linked character style takes its
    paragraph style's faces), so no style falls back to theme fonts in Word or WPS."""
    faces = {}
    for style in doc.styles:
        fonts = style.element.find(qn("w:rPr") + "/" + qn("w:rFonts"))
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            faces[style.style_id] = (fonts.get(qn("w:eastAsia")), fonts.get(qn("w:ascii")))
    for style in doc.styles:
        if style.style_id in faces or style.type == WD_STYLE_TYPE.LIST:
            continue
        link = style.element.find(qn("w:link"))
        based = style.element.find(qn("w:basedOn"))
        source = link if link is not None else based
        east_asia, latin = faces.get(source.get(qn("w:val")) if source is not None else "", (FS, LATIN))
        set_fonts(style.element, east_asia, latin)
        color = style.element.find(qn("w:rPr") + "/" + qn("w:color"))
        if color is not None and color.get(qn("w:themeColor")):
            color.getparent().remove(color)


def doc_defaults(doc) -> None:
    styles = doc.styles.element
    rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    rpr.append(
        parse_xml(f'<w:rFonts {nsdecls("w")} w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{FS}" w:cs="{LATIN}"/>')
    )
    rpr.append(parse_xml(f'<w:kern {nsdecls("w")} w:val="2"/>'))
    rpr.append(parse_xml(f'<w:sz {nsdecls("w")} w:val="32"/>'))
    rpr.append(parse_xml(f'<w:szCs {nsdecls("w")} w:val="32"/>'))
    rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'))
    ppr = styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    for child in list(ppr):
        ppr.remove(child)
    ppr.append(parse_xml(f'<w:spacing {nsdecls("w")} w:after="0" w:line="240" w:lineRule="auto"/>'))


def table_style(doc, name: str) -> None:
    style = doc.styles.add_style(name, WD_STYLE_TYPE.TABLE)
    style.hidden = False
    style.quick_style = True
    el = style.element
    el.append(
        parse_xml(
            f'<w:tblPr {nsdecls("w")}><w:jc w:val="center"/>'
            "<w:tblBorders>"
            + "".join(
                f'<w:{side} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
                for side in ("top", "left", "bottom", "right", "insideH", "insideV")
            )
            + '</w:tblBorders><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
            '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>'
        )
    )
    el.append(parse_xml(f'<w:tcPr {nsdecls("w")}><w:vAlign w:val="center"/></w:tcPr>'))
    # the header row: light grey fill, repeated on every page by the code (w:tblHeader)
    el.append(
        parse_xml(
            f'<w:tblStylePr {nsdecls("w")} w:type="firstRow"><w:rPr><w:b/></w:rPr>'
            '<w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/></w:tcPr></w:tblStylePr>'
        )
    )


def page_number_footer(doc, footer, align, style_name: str) -> None:
    paragraph = footer.paragraphs[0]
    paragraph.style = doc.styles[style_name]
    paragraph.alignment = align
    paragraph.add_run("— ")
    fld = paragraph.add_run()._r
    fld.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>'))
    instr = paragraph.add_run()._r
    instr.append(parse_xml(f'<w:instrText {nsdecls("w")} xml:space="preserve"> PAGE </w:instrText>'))
    sep = paragraph.add_run()._r
    sep.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>'))
    paragraph.add_run("1")
    end = paragraph.add_run()._r
    end.append(parse_xml(f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>'))
    paragraph.add_run(" —")


FONT_TABLE_EXTRA = {
    # name: (fallback name, charset 86 = GB2312, family) — Word and WPS substitute by these
    XBS: (ST, "roman"),
    FS: ("仿宋", "modern"),
    KT: ("楷体", "modern"),
    HT: ("SimHei", "modern"),
    ST: ("SimSun", "auto"),
}


def font_table(doc) -> None:
    for part in doc.part.package.iter_parts():
        if str(part.partname) == "/word/fontTable.xml":
            xml = part.blob.decode("utf-8")
            extra = "".join(
                f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
                f'<w:family w:val="{family}"/><w:pitch w:val="variable"/></w:font>'
                for name, (alt, family) in FONT_TABLE_EXTRA.items()
            )
            part._blob = xml.replace("</w:fonts>", extra + "</w:fonts>").encode("utf-8")


def drop_parts(doc) -> None:
    """Remove python-docx's sample thumbnail and customXml so the template is clean."""
    package = doc.part.package
    for rel_id, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rel_id]
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith(("/customXml", "/stylesWithEffects")):
            del doc.part.rels[rel_id]


def prune_table_styles(doc) -> None:
    """Drop python-docx's hundred sample table styles; an office sees only the one in use."""
    for style in list(doc.styles):
        if style.type == WD_STYLE_TYPE.TABLE and style.name not in ("Normal Table", "Table Grid"):
            style.element.getparent().remove(style.element)


def build() -> bytes:
    doc = Document()
    drop_parts(doc)
    prune_table_styles(doc)
    doc_defaults(doc)
    font_table(doc)
    C, L, R = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT

    # body and headings
    paragraph_style(doc, "Normal", base=None, indent_chars=0, line=LINE)
    paragraph_style(doc, "正文", indent_chars=2)
    paragraph_style(doc, "Title", font=XBS, latin=XBS, size=22, align=C, line=Pt(36), before=14, after=14)
    body = doc.styles["正文"]
    h1 = paragraph_style(doc, "Heading 1", font=HT, latin=HT, indent_chars=2, keep_next=True)
    outline(h1, 0)
    h2 = paragraph_style(doc, "Heading 2", font=KT, latin=KT, indent_chars=2, keep_next=True)
    outline(h2, 1)
    for style in (doc.styles["Title"], h1, h2):
        style.next_paragraph_style = body
    # the red header block (版头)
    paragraph_style(doc, "发文机关", font=XBS, latin=XBS, size=26, color=RED, align=C, line=None, before=24, after=6)
    paragraph_style(doc, "期号", align=C, line=LINE)
    number = paragraph_style(doc, "文号", align=L, line=LINE, after=18)
    number.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
    bottom_rule(number)
    # tables, figures, attachments
    # tables in 五号 (10.5pt) so a leaderboard row and a node row fit on one line
    paragraph_style(doc, "表头", font=HT, latin=HT, size=10.5, align=C, line=None, before=2, after=2)
    paragraph_style(doc, "表格文字", font=FS, size=10.5, align=C, line=None, before=2, after=2)
    paragraph_style(doc, "表格文字（左）", font=FS, size=10.5, align=L, line=None, before=2, after=2)
    paragraph_style(doc, "表题", font=HT, latin=HT, size=14, align=C, line=LINE, keep_next=True, before=6)
    paragraph_style(doc, "图片", align=C, line=None, before=6, keep_next=True)
    paragraph_style(doc, "图题", font=KT, latin=KT, size=14, align=C, line=LINE, after=6)
    paragraph_style(doc, "附件说明", indent_chars=2)
    paragraph_style(doc, "附件标题", font=HT, latin=HT, align=L, keep_next=True)
    signature = paragraph_style(doc, "落款", align=R, line=LINE)
    signature.paragraph_format.right_indent = Pt(32)  # 署名、成文日期右空二字
    # 版记: 抄送 and 印发 lines between black rules, 4号仿宋, at the end of the document
    record = paragraph_style(doc, "版记", size=14, align=L, line=LINE)
    record.paragraph_format.left_indent = Pt(14)
    record.paragraph_format.right_indent = Pt(14)
    record.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH - Pt(28), WD_TAB_ALIGNMENT.RIGHT)
    ppr = record.element.get_or_add_pPr()
    # a frame anchored to the bottom margin: 版记 sits at the foot of the last page (GB/T 9704 7.4)
    ppr.append(parse_xml(
        f'<w:framePr {nsdecls("w")} w:w="{int(TEXT_WIDTH.twips)}" w:wrap="around" w:vAnchor="margin" '
        f'w:hAnchor="margin" w:xAlign="center" w:yAlign="bottom"/>'))
    ppr.append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="6" w:space="4" w:color="000000"/>'
        f'<w:bottom w:val="single" w:sz="6" w:space="4" w:color="000000"/>'
        f'<w:between w:val="single" w:sz="4" w:space="4" w:color="000000"/></w:pBdr>'))
    _order_ppr(ppr)
    footer_style = paragraph_style(doc, "页码", base="Footer", font=ST, latin=ST, size=14, line=None)
    table_style(doc, "通报表格")

    # page setup, A4 portrait, GB/T 9704 margins; odd/even page numbers
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance, section.footer_distance = Mm(15), Mm(25)
    section.gutter = Mm(0)
    doc.settings.odd_and_even_pages_header_footer = True
    page_number_footer(doc, section.footer, R, "页码")
    page_number_footer(doc, section.even_page_footer, L, "页码")
    for footer in (section.footer, section.even_page_footer):
        ind = footer.paragraphs[0].paragraph_format
        # 单页码居右空一字，双页码居左空一字
        ind.right_indent = Pt(14) if footer is section.footer else Pt(0)
        ind.left_indent = Pt(14) if footer is section.even_page_footer else Pt(0)
    assert footer_style is not None
    fonts_on_every_style(doc)

    # settings: Chinese proofing, no compatibility surprises
    settings = doc.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")

    # samples (cleared by leitai before writing)
    doc.add_paragraph("某某县某某行动指挥部办公室", style="发文机关")
    doc.add_paragraph("第1期", style="期号")
    doc.add_paragraph("某攻坚办〔2020〕1号\t2020年9月14日", style="文号")
    doc.add_paragraph("样式示例：标题（2号方正小标宋简体）", style="Title")
    doc.add_paragraph("一、一级标题（3号黑体）", style="Heading 1")
    doc.add_paragraph("（一）二级标题（3号楷体_GB2312）", style="Heading 2")
    doc.add_paragraph(
        "正文（3号仿宋_GB2312，固定行距28.95磅，首行缩进2字符）。在 Word 中修改样式即可"
        "改变通报的版式；代码按样式名称填写内容。",
        style="正文",
    )
    table = doc.add_table(rows=2, cols=3)
    table.style = doc.styles["通报表格"]
    for i, text in enumerate(("名次", "单位", "节点完成率")):
        table.rows[0].cells[i].paragraphs[0].style = doc.styles["表头"]
        table.rows[0].cells[i].paragraphs[0].add_run(text)
    for i, text in enumerate(("1", "某某街道", "100.0%")):
        table.rows[1].cells[i].paragraphs[0].style = doc.styles["表格文字"]
        table.rows[1].cells[i].paragraphs[0].add_run(text)
    doc.add_paragraph("附件：1．各单位节点完成明细", style="附件说明")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("附件1", style="附件标题")
    doc.add_paragraph("表题（4号黑体）", style="表题")

    props = doc.core_properties
    props.title = "督查通报模板"
    props.author = props.last_modified_by = "leitai"
    props.subject = props.keywords = props.comments = props.category = ""
    props.revision = 1
    stamp = dt.datetime(2020, 9, 1)
    props.created = props.modified = stamp
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalized_zip(buffer.getvalue(), stamp)


def main(argv: list[str]) -> None:
    out = Path(argv[1]) if len(argv) > 1 else OUT
    atomic_write_bytes(out, build())
    print(out)


if __name__ == "__main__":
    main(sys.argv)
