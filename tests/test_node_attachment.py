"""A long node attachment is cut to what a reader needs; the full list goes to a workbook (issue 18)."""

from __future__ import annotations

import json
import shutil

import python_calamine
from docx import Document

from leitai.campaign.plan import load_campaign
from leitai.pipeline import run_period, seeds_folder
from leitai.report import content


def test_above_the_limit_the_attachment_lists_the_overdue_and_this_periods_nodes(tmp_path, monkeypatch):
    folder = tmp_path / "c"
    shutil.copytree(seeds_folder(), folder)
    campaign = load_campaign(folder)
    for period in (1, 2):
        run_period(campaign, period)
    monkeypatch.setattr(content, "NODE_ROWS_LIMIT", 100)
    result = run_period(campaign, 3)

    book_path = result.out_dir / "节点明细-第03期.xlsx"
    assert book_path in result.outputs and book_path.is_file()
    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert "节点明细-第03期.xlsx" in [o["file"] for o in manifest["outputs"]]
    sheet = python_calamine.CalamineWorkbook.from_path(str(book_path)).get_sheet_by_name("节点明细").to_python()
    listed = sheet[2:]
    assert sheet[1][:4] == ["单位", "项目编号", "项目", "节点"] and len(listed) > 100

    def attachment_rows(briefing):
        """Data rows of the node attachment, which the layout cuts into page-sized tables (each with its header)."""
        tables = [t for t in Document(str(briefing)).tables
                  if [c.text for c in t.rows[0].cells][-1:] == ["完成情况"] and t.rows[0].cells[0].text == "单位"]
        return sum(len(t.rows) - 1 for t in tables)

    since = campaign.settings.schedule.cutoff(2)
    overdue = [r for r in listed if r[7] == "逾期未完成"]
    overdue_or_new = [r for r in listed if r[7] == "逾期未完成" or str(r[5])[:10] > since.isoformat()]
    assert len(overdue) < len(overdue_or_new) <= 100
    assert attachment_rows(result.briefing) == len(overdue_or_new)
    text = "\n".join(p.text for p in Document(str(result.briefing)).paragraphs)
    assert f"逾期未完成及本期到期节点明细（全部{len(listed)}个到期及已完成节点见节点明细-第03期.xlsx）" in text

    monkeypatch.setattr(content, "NODE_ROWS_LIMIT", len(overdue_or_new) - 1)  # even those too many: the overdue
    result = run_period(campaign, 3)
    assert attachment_rows(result.briefing) == len(overdue)
    text = "\n".join(p.text for p in Document(str(result.briefing)).paragraphs)
    assert f"各单位逾期未完成节点明细（全部{len(listed)}个" in text

    monkeypatch.setattr(content, "NODE_ROWS_LIMIT", 600)  # the same period uncut: the workbook's rows, no more
    assert attachment_rows(run_period(campaign, 3).briefing) == len(listed)
    assert not book_path.exists()


def test_below_the_limit_nothing_changes(tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(seeds_folder(), folder)
    result = run_period(load_campaign(folder), 1)
    assert not (result.out_dir / "节点明细-第01期.xlsx").exists()
    assert "节点明细" not in "\n".join(p.text for p in Document(str(result.briefing)).paragraphs)
