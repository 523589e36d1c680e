"""The column-by-column writer of a block's data rows (`blockxml.render_rows`) writes every cell
exactly as the cell-by-cell `cell_xml` does: same XML, same styles, same hyperlinks."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import UnsafeWrite
from workbooks.layout import lay_out
from workbooks.model import Block, CellKind, Formula, OutputColumn, OutputSheet
from workbooks.xlsx import blockxml
from workbooks.xlsx.blockxml import render_rows
from workbooks.xlsx.cellxml import EPOCH, EPOCH_1904, cell_xml
from workbooks.xlsx.styles import StyleBook

KINDS = list(CellKind)
TEXT = st.lists(st.sampled_from([*"ab Z09_x0B=+-@&<>\"'\r\n\t\x0b\x1f\xa0\u2028\ufffeé",
                                 "_x000B_", "R$"]), max_size=8).map("".join)
VALUES = st.one_of(
    st.none(), TEXT, st.booleans(),
    st.integers(min_value=-(10**17), max_value=10**17),
    st.decimals(allow_nan=True, allow_infinity=True, places=2),
    st.decimals(min_value=Decimal("-1e18"), max_value=Decimal("1e18")),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(min_value=date(1890, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1899, 1, 1), max_value=datetime(2100, 1, 1)),
    st.builds(Formula, st.just("=A1+1"), st.one_of(st.none(), st.integers(), TEXT)),
)


ONE_KIND = [  # columns of one kind take the fast paths (blanks allowed)
    st.one_of(st.none(), TEXT), st.one_of(st.none(), st.text(max_size=6)),
    st.one_of(st.none(), st.text(alphabet="ab =+-@\xa0é", max_size=4)),
    st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=2,
                                     min_value=-(10**16), max_value=10**16)),
    st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False,
                                     min_value=-(10**16), max_value=10**16)),  # any exponent
    st.one_of(st.none(), st.sampled_from([Decimal("1E+3"), Decimal("1E-7"), Decimal("-0.00"),
                                          Decimal("12.5"), Decimal("0E+2")])),
    st.one_of(st.none(), st.integers(min_value=-(10**16), max_value=10**16)),
    st.one_of(st.none(), st.dates(min_value=date(1899, 6, 1), max_value=date(2100, 1, 1))),
]


def _cell_by_cell(data, styles, epoch):
    """What the writer wrote before: every LaidCell through `cell_xml`, rows with none left out."""
    rows: dict[int, list[str]] = {}
    links = []
    for cell in data.cells():
        rows.setdefault(cell.row, []).append(cell_xml(cell, styles, "S", epoch))
        if cell.link:
            links.append(f'<hyperlink ref="{cell.ref}" location={quoteattr(cell.link)}/>')
    return "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in rows.items()), links


@settings(max_examples=150, deadline=None)
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4),
       rows=st.lists(st.lists(VALUES, min_size=0, max_size=4), max_size=8),
       bold=st.frozensets(st.integers(0, 7)), link_rows=st.frozensets(st.integers(0, 7)),
       date1904=st.booleans())
def test_rows_are_written_as_cell_by_cell(kinds, rows, bold, link_rows, date1904):
    columns = [OutputColumn(f"C{i}", kind, currency="USD" if i == 1 else "")
               for i, kind in enumerate(kinds)]
    rows = [row[:len(columns)] for row in rows]
    links = {(r, 0): f"'Orders'!A{r + 2}" if r % 2 else f"'Bob''s & <co>'!A{r}" for r in link_rows}
    sheet = OutputSheet("S", currency="BRL")
    sheet.add(Block(columns, rows, heading="Head", links=links, bold_rows=bold))
    layout = lay_out(sheet)
    epoch = EPOCH_1904 if date1904 else EPOCH
    expected_styles, fast_styles = StyleBook(None), StyleBook(None)
    try:
        expected, expected_links = _cell_by_cell(layout.data[0], expected_styles, epoch) \
            if layout.data else ("", [])
    except UnsafeWrite:
        return  # text Excel cannot hold is refused either way (checked below)
    got_links: list[str] = []
    chunk, blockxml.CHUNK_ROWS = blockxml.CHUNK_ROWS, 3  # chunk edges inside the block
    try:
        got = "".join(render_rows(layout.data[0], fast_styles, "S", epoch, got_links)
                      if layout.data else [])
    finally:
        blockxml.CHUNK_ROWS = chunk
    # The style indexes may be numbered in another order: compare each cell's style by content.
    assert _styled(got, fast_styles) == _styled(expected, expected_styles)
    assert sorted(got_links) == sorted(expected_links)


def _styled(xml: str, styles: StyleBook) -> str:
    """The rows with each s="N" replaced by the style's key, so numbering does not matter."""
    names = {index: (kind, currency if kind is CellKind.MONEY else "", *flags)
             for (kind, currency, *flags), index in styles._cell_styles.items()}
    return re.sub(r' s="(\d+)"', lambda m: f' s="{names[int(m.group(1))]}"', xml)


def test_a_too_long_text_is_refused_naming_its_cell():
    sheet = OutputSheet("S")
    sheet.add(Block([OutputColumn("Memo")], [["ok"], ["x" * 40_000]]))
    data = lay_out(sheet).data[0]
    with pytest.raises(UnsafeWrite, match=r"S!A3 \(Memo\): the text is 40,000 characters"):
        "".join(render_rows(data, StyleBook(None), "S", EPOCH, []))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4),
       height=st.integers(0, 8), date1904=st.booleans())
def test_columns_of_one_kind_are_written_as_cell_by_cell(data, kinds, height, date1904):
    strategies = [data.draw(st.sampled_from(ONE_KIND)) for _ in kinds]
    rows = [[data.draw(strategy) for strategy in strategies] for _ in range(height)]
    test_rows_are_written_as_cell_by_cell.hypothesis.inner_test(
        kinds=kinds, rows=rows, bold=frozenset(), link_rows=frozenset(range(0, height, 3)),
        date1904=date1904)
