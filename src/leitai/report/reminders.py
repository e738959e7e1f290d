"""What goes out to units between briefings: the 催报 text and the 预警 workbook.

- ``reminder_text``: 催报-第NN期.txt as text, per unit: not submitted, submitted late, problems
  to fix with their cells, nodes due before the horizon (pure: data in, text out).
- ``text_file_bytes``: that text as Windows Notepad reads it (UTF-8 with a BOM, CRLF lines).
- ``warning_workbook``: 预警清单-第NN期.xlsx, every warned node on the first sheet, then a
  sheet per unit to send (up to ``UNIT_SHEETS_LIMIT`` units; beyond, the first sheet alone,
  filtered by unit: a workbook of two thousand sheets serves no reader, and costs seconds).

Wording in reports/督办与催报.toml (``load_texts``), which an office may override with a file of
the same name beside its template.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from ..campaign.plan import Plan, Settings
from ..fileio import report_texts
from ..problems import Problem
from ..scoring.results import OFFICE_ONLY, sorted_problems
from .docxkit import cn_date
from .xlsxout import new_sheet, put, safe_sheet_title, write_table

REPORTS = Path(__file__).resolve().parents[3] / "reports"
TEXTS_FILE = "督办与催报.toml"
RULE = "=" * 40


def load_texts(template: Path | None = None) -> dict[str, dict[str, Any]]:
    """reports/督办与催报.toml, overridden key by key by a file of that name beside ``template``."""
    return report_texts(TEXTS_FILE, template)


@dataclass(frozen=True)
class Outlook:
    """What the reminders and the warning list are made from (one period)."""

    settings: Settings
    plan: Plan
    results: dict[str, Any]  # results.json dict with early_warning and units[].timeliness
    problems: Sequence[Problem]
    arrived: Mapping[str, dt.datetime]  # unit -> arrival of its sheet
    deadline: dt.date  # 报送截止
    horizon: dt.date  # last day the early warning looks at

    @property
    def cutoff(self) -> dt.date:
        return dt.date.fromisoformat(self.results["cutoff"])

    @property
    def looks_ahead(self) -> bool:
        """False in the last period without ``warning_days``: no later cutoff, nothing to warn of."""
        return self.horizon > self.cutoff

    def fields(self) -> dict[str, Any]:
        info = self.settings.campaign
        return {"short_name": info.short_name, "issuer": info.issuer, "name": info.name,
                "period": self.results["period"], "cutoff": cn_date(self.cutoff),
                "deadline": cn_date(self.deadline), "horizon": cn_date(self.horizon),
                "start": cn_date(self.cutoff + dt.timedelta(days=1), year=False),
                "horizon_md": cn_date(self.horizon, year=False)}

    def node_names(self) -> dict[tuple[str, int], tuple[str, str]]:
        """(project id, seq) -> (project name, node target)."""
        names = dict(zip(self.plan.projects["id"].astype(str).tolist(), self.plan.projects["name"].tolist()))
        nodes = self.plan.nodes
        return {(str(pid), int(seq)): (names.get(str(pid), ""), str(target))
                for pid, seq, target in zip(nodes["project_id"].tolist(), nodes["seq"].tolist(),
                                            nodes["target"].tolist())}


def unit_problems(problems: Sequence[Problem]) -> list[Problem]:
    """The problems sent back to units (as in the 数据问题 workbook), in its order."""
    return [p for p in sorted_problems(problems) if p.code not in OFFICE_ONLY]


def _where(p: Problem) -> str:
    place = " ".join(x for x in (p.sheet, p.cell) if x)
    return f"{p.file} {place}".strip() if p.file else place or "文件"


def reminder_text(outlook: Outlook, texts: Mapping[str, Mapping[str, Any]]) -> str:
    """催报-第NN期.txt: a block per unit with something to say, messages ready to paste."""
    w = texts["reminder"]
    base = outlook.fields()

    def t(key: str, **fields: Any) -> str:
        return str(w[key]).format(**{**base, **fields})

    names = outlook.node_names()
    timeliness = {u["unit"]: u.get("timeliness") for u in outlook.results["units"]}
    by_unit: dict[str | None, list[Problem]] = {}
    for p in unit_problems(outlook.problems):
        by_unit.setdefault(p.unit or None, []).append(p)
    soon: dict[str, list[dict[str, Any]]] = {}
    for item in outlook.results.get("early_warning", []):
        soon.setdefault(item["unit"], []).append(item)

    lines = [t("title"), t("lead" if outlook.looks_ahead else "lead_last"), ""]
    quiet = []
    for unit in outlook.plan.units["unit"]:
        block = []
        state = timeliness.get(unit)
        if state == "missing":
            block.append(t("missing", unit=unit))
        elif state == "late":
            when = outlook.arrived.get(unit)
            # after the last period there is no 今后 to report on time in
            last = outlook.results["period"] >= outlook.settings.schedule.count and "late_last" in w
            block.append(t("late_last" if last else "late", unit=unit,
                           arrived=f"{cn_date(when)}{when.hour}时{when.minute:02d}分" if when else ""))
        if by_unit.get(unit):
            found = by_unit[unit]
            block.append(t("problems", unit=unit, count=len(found)))
            block += [t("problem_item", n=n, where=_where(p), message=p.message, fix=p.fix)
                      for n, p in enumerate(found, start=1)]
        if soon.get(unit):
            block.append(t("soon", unit=unit, count=len(soon[unit])))
            for n, item in enumerate(soon[unit], start=1):
                name, target = names.get((item["project_id"], item["seq"]), ("", ""))
                block.append(t("soon_item", n=n, name=name, project_id=item["project_id"], seq=item["seq"],
                               target=target, due=cn_date(item["due"], year=False)))
        if block:
            lines += [RULE, f"【{unit}】", *block, ""]
        else:
            quiet.append(unit)
    if by_unit.get(None):
        lines += [RULE, "【办公室核实】", t("unknown")]
        lines += [t("problem_item", n=n, where=_where(p), message=p.message, fix=p.fix)
                  for n, p in enumerate(by_unit[None], start=1)]
        lines.append("")
    if quiet:
        lines += [RULE, t("nothing", names="、".join(quiet))]
    return "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines).rstrip("\n") + "\n"


def text_file_bytes(text: str) -> bytes:
    """Text as Windows Notepad opens it everywhere: UTF-8 with a BOM, CRLF line ends."""
    return "\ufeff".encode() + text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", "replace")


UNIT_SHEETS_LIMIT = 200  # units with warnings; beyond, the first sheet only, with a filter on 单位


def warning_workbook(outlook: Outlook, texts: Mapping[str, Mapping[str, Any]]) -> Workbook:
    """预警清单: every warned node on the first sheet, then one sheet per unit (when no more than
    ``UNIT_SHEETS_LIMIT`` units have warnings; else the first sheet carries a filter by unit)."""
    w = texts["warning"]
    heading = w["title" if outlook.looks_ahead else "title_last"]
    title = str(heading).format(**{**outlook.fields(), "horizon": cn_date(outlook.horizon, year=False)})
    names = outlook.node_names()
    items = outlook.results.get("early_warning", [])
    book = Workbook()
    used: set[str] = set()
    widths = [6, 16, 10, 30, 8, 32, 13, 12]

    def fill(sheet: Any, heading: str, rows_of: list[dict[str, Any]]) -> None:
        put(sheet.cell(row=1, column=1), heading)
        sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
        rows: list[list[Any]] = []
        for n, item in enumerate(rows_of, start=1):
            name, target = names.get((item["project_id"], item["seq"]), ("", ""))
            due = dt.date.fromisoformat(item["due"])
            rows.append([n, item["unit"], item["project_id"], name, item["seq"], target, cn_date(due, year=False),
                         (due - outlook.cutoff).days])
        if not rows:
            rows = [["", "", "", str(w["none"]), "", "", "", ""]]
        write_table(sheet, list(w["headers"]), rows, start_row=2, widths=widths)
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True

    summary = book.active
    summary.title = safe_sheet_title(str(w["sheet_all"]), used)
    fill(summary, title, items)
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_unit.setdefault(item["unit"], []).append(item)
    if len(by_unit) > UNIT_SHEETS_LIMIT:
        summary.auto_filter.ref = f"A2:H{2 + max(len(items), 1)}"
        return book
    for unit in outlook.plan.units["unit"]:
        if unit in by_unit:
            fill(new_sheet(book, safe_sheet_title(unit, used)), f"{title}（{unit}）", by_unit[unit])
    return book
