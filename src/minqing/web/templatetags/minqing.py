"""Template filters: times shown the way a Chinese office reads them."""

import datetime as dt
import re

from django import template
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


def _parse(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    try:
        return timezone.localtime(dt.datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return None


@register.filter
def when(value):
    """'2026-11-27 11:02' (year omitted when it is this year)."""
    moment = _parse(value)
    if moment is None:
        return ""
    return moment.strftime("%m-%d %H:%M" if moment.year == timezone.localtime().year else "%Y-%m-%d %H:%M")


@register.filter
def day(value):
    moment = _parse(value)
    return moment.strftime("%Y-%m-%d") if moment else ""


@register.filter
def pct(value):
    """0.8532 → '85.3%'; None → '—' (no denominator yet)."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"


_SITE_PATH = re.compile(r"(?<![\w/])(/[a-z][\w/-]*/(?:\?[\w=&;%.-]+)?)")


@register.filter
def sitelinks(text):
    """A notice's text with the site's own paths in it ("请在“月报”页查看（/reports/monthly/?unit=QS…）")
    made into links: the same text goes out by SMS, where a path is all there can be."""
    return mark_safe(_SITE_PATH.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', escape(text or "")))
