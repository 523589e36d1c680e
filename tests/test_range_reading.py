"""Reading a range fast and exactly: BO_VALIDATE's converter (udfs.args.TableArg) and the
column-wise Grid (workbooks.memory.columns_to_grid / column_text).

BO_VALIDATE's table no longer goes through xlwings' default read, which cleans every cell in
Python, and the grid is no longer built by formatting every cell on its own. Whatever Excel
hands over, the grid must be the one the old path built: xlwings' own err_to_str read (the real
conversion.read, pywin32 stubbed), the COM error numbers xlwings leaves named, then every cell
turned into text one by one with cell_text. The faster checks behind it (numbers parsed with one
cast, ASCII keys, key repeats) must give what the slower ones gave.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
import xlwings_stubs as stubs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlwings_stubs import DISP_E_PARAMNOTFOUND as MISSING
from xlwings_stubs import FakeComRange

from engine.checker import normalised
from udfs.args import XLWINGS_CELL_ERRORS, TableArg, excel_error, read_range
from workbooks.memory import (
    COM_ERROR_BASE,
    COM_ERRORS,
    EXCEL_ERRORS,
    XL_ERROR_CODES,
    cell_text,
    cells_to_grid,
    column_text,
    columns_to_grid,
)
from workbooks.reading import _numbers

MODULE = "udfs.functions"
SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
UTC = dt.UTC


@pytest.fixture(scope="module")
def xl():
    with stubs.installed() as windows:
        stubs.fresh_import(MODULE)
        yield windows


def com_date(value: dt.datetime) -> stubs.TimeType:
    """A COM date as pywin32 hands it over: a datetime subclass stamped UTC (fields as shown)."""
    return stubs.TimeType(value.year, value.month, value.day, value.hour, value.minute,
                          value.second, value.microsecond, tzinfo=UTC)


def per_cell_grid(rows: list[list[Any]], error_codes: frozenset[str] = EXCEL_ERRORS
                  ) -> tuple[list[list[str | None]], dict[tuple[int, int], str]]:
    """The grid the old path built, cell by cell: text columns (None for empty) and errors."""
    width = max((len(r) for r in rows), default=0)
    columns: list[list[str | None]] = [[] for _ in range(width)]
    errors = {}
    for r, row in enumerate(rows):
        for c in range(width):
            value = row[c] if c < len(row) else None
            if type(value) is str and value in error_codes:
                errors[(r + 1, c + 1)] = value
                value = None
            columns[c].append(cell_text(value) or None)
    return columns, errors


def grid_cells(grid: Any) -> tuple[list[list[str | None]], dict[tuple[int, int], str]]:
    columns = [pa.array(grid.frame[c].array).to_pylist() for c in grid.frame.columns]
    return columns, grid.errors


def old_read(value: Any) -> list[list[Any]]:
    """What BO_VALIDATE got before: xlwings' default read with err_to_str (every cell cleaned
    in Python), then the COM error numbers xlwings leaves (#SPILL!...) named."""
    from xlwings import conversion

    rows = conversion.read(None, value, {"ndim": 2, "err_to_str": True})
    return [[(excel_error(v) or v) if type(v) is int else v for v in row] for row in rows]


def new_read(xl: Any, value: Any) -> Any:
    """What BO_VALIDATE gets now: conversion.read with the table argument's own options."""
    from xlwings import conversion

    options = sys.modules[MODULE].BO_VALIDATE.__xlfunc__["args"][0]["options"]
    return conversion.read(None, value, options)


# --------------------------------------------------------------------------- what COM hands over

CLASSIC = [COM_ERROR_BASE + code for code in (2000, 2007, 2015, 2023, 2029, 2036, 2042)]
NEWER = [COM_ERROR_BASE + code for code in (2043, 2045, 2046, 2047, 2048, 2049, 2050)]
floats = st.one_of(
    st.integers(-10**6, 10**6).map(float),  # whole numbers, as Excel holds 3 or 100
    st.integers(0, 10**8).map(lambda cents: cents / 100),  # money
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e-05, 0.0001, 9.9e-05, 123456789012.5, 1e16, -0.0, 9999999999.999998, 0.1 + 0.2]),
)
texts = st.one_of(
    st.sampled_from(["", "0123", "00123", "Acme Ltda", "  padded ", "#N/A", "#SPILL!", "1.234,56",
                     "Ação", "31/13/2026", "true"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=6),
)
com_dates = st.datetimes(dt.datetime(1899, 12, 30), dt.datetime(9999, 12, 31)).map(com_date)
whole_days = st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)).map(
    lambda d: com_date(dt.datetime(d.year, d.month, d.day)))
errors = st.sampled_from([*CLASSIC, *NEWER, COM_ERROR_BASE + 2099])
others = st.one_of(st.sampled_from([Decimal("12.5000"), Decimal("-0.0000"), Decimal("1E+2"), Decimal("0.1")]),
                   st.booleans(), st.integers(-1000, 1000))
CELLS = {"float": floats, "text": texts, "date": st.one_of(com_dates, whole_days),
         "blank": st.sampled_from([None, ""]), "error": errors, "other": others}
ANY_CELL = st.one_of(*CELLS.values())


@st.composite
def com_ranges(draw: Any) -> Any:
    """A range's Value as pywin32 gives it: one value for one cell, else a tuple of row tuples
    (or, for an array argument of one row, a flat tuple). Columns mostly of one kind, as sheets
    are, with a header above and some odd cells among them."""
    height, width = draw(st.integers(1, 30)), draw(st.integers(1, 4))
    columns = []
    for _ in range(width):
        main = CELLS[draw(st.sampled_from(list(CELLS)))]
        column = [draw(main if draw(st.integers(0, 9)) < 8 else ANY_CELL) for _ in range(height)]
        if draw(st.booleans()):
            column[0] = draw(st.sampled_from(["Quantity", "Order Date", "#N/A", None]))
        columns.append(column)
    rows = tuple(zip(*columns, strict=True))
    if height == 1 and width == 1:
        return rows[0][0]
    if height == 1 and draw(st.booleans()):
        return rows[0]
    return rows


# --------------------------------------------------------------------------- the converter


@SETTINGS
@given(value=com_ranges())
def test_the_converter_gives_the_grid_the_per_cell_path_gave(xl, value):
    """Floats (exponents, -0, NaN), COM dates with times, "" and None, every error number,
    Decimals, booleans, leading-zero texts, headers over mixed columns, one cell, one row."""
    cells = new_read(xl, value)
    grid = columns_to_grid("Orders", cells.columns, 1, 1, None, EXCEL_ERRORS, cells.kinds)
    assert grid_cells(grid) == per_cell_grid(old_read(value))


@SETTINGS
@given(value=com_ranges())
def test_bo_validate_reads_a_range_as_the_per_cell_path_did(xl, value):
    rows = old_read(value)
    cells = read_range(value)
    assert [len(c) for c in cells.columns] == [len(rows)] * len(rows[0])
    assert cells.height == len(rows) and cells.width == len(rows[0])
    # Same values, but for what the grid reads alike: "" and None, a COM date and its copy.
    for row_new, row_old in zip(cells.rows(), rows, strict=True):
        for new, old in zip(row_new, row_old, strict=True):
            assert cell_text(new) == cell_text(old)
            assert excel_error(new) == excel_error(old)


def test_error_numbers_are_named_as_xlwings_names_them(xl):
    """The seven errors xlwings' err_to_str names, by the same numbers and texts; the newer ones
    (which xlwings leaves as numbers) too, and a code Excel may add later as #UNKNOWN!."""
    assert xl.xlwindows.cell_errors == XLWINGS_CELL_ERRORS
    assert {code: COM_ERRORS[code] for code in xl.xlwindows.cell_errors} == xl.xlwindows.cell_errors
    assert {name: code for code, name in COM_ERRORS.items() if name in stubs.COM_ERRORS} == stubs.COM_ERRORS
    assert set(COM_ERRORS.values()) <= EXCEL_ERRORS
    assert len(COM_ERRORS) == len(XL_ERROR_CODES) == 14
    value = ((1.0, CLASSIC[6]), (NEWER[1], COM_ERROR_BASE + 2099))
    assert read_range(value).rows() == [[1.0, "#N/A"], ["#SPILL!", "#UNKNOWN!"]]


def test_without_err_to_str_the_converter_reads_errors_as_xlwings_does(xl):
    """err_to_str is honoured, not assumed: without it the seven classic errors are blanks and
    the others stay numbers, exactly as xlwings' default read gives them."""
    from xlwings import conversion

    value = (("Qty", "Price"), (1.5, CLASSIC[0]), (NEWER[0], 2.0), (CLASSIC[6], 7))
    plain = conversion.read(None, value, {"ndim": 2})
    ours = conversion.read(None, value, {"convert": TableArg, "ndim": 2})
    assert ours.rows() == plain == [["Qty", "Price"], [1.5, None], [NEWER[0], 2.0], [None, 7]]
    named = conversion.read(None, value, {"convert": TableArg, "ndim": 2, "err_to_str": True})
    assert named.rows() == [["Qty", "Price"], [1.5, "#NULL!"], ["#GETTING_DATA", 2.0], ["#N/A", 7]]


def test_bo_validate_reads_its_table_with_our_converter_not_the_per_cell_cleaning(xl, monkeypatch):
    options = sys.modules[MODULE].BO_VALIDATE.__xlfunc__["args"][0]["options"]
    assert options["convert"] is TableArg and options["err_to_str"] is True
    cleaning = xl.xlwindows.Engine.clean_value_data

    def only_single_values(data: Any, *args: Any) -> Any:  # the other arguments are one value
        assert len(data) == 1 and len(data[0]) == 1, "a range went through the per-cell cleaning"
        return cleaning(data, *args)

    monkeypatch.setattr(xl.xlwindows.Engine, "clean_value_data", staticmethod(only_single_values))
    rows = [["Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price"],
            ["SO-1", 1.0, dt.datetime(2026, 10, 3), "Acme", "SKU-1", 2.0, 10.0]]
    result = xl.call(MODULE, "BO_VALIDATE", FakeComRange(stubs.com_rows(rows)), "Orders", MISSING,
                     MISSING, caller=FakeComRange([[None]]))
    assert result[1][4] == "ok", result


def test_an_error_cell_among_thousands_of_numbers_is_reported_at_its_cell(xl):
    header = ["Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price"]
    rows = [header] + [[f"SO-{n}", 1.0, dt.datetime(2026, 10, 1 + n % 28), "Acme", "SKU-1",
                        float(1 + n % 7), 10.0 + n / 100] for n in range(2000)]
    rows[1500][6] = "#N/A"     # an error cell in a column of floats
    rows[1700][5] = "#SPILL!"  # a newer one, which xlwings leaves as a number
    rows[1800][5] = -2.0       # and a mistake next to them, still found
    result = xl.call(MODULE, "BO_VALIDATE", FakeComRange(stubs.com_rows(rows)), "Orders",
                     "Orders!B2", MISSING, caller=FakeComRange([[None]]))
    assert [r[1:5] + r[7:] for r in result[1:]] == [
        ["H1502", 1502, "Unit Price", "read.error_value", "#N/A"],
        ["G1702", 1702, "Quantity", "read.error_value", "#SPILL!"],
        ["G1802", 1802, "Quantity", "value.positive", "-2"],
    ]


# --------------------------------------------------------------------------- the grid


class Stamp(dt.datetime):
    """A datetime subclass, as pywin32's and pandas' are."""


values = st.one_of(
    floats, texts, st.none(), st.booleans(), st.integers(-2**70, 2**70),
    st.datetimes(timezones=st.sampled_from([None, UTC, dt.timezone(dt.timedelta(hours=-3))])),
    st.datetimes().map(lambda d: Stamp(d.year, d.month, d.day, d.hour, d.minute, d.second)),
    st.dates(), st.sampled_from([Decimal("12.5000"), Decimal("1E+2"), Decimal("-0.0000")]),
)


@st.composite
def columns(draw: Any) -> list[Any]:
    main = draw(st.sampled_from([floats, texts, st.datetimes(), st.dates(), st.integers(-10, 10), values]))
    return [draw(main if draw(st.integers(0, 9)) < 8 else values) for _ in range(draw(st.integers(0, 40)))]


@SETTINGS
@given(column=columns())
def test_column_text_is_cell_text_of_every_cell(column):
    """Arrow writes numbers and dates differently from Python (0.00001 for 1e-05, 1e+10 for
    10000000000.5, 0999 for year 999): column_text never does."""
    assert [text or None for text in column_text(column).to_pylist()] == [cell_text(v) for v in column]


def test_column_text_on_the_cases_arrow_writes_its_own_way():
    column = [1e-05, 123456789012.5, 1e16, -0.0, 2.5, float("nan"), float("inf"), 7.0, None, 2**70]
    assert column_text(column).to_pylist() == [
        "1e-05", "123456789012.5", "1e+16", "0", "2.5", "nan", "inf", "7", None, str(2**70)]
    dates = [dt.datetime(999, 1, 2, 3, 4, 5), dt.datetime(2026, 10, 31, 23, 59, 59, 999999, tzinfo=UTC)]
    assert column_text(dates).to_pylist() == [cell_text(d) for d in dates]
    assert column_text(dates).to_pylist()[1] == "2026-10-31 23:59:59"


def test_cells_to_grid_is_columns_to_grid_of_the_transposed_rows():
    rows = [["Qty", "When"], [1.0, dt.datetime(2026, 10, 3)], ["#N/A", None], [2.5]]  # ragged
    grid = cells_to_grid("S", rows, 3, 2, None, EXCEL_ERRORS)
    assert grid_cells(grid) == ([["Qty", "1", None, "2.5"], ["When", "2026-10-03 00:00:00", None, None]],
                                {(5, 2): "#N/A"})
    assert grid.sheet == "S" and grid.first_row == 3 and list(grid.frame.columns) == [2, 3]


def test_the_live_adapter_reports_the_newer_error_cells_xlwings_leaves_as_numbers():
    """workbooks.live_excel reads with err_to_str, which names seven errors; a #SPILL! comes as
    its COM number and used to be read as that number."""
    rows = [["Qty"], [NEWER[1]], [3.0]]
    assert cells_to_grid("S", rows, 1, 1, None, EXCEL_ERRORS).errors == {(2, 1): "#SPILL!"}
    # without error codes (the in-memory reference, files) an int is a number, as before
    assert grid_cells(cells_to_grid("S", rows))[0] == [["Qty", str(NEWER[1]), "3"]]


# --------------------------------------------------------------------------- faster checks


plain_ish = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-10**20, 10**20).map(str),
    st.sampled_from(["inf", "-inf", "nan", "NaN", "Infinity", "+5", "-.5", ".5", "5.", "1e", "1e400",
                     "-1e-400", "00012", "1_000", "0x10", "1,5", "1.234,56", "R$ 10", "12%", "(3)", "--1",
                     "+-1", "1e5.5", "e5", ".", "-", "١٢", "1.5E+3"]),
    st.text("0123456789+-.eE,%$ ", max_size=8),
)


@SETTINGS
@given(strings=st.lists(st.one_of(plain_ish, st.none()), max_size=30),
       locale=st.sampled_from(["en", "pt-BR"]))
def test_a_column_of_plain_numbers_parses_with_one_cast_as_cell_by_cell(strings, locale):
    """_numbers first tries one Arrow cast of the whole column; what Arrow accepts as a finite
    number is a plain number with the same value, so the result is the regex path's."""
    fast_values, fast_bad = _numbers(pa.array(strings, pa.string()), locale)
    slow_values, slow_bad = _numbers(pa.array([*strings, "not a number"], pa.string()), locale)
    np.testing.assert_array_equal(fast_values, slow_values[:-1])
    np.testing.assert_array_equal(fast_bad, slow_bad[:-1])


def test_ascii_keys_skip_the_accent_removal_and_compare_the_same():
    def keys(values: list[str | None]) -> list[str | None]:
        return pa.array(normalised(pd.Series(values)).array).to_pylist()

    mixed = ["SO-100001", "so 100001", " So_100001 ", None, "Ørsted A/S", "São-Paulo"]
    assert keys(mixed) == ["so100001", "so100001", "so100001", None, "rstedas", "saopaulo"]
    assert keys(mixed[:4]) == keys(mixed)[:4]  # all ASCII: the short way, the same keys


@SETTINGS
@given(texts=st.lists(st.one_of(st.none(), st.text(st.characters(max_codepoint=127), max_size=12)),
                      max_size=40),
       start=st.integers(0, 5))
def test_ascii_keys_byte_by_byte_are_the_regex_keys(texts, start):
    """Lower-cased, everything but letters and digits removed: as the regexes do it (a slice of
    an array, as a column's may be, included)."""
    from engine.checker import _ascii_key

    array = pa.array(texts, pa.string())[start:]
    slow = pc.replace_substring_regex(pc.utf8_lower(array), r"[^0-9a-z]+", "")
    assert _ascii_key(array).to_pylist() == slow.to_pylist()
    assert _ascii_key(pa.chunked_array([array, array])).to_pylist() == slow.to_pylist() * 2


def test_texts_that_are_keys_already_are_their_own_keys():
    """Zero-padded codes, lower-case letters: nothing to drop or lower, the column is its keys."""
    from engine.checker import _ascii_key

    array = pa.array(["x", "0001234", None, "so100001", "", "abc9"], pa.string())[1:]
    assert _ascii_key(array).to_pylist() == ["0001234", None, "so100001", "", "abc9"]
    assert _ascii_key(pa.array(["0001234", "SO-1"])).to_pylist() == ["0001234", "so1"]
