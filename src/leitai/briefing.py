"""The 督查通报: one period's briefing as a Word document (SPEC §7).

``write_briefing(data, path)`` fills a copy of a template .docx (GB/T 9704-2012 page
setup and styles, bundled as reports/briefing.docx) with the period's figures. Content is
written by *style name* (``STYLES``), never by position, so an office can restyle the
template in Word — its own red header, fonts, table look — and point campaign.toml
``[report] template`` at it. Sentences and titles come from reports/wording.toml, which
an office may also override with a wording.toml placed next to its template.

Rates in ``results`` are fractions 0..1; the briefing shows them as percentages with one
decimal ("85.2%") and changes in percentage points ("提高3.2个百分点"). The same input
gives a byte-identical file (document times are the cutoff date).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.image.image import Image
from docx.oxml.ns import qn
from docx.shared import Mm

from .campaign import Settings
from .docxkit import (
    LANDSCAPE_WIDTH_MM,
    clean,
    clear_body,
    cn_date,
    cn_number,
    has_style,
    join_names,
    new_section,
    pct,
    point_change,
    sentence,
    table_xml,
    tenths,
)
from .errors import OutputError
from .fileio import atomic_write_bytes, normalized_zip
from .problems import Problem

REPORTS = Path(__file__).resolve().parents[2] / "reports"

# Style names the code fills; a template must define all of them.
STYLES = {
    "issuer": "发文机关",
    "issue": "期号",
    "number": "文号",
    "title": "Title",
    "body": "正文",
    "h1": "Heading 1",
    "h2": "Heading 2",
    "th": "表头",
    "td": "表格文字",
    "td_left": "表格文字（左）",
    "table": "通报表格",
    "table_title": "表题",
    "picture": "图片",
    "caption": "图题",
    "attach_list": "附件说明",
    "attach_title": "附件标题",
}
# Styles used when the template has them (an office's own template may not).
OPTIONAL_STYLES = {"signature": "落款", "record": "版记"}
SHADE = {"red": "FFC7CE", "green": "C6EFCE", "yellow": "FFEB9C"}  # light cells in tables


@dataclass(frozen=True)
class BriefingInput:
    settings: Settings
    results: dict[str, Any]  # this period's results.json dict (SPEC §6)
    previous: dict[str, Any] | None  # the previous recorded period's results, or None
    history: list[dict[str, Any]]  # results of all recorded periods up to this one, in order
    node_detail: pd.DataFrame  # unit, project_id, project, seq, target, due, done, done_date, ahead, overdue
    unit_issues: dict[str, str]  # project id -> the lead unit's stated problem ('' if none)
    problems: list[Problem]
    overrides: list[dict[str, Any]]  # {project_id, seq, done, done_date, reason}
    missing_units: list[str]
    charts: dict[str, Path]  # 'category', 'units_<group>', 'trend', 'lights' -> PNG
    notes: tuple[str, ...] = ()  # what the office must state, e.g. a period skipped with --force


def bundled_template() -> Path:
    return REPORTS / "briefing.docx"


def load_wording(template: Path | None = None) -> dict[str, dict[str, Any]]:
    """reports/wording.toml, overridden key by key by a wording.toml next to ``template``."""
    wording = tomllib.loads((REPORTS / "wording.toml").read_text(encoding="utf-8"))
    if template is not None:
        local = Path(template).parent / "wording.toml"
        if local.exists() and local.resolve() != (REPORTS / "wording.toml").resolve():
            try:
                extra = tomllib.loads(local.read_text(encoding="utf-8-sig"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise OutputError(f"{local} 格式有误（{exc}），请按 TOML 格式修改") from None
            for section, values in extra.items():
                if isinstance(values, dict):
                    wording.setdefault(section, {}).update(values)
    return wording


def write_briefing(data: BriefingInput, path: Path, template: Path | None = None) -> None:
    """Write the briefing .docx to ``path`` atomically; OutputError if the template is unusable."""
    template = Path(template) if template is not None else bundled_template()
    if not template.exists():
        raise OutputError(f"找不到通报模板 {template}：请检查 campaign.toml [report] template")
    try:
        doc = Document(str(template))
    except Exception as exc:  # a broken or non-docx template is the office's file
        raise OutputError(f"通报模板 {template.name} 无法打开（{exc}），请用 Word 另存为 .docx") from None
    missing = [name for name in STYLES.values() if not has_style(doc, name)]
    if missing:
        raise OutputError(
            f"通报模板 {template.name} 缺少样式：{'、'.join(missing)}（样式名不可修改，可修改样式的格式）"
        )
    clear_body(doc)
    writer = _Writer(doc, load_wording(template), data)
    writer.write()

    cutoff = dt.date.fromisoformat(data.results["cutoff"])
    stamp = dt.datetime.combine(cutoff, dt.time())
    info = data.settings.campaign
    props = doc.core_properties
    props.title = writer.title
    props.author = props.last_modified_by = info.issuer
    props.subject = info.short_name
    props.keywords = props.comments = props.category = ""
    props.revision = 1
    props.created = props.modified = stamp
    buffer = io.BytesIO()
    doc.save(buffer)
    atomic_write_bytes(Path(path), normalized_zip(buffer.getvalue(), stamp))


# ---------------------------------------------------------------------------- writer


class _Writer:
    """Builds the document section by section; one instance per briefing."""

    def __init__(self, doc: DocxDocument, wording: dict[str, dict[str, Any]], data: BriefingInput) -> None:
        self.doc, self.w, self.data = doc, wording, data
        self.r = data.results
        self.settings = data.settings
        self.cutoff = dt.date.fromisoformat(self.r["cutoff"])
        info = data.settings.campaign
        self.fields = {
            "short_name": info.short_name,
            "issuer": info.issuer,
            "doc_prefix": info.doc_prefix,
            "period": self.r["period"],
            "cutoff": cn_date(self.cutoff),
            "name": info.name,
        }
        self.title = self.t("header", "title")
        self.section_no = 0
        self.figure_no = 0
        self.units = list(self.r.get("units", []))
        self.groups = list(dict.fromkeys(u["group"] for u in self.units))
        self.prev_units = {u["unit"]: u for u in (data.previous or {}).get("units", [])}
        self.prev_projects = {p["id"]: p for p in (data.previous or {}).get("projects", [])}
        self.style_ids = {key: doc.styles[name].style_id for key, name in STYLES.items()}
        for key, name in OPTIONAL_STYLES.items():
            if has_style(doc, name):
                self.style_ids[key] = doc.styles[name].style_id
        self.attachments = self._attachment_list()

    # --- text helpers
    def t(self, section: str, key: str, **fields: Any) -> str:
        return str(self.w[section][key]).format(**{**self.fields, **fields})

    def para(self, text: str, style: str = "body") -> Any:
        return self.doc.add_paragraph(clean(text), style=STYLES.get(style) or OPTIONAL_STYLES[style])

    def heading(self, key: str) -> None:
        self.section_no += 1
        self.para(f"{cn_number(self.section_no)}、{self.t('sections', key)}", "h1")

    def figure(self, key: str, caption: str) -> None:
        path = self.data.charts.get(key)
        if path is None or not Path(path).exists() or not self._chart_has_content(key):
            return
        image = Image.from_file(str(path))
        width, height = Mm(150), Mm(150 * image.px_height / max(image.px_width, 1))
        if height > Mm(110):
            width, height = Mm(110 * image.px_width / max(image.px_height, 1)), Mm(110)
        self.doc.add_paragraph(style=STYLES["picture"]).add_run().add_picture(str(path), width=width, height=height)
        self.figure_no += 1
        self.para(caption.format(n=self.figure_no), "caption")

    def _chart_has_content(self, key: str) -> bool:
        """A chart earns its place only with something to show: due nodes, or two periods."""
        if key in ("trend", "lights"):
            return len(self.data.history) >= 2
        if key.startswith("units_") or key == "category":
            return self.r["overall"].get("rate") is not None
        return True

    # --- the document
    def write(self) -> None:
        self.header()
        self.overall()
        self.ranking()
        self.lights()
        if self.r.get("evaluation"):
            self.cards()
        self.examples()
        self.closing()
        self.signature()
        self.attachment_pages()
        self.record()

    def header(self) -> None:
        self.para(self.settings.campaign.issuer, "issuer")
        self.para(self.t("header", "issue"), "issue")
        number = self.t("header", "doc_number") if self.settings.campaign.doc_prefix else ""
        self.para(f"{number}\t{cn_date(self.cutoff)}", "number")
        self.para(self.title, "title")
        self.para(self.t("header", "lead"))

    def overall(self) -> None:
        self.heading("overall")
        o = self.r["overall"]
        prev = (self.data.previous or {}).get("overall", {})
        if o.get("rate") is None:
            self.para(self.t("overall", "nodes_none", projects=o["projects"]))
        else:
            change = point_change(o["rate"], prev.get("rate"))
            if change is None:
                change_text = ""
            elif change > 0:
                change_text = self.t("overall", "change_up", points=change)
            elif change < 0:
                change_text = self.t("overall", "change_down", points=-change)
            else:
                change_text = self.t("overall", "change_flat")
            self.para(
                self.t(
                    "overall",
                    "nodes",
                    projects=o["projects"],
                    due=o["due"],
                    done=o["done"],
                    rate=pct(o["rate"]),
                    change=change_text,
                )
            )
        trend = [h for h in self.data.history if h.get("overall", {}).get("rate") is not None]
        if len(trend) >= 3:
            items = [self.t("overall", "trend_item", n=h["period"], rate=pct(h["overall"]["rate"])) for h in trend]
            self.para(self.t("overall", "trend", list="、".join(items)))
        self.figure("trend", self.w["lights"]["figure_trend"])

        categories = self.r.get("categories", [])
        if categories:
            items = [
                self.t(
                    "overall",
                    "category_item",
                    category=c["category"],
                    rate=pct(c["rate"]),
                    done=c["done"],
                    due=c["due"],
                )
                if c["rate"] is not None
                else self.t("overall", "category_none", category=c["category"])
                for c in categories
            ]
            text = self.t("overall", "categories", list="；".join(items))
            rated = [c for c in categories if c["rate"] is not None]
            if len(rated) > 1:
                best = max(tenths(c["rate"]) for c in rated)
                worst = min(tenths(c["rate"]) for c in rated)
                if best == worst:
                    text += self.t("overall", "category_all_equal", rate=f"{best}%")
                else:
                    text += self.t(
                        "overall",
                        "category_extremes",
                        best=join_names(c["category"] for c in rated if tenths(c["rate"]) == best),
                        worst=join_names(c["category"] for c in rated if tenths(c["rate"]) == worst),
                    )
            self.para(text)
        self.figure("category", self.w["lights"]["figure_category"])
        self.figure("investment", self.w["lights"]["figure_investment"])

        yellow = self.t("overall", "lights_yellow", yellow=o["yellow"]) if o.get("yellow") else ""
        red_change = ""
        if prev.get("red") is not None:
            diff = o["red"] - prev["red"]
            red_change = (
                self.t("overall", "lights_change_flat")
                if diff == 0
                else self.t("overall", "lights_change", direction="增加" if diff > 0 else "减少", count=abs(diff))
            )
        self.para(
            self.t(
                "overall",
                "lights",
                projects=o["projects"],
                green=o["green"],
                red=o["red"],
                yellow=yellow,
                change=red_change,
            )
        )
        self.figure("lights", self.w["lights"]["figure_lights"])

        submitted = sum(1 for u in self.units if u.get("submitted"))
        missing = (
            self.t(
                "overall",
                "submissions_missing",
                names=join_names(self.data.missing_units),
                n=self._attachment_no("missing"),
            )
            if self.data.missing_units
            else ""
        )
        text = self.t("overall", "submissions", units=len(self.units), submitted=submitted, missing=missing)
        # A superseded duplicate is not a rejected sheet: say it apart, and only what happened.
        duplicates = [p for p in self.data.problems if p.code == "duplicate_submission"]
        superseded = {p.file for p in duplicates}
        rejected = sum(1 for s in self.r.get("submissions", [])
                       if s.get("status") == "rejected" and s.get("file") not in superseded)
        if duplicates:
            text += self.t("overall", "submissions_superseded", count=len({p.unit for p in duplicates}))
        if rejected and self._listed_problems():
            text += self.t("overall", "submissions_rejected", count=rejected, n=self._attachment_no("problems"))
        elif rejected:
            text += self.t("overall", "submissions_rejected_plain", count=rejected)
        if self._listed_problems():
            text += self.t("overall", "problems", count=len(self._listed_problems()), n=self._attachment_no("problems"))
        self.para(text)
        for note in self.data.notes:
            self.para(self.t("overall", "note", text=note))

    def ranking(self) -> None:
        self.heading("ranking")
        basis = "basis_period" if self.settings.rules.rank_by == "period" else "basis_cumulative"
        self.para(self.t("ranking", "intro", basis=self.t("ranking", basis)))
        w = self.w["ranking"]
        for index, group in enumerate(self.groups, start=1):
            self.para(f"（{cn_number(index)}）{group}", "h2")
            members = [u for u in self.units if u["group"] == group]
            ranked = sorted((u for u in members if u.get("rank") is not None), key=lambda u: u["rank"])
            unranked = [u for u in members if u.get("rank") is None]
            sentences = []
            if ranked:
                if all(u["rate"] == 1 for u in ranked):
                    sentences.append(self.t("ranking", "all_full", group=group))
                elif not ranked[0]["rate"]:  # nobody has done a due node: there is no one to praise
                    sentences.append(self.t("ranking", "all_zero", group=group))
                else:
                    top = [u for u in ranked if u["rank"] == ranked[0]["rank"]]
                    sentences.append(
                        self.t(
                            "ranking",
                            "top",
                            group=group,
                            names=join_names(u["unit"] for u in top),
                            rate=pct(top[0]["rate"]),
                        )
                    )
                    last = [u for u in ranked if u["rank"] == ranked[-1]["rank"]]
                    if last[0]["rank"] != ranked[0]["rank"]:
                        sentences.append(
                            self.t(
                                "ranking",
                                "bottom",
                                names=join_names(u["unit"] for u in last),
                                rate=pct(last[0]["rate"]),
                            )
                        )
            if unranked:
                sentences.append(self.t("ranking", "unranked", names=join_names(u["unit"] for u in unranked)))
            if sentences:
                self.para("".join(sentences))
            rows = [
                [
                    str(u["rank"]) if u.get("rank") is not None else w["same"],
                    u["unit"],
                    str(u["due"]),
                    str(u["done"]),
                    pct(u["rate"], w["no_rate"]),
                    str(u["ahead"]),
                    self._rank_change(u.get("rank_change")),
                    str(u["red_projects"]),
                ]
                for u in ranked + unranked
            ]
            self.table(w["table_headers"], rows, [10, 30, 20, 20, 21, 22, 18, 26],
                       shade=lambda n, i, v: (SHADE["green"] if v == "0" else SHADE["red"]) if i == 7 else None)
            self.figure(f"units_{group}", w["figure"].replace("{group}", group))
        if self.data.missing_units and self.settings.rules.no_submission == "carry_forward":
            self.para(self.t("ranking", "not_submitted_note"))

    def _rank_change(self, change: int | None) -> str:
        w = self.w["ranking"]
        if not change:
            return str(w["same"])
        return str(w["up"] if change > 0 else w["down"]).format(n=abs(change))

    def lights(self) -> None:
        """Red projects: the escalated ones (重点督办) told in full, then every red project in a table."""
        self.heading("lights")
        projects = self.r.get("projects", [])
        red = [p for p in projects if p["light"] == "red"]
        red.sort(key=lambda p: (-p["red_count"], -p["red_streak"]))
        escalate = self.settings.rules.escalate_red_count
        hot = [p for p in red if p["red_count"] >= escalate]
        targets = self._node_targets()
        if not red:
            self.para(self.t("lights", "none"))
        elif hot:
            self.para(self.t("lights", "intro_hot", red=len(red), count=escalate, hot=len(hot)))
        else:
            self.para(self.t("lights", "intro", red=len(red)))
        for n, p in enumerate(hot, start=1):
            overdue = "、".join(
                self.t(
                    "lights",
                    "overdue_node",
                    seq=seq,
                    target=targets[(p["id"], seq)][0],
                    due=cn_date(targets[(p["id"], seq)][1], year=False),
                )
                if (p["id"], seq) in targets
                else f"节点{seq}"
                for seq in p.get("overdue_nodes", [])
            )
            streak = (
                self.t("lights", "streak", streak=p["red_streak"])
                if p["red_streak"] > 1
                else self.t("lights", "streak_first")
                if p["red_count"] <= 1
                else self.t("lights", "streak_again")
            )
            text = self.t(
                "lights",
                "item",
                n=n,
                name=p["name"],
                unit=p["unit"],
                overdue=overdue or "节点",
                red_count=p["red_count"],
                streak=streak,
            )
            issue = sentence(clean(self.data.unit_issues.get(p["id"], "") or ""))
            text += self.t("lights", "issue", text=issue) if issue else self.t("lights", "issue_none")
            self.para(text)
        if hot:
            self.para(self.t("lights", "escalated", names=join_names(p["name"] for p in hot), count=escalate))
        if red:
            if hot:
                self.para(self.t("lights", "table_intro", red=len(red)))
            rows = []
            for n, p in enumerate(red, start=1):
                nodes = "；".join(
                    f"{seq}.{targets[(p['id'], seq)][0]}" if (p["id"], seq) in targets else str(seq)
                    for seq in p.get("overdue_nodes", [])
                )
                mark = self.t("lights", "escalated_mark") if p["red_count"] >= escalate else ""
                issue = sentence(clean(self.data.unit_issues.get(p["id"], "") or ""), limit=60)
                rows.append([str(n), p["name"] + mark, p["unit"], nodes, f"{p['red_count']}/{p['red_streak']}",
                             issue or self.t("lights", "issue_missing")])
            self.table(self.w["lights"]["table_headers"], rows, [8, 32, 18, 38, 16, 46], left=(1, 3, 5))
        yellow = [p for p in projects if p["light"] == "yellow"]
        if yellow:
            self.para(
                self.t(
                    "lights",
                    "yellow",
                    count=len(yellow),
                    grace=self.settings.rules.grace_days,
                    names=join_names(p["name"] for p in yellow),
                )
            )

    def _node_targets(self) -> dict[tuple[str, int], tuple[str, Any]]:
        frame = self.data.node_detail
        if frame is None or frame.empty:
            return {}
        return {
            (str(pid), int(seq)): (clean(target), due)
            for pid, seq, target, due in zip(frame["project_id"], frame["seq"], frame["target"], frame["due"])
        }

    def cards(self) -> None:
        self.heading("cards")
        carded = [u for u in self.units if u.get("yellow_card")]
        if not carded:
            self.para(self.t("cards", "none"))
            return
        order = {g: i for i, g in enumerate(self.groups)}
        carded.sort(key=lambda u: (order[u["group"]], u.get("rank") or 0))
        self.para(self.t("cards", "intro", count=len(carded)))
        for n, u in enumerate(carded, start=1):
            red = self.t("cards", "item_red", red=u["red_projects"]) if u["red_projects"] else ""
            self.para(
                self.t(
                    "cards",
                    "item",
                    n=n,
                    unit=u["unit"],
                    group=u["group"],
                    rate=pct(u["rate"]),
                    rank=u.get("rank") or "—",
                    due=u["due"],
                    missing=u["due"] - u["done"],
                    red=red,
                )
            )
        tied = self._tied_cards(carded)
        if tied:
            self.para(self.t("cards", "tie", names=join_names(u["unit"] for u in tied)))

    def _tied_cards(self, carded: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Carded units beyond the configured number, with the unit they tie with (SPEC §5)."""
        cards = self.settings.rules.yellow_cards
        if isinstance(cards, tuple):
            pools = [(n, [u for u in carded if u["group"] == g]) for g, n in cards]
        else:
            pools = [(cards, carded)]

        def key(u: dict[str, Any]) -> tuple[Any, ...]:
            return (-(u["rate"] or 0), -u["ahead"], u["red_projects"])

        tied: list[dict[str, Any]] = []
        for n, pool in pools:
            if len(pool) > n > 0:
                pool = sorted(pool, key=key)
                boundary = key(pool[len(pool) - n])
                tied += [u for u in pool if key(u) == boundary]
        return tied

    def examples(self) -> None:
        self.heading("examples")
        sentences = []
        ranked = [u for u in self.units if u.get("rate") is not None]
        full = [u["unit"] for u in ranked if u["due"] and u["done"] == u["due"]]
        if full:
            sentences.append(self.t("examples", "full", names=join_names(full)))
        ahead = sorted((u for u in self.units if u.get("ahead")), key=lambda u: -u["ahead"])
        if ahead:
            items = [self.t("examples", "ahead_item", unit=u["unit"], count=u["ahead"]) for u in ahead]
            sentences.append(self.t("examples", "ahead", list="、".join(items), count=sum(u["ahead"] for u in ahead)))
        turned = [
            p["name"]
            for p in self.r.get("projects", [])
            if p["light"] == "green" and self.prev_projects.get(p["id"], {}).get("light") == "red"
        ]
        if turned:
            sentences.append(self.t("examples", "turned_green", names=join_names(turned)))
        risers = sorted((u for u in self.units if (u.get("rank_change") or 0) > 0), key=lambda u: -u["rank_change"])[:3]
        if risers:
            items = [self.t("examples", "riser_item", unit=u["unit"], n=u["rank_change"]) for u in risers]
            sentences.append(self.t("examples", "risers", list="、".join(items)))
        if sentences:
            self.para("".join(sentences))
        back = []
        if not self.r.get("evaluation"):  # at evaluation periods the yellow cards name them
            for group in self.groups:
                ranked_g = [u for u in self.units if u["group"] == group and u.get("rank") is not None]
                if len(ranked_g) > 1:
                    worst = max(u["rank"] for u in ranked_g)
                    back += [u for u in ranked_g if u["rank"] == worst and u["rank"] > 1 and u["rate"] < 1]
        if back:
            items = [
                self.t(
                    "examples", "laggard_item", unit=u["unit"], group=u["group"], rank=u["rank"], rate=pct(u["rate"])
                )
                for u in back
            ]
            back_text = self.t("examples", "laggards", list="、".join(items))
        else:
            back_text = ""
        fallers = sorted((u for u in self.units if (u.get("rank_change") or 0) < 0), key=lambda u: u["rank_change"])[:3]
        if fallers:
            items = [self.t("examples", "faller_item", unit=u["unit"], n=-u["rank_change"]) for u in fallers]
            back_text += self.t("examples", "fallers", list="、".join(items))
        if back_text:
            self.para(back_text)
        if not sentences and not back_text:
            self.para(self.t("examples", "none"))

    def closing(self) -> None:
        self.heading("closing")
        for line in self.settings.report.closing.splitlines():
            if line.strip():
                self.para(line.strip())
        if self.attachments:
            # GB/T 9704: a single attachment is named without a number
            names = ([title for _, title, _ in self.attachments] if len(self.attachments) == 1 else
                     [f"{i}．{title}" for i, (_, title, _) in enumerate(self.attachments, start=1)])
            first = self.t("attachments", "list_intro")
            self.para(first + names[0], "attach_list")
            pad = "\u3000" * len(first)
            for name in names[1:]:
                self.para(pad + name, "attach_list")

    def signature(self) -> None:
        """落款: the issuing office and the date, after the attachment list (GB/T 9704 7.3.5)."""
        style = "signature" if "signature" in self.style_ids else "body"
        self.para("", style)
        for text in (self.settings.campaign.issuer, cn_date(self.r["cutoff"])):
            paragraph = self.para(text, style)
            if style == "body":  # a template without 落款: right-align by hand
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                paragraph.paragraph_format.first_line_indent = 0

    def record(self) -> None:
        """版记 at the very end: 抄送 and 印发 lines, when the template has the 版记 style."""
        if "record" not in self.style_ids:
            return
        w = self.w["record"]
        self.para("", "body")
        lines = [self.t("record", "cc_line", cc=w["cc"])] if w.get("cc") else []
        lines.append(self.t("record", "printed", issuer=self.settings.campaign.issuer, date=cn_date(self.r["cutoff"])))
        # The style's frame (anchored to the bottom margin) is repeated on each paragraph:
        # LibreOffice does not take frame properties from a paragraph style, Word does both.
        frame = self.doc.styles[OPTIONAL_STYLES["record"]].element.find(qn("w:pPr") + "/" + qn("w:framePr"))
        for text in lines:
            paragraph = self.para(text, "record")
            if frame is not None:
                paragraph._p.get_or_add_pPr().insert(1, copy.deepcopy(frame))

    # --- attachments
    def _listed_problems(self) -> list[Problem]:
        return [p for p in self.data.problems if p.severity in ("error", "warning")]

    def _attachment_list(self) -> list[tuple[str, str, Any]]:
        """(key, title, builder) of the attachments this briefing has, in order."""
        w = self.w["attachments"]
        found: list[tuple[str, str, Any]] = []
        if self.data.node_detail is not None and not self.data.node_detail.empty:
            found.append(("nodes", w["nodes"], self._nodes_attachment))
        if self.data.missing_units:
            found.append(("missing", w["missing"], self._missing_attachment))
        if self._listed_problems():
            found.append(("problems", w["problems"], self._problems_attachment))
        if self.data.overrides:
            found.append(("overrides", w["overrides"], self._overrides_attachment))
        return found

    def _attachment_no(self, key: str) -> str:
        """The attachment's number as text; none when it is the only attachment."""
        number = next(i for i, (k, _, _) in enumerate(self.attachments, start=1) if k == key)
        return "" if len(self.attachments) == 1 else str(number)

    def attachment_pages(self) -> None:
        """Each attachment on a new page; the wide data-problem table on landscape pages."""
        turned = False
        for number, (key, title, build) in enumerate(self.attachments, start=1):
            wide = key == "problems"
            if wide != turned:
                self._new_section(landscape=wide)
                turned = wide
            shown = "" if len(self.attachments) == 1 else number
            heading = self.para(f"{self.t('sections', 'attachments')}{shown}", "attach_title")
            heading.paragraph_format.page_break_before = not self._section_just_started
            self._section_just_started = False
            self.para(title, "table_title")
            build()
        if turned:
            self._new_section(landscape=False)

    _section_just_started = False

    def _new_section(self, landscape: bool) -> None:
        new_section(self.doc, landscape)
        self._section_just_started = True

    def _nodes_attachment(self) -> None:
        w = self.w["attachments"]
        frame = self.data.node_detail
        order = {u["unit"]: i for i, u in enumerate(self.units)}
        frame = frame.assign(_o=frame["unit"].map(order).fillna(len(order))).sort_values(
            ["_o", "project_id", "seq"], kind="stable"
        )
        rows = []
        for row in frame.itertuples(index=False):
            if not (row.done or row.overdue):
                continue  # not yet due and not done: nothing to report on it yet
            if row.done:
                status = w["status_ahead" if row.ahead else "status_done"]
            else:
                status = w["status_overdue"] if row.overdue else w["status_pending"]
            rows.append(
                [
                    row.unit,
                    row.project,
                    str(row.seq),
                    row.target,
                    cn_date(row.due, year=False),
                    cn_date(row.done_date, year=False) if row.done else "",
                    status,
                ]
            )
        status_fill = {w["status_overdue"]: SHADE["red"], w["status_ahead"]: SHADE["green"]}
        self.table(w["nodes_headers"], rows, [20, 26, 11, 28, 22, 22, 23], left=(1, 3), merge=(0, 1),
                   shade=lambda n, i, v: status_fill.get(v) if i == 6 else None)

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
                   width_mm=LANDSCAPE_WIDTH_MM)

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

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]], widths_mm: Sequence[float],
              **options: Any) -> None:
        """A table in the template's table style at the end of the body (see ``docxkit.table_xml``)."""
        table = table_xml(self.style_ids, headers, rows, widths_mm, **options)
        body = self.doc.element.body
        if body.sectPr is not None:
            body.sectPr.addprevious(table)
        else:
            body.append(table)
