"""Regenerate leitai's bundled fallback font, Leitai Sans SC, from Debian's Noto Sans CJK.

    python scripts/make_font.py [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

Needs fonttools (a matplotlib dependency) and the Debian package fonts-noto-cjk.

What it does, and why:
- takes the "Noto Sans CJK SC" face out of the collection (found by name, not by index);
- keeps the glyphs of every character encodable in GBK (21,791 code points: all of
  GB 2312 plus the rest of CJK Unified Ideographs 4E00–9FA5 and GBK's symbols), ASCII,
  and the punctuation and symbols our charts and briefings use (see EXTRA);
- drops hinting, vertical metrics and OpenType layout features that matplotlib does not
  use, which keeps the file small;
- renames the font. Noto CJK is licensed under the SIL OFL 1.1 with the Reserved Font
  Name "Source" (from Source Han Sans), and "Noto" is a Google trademark; a Modified
  Version may use neither as its primary name, so this subset is "Leitai Sans SC".
  The copyright and licence name records are kept, and the description says what
  was changed.

The output is deterministic: the same source font gives the same bytes (head.modified
and head.created are copied from the source, nothing depends on the clock).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from leitai.charts.fonts import gbk_codepoints as gbk_repertoire

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
OUT_DIR = ROOT / "src" / "leitai" / "data" / "fonts"
OUT_FILE = OUT_DIR / "LeitaiSansSC-Regular.otf"
SOURCE_FAMILY = "Noto Sans CJK SC"

FAMILY = "Leitai Sans SC"
POSTSCRIPT = "LeitaiSansSC-Regular"

# Beyond GBK: symbols the charts, the poster and the briefing draw, and common
# full-width/typographic punctuation (most are already in GBK; listed so the intent shows).
EXTRA = (
    "—–‒―‘’“”…·•●○■□▲△▼▽◆◇★☆↑↓←→↗↘％＋－×÷≤≥≠±‰℃№〓"
    "、。，；：？！（）【】《》〈〉「」『』〔〕［］｛｝～"
    "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ"
    "\u00a0\u2002\u2003\u3000\u2212\u00b7\u00d7€"
)


def gbk_codepoints() -> set[int]:
    """The GBK repertoire plus ASCII (leitai.charts.fonts) and the symbols the charts draw (EXTRA)."""
    return gbk_repertoire() | {ord(ch) for ch in EXTRA}


def load_sc_face(source: Path) -> TTFont:
    if source.suffix.lower() in (".ttc", ".otc"):
        collection = TTCollection(str(source), lazy=False)
        for font in collection.fonts:
            if font["name"].getDebugName(1) == SOURCE_FAMILY:
                return font
        raise SystemExit(f"{source}: no face named {SOURCE_FAMILY!r}")
    return TTFont(str(source))


def rename(font: TTFont, source_version: str) -> None:
    name = font["name"]
    copyright_ = name.getDebugName(0) or "© 2014-2021 Adobe (http://www.adobe.com/)."
    licence = name.getDebugName(13) or ""
    licence_url = name.getDebugName(14) or "https://openfontlicense.org"
    description = (
        f"{FAMILY} is a Modified Version of Noto Sans CJK SC {source_version} "
        "(Copyright 2014-2021 Adobe, with Reserved Font Name 'Source'), "
        "subset to the GBK repertoire by the leitai project (scripts/make_font.py). "
        "It is not the original font and is not endorsed by Adobe or Google. "
        "Licensed under the SIL Open Font License, Version 1.1."
    )
    records = {
        0: copyright_,
        1: FAMILY,
        2: "Regular",
        3: f"{source_version};LEITAI;{POSTSCRIPT}",
        4: FAMILY,
        5: f"Version {source_version}; leitai GBK subset",
        6: POSTSCRIPT,
        8: "Adobe (original design); leitai project (subset)",
        10: description,
        13: licence,
        14: licence_url,
    }
    name.names = []
    for name_id, text in records.items():
        if text:
            name.setName(text, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, en-US
            name.setName(text, name_id, 1, 0, 0)  # Macintosh Roman, for old readers

    cff = font["CFF "].cff
    old = cff.fontNames[0]
    cff.fontNames[0] = POSTSCRIPT
    top = cff.topDictIndex[0]
    top.FullName = FAMILY
    top.FamilyName = FAMILY
    top.Notice = description
    if hasattr(top, "CIDFontName"):
        top.CIDFontName = POSTSCRIPT
    for fd in getattr(top, "FDArray", []) or []:
        if hasattr(fd, "FontName"):
            fd.FontName = fd.FontName.replace(old, POSTSCRIPT)
    font["OS/2"].achVendID = "NONE"


def build(source: Path, out: Path) -> TTFont:
    font = load_sc_face(source)
    source_version = f"{font['head'].fontRevision:.3f}"
    cmap = font.getBestCmap()
    wanted = sorted(cp for cp in gbk_codepoints() if cp in cmap)

    options = subset.Options()
    options.layout_features = ["kern"]
    options.hinting = False
    options.desubroutinize = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted)
    subsetter.subset(font)

    rename(font, source_version)
    font.recalcTimestamp = False  # keep head.modified from the source: same input, same bytes
    out.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(out), reorderTables=True)
    return font


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=OUT_FILE)
    args = parser.parse_args(argv)
    if not args.source.exists():
        print(f"{args.source} not found: install fonts-noto-cjk (Debian/Ubuntu)", file=sys.stderr)
        return 1
    build(args.source, args.out)
    check = TTFont(str(args.out))
    cmap = check.getBestCmap()
    gbk = gbk_codepoints()
    missing = sorted(cp for cp in gbk if cp not in cmap)
    print(
        f"{args.out}: {args.out.stat().st_size / 1e6:.2f} MB, "
        f"{check['maxp'].numGlyphs} glyphs, {len(cmap)} code points; "
        f"{len(missing)} wanted code points not in the source font"
        + (f" (e.g. {' '.join(f'U+{cp:04X}' for cp in missing[:10])})" if missing else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
