"""BO_ORDER_LINE and BO_STOCK_VALUE through xlwings' real Windows UDF path (pywin32 stubbed, as in
tests/test_udfs.py): what a cell formula receives, exactly."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from typing import Any

import pytest
import xlwings_stubs as stubs
from xlwings_stubs import DISP_E_PARAMNOTFOUND as MISSING
from xlwings_stubs import FakeComRange

from udfs.guard import bo_error

MODULE = "udfs.functions"

STOCK = [["SKU", "Description", "Opening Qty", "Opening Unit Cost", "Reorder Point", "Reorder Qty"],
         ["W-1", "Widget", 3000.0, 0.6, 100.0, 500.0]]
MOVEMENTS = [["Date", "SKU", "Type", "Quantity", "Unit Cost", "Reference"],
             [dt.datetime(2026, 10, 2), "W-1", "IN", 4000.0, 0.74, "PO-1"],
             [dt.datetime(2026, 10, 4), "W-1", "Entrada", 2200.0, 0.8, "PO-2"]]
ORDERS = [["Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price", "Currency"],
          ["SO-1", 1.0, dt.datetime(2026, 10, 3), "Acme", "W-1", 4400.0, 1.0, "USD"],
          ["SO-2", 1.0, dt.datetime(2026, 10, 5), "Beta", "w-1", 2100.0, 1.0, ""]]
VALUATION_HEADER = ["SKU", "Opening Qty", "Opening Value", "Received Qty", "Issued Qty",
                    "Closing Qty", "Closing Value", "Unit Cost", "COGS", "Method"]


@pytest.fixture(scope="module")
def xl():
    with stubs.installed() as windows:
        stubs.fresh_import("udfs.stock")  # decorated by the Windows xlwings installed now
        stubs.fresh_import(MODULE)
        yield windows


def excel(xl, name: str, *args: Any) -> Any:
    return xl.call(MODULE, name, *args, caller=FakeComRange([[None]], row=5, column=9))


def com_range(rows: list[list[Any]]) -> FakeComRange:
    return FakeComRange(stubs.com_rows(rows))


# --------------------------------------------------------------------------- BO_ORDER_LINE


# A one-row array reaches Excel as CallUDF hands it over: a flat row, which spills across.
@pytest.mark.parametrize(("args", "expected"), [
    ((4.0, 99.9, 0.05, 0.1), [379.62, 37.96, 417.58]),
    ((10.0, 12.5, MISSING, MISSING), [125.0, 0.0, 125.0]),
    ((1.0, 2.675, MISSING, MISSING), [2.68, 0.0, 2.68]),                # half up, not to even
    ((7.0, Decimal("4.2500"), "5%", "18%"), [28.26, 5.09, 33.35]),      # a currency cell, % text
    (("2,5", "10", MISSING, MISSING), [25.0, 0.0, 25.0]),               # "2,5" = 25 in English
    (("", 12.5, MISSING, MISSING), ["", "", ""]),                       # a blank line: blanks
])
def test_bo_order_line(xl, args, expected):
    assert excel(xl, "BO_ORDER_LINE", *args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ((1.0, 10.0, 1.5, MISSING),
     "#BO! discount must be between 0% and 100% (found 1.5); type 10% or 0.1"),
    ((stubs.COM_ERRORS["#N/A"], 10.0, MISSING, MISSING), "#BO! quantity shows the Excel error #N/A"),
    ((1.0, "ten", MISSING, MISSING), '#BO! unit_price "ten" is not a number'),
    ((True, 10.0, MISSING, MISSING), "#BO! quantity is TRUE, not a number"),
])
def test_bo_order_line_refuses_wrong_arguments(xl, args, expected):
    assert excel(xl, "BO_ORDER_LINE", *args) == expected


# --------------------------------------------------------------------------- BO_STOCK_VALUE


def test_bo_stock_value_gives_the_public_check_in_both_methods(xl):
    args = com_range(STOCK), com_range(MOVEMENTS), com_range(ORDERS)
    assert excel(xl, "BO_STOCK_VALUE", *args, MISSING) == [
        VALUATION_HEADER, ["W-1", 3000.0, 1800.0, 6200.0, 6500.0, 2700.0, 1984.5, 0.735, 4535.5,
                           "moving_average"]]
    fifo = excel(xl, "BO_STOCK_VALUE", *args, "FIFO")
    assert fifo[1][6:] == [2130.0, pytest.approx(2130 / 2700, abs=1e-15), 4390.0, "fifo"]


def test_bo_stock_value_with_only_headers_values_the_opening_stock(xl):
    result = excel(xl, "BO_STOCK_VALUE", com_range(STOCK), com_range(MOVEMENTS[:1]),
                   com_range(ORDERS[:1]), MISSING)
    assert result[1] == ["W-1", 3000.0, 1800.0, 0.0, 0.0, 3000.0, 1800.0, 0.6, 0.0, "moving_average"]


def test_bo_stock_value_refuses_to_value_around_an_error(xl):
    movements = [list(r) for r in MOVEMENTS] + [[dt.datetime(2026, 10, 9), "W-1", "OUT", 99999.0, None, "X"]]
    result = excel(xl, "BO_STOCK_VALUE", com_range(STOCK), com_range(movements),
                   com_range(ORDERS), MISSING)
    assert result == bo_error(
        "1 error; first, Stock Movements D4 (counting the range from A1): Quantity 99999 is more "
        "than the 2700 units of W-1 on hand; stock never goes negative, so this movement was not "
        "posted. Correct the quantity or record the receipt first.")
    assert result.endswith("…") and len(result) < 210  # a line, not an essay
    movements[3][1] = "NOPE"
    result = excel(xl, "BO_STOCK_VALUE", com_range(STOCK), com_range(movements),
                   com_range(ORDERS), MISSING)
    assert result.startswith('#BO! 1 error; first, Stock Movements B4 (counting the range from A1): '
                             'SKU "NOPE" is not on the Stock sheet')


@pytest.mark.parametrize(("method", "expected"), [
    ("lifo", '#BO! method "lifo" is not moving_average or fifo'),
    (stubs.COM_ERRORS["#REF!"], "#BO! method shows the Excel error #REF!"),
])
def test_bo_stock_value_refuses_an_unknown_method(xl, method, expected):
    args = com_range(STOCK), com_range(MOVEMENTS), com_range(ORDERS)
    assert excel(xl, "BO_STOCK_VALUE", *args, method) == expected


def test_the_module_is_registered_where_excel_imports_functions(xl):
    functions = sys.modules[MODULE]
    for name in ("BO_ORDER_LINE", "BO_STOCK_VALUE"):
        info = getattr(functions, name).__xlfunc__
        assert info["category"] == "Back Office"
        assert all(arg["options"]["err_to_str"] is True for arg in info["args"])
