#!/usr/bin/env python3
"""One entry point for a fresh machine with nothing but Python ≥ 3.11.

    python3 scripts/dev.py demo      # make .venv, install leitai, write the demo briefing
    python3 scripts/dev.py test      # make .venv, install leitai + test tools, run every check
    python3 scripts/dev.py install   # only make .venv and install (used by the Windows launcher)
    python3 scripts/dev.py leitai ARGS   # any leitai command, e.g. leitai history --campaign outputs/demo

The virtual environment lives in .venv/ beside setup.cfg and is reinstalled only when
setup.cfg or pyproject.toml changes. Extra arguments go to `leitai demo` or pytest.
pytest runs on one worker per CPU, at most 4 (pytest-xdist, a test file per worker at a time);
`-n 0` after `test` runs it in one process, `-n 8` on eight.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
MAX_TEST_WORKERS = 4  # each worker starts LibreOffice and drawing processes of its own
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036  (this script may be started by an older Python)
        sys.exit(f"leitai 需要 Python 3.11 或更高版本（当前 {sys.version.split()[0]}）")
    digest = hashlib.sha256(b"".join((ROOT / f).read_bytes() for f in ("setup.cfg", "pyproject.toml"))).hexdigest()
    stamp = VENV / ".leitai-installed"
    if stamp.exists() and stamp.read_text() == digest and PYTHON.exists():
        compile_sources()
        return
    if not PYTHON.exists():
        print("正在创建虚拟环境 .venv ……", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("正在安装 leitai 及其依赖（首次需要几分钟）……", flush=True)
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]"])
    stamp.write_text(digest)
    compile_sources()


def compile_sources() -> None:
    """Byte-compile leitai's sources (only those changed since): an editable install is not
    compiled by pip, and where PYTHONDONTWRITEBYTECODE is set Python would compile every module
    again in every process (a tenth of a second per leitai command)."""
    subprocess.call([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "src" / "leitai")], cwd=ROOT,
                    stdout=subprocess.DEVNULL)


def cpu_count() -> int:
    """CPUs this process may run on (a container's or taskset's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # Windows, macOS
        return os.cpu_count() or 1


def pytest_args(extra: list[str], cpus: int) -> list[str]:
    """pytest's arguments: ``extra`` last (so ``-n 0`` there wins), after one worker per CPU.

    One process when there is one CPU, or when ``extra`` debugs (``--pdb``, ``--trace``) or
    turns pytest-xdist off (``-p no:xdist``), which cannot run with workers.
    """
    workers = min(cpus, MAX_TEST_WORKERS)
    serial = workers < 2 or any(a in ("--pdb", "--trace") or a.endswith("no:xdist") for a in extra)
    # loadfile: a test file's tests run in order on one worker, so its module fixtures (a
    # rendered briefing, a campaign run three periods) are made once, as in one process
    workers_args = [] if serial else ["-n", str(workers), "--dist", "loadfile"]
    return ["-q", "-p", "no:cacheprovider", *workers_args, *extra]


def run(command: list[str]) -> None:
    code = subprocess.call(command, cwd=ROOT)
    if code:
        sys.exit(code)


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    extra = sys.argv[2:]
    if what not in ("demo", "test", "install", "leitai"):
        sys.exit(__doc__)
    ensure_env()
    if what == "install":
        print(f"已安装：{BIN / ('leitai.exe' if os.name == 'nt' else 'leitai')}")
        return
    os.environ.setdefault("PYTHONUTF8", "1")
    if what == "leitai":  # from the caller's folder, so relative paths mean what they typed
        sys.exit(subprocess.call([str(PYTHON), "-m", "leitai.cli", *extra]))
    if what == "demo":
        run([str(PYTHON), "-m", "leitai.cli", "demo", *extra])
    else:
        run([str(PYTHON), "-m", "ruff", "check", "src", "tests", "scripts"])
        run([str(PYTHON), "-m", "mypy", "src/leitai"])
        run([str(PYTHON), "-m", "pytest", *pytest_args(extra, cpu_count())])


if __name__ == "__main__":
    main()
