"""The command line: each command parses options, calls one library function, prints.

Failures (``LeitaiError``) become one line of Chinese and exit code 1; ``--debug`` shows
the traceback. Data problems are reported, not fatal, unless ``--strict``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

import click

from . import __version__
from .clihelp import Command, Context, option
from .errors import LeitaiError

CAMPAIGN_OPTION = option(
    "--campaign", "campaign_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    metavar="文件夹", show_default="当前文件夹", help="攻坚行动文件夹（含 campaign.toml 与 plan.xlsx）")


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    # Markup off: unit and file names may contain [brackets]; style is applied explicitly.
    return Console(stderr=stderr, highlight=False, soft_wrap=True, markup=False)


def _fail(message: str) -> None:
    from rich.markup import escape

    from .intake.folderscan import printable

    _console(stderr=True).print(f"[bold red]错误：[/]{escape(printable(runnable(message)))}", markup=True)


_LEITAI_WORD = re.compile(r"(?<![\w/\\.-])leitai (?=-?-?[a-z])")


def program() -> str:
    """How to type leitai in this shell: ``leitai`` when that is this installation on PATH, else its script's path.

    After ``python3 scripts/dev.py demo`` the script is .venv/bin/leitai and nothing is on PATH,
    so the commands leitai suggests are printed as ``.venv/bin/leitai …``, which runs as printed.
    """
    import os
    import shutil

    script = Path(sys.executable).parent / ("leitai.exe" if os.name == "nt" else "leitai")
    found = shutil.which("leitai")
    if not script.exists() or (found and Path(found).resolve() == script.resolve()):
        return "leitai"
    try:
        shown = script.relative_to(Path.cwd())
    except ValueError:
        shown = script
    return _quoted(shown)


def runnable(text: str) -> str:
    """``text`` with every suggested ``leitai …`` command written as it can be run here."""
    name = program()
    return text if name == "leitai" else _LEITAI_WORD.sub(lambda _: f"{name} ", text)


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn LeitaiError into one clear line and exit 1 (traceback only with --debug)."""
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LeitaiError as exc:
            if _debug():
                raise
            _fail(str(exc))
            sys.exit(1)
        except KeyboardInterrupt:
            _fail("已中断：台账和输出保持为中断前的样子（或已完整更新），不会留下半个文件")
            sys.exit(130)
        except Exception as exc:  # noqa: BLE001 - anything unforeseen is still one line without --debug
            if _debug():
                raise
            _fail(_unforeseen(exc))
            sys.exit(1)
    return wrapper


def _unforeseen(exc: Exception) -> str:
    """One line for a failure leitai did not name itself: the cause when it is the system's."""
    import sqlite3

    from .errors import os_reason, sqlite_reason

    if isinstance(exc, OSError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        return f"无法完成操作{where}（{os_reason(exc)}）：请检查文件夹权限和磁盘空间后重新运行"
    if isinstance(exc, sqlite3.Error):
        return f"历史台账出错（{sqlite_reason(exc)}）：请检查磁盘空间和权限后重新运行"
    return f"程序内部错误（{type(exc).__name__}）：请加 --debug 重新运行，把显示的信息发给维护人员"


def _debug() -> bool:
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and root.params.get("debug"))


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[int, int, str], None]]:
    """A rich progress bar fed by the library's progress(done, total, label) callback."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not enabled:
        yield lambda done, total, label: None
        return
    import time

    # No refresh thread (auto_refresh off): the library may fork worker processes, which is
    # only safe in a single-threaded process. The bar is redrawn from the callback instead.
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=_console(stderr=True), transient=True, auto_refresh=False)
    tasks: dict[str, Any] = {}
    drawn = [0.0]

    def update(done: int, total: int, label: str) -> None:
        stage = label.split("：")[0]  # one bar per stage, however many files it counts
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total)
        bar.update(tasks[stage], completed=done, total=total, description=label[:40])
        now = time.monotonic()
        if now - drawn[0] > 0.1 or done >= total:
            bar.refresh()
            drawn[0] = now

    with bar:
        yield update


COMMANDS = "demo、init、templates、check、run、status、history"

# Click's English usage messages (8.x wordings), said in Chinese; the exception's fields come first.
_USAGE = [
    (r"Missing argument '文件或文件夹...'", "缺少要检查的表格文件或文件夹"),
    (r"Missing argument '([^']+)'", "缺少参数 {0}"),
    (r"Missing option '([^']+)'", "缺少选项 {0}"),
    (r"Missing command", f"缺少命令（可用：{COMMANDS}）"),
    (r"Missing parameter: (\S+)", "缺少参数 {0}"),
    (r"No such command '([^']+)'", f"没有命令 {{0}}（可用：{COMMANDS}）"),
    (r"Option '([^']+)' requires an argument", "选项 {0} 后面需要填一个值"),
    (r"Option '([^']+)' requires (\d+) arguments", "选项 {0} 后面需要填 {1} 个值"),
    (r"Option '([^']+)' does not take a value", "选项 {0} 不需要填值"),
    (r"Got unexpected extra arguments? \((.+)\)", "多余的参数“{0}”：路径中有空格时请整体加英文双引号"),
    (r"Argument '([^']+)' takes (\d+) values", "参数 {0} 需要 {1} 个值"),
    (r"Invalid value for '([^']+)': '(.*)' is not a valid integer", "{0} 的值“{1}”无效：应为整数，如 5"),
    (r"Invalid value for '([^']+)': (.+) is not in the range", "{0} 的值“{1}”超出允许范围"),
    (r"Invalid value for '([^']+)': \w+ '(.+)' does not exist",
     "找不到 {1}：请检查路径是否正确（路径中有空格时请整体加英文双引号）"),
    (r"Invalid value for '([^']+)': \w+ '(.+)' is a file", "{0} 应为文件夹，“{1}”是一个文件"),
    (r"Invalid value for '([^']+)': \w+ '(.+)' is a directory", "{0} 应为文件，“{1}”是一个文件夹"),
    (r"Invalid value for '([^']+)': \w+ '(.+)' is not (?:readable|writable|executable)",
     "“{1}”无法访问：请检查文件权限"),
    (r"Invalid value for '([^']+)'", "{0} 的值无效"),
    (r"Path '(.+)' does not exist", "找不到 {0}：请检查路径是否正确（路径中有空格时请整体加英文双引号）"),
]


def _usage_message(exc: click.UsageError) -> str:
    """Click's usage errors, said wholly in Chinese with the way to get help."""
    if isinstance(exc, click.NoSuchOption):
        close = sorted(exc.possibilities or ())
        text = f"没有选项 {exc.option_name}" + (f"，是否想用 {'、'.join(close)}" if close else "")
    else:
        english = exc.format_message()
        text = next((template.format(*match.groups()) for pattern, template in _USAGE
                     if (match := re.search(pattern, english))), "命令行的写法有误")
    command = exc.ctx.command_path if exc.ctx else "leitai"
    return f"{text}。用法见 {command} --help"


class _Group(click.Group):
    context_class = Context
    command_class = Command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # `leitai` alone: the help, not an error
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except click.UsageError as exc:
            _fail(_usage_message(exc))
            sys.exit(2)
        except click.exceptions.Abort:
            _fail("已取消")
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]}, options_metavar="[选项]",
             subcommand_metavar="命令 [参数]...")
@click.version_option(__version__, "-V", "--version", prog_name="leitai", help="显示版本号并退出")
@click.help_option("-h", "--help", help="显示本帮助并退出")
@option("--debug", is_flag=True, help="出错时显示完整的技术信息（供开发人员排查）")
def main(debug: bool) -> None:
    """擂台（leitai）：汇总各单位进度填报表，计算节点完成率、亮灯与擂台榜，生成督查通报。"""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")  # a GBK console must never crash the output


@main.command()
@click.help_option("-h", "--help", help="显示本帮助并退出")
@option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("outputs/demo"),
        metavar="文件夹", show_default=True, help="输出文件夹")
@friendly
def demo(out_dir: Path) -> None:
    """用自带的示例行动（seeds/）逐期汇总，生成各期通报。"""
    from .pipeline import run_demo

    with progress_bar() as progress:
        runs = run_demo(out_dir, progress=progress)
    last = runs[-1]
    _summary(last)
    _console().print(f"示例已完成：共汇总 {len(runs)} 期。最新一期督查通报：{last.briefing}", style="bold")
    _console().print(f"各期概况：{program()} history --campaign {_quoted(out_dir)}")


@main.command()
@click.help_option("-h", "--help", help="显示本帮助并退出")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path), metavar="文件夹")
@option("--level", default=None, metavar="层级",
        help="本办公室的层级：县、区、市、省、镇、乡（示例中的单位、分组和抄送按此填写；默认按 --issuer 推断，否则为县）")
@option("--issuer", default=None, metavar="发文机关", help="发文机关全称，如 江城市攻坚年行动指挥部办公室")
@friendly
def init(folder: Path, level: str | None, issuer: str | None) -> None:
    """新建一个攻坚行动文件夹（带注释的 campaign.toml、示例 plan.xlsx、inputs/、outputs/）。"""
    from .campaign.starter import init_campaign

    init_campaign(folder, level=level, issuer=issuer)
    _console().print(runnable(
        f"已创建 {folder}：\n"
        f"  1. 修改 {folder / 'campaign.toml'} 中的行动名称、日期和规则；\n"
        f"  2. 在 {folder / 'plan.xlsx'} 中填写项目、节点和单位（覆盖示例行）；\n"
        f"  3. 运行 leitai templates --campaign {_quoted(folder)} --period 1 生成各单位填报表。"))


def _quoted(path: Path) -> str:
    """A path as it must be typed in a command line (quoted when it has spaces)."""
    text = str(path)
    return f'"{text}"' if any(ch.isspace() for ch in text) else text


@main.command()
@click.help_option("-h", "--help", help="显示本帮助并退出")
@CAMPAIGN_OPTION
@option("--period", type=int, metavar="期次", required=True, help="期次，如 5")
@option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="文件夹",
        help="输出文件夹（默认 outputs/templates/第NN期/）")
@friendly
def templates(campaign_dir: Path, period: int, out_dir: Path | None) -> None:
    """为每个单位生成本期填报表（已完成的节点预先填好）。"""
    from .campaign.plan import load_campaign, period_label
    from .campaign.templates import write_templates
    from .ledger.history import Ledger

    campaign = load_campaign(campaign_dir)
    campaign.settings.schedule.cutoff(period)
    out_dir = out_dir or campaign.folder / "outputs" / "templates" / period_label(period)
    known = None
    if campaign.ledger_path.exists():
        with Ledger(campaign.ledger_path) as ledger:
            _warn_disagreements(campaign, ledger)
            previous = ledger.previous_period(period)
            known = ledger.states(previous) if previous else None
    with progress_bar() as progress:
        paths = write_templates(campaign, period, out_dir, known=known, progress=progress)
    _console().print(f"已为 {len(paths)} 个单位生成第{period}期填报表：{out_dir}")


@main.command()
@click.help_option("-h", "--help", help="显示本帮助并退出")
@CAMPAIGN_OPTION
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path),
                metavar="文件或文件夹...")
@friendly
def check(campaign_dir: Path, paths: tuple[Path, ...]) -> None:
    """检查填报表（不计分）；有问题时列出并以非零状态退出。"""
    from .campaign.plan import load_campaign
    from .errors import InputError
    from .intake.folder import check_files

    campaign = load_campaign(campaign_dir)
    files: list[Path] = []
    for path in paths:
        files.append(path)  # a folder stands for its files (and its skipped entries: folders, links…)
    # One period folder (inputs/第04期) is checked as `leitai run --period 4` would read it.
    folders = {int(m.group(1)) for p in paths if p.is_dir() and (m := re.fullmatch(r"第0*(\d+)期", p.name))}
    period = folders.pop() if len(folders) == 1 and all(p.is_dir() for p in paths) else None
    intake = check_files(files, campaign, period=period)
    if not intake.files:
        raise InputError(f"{'、'.join(str(p) for p in paths)} 中没有任何文件，没有可检查的表格：请指定单位报来的表格或其所在文件夹")
    _note_arrivals(campaign, files, intake.files)
    _print_problems(intake.problems)
    serious = [p for p in intake.problems if p.severity in ("error", "warning")]
    accepted = sum(1 for f in intake.files if f.status in ("accepted", "accepted_with_problems"))
    _console().print(f"共检查 {len(intake.files)} 个文件，可接收 {accepted} 个，发现问题 {len(serious)} 条。")
    if serious:
        sys.exit(2)


def _note_arrivals(campaign: Any, files: list[Path], records: list[Any]) -> None:
    """Checked sheets inside the campaign's inputs/ have arrived: their first-seen times are kept."""
    from .intake.arrivals import arrivals_path, record_arrivals

    inputs = (campaign.folder / "inputs").resolve()
    found = [c for p in files for c in (sorted(p.iterdir()) if p.is_dir() else [p]) if c.is_file()]
    names = {p.name: p.resolve().parent for p in found}
    for folder in set(names.values()):
        if folder.is_relative_to(inputs):
            record_arrivals(arrivals_path(campaign.ledger_path), folder,
                            [r for r in records if names.get(r.file) == folder], dt.datetime.now())


@main.command()
@click.help_option("-h", "--help", help="显示本帮助并退出")
@CAMPAIGN_OPTION
@option("--period", type=int, metavar="期次", default=None, help="期次；不填则取截止日期已过且有输入文件夹的最近一期")
@option("--strict", is_flag=True, help="有数据问题时视为失败，不生成报告")
@option("--force", is_flag=True, help="上一期尚未汇总时仍然汇总本期（通报中注明缺期）")
@option("--later", "with_later", is_flag=True, help="重算本期后，依次重算其后已汇总的各期（改正早期数据后用）")
@friendly
def run(campaign_dir: Path, period: int | None, strict: bool, force: bool, with_later: bool) -> None:
    """汇总一期：读取 inputs/第NN期/，计分，记入台账，输出到 outputs/第NN期/。"""
    from .charts import painter

    painter.start()  # the charts' worker loads matplotlib while the plan and inputs are read
    from .campaign.plan import load_campaign, period_label
    from .pipeline import latest_period, run_period, run_with_later

    campaign = load_campaign(campaign_dir)
    if period is None:
        today = dt.date.today()
        period = latest_period(campaign, campaign.folder / "inputs", today)
        schedule = campaign.settings.schedule
        later = [p for p in range(period + 1, schedule.count + 1) if schedule.cutoff(p) <= today]
        if later:
            _console().print(
                f"注意：第{later[0]}期截止日期已过，但还没有 inputs/{period_label(later[0])}/ 文件夹，本次汇总的是第{period}期；"
                f"汇总新一期请先新建该文件夹并放入各单位报来的表格", style="yellow")
    if with_later:
        with progress_bar() as progress:
            runs = run_with_later(campaign, period, force=force, strict=strict, progress=progress,
                                  today=dt.date.today())
        for each in runs[:-1]:
            _console().print(f"{each.label}已重算：{each.briefing}")
        _summary(runs[-1])
        return
    if _PROGRAM:  # the program ends after this one period: collecting its garbage at the end is wasted time
        import gc

        gc.disable()
    with progress_bar() as progress:
        result = run_period(campaign, period, force=force, strict=strict, progress=progress, today=dt.date.today(),
                            program_ends=True)  # the old outputs deleted by a process of their own
    _summary(result)


@main.command()
@click.help_option("-h", "--help", help="显示本帮助并退出")
@CAMPAIGN_OPTION
@option("--period", type=int, metavar="期次", default=None, help="期次；不填则取最近一期")
@friendly
def status(campaign_dir: Path, period: int | None) -> None:
    """本期哪些单位已报送、未报送，各有多少问题。"""
    from rich.table import Table
    from rich.text import Text

    from .campaign.plan import load_campaign, period_label
    from .errors import InputError
    from .intake.adjustments import is_adjustments
    from .intake.arrivals import arrivals_path, record_arrivals, unit_timeliness
    from .intake.folderscan import printable
    from .pipeline import input_folder, latest_period, read_period
    from .scoring.lookahead import TIMELINESS_CN, submit_deadline

    campaign = load_campaign(campaign_dir)
    _ledger_notes(campaign)
    inputs_root = campaign.folder / "inputs"
    if period is None:
        period = latest_period(campaign, inputs_root, dt.date.max)
    campaign.settings.schedule.cutoff(period)  # a period that does not exist is said so first
    folder = input_folder(inputs_root, period)
    if folder is None:
        raise InputError(f"找不到第{period}期的输入文件夹 {inputs_root / period_label(period)}：请新建该文件夹，"
                         f"把各单位报来的第{period}期表格放进去后再查看")
    intake = read_period(campaign, folder, period)
    arrived = record_arrivals(arrivals_path(campaign.ledger_path), folder, intake.files, dt.datetime.now())
    timely, _ = unit_timeliness(campaign, period, intake, arrived)
    per_unit: dict[str, list[Any]] = {}
    for record in intake.files:
        for unit in (record.units if record.role == "export" else (record.unit,) if record.unit else ()):
            per_unit.setdefault(unit, []).append(record)
    superseded: dict[str, list[Any]] = {}  # a unit's rows of an export that gave way to a later file
    for item in intake.problems:
        if item.code == "duplicate_in_export":
            superseded.setdefault(item.unit, []).append(item)
    table = Table(title=f"第{period}期报送情况（{folder}）")
    for header in ("单位", "分组", "状态", "文件", "问题数"):
        table.add_column(header, overflow="fold")
    names = {"accepted": "已报送", "accepted_with_problems": "已报送（有问题）", "rejected": "被拒收", "skipped": "已跳过"}
    for unit, group in zip(campaign.plan.units["unit"], campaign.plan.units["group"]):
        records = per_unit.get(unit, [])
        if not records:
            table.add_row(printable(unit), printable(group), Text("未报送", style="red"), "", "")
        for record in records:
            when = arrived.get(record.file)
            late = timely.get(unit) == "late" and record.status != "rejected" and when is not None
            status_text = (names[record.status] + ("（汇总表）" if record.role == "export" else "")
                           + (f"（迟报，{when:%m-%d %H:%M}到）" if late and when else ""))
            table.add_row(printable(unit), printable(group), Text(status_text, style="yellow" if late else ""), record.file,
                          str(record.problems))
        for item in superseded.get(unit, []):
            table.add_row(printable(unit), printable(group), "未采用（另有较晚报送）", item.file, printable(item.message))
    for record in intake.files:
        if record.role == "overrides":  # the office's own sheets: 核定 (overrides) or 加减分
            kind = "（加减分表）" if is_adjustments(Path(record.file)) else "（办公室核定表）"
            table.add_row(kind, "", names[record.status], record.file, str(record.problems))
        elif record.role == "export" and not record.units:
            table.add_row("（汇总表）", "", names[record.status], record.file, printable(record.reason))
        elif not record.unit and record.role != "export":
            table.add_row("（未识别）", "", names[record.status], record.file, printable(record.reason))
    _console().print(table)
    for found in intake.problems:  # a sheet under another unit's file name is easy to miss in the table
        if found.code == "unit_name_mismatch":
            _console().print(f"注意：{found.file}：{printable(found.message)}。{found.fix}", style="yellow")
    missing = [u for u in campaign.plan.units["unit"] if u not in intake.submitted_units]
    _console().print(f"已报送 {len(intake.submitted_units)} 个单位，未报送 {len(missing)} 个单位。")
    counts = {key: sum(1 for v in timely.values() if v == key) for key in TIMELINESS_CN}
    deadline = submit_deadline(campaign.settings.schedule, period, campaign.settings.supervision)
    _console().print(f"报送截止 {deadline.year}年{deadline.month}月{deadline.day}日：按时 {counts['on_time']} 个单位，"
                     f"迟报 {counts['late']} 个，未报 {counts['missing']} 个。")


@main.command()
@click.help_option("-h", "--help", help="显示本帮助并退出")
@CAMPAIGN_OPTION
@friendly
def history(campaign_dir: Path) -> None:
    """已汇总的各期及其主要数据。"""
    from rich.table import Table

    from .campaign.plan import load_campaign
    from .errors import LedgerError
    from .ledger.history import Ledger

    campaign = load_campaign(campaign_dir)
    if not campaign.ledger_path.exists():
        raise LedgerError(f"尚无历史记录（{campaign.ledger_path} 不存在）：请先运行 leitai run")
    with Ledger(campaign.ledger_path) as ledger:
        _warn_disagreements(campaign, ledger)
        rows = ledger.summary()
        stale = ledger.stale()
    table = Table(title="已汇总的期次")
    headers = ("期次", "截止日期", "督评", "应完成", "已完成", "完成率", "绿灯", "红灯", "黄牌", "报送单位")
    for header in headers + (("状态",) if stale else ()):  # the column only when a period is stale
        # a date or a rate is never broken (in 80 columns the headers wrap instead)
        table.add_column(header, justify="right", overflow="fold", no_wrap=header in ("期次", "截止日期", "完成率", "报送单位"))
    for r in rows:
        rate = "—" if r["rate"] is None else f"{r['rate'] * 100:.1f}%"
        state = [f"已过时（第{stale[r['period']]}期已改变）" if r["period"] in stale else ""] if stale else []
        table.add_row(f"第{r['period']}期", r["cutoff"], "是" if r["evaluation"] else "", str(r["due"]), str(r["done"]),
                      rate, str(r["green"]), str(r["red"]), str(r["yellow_cards"]), f"{r['submitted']}/{r['units']}",
                      *state)
    _console().print(table)
    if stale:
        first = min(stale)
        _console().print(f"注意：{_stale_line(stale)}；运行 leitai run --period {first} --later 可依次重算",
                         style="yellow")


def _ledger_notes(campaign: Any) -> None:
    """One line for each thing the ledger and the outputs disagree on (repaired by ``leitai run``)."""
    from .ledger.publish import ledger_notes

    for note in ledger_notes(campaign.ledger_path, campaign.folder / "outputs"):
        _console(stderr=True).print(f"注意：{note}", style="yellow")


def _stale_line(stale: dict[int, int]) -> str:
    names = "、".join(f"第{p}期" for p in sorted(stale))
    return f"{names}按改变前的历史计算，已过时（第{stale[min(stale)]}期的记录在其后被重算）"


def _warn_disagreements(campaign: Any, ledger: Any) -> None:
    from .ledger.publish import inconsistencies

    for _, line in inconsistencies(ledger, campaign.folder / "outputs"):
        _console(stderr=True).print(f"注意：{line}", style="yellow")


def _print_problems(problems: list[Any], limit: int = 30) -> None:
    from .intake.folderscan import printable
    from .scoring.results import SEVERITY_CN, sorted_problems

    console = _console()
    shown = [p for p in sorted_problems(problems) if p.severity != "info"]
    for p in shown[:limit]:
        where = " ".join(x for x in (p.file, p.sheet, p.cell) if x)
        console.print(printable(f"[{SEVERITY_CN[p.severity]}] {where}：{p.message}。{p.fix}"))
    if len(shown) > limit:
        console.print(f"……另有 {len(shown) - limit} 条，详见数据问题清单。")


def _printable(text: str) -> str:
    from .intake.folderscan import printable

    return printable(text)


def _summary(result: Any) -> None:
    from rich.table import Table

    files = result.files
    count = {s: sum(1 for f in files if f.status == s) for s in ("accepted", "accepted_with_problems", "rejected", "skipped")}
    overall = result.results["overall"]
    rate = "—" if overall["rate"] is None else f"{overall['rate'] * 100:.1f}%"
    table = Table(title=f"{result.label}汇总完成", show_header=False)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("读取文件", f"{len(files)} 个（接收 {count['accepted']}，有问题但接收 {count['accepted_with_problems']}，"
                          f"拒收 {count['rejected']}，跳过 {count['skipped']}）")
    table.add_row("未报送单位", "、".join(map(_printable, result.missing_units)) or "无")
    table.add_row("数据问题", f"{sum(1 for p in result.problems if p.severity != 'info')} 条，见 数据问题-{result.label}.xlsx")
    table.add_row("节点完成率", f"{rate}（应完成 {overall['due']}，已完成 {overall['done']}）")
    yellow = f"，黄灯 {overall['yellow']} 个" if overall["yellow"] else ""  # 绿、黄、红, as the briefing counts them
    table.add_row("亮灯", f"绿灯 {overall['green']} 个{yellow}，红灯 {overall['red']} 个")
    table.add_row("督查通报", str(result.briefing))
    for warning in result.warnings:
        table.add_row("注意", warning)
    _console().print(table)


_PROGRAM = False  # set by ``entry``: this process is the program, which ends after its command


def entry() -> None:
    """The ``leitai`` program (console script and ``python -m leitai.cli``): ``main``, then the
    process ends at once. The work is done and written by then; Python's own teardown of
    pandas, openpyxl and the rest would only add a few tenths of a second to every command.
    What the teardown would do that matters is done here first: the painter told to end,
    chart workers stopped, the streams flushed. (Tests call ``main`` and keep their process.)"""
    global _PROGRAM
    _PROGRAM = True
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    finally:
        from .charts import painter

        painter.stop()
        charts = sys.modules.get("leitai.charts.render")
        if charts is not None:
            charts.shutdown_workers()
    if isinstance(code, str):  # sys.exit("message"): printed, status 1, as Python does
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    entry()
