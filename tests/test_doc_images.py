"""scripts/make_doc_images.py (the pictures of docs/使用说明.md) still runs (LibreOffice and poppler)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftoppm")), reason="needs LibreOffice and poppler")
def test_make_doc_images_remakes_every_picture(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_doc_images.py"), "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    made = {p.name: p.stat().st_size for p in tmp_path.glob("*.png")}
    assert {"briefing-01.png", "briefing-02.png", "leaderboard-1.png", "problems-1.png", "template-1.png",
            "poster.png"} <= set(made)
    assert all(size > 5_000 for size in made.values()), made
    assert {p.name for p in (ROOT / "docs" / "images").glob("*.png")} == set(made)  # the docs show these
