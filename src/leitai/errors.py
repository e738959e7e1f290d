"""Failures: the run cannot go on. Data problems are records, not exceptions (see problems.py).

Every exception leitai raises on purpose derives from ``LeitaiError``; the CLI catches
that class once and prints its message, which is one line of Chinese saying what to do.

    LeitaiError
    ├── CampaignError        campaign.toml or plan.xlsx is missing or wrong
    │   ├── SettingsError    a bad key or value in campaign.toml
    │   └── PlanError        plan.xlsx errors, all of them, by sheet/row/column
    ├── PeriodError          the period asked for does not exist or cannot be recorded yet
    ├── InputError           the input folder is missing or empty
    ├── LedgerError          history.sqlite cannot be read or written
    ├── StrictModeError      --strict was given and data problems were found
    └── OutputError          an output file cannot be written (open elsewhere, no space…)
"""

from __future__ import annotations


class LeitaiError(Exception):
    """Base class. ``str(err)`` is a complete message for the office clerk."""


class CampaignError(LeitaiError):
    pass


class SettingsError(CampaignError):
    pass


class PlanError(CampaignError):
    """The plan workbook is broken. ``errors`` holds one line per error found."""

    def __init__(self, path: str, errors: list[str]) -> None:
        self.path = path
        self.errors = list(errors)
        head = f"计划表 {path} 有 {len(errors)} 处错误，请逐条修改后重新运行："
        super().__init__("\n".join([head, *("  " + e for e in errors)]))


class PeriodError(LeitaiError):
    pass


class InputError(LeitaiError):
    pass


class LedgerError(LeitaiError):
    pass


class StrictModeError(LeitaiError):
    pass


class OutputError(LeitaiError):
    pass
