"""What kind of file a unit sent, told from its bytes (and, for other software's formats, its name).

``zip_kind`` names the spreadsheet inside a zip package: an OOXML workbook (.xlsx/.xlsm,
part names with ``/`` or ``\\``, the workbook part wherever ``_rels/.rels`` points), a binary
.xlsb, an OpenDocument spreadsheet (.ods), or something else said in words. ``ole_kind``
does the same for a legacy compound file (.xls, whose stream names are case-insensitive).
``foreign`` names the software behind a format leitai cannot read (WPS's own .et, Apple
Numbers, …) and how to save it as .xlsx. Nothing here parses cells (workbook.py does).
"""

from __future__ import annotations

import re
import zipfile
from typing import Literal

ZipKind = Literal["xlsx", "xlsb", "ods"]

# Other software's own formats, by file name suffix: (what it is, where to save as .xlsx).
FOREIGN: dict[str, tuple[str, str]] = {
    ".et": ("WPS 表格专用格式（.et）", "WPS 表格"),
    ".ett": ("WPS 表格模板（.ett）", "WPS 表格"),
    ".numbers": ("苹果 Numbers 表格（.numbers）", "Numbers（文件→导出为→Excel）"),
    ".uos": ("永中 Office / UOF 表格（.uos）", "永中 Office 或 WPS"),
    ".uof": ("UOF 标准文档（.uof）", "永中 Office 或 WPS"),
    ".fods": ("LibreOffice 平面 XML 表格（.fods）", "LibreOffice Calc"),
    ".gnumeric": ("Gnumeric 表格（.gnumeric）", "Gnumeric"),
    ".sxc": ("OpenOffice 1.x 表格（.sxc）", "LibreOffice Calc"),
    ".wk1": ("Lotus 1-2-3 表格", "Excel 或 LibreOffice Calc"),
    ".wk3": ("Lotus 1-2-3 表格", "Excel 或 LibreOffice Calc"),
    ".wk4": ("Lotus 1-2-3 表格", "Excel 或 LibreOffice Calc"),
    ".123": ("Lotus 1-2-3 表格", "Excel 或 LibreOffice Calc"),
    ".dbf": ("dBase 数据文件（.dbf）", "Excel 或 LibreOffice Calc"),
}

_SMALL = 1 << 20  # a _rels/.rels or mimetype part larger than this is not one a tool wrote
_OFFICE_DOCUMENT = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?Relationship\b[^>]*?Type\s*=\s*["'][^"']*/officeDocument["'][^>]*>""")
_TARGET = re.compile(rb"""\bTarget\s*=\s*["']([^"']*)["']""")


def part_name(name: str) -> str:
    """A zip member's part name with ``/`` separators and no leading slash (some tools write ``\\``)."""
    return name.replace("\\", "/").lstrip("/")


def foreign(name: str) -> tuple[str, str] | None:
    """(what the file is, the software to save it as .xlsx with) for another software's format, else None."""
    dot = name.rfind(".")
    return FOREIGN.get(name[dot:].lower()) if dot >= 0 else None


def zip_kind(archive: zipfile.ZipFile) -> ZipKind | str:
    """"xlsx", "xlsb" or "ods" for a spreadsheet package; else what the zip is, in words for the unit."""
    infos = {part_name(info.filename): info for info in archive.infolist()}
    if "xl/workbook.xml" in infos:
        return "xlsx"
    if "xl/workbook.bin" in infos:
        return "xlsb"
    target = _office_document(archive, infos.get("_rels/.rels"))
    if target is not None and target in infos:
        if target.startswith("word/"):
            return "Word 文档"
        if target.startswith("ppt/"):
            return "PowerPoint 演示文稿"
        return "xlsb" if target.lower().endswith(".bin") else "xlsx"
    if "content.xml" in infos:
        mimetype = _small(archive, infos.get("mimetype")) or b""
        if b"opendocument.text" in mimetype:
            return "ODF 文字文档（.odt）"
        if b"opendocument.presentation" in mimetype:
            return "ODF 演示文稿（.odp）"
        if not mimetype or b"opendocument.spreadsheet" in mimetype:
            return "ods"
        return "ODF 文档"
    if any(n.startswith("Index/") and n.endswith(".iwa") for n in infos):
        return "苹果 Numbers 表格"
    if "word/document.xml" in infos:
        return "Word 文档"
    if any(n.startswith("ppt/") for n in infos):
        return "PowerPoint 演示文稿"
    return "压缩包" if infos else "空压缩包"


def ole_kind(data: bytes) -> str | None:
    """None for a compound file holding a workbook stream (any case); else what it is, in words."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted"
    low = data.lower()  # directory entry names are case-insensitive: Workbook, WORKBOOK, Book
    if "book".encode("utf-16-le") in low:
        return None
    if "worddocument".encode("utf-16-le") in low:
        return "Word 文档（.doc）"
    if "powerpoint document".encode("utf-16-le") in low:
        return "PowerPoint 演示文稿（.ppt）"
    return "其他 Office 文件"


def _office_document(archive: zipfile.ZipFile, rels: zipfile.ZipInfo | None) -> str | None:
    """The part ``_rels/.rels`` names as the package's main document, or None."""
    text = _small(archive, rels)
    if not text:
        return None
    match = _OFFICE_DOCUMENT.search(text)
    found = _TARGET.search(match.group(0)) if match else None
    if found is None:
        return None
    return part_name(found.group(1).decode("utf-8", "replace"))


def _small(archive: zipfile.ZipFile, info: zipfile.ZipInfo | None) -> bytes | None:
    """A small part's bytes (bounded before and while inflating), or None."""
    if info is None or info.file_size > _SMALL:
        return None
    try:
        with archive.open(info) as part:
            return part.read(_SMALL + 1)[:_SMALL]
    except Exception:  # noqa: BLE001 - a broken part: the package is judged without it
        return None
