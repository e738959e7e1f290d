"""Every entry of an input folder is accounted for: odd names, links, pipes, subfolders, wrong file names."""

from __future__ import annotations

import os
import sys

import pytest
from click.testing import CliRunner

from builders import submit, write_campaign
from leitai.campaign.plan import load_campaign
from leitai.cli import main
from leitai.intake.folder import check_files, read_inputs
from leitai.intake.folderscan import display_name, printable

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX names, links and pipes")


@pytest.fixture()
def campaign(tmp_path):
    return load_campaign(write_campaign(tmp_path / "c"))


def by_file(intake):
    return {r.file: r for r in intake.files}


@posix_only
def test_a_name_that_is_not_utf8_is_read_as_gbk(campaign, tmp_path):
    inbox = campaign.folder / "inputs" / "第01期"
    good = submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, inbox)
    raw = os.fsencode(inbox) + b"/" + "乙镇-第01期.xlsx".encode("gbk")  # a Windows zip unpacked on Linux
    submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-12"}, tmp_path, name="x.xlsx").rename(os.fsdecode(raw))
    intake = read_inputs(inbox, campaign, 1)
    records = by_file(intake)
    assert records["乙镇-第01期.xlsx"].status == "accepted" and records["乙镇-第01期.xlsx"].unit == "乙镇"
    assert good.name in records and intake.submitted_units == {"甲街道", "乙镇"}
    assert any(p.code == "file_name_encoding" and p.file == "乙镇-第01期.xlsx" for p in intake.problems)
    assert set(intake.reports["file"]) == {good.name, "乙镇-第01期.xlsx"}
    # the whole run and status go through it, and the manifest names it as text
    result = CliRunner().invoke(main, ["run", "--campaign", str(campaign.folder), "--period", "1"])
    assert result.exit_code == 0, result.output
    manifest = (campaign.folder / "outputs" / "第01期" / "manifest.json").read_text(encoding="utf-8")
    assert "乙镇-第01期.xlsx" in manifest
    status = CliRunner(env={"COLUMNS": "400"}).invoke(main, ["status", "--campaign", str(campaign.folder), "--period", "1"])
    assert status.exit_code == 0 and "乙镇-第01期.xlsx" in status.output


def test_names_lose_their_control_characters():
    assert display_name("甲\x1b[31m街道.xlsx") == "甲?[31m街道.xlsx"
    assert printable("a\u202eb\x07") == "a?b?"
    assert display_name(os.fsdecode("乙镇".encode("gbk"))) == "乙镇"


@posix_only
def test_links_pipes_and_subfolders_are_listed_as_skipped(campaign, tmp_path):
    inbox = campaign.folder / "inputs" / "第01期"
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, inbox)
    outside = submit(campaign, 1, "乙镇", {("P02", 1): "2020-09-12"}, tmp_path / "elsewhere")
    (inbox / "乙镇-第01期.xlsx").symlink_to(outside)                      # leads outside: not read
    (inbox / "悬空.xlsx").symlink_to(tmp_path / "gone.xlsx")             # dangling
    (inbox / "文件夹链接").symlink_to(tmp_path / "elsewhere")            # a link to a folder
    submit(campaign, 1, "县丙局", {("P03", 1): "2020-09-14"}, inbox / "县丙局")  # a sheet in a subfolder
    os.mkfifo(inbox / "管道.xlsx")                                      # would block a reader
    inside = submit(campaign, 1, "县丁局", {("P04", 1): "2020-09-20"}, inbox, name="原件.xlsx")
    (inbox / "县丁局-第01期.xlsx").symlink_to(inside)                   # inside the folder: read as the file
    intake = read_inputs(inbox, campaign, 1)
    records = by_file(intake)
    assert intake.submitted_units == {"甲街道", "县丁局"}
    reasons = {name: records[name].reason for name in ("乙镇-第01期.xlsx", "悬空.xlsx", "文件夹链接", "县丙局", "管道.xlsx")}
    assert all(records[n].status == "skipped" for n in reasons)
    assert "输入文件夹以外" in reasons["乙镇-第01期.xlsx"] and "不存在" in reasons["悬空.xlsx"]
    assert "文件夹" in reasons["文件夹链接"] and "子文件夹（内有 1 项）" in reasons["县丙局"]
    assert "管道" in reasons["管道.xlsx"]
    assert sum(p.code == "file_skipped" for p in intake.problems) == 5
    # check on the folder accounts for them the same way
    checked = check_files([inbox], campaign, period=1)
    assert {r.file for r in checked.files} == set(records)
    result = CliRunner(env={"COLUMNS": "400"}).invoke(main, ["status", "--campaign", str(campaign.folder), "--period", "1"])
    assert result.exit_code == 0 and "输入文件夹以外" in result.output and "管道" in result.output


def test_a_file_name_naming_another_unit_is_a_problem_naming_both(campaign):
    inbox = campaign.folder / "inputs" / "第01期"
    submit(campaign, 1, "县丙局", {("P03", 1): "2020-09-14"}, inbox, name="甲街道-第01期.xlsx")
    intake = read_inputs(inbox, campaign, 1)
    assert intake.submitted_units == {"县丙局"}  # the sheet's own identity wins
    found = [p for p in intake.problems if p.code == "unit_name_mismatch"]
    assert len(found) == 1 and "甲街道" in found[0].message and "县丙局" in found[0].message
    assert found[0].severity == "warning"
    result = CliRunner(env={"COLUMNS": "400"}).invoke(main, ["status", "--campaign", str(campaign.folder), "--period", "1"])
    assert "文件名是“甲街道”，表内填报单位却是“县丙局”" in result.output


def test_terminal_output_carries_no_escape_sequences(campaign):
    inbox = campaign.folder / "inputs" / "第01期"
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-10"}, inbox, name="甲街道\x1b]0;pwned\x07-第01期.xlsx")
    for args in (["status", "--period", "1"], ["run", "--period", "1"], ["check", str(inbox)]):
        result = CliRunner(env={"COLUMNS": "400"}).invoke(main, [args[0], "--campaign", str(campaign.folder), *args[1:]])
        assert "\x1b" not in result.output and "\x07" not in result.output, args
        assert "甲街道?]0;pwned?-第01期.xlsx" in result.output or args[0] != "status"
