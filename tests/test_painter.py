"""The painter: charts and poster drawn in a worker process, the same bytes as drawn here (issue 18)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from leitai.campaign.plan import load_campaign
from leitai.charts import painter
from leitai.pipeline import run_period, seeds_folder


def _digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def campaign_copy(tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(seeds_folder(), folder)
    return folder


@pytest.mark.parametrize("fork", ["1", "0"])
def test_worker_and_in_process_give_the_same_files(tmp_path, campaign_copy, monkeypatch, fork):
    """The same bytes drawn here, by the painter's forked copies (Linux) and by the painter itself."""
    campaign = load_campaign(campaign_copy)
    painter.stop()
    monkeypatch.setenv("LEITAI_PAINTER_FORK", fork)
    monkeypatch.setenv("LEITAI_CHART_WORKERS", "1")
    here = run_period(campaign, 1, outputs_root=tmp_path / "here", ledger_path=tmp_path / "here.sqlite")
    monkeypatch.delenv("LEITAI_CHART_WORKERS")
    worker = run_period(campaign, 1, outputs_root=tmp_path / "worker", ledger_path=tmp_path / "worker.sqlite")
    assert painter._PAINTER is not None and painter._PAINTER.running()  # it drew, and it stays for the next run
    assert _digests(here.out_dir) == _digests(worker.out_dir)
    assert here.outputs == [worker.out_dir.parent.parent / "here" / p.relative_to(worker.out_dir.parent.parent / "worker")
                            for p in worker.outputs]
    assert worker.timings["drawing"] > 0 and worker.warnings == here.warnings


def test_a_dead_painter_means_drawing_here(tmp_path, campaign_copy):
    campaign = load_campaign(campaign_copy)
    worker = painter.start()
    assert worker is not None
    worker._process.kill()
    worker._process.wait()
    job = worker.submit("poster", {"units": [], "groups": []}, [], tmp_path / "p.png", "擂台榜")
    assert not job.in_worker
    result = run_period(campaign, 1, outputs_root=tmp_path / "o", ledger_path=tmp_path / "h.sqlite")
    assert (result.out_dir / "擂台榜-第01期.png").stat().st_size > 10_000


def test_a_job_that_dies_in_the_worker_is_drawn_here(tmp_path, campaign_copy):
    """The worker killed while it draws: the caller draws the job itself, the same bytes."""
    results = run_period(load_campaign(campaign_copy), 1, outputs_root=tmp_path / "a",
                         ledger_path=tmp_path / "a.sqlite").results
    worker = painter.start()
    assert worker is not None
    job = worker.submit("poster", results, [results], tmp_path / "p.png", "擂台榜")
    worker._process.kill()
    assert job.result() == [] and not job.in_worker
    assert painter.draw_poster(results, [results], tmp_path / "q.png", "擂台榜") == []
    assert (tmp_path / "p.png").read_bytes() == (tmp_path / "q.png").read_bytes()
    assert painter.start() is not worker  # a new painter for the next run


def test_an_error_in_the_worker_is_raised_to_the_caller(tmp_path):
    job = painter.submit("poster", {"units": "not a list"}, [], tmp_path / "p.png", "擂台榜")
    with pytest.raises(Exception):  # noqa: B017 - whatever the drawing raised, here
        job.result()
    assert painter.start() is not None  # the painter survives a job's error


def test_the_callers_main_script_is_not_run_again(tmp_path, campaign_copy):
    """multiprocessing's spawn would re-run an unguarded script in the worker; the painter does not."""
    marker = tmp_path / "runs.txt"
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        from pathlib import Path
        from leitai.campaign.plan import load_campaign
        from leitai.pipeline import run_period
        with open({str(marker)!r}, "a") as f:
            f.write("run\\n")
        result = run_period(load_campaign({str(campaign_copy)!r}), 1)
        print(result.timings["drawing"] > 0)
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert marker.read_text() == "run\n" and done.stdout.strip() == "True"


def test_jobs_sent_together_are_drawn_at_once_the_later_at_idle_priority(tmp_path, campaign_copy, monkeypatch):
    """Where the painter forks, a job sent while another is drawn starts at once in its own copy of
    the warm worker, at idle priority unless it draws charts; both replies come back whole."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the painter forks on Linux only")
    painter.stop()
    monkeypatch.delenv("LEITAI_PAINTER_FORK", raising=False)
    assert painter.forks()
    results = run_period(load_campaign(campaign_copy), 1, outputs_root=tmp_path / "o",
                         ledger_path=tmp_path / "h.sqlite").results
    worker = painter.start()
    assert worker is not None
    first = worker.submit("charts", results, [results], tmp_path / "charts", "擂台榜")
    second = worker.submit("poster", results, [results], tmp_path / "p.png", "擂台榜")
    listing = Path(f"/proc/{worker._process.pid}/task/{worker._process.pid}/children")
    policies: dict[int, int] = {}
    deadline = time.monotonic() + 5
    while (len(policies) < 2 or os.SCHED_IDLE not in policies.values()) and time.monotonic() < deadline:
        for pid in map(int, listing.read_text().split()):
            try:
                policies[pid] = os.sched_getscheduler(pid)
            except OSError:
                pass  # already done
        time.sleep(0.005)
    paths, warnings = first.result()
    assert second.result() == [] and first.in_worker and second.in_worker
    assert set(paths) >= {"category", "trend", "lights"} and (tmp_path / "p.png").stat().st_size > 10_000
    assert sorted(policies.values()) == sorted([os.SCHED_OTHER, os.SCHED_IDLE])
    assert painter.draw_poster(results, [results], tmp_path / "q.png", "擂台榜") == []
    assert (tmp_path / "p.png").read_bytes() == (tmp_path / "q.png").read_bytes()


def test_the_painter_forks_only_where_it_is_safe(monkeypatch):
    monkeypatch.setenv("LEITAI_PAINTER_FORK", "0")
    assert not painter.forks()
    monkeypatch.delenv("LEITAI_PAINTER_FORK")
    assert painter.forks() == sys.platform.startswith("linux")


def test_a_painter_let_go_ends_by_itself_and_is_waited_for_at_the_end(tmp_path):
    """let_go: the painter told to end without waiting (the run's last steps go on); stop reaps it."""
    job = painter.submit("poster", {"units": "not a list"}, [], tmp_path / "p.png", "擂台榜")
    with pytest.raises(Exception):  # noqa: B017 - a reply is a reply
        job.result()
    worker = painter.start()
    assert worker is not None
    painter.let_go()
    assert painter._PAINTER is None and painter._ENDING == [worker]
    painter.stop()
    assert painter._ENDING == [] and worker._process.returncode is not None
