"""Reading a period's input folder into reports, file records and data problems.

Every file in the folder becomes a ``FileRecord`` (accepted, accepted with problems,
rejected or skipped, and why). A unit's sheet is found by its headers on any visible
worksheet; its unit comes from the hidden ``_leitai`` sheet, else the ``填报单位：`` cell,
else the file name. Each node row is normalised (normalize.py) and checked against the
plan; what is wrong becomes a ``Problem`` with its cell, and the good rows still count.
Nothing here raises for bad data, and one broken file never stops the batch. Input files
are read once, as bytes, and never written; telling a workbook from other files, opening
it and finding a table by its headers is workbook.py's part.

Choices where SPEC is silent:
- the same node on two rows: identical rows count once (``duplicate_row``); rows that
  differ in anything count not at all (``conflicting_rows``), so the ledger's state stands;
- a completion date next to a status other than 已完成 is dropped (``date_without_done``);
- the first visible worksheet carrying the headers is the data sheet;
- two files of one unit: the later one wins (``dcterms:modified``, else mtime, then name);
  the earlier one is rejected and its own row problems are not listed;
- an empty (0-byte) or broken file is skipped as still being copied while it is a few
  seconds old, and rejected once it is older;
- an empty input folder gives an empty ``Intake``; a missing one raises ``InputError``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import gc
import hashlib
import multiprocessing
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from .campaign import Campaign, unit_key
from .errors import InputError
from .fileio import sha256_file
from .normalize import clean_header, clean_text, is_blank, nfkc, parse_date, parse_number, parse_percent, parse_status
from .problems import Problem, cell_ref, problem
from .workbook import (
    LOCK_PREFIXES,
    Book,
    Reject,
    Table,
    bare,
    describe,
    find_table,
    is_fresh,
    missing_headers,
    open_workbook,
    screen,
)

REPORT_COLUMNS: list[str] = [
    "file", "unit", "sheet", "row", "project_id", "seq", "done", "done_date", "progress_pct",
    "invest_done", "progress_text", "issue_text", "next_plan", "status_cell", "date_cell",
]
OVERRIDE_COLUMNS: list[str] = ["project_id", "seq", "done", "done_date", "reason", "cell"]

OVERRIDES_FILE = "核定.xlsx"

# The 12 headers of SPEC §4, by their bare names (brackets dropped), and the field each fills.
HEADERS: dict[str, str] = {
    "项目编号": "pid", "项目名称": "project_name", "节点序号": "seq", "节点目标": "target",
    "计划完成日期": "due", "完成情况": "status", "实际完成日期": "date", "形象进度": "pct",
    "累计完成投资": "invest", "进展情况": "progress_text", "存在问题": "issue_text", "下步计划": "next_plan",
}
REQUIRED = ("项目编号", "节点序号", "完成情况", "实际完成日期")
OVERRIDE_HEADERS: dict[str, str] = {
    "项目编号": "pid", "节点序号": "seq", "核定结果": "status", "核定完成日期": "date", "核定说明": "reason",
}
OVERRIDE_REQUIRED = ("项目编号", "节点序号", "核定结果")

TEXT_LIMIT = 2000  # characters kept of a free-text cell

Status = Literal["accepted", "accepted_with_problems", "rejected", "skipped"]


@dataclass(frozen=True)
class FileRecord:
    """What became of one file of the input folder; ``reason`` is Chinese text for the manifest."""

    file: str
    sha256: str
    size: int  # bytes
    unit: str | None
    status: Status
    reason: str
    problems: int


@dataclass
class Intake:
    """A period's input: node rows (REPORT_COLUMNS), office overrides (OVERRIDE_COLUMNS), files, problems."""

    reports: pd.DataFrame
    overrides: pd.DataFrame
    files: list[FileRecord]
    problems: list[Problem]

    @functools.cached_property
    def submitted_units(self) -> set[str]:
        """Units with an accepted file (computed once: ``files`` is not changed after intake)."""
        return {f.unit for f in self.files if f.unit and f.status in ("accepted", "accepted_with_problems")}


ProgressCallback = Callable[[int, int, str], None]


# ------------------------------------------------------------------------- entry points

def read_inputs(folder: Path, campaign: Campaign, period: int,
                progress: ProgressCallback | None = None) -> Intake:
    """Read every file in ``folder`` (the input folder of ``period``, not recursive).

    ``核定.xlsx`` is read as the office's overrides. Raises ``InputError`` only when the
    folder does not exist; everything wrong inside it is a record.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"找不到填报表文件夹 {folder}：请新建该文件夹并放入各单位报送的表格")
    paths = sorted((p for p in folder.iterdir() if p.is_file()), key=lambda p: p.name)
    return _read_all(paths, campaign, period, progress, resolve_duplicates=True)


def check_files(paths: Sequence[Path], campaign: Campaign, period: int | None = None) -> Intake:
    """Validate sheets without scoring (``leitai check``). A folder stands for its files.

    Without ``period`` each file is checked against its own period, so none is rejected for
    its period; with it (a period folder was given), exactly as ``leitai run`` would read them,
    wrong periods and duplicate submissions included.
    """
    expanded: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            expanded.extend(sorted((p for p in path.iterdir() if p.is_file()), key=lambda p: p.name))
        else:
            expanded.append(path)
    return _read_all(expanded, campaign, period, None, resolve_duplicates=period is not None)


def read_overrides(path: Path, campaign: Campaign) -> tuple[pd.DataFrame, list[Problem]]:
    """The office's 核定.xlsx as an OVERRIDE_COLUMNS frame, and its problems (``bad_override``).

    Rows that cannot be applied (unknown node, unreadable result or date, two different
    rulings on one node) are left out and reported.
    """
    path = Path(path)
    out = _Problems(path.name, "")
    rows: list[dict[str, Any]] = []
    try:
        book = open_workbook(path.read_bytes(), path.name)
        found = find_table(book, OVERRIDE_HEADERS, OVERRIDE_REQUIRED, path.name)
    except Reject as reject:
        out.add("bad_override", detail=reject.problem.message)
        return _frame([], OVERRIDE_COLUMNS), out.items
    except Exception as exc:  # noqa: BLE001 - any reader failure is this file's problem
        out.add("bad_override", detail=f"文件无法打开（{describe(exc)}）")
        return _frame([], OVERRIDE_COLUMNS), out.items
    if found is None:
        out.add("bad_override", detail=f"未找到表头 {'、'.join(OVERRIDE_REQUIRED)}")
        return _frame([], OVERRIDE_COLUMNS), out.items
    table = found
    out.sheet = table.sheet
    plan = _PlanIndex(campaign)
    span = (campaign.settings.campaign.start, campaign.settings.campaign.end)
    first_col = min(table.columns.values())
    for r in table.data_rows():
        where = cell_ref(r + 1, first_col + 1)
        pid_raw, seq_raw, status_raw = (table.value(r, k) for k in ("pid", "seq", "status"))
        if is_blank(pid_raw) and is_blank(seq_raw) and is_blank(status_raw):
            continue
        node = plan.node(pid_raw, seq_raw)
        if node is None:
            out.add("bad_override", cell=where, value=_node_label(pid_raw, seq_raw),
                    detail=f"项目 {_node_label(pid_raw, seq_raw)} 不在计划中")
            continue
        if is_blank(status_raw):
            out.add("bad_override", cell=where, detail=f"项目 {node[0]} 节点 {node[1]} 的核定结果为空")
            continue
        try:
            done = parse_status(status_raw)
            date = parse_date(table.value(r, "date"), year=span[0].year, span=span)
        except ValueError as exc:
            out.add("bad_override", cell=where, value=exc.args[0] if exc.args else "",
                    detail=f"项目 {node[0]} 节点 {node[1]} 的“{exc.args[0] if exc.args else ''}”无法识别"
                           "（核定结果填已完成或未完成，日期如 2020-11-03）")
            continue
        rows.append({"project_id": node[0], "seq": node[1], "done": done,
                     "done_date": pd.Timestamp(date) if done and date else pd.NaT,
                     "reason": clean_text(table.value(r, "reason")), "cell": where})
    kept: dict[tuple[str, int], dict[str, Any]] = {}
    clashes: set[tuple[str, int]] = set()
    ruling = ("done", "done_date", "reason")
    for row in rows:
        key = (row["project_id"], row["seq"])
        if key in kept and _answers(kept[key], ruling) != _answers(row, ruling):
            clashes.add(key)
        kept.setdefault(key, row)
    for row in rows:
        if (row["project_id"], row["seq"]) in clashes:
            out.add("bad_override", cell=row["cell"],
                    detail=f"项目 {row['project_id']} 节点 {row['seq']} 有多行不同的核定，均未采用")
    good = [row for key, row in kept.items() if key not in clashes]
    return _frame(good, OVERRIDE_COLUMNS), out.items


# ------------------------------------------------------------------------------ batch

@dataclass
class _Result:
    record: FileRecord
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stamp: float = 0.0  # dcterms:modified, else mtime (POSIX seconds)


def _read_all(paths: Sequence[Path], campaign: Campaign, period: int | None,
              progress: ProgressCallback | None, *, resolve_duplicates: bool) -> Intake:
    plan = _PlanIndex(campaign)
    results: list[_Result] = []
    overrides = _frame([], OVERRIDE_COLUMNS)
    override_problems: list[Problem] = []
    sheets = _read_many([p for p in paths if not _is_overrides(p)], campaign, plan, period)
    for done, path in enumerate(paths, start=1):
        if _is_overrides(path):
            overrides, found = read_overrides(path, campaign)
            override_problems.extend(found)
            results.append(_Result(_override_record(path, found)))
        else:
            results.append(next(sheets))
        if progress is not None:
            progress(done, len(paths), path.name)
    if resolve_duplicates:
        _resolve_duplicates(results)
    rows = [row for result in results for row in result.rows]
    problems = [p for result in results for p in result.problems] + override_problems
    return Intake(_reports_frame(rows), overrides, [r.record for r in results], problems)


# Many files are read by worker processes, in chunks, the results in the files' order (the
# same records, rows and problems as one process gives). A few files are read in-process:
# a worker costs more than it saves below PARALLEL_MIN files.
PARALLEL_MIN = 200
CHUNK_FILES = 40


def intake_workers(files: int) -> int:
    """How many processes read ``files`` files: ``LEITAI_INTAKE_WORKERS``, else up to 4 CPUs; 1 = in-process."""
    value = os.environ.get("LEITAI_INTAKE_WORKERS", "").strip()
    wanted = max(1, int(value)) if value.isdigit() else min(4, os.cpu_count() or 1)
    if files < PARALLEL_MIN:
        return 1
    return max(1, min(wanted, -(-files // CHUNK_FILES)))


def _read_many(paths: list[Path], campaign: Campaign, plan: _PlanIndex, period: int | None) -> Iterator[_Result]:
    """``_read_one`` of each path, in order; by worker processes when there are many."""
    workers = intake_workers(len(paths))
    if workers > 1:
        try:
            # fork on Linux: the workers start at once with the campaign already loaded; elsewhere
            # spawn (Windows, macOS), where the campaign is pickled to each worker once. Forking a
            # process that runs other threads can deadlock the child, so then spawn there too.
            single = threading.active_count() == 1
            method = "fork" if sys.platform.startswith("linux") and single else "spawn"
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                                       initializer=_worker_init, initargs=(campaign, plan, period))
        except (OSError, ImportError, NotImplementedError, ValueError):
            workers = 1
    if workers <= 1:
        for path in paths:
            yield _read_one(path, campaign, plan, period)
        return
    chunks = [paths[i:i + CHUNK_FILES] for i in range(0, len(paths), CHUNK_FILES)]
    context = pool._mp_context  # noqa: SLF001 - the same start method for the isolated re-reads
    with pool:
        gc.freeze()  # forked workers: their garbage collector leaves the inherited objects (and pages) alone
        try:
            futures = [pool.submit(_read_chunk, chunk) for chunk in chunks]  # the workers start now
        finally:
            gc.unfreeze()
        for chunk, future in zip(chunks, futures):
            try:
                yield from future.result()
            except BrokenProcessPool:
                # A worker died (a file the reader could not survive): read this chunk's files
                # again one per process, so the culprit is rejected and the rest still count.
                yield from _read_isolated(chunk, campaign, plan, period, context)


def _read_isolated(paths: list[Path], campaign: Campaign, plan: _PlanIndex, period: int | None,
                   context: Any) -> Iterator[_Result]:
    for path in paths:
        try:
            with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_worker_init,
                                     initargs=(campaign, plan, period)) as single:
                yield single.submit(_read_chunk, [path]).result()[0]
        except BrokenProcessPool:
            found = problem("file_unreadable", file=path.name, detail="读取时程序异常退出，文件可能已损坏或含有恶意内容")
            yield _Result(FileRecord(path.name, _digest(path, b""), _size(path), None, "rejected", found.message, 1),
                          problems=[found])


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


_WORKER: tuple[Campaign, _PlanIndex, int | None] | None = None


def _worker_init(campaign: Campaign, plan: _PlanIndex, period: int | None) -> None:
    global _WORKER
    _WORKER = (campaign, plan, period)


def _read_chunk(paths: list[Path]) -> list[_Result]:
    """Worker process: ``_read_one`` of each path (module level, so that spawn can import it)."""
    assert _WORKER is not None
    campaign, plan, period = _WORKER
    return [_read_one(path, campaign, plan, period) for path in paths]


def _is_overrides(path: Path) -> bool:
    return clean_header(path.stem) in ("核定", "核定表") and path.suffix.lower() in (".xlsx", ".xlsm", ".xls")


def _override_record(path: Path, found: list[Problem]) -> FileRecord:
    unreadable = any(p.cell == "" for p in found)  # only a whole-file problem has no cell
    status: Status = "rejected" if unreadable else ("accepted_with_problems" if found else "accepted")
    reason = found[0].message if unreadable else "办公室核定表" + (f"，有 {len(found)} 处问题" if found else "")
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return FileRecord(path.name, _digest(path, b""), size, None, status, reason, len(found))


def _resolve_duplicates(results: list[_Result]) -> None:
    by_unit: dict[str, list[_Result]] = {}
    for result in results:
        if result.record.unit and result.record.status in ("accepted", "accepted_with_problems"):
            by_unit.setdefault(result.record.unit, []).append(result)
    for unit, group in by_unit.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (r.stamp, r.record.file))
        winner = group[-1]
        for loser in group[:-1]:
            note = problem("duplicate_submission", file=loser.record.file, unit=unit,
                           detail=f"采用“{winner.record.file}”，未采用“{loser.record.file}”")
            loser.rows, loser.problems = [], [note]
            loser.record = FileRecord(loser.record.file, loser.record.sha256, loser.record.size, unit,
                                      "rejected", note.message, 1)


# --------------------------------------------------------------------------- one file

class _Problems:
    """Problems of one file, stamped with its name, unit and sheet."""

    def __init__(self, file: str, unit: str) -> None:
        self.file, self.unit, self.sheet = file, unit, ""
        self.items: list[Problem] = []

    def add(self, code: str, *, cell: str = "", value: object = "", **fields: object) -> None:
        self.items.append(problem(code, file=self.file, unit=self.unit, sheet=self.sheet, cell=cell,
                                  value=value, **fields))

    def make(self, code: str, **fields: object) -> Problem:
        return problem(code, file=self.file, unit=self.unit, sheet=self.sheet, **fields)  # type: ignore[arg-type]


def _read_one(path: Path, campaign: Campaign, plan: _PlanIndex, period: int | None) -> _Result:
    name = path.name
    out = _Problems(name, "")
    try:
        stat = path.stat()
    except OSError as exc:
        record = FileRecord(name, "", 0, None, "rejected", f"文件无法读取（{exc.strerror}）", 1)
        return _Result(record, problems=[out.make("file_unreadable", detail=exc.strerror or "")])
    size, data = stat.st_size, b""
    if name.startswith(".") and not name.startswith(LOCK_PREFIXES):
        return _Result(FileRecord(name, _digest(path, b""), size, None, "skipped", "隐藏文件，已跳过", 0))
    try:
        screen(path, size, stat.st_mtime)
        data = path.read_bytes()
        book = open_workbook(data, name, fresh=is_fresh(stat.st_mtime))
        unit, rows = _read_sheet(book, path, campaign, plan, period, out)
    except Reject as reject:
        if reject.status == "skipped":
            return _skipped(path, size, reject.problem)
        record = FileRecord(name, _digest(path, data), size, reject.problem.unit or None, "rejected",
                            reject.problem.message, 1)
        return _Result(record, problems=[reject.problem])
    except Exception as exc:  # noqa: BLE001 - one broken file must not stop the batch
        found = out.make("file_unreadable", detail=describe(exc))
        return _Result(FileRecord(name, _digest(path, data), size, None, "rejected", found.message, 1),
                       problems=[found])
    count = len(out.items)
    status: Status = "accepted_with_problems" if count else "accepted"
    reason = f"已采用，有 {count} 处问题" if count else "已采用"
    record = FileRecord(name, hashlib.sha256(data).hexdigest(), size, unit, status, reason, count)
    return _Result(record, rows, out.items, book.modified or stat.st_mtime)


def _digest(path: Path, data: bytes) -> str:
    """sha256 of the bytes read, else of the file; '' if it cannot be read (locked, no permission)."""
    if data:
        return hashlib.sha256(data).hexdigest()
    try:
        return sha256_file(path)
    except OSError:
        return ""


def _skipped(path: Path, size: int, found: Problem) -> _Result:
    # an Office lock file may be held open exclusively: then no digest
    return _Result(FileRecord(path.name, _digest(path, b""), size, None, "skipped", found.message, 1),
                   problems=[found])


# -------------------------------------------------------------------------- identity

_UNIT_CELL = re.compile(r"填报单位\s*(?::\s*(\S*)|$)")  # 填报单位：甲街道, or 填报单位 | 甲街道
_PERIOD_CELL = re.compile(r"填报期次\s*:?\s*第?\s*(\d+)\s*期")
_PERIOD_NAME = re.compile(r"第\s*(\d+)\s*期")


def _cell_identity(table: Table) -> tuple[str, int | None]:
    """The 填报单位 and 填报期次 written above the header row."""
    unit, period = "", None
    for row in table.grid[: table.header_row]:
        for col, value in enumerate(row):
            text = nfkc(value).strip() if isinstance(value, str) else ""
            match = _UNIT_CELL.search(text)
            if match and not unit:
                unit = match.group(1) or next((clean_text(v) for v in row[col + 1:] if not is_blank(v)), "")
            match = _PERIOD_CELL.search(text)
            if match and period is None:
                period = int(match.group(1))
    return unit, period


def _match_unit(plan: _PlanIndex, spelling: str) -> str | None:
    """The plan unit a spelling names: exactly, then by the longest unit name or alias it contains."""
    if not spelling:
        return None
    exact = plan.campaign.plan.resolve_unit(spelling)
    if exact:
        return exact
    key = re.sub(r"第\d+期|\d+", "", unit_key(spelling))
    if key in plan.alias_map:
        return plan.alias_map[key]
    hits = [(len(k), name) for k, name in plan.alias_map.items() if k and k in key]
    if not hits:
        return None
    longest = max(n for n, _ in hits)
    names = {name for n, name in hits if n == longest}
    return names.pop() if len(names) == 1 else None


def _suggest(plan: _PlanIndex, spelling: str) -> str:
    close = difflib.get_close_matches(unit_key(spelling), list(plan.alias_map), n=5, cutoff=0.4)
    names = list(dict.fromkeys(plan.alias_map[k] for k in close))[:3]
    return f"，是否为：{'、'.join(names)}？" if names else ""


# --------------------------------------------------------------------------- the sheet

class _PlanIndex:
    """Plan lookups for intake: project ids forgiving case and width, node owners."""

    def __init__(self, campaign: Campaign) -> None:
        plan = campaign.plan
        self.campaign = campaign
        self.alias_map = plan.alias_map
        self.owner = dict(zip(plan.projects["id"], plan.projects["unit"]))
        self.pids = {self.pid_key(pid): pid for pid in plan.projects["id"]}
        keys = list(zip(plan.nodes["project_id"], plan.nodes["seq"].astype(int)))
        self.nodes = set(keys)
        self.due = dict(zip(keys, (d.date() for d in plan.nodes["due"])))
        self.unit_nodes: dict[str, list[tuple[str, int]]] = {}
        for pid, seq in keys:
            self.unit_nodes.setdefault(self.owner.get(pid, ""), []).append((pid, seq))

    @staticmethod
    def pid_key(value: Any) -> str:
        if type(value) is str and len(value) <= 64:
            return _pid_key_text(value)
        return re.sub(r"\s+", "", nfkc(clean_text(value))).upper()

    def node(self, pid_raw: Any, seq_raw: Any) -> tuple[str, int] | None:
        pid, seq = self.pids.get(self.pid_key(pid_raw)), _int(seq_raw)
        if pid is None or seq is None or (pid, seq) not in self.nodes:
            return None
        return pid, seq


@functools.lru_cache(maxsize=16384)
def _pid_key_text(value: str) -> str:
    return re.sub(r"\s+", "", nfkc(clean_text(value))).upper()


def _int(value: Any) -> int | None:
    try:
        number = parse_number(value)
    except ValueError:
        return None
    return int(number) if number is not None and number.is_integer() else None


def _node_label(pid_raw: Any, seq_raw: Any) -> str:
    return f"{clean_text(pid_raw) or '（空）'} 节点{clean_text(seq_raw) or '（空）'}"


def _cn_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass
class _Sheet:
    """One unit's data table being read, with what its rows are checked against."""

    table: Table
    plan: _PlanIndex
    unit: str
    span: tuple[dt.date, dt.date]  # campaign start and end
    out: _Problems
    fractions: bool = False  # 形象进度 holds fractions (a percent-formatted column): 1 means 100%
    cutoff: dt.date | None = None  # the sheet's period's cutoff, when the period is known


def _read_sheet(book: Book, path: Path, campaign: Campaign, plan: _PlanIndex, period: int | None,
                out: _Problems) -> tuple[str, list[dict[str, Any]]]:
    """The unit and the node rows of one workbook; row problems go to ``out``, file-level ones raise."""
    info = campaign.settings.campaign
    identity = book.identity
    if identity.get("campaign") and unit_key(identity["campaign"]) != unit_key(info.name):
        raise Reject(out.make("wrong_campaign", value=identity["campaign"]))
    table = find_table(book, HEADERS, REQUIRED, path.name)
    if table is None:
        missing = missing_headers(book, HEADERS, REQUIRED)
        raise Reject(out.make("not_progress_sheet", detail="、".join(missing) or "项目编号等"))
    out.sheet = table.sheet
    cell_unit, cell_period = _cell_identity(table)
    spellings = [identity.get("unit", ""), cell_unit, _PERIOD_NAME.sub("", path.stem)]
    unit = next((u for u in (_match_unit(plan, s) for s in spellings) if u), None)
    out.unit = unit or ""  # so a wrong-period sheet is listed under the unit that sent it
    seen_period = _int(identity["period"]) if identity.get("period") else cell_period
    if period is not None and seen_period is not None and seen_period != period:
        raise Reject(out.make("wrong_period", value=seen_period, expected=period))
    if unit is None:
        seen = next(s for s in spellings if s) if any(spellings) else path.name
        raise Reject(out.make("unknown_unit", value=seen, detail=_suggest(plan, seen)))

    numbers = [v for r in table.data_rows() if isinstance(v := table.value(r, "pct"), (int, float))
               and not isinstance(v, bool)]
    # The cutoff rules on dates are checked here, so `leitai check` and `status` see what `run` sees.
    schedule = campaign.settings.schedule
    effective = period if period is not None else seen_period
    cutoff = schedule.cutoffs[effective - 1] if effective and 1 <= effective <= schedule.count else None
    sheet = _Sheet(table, plan, unit, (info.start, info.end), out,
                   fractions=any(0 < v < 1 for v in numbers) and all(0 <= v <= 1 for v in numbers),
                   cutoff=cutoff)
    rows = []
    for r in table.data_rows():
        row = _read_row(sheet, r)
        if row is not None:
            rows.append({"file": path.name, "unit": unit, "sheet": table.sheet, **row})
    present = {(row["project_id"], row["seq"]) for row in rows}
    for pid, seq in plan.unit_nodes.get(unit, []):
        if (pid, seq) not in present:
            out.add("missing_node_row", value=f"{pid} 节点{seq}")
    return unit, _merge_duplicates(rows, out)


_FIELDS = tuple(HEADERS.values())


def _read_row(sheet: _Sheet, r: int) -> dict[str, Any] | None:
    """One node row, or None for a blank row, a note row or a row that names no node of this unit."""
    table, out = sheet.table, sheet.out
    cells = table.grid[r]
    width = len(cells)
    values = {name: None for name in _FIELDS}
    for name, col in table.columns.items():
        if col < width:
            values[name] = cells[col]
    if all(is_blank(values[k]) for k in ("seq", "status", "date")):
        return None  # blank, or a note under the table (填表人、联系电话…)
    if bare(values["pid"]) in HEADERS:
        return None  # the header repeated, or a second header row
    node = sheet.plan.node(values["pid"], values["seq"])
    if node is None:
        pid_known = sheet.plan.pid_key(values["pid"]) in sheet.plan.pids
        out.add("unknown_node", cell=table.cell(r, "seq" if pid_known else "pid"),
                value=_node_label(values["pid"], values["seq"]))
        return None
    pid, seq = node
    owner = sheet.plan.owner.get(pid, "")
    if owner != sheet.unit:
        out.add("other_unit_node", cell=table.cell(r, "pid"), value=pid, detail=owner)
        return None

    status_cell, date_cell = table.cell(r, "status"), table.cell(r, "date")
    done, status_ok = False, True
    try:
        done = parse_status(values["status"])
    except ValueError:
        out.add("bad_status", cell=status_cell, value=clean_text(values["status"]))
        status_ok = False
    date = _parsed(lambda v: parse_date(v, year=sheet.span[0].year, span=sheet.span),
                   values["date"], "bad_date", date_cell, out)
    if date is not None and date < sheet.span[0]:
        out.add("date_before_start", cell=date_cell, value=_cn_date(date), detail=_cn_date(sheet.span[0]))
    if date is not None and not done:
        if status_ok:
            out.add("date_without_done", cell=date_cell, value=_cn_date(date))
        date = None
    if done and sheet.cutoff is not None:
        if date is None:
            out.add("done_without_date", cell=date_cell, detail=_cn_date(sheet.cutoff))
        elif date > sheet.cutoff:
            out.add("date_after_cutoff", cell=date_cell, value=_cn_date(date), detail=_cn_date(sheet.cutoff))
    pct = _parsed(parse_percent, values["pct"], "bad_percent", table.cell(r, "pct"), out)
    if sheet.fractions and pct == 1:
        pct = 100.0
    if pct is not None and not 0 <= pct <= 100:
        out.add("percent_out_of_range", cell=table.cell(r, "pct"), value=f"{pct:g}")
        pct = None
    invest = _parsed(parse_number, values["invest"], "bad_number", table.cell(r, "invest"), out)
    texts = {}
    for name in ("progress_text", "issue_text", "next_plan"):
        full = clean_text(values[name], limit=10 * TEXT_LIMIT + 1)
        if len(full) > TEXT_LIMIT:
            out.add("long_text", cell=table.cell(r, name), detail=len(full))
        texts[name] = full[:TEXT_LIMIT]
    # The 填报说明 asks a reason for every overdue node: say so where it is missing.
    due = sheet.plan.due.get((pid, seq))
    if (status_ok and not done and sheet.cutoff is not None and due is not None and due <= sheet.cutoff
            and not texts["issue_text"] and "issue_text" in table.columns):
        out.add("missing_reason", cell=table.cell(r, "issue_text"), detail=_cn_date(due))
    return {
        "row": r + 1, "project_id": pid, "seq": seq, "done": done,
        "done_date": pd.Timestamp(date) if date else pd.NaT,
        "progress_pct": float("nan") if pct is None else pct,
        "invest_done": float("nan") if invest is None else invest,
        **texts, "status_cell": status_cell, "date_cell": date_cell,
    }


def _parsed(parse: Callable[[Any], Any], value: Any, code: str, cell: str, out: _Problems) -> Any:
    """``parse(value)``, or None with a ``code`` problem at ``cell`` when it cannot be read."""
    try:
        return parse(value)
    except ValueError:
        out.add(code, cell=cell, value=clean_text(value))
        return None


_ANSWER_FIELDS = ("done", "done_date", "progress_pct", "invest_done", "progress_text", "issue_text", "next_plan")


def _answers(row: dict[str, Any], names: Sequence[str] = _ANSWER_FIELDS) -> tuple[Any, ...]:
    return tuple(None if is_blank(row[n]) else row[n] for n in names)


def _merge_duplicates(rows: list[dict[str, Any]], out: _Problems) -> list[dict[str, Any]]:
    """One row per node: identical repeats merge, differing repeats are all dropped."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["project_id"], row["seq"]), []).append(row)
    kept = []
    for (pid, seq), group in groups.items():
        if len({_answers(row) for row in group}) == 1:
            kept.append(group[0])
            for row in group[1:]:
                out.add("duplicate_row", cell=row["status_cell"], value=f"{pid} 节点{seq}")
            continue
        lines = "、".join(str(row["row"]) for row in group)
        for row in group:
            out.add("conflicting_rows", cell=row["status_cell"], value=f"{pid} 节点{seq}",
                    detail=f"项目 {pid} 节点{seq}，第{lines}行")
    return sorted(kept, key=lambda row: row["row"])


# ------------------------------------------------------------------------------ frames

def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    frame["seq"] = frame["seq"].astype("int64")
    frame["done"] = frame["done"].astype(bool)
    frame["done_date"] = pd.to_datetime(frame["done_date"]).astype("datetime64[ns]")
    for name in columns:
        if name not in ("seq", "done", "done_date", "row", "progress_pct", "invest_done"):
            frame[name] = frame[name].astype(str)
    return frame


def _reports_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = _frame(rows, REPORT_COLUMNS)
    frame["row"] = frame["row"].astype("int64")
    frame["progress_pct"] = frame["progress_pct"].astype("float64")
    frame["invest_done"] = frame["invest_done"].astype("float64")
    return frame

