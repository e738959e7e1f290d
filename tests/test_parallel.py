"""The suite runs on several pytest-xdist workers at once (scripts/dev.py test): what keeps it safe."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV = runpy.run_path(str(ROOT / "scripts" / "dev.py"))


def test_dev_test_runs_pytest_on_one_worker_per_cpu_up_to_four():
    args = DEV["pytest_args"]
    assert args([], 2) == ["-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile"]
    assert args([], 16)[-4:-2] == ["-n", "4"]
    assert "-n" not in args([], 1)  # one CPU: one process, no workers to start


def test_dev_test_passes_extra_arguments_after_its_own():
    args = DEV["pytest_args"]
    assert args(["-k", "foo"], 2) == ["-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadfile", "-k", "foo"]
    assert args(["-n", "0"], 2)[-2:] == ["-n", "0"]  # the last -n wins: one process
    for serial in (["--pdb"], ["--trace"], ["-p", "no:xdist"], ["-pno:xdist"]):
        assert "-n" not in args(serial, 2)[:-len(serial)], serial


def test_dev_test_counts_the_cpus_it_may_use():
    assert 1 <= DEV["cpu_count"]() <= 4096


def test_every_libreoffice_run_has_a_private_profile():
    """Two soffice processes sharing a user profile clash (the second exits or hangs): every
    run in the tests, the scripts and the library names its own -env:UserInstallation."""
    files = [*(ROOT / "tests").glob("*.py"), *(ROOT / "scripts").glob("*.py"), *(ROOT / "src" / "leitai").rglob("*.py")]
    calls = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\[\s*(?:\"soffice\"|soffice|SOFFICE)\s*,", text):
            calls += 1
            line = text.count("\n", 0, match.start()) + 1
            assert "-env:UserInstallation=" in text[match.start():match.start() + 200], f"{path.name}:{line}"
    assert calls >= 10
