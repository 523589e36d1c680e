"""The stock output sheets (workbook-spec.md, "Output sheets"): Stock Ledger, Stock Valuation
(with a chart of the ten largest stock values) and Reorder.

Money is in the functional currency. Values are the engine's posted amounts (exact cents);
Unit Cost, a rate the engine keeps unrounded, is shown to 4 decimal places (UNIT_COST_PLACES)
so every door (file, live Excel, memory) holds the same exact number. Quantities are summed in
no totals row (units of different items do not add up); values are. Each row links to its
source: a ledger row's Reference (or SKU, when it has no Reference) to the Stock Movements,
Orders or Stock row it posts, a valuation or reorder row's SKU to its Stock row.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from engine.issues import quote_sheet
from engine.stock import ReorderRow, ValuationRow
from engine.stock_inputs import Source
from engine.stock_ledger import LedgerRow
from workbooks.model import (
    Block,
    CellKind,
    Chart,
    ChartKind,
    OutputColumn,
    OutputSheet,
    OutputValue,
)

STOCK_LEDGER, STOCK_VALUATION, REORDER = "Stock Ledger", "Stock Valuation", "Reorder"
UNIT_COST_PLACES = Decimal("0.0001")
TOP_VALUES = 10
SOURCE_COLUMN = {"Orders": "Order ID", "Stock Movements": "Reference", "Stock": "SKU"}
METHOD_NAMES = {"moving_average": "Moving average", "fifo": "FIFO"}

K = CellKind
LEDGER_COLUMNS = [
    OutputColumn("Date", K.DATE, 11), OutputColumn("SKU", width=12), OutputColumn("Kind", width=9),
    OutputColumn("Reference", width=22), OutputColumn("Qty In", K.NUMBER, 9),
    OutputColumn("Qty Out", K.NUMBER, 9), OutputColumn("Qty Balance", K.NUMBER, 12),
    OutputColumn("Unit Cost", K.MONEY, 13), OutputColumn("Value In", K.MONEY, 15),
    OutputColumn("Value Out", K.MONEY, 15), OutputColumn("Value Balance", K.MONEY, 16)]
VALUATION_COLUMNS = [
    OutputColumn("SKU", width=12), OutputColumn("Opening Qty", K.NUMBER, 12),
    OutputColumn("Opening Value", K.MONEY, 16), OutputColumn("Received Qty", K.NUMBER, 13),
    OutputColumn("Issued Qty", K.NUMBER, 11), OutputColumn("Closing Qty", K.NUMBER, 12),
    OutputColumn("Closing Value", K.MONEY, 16), OutputColumn("Unit Cost", K.MONEY, 13),
    OutputColumn("COGS", K.MONEY, 15), OutputColumn("Method", width=15)]
REORDER_COLUMNS = [
    OutputColumn("SKU", width=12), OutputColumn("Closing Qty", K.NUMBER, 12),
    OutputColumn("Backordered", K.NUMBER, 12), OutputColumn("Reorder Point", K.NUMBER, 14),
    OutputColumn("Suggested Qty", K.NUMBER, 14)]
TOP_COLUMNS = [OutputColumn("SKU", width=12), OutputColumn("Closing Value", K.MONEY, 16)]


def unit_cost(value: Decimal | None) -> Decimal | None:
    """A unit cost as shown: rounded half-up to 4 places (None stays blank)."""
    return None if value is None else value.quantize(UNIT_COST_PLACES, ROUND_HALF_UP)


def link(source: Source | None, column: str) -> str | None:
    """The source row's cell of `column` as a hyperlink target (column A if the sheet lacks it)."""
    if source is None:
        return None
    return f"{quote_sheet(source.sheet)}!{source.cell(column) or f'A{source.row}'}"


def stock_ledger_output(rows: Sequence[LedgerRow], functional: str) -> OutputSheet:
    """The Stock Ledger: every posted event, per SKU in ledger order (opening first)."""
    values: list[list[OutputValue]] = [
        [r.date, r.sku, r.kind, r.reference, r.qty_in, r.qty_out, r.qty_balance,
         unit_cost(r.unit_cost), r.value_in, r.value_out, r.value_balance] for r in rows]
    links: dict[tuple[int, int], str] = {}
    for n, r in enumerate(rows):
        # an order's Order ID, a movement's Reference, an opening's SKU: the cell the row
        # came from; shown on the Reference cell, or on the SKU when Reference is empty (an
        # empty cell holds no link)
        column = SOURCE_COLUMN.get(r.source.sheet, "SKU") if r.source else "SKU"
        target = link(r.source, column if r.reference else "SKU")
        if target:
            links[(n, 3 if r.reference else 1)] = target
    sheet = OutputSheet(STOCK_LEDGER, currency=functional, table_name="BO_StockLedger")
    sheet.add(Block(LEDGER_COLUMNS, values, links=links, totals=("Value In", "Value Out"),
                    table_name="BO_StockLedger"))
    return sheet


def stock_valuation_output(rows: Sequence[ValuationRow], functional: str) -> OutputSheet:
    """Stock Valuation, one row per SKU, then the ten largest closing values and their chart."""
    values: list[list[OutputValue]] = [
        [v.sku, v.opening_qty, v.opening_value, v.received_qty, v.issued_qty, v.closing_qty,
         v.closing_value, unit_cost(v.unit_cost), v.cogs, METHOD_NAMES.get(v.method, v.method)]
        for v in rows]
    links = {(n, 0): target for n, v in enumerate(rows) if (target := link(v.source, "SKU"))}
    sheet = OutputSheet(STOCK_VALUATION, currency=functional, table_name="BO_StockValuation")
    sheet.add(Block(VALUATION_COLUMNS, values, links=links,
                    totals=("Opening Value", "Closing Value", "COGS"),
                    table_name="BO_StockValuation"))
    largest = sorted((v for v in rows if v.closing_value > 0),
                     key=lambda v: (-v.closing_value, v.sku))[:TOP_VALUES]
    if largest:
        sheet.add(Block(TOP_COLUMNS, [[v.sku, v.closing_value] for v in largest],
                        heading=f"The {len(largest)} largest stock values", table=False))
        sheet.charts.append(Chart(ChartKind.BAR, 1, "SKU", ("Closing Value",),
                                  title="Largest stock values"))
    return sheet


def reorder_output(rows: Sequence[ReorderRow]) -> OutputSheet:
    """Reorder: the SKUs to buy and how many."""
    values: list[list[OutputValue]] = [
        [r.sku, r.closing_qty, r.backordered, r.reorder_point, r.suggested_qty] for r in rows]
    links = {(n, 0): target for n, r in enumerate(rows) if (target := link(r.source, "SKU"))}
    return OutputSheet(REORDER, REORDER_COLUMNS, values, links, table_name="BO_Reorder")
