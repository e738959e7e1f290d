"""Writing outputs safely: whole or absent, and the same bytes for the same content.

``atomic_write_bytes`` writes to a temporary file in the destination folder and moves
it into place, so a reader (or a crash) never sees half a file. A process killed between
the two leaves a ``.~leitai-<pid>-….tmp`` file behind (never a half output); the next write
into that folder removes those of processes that no longer exist. ``normalized_zip``
re-packs an OOXML package with fixed timestamps and member order, so a .docx or .xlsx
written twice from the same data is byte-identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import tomllib
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring as _escape  # the C escaper
from pathlib import Path
from typing import Any

from .errors import OutputError, os_reason

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
TEMP_PREFIX, TEMP_SUFFIX = ".~leitai-", ".tmp"
REPORTS = Path(__file__).resolve().parents[2] / "reports"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; OutputError with a clear reason on failure.

    The bytes reach the disk (fsync) before the file takes its name, except inside
    ``syncs_deferred``: there the file is in place at once and its fsync is done by a
    thread, waited for by ``wait_for_syncs``.
    """
    path = Path(path)
    defer = _DEFERRED is not None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=path.parent)
    except OSError as exc:
        raise OutputError(f"无法在 {path.parent} 写入文件（{os_reason(exc)}），请检查文件夹权限和磁盘空间") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if not defer:
                os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
        if defer:
            _sync_later(path)
    except PermissionError as exc:
        _unlink(tmp)
        hint = "文件可能正在 Word/Excel/WPS 中打开，请关闭后重新运行" if os.name == "nt" else "请检查文件夹权限"
        raise OutputError(f"无法写入 {path}（{os_reason(exc)}）：{hint}") from None
    except OSError as exc:
        _unlink(tmp)
        raise OutputError(f"无法写入 {path}（{os_reason(exc)}），请检查磁盘空间和权限") from None


# Outputs staged for publication (ledger/publish.py) need only reach the disk before the ledger
# commit that publishes them, not one by one as they are written: each fsync waits for the disk
# (0.4-2.5 ms on this project's test machine; some 35 per period), so a thread does them meanwhile.
_DEFERRED: list[tuple[Path, Any]] | None = None  # futures of the fsyncs under way, inside syncs_deferred
_SYNCER: Any = None


@contextmanager
def syncs_deferred() -> Iterator[None]:
    """Inside: ``atomic_write_bytes`` leaves its fsync to a thread. Leaving waits for them all."""
    global _DEFERRED
    outer, _DEFERRED = _DEFERRED, _DEFERRED if _DEFERRED is not None else []
    try:
        yield
        if outer is None:
            wait_for_syncs()
    finally:
        if outer is None:
            pending, _DEFERRED = _DEFERRED or [], None
            for _path, future in pending:  # on an error: let them finish, quietly
                future.exception()


def wait_for_syncs() -> None:
    """Return once every deferred fsync is done; OutputError if one failed (the disk said no)."""
    while _DEFERRED:
        path, future = _DEFERRED.pop(0)
        try:
            future.result()
        except OSError as exc:
            raise OutputError(f"无法把 {path} 写入磁盘（{os_reason(exc)}），请检查磁盘后重新运行") from None


def _sync_later(path: Path) -> None:
    global _SYNCER
    if _SYNCER is None:
        from concurrent.futures import ThreadPoolExecutor

        _SYNCER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leitai-fsync")
    assert _DEFERRED is not None
    _DEFERRED.append((path, _SYNCER.submit(_fsync, path)))


def _fsync(path: Path) -> None:
    # Windows flushes only a handle that may write; POSIX any (a read-only one works under any umask)
    fd = os.open(path, (os.O_RDWR | getattr(os, "O_BINARY", 0)) if os.name == "nt" else os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temps(folder: Path) -> list[Path]:
    """Delete the temporary files left in ``folder`` by writers that died (POSIX only).

    A temp file names its writer's pid; it is removed only when no process has that pid,
    so a concurrent writer's file is never touched. Returns what was removed.
    """
    if os.name != "posix":  # os.kill(pid, 0) is not a probe on Windows
        return []
    removed = []
    try:
        names = [n for n in os.listdir(folder) if n.startswith(TEMP_PREFIX) and n.endswith(TEMP_SUFFIX)]
    except OSError:
        return []
    for name in names:
        pid = name[len(TEMP_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        try:
            os.unlink(Path(folder) / name)
            removed.append(Path(folder) / name)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def normalized_zip(data: bytes, stamp: dt.datetime | None = None) -> bytes:
    """The same OOXML package with fixed member timestamps ([Content_Types].xml first).

    With ``stamp``, docProps/core.xml's created and modified times are set to it too
    (writers such as openpyxl put the wall clock there on every save).
    """
    source = zipfile.ZipFile(io.BytesIO(data))
    return normalized_package({name: source.read(name) for name in source.namelist()}, stamp)


_PACKED_MEDIA = (".png", ".jpg", ".jpeg", ".gif")


def normalized_package(members: dict[str, bytes], stamp: dt.datetime | None = None) -> bytes:
    """An OOXML package of ``members`` (member name -> bytes), as ``normalized_zip`` writes it: the
    same bytes, without first packing and unpacking it (a briefing's pictures deflated once, not twice)."""
    names = sorted(members, key=lambda n: (n != "[Content_Types].xml", n.startswith("docProps/"), n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            # A picture is compressed already: deflating it again saves ~1% for most of the time it takes to pack.
            info.compress_type = zipfile.ZIP_STORED if name.lower().endswith(_PACKED_MEDIA) else zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            content = members[name]
            if stamp is not None and name == "docProps/core.xml":
                content = _restamp(content, stamp)
            if info.compress_type == zipfile.ZIP_DEFLATED and len(content) >= _DEFLATE_KEPT_FROM:
                _write_deflated(target, info, content)
            else:
                target.writestr(info, content)
    return out.getvalue()


# The same part deflated once per process: a run's briefing and its 督办单 carry the template's
# styles, theme, numbering and fonts (some 80 KB) unchanged, and deflating them again for each
# document was a tenth of the time to write one. zipfile compresses as it writes; handing it the
# stream deflated before (``_Deflated``) gives the same bytes (a test compares them).
_DEFLATE_KEPT_FROM = 2048  # bytes: smaller parts are deflated anew (cheap, and they vary)
_DEFLATED: dict[bytes, bytes] = {}  # part's bytes -> its deflated stream (the last _DEFLATED_KEPT)
_DEFLATED_KEPT = 64


class _Deflated:
    """A stand-in for zipfile's compressor: the whole stream at the first ``compress``, nothing at ``flush``."""

    def __init__(self, stream: bytes) -> None:
        self.stream = stream

    def compress(self, data: Any) -> bytes:
        stream, self.stream = self.stream, b""
        return stream

    def flush(self) -> bytes:
        return b""


class _Recorded:
    """zipfile's own compressor, its output kept."""

    def __init__(self, real: Any) -> None:
        self.real, self.out = real, list[bytes]()

    def compress(self, data: Any) -> bytes:
        self.out.append(self.real.compress(data))
        return self.out[-1]

    def flush(self) -> bytes:
        self.out.append(self.real.flush())
        return self.out[-1]


def _write_deflated(target: zipfile.ZipFile, info: zipfile.ZipInfo, content: bytes) -> None:
    info.file_size = len(content)  # as writestr sets it, before the header is written
    with target.open(info, mode="w") as dest:
        known = _DEFLATED.get(content)
        if not hasattr(dest, "_compressor"):  # another zipfile than the one this was read from
            dest.write(content)
            return
        if known is not None:
            dest._compressor = _Deflated(known)
            dest.write(content)
            return
        recorded = dest._compressor = _Recorded(dest._compressor)
        dest.write(content)
    stream = b"".join(recorded.out)  # closing flushed it too
    if len(_DEFLATED) >= _DEFLATED_KEPT:
        _DEFLATED.pop(next(iter(_DEFLATED)))
    _DEFLATED[content] = stream


def _restamp(core_xml: bytes, stamp: dt.datetime) -> bytes:
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)", rb"\g<1>" + iso + rb"\g<2>", core_xml)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def workbook_bytes(workbook: object, stamp: dt.datetime) -> bytes:
    """An openpyxl workbook as reproducible .xlsx bytes, its document times set to ``stamp``
    (saved by ``xlsxsave.save_bytes``: the bytes of openpyxl's ``save``, faster)."""
    if getattr(workbook, "write_only", False):
        buffer = io.BytesIO()
        workbook.save(buffer)  # type: ignore[attr-defined]
        return normalized_zip(buffer.getvalue(), stamp)
    from .report.xlsxsave import save_bytes

    return normalized_zip(save_bytes(workbook), stamp)


def save_workbook(workbook: object, path: Path, stamp: dt.datetime) -> None:
    """Save an openpyxl workbook atomically and reproducibly."""
    atomic_write_bytes(path, workbook_bytes(workbook, stamp))


def report_texts(name: str, template: Path | None = None) -> dict[str, dict[str, Any]]:
    """reports/``name`` (a TOML of wording), overridden section by section, key by key, by a file of
    the same name beside the office's ``template``; OutputError naming the office's file if it is not TOML."""
    texts = tomllib.loads((REPORTS / name).read_text(encoding="utf-8"))
    if template is not None:
        local = Path(template).parent / name
        if local.exists() and local.resolve() != (REPORTS / name).resolve():
            try:
                extra = tomllib.loads(local.read_text(encoding="utf-8-sig"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise OutputError(f"{local} 格式有误（{exc}），请按 TOML 格式修改") from None
            for section, values in extra.items():
                if isinstance(values, dict):
                    texts.setdefault(section, {}).update(values)
    return texts


def json_text(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)``, the same text, several times faster.

    With ``indent`` the standard library encodes in Python, value by value, through generators;
    results.json has ~50,000 objects at province scale. Here each container is joined from its
    members' texts, and strings go through the standard library's own C escaper.
    """
    return _json(value, "\n")


def _json(value: Any, newline: str) -> str:
    kind = type(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        return "{" + inner + ("," + inner).join([
            (_escape(k) if type(k) is str else _escape(_key(k))) + ": " + (
                _escape(v) if type(v) is str else _scalar(v) if type(v) in _SCALARS else _json(v, inner))
            for k, v in value.items()]) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + inner + ("," + inner).join([
            _escape(v) if type(v) is str else _scalar(v) if type(v) in _SCALARS else _json(v, inner)
            for v in value]) + newline + "]"
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, dict):
        return _json(dict(value), newline)
    if isinstance(value, (list, tuple)):
        return _json(list(value), newline)
    return _scalar(value)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (_INF, -_INF):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_INF = float("inf")
_SCALARS = {type(None), bool, int, float}


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return _scalar(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")
