"""Printable reports: HTML rendered by a template, turned into PDF by WeasyPrint with the system's
Noto CJK fonts (Debian fonts-noto-cjk), so Chinese prints correctly and the fonts are embedded."""

from django.template.loader import render_to_string

from .errors import DomainError


class Unavailable(DomainError):
    status = 503
    default_code = "pdf_unavailable"


def render_pdf(template: str, context: dict, base_url: str = "") -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as e:  # OSError: the Pango libraries are missing on this machine
        raise Unavailable("此服务器无法生成 PDF（缺少 Pango 排版库），请改为导出 Excel，或请管理员安装 libpango") from e
    html = render_to_string(template, context)
    return HTML(string=html, base_url=base_url or None).write_pdf()
