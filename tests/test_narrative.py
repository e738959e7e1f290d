"""The briefing's content as data: what is said, tested without a .docx (narrative.build_content)."""

from __future__ import annotations

from test_briefing import briefing_input

from leitai.report.briefing import load_wording
from leitai.report.content import Figure, Paragraph, Table
from leitai.report.narrative import build_content


def test_content_is_sections_of_typed_blocks() -> None:
    content = build_content(briefing_input(), load_wording())
    assert [s.key for s in content.sections] == ["overall", "ranking", "lights", "cards", "examples", "outlook",
                                                        "closing"]
    assert [s.title for s in content.sections][:2] == ["总体情况", "擂台赛排名"]
    assert content.issuer == "测试县百日攻坚行动指挥部办公室" and content.issue == "第5期"
    assert content.number == "测攻坚办〔2020〕5号" and content.date == "2020年11月9日"
    ranking = content.sections[1]
    assert [b.text for b in ranking.blocks if isinstance(b, Paragraph) and b.style == "h2"] == [
        "（一）乡镇（街道）", "（二）县级部门"]
    town = next(b for b in ranking.blocks if isinstance(b, Table))
    assert town.rows[0] == ("1", "赤城街道", "12", "12", "100.0%", "3", "↑2", "0")
    assert town.fills[0][7] == "green" and town.fills[1][7] == "red"
    assert [a.label for a in content.attachments] == ["附件1", "附件2", "附件3", "附件4"]
    assert content.attachment_list[0] == "附件：1．各单位节点完成明细（到期及已完成节点）"
    assert content.attachments[2].landscape and not content.attachments[0].landscape
    assert content.signature == ("测试县百日攻坚行动指挥部办公室", "2020年11月9日")
    assert content.record[-1] == "测试县百日攻坚行动指挥部办公室\t2020年11月9日印发"


def test_figures_are_numbered_in_order_and_only_with_a_chart(tmp_path) -> None:
    content = build_content(briefing_input(charts={"category": tmp_path / "c.png", "units_县级部门": tmp_path / "u.png"}),
                            load_wording())
    figures = [b for s in content.sections for b in s.blocks if isinstance(b, Figure)]
    assert [(f.chart, f.caption) for f in figures] == [
        ("category", "图1　各板块节点完成率"), ("units_县级部门", "图2　县级部门各单位节点完成率")]


def test_content_is_pure() -> None:
    data = briefing_input()
    assert build_content(data, load_wording()) == build_content(data, load_wording())


def test_a_red_project_of_a_unit_that_did_not_submit_says_so() -> None:
    """A missing unit's red project: its reason column says the unit did not submit, not that it
    gave no reason; the total names it 未报送, not 未按时报送 (district review)."""
    from test_briefing import briefing_input

    from leitai.report.briefing import load_wording
    from leitai.report.content import Table
    from leitai.report.narrative import build_content

    content = build_content(briefing_input(), load_wording())  # 县交通局 did not submit; P04 is its red project
    lights = next(s for s in content.sections if s.key == "lights")
    rows = next(b for b in lights.blocks if isinstance(b, Table)).rows
    assert next(r for r in rows if r[2] == "县交通局")[5] == "本期未报送"
    assert next(r for r in rows if r[2] == "福溪街道")[5] == "未说明原因"
    assert "县交通局未报送（见附件2）" in content.text() and "未按时报送" not in content.text()


def test_a_laggard_that_fell_is_named_once_with_its_fall() -> None:
    """Outside evaluation periods the last of each group is named 排名靠后; one that also fell has its
    fall in the same bracket, and is not named again under 名次下滑 (office review)."""
    content = build_content(briefing_input(evaluation=False), load_wording())
    text = content.text()
    assert "县自然资源局（完成率71.4%，组内第3名，下降1位）" in text and "始丰街道（完成率72.7%，组内第3名）" in text
    assert "福溪街道（下降1位）名次下滑" in text and "县自然资源局（下降1位）" not in text


def test_a_score_ranked_laggard_is_named_by_its_score() -> None:
    from dataclasses import replace

    from test_briefing import results

    r = results(5, evaluation=False)
    for n, u in enumerate(r["units"]):
        u["score"] = None if u["rate"] is None else round(u["rate"] * 100 - n, 2)
        u["score_parts"] = {}
    data = briefing_input(evaluation=False, results=r)
    data = replace(data, settings=replace(data.settings, rules=replace(data.settings.rules, rank_by="score")))
    text = build_content(data, load_wording()).text()
    late = next(u for u in r["units"] if u["unit"] == "始丰街道")
    assert f"始丰街道（综合得分{late['score']:.2f}分，组内第3名）" in text


def test_the_overview_speaks_of_the_whole_as_the_office_does() -> None:
    """截至…，全县N个攻坚项目（工作）…: the office's whole (全县, 全区 …) in the first figure it gives."""
    data = briefing_input()
    text = build_content(data, load_wording()).text()
    projects = len(data.results["projects"])
    assert f"截至2020年11月9日，{data.settings.campaign.whole}{projects}个攻坚项目（工作）应完成节点" in text
    assert data.settings.campaign.whole == "全县"


def test_a_unit_carded_on_its_score_or_not_heard_from_is_not_praised() -> None:
    """A 市 review: ranked by score, a unit at 100% of its nodes was carded (its investment lagged)
    and praised 到期节点全部完成 in the same briefing; a unit that sent nothing (listed as 未报送) was
    praised for the nodes it had done before, and for its rise in rank."""
    from dataclasses import replace

    from test_briefing import results

    r = results(5, evaluation=True)
    units = {u["unit"]: u for u in r["units"]}
    units["县经信局"].update(yellow_card=True)  # 8 of 8 nodes, carded on its score
    units["县交通局"].update(done=9, rate=1.0, rank_change=2)  # did not submit (briefing_input's missing unit)
    for n, u in enumerate(r["units"]):
        u["score"] = None if u["rate"] is None else round(u["rate"] * 100 - 10 * n, 2)
        u["score_parts"] = {}
    data = briefing_input(evaluation=True, results=r)
    data = replace(data, settings=replace(data.settings, rules=replace(data.settings.rules, rank_by="score")))
    content = build_content(data, load_wording())
    examples = next(s for s in content.sections if s.key == "examples").blocks[0].text
    assert examples.startswith("赤城街道到期节点全部完成")
    assert "县经信局" not in examples and "县交通局" not in examples
    assert "县经信局，综合得分" in "".join(b.text for b in next(s for s in content.sections if s.key == "cards").blocks)


def test_a_unit_not_ranked_shows_no_score() -> None:
    """Ranked by score, a unit with nothing due (暂不参与排名) still has a score of its investment
    part (30.71 in a 市 review), which the leaderboards showed beside its 不排名: none now."""
    from dataclasses import replace

    from test_briefing import results

    from leitai.report.xlsxout import leaderboard_workbook

    r = results(5, evaluation=False)
    for n, u in enumerate(r["units"]):
        u["score"] = 30.71 if u["unit"] == "县统计局" else round((u["rate"] or 0) * 100 - n, 2)
        u["score_parts"] = {}
    data = briefing_input(evaluation=False, results=r)
    data = replace(data, settings=replace(data.settings, rules=replace(data.settings.rules, rank_by="score")))
    ranking = next(s for s in build_content(data, load_wording()).sections if s.key == "ranking")
    rows = [row for b in ranking.blocks if isinstance(b, Table) for row in b.rows]
    assert next(row for row in rows if row[1] == "县统计局")[:3] == ("—", "县统计局", "—")
    assert next(row for row in rows if row[1] == "县经信局")[2] == f"{r['units'][3]['score']:.2f}"
    sheet = leaderboard_workbook(r, "擂台榜（第5期）").worksheets[1]
    row = next([c.value for c in cells] for cells in sheet.iter_rows(min_row=3) if cells[1].value == "县统计局")
    assert row[:3] == ["不排名", "县统计局", "—"]
    score = next(cells[2] for cells in sheet.iter_rows(min_row=3) if cells[1].value == "县经信局")
    assert score.number_format == "0.00"  # 100.00 as the briefing gives it, not 100


def test_ranked_by_this_periods_nodes_the_briefing_says_so() -> None:
    """A 区 review (rank_by = "period"): the table showed cumulative counts beside ranks made on this
    period's nodes, and "各单位到期节点全部完成" stood above a unit at 66.7% with a red project (not
    ranked: nothing due this period). Now the table gives this period's nodes, its rate and the
    cumulative one, and the sentences, cards and laggards name 本期节点完成率."""
    from dataclasses import replace

    from test_briefing import results

    r = results(5, evaluation=True)
    period = {"赤城街道": (3, 3), "福溪街道": (4, 2), "始丰街道": (2, 0), "县经信局": (2, 2), "县交通局": (2, 1),
              "县自然资源局": (0, 0), "县统计局": (0, 0)}
    for u in r["units"]:
        u["period_due"], u["period_done"] = period[u["unit"]]
        u["period_rate"] = u["period_done"] / u["period_due"] if u["period_due"] else None
    ranks = {"赤城街道": 1, "福溪街道": 2, "始丰街道": 3, "县经信局": 1, "县交通局": 2, "县自然资源局": None, "县统计局": None}
    for u in r["units"]:
        u["rank"], u["yellow_card"] = ranks[u["unit"]], u["unit"] == "始丰街道"
    data = briefing_input(evaluation=True, results=r)
    data = replace(data, settings=replace(data.settings, rules=replace(data.settings.rules, rank_by="period")))
    content = build_content(data, load_wording())
    ranking = next(s for s in content.sections if s.key == "ranking")
    said = "".join(b.text for b in ranking.blocks if isinstance(b, Paragraph))
    assert "乡镇（街道）中，赤城街道本期节点完成率最高，为100.0%，位列第一。始丰街道排名末位，本期节点完成率0.0%。" in said
    assert "县级部门中，县经信局本期节点完成率最高" in said and "县自然资源局、县统计局本期无到期节点，暂不参与排名" in said
    table = [b for b in ranking.blocks if isinstance(b, Table)][1]
    assert table.headers[2:6] == ("本期应完成节点", "本期已完成节点", "本期完成率", "累计完成率")
    assert next(row for row in table.rows if row[1] == "县自然资源局")[2:6] == ("0", "0", "—", "71.4%")
    cards = next(s for s in content.sections if s.key == "cards").text()
    assert "以下1个单位本期节点完成率排名末位" in cards
    assert "始丰街道，本期节点完成率0.0%，在乡镇（街道）中排第3名；本期应完成节点2个，未完成2个" in cards


def test_a_unit_ranked_last_for_not_reporting_is_said_to_be() -> None:
    """no_submission = "rank_last": a unit that sent nothing stands last whatever its rate; the
    briefing says why (a 区 review read a unit at 100% ranked below one at 50%, with no word)."""
    from dataclasses import replace

    data = briefing_input(evaluation=False)  # 县交通局 did not submit
    data = replace(data, settings=replace(data.settings, rules=replace(data.settings.rules, no_submission="rank_last")))
    text = build_content(data, load_wording()).text()
    assert "县交通局本期未报送，按擂台赛规则排在本组末位。" in text and "未报送单位按已掌握的完成情况计算" not in text
    assert "按擂台赛规则排在本组末位" not in build_content(briefing_input(evaluation=False), load_wording()).text()
