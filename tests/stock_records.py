"""Small builders of the stock flow's records for tests: rows numbered as on a sheet."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from engine.fx import RateBook, rate_book
from engine.stock import StockInputs, StockOutcome, StockSettings, process_stock
from engine.stock_inputs import Item, Movement, OrderLine, Source

STOCK_LETTERS = {"SKU": "A", "Description": "B", "Opening Qty": "C", "Opening Unit Cost": "D",
                 "Reorder Point": "E", "Reorder Qty": "F"}
MOVEMENT_LETTERS = {"Date": "A", "SKU": "B", "Type": "C", "Quantity": "D", "Unit Cost": "E",
                    "Reference": "F"}
ORDER_LETTERS = {"Order ID": "A", "Line": "B", "Order Date": "C", "Customer": "D", "SKU": "E",
                 "Quantity": "F", "Unit Price": "G", "Discount": "H", "Tax Rate": "I",
                 "Currency": "J", "Priority": "K"}


def D(value: Any) -> Decimal:
    """An exact Decimal from text or an int."""
    return Decimal(str(value))


class Sheets:
    """Hands out Excel row numbers (from 2, under the header) per sheet."""

    def __init__(self) -> None:
        self.rows = {name: itertools.count(2) for name in ("Stock", "Stock Movements", "Orders")}

    def item(self, sku: str, qty: Any = 0, cost: Any = 0, point: Any = None,
             reorder: Any = None) -> Item:
        source = Source("Stock", next(self.rows["Stock"]), STOCK_LETTERS)
        return Item(source, sku, "", D(qty), D(cost), None if point is None else D(point),
                    None if reorder is None else D(reorder))

    def move(self, day: int, sku: str, kind: str, qty: Any, cost: Any = None,
             reference: str = "") -> Movement:
        source = Source("Stock Movements", next(self.rows["Stock Movements"]), MOVEMENT_LETTERS)
        return Movement(source, date(2026, 10, day), sku, kind, D(qty),
                        None if cost is None else D(cost), reference)

    def order(self, order_id: str, day: int, sku: str, qty: Any, price: Any = 1, line: int | None = 1,
              priority: int = 0, currency: str = "", discount: Any = 0, tax: Any = 0) -> OrderLine:
        source = Source("Orders", next(self.rows["Orders"]), ORDER_LETTERS)
        return OrderLine(source, order_id, date(2026, 10, day), sku, D(qty), D(price), line,
                         "Customer", D(discount), D(tax), currency, priority)


def run(items: list[Item], moves: list[Movement], lines: list[OrderLine],
        method: str = "moving_average", rejected: dict[tuple[str, int], str] | None = None,
        rates: RateBook | None = None, rounding: str = "line") -> StockOutcome:
    """The whole flow over records."""
    settings = StockSettings(method=method, tax_rounding=rounding)
    return process_stock(StockInputs(items, moves, lines, rates or rate_book([], "BRL"), settings),
                         rejected)
