"""Opening what a unit sent: telling a workbook from everything else, and reading its cells.

A file is screened by its name and size before it is read (Office lock files, files still
being copied, empty or oversized files), then recognised by its first bytes, not its
extension: an OOXML zip (.xlsx/.xlsm/.xlsb, password-protected ones included), a legacy
OLE compound file (.xls), or something else (a CSV or web page renamed .xlsx, a PDF…).
Workbooks are opened with calamine from the bytes already read, so the file is read once
and never written. A table is found by its header names on the visible sheets. Alongside the cells come the document's saved time (``dcterms:modified``
in docProps/core.xml) and the template's hidden ``_leitai`` identity.

Before calamine sees an OOXML file, ``precheck`` (precheck.py) reads every part through Python's zipfile
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
decides what a sheet means (folder.py does).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import pickle
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import python_calamine as calamine
from defusedxml import ElementTree

from ..normalize import clean_header, clean_text, is_blank
from ..problems import Problem, cell_ref, problem
from .formats import foreign, ole_kind, part_name, zip_kind
from .precheck import Unsafe, precheck

IDENTITY_SHEET = "_leitai"
IDENTITY_KIND = "leitai-progress"
HELP_SHEET = "填报说明"  # the template's instructions sheet

MAX_BYTES = 50 * 1024 * 1024      # a progress sheet is a few dozen KB
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

    def head(self, sheet: str, nrows: int) -> list[list[Any]]:
        """``rows`` to look at only: the book's own rows, not copies (never change them)."""
        return self._rows(sheet, nrows)

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
        if code == "file_unreadable" and foreign(name) is not None:
            return _not_workbook(name, detail)  # WPS's .et and the like: say which software to save from
        return Reject(problem(code, file=name, detail=detail))

    if data[:4] in _ZIP:
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = {part_name(n) for n in archive.namelist()}
        except zipfile.BadZipFile:
            raise reject("file_unreadable", detail="文件已损坏（压缩包结构不完整）") from None
        if "EncryptedPackage" in names:
            raise reject("file_encrypted")
        kind = zip_kind(archive)
        if kind not in ("xlsx", "xlsb", "ods"):
            raise _not_workbook(name, kind)
        try:
            core = precheck(archive, data, ods=kind == "ods")
        except Unsafe as exc:
            raise reject(exc.code, detail=exc.detail) from None
        except Exception as exc:  # noqa: BLE001 - a part that will not inflate: the file is broken
            raise reject("file_unreadable", detail=describe(exc)) from None
        isolate = kind == "xlsb"
        stamp = _stamp(core)
    elif data[:8] == _OLE:
        what = ole_kind(data)
        if what == "encrypted":
            raise reject("file_encrypted")
        if what is not None:
            raise _not_workbook(name, what)
        isolate, stamp = True, None
    else:
        raise _not_workbook(name, sniff(data))
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


def _not_workbook(name: str, what: str) -> Reject:
    """A file that is no workbook leitai reads: named by its software when its name says which."""
    software = foreign(name)
    if software is not None:
        return Reject(problem("file_foreign", file=name, value=software[0], detail=software[1]))
    return Reject(problem("file_not_workbook", file=name, detail=what))


def _open(data: bytes) -> Book:
    workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    visible, identity = [], {}
    for meta in workbook.sheets_metadata:
        if meta.name == IDENTITY_SHEET:
            identity = _identity(workbook.get_sheet_by_name(meta.name).to_python(nrows=50))
        elif meta.visible == calamine.SheetVisibleEnum.Visible and meta.typ == calamine.SheetTypeEnum.WorkSheet:
            visible.append(meta.name)
    return Book(workbook, visible, identity)


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
    command = [sys.executable, "-c", "from leitai.intake.workbook import _child_main; _child_main()"]
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


# core.xml as Excel, WPS and openpyxl write it: the element with its usual prefix bound to its
# namespace, plain text inside. Anything else is parsed as XML.
_MODIFIED = re.compile(rb"<dcterms:modified(?:\s[^>]*)?>([^<&]*)</dcterms:modified>")
_DCTERMS = b'xmlns:dcterms="http://purl.org/dc/terms/"'


def _stamp(core: bytes | None) -> float | None:
    """dcterms:modified of a docProps/core.xml part (dc:date of an .ods meta.xml) as POSIX seconds, or None."""
    if core is None:
        return None
    try:
        match = _MODIFIED.search(core) if _DCTERMS in core else None
        if match is not None:
            text = match.group(1).decode("utf-8")
        else:
            root = ElementTree.fromstring(core)
            node = root.find("{http://purl.org/dc/terms/}modified")  # OOXML core.xml
            if node is None:  # OpenDocument meta.xml: office:meta/dc:date
                node = root.find(".//{http://purl.org/dc/elements/1.1/}date")
            text = node.text if node is not None else None
        if not text:
            return None
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
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
        for index, row in enumerate(book.head(name, HEADER_SCAN_ROWS)):
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
