"""Orchestration: one period from the input folder to every output (SPEC §6), and the demo.

Order of work: mend what an interrupted run left (publish.repair), read the campaign and
the inputs, merge node states with the ledger, score, write every output into a staging
folder (manifest.json last), then publish: the ledger records the period and the staged
folder takes the place of the old one together (ledger/publish.py), so after any fault the
ledger and the outputs of a period agree.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import __version__
from .bulk import collector_paused
from .campaign.changes import EffectivePlan, Reconciled, plan_at, reconcile
from .campaign.plan import Campaign, load_campaign, period_label
from .errors import InputError, OutputError, PeriodError, StrictModeError, os_reason
from .fileio import atomic_write_bytes, atomic_write_text, json_text, save_workbook, sha256_file, syncs_deferred
from .intake.adjustments import ADJUSTMENTS_FILE, points_by_unit
from .intake.arrivals import arrivals_path, record_arrivals, unit_timeliness
from .intake.folderscan import printable
from .ledger.history import Ledger, run_lock
from .ledger.publish import abandon, begin, carry_over, publish, repair
from .problems import Problem, problem
from .report.pdf import require_soffice
from .scoring.investment import carry_figures, category_investment, time_progress
from .scoring.lookahead import early_warning, issue_date, submit_deadline, warning_horizon
from .scoring.results import build_results, node_rows, sorted_problems
from .scoring.score import Scores, score_period
from .scoring.states import applied_overrides, resolve_states, with_counted_dates

if TYPE_CHECKING:
    from .intake.folder import Intake

# progress(done, total, label): label is "stage：detail"; a display keeps one bar per stage.
Progress = Callable[[int, int, str], None]
REPO_ROOT = Path(__file__).resolve().parents[2]
REPORT_STEPS = 5  # progress steps of _write_outputs besides write_actions' own and the PDF


@dataclass(frozen=True)
class RunResult:
    """What ``run_period`` did: where the outputs are and what was found."""

    period: int
    label: str
    out_dir: Path
    briefing: Path
    results: dict[str, Any]
    files: list[Any]
    problems: list[Problem]
    outputs: list[Path] = field(default_factory=list)
    missing_units: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> seconds of wall time (bench)
    stale_note: str = ""  # which later periods now rest on changed history (also in warnings)


def input_folder(inputs_root: Path, period: int) -> Path | None:
    """inputs/第05期, or the unpadded 第5期, whichever exists."""
    for name in (period_label(period), f"第{period}期"):
        if (inputs_root / name).is_dir():
            return inputs_root / name
    return None


def latest_period(campaign: Campaign, inputs_root: Path, today: dt.date) -> int:
    """The latest period whose cutoff has passed and whose input folder exists."""
    schedule = campaign.settings.schedule
    waiting = None
    for period in range(schedule.count, 0, -1):
        if input_folder(inputs_root, period):
            if schedule.cutoff(period) <= today:
                return period
            waiting = period
    if waiting is not None:
        cutoff = schedule.cutoff(waiting)
        raise PeriodError(
            f"第{waiting}期的截止日期 {cutoff.year}年{cutoff.month}月{cutoff.day}日 还没到，暂不自动汇总；"
            f"如需提前汇总（结果为截至该日的预览），请加 --period {waiting}")
    raise PeriodError(
        f"没有可汇总的期次：{inputs_root} 下还没有期次文件夹。"
        f"请把各单位报来的表格放入 {inputs_root / period_label(1)}/ 等文件夹后重新运行")


def _noop(done: int, total: int, label: str) -> None:
    pass


class Stopwatch:
    """Wall time per stage: ``lap(stage)`` adds the time since the previous lap to that stage."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.laps[stage] = self.laps.get(stage, 0.0) + now - self._last
        self._last = now


def run_period(
    campaign: Campaign,
    period: int,
    *,
    inputs_root: Path | None = None,
    outputs_root: Path | None = None,
    ledger_path: Path | None = None,
    force: bool = False,
    strict: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    note_stale: bool = True,
    program_ends: bool = False,
) -> RunResult:
    """Score ``period`` from its input folder, record it, and write its outputs.

    ``today`` (the caller's clock) only serves to warn when the cutoff is still ahead.
    One run at a time per campaign: the run lock covers the ledger and the outputs.
    ``program_ends``: the program ends after this run (``leitai run``): the period's replaced
    output folder is deleted by a process of its own, which may outlive this call by a moment,
    and the painter is told to end once its last drawing is in (``painter.stop`` waits).
    """
    ledger_path = ledger_path or campaign.ledger_path
    with run_lock(ledger_path), collector_paused():
        result = _run_period(campaign, period, inputs_root=inputs_root, outputs_root=outputs_root,
                             ledger_path=ledger_path, force=force, strict=strict, progress=progress, today=today,
                             program_ends=program_ends)
    if not note_stale:
        result.warnings[:] = [w for w in result.warnings if w != result.stale_note]
    return result


def _run_period(
    campaign: Campaign,
    period: int,
    *,
    inputs_root: Path | None,
    outputs_root: Path | None,
    ledger_path: Path,
    force: bool,
    strict: bool,
    progress: Progress | None,
    today: dt.date | None,
    program_ends: bool = False,
) -> RunResult:
    from .charts import painter
    from .charts.render import drawn_part
    from .intake.folder import read_inputs

    painter.start()  # matplotlib loads in the painter while this process reads and scores
    progress = progress or _noop
    clock = Stopwatch()
    settings = campaign.settings
    schedule = settings.schedule
    cutoff = schedule.cutoff(period)
    inputs_root = inputs_root or campaign.folder / "inputs"
    outputs_root = outputs_root or campaign.folder / "outputs"
    label = period_label(period)
    folder = input_folder(inputs_root, period)
    if folder is None:
        raise InputError(f"找不到第{period}期的输入文件夹：请把各单位报来的表格放入 {inputs_root / label}/ 后重新运行")
    if not any(p.is_file() and not p.name.startswith(".") for p in folder.iterdir()):
        folders = [p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")]
        inside = f"（子文件夹 {printable('、'.join(folders))} 中的文件不会读取，请把表格直接放在 {folder} 中）" if folders else ""
        raise InputError(f"{folder} 中没有任何表格{inside}：请把各单位报来的第{period}期填报表放入该文件夹后重新运行"
                         f"（空白填报表可用 leitai templates --period {period} 生成）")

    soffice = require_soffice(settings.report.pdf)  # "always" without LibreOffice: say so before any work
    with Ledger(ledger_path) as ledger:
        repairs = repair(ledger, outputs_root, period)
        recorded = ledger.periods()
        previous = ledger.previous_period(period)
        warnings: list[str] = []
        if period > 1 and (period - 1) not in recorded:
            if not force:
                raise PeriodError(
                    f"第{period - 1}期尚未汇总：请先运行 leitai run --period {period - 1}，"
                    f"或加 --force 跳过（通报中将注明缺期）")
            warnings.append(f"第{period - 1}期未汇总，本期按第{previous}期的记录计算" if previous
                            else f"第1至{period - 1}期均未汇总，本期从头计算")

        notes = list(warnings)  # what the briefing states; the preview's instruction is the console's
        # Plan edits and late register entries are the office's to fix: told on the console only.
        plan_used, previous_plan = _plans(campaign, ledger, period, recorded, warnings, strict)
        preview = today is not None and today < cutoff
        if preview:  # told on the console; the briefing itself is marked 预览稿 (no instruction in it)
            warnings.append(f"第{period}期截止日期 {cutoff.year}年{cutoff.month}月{cutoff.day}日 尚未到，"
                            f"本次结果为提前汇总的预览，截止后请重新运行")
        intake = read_inputs(folder, campaign, period,
                             progress=lambda done, total, name: progress(done, total, f"读取填报表：{name}"),
                             plan_in_effect=plan_used)
        clock.lap("intake")
        arrived = record_arrivals(arrivals_path(ledger_path), folder, intake.files, dt.datetime.now())
        progress(0, 1, "计算得分")
        prev_states = ledger.states(previous) if previous else None
        states, merge_problems = resolve_states(
            campaign.plan.nodes, prev_states, intake.reports, intake.overrides, cutoff, period)
        states, figure_problems = carry_figures(states, prev_states, intake.reports)
        # A problem found here (a regression, a figure) counts against its file; an override dated after
        # the cutoff is not applied yet.
        intake = intake.with_stage_problems([*merge_problems, *figure_problems],
                                            overrides=applied_overrides(intake.overrides, cutoff))
        clock.lap("states")
        problems = with_counted_dates(list(intake.problems), intake.reports, states, cutoff)
        adjustments = intake.adjustments if settings.rules.score is not None else []
        if intake.adjustments and settings.rules.score is None:
            problems.append(problem("adjustments_unused", file=ADJUSTMENTS_FILE))
        previous_cutoff = schedule.cutoff(period - 1) if period > 1 else None
        evaluation = schedule.is_evaluation(period)
        scores = score_period(
            campaign.plan, states, period=period, cutoff=cutoff, previous_cutoff=previous_cutoff,
            rules=settings.rules, submitted=intake.submitted_units, evaluation=evaluation,
            history=ledger.history(period), progress=time_progress(settings, period, cutoff),
            adjustments=points_by_unit(adjustments), effective=plan_used, previous_effective=previous_plan)
        clock.lap("scoring")
        results = build_results(settings.campaign.name, period, cutoff, evaluation, scores, intake.files,
                                campaign.plan.groups, adjustments, previous_plan=previous_plan,
                                project_names=dict(zip(campaign.plan.projects["id"], campaign.plan.projects["name"])))
        clock.lap("results")
        unit_arrived = _add_lookahead(results, campaign, period, scores, intake, arrived)
        serious = [p for p in problems if p.severity in ("error", "warning")]
        if strict and serious:
            raise StrictModeError(f"发现 {len(serious)} 条数据问题（--strict 模式下视为失败），未生成报告：请用 "
                                  f"leitai check 查看并修改后重新运行，或去掉 --strict")
        progress(1, 1, "计算得分")

        # The history as it will read once this period is recorded (as the ledger returns it).
        history = [h for h in ledger.results_up_to(period) if h["period"] != period]
        # (Of this period, the part the charts and the briefing's trend read: a province's node lists
        # would cost a JSON round trip of ten megabytes.)
        history.append(json.loads(json.dumps(drawn_part(results), ensure_ascii=False, sort_keys=True)))
        previous_results = next((h for h in history if h["period"] == previous), None)
        clock.lap("ledger")
        missing = [u for u in campaign.plan.units["unit"] if u not in intake.submitted_units]
        out_dir = outputs_root / label
        staging = begin(out_dir)
        try:
            with syncs_deferred():  # every staged file on disk before the ledger commit, not each before the next
                outputs, render_warnings = _write_outputs(
                    campaign, period, cutoff, staging, results, previous_results, history, scores, intake, problems,
                    missing, notes, progress, clock, preview, states, unit_arrived, soffice, program_ends=program_ends)
                _write_manifest(campaign, period, cutoff, staging, intake.files, outputs, problems, arrived)
                carry_over(out_dir, staging)
            clock.lap("manifest")
        except OSError as exc:  # a renderer's own write (a chart, the poster): the real cause, in one line
            abandon(staging)
            raise OutputError(f"无法写入第{period}期的输出（{os_reason(exc)}），本期未记录："
                              f"请检查 {outputs_root} 的磁盘空间和权限后重新运行") from None
        except BaseException:
            abandon(staging)
            raise
        publish(ledger, period, label, out_dir, staging, lambda publication: ledger.record(
            period, cutoff, states, scores, results, intake.overrides, settings.as_dict(),
            {f.file: f.sha256 for f in intake.files}, __version__, publication=publication), detach=program_ends)
        stale = sorted(p for p in ledger.stale() if p > period)
    clock.lap("ledger")  # recording and publishing count with the ledger's reads
    note = stale_note(period, stale) if stale else ""
    outputs = [out_dir / p.relative_to(staging) for p in outputs]
    briefing = out_dir / f"督查通报-{label}.docx"
    return RunResult(period, label, out_dir, briefing, results, list(intake.files), problems, outputs, missing,
                     repairs + warnings + render_warnings + ([note] if note else []), clock.laps, note)


def stale_note(period: int, stale: list[int]) -> str:
    """One line: which recorded periods rest on the history just changed, and how to bring them up to date."""
    names = "、".join(f"第{p}期" for p in stale)
    return (f"第{period}期的记录已改变，其后已汇总的{names}仍按改变前的历史计算，已过时："
            f"运行 leitai run --period {stale[0]} --later 可依次重算")


def later_periods(ledger_path: Path, period: int) -> list[int]:
    """Recorded periods after ``period`` (those ``--later`` re-runs)."""
    if not ledger_path.exists():
        return []
    with Ledger(ledger_path) as ledger:
        return [p for p in ledger.periods() if p > period]


def run_with_later(campaign: Campaign, period: int, **options: Any) -> list[RunResult]:
    """Re-run ``period`` and then every later recorded period, in order (each published whole)."""
    later = later_periods(options.get("ledger_path") or campaign.ledger_path, period)
    results = [run_period(campaign, period, note_stale=False, **options)]
    for each in later:
        results.append(run_period(campaign, each, note_stale=False, **options))
    return results


def _plans(campaign: Campaign, ledger: Ledger, period: int, recorded: list[int], warnings: list[str],
           strict: bool) -> tuple[EffectivePlan, EffectivePlan | None]:
    """The plan in effect at this period's cutoff and at the previous one.

    A period already recorded is re-scored on the plan it was recorded with, so a change
    entered in the 计划调整 register later does not move it; where plan.xlsx itself was
    edited (a base date, node, project, 纳入日期, lead unit or category), today's plan is
    used for what was edited, the edits are listed in one warning, and ``strict`` refuses.
    """
    schedule = campaign.settings.schedule
    now = reconcile(plan_at(campaign.plan, schedule.cutoff(period)), ledger.plan(period) if period in recorded else None)
    if now.edited:
        if strict:
            raise StrictModeError(
                f"第{period}期已汇总过，此后计划表被直接修改了 {len(now.edited)} 处（--strict 模式下不重新汇总）："
                f"{'；'.join(now.edited[:3])}{'……' if len(now.edited) > 3 else ''}。请改回原样，并把调整登记在"
                f"“计划调整”表中，或去掉 --strict")
        warnings.append(_edited_warning(period, now))
    if now.late:
        warnings.append(
            f"“计划调整”表中有 {len(now.late)} 个节点的调整是第{period}期汇总之后才登记的（{'、'.join(now.late[:5])}"
            f"{'等' if len(now.late) > 5 else ''}），第{period}期仍按汇总时的计划计算，这些调整自此后汇总的期次起计入")
    previous = None
    if period > 1:
        earlier = ledger.plan(period - 1) if period - 1 in recorded else None
        previous = reconcile(plan_at(campaign.plan, schedule.cutoff(period - 1)), earlier).plan
    return now.plan, previous


def _edited_warning(period: int, now: Reconciled) -> str:
    shown = now.edited[:20]
    more = f"……等共 {len(now.edited)} 处" if len(now.edited) > len(shown) else ""
    return (f"第{period}期汇总后，计划表被直接修改（未在“计划调整”表登记），本期按现在的计划表重新计算，"
            f"结果与原记录不同：{'；'.join(shown)}{more}。调整节点日期、取消或豁免节点和项目，请在“计划调整”表登记"
            f"（写明批准日期和批准依据），已记录的期次便保持不变")


def _add_lookahead(results: dict[str, Any], campaign: Campaign, period: int, scores: Scores, intake: Any,
                   arrived: dict[str, dt.datetime]) -> dict[str, dt.datetime]:
    """results.json ``early_warning``, ``units[].timeliness`` (SPEC §6), ``submit_deadline`` (报送截止) and
    ``issue_date`` (成文日期 of the briefing and its 督办单, ``lookahead.issue_date``); returns unit -> arrival."""
    schedule, supervision = campaign.settings.schedule, campaign.settings.supervision
    results["early_warning"] = early_warning(scores.nodes, schedule.cutoff(period),
                                             warning_horizon(schedule, period, supervision))
    status, units = unit_timeliness(campaign, period, intake, arrived)
    for unit in results["units"]:
        unit["timeliness"] = status[unit["unit"]]
    deadline = submit_deadline(schedule, period, supervision)
    results["submit_deadline"] = deadline.isoformat()
    results["issue_date"] = issue_date(deadline, units.values(), missing="missing" in status.values()).isoformat()
    return units


def _stamp(cutoff: dt.date) -> dt.datetime:
    return dt.datetime.combine(cutoff, dt.time())


def _write_outputs(
    campaign: Campaign, period: int, cutoff: dt.date, out_dir: Path, results: dict[str, Any],
    previous_results: dict[str, Any] | None, history: list[dict[str, Any]], scores: Scores, intake: Any,
    problems: list[Problem], missing: list[str], notes: list[str], progress: Progress, clock: Stopwatch,
    preview: bool, states: pd.DataFrame, arrived: dict[str, dt.datetime], soffice: str | None,
    program_ends: bool = False,
) -> tuple[list[Path], list[str]]:
    """Every output of the period into ``out_dir``; ``arrived`` is unit -> arrival of its sheet,
    ``soffice`` the LibreOffice command for the PDF (None: no PDF). ``program_ends``: the program ends
    after this run (the painter is let go once its last drawing is in)."""
    from .charts import painter
    from .charts.render import drawn_part

    settings = campaign.settings
    label = period_label(period)
    stamp = _stamp(cutoff)
    issued = dt.date.fromisoformat(results["issue_date"])  # 成文日期, as results.json records it
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf_step = 1 if soffice else 0
    total, step = REPORT_STEPS + pdf_step, 0
    outputs: list[Path] = []
    render_warnings: list[str] = []

    def advance(name: str) -> None:
        nonlocal step
        step += 1
        progress(step, total, f"生成报告：{name}")

    def action_progress(done: int, count: int, label: str) -> None:  # write_actions' steps, counted on
        nonlocal total
        total = REPORT_STEPS + pdf_step + count
        progress(step + done, total, label)

    # Charts and poster first, drawn by the painter while this process writes the rest.
    title = f"{settings.campaign.short_name}擂台榜（第{period}期，截至{cutoff.year}年{cutoff.month}月{cutoff.day}日）"
    investment = category_investment(campaign.plan, scores.projects)
    configured = None
    if settings.report.font:  # else each renderer picks a font that has every character it draws
        font_path = campaign.folder / settings.report.font
        configured = str(font_path) if font_path.exists() else settings.report.font
    whole = settings.campaign.whole
    drawn, drawn_history = drawn_part(results), [drawn_part(h) for h in history]  # what the painter reads
    chart_job = painter.submit("charts", drawn, drawn_history, out_dir / "图表", title, investment, configured, whole)
    poster_path = out_dir / f"擂台榜-{label}.png"
    poster_job = painter.submit("poster", drawn, drawn_history, poster_path, title, investment, configured, whole,
                                settings.rules.rank_by)
    from .report.content import NODE_ROWS_LIMIT, BriefingInput

    # 节点明细 (all due or done nodes, when the briefing lists only some): its workbook is the
    # painter's third job, sent now so it is written while this process writes the rest.
    node_detail = node_detail_frame(campaign, scores, states)
    node_book, node_job = "", None
    due_or_done = int((node_detail["done"] | node_detail["overdue"]).sum())
    if due_or_done > NODE_ROWS_LIMIT:  # the briefing lists the overdue and this period's; all are here
        node_book = f"节点明细-{label}.xlsx"
        rows = node_rows(node_detail, [u["unit"] for u in results.get("units", [])])
        node_job = painter.submit("nodes", rows, f"{settings.campaign.short_name}第{period}期节点明细（到期及已完成节点）",
                                  out_dir / node_book, stamp)
    # python-docx, openpyxl and the rest: imported now, while the painter draws
    from .report.actions import write_actions, write_pdf
    from .report.briefing import write_briefing
    from .report.xlsxout import leaderboard_workbook, problems_workbook

    clock.lap("painter")

    path = out_dir / "results.json"
    atomic_write_text(path, json_text(results) + "\n")
    outputs.append(path)
    advance("results.json")
    clock.lap("json")

    path = out_dir / f"擂台榜-{label}.xlsx"
    save_workbook(leaderboard_workbook(results, title), path, stamp)
    outputs.append(path)
    path = out_dir / f"数据问题-{label}.xlsx"
    save_workbook(problems_workbook(problems, f"{settings.campaign.short_name}第{period}期数据问题清单"), path, stamp)
    outputs.append(path)
    advance("擂台榜、数据问题")
    clock.lap("xlsx")

    # What the office acts on (预警清单, 催报, 督办单) needs no chart: written while the painter draws.
    actions = write_actions(campaign, period, out_dir, results, problems, arrived, _template_path(campaign),
                            action_progress, preview=preview, issued=issued)
    step += total - REPORT_STEPS - pdf_step  # write_actions' own steps
    clock.lap("actions")

    issues = _unit_issues(intake.reports)
    overrides = [
        {"project_id": r.project_id, "seq": int(r.seq), "done": bool(r.done),
         "done_date": None if pd.isna(r.done_date) else pd.Timestamp(r.done_date).date(), "reason": r.reason}
        for r in intake.overrides.itertuples(index=False)
    ]
    clock.lap("details")

    charts, chart_warnings = chart_job.result()
    render_warnings += chart_warnings
    outputs += sorted(charts.values())
    outputs.append(poster_path)  # collected after the briefing, listed before it
    advance("图表")
    clock.lap("charts")

    data = BriefingInput(
        settings=settings, results=results, previous=previous_results, history=history,
        node_detail=node_detail, unit_issues=issues, problems=sorted_problems(problems), overrides=overrides,
        missing_units=missing, charts=charts, notes=tuple(notes), preview=preview, node_workbook=node_book,
        issued=issued)
    path = out_dir / f"督查通报-{label}.docx"
    template = _template_path(campaign)
    write_briefing(data, path, template)
    outputs.append(path)
    advance("督查通报")
    clock.lap("docx")
    if node_job is not None:
        node_job.result()
        outputs.insert(outputs.index(path), out_dir / node_book)  # listed before the briefing that names it
    render_warnings += poster_job.result()
    if program_ends:  # the painter's exit overlaps the run's last steps
        painter.let_go()
    advance("擂台榜海报")
    clock.lap("poster")
    clock.laps["drawing"] = chart_job.seconds + poster_job.seconds  # in the painter, alongside the rest
    outputs += actions
    outputs += write_pdf(soffice, path, _stamp(issued), render_warnings)  # the briefing's own date
    if soffice:
        advance(path.with_suffix(".pdf").name)
    clock.lap("pdf")
    return outputs, render_warnings


def _template_path(campaign: Campaign) -> Path | None:
    """report.template relative to the campaign folder; None means the bundled one."""
    name = campaign.settings.report.template
    if not name:
        return None
    path = Path(name) if Path(name).is_absolute() else campaign.folder / name
    return path if path.exists() else None


def node_detail_frame(campaign: Campaign, scores: Scores, states: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per active node, as the briefing's node attachment and the 节点明细 workbook read it
    (``BriefingInput.node_detail``); ``states`` flags the nodes whose done date was assumed."""
    nodes = scores.nodes[scores.nodes["status"] == "active"].reset_index(drop=True)  # others are not reported on
    names = campaign.plan.projects.set_index("id")["name"]
    # done on an assumed date (no date given: the cutoff): the briefing must not print it as reported
    flags = states if states is not None and "date_assumed" in states else nodes[["project_id", "seq"]].assign(
        date_assumed=False)
    assumed = nodes[["project_id", "seq"]].merge(flags[["project_id", "seq", "date_assumed"]], how="left",
                                                 on=["project_id", "seq"])["date_assumed"].fillna(False).astype(bool)
    return pd.DataFrame({
        "date_assumed": assumed.to_numpy(),
        "unit": nodes["unit"], "project_id": nodes["project_id"], "project": nodes["project_id"].map(names),
        "seq": nodes["seq"].astype(int), "target": nodes["target"], "due": nodes["due"].dt.date,
        "original_due": nodes["original_due"].dt.date,
        "done": nodes["done"], "done_date": [None if pd.isna(d) else pd.Timestamp(d).date() for d in nodes["done_date"]],
        "ahead": nodes["ahead"], "overdue": nodes["overdue"], "late": nodes["late"],
    })


def _unit_issues(reports: pd.DataFrame) -> dict[str, str]:
    """Project id -> the problems its lead unit stated this period (distinct, joined by ；)."""
    out: dict[str, str] = {}
    if reports.empty:
        return out
    for pid, texts in reports.groupby("project_id", sort=False)["issue_text"]:
        seen = [t for t in dict.fromkeys(str(x).strip() for x in texts.tolist()) if t and t not in ("无", "/", "—")]
        out[str(pid)] = "；".join(seen)
    return out


def _write_manifest(campaign: Campaign, period: int, cutoff: dt.date, out_dir: Path, files: list[Any],
                    outputs: list[Path], problems: list[Problem], arrived: dict[str, dt.datetime]) -> None:
    manifest = {
        "tool": "leitai", "version": __version__, "campaign": campaign.settings.campaign.name,
        "period": period, "cutoff": cutoff.isoformat(),
        "inputs": [{"file": f.file, "sha256": f.sha256, "size": f.size, "unit": f.unit, "status": f.status,
                    "reason": f.reason, "problems": f.problems,
                    "arrived": arrived[f.file].isoformat() if f.file in arrived else None,
                    **({"units": [{"unit": u, "submitted_at": t or None} for u, t in zip(f.units, f.unit_times)]}
                       if f.role == "export" else {})} for f in files],
        "outputs": [{"file": p.relative_to(out_dir).as_posix(), "sha256": sha256_file(p), "size": p.stat().st_size}
                    for p in outputs],
        "problems": {
            "total": len(problems),
            "by_severity": dict(sorted(Counter(p.severity for p in problems).items())),
            "by_code": dict(sorted(Counter(p.code for p in problems).items())),
        },
        "settings": campaign.settings.as_dict(),
    }
    atomic_write_text(out_dir / "manifest.json", json_text(manifest) + "\n")


def read_period(campaign: Campaign, folder: Path, period: int, progress: Progress | None = None) -> Intake:
    """A period's input as ``run`` reads it, with what the ledger shows (regressions, overrides) counted.

    For ``leitai status``: nothing is recorded.
    """
    from .intake.folder import read_inputs

    intake = read_inputs(folder, campaign, period, progress)
    known = None
    if campaign.ledger_path.exists():
        with Ledger(campaign.ledger_path) as ledger:
            previous = ledger.previous_period(period)
            known = ledger.states(previous) if previous else None
    cutoff = campaign.settings.schedule.cutoff(period)
    states, found = resolve_states(campaign.plan.nodes, known, intake.reports, intake.overrides, cutoff, period)
    _, figures = carry_figures(states, known, intake.reports)
    return intake.with_stage_problems([*found, *figures])


def seeds_folder() -> Path:
    folder = REPO_ROOT / "seeds"
    if not (folder / "campaign.toml").exists():
        raise InputError(f"找不到示例数据 {folder}：请在 leitai 源代码目录中运行（pip install -e .）")
    return folder


def run_demo(out_dir: Path, progress: Progress | None = None) -> list[RunResult]:
    """Every period of the bundled demo campaign in turn, into ``out_dir`` (a fresh ledger)."""
    from .charts import painter

    painter.start()  # one worker draws every period's charts
    seeds = seeds_folder()
    campaign = load_campaign(seeds)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ledger_path = out_dir / "history.sqlite"
    ledger_path.unlink(missing_ok=True)
    # The demo folder doubles as a campaign folder, so `leitai history --campaign outputs/demo` works.
    for name in ("campaign.toml", "plan.xlsx"):
        atomic_write_bytes(out_dir / name, (seeds / name).read_bytes())
    # When the demo's sheets reached the office (the seeds' file times are only checkout times).
    seen = seeds / "arrivals.json"
    if seen.exists():
        atomic_write_bytes(arrivals_path(ledger_path), seen.read_bytes())
    inputs_root = seeds / "inputs"
    results = []
    for period in range(1, campaign.settings.schedule.count + 1):
        if input_folder(inputs_root, period) is None:
            break
        results.append(run_period(campaign, period, inputs_root=inputs_root, outputs_root=out_dir,
                                  ledger_path=ledger_path, progress=progress))
    if not results:
        raise InputError(f"示例数据 {inputs_root} 中没有任何期次的填报表")
    return results


