"""Printable reports: HTML rendered by a template, turned into PDF by WeasyPrint with the CJK font that
ships inside the package (fonts/MinqingSansSC-Regular.otf: Noto Sans CJK SC cut to GB 2312 and the
characters minqing itself prints, SIL Open Font License, fonts/OFL.txt; made by tools/make_font.py).

So a report reads the same on any machine, a slim container with no font at all included: every PDF
gets the font through @font-face, before any system font. A character outside it (a rare name) falls
back to a system font where one has it; `missing_characters` says which, `render_pdf` logs them and
`minqing up` warns about them (docs/map.md)."""

import functools
import logging
from collections.abc import Iterable
from pathlib import Path

from django.template.loader import render_to_string

from .errors import DomainError

log = logging.getLogger("minqing.pdf")

FONT_FILE = Path(__file__).with_name("fonts") / "MinqingSansSC-Regular.otf"
FONT_FAMILY = "Minqing Sans SC"
# First in every PDF: the templates name the family too (`font-family: "Minqing Sans SC", …`), and elements
# that the user-agent sheet gives a font of their own (pre, code, form fields) are brought back to it.
FONT_CSS = (f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{FONT_FILE.as_uri()}"); }}\n'
            f'html, pre, code, kbd, samp, tt, input, select, textarea, button '
            f'{{ font-family: "{FONT_FAMILY}", "Noto Sans CJK SC", sans-serif; }}')


class Unavailable(DomainError):
    status = 503
    default_code = "pdf_unavailable"


@functools.cache
def font_characters() -> frozenset[int]:
    """The code points the shipped font draws (empty when the file is missing or unreadable)."""
    try:
        from fontTools.ttLib import TTFont  # WeasyPrint's own dependency

        with TTFont(FONT_FILE, lazy=True) as font:
            return frozenset(font.getBestCmap())
    except Exception:  # noqa: BLE001 — a broken install is reported by font_problems, not here
        log.exception("cannot read the PDF font %s", FONT_FILE)
        return frozenset()


def missing_characters(*texts: str) -> str:
    """The characters of `texts` that the shipped font lacks, each once, in order of first use
    (spaces and control characters are not drawn and never missing)."""
    have, seen, out = font_characters(), set(), []
    for text in texts:
        for ch in text or "":
            if ch not in seen and ch.isprintable() and not ch.isspace() and ord(ch) not in have:
                seen.add(ch)
                out.append(ch)
    return "".join(out)


def font_problems(texts: Iterable[str] = ()) -> list[str]:
    """What `minqing up` warns about: a missing font file, and characters of the report templates or of
    `texts` (the ledger's unit and category names, recent titles) that would fall back to a system font."""
    if not font_characters():
        return [f"PDF 字体缺失或无法读取：{FONT_FILE}（PDF 中的中文可能显示为方框；请重新安装 minqing）"]
    from django.template.loader import get_template

    own = []
    for name in PDF_TEMPLATES:
        template = get_template(name)
        own.append(Path(template.origin.name).read_text(encoding="utf-8"))
    missing = missing_characters(*own, *texts)
    if not missing:
        return []
    shown = missing[:40] + ("…" if len(missing) > 40 else "")
    return [f"PDF 随附字体缺少 {len(missing)} 个字符（{shown}）：将用系统字体代替，没有系统中文字体时显示为方框"]


PDF_TEMPLATES = ("minqing/insight/monthly_report.html", "minqing/consult/report.html")


def render_pdf(template: str, context: dict, base_url: str = "") -> bytes:
    html = render_to_string(template, context)
    if missing := missing_characters(html):
        log.warning("PDF %s: %d characters not in the shipped font, drawn with a system font if any: %s",
                    template, len(missing), missing[:40])
    return html_to_pdf(html, base_url)


def html_to_pdf(html: str, base_url: str = "") -> bytes:
    """The one place WeasyPrint is called: the shipped font first, so that a machine without any font
    (where Pango, finding none, crashed the process) prints every character it has."""
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
    except (ImportError, OSError) as e:  # OSError: the Pango libraries are missing on this machine
        raise Unavailable("此服务器无法生成 PDF（缺少 Pango 排版库），请改为导出 Excel，或请管理员安装 libpango") from e
    fonts = FontConfiguration()
    font_css = CSS(string=FONT_CSS, font_config=fonts)
    return HTML(string=html, base_url=base_url or None).write_pdf(stylesheets=[font_css], font_config=fonts)
