"""One chronological stock ledger per SKU: allocation of order lines and valuation, in one pass.

workbook-spec.md, "Rules that define the numbers": opening balance, then for each date the
receipts (IN), the count adjustments (ADJ), the other issues (OUT), then the order lines by
(Priority desc, Order Date, Order ID, Line). Movements of one kind on one date keep the sheet's
row order. An order line takes min(Quantity, on hand) and the rest is backordered; an OUT or a
negative ADJ that would take on-hand below zero is not posted and is an error at its Quantity
cell (stock.negative). Stock is never negative.

Costs (engine.stock_cost): receipts at their Unit Cost; OUT, negative ADJ and order lines leave
at the pool's current cost. A positive ADJ (stock found in a count) comes in at its own Unit Cost
when typed, else at the current unit cost (value / on hand), or at the last receipt cost when
nothing is on hand (the opening cost before any receipt): found units are valued like the units
already held, so finding stock does not move the average.

Records in, records out (beancount's booking stage shape): every result row keeps its source,
and what is wrong is an Issue at the cell, never an exception. Rows in `rejected` (validation
found an error on them) are not posted; an order line among them is Rejected with the reason; a
Stock row among them still names its SKU, without an opening balance or a reorder policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from engine.collector import collector_paused
from engine.issues import Issue
from engine.money import ZERO
from engine.rules import rule
from engine.stock_cost import CostPool, new_pool
from engine.stock_events import Event, LedgerOrder
from engine.stock_inputs import Item, Movement, OrderLine, Source, issue_at

RowKey = tuple[str, int]
PHASE = {"IN": 0, "ADJ": 1, "OUT": 2}
ORDER_PHASE = 3
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


def run_ledger(items: Sequence[Item], movements: Sequence[Movement], lines: Sequence[OrderLine],
               method: str, rejected: Mapping[RowKey, str] | None = None,
               locale: str = "en") -> Ledger:
    """Post every SKU's events in ledger order under `method` (moving_average or fifo)."""
    with collector_paused():
        return _run_ledger(items, movements, lines, method, rejected or {}, locale)


def _run_ledger(items: Sequence[Item], movements: Sequence[Movement], lines: Sequence[OrderLine],
                method: str, refused: Mapping[RowKey, str], locale: str) -> Ledger:
    ledger = Ledger(lines, [None] * len(lines))
    skus: dict[str, SkuTotals] = {}
    for item in items:
        if refused and item.source.key in refused:  # the SKU exists; its figures are not used
            item = Item(item.source, item.sku, item.description, sku_key=item.sku_key)
        skus.setdefault(item.sku_key, SkuTotals(item, item.sku))
    number = {key: n for n, key in enumerate(skus)}
    events, issues = LedgerOrder(), ledger.issues
    entry, sku_of, when = events.entries.append, events.skus.append, events.when.append
    phase, row, days = events.phases.append, events.rows.append, events.days
    for movement in movements:
        kind, quantity = movement.kind, movement.quantity
        if refused and movement.source.key in refused:
            continue
        # the test every movement passes once validation ran, then the one that says why not
        if (kind is None or quantity is None or movement.date is None or not movement.sku_key
                or (kind == "IN" and movement.unit_cost is None)
                or (quantity <= 0 and (kind != "ADJ" or quantity == 0))) \
                and not _postable(movement, issues, locale):
            continue
        sku = number.get(movement.sku_key)
        if sku is None:
            sku = _new_sku(movement, skus, number)
        # _Events' columns appended here, not through a method: this runs 150,000 times
        entry((movement, -1))
        sku_of(sku)
        day = days.get(movement.date)  # type: ignore[arg-type]
        when(day if day is not None else events.ordinal(movement.date))  # type: ignore[arg-type]
        phase(PHASE[kind])  # type: ignore[index]
        row(movement.source.row)
    moves = len(events.entries)
    for index, line in enumerate(lines):
        reason = refused.get(line.source.key) if refused else None
        if reason or not _allocatable(line):
            ledger.refused[index] = reason or _unallocatable(line, locale)
            continue
        sku = number.get(line.sku_key)
        if sku is None:
            sku = _new_sku(line, skus, number)
        entry((line, index))
        sku_of(sku)
        day = days.get(line.order_date)  # type: ignore[arg-type]
        when(day if day is not None else events.ordinal(line.order_date))  # type: ignore[arg-type]
        phase(ORDER_PHASE)
        row(line.source.row)
    for totals, sku_events in zip(skus.values(), events.by_sku(lines, moves, len(skus)),
                                  strict=True):
        _post_sku(totals, sku_events, method, ledger, locale)
        ledger.totals.append(totals)
    return ledger


def _new_sku(record: Movement | OrderLine, skus: dict[str, SkuTotals],
             number: dict[str, int]) -> int:
    """Number a SKU missing from Stock (an empty item), in order of appearance."""
    skus[record.sku_key] = SkuTotals(None, record.sku)
    number[record.sku_key] = len(number)
    return number[record.sku_key]


def _allocatable(line: OrderLine) -> bool:
    """The cheap test every line passes once validation ran (the slow one says why not)."""
    return line.quantity is not None and line.quantity > 0 and line.order_date is not None \
        and bool(line.sku_key)


def _unallocatable(line: OrderLine, locale: str) -> str:
    """Why a line validation did not reject still cannot take stock ("" when it can). Pricing
    reports these as issues; here they only keep the line out of the ledger."""
    for column, value in (("Order Date", line.order_date), ("SKU", line.sku_key or None),
                          ("Quantity", line.quantity)):
        if value is None:
            return rule("value.required").message(locale, column=column)
    if line.quantity is not None and line.quantity <= 0:
        return rule("value.positive").message(locale, column="Quantity", value=_number(line.quantity))
    return ""


def _postable(movement: Movement, issues: list[Issue], locale: str) -> bool:
    """Whether a movement validation did not reject can be posted; if not, the issue says why
    (validation reports these same faults first when it runs, so normally none arrive here)."""
    source = movement.source
    if movement.date is None or movement.kind is None or movement.quantity is None \
            or not movement.sku_key:
        column = next(c for c, v in (("Date", movement.date), ("SKU", movement.sku_key or None),
                                     ("Type", movement.kind), ("Quantity", movement.quantity))
                      if v is None)
        issues.append(issue_at(source, column, "value.required", locale, ""))
        return False
    if movement.kind == "IN" and movement.unit_cost is None:
        issues.append(issue_at(source, "Unit Cost", "movement.unit_cost_required", locale, ""))
        return False
    if movement.kind != "ADJ" and movement.quantity <= 0:
        issues.append(issue_at(source, "Quantity", "stock.quantity_sign", locale,
                             _number(movement.quantity), movement.kind))
        return False
    return movement.quantity != 0  # an ADJ of 0 changes nothing


def _post_sku(totals: SkuTotals, events: list[Event], method: str, ledger: Ledger,
              locale: str) -> None:
    """Post one SKU's events, in order, into its cost pool. The order-line branch is inline and
    its sums are locals: it runs once per order line (100,000 in the benchmark)."""
    pool, rows, sku, sold = new_pool(method), ledger.rows, totals.sku, ledger.sold
    item = totals.item
    if item is not None:
        pool.last_cost = item.opening_unit_cost
        if item.opening_qty > 0:
            value = pool.receive(item.opening_qty, item.opening_unit_cost)
            totals.opening_qty, totals.opening_value = item.opening_qty, value
            rows.append(LedgerRow(None, sku, OPENING, "", item.opening_qty, ZERO, pool.qty,
                                  item.opening_unit_cost, value, ZERO, pool.value, item.source))
    issue, sold_qty, cogs_total, short_total = pool.issue, ZERO, ZERO, ZERO
    for record, index in events:
        if index < 0:
            _move(record, pool, totals, ledger, locale)  # type: ignore[arg-type]
            continue
        wanted: Decimal = record.quantity  # type: ignore[assignment]  # checked: not None
        on_hand = pool.qty
        if on_hand <= ZERO:  # nothing to take: no ledger row, the whole line is backordered
            short_total += wanted
            continue
        if wanted <= on_hand:
            taken = wanted
        else:
            taken = on_hand
            short_total += wanted - on_hand
        cogs = issue(taken)
        sold_qty += taken
        cogs_total += cogs
        line: OrderLine = record  # type: ignore[assignment]
        reference = line.order_id if line.line is None else f"{line.order_id}/{line.line}"
        # tuple.__new__ straight: the NamedTuple's generated __new__ doubled this loop's cost
        sold[index] = row = _new(LedgerRow, (line.order_date, sku, SALE, reference, ZERO, taken,
                                             pool.qty, None, ZERO, cogs, pool.value, line.source))
        rows.append(row)
    totals.issued_qty += sold_qty
    totals.issued_value += cogs_total
    totals.cogs, totals.backordered = cogs_total, short_total
    totals.closing_qty, totals.closing_value = pool.qty, pool.value
    totals.closing_unit_cost = pool.value / pool.qty if pool.qty > 0 else None


def _move(movement: Movement, pool: CostPool, totals: SkuTotals, ledger: Ledger,
          locale: str) -> None:
    """Post a receipt, an issue or a count adjustment (an issue beyond on-hand is refused)."""
    qty: Decimal = movement.quantity  # type: ignore[assignment]  # _postable checked it
    kind = movement.kind or ""
    if kind == "IN" or (kind == "ADJ" and qty > 0):
        cost = movement.unit_cost if movement.unit_cost is not None else pool.unit_cost()
        value = pool.receive(qty, cost)
        totals.received_qty += qty
        totals.received_value += value
        ledger.rows.append(_new(LedgerRow, (movement.date, totals.sku, kind, movement.reference,
                                            qty, ZERO, pool.qty, cost, value, ZERO, pool.value,
                                            movement.source)))
        return
    out = -qty if kind == "ADJ" else qty
    if out > pool.qty:
        shown = f"{_number(pool.qty)} {totals.sku}" if locale == "pt-BR" else \
            f"{_number(pool.qty)} units of {totals.sku}"
        ledger.issues.append(issue_at(movement.source, "Quantity", "stock.negative", locale,
                                    _number(qty), shown))
        return
    value = pool.issue(out)
    totals.issued_qty += out
    totals.issued_value += value
    ledger.rows.append(_new(LedgerRow, (movement.date, totals.sku, kind, movement.reference, ZERO,
                                        out, pool.qty, None, ZERO, value, pool.value,
                                        movement.source)))


def _number(value: Decimal) -> str:
    """A quantity as typed: 12, 2.5, -3 (no exponent, no trailing zeros)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
