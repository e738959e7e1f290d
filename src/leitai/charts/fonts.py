"""Which font draws the Chinese in charts and the poster, so that no character is a box.

``resolve_font`` tries, in order, and takes the first that has a glyph for every
character of the text it is given:

1. the font configured for the campaign: a file path (.ttf/.otf/.ttc) or a family name;
2. a CJK font installed on the machine (Windows 微软雅黑/黑体/宋体, macOS PingFang/Heiti,
   Linux Noto Sans CJK/Source Han Sans/WenQuanYi), see ``SYSTEM_FAMILIES``;
3. the bundled fallback, Leitai Sans SC (a GBK subset of Noto Sans CJK SC, OFL 1.1,
   ``data/fonts/``), which is always there.

When no candidate has every character, the one missing the fewest wins and
``missing_glyphs`` names what it lacks, so callers report those characters instead of
drawing boxes.

The environment variable ``LEITAI_FONT_SEARCH`` narrows the search (tests use it to
prove the bundled font alone is enough):

- ``all`` (default): configured, then system, then bundled;
- ``no-system``: configured, then bundled;
- ``bundled-only``: the bundled font only.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

BUNDLED_FAMILY = "Leitai Sans SC"
_BUNDLED_FILE = Path(__file__).resolve().parents[1] / "data" / "fonts" / "LeitaiSansSC-Regular.otf"
_FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")

# Installed CJK families, best first: Windows, macOS, Linux. Names as the fonts'
# English name records give them (what matplotlib's font manager indexes).
SYSTEM_FAMILIES: tuple[str, ...] = (
    "Microsoft YaHei",  # 微软雅黑
    "SimHei",  # 黑体
    "DengXian",  # 等线
    "SimSun",  # 宋体
    "NSimSun",
    "PingFang SC",
    "Heiti SC",
    "STHeiti",
    "Hiragino Sans GB",
    "Songti SC",
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
)

# Where those families usually live, for machines whose font list matplotlib does
# not index (macOS keeps PingFang outside the standard folders on recent versions).
_WINDIR = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"
_KNOWN_FILES: tuple[Path, ...] = (
    _WINDIR / "msyh.ttc",
    _WINDIR / "simhei.ttf",
    _WINDIR / "Deng.ttf",
    _WINDIR / "simsun.ttc",
    Path("/System/Library/Fonts/PingFang.ttc"),
    Path("/System/Library/Fonts/STHeiti Light.ttc"),
    Path("/System/Library/Fonts/STHeiti Medium.ttc"),
    Path("/System/Library/Fonts/Hiragino Sans GB.ttc"),
    Path("/Library/Fonts/Songti.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/adobe-source-han-sans/SourceHanSansCN-Regular.otf"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)

Source = Literal["configured", "system", "bundled"]


@dataclass(frozen=True)
class FontChoice:
    """A font face to draw with: its file, family name and where it came from.

    ``index`` is the face number inside a .ttc/.otc collection (0 for a plain font).
    """

    path: Path
    family: str
    source: Source
    index: int = 0


def bundled_font() -> Path:
    """The bundled Leitai Sans SC file (always present in an installed leitai)."""
    return _BUNDLED_FILE


def resolve_font(configured: str | Path | None = None, text: str = "") -> FontChoice:
    """The first candidate font that has a glyph for every character of ``text``.

    ``configured`` is a font file path or a family name; a name or file that cannot be
    found is skipped (the result's ``source`` then is not ``"configured"``, which the
    caller may report). With no candidate covering everything, the one missing the
    fewest characters is returned (earlier candidates win ties); ask
    ``missing_glyphs`` which characters those are.
    """
    mode = os.environ.get("LEITAI_FONT_SEARCH", "all").strip().lower() or "all"
    if mode not in ("all", "no-system", "bundled-only"):
        mode = "all"
    needed = _needed(text)
    best: tuple[int, FontChoice] | None = None
    for choice in _candidates(configured, mode):
        try:
            lacking = len(needed - _charmap(choice.path, choice.index))
        except (OSError, RuntimeError, ValueError):
            continue  # unreadable or not a font: try the next candidate
        if lacking == 0:
            return choice
        if best is None or lacking < best[0]:
            best = (lacking, choice)
    if best is not None:
        return best[1]
    return FontChoice(_BUNDLED_FILE, BUNDLED_FAMILY, "bundled")


def missing_glyphs(text: str, font: FontChoice) -> list[str]:
    """Characters of ``text`` that ``font`` has no glyph for, as ``"U+9FA5 龥"``.

    In order of first appearance, each once; line breaks and other control
    characters are ignored (nothing is drawn for them).
    """
    charmap = _charmap(font.path, font.index)
    seen: set[int] = set()
    out: list[str] = []
    for ch in text:
        cp = ord(ch)
        if cp in seen or _ignorable(ch) or cp in charmap:
            continue
        seen.add(cp)
        out.append(f"U+{cp:04X} {ch}")
    return out


def covers(font: FontChoice, ch: str) -> bool:
    """Whether ``font`` has a glyph for the single character ``ch``."""
    return _ignorable(ch) or ord(ch) in _charmap(font.path, font.index)


def register(font: FontChoice) -> str:
    """Make ``font`` known to matplotlib's font manager; returns the family name to use."""
    from matplotlib import font_manager

    manager = font_manager.fontManager
    path = os.fsdecode(font.path)
    known = any(entry.name == font.family and os.fsdecode(entry.fname) == path for entry in manager.ttflist)
    if not known:
        manager.addfont(path)
    return font.family


# --- candidates ---------------------------------------------------------------------


def _candidates(configured: str | Path | None, mode: str) -> Iterator[FontChoice]:
    if mode != "bundled-only" and configured not in (None, ""):
        yield from _configured(configured)
    if mode == "all":
        yield from _system()
    yield FontChoice(_BUNDLED_FILE, BUNDLED_FAMILY, "bundled")


def _configured(configured: str | Path) -> Iterator[FontChoice]:
    text = os.fspath(configured)
    path = Path(text).expanduser()
    if path.suffix.lower() in _FONT_SUFFIXES or path.exists():
        if path.is_file():
            for index, family in _faces(path):
                yield FontChoice(path, family, "configured", index)
        return
    for path, index, family in _by_family(text):
        yield FontChoice(path, family, "configured", index)


def _system() -> Iterator[FontChoice]:
    seen: set[tuple[str, int]] = set()
    for family in SYSTEM_FAMILIES:
        for path, index, name in _by_family(family):
            key = (os.fsdecode(path), index)
            if key not in seen:
                seen.add(key)
                yield FontChoice(path, name, "system", index)


def _by_family(family: str) -> list[tuple[Path, int, str]]:
    """Regular faces of an installed family: matplotlib's index, then known file paths."""
    wanted = family.casefold()
    found: list[tuple[Path, int, str]] = []
    try:
        from matplotlib import font_manager

        entries = [e for e in font_manager.fontManager.ttflist if e.name.casefold() == wanted and e.style == "normal"]
    except Exception:  # noqa: BLE001 - a broken font cache must not stop the fallback
        entries = []
    # Regular weight first; a Light or Bold face only when that is all there is.
    entries.sort(key=lambda e: (abs(_weight(e.weight) - 400), os.fsdecode(e.fname)))
    for e in entries:
        found.append((Path(e.fname), int(getattr(e, "index", 0) or 0), e.name))
    if not found:
        for path in _KNOWN_FILES:
            if path.is_file():
                found.extend((path, index, name) for index, name in _faces(path) if name.casefold() == wanted)
    return found


def _weight(value: object) -> int:
    if isinstance(value, int):
        return value
    names = {"light": 300, "normal": 400, "regular": 400, "medium": 500, "bold": 700}
    return names.get(str(value).lower(), 400)


@functools.lru_cache(maxsize=64)
def _faces(path: Path) -> tuple[tuple[int, str], ...]:
    """(face index, family name) of every face in a font file."""
    from matplotlib import ft2font

    try:
        first = ft2font.FT2Font(os.fsdecode(path))
    except (OSError, RuntimeError, ValueError):
        return ()
    faces = [(0, first.family_name)]
    for index in range(1, first.num_faces):
        faces.append((index, ft2font.FT2Font(os.fsdecode(path), face_index=index).family_name))
    return tuple(faces)


# --- coverage -----------------------------------------------------------------------


@functools.lru_cache(maxsize=32)
def _charmap(path: Path, index: int = 0) -> frozenset[int]:
    from matplotlib import ft2font

    if index:
        font = ft2font.FT2Font(os.fsdecode(path), face_index=index)
    else:
        font = ft2font.FT2Font(os.fsdecode(path))
    return frozenset(font.get_charmap())


def _ignorable(ch: str) -> bool:
    return unicodedata.category(ch) == "Cc"


def _needed(text: str) -> set[int]:
    return {ord(ch) for ch in text if not _ignorable(ch)}


def gbk_codepoints() -> set[int]:
    """Every code point Python's GBK codec can encode (the GBK repertoire), plus ASCII.

    The bundled font covers this set (scripts/make_font.py builds it from here).
    """
    cps = set(range(0x20, 0x7F))
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        try:
            chr(cp).encode("gbk")
        except UnicodeEncodeError:
            continue
        cps.add(cp)
    return cps
