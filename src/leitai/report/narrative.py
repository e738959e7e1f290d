"""What the 督查通报 says: one period's briefing as data, apart from how it looks (SPEC §7).

``build_content(data, wording) -> BriefingContent`` is a pure function: the period's
results (and history, settings, node detail, problems) and the wording (reports/wording.toml)
in, the document's content out (the model is in ``content.py``): header lines, numbered
sections of typed blocks (``Paragraph``, ``Table``, ``Figure``), the attachment list,
signature, attachments and 版记. No file, clock or docx inside; ``briefing.write_briefing``
lays the content out in the template. So the narrative's rules are tested on the data
(tests/test_narrative.py), fast.

To add a section: write a method of ``_Narrative`` returning a ``Section`` (or None when it
has nothing to say) and call it in ``_Narrative.build`` where it belongs; its title is a
key of wording.toml ``[sections]`` (numbered 一、二、… by the layout). To add to a section,
append blocks to its ``blocks``. Sentences come from wording.toml via ``self.t``.

Rates in ``results`` are fractions 0..1; the text shows them as percentages with one
decimal ("85.2%") and changes in percentage points ("提高3.2个百分点").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any

from ..scoring.lookahead import escalations, submit_deadline, warning_horizon
from .annexes import Annexes
from .content import Block, BriefingContent, BriefingInput, Figure, Fill, Paragraph, Section, Table
from .docxkit import clean, cn_date, cn_number, join_names, pct, point_change, sentence, tenths
from .measurewords import adjustments_paragraph, investment_paragraph, ranking_intro, score_text, scored, split_yellow


def build_content(data: BriefingInput, wording: dict[str, dict[str, Any]]) -> BriefingContent:
    """The briefing's content for ``data`` in ``wording`` (pure: no I/O)."""
    return _Narrative(data, wording).build()


# ---------------------------------------------------------------------------- the narrative


class _Narrative(Annexes):
    """Builds the content section by section; one instance per briefing."""

    def __init__(self, data: BriefingInput, wording: dict[str, dict[str, Any]]) -> None:
        self.w, self.data = wording, data
        self.r = data.results
        self.settings = data.settings
        self.cutoff = dt.date.fromisoformat(self.r["cutoff"])
        self.issued = data.issued or self.cutoff  # 成文日期: the header, the signature and 印发
        info = data.settings.campaign
        self.fields = {
            "short_name": info.short_name,
            "issuer": info.issuer,
            "doc_prefix": info.doc_prefix,
            "period": self.r["period"],
            "cutoff": cn_date(self.cutoff),
            "name": info.name,
            "whole": info.whole,
        }
        # rank_by = "period": units are ranked, named and carded on this period's nodes, and the
        # sentences say so (本期节点完成率); cumulative wording is as before
        self.by_period = data.settings.rules.rank_by == "period" and not scored(self.r)
        self.rate_key = "period_rate" if self.by_period else "rate"
        measures = self.w.get("measure", {})
        kind = "period" if self.by_period else "cumulative"
        self.fields.update(measure=measures.get(kind, "节点完成率"), measure_short=measures.get(f"{kind}_short", "完成率"),
                           scope=measures.get(f"{kind}_scope", ""))
        self.figure_no = 0
        self.units = list(self.r.get("units", []))
        self.groups = list(dict.fromkeys(u["group"] for u in self.units))
        self.prev_units = {u["unit"]: u for u in (data.previous or {}).get("units", [])}
        self.prev_projects = {p["id"]: p for p in (data.previous or {}).get("projects", [])}
        self.attachment_keys = self._attachment_keys()
        self.blocks: list[Block] = []
        self.warned = self._warned()

    def _warned(self) -> set[str]:
        """Units the briefing warns (排名末位, 排名靠后, 名次下滑, 黄牌): never praised elsewhere.
        A unit at 100% is never among them (SPEC §7)."""
        self.bottom: dict[str, list[dict[str, Any]]] = {}
        for group in self.groups:
            ranked = [u for u in self.units if u["group"] == group and u.get("rank") is not None]
            if len(ranked) > 1:
                worst = max(u["rank"] for u in ranked)
                self.bottom[group] = [u for u in ranked
                                      if u["rank"] == worst and worst > min(v["rank"] for v in ranked)
                                      and (u[self.rate_key] or 0) < 1]
        self.fallers = sorted((u for u in self.units
                               if (u.get("rank_change") or 0) < 0 and (u.get(self.rate_key) or 0) < 1),
                              key=lambda u: u["rank_change"])[:3]
        carded = [u for u in self.units if u.get("yellow_card")] if self.r.get("evaluation") else []
        return {u["unit"] for u in [*carded, *self.fallers] + [u for b in self.bottom.values() for u in b]}

    # --- text helpers
    def t(self, section: str, key: str, **fields: Any) -> str:
        return str(self.w[section][key]).format(**{**self.fields, **fields})

    def para(self, text: str, style: str = "body") -> None:
        self.blocks.append(Paragraph(clean(text), style))

    def section(self, key: str, fill: Callable[[], None]) -> Section:
        self.blocks = []
        fill()
        return Section(key, self.t("sections", key), self.blocks)

    def figure(self, key: str, caption: str) -> None:
        if key not in self.data.charts or not self._chart_has_content(key):
            return
        self.figure_no += 1
        self.blocks.append(Figure(key, caption.format(n=self.figure_no)))

    def table(self, headers: Any, rows: list[list[str]], widths: list[float], *, left: tuple[int, ...] = (),
              merge: tuple[int, ...] = (), fill: Callable[[int, int, str], Fill] | None = None,
              wide: bool = False) -> Table:
        fills = tuple(tuple(fill(n, i, v) for i, v in enumerate(row)) for n, row in enumerate(rows)) if fill else ()
        table = Table(tuple(str(h) for h in headers), tuple(tuple(clean(v) for v in row) for row in rows),
                      tuple(widths), left, merge, fills, wide)
        self.blocks.append(table)
        return table

    def _chart_has_content(self, key: str) -> bool:
        """A chart earns its place only with something to show: due nodes, or two periods."""
        if key in ("trend", "lights"):
            return len(self.data.history) >= 2
        if key.startswith("units_") or key == "category":
            return self.r["overall"].get("rate") is not None
        return True

    # --- the document
    def build(self) -> BriefingContent:
        sections = [
            self.section("overall", self.overall),
            self.section("ranking", self.ranking),
            self.section("lights", self.lights),
        ]
        if self._plan_changed():
            sections.append(self.section("plan_changes", self.plan_changes))
        if self.r.get("evaluation"):
            sections.append(self.section("cards", self.cards))
        sections.append(self.section("examples", self.examples))
        outlook = self.section("outlook", self.outlook)
        if outlook.blocks:
            sections.append(outlook)
        sections.append(self.section("closing", self.closing))
        attachments = self.attachments()
        preview = self.data.preview
        number = self.t("header", "doc_number") if self.settings.campaign.doc_prefix and not preview else ""
        title = self.t("header", "title")
        return BriefingContent(
            issuer=self.settings.campaign.issuer,
            issue=self.t("header", "issue"),
            number=number,
            date=cn_date(self.issued),
            title=self.t("header", "preview_title", title=title) if preview else title,
            lead=self.t("header", "lead"),
            sections=tuple(sections),
            attachment_list=self.attachment_list(attachments),
            signature=(self.settings.campaign.issuer, cn_date(self.issued)),
            attachments=tuple(attachments),
            record=self.record(),
            preview=preview,
        )

    def overall(self) -> None:
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
            self.para(self.t("overall", "nodes", projects=o["projects"], due=o["due"], done=o["done"],
                             rate=pct(o["rate"]), change=change_text) + self._excluded_note())
        trend = [h for h in self.data.history if h.get("overall", {}).get("rate") is not None]
        if len(trend) >= 3:
            items = [self.t("overall", "trend_item", n=h["period"], rate=pct(h["overall"]["rate"])) for h in trend]
            self.para(self.t("overall", "trend", list="、".join(items)))
        self.figure("trend", self.w["lights"]["figure_trend"])

        categories = self.r.get("categories", [])
        if categories:
            items = [
                self.t("overall", "category_item", category=c["category"], rate=pct(c["rate"]), done=c["done"],
                       due=c["due"])
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
        investment = investment_paragraph(self.r, self.t)
        if investment:
            self.para(investment)
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
        self.para(self.t("overall", "lights", projects=o["projects"], green=o["green"], red=o["red"],
                         yellow=yellow, change=red_change))
        self.figure("lights", self.w["lights"]["figure_lights"])

        submitted = sum(1 for u in self.units if u.get("submitted"))
        missing = (
            self.t("overall", "submissions_missing", names=join_names(self.data.missing_units),
                   n=self._attachment_no("missing"))
            if self.data.missing_units
            else ""
        )
        text = self.t("overall", "submissions", units=len(self.units), submitted=submitted, missing=missing)
        late = [u["unit"] for u in self.units if u.get("timeliness") == "late"]
        if late:
            deadline = submit_deadline(self.settings.schedule, self.r["period"], self.settings.supervision)
            text += self.t("overall", "submissions_late", names=join_names(late), deadline=cn_date(deadline))
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
        basis = "basis_period" if self.settings.rules.rank_by == "period" else "basis_cumulative"
        self.para(ranking_intro(self.r, self.settings, self.t) or self.t("ranking", "intro", basis=self.t("ranking", basis)))
        adjustments = adjustments_paragraph(self.r, self.t)
        if adjustments:
            self.para(adjustments)
        by_score = scored(self.r)
        w = self.w["ranking"]
        for index, group in enumerate(self.groups, start=1):
            self.para(f"（{cn_number(index)}）{group}", "h2")
            members = [u for u in self.units if u["group"] == group]
            ranked = sorted((u for u in members if u.get("rank") is not None), key=lambda u: u["rank"])
            unranked = [u for u in members if u.get("rank") is None]
            sentences = []
            if ranked:
                rated = [u for u in members if u.get(self.rate_key) is not None]  # ranked or not, all with nodes due
                if all(u[self.rate_key] == 1 for u in rated):
                    sentences.append(self.t("ranking", "all_full", group=group))
                elif not ranked[0][self.rate_key]:  # nobody has done a due node: there is no one to praise
                    sentences.append(self.t("ranking", "all_zero", group=group))
                else:
                    top = [u for u in ranked if u["rank"] == ranked[0]["rank"]]
                    names = join_names(u["unit"] for u in top)
                    section = "score" if by_score else "ranking"  # by score: the score is what ranks them
                    # one unit has no one to lead; a carded leader (weak group) is not praised
                    key = "only" if len(ranked) == 1 else "top_plain" if self.warned & {u["unit"] for u in top} else "top"
                    sentences.append(self.t(section, key, group=group, names=names, rate=pct(top[0][self.rate_key]),
                                            score=score_text(top[0], "—")))
                    last = self.bottom.get(group, [])
                    if last:
                        sentences.append(self.t(section, "bottom", names=join_names(u["unit"] for u in last),
                                                rate=pct(last[0][self.rate_key]), score=score_text(last[0], "—")))
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
            headers, red_col = list(w["table_headers"]), 7
            widths: list[float] = [10, 30, 20, 20, 21, 22, 18, 26]
            if self.by_period:  # this period's nodes, the basis of the ranks, then the cumulative rate
                for row, u in zip(rows, ranked + unranked):
                    row[2:5] = [str(u.get("period_due", "")), str(u.get("period_done", "")),
                                pct(u["period_rate"], w["no_rate"]), pct(u["rate"], w["no_rate"])]
                headers = list(w.get("table_headers_period", headers))
                widths, red_col = [10, 26, 17, 17, 17, 20, 20, 18, 22], 8
            if by_score:  # the score the ranks rest on, right after the unit
                for row, u in zip(rows, ranked + unranked):  # not ranked (nothing due): no score shown
                    row.insert(2, score_text(u, w["no_rate"]) if u.get("rank") is not None else w["no_rate"])
                headers.insert(2, self.t("score", "table_header"))
                widths, red_col = [10, 26, 17, 17, 17, 20, 20, 18, 22], 8
            self.table(headers, rows, widths, fill=lambda n, i, v, red_col=red_col: (  # type: ignore[misc]
                ("green" if v == "0" else "red") if i == red_col else None))
            self.figure(f"units_{group}", w["figure"].replace("{group}", group))
        if self.data.missing_units and self.settings.rules.no_submission == "carry_forward":
            self.para(self.t("ranking", "not_submitted_note"))
        elif self.data.missing_units and "not_submitted_last" in self.w["ranking"]:
            # rank_last: a unit that sent nothing stands last whatever its rate; say why (a 区 review read
            # a unit at 100% below one at 50%, with no word on it)
            silent = [u["unit"] for u in self.units if u["unit"] in self.data.missing_units and u.get("rank") is not None]
            if silent:
                self.para(self.t("ranking", "not_submitted_last", names=join_names(silent)))

    def outlook(self) -> None:
        """预警与督办: the notices issued this period (by the ladder), and the nodes falling due soon."""
        settings = self.settings
        items = escalations(self.r.get("projects", []), settings.supervision.rungs(settings.rules.escalate_red_count))
        if items:
            kinds = list(dict.fromkeys(i["kind"] for i in items))  # highest rung first
            parts = [self.t("outlook", "notice_kind", kind=kind, count=sum(1 for i in items if i["kind"] == kind),
                            names=join_names(self.t("outlook", "notice_item", name=i["name"], unit=i["unit"])
                                             for i in items if i["kind"] == kind))
                     for kind in kinds]
            deadline = self.issued + dt.timedelta(days=settings.supervision.reply_days)
            self.para(self.t("outlook", "notices", list="；".join(parts), deadline=cn_date(deadline)))
        warned = self.r.get("early_warning", [])
        if warned:
            horizon = warning_horizon(settings.schedule, self.r["period"], settings.supervision)
            order = [u["unit"] for u in self.units]
            warned_in = Counter(w["unit"] for w in warned)
            counts = {unit: warned_in[unit] for unit in order}
            listed = [self.t("outlook", "warning_item", unit=u, count=n) for u, n in counts.items() if n]
            start = self.cutoff + dt.timedelta(days=1)
            self.para(self.t("outlook", "warning", horizon=cn_date(horizon, year=False),
                             start=cn_date(start, year=False), count=len(warned),
                             units=len(listed), list="、".join(listed)))

    def _rank_change(self, change: int | None) -> str:
        w = self.w["ranking"]
        if not change:
            return str(w["same"])
        return str(w["up"] if change > 0 else w["down"]).format(n=abs(change))

    def lights(self) -> None:
        """Red projects: the escalated ones (重点督办) told in full, then every red project in a table."""
        projects = self.r.get("projects", [])
        red = [p for p in projects if p["light"] == "red"]
        red.sort(key=lambda p: (-p["red_count"], -p["red_streak"]))
        escalate = self.settings.rules.escalate_red_count
        hot = [p for p in red if p["red_count"] >= escalate]
        targets = self._node_targets()
        yellow = [p for p in projects if p["light"] == "yellow"]
        if not red:
            self.para(self.t("lights", "none_red" if yellow else "none"))
        elif hot:
            self.para(self.t("lights", "intro_hot", red=len(red), count=escalate, hot=len(hot)))
        else:
            self.para(self.t("lights", "intro", red=len(red)))
        for n, p in enumerate(hot, start=1):
            overdue = "、".join(
                self.t("lights", "overdue_node", seq=seq, target=targets[(p["id"], seq)][0],
                       due=cn_date(targets[(p["id"], seq)][1], year=False))
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
            text = self.t("lights", "item", n=n, name=p["name"], unit=p["unit"], overdue=overdue or "节点",
                          red_count=p["red_count"], streak=streak)
            issue = sentence(clean(self.data.unit_issues.get(p["id"], "") or ""))
            silent = "issue_not_submitted" if p["unit"] in self.data.missing_units else "issue_none"
            text += self.t("lights", "issue", text=issue) if issue else self.t("lights", silent)
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
                silent = "issue_missing_not_submitted" if p["unit"] in self.data.missing_units else "issue_missing"
                rows.append([str(n), p["name"] + mark, p["unit"], nodes, f"{p['red_count']}/{p['red_streak']}",
                             issue or self.t("lights", silent)])
            self.table(self.w["lights"]["table_headers"], rows, [8, 32, 18, 38, 16, 46], left=(1, 3, 5))
        yellow, caught_up = split_yellow(projects)
        if yellow:
            self.para(self.t("lights", "yellow" if red else "yellow_only", count=len(yellow), grace=self.settings.rules.grace_days,
                             names=join_names(p["name"] for p in yellow)))
        if caught_up:  # [rules] caught_up = "yellow"
            self.para(self.t("lights", "caught_up", names=join_names(p["name"] for p in caught_up)))

    # --- 计划调整: the changes that took effect this period, and what is counted out (SPEC §5)
    def _stopped_nodes(self) -> list[dict[str, Any]]:
        return [n for n in self.r.get("nodes", []) if n.get("status") in ("cancelled", "exempt")]

    def _plan_changed(self) -> bool:
        return any(c.get("this_period") for c in self.r.get("plan_changes", [])) or bool(self._stopped_nodes())

    def _excluded_note(self) -> str:
        stopped = self._stopped_nodes()
        return self.t("overall", "excluded_note", count=len(stopped)) if stopped else ""

    def plan_changes(self) -> None:
        w = self.w["plan_changes"]
        new = [c for c in self.r.get("plan_changes", []) if c.get("this_period")]
        if new:
            self.para(self.t("plan_changes", "intro", count=len(new)))
            rows = [
                [str(n), c.get("project") or c["project_id"],
                 w["whole"] if c["seq"] is None else f"{c['seq']}.{c.get('target') or ''}".rstrip("."),
                 c["type"], cn_date(c["original_due"], year=False) or "—",
                 cn_date(c["due"], year=False) if c["due"] else w["stopped"], cn_date(c["approved"], year=False),
                 c.get("basis") or "—"]
                for n, c in enumerate(new, start=1)
            ]
            self.table(w["table_headers"], rows, [8, 30, 30, 12, 18, 18, 16, 30], left=(1, 2, 7))
        else:
            self.para(self.t("plan_changes", "none_new"))
        stopped = self._stopped_nodes()
        if stopped:
            counts = {kind: sum(1 for n in stopped if n["status"] == kind) for kind in ("cancelled", "exempt")}
            parts = "、".join(self.t("plan_changes", kind, count=count) for kind, count in counts.items() if count)
            projects = len({n["project_id"] for n in stopped})
            self.para(self.t("plan_changes", "excluded", parts=parts, projects=projects))
        by_since: dict[str, list[str]] = {}  # 本期起 / 自第N期起 -> the projects stopped since then
        for c in self.r.get("plan_changes", []):
            if c["seq"] is None:
                name = self.t("plan_changes", "project_stopped", name=c.get("project") or c["project_id"], type=c["type"])
                by_since.setdefault(self._since(c), []).append(name)
        for since, names in by_since.items():
            self.para(self.t("plan_changes", "projects_stopped", list="；".join(names), since=since))
        pending = {n["project_id"] for n in self.r.get("nodes", []) if n.get("status") == "pending"}
        if pending:
            self.para(self.t("plan_changes", "pending", count=len(pending)))

    def _since(self, change: dict[str, Any]) -> str:
        """From which period a change is in effect: this one, or the first cutoff on or after its approval."""
        if change.get("this_period"):
            return self.t("plan_changes", "since_now")
        approved = dt.date.fromisoformat(str(change["approved"])[:10])
        schedule = self.settings.schedule
        first = next((p for p in range(1, schedule.count + 1) if schedule.cutoff(p) >= approved), self.r["period"])
        return self.t("plan_changes", "since_now") if first >= self.r["period"] else self.t(
            "plan_changes", "since_period", n=first)

    def _node_targets(self) -> dict[tuple[str, int], tuple[str, Any]]:
        frame = self.data.node_detail
        if frame is None or frame.empty:
            return {}
        return {
            (str(pid), int(seq)): (clean(target), due)
            for pid, seq, target, due in zip(frame["project_id"].tolist(), frame["seq"].tolist(), frame["target"].tolist(),
                                              frame["due"].tolist())
        }

    def cards(self) -> None:
        carded = [u for u in self.units if u.get("yellow_card")]
        if not carded:
            self.para(self.t("cards", "none"))
            return
        order = {g: i for i, g in enumerate(self.groups)}
        carded.sort(key=lambda u: (order[u["group"]], u.get("rank") or 0))
        section = "score" if scored(self.r) else "cards"
        self.para(self.t(section, "cards_intro" if section == "score" else "intro", count=len(carded)))
        for n, u in enumerate(carded, start=1):
            red = self.t("cards", "item_red", red=u["red_projects"]) if u["red_projects"] else ""
            due, done = (u.get("period_due", 0), u.get("period_done", 0)) if self.by_period else (u["due"], u["done"])
            self.para(self.t(section, "card_item" if section == "score" else "item", n=n, unit=u["unit"],
                             group=u["group"], rate=pct(u[self.rate_key]), rank=u.get("rank") or "—", due=due,
                             missing=due - done, red=red, score=score_text(u, "—")))
        for tied in self._tied_cards(carded):  # each set of units tied at a group's card line
            names = join_names(u["unit"] for u in tied)
            same = {(u["group"], u.get("rank")) for u in tied}
            if len(same) == 1 and tied[0].get("rank") is not None:
                self.para(self.t("cards", "tie_rank", names=names, group=tied[0]["group"], rank=tied[0]["rank"]))
            else:
                self.para(self.t("cards", "tie", names=names))

    def _tied_cards(self, carded: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        """The units tied at the card line where more are carded than configured (SPEC §5): one
        list per pool (a group, or all units when the number is not set per group)."""
        cards = self.settings.rules.yellow_cards
        if isinstance(cards, tuple):
            pools = [(n, [u for u in carded if u["group"] == g]) for g, n in cards]
        else:
            pools = [(cards, carded)]

        measure = "score" if scored(self.r) else self.rate_key

        def key(u: dict[str, Any]) -> tuple[Any, ...]:
            return (-round(u[measure] or 0, 9), -u["ahead"], u["red_projects"])

        tied: list[list[dict[str, Any]]] = []
        for n, pool in pools:
            if len(pool) > n > 0:
                pool = sorted(pool, key=key)
                boundary = key(pool[len(pool) - n])
                tied.append([u for u in pool if key(u) == boundary])
        return tied

    def praised(self, unit: dict[str, Any]) -> bool:
        """A unit the briefing may praise: not warned (a score-ranked unit at 100% of its nodes can
        still be carded on its score), and one that sent its sheet (a unit listed as 未报送 and
        praised in the same briefing, as it keeps what it had done before, reads as a mistake)."""
        return unit["unit"] not in self.warned and unit.get("submitted", True) is not False

    def examples(self) -> None:
        sentences = []
        ranked = [u for u in self.units if u.get("rate") is not None and self.praised(u)]
        full = [u["unit"] for u in ranked if u["due"] and u["done"] == u["due"]]
        if full:
            sentences.append(self.t("examples", "full", names=join_names(full)))
        ahead = sorted((u for u in self.units if u.get("ahead") and self.praised(u)),
                       key=lambda u: -u["ahead"])
        if len(ahead) == 1:
            sentences.append(self.t("examples", "ahead_one", unit=ahead[0]["unit"], count=ahead[0]["ahead"]))
        elif ahead:
            items = [self.t("examples", "ahead_item", unit=u["unit"], count=u["ahead"]) for u in ahead]
            sentences.append(self.t("examples", "ahead", list="、".join(items), count=sum(u["ahead"] for u in ahead)))
        turned = [
            p["name"]
            for p in self.r.get("projects", [])
            if p["light"] == "green" and self.prev_projects.get(p["id"], {}).get("light") == "red"
        ]
        if turned:
            sentences.append(self.t("examples", "turned_green", names=join_names(turned)))
        risers = sorted((u for u in self.units if (u.get("rank_change") or 0) > 0 and self.praised(u)),
                        key=lambda u: -u["rank_change"])[:3]
        if risers:
            items = [self.t("examples", "riser_item", unit=u["unit"], n=u["rank_change"]) for u in risers]
            sentences.append(self.t("examples", "risers", list="、".join(items)))
        if sentences:
            self.para("".join(sentences))
        back = []
        if not self.r.get("evaluation"):  # at evaluation periods the yellow cards name them
            back = [u for group in self.groups for u in self.bottom.get(group, [])]
        key = "laggard_item_score" if scored(self.r) else "laggard_item"  # the measure the ranks rest on
        named = {u["unit"] for u in back}
        if back:
            items = [
                self.t("examples", key, unit=u["unit"], group=u["group"], rank=u["rank"], rate=pct(u[self.rate_key]),
                       score=score_text(u, "—"),
                       fell=self.t("examples", "fell", n=-u["rank_change"]) if (u.get("rank_change") or 0) < 0 else "")
                for u in back
            ]
            back_text = self.t("examples", "laggards", list="、".join(items))
        else:
            back_text = ""
        fallers = [u for u in self.fallers if u["unit"] not in named]  # a laggard's fall is said in its bracket
        if fallers:
            items = [self.t("examples", "faller_item", unit=u["unit"], n=-u["rank_change"]) for u in fallers]
            back_text += self.t("examples", "fallers", list="、".join(items))
        if back_text:
            self.para(back_text)
        if not sentences and not back_text:
            self.para(self.t("examples", "none"))

    def closing(self) -> None:
        for line in self.settings.report.closing.splitlines():
            if line.strip():
                self.para(line.strip())
