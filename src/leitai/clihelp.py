"""The command line's help in Chinese: click writes its headings, usage line, defaults and
"required" in English, and measures text in characters where a Chinese character takes two
terminal cells. ``Command`` and ``Context`` carry ``Formatter``; ``option`` is ``click.option``
with its help in Chinese."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

import click


class Formatter(click.HelpFormatter):
    """``--help`` in Chinese: click's own headings and usage line are English."""

    HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{self.HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        """A paragraph (a command's description) wrapped in terminal cells."""
        indent = " " * self.current_indent
        room = max((self.width or 80) - self.current_indent, 20)
        for number, paragraph in enumerate(p for p in text.split("\n\n") if p.strip()):
            if number:
                self.write("\n")
            self.write("".join(f"{indent}{line}\n" for line in wrap_cells(paragraph, room)))

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        """click's two-column list, measured in terminal cells (a Chinese character is two)."""
        rows = list(rows)
        first_col = min(max((cells(first) for first, _ in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        room = max((self.width or 80) - first_col - self.current_indent - 2, 20)
        for first, second in rows:
            lines = wrap_cells(second, room)
            if cells(first) <= first_col - col_spacing:
                self.write(f"{indent}{first}{' ' * (first_col - cells(first))}{lines[0]}\n")
            else:
                self.write(f"{indent}{first}\n{indent}{' ' * first_col}{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{indent}{' ' * first_col}{line}\n")


def cells(text: str) -> int:
    """Terminal cells ``text`` takes: two for a wide (East Asian) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


_NO_LINE_START = set("，。、；：？！）》」』”’")  # Chinese punctuation that never begins a line


def wrap_cells(text: str, width: int) -> list[str]:
    """``text`` cut into lines of at most ``width`` cells (a line breaks between any characters,
    as Chinese text does, except before closing punctuation; a Latin word is kept whole)."""
    lines, line = [], ""
    for word in re.findall(r"[A-Za-z0-9_./\-]+|\s+|.", " ".join(text.split())):
        if line and cells(line + word) > width and word not in _NO_LINE_START:
            lines.append(line.rstrip())
            line = word.lstrip()
        else:
            line += word
    return [*lines, line.rstrip()] if line.strip() or not lines else lines


class Context(click.Context):
    formatter_class = Formatter


class _Option(click.Option):
    """An option whose help says its default and whether it is required in Chinese."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        names, text = record
        found = re.search(r"\s*\[([^\[\]]*)\]$", text)
        if found is None:
            return names, text
        said = [re.sub(r"^default: \(?(.*?)\)?$", r"默认：\1", part).replace("required", "必填")
                for part in found.group(1).split("; ")]
        return names, text[:found.start()] + f"（{'；'.join(said)}）"


class Command(click.Command):
    context_class = Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)


def option(*names: str, **settings: Any) -> Callable[[Any], Any]:
    """``click.option`` with its help in Chinese (``_Option``)."""
    return click.option(*names, cls=_Option, **settings)
