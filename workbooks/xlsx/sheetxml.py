"""Render a tool-owned OutputSheet as worksheet XML plus an Excel Table part.

Text is written as inline strings (never a formula, so "=HYPERLINK(...)" typed by a user stays
text) and shared strings are left alone. Values Excel cannot hold are refused or written as text,
never truncated: see `cell_xml`.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from engine.errors import UnsafeWrite
from engine.parsing import EXCEL_EPOCH
from workbooks.model import CellKind, OutputSheet, OutputValue, column_letter
from workbooks.xlsx.ooxml import MAIN, REL
from workbooks.xlsx.styles import QUOTED_TEXT

MAX_TEXT = 32767
EXCEL_MAX_ROWS = 1_048_576
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FIRST_DATE = date(1900, 3, 1)  # before this, Excel's 1900 leap-year bug shifts serials
_EPOCH = EXCEL_EPOCH  # serials from 1900-03-01 on (earlier dates are written as text)
_EPOCH_1904 = date(1904, 1, 1)  # workbooks saved with the 1904 date system (old Mac Excel)
_MAX_EXACT_INT = 10**15


def render_sheet(sheet: OutputSheet, styles: dict[str, int], date1904: bool = False) -> bytes:
    """The worksheet part for `sheet`: frozen header, column widths, values, hyperlinks, table."""
    if len(sheet.rows) + 1 > EXCEL_MAX_ROWS:
        raise UnsafeWrite(f"{sheet.name}: {len(sheet.rows):,} rows do not fit in an Excel sheet "
                          f"(at most {EXCEL_MAX_ROWS - 1:,}); nothing was written.")
    width = len(sheet.columns)
    last_row = max(2, len(sheet.rows) + 1)
    ref = f"A1:{column_letter(width)}{last_row}"
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">',
        f'<dimension ref="{ref}"/>',
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
        'sqref="A2"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>',
        _cols(sheet),
        "<sheetData>",
        _row(1, [c.header for c in sheet.columns], [CellKind.TEXT] * width, sheet, styles, _EPOCH),
    ]
    kinds = [c.kind for c in sheet.columns]
    epoch = _EPOCH_1904 if date1904 else _EPOCH
    out.extend(_row(i + 2, values, kinds, sheet, styles, epoch) for i, values in enumerate(sheet.rows))
    out.append("</sheetData>")
    if sheet.links:
        out.append("<hyperlinks>")
        for (r, c), location in sorted(sheet.links.items()):
            out.append(f'<hyperlink ref="{column_letter(c + 1)}{r + 2}" location={quoteattr(location)}/>')
        out.append("</hyperlinks>")
    out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
               'footer="0.3"/>')
    out.append('<tableParts count="1"><tablePart r:id="rId1"/></tableParts></worksheet>')
    return "".join(out).encode("utf-8")


def render_table(sheet: OutputSheet, table_id: int) -> bytes:
    """The Excel Table part covering the header and every row (at least one, maybe blank)."""
    ref = f"A1:{column_letter(len(sheet.columns))}{max(2, len(sheet.rows) + 1)}"
    columns = "".join(f'<tableColumn id="{i + 1}" name={quoteattr(_table_header(c.header))}/>'
                      for i, c in enumerate(sheet.columns))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{MAIN}" id="{table_id}" name="{sheet.table_name}" '
        f'displayName="{sheet.table_name}" ref="{ref}" totalsRowShown="0">'
        f'<autoFilter ref="{ref}"/><tableColumns count="{len(sheet.columns)}">{columns}'
        '</tableColumns><tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" '
        'showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


_ESCAPE_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def excel_escape(text: str) -> str:
    """Characters XML cannot carry, written as Excel writes them (`_x000B_`), so a vertical
    tab pasted from Word reads back as itself; a literal `_x000B_` is protected as
    `_x005F_x000B_`."""
    text = _ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def _table_header(header: str) -> str:
    # Excel escapes these in table column names with an apostrophe.
    return re.sub(r"(['\[\]#])", r"'\1", header).replace("\n", "_x000a_")


def _cols(sheet: OutputSheet) -> str:
    parts = []
    for i, column in enumerate(sheet.columns, start=1):
        width = column.width or _auto_width(sheet, i - 1)
        parts.append(f'<col min="{i}" max="{i}" width="{width:.2f}" customWidth="1"/>')
    return "<cols>" + "".join(parts) + "</cols>"


def _auto_width(sheet: OutputSheet, index: int) -> float:
    sample = [sheet.columns[index].header] + [
        _display(row[index]) for row in sheet.rows[:200] if index < len(row)]
    return float(min(60, max(8, max(len(s) for s in sample) + 3)))


def _display(value: OutputValue) -> str:
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def _row(r: int, values: list[OutputValue], kinds: list[CellKind], sheet: OutputSheet,
         styles: dict[str, int], epoch: date) -> str:
    cells = "".join(
        cell_xml(f"{column_letter(c + 1)}{r}", value, kinds[c], styles, sheet, c, epoch)
        for c, value in enumerate(values) if value is not None and value != "")
    return f'<row r="{r}">{cells}</row>'


def cell_xml(ref: str, value: OutputValue, kind: CellKind, styles: dict[str, int],
             sheet: OutputSheet, col: int, epoch: date = _EPOCH) -> str:
    """One <c> element. Numbers Excel would change (NaN, inf, integers beyond 15 digits) and
    dates Excel cannot show (before 1900-03-01, or 1904-01-01 in the 1904 date system) are
    written as text; text Excel cannot hold is refused."""
    if isinstance(value, bool):
        return _text(ref, "TRUE" if value else "FALSE", styles, sheet, col)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if value < (_FIRST_DATE if epoch == _EPOCH else epoch):
            return _text(ref, value.isoformat(), styles, sheet, col)
        serial = (value - epoch).days
        return f'<c r="{ref}" s="{styles[CellKind.DATE]}"><v>{serial}</v></c>'
    if isinstance(value, int | float | Decimal):
        number = _number_text(value)
        if number is None:
            return _text(ref, str(value), styles, sheet, col)
        style = styles[kind if kind is not CellKind.TEXT else CellKind.NUMBER]
        return f'<c r="{ref}" s="{style}"><v>{number}</v></c>'
    return _text(ref, str(value), styles, sheet, col)


def _number_text(value: int | float | Decimal) -> str | None:
    if isinstance(value, int):
        return str(value) if abs(value) <= _MAX_EXACT_INT else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) and abs(value) < 1e300 else None
    if not value.is_finite() or (value == value.to_integral_value() and abs(value) > _MAX_EXACT_INT):
        return None
    return format(value, "f")


def _text(ref: str, text: str, styles: dict[str, int], sheet: OutputSheet, col: int) -> str:
    field = f'{sheet.name}!{ref} ({sheet.columns[col].header})'
    if len(text) > MAX_TEXT:
        raise UnsafeWrite(f"{field}: the text is {len(text):,} characters, more than Excel's "
                          f"{MAX_TEXT:,}; nothing was written (no silent truncation).")
    style = styles[QUOTED_TEXT] if text[:1] in "=+-@" else styles[CellKind.TEXT]
    text = excel_escape(text)
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    body = escape(text, {"\r": "&#13;"})  # a raw CR is read back as LF (XML end-of-line rule)
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t{space}>{body}</t></is></c>'
