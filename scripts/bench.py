"""Benchmark leitai: the demo, and county, city and province scale (issues 8 and 18).

    .venv/bin/python scripts/bench.py                       # demo + all three scales, 3 repetitions
    .venv/bin/python scripts/bench.py --quick               # tiny scales, 1 repetition (the test suite runs it)
    .venv/bin/python scripts/bench.py --scales province --repeat 5 --json bench.json

The demo's last period is run as a process (``leitai run --campaign <copy of seeds>``, the
periods before it run once first), median of ``--demo-repeat`` (5). Then the bench generates seeded synthetic campaigns (cached in a temporary folder keyed by scale, seed
and generator version, so a second run does not regenerate) and measures, medians over
the repetitions:

  (a) naive   a loop of ``pd.read_excel(path, sheet_name=0, header=2, engine="openpyxl")``
              (province: a seeded sample of 200 files, extrapolated to all files);
  (b) floor   python-calamine reading every cell of every sheet of every file, nothing else;
  (c) intake  ``leitai.intake.folder.read_inputs`` on the period's folder (campaign already loaded);
  (d) run     ``python -m leitai.cli run --campaign DIR --period 1`` as a child process:
              wall time, and peak RSS (max resident set of the process, GNU time's %M;
              chart worker processes, when used, are not added in);

plus the plan loading (``load_campaign``) against calamine reading plan.xlsx (its floor),
the 2,000-row attachment table of the briefing alone, and per-stage timings of one cold
``run_period`` in a fresh process (``RunResult.timings``, the pipeline's own stopwatch).
Only public functions are used, so a refactoring cannot silently break the bench.

The sheets are leitai's own templates (``templates.build_template``) filled in the way
units fill them, so the reader sees what it sees in production; generation checks that
intake accepts every file with zero problems. Period 1's cutoff is set mid-campaign
(2020-10-12) so that about 40% of the nodes are due, as in a typical period.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GEN_VERSION = 1  # bump when the generated campaign changes, so caches are not reused
SEED = 8
PERIOD = 1
START, END, CUTOFF = dt.date(2020, 9, 1), dt.date(2020, 12, 9), dt.date(2020, 10, 12)
FIRST_DUE, LAST_DUE = dt.date(2020, 9, 5), dt.date(2020, 12, 7)
NAIVE_SAMPLE = 200  # files read the naive way at most; the rest is extrapolated
PYTHON = sys.executable


@dataclass(frozen=True)
class Scale:
    name: str
    units: int
    projects: int


SCALES = {  # in growing order (the growth exponent compares neighbours)
    "tiny": Scale("tiny", 6, 12),
    "small": Scale("small", 24, 48),
    "county": Scale("county", 30, 60),
    "city": Scale("city", 300, 600),
    "province": Scale("province", 2000, 6000),
}
QUICK = ("tiny", "small")  # --quick: the bench checks itself in seconds (run by the test suite)

TOWNS, DEPTS = "乡镇（街道）", "县级部门"
CATEGORIES = ["主要经济指标", "全面高水平小康", "重点区块征迁", "项目推进", "专项工作", "重要民生实事", "要素保障"]
PLACE = ("赤城始丰福溪白鹤石梁街头平桥坦头三合洪畴龙溪雷峰南屏泳溪清源东阳西岭北湖安宁永和长乐"
         "新安丰收兴隆太平明月青山白云红岩金沙银河玉泉锦绣桃源梅林竹溪松岗")
DEPT_WORDS = ("发改经信财政资规住建交通水利农业商务文旅卫健教育执法生态人社统计市场应急民政司法审计"
              "信访林业气象档案科技体育医保退役粮食园林城管")
TARGETS = ["完成方案设计批复", "完成施工招投标", "正式开工建设", "完成基础工程", "完成主体工程30%",
           "完成主体工程60%", "完成主体工程并验收", "完成年度投资计划"]
KINDS = ["道路提升工程", "安置小区建设", "产业园区配套", "污水管网改造", "学校扩建工程", "征迁攻坚", "专项整治"]
ISSUES = ["施工单位人员和机械投入不足", "连续降雨影响室外作业", "用地报批手续尚未完成", "政策处理进度滞后",
          "上级补助资金尚未到位", "设计方案调整，需重新送审"]
PROGRESS = ["按计划有序推进", "已完成阶段性任务，正在组织验收", "正在开展前期工作", "主体施工进行中，人员设备已到位"]


# ------------------------------------------------------------------------------ generation

def _pairs(chars: str) -> list[str]:
    return [chars[i:i + 2] for i in range(0, len(chars) - 1, 2)]


def unit_names(n: int) -> list[tuple[str, str]]:
    """n unique (unit, group) pairs: half towns, half departments, Chinese names without digits."""
    places, depts = _pairs(PLACE), _pairs(DEPT_WORDS)
    towns = [f"{a}{b}镇" for a in places for b in places if a != b]
    offices = [f"{a}{b}局" for a in depts for b in places]
    half = n // 2
    assert half <= len(towns) and n - half <= len(offices), "not enough synthetic names"
    return [(t, TOWNS) for t in towns[:half]] + [(d, DEPTS) for d in offices[: n - half]]


def campaign_toml(scale: Scale) -> str:
    return f"""\
[campaign]
name = "基准{scale.name}百日攻坚行动"
short_name = "百日攻坚"
issuer = "基准百日攻坚行动指挥部办公室"
doc_prefix = "基攻坚办〔2020〕"
start = {START.isoformat()}
end = {END.isoformat()}

[periods]
first_cutoff = {CUTOFF.isoformat()}
every_days = 14
evaluations = [1, 3, 5]

[rules]
yellow_cards = 4
lights = "two"
grace_days = 7
escalate_red_count = 3
no_submission = "carry_forward"
rank_by = "cumulative"

[report]
pdf = "never"  # the targets are leitai's own time; LibreOffice's PDF is measured apart (the demo)
"""


def write_plan(path: Path, scale: Scale, seed: int) -> None:
    import openpyxl

    rng = random.Random(f"{seed}-plan-{scale.name}")
    units = unit_names(scale.units)
    book = openpyxl.Workbook(write_only=True)
    projects = book.create_sheet("项目")
    projects.append(["项目编号", "项目名称", "所属板块", "牵头单位", "责任领导", "总投资（万元）", "备注"])
    nodes = book.create_sheet("节点")
    nodes.append(["项目编号", "节点序号", "节点目标", "计划完成日期"])
    span = (LAST_DUE - FIRST_DUE).days
    for i in range(scale.projects):
        unit = units[i % scale.units][0]  # every unit leads projects/units projects (2 or 3)
        pid = f"P{i + 1:05d}"
        kind = KINDS[rng.randrange(len(KINDS))]
        investment = round(rng.uniform(500, 50000), 0) if rng.random() < 0.6 else None
        projects.append([pid, f"{unit[:-1]}{kind}", CATEGORIES[i % len(CATEGORIES)], unit, "", investment, ""])
        count = rng.choice((6, 7, 8))
        days = sorted(rng.sample(range(span + 1), count))
        for seq, day in enumerate(days, start=1):
            nodes.append([pid, seq, TARGETS[seq - 1], FIRST_DUE + dt.timedelta(days=day)])
    sheet = book.create_sheet("单位")
    sheet.append(["单位名称", "分组", "别名"])
    for name, group in units:
        sheet.append([name, group, ""])
    book.save(path)


_WORKER: dict[str, Any] = {}


def _worker_init(folder: str) -> None:
    from leitai.campaign.plan import load_campaign

    _WORKER["campaign"] = load_campaign(folder)


def _write_units(args: tuple[str, list[str], int]) -> int:
    """Fill and save the templates of ``units`` (run in a worker)."""
    from leitai.campaign.templates import DATA_SHEET, FIRST_DATA_ROW, build_template, cutoff_stamp, template_filename
    from leitai.fileio import save_workbook

    out, units, seed = args
    campaign = _WORKER["campaign"]
    due = {(str(p), int(s)): d.date() for p, s, d in campaign.plan.nodes[["project_id", "seq", "due"]].itertuples(
        index=False)}
    stamp = cutoff_stamp(campaign, PERIOD)
    for unit in units:
        rng = random.Random(f"{seed}-{unit}")
        book = build_template(campaign, unit, PERIOD)
        sheet = book[DATA_SHEET]
        for row in range(FIRST_DATA_ROW, sheet.max_row + 1):
            key = (str(sheet.cell(row, 1).value), int(sheet.cell(row, 3).value))
            day = due[key]
            if day <= CUTOFF:
                done = rng.random() < 0.85
                when = min(CUTOFF, day + dt.timedelta(days=rng.randint(-6, 3))) if done else None
            else:
                done = rng.random() < 0.05
                when = CUTOFF - dt.timedelta(days=rng.randint(0, 20)) if done else None
            if when is not None and when < START:
                when = START
            sheet.cell(row, 6).value = "已完成" if done else "未完成"
            sheet.cell(row, 7).value = when
            sheet.cell(row, 8).value = 100 if done else rng.randrange(0, 95, 5)
            sheet.cell(row, 9).value = round(rng.uniform(0, 3000), 2) if rng.random() < 0.5 else None
            sheet.cell(row, 10).value = PROGRESS[rng.randrange(len(PROGRESS))]
            if not done and day <= CUTOFF:
                sheet.cell(row, 11).value = ISSUES[rng.randrange(len(ISSUES))]
            sheet.cell(row, 12).value = "倒排工期，确保按期完成" if not done else "巩固成果"
        save_workbook(book, Path(out) / template_filename(unit, PERIOD), stamp)
    return len(units)


def generate(scale: Scale, seed: int, cache: Path) -> Path:
    """The campaign folder of ``scale`` (generated unless cached); checks intake accepts it cleanly."""
    folder = cache / f"{scale.name}-seed{seed}-v{GEN_VERSION}"
    if (folder / ".complete").exists():
        (folder / "campaign.toml").write_text(campaign_toml(scale), encoding="utf-8")  # settings as of this bench
        return folder
    if folder.exists():
        shutil.rmtree(folder)
    inputs = folder / "inputs" / f"第{PERIOD:02d}期"
    inputs.mkdir(parents=True)
    start = time.perf_counter()
    (folder / "campaign.toml").write_text(campaign_toml(scale), encoding="utf-8")
    write_plan(folder / "plan.xlsx", scale, seed)
    names = [name for name, _ in unit_names(scale.units)]
    workers = min(os.cpu_count() or 1, 4)
    chunks = [names[i::workers * 4] for i in range(workers * 4)]
    with ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(str(folder),)) as pool:
        written = sum(pool.map(_write_units, [(str(inputs), c, seed) for c in chunks if c]))
    assert written == scale.units

    from leitai.campaign.plan import load_campaign
    from leitai.intake.folder import read_inputs

    intake = read_inputs(inputs, load_campaign(folder), PERIOD)
    bad = [f for f in intake.files if f.status != "accepted"]
    if intake.problems or bad:
        codes = sorted({p.code for p in intake.problems})
        raise SystemExit(f"generated {scale.name} campaign is not clean: {len(intake.problems)} problems "
                         f"{codes}, {len(bad)} files not accepted")
    (folder / ".complete").write_text(json.dumps({
        "units": scale.units, "projects": scale.projects, "nodes": int(len(intake.reports)),
        "seconds": round(time.perf_counter() - start, 1)}), encoding="utf-8")
    print(f"  generated {scale.name}: {scale.units} files in {time.perf_counter() - start:.1f} s -> {folder}",
          file=sys.stderr)
    return folder


# ----------------------------------------------------------------------------- measuring

def median_time(func: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        if before is not None:
            before()
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def input_files(folder: Path) -> list[Path]:
    return sorted(p for p in (folder / "inputs" / f"第{PERIOD:02d}期").iterdir() if p.is_file())


def naive(files: list[Path]) -> int:
    import pandas as pd

    return sum(len(pd.read_excel(p, sheet_name=0, header=2, engine="openpyxl")) for p in files)


def floor(files: list[Path]) -> int:
    import python_calamine as calamine

    cells = 0
    for path in files:
        book = calamine.CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            cells += sum(len(r) for r in book.get_sheet_by_name(name).to_python(skip_empty_area=False))
    return cells


def clean_outputs(folder: Path) -> None:
    shutil.rmtree(folder / "outputs", ignore_errors=True)
    for name in ("history.sqlite", "history.sqlite-journal", "history.sqlite-wal"):
        (folder / name).unlink(missing_ok=True)


def run_process(argv: list[str]) -> tuple[float, int, float | None]:
    """(wall seconds, peak RSS in bytes, CPU seconds user + system or None) of one child process;
    raises if it fails.

    Peak RSS and CPU come from GNU time (``/usr/bin/time -f "%M %U %S"``), which forks the
    measured process from its own small process. ``os.wait4``/``RUSAGE_CHILDREN`` on a child
    spawned directly from this (large) bench process would be wrong: Linux carries the
    pre-exec high-water mark across exec, so the child would report the bench's own RSS.
    Without GNU time, VmHWM of /proc/PID/status is polled (reset at exec; may miss a
    final spike of < 20 ms) and CPU is not known. CPU includes the process's children
    (intake and chart workers), not the detached process that deletes a re-run's replaced output
    folder once the program has ended (~0.03 s of CPU, measured with GNU time on the demo's
    folder); on a shared machine it moves less than the wall time.
    """
    gnu_time = Path("/usr/bin/time")
    with tempfile.NamedTemporaryFile(suffix=".rss", delete=False) as handle:
        rss_file = Path(handle.name)
    if gnu_time.exists():
        argv = [str(gnu_time), "-f", "%M %U %S", "-o", str(rss_file), *argv]
    peak_kib, cpu = 0, None
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if not gnu_time.exists():
        status = Path(f"/proc/{proc.pid}/status")
        while proc.poll() is None:
            try:
                line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
                peak_kib = max(peak_kib, int(line.split()[1]))
            except (OSError, StopIteration):
                pass
            time.sleep(0.02)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if gnu_time.exists():
        text = rss_file.read_text().strip().splitlines()
        fields = text[-1].split() if text else []
        if len(fields) == 3 and fields[0].isdigit():
            peak_kib, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
    rss_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{out.decode()}\n{err.decode()}")
    return wall, peak_kib * 1024, cpu


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def run_cli(folder: Path, repeat: int) -> tuple[float, int, float | None]:
    walls, peaks, cpus = [], [], []
    for _ in range(repeat):
        clean_outputs(folder)
        wall, peak, cpu = run_process([PYTHON, "-m", "leitai.cli", "run", "--campaign", str(folder),
                                       "--period", str(PERIOD)])
        walls.append(wall)
        peaks.append(peak)
        cpus.append(cpu)
    return statistics.median(walls), max(peaks), _median(cpus)


def attachment_table(rows: int, repeat: int) -> dict[str, float]:
    """The briefing's table builder on a ``rows``-row nodes attachment: build, and build + save.

    Public functions only (``docxkit.table_xml``, ``docxkit.clear_body``, ``fileio.normalized_zip``)
    on the bundled template; the style names are the template contract (SPEC §7, 样式名不可修改).
    """
    from docx import Document

    from leitai.fileio import normalized_zip
    from leitai.report.briefing import bundled_template
    from leitai.report.docxkit import clear_body, table_xml

    data = [[f"单位{i % 97}", f"项目{i // 7}", str(i % 7 + 1), "完成主体工程并通过验收", "10月8日", "10月6日", "按期完成"]
            for i in range(rows)]
    headers = ["牵头单位", "项目名称", "节点", "节点目标", "计划完成", "实际完成", "状态"]
    names = {"th": "表头", "td": "表格文字", "td_left": "表格文字（左）", "table": "通报表格"}

    builds, totals = [], []
    for _ in range(repeat):
        doc = Document(str(bundled_template()))
        clear_body(doc)
        ids = {key: doc.styles[name].style_id for key, name in names.items()}
        start = time.perf_counter()
        element = table_xml(ids, headers, data, [20, 26, 11, 28, 22, 22, 23], left=(1, 3), merge=(0, 1))
        body = doc.element.body
        body.sectPr.addprevious(element) if body.sectPr is not None else body.append(element)
        built = time.perf_counter()
        buffer = io.BytesIO()
        doc.save(buffer)
        normalized_zip(buffer.getvalue(), dt.datetime(2020, 10, 12))
        builds.append(built - start)
        totals.append(time.perf_counter() - start)
    return {"build": statistics.median(builds), "build_save": statistics.median(totals)}


# --------------------------------------------------------------------- per-stage (child)

# wall time of this process, in order of work (RunResult.timings)
STAGE_NAMES = ["load_campaign", "intake", "states", "scoring", "results", "ledger", "painter", "json", "xlsx", "actions",
               "details", "charts", "docx", "poster", "pdf", "manifest"]
SIDE_STAGES = ["drawing"]  # the painter process's own time, alongside the stages above


def stages_child(folder: Path, profile: str | None, period: int = PERIOD, clean: bool = True) -> None:
    """Run one period in this (fresh) process; print JSON of the imports, load and
    ``RunResult.timings`` (the pipeline's own wall time per stage)."""
    t0 = time.perf_counter()
    from leitai.campaign.plan import load_campaign
    from leitai.pipeline import run_period
    imports = time.perf_counter() - t0

    if clean:
        clean_outputs(folder)
    profiler = None
    if profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    camp = load_campaign(folder)
    loaded = time.perf_counter()
    result = run_period(camp, period, force=True)  # quick demo: the earlier periods were skipped
    total = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    print(json.dumps({"imports": imports, "total": total,
                      "stages": {"load_campaign": loaded - start, **result.timings}}))


def stages(folder: Path, profile: str | None = None, period: int = PERIOD, keep: bool = False) -> dict[str, Any]:
    argv = [PYTHON, str(Path(__file__).resolve()), "--_stages", str(folder), "--_period", str(period)]
    if keep:
        argv.append("--_keep")
    if profile:
        argv += ["--_profile", profile]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"per-stage run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def set_pdf(folder: Path, mode: str) -> None:
    """Set ``[report] pdf`` in the campaign folder's campaign.toml (a copy: the bench's own)."""
    path = folder / "campaign.toml"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("pdf =")]
    if "[report]" not in lines:
        lines.append("[report]")
    lines.insert(lines.index("[report]") + 1, f'pdf = "{mode}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def demo_run(repeat: int, stages_too: bool = True, quick: bool = False) -> dict[str, Any]:
    """The demo's last period as a process (``leitai run --campaign <copy of seeds> --period N``),
    after the periods before it were run once (``quick``: skipped, the period run with --force):
    median wall and CPU, peak RSS, and one per-stage run. The target is leitai's own time, so
    the copy's ``[report] pdf`` is "never"; where LibreOffice is installed the run is timed again
    with the PDF (``pdf_run``, median of up to 3), which the demo writes by default."""
    from leitai.pipeline import seeds_folder
    from leitai.report.pdf import find_soffice

    seeds = seeds_folder()
    periods = sorted(int(p.name[1:-1]) for p in (seeds / "inputs").iterdir() if p.is_dir() and p.name[1:-1].isdigit())
    last = periods[-1]
    with tempfile.TemporaryDirectory(prefix="leitai-bench-demo-") as tmp:
        folder = Path(tmp) / "demo"
        shutil.copytree(seeds, folder)
        set_pdf(folder, "never")
        for period in [] if quick else periods[:-1]:
            run_process([PYTHON, "-m", "leitai.cli", "run", "--campaign", str(folder), "--period", str(period)])
        argv = [PYTHON, "-m", "leitai.cli", "run", "--campaign", str(folder), "--period", str(last),
                *(["--force"] if quick else [])]
        walls, peaks, cpus = [], [], []
        for _ in range(repeat):
            wall, peak, cpu = run_process(argv)
            walls.append(wall)
            peaks.append(peak)
            cpus.append(cpu)
        found = {"period": last, "run": statistics.median(walls), "runs": walls, "peak_rss": max(peaks),
                 "cpu": _median(cpus), "quick": quick}
        if stages_too:
            found["stages"] = stages(folder, period=last, keep=True)
        if find_soffice() and not quick:
            set_pdf(folder, "auto")
            found["pdf_run"] = statistics.median(run_process(argv)[0] for _ in range(min(3, repeat)))
        return found


# -------------------------------------------------------------------------------- report

def machine() -> dict[str, str]:
    from importlib import metadata

    import pandas as pd

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() \
        else platform.processor()
    ram = ""
    if Path("/proc/meminfo").exists():
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    import leitai

    source = Path(leitai.__file__).resolve().parents[2]
    git = subprocess.run(["git", "-C", str(source), "log", "-1", "--format=%h"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(source), "status", "--porcelain", "--", "src"], capture_output=True,
                           text=True)
    code = (git.stdout.strip() + (" + uncommitted changes in src/" if dirty.stdout.strip() else "")
            if git.returncode == 0 else "not a git checkout")
    return {"load": load_average(), "leitai": f"{source} ({code})", "cpus": str(os.cpu_count()), "cpu": cpu, "ram": ram, "os": platform.platform(),
            "python": platform.python_version(), "pandas": pd.__version__,
            "python-calamine": metadata.version("python-calamine"), "openpyxl": metadata.version("openpyxl"),
            "python-docx": metadata.version("python-docx"), "matplotlib": metadata.version("matplotlib")}


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def seconds(x: float | None) -> str:
    return "—" if x is None else (f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s")


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(_width(h), *(_width(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths)) + " |"
    return "\n".join([line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="county,city,province")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--demo-repeat", type=int, default=5, help="runs of the demo's last period (median)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny scales (tiny, small), one repetition: checks the bench itself runs (the test suite)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "leitai-bench")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--no-stages", action="store_true", help="skip the per-stage runs")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo run")
    parser.add_argument("--_stages", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--_period", type=int, default=PERIOD, help=argparse.SUPPRESS)
    parser.add_argument("--_keep", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_profile", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._stages:
        stages_child(args._stages, args._profile, args._period, clean=not args._keep)
        return 0
    names = list(QUICK) if args.quick else [s.strip() for s in args.scales.split(",") if s.strip()]
    repeat = 1 if args.quick else max(1, args.repeat)
    demo_repeat = 1 if args.quick else max(1, args.demo_repeat)
    unknown = [n for n in names if n not in SCALES]
    if unknown:
        parser.error(f"unknown scale(s) {unknown}; choose from {list(SCALES)}")

    from leitai.campaign.plan import load_campaign
    from leitai.intake.folder import read_inputs

    info = machine()
    print(f"machine: {info['cpus']} CPUs, {info['cpu']}, {info['ram']} RAM; Python {info['python']}, "
          f"pandas {info['pandas']}, python-calamine {info['python-calamine']}; leitai {info['leitai']}")
    print(f"load average before: {info['load']}")
    measured: dict[str, dict[str, Any]] = {}
    bench_start = time.perf_counter()
    demo = None
    if not args.no_demo:
        print(f"  measuring the demo's last period ({demo_repeat} runs) ...", file=sys.stderr)
        demo = demo_run(demo_repeat, stages_too=not args.no_stages, quick=args.quick)
    for name in names:
        scale = SCALES[name]
        folder = generate(scale, args.seed, args.cache)
        files = input_files(folder)
        nodes = json.loads((folder / ".complete").read_text())["nodes"]
        print(f"  measuring {name} ({len(files)} files, {nodes} nodes) ...", file=sys.stderr)
        sample = files if len(files) <= NAIVE_SAMPLE * 1.5 else sorted(random.Random(args.seed).sample(
            files, NAIVE_SAMPLE))
        t_naive, _ = median_time(lambda s=sample: naive(s), repeat)
        t_naive *= len(files) / len(sample)
        t_floor, _ = median_time(lambda f=files: floor(f), repeat)
        t_plan_floor, _ = median_time(lambda f=[folder / "plan.xlsx"]: floor(f), repeat)
        t_load, camp = median_time(lambda d=folder: load_campaign(d), repeat)
        inputs = folder / "inputs" / f"第{PERIOD:02d}期"
        t_intake, _ = median_time(lambda i=inputs, c=camp: read_inputs(i, c, PERIOD), repeat)
        t_run, peak, cpu = run_cli(folder, repeat)
        row = {"name": name, "units": scale.units, "files": len(files), "projects": scale.projects, "nodes": nodes,
               "naive": t_naive, "naive_sampled": len(sample) < len(files), "floor": t_floor,
               "plan_floor": t_plan_floor, "load_campaign": t_load, "intake": t_intake, "run": t_run,
               "run_cpu": cpu, "peak_rss": peak}
        if not args.no_stages:
            row["stages"] = stages(folder)
        measured[name] = row
    version_wall, version_peak, _ = run_process([PYTHON, "-m", "leitai.cli", "--version"])
    attach = attachment_table(2000, max(repeat, 3))
    elapsed = time.perf_counter() - bench_start
    info["load_after"] = load_average()

    if demo:
        print()
        print(f"demo, period {demo['period']} as a process (`leitai run --campaign <copy of seeds> --period "
              f"{demo['period']}`): median {seconds(demo['run'])} of {len(demo['runs'])} "
              f"({', '.join(seconds(w) for w in demo['runs'])}), CPU {seconds(demo['cpu'])} (median, with children), "
              f"peak RSS {demo['peak_rss'] / 2**20:.0f} MiB, [report] pdf = \"never\""
              + (" [quick: earlier periods skipped]" if demo["quick"] else ""))
        if "pdf_run" in demo:
            print(f"the same run with the briefing's PDF (LibreOffice, the demo's default): {seconds(demo['pdf_run'])}")
    rows = []
    for name, m in measured.items():
        rows.append([name, str(m["units"]), str(m["nodes"]),
                     seconds(m["naive"]) + (" *" if m["naive_sampled"] else ""), seconds(m["floor"]),
                     seconds(m["intake"]), f"{m['intake'] / m['floor']:.2f}×", f"{m['naive'] / m['intake']:.1f}×",
                     seconds(m["plan_floor"]), seconds(m["load_campaign"]),
                     f"{m['load_campaign'] / m['plan_floor']:.2f}×", seconds(m["run"]), seconds(m["run_cpu"]),
                     f"{m['peak_rss'] / 2**20:.0f} MiB"])
    if rows:
        print()
        print(table(["scale", "files", "nodes", "(a) naive", "(b) floor", "(c) intake", "c/b", "a/c", "plan floor",
                     "plan load", "load/floor", "(d) run", "run CPU", "peak RSS"], rows))
        if any(m["naive_sampled"] for m in measured.values()):
            print(f"* naive (a) timed on a seeded sample of {NAIVE_SAMPLE} files and scaled to all files")
    print(f"process start-up floor: `python -m leitai.cli --version` {seconds(version_wall)}, "
          f"{version_peak / 2**20:.0f} MiB; 2,000-row attachment table: build {seconds(attach['build'])}, "
          f"build + save .docx {seconds(attach['build_save'])}")
    print(f"medians of {repeat} repetition(s); peak RSS is the largest of them (/usr/bin/time %M); "
          f"load average before {info['load']}, after {info['load_after']} (a shared machine inflates every time)")

    with_stages = {n: m["stages"] for n, m in measured.items() if "stages" in m}
    if demo and "stages" in demo:
        with_stages = {"demo": demo["stages"], **with_stages}
    if with_stages:
        print()
        srows = []
        for stage in ["imports", *STAGE_NAMES, "other", "total", *SIDE_STAGES]:
            cells = []
            for s in with_stages.values():
                if stage in ("imports", "total"):
                    value = s[stage]
                elif stage == "other":
                    value = s["total"] - sum(v for k, v in s["stages"].items() if k not in SIDE_STAGES)
                else:
                    value = s["stages"].get(stage)
                cells.append(seconds(value))
            srows.append([stage, *cells])
        print("one cold run_period in a fresh process, per stage (wall; imports = leitai.pipeline and its imports; "
              "stages from RunResult.timings; charts and poster = waiting for the painter; drawing = the painter's "
              "own time, in parallel):")
        print(table(["stage", *with_stages], srows))

    targets = evaluate(demo, measured, attach)
    print()
    print(table(["target", "measured", "result"],
                [[t, v, "PASS" if ok else "FAIL"] for t, v, ok in targets]))
    failed = [t for t, _, ok in targets if not ok]
    if failed:
        print(f"\n{len(failed)} target(s) not met on this machine; docs/PERFORMANCE.md explains each with its profile.")
    else:
        print("\nevery target met on this machine.")
    print(f"bench took {elapsed:.0f} s (generation excluded when cached)")
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "repeat": repeat, "demo": demo, "scales": measured,
                                         "cli_version": {"wall": version_wall, "peak_rss": version_peak},
                                         "attachment_2000": attach,
                                         "targets": [{"target": t, "measured": v, "pass": ok}
                                                     for t, v, ok in targets]},
                                        ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if not failed else 1


def evaluate(demo: dict[str, Any] | None, measured: dict[str, dict[str, Any]],
             attach: dict[str, float]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) of issue 8's and issue 18's targets, for the scales measured."""
    targets: list[tuple[str, str, bool]] = []
    if demo:
        targets.append((f"demo period {demo['period']} `leitai run` ≤ 1.2 s wall (median)", seconds(demo["run"]),
                        demo["run"] <= 1.2))
    c, p = measured.get("county"), measured.get("province")
    if c:
        targets.append(("county `leitai run` ≤ 3 s wall", seconds(c["run"]), c["run"] <= 3))
    if p:
        targets.append(("province `run` ≤ 8 s", seconds(p["run"]), p["run"] <= 8))
        targets.append(("province peak memory ≤ 700 MiB", f"{p['peak_rss'] / 2**20:.0f} MiB",
                        p["peak_rss"] <= 700 * 2**20))
        targets.append(("province intake ≤ 1.5× floor", f"{p['intake'] / p['floor']:.2f}×",
                        p["intake"] <= 1.5 * p["floor"]))
        targets.append(("province plan loading ≤ 2× calamine floor of plan.xlsx",
                        f"{p['load_campaign'] / p['plan_floor']:.2f}×", p["load_campaign"] <= 2 * p["plan_floor"]))
        targets.append(("province intake ≥ 10× faster than naive", f"{p['naive'] / p['intake']:.1f}×",
                        p["naive"] >= 10 * p["intake"]))
    targets.append(("2,000-row attachment table ≤ 1 s (build + save)", seconds(attach["build_save"]),
                    attach["build_save"] <= 1))
    ordered = [measured[n] for n in SCALES if n in measured]
    for low, high in zip(ordered, ordered[1:]):
        for key in ("intake", "run"):
            k = math.log(high[key] / low[key]) / math.log(high["nodes"] / low["nodes"])
            targets.append((f"{key}: growth {names_of(low)}→{names_of(high)} ≤ linear (exponent k ≤ 1.05, by nodes)",
                            f"×{high[key] / low[key]:.1f} for ×{high['nodes'] / low['nodes']:.1f} nodes, k = {k:.2f}",
                            k <= 1.05))
    return targets


def names_of(m: dict[str, Any]) -> str:
    return str(m["name"])


if __name__ == "__main__":
    sys.exit(main())
