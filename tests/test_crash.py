"""Killing a run at random points never leaves a partial output or an inconsistent ledger.

A campaign has a complete period-1 run (the *old* state). Its inputs then change, and
``leitai run`` is started again and SIGKILLed after a seeded random delay, each time on top
of the old state. After every kill: every output file is byte-identical to the old run's or
to a complete new run's; the manifest is the old or the new one whole, and a new manifest
matches every file it lists; the ledger opens and holds the old or the new period-1 results;
leftover ``.~leitai-*.tmp`` files are only temporaries, and the next normal run succeeds
(removing them) and gives the new outputs.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builders import submit, write_campaign
from leitai.campaign.plan import load_campaign

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and POSIX rename semantics")

KILLS = 8  # scripts/faults.py kills many more times (the fault table); tests/test_faults.py each step
OUT = Path("outputs") / "第01期"
LEDGER = "history.sqlite"


def _run(campaign_dir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "from leitai.cli import entry; entry()", "run", "--campaign",
                             str(campaign_dir), "--period", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _finish(campaign_dir: Path) -> None:
    process = _run(campaign_dir)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]


def _files(folder: Path) -> dict[str, bytes]:
    """Output files by relative path, temporaries left out."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith(".~leitai-")}


def _results(campaign_dir: Path) -> str | None:
    with sqlite3.connect(campaign_dir / LEDGER) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        row = db.execute("SELECT results FROM periods WHERE period = 1").fetchone()
    return None if row is None else row[0]


def _snapshot(campaign_dir: Path) -> tuple[dict[str, bytes], str | None]:
    return _files(campaign_dir / OUT), _results(campaign_dir)


def test_sigkill_at_random_points_leaves_old_or_new(tmp_path):
    base = write_campaign(tmp_path / "base")
    campaign = load_campaign(base)
    inbox = base / "inputs" / "第01期"
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, inbox)
    _finish(base)
    old_files, old_results = _snapshot(base)
    # the new inputs: one more unit reports
    newer = tmp_path / "newer"
    shutil.copytree(base, newer)
    submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-12"}, newer / "inputs" / "第01期")
    started = time.monotonic()
    _finish(newer)
    runtime = time.monotonic() - started
    new_files, new_results = _snapshot(newer)
    assert old_results != new_results and old_files["results.json"] != new_files["results.json"]

    rng = random.Random(20201)
    outcomes = {"old": 0, "new": 0, "mixed": 0, "swapping": 0}
    work = tmp_path / "work"
    for kill in range(KILLS):
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(base, work)
        shutil.copy2(newer / "inputs" / "第01期" / "乙镇-第01期.xlsx", work / "inputs" / "第01期")
        process = _run(work)
        time.sleep(rng.uniform(0.05, runtime * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

        files = _files(work / OUT)
        for name, data in files.items():
            assert data in (old_files.get(name), new_files.get(name)), f"partial or foreign output {name}"
        manifest_bytes = files.get("manifest.json")
        assert manifest_bytes in (None, old_files["manifest.json"], new_files["manifest.json"])
        if manifest_bytes is not None:  # a manifest means a whole folder: every output it lists is there
            manifest = json.loads(manifest_bytes)
            for output in manifest["outputs"]:
                assert hashlib.sha256(files[output["file"]]).hexdigest() == output["sha256"], output["file"]
        assert _results(work) in (old_results, new_results)
        if not files:  # killed mid-swap: the old folder set aside, the new one staged, 第01期 not there
            aside = [p.name for p in (work / "outputs").iterdir() if p.name.startswith((".~leitai-new-", ".~leitai-old-"))]
            assert aside, "the period's outputs are gone and nothing was set aside"
            outcomes["swapping"] += 1
            _finish(work)  # the next run finishes the swap or rolls it back, then runs
            assert _snapshot(work) == (new_files, new_results)
            continue
        kinds = {"old" if data == old_files.get(name) else "new" for name, data in files.items()}
        outcomes["mixed" if len(kinds) > 1 else kinds.pop()] += 1

        if kill % 4 == 3:  # the next normal run completes, and cleans up after the killed one
            _finish(work)
            assert _snapshot(work) == (new_files, new_results)
            assert not list((work / OUT).rglob(".~leitai-*.tmp"))
    assert sum(outcomes.values()) == KILLS
    print(f"kills: {outcomes}, run {runtime:.2f} s")


def test_two_concurrent_runs(tmp_path):
    """Two runs started together: one waits for the other's lock or refuses; none corrupts anything."""
    base = write_campaign(tmp_path / "c")
    campaign = load_campaign(base)
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, base / "inputs" / "第01期")
    first, second = _run(base), _run(base)
    codes = [p.wait(timeout=120) for p in (first, second)]
    assert 0 in codes
    files, results = _snapshot(base)
    manifest = json.loads(files["manifest.json"])
    for output in manifest["outputs"]:
        assert hashlib.sha256(files[output["file"]]).hexdigest() == output["sha256"]
    assert results is not None
    _finish(base)
