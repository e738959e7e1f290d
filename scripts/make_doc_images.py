#!/usr/bin/env python3
"""Re-make the pictures in docs/使用说明.md from the demo campaign (needs LibreOffice and poppler).

    python scripts/make_doc_images.py                 # into docs/images/
    python scripts/make_doc_images.py --out FOLDER    # elsewhere (the test suite checks it runs)

Runs the demo into a temporary folder, renders the period-5 briefing's first pages, the
leaderboard and problems workbooks and a unit template to PNG, and copies the poster.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "images"


def to_png(source: Path, work: Path, name: str, out: Path, pages: str = "1", dpi: int = 60) -> None:
    profile = (work / "lo-profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), str(source)], check=True, capture_output=True, timeout=300)
    pdf = work / (source.stem + ".pdf")
    first, _, last = pages.partition("-")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", first, "-l", last or first, str(pdf),
                    str(work / name)], check=True)
    for page in sorted(work.glob(f"{name}-*.png")):
        shutil.move(page, out / page.name)


def main() -> None:
    import argparse

    from leitai.campaign.plan import load_campaign
    from leitai.campaign.templates import write_templates
    from leitai.pipeline import run_demo, seeds_folder

    if not (shutil.which("soffice") and shutil.which("pdftoppm")):
        sys.exit("需要 LibreOffice（soffice）和 poppler（pdftoppm）")
    parser = argparse.ArgumentParser(description="Re-make the pictures of docs/使用说明.md from the demo.")
    parser.add_argument("--out", type=Path, default=OUT, help="where the pictures go (default docs/images)")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_demo(work / "demo")
        period = work / "demo" / "第05期"
        to_png(period / "督查通报-第05期.docx", work, "briefing", out, pages="1-2")
        to_png(period / "擂台榜-第05期.xlsx", work, "leaderboard", out)
        to_png(period / "数据问题-第05期.xlsx", work, "problems", out)
        template = write_templates(load_campaign(seeds_folder()), 6, work / "templates")[0]
        to_png(template, work, "template", out)
        shutil.copyfile(period / "擂台榜-第05期.png", out / "poster.png")
    print("\n".join(sorted(p.name for p in out.glob("*.png"))))


if __name__ == "__main__":
    main()
