"""The shortcuts a run takes for speed (issue 18) keep their promises: the same bytes, errors
still raised, the program's exit status and output intact."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from leitai.charts.chartkit import new_figure, png_writes, save_png
from leitai.errors import OutputError
from leitai.report.notice import NoticeWriter, write_notice

STAMP = dt.datetime(2020, 10, 12)


def _figure(label: str):
    fig = new_figure(4, 2)
    fig.text(0.5, 0.5, label)
    return fig


def test_threaded_png_writes_give_the_same_bytes(tmp_path):
    alone = [save_png(_figure(str(i)), tmp_path / f"alone-{i}.png") for i in range(3)]
    with png_writes():
        threaded = [save_png(_figure(str(i)), tmp_path / f"threaded-{i}.png") for i in range(3)]
    assert [p.read_bytes() for p in threaded] == [p.read_bytes() for p in alone]


def test_a_failed_threaded_write_is_raised_and_the_others_are_written(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(OutputError), png_writes():
        save_png(_figure("a"), tmp_path / "ok-1.png")
        save_png(_figure("b"), blocker / "lost.png")
        save_png(_figure("c"), tmp_path / "ok-2.png")
    assert (tmp_path / "ok-1.png").stat().st_size > 0 and (tmp_path / "ok-2.png").stat().st_size > 0


def test_an_opaque_figure_is_saved_as_rgb_with_its_dpi(tmp_path):
    from PIL import Image

    with Image.open(save_png(_figure("x"), tmp_path / "x.png", dpi=100)) as image:
        assert image.mode == "RGB" and image.size == (157, 78)
        assert round(image.info["dpi"][0]) == 100


def test_one_writer_for_many_notices_gives_the_bytes_of_a_fresh_one(tmp_path):
    from leitai.report.notice import Notice

    first = Notice(kind="督办单", title="督办单", number="编号：〔2020〕第3期01号", date="2020年10月12日",
                   addressee="乙镇：", body="正文一", headers=("序号", "节点", "计划完成", "逾期"),
                   rows=(("1", "节点甲", "2020年9月12日", "30天"),), requirement="要求", issuer="办公室",
                   cut_line="回执", reply_rows=(("督办事项", "x"), ("整改情况", "")), reply_seal="（盖章）",
                   reply_tall=(2,), file_name="a.docx")
    second = dataclasses.replace(first, body="正文二，更长一些的一段话。" * 5, number="编号：〔2020〕第3期02号",
                                 rows=(("1", "节点乙", "2020年9月1日", "41天"), ("2", "节点丙", "2020年9月5日", "37天")))
    writer = NoticeWriter(None)
    writer.write(first, tmp_path / "shared-1.docx", STAMP)
    writer.write(second, tmp_path / "shared-2.docx", STAMP)
    write_notice(second, tmp_path / "fresh-2.docx", None, STAMP)
    assert (tmp_path / "shared-2.docx").read_bytes() == (tmp_path / "fresh-2.docx").read_bytes()


@pytest.mark.parametrize(("args", "code", "stream", "words"), [
    (["--version"], 0, "stdout", "leitai, version"),
    (["bogus"], 2, "stderr", "没有命令 bogus"),
    (["run", "--campaign", "/nonexistent/leitai-campaign"], 1, "stderr", "找不到攻坚行动文件夹"),
])
def test_the_program_ends_with_its_status_and_its_words(args, code, stream, words):
    """``python -m leitai.cli`` ends with os._exit after its work: status and printed lines intact."""
    done = subprocess.run([sys.executable, "-m", "leitai.cli", *args], capture_output=True, text=True,
                          encoding="utf-8", timeout=120, cwd=Path(__file__).parent)
    assert done.returncode == code
    assert words in getattr(done, stream)


def test_no_png_thread_outlives_its_drawing(tmp_path):
    """The PNG writer thread ends with ``png_writes``: a thread left running made intake's workers
    spawn instead of fork (and a test's patch of them miss), whenever charts were drawn in-process."""
    import threading

    before = threading.active_count()
    with png_writes():
        save_png(_figure("a"), tmp_path / "a.png")
    assert threading.active_count() == before
    assert not any(t.name.startswith("leitai-png") for t in threading.enumerate())


def test_a_part_deflated_once_packs_to_the_bytes_zipfile_writes(tmp_path):
    """fileio: a large part met again is written from its deflated stream kept the first time; the
    package is the bytes zipfile itself writes, the first time and every time after."""
    import io
    import zipfile

    from leitai import fileio

    def plain(members: dict[str, bytes]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name in sorted(members, key=lambda n: (n != "[Content_Types].xml", n.startswith("docProps/"), n)):
                info = zipfile.ZipInfo(name, date_time=fileio.FIXED_ZIP_TIME)
                info.compress_type = zipfile.ZIP_STORED if name.endswith(".png") else zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                target.writestr(info, members[name])
        return out.getvalue()

    styles = ("<w:styles>" + "".join(f'<w:style w:styleId="s{i}"/>' for i in range(3000)) + "</w:styles>").encode()
    members = {"[Content_Types].xml": b"<Types/>", "word/styles.xml": styles, "word/document.xml": b"<w:document/>" * 400,
               "word/media/image1.png": bytes(range(256)) * 40}
    fileio._DEFLATED.clear()
    first = fileio.normalized_package(members)
    assert styles in fileio._DEFLATED  # kept
    second = fileio.normalized_package({**members, "word/document.xml": b"<w:document>2</w:document>" * 400})
    assert first == plain(members)
    assert second == plain({**members, "word/document.xml": b"<w:document>2</w:document>" * 400})
    assert zipfile.ZipFile(io.BytesIO(second)).read("word/styles.xml") == styles
