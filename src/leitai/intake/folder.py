"""Reading a period's input folder into reports, file records and data problems.

Every file in the folder becomes a ``FileRecord`` (accepted, accepted with problems,
rejected or skipped, and why). A unit's sheet is found by its headers on any visible
worksheet; its unit comes from the hidden ``_leitai`` sheet, else the ``填报单位：`` cell,
else the file name. Each node row is normalised (normalize.py) and checked against the
plan; what is wrong becomes a ``Problem`` with its cell, and the good rows still count.
Nothing here raises for bad data, and one broken file never stops the batch. Input files
are read once, as bytes, and never written; telling a workbook from other files, opening
it and finding a table by its headers is workbook.py's part; reading one sheet's rows is sheetrows.py's.

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

import dataclasses
import functools
import gc
import hashlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..bulk import collector_paused
from ..campaign.changes import EffectivePlan
from ..campaign.plan import Campaign
from ..errors import InputError
from ..fileio import sha256_file
from ..normalize import clean_header, clean_text, is_blank, parse_date, parse_status
from ..problems import Problem, cell_ref, problem
from .adjustments import is_adjustments, read_adjustments
from .folderscan import display_name, name_note, scan_folder
from .rowframes import Rows, assemble, frame_of, framed, without_unit
from .sheetrows import (
    PlanIndex,
    Problems,
    answers,
    node_label,
)
from .sheetrows import read_sheet as _read_sheet
from .workbook import (
    LOCK_PREFIXES,
    Reject,
    describe,
    find_table,
    is_fresh,
    open_workbook,
    screen,
)

OVERRIDE_COLUMNS: list[str] = ["project_id", "seq", "done", "done_date", "reason", "cell"]

OVERRIDES_FILE = "核定.xlsx"

OVERRIDE_HEADERS: dict[str, str] = {
    "项目编号": "pid", "节点序号": "seq", "核定结果": "status", "核定完成日期": "date", "核定说明": "reason",
}
OVERRIDE_REQUIRED = ("项目编号", "节点序号", "核定结果")


Status = Literal["accepted", "accepted_with_problems", "rejected", "skipped"]
Role = Literal["sheet", "export", "overrides"]


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
    role: Role = "sheet"  # a unit's sheet, an export carrying many units, or the office's 核定.xlsx
    units: tuple[str, ...] = ()  # an export: the units whose rows it carried (and counted)
    unit_times: tuple[str, ...] = ()  # an export: each unit's latest 提交时间 ("" when none)


@dataclass
class Intake:
    """A period's input: node rows (REPORT_COLUMNS), office overrides (OVERRIDE_COLUMNS), files, problems."""

    reports: pd.DataFrame
    overrides: pd.DataFrame
    files: list[FileRecord]
    problems: list[Problem]
    adjustments: list[dict[str, Any]] = field(default_factory=list)  # 加减分.xlsx rows (adjustments.py)

    @functools.cached_property
    def submitted_units(self) -> set[str]:
        """Units with an accepted file (computed once: ``files`` is not changed after intake)."""
        accepted = [f for f in self.files if f.status in ("accepted", "accepted_with_problems")]
        return {f.unit for f in accepted if f.unit} | {u for f in accepted for u in f.units}

    def with_stage_problems(self, found: list[Problem], overrides: pd.DataFrame | None = None) -> Intake:
        """This intake with problems found after it (regressions, overrides) added and counted against their files.

        Info-level notes (an override applied) are listed but not counted, as at intake.
        ``overrides``: the ones applied, when not all of them were.
        """
        counted: dict[str, int] = {}
        for item in found:
            if item.severity != "info":
                counted[item.file] = counted.get(item.file, 0) + 1
        files = []
        for record in self.files:
            extra = counted.get(record.file, 0)
            if extra and record.status in ("accepted", "accepted_with_problems"):
                count = record.problems + extra
                record = dataclasses.replace(record, status="accepted_with_problems", problems=count,
                                             reason=accepted_reason(record.role, count, record.units,
                                                                    record.reason.split("，")[0]))
            files.append(record)
        return dataclasses.replace(self, overrides=self.overrides if overrides is None else overrides, files=files,
                                   problems=[*self.problems, *found])


def accepted_reason(role: Role, count: int, units: Sequence[str] = (), kind: str = "办公室核定表") -> str:
    """The manifest's reason for an accepted file with ``count`` problems (an export: and its units;
    an office file: ``kind``, which one)."""
    if role == "export":
        shown = "、".join(units[:5]) + ("等" if len(units) > 5 else "")
        head = f"汇总表（多个单位），已采用 {len(units)} 个单位：{shown}" if units else "汇总表中没有可识别单位的行"
    else:
        head = kind if role == "overrides" else "已采用"
    return head + (f"，有 {count} 处问题" if count else "")


ProgressCallback = Callable[[int, int, str], None]


# ------------------------------------------------------------------------- entry points

def read_inputs(folder: Path, campaign: Campaign, period: int,
                progress: ProgressCallback | None = None, plan_in_effect: EffectivePlan | None = None) -> Intake:
    """Read every file in ``folder`` (the input folder of ``period``, not recursive).

    ``核定.xlsx`` is read as the office's overrides. ``plan_in_effect``: the plan the period
    is scored on (a re-run keeps the recorded one), which says which nodes are overdue. Raises ``InputError`` only when the
    folder does not exist; everything wrong inside it is a record.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"找不到填报表文件夹 {folder}：请新建该文件夹并放入各单位报送的表格")
    paths, skipped = scan_folder(folder)
    return _with_skipped(_read_all(paths, campaign, period, progress, resolve_duplicates=True,
                                   plan_in_effect=plan_in_effect), skipped)


def check_files(paths: Sequence[Path], campaign: Campaign, period: int | None = None) -> Intake:
    """Validate sheets without scoring (``leitai check``). A folder stands for its files.

    Without ``period`` each file is checked against its own period, so none is rejected for
    its period; with it (a period folder was given), exactly as ``leitai run`` would read them,
    wrong periods and duplicate submissions included.
    """
    expanded: list[Path] = []
    skipped: list[tuple[str, str, Problem]] = []
    for path in map(Path, paths):
        if path.is_dir():
            files, odd = scan_folder(path)
            expanded.extend(files)
            skipped.extend(odd)
        else:
            expanded.append(path)
    return _with_skipped(_read_all(expanded, campaign, period, None, resolve_duplicates=period is not None), skipped)


def _with_skipped(intake: Intake, skipped: list[tuple[str, str, Problem]]) -> Intake:
    """The entries of the folder that were not read (folders, links, pipes…), as skipped records."""
    for name, reason, found in skipped:
        intake.files.append(FileRecord(name, "", 0, None, "skipped", reason, 1))
        intake.problems.append(found)
    return intake


def read_overrides(path: Path, campaign: Campaign) -> tuple[pd.DataFrame, list[Problem]]:
    """The office's 核定.xlsx as an OVERRIDE_COLUMNS frame, and its problems (``bad_override``).

    Rows that cannot be applied (unknown node, unreadable result or date, two different
    rulings on one node) are left out and reported.
    """
    path = Path(path)
    out = Problems(path.name, "")
    rows: list[dict[str, Any]] = []
    try:
        book = open_workbook(path.read_bytes(), path.name)
        found = find_table(book, OVERRIDE_HEADERS, OVERRIDE_REQUIRED, path.name)
    except Reject as reject:
        out.add("bad_override", detail=reject.problem.message)
        return frame_of([], OVERRIDE_COLUMNS), out.items
    except Exception as exc:  # noqa: BLE001 - any reader failure is this file's problem
        out.add("bad_override", detail=f"文件无法打开（{describe(exc)}）")
        return frame_of([], OVERRIDE_COLUMNS), out.items
    if found is None:
        out.add("bad_override", detail=f"未找到表头 {'、'.join(OVERRIDE_REQUIRED)}")
        return frame_of([], OVERRIDE_COLUMNS), out.items
    table = found
    out.sheet = table.sheet
    plan = PlanIndex(campaign)
    span = (campaign.settings.campaign.start, campaign.settings.campaign.end)
    first_col = min(table.columns.values())
    for r in table.data_rows():
        where = cell_ref(r + 1, first_col + 1)
        pid_raw, seq_raw, status_raw = (table.value(r, k) for k in ("pid", "seq", "status"))
        if is_blank(pid_raw) and is_blank(seq_raw) and is_blank(status_raw):
            continue
        node = plan.node(pid_raw, seq_raw)
        if node is None:
            out.add("bad_override", cell=where, value=node_label(pid_raw, seq_raw),
                    detail=f"项目 {node_label(pid_raw, seq_raw)} 不在计划中")
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
                           f"（核定结果填已完成或未完成，日期如 {span[1].isoformat()}）")
            continue
        rows.append({"project_id": node[0], "seq": node[1], "done": done,
                     "done_date": pd.Timestamp(date) if done and date else pd.NaT,
                     "reason": clean_text(table.value(r, "reason")), "cell": where})
    kept: dict[tuple[str, int], dict[str, Any]] = {}
    clashes: set[tuple[str, int]] = set()
    ruling = ("done", "done_date", "reason")
    for row in rows:
        key = (row["project_id"], row["seq"])
        if key in kept and answers(kept[key], ruling) != answers(row, ruling):
            clashes.add(key)
        kept.setdefault(key, row)
    for row in rows:
        if (row["project_id"], row["seq"]) in clashes:
            out.add("bad_override", cell=row["cell"],
                    detail=f"项目 {row['project_id']} 节点 {row['seq']} 有多行不同的核定，均未采用")
    good = [row for key, row in kept.items() if key not in clashes]
    return frame_of(good, OVERRIDE_COLUMNS), out.items


# ------------------------------------------------------------------------------ batch

@dataclass
class _Result:
    record: FileRecord
    rows: Rows = field(default_factory=list)  # a worker's: a span of its chunk's frame (rowframes.py)
    problems: list[Problem] = field(default_factory=list)
    stamp: float = 0.0  # dcterms:modified, else mtime (POSIX seconds)
    parts: dict[str, float] = field(default_factory=dict)  # an export: unit -> its submission time (POSIX)


def _read_all(paths: Sequence[Path], campaign: Campaign, period: int | None,
              progress: ProgressCallback | None, *, resolve_duplicates: bool,
              plan_in_effect: EffectivePlan | None = None) -> Intake:
    # Every row and problem read lives until the frames are built: the cycle collector would
    # only walk them (and the loaded plan) again and again, finding nothing to free.
    with collector_paused():
        return _read_all_paused(paths, campaign, period, progress, resolve_duplicates=resolve_duplicates,
                                plan_in_effect=plan_in_effect)


def _read_all_paused(paths: Sequence[Path], campaign: Campaign, period: int | None,
                     progress: ProgressCallback | None, *, resolve_duplicates: bool,
                     plan_in_effect: EffectivePlan | None = None) -> Intake:
    plan = PlanIndex(campaign)
    if plan_in_effect is not None and period is not None:
        plan.use_plan(campaign.settings.schedule.cutoff(period), plan_in_effect)
    results: list[_Result] = []
    overrides = frame_of([], OVERRIDE_COLUMNS)
    override_problems: list[Problem] = []
    adjustments: list[dict[str, Any]] = []
    sheets = _read_many([p for p in paths if not _is_overrides(p) and not is_adjustments(p)], campaign, plan, period)
    for done, path in enumerate(paths, start=1):
        if _is_overrides(path):
            overrides, found = read_overrides(path, campaign)
            override_problems.extend(found)
            results.append(_Result(_override_record(path, found)))
        elif is_adjustments(path):
            rows_found, found = read_adjustments(path, campaign)
            adjustments += rows_found
            override_problems.extend(found)
            results.append(_Result(_override_record(path, found, "办公室加减分表")))
        else:
            results.append(next(sheets))
        if progress is not None:
            progress(done, len(paths), display_name(path.name))
    if resolve_duplicates:
        _resolve_duplicates(results)
    problems = [p for result in results for p in result.problems] + override_problems
    records = [r.record for r in results]
    renamed = {p.name: shown for p in paths if (shown := display_name(p.name)) != p.name}
    if renamed:  # names that are not UTF-8 or carry control characters: shown as text everywhere
        records = [replace(r, file=renamed.get(r.file, r.file)) for r in records]
        problems = [replace(p, file=renamed.get(p.file, p.file)) for p in problems]
        problems += [note for p in paths if (note := name_note(p))]
    return Intake(assemble((r.rows for r in results), renamed), overrides, records, problems, adjustments)


# Many files are read by worker processes, in chunks, the results in the files' order (the
# same records, rows and problems as one process gives). A few files are read in-process:
# a worker costs more than it saves below PARALLEL_MIN files.
PARALLEL_MIN = 200
CHUNK_FILES = 100


def intake_workers(files: int) -> int:
    """How many processes read ``files`` files: ``LEITAI_INTAKE_WORKERS``, else up to 4 CPUs; 1 = in-process."""
    value = os.environ.get("LEITAI_INTAKE_WORKERS", "").strip()
    wanted = max(1, int(value)) if value.isdigit() else min(4, os.cpu_count() or 1)
    if files < PARALLEL_MIN:
        return 1
    return max(1, min(wanted, -(-files // CHUNK_FILES)))


def chunked(paths: list[Path], workers: int) -> list[list[Path]]:
    """``paths`` in order, cut into the chunks the workers take one at a time: CHUNK_FILES
    each, then smaller towards the end (a quarter of what is left per worker, at least
    CHUNK_FILES // 8), so that the workers finish together rather than one waiting on another's last chunk."""
    chunks, start = [], 0
    while start < len(paths):
        size = max(1, CHUNK_FILES // 8, min(CHUNK_FILES, (len(paths) - start) // (4 * workers)))
        chunks.append(paths[start:start + size])
        start += size
    return chunks


def _read_many(paths: list[Path], campaign: Campaign, plan: PlanIndex, period: int | None) -> Iterator[_Result]:
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
    chunks = chunked(paths, workers)
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


def _read_isolated(paths: list[Path], campaign: Campaign, plan: PlanIndex, period: int | None,
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


_WORKER: tuple[Campaign, PlanIndex, int | None] | None = None


def _worker_init(campaign: Campaign, plan: PlanIndex, period: int | None) -> None:
    global _WORKER
    _WORKER = (campaign, plan, period)
    gc.enable()  # forked from a paused parent: a worker reads file after file, its garbage is its own


def _read_chunk(paths: list[Path]) -> list[_Result]:
    """Worker process: ``_read_one`` of each path (module level, so that spawn can import it)."""
    assert _WORKER is not None
    campaign, plan, period = _WORKER
    results = [_read_one(path, campaign, plan, period) for path in paths]
    for result, rows in zip(results, framed([r.rows for r in results])):  # type: ignore[misc]  # all lists here
        result.rows = rows  # one frame of the chunk's rows, sent back whole
    return results


def _is_overrides(path: Path) -> bool:
    return clean_header(path.stem) in ("核定", "核定表") and path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods")


def _override_record(path: Path, found: list[Problem], kind: str = "办公室核定表") -> FileRecord:
    unreadable = any(p.cell == "" for p in found)  # only a whole-file problem has no cell
    status: Status = "rejected" if unreadable else ("accepted_with_problems" if found else "accepted")
    reason = found[0].message if unreadable else kind + (f"，有 {len(found)} 处问题" if found else "")
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return FileRecord(path.name, _digest(path, b""), size, None, status, reason, len(found), role="overrides")


def _resolve_duplicates(results: list[_Result]) -> None:
    """A unit sent more than once (files, or a file and an export's rows): the later one wins."""
    by_unit: dict[str, list[tuple[float, str, _Result]]] = {}
    for result in results:
        record = result.record
        if record.status not in ("accepted", "accepted_with_problems"):
            continue
        if record.role == "export":
            for unit, stamp in result.parts.items():
                by_unit.setdefault(unit, []).append((stamp, record.file, result))
        elif record.unit:
            by_unit.setdefault(record.unit, []).append((result.stamp, record.file, result))
    for unit, group in by_unit.items():
        if len(group) < 2:
            continue
        group.sort(key=lambda entry: entry[:2])
        winner = group[-1][2]
        for _, _, loser in group[:-1]:
            detail = f"采用“{winner.record.file}”，未采用“{loser.record.file}”"
            if loser.record.role == "export":
                _drop_from_export(loser, unit, detail)
                continue
            note = problem("duplicate_submission", file=loser.record.file, unit=unit, detail=detail)
            loser.rows, loser.problems = [], [note]
            loser.record = FileRecord(loser.record.file, loser.record.sha256, loser.record.size, unit,
                                      "rejected", note.message, 1)


def _drop_from_export(result: _Result, unit: str, detail: str) -> None:
    """An export's rows of ``unit`` give way to a later submission of that unit."""
    record = result.record
    result.rows = without_unit(result.rows, unit)
    note = problem("duplicate_in_export", file=record.file, unit=unit, detail=detail)
    result.problems = [p for p in result.problems if p.unit != unit] + [note]
    result.parts.pop(unit, None)
    kept = [(u, t) for u, t in zip(record.units, record.unit_times) if u != unit]
    units = tuple(u for u, _ in kept)
    count = len(result.problems)
    status: Status = "rejected" if not units else "accepted_with_problems"
    reason = "汇总表中的单位均另有较晚的报送，未采用" if not units else accepted_reason("export", count, units)
    result.record = dataclasses.replace(record, status=status, reason=reason, problems=count, units=units,
                                        unit_times=tuple(t for _, t in kept))


# --------------------------------------------------------------------------- one file

def _read_one(path: Path, campaign: Campaign, plan: PlanIndex, period: int | None) -> _Result:
    name = path.name
    out = Problems(name, "")
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
        reading = _read_sheet(book, path, campaign, plan, period, out)
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
    stamp = book.modified or stat.st_mtime
    digest = hashlib.sha256(data).hexdigest()
    if not reading.export:
        part = reading.parts[0]
        record = FileRecord(name, digest, size, part.unit, status, accepted_reason("sheet", count), count)
        return _Result(record, part.rows, out.items, stamp)
    units = tuple(p.unit for p in reading.parts)
    if not units:
        status = "rejected"
    times = tuple(p.submitted.isoformat(sep=" ", timespec="seconds") if p.submitted else "" for p in reading.parts)
    record = FileRecord(name, digest, size, None, status, accepted_reason("export", count, units), count,
                        role="export", units=units, unit_times=times)
    stamps = {p.unit: p.submitted.timestamp() if p.submitted else stamp for p in reading.parts}
    return _Result(record, [row for p in reading.parts for row in p.rows], out.items, stamp, stamps)


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
