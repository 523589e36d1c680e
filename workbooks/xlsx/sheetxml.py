"""Render a laid-out OutputSheet (workbooks/layout.py) as worksheet XML plus its Excel Table parts.

Cells are written by the rules of `workbooks.xlsx.cellxml` (inline strings, shared strings left
alone; values Excel cannot hold refused or written as text, never truncated); a block's data
rows go through `workbooks.xlsx.blockxml`, column by column.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from engine.errors import UnsafeWrite
from workbooks.layout import LaidCell, LaidRows, LaidTable, Layout, table_header
from workbooks.model import column_letter
from workbooks.xlsx.blockxml import register_styles as register_rows_styles
from workbooks.xlsx.blockxml import render_rows
from workbooks.xlsx.cellxml import EPOCH, EPOCH_1904, cell_xml
from workbooks.xlsx.ooxml import MAIN, REL
from workbooks.xlsx.styles import StyleBook

EXCEL_MAX_ROWS = 1_048_576


def render_sheet(layout: Layout, styles: StyleBook, date1904: bool = False,
                 drawing_rid: str | None = None) -> bytes:
    """The worksheet part of a laid-out output sheet: column widths, values, formulas with their
    cached values, hyperlinks, page setup, row breaks, the drawing (charts) and its tables
    (relationships rId1..rIdN in the order of `layout.tables`)."""
    return "".join(sheet_pieces(layout, styles, date1904, drawing_rid)).encode("utf-8")


def sheet_pieces(layout: Layout, styles: StyleBook, date1904: bool = False,
                 drawing_rid: str | None = None) -> Iterator[str]:
    """`render_sheet`'s text, a piece at a time (a big block's rows a chunk at a time), to be
    written out without holding the whole sheet."""
    if layout.last_row > EXCEL_MAX_ROWS:
        raise UnsafeWrite(f"{layout.name}: {layout.last_row - 1:,} rows do not fit in an Excel sheet "
                          f"(at most {EXCEL_MAX_ROWS - 1:,}); nothing was written.")
    ref = f"A1:{column_letter(layout.last_col)}{max(2, layout.last_row)}"
    epoch = EPOCH_1904 if date1904 else EPOCH
    fit = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if layout.printable else ""
    pane = ('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>') if layout.freeze_header else ""
    yield "".join([
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{fit}',
        f'<dimension ref="{ref}"/>',
        f'<sheetViews><sheetView workbookViewId="0">{pane}</sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>',
        _cols(layout),
        "<sheetData>",
    ])
    links: list[str] = []
    for item in _in_row_order(layout):
        if isinstance(item, LaidRows):
            yield from render_rows(item, styles, layout.name, epoch, links)
        else:
            r, cells = item
            yield (f'<row r="{r}">'
                   f'{"".join(cell_xml(cell, styles, layout.name, epoch) for cell in cells)}</row>')
    out = ["</sheetData>"]
    if links:
        out.append("<hyperlinks>")
        out.extend(links)
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
    yield "".join(out)


def register_styles(layout: Layout, styles: StyleBook) -> None:
    """Look up every style `render_sheet` is expected to ask for (see blockxml.register_styles)."""
    for cells in layout.rows.values():
        for cell in cells:
            cell_xml(cell, styles, layout.name, EPOCH)
    for data in layout.data:
        register_rows_styles(data, styles)


def cell_count(layout: Layout) -> int:
    """Cells of the blocks' data rows (what rendering a sheet costs)."""
    return sum(len(d.block.rows) * len(d.headers) for d in layout.data)


def _in_row_order(layout: Layout) -> Iterator[LaidRows | tuple[int, list[LaidCell]]]:
    """The single rows (headings, headers, totals) and the blocks' data rows, top to bottom
    (a block's data rows never share a row with anything else)."""
    singles = sorted(layout.rows.items())
    i = 0
    for data in layout.data:
        while i < len(singles) and singles[i][0] < data.first_row:
            yield singles[i]
            i += 1
        yield data
    yield from singles[i:]


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


def _cols(layout: Layout) -> str:
    parts = [f'<col min="{i}" max="{i}" width="{width:.2f}" customWidth="1"/>'
             for i, width in enumerate(layout.widths, start=1)]
    return "<cols>" + "".join(parts) + "</cols>"
