"""Cell values: what one cell of a ledger says, as text, a count or a moment.

Real ledgers are typed by hand in many offices: numbers come back from the reader as floats, dates as
Excel serials, datetimes, or text in a dozen formats ("2019/5/10 14:56:53", "2019年5月10日",
"20190510", "43595.5"). These helpers turn a cell into the one value the ledger wants, or raise
`_Reject` with a message in Chinese naming the column and the value, so that the row can be reported
and the rest of the file imported. Pure apart from the time zone setting: no database."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from ...sanitize import clean

_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*T?\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})\s*分?(?:\s*[:：]?\s*(\d{1,2})(?:\.\d+)?\s*秒?)?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?")
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)


class _Reject(Exception):
    """One row cannot be imported; the message says why, in Chinese."""


def _filled(value) -> bool:
    """A cell with something in it: a cell of spaces and invisible characters is as empty as it looks."""
    return value is not None and not (isinstance(value, str) and not clean(value).strip())


def _cell_str(value) -> str:
    """A cell as text: the one place a ledger's cells become text, so control and invisible characters
    (`sanitize.clean`) go here, for every column. A cell that holds a formula arrives as the value the
    file saved for it, or as the formula's own text (`archive.py`): either way text, never evaluated."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return clean(str(value))


def _count(value, label: str) -> int:
    if not _filled(value):
        return 0
    try:
        number = float(str(value).strip().replace(",", "")) if not isinstance(value, (int, float)) else float(value)
    except ValueError:
        raise _Reject(f"{label}“{value}”不是数字") from None
    if number < 0 or not number.is_integer() or number > 2_000_000_000:
        raise _Reject(f"{label}“{_cell_str(value)}”应为非负整数")
    return int(number)


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def _degrees(value, label: str, example: str) -> float | None:
    if not _filled(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    found = _NUMBER.fullmatch(_cell_str(value).strip().rstrip("°"))
    if not found:
        raise _Reject(f"{label}“{_cell_str(value)}”不是数字（应为十进制度数，如 {example}）")
    return float(found.group(0))


def _point(lat_cell, lng_cell, pair_cell) -> dict:
    """A row's point as `submit_voice` takes it ({} when none): from a 纬度 and a 经度 column, or one
    经纬度 column ("112.97,28.19", longitude first as Chinese ledgers write it; the order is told by the
    numbers where one of them cannot be a latitude). Columns swapped by mistake (a 纬度 of 112) are put
    right; 0,0 — a placeholder — is no point. WGS-84 decimal degrees (docs/map.md)."""
    lat, lng = _degrees(lat_cell, "纬度", "28.19"), _degrees(lng_cell, "经度", "112.97")
    if lat is None and lng is None and _filled(pair_cell):
        numbers = [float(n) for n in _NUMBER.findall(_cell_str(pair_cell))]
        if len(numbers) != 2:
            raise _Reject(f"经纬度“{_cell_str(pair_cell)}”应为两个数，如 112.97,28.19")
        lng, lat = numbers if abs(numbers[0]) > 90 or abs(numbers[1]) <= 90 and abs(numbers[0]) > abs(numbers[1]) \
            else numbers[::-1]
    if lat is None and lng is None or lat == 0 and lng == 0:
        return {}
    if lat is None or lng is None:
        raise _Reject("只有纬度或只有经度：坐标应成对填写")
    if abs(lat) > 90 >= abs(lng):
        lat, lng = lng, lat
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise _Reject(f"坐标（纬度 {lat}，经度 {lng}）超出范围")
    return {"lat": lat, "lng": lng}


class DateParser:
    def __init__(self, date_format: str = ""):
        self.date_format = date_format
        self.tz = ZoneInfo(settings.TIME_ZONE)

    def __call__(self, value, label: str) -> dt.datetime:
        naive = self.naive(value)
        if naive is None:
            shown = _cell_str(value).strip()
            if len(shown) > 40:
                shown = shown[:40] + "…"
            raise _Reject(f"{label}“{shown}”无法识别，应为如 2019/5/10 14:56:53 或 2019-05-10 的日期时间")
        if naive.tzinfo is not None:
            return naive
        if not 1900 <= naive.year <= 2100:
            raise _Reject(f"{label}“{_cell_str(value)}”超出合理范围")
        return timezone.make_aware(naive, self.tz)

    def naive(self, value) -> dt.datetime | None:
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return self.serial(value)
        if not isinstance(value, str):
            return None
        text = clean(value).strip()
        if not text:
            return None
        if self.date_format:
            try:
                return dt.datetime.strptime(text, self.date_format)
            except ValueError:
                pass
        m = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
        if m:
            y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
            try:
                return dt.datetime(y, mo, d, h, mi, s)
            except ValueError:
                return None
        try:
            return self.serial(float(text))
        except ValueError:
            pass
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return None

    @staticmethod
    def serial(number: float) -> dt.datetime | None:
        """An Excel date serial (days since 1899-12-30, fraction = time of day)."""
        if not 1 <= number < 2958466:
            return None
        moment = _EXCEL_EPOCH + dt.timedelta(days=number)
        return moment.replace(microsecond=0) + dt.timedelta(seconds=round(moment.microsecond / 1e6))
