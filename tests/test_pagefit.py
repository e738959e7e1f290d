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


def test_merged_cells_are_measured_once_per_run():
    """A project's name merged down its nodes' rows is drawn once: the rows are as tall as their own
    cells, and a name taller than its run lengthens the run's last row only."""
    from leitai.report.pagefit import merged_heights, row_height

    widths = [60.0, 40.0, 120.0]  # 单位, 项目 (narrow: a long name takes three lines), 节点目标
    name = "某某区块征迁安置房建设工程"  # 13 ems in a 40 pt column
    rows = [["甲街道", name, f"节点{n}"] for n in range(1, 6)]
    heights, reopened = merged_heights(rows, widths, [0, 1])
    one_line = row_height(["", "", "节点1"], widths)
    assert heights == [one_line] * 5  # five rows hold the name with room to spare
    assert reopened == row_height([name], [40.0]) - one_line > 0  # a part opening mid-run writes it out again
    short = merged_heights(rows[:1] + [["乙镇", name, "节点1"]], widths, [0, 1])[0]
    assert short[0] == short[1] == row_height([name], [40.0])  # a run of one row is as tall as the name
    repeated = [row_height(row, widths) for row in rows]  # measuring the name in every row
    assert sum(repeated) > 2 * sum(heights)


def test_pager_breaks_a_paragraph_as_a_renderer_does():
    """Whole lines on a page, two at least either side of a break (LibreOffice's and Word's widow and
    orphan control): a three-line paragraph with room for one line moves whole, leaving the foot
    empty, where ``flow`` counted a line and a half there and put every later block too high."""
    from leitai.report.pagefit import Pager

    line = 28.95
    pager = Pager()
    pager.y = pager.height - 1.5 * line  # room for one line
    pager.lines(3, line)
    assert (pager.page, pager.y) == (2, 3 * line)
    pager = Pager()
    pager.y = pager.height - 3.2 * line  # room for three: a four-line paragraph leaves two
    pager.lines(4, line)
    assert (pager.page, round(pager.y, 2)) == (2, round(2 * line, 2))
    pager = Pager()
    pager.y = pager.height - 3.2 * line  # room for three: a five-line one leaves three and carries two
    pager.lines(5, line)
    assert (pager.page, round(pager.y, 2)) == (2, round(2 * line, 2))
    pager = Pager()
    pager.lines(50, line)  # 22 lines a page, at a page's top it must break
    assert (pager.page, round(pager.y, 2)) == (3, round(6 * line, 2))
    pager = Pager()
    pager.y = 100.0
    pager.lines(2, line)  # fits: as flow
    assert (pager.page, pager.y) == (1, 100 + 2 * line)
