"""Bad input, as a class: `clean` decides what text may hold where it enters the system, and
`sheet_row` makes values safe to write into a spreadsheet where it leaves.

`clean` removes what no one can see or type on purpose: C0/C1 control characters (a line break is kept
in multi-line text, \\r\\n and \\r become \\n, a tab becomes a space), Unicode format characters (category
Cf: zero-width spaces, bidi overrides such as U+202E that make "gpj.exe" read as "exe.jpg", the BOM, the
soft hyphen…), lone surrogates and noncharacters (no encoder, database or XML writer accepts them), the
Hangul filler letters used as "invisible names", and everything openpyxl refuses in a cell
(`openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE`, a subset of the above). It keeps everything a person writes:
CJK, ideographic and no-break spaces, private-use characters (rare names in some office fonts), emoji
and their variation selectors. It is applied once at each edge — the API's parser (`api/main.py`), the
web forms' middleware (`web/middleware.py`), the Excel reader (`intake/excel/cells.py`), attachment names —
and again by the services' own text checks (`intake.services.clean_text`, `ledger.actions.common.text_field`,
`org.services`), so that a direct service call (CLI, simulator, demo) is just as safe.

`sheet_row` is what every .xlsx writer (`intake/excel/export.py`, `consult/report.py`,
`insight/monthly.py`) passes each row through: user text is written as a string cell — never a formula,
even when it begins with = + - @ — with Excel's own "this is text" mark (quotePrefix) on those, illegal
characters removed, over-long text cut at Excel's cell limit, and odd values (time-zone-aware datetimes,
NaN, an unknown type) turned into something a cell can hold instead of breaking the export.

Why a module of its own in the bottom row and not in `text/normalise.py`: `normalise` makes a *derived*
search form (NFKC, 繁→简) beside an original that is always kept; this decides what the original itself may
contain, and what an export may write (openpyxl's rules, which the NLP layer has no business knowing).
Every layer needs it — the org services, the ledger, intake, consult, insight, api and web — so it sits
beside `errors` and `privacy`, and like them imports no framework and no app (a forbidden contract in
pyproject.toml)."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

EXCEL_CELL_LIMIT = 32767  # characters in one cell; Excel cuts (and calls the file damaged) beyond it
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may read as the start of a formula
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
_HANGUL_FILLERS = "\u115f\u1160\u3164\uffa0"


@lru_cache(maxsize=1)
def _dropped() -> re.Pattern:
    """Every character `clean` removes (after line breaks and tabs are dealt with), as one class.
    Built from the Unicode database of this Python on first use (~0.2 s, once per process)."""
    ranges: list[list[int]] = []
    for code in range(0x110000):
        ch = chr(code)
        cat = unicodedata.category(ch)
        drop = (cat in ("Cc", "Cf", "Cs") and ch != "\n") or ch in _HANGUL_FILLERS \
            or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE
        if drop:
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return re.compile(f"[{body}]")


def clean(text: str, *, multiline: bool = True) -> str:
    """`text` without control, format and invisible characters (see the module docstring). Line breaks
    become \\n, or a space when `multiline` is false; a tab becomes a space. Nothing else changes: no
    trimming, no normalisation (the callers' own rules do that)."""
    if not text or (text.isprintable() and (multiline or "\n" not in text)):
        return text  # the common case, decided in C
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ")
    text = _dropped().sub("", text)
    return text if multiline else text.replace("\n", " ")


def is_secret(key) -> bool:
    """Fields cleaned by no one: a password is compared byte for byte, never shown."""
    return isinstance(key, str) and "password" in key.lower()


def clean_tree(value):
    """Every string in a parsed JSON body (dicts, lists, strings; keys too), cleaned; password fields kept."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {(clean(k) if isinstance(k, str) else k): (v if is_secret(k) else clean_tree(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_tree(v) for v in value]
    return value


# -- out: spreadsheet cells


def sheet_text(value: str) -> str:
    """A string as a cell may hold it: cleaned (which removes everything openpyxl refuses) and cut at
    Excel's limit."""
    text = clean(value)
    return text if len(text) <= EXCEL_CELL_LIMIT else text[: EXCEL_CELL_LIMIT - 1] + "…"


def _plain(value):
    """A value openpyxl can write, other than a string; None for what a cell cannot hold."""
    if value is None or isinstance(value, (bool, int, decimal.Decimal, dt.date, dt.time, dt.timedelta)):
        if isinstance(value, (dt.datetime, dt.time)) and value.tzinfo is not None:
            return value.replace(tzinfo=None)  # Excel has no time zones: the wall time the caller chose
        if isinstance(value, decimal.Decimal) and not value.is_finite():
            return None
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)  # a lazy translation, a UUID, an enum …: its text


def sheet_cell(ws, value):
    """One value for `ws.append`, as a cell of its own (None stays None: no cell): a string becomes a cell
    that is text whatever it begins with; an existing cell (with its font or number format) has its value
    made safe the same way. A cell of its own each, because a write-only sheet reuses the last cell
    object it was given for the plain values after it, style and all."""
    from openpyxl.cell.cell import Cell

    if isinstance(value, Cell):
        cell, value = value, _plain(value.value)
    else:
        value = _plain(value)
        if value is None:
            return None
        cell = Cell(ws, row=1, column=1)  # placed by ws.append
    if not isinstance(value, str):
        cell.value = value
        return cell
    text = sheet_text(value)
    cell.value = text  # openpyxl types a string beginning with "=" as a formula here …
    cell.data_type = "s"  # … so the type is set afterwards: written as a string, never as <f>
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True  # Excel's own mark for "typed as text": editing the cell keeps it text
    return cell


def sheet_row(ws, values: Iterable) -> list:
    """`values` ready for `ws.append(...)` on a normal or write-only worksheet (see `sheet_cell`)."""
    return [sheet_cell(ws, v) for v in values]
