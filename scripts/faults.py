#!/usr/bin/env python3
"""Fault table: leitai run under kills, Ctrl-C, damaged ledgers, bad output folders, full disks.

    python scripts/faults.py            # the full table (a few minutes)
    python scripts/faults.py --quick    # a few trials of each fault (the test suite runs this)
    python scripts/faults.py --seed 7 --only kill,sigint

A small campaign (tests/builders.py) has periods 1 and 2 recorded; each trial copies it,
applies one fault to a run of period 3 (or to the ledger / folders before it), then runs
period 3 again and period 4 normally. A trial SURVIVES when no command printed a traceback,
every failing command said one line, a damaged ledger was never written into, and after
the follow-up runs the ledger and the outputs agree for every recorded period (each
period's manifest.json is the one the ledger recorded and lists only files present with
their sha256) — or the follow-up refused in one line naming the period to repair.
Prints one row per fault: fault, trials, survived, the distinct messages (first line of
stderr) with their counts. Exit status 1 if any trial did not survive.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # builders.py: the small campaign the tests use

LEDGER = "history.sqlite"
CLI = [sys.executable, "-c", "from leitai.cli import entry; entry()"]


# ------------------------------------------------------------------------------ campaign

def make_base(folder: Path) -> float:
    """Periods 1 and 2 recorded; inputs for periods 3 and 4 in place. Returns a run's seconds."""
    from builders import submit, write_campaign
    from leitai.campaign.plan import load_campaign

    write_campaign(folder)
    campaign = load_campaign(folder)
    answers = {1: {"甲街道": {("P01", 1): "2020-09-10"}, "乙镇": {("P02", 1): "2020-09-12"}},
               2: {"甲街道": {("P01", 2): "2020-09-25"}, "县丙局": {("P03", 1): "2020-09-20"}},
               3: {"乙镇": {("P02", 2): "2020-10-05"}, "县丁局": {("P04", 1): "2020-10-01"}},
               4: {"县丙局": {("P03", 2): "2020-10-10"}}}
    for period, units in answers.items():
        for unit, done in units.items():
            submit(campaign, period, unit, done, folder / "inputs" / f"第{period:02d}期")
    seconds = 0.0
    for period in (1, 2):  # period 2's run is as long as period 3's: it times the kills
        started = time.monotonic()
        assert run(folder, period).returncode == 0
        seconds = time.monotonic() - started
    return seconds


def run(folder: Path, period: int, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "run", "--campaign", str(folder), "--period", str(period)],
                          capture_output=True, text=True, timeout=300, **kwargs)  # type: ignore[call-overload]


def start(folder: Path, period: int) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, "run", "--campaign", str(folder), "--period", str(period)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


# ------------------------------------------------------------------------------ checks

def disagreement(folder: Path) -> str | None:
    """Why the ledger and the outputs of ``folder`` disagree, or None when they agree."""
    with sqlite3.connect(f"{(folder / LEDGER).resolve().as_uri()}?mode=ro", uri=True) as db:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return "ledger fails integrity_check"
        periods = [r[0] for r in db.execute("SELECT period FROM periods ORDER BY period")]
        published = {r[0]: r[1:] for r in db.execute("SELECT period, out_dir, manifest_sha256, state FROM publications")}
    for period in periods:
        if period not in published:
            return f"period {period} recorded without a publication"
        out, digest, state = published[period]
        if state != "done":
            return f"period {period} still marked {state}"
        out_dir = folder / out
        manifest = out_dir / "manifest.json"
        if not manifest.is_file() or hashlib.sha256(manifest.read_bytes()).hexdigest() != digest:
            return f"period {period}: manifest missing or not the recorded one"
        for output in json.loads(manifest.read_text(encoding="utf-8"))["outputs"]:
            path = out_dir / output["file"]
            if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != output["sha256"]:
                return f"period {period}: output {output['file']} missing or changed"
    outputs = folder / "outputs"
    recorded = {f"第{p:02d}期" for p in periods}
    for path in outputs.iterdir() if outputs.is_dir() else []:
        if path.name.startswith("第") and path.name not in recorded and (path / "manifest.json").exists():
            return f"{path.name} published but not recorded"
    return None


def one_line(result: subprocess.CompletedProcess[str] | tuple[int, str]) -> tuple[bool, str]:
    """(ok, message): ok when there is no traceback and a failure said exactly one line."""
    code, err = (result.returncode, result.stderr) if isinstance(result, subprocess.CompletedProcess) else result
    lines = [line for line in err.splitlines() if line.strip()]
    if "Traceback" in err:
        return False, "TRACEBACK " + (lines[-1] if lines else "")
    if code not in (0, 130, -9, -2) and len([x for x in lines if x.startswith("错误：")]) != 1:
        return False, f"exit {code} without one line: {err[-200:]!r}"
    message = next((x for x in lines if x.startswith("错误：")), "")
    return True, message


# ------------------------------------------------------------------------------ faults

class Trial:
    def __init__(self, base: Path, work: Path) -> None:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(base, work, symlinks=True)
        self.folder = work
        self.messages: list[str] = []
        self.ok = True
        self.follow_periods = (3, 4)

    def note(self, result: subprocess.CompletedProcess[str] | tuple[int, str]) -> int:
        ok, message = one_line(result)
        self.ok &= ok
        if message:
            self.messages.append(message[:120])
        return result.returncode if isinstance(result, subprocess.CompletedProcess) else result[0]

    def follow_up(self) -> None:
        """Run period 3 and then 4 (--quick: only 4, the next period); the ledger and outputs must agree
        afterwards, or the run refused in one line naming the period to repair."""
        for period in self.follow_periods:
            self.note(run(self.folder, period))
        why = disagreement(self.folder)
        if why:
            self.ok = False
            self.messages.append("DISAGREE " + why)


def fault_signal(sig: int) -> Callable[[Trial, random.Random, float], None]:
    def apply(trial: Trial, rng: random.Random, seconds: float) -> None:
        process = start(trial.folder, 3)
        time.sleep(rng.uniform(0.05, seconds * 1.1))
        process.send_signal(sig)
        try:
            _, err = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        trial.note((process.returncode, err))
        why = disagreement(trial.folder)
        if why and "still marked publishing" not in why:  # a marker is fine: the next run finishes it
            trial.ok = False
            trial.messages.append("DISAGREE after kill " + why)
        trial.follow_up()
    return apply


def fault_damage(trial: Trial, rng: random.Random, seconds: float) -> None:
    """4 KiB of random bytes over a random part of the ledger: refused without a write, or harmless."""
    path = trial.folder / LEDGER
    data = bytearray(path.read_bytes())
    offset = rng.randrange(0, max(1, len(data) - 4096))
    data[offset:offset + 4096] = rng.randbytes(min(4096, len(data) - offset))
    path.write_bytes(bytes(data))
    before = path.read_bytes()
    code = trial.note(run(trial.folder, 3))
    if code != 0:
        if path.read_bytes() != before:
            trial.ok = False
            trial.messages.append("WROTE into a damaged ledger")
        return
    trial.follow_up()  # the damage fell where nothing is kept (a free page): the run must stay whole


def fault_content(change: str) -> Callable[[Trial, random.Random, float], None]:
    def apply(trial: Trial, rng: random.Random, seconds: float) -> None:
        path = trial.folder / LEDGER
        with sqlite3.connect(path) as db:
            db.executescript(change)
        before = path.read_bytes()
        code = trial.note(run(trial.folder, 3))
        if code == 0 or path.read_bytes() != before:
            trial.ok = False
            trial.messages.append("used a ledger with bad content")
    return apply


def fault_immutable(trial: Trial, rng: random.Random, seconds: float) -> None:
    outputs = trial.folder / "outputs"
    if subprocess.run(["chattr", "+i", str(outputs)], capture_output=True).returncode != 0:
        raise Skip("chattr +i unavailable")
    try:
        code = trial.note(run(trial.folder, 3))
        if code == 0:
            trial.ok = False
            trial.messages.append("wrote into an immutable folder?")
        why = disagreement(trial.folder)
        if why:
            trial.ok = False
            trial.messages.append("DISAGREE " + why)
    finally:
        subprocess.run(["chattr", "-i", str(outputs)], capture_output=True)
    trial.follow_up()


def fault_in_place(make: Callable[[Path], None]) -> Callable[[Trial, random.Random, float], None]:
    """Something in the way of outputs/第03期 (a file, a link, a folder named manifest.json)."""
    def apply(trial: Trial, rng: random.Random, seconds: float) -> None:
        make(trial.folder / "outputs" / "第03期")
        trial.note(run(trial.folder, 3))
        why = disagreement(trial.folder)
        if why:
            trial.ok = False
            trial.messages.append("DISAGREE " + why)
    return apply


def fault_lock(kind: str) -> Callable[[Trial, random.Random, float], None]:
    def apply(trial: Trial, rng: random.Random, seconds: float) -> None:
        lock = trial.folder / ".leitai-run.lock"
        lock.unlink(missing_ok=True)
        if kind == "garbage":
            lock.write_bytes(rng.randbytes(3000))
        elif kind == "folder":
            lock.mkdir()
        elif kind == "stale":  # a holder killed while it held the lock
            holder = subprocess.Popen([sys.executable, "-c", (
                "import time; from pathlib import Path; from leitai.ledger.history import run_lock\n"
                f"with run_lock(Path({str(trial.folder / LEDGER)!r})):\n    print('held', flush=True); time.sleep(60)")],
                stdout=subprocess.PIPE, text=True)
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            holder.kill()
            holder.wait()
        code = trial.note(run(trial.folder, 3))
        if kind == "folder":
            lock.rmdir()
            if code == 0:
                trial.ok = False
        trial.follow_up()
    return apply


def fault_full_disk(trial: Trial, rng: random.Random, seconds: float) -> None:
    """The campaign on a tmpfs with little room left: a one-line 'disk full', and agreement after."""
    mount = Path(tempfile.mkdtemp(prefix="leitai-full-"))
    size = sum(-(-p.stat().st_size // 4096) * 4096 for p in trial.folder.rglob("*") if p.is_file())  # tmpfs pages
    period_bytes = sum(p.stat().st_size for p in (trial.folder / "outputs" / "第02期").rglob("*") if p.is_file())
    room = int(rng.uniform(0.01, 2.5) * period_bytes)  # from a few KiB to more than a period needs
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size + room}", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        os.rmdir(mount)
        raise Skip("cannot mount a tmpfs (needs root)")
    try:
        small = mount / "c"
        shutil.copytree(trial.folder, small, symlinks=True)
        trial.note(run(small, 3))
        why = disagreement(small)
        if why:
            trial.ok = False
            trial.messages.append("DISAGREE " + why)
        shutil.rmtree(trial.folder)
        shutil.copytree(small, trial.folder, symlinks=True)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
        os.rmdir(mount)
    trial.follow_up()


class Skip(Exception):
    pass


def _manifest_folder(out_dir: Path) -> None:
    out_dir.mkdir(parents=True)
    (out_dir / "manifest.json").mkdir()


def _symlink(out_dir: Path) -> None:
    target = out_dir.parent / "elsewhere"
    target.mkdir()
    out_dir.symlink_to(target)


FAULTS: dict[str, tuple[Callable[[Trial, random.Random, float], None], int, int]] = {
    # name: (apply, trials in the full table, trials with --quick: 0 where tests/test_faults.py has it in-process)
    "kill": (fault_signal(signal.SIGKILL), 45, 1),
    "sigint": (fault_signal(signal.SIGINT), 15, 1),
    "ledger-damage": (fault_damage, 20, 1),
    "results-not-json": (fault_content("UPDATE periods SET results = '{\"overall\": ' WHERE period = 2;"), 1, 1),
    "unit-scores-dropped": (fault_content("DROP TABLE unit_scores;"), 1, 0),
    "bad-date": (fault_content("UPDATE periods SET cutoff = '2020-13-45' WHERE period = 1;"), 1, 0),
    "outputs-immutable": (fault_immutable, 3, 1),
    "out-dir-is-file": (fault_in_place(lambda p: p.write_text("x")), 1, 1),
    "out-dir-is-link": (fault_in_place(_symlink), 1, 0),
    "manifest-is-folder": (fault_in_place(_manifest_folder), 1, 0),
    "lock-garbage": (fault_lock("garbage"), 2, 0),
    "lock-is-folder": (fault_lock("folder"), 1, 1),
    "lock-stale": (fault_lock("stale"), 2, 0),
    "disk-full": (fault_full_disk, 6, 1),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few trials of each fault")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--only", default="", help="comma-separated fault names")
    args = parser.parse_args(argv)
    wanted = [n for n in args.only.split(",") if n] or list(FAULTS)
    rng = random.Random(args.seed)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="leitai-faults-") as tmp:
        base = Path(tmp) / "base"
        seconds = make_base(base)
        print(f"a run takes {seconds:.2f} s; seed {args.seed}")
        print("| fault | trials | survived | messages |")
        print("|---|---|---|---|")
        for name in wanted:
            apply, full, quick = FAULTS[name]
            trials = quick if args.quick else full
            if not trials:
                continue
            survived, messages, skipped = 0, Counter[str](), ""
            for _ in range(trials):
                trial = Trial(base, Path(tmp) / "work")
                if args.quick:
                    trial.follow_periods = (4,)
                try:
                    apply(trial, rng, seconds)
                except Skip as skip:
                    skipped = str(skip)
                    break
                survived += trial.ok
                messages.update(set(trial.messages) or {"(none: succeeded)"})
            if skipped:
                print(f"| {name} | skipped | | {skipped} |")
                continue
            failed += trials - survived
            said = "; ".join(f"{m} ×{c}" for m, c in messages.most_common())
            print(f"| {name} | {trials} | {survived} | {said} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
