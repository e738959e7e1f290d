"""Writing what the office acts on after a run: 预警清单, 催报, 督办单, and the briefing's PDF.

Called by the pipeline once the briefing is written; every file goes through the same atomic
writers as the other outputs, and a re-run removes the 督办单 (and a PDF) it no longer makes,
so the folder always tells this run's truth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..campaign.plan import Campaign, period_label
from ..errors import OutputError
from ..fileio import atomic_write_bytes, save_workbook
from ..problems import Problem
from ..scoring.lookahead import escalations, submit_deadline, warning_horizon
from .notice import NoticeWriter, notice_content
from .pdf import docx_to_pdf
from .reminders import Outlook, load_texts, reminder_text, text_file_bytes, warning_workbook

NOTICE_FOLDER = "督办单"


def write_actions(
    campaign: Campaign,
    period: int,
    out_dir: Path,
    results: dict[str, Any],
    problems: list[Problem],
    arrived: dict[str, dt.datetime],
    template: Path | None,
    progress: Callable[[int, int, str], None],
    preview: bool = False,
    issued: dt.date | None = None,
) -> list[Path]:
    """Write the period's 预警清单, 催报 text and 督办单; return their paths. They need no chart,
    so a run writes them while the painter draws."""
    settings, plan = campaign.settings, campaign.plan
    schedule, supervision = settings.schedule, settings.supervision
    label = period_label(period)
    cutoff = schedule.cutoff(period)
    stamp = dt.datetime.combine(cutoff, dt.time())
    texts = load_texts(template)
    outlook = Outlook(settings, plan, results, problems, arrived, submit_deadline(schedule, period, supervision),
                      warning_horizon(schedule, period, supervision))
    items = escalations(results["projects"], supervision.rungs(settings.rules.escalate_red_count))
    total = 3 + len(items)  # 预警清单, 催报, one per 督办单, the 督办单 folder
    done = 0

    def step(name: str) -> None:
        nonlocal done
        done += 1
        progress(done, total, f"生成报告：{name}")

    outputs = []
    path = out_dir / f"预警清单-{label}.xlsx"
    save_workbook(warning_workbook(outlook, texts), path, stamp)
    outputs.append(path)
    step(path.name)
    path = out_dir / f"催报-{label}.txt"
    atomic_write_bytes(path, text_file_bytes(reminder_text(outlook, texts)))
    outputs.append(path)
    step(path.name)

    folder = out_dir / NOTICE_FOLDER
    in_effect = {(str(n["project_id"]), int(n["seq"])): n["due"] for n in results.get("nodes", []) if n.get("due")}
    nodes = {(str(pid), int(seq)): (target, in_effect.get((str(pid), int(seq)), due)) for pid, seq, target, due in
             zip(plan.nodes["project_id"], plan.nodes["seq"], plan.nodes["target"], plan.nodes["due"])}
    written = []
    writer: NoticeWriter | None = None  # the template opened once, when there is a 督办单
    for item in items:
        notice = notice_content(item, settings, period, cutoff, nodes, texts, preview=preview, issued=issued)
        path = folder / notice.file_name
        writer = writer or NoticeWriter(template)
        writer.write(notice, path, dt.datetime.combine(issued or cutoff, dt.time()))  # dated as the notice is
        written.append(path)
        step(path.name)
    _remove_others(folder, written, (".docx",))
    outputs += written
    step(NOTICE_FOLDER)

    return outputs


def write_pdf(soffice: str | None, briefing: Path, stamp: dt.datetime, warnings: list[str]) -> list[Path]:
    """The briefing's PDF beside it (``soffice`` None: none, and an old one is removed); its path
    in a list, or an empty list. A PDF that LibreOffice fails to make is a line in ``warnings``,
    not a failure."""
    pdf = briefing.with_suffix(".pdf")
    if soffice:
        try:
            docx_to_pdf(soffice, briefing, pdf, stamp)
            return [pdf]
        except OutputError as exc:
            warnings.append(str(exc))
    pdf.unlink(missing_ok=True)  # an old PDF would disagree with the new .docx
    return []


def _remove_others(folder: Path, keep: list[Path], suffixes: tuple[str, ...]) -> None:
    """Remove this run's kind of files from ``folder`` that it did not write (an earlier run's)."""
    if not folder.is_dir():
        return
    kept = {p.name for p in keep}
    for path in folder.iterdir():
        if path.is_file() and path.suffix.lower() in suffixes and path.name not in kept:
            try:
                path.unlink()
            except OSError as exc:
                raise OutputError(f"无法删除旧文件 {path}（{exc.strerror}）：文件可能正在 Word/WPS 中打开，请关闭后重新运行") from None
    if not any(folder.iterdir()):
        folder.rmdir()
