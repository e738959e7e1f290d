"""Font resolution: configured, then system, then the bundled Leitai Sans SC; gaps named."""

from __future__ import annotations

from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from test_charts import INVESTMENT, demo_history

from leitai.charts.fonts import FontChoice, bundled_font, gbk_codepoints, missing_glyphs, resolve_font
from leitai.charts.render import chart_text

GBK_SAMPLE = (
    "赤城街道始丰街道福溪街道县自然资源局县经信局主要经济指标全面高水平小康重点区块征迁要素保障擂台榜黄牌督评龥"
)


@pytest.fixture
def bundled_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEITAI_FONT_SEARCH", "bundled-only")


def test_bundled_font_is_shipped_renamed_and_licensed() -> None:
    path = bundled_font()
    assert path.is_file() and path.suffix == ".otf"
    assert path.stat().st_size < 8_000_000
    assert (path.parent / "OFL.txt").is_file()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (path.parent / "OFL.txt").read_text(encoding="utf-8")
    name = TTFont(str(path), lazy=True)["name"]
    assert name.getDebugName(1) == "Leitai Sans SC"
    assert name.getDebugName(6) == "LeitaiSansSC-Regular"
    primary = f"{name.getDebugName(1)} {name.getDebugName(4)} {name.getDebugName(6)}"
    assert "Noto" not in primary and "Source" not in primary  # OFL reserved names / trademark
    assert "Open Font License" in name.getDebugName(13)
    assert "Adobe" in name.getDebugName(0)


def test_bundled_font_covers_gbk() -> None:
    cmap = TTFont(str(bundled_font()), lazy=True).getBestCmap()
    gbk = sorted(cp for cp in gbk_codepoints() if cp >= 0x80)
    lacking = [cp for cp in gbk if cp not in cmap]
    assert len(gbk) > 21000
    assert lacking == [0x2252]  # ≒ is not in Noto Sans CJK SC itself
    assert all(cp in cmap for cp in range(0x20, 0x7F))
    assert all(ord(ch) in cmap for ch in "↑↓●■％—…·〓")


def test_bundled_only_resolves_to_the_bundled_font(bundled_only: None) -> None:
    history = demo_history()
    font = resolve_font("Microsoft YaHei", text=chart_text(history[-1], history, INVESTMENT))
    assert font == FontChoice(bundled_font(), "Leitai Sans SC", "bundled")
    assert missing_glyphs(chart_text(history[-1], history, INVESTMENT) + GBK_SAMPLE, font) == []


def test_missing_glyphs_names_the_characters(bundled_only: None) -> None:
    font = resolve_font()
    assert missing_glyphs("𠀀家街道😀\n𠀀", font) == ["U+20000 𠀀", "U+1F600 😀"]
    assert missing_glyphs("", font) == []


def test_configured_font_file_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEITAI_FONT_SEARCH", "no-system")
    copy = tmp_path / "campaign-font.otf"
    copy.write_bytes(bundled_font().read_bytes())
    font = resolve_font(copy, text="赤城街道")
    assert font.source == "configured" and font.path == copy and font.family == "Leitai Sans SC"


def test_configured_font_without_the_characters_is_passed_over(
    bundled_only: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib

    monkeypatch.setenv("LEITAI_FONT_SEARCH", "no-system")
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    assert resolve_font(dejavu, text="Report 2020").source == "configured"
    assert resolve_font(dejavu, text="赤城街道").source == "bundled"


def test_configured_name_that_does_not_exist_falls_through(bundled_only: None) -> None:
    assert resolve_font("不存在的字体", text="赤城").source == "bundled"
    assert resolve_font(Path("/nowhere/font.ttf"), text="赤城").source == "bundled"


def test_no_candidate_covers_everything_gives_the_closest(bundled_only: None) -> None:
    font = resolve_font(text="赤城𠀀")
    assert font.source == "bundled"
    assert missing_glyphs("赤城𠀀", font) == ["U+20000 𠀀"]


def test_system_font_preferred_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEITAI_FONT_SEARCH", "all")
    font = resolve_font(text="赤城街道")
    if font.source != "system":
        pytest.skip("no CJK font installed on this machine")
    assert missing_glyphs("赤城街道", font) == []


def test_ttc_face_is_chosen_by_name() -> None:
    ttc = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not ttc.exists():
        pytest.skip("fonts-noto-cjk not installed")
    font = resolve_font(ttc, text="赤城")
    assert font.source == "configured" and font.index == 0  # first face that covers the text
    assert missing_glyphs("赤城街道", font) == []


def test_make_font_remakes_the_bundled_font_byte_for_byte(tmp_path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    source = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not source.exists():
        pytest.skip("Debian's fonts-noto-cjk is not installed")
    out = tmp_path / "font.otf"
    subprocess.run([sys.executable, str(root / "scripts" / "make_font.py"), "--source", str(source), "--out", str(out)],
                   check=True, capture_output=True, timeout=300)
    assert out.read_bytes() == bundled_font().read_bytes()
