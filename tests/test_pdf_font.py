"""Documents that read anywhere (issue 18): every PDF draws with the CJK font shipped in the package
(src/minqing/fonts, OFL), so a report made on a machine with no font at all — a slim container, where
Pango used to crash the worker with a segmentation fault — shows every character.

The monthly report's HTML is rendered here, its PDF made in a child process whose fontconfig knows only
an empty folder; the PDF's text and fonts are read back with pypdf."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minqing import clock
from minqing.pdf import FONT_FAMILY, FONT_FILE, PDF_TEMPLATES, font_problems, missing_characters

TITLES = ["幸福小区电梯停运一周", "村口排水沟堵塞，雨天积水", "群众反映：路灯损坏（东门社区）"]


def test_the_font_ships_with_its_licence_and_stays_small():
    assert FONT_FILE.exists() and FONT_FILE.stat().st_size < 4_000_000
    licence = (FONT_FILE.parent / "OFL.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Noto Sans CJK SC" in licence


def test_the_font_covers_gb2312_and_every_character_of_the_templates():
    from django.template.loader import get_template

    gb2312 = []
    for hi in range(0xB0, 0xF8):  # the 6,763 hanzi
        for lo in range(0xA1, 0xFF):
            try:
                gb2312.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    assert len(gb2312) == 6763 and missing_characters("".join(gb2312)) == ""
    for name in PDF_TEMPLATES:
        missing = missing_characters(Path(get_template(name).origin.name).read_text(encoding="utf-8"))
        assert missing == "", f"{name} uses {missing}: run `python tools/make_font.py` to add them to the font"
    assert missing_characters("".join(TITLES), "“”‘’—…·，。；：！？（）【】《》") == ""


def test_up_warns_about_text_the_font_would_leave_to_a_system_font():
    assert font_problems(["青山县城关镇", "甲村"]) == []
    warned = font_problems(["𠀀村（生僻字）"])
    assert len(warned) == 1 and "𠀀" in warned[0] and "1 个字符" in warned[0]


def test_up_reads_the_ledgers_own_names_for_them(county, capsys):
    """`minqing up` (ops/fonts.py) looks at the units' and categories' names and the latest titles."""
    from minqing.ops.fonts import warn_fonts
    from minqing.org.models import Unit

    warn_fonts()
    assert "𠀀" not in capsys.readouterr().err
    Unit.objects.filter(code="VA").update(name="𠀀村")
    warn_fonts()
    assert "𠀀" in capsys.readouterr().err


EMPTY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{fonts}</dir><cachedir>{cache}</cachedir></fontconfig>
"""

CHILD = textwrap.dedent("""
    import sys
    from minqing.pdf import html_to_pdf
    html = open(sys.argv[1], encoding="utf-8").read()
    open(sys.argv[2], "wb").write(html_to_pdf(html))
""")


def _pdf_fonts(reader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            names.add(str(font.get("/BaseFont")))
            for d in font.get("/DescendantFonts", []):
                names.add(str(d.get_object().get("/BaseFont")))
    return names


@pytest.mark.django_db
def test_a_report_made_where_there_is_no_font_at_all_shows_every_character(county, make_case, tmp_path):
    pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    from django.template.loader import render_to_string

    from minqing.insight import monthly

    for title in TITLES:
        make_case(unit="VA", text=f"{title}。请尽快处理，谢谢。", title=title)
    month = clock.now().strftime("%Y-%m")
    data = monthly.report(county["leader"], county["leader"].unit, month)
    html = render_to_string("minqing/insight/monthly_report.html", {"r": data, "f": data["figures"], "now": clock.now()})
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts.conf").write_text(EMPTY_FONTCONFIG.format(fonts=tmp_path / "fonts", cache=tmp_path / "cache"))
    (tmp_path / "report.html").write_text(html, encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf"), "FONTCONFIG_PATH": str(tmp_path),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    check = subprocess.run(["fc-list"], env=env, capture_output=True, text=True) if _has("fc-list") else None
    assert check is None or check.stdout.strip() == "", "the child would still see system fonts"
    done = subprocess.run([sys.executable, "-c", CHILD, str(tmp_path / "report.html"), str(tmp_path / "report.pdf")],
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"PDF generation died (rc {done.returncode}): {done.stderr[-2000:]}"
    reader = pypdf.PdfReader(tmp_path / "report.pdf")
    text = "".join(page.extract_text() for page in reader.pages)
    expected = visible_text(html)
    assert sum("\u4e00" <= ch <= "\u9fff" for ch in expected) > 100 and "民情分析报告" in expected
    absent = sorted({ch for ch in expected if not ch.isspace() and ch not in text})
    assert absent == [], f"characters missing from the PDF's text: {''.join(absent)}"
    fonts = _pdf_fonts(reader)
    assert fonts and all(FONT_FAMILY.replace(" ", "-") in f or "MinqingSans" in f for f in fonts), fonts


def visible_text(html: str) -> str:
    """What a reader of the page sees: the text outside <style>, <script> and <title>."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        skip, parts = 0, []

        def handle_starttag(self, tag, attrs):
            self.skip += tag in ("style", "script", "title")

        def handle_endtag(self, tag):
            self.skip -= tag in ("style", "script", "title")

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.parts = []
    parser.feed(html)
    return "".join(parser.parts)


def _has(command: str) -> bool:
    from shutil import which

    return which(command) is not None
