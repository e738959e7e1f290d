"""The ledger: history.sqlite keeps every recorded period (SPEC §5).

Per period: node states, unit scores, project lights, cards, overrides applied, the
plan it was scored on (plan_nodes, plan_projects: each node's original and effective date
and status, each project's status), the inputs' hashes and the full results dict. Recording a period is one transaction that
replaces that period only; later periods are not touched.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..campaign.changes import NODE_COLUMNS, PROJECT_COLUMNS, EffectivePlan
from ..errors import LedgerError, os_reason, sqlite_reason
from ..scoring.score import History, Scores
from .check import verify, write_backup

SCHEMA = """
CREATE TABLE IF NOT EXISTS periods (
    period INTEGER PRIMARY KEY, cutoff TEXT NOT NULL, evaluation INTEGER NOT NULL,
    results TEXT NOT NULL, settings TEXT NOT NULL, inputs TEXT NOT NULL, tool_version TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS node_states (
    period INTEGER NOT NULL, project_id TEXT NOT NULL, seq INTEGER NOT NULL, done INTEGER NOT NULL,
    done_date TEXT, done_period INTEGER, source TEXT NOT NULL, note TEXT NOT NULL, reported_date TEXT,
    progress_pct REAL, invest_done REAL, date_assumed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (period, project_id, seq)
);
CREATE TABLE IF NOT EXISTS unit_scores (
    period INTEGER NOT NULL, unit TEXT NOT NULL, grp TEXT NOT NULL, submitted INTEGER NOT NULL,
    due INTEGER NOT NULL, done INTEGER NOT NULL, rate REAL, period_rate REAL, ahead INTEGER NOT NULL,
    red_projects INTEGER NOT NULL, rank INTEGER, rank_change INTEGER, yellow_card INTEGER NOT NULL,
    PRIMARY KEY (period, unit)
);
CREATE TABLE IF NOT EXISTS project_lights (
    period INTEGER NOT NULL, project_id TEXT NOT NULL, light TEXT NOT NULL,
    red_count INTEGER NOT NULL, red_streak INTEGER NOT NULL, PRIMARY KEY (period, project_id)
);
CREATE TABLE IF NOT EXISTS overrides (
    period INTEGER NOT NULL, project_id TEXT NOT NULL, seq INTEGER NOT NULL, done INTEGER NOT NULL,
    done_date TEXT, reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_nodes (
    period INTEGER NOT NULL, project_id TEXT NOT NULL, seq INTEGER NOT NULL, unit TEXT NOT NULL,
    category TEXT NOT NULL, included TEXT, original_due TEXT NOT NULL, due TEXT NOT NULL, status TEXT NOT NULL,
    change TEXT, approved TEXT, basis TEXT, note TEXT, whole INTEGER NOT NULL,
    PRIMARY KEY (period, project_id, seq)
);
CREATE TABLE IF NOT EXISTS plan_projects (
    period INTEGER NOT NULL, project_id TEXT NOT NULL, unit TEXT NOT NULL, category TEXT NOT NULL,
    included TEXT, status TEXT NOT NULL, change TEXT, approved TEXT, basis TEXT, note TEXT,
    PRIMARY KEY (period, project_id)
);
CREATE TABLE IF NOT EXISTS publications (
    period INTEGER PRIMARY KEY, out_dir TEXT NOT NULL, manifest_sha256 TEXT NOT NULL, state TEXT NOT NULL
);
"""
# publications: the output folder each recorded period was published to and its manifest's digest;
# state 'publishing' from the ledger commit until the folder is in place, then 'done' (publish.py).
# Columns added after the first version, added in place to an older ledger: (table, column, type).
MIGRATIONS = (("node_states", "reported_date", "TEXT"), ("node_states", "progress_pct", "REAL"),
              ("node_states", "invest_done", "REAL"), ("periods", "basis", "TEXT"),
              # date_assumed 0: dates recorded before the flag existed count as given
              ("node_states", "date_assumed", "INTEGER NOT NULL DEFAULT 0"))
_TABLES = ("node_states", "unit_scores", "project_lights", "overrides", "plan_nodes", "plan_projects", "publications",
           "periods")


@contextmanager
def run_lock(ledger_path: Path, wait_seconds: float = 5.0) -> Iterator[None]:
    """Hold the campaign's run lock: a second run waits ``wait_seconds``, then refuses.

    The lock is an SQLite write transaction on a small file beside the ledger, so the
    operating system releases it when the process ends, however it ends. Each way it can
    fail is said as it is: another run, a folder that cannot be written, a lock path that
    is a folder; a lock file that is not a database (garbage) is replaced, as nobody can hold it.
    """
    db = _acquire(Path(ledger_path).with_name(LOCK_NAME), wait_seconds)
    try:
        yield
    finally:
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        db.close()


LOCK_NAME = ".leitai-run.lock"


def _acquire(lock_path: Path, wait_seconds: float) -> sqlite3.Connection:
    folder = lock_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LedgerError(f"无法创建文件夹 {folder}（{os_reason(exc)}）：请检查路径和权限") from None
    for attempt in range(2):
        if lock_path.is_symlink() or (lock_path.exists() and not lock_path.is_file()):
            kind = "文件夹" if lock_path.is_dir() else "链接或特殊文件"
            raise LedgerError(f"运行锁 {lock_path} 是{kind}，不是普通文件：请删除它后重新运行")
        db = None
        try:
            db = sqlite3.connect(lock_path, timeout=wait_seconds, isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            return db
        except sqlite3.DatabaseError as exc:
            if db is not None:
                db.close()
            text = str(exc).lower()
            if "locked" in text or "busy" in text:
                raise LedgerError(f"同一攻坚行动正在另一个窗口中汇总（{folder}），请等它结束后再运行") from None
            if attempt == 0 and ("not a database" in text or "malformed" in text):
                _replace_with_empty(lock_path)  # garbage in the lock file: no process can hold it
                continue
            raise LedgerError(f"无法在 {folder} 建立运行锁 {lock_path.name}（{sqlite_reason(exc)}）："
                              f"请检查该文件夹的写入权限和磁盘空间") from None
    raise LedgerError(f"运行锁 {lock_path} 已损坏且无法替换：请删除它后重新运行")


def _replace_with_empty(lock_path: Path) -> None:
    tmp = lock_path.with_name(f"{lock_path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(b"")
        os.replace(tmp, lock_path)
    except OSError as exc:
        raise LedgerError(f"运行锁 {lock_path} 已损坏，且无法替换（{os_reason(exc)}）：请删除它后重新运行") from None


class Ledger:
    """history.sqlite of one campaign. Use as a context manager, or call ``close()``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if self.path.exists() and not self.path.is_file():
            raise LedgerError(f"历史台账 {self.path} 是文件夹或特殊文件，不是台账文件：请把它移走后重新运行")
        existed = self.path.exists()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.DatabaseError) as exc:
            reason = os_reason(exc) if isinstance(exc, OSError) else sqlite_reason(exc)
            raise LedgerError(f"历史台账 {self.path} 无法打开（{reason}）：请检查文件夹权限和磁盘空间") from None
        try:
            if existed:
                verify(self._db, self.path)  # reads only: a damaged ledger is never written into
            self._db.executescript(SCHEMA)
            for table, column, kind in MIGRATIONS:
                if column not in {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise LedgerError(f"历史台账 {self.path} 无法使用（{sqlite_reason(exc)}）：请检查磁盘空间和权限；"
                              f"如文件已损坏，请按使用说明从备份恢复") from None
        except BaseException:
            self._db.close()
            raise

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------ reading

    def periods(self) -> list[int]:
        return [row[0] for row in self._db.execute("SELECT period FROM periods ORDER BY period")]

    def previous_period(self, period: int) -> int | None:
        row = self._db.execute("SELECT MAX(period) FROM periods WHERE period < ?", (period,)).fetchone()
        return row[0]

    def states(self, period: int) -> pd.DataFrame | None:
        """Node states recorded at ``period`` (states.STATE_COLUMNS), or None."""
        if period not in self.periods():
            return None
        frame = pd.read_sql_query(
            "SELECT project_id, seq, done, done_date, done_period, source, note, reported_date, progress_pct,"
            " invest_done, date_assumed FROM node_states"
            " WHERE period = ? ORDER BY rowid", self._db, params=(period,))
        frame["done"] = frame["done"].astype(bool)
        frame["seq"] = frame["seq"].astype("int64")
        frame["done_date"] = pd.to_datetime(frame["done_date"]).astype("datetime64[ns]")
        frame["done_period"] = frame["done_period"].astype("Int64")
        frame["reported_date"] = pd.to_datetime(frame["reported_date"]).astype("datetime64[ns]")
        for name in ("progress_pct", "invest_done"):  # last known figures (investment.FIGURE_COLUMNS)
            frame[name] = frame[name].astype("float64")
        frame["date_assumed"] = frame["date_assumed"].fillna(0).astype(bool)
        return frame

    def history(self, period: int) -> History:
        """Lights of the recorded periods before ``period`` and ranks at the previous one."""
        lights = pd.read_sql_query(
            "SELECT period, project_id, light FROM project_lights WHERE period < ?", self._db, params=(period,))
        previous = self.previous_period(period)
        ranks: dict[str, int] = {}
        if previous is not None:
            for unit, rank in self._db.execute(
                    "SELECT unit, rank FROM unit_scores WHERE period = ? AND rank IS NOT NULL", (previous,)):
                ranks[unit] = int(rank)
        return History(lights, ranks)

    def plan(self, period: int) -> EffectivePlan | None:
        """The plan ``period`` was scored on, or None (not recorded, or recorded before plans were kept)."""
        nodes = pd.read_sql_query(f"SELECT {', '.join(NODE_COLUMNS)} FROM plan_nodes WHERE period = ? ORDER BY rowid",
                                  self._db, params=(period,))
        projects = pd.read_sql_query(
            f"SELECT {', '.join(PROJECT_COLUMNS)} FROM plan_projects WHERE period = ? ORDER BY rowid",
            self._db, params=(period,))
        if projects.empty:
            return None
        for frame, dates in ((nodes, ("included", "original_due", "due", "approved")), (projects, ("included", "approved"))):
            for column in dates:
                frame[column] = pd.Series([dt.date.fromisoformat(v) if isinstance(v, str) else None
                                           for v in frame[column].tolist()], index=frame.index, dtype=object)
            for column in ("change", "basis", "note"):
                frame[column] = pd.Series([v if isinstance(v, str) else None for v in frame[column].tolist()],
                                          index=frame.index, dtype=object)
        nodes["seq"] = nodes["seq"].astype("int64")
        nodes["whole"] = nodes["whole"].astype(bool)
        return EffectivePlan(nodes, projects)

    def results_up_to(self, period: int) -> list[dict[str, Any]]:
        rows = self._db.execute("SELECT results FROM periods WHERE period <= ? ORDER BY period", (period,))
        return [json.loads(row[0]) for row in rows]

    # ------------------------------------------------------------------ writing

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise LedgerError(f"历史台账 {self.path} 无法写入（{sqlite_reason(exc)}），请稍后重试") from None
        try:
            yield self._db
        except BaseException:
            if self._db.in_transaction:  # SQLite may have rolled back already (a full disk does)
                self._db.execute("ROLLBACK")
            raise
        else:
            try:
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def backup(self, label: str) -> Path:
        """Copy the ledger as it stands to history.sqlite.bak-<label> (the last few are kept)."""
        return write_backup(self._db, self.path, label)

    @property
    def connection(self) -> sqlite3.Connection:
        return self._db

    def publications(self) -> list[tuple[int, str, str, str]]:
        """(period, out_dir, manifest_sha256, state) of every recorded period published by this version."""
        return list(self._db.execute("SELECT period, out_dir, manifest_sha256, state FROM publications ORDER BY period"))

    def mark_published(self, period: int) -> None:
        """The period's output folder is in place: clear its 'publishing' marker."""
        try:
            self._db.execute("UPDATE publications SET state = 'done' WHERE period = ?", (period,))
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"历史台账 {self.path} 写入失败（{sqlite_reason(exc)}）：下次运行时会自动补完") from None

    def record(
        self,
        period: int,
        cutoff: dt.date,
        states: pd.DataFrame,
        scores: Scores,
        results: dict[str, Any],
        overrides: pd.DataFrame,
        settings: dict[str, Any],
        inputs: dict[str, str],
        tool_version: str,
        plan: EffectivePlan | None = None,
        publication: tuple[str, str] | None = None,
        basis: str | None = None,
    ) -> None:
        """Replace ``period`` with these records, in one transaction.

        ``plan``: the plan the period was scored on (default: the one in ``scores``).
        ``publication`` (out_dir, manifest sha256) is recorded in the same transaction with
        the state 'publishing', for publish.py to clear once the output folder is in place.
        """
        plan = plan if plan is not None else scores.plan
        def iso(value: Any) -> str | None:
            return None if pd.isna(value) else pd.Timestamp(value).date().isoformat()

        def opt_int(value: Any) -> int | None:
            return None if pd.isna(value) else int(value)

        def opt_float(value: Any) -> float | None:
            return None if pd.isna(value) else float(value)

        try:
            with self._transaction() as db:
                for table in _TABLES:
                    db.execute(f"DELETE FROM {table} WHERE period = ?", (period,))
                db.execute(
                    "INSERT INTO periods (period, cutoff, evaluation, results, settings, inputs, tool_version, basis)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (period, cutoff.isoformat(), int(bool(results.get("evaluation"))),
                     json.dumps(results, ensure_ascii=False, sort_keys=True),
                     json.dumps(settings, ensure_ascii=False, sort_keys=True),
                     json.dumps(inputs, ensure_ascii=False, sort_keys=True), tool_version,
                     self.basis_for(period) if basis is None else basis))
                db.executemany(
                    "INSERT INTO node_states (period, project_id, seq, done, done_date, done_period, source, note,"
                    " reported_date, progress_pct, invest_done, date_assumed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    zip([period] * len(states), _values(states, "project_id"), _values(states, "seq", int),
                        _values(states, "done", int), _dates(states, "done_date"),
                        _values(states, "done_period", int, optional=True), _values(states, "source"),
                        _values(states, "note"), _dates(states, "reported_date"),
                        _values(states, "progress_pct", float, optional=True),
                        _values(states, "invest_done", float, optional=True),
                        _values(states, "date_assumed", lambda v: int(bool(v)), default=0)))
                db.executemany(
                    "INSERT INTO unit_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(period, r.unit, r.group, int(r.submitted), int(r.due), int(r.done), opt_float(r.rate),
                      opt_float(r.period_rate), int(r.ahead), int(r.red_projects), opt_int(r.rank),
                      opt_int(r.rank_change), int(r.yellow_card)) for r in scores.units.itertuples(index=False)])
                db.executemany(
                    "INSERT INTO project_lights VALUES (?, ?, ?, ?, ?)",
                    [(period, r.id, r.light, int(r.red_count), int(r.red_streak))
                     for r in scores.projects.itertuples(index=False)])
                db.executemany(
                    "INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?)",
                    [(period, r.project_id, int(r.seq), int(r.done), iso(r.done_date), str(r.reason))
                     for r in overrides.itertuples(index=False)])
                if plan is not None:
                    nodes = plan.nodes
                    db.executemany(
                        f"INSERT INTO plan_nodes (period, {', '.join(NODE_COLUMNS)}) VALUES ({', '.join('?' * 14)})",
                        zip([period] * len(nodes), _values(nodes, "project_id"), _values(nodes, "seq", int),
                            _values(nodes, "unit"), _values(nodes, "category"), _dates(nodes, "included"),
                            _dates(nodes, "original_due"), _dates(nodes, "due"), _values(nodes, "status"),
                            _values(nodes, "change"), _dates(nodes, "approved"), _values(nodes, "basis"),
                            _values(nodes, "note"), _values(nodes, "whole", lambda v: int(bool(v)))))
                    db.executemany(
                        f"INSERT INTO plan_projects (period, {', '.join(PROJECT_COLUMNS)}) VALUES ({', '.join('?' * 10)})",
                        [(period, r.project_id, r.unit, r.category, iso(r.included), r.status, r.change, iso(r.approved),
                          r.basis, r.note) for r in plan.projects.itertuples(index=False)])
                if publication is not None:
                    db.execute("INSERT INTO publications VALUES (?, ?, ?, 'publishing')", (period, *publication))
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"历史台账 {self.path} 写入失败（{sqlite_reason(exc)}），本期未记录："
                              f"请检查磁盘空间和权限后重新运行") from None

    # ------------------------------------------------------------------ stale periods

    def digest(self, period: int) -> str:
        """sha256 of what a later period reads of ``period``: its results, node states and its own basis.

        Chained through the basis, so a change to any earlier period changes every later digest.
        """
        row = self._db.execute("SELECT results, basis FROM periods WHERE period = ?", (period,)).fetchone()
        if row is None:
            return ""
        digest = hashlib.sha256(f"{row[0]}\x1f{row[1] or ''}".encode())
        for state in self._db.execute(
                "SELECT project_id, seq, done, done_date, done_period, source, progress_pct, invest_done"
                " FROM node_states WHERE period = ?"
                " ORDER BY project_id, seq", (period,)):
            digest.update(repr(state).encode())
        return digest.hexdigest()

    def basis_for(self, period: int) -> str:
        """The digest of the history ``period`` rests on (the latest recorded period before it)."""
        previous = self.previous_period(period)
        return self.digest(previous) if previous is not None else ""

    def stale(self) -> dict[int, int]:
        """Recorded periods resting on changed history: period -> the earliest period that changed under it.

        A period recorded before the basis was kept (NULL) is taken as current.
        """
        out: dict[int, int] = {}
        changed: int | None = None
        for period, basis in list(self._db.execute("SELECT period, basis FROM periods ORDER BY period")):
            if changed is None and basis is not None and basis != self.basis_for(period):
                changed = self.previous_period(period)
            if changed is not None:
                out[period] = changed
        return out

    def summary(self) -> list[dict[str, Any]]:
        """Headline figures of every recorded period, for ``leitai history``."""
        out = []
        for period, cutoff, evaluation, results in self._db.execute(
                "SELECT period, cutoff, evaluation, results FROM periods ORDER BY period"):
            data = json.loads(results)
            overall = data["overall"]
            out.append({
                "period": period, "cutoff": cutoff, "evaluation": bool(evaluation),
                "due": overall["due"], "done": overall["done"], "rate": overall["rate"],
                "green": overall["green"], "yellow": overall["yellow"], "red": overall["red"],
                "yellow_cards": sum(1 for u in data["units"] if u["yellow_card"]),
                "submitted": sum(1 for u in data["units"] if u["submitted"]),
                "units": len(data["units"]),
            })
        return out


# Recording a period writes a row per plan node twice (node_states, plan_nodes): 84,000 rows at
# province scale. Their values are converted a column at a time (dates by numpy), the same values
# a row-by-row ``iso``/``int``/``float`` gives.

def _values(frame: pd.DataFrame, name: str, convert: Callable[[Any], Any] | None = None, *,
            optional: bool = False, default: Any = None) -> list[Any]:
    """Every row's ``name`` (``convert``-ed; ``optional``: a blank is None); ``default`` for each
    row when the frame has no such column."""
    if name not in frame:
        return [default] * len(frame)
    values = frame[name].tolist()
    if optional:
        blank = frame[name].isna().tolist()
        return [None if b else (convert(v) if convert else v) for v, b in zip(values, blank)]
    return [convert(v) for v in values] if convert else values


def _dates(frame: pd.DataFrame, name: str) -> list[str | None]:
    """Every row's ``name`` as an ISO date, None for a blank (or no such column)."""
    if name not in frame:
        return [None] * len(frame)
    column = frame[name]
    if isinstance(column.dtype, np.dtype) and column.dtype.kind == "M":  # naive datetime64: all at once
        text = np.datetime_as_string(column.to_numpy().astype("datetime64[D]"), unit="D").tolist()
        return [None if t == "NaT" else t for t in text]
    return [None if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in column.tolist()]
