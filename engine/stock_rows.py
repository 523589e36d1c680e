"""The stock ledger's records out: what happened to each order line (Allocation), each posted
event (LedgerRow, a Stock Ledger row), each SKU's totals (SkuTotals) and the pass's answer
(Ledger). engine.stock_ledger makes them (and re-exports them: import them from there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from engine.issues import Issue
from engine.money import ZERO
from engine.stock_inputs import Item, OrderLine, Source

RowKey = tuple[str, int]
OPENING, SALE = "Opening", "Order"  # ledger Kinds besides IN / ADJ / OUT


class Status(StrEnum):
    """What happened to an order line."""

    FULFILLED = "Fulfilled"
    PARTIAL = "Partial"
    BACKORDERED = "Backordered"
    REJECTED = "Rejected"


_new = tuple.__new__  # _new(LedgerRow, values): a NamedTuple without its Python-level __new__
PARTIAL, FULFILLED = Status.PARTIAL, Status.FULFILLED


class Allocation(NamedTuple):
    """An order line's share of the stock: allocated + backordered = Quantity; COGS is the
    posted cost of the allocated units. A Rejected line has `reason` and nothing allocated."""

    source: Source
    allocated: Decimal
    backordered: Decimal
    status: Status
    cogs: Decimal = ZERO
    reason: str = ""


class LedgerRow(NamedTuple):
    """One posted event of a SKU's ledger (Stock Ledger sheet). `cost` is a receipt's own unit
    cost (None on an issue: see `unit_cost`)."""

    date: date | None
    sku: str
    kind: str
    reference: str
    qty_in: Decimal
    qty_out: Decimal
    qty_balance: Decimal
    cost: Decimal | None
    value_in: Decimal
    value_out: Decimal
    value_balance: Decimal
    source: Source | None

    @property
    def unit_cost(self) -> Decimal:
        """The event's unit cost: the receipt's cost in, the posted value / quantity out
        (unrounded; computed when asked, not on the hot path)."""
        if self.cost is not None:
            return self.cost
        return self.value_out / self.qty_out if self.qty_out else ZERO


@dataclass(slots=True)
class SkuTotals:
    """What one SKU's ledger adds up to (the Stock Valuation and Reorder rows are built from it)."""

    item: Item | None
    sku: str
    opening_qty: Decimal = ZERO
    opening_value: Decimal = ZERO
    received_qty: Decimal = ZERO
    received_value: Decimal = ZERO
    issued_qty: Decimal = ZERO
    issued_value: Decimal = ZERO
    cogs: Decimal = ZERO
    backordered: Decimal = ZERO
    closing_qty: Decimal = ZERO
    closing_value: Decimal = ZERO
    closing_unit_cost: Decimal | None = None


@dataclass
class Ledger:
    """The ledger pass's answer. Order lines are answered by position: `sold[i]` is the ledger
    row of `lines[i]` (None when it took nothing), `refused[i]` why it was rejected; the pass
    stores one reference per line and `allocation(i)` derives the rest."""

    lines: Sequence[OrderLine]
    sold: list[LedgerRow | None]
    refused: dict[int, str] = field(default_factory=dict)
    rows: list[LedgerRow] = field(default_factory=list)
    totals: list[SkuTotals] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    def allocation(self, index: int) -> Allocation:
        """What `lines[index]` got: allocated + backordered = Quantity, its status and COGS."""
        line = self.lines[index]
        row = self.sold[index]
        if row is not None:  # it took stock (tuple.__new__: called once per order line)
            short = line.quantity - row.qty_out  # type: ignore[operator]
            return _new(Allocation, (line.source, row.qty_out, short,
                                     PARTIAL if short else FULFILLED, row.value_out, ""))
        if index in self.refused:
            return Allocation(line.source, ZERO, ZERO, Status.REJECTED, ZERO, self.refused[index])
        wanted: Decimal = line.quantity  # type: ignore[assignment]  # not refused: not None
        return Allocation(line.source, ZERO, wanted, Status.BACKORDERED)

    @property
    def allocations(self) -> dict[RowKey, Allocation]:
        """Every line's allocation by (sheet, row)."""
        return {line.source.key: self.allocation(i) for i, line in enumerate(self.lines)}
