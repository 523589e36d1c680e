"""Formula functions of the orders-and-stock flow (registered in udfs.functions, the UDF module).

    BO_ORDER_LINE(quantity, unit_price, [discount], [tax_rate])  -> Net, Tax, Total (one row)
    BO_STOCK_VALUE(stock, movements, orders, [method])            -> the Stock Valuation table

Same engine, same numbers as `backoffice process stock`: BO_ORDER_LINE is engine.pricing's
price_line (half-up to cents, Tax on the rounded Net); BO_STOCK_VALUE reads its three ranges
(header row + data rows) exactly as the workbook's sheets are read, validates them together and
runs the ledger. It refuses ("#BO! ...") rather than value stock around a row with an error,
naming the first one. Patterns as in udfs.functions: err_to_str on every argument, `bo_guard`
under the xlwings decorators, `Any` annotations (xlwings reads a type hint as a converter).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import xlwings as xw

from engine.errors import BadArguments
from engine.issues import Issue, Severity
from engine.money import to_decimal
from engine.parsing import parse_number
from engine.pricing import price_line
from engine.schema import ORDERS, STOCK, STOCK_MOVEMENTS, SheetSpec
from engine.stock import StockSettings, process_stock, rejections, stock_inputs
from engine.stock_cost import METHODS, MOVING_AVERAGE
from engine.tables import Table
from engine.validation import validate
from engine.vocab import config_choice
from udfs.args import TableArg, excel_error, read_range, text_arg
from udfs.guard import bo_guard
from workbooks.memory import EXCEL_ERRORS, columns_to_grid
from workbooks.reading import read_table

CATEGORY = "Back Office"
VALUATION_HEADER = ["SKU", "Opening Qty", "Opening Value", "Received Qty", "Issued Qty",
                    "Closing Qty", "Closing Value", "Unit Cost", "COGS", "Method"]


# --------------------------------------------------------------------------- BO_ORDER_LINE


@xw.func(category=CATEGORY)
@xw.arg("quantity", err_to_str=True, doc="How many units (a number, or text such as \"1.5\")")
@xw.arg("unit_price", err_to_str=True, doc="The price of one unit")
@xw.arg("discount", err_to_str=True, doc="Optional: the discount as a fraction or %, e.g. 5% (default 0)")
@xw.arg("tax_rate", err_to_str=True, doc="Optional: the tax rate as a fraction or %, e.g. 18% (default 0)")
@xw.ret(expand=None)
@bo_guard
def BO_ORDER_LINE(quantity: Any, unit_price: Any, discount: Any = None, tax_rate: Any = None) -> Any:
    """Net, Tax and Total of an order line, rounded half-up to cents, as one row."""
    amounts = number_arg("quantity", quantity), number_arg("unit_price", unit_price)
    if amounts[0] is None or amounts[1] is None:
        return [[None, None, None]]  # a blank line prices to blanks, so the formula fills down
    price = price_line(amounts[0], amounts[1], fraction_arg("discount", discount),
                       fraction_arg("tax_rate", tax_rate))
    return [[float(price.net), float(price.tax), float(price.total)]]


def number_arg(name: str, value: Any) -> Decimal | None:
    """A number argument as an exact Decimal (a float through its repr); None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    error = excel_error(value)
    if error:
        raise BadArguments(f"{name} shows the Excel error {error}")
    if isinstance(value, bool):
        raise BadArguments(f"{name} is {'TRUE' if value else 'FALSE'}, not a number")
    if isinstance(value, int | float | Decimal):
        number = to_decimal(value)
    else:
        parsed = parse_number(str(value))
        if parsed is None:
            raise BadArguments(f'{name} "{value}" is not a number')
        number = to_decimal(parsed)
    if not number.is_finite():
        raise BadArguments(f"{name} is not a finite number")
    return number


def fraction_arg(name: str, value: Any) -> Decimal:
    """An optional percentage: 0 when blank or omitted; must be between 0 and 1 (10% = 0.1)."""
    number = number_arg(name, value)
    if number is None:
        return Decimal(0)
    if not 0 <= number <= 1:
        raise BadArguments(f"{name} must be between 0% and 100% (found {value}); type 10% or 0.1")
    return number


# --------------------------------------------------------------------------- BO_STOCK_VALUE


@xw.func(category=CATEGORY)
@xw.arg("stock", TableArg, ndim=2, err_to_str=True, doc="The Stock range: header row and item rows")
@xw.arg("movements", TableArg, ndim=2, err_to_str=True,
        doc="The Stock Movements range: header row and movement rows (may be just the header)")
@xw.arg("orders", TableArg, ndim=2, err_to_str=True,
        doc="The Orders range: header row and order lines (may be just the header)")
@xw.arg("method", err_to_str=True, doc='Optional: "moving_average" (default) or "fifo"')
@xw.ret(expand=None)
@bo_guard
def BO_STOCK_VALUE(stock: Any, movements: Any, orders: Any, method: Any = "") -> Any:
    """Stock valuation per SKU (moving average or FIFO) from Stock, Movements and Orders ranges."""
    settings = StockSettings(method=method_arg(method))
    tables = {spec.name: range_table(value, spec) for value, spec in
              ((stock, STOCK), (movements, STOCK_MOVEMENTS), (orders, ORDERS))}
    # What stock is worth does not depend on what it sold for: the orders' currencies (and so
    # FX rates, which a lone range cannot carry) are left out.
    tables[ORDERS.name].frame = tables[ORDERS.name].frame.drop(columns="Currency", errors="ignore")
    found = [i for t in tables.values() for i in t.issues] + validate(tables, {}, {})
    errors = [i for i in found if i.severity is Severity.ERROR and i.rule != "sheet.missing"]
    if errors:
        raise BadArguments(_first_error(errors))
    inputs = stock_inputs(tables, {})
    inputs.settings = settings
    outcome = process_stock(inputs, rejections(found))
    if outcome.issues:
        raise BadArguments(_first_error(outcome.issues))
    rows: list[list[Any]] = [VALUATION_HEADER]
    for v in outcome.valuation:
        rows.append([v.sku, float(v.opening_qty), float(v.opening_value), float(v.received_qty),
                     float(v.issued_qty), float(v.closing_qty), float(v.closing_value),
                     None if v.unit_cost is None else float(v.unit_cost), float(v.cogs),
                     v.method])
    return rows


def method_arg(value: Any) -> str:
    """moving_average (the default) or fifo, any case."""
    text = text_arg("method", value)
    if not text:
        return MOVING_AVERAGE
    method = config_choice("valuationmethod", text)
    if method not in METHODS:
        raise BadArguments(f'method "{text}" is not moving_average or fifo')
    return method


def range_table(value: Any, spec: SheetSpec) -> Table:
    """A range argument read as the sheet it holds (header row found as on a sheet)."""
    cells = read_range(value)
    if cells.height == 1 and cells.width == 1 and excel_error(cells.columns[0][0]):
        raise BadArguments(f"{spec.name} shows the Excel error {excel_error(cells.columns[0][0])}")
    grid = columns_to_grid(spec.name, cells.columns, 1, 1, None, EXCEL_ERRORS, cells.kinds)
    return read_table(grid, spec)


def _first_error(errors: list[Issue]) -> str:
    """ "2 errors; first, Stock Movements D3 (counting the range from A1): ..." """
    first = errors[0]
    count = f"{len(errors)} error{'s' if len(errors) > 1 else ''}"
    return f"{count}; first, {first.sheet} {first.cell} (counting the range from A1): {first.message}"
