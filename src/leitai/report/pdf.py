"""A PDF beside a .docx, made by LibreOffice the same way every time.

``[report] pdf``: ``auto`` (when LibreOffice is installed), ``always`` (its absence is a
failure said in one line, before anything is recorded), ``never``. Each conversion runs
``soffice --headless --convert-to pdf`` with a fresh private profile in a temporary folder
(two conversions never share one, and no user setting changes the result) and a time limit.
The PDF's creation date is set to the cutoff and its document id derived from its content,
so the same .docx gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import OutputError
from ..fileio import atomic_write_bytes

TIMEOUT_SECONDS = 180
_WINDOWS_PLACES = (r"C:\Program Files\LibreOffice\program\soffice.exe",
                   r"C:\Program Files (x86)\LibreOffice\program\soffice.exe")


def find_soffice() -> str | None:
    """The LibreOffice command, or None when it is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if os.name == "nt":
        return next((p for p in _WINDOWS_PLACES if Path(p).exists()), None)
    return None


def require_soffice(mode: str) -> str | None:
    """The command to use under ``mode``; OutputError when ``always`` and it is missing."""
    if mode == "never":
        return None
    found = find_soffice()
    if found is None and mode == "always":
        raise OutputError("campaign.toml 中 [report] pdf = \"always\"，但本机未安装 LibreOffice，无法生成 PDF："
                          "请安装 LibreOffice（https://zh-cn.libreoffice.org），或改为 pdf = \"auto\"")
    return found


def docx_to_pdf(soffice: str, docx: Path, pdf: Path, stamp: dt.datetime,
                timeout: float = TIMEOUT_SECONDS) -> None:
    """Convert ``docx`` to ``pdf`` (written atomically); OutputError with the reason on failure."""
    with tempfile.TemporaryDirectory(prefix="leitai-pdf-") as tmp:
        work = Path(tmp)
        source = work / "in" / "document.docx"
        source.parent.mkdir()
        shutil.copyfile(docx, source)
        command = [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--nodefault", "--convert-to", "pdf:writer_pdf_Export",
                   "--outdir", str(work / "out"), str(source)]
        env = {**os.environ, "HOME": str(work), "TMPDIR": str(work)}
        try:
            process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
                                       start_new_session=os.name == "posix")
        except OSError as exc:
            raise OutputError(f"无法启动 LibreOffice（{exc.strerror}），未生成 PDF") from None
        try:
            _, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise OutputError(f"LibreOffice 转换 {docx.name} 超过 {int(timeout)} 秒未完成，未生成 PDF") from None
        made = work / "out" / "document.pdf"
        if process.returncode != 0 or not made.exists():
            reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"退出码 {process.returncode}"]
            raise OutputError(f"LibreOffice 未能把 {docx.name} 转为 PDF（{reason[0]}）")
        atomic_write_bytes(pdf, stable_pdf(made.read_bytes(), stamp))


def _kill(process: subprocess.Popen[bytes]) -> None:
    """Stop a conversion and what it started: its process group where there is one (POSIX:
    the soffice launcher's child does the work), else the process itself (Windows)."""
    group_kill = getattr(os, "killpg", None)
    try:
        if group_kill is not None:
            group_kill(process.pid, signal.SIGTERM)
    except OSError:
        pass
    try:
        process.kill()
    except OSError:
        pass
    process.wait()


_DATE = re.compile(rb"/(CreationDate|ModDate)\s*\((D:[0-9]{14}[^)]*)\)")
_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*\]")
_CHECKSUM = re.compile(rb"/DocChecksum\s*/([0-9A-Fa-f]{32})")


def stable_pdf(data: bytes, stamp: dt.datetime) -> bytes:
    """The PDF with its dates set to ``stamp`` and its id and checksum derived from the content.

    Every replacement keeps its length, so the cross-reference offsets stay right.
    """
    when = stamp.strftime("%Y%m%d%H%M%S").encode()

    def date(match: re.Match[bytes]) -> bytes:
        old = match.group(2)
        new = (b"D:" + when + b"Z")[: len(old)].ljust(len(old), b"'")
        return match.group(0).replace(old, new)

    data = _DATE.sub(date, data)
    data = _ID.sub(lambda m: m.group(0).replace(m.group(1), b"0" * len(m.group(1)))
                   .replace(m.group(2), b"0" * len(m.group(2))), data)
    data = _CHECKSUM.sub(lambda m: m.group(0).replace(m.group(1), b"0" * 32), data)
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest().upper().encode()
    data = _ID.sub(lambda m: m.group(0).replace(m.group(1), digest[: len(m.group(1))].ljust(len(m.group(1)), b"0"))
                   .replace(m.group(2), digest[: len(m.group(2))].ljust(len(m.group(2)), b"0")), data)
    return _CHECKSUM.sub(lambda m: m.group(0).replace(m.group(1), digest), data)
