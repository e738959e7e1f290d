"""pagefit's estimates, on tables worked out by hand (the rendered pages are checked in test_pages)."""

from __future__ import annotations

from leitai.report.pagefit import CELL_MARGIN_PT, CELL_PT, TEXT_WIDTH_PT, em, header_lines, table_layout

LEADERBOARD = ["名次", "单位", "应完成节点", "已完成节点", "节点完成率", "提前完成节点", "名次变化", "亮红灯项目数"]


def test_headers_break_between_words_and_short_ones_stay_whole():
    assert header_lines("节点完成率") == ["节点", "完成率"]
    assert header_lines("提前完成节点") == ["提前", "完成节点"]
    assert header_lines("名次变化") == ["名次变化"]  # four ems: one line
    assert header_lines("名次变化", 2) == ["名次", "变化"]
    assert header_lines("综合得分", 2) == ["综合", "得分"]


def test_a_table_that_fits_keeps_its_four_em_headers_on_one_line():
    rows = [["1", "赤城街道", "15", "15", "100.0%", "3", "↑2", "0"]]
    lines, widths = table_layout(LEADERBOARD, rows, [10, 30, 20, 20, 21, 22, 18, 26], set())
    assert lines[6] == ["名次变化"] and abs(sum(widths) - TEXT_WIDTH_PT) < 0.01


def test_a_crowded_table_breaks_its_headers_before_a_unit_name_wraps():
    """The score-ranked leaderboard has a ninth column: with one-line 综合得分 and 名次变化 a unit of
    seven characters (县生态环境分局) would wrap; the headers break instead and the name fits."""
    headers = LEADERBOARD[:2] + ["综合得分"] + LEADERBOARD[2:]
    rows = [["5", "县生态环境分局", "100.00", "10", "10", "100.0%", "0", "↓2", "0"]]
    lines, widths = table_layout(headers, rows, [10, 26, 17, 17, 17, 20, 20, 18, 22], set())
    assert lines[2] == ["综合", "得分"] and lines[7] == ["名次", "变化"]
    assert widths[1] >= em("县生态环境分局") * CELL_PT + 2 * CELL_MARGIN_PT
    assert abs(sum(widths) - TEXT_WIDTH_PT) < 0.01
