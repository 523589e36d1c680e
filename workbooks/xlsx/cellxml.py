"""One output cell as worksheet XML (`<c>`), the rules every writer of our sheets shares.

Text is written as an inline string (never a formula, so "=HYPERLINK(...)" typed by a user stays
text); values Excel cannot hold are refused or written as text, never truncated: see `cell_xml`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from engine.errors import UnsafeWrite
from engine.parsing import EXCEL_EPOCH
from workbooks.layout import LaidCell
from workbooks.model import CellKind, Formula
from workbooks.xlsx.styles import StyleBook

MAX_TEXT = 32767
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FIRST_DATE = date(1900, 3, 1)  # before this, Excel's 1900 leap-year bug shifts serials
EPOCH = EXCEL_EPOCH  # serials from 1900-03-01 on (earlier dates are written as text)
EPOCH_1904 = date(1904, 1, 1)  # workbooks saved with the 1904 date system (old Mac Excel)
MAX_EXACT_INT = 10**15


_ESCAPE_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NEEDS_EXCEL_ESCAPE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_XML_SPECIAL = re.compile("[&<>\r]")


def excel_escape(text: str) -> str:
    """Characters XML cannot carry, written as Excel writes them (`_x000B_`), so a vertical
    tab pasted from Word reads back as itself; a literal `_x000B_` is protected as
    `_x005F_x000B_`."""
    text = _ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def cell_xml(cell: LaidCell, styles: StyleBook, sheet: str, epoch: date = EPOCH) -> str:
    """One <c> element. Numbers Excel would change (NaN, inf, integers beyond 15 digits) and
    dates Excel cannot show (before 1900-03-01, or 1904-01-01 in the 1904 date system) are
    written as text; text Excel cannot hold is refused. A Formula is written with its cached
    value (number, text, boolean or date serial)."""
    value = cell.value
    if isinstance(value, str):
        return _text(cell, value, styles, sheet)
    if isinstance(value, Formula):
        return _formula(cell, value, styles, epoch)
    if isinstance(value, bool):
        return _text(cell, "TRUE" if value else "FALSE", styles, sheet)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        serial = _serial(value, epoch)
        if serial is None:
            return _text(cell, value.isoformat(), styles, sheet)
        date_style = styles.cell_style(CellKind.DATE, bold=cell.bold, heading=cell.heading)
        return f'<c r="{cell.ref}" s="{date_style}"><v>{serial}</v></c>'
    if isinstance(value, int | float | Decimal):
        number = _number_text(value)
        if number is None:
            return _text(cell, str(value), styles, sheet)
        kind = CellKind.NUMBER if cell.kind is CellKind.TEXT else cell.kind
        style = styles.cell_style(kind, cell.currency, bold=cell.bold, heading=cell.heading)
        return f'<c r="{cell.ref}" s="{style}"><v>{number}</v></c>'
    return _text(cell, str(value), styles, sheet)


def _serial(value: date, epoch: date) -> int | None:
    if value < (FIRST_DATE if epoch == EPOCH else epoch):
        return None
    return (value - epoch).days


def _formula(cell: LaidCell, formula: Formula, styles: StyleBook, epoch: date) -> str:
    """A formula cell: <f> and the engine's value cached in <v>, typed as Excel types it."""
    kind = cell.kind
    cached = formula.cached
    if isinstance(cached, datetime):
        cached = cached.date()
    body = f"<f>{escape(excel_escape(formula.body))}</f>"
    attr, value = "", None
    if isinstance(cached, bool):
        attr, value = ' t="b"', "1" if cached else "0"
    elif isinstance(cached, date):
        serial = _serial(cached, epoch)
        attr, value = (' t="str"', cached.isoformat()) if serial is None else ("", str(serial))
        kind = CellKind.DATE if serial is not None else kind
    elif isinstance(cached, int | float | Decimal):
        value = _number_text(cached)
        attr = ' t="str"' if value is None else ""
        value = value if value is not None else str(cached)
        kind = CellKind.NUMBER if kind is CellKind.TEXT else kind
    elif cached is not None:
        attr, value = ' t="str"', escape(excel_escape(str(cached)))
    style = styles.cell_style(kind, cell.currency, bold=cell.bold, heading=cell.heading)
    cached_xml = f"<v>{value}</v>" if value is not None else ""
    return f'<c r="{cell.ref}" s="{style}"{attr}>{body}{cached_xml}</c>'


def _number_text(value: int | float | Decimal) -> str | None:
    if isinstance(value, int):
        return str(value) if abs(value) <= MAX_EXACT_INT else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) and abs(value) < 1e300 else None
    if not value.is_finite() or (value == value.to_integral_value() and abs(value) > MAX_EXACT_INT):
        return None
    return format(value, "f")


def _text(cell: LaidCell, text: str, styles: StyleBook, sheet: str) -> str:
    ref = cell.ref
    if len(text) > MAX_TEXT:
        raise UnsafeWrite(f"{sheet}!{ref} ({cell.field}): the text is {len(text):,} characters, "
                          f"more than Excel's {MAX_TEXT:,}; nothing was written (no silent "
                          "truncation).")
    style = styles.cell_style(CellKind.TEXT, bold=cell.bold, heading=cell.heading,
                              quoted=text[:1] in "=+-@")
    if _NEEDS_EXCEL_ESCAPE.search(text):  # one search for both of excel_escape's (rare) cases
        text = excel_escape(text)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    # A raw CR is read back as LF (XML end-of-line rule). Most texts need no escaping at all.
    body = escape(text, {"\r": "&#13;"}) if _XML_SPECIAL.search(text) else text
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{body}</t></is></c>'

