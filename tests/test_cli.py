"""Every command in-process with click's CliRunner: exit codes and the exact messages."""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from builders import write_campaign
from leitai.cli import main

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ["demo", "init", "templates", "check", "run", "status", "history"]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0 and result.output.startswith("用法：")
    assert f"leitai {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lists_no_command_that_does_not_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(re.findall(r"`leitai ([a-z]+)", readme)) <= set(COMMANDS)
    assert sorted(main.commands) == sorted(COMMANDS)


def test_readme_starts_with_the_two_commands():
    lines = [line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[1:5] == ["```", "python3 scripts/dev.py demo", "python3 scripts/dev.py test", "```"]
    assert "python3 scripts/dev.py test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_init_then_run_says_what_to_do(tmp_path):
    folder = tmp_path / "我的 行动"
    result = invoke("init", str(folder))
    assert result.exit_code == 0 and "已创建" in result.output
    assert (folder / "campaign.toml").exists() and (folder / "plan.xlsx").exists()
    again = invoke("init", str(folder))
    assert again.exit_code == 1 and "已有 campaign.toml 或 plan.xlsx" in again.output
    # init made inputs/第01期/, but its cutoff is ahead: the clerk is told why and how to run early.
    result = invoke("run", "--campaign", str(folder))
    assert result.exit_code == 1 and "第1期的截止日期" in result.output and "还没到" in result.output
    assert "--period 1" in result.output
    result = invoke("run", "--campaign", str(folder), "--period", "1")
    assert result.exit_code == 1 and "没有任何表格" in result.output and "leitai templates --period 1" in result.output
    assert "Traceback" not in result.output


def test_init_for_a_city_office(tmp_path):
    result = invoke("init", str(tmp_path / "市"), "--level", "市")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "市" / "campaign.toml").read_text(encoding="utf-8")
    assert '\nlevel = "全市"' in text and '"县（市、区）" = 2, "市级部门" = 2' in text
    result = invoke("init", str(tmp_path / "州"), "--level", "州")
    assert result.exit_code == 1 and "层级 '州' 无效，可写：县、区、市、省、镇、乡" in result.output
    assert not (tmp_path / "州").exists()


def test_templates_check_run_status_history(tmp_path):
    folder = write_campaign(tmp_path / "c")
    result = invoke("templates", "--campaign", str(folder), "--period", "1")
    assert result.exit_code == 0, result.output
    made = sorted((folder / "outputs" / "templates" / "第01期").glob("*.xlsx"))
    assert [p.name for p in made] == sorted(f"{u}-第01期.xlsx" for u in ("甲街道", "乙镇", "县丙局", "县丁局"))

    inputs = folder / "inputs" / "第01期"
    inputs.mkdir(parents=True)
    for path in made[:3]:
        (inputs / path.name).write_bytes(path.read_bytes())
    result = invoke("check", "--campaign", str(folder), str(inputs))
    # untouched templates: accepted, but their overdue nodes have no stated reason
    assert result.exit_code == 2, result.output
    assert "共检查 3 个文件，可接收 3 个，发现问题 2 条" in result.output
    assert "乙镇-第01期.xlsx 进度填报 K4：节点计划2020年9月12日完成，已逾期未完成，但“存在问题”未写原因" in result.output

    result = invoke("status", "--campaign", str(folder), "--period", "1")
    assert result.exit_code == 0, result.output
    assert "已报送 3 个单位，未报送 1 个单位" in result.output

    result = invoke("history", "--campaign", str(folder))
    assert result.exit_code == 1 and "尚无历史记录" in result.output

    result = invoke("run", "--campaign", str(folder), "--period", "2")
    assert result.exit_code == 1 and "找不到第2期的输入文件夹" in result.output

    result = invoke("run", "--campaign", str(folder), "--period", "1")
    assert result.exit_code == 0, result.output
    assert "督查通报-第01期.docx" in result.output
    assert gc.isenabled()  # only the program itself (entry), which ends after the run, leaves it off
    assert (folder / "outputs" / "第01期" / "results.json").exists()
    assert (folder / "outputs" / "第01期" / "manifest.json").exists()

    result = invoke("history", "--campaign", str(folder))
    assert result.exit_code == 0 and "第1期" in result.output

    (folder / "inputs" / "第03期").mkdir()
    (folder / "inputs" / "第03期" / made[0].name).write_bytes(made[0].read_bytes())
    result = invoke("run", "--campaign", str(folder), "--period", "3")
    assert result.exit_code == 1 and "第2期尚未汇总" in result.output and "--force" in result.output


def test_check_reports_a_bad_file_and_exits_nonzero(tmp_path):
    folder = write_campaign(tmp_path / "c")
    bad = tmp_path / "乙镇-第01期.xlsx"
    bad.write_text("这不是表格", encoding="utf-8")
    result = invoke("check", "--campaign", str(folder), str(bad))
    assert result.exit_code == 2
    assert "乙镇-第01期.xlsx" in result.output


def test_bad_setting_names_the_key_and_the_accepted_values(tmp_path):
    folder = write_campaign(tmp_path / "c", rules='lights = "four"')
    result = invoke("run", "--campaign", str(folder), "--period", "1")
    assert result.exit_code == 1
    assert "[rules] lights 的值 'four' 无效，可选 'two' 或 'three'" in result.output


def test_missing_campaign_folder(tmp_path):
    result = invoke("run", "--campaign", str(tmp_path / "nowhere"))
    assert result.exit_code == 1 and "找不到攻坚行动文件夹" in result.output and "leitai init" in result.output


def test_demo_folder_is_a_campaign_for_history(demo_dir):
    result = invoke("history", "--campaign", str(demo_dir))
    assert result.exit_code == 0, result.output
    assert "第5期" in result.output and "85.0%" in result.output
    # in an 80-column terminal a period's row stays one line: its date and figures are never broken
    rows = [line for line in result.output.splitlines() if "第" in line and "期" in line and "│" in line]
    assert len(rows) == 5 and all(re.search(r"2020-\d\d-\d\d .*\d+\.\d% .* (30|29)/30", row) for row in rows), rows


def test_check_on_a_period_folder_reads_as_run_would(tmp_path):
    from builders import submit
    from leitai.campaign.plan import load_campaign

    folder = write_campaign(tmp_path / "c")
    campaign = load_campaign(folder)
    wrong = folder / "inputs" / "第04期"
    submit(campaign, 2, "甲街道", {("P01", 1): "2020-09-09"}, wrong)  # a period-2 sheet in period 4's folder
    result = invoke("check", "--campaign", str(folder), str(wrong))
    assert result.exit_code == 2 and "期次不符：表内为第2期，本次汇总第4期" in result.output
    single = invoke("check", "--campaign", str(folder), str(wrong / "甲街道-第02期.xlsx"))
    assert "期次不符" not in single.output  # one file on its own is checked against its own period


def test_run_without_period_says_when_a_newer_period_has_no_folder(tmp_path):
    from builders import submit
    from leitai.campaign.plan import load_campaign

    folder = write_campaign(tmp_path / "c")  # 2020 dates: every cutoff has passed
    submit(load_campaign(folder), 1, "甲街道", {("P01", 1): "2020-09-09"}, folder / "inputs" / "第01期")
    result = invoke("run", "--campaign", str(folder))
    assert result.exit_code == 0, result.output
    assert "注意：第2期截止日期已过，但还没有 inputs/第02期/ 文件夹，本次汇总的是第1期" in result.output


def test_check_on_nothing_says_so_and_fails(tmp_path):
    folder = write_campaign(tmp_path / "c")
    empty = tmp_path / "空文件夹"
    empty.mkdir()
    result = invoke("check", "--campaign", str(folder), str(empty))
    assert result.exit_code == 1 and "没有可检查的表格" in result.output


@pytest.mark.parametrize(("args", "said"), [
    (["run", "--periods", "3"], "没有选项 --periods，是否想用 --period"),
    (["run", "--period"], "选项 --period 后面需要填一个值"),
    (["run", "--period", "x"], "--period 的值“x”无效：应为整数"),
    (["run", "--strict=1"], "选项 --strict 不需要填值"),
    (["nosuch"], "没有命令 nosuch"),
    (["check"], "缺少要检查的表格文件或文件夹"),
    (["check", "/nowhere/at/all"], "找不到 /nowhere/at/all"),
    (["status", "--campaign", "README.md"], "--campaign 应为文件夹"),
    (["run", "--period", "2", "extra"], "多余的参数“extra”"),
    (["init"], "缺少参数 文件夹"),
])
def test_every_usage_error_is_said_in_chinese(args, said, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, args, prog_name="leitai")
    assert result.exit_code == 2, result.output
    line = result.output.strip().splitlines()[-1]
    assert said in line and line.startswith("错误：") and line.endswith("--help")
    said_back = line.split("用法见")[0]  # then: the command path and --help
    english = re.sub(r"--?[a-z-]+|[A-Z]+|README\.md|/nowhere/at/all|nosuch|extra|x\b|" + "|".join(COMMANDS), "",
                     said_back)
    assert not re.search(r"[A-Za-z]{3,}", english), line  # no English words left


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_is_in_chinese_and_aligned(command):
    """No English of click's own (Usage, Options, DIRECTORY, default, required) in any --help, and
    the descriptions of a list begin in one column although the option names hold Chinese."""
    from leitai.clihelp import cells as _cells

    result = CliRunner().invoke(main, [*([command] if command else []), "--help"], prog_name="leitai",
                                terminal_width=80)
    assert result.exit_code == 0
    english = re.sub(r"--?[a-z-]+|leitai|campaign\.toml|plan\.xlsx|seeds|inputs|outputs|templates|NN|"
                     + "|".join(COMMANDS), "", result.output)
    assert not re.search(r"[A-Za-z]{3,}", english), result.output
    for heading in ("选项：", "命令："):  # each description starts in the list's one column
        block = result.output.split(heading, 1)[1].split("\n\n", 1)[0].splitlines() if heading in result.output else []
        columns = {_cells(m.group(1)) for line in block if (m := re.match(r"(\s+\S.*?\s{2,})\S", line))}
        columns |= {_cells(m.group(1)) for line in block if (m := re.match(r"(\s{4,})\S", line))}  # wrapped lines
        assert len(columns) <= 1, result.output
    assert all(_cells(line) <= 80 for line in result.output.splitlines()), result.output


def test_leitai_alone_prints_the_help():
    result = invoke()
    assert result.exit_code == 0 and "用法：" in result.output and "错误" not in result.output


def test_status_names_the_office_override_file(tmp_path):
    from builders import submit, write_overrides
    from leitai.campaign.plan import load_campaign

    folder = write_campaign(tmp_path / "c")
    campaign = load_campaign(folder)
    inputs = folder / "inputs" / "第01期"
    submit(campaign, 1, "甲街道", {("P01", 1): "2020-09-09"}, inputs)
    write_overrides(inputs / "核定.xlsx", [("P01", 1, "已完成", "2020-09-09", "核实")])
    result = invoke("status", "--campaign", str(folder), "--period", "1")
    line = next(line for line in result.output.splitlines() if "核定.xlsx" in line)
    assert "办公室核定表" in line and "未识别" not in line


def test_status_names_the_office_points_file(tmp_path):
    import openpyxl

    from builders import submit
    from leitai.campaign.plan import load_campaign

    folder = write_campaign(tmp_path / "c")
    inputs = folder / "inputs" / "第01期"
    submit(load_campaign(folder), 1, "甲街道", {("P01", 1): "2020-09-09"}, inputs)
    book = openpyxl.Workbook()
    book.active.append(["单位", "分值", "事由"])
    book.active.append(["甲街道", 2, "经验被推广"])
    book.save(inputs / "加减分.xlsx")
    result = invoke("status", "--campaign", str(folder), "--period", "1")
    line = next(line for line in result.output.splitlines() if "加减分.xlsx" in line)
    assert "（加减分表）" in line and "核定表" not in line and "未识别" not in line
