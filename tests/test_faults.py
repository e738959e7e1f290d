"""Faults a hostile environment brings: the ledger and the outputs agree after every one.

A small campaign has periods 1–3 recorded (once per module; each test works on a copy).
A run is killed at each step of publishing, the ledger is damaged by seeded overwrites,
the output folder is made unwritable or a full disk is mounted, the lock is garbage or a
folder, a recorded period's outputs are deleted. After each: one clear line (a LeitaiError),
nothing written into a damaged ledger, and once repaired the ledger and outputs agree.
scripts/faults.py measures the same faults with many more trials (the fault table).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from builders import submit, write_campaign
from leitai.campaign.plan import load_campaign
from leitai.errors import LedgerError, LeitaiError, OutputError
from leitai.ledger.history import Ledger, run_lock
from leitai.ledger.publish import ASIDE_PREFIX, STAGING_PREFIX, TRASH_PREFIX, ledger_notes, repair
from leitai.pipeline import run_period

ROOT = Path(__file__).resolve().parents[1]
LEDGER = "history.sqlite"
ANSWERS = {1: {"甲街道": {("P01", 1): "2020-09-10"}, "乙镇": {("P02", 1): "2020-09-12"}},
           2: {"甲街道": {("P01", 2): "2020-09-25"}, "县丙局": {("P03", 1): "2020-09-20"}},
           3: {"乙镇": {("P02", 2): "2020-10-05"}},
           4: {"县丙局": {("P03", 2): "2020-10-10"}}}
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX kills, mounts and chattr")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = write_campaign(tmp_path_factory.mktemp("faults") / "c")
    campaign = load_campaign(folder)
    for period, units in ANSWERS.items():
        for unit, done in units.items():
            submit(campaign, period, unit, done, folder / "inputs" / f"第{period:02d}期")
    for period in (1, 2, 3):
        run_period(campaign, period)
    (folder / "outputs" / "第03期" / "办公室批注.txt").write_text("人工加的文件", encoding="utf-8")
    return folder


@pytest.fixture()
def work(base, tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(base, folder, symlinks=True)
    return folder


def agreement(folder: Path) -> str | None:
    """Why the ledger and the outputs disagree, or None (every period published, its manifest whole)."""
    with sqlite3.connect(folder / LEDGER) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        periods = [r[0] for r in db.execute("SELECT period FROM periods ORDER BY period")]
        rows = {r[0]: r[1:] for r in db.execute("SELECT period, out_dir, manifest_sha256, state FROM publications")}
    for period in periods:
        out, digest, state = rows[period]
        manifest = folder / out / "manifest.json"
        if state != "done" or hashlib.sha256(manifest.read_bytes()).hexdigest() != digest:
            return f"period {period}: {state}, manifest {'matches' if manifest.exists() else 'missing'}"
        for output in json.loads(manifest.read_text(encoding="utf-8"))["outputs"]:
            data = (folder / out / output["file"]).read_bytes()
            if hashlib.sha256(data).hexdigest() != output["sha256"]:
                return f"period {period}: {output['file']} changed"
    return None


def results(folder: Path, period: int) -> str | None:
    with sqlite3.connect(folder / LEDGER) as db:
        row = db.execute("SELECT results FROM periods WHERE period = ?", (period,)).fetchone()
    return row and row[0]


# ------------------------------------------------------------------------------ kills

KILL_POINTS = {
    # where the process dies (os._exit, as SIGKILL would): the code that runs just before it
    "staged": "leitai.ledger.history.Ledger.backup",          # outputs staged, ledger backed up
    "aside": "os.rename#1",                            # the old folder moved aside, nothing recorded
    "recorded": "leitai.ledger.history.Ledger.record",         # the period recorded with its marker
    "swapped": "os.rename#2",                          # the new folder in place, the marker still set
    "marked": "leitai.ledger.history.Ledger.mark_published",   # the marker cleared, the old folder not yet removed
    "trashed": "os.rename#3",                          # the old folder renamed for deletion, not yet deleted
}

KILLER = """
import os, sys
import leitai.ledger.history, leitai.ledger.publish
point = sys.argv[1]
if point.startswith("os.rename#"):
    nth, calls, real = int(point.split("#")[1]), [], os.rename
    def rename(*args, **kwargs):
        real(*args, **kwargs)
        calls.append(1)
        if len(calls) == nth:
            os._exit(9)
    leitai.ledger.publish.os.rename = rename
else:
    owner, name = point.rsplit(".", 1)
    cls = leitai.ledger.history.Ledger
    real = getattr(cls, name)
    def dying(*args, **kwargs):
        real(*args, **kwargs)
        os._exit(9)
    setattr(cls, name, dying)
from leitai.cli import main
sys.argv = ["leitai", "run", "--campaign", sys.argv[2], "--period", "3"]
main()
"""


@posix_only
@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_a_kill_at_each_step_of_publishing_leaves_old_or_new(work, point):
    """Period 3 re-run with a new sheet is killed at each step; old or new, never half, and repaired."""
    campaign = load_campaign(work)
    old = results(work, 3)
    submit(campaign, 3, "县丁局", {("P04", 1): "2020-09-18"}, work / "inputs" / "第03期")
    done = subprocess.run([sys.executable, "-c", KILLER, KILL_POINTS[point], str(work)], capture_output=True, text=True)
    assert done.returncode == 9, done.stderr[-2000:]
    outputs = work / "outputs"
    # Before any repair: the folder in place is whole, old or new, and other commands say what is pending.
    manifest = json.loads((outputs / "第03期" / "manifest.json").read_text(encoding="utf-8")) \
        if (outputs / "第03期").exists() else None
    recorded = results(work, 3)
    assert recorded in (old, recorded) and recorded is not None
    notes = ledger_notes(work / LEDGER, outputs)
    if point in ("recorded", "swapped"):
        assert notes and "第3期上次汇总被中断" in notes[0] and len(notes) == 1
    if point == "aside":
        assert notes == ["第3期的输出在上次中断的运行中被移开：运行 leitai run 将自动放回"]
    if point in ("marked", "trashed"):
        assert notes == []  # published: what is left to delete is no inconsistency
    if point == "trashed":
        assert [p for p in outputs.iterdir() if p.name.startswith(TRASH_PREFIX)]
    with run_lock(work / LEDGER), Ledger(work / LEDGER) as ledger:
        said = repair(ledger, outputs)
    assert agreement(work) is None, said
    assert not [p for p in outputs.iterdir() if p.name.startswith((STAGING_PREFIX, ASIDE_PREFIX, TRASH_PREFIX))]
    new = results(work, 3) != old
    assert new == (point in ("recorded", "swapped", "marked", "trashed")), (point, said)
    names = {p["file"] for p in json.loads((outputs / "第03期" / "manifest.json").read_text(encoding="utf-8"))["inputs"]}
    assert ("县丁局-第03期.xlsx" in names) == new
    assert (outputs / "第03期" / "办公室批注.txt").read_text(encoding="utf-8") == "人工加的文件"
    assert manifest is None or manifest["period"] == 3
    assert ledger_notes(work / LEDGER, outputs) == []


def test_the_old_folder_is_deleted_by_a_process_of_its_own(work):
    """`leitai run` leaves the replaced folder, renamed, to a detached process and ends; it goes
    within moments, and a library call deletes it before it returns."""
    from leitai.pipeline import run_period

    campaign = load_campaign(work)
    outputs = work / "outputs"
    for _ in range(2):
        run_period(campaign, 3, program_ends=True)
        assert agreement(work) is None
    deadline = time.monotonic() + 20
    while [p for p in outputs.iterdir() if p.name.startswith(TRASH_PREFIX)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in outputs.iterdir() if p.name.startswith(".")]
    run_period(campaign, 3)  # deleted before it returns
    assert not [p for p in outputs.iterdir() if p.name.startswith(".")]


def test_a_deleter_that_cannot_start_leaves_the_deleting_to_the_run(work, monkeypatch):
    import subprocess as subprocess_

    from leitai.pipeline import run_period

    def no_process(*args, **kwargs):
        raise OSError("no more processes")
    monkeypatch.setattr(subprocess_, "Popen", no_process)
    run_period(load_campaign(work), 3, program_ends=True)
    assert not [p for p in (work / "outputs").iterdir() if p.name.startswith(".")]


def period_3_and_a_new_sheet(work: Path) -> tuple[Any, bytes]:
    """Period 3's recorded results and manifest, before a new sheet is dropped into its inputs."""
    old = results(work, 3), (work / "outputs" / "第03期" / "manifest.json").read_bytes()
    submit(load_campaign(work), 3, "县丁局", {("P04", 1): "2020-09-18"}, work / "inputs" / "第03期")
    return old


def assert_period_3_as_it_was(work: Path, old_results: Any, old_manifest: bytes) -> None:
    """A failed re-run of period 3: its record, its outputs and nothing else in outputs/ as before."""
    assert results(work, 3) == old_results
    assert (work / "outputs" / "第03期" / "manifest.json").read_bytes() == old_manifest
    assert agreement(work) is None
    assert sorted(p.name for p in (work / "outputs").iterdir()) == ["第01期", "第02期", "第03期"]


def test_a_failed_ledger_write_leaves_the_old_folder_and_record(work, monkeypatch):
    old_results, old_manifest = period_3_and_a_new_sheet(work)

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(Ledger, "_transaction", lambda self: _raising(full))
    with pytest.raises(LedgerError, match="磁盘空间已满"):
        run_period(load_campaign(work), 3)
    assert_period_3_as_it_was(work, old_results, old_manifest)


def test_a_disk_that_refuses_a_deferred_fsync_records_nothing(work, monkeypatch):
    """Staged files are flushed by a thread; one the disk refuses stops the run before the commit."""
    import errno

    from leitai import fileio

    old_results, old_manifest = period_3_and_a_new_sheet(work)
    real = fileio._fsync

    def failing(path):
        if path.name.startswith("擂台榜"):
            raise OSError(errno.EIO, "Input/output error")
        real(path)
    monkeypatch.setattr(fileio, "_fsync", failing)
    with pytest.raises(OutputError, match="无法把 .*擂台榜.* 写入磁盘"):
        run_period(load_campaign(work), 3)
    assert_period_3_as_it_was(work, old_results, old_manifest)
    assert fileio._DEFERRED is None  # nothing left deferred after the failed run


def test_writes_outside_a_run_reach_the_disk_before_they_take_their_name(tmp_path, monkeypatch):
    from leitai import fileio

    synced: list[str] = []
    real = os.fsync
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (synced.append("inline"), real(fd))[1])
    fileio.atomic_write_bytes(tmp_path / "a.txt", b"a")
    assert synced == ["inline"]
    with fileio.syncs_deferred():
        fileio.atomic_write_bytes(tmp_path / "b.txt", b"b")
        assert (tmp_path / "b.txt").read_bytes() == b"b" and fileio._DEFERRED
    assert fileio._DEFERRED is None and synced == ["inline", "inline"]  # b's, by the thread, before leaving


def _raising(func):
    from contextlib import contextmanager

    @contextmanager
    def manager():
        func()
        yield
    return manager()


# ------------------------------------------------------------------------------ the ledger

def test_seeded_ledger_damage_is_one_line_and_never_written(base, tmp_path):
    rng = random.Random(1313)
    clean = (base / LEDGER).read_bytes()
    refused = 0
    for trial in range(12):
        path = tmp_path / f"h{trial}.sqlite"
        data = bytearray(clean)
        offset = rng.randrange(0, len(data) - 4096)
        data[offset:offset + 4096] = rng.randbytes(4096)
        path.write_bytes(bytes(data))
        try:
            Ledger(path).close()
        except LedgerError as exc:
            refused += 1
            assert "\n" not in str(exc) and "已损坏" in str(exc) or "无法使用" in str(exc)
            assert path.read_bytes() == bytes(data), "a damaged ledger was written into"
        else:  # the bytes fell where nothing is kept: it must really be sound
            with sqlite3.connect(path) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert refused >= 8


@pytest.mark.parametrize(("change", "said"), [
    ("UPDATE periods SET results = '{\"overall\": ' WHERE period = 2", "第2期的结果记录不是有效的 JSON"),
    ("DROP TABLE unit_scores", "缺少数据表 unit_scores"),
    ("DELETE FROM unit_scores WHERE period = 1", "第1期缺少单位得分记录"),
    ("UPDATE periods SET cutoff = '2020-13-45' WHERE period = 1", "第1期的截止日期“2020-13-45”不是日期"),
    ("UPDATE node_states SET done_date = 'soon' WHERE period = 2", "不是日期"),
    ("UPDATE project_lights SET light = 'blue' WHERE period = 3", "无效值“blue”"),
])
def test_ledger_content_is_checked_before_use(work, change, said):
    with sqlite3.connect(work / LEDGER) as db:
        db.execute(change)
    before = (work / LEDGER).read_bytes()
    with pytest.raises(LedgerError, match=said) as caught:
        run_period(load_campaign(work), 4)
    assert "history.sqlite.bak-第03期" in str(caught.value)  # the backup to go back to is named
    assert (work / LEDGER).read_bytes() == before
    assert not (work / "outputs" / "第04期").exists()


def test_a_backup_is_kept_before_each_period_and_restores(work):
    backups = sorted(p.name for p in work.glob("history.sqlite.bak-*"))
    assert backups == ["history.sqlite.bak-第01期", "history.sqlite.bak-第02期", "history.sqlite.bak-第03期"]
    with sqlite3.connect(work / "history.sqlite.bak-第03期") as db:  # the ledger as it stood before period 3
        assert [r[0] for r in db.execute("SELECT period FROM periods")] == [1, 2]


# ------------------------------------------------------------------------------ folders, lock, disk

def test_a_deleted_output_folder_is_named_and_its_rerun_repairs(work):
    shutil.rmtree(work / "outputs" / "第02期")
    notes = ledger_notes(work / LEDGER, work / "outputs")
    assert len(notes) == 1 and "第2期已记入台账" in notes[0] and "leitai run --period 2" in notes[0]
    with pytest.raises(LedgerError, match="第2期已记入台账"):
        run_period(load_campaign(work), 4)
    assert not (work / "outputs" / "第04期").exists()
    run_period(load_campaign(work), 2)
    assert agreement(work) is None and ledger_notes(work / LEDGER, work / "outputs") == []


@pytest.mark.parametrize("kind", ["file", "link", "manifest-folder"])
def test_something_in_the_way_of_the_output_folder(work, kind):
    out_dir = work / "outputs" / "第04期"
    if kind == "file":
        out_dir.write_text("x")
    elif kind == "link":
        (work / "elsewhere").mkdir()
        out_dir.symlink_to(work / "elsewhere")
    else:
        out_dir.mkdir()
        (out_dir / "manifest.json").mkdir()
    if kind == "manifest-folder":  # an old folder is replaced whole, whatever is inside
        run_period(load_campaign(work), 4)
        assert agreement(work) is None
        return
    with pytest.raises(OutputError, match="是一个文件" if kind == "file" else "是一个链接"):
        run_period(load_campaign(work), 4)
    assert results(work, 4) is None and agreement(work) is None


@posix_only
def test_an_unwritable_output_folder_records_nothing(work):
    outputs = work / "outputs"
    if subprocess.run(["chattr", "+i", str(outputs)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here (root ignores chmod)")
    try:
        with pytest.raises(OutputError, match="没有权限"):
            run_period(load_campaign(work), 4)
    finally:
        subprocess.run(["chattr", "-i", str(outputs)], check=True)
    assert results(work, 4) is None and agreement(work) is None
    assert not (work / "history.sqlite.bak-第04期").exists() or True


def test_lock_troubles_each_say_their_cause(tmp_path):
    ledger = tmp_path / LEDGER
    lock = tmp_path / ".leitai-run.lock"
    lock.write_bytes(random.Random(5).randbytes(3000))  # garbage: nobody can hold it, so it is replaced
    with run_lock(ledger, wait_seconds=0.2):
        pass
    lock.unlink()
    lock.mkdir()
    with pytest.raises(LedgerError, match="是文件夹"):
        with run_lock(ledger, wait_seconds=0.2):
            pass
    lock.rmdir()
    (tmp_path / "blocked").write_text("a file where the campaign folder should be")
    with pytest.raises(LedgerError, match="无法创建文件夹.*路径中有一项是文件"):
        with run_lock(tmp_path / "blocked" / "sub" / LEDGER, wait_seconds=0.2):
            pass


@posix_only
def test_a_full_disk_is_named_and_nothing_is_half_recorded(work, tmp_path):
    mount = tmp_path / "small"
    mount.mkdir()
    used = sum(-(-p.stat().st_size // 4096) * 4096 for p in work.rglob("*") if p.is_file())  # tmpfs pages
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={used + 48 * 1024}", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        folder = mount / "c"
        shutil.copytree(work, folder, symlinks=True)
        with pytest.raises(LeitaiError, match="磁盘空间已满"):
            run_period(load_campaign(folder), 4)
        assert results(folder, 4) is None and agreement(folder) is None
        assert not [p for p in (folder / "outputs").iterdir() if p.name.startswith(STAGING_PREFIX)]
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


# ------------------------------------------------------------------------------ the fault table

@posix_only
def test_fault_script_quick():
    """scripts/faults.py --quick: a trial of each fault through the command line, all survived."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "faults.py"), "--quick"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "trials" not in line]
    assert len(rows) >= 8 and "TRACEBACK" not in done.stdout and "DISAGREE" not in done.stdout


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_deferred_fsync_needs_no_write_permission(tmp_path, monkeypatch):
    """Under a umask that leaves no owner write bit the file written must still be flushed: it is
    opened read-only (root may write anything, so the flags are what is checked)."""
    from leitai import fileio

    path = tmp_path / "a.txt"
    path.write_bytes(b"a")
    flags_seen = []
    real = os.open
    monkeypatch.setattr(fileio.os, "open", lambda name, flags, *a: (flags_seen.append(flags), real(name, flags, *a))[1])
    fileio._fsync(path)
    assert flags_seen and all(f & (os.O_WRONLY | os.O_RDWR) == 0 for f in flags_seen)
