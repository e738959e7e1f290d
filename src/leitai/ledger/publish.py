"""Publishing a period whole: its ledger record and its output folder change together (SPEC §5).

Order of work, so that a kill, Ctrl-C, full disk or unwritable folder at any point leaves
either the period as it was (ledger and outputs) or the new one complete in both:

1. every output, manifest.json last, is written into a staging folder beside the output
   folder (``outputs/.~leitai-new-第03期``, the same file system);
2. the ledger is backed up (check.write_backup);
3. the old output folder, if any, is moved aside (``.~leitai-old-第03期``): a folder that
   cannot be moved (a file open in Word on Windows) stops the run here, nothing recorded;
4. ONE ledger transaction records the period with a 'publishing' marker holding the output
   folder and the sha256 of the staged manifest (which lists every output's sha256);
5. the staging folder is renamed into place; 6. the marker is cleared; the old folder removed
   (renamed ``.~leitai-del-<pid>-第03期`` first; ``leitai run`` leaves the deleting to a process of
   its own and ends).

Ctrl-C is held back during steps 3–6 (a few renames and one commit). A kill leaves
something ``repair`` finishes at the next ``leitai run``, under the run lock: a staging
or set-aside folder without a marker is from before the commit (removed, or moved back);
with a marker, the staged folder is moved into place when it is whole, the marker is
cleared when the folder in place is the recorded one, and otherwise the ledger goes back
to its pre-period backup and the old folder is moved back. ``inconsistencies`` says, one
line per period, where a recorded period's output folder does not match the ledger (the
folder deleted, its manifest changed): other commands print it, ``run`` refuses other
periods until that period is re-run.

Files a person put into an output folder (not listed in its manifest) are carried over
into the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import LedgerError, OutputError, os_reason
from .check import backup_path
from .history import Ledger

STAGING_PREFIX, ASIDE_PREFIX = ".~leitai-new-", ".~leitai-old-"
TRASH_PREFIX = ".~leitai-del-"  # a replaced output folder being deleted (after its run's commit)
MANIFEST = "manifest.json"


def staging_dir(out_dir: Path) -> Path:
    return out_dir.with_name(STAGING_PREFIX + out_dir.name)


def aside_dir(out_dir: Path) -> Path:
    return out_dir.with_name(ASIDE_PREFIX + out_dir.name)


def file_digest(path: Path) -> str | None:
    """sha256 of a regular file, or None when it is missing or not a readable regular file."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def check_out_dir(out_dir: Path) -> None:
    """Refuse (one line) an output folder leitai must not replace: a link, or a file in its place."""
    if out_dir.is_symlink():
        raise OutputError(f"输出文件夹 {out_dir} 是一个链接（指向 {os.readlink(out_dir)}）：leitai 不替换链接，"
                          f"请删除该链接（或改为普通文件夹）后重新运行")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} 是一个文件，不是文件夹：请把它移走或改名后重新运行")
    root = out_dir.parent
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root} 是一个文件，不是文件夹：请把它移走或改名后重新运行")


def begin(out_dir: Path) -> Path:
    """A fresh, empty staging folder for ``out_dir``'s new outputs."""
    check_out_dir(out_dir)
    staging = staging_dir(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        _remove(staging)
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"无法在 {out_dir.parent} 中写入输出（{os_reason(exc)}），本期未记录：请检查该文件夹的权限和磁盘空间") from None
    return staging


def abandon(staging: Path) -> None:
    """The run failed before publishing: remove its staging folder (best effort)."""
    try:
        _remove(staging)
    except OSError:
        pass


def carry_over(out_dir: Path, staging: Path) -> None:
    """Copy into ``staging`` the files a person added to ``out_dir`` (those its manifest does not list)."""
    if not out_dir.is_dir():
        return
    listed = {MANIFEST}
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        listed |= {str(o["file"]) for o in manifest.get("outputs", [])}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return  # without a readable manifest nothing can be told apart: the new folder stands alone
    for path in sorted(out_dir.rglob("*")):
        name = path.relative_to(out_dir).as_posix()
        if name in listed or path.name.startswith(".~leitai-") or path.is_symlink() or not path.is_file():
            continue
        target = staging / name
        if target.exists():
            continue
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        except OSError as exc:
            raise OutputError(f"无法把 {path} 复制到新的输出文件夹（{os_reason(exc)}），本期未记录：请检查磁盘空间") from None


def stored_out_dir(ledger_path: Path, out_dir: Path) -> str:
    """The output folder as the ledger keeps it: relative to the ledger's folder when inside it."""
    try:
        return out_dir.resolve().relative_to(ledger_path.resolve().parent).as_posix()
    except ValueError:
        return str(out_dir.resolve())


def _resolve(ledger_path: Path, stored: str) -> Path:
    path = Path(stored)
    return path if path.is_absolute() else ledger_path.parent / path


def publish(ledger: Ledger, period: int, label: str, out_dir: Path, staging: Path,
            record: Callable[[tuple[str, str]], None], *, detach: bool = False) -> None:
    """Steps 2–6 above. ``record(publication)`` writes the period's ledger transaction. ``detach``:
    the old folder is deleted by a process of its own (the program ends without waiting for it)."""
    digest = file_digest(staging / MANIFEST)
    if digest is None:
        raise OutputError(f"新的输出文件夹 {staging} 缺少 {MANIFEST}，本期未记录")
    try:
        ledger.backup(label)
    except BaseException:
        abandon(staging)
        raise
    aside = aside_dir(out_dir)
    with _hold_interrupts():
        try:
            _remove(aside)
            if out_dir.exists():
                os.rename(out_dir, aside)
        except OSError as exc:
            abandon(staging)
            raise OutputError(f"无法替换输出文件夹 {out_dir}（{os_reason(exc)}），本期未记录：如其中的文件正在"
                              f" Word/Excel/WPS 中打开，请关闭后重新运行") from None
        try:
            record((stored_out_dir(ledger.path, out_dir), digest))
        except BaseException:
            _move_back(aside, out_dir)
            abandon(staging)
            raise
        try:
            os.rename(staging, out_dir)
        except OSError as exc:  # recorded: the next run finishes the swap (the staging folder is whole)
            raise OutputError(f"第{period}期已记入台账，但无法把新输出移入 {out_dir}（{os_reason(exc)}）："
                              f"请排除后重新运行 leitai run，将自动补完") from None
        ledger.mark_published(period)
    # Renamed first, so that no later run takes a folder of that name for its own set-aside one
    # (a later run's repair deletes whatever is left of it).
    trash = out_dir.with_name(f"{TRASH_PREFIX}{os.getpid()}-{out_dir.name}")
    try:
        os.rename(aside, trash)
    except FileNotFoundError:
        return  # the period's first publication: there was no old folder
    except OSError:
        _remove_quietly(aside)  # else removed at the next run
        return
    if not (detach and _delete_detached(trash)):
        _remove_quietly(trash)


# A process of its own that deletes a folder, outliving the program by a moment: a replaced output
# folder is a few dozen files whose blocks the file system may discard one by one (60-100 ms on
# this project's test machine), which the office need not wait for.
_DELETER = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"


def _delete_detached(path: Path) -> bool:
    """Start deleting ``path`` in a detached process; False if none could be started."""
    import subprocess
    import sys

    options: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {
        "creationflags": getattr(subprocess, "DETACHED_PROCESS", 0) | getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    try:
        subprocess.Popen([sys.executable, "-c", _DELETER, str(path)], stdin=subprocess.DEVNULL,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True, **options)
    except (OSError, ValueError):
        return False
    return True


# ------------------------------------------------------------------------------ repair

def repair(ledger: Ledger, outputs_root: Path, period: int | None = None) -> list[str]:
    """Bring ledger and outputs back into agreement after an interrupted run; what was done, one line each.

    ``period`` is the period about to be re-run: a mismatch there is mended by the run itself.
    Raises ``LedgerError`` when a recorded period's outputs do not match and it is not that period.
    """
    notes: list[str] = []
    for row in ledger.publications():
        if row[3] == "publishing":
            notes.append(_finish(ledger, *row))
    notes += _leftovers(outputs_root)
    bad = inconsistencies(ledger, outputs_root)
    others = [(p, line) for p, line in bad if p != period]
    if others:
        raise LedgerError(others[0][1])
    return [n for n in notes if n]


def _finish(ledger: Ledger, period: int, stored: str, digest: str, state: str) -> str:
    out_dir = _resolve(ledger.path, stored)
    staging, aside = staging_dir(out_dir), aside_dir(out_dir)
    if file_digest(out_dir / MANIFEST) == digest and _whole(out_dir):
        ledger.mark_published(period)
        _remove_quietly(aside, staging)
        return f"第{period}期上次汇总在最后一步中断，已补完"
    if file_digest(staging / MANIFEST) == digest and _whole(staging):
        try:
            if out_dir.exists():
                _remove(aside)
                os.rename(out_dir, aside)
            os.rename(staging, out_dir)
        except OSError as exc:
            raise OutputError(f"第{period}期上次汇总被中断，补完时无法把新输出移入 {out_dir}（{os_reason(exc)}）："
                              f"请排除后重新运行") from None
        ledger.mark_published(period)
        _remove_quietly(aside)
        return f"第{period}期上次汇总被中断（已记入台账，输出尚未就位），已补完输出"
    # The staged folder is gone or damaged: the ledger goes back to how it stood before that run.
    from ..campaign.plan import period_label
    from .check import restore_backup

    backup = backup_path(ledger.path, period_label(period))
    if not backup.exists():
        raise LedgerError(f"第{period}期上次汇总被中断，其输出已不完整，且找不到备份 {backup.name}："
                          f"请运行 leitai run --period {period} 重新汇总该期")
    restore_backup(ledger.connection, backup)
    if aside.is_dir() and not out_dir.exists():
        _move_back(aside, out_dir)
    _remove_quietly(staging)
    return f"第{period}期上次汇总被中断且新输出不完整，台账已退回该次运行之前（备份 {backup.name}）"


def _whole(folder: Path) -> bool:
    """Every output the folder's manifest lists is there with its sha256."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return all(file_digest(folder / o["file"]) == o["sha256"] for o in manifest["outputs"])
    except (OSError, ValueError, TypeError, KeyError):
        return False


def _leftovers(outputs_root: Path) -> list[str]:
    """Staging and set-aside folders of runs killed before their ledger commit; replaced folders
    a run had not finished deleting."""
    notes = []
    try:
        entries = sorted(outputs_root.iterdir()) if outputs_root.is_dir() else []
    except OSError:
        return []
    for path in entries:
        if path.name.startswith((STAGING_PREFIX, TRASH_PREFIX)):
            _remove_quietly(path)
        elif path.name.startswith(ASIDE_PREFIX):
            out_dir = path.with_name(path.name[len(ASIDE_PREFIX):])
            if not out_dir.exists() and not out_dir.is_symlink():
                _move_back(path, out_dir)
                notes.append(f"{out_dir.name}的输出在上次中断的运行中被移开，已放回原处")
            else:
                _remove_quietly(path)
    return notes


def inconsistencies(ledger: Ledger, outputs_root: Path) -> list[tuple[int, str]]:
    """(period, one line) for each recorded period whose output folder does not match the ledger."""
    out = []
    published = {p: (out, digest, state) for p, out, digest, state in ledger.publications()}
    for period in ledger.periods():
        if period in published:
            stored, digest, state = published[period]
            out_dir = _resolve(ledger.path, stored)
            if state == "publishing":
                out.append((period, f"第{period}期上次汇总被中断，台账与输出尚未一致：运行 leitai run 将自动修复"))
            elif file_digest(aside_dir(out_dir) / MANIFEST) == digest and not out_dir.exists():
                out.append((period, f"第{period}期的输出在上次中断的运行中被移开：运行 leitai run 将自动放回"))
            elif file_digest(out_dir / MANIFEST) != digest:
                what = "不存在" if not out_dir.exists() else f"中的 {MANIFEST} 缺失或与台账记录不符"
                out.append((period, f"第{period}期已记入台账，但输出文件夹 {out_dir} {what}："
                                    f"请运行 leitai run --period {period} 重新生成该期"))
        else:  # recorded by an older version: its folder must at least be a whole one
            from ..campaign.plan import period_label

            out_dir = outputs_root / period_label(period)
            if out_dir.is_dir() and not (out_dir / MANIFEST).is_file():
                out.append((period, f"第{period}期已记入台账，但输出文件夹 {out_dir} 不完整（缺少 {MANIFEST}）："
                                    f"请运行 leitai run --period {period} 重新生成该期"))
    return out


def ledger_notes(ledger_path: Path, outputs_root: Path) -> list[str]:
    """What a command other than ``run`` says about the ledger: damage, or periods not matching their outputs."""
    if not ledger_path.exists():
        return []
    try:
        with Ledger(ledger_path) as ledger:
            lines = [line for _, line in inconsistencies(ledger, outputs_root)]
            stale = ledger.stale()
    except LedgerError as exc:
        return [str(exc)]
    if stale:
        first = min(stale)
        lines.append(f"{'、'.join(f'第{p}期' for p in sorted(stale))}仍按第{stale[first]}期改变前的记录计算，已过时："
                     f"运行 leitai run --period {first} --later 可依次重算")
    return lines


# ------------------------------------------------------------------------------ helpers

@contextmanager
def _hold_interrupts() -> Iterator[None]:
    """Ctrl-C (SIGINT) waits until the block is done, then is raised (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[Any] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def _move_back(aside: Path, out_dir: Path) -> None:
    try:
        if aside.is_dir() and not out_dir.exists():
            os.rename(aside, out_dir)
    except OSError:
        pass  # put back by the next run's repair


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _remove_quietly(*paths: Path) -> None:
    for path in paths:
        try:
            _remove(path)
        except OSError:
            pass
