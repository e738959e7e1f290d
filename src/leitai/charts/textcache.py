"""Each string laid out once per process, not each time it is measured or drawn.

matplotlib 3.11 lays every string out anew, through HarfBuzz (libraqm), for each measurement and
each drawing: about 0.2 ms a call whatever the string's length, most of it setting the font up for
the shaper (measured: 0.21 ms for "85.2%", 0.39 ms for ten Chinese characters in Noto Sans CJK,
0.15 ms even in DejaVu Sans). A period's charts and poster draw some 450 strings and measure some
270, of which half repeat (tick labels, 100.0%, ranks, the period line): every one of them paid
for its layout again. ``install`` wraps the Agg renderer's ``draw_text`` and
``get_text_width_height_descent`` so that a string's layout (and its extent) at a size is made
once per process; what is drawn is what matplotlib itself computes, so the PNGs are byte-identical
(a test compares them). Only the matplotlib versions whose renderer this was read from (3.11) are
wrapped; any other is left as it is.
"""

from __future__ import annotations

from typing import Any

_INSTALLED = False
_LAYOUTS: dict[tuple[Any, ...], tuple[Any, Any]] = {}  # key -> (the font, kept alive; its layout)
_EXTENTS: dict[tuple[Any, ...], tuple[Any, tuple[float, float, float]]] = {}
TESTED = ("3.11.",)  # matplotlib versions whose RendererAgg.draw_text this follows


def install() -> bool:
    """Wrap the Agg renderer (once per process); False when this matplotlib is not one it knows."""
    global _INSTALLED
    if _INSTALLED:
        return True
    import matplotlib
    from matplotlib.backends import backend_agg
    from matplotlib.ft2font import FT2Font

    renderer = backend_agg.RendererAgg
    if (not matplotlib.__version__.startswith(TESTED) or not hasattr(FT2Font, "_layout")
            or not hasattr(renderer, "_prepare_font") or not hasattr(renderer, "_draw_text_glyphs_and_boxes")):
        return False
    draw_text, measure = renderer.draw_text, renderer.get_text_width_height_descent
    hinting = backend_agg.get_hinting_flag

    def cached_draw_text(self: Any, gc: Any, x: float, y: float, s: str, prop: Any, angle: float,
                         ismath: Any = False, mtext: Any = None) -> None:
        if ismath:
            return draw_text(self, gc, x, y, s, prop, angle, ismath, mtext)
        font = self._prepare_font(prop)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = hinting()
        size = prop.get_size_in_points()
        key = (id(font), size, self.dpi, s, flags, repr(features), repr(language))
        found = _LAYOUTS.get(key)
        if found is None:
            found = _LAYOUTS[key] = (font, font._layout(s, flags=flags, features=features, language=language))
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle,
            ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in found[1]), [])
        return None

    def cached_measure(self: Any, s: str, prop: Any, ismath: Any) -> Any:
        if ismath:
            return measure(self, s, prop, ismath)
        font = self._prepare_font(prop)
        key = (id(font), prop.get_size_in_points(), self.dpi, s, hinting())
        found = _EXTENTS.get(key)
        if found is None:
            found = _EXTENTS[key] = (font, measure(self, s, prop, ismath))
        return found[1]

    renderer.draw_text = cached_draw_text  # type: ignore[method-assign]
    renderer.get_text_width_height_descent = cached_measure  # type: ignore[method-assign]
    _INSTALLED = True
    return True
