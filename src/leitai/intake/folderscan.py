"""Listing an input folder so that every entry is accounted for, and names that are safe to show.

``scan_folder`` returns the files to read and, for everything else, a skipped ``FileRecord``
with its reason and a ``file_skipped`` problem: subfolders (and how many files are in them),
links leading outside the input folder or nowhere, links to folders, pipes, devices and
sockets (never opened: a pipe would block the run). A link to a file inside the input folder
is read as that file. ``display_name`` turns a file name that is not valid UTF-8 (a Windows
zip unpacked on Linux gives GBK bytes) into readable text and replaces control characters,
so no name carries escape sequences into a terminal, the manifest or a workbook.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from ..problems import Problem, problem

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without control characters (each becomes ?), for terminals and documents."""
    return _CONTROL.sub("?", text)


def display_name(name: str) -> str:
    """A file name as text: undecodable bytes read as GB18030 (else replaced), control characters as ?."""
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        raw = os.fsencode(name)
        try:
            name = raw.decode("gb18030")
        except UnicodeDecodeError:
            name = raw.decode("utf-8", "replace")
    return printable(name)


def name_note(path: Path) -> Problem | None:
    """An info problem when the file's name was not valid UTF-8 (how it was read)."""
    shown = display_name(path.name)
    if shown == path.name or shown == printable(path.name):
        return None
    return problem("file_name_encoding", file=shown, detail=shown)


def scan_folder(folder: Path) -> tuple[list[Path], list[tuple[str, str, Problem]]]:
    """(files to read, sorted by name; [(display name, reason, problem)] for entries not read)."""
    files: list[Path] = []
    skipped: list[tuple[str, str, Problem]] = []
    root = folder.resolve()
    for path in sorted(folder.iterdir(), key=lambda p: os.fsencode(p.name)):
        name = display_name(path.name)
        reason = _why_not(path, root)
        if reason is None:
            files.append(path)
        else:
            skipped.append((name, reason, problem("file_skipped", file=name, detail=reason)))
    return files, skipped


def _why_not(path: Path, root: Path) -> str | None:
    """None for a file to read; else why the entry is left out."""
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return f"无法读取文件信息（{exc.strerror}）"
    if stat.S_ISLNK(mode):
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return "链接指向的文件不存在"
        if not target.is_relative_to(root):
            return f"链接指向输入文件夹以外的“{printable(str(target))}”，未读取"
        if target.is_dir():
            return "链接指向一个文件夹，其中的文件未读取"
        mode = os.stat(target).st_mode
        if stat.S_ISREG(mode):
            return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        try:
            count = sum(1 for _ in path.rglob("*"))
        except OSError:
            count = 0
        return f"子文件夹（内有 {count} 项），其中的文件未读取" if count else "空的子文件夹"
    kind = ("管道（FIFO）" if stat.S_ISFIFO(mode) else "设备文件" if stat.S_ISBLK(mode) or stat.S_ISCHR(mode)
            else "套接字" if stat.S_ISSOCK(mode) else "特殊文件")
    return f"不是普通文件（{kind}），未读取"
