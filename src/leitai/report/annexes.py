"""The briefing's attachments (附件) and its 版记, as content: a part of the narrative.

``Annexes`` is a base class of ``narrative._Narrative``, which gives it the wording (``w``,
``t``), the data and the table builder; kept apart so each module fits in a head. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..bulk import rows_of
from ..campaign.office import default_cc
from ..campaign.plan import Settings
from ..problems import Problem
from . import content as content_model
from .content import Attachment, Block, BriefingInput, Fill, Table
from .docxkit import cn_date, to_date


class Annexes:
    """附件 (the node detail, missing units, data problems, the office's overrides), the 附件 list
    under the main text, and the 版记 lines."""

    # Given by the narrative (see narrative._Narrative.__init__).
    w: dict[str, dict[str, Any]]
    data: BriefingInput
    r: dict[str, Any]
    settings: Settings
    issued: dt.date  # 成文日期
    units: list[dict[str, Any]]
    attachment_keys: list[str]
    blocks: list[Block]

    def t(self, section: str, key: str, **fields: Any) -> str:
        raise NotImplementedError

    def table(self, headers: Any, rows: list[list[str]], widths: list[float], *, left: tuple[int, ...] = (),
              merge: tuple[int, ...] = (), fill: Callable[[int, int, str], Fill] | None = None,
              wide: bool = False) -> Table:
        raise NotImplementedError

    def attachment_list(self, attachments: list[Attachment]) -> tuple[str, ...]:
        """附件：1．… lines; GB/T 9704: a single attachment is named without a number."""
        if not attachments:
            return ()
        names = ([a.title for a in attachments] if len(attachments) == 1 else
                 [f"{i}．{a.title}" for i, a in enumerate(attachments, start=1)])
        first = self.t("attachments", "list_intro")
        pad = "\u3000" * len(first)
        return (first + names[0], *(pad + name for name in names[1:]))

    def record(self) -> tuple[str, ...]:
        """版记 lines: 抄送 and 印发. 抄送 from campaign.toml [report] cc, else a wording.toml beside
        the office's template, else the level's default (office.default_cc); '' means none."""
        info, report = self.settings.campaign, self.settings.report
        cc = report.cc if report.cc is not None else (self.w["record"].get("cc") or default_cc(info.whole, info.issuer))
        lines = [self.t("record", "cc_line", cc=cc)] if cc else []
        lines.append(self.t("record", "printed", issuer=report.printed_by or info.issuer, date=cn_date(self.issued)))
        return tuple(lines)

    def _listed_problems(self) -> list[Problem]:
        return [p for p in self.data.problems if p.severity in ("error", "warning")]

    def _attachment_keys(self) -> list[str]:
        """The attachments this briefing has, in order."""
        found = []
        if self.data.node_detail is not None and not self.data.node_detail.empty:
            found.append("nodes")
        if self.data.missing_units:
            found.append("missing")
        if self._listed_problems():
            found.append("problems")
        if self.data.overrides:
            found.append("overrides")
        return found

    def _attachment_no(self, key: str) -> str:
        """The attachment's number as text; none when it is the only attachment."""
        return "" if len(self.attachment_keys) == 1 else str(self.attachment_keys.index(key) + 1)

    _nodes_title = ""  # the node attachment's title when it is cut

    def attachments(self) -> list[Attachment]:
        build = {"nodes": self._nodes_attachment, "missing": self._missing_attachment,
                 "problems": self._problems_attachment, "overrides": self._overrides_attachment}
        out = []
        for key in self.attachment_keys:
            self.blocks = []
            build[key]()
            table = self.blocks[0]
            assert isinstance(table, Table)
            label = f"{self.t('sections', 'attachments')}{self._attachment_no(key)}"
            title = self._nodes_title if key == "nodes" and self._nodes_title else str(self.w["attachments"][key])
            out.append(Attachment(key, label, title, table, landscape=table.wide))
        return out

    def _nodes_attachment(self) -> None:
        w = self.w["attachments"]
        frame = self.data.node_detail
        frame = frame[frame["done"] | frame["overdue"]]  # not yet due and not done: nothing to report on it yet
        reported = len(frame)
        if self.data.node_workbook:  # too many for the page: see _cut_nodes
            frame, which = self._cut_nodes(frame)
            self._nodes_title = str(w[which]).format(count=reported, file=self.data.node_workbook)
        order = {u["unit"]: i for i, u in enumerate(self.units)}
        frame = frame.assign(_o=frame["unit"].map(order).fillna(len(order))).sort_values(
            ["_o", "project_id", "seq"], kind="stable"
        )
        rows = []
        for row in rows_of(frame):
            if row.done:
                late = bool(getattr(row, "late", False))  # 逾期完成: done after its due date
                status = w["status_ahead" if row.ahead else "status_late" if late else "status_done"]
            else:
                status = w["status_overdue"]
            rows.append([
                row.unit,
                row.project,
                str(row.seq),
                row.target,
                self._due_text(row.due, getattr(row, "original_due", None), w),
                (w["date_not_given"] if getattr(row, "date_assumed", False)
                 else cn_date(row.done_date, year=False)) if row.done else "",
                status,
            ])
        status_fill: dict[str, Fill] = {w["status_overdue"]: "red", w["status_ahead"]: "green",
                                        w["status_late"]: "yellow"}
        self.table(w["nodes_headers"], rows, [20, 26, 11, 28, 22, 22, 23], left=(1, 3), merge=(0, 1),
                   fill=lambda n, i, v: status_fill.get(v) if i == 6 else None)

    @staticmethod
    def _due_text(due: Any, original: Any, w: dict[str, Any]) -> str:
        """The date in effect; a node moved by 计划调整 also names its original date (SPEC §5)."""
        if to_date(original) is None or to_date(original) == to_date(due):
            return cn_date(due, year=False)
        return str(w["due_moved"]).format(due=cn_date(due, year=False), original=cn_date(original, year=False))

    def _cut_nodes(self, frame: Any) -> tuple[Any, str]:
        """The nodes a reader needs when all of them would not fit (content.NODE_ROWS_LIMIT): the
        overdue ones and those due this period, or, when even those are too many (a first
        period, when every due node is due this period), the overdue ones; and the wording key
        of the attachment's title that says which. (Chosen on the frame, before any row is made.)"""
        period = int(self.r["period"])
        since = self.settings.schedule.cutoff(period - 1) if period > 1 else None
        overdue = frame["overdue"] & ~frame["done"]
        recent = frame["done"] | overdue if since is None else overdue | frame["due"].map(lambda due: due > since).astype(bool)
        if int(recent.sum()) <= content_model.NODE_ROWS_LIMIT:
            return frame[recent], "nodes_cut"
        return frame[overdue], "nodes_overdue"

    def _missing_attachment(self) -> None:
        groups = {u["unit"]: u["group"] for u in self.units}
        rows = [[str(i), name, groups.get(name, "")] for i, name in enumerate(self.data.missing_units, start=1)]
        self.table(self.w["attachments"]["missing_headers"], rows, [16, 80, 60])

    def _problems_attachment(self) -> None:
        rows = []
        for i, p in enumerate(self._listed_problems(), start=1):
            where = f"{p.sheet} {p.cell}" if p.sheet and p.cell else p.cell or p.sheet
            rows.append([str(i), p.unit, p.file, where, p.message, p.fix])
        self.table(self.w["attachments"]["problems_headers"], rows, [10, 22, 34, 18, 60, 50], left=(2, 4, 5),
                   wide=True)

    def _overrides_attachment(self) -> None:
        w = self.w["attachments"]
        names = {p["id"]: p["name"] for p in self.r.get("projects", [])}
        rows = [
            [
                str(i),
                f"{o['project_id']} {names.get(str(o['project_id']), '')}".strip(),
                str(o["seq"]),
                w["override_done"] if o.get("done") else w["override_not_done"],
                cn_date(o.get("done_date")),
                o.get("reason") or "",
            ]
            for i, o in enumerate(self.data.overrides, start=1)
        ]
        self.table(w["overrides_headers"], rows, [10, 40, 12, 20, 30, 44], left=(1, 5))
