"""Windows as a first-class home: a non-UTF-8 console, Chinese paths with spaces, the launcher."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from builders import submit, write_campaign
from leitai.campaign.plan import load_campaign

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": encoding, "PYTHONUTF8": "0", "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-m", "leitai.cli", *args], capture_output=True, env=env, timeout=300)


def test_a_gbk_console_never_crashes_the_output(tmp_path):
    folder = write_campaign(tmp_path / "办公 文件夹" / "百日 攻坚")
    campaign = load_campaign(folder)
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-09"}, folder / "inputs" / "第01期")
    result = run_cli("run", "--campaign", str(folder), "--period", "1", encoding="gbk")
    assert result.returncode == 0, result.stderr.decode("gbk", "replace")
    out = result.stdout.decode("gbk")  # strictly decodable as GBK
    assert "第01期汇总完成" in out and "督查通报" in out
    assert (folder / "outputs" / "第01期" / "督查通报-第01期.docx").exists()
    error = run_cli("run", "--campaign", str(tmp_path / "没有 这个"), encoding="gbk")
    assert error.returncode == 1 and "找不到攻坚行动文件夹" in error.stderr.decode("gbk")
    assert b"Traceback" not in error.stderr


def test_history_on_an_ascii_only_console(tmp_path):
    folder = write_campaign(tmp_path / "c")
    result = run_cli("history", "--campaign", str(folder), encoding="ascii")
    assert result.returncode == 1 and b"Traceback" not in result.stderr  # unencodable text is replaced, not fatal


def test_the_windows_launcher():
    bat = (ROOT / "scripts" / "两周汇总.bat").read_bytes()
    assert b"\r\n" in bat and b"\n" not in bat.replace(b"\r\n", b"")  # CRLF throughout: cmd.exe needs it
    text = bat.decode("utf-8")
    assert text.splitlines()[0] == "@echo off" and "chcp 65001" in text
    for verb in re.findall(r"dev\.py\" (\w+)", text):
        assert verb in (ROOT / "scripts" / "dev.py").read_text(encoding="utf-8")
    for command in re.findall(r'"%LEITAI%" (\w+)', text):
        assert command in ("status", "run")


# POSIX-only calls the library may make, each behind a check that keeps it off Windows (and macOS).
GUARDED = {("charts/painter.py", "os.fork"): "painter.forks(): Linux only",
           ("charts/painter.py", "os.SCHED_IDLE"): "only in a forked copy (Linux), and getattr-safe"}


def test_no_posix_only_calls_in_the_library():
    library = ROOT / "src" / "leitai"
    for path in library.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        name = path.relative_to(library).as_posix()
        for call in ("os.fork", "import fcntl", "os.getuid", "signal.SIGKILL", "os.killpg", "/dev/null", "/tmp/",
                     "os.SCHED_IDLE"):
            assert call not in source or (name, call) in GUARDED, f"{name}: {call}"


def test_the_painter_forks_on_linux_only(monkeypatch):
    """The painter's forked copies (``os.fork``) are Linux's: on Windows and macOS jobs are drawn in turn."""
    from leitai.charts import painter

    for platform, forks in (("win32", False), ("darwin", False), ("linux", True)):
        monkeypatch.setattr(sys, "platform", platform)
        assert painter.forks() is (forks and hasattr(os, "fork"))
