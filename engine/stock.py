"""The orders-and-stock flow (issue 10): typed records + Config in, result rows + Issues out.

    inputs = stock_inputs(data.tables, data.config)          # Tables -> records (once)
    outcome = process_stock(inputs, rejections(issues))      # pure, exact
    outcome.orders / .ledger / .valuation / .reorder / .issues

Pricing (engine.pricing) prices the accepted order lines; the ledger (engine.stock_ledger)
allocates them and values every movement; this module joins the two into the rows of the output
sheets (Order Results, Stock Ledger, Stock Valuation, Reorder), each carrying its source row.
Rows validation found errors on are passed in as `rejected` (see `rejections`): they are not
priced, posted nor allocated, an order line among them is Rejected with the first error's
message, and nothing already reported is reported again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from engine.collector import collector_paused
from engine.fx import RateBook, rates_from_table
from engine.issues import Issue, Severity
from engine.pricing import LINE, TOTAL, price_orders
from engine.settings import Settings
from engine.stock_cost import METHODS, MOVING_AVERAGE
from engine.stock_events import EventKeys, event_keys
from engine.stock_inputs import (
    Item,
    Movement,
    OrderLine,
    Source,
    items_from_table,
    movement_columns,
    order_line_columns,
)
from engine.stock_ledger import LedgerRow, SkuTotals, Status, run_ledger
from engine.tables import Table
from engine.vocab import config_choice

RowKey = tuple[str, int]
_new = tuple.__new__


@dataclass(frozen=True)
class StockSettings:
    """The Config values the flow uses (validated spellings; defaults per workbook-spec.md)."""

    method: str = MOVING_AVERAGE
    tax_rounding: str = LINE
    functional: str = "BRL"
    locale: str = "en"

    @classmethod
    def from_config(cls, config: Mapping[str, str], locale: str = "en") -> StockSettings:
        """From Config as reading gives it ({normalised key: text}); an invalid value (reported by
        validation as config.value) falls back to the default."""
        method = config_choice("valuationmethod", config.get("valuationmethod") or "")
        rounding = config_choice("taxrounding", config.get("taxrounding") or "")
        functional = (config.get("functionalcurrency") or "BRL").strip().upper()
        return cls(method if method in METHODS else MOVING_AVERAGE,
                   TOTAL if rounding == TOTAL else LINE, functional or "BRL", locale)

    @classmethod
    def from_settings(cls, settings: Settings) -> StockSettings:
        """From the typed Config (engine.settings; the run's --period already applied)."""
        method = settings.valuation_method if settings.valuation_method in METHODS else MOVING_AVERAGE
        return cls(method, TOTAL if settings.tax_rounding == TOTAL else LINE,
                   settings.functional_currency, settings.locale)


@dataclass
class StockInputs:
    """The flow's records, converted once from the Tables. `keys`: their ledger-order keys,
    made from the same columns (None: the ledger reads them off the records)."""

    items: list[Item]
    movements: list[Movement]
    lines: list[OrderLine]
    rates: RateBook
    settings: StockSettings
    keys: EventKeys | None = None


def stock_inputs(tables: Mapping[str, Table], config: Mapping[str, str] | StockSettings,
                 locale: str = "en") -> StockInputs:
    """Records from the Stock, Stock Movements, Orders and FX Rates tables (absent ones: none),
    with their ledger-order keys. `config`: Config as reading gives it, or the flow's settings
    already made."""
    settings = config if isinstance(config, StockSettings) else \
        StockSettings.from_config(config, locale)
    stock, moves, orders = (tables.get(n) for n in ("Stock", "Stock Movements", "Orders"))
    with collector_paused():  # 150,000 records in the benchmark: see collector_paused
        movements, move_columns = movement_columns(moves) if moves is not None else \
            ([], ([], [], [], np.zeros(0, dtype=np.int64)))
        lines, line_columns = order_line_columns(orders) if orders is not None else \
            ([], ([], [], [], [], {}, [], np.zeros(0, dtype=np.int64)))
        return StockInputs(items_from_table(stock) if stock is not None else [], movements, lines,
                           rates_from_table(tables.get("FX Rates"), settings.functional),
                           settings, event_keys(movements, lines, move_columns, line_columns))


class OrderResult(NamedTuple):
    """An Order Results row. Amounts are blank (None) on a Rejected line; `reason` says why."""

    source: Source
    order_id: str
    line: int | None
    sku: str
    quantity: Decimal | None
    net: Decimal | None
    tax: Decimal | None
    total: Decimal | None
    currency: str
    total_functional: Decimal | None
    allocated: Decimal
    backordered: Decimal
    status: Status
    cogs: Decimal
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ValuationRow:
    """A Stock Valuation row. Received = IN + positive ADJ; issued = OUT + negative ADJ + order
    lines; COGS = the order lines' share. Opening + received = issued + closing, in value, to
    the cent. Unit Cost = closing value / closing qty (None when nothing is left)."""

    sku: str
    opening_qty: Decimal
    opening_value: Decimal
    received_qty: Decimal
    received_value: Decimal
    issued_qty: Decimal
    issued_value: Decimal
    closing_qty: Decimal
    closing_value: Decimal
    unit_cost: Decimal | None
    cogs: Decimal
    method: str
    source: Source | None  # the Stock row (None for a SKU that is not on the Stock sheet)


@dataclass(frozen=True, slots=True)
class ReorderRow:
    """A Reorder row: projected = closing − backordered; when projected <= Reorder Point, buy
    max(Reorder Qty, Reorder Point − projected)."""

    sku: str
    closing_qty: Decimal
    backordered: Decimal
    reorder_point: Decimal
    reorder_qty: Decimal | None
    suggested_qty: Decimal
    source: Source


@dataclass
class StockOutcome:
    """Every output row of the flow and the issues it found."""

    orders: list[OrderResult] = field(default_factory=list)
    ledger: list[LedgerRow] = field(default_factory=list)
    valuation: list[ValuationRow] = field(default_factory=list)
    reorder: list[ReorderRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)


def rejections(issues: Iterable[Issue]) -> dict[RowKey, str]:
    """The rows validation found errors on, by (sheet, row), each with its first error's message
    (warnings do not block a row)."""
    found: dict[RowKey, str] = {}
    for issue in issues:
        if issue.severity is Severity.ERROR and issue.row is not None:
            found.setdefault((issue.sheet, issue.row), issue.message)
    return found


def process_stock(inputs: StockInputs, rejected: Mapping[RowKey, str] | None = None) -> StockOutcome:
    """Price, allocate and value: the whole flow over records, in one pass per SKU."""
    with collector_paused():  # a few hundred thousand acyclic rows: see collector_paused
        return _process_stock(inputs, rejected)


def _process_stock(inputs: StockInputs, rejected: Mapping[RowKey, str] | None) -> StockOutcome:
    settings, refused = inputs.settings, dict(rejected or {})
    pricing = price_orders(inputs.lines, inputs.rates, settings.tax_rounding, refused,
                           settings.locale)
    refused.update(pricing.rejected)
    ledger = run_ledger(inputs.items, inputs.movements, inputs.lines, settings.method, refused,
                        settings.locale, inputs.keys)
    outcome = StockOutcome(ledger=ledger.rows, issues=pricing.issues + ledger.issues)
    orders, allocation, priced_lines = outcome.orders, ledger.allocation, pricing.priced
    for index, line in enumerate(inputs.lines):
        source = line.source
        _, allocated, backordered, status, cogs, reason = allocation(index)
        priced = priced_lines.get((source.sheet, source.row))
        amounts: tuple[Decimal | str | None, ...] = \
            (None, None, None, line.currency or settings.functional, None) if priced is None \
            else (*priced.price, priced.currency, priced.total_functional)
        # tuple.__new__ straight: OrderResult's generated __new__ is slow for 100,000 rows
        orders.append(_new(OrderResult, (source, line.order_id, line.line, line.sku,
                                         line.quantity, *amounts, allocated, backordered,
                                         status, cogs, reason)))
    outcome.valuation = [valuation_row(t, settings.method) for t in ledger.totals]
    outcome.reorder = [row for t in ledger.totals if (row := reorder_row(t)) is not None]
    return outcome


def valuation_row(totals: SkuTotals, method: str) -> ValuationRow:
    """A SKU's Stock Valuation row from its ledger totals."""
    return ValuationRow(totals.sku, totals.opening_qty, totals.opening_value, totals.received_qty,
                        totals.received_value, totals.issued_qty, totals.issued_value,
                        totals.closing_qty, totals.closing_value, totals.closing_unit_cost,
                        totals.cogs, method, totals.item.source if totals.item else None)


def reorder_row(totals: SkuTotals) -> ReorderRow | None:
    """workbook-spec.md, Reorder: a suggestion when closing − backordered <= Reorder Point (a
    blank Reorder Point is no reorder policy: nothing), None otherwise or when it would be 0."""
    item = totals.item
    if item is None or item.reorder_point is None:
        return None
    projected = totals.closing_qty - totals.backordered
    if projected > item.reorder_point:
        return None
    suggested = max(item.reorder_qty or Decimal(0), item.reorder_point - projected)
    if suggested <= 0:
        return None
    return ReorderRow(totals.sku, totals.closing_qty, totals.backordered, item.reorder_point,
                      item.reorder_qty, suggested, item.source)
