"""A block's data rows as worksheet XML, built column by column.

A close writes millions of cells (the Journal alone has one row per posting), so the rows of a
block are not cut into one `LaidCell` each: every column is checked once for what it holds, and
a column of one plain kind (text with nothing to escape or quote, finite Decimals and ints Excel
keeps exactly, dates it can show) is written in one comprehension with one style lookup. Any
other column goes cell by cell through `cell_xml`, whose rules the fast paths follow exactly
(tests/test_sheet_rows.py compares the two on random blocks).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import chain, repeat
from xml.sax.saxutils import quoteattr

from workbooks.layout import LaidCell, LaidRows
from workbooks.model import CellKind, OutputValue, column_letter
from workbooks.xlsx.cellxml import EPOCH, FIRST_DATE, MAX_EXACT_INT, MAX_TEXT, cell_xml
from workbooks.xlsx.styles import StyleBook

letter = lru_cache(maxsize=1024)(column_letter)
# Characters that send a text through `cell_xml`: XML specials, a line break (xml:space) and
# characters XML cannot carry; plus, below, Excel's `_x000B_` escapes and a leading = + - @
# (quoted) or surrounding whitespace (xml:space).
_SPECIAL_CHAR = re.compile("[&<>\r\n\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LOOKALIKE = re.compile("_x[0-9A-Fa-f]{4}_")
_QUOTED_START = frozenset("=+-@")
_NOT_A_NUMBER = re.compile("[^0-9.-]")


CHUNK_ROWS = 32_768  # rows rendered at a time: their strings' memory is reused by the next


def render_rows(data: LaidRows, styles: StyleBook, sheet: str, epoch: date,
                links: list[str]) -> Iterator[str]:
    """The <row> elements of a block's data rows (rows with no value left out), each cell as
    `cell_xml` writes it, a chunk of rows at a time. The <hyperlink> elements of its non-blank
    cells are added to `links` first."""
    rows = data.block.rows
    width = len(data.headers)
    if any(len(values) != width for values in rows):
        rows = [[*values, *[None] * (width - len(values))] for values in rows]
    links.extend(_hyperlinks(data.block.links, rows, data.first_row))
    for start in range(0, len(rows), CHUNK_ROWS):
        yield _chunk(data, rows[start:start + CHUNK_ROWS], start, styles, sheet, epoch)


def _chunk(data: LaidRows, rows: list[list[OutputValue]], start: int, styles: StyleBook,
           sheet: str, epoch: date) -> str:
    """Rows start.. of the block (`rows`), rendered column by column."""
    first = data.first_row + start
    numbers = list(map(str, range(first, first + len(rows))))
    columns = [_column(values, c, data, styles, sheet, epoch, numbers, first)
               for c, values in enumerate(zip(*rows, strict=True))]
    for r in data.block.bold_rows:  # a payslip's net pay: rare, written cell by cell
        if start <= r < start + len(rows):
            for c, cell in enumerate(data.row_cells(r)):
                columns[c][r - start] = cell_xml(cell, styles, sheet, epoch) if cell else ""
    opens = [f'<row r="{n}">' for n in numbers]
    if not any(all(cells) for cells in columns):  # some row may be blank: it is left out
        kept = [i for i, cells in enumerate(zip(*columns, strict=True)) if any(cells)]
        opens, columns = [opens[i] for i in kept], [[cells[i] for i in kept] for cells in columns]
    return "".join(chain.from_iterable(zip(opens, *columns, repeat("</row>"))))


def register_styles(data: LaidRows, styles: StyleBook) -> None:
    """Look up, ahead of `render_rows`, the styles its fast paths can ask for: text, date and
    each column's number format (a forked child renders with a copy of the styles: whatever it
    adds is lost, so it must add nothing)."""
    styles.cell_style(CellKind.TEXT)
    styles.cell_style(CellKind.DATE)
    for c in range(len(data.headers)):
        _number_style(c, data, styles)
    for r in data.block.bold_rows:
        if r < len(data.block.rows):
            for cell in data.row_cells(r):
                if cell is not None:
                    cell_xml(cell, styles, "", EPOCH)


def _hyperlinks(links: dict[tuple[int, int], str], rows: list[list[OutputValue]],
                first_row: int) -> list[str]:
    """The <hyperlink> elements of the linked cells that hold a value."""
    width = len(rows[0]) if rows else 0
    letters = [letter(c + 1) for c in range(width)]
    kept = [(r, c, target) for (r, c), target in links.items()
            if r < len(rows) and c < width and not _blank(rows[r][c])]
    if _NEEDS_QUOTE.search("".join(target for _, _, target in kept)):
        return [f'<hyperlink ref="{letters[c]}{first_row + r}" location={quoteattr(target)}/>'
                for r, c, target in kept]
    # The usual locations ("'Orders'!A7") need no escaping: quoteattr's cost is spared.
    return [f'<hyperlink ref="{letters[c]}{first_row + r}" location="{target}"/>'
            for r, c, target in kept]


def _blank(value: OutputValue) -> bool:
    return value is None or (isinstance(value, str) and value == "")


_NEEDS_QUOTE = re.compile("[&<>\"\n\r\t]")


def _column(values: Sequence[OutputValue], c: int, data: LaidRows, styles: StyleBook, sheet: str,
            epoch: date, numbers: list[str], first: int) -> list[str]:
    """Column c's <c> elements ("" for a blank cell)."""
    kinds = set(map(type, values))
    kinds.discard(type(None))
    if len(kinds) == 1:
        fast = _FAST.get(kinds.pop())
        cells = fast(values, c, data, styles, epoch, numbers) if fast is not None else None
        if cells is not None:
            return cells
    kind, currency, header = data.kinds[c], data.currencies[c], data.headers[c]
    return [cell_xml(LaidCell(first + r, c + 1, value, kind, currency, False, False, None,
                              header), styles, sheet, epoch)
            if not (value is None or (isinstance(value, str) and value == "")) else ""
            for r, value in enumerate(values)]


def _texts(values: Sequence[OutputValue], c: int, data: LaidRows, styles: StyleBook, epoch: date,
           numbers: list[str]) -> list[str] | None:
    """A text column with nothing to escape, quote or preserve, else None."""
    present: list[str] = [v for v in values if v]  # type: ignore[misc]
    if not present:
        return [""] * len(values)
    joined = "".join(present)
    if (_SPECIAL_CHAR.search(joined) or ("_x" in joined and _LOOKALIKE.search(joined))
            or max(map(len, present)) > MAX_TEXT):
        return None
    firsts, lasts = {v[0] for v in present}, {v[-1] for v in present}
    if firsts & _QUOTED_START or any(ch.isspace() for ch in firsts | lasts):
        return None
    ref, head = letter(c + 1), f'" s="{styles.cell_style(CellKind.TEXT)}" t="inlineStr"><is><t>'
    return [f'<c r="{ref}{n}{head}{v}</t></is></c>' if v else ""
            for n, v in zip(numbers, values, strict=True)]


def _decimals(values: Sequence[OutputValue], c: int, data: LaidRows, styles: StyleBook,
              epoch: date, numbers: list[str]) -> list[str] | None:
    """A Decimal column Excel holds exactly (finite, within 15 digits), else None."""
    # str() is format(v, "f") but for an exponent ("1E+3", "1E-7"): then the column takes "f".
    texts = [str(v) if v is not None else "" for v in values]
    joined = "".join(texts)
    if "E" in joined:
        texts = [format(v, "f") if v is not None else "" for v in values]
        joined = "".join(texts)
    # Finite values print as digits, "-" and "."; 15 characters at most keep every integer
    # within Excel's exact range (cell_xml decides the rest).
    if max(map(len, texts)) > 15 or _NOT_A_NUMBER.search(joined):
        return None
    return _number_cells(texts, c, data, styles, numbers)


def _integers(values: Sequence[OutputValue], c: int, data: LaidRows, styles: StyleBook,
              epoch: date, numbers: list[str]) -> list[str] | None:
    """An int column Excel holds exactly (within 15 digits), else None."""
    if not _within([v for v in values if v is not None]):  # type: ignore[misc]
        return None
    return _number_cells([v if v is not None else "" for v in values], c, data, styles, numbers)


def _number_cells(texts: Sequence[object], c: int, data: LaidRows, styles: StyleBook,
                  numbers: list[str]) -> list[str]:
    """Column c's number cells from their texts ("" for a blank)."""
    ref, head = letter(c + 1), f'" s="{_number_style(c, data, styles)}"><v>'
    return [f'<c r="{ref}{n}{head}{v}</v></c>' if v != "" else ""
            for n, v in zip(numbers, texts, strict=True)]


def _dates(values: Sequence[OutputValue], c: int, data: LaidRows, styles: StyleBook,
           epoch: date, numbers: list[str]) -> list[str] | None:
    """A date column Excel can show (from 1900-03-01, or the 1904 epoch), else None."""
    present: list[date] = [v for v in values if v is not None]  # type: ignore[misc]
    if present and min(present) < (FIRST_DATE if epoch == EPOCH else epoch):
        return None
    ref, base = letter(c + 1), epoch.toordinal()
    head = f'" s="{styles.cell_style(CellKind.DATE)}"><v>'
    return [f'<c r="{ref}{n}{head}{v.toordinal() - base}</v></c>'  # type: ignore[union-attr]
            if v is not None else "" for n, v in zip(numbers, values, strict=True)]


def _within(numbers: list[int]) -> bool:
    """Every integer within Excel's 15 exact digits."""
    return not numbers or (min(numbers) >= -MAX_EXACT_INT and max(numbers) <= MAX_EXACT_INT)


def _number_style(c: int, data: LaidRows, styles: StyleBook) -> int:
    """The style of a number in column c: its kind's format (a text column shows General)."""
    kind = data.kinds[c]
    return styles.cell_style(CellKind.NUMBER if kind is CellKind.TEXT else kind, data.currencies[c])


_Fast = Callable[[Sequence[OutputValue], int, LaidRows, StyleBook, date, list[str]],
                 list[str] | None]
_FAST: dict[type, _Fast] = {str: _texts, Decimal: _decimals, int: _integers, date: _dates}
