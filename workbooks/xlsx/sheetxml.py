"""Render a laid-out OutputSheet (workbooks/layout.py) as worksheet XML plus its Excel Table parts.

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
from workbooks.layout import LaidCell, LaidTable, Layout, table_header
from workbooks.model import CellKind, Formula, column_letter
from workbooks.xlsx.ooxml import MAIN, REL
from workbooks.xlsx.styles import StyleBook

MAX_TEXT = 32767
EXCEL_MAX_ROWS = 1_048_576
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FIRST_DATE = date(1900, 3, 1)  # before this, Excel's 1900 leap-year bug shifts serials
_EPOCH = EXCEL_EPOCH  # serials from 1900-03-01 on (earlier dates are written as text)
_EPOCH_1904 = date(1904, 1, 1)  # workbooks saved with the 1904 date system (old Mac Excel)
_MAX_EXACT_INT = 10**15


def render_sheet(layout: Layout, styles: StyleBook, date1904: bool = False,
                 drawing_rid: str | None = None) -> bytes:
    """The worksheet part of a laid-out output sheet: column widths, values, formulas with their
    cached values, hyperlinks, page setup, row breaks, the drawing (charts) and its tables
    (relationships rId1..rIdN in the order of `layout.tables`)."""
    if layout.last_row > EXCEL_MAX_ROWS:
        raise UnsafeWrite(f"{layout.name}: {layout.last_row - 1:,} rows do not fit in an Excel sheet "
                          f"(at most {EXCEL_MAX_ROWS - 1:,}); nothing was written.")
    ref = f"A1:{column_letter(layout.last_col)}{max(2, layout.last_row)}"
    epoch = _EPOCH_1904 if date1904 else _EPOCH
    fit = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if layout.printable else ""
    pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>') if layout.freeze_header else ""
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{fit}',
        f'<dimension ref="{ref}"/>',
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>',
        _cols(layout),
        "<sheetData>",
    ]
    for r in sorted(layout.rows):
        cells = "".join(cell_xml(cell, styles, layout.name, epoch) for cell in layout.rows[r])
        out.append(f'<row r="{r}">{cells}</row>')
    out.append("</sheetData>")
    links = [cell for cell in layout.cells() if cell.link]
    if links:
        out.append("<hyperlinks>")
        out.extend(f'<hyperlink ref="{c.ref}" location={quoteattr(c.link or "")}/>' for c in links)
        out.append("</hyperlinks>")
    if layout.printable:
        out.append('<printOptions horizontalCentered="1"/>')
    out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" '
               'footer="0.3"/>')
    if layout.printable:
        out.append('<pageSetup paperSize="9" orientation="portrait" fitToWidth="1" fitToHeight="0"/>')
    if layout.row_breaks:
        breaks = "".join(f'<brk id="{row - 1}" max="16383" man="1"/>' for row in layout.row_breaks)
        n = len(layout.row_breaks)
        out.append(f'<rowBreaks count="{n}" manualBreakCount="{n}">{breaks}</rowBreaks>')
    if drawing_rid:
        out.append(f'<drawing r:id="{drawing_rid}"/>')
    if layout.tables:
        parts = "".join(f'<tablePart r:id="rId{i + 1}"/>' for i in range(len(layout.tables)))
        out.append(f'<tableParts count="{len(layout.tables)}">{parts}</tableParts>')
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


def render_table(table: LaidTable, table_id: int) -> bytes:
    """The Excel Table part of a laid-out table (header, rows, and its totals row if any)."""
    columns = []
    for i, header in enumerate(table.headers):
        extra = ""
        if i in table.sums:
            extra = ' totalsRowFunction="sum"'
        elif i == 0 and table.label:
            extra = f" totalsRowLabel={quoteattr(table.label)}"
        columns.append(f'<tableColumn id="{i + 1}" name={quoteattr(table_header(header))}{extra}/>')
    totals = ' totalsRowCount="1"' if table.totals else ' totalsRowShown="0"'
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<table xmlns="{MAIN}" id="{table_id}" name="{table.name}" '
        f'displayName="{table.name}" ref="{table.ref}"{totals}>'
        f'<autoFilter ref="{table.data_ref}"/><tableColumns count="{len(table.headers)}">'
        f'{"".join(columns)}</tableColumns><tableStyleInfo name="TableStyleMedium2" '
        'showFirstColumn="0" showLastColumn="0" showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


_ESCAPE_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_NEEDS_EXCEL_ESCAPE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_XML_SPECIAL = re.compile("[&<>\r]")


def excel_escape(text: str) -> str:
    """Characters XML cannot carry, written as Excel writes them (`_x000B_`), so a vertical
    tab pasted from Word reads back as itself; a literal `_x000B_` is protected as
    `_x005F_x000B_`."""
    text = _ESCAPE_LOOKALIKE.sub(r"_x005F_\1", text)
    return _ILLEGAL_XML.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)


def _cols(layout: Layout) -> str:
    parts = [f'<col min="{i}" max="{i}" width="{width:.2f}" customWidth="1"/>'
             for i, width in enumerate(layout.widths, start=1)]
    return "<cols>" + "".join(parts) + "</cols>"


def cell_xml(cell: LaidCell, styles: StyleBook, sheet: str, epoch: date = _EPOCH) -> str:
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
    if value < (_FIRST_DATE if epoch == _EPOCH else epoch):
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
        return str(value) if abs(value) <= _MAX_EXACT_INT else None
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) and abs(value) < 1e300 else None
    if not value.is_finite() or (value == value.to_integral_value() and abs(value) > _MAX_EXACT_INT):
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
