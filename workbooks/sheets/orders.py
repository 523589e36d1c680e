"""The Order Results output sheet (workbook-spec.md, "Output sheets"): one row per Orders row.

Net, Tax and Total are in the order's own currency (the Currency column beside them), so they
are summed in the totals row only when every priced line shares one currency; Total
(functional) always adds up. Each row's Order ID links to its Orders row. A Rejected line keeps
its amounts blank (why: on the Issues sheet, at the cell).
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.issues import quote_sheet
from engine.stock import OrderResult
from workbooks.model import Block, CellKind, OutputColumn, OutputSheet, OutputValue

ORDER_RESULTS = "Order Results"
_SAME_CURRENCY_TOTALS = ("Net", "Tax", "Total")


def order_columns(functional: str) -> list[OutputColumn]:
    """The spec columns; only Total (functional) carries the functional currency's symbol."""
    K = CellKind
    return [OutputColumn("Order ID", width=14), OutputColumn("Line", K.INTEGER, 6),
            OutputColumn("SKU", width=12), OutputColumn("Quantity", K.NUMBER, 10),
            OutputColumn("Net", K.MONEY, 14), OutputColumn("Tax", K.MONEY, 12),
            OutputColumn("Total", K.MONEY, 14), OutputColumn("Currency", width=9),
            OutputColumn("Total (functional)", K.MONEY, 18, currency=functional),
            OutputColumn("Allocated", K.NUMBER, 10), OutputColumn("Backordered", K.NUMBER, 12),
            OutputColumn("Status", width=12)]


def order_results_output(orders: Sequence[OrderResult], functional: str) -> OutputSheet:
    """The Order Results sheet, rows in the Orders sheet's order."""
    rows: list[list[OutputValue]] = [
        [o.order_id, o.line, o.sku, o.quantity, o.net, o.tax, o.total, o.currency,
         o.total_functional, o.allocated, o.backordered, str(o.status)] for o in orders]
    links = {(n, 0): _source_cell(o) for n, o in enumerate(orders) if o.order_id}
    currencies = {o.currency for o in orders if o.total is not None}
    totals = (*(_SAME_CURRENCY_TOTALS if len(currencies) == 1 else ()), "Total (functional)")
    sheet = OutputSheet(ORDER_RESULTS, table_name="BO_OrderResults")
    sheet.add(Block(order_columns(functional), rows, links=links, totals=totals,
                    table_name="BO_OrderResults"))
    return sheet


def _source_cell(order: OrderResult) -> str:
    """The Orders row's Order ID cell (column A when the sheet has no letter for it)."""
    source = order.source
    return f"{quote_sheet(source.sheet)}!{source.cell('Order ID') or f'A{source.row}'}"
