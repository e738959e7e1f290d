"""Opening what a unit sent: telling a workbook from everything else, and reading its cells.

A file is screened by its name and size before it is read (Office lock files, files still
being copied, empty or oversized files), then recognised by its first bytes, not its
extension: an OOXML zip (.xlsx/.xlsm/.xlsb, password-protected ones included), a legacy
OLE compound file (.xls), or something else (a CSV or web page renamed .xlsx, a PDF…).
Workbooks are opened with calamine from the bytes already read, so the file is read once
and never written. A table is found by its header names on the visible sheets. Alongside the cells come the document's saved time (``dcterms:modified``
in docProps/core.xml) and the template's hidden ``_leitai`` identity.

Before calamine sees an OOXML file, ``precheck`` reads every part through Python's zipfile
(bounded: declared sizes and compression ratios first, then the bytes actually inflated) and
rejects DTDs/entities and cell references far out. Why: calamine (0.9.1, Rust) allocates a
dense grid of (max_row - min_row + 1) x (max_col - min_col + 1) cells of 32 bytes when a sheet
is loaded, from the cell references alone. Measured: a 1.5 KB .xlsx with A1 and XFD200000
makes it ask for 104,857,600,000 bytes and *abort the interpreter* (SIGABRT, "memory
allocation ... failed"; no exception, no try/except helps). A ``<dimension ref="A1:XFD1048576">``
with one cell is harmless (11 MB peak): calamine sizes the grid from the cells, so the
declared dimension is bounded only loosely. Legacy .xls and binary .xlsb cannot be scanned
as cheaply, so they are parsed in a child process with a memory limit (``RLIMIT_AS``;
on Windows the child has no limit but a crash still only loses that file); .xls files are
rare and a child costs ~0.3 s.

What cannot be read raises ``Reject`` carrying the data problem to record; nothing here
decides what a sheet means (intake.py does).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import pickle
import re
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import python_calamine as calamine
from defusedxml import ElementTree

from .normalize import clean_header, clean_text, is_blank
from .problems import Problem, cell_ref, problem

IDENTITY_SHEET = "_leitai"
IDENTITY_KIND = "leitai-progress"
HELP_SHEET = "填报说明"  # the template's instructions sheet

MAX_BYTES = 50 * 1024 * 1024      # a progress sheet is a few dozen KB
MAX_UNPACKED = 200 * 1024 * 1024  # zip bombs: all parts together, inflated
MAX_RATIO = 100  # inflated/compressed of a part over RATIO_FLOOR: zeros deflate ~1000x, real XML 5-20x
RATIO_FLOOR = 1024 * 1024
MAX_CELLS = 2_000_000  # rows x columns calamine would allocate (32 bytes each: 64 MB)
MAX_COLS = 1_000
MAX_DIMENSION_CELLS = 16_384 * 1_048_576  # a declared <dimension> is only a claim: the whole sheet is allowed
CHILD_MEMORY = 1024 * 1024 * 1024  # address space of the child that parses .xls/.xlsb
CHILD_SECONDS = 60
MAX_ROWS = 20_000
HEADER_SCAN_ROWS = 30  # a table's header row is looked for this far down
FRESH_SECONDS = 10  # a broken file this young is probably still being copied
LOCK_PREFIXES = ("~$", ".~lock.")  # Excel/WPS owner files; LibreOffice lock files
PARTIAL_SUFFIXES = (".part", ".crdownload", ".download", ".tmp")
# Documents that are plainly not progress sheets (notes, briefings, scans): skipped, not rejected.
OTHER_DOCUMENTS = {".txt", ".md", ".doc", ".docx", ".wps", ".pdf", ".ofd", ".png", ".jpg", ".jpeg", ".gif",
                   ".bmp", ".tif", ".tiff", ".ppt", ".pptx", ".zip", ".rar", ".7z", ".json", ".ini", ".db", ".lnk"}

_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or the end record of an empty zip
_OLE = bytes.fromhex("D0CF11E0A1B11AE1")

Disposition = Literal["rejected", "skipped"]


class Reject(Exception):
    """The file is rejected (or skipped) as a whole; carries the problem to record."""

    def __init__(self, problem_: Problem, status: Disposition = "rejected") -> None:
        super().__init__(problem_.message)
        self.problem, self.status = problem_, status


@dataclass
class Book:
    """An open workbook: calamine's handle, its visible worksheets in order, its ``_leitai`` identity."""

    workbook: Any  # calamine.CalamineWorkbook, or a _BookCopy from the child process
    visible: list[str]
    identity: dict[str, str]  # key -> value from ``_leitai`` (empty unless kind is leitai-progress)
    modified: float | None = None  # docProps/core.xml's dcterms:modified (POSIX seconds), if any
    # calamine parses a whole sheet on every get_sheet_by_name: each sheet is fetched once, and its
    # first rows converted once (_EAGER_ROWS at least, so a small sheet is converted whole).
    _sheets: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _values: dict[str, list[list[Any]]] = field(default_factory=dict, repr=False, compare=False)
    _complete: set[str] = field(default_factory=set, repr=False, compare=False)

    def sheet(self, name: str) -> Any:
        """calamine's sheet ``name``, parsed once."""
        found = self._sheets.get(name)
        if found is None:
            found = self._sheets[name] = self.workbook.get_sheet_by_name(name)
        return found

    def _rows(self, name: str, nrows: int) -> list[list[Any]]:
        values = self._values.get(name)
        if values is None or (len(values) < nrows and name not in self._complete):
            want = max(nrows, _EAGER_ROWS)
            values = self.sheet(name).to_python(skip_empty_area=False, nrows=want)
            if len(values) < want:
                self._complete.add(name)
            self._values[name] = values
        return values[:nrows]

    def rows(self, sheet: str, nrows: int) -> list[list[Any]]:
        """The first ``nrows`` rows of ``sheet`` as values, blank leading rows and columns kept."""
        return [list(r) for r in self._rows(sheet, nrows)]

    def height(self, sheet: str) -> int:
        return int(self.sheet(sheet).height)

    def grid(self, sheet: str, nrows: int, *, header_row: int) -> list[list[Any]]:
        """Up to ``nrows`` rows of ``sheet``, merged cells under ``header_row`` (0-based) filled in."""
        grid = self.rows(sheet, nrows)
        _fill_merged(grid, self.sheet(sheet), below=header_row)
        return grid


_EAGER_ROWS = 200  # rows converted on a sheet's first read: a progress sheet is a few dozen


def is_fresh(mtime: float) -> bool:
    """Modified in the last few seconds (POSIX ``mtime``): perhaps still being written."""
    return time.time() - mtime < FRESH_SECONDS


def screen(path: Path, size: int, mtime: float) -> None:
    """Reject (or skip) a file by its name and size alone, before reading it.

    Lock files and files still being copied are skipped; an empty file that is not new,
    or a file over MAX_BYTES, is rejected.
    """
    name = path.name
    if name.startswith(LOCK_PREFIXES):
        raise Reject(problem("file_lock", file=name), "skipped")
    if path.suffix.lower() in PARTIAL_SUFFIXES or (size == 0 and is_fresh(mtime)):
        raise Reject(problem("file_incomplete", file=name), "skipped")
    if path.suffix.lower() in OTHER_DOCUMENTS:
        raise Reject(problem("file_not_sheet", file=name, detail=path.suffix.lower()), "skipped")
    if size == 0:
        raise Reject(problem("file_unreadable", file=name, detail="文件为空（0 字节）"))
    if size > MAX_BYTES:
        raise Reject(problem("file_too_large", file=name, detail=f"{size / 1024 / 1024:.0f} MB"))


def open_workbook(data: bytes, name: str, *, fresh: bool = False) -> Book:
    """A workbook from a file's bytes, or ``Reject`` saying what the file is instead.

    ``fresh``: the file was just modified, so a broken one is skipped as still being copied.
    """
    def reject(code: str, detail: str = "") -> Reject:
        if fresh and code == "file_unreadable":
            return Reject(problem("file_incomplete", file=name), "skipped")
        return Reject(problem(code, file=name, detail=detail))

    if data[:4] in _ZIP:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = set(archive.namelist())
        except zipfile.BadZipFile:
            raise reject("file_unreadable", detail="文件已损坏（压缩包结构不完整）") from None
        if "EncryptedPackage" in names:
            raise reject("file_encrypted")
        if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
            kind = "Word 文档" if "word/document.xml" in names else (
                "PowerPoint 演示文稿" if any(n.startswith("ppt/") for n in names) else
                "压缩包" if names else "空压缩包")
            raise reject("file_not_workbook", detail=kind)
        try:
            core = precheck(archive, data)
        except _Unsafe as exc:
            raise reject(exc.code, detail=exc.detail) from None
        except Exception as exc:  # noqa: BLE001 - a part that will not inflate: the file is broken
            raise reject("file_unreadable", detail=describe(exc)) from None
        isolate = "xl/workbook.bin" in names
        stamp = _stamp(core)
    elif data[:8] == _OLE:
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise reject("file_encrypted")
        if "Workbook".encode("utf-16-le") not in data and "Book".encode("utf-16-le") not in data:
            raise reject("file_not_workbook", detail="Word 文档或其他 Office 文件")
        isolate, stamp = True, None
    else:
        raise reject("file_not_workbook", detail=sniff(data))
    if isolate:
        outcome = _parse_in_child(data)
        if outcome[0] == "ok":
            outcome[1].modified = stamp
            return outcome[1]
        code, detail = outcome[1], outcome[2]
        raise reject(code, detail=detail)
    try:
        book = _open(data)
        book.modified = stamp
        return book
    except calamine.PasswordError:
        raise reject("file_encrypted") from None
    except Exception as exc:  # noqa: BLE001 - calamine's errors vary by format
        raise reject("file_unreadable", detail=describe(exc)) from None


def _open(data: bytes) -> Book:
    workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    visible, identity = [], {}
    for meta in workbook.sheets_metadata:
        if meta.name == IDENTITY_SHEET:
            identity = _identity(workbook.get_sheet_by_name(meta.name).to_python(nrows=50))
        elif meta.visible == calamine.SheetVisibleEnum.Visible and meta.typ == calamine.SheetTypeEnum.WorkSheet:
            visible.append(meta.name)
    return Book(workbook, visible, identity)


class _Unsafe(Exception):
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


def precheck(archive: zipfile.ZipFile, data: bytes | None = None) -> bytes | None:
    """Raise ``_Unsafe`` unless every part of an OOXML package is safe to hand to calamine.

    Bounds, before anything is inflated: each part's declared size and compression ratio,
    and the declared total. Then every part is inflated (the bytes actually produced are
    counted too) and scanned: a DTD or entity declaration anywhere, a part in UTF-16, or cells
    spanning more than MAX_CELLS (or MAX_COLS columns) reject the file.

    ``data``, the package's own bytes, lets a small part be inflated straight from them
    (``_quick_part``); a part that is not plainly safe there is scanned again in full, in
    1 MB chunks (``_scan_part``). Returns docProps/core.xml's bytes when they were read.
    """
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if total > MAX_UNPACKED:
        raise _Unsafe("file_too_large", f"解压后 {total // 1024 // 1024} MB")
    for info in infos:
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _Unsafe("file_too_large", f"“{_short(info.filename)}”压缩比异常（{info.file_size // 1024 // 1024} MB"
                                            f" 压缩为 {max(info.compress_size // 1024, 1)} KB）")
    inflated = 0
    core = None
    for info in infos:
        if info.is_dir():
            continue
        part = _quick_part(data, info) if data is not None else None
        if part is not None and inflated + len(part) <= MAX_UNPACKED and _plainly_safe(part):
            inflated += len(part)
        else:
            inflated = _scan_part(archive, info, inflated)
            part = None
        if info.filename == "docProps/core.xml":
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


def _scan_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, inflated: int) -> int:
    grid = _Extent()
    carry, first = b"", True
    with archive.open(info) as part:
        while True:
            chunk = part.read(_CHUNK)
            inflated += len(chunk)
            if inflated > MAX_UNPACKED:
                raise _Unsafe("file_too_large", f"解压后超过 {MAX_UNPACKED // 1024 // 1024} MB")
            if first:
                first = False
                if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or chunk[:2] in (b"<\x00", b"\x00<"):
                    if not _is_binary_name(info.filename):
                        raise _Unsafe("file_unsafe", f"“{_short(info.filename)}”使用 UTF-16 编码")
            buffer = carry + chunk
            end = len(buffer) if not chunk else buffer.rfind(b"<")
            if end < 0:  # no tag start in this chunk (a long text run): keep a bounded tail
                end = max(len(buffer) - 16, 0)
            done, carry = buffer[:end], buffer[end:]
            if len(carry) > _MAX_TAG:
                raise _Unsafe("file_unsafe", f"“{_short(info.filename)}”含有超长标记")
            if _DTD.search(done):
                raise _Unsafe("file_unsafe", "含有 DTD 或实体声明（<!DOCTYPE>/<!ENTITY>）")
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
                            raise _Unsafe("file_too_large", f"工作表范围“{_text(ref)}”超出 Excel 上限")
                continue
            if tag == b"row":
                self.row = int(ref) if ref is not None and ref.isdigit() else self.row + 1
                if ref is not None and not ref.isdigit():
                    raise _Unsafe("file_unsafe", f"行号“{_text(ref)}”无法识别")
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
            raise _Unsafe("file_too_large", f"“{_short(name)}”的单元格分布过广（第 {row} 行第 {col} 列）")


def _attribute(attrs: bytes) -> bytes | None:
    match = _R_ATTR.search(attrs)
    if match is None:
        return None
    value = match.group(2) if match.group(2) is not None else match.group(3)
    return value.strip()


def _a1(ref: bytes, name: str) -> tuple[int, int]:
    """(row, column), 1-based, of an A1 reference; ``_Unsafe`` if it is not one (entities, junk)."""
    match = _A1.fullmatch(ref.strip())
    if match is None:
        raise _Unsafe("file_unsafe", f"“{_short(name)}”中的单元格地址“{_text(ref)}”无法识别")
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


# ------------------------------------------------------------------ .xls/.xlsb in a child

class _SheetCopy:
    """What intake reads of one sheet, copied out of the child process (calamine's sheet API)."""

    def __init__(self, rows: list[list[Any]], height: int, merged: list[Any]) -> None:
        self._rows, self.height, self.merged_cell_ranges = rows, height, merged

    def to_python(self, skip_empty_area: bool = False, nrows: int | None = None) -> list[list[Any]]:
        return self._rows if nrows is None else self._rows[:nrows]


class _BookCopy:
    def __init__(self, sheets: dict[str, _SheetCopy]) -> None:
        self._sheets = sheets

    def get_sheet_by_name(self, name: str) -> _SheetCopy:
        return self._sheets[name]


def _parse_in_child(data: bytes) -> tuple[Any, ...]:
    """``("ok", Book)`` or ``("err", code, detail)``: the file parsed by a memory-limited child."""
    command = [sys.executable, "-c", "from leitai.workbook import _child_main; _child_main()"]
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=CHILD_SECONDS, env=env,
                              check=False)
    except subprocess.TimeoutExpired:
        return ("err", "file_too_large", f"读取超过 {CHILD_SECONDS} 秒，结构异常")
    except OSError as exc:
        return ("err", "file_unreadable", describe(exc))
    if done.returncode != 0 or not done.stdout:
        return ("err", "file_too_large", "读取时所需内存超出限制，结构异常")
    try:
        outcome = pickle.loads(done.stdout)  # our own child's output, made from calamine's values
    except Exception as exc:  # noqa: BLE001 - a child that died mid-write
        return ("err", "file_unreadable", describe(exc))
    return tuple(outcome)


def _child_main() -> None:
    """Child process: read a workbook from stdin, write ``("ok", Book)`` or an error, pickled."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))
        resource.setrlimit(resource.RLIMIT_CPU, (CHILD_SECONDS, CHILD_SECONDS))
    except (ImportError, ValueError, OSError):  # Windows: no limits, still isolated
        pass
    data = sys.stdin.buffer.read()
    outcome: tuple[Any, ...]
    try:
        book = _open(data)
        sheets = {}
        for name in book.visible:
            sheet = book.workbook.get_sheet_by_name(name)
            height = int(sheet.height)
            rows = [list(r) for r in sheet.to_python(skip_empty_area=False, nrows=min(height, MAX_ROWS))]
            try:
                merged = list(sheet.merged_cell_ranges or ())
            except Exception:  # noqa: BLE001 - not every format reports merges
                merged = []
            sheets[name] = _SheetCopy(rows, height, merged)
        outcome = ("ok", Book(_BookCopy(sheets), book.visible, book.identity))
    except calamine.PasswordError:
        outcome = ("err", "file_encrypted", "")
    except MemoryError:
        outcome = ("err", "file_too_large", "读取时所需内存超出限制，结构异常")
    except Exception as exc:  # noqa: BLE001 - calamine's errors vary by format
        outcome = ("err", "file_unreadable", describe(exc))
    sys.stdout.buffer.write(pickle.dumps(outcome))
    sys.stdout.flush()


def sniff(data: bytes) -> str:
    """What a file that is not a workbook looks like, in words for the unit."""
    head = data[:1024]
    if head.startswith(b"%PDF"):
        return "PDF 文件"
    if b"<html" in head.lower() or b"<!doctype" in head.lower() or b"<table" in head.lower():
        return "网页（HTML）文件，请用 Excel 另存为 .xlsx"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return "图片"
    if b"\x00" not in head:
        return "文本文件（如 CSV），请用 Excel 另存为 .xlsx"
    return "未知格式"


def _identity(grid: list[list[Any]]) -> dict[str, str]:
    identity = {}
    for row in grid:
        if len(row) >= 2 and not is_blank(row[0]):
            identity[clean_header(row[0]).lower()] = clean_text(row[1])
    return identity if identity.get("kind") == IDENTITY_KIND else {}


def modified(data: bytes) -> float | None:
    """docProps/core.xml's dcterms:modified as POSIX seconds, if the file has one (.xls has not)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _stamp(archive.read("docProps/core.xml"))
    except Exception:  # noqa: BLE001 - no or odd metadata: the caller falls back to mtime
        return None


def _stamp(core: bytes | None) -> float | None:
    """dcterms:modified of a docProps/core.xml part as POSIX seconds, or None."""
    if core is None:
        return None
    try:
        root = ElementTree.fromstring(core)
        node = root.find("{http://purl.org/dc/terms/}modified")
        if node is None or not node.text:
            return None
        stamp = dt.datetime.fromisoformat(node.text.strip().replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
        return stamp.timestamp()
    except Exception:  # noqa: BLE001 - no or odd metadata: the caller falls back to mtime
        return None


def describe(exc: BaseException) -> str:
    """An exception in one short line for a problem record: ``Type: first line``."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:200] if text else type(exc).__name__


def _fill_merged(grid: list[list[Any]], sheet: Any, below: int) -> None:
    """A merged cell's value belongs to every cell it covers (units merge 项目编号 over node rows).

    Only merges starting under the header row count: a header merged over two rows stays one header.
    """
    try:
        merged = sheet.merged_cell_ranges or ()
    except Exception:  # noqa: BLE001 - not every format reports merges; then there is nothing to fill
        merged = ()
    for (r0, c0), (r1, c1) in merged:
        if r0 <= below or r0 >= len(grid) or c0 >= len(grid[r0]):
            continue
        value = grid[r0][c0]
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, min(c1, len(grid[r]) - 1) + 1):
                if is_blank(grid[r][c]):
                    grid[r][c] = value


# ------------------------------------------------------------------------------ tables

@dataclass
class Table:
    """A table found by its headers: the sheet's cells, the header row and the known columns."""

    sheet: str
    grid: list[list[Any]]
    header_row: int  # 0-based
    columns: dict[str, int]  # field -> 0-based column

    def data_rows(self) -> range:
        """The 0-based rows under the header row."""
        return range(self.header_row + 1, len(self.grid))

    def value(self, row: int, name: str) -> Any:
        col = self.columns.get(name)
        if col is None or col >= len(self.grid[row]):
            return None
        return self.grid[row][col]

    def cell(self, row: int, name: str) -> str:
        """The A1 reference of field ``name`` on 0-based ``row`` ('' if the column is absent)."""
        col = self.columns.get(name)
        return "" if col is None else cell_ref(row + 1, col + 1)


def bare(header: Any) -> str:
    """A header's bare name: canonical form without required-marks or a bracketed unit."""
    if type(header) is str and len(header) <= 64:
        return _bare_text(header)
    return _BRACKETED.sub("", clean_header(header).replace("*", ""))


_BRACKETED = re.compile(r"\(.*?\)|\[.*?\]|【.*?】")


@functools.lru_cache(maxsize=16384)
def _bare_text(header: str) -> str:
    return _BRACKETED.sub("", clean_header(header).replace("*", ""))


def header_columns(row: list[Any], known: dict[str, str]) -> dict[str, int]:
    """Field -> 0-based column for the ``known`` headers (bare name -> field) found in ``row``."""
    columns: dict[str, int] = {}
    for col, value in enumerate(row):
        name = known.get(bare(value))
        if name is not None and name not in columns:
            columns[name] = col
    return columns


def find_table(book: Book, known: dict[str, str], required: Sequence[str], file: str) -> Table | None:
    """The first visible sheet with the ``required`` headers in its top rows, or None.

    Raises ``Reject`` (file_too_large) when that sheet has more than MAX_ROWS rows.
    """
    needed = [known[h] for h in required]
    for name in book.visible:
        for index, row in enumerate(book.rows(name, HEADER_SCAN_ROWS)):
            columns = header_columns(row, known)
            if all(n in columns for n in needed):
                height = book.height(name)
                if height > MAX_ROWS:
                    raise Reject(problem("file_too_large", file=file, detail=f"工作表“{name}”有 {height} 行"))
                return Table(name, book.grid(name, MAX_ROWS, header_row=index), index, columns)
    return None


def missing_headers(book: Book, known: dict[str, str], required: Sequence[str]) -> list[str]:
    """The ``required`` headers absent from the visible sheet row that has most of ``known``.

    The template's instructions sheet is not looked at: it names the columns one per row.
    """
    best: set[str] = set()
    for name in book.visible:
        if clean_header(name) == HELP_SHEET:
            continue
        for row in book.rows(name, HEADER_SCAN_ROWS):
            found = set(header_columns(row, known))
            if len(found) > len(best):
                best = found
    return [h for h in required if known[h] not in best]
