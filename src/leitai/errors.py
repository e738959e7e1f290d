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


# The real cause of a failed file operation, in words an office clerk can act on.
_ERRNO_CN = {
    "ENOSPC": "磁盘空间已满", "EDQUOT": "磁盘配额已用完", "EACCES": "没有写入权限", "EPERM": "没有权限（文件或文件夹被保护）",
    "EROFS": "所在磁盘为只读", "ENOTDIR": "路径中有一项是文件而不是文件夹", "EISDIR": "该路径是文件夹而不是文件",
    "ENOENT": "找不到该路径", "EEXIST": "已有同名的文件或文件夹", "ENOTEMPTY": "文件夹不是空的",
    "EBUSY": "文件正在被其他程序使用", "ETXTBSY": "文件正在被其他程序使用", "EIO": "磁盘读写出错",
    "ENAMETOOLONG": "路径过长", "ELOOP": "链接层数过多（循环链接）", "EXDEV": "不在同一磁盘上",
}


def os_reason(exc: BaseException) -> str:
    """Chinese for an OSError's cause (disk full, no permission, a file where a folder is needed…)."""
    import errno

    code = getattr(exc, "errno", None)
    name = errno.errorcode.get(code, "") if isinstance(code, int) else ""
    if name in _ERRNO_CN:
        return _ERRNO_CN[name]
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def sqlite_reason(exc: BaseException) -> str:
    """Chinese for an sqlite3 error's cause; the disk-full and read-only cases named as such."""
    text = str(exc).lower()
    for needle, words in (("disk is full", "磁盘空间已满"), ("readonly", "文件或所在磁盘只读，无法写入"),
                          ("unable to open", "无法打开（文件夹不存在、没有权限，或该路径是文件夹）"),
                          ("disk i/o", "磁盘读写出错（磁盘空间不足或磁盘故障）"), ("locked", "正被另一次运行占用"),
                          ("not a database", "不是 SQLite 数据库文件"), ("malformed", "数据库文件已损坏")):
        if needle in text:
            return words
    return str(exc)
