from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory):
    """The whole demo, run once per test session through the CLI, into a temporary folder."""
    from click.testing import CliRunner

    from leitai.cli import main

    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    (out.parent / f"{out.name}-console.txt").write_text(result.output, encoding="utf-8")  # what the clerk saw
    return out
