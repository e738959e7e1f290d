"""Checking history.sqlite before it is used: integrity, schema, content; and its backups.

A ledger is read (and later written) only once ``verify`` found nothing wrong: the SQLite
file header, ``PRAGMA integrity_check``, the tables and columns leitai reads, and every
recorded period's content (results/settings/inputs JSON, ISO dates, scores and lights
present). What is wrong becomes one ``LedgerError`` line naming the newest backup to go
back to; nothing is written into a damaged ledger.

Backups: before a period is recorded, the ledger as it stood is copied with SQLite's
backup API to ``history.sqlite.bak-第NN期`` beside it; the last ``KEEP_BACKUPS`` are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from pathlib import Path

from ..errors import LedgerError, os_reason, sqlite_reason

KEEP_BACKUPS = 5
BACKUP_MARK = ".bak-"
SQLITE_HEADER = b"SQLite format 3\x00"

# The columns leitai reads from each table; a ledger may have more (later versions add some).
REQUIRED: dict[str, tuple[str, ...]] = {
    "periods": ("period", "cutoff", "evaluation", "results", "settings", "inputs", "tool_version"),
    "node_states": ("period", "project_id", "seq", "done", "done_date", "done_period", "source", "note"),
    "unit_scores": ("period", "unit", "grp", "submitted", "due", "done", "rate", "period_rate", "ahead",
                    "red_projects", "rank", "rank_change", "yellow_card"),
    "project_lights": ("period", "project_id", "light", "red_count", "red_streak"),
    "overrides": ("period", "project_id", "seq", "done", "done_date", "reason"),
}
RESULT_KEYS = ("period", "cutoff", "overall", "units", "projects")


def verify(db: sqlite3.Connection, path: Path) -> None:
    """Raise ``LedgerError`` (one line) if the ledger at ``path`` cannot be trusted. Reads only."""
    problem = _first_problem(db, path)
    if problem:
        raise LedgerError(damaged_message(path, problem))


def damaged_message(path: Path, problem: str) -> str:
    backup = newest_backup(path)
    back = (f"请关闭所有 leitai 窗口，用备份 {backup.name} 覆盖 {path.name}（见使用说明“台账备份与恢复”）后重新运行"
            if backup else f"没有可用的备份：请把 {path.name} 改名保存后，从第1期起重新汇总")
    return f"历史台账 {path} 已损坏（{problem}），本次未写入任何内容。{back}"


def _first_problem(db: sqlite3.Connection, path: Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        return f"无法读取：{os_reason(exc)}"
    if head and head != SQLITE_HEADER[:len(head)] or 0 < len(head) < len(SQLITE_HEADER):
        return "文件开头不是 SQLite 数据库标识，可能被其他程序覆盖"
    try:
        rows = [r[0] for r in db.execute("PRAGMA integrity_check(5)")]
        if rows != ["ok"]:
            lines = [x.strip() for r in rows for x in str(r).splitlines() if x.strip() and "***" not in x]
            return f"完整性检查未通过：{(lines or ['数据页损坏'])[0][:80]}"
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return None  # a new, empty ledger
        recorded = "periods" in tables and db.execute("SELECT COUNT(*) FROM periods").fetchone()[0] > 0
        for table, columns in REQUIRED.items():
            if table not in tables:
                # Scores and lights are written only with a recorded period: beside them, a missing table was dropped.
                filled = any(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                             for t in ("unit_scores", "project_lights") if t in tables)
                if recorded or filled:
                    return f"缺少数据表 {table}"
                continue
            have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
            missing = [c for c in columns if c not in have]
            if missing:
                return f"数据表 {table} 缺少列 {'、'.join(missing)}"
        return _content_problem(db) if recorded else None
    except sqlite3.DatabaseError as exc:
        return sqlite_reason(exc)
    except (UnicodeDecodeError, ValueError) as exc:  # text that is not UTF-8 in a damaged page
        return f"内容无法解读（{exc.__class__.__name__}）"


def _content_problem(db: sqlite3.Connection) -> str | None:
    periods = []
    for period, cutoff, results, settings, inputs in db.execute(
            "SELECT period, cutoff, results, settings, inputs FROM periods ORDER BY period"):
        where = f"第{period}期"
        if not isinstance(period, int) or not 1 <= period <= 10000:
            return f"期次“{period}”不是有效的期次"
        if not _is_date(cutoff):
            return f"{where}的截止日期“{str(cutoff)[:20]}”不是日期"
        for name, text in (("结果", results), ("设置", settings), ("输入文件清单", inputs)):
            try:
                value = json.loads(text)
            except (TypeError, ValueError):
                return f"{where}的{name}记录不是有效的 JSON"
            if not isinstance(value, dict):
                return f"{where}的{name}记录格式不对"
            if name == "结果":
                missing = [k for k in RESULT_KEYS if k not in value]
                if missing or value.get("period") != period or not isinstance(value.get("units"), list):
                    return f"{where}的结果记录不完整（{'、'.join(missing) or 'period/units'}）"
        periods.append(period)
    for period in periods:
        where = f"第{period}期"
        for table, what in (("unit_scores", "单位得分"), ("project_lights", "项目亮灯"), ("node_states", "节点状态")):
            count = db.execute(f"SELECT COUNT(*) FROM {table} WHERE period = ?", (period,)).fetchone()[0]
            if count == 0:
                return f"{where}缺少{what}记录"
    for table, columns in (("node_states", ("done_date",)), ("overrides", ("done_date",))):
        for column in columns:
            for period, value in db.execute(f"SELECT period, {column} FROM {table} WHERE {column} IS NOT NULL"):
                if not _is_date(value):
                    return f"第{period}期{table}.{column} 中的“{str(value)[:20]}”不是日期"
    for (value,) in db.execute("SELECT DISTINCT light FROM project_lights"):
        if value not in ("green", "yellow", "red"):
            return f"亮灯记录中有无效值“{str(value)[:20]}”"
    return None


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------ backups

def backup_path(ledger_path: Path, label: str) -> Path:
    return ledger_path.with_name(f"{ledger_path.name}{BACKUP_MARK}{label}")


def backups(ledger_path: Path) -> list[Path]:
    """The ledger's backups, newest first."""
    prefix = ledger_path.name + BACKUP_MARK
    try:
        found = [p for p in ledger_path.parent.iterdir()
                 if p.name.startswith(prefix) and not p.name.endswith((".tmp", "-journal"))]
    except OSError:
        return []
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def newest_backup(ledger_path: Path) -> Path | None:
    found = backups(ledger_path)
    return found[0] if found else None


def write_backup(db: sqlite3.Connection, ledger_path: Path, label: str) -> Path:
    """Copy the ledger (an open connection) to its backup for ``label``; keep the last few."""
    target = backup_path(ledger_path, label)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.unlink(missing_ok=True)
        copy = sqlite3.connect(tmp)
        try:
            db.backup(copy)
        finally:
            copy.close()
        os.replace(tmp, target)
    except sqlite3.DatabaseError as exc:
        _unlink(tmp)
        raise LedgerError(f"无法备份历史台账到 {target}（{sqlite_reason(exc)}），本期未记录：请检查磁盘空间后重新运行") from None
    except OSError as exc:
        _unlink(tmp)
        raise LedgerError(f"无法备份历史台账到 {target}（{os_reason(exc)}），本期未记录：请检查磁盘空间和权限后重新运行") from None
    for old in backups(ledger_path)[KEEP_BACKUPS:]:
        _unlink(old)
    return target


def restore_backup(db: sqlite3.Connection, source: Path) -> None:
    """Replace the ledger's content (open connection ``db``) with the backup at ``source``, if it is sound."""
    try:
        backup = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"备份 {source} 无法打开（{sqlite_reason(exc)}）") from None
    try:
        problem = _first_problem(backup, source)
        if problem:
            raise LedgerError(f"备份 {source} 也已损坏（{problem}）")
        backup.backup(db)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"无法从备份 {source} 恢复历史台账（{sqlite_reason(exc)}）") from None
    finally:
        backup.close()


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
