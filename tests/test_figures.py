"""The figures do not depend on the font cache (dnnkit/staff/figures.py, `_own_fonts_only`).

Seen here: a font cache that listed the system's DejaVu fonts (Debian's fonts-dejavu, which
Chromium pulls in) but not matplotlib's own gave every label other glyph outlines, so the
committed SVG files no longer matched. The course checks compare the bytes on this machine's
cache; this test hands `drawn` the worst cache: system fonts only.
"""
import glob
import os

import pytest

from conftest import ROOT
from dnnkit.staff import figures

SYSTEM_DEJAVU = sorted(glob.glob("/usr/share/fonts/truetype/dejavu/DejaVu*.ttf"))


@pytest.mark.skipif(not SYSTEM_DEJAVU, reason="the system's DejaVu fonts are not installed")
def test_figures_are_the_same_with_a_cache_of_system_fonts_only(monkeypatch):
    from matplotlib import font_manager
    manager = font_manager.fontManager
    system_only = [font_manager.FontEntry(fname=path, name=font_manager.get_font(path).family_name,
                                          style="normal", weight="normal") for path in SYSTEM_DEJAVU]
    monkeypatch.setattr(manager, "ttflist", system_only)
    manager._findfont_cached.cache_clear()
    try:
        for assignment in figures.FIGURES:
            for name, data in figures.drawn(assignment).items():
                with open(os.path.join(ROOT, "source", assignment, "images", name), "rb") as f:
                    assert f.read() == data, f"{assignment}/{name} depends on the font cache"
        assert manager.ttflist is system_only   # the cache is given back as it was
    finally:
        manager._findfont_cached.cache_clear()
