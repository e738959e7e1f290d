"""The 督查通报's content model: what the briefing says, as data (SPEC §7).

``narrative.build_content`` makes a ``BriefingContent`` from a ``BriefingInput``;
``briefing.write_briefing`` lays it out in the template. A section is a list of typed
blocks — ``Paragraph`` (a role, not a look: ``body``, ``h2``, ``caption``), ``Table``
(texts, relative widths, light colours by name), ``Figure`` (a chart key and its numbered
caption) — so the layout decides fonts, widths and page breaks, and tests read the
content without a .docx.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from ..campaign.plan import Settings
from ..problems import Problem

Fill = Literal["red", "green", "yellow"] | None  # a table cell's light colour (the layout picks the shade)

# Above this many due or done nodes the briefing's node attachment lists only the overdue
# nodes and those due this period; every node is then in 节点明细-第NN期.xlsx beside it.
# (A county's is some 300 rows; a province's 18,000, some 600 pages nobody reads.)
NODE_ROWS_LIMIT = 600


@dataclass(frozen=True)
class BriefingInput:
    """Everything the briefing is made from (the pipeline gathers it; nothing here is read later)."""

    settings: Settings
    results: dict[str, Any]  # this period's results.json dict (SPEC §6)
    previous: dict[str, Any] | None  # the previous recorded period's results, or None
    history: list[dict[str, Any]]  # results of all recorded periods up to this one, in order
    node_detail: pd.DataFrame  # unit, project_id, project, seq, target, due, done, done_date, ahead, overdue[, late]
    unit_issues: dict[str, str]  # project id -> the lead unit's stated problem ('' if none)
    problems: list[Problem]
    overrides: list[dict[str, Any]]  # {project_id, seq, done, done_date, reason}
    missing_units: list[str]
    charts: dict[str, Path]  # 'category', 'units_<group>', 'trend', 'lights', 'investment' -> PNG
    notes: tuple[str, ...] = ()  # what the office must state, e.g. a period skipped with --force
    preview: bool = False  # run before the cutoff: marked 预览稿, no document number
    node_workbook: str = ""  # file name of the full node list when the attachment is cut (NODE_ROWS_LIMIT)
    issued: dt.date | None = None  # 成文日期 (lookahead.issue_date); None: the cutoff


@dataclass(frozen=True)
class Paragraph:
    """One paragraph. ``style`` is a role the layout maps to a template style:
    ``body``, ``h2`` (a （一） heading), ``caption``."""

    text: str
    style: str = "body"


@dataclass(frozen=True)
class Figure:
    """A chart (a key of ``BriefingInput.charts``) and its caption, already numbered (图3　…)."""

    chart: str
    caption: str


@dataclass(frozen=True)
class Table:
    """A table: header texts, rows of cell texts, relative column widths.

    ``left``: columns aligned left (the rest centred); ``merge``: columns whose repeated
    values are merged down; ``fills``: per row, per cell, a light colour or None;
    ``wide``: laid out on a landscape page's width.
    """

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]
    left: tuple[int, ...] = ()
    merge: tuple[int, ...] = ()
    fills: tuple[tuple[Fill, ...], ...] = ()
    wide: bool = False


Block = Paragraph | Figure | Table


@dataclass
class Section:
    """A numbered section of the main text (一、总体情况): its wording key, title and blocks."""

    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    def text(self) -> str:
        """Every sentence of the section, one paragraph a line (for tests and previews)."""
        return "\n".join(b.text for b in self.blocks if isinstance(b, Paragraph))


@dataclass(frozen=True)
class Attachment:
    """One attachment page: its key (nodes, missing, problems, overrides), label (附件2, or
    附件 alone when it is the only one), title and table; ``landscape`` for a wide table."""

    key: str
    label: str
    title: str
    table: Table
    landscape: bool = False


@dataclass(frozen=True)
class BriefingContent:
    issuer: str  # 发文机关标志
    issue: str  # 第5期
    number: str  # document number, '' when none
    date: str  # 2020年11月9日
    title: str
    lead: str  # the opening sentence
    sections: tuple[Section, ...]
    attachment_list: tuple[str, ...]  # 附件：1．… lines, after the closing text
    signature: tuple[str, ...]  # 落款: issuer, date
    attachments: tuple[Attachment, ...]
    record: tuple[str, ...]  # 版记 lines: 抄送 (if any), 印发
    preview: bool = False  # a 预览稿 (its title says so; no document number)

    def text(self) -> str:
        """All sentences of the main text, in order."""
        return "\n".join([self.lead] + [line for s in self.sections for line in (s.title, s.text())])


