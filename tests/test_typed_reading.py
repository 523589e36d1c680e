"""Number columns read typed (workbooks/xlsx/typed_cells.py, workbooks/number_cells.py) give
exactly what reading every cell as text gives: values (and their decimal scale), unreadable
cells, issues and their messages; and a sheet with a cell a float read could misread is read as
text. Each book is read both ways and compared, on real .xlsx files written by XlsxWriter."""

from __future__ import annotations

import random
import struct
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from xlsxwriter import Workbook as XlsxBook

from engine.schema import ORDERS
from workbooks.reading import number_columns, read_table, sheet_grid
from workbooks.xlsx.typed_cells import refused_cell, render_float
from workbooks.xlsx_file import FileWorkbook

HEADER = [c.name for c in ORDERS.columns]
NUMBER_COLUMNS = {2, 6, 7, 8, 9, 11}  # Line, Quantity, Unit Price, Discount, Tax Rate, Priority
TRICKY = [12157521.11, 0.1 + 0.2, 1e-7, 1e21, 123456789.123456789, -0.0, 0.0009765625, 1 / 3,
          2.0**23, 2.0**23 - 0.5, 1234567.125, -1234567.12, 99999999999999.9, 5e-324, 2.5e-10,
          1e15 + 0.3, 7, -3, 0.05, 0.175, 1e-9, 4.0000000005, 8388607.999999999]


def _write(path: Path, cells: dict[str, list[object]], *, top: int = 0, title: str | None = None,
           table: bool = False) -> Path:
    """An Orders sheet: the header at row top + 1 (a title above it when given), then the
    columns' cells; a value written by its type (str as a shared string, bool, datetime, float,
    ("=f", cached) as a formula, ("#N/A",) as an error cell)."""
    book = XlsxBook(str(path))
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet("Orders")
    if title:
        sheet.write_string(0, 0, title)
    height = max(len(v) for v in cells.values())
    for c, name in enumerate(HEADER):
        sheet.write_string(top, c, name)
        for r, value in enumerate(cells.get(name, [])):
            row = top + 1 + r
            if value is None:
                continue
            if isinstance(value, tuple) and len(value) == 1:
                sheet.write_formula(row, c, "=NA()", None, value[0])
            elif isinstance(value, tuple):
                sheet.write_formula(row, c, value[0], None, value[1])
            elif isinstance(value, bool):
                sheet.write_boolean(row, c, value)
            elif isinstance(value, datetime):
                sheet.write_datetime(row, c, value, dates)
            elif isinstance(value, str):
                sheet.write_string(row, c, value)
            else:
                sheet.write_number(row, c, value)
    if table:
        sheet.add_table(top, 0, top + height, len(HEADER) - 1,
                        {"name": "OrdersTable", "columns": [{"header": h} for h in HEADER]})
    book.close()
    return path


def _orders(n: int, **columns: list[object]) -> dict[str, list[object]]:
    base: dict[str, list[object]] = {
        "Order ID": [f"{i:07d}" for i in range(n)], "Line": [1 + i % 3 for i in range(n)],
        "Order Date": [datetime(2026, 10, 1 + i % 28) for i in range(n)],
        "Customer": [f"Customer {i % 7}" for i in range(n)], "SKU": [f"{i % 11:05d}" for i in range(n)],
        "Quantity": [1 + i % 9 for i in range(n)], "Unit Price": [round(3.5 + i * 1.37, 2) for i in range(n)],
        "Discount": [0.05 * (i % 4) for i in range(n)], "Tax Rate": [0.175 for _ in range(n)],
        "Currency": ["BRL" for _ in range(n)], "Priority": [i % 5 for i in range(n)]}
    for name, values in columns.items():
        base[name.replace("_", " ")] = values
    return base


def _both(path: Path, locale: str = "en"):
    """The table read typed and read as text, with the typed grid."""
    book = FileWorkbook.open(path)
    grid = sheet_grid(book, "Orders", ORDERS)
    return read_table(grid, ORDERS, locale), read_table(book.grid("Orders"), ORDERS, locale), grid


def _assert_same(typed, text) -> None:
    assert list(typed.frame.columns) == list(text.frame.columns)
    for name in text.frame.columns:
        a, b = typed.frame[name], text.frame[name]
        assert str(a.dtype) == str(b.dtype), name  # decimal128(38, scale): the scale too
        assert a.index.equals(b.index), name
        assert a.astype(object).where(a.notna(), None).tolist() == \
            b.astype(object).where(b.notna(), None).tolist(), name
        assert typed.unreadable[name].equals(text.unreadable[name]), name
    assert [(i.cell, i.rule, i.message, i.value) for i in typed.issues] == \
        [(i.cell, i.rule, i.message, i.value) for i in text.issues]


def test_float_cells_read_typed_give_the_text_reads_exact_values(tmp_path):
    rng = random.Random(9)
    noise = [struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0] for _ in range(400)]
    noise = [x for x in noise if x == x and abs(x) != float("inf")]
    spread = [rng.uniform(-1, 1) * 10 ** rng.randint(-12, 16) for _ in range(400)]
    prices = TRICKY + noise + spread + [round(rng.uniform(0, 1e6), rng.randint(0, 9)) for _ in range(400)]
    n = len(prices)
    path = _write(tmp_path / "b.xlsx", _orders(
        n, Unit_Price=prices, Quantity=[p * 3 for p in prices],
        Line=[rng.choice([1, 2, 2.5, -0.0, 1e20, 3e-7]) for _ in range(n)]))
    for locale in ("en", "pt-BR"):
        typed, text, grid = _both(path, locale)
        assert set(grid.numbers) == NUMBER_COLUMNS  # the typed read was taken
        _assert_same(typed, text)
    assert typed.frame["Unit Price"].dtype.pyarrow_dtype.scale == 9
    assert {i.cell for i in typed.issues if i.rule == "read.unreadable"} >= {"G5"}  # 1e21


def test_text_and_error_cells_of_number_columns(tmp_path):
    # What a typed read refuses comes back as the text reading would see: "1.234,56" is
    # 1234.56, "12" and " 12 " are 12, "007" is 7, "N/A" and "n/d" unreadable, "" blank, an
    # error cell #N/A an error value, text needing Rust's escapes kept to the character.
    odd = ["1.234,56", "12", " 12 ", "007", "N/A", "", "  ", ("#N/A",), "R$ 1.234,56", "10%",
           'a"b\\c\n\té\u0301\u200b', "(12,50)", "1_000", "0,1234567891234", "R$ -98.765,4321"]
    n = len(odd) + 3
    path = _write(tmp_path / "b.xlsx", _orders(
        n, Unit_Price=[*odd, 1.5, 2.25, 3], Quantity=[3, *odd, 4, 5], Discount=[*odd[::-1], 0.1, 0, 0.2],
        Priority=[*odd, 1, 2, 3]))
    for locale in ("en", "pt-BR"):
        typed, text, grid = _both(path, locale)
        assert set(grid.numbers) == NUMBER_COLUMNS
        _assert_same(typed, text)
    prices = typed.frame["Unit Price"]
    assert [prices[2], prices[3], prices[4], prices[5]] == [Decimal("1234.56"), 12, 12, 7]
    assert ("G6", "read.unreadable") in {(i.cell, i.rule) for i in typed.issues}
    assert ("G9", "read.error_value") in {(i.cell, i.rule) for i in typed.issues}
    assert pd.isna(prices[7])  # "" is a blank cell, no issue


@pytest.mark.parametrize("cell", [True, ("=\"12.50\"", "12.50"), datetime(2026, 10, 5), "12.50", "1e3",
                                  "inf", "12345678901234567"])
def test_a_cell_a_float_read_could_misread_makes_the_sheet_read_as_text(tmp_path, cell):
    # A boolean (1.0 to a float read), a formula's text, a date cell in a number column, and
    # shared strings a float read parses to another value than the text gives ("12.50" has two
    # decimals, "1e3" and "inf" are no number to reading, 17 digits round at 15).
    path = _write(tmp_path / "b.xlsx", _orders(4, Quantity=[1, cell, 2, 3]))
    typed, text, grid = _both(path)
    assert grid.numbers == {}  # read as text
    _assert_same(typed, text)


def test_header_below_a_title_and_in_an_excel_table(tmp_path):
    cells = _orders(5, Quantity=[1, "N/A", 2.5, 3, ("#N/A",)])
    for name, kwargs in (("title.xlsx", {"top": 3, "title": "October orders"}),
                         ("table.xlsx", {"top": 1, "table": True})):
        path = _write(tmp_path / name, cells, **kwargs)
        typed, text, grid = _both(path)
        assert set(grid.numbers) == NUMBER_COLUMNS, name
        _assert_same(typed, text)
        assert typed.header_row == kwargs["top"] + 1


def test_a_column_planned_as_numbers_but_named_otherwise_is_read_as_text(tmp_path):
    # The plan comes from the XML's first rows; should the header read differ, the column's
    # number cells are rendered back to text and read as such.
    path = _write(tmp_path / "b.xlsx", _orders(4, Customer=[12.5, "Acme", 7, 1e-7]))
    book = FileWorkbook.open(path)
    grid = book.typed_grid("Orders", lambda head: number_columns(head, ORDERS) | {4}, 20)
    assert 4 in grid.numbers
    _assert_same(read_table(grid, ORDERS), read_table(book.grid("Orders"), ORDERS))


def test_rust_debug_strings_and_float_texts():
    detail = "Expected float but got 'String(\"a\\\"b\\\\c\\n\\u{301}\")'"
    assert refused_cell(detail).text == 'a"b\\c\n\u0301'
    assert refused_cell("Expected float but got 'Error(NA)'").error == "NA"
    assert refused_cell("Expected float but got 'DateTime(ExcelDateTime { value: 1.0 })'") is None
    assert [render_float(x) for x in (12157521.11, -0.0, 1e-10, 0.0009765625, 3.0)] == \
        ["12157521.109999999", "-0", "0", "0.000976562", "3"]


def test_ascii_text_is_trimmed_as_unicode_text_is():
    import pyarrow as pa
    import pyarrow.compute as pc

    from workbooks.reading import _trimmed

    ends = [chr(c) for c in range(0x20)] + [" ", "\x7f", "\x85", "\xa0", "\u2003", "\u3000"]
    for end in ends:
        column = pa.array([f"{end}ACME{end}", f"{end}{end}", "plain", None, f"a{end}b"])
        assert _trimmed(column).to_pylist() == pc.utf8_trim_whitespace(column).to_pylist(), repr(end)
    untouched = pa.array(["ACME", None, "a b", ""])  # nothing to trim: kept as it is
    assert _trimmed(untouched).to_pylist() == ["ACME", None, "a b", ""]
    sliced = pa.array([" x", "y ", "z"]).slice(2)  # an offset into the buffers
    assert _trimmed(sliced).to_pylist() == ["z"]
    assert _trimmed(pa.array([" x", "y "]).slice(1)).to_pylist() == ["y"]
    assert _trimmed(pa.chunked_array([["a"], ["b "]])).to_pylist() == ["a", "b"]
    assert _trimmed(pa.nulls(3, pa.string())).to_pylist() == [None] * 3
    numbers = pa.array([1.5, None])  # another type: read as text, then trimmed
    assert _trimmed(numbers).to_pylist() == ["1.5", None]


def test_odd_cells_outside_the_number_columns_keep_the_typed_read(tmp_path):
    # A boolean or a formula's text in a text column reads the same either way: only the
    # number columns must be free of them.
    path = _write(tmp_path / "b.xlsx", _orders(4, Customer=[True, ("=\"Acme\"", "Acme"), "Bolt", False]))
    typed, text, grid = _both(path)
    assert set(grid.numbers) == NUMBER_COLUMNS
    _assert_same(typed, text)
    assert typed.frame["Customer"].tolist() == ["true", "Acme", "Bolt", "false"]


@pytest.mark.parametrize("prices", [
    [8388607.123456789, 1.25, 2.5] + [3.0] * 1_200,  # the first cell long (read rounded to
    # 15 digits: 8 decimals), the cells past the first thousand short
    [1.5, 12.25, 1 / 3, 7.0, -0.125],  # one cell past nine decimals among short ones
    [round(0.01 * i, 2) for i in range(1_500)] + [0.1234, 5.0],  # more decimals past the first rows
    [1234567.5] * 3 + [0.000001, 7654321.25],  # seven integer digits and six decimals
])
def test_the_decimal_scale_of_a_column_is_the_text_reads(tmp_path, prices):
    path = _write(tmp_path / "b.xlsx", _orders(len(prices), Unit_Price=prices))
    typed, text, grid = _both(path)
    assert set(grid.numbers) == NUMBER_COLUMNS
    _assert_same(typed, text)


def test_a_sheet_too_big_to_check_whole_is_read_as_text(tmp_path, monkeypatch):
    import workbooks.xlsx_file as xlsx_file

    path = _write(tmp_path / "b.xlsx", _orders(30))
    monkeypatch.setattr(xlsx_file, "PREFETCH_BUDGET", 1_000)  # the sheet XML is ~8 KB
    typed, text, grid = _both(path)
    assert grid.numbers == {}
    _assert_same(typed, text)


def _write_inline(path: Path, cells: dict[str, list[object]]) -> Path:
    """The Orders sheet as a streaming writer saves it: every text an inline string (XlsxWriter
    in constant_memory mode, rows written in order), numbers as numbers."""
    book = XlsxBook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Orders")
    sheet.write_row(0, 0, HEADER)
    height = max(len(v) for v in cells.values())
    for r in range(height):
        for c, name in enumerate(HEADER):
            values = cells.get(name, [])
            value = values[r] if r < len(values) else None
            if isinstance(value, datetime):
                sheet.write_datetime(r + 1, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
            elif value is not None:
                sheet.write(r + 1, c, value)
    book.close()
    return path


@pytest.mark.parametrize(("quantity", "typed"), [
    ([1, 2, 3, 4], True),  # the header's inline strings do not stop the typed read
    ([1, "N/A", "1.234,56", "007"], True),  # refused by the float read: back as their text
    ([1, "12.50", 2, 3], False),  # a float read would take it silently: read as text
    ([1, "1e3", 2, 3], False),
])
def test_a_book_of_inline_strings_keeps_the_typed_read_unless_one_could_be_misread(
        tmp_path, quantity, typed):
    path = _write_inline(tmp_path / "b.xlsx", _orders(4, Quantity=quantity))
    typed_table, text_table, grid = _both(path)
    assert bool(grid.numbers) is typed
    _assert_same(typed_table, text_table)
