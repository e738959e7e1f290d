"""Every command the README shows and the demo suggests runs as printed, on a fresh clone.

"Fresh clone": nothing on PATH but what the machine had (no activated .venv), commands typed
in the repository folder after `python3 scripts/dev.py demo`. The test runs them in a scratch
folder laid out like such a clone (scripts/, seeds/, .venv/ linked; outputs/demo is the demo
the session made), through a shell, exactly as written.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = "Scripts" if os.name == "nt" else "bin"
PLACEHOLDER = re.compile(r"\[|\.\.\.|…|\b(?:N|DIR|PATH|COMMAND|ARGS)\b")


def shell_env() -> dict[str, str]:
    """The environment of a shell on a fresh clone: the venv is not on PATH."""
    venv_bin = str(ROOT / ".venv" / BIN)
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                           if p and Path(p).resolve() != Path(venv_bin).resolve())
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return {**env, "PATH": path, "PYTHONUTF8": "1"}


@pytest.fixture()
def clone(tmp_path: Path, demo_dir: Path) -> Path:
    """A folder that looks like a fresh clone after `python3 scripts/dev.py demo`."""
    folder = tmp_path / "clone"
    folder.mkdir()
    for name in ("scripts", "seeds", ".venv", "src"):
        (folder / name).symlink_to(ROOT / name, target_is_directory=True)
    (folder / "outputs").mkdir()
    (folder / "outputs" / "demo").symlink_to(demo_dir, target_is_directory=True)
    return folder


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, shell=True, cwd=cwd, env=shell_env(), capture_output=True, text=True,
                          encoding="utf-8", errors="replace", timeout=600, check=False)


def fenced_commands() -> list[str]:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines()
            if line.strip().startswith(("python3 scripts/dev.py", ".venv/bin/leitai", "leitai "))]


def inline_commands() -> list[str]:
    spans = re.findall(r"`((?:leitai|\.venv/bin/leitai|python3 scripts/dev.py leitai) [^`]+)`", README)
    # a command with its arguments, not a command named in a sentence (`leitai check` on a folder …)
    return [s for s in dict.fromkeys(spans) if not PLACEHOLDER.search(s) and len(s.split()) > 2]


def test_the_readme_cites_files_that_exist():
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), target
    assert (ROOT / "docs" / "SPEC.md").exists() and "docs/SPEC.md" in README


@pytest.mark.skipif(os.name == "nt", reason="the README's examples are written for a POSIX shell")
def test_every_fenced_command_runs_as_written(clone: Path):
    commands = fenced_commands()
    assert "python3 scripts/dev.py demo" in commands and len(commands) >= 4
    for command in commands:
        if command == "python3 scripts/dev.py test":
            continue  # what runs this test
        if command == "python3 scripts/dev.py demo":
            command += " --help"  # the whole demo is what the session's demo_dir ran
        done = run(command, clone)
        assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert "command not found" not in done.stderr


@pytest.mark.skipif(os.name == "nt", reason="the README's examples are written for a POSIX shell")
def test_every_inline_command_runs_as_the_readme_says_to_type_it(clone: Path):
    """`leitai X` in the text, typed as the README says (.venv/bin/leitai X), in README order."""
    commands = inline_commands()
    assert any(c.startswith("leitai init") for c in commands)
    for command in commands:
        typed = re.sub(r"^leitai ", ".venv/bin/leitai ", command)
        done = run(typed, clone)
        said = done.stdout + done.stderr
        # 0, or 1 with one Chinese line (e.g. run before any sheet is in): never a usage error
        assert done.returncode in (0, 1), (typed, said)
        assert "command not found" not in said and "用法见" not in said and "Traceback" not in said


@pytest.mark.skipif(os.name == "nt", reason="a POSIX shell")
def test_the_demo_suggests_a_command_that_runs_as_printed(demo_dir: Path):
    said = (demo_dir.parent / f"{demo_dir.name}-console.txt").read_text(encoding="utf-8")
    [hint] = [line.split("：", 1)[1] for line in said.splitlines() if line.startswith("各期概况：")]
    on_path = subprocess.run("command -v leitai", shell=True, env=shell_env(), capture_output=True).returncode == 0
    if not on_path and Path(sys.executable).parent == ROOT / ".venv" / BIN:
        assert hint.startswith(".venv/bin/leitai history --campaign ")
    done = run(hint, ROOT)
    assert done.returncode == 0, (hint, done.stdout, done.stderr)
    assert "第5期" in done.stdout
