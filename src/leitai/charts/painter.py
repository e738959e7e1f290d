"""Charts and the poster drawn in a worker process, in parallel with the rest of a run.

Drawing is most of a county run's time (matplotlib's import and the text of every chart),
and it needs only the results. So a run starts the painter first (``start``): a spawned
process that imports matplotlib and the chart modules while this process reads the inputs,
scores and writes the workbooks. ``Painter.submit`` sends a drawing job; ``Job.result``
collects it (the briefing, which embeds the charts, waits for them; the poster is collected
last). One painter serves every run of the program (the demo's five periods import
matplotlib once); it ends with the program.

- The worker is a fresh interpreter (``python -c``, started with subprocess, not forked and
  not multiprocessing's spawn, which would re-run the caller's main script): the same on
  Linux, Windows and macOS. This process stays single-threaded, so intake may still fork
  its own workers afterwards.
- A job's data goes through a temporary file and only its name through the pipe, so
  sending never waits for the worker (which may still be importing matplotlib).
- The worker runs the same functions as this process would, so the files are the same
  bytes. If it cannot start, or dies, the job is drawn here instead.
- ``LEITAI_CHART_WORKERS=1`` draws everything in this process (no painter).
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Jobs by name, resolved in whichever process draws (so only names and data are sent).
_JOBS = {
    "charts": ("leitai.charts.painter", "draw_charts"),
    "poster": ("leitai.charts.painter", "draw_poster"),
    "nodes": ("leitai.report.xlsxout", "save_node_workbook"),
}


def _font(configured: str | None, text: str) -> tuple[Any, list[str]]:
    """campaign.toml's [report] font (a path or a family), checked against ``text``; None if not set."""
    if not configured:
        return None, []
    from .fonts import resolve_font

    font = resolve_font(configured, text=text)
    if font.source == "configured":
        return font, []
    return font, [f"campaign.toml 中 [report] font 指定的字体“{configured}”未找到或缺字，图表改用“{font.family}”"]


def draw_charts(results: dict[str, Any], history: list[dict[str, Any]], out_dir: Path, title: str,
                investment: dict[str, Any] | None = None, configured: str | None = None, whole: str | None = None
                ) -> tuple[dict[str, Path], list[str]]:
    """The briefing's charts (``render.render_charts``) in the configured font, if any: (paths, warnings),
    a font that is not found or lacks characters said first."""
    from .render import chart_text, render_charts

    font, warnings = _font(configured, chart_text(results, history, investment) + title)
    extra: dict[str, Any] = {} if whole is None else {"whole": whole}
    paths, found = render_charts(results, history, out_dir, font=font, investment=investment, **extra)
    return paths, warnings + found


def draw_poster(results: dict[str, Any], history: list[dict[str, Any]], path: Path, title: str,
                investment: dict[str, Any] | None = None, configured: str | None = None,
                whole: str | None = None, rank_by: str = "cumulative") -> list[str]:
    """The poster (``render.render_poster``) in the same font as the charts; its warnings."""
    from .render import chart_text, render_poster

    font, _ = _font(configured, chart_text(results, history, investment) + title)  # said once, with the charts
    extra: dict[str, Any] = {} if whole is None else {"whole": whole}
    return render_poster(results, path, title=title, font=font, rank_by=rank_by, **extra)


def _function(name: str) -> Callable[..., Any]:
    import importlib

    module, attr = _JOBS[name]
    return getattr(importlib.import_module(module), attr)


def _warm_up() -> None:
    """What every job needs first, done while the caller still reads and scores: matplotlib, the
    Agg canvas and the chart modules imported, the font list and the likeliest font's character
    map read, and a line of text drawn in it (which loads the face and the PNG writer)."""
    import io

    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.figure  # noqa: F401
    from PIL import PngImagePlugin  # noqa: F401

    from . import figures, poster, render  # noqa: F401
    from .chartkit import Ink, new_figure
    from .fonts import resolve_font

    try:
        fig = new_figure(2, 1)
        fig.text(0.5, 0.5, "擂台榜完成率 100%", family=Ink(resolve_font(text="擂台榜")).family)
        fig.savefig(io.BytesIO(), format="rgba")
    except Exception:  # noqa: BLE001 - only a head start: the job itself says what is wrong
        pass


def _watch_parent(every: float = 0.05) -> None:
    """End this worker as soon as the process that started it is gone (killed, say): an orphan
    must not go on drawing the jobs still queued and write them into an output folder that is no
    longer its run's. (Where an orphan keeps its parent's pid, as on Windows, this never fires and
    the worker ends when stdin closes.)"""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(0)

    threading.Thread(target=watch, name="leitai-painter-watch", daemon=True).start()


def _run_job(job_id: str, job_file: str, behind: bool = False) -> bytes:
    """One job from its file: the pickled reply ``(id, ok, value, seconds)``. ``behind``: another job
    is being drawn, so this one, unless it draws charts (which the briefing waits for), runs at idle
    priority: only on a CPU nothing else wants."""
    start = time.perf_counter()
    ok: bool | None = None  # None: the job could not even be set up here; the caller draws it
    value: Any = None
    try:
        with open(job_file, "rb") as handle:
            name, args, kwargs = pickle.load(handle)
        os.unlink(job_file)
        if behind and name != "charts":
            _yield_cpu()
        function = _function(name)
        ok = False
        value, ok = function(*args, **kwargs), True
    except Exception as exc:  # noqa: BLE001 - sent back and raised in the caller
        value = exc if ok is False else None
    seconds = time.perf_counter() - start
    try:
        return pickle.dumps((int(job_id), ok, value, seconds))
    except Exception:  # noqa: BLE001 - an exception that cannot be pickled: say what it was
        return pickle.dumps((int(job_id), False, RuntimeError(repr(value)), seconds))


def _yield_cpu() -> None:
    """This process runs only when a CPU is otherwise idle (Linux SCHED_IDLE), else at the lowest nice."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.nice(19)
        except OSError:
            pass


def forks() -> bool:
    """Whether the painter draws each job in a forked copy of itself (Linux: the copy starts warm in
    a millisecond), so the poster is drawn beside the charts, on whatever CPU the rest of the run
    leaves idle. Not on macOS, where system libraries are not safe to use after fork, nor on Windows,
    which has none: there the jobs are drawn one after another. ``LEITAI_PAINTER_FORK=0`` turns it off."""
    return (sys.platform.startswith("linux") and hasattr(os, "fork")
            and os.environ.get("LEITAI_PAINTER_FORK", "").strip() != "0")


def serve() -> None:
    """The worker's loop: warm up, then for each line ``id<TAB>job file`` on stdin run the job
    and write the pickled ``(id, ok, value, seconds)`` to stdout, until stdin closes."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the replies
    if forks():
        parent = os.getppid()
        _warm_up()
        _serve_forking(replies, parent)
    else:
        _watch_parent()
        _warm_up()
        for line in sys.stdin.buffer:
            job_id, _, job_file = line.decode("utf-8").rstrip("\r\n").partition("\t")
            try:
                replies.write(_run_job(job_id, job_file))
                replies.flush()
            except OSError:
                break  # the caller is gone
    # Every reply is sent and each job wrote its files whole: end now, without the interpreter's
    # teardown of matplotlib (a tenth of a second the caller would wait for at its exit).
    sys.stderr.flush()
    os._exit(0)


def _serve_forking(replies: Any, parent: int, every: float = 0.05) -> None:
    """Each job drawn by a forked child of this warm worker, so jobs sent together are drawn at once.

    A job other than the charts, started while another is being drawn, runs at idle priority
    (``SCHED_IDLE``): the charts, which the briefing waits for, and the caller's own work keep the
    CPUs; the poster takes what they leave. One thread only (a select loop, which also notices the
    caller's death), so forking is safe. A child that dies without a reply gets the ``ok=None``
    reply: the caller draws that job itself.
    """
    import gc
    import selectors

    gc.freeze()  # the warm worker's objects are left alone by its children's collectors: fewer pages copied
    selector = selectors.DefaultSelector()
    stdin = sys.stdin.fileno()
    selector.register(stdin, selectors.EVENT_READ)
    pending = b""
    drawing: dict[int, tuple[str, int, bytearray]] = {}  # pipe -> (job id, child pid, reply so far)
    open_input = True
    while open_input or drawing:
        if os.getppid() != parent:
            os._exit(0)  # the caller is gone; the children see this worker go and end too
        for key, _ in selector.select(every):
            fd = key.fd
            if fd == stdin:
                chunk = os.read(stdin, 65536)
                if not chunk:
                    open_input = False
                    selector.unregister(stdin)
                    continue
                pending += chunk
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    job_id, _, job_file = line.decode("utf-8").rstrip("\r").partition("\t")
                    try:
                        pipe, pid = _fork_job(job_id, job_file, behind=bool(drawing), replies=replies)
                    except OSError:  # no fork now (out of processes or memory): draw it here
                        answer = _run_job(job_id, job_file)
                        try:
                            replies.write(answer)
                            replies.flush()
                        except OSError:
                            os._exit(0)
                        continue
                    drawing[pipe] = (job_id, pid, bytearray())
                    selector.register(pipe, selectors.EVENT_READ)
                continue
            chunk = os.read(fd, 1 << 20)
            if chunk:
                drawing[fd][2].extend(chunk)
                continue
            job_id, pid, reply = drawing.pop(fd)
            selector.unregister(fd)
            os.close(fd)
            os.waitpid(pid, 0)
            try:
                replies.write(bytes(reply) if reply else pickle.dumps((int(job_id), None, None, 0.0)))
                replies.flush()
            except OSError:
                os._exit(0)  # the caller is gone


def _fork_job(job_id: str, job_file: str, *, behind: bool, replies: Any) -> tuple[int, int]:
    """Fork a child that runs the job and writes its reply into a pipe: (the pipe's read end, pid)."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        raise
    if pid:
        os.close(write_end)
        return read_end, pid
    try:  # the child
        os.close(read_end)
        os.close(replies.fileno())  # only the worker itself answers the caller
        _watch_parent()  # the worker gone (its caller killed): stop drawing
        data = _run_job(job_id, job_file, behind)
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view):]
    finally:
        os._exit(0)


_BOOT = "import sys; sys.path.insert(0, {root!r}); from leitai.charts.painter import serve; serve()"


class Job:
    """One drawing job: ``result()`` returns what the function returned (or raises what it raised)."""

    def __init__(self, painter: Painter | None, job_id: int, name: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> None:
        self._painter, self._id, self.name = painter, job_id, name
        self._args, self._kwargs = args, kwargs
        self.seconds = 0.0  # drawing time, wherever it was drawn
        self.in_worker = painter is not None

    def result(self) -> Any:
        if self._painter is not None:
            found = self._painter._collect(self._id)
            self._painter = None
            if found is not None and found[0] is not None:
                ok, value, self.seconds = found
                if not ok:
                    raise value
                return value
            self.in_worker = False  # the worker is gone: draw here
        start = time.perf_counter()
        try:
            return _function(self.name)(*self._args, **self._kwargs)
        finally:
            self.seconds = time.perf_counter() - start


class Painter:
    """A worker process that draws; ``submit`` never waits for it and never fails because of it."""

    def __init__(self) -> None:
        root = str(Path(__file__).resolve().parents[2])  # this leitai, whatever the current folder holds
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console window on Windows
        self._process = subprocess.Popen([sys.executable, "-c", _BOOT.format(root=root)], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, creationflags=flags)
        self._next = 0
        self._done: dict[int, tuple[bool | None, Any, float]] = {}
        self._files: dict[int, str] = {}
        self.alive = True

    def running(self) -> bool:
        return self.alive and self._process.poll() is None

    def submit(self, name: str, *args: Any, **kwargs: Any) -> Job:
        job_id, self._next = self._next, self._next + 1
        if self.running():
            try:
                handle, job_file = tempfile.mkstemp(prefix="leitai-job-", suffix=".pickle")
                with os.fdopen(handle, "wb") as out:
                    pickle.dump((name, args, kwargs), out, protocol=pickle.HIGHEST_PROTOCOL)
                self._files[job_id] = job_file
                assert self._process.stdin is not None
                self._process.stdin.write(f"{job_id}\t{job_file}\n".encode())
                self._process.stdin.flush()
                return Job(self, job_id, name, args, kwargs)
            except (OSError, ValueError, pickle.PicklingError):
                self.stop()
        return Job(None, job_id, name, args, kwargs)

    def _collect(self, job_id: int) -> tuple[bool | None, Any, float] | None:
        """The reply to ``job_id`` (replies may come in any order), or None if the worker died first."""
        while job_id not in self._done:
            if not self.alive:
                return None
            try:
                got, ok, value, seconds = pickle.load(self._process.stdout)  # type: ignore[arg-type]
            except Exception:  # noqa: BLE001 - a dead or confused worker: draw here instead
                self.stop()
                return None
            self._done[got] = (ok, value, seconds)
            self._forget(got)
        return self._done.pop(job_id)

    def _forget(self, job_id: int) -> None:
        job_file = self._files.pop(job_id, None)
        if job_file:
            try:
                os.unlink(job_file)
            except OSError:
                pass  # the worker removed it

    def stop(self, wait: bool = True) -> None:
        """Close the worker's input: it ends once its jobs are drawn. ``wait`` for that (else
        ``reap`` does, later)."""
        self.alive = False
        for stream in (self._process.stdin, self._process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        for job_id in list(self._files):
            self._forget(job_id)
        if wait:
            self.reap()

    def reap(self) -> None:
        """Wait for the worker's end (its CPU then counts with this process's children)."""
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


_PAINTER: Painter | None = None


def enabled() -> bool:
    """Whether drawing goes to a worker process (``LEITAI_CHART_WORKERS=1``: no, draw here; nor
    in a frozen executable, which cannot run ``python -c``)."""
    return os.environ.get("LEITAI_CHART_WORKERS", "").strip() != "1" and not getattr(sys, "frozen", False)


def start() -> Painter | None:
    """The program's painter, started now if it is not running; None when drawing stays here."""
    global _PAINTER
    if not enabled():
        return None
    if _PAINTER is not None and _PAINTER.running():
        return _PAINTER
    try:
        _PAINTER = Painter()
    except (OSError, ValueError, subprocess.SubprocessError):
        _PAINTER = None
    return _PAINTER


def submit(name: str, *args: Any, **kwargs: Any) -> Job:
    """Draw ``name`` ('charts' or 'poster': ``draw_charts``, ``draw_poster``) with the painter if
    there is one, else here when the result is asked for."""
    painter = start()
    if painter is None:
        return Job(None, -1, name, args, kwargs)
    return painter.submit(name, *args, **kwargs)


_ENDING: list[Painter] = []  # told to end (``let_go``), not yet waited for


def let_go() -> None:
    """Tell the painter to end now, without waiting: the program's last run has every drawing it
    asked for, and the worker's exit overlaps the run's last steps. ``stop`` waits for it."""
    global _PAINTER
    painter, _PAINTER = _PAINTER, None
    if painter is not None:
        painter.stop(wait=False)
        _ENDING.append(painter)


def stop() -> None:
    """End the painter, and wait for it and for any let go before (also done at exit)."""
    global _PAINTER
    painter, _PAINTER = _PAINTER, None
    if painter is not None:
        painter.stop()
    while _ENDING:
        _ENDING.pop().reap()


atexit.register(stop)
