from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py


def _make_demo(out: Path) -> None:
    from click.testing import CliRunner

    from leitai.cli import main

    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # what the clerk saw; written last, so it also says the demo folder is whole
    (out.parent / f"{out.name}-console.txt").write_text(result.output, encoding="utf-8")


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole demo, run once per test session through the CLI, into a temporary folder.

    Tests read it and never write into it (they copy it first). With pytest-xdist the
    workers share one demo: the first to need it makes it in the session's common temporary
    folder while the others wait on a lock (pytest-xdist's "session fixture run once" recipe).
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        out = tmp_path_factory.mktemp("demo")
        _make_demo(out)
        return out
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # pytest-N/, above each worker's popen-gwK/
    out = shared / "demo"
    with FileLock(str(shared / "demo.lock")):
        if not (shared / "demo-console.txt").is_file():
            shutil.rmtree(out, ignore_errors=True)  # a worker that failed midway left a part
            out.mkdir()
            _make_demo(out)
    return out
