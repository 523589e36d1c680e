"""Cell marks in a worksheet part: set or restore the style of single cells, by byte surgery.

A user's sheet may hold a million rows; parsing it into a tree to colour a few cells would cost
seconds and memory. Rows are written in ascending order, so one forward scan finds every row
we need; each edit is a small splice of the cell's start tag. Everything else in the part is
kept byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from workbooks.model import column_number
from workbooks.xlsx.zipcopy import Splice, Spliced

_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
_ROW = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?row\b[^>]*?\sr="(\d+)"[^>]*?(/?)>')
_CELL = re.compile(rb'<((?:[A-Za-z_][\w.-]*:)?)c\b([^>]*?)(/?)>')
_R_ATTR = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_S_ATTR = re.compile(rb'\ss="(\d+)"')
_EMPTY_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\s*/>")


@dataclass(frozen=True)
class StyleEdit:
    """Give cell `cell` the style `style`; `style=None` removes the s attribute (the default
    style); `remove_if_empty` drops a cell we inserted, when it still holds no value."""

    cell: str
    style: int | None
    remove_if_empty: bool = False
    collapse_row: bool = False  # the row was <row .../> before we inserted into it
    drop_row: bool = False  # the row did not exist before we inserted it
    collapse_sheet: bool = False  # the sheet was <sheetData/> before we inserted into it
    # The style as a function of the cell's current one (None: no s attribute or no cell): read
    # and set in the same scan, so a million-row part is searched once. Overrides `style`.
    restyle: Callable[[int | None], int] | None = None

    def target(self, previous: int | None) -> int | None:
        """The style this edit gives a cell whose current style is `previous`."""
        return self.restyle(previous) if self.restyle is not None else self.style


@dataclass(frozen=True)
class StyleChange:
    """What an edit found: the cell's previous style (None = no s attribute), whether we had
    to insert the cell, and whether the row exists at all."""

    cell: str
    previous: int | None
    inserted: bool
    found: bool
    empty_row: bool = False
    new_row: bool = False
    empty_sheet: bool = False
    style: int | None = None  # the style the cell has now


def edit_styles(xml: bytes, edits: list[StyleEdit], extra: Sequence[Splice] = ()
                ) -> tuple[bytes, list[StyleChange]]:
    """Apply style edits to a worksheet part; return the new part and what each edit found.
    `extra` splices (outside sheetData, e.g. a legacyDrawing element) are applied in the same
    pass: a big part is copied once, not once per kind of change."""
    splices, changes = plan_styles(xml, edits, extra)
    xml = Spliced(xml, splices).join()
    if any(e.collapse_sheet for e in edits):
        xml = re.sub(rb"<((?:[A-Za-z_][\w.-]*:)?)sheetData></(?:[A-Za-z_][\w.-]*:)?sheetData>",
                     rb"<\1sheetData/>", xml, count=1)
    return xml, changes


def plan_styles(xml: bytes, edits: list[StyleEdit], extra: Sequence[Splice] = (),
                origins: Mapping[int, tuple[bool, bool]] | None = None
                ) -> tuple[list[Splice], list[StyleChange]]:
    """The splices that apply `edits` (plus `extra`) to a worksheet part, found in one forward
    scan, and what each edit found (`collapse_sheet` is left to edit_styles). `origins` says,
    per row, whether our earlier marks made it (new_row) or filled it when empty (empty_row): a
    cell inserted into such a row inherits that, so taking every mark off restores the row."""
    by_row: dict[int, list[StyleEdit]] = {}
    for edit in edits:
        by_row.setdefault(_split(edit.cell)[1], []).append(edit)
    splices: list[Splice] = list(extra)
    changes: list[StyleChange] = []
    empty = _empty_sheet_data(xml)
    if empty is not None:  # <sheetData/>: every row is new, all in one sheetData element
        prefix = _sheet_prefix(xml)
        rows = [_new_row(prefix, number, by_row[number]) for number in sorted(by_row)]
        body = b"".join(row for row, _ in rows)
        if body:
            splices.append((empty.start(), empty.end(),
                            b"<%ssheetData>%s</%ssheetData>" % (prefix, body, prefix)))
        for row, row_changes in rows:
            changes += [replace(c, empty_sheet=True) if row else c for c in row_changes]
        return splices, changes
    pos = 0
    for row_number in sorted(by_row):
        match = _find_row(xml, row_number, pos)
        if match is None:  # a row of ours, before the next row or at the end of sheetData
            row, row_changes = _new_row(_sheet_prefix(xml), row_number, by_row[row_number])
            later = _next_row(xml, row_number, pos)
            at = later if later is not None else xml.index(b"</" + _sheet_prefix(xml) + b"sheetData>")
            if row:
                splices.append((at, at, row))
            changes += row_changes
            continue
        end, row_splices, row_changes = _edit_row(xml, match, by_row[row_number],
                                                  (origins or {}).get(row_number, (False, False)))
        splices += row_splices
        changes += row_changes
        pos = end
    return splices, changes


def _new_row(prefix: bytes, number: int, edits: list[StyleEdit]) -> tuple[bytes, list[StyleChange]]:
    """A row holding our styled empty cells, in column order (b"" when no edit sets a style)."""
    styles = {e.cell: e.target(None) for e in edits}
    put = {cell: style for cell, style in styles.items() if style is not None}
    styled = sorted((e for e in edits if e.cell in put), key=lambda e: column_number(_split(e.cell)[0]))
    if not styled:
        return b"", [StyleChange(e.cell, None, False, False) for e in edits]
    cells = b"".join(b'<%sc r="%s" s="%d"/>' % (prefix, e.cell.encode(), put[e.cell]) for e in styled)
    row = b'<%srow r="%d">%s</%srow>' % (prefix, number, cells, prefix)
    return row, [StyleChange(e.cell, None, True, True, new_row=True, style=styles[e.cell])
                 for e in styled]


def _empty_sheet_data(xml: bytes) -> re.Match[bytes] | None:
    """The <sheetData/> element of a sheet without rows (looked for where sheetData starts,
    not by scanning a big part)."""
    start = re.search(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData\b", xml)
    return _EMPTY_SHEET_DATA.match(xml, start.start()) if start else None


def _sheet_prefix(xml: bytes) -> bytes:
    match = re.search(rb"<([A-Za-z_][\w.-]*:)?sheetData\b", xml)
    return (match.group(1) or b"") if match else b""


def _next_row(xml: bytes, number: int, pos: int) -> int | None:
    for match in _ROW.finditer(xml, pos):
        if int(match.group(1)) > number:
            return match.start()
    return None


def _split(cell: str) -> tuple[str, int]:
    match = _CELL_REF.match(cell)
    if not match:
        raise ValueError(f"not a cell reference: {cell}")
    return match.group(1), int(match.group(2))


def _find_row(xml: bytes, number: int, pos: int) -> re.Match[bytes] | None:
    # Fast path: Excel and most writers put r first (`<row r="7"`); bytes.find runs at memory
    # speed where a regex loop over a million rows takes seconds.
    at = xml.find(b'<row r="%d"' % number, _skip_rows(xml, number, pos))
    if at >= 0:
        return _ROW.match(xml, at)
    for match in _ROW.finditer(xml, pos):
        found = int(match.group(1))
        if found == number:
            return match
        if found > number:
            return None
    return None


def _skip_rows(xml: bytes, number: int, pos: int) -> int:
    """Where to look for row `number` from, at or after `pos`: past rows before it, skipped by
    the bytes the next row takes (10,000 marks over a 425 MB sheet: a few KB searched per mark
    instead of the whole part). Rows come in ascending order, so a row found below `number`
    is before it; on any doubt, `pos`."""
    here = xml.find(b'<row r="', pos)
    first = _row_number_at(xml, here)
    if first is None or first >= number - 1:
        return pos
    after = xml.find(b'<row r="', here + 8)
    second = _row_number_at(xml, after)
    if second is None or second <= first:
        return pos
    guess = here + (after - here) * (number - first) // (second - first) * 7 // 8  # short of it
    back = xml.rfind(b'<row r="', after, guess) if guess > after else -1
    below = _row_number_at(xml, back)
    return back if below is not None and below < number else pos


def _row_number_at(xml: bytes, at: int) -> int | None:
    """The number of the `<row r="..."` at `at` (None when there is none)."""
    if at < 0:
        return None
    end = xml.find(b'"', at + 8, at + 20)
    digits = xml[at + 8:end] if end > 0 else b""
    return int(digits) if digits.isdigit() else None


def _edit_row(xml: bytes, row: re.Match[bytes], edits: list[StyleEdit], origin: tuple[bool, bool]
              ) -> tuple[int, list[Splice], list[StyleChange]]:
    prefix = row.group(0)[1 : row.group(0).index(b"row")]
    if row.group(2):  # <row .../>: no cells at all
        body_start = body_end = row.end()
        close = b"</" + prefix + b"row>"
        head_splice = (row.start(), row.end(), row.group(0)[:-2] + b">")
    else:
        body_start = row.end()
        body_end = xml.index(b"</" + prefix + b"row>", body_start)
        close, head_splice = b"", None
    cells = _cells_of(xml, prefix, body_start, body_end, edits)
    splices: list[Splice] = [head_splice] if head_splice else []
    changes = []
    inserts: list[tuple[int, int, bytes]] = []
    new_row, empty_row = origin[0], origin[1] or bool(head_splice)
    for edit in edits:
        letters, _ = _split(edit.cell)
        cell = cells.get(edit.cell)
        if cell is None:
            style = edit.target(None)
            if style is not None:
                column = column_number(letters)
                inserts.append((_insert_point(cells, column, body_end), column,
                                b"<%sc r=\"%s\" s=\"%d\"/>" % (prefix, edit.cell.encode(), style)))
            changes.append(StyleChange(edit.cell, None, True, True, empty_row=empty_row,
                                       new_row=new_row, style=style))
            continue
        start, end, tag, previous = cell
        style = edit.target(previous)
        if edit.remove_if_empty and tag.endswith(b"/>"):
            splices.append((start, end, b""))
        else:
            splices.append((start, start + len(tag), _with_style(tag, style)))
        changes.append(StyleChange(edit.cell, previous, False, True, style=style))
    for at, _column, text in sorted(inserts):  # cells sharing a gap go in column order
        splices.append((at, at, text))
    if not inserts and _emptied(xml, body_start, body_end, cells, edits, "drop_row"):  # ours: drop it
        end_tag = body_end + len(b"</" + prefix + b"row>")
        return body_end, [(row.start(), end_tag, b"")], changes
    if not inserts and _emptied(xml, body_start, body_end, cells, edits, "collapse_row"):  # <row/>
        row_tag = row.group(0)
        end_tag = body_end + len(b"</" + prefix + b"row>")
        return body_end, [(row.start(), end_tag, row_tag[:-1] + b"/>")], changes
    if close:
        splices.append((body_end, body_end, close))
    return body_end, splices, changes


def _emptied(xml: bytes, start: int, end: int, cells: dict[str, tuple[int, int, bytes, int | None]],
             edits: list[StyleEdit], flag: str) -> bool:
    """True when the edits remove every cell of a row that was empty (or absent) before."""
    removed = {e.cell for e in edits if e.remove_if_empty and getattr(e, flag)}
    if not removed or removed != set(cells):
        return False
    leftover = xml[start:end]
    for cell_start, cell_end, _tag, _style in cells.values():
        leftover = leftover.replace(xml[cell_start:cell_end], b"", 1)
    return not leftover.strip()


def _cells_of(xml: bytes, prefix: bytes, start: int, end: int, edits: list[StyleEdit]
              ) -> dict[str, tuple[int, int, bytes, int | None]]:
    """The row's cells an edit needs: found directly when every edited cell is there and no
    edit may drop a cell (the common case: 10,000 marks on a 1M-row sheet, one cell of eleven
    each), else every cell of the row (insertion points, emptied rows)."""
    if not any(e.remove_if_empty for e in edits):
        found = {}
        for edit in edits:
            cell = _cell_at(xml, prefix, edit.cell, start, end)
            if cell is None:
                break
            found[edit.cell] = cell
        else:
            return found
    return _cells(xml, start, end)


def _cell_at(xml: bytes, prefix: bytes, ref: str, start: int, end: int
             ) -> tuple[int, int, bytes, int | None] | None:
    """One cell of a row, found by its r attribute written first (`<c r="G7"`, as Excel and
    most writers do): (start, end of element, start tag, style); None when not so written."""
    at = xml.find(b'<%sc r="%s"' % (prefix, ref.encode()), start, end)
    match = _CELL.match(xml, at, end) if at >= 0 else None
    if match is None:
        return None
    tag = match.group(0)
    if match.group(3):
        element_end = match.end()
    else:
        close = b"</" + match.group(1) + b"c>"
        element_end = xml.index(close, match.end()) + len(close)
    style = _S_ATTR.search(tag)
    return at, element_end, tag, int(style.group(1)) if style else None


def _cells(xml: bytes, start: int, end: int) -> dict[str, tuple[int, int, bytes, int | None]]:
    """Each cell of a row: (start, end of element, start tag, style)."""
    cells: dict[str, tuple[int, int, bytes, int | None]] = {}
    pos = start
    while True:
        match = _CELL.search(xml, pos, end)
        if match is None:
            return cells
        tag = match.group(0)
        ref = _R_ATTR.search(tag)
        if match.group(3):
            element_end = match.end()
        else:
            close = b"</" + match.group(1) + b"c>"
            element_end = xml.index(close, match.end()) + len(close)
        if ref:
            style = _S_ATTR.search(tag)
            cells[(ref.group(1) + ref.group(2)).decode()] = (
                match.start(), element_end, tag, int(style.group(1)) if style else None)
        pos = element_end


def _insert_point(cells: dict[str, tuple[int, int, bytes, int | None]], column: int, row_end: int) -> int:
    after = [(start, ref) for ref, (start, _e, _t, _s) in cells.items()
             if column_number(_split(ref)[0]) > column]
    return min(after)[0] if after else row_end


def _with_style(tag: bytes, style: int | None) -> bytes:
    if _S_ATTR.search(tag):
        replacement = b"" if style is None else b' s="%d"' % style
        return _S_ATTR.sub(replacement, tag, count=1)
    if style is None:
        return tag
    # After the reference, as Excel writes it (`<c r="F70" s="5">`): the next run finds the
    # cell by its r written first (_cell_at) instead of parsing the whole row.
    ref = _R_ATTR.search(tag)
    at = ref.end() if ref else tag.index(b"c", 1) + 1
    return tag[:at] + b' s="%d"' % style + tag[at:]


def read_styles(xml: bytes, cells: list[str]) -> dict[str, int | None]:
    """The current style of each cell (None: default style or no such cell)."""
    rows: dict[int, list[str]] = {}
    for cell in cells:
        rows.setdefault(_split(cell)[1], []).append(cell)
    styles: dict[str, int | None] = dict.fromkeys(cells)
    pos = 0
    for number in sorted(rows):
        match = _find_row(xml, number, pos)
        if match is None or match.group(2):
            continue
        prefix = match.group(0)[1 : match.group(0).index(b"row")]
        end = xml.index(b"</" + prefix + b"row>", match.end())
        found = _cells_of(xml, prefix, match.end(), end, [StyleEdit(c, None) for c in rows[number]])
        for cell in rows[number]:
            if cell in found:
                styles[cell] = found[cell][3]
        pos = end
    return styles
