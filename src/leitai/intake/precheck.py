"""The pre-check of an OOXML workbook, before any parser allocates anything for it.

Every part is read through Python's zipfile, bounded: declared sizes and compression
ratios first, then the bytes actually inflated. DTDs and entities are rejected, and so are
cell references so far out that calamine would allocate a grid it cannot (see workbook.py's
docstring for the measurement: a 1.5 KB sheet with a cell at XFD200000 aborts the
interpreter). Plainly written parts take a fast path; anything unusual gets the full scan.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib

from .formats import part_name

MAX_UNPACKED = 200 * 1024 * 1024  # zip bombs: all parts together, inflated
MAX_RATIO = 100  # inflated/compressed of a part over RATIO_FLOOR: zeros deflate ~1000x, real XML 5-20x
RATIO_FLOOR = 1024 * 1024
MAX_CELLS = 2_000_000  # rows x columns calamine would allocate (32 bytes each: 64 MB)
MAX_COLS = 1_000
MAX_DIMENSION_CELLS = 16_384 * 1_048_576  # a declared <dimension> is only a claim: the whole sheet is allowed


class Unsafe(Exception):
    """A pre-check finding: the problem code and its detail."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


# A start tag of a row or cell (any namespace prefix), attribute values quoted so that a '>'
# inside one cannot end the tag early (measured: calamine still reads r="XFD200000" after foo=">").
_TAG = re.compile(rb"""<(?:[A-Za-z_][\w.-]*:)?(c|row|dimension)((?:\s(?:[^>"']|"[^"]*"|'[^']*')*)?)>""")
_R_ATTR = re.compile(rb"""(?:^|\s)(?:[A-Za-z_][\w.-]*:)?(r|ref)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_A1 = re.compile(rb"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_DTD = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK = 1 << 20
_MAX_TAG = 4 << 20  # a single start tag (or text run) this long is not a spreadsheet


def precheck(archive: zipfile.ZipFile, data: bytes | None = None, *, ods: bool = False) -> bytes | None:
    """Raise ``Unsafe`` unless every part of an OOXML package is safe to hand to calamine.

    Bounds, before anything is inflated: each part's declared size and compression ratio,
    and the declared total. Then every part is inflated (the bytes actually produced are
    counted too) and scanned: a DTD or entity declaration anywhere, a part in UTF-16, or cells
    spanning more than MAX_CELLS (or MAX_COLS columns) reject the file.

    ``data``, the package's own bytes, lets a small part be inflated straight from them
    (``_quick_part``); a part that is not plainly safe there is scanned again in full, in
    1 MB chunks (``_scan_part``). Returns docProps/core.xml's (an .ods: meta.xml's) bytes when they were read.

    ``ods``: an OpenDocument spreadsheet, whose content.xml is always scanned in full for
    the grid calamine would build from its repeated rows and columns (``_OdsExtent``).
    """
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED:
        raise Unsafe("file_too_large", f"解压后 {total // 1024 // 1024} MB")
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Unsafe("file_too_large", f"“{_short(info.filename)}”压缩比异常（{info.file_size // 1024 // 1024} MB"
                                            f" 压缩为 {max(info.compress_size // 1024, 1)} KB）")
    inflated = 0
    core = None
    for info in infos:
        if info.is_dir():
            continue
        if ods and part_name(info.filename) == "content.xml":
            inflated = _scan_part(archive, info, inflated, _OdsExtent())
            continue
        part = _quick_part(data, info) if data is not None else None
        if part is not None and inflated + len(part) <= MAX_UNPACKED and _plainly_safe(part):
            inflated += len(part)
        else:
            inflated = _scan_part(archive, info, inflated)
            part = None
        if part_name(info.filename) in ("docProps/core.xml", "meta.xml"):
            core = part if part is not None else _read_quietly(archive, info)
    return core


def _read_quietly(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    try:
        return archive.read(info)
    except Exception:  # noqa: BLE001 - metadata only: the caller falls back to mtime
        return None


def _quick_part(data: bytes, info: zipfile.ZipInfo) -> bytes | None:
    """A small stored or deflated part inflated from the package bytes, or None if anything is unusual.

    Bounded by the declared size (at most _MAX_TAG); the length and CRC must match what the
    zip declares, as zipfile checks. None sends the part to the full chunked scan.
    """
    if info.file_size > _MAX_TAG or info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED,
                                                                                          zipfile.ZIP_DEFLATED):
        return None
    offset = info.header_offset
    head = data[offset:offset + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    start = offset + 30 + name_len + extra_len
    raw = memoryview(data)[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        return None
    try:
        if info.compress_type == zipfile.ZIP_STORED:
            part = bytes(raw)
        else:
            inflater = zlib.decompressobj(-15)
            part = inflater.decompress(raw, info.file_size + 1)
            if not inflater.eof:
                return None
    except zlib.error:
        return None
    if len(part) != info.file_size or zlib.crc32(part) != info.CRC:
        return None
    return part


# Every row, cell and dimension start tag that is not in the plain form Excel and openpyxl write
# (no namespace prefix; r= (ref= for dimension) first, an A1 reference or a row number).
_ODD = (rb"""<(?:[A-Za-z_][\w.-]*:(?:c|row|dimension)[\s>]"""
        rb"""|c(?! r="[A-Z]{1,3}\d{1,7}")[\s>]"""
        rb"""|row(?! r="\d{1,7}")[\s>]"""
        rb"""|dimension(?! ref="[A-Z]{1,3}\d{1,7}(?::[A-Z]{1,3}\d{1,7})?")[\s>])""")
_ODD_TAG = re.compile(_ODD)
# ... or a plain cell beyond column ZZ (702) or below row 2799, or a dimension with a 3-letter
# column or a 7-digit row. Without any, cells span at most 2799 x 702 < MAX_CELLS, 702 < MAX_COLS.
_ODD_OR_FAR = re.compile(_ODD + rb"""|<c r="(?:[A-Z]{3}|[A-Z]{1,2}(?:\d{5}|[3-9]\d{3}|2[89]\d\d))"""
                         rb"""|<dimension ref="[^"]*(?:[A-Z]{3}|\d{7})""")
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"')
_PLAIN_DIMENSION = re.compile(rb'<dimension ref="([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?"')
_UTF16_HEADS = (b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")


def _plainly_safe(part: bytes) -> bool:
    """True when ``_scan_part`` would surely accept the whole inflated ``part``; False: scan it in full.

    No ``<!`` at all (so no DTD), not UTF-16, every row/cell/dimension tag in the plain form;
    then the extent of *all* cells, empty ones included (a superset of what ``_Extent``
    counts), must be within MAX_CELLS and MAX_COLS, and the dimension within Excel's limits.
    """
    if (b"!" in part and b"<!" in part) or part[:2] in _UTF16_HEADS or len(part) > _MAX_TAG:
        return False
    if b"<c" not in part and b":c" not in part and b"row" not in part and b"dimension" not in part:
        return True  # no row, cell or dimension tag, prefixed or not
    if _ODD_OR_FAR.search(part) is None:
        return True  # plain tags only, all cells within 2799 rows x 702 columns
    if _ODD_TAG.search(part):
        return False
    for match in _PLAIN_DIMENSION.finditer(part):
        for letters, digits in (match.group(1, 2), match.group(3, 4)):
            if letters is not None and (int(digits) > 1_048_576 or _column(letters) > 16_384):
                return False
    cells = _PLAIN_CELL.findall(part)
    if not cells:
        return True
    letters, digits = zip(*cells)
    cols = [_column(x) for x in set(letters)]
    rows = [int(x) for x in set(digits)]
    height, width = max(rows) - min(rows) + 1, max(cols) - min(cols) + 1
    return width <= MAX_COLS and height * width <= MAX_CELLS


@functools.lru_cache(maxsize=4096)
def _column(letters: bytes) -> int:
    col = 0
    for letter in letters.upper():
        col = col * 26 + letter - 64
    return col


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, inflated: int,
               grid: _Extent | _OdsExtent | None = None) -> int:
    grid = grid or _Extent()
    carry, first = b"", True
    with archive.open(info) as part:
        while True:
            chunk = part.read(_CHUNK)
            inflated += len(chunk)
            if inflated > MAX_UNPACKED:
                raise Unsafe("file_too_large", f"解压后超过 {MAX_UNPACKED // 1024 // 1024} MB")
            if first:
                first = False
                if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or chunk[:2] in (b"<\x00", b"\x00<"):
                    if not _is_binary_name(info.filename):
                        raise Unsafe("file_unsafe", f"“{_short(info.filename)}”使用 UTF-16 编码")
            buffer = carry + chunk
            end = len(buffer) if not chunk else buffer.rfind(b"<")
            if end < 0:  # no tag start in this chunk (a long text run): keep a bounded tail
                end = max(len(buffer) - 16, 0)
            done, carry = buffer[:end], buffer[end:]
            if len(carry) > _MAX_TAG:
                raise Unsafe("file_unsafe", f"“{_short(info.filename)}”含有超长标记")
            if _DTD.search(done):
                raise Unsafe("file_unsafe", "含有 DTD 或实体声明（<!DOCTYPE>/<!ENTITY>）")
            grid.scan(done, info.filename)
            if not chunk:
                return inflated


class _Extent:
    """The rows and columns calamine would allocate for one sheet part, scanned in pieces.

    Measured on calamine 0.9.1: only cells with content count (``<c .../>`` and rows without
    cells do not); a cell without ``r`` is one column right of the previous one, on its row;
    a row without ``r`` is one below the previous one.
    """

    def __init__(self) -> None:
        self.row = 0
        self.col = 0
        self.rows: list[int] = []  # min, max
        self.cols: list[int] = []

    def scan(self, text: bytes, name: str) -> None:
        for match in _TAG.finditer(text):
            tag, attrs = match.group(1), match.group(2)
            empty = attrs.rstrip().endswith(b"/")
            ref = _attribute(attrs)
            if tag == b"dimension":
                if ref is not None:
                    for corner in ref.split(b":")[:2]:
                        row, col = _a1(corner, name)
                        if row > 1_048_576 or col > 16_384:
                            raise Unsafe("file_too_large", f"工作表范围“{_text(ref)}”超出 Excel 上限")
                continue
            if tag == b"row":
                self.row = int(ref) if ref is not None and ref.isdigit() else self.row + 1
                if ref is not None and not ref.isdigit():
                    raise Unsafe("file_unsafe", f"行号“{_text(ref)}”无法识别")
                self.col = 0
                continue
            if ref is not None:
                row, col = _a1(ref, name)
            else:
                row, col = self.row or 1, self.col + 1
            self.col = col
            if empty:
                continue
            self._add(row, col, name)

    def _add(self, row: int, col: int, name: str) -> None:
        self.rows = [min(self.rows[0], row), max(self.rows[1], row)] if self.rows else [row, row]
        self.cols = [min(self.cols[0], col), max(self.cols[1], col)] if self.cols else [col, col]
        height, width = self.rows[1] - self.rows[0] + 1, self.cols[1] - self.cols[0] + 1
        if width > MAX_COLS or height * width > MAX_CELLS:
            raise Unsafe("file_too_large", f"“{_short(name)}”的单元格分布过广（第 {row} 行第 {col} 列）")


_ODS_TAG = re.compile(rb"""<(/?)(?:[A-Za-z_][\w.-]*:)?(table|table-row|table-cell|covered-table-cell)(?=[\s/>])"""
                      rb"""((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_ODS_REPEAT = re.compile(rb"""(?:^|\s)(?:[A-Za-z_][\w.-]*:)?number-(rows|columns)-repeated\s*=\s*["']\s*(\d{1,12})""")
_ODS_VALUE = re.compile(rb"""(?:^|\s)(?:[A-Za-z_][\w.-]*:)?value-type\s*=""")


class _OdsExtent(_Extent):
    """The grid calamine would build for an .ods sheet, from content.xml scanned in pieces.

    Measured on calamine 0.9.1: repeated rows and columns are expanded (a row of 1,000 cells
    repeated 1,000,000 times asks for 10^9 cells), empty cells between filled ones count,
    trailing empty cells and rows do not. Here a cell counts when it has a value type or any
    content (a superset), and each table's extent is bounded like an OOXML sheet's.
    """

    def __init__(self) -> None:
        super().__init__()
        self.row_repeat = 1
        self.in_row = False

    def scan(self, text: bytes, name: str) -> None:
        for match in _ODS_TAG.finditer(text):
            closing, tag, attrs = match.group(1), match.group(2), match.group(3)
            empty = attrs.rstrip().endswith(b"/")
            if tag == b"table":
                if self.in_row:
                    raise Unsafe("file_unsafe", f"“{_short(name)}”的单元格中嵌有表格")
                if not closing:
                    self.row, self.col, self.rows, self.cols = 0, 0, [], []
                continue
            repeat = _repeat(attrs, b"rows" if tag == b"table-row" else b"columns")
            if tag == b"table-row":
                if closing:
                    self.row += self.row_repeat
                    self.in_row = False
                elif empty:
                    self.row += repeat
                else:
                    self.row_repeat, self.col, self.in_row = repeat, 0, True
                continue
            if closing:
                continue
            first = self.col + 1
            self.col += repeat
            if not empty or _ODS_VALUE.search(attrs):
                top = self.row + 1
                self._add(top, first, name)
                self._add(top + (self.row_repeat if self.in_row else 1) - 1, self.col, name)


def _repeat(attrs: bytes, which: bytes) -> int:
    for kind, digits in _ODS_REPEAT.findall(attrs):
        if kind == which:
            return max(int(digits), 1)
    return 1


def _attribute(attrs: bytes) -> bytes | None:
    match = _R_ATTR.search(attrs)
    if match is None:
        return None
    value = match.group(2) if match.group(2) is not None else match.group(3)
    return value.strip()


def _a1(ref: bytes, name: str) -> tuple[int, int]:
    """(row, column), 1-based, of an A1 reference; ``Unsafe`` if it is not one (entities, junk)."""
    match = _A1.fullmatch(ref.strip())
    if match is None:
        raise Unsafe("file_unsafe", f"“{_short(name)}”中的单元格地址“{_text(ref)}”无法识别")
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + letter - 64
    return int(match.group(2)), col


def _text(raw: bytes) -> str:
    return raw[:40].decode("utf-8", "replace")


def _short(name: str) -> str:
    return name[-60:]


def _is_binary_name(name: str) -> bool:
    return name.lower().endswith((".bin", ".png", ".jpg", ".jpeg", ".gif", ".emf", ".wmf", ".bmp", ".tif", ".tiff"))
