"""A straightforward stock ledger to check the fast one against (tests only).

The rules of workbook-spec.md read as plainly as possible: one Python sort key tuple per record,
`sorted` per SKU, the cost pools of engine.stock_cost (MovingAverage, Fifo) posting each event
through their methods, every sum kept on the SkuTotals as it goes. engine.stock_ledger must give
the same rows, allocations, totals and issues, Decimal for Decimal (value and exponent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from engine.money import ZERO
from engine.stock_cost import new_pool
from engine.stock_inputs import Item, Movement, OrderLine, issue_at
from engine.stock_ledger import (  # the same checks
    OPENING,
    SALE,
    Ledger,
    LedgerRow,
    SkuTotals,
    _allocatable,
    _postable,
    _unallocatable,
)
from engine.stock_post import quantity_text

LAST = 1 << 62
PHASE = {"IN": 0, "ADJ": 1, "OUT": 2}


def reference_ledger(items: Sequence[Item], movements: Sequence[Movement],
                     lines: Sequence[OrderLine], method: str,
                     refused: Mapping[tuple[str, int], str] | None = None,
                     locale: str = "en") -> Ledger:
    """The ledger, the plain way."""
    refused = refused or {}
    ledger = Ledger(lines, [None] * len(lines))
    skus: dict[str, SkuTotals] = {}
    for item in items:
        if item.source.key in refused:
            item = Item(item.source, item.sku, item.description, sku_key=item.sku_key)
        skus.setdefault(item.sku_key, SkuTotals(item, item.sku))
    first_seen: dict[str, int] = {}
    for position, line in enumerate(lines):  # Order IDs with equal sort keys: first seen first
        first_seen.setdefault(line.order_id, position)
    events: dict[str, list[tuple[tuple[object, ...], Movement | OrderLine, int]]] = {}
    for position, movement in enumerate(movements):
        if movement.source.key in refused or not _postable(movement, ledger.issues, locale):
            continue
        skus.setdefault(movement.sku_key, SkuTotals(None, movement.sku))
        key = (movement.date, PHASE[movement.kind or ""], 0, (), 0, 0, movement.source.row,
               position)
        events.setdefault(movement.sku_key, []).append((key, movement, -1))
    for position, line in enumerate(lines):
        reason = refused.get(line.source.key)
        if reason or not _allocatable(line):
            ledger.refused[position] = reason or _unallocatable(line, locale)
            continue
        skus.setdefault(line.sku_key, SkuTotals(None, line.sku))
        key = (line.order_date, 3, -line.priority, line.order_key, first_seen[line.order_id],
               LAST if line.line is None else line.line, line.source.row, position)
        events.setdefault(line.sku_key, []).append((key, line, position))
    for sku_key, totals in skus.items():
        ordered = sorted(events.get(sku_key, []), key=lambda event: event[0])  # type: ignore[arg-type,return-value]
        _post(totals, [(record, index) for _, record, index in ordered], method, ledger, locale)
        ledger.totals.append(totals)
    return ledger


def _post(totals: SkuTotals, events: list[tuple[Movement | OrderLine, int]], method: str,
          ledger: Ledger, locale: str) -> None:
    pool, sku, item = new_pool(method), totals.sku, totals.item
    if item is not None:
        pool.last_cost = item.opening_unit_cost
        if item.opening_qty > 0:
            value = pool.receive(item.opening_qty, item.opening_unit_cost)
            totals.opening_qty, totals.opening_value = item.opening_qty, value
            ledger.rows.append(LedgerRow(None, sku, OPENING, "", item.opening_qty, ZERO,
                                         pool.qty, item.opening_unit_cost, value, ZERO,
                                         pool.value, item.source))
    sold_qty = cogs_total = short_total = ZERO
    for record, index in events:
        if index < 0:
            _move(record, pool, totals, ledger, locale)  # type: ignore[arg-type]
            continue
        line: OrderLine = record  # type: ignore[assignment]
        wanted: Decimal = line.quantity  # type: ignore[assignment]
        if pool.qty <= 0:
            short_total += wanted
            continue
        taken = wanted if wanted <= pool.qty else pool.qty
        if wanted > pool.qty:
            short_total += wanted - pool.qty
        cogs = pool.issue(taken)
        sold_qty += taken
        cogs_total += cogs
        reference = line.order_id if line.line is None else f"{line.order_id}/{line.line}"
        row = LedgerRow(line.order_date, sku, SALE, reference, ZERO, taken, pool.qty, None, ZERO,
                        cogs, pool.value, line.source)
        ledger.sold[index] = row
        ledger.rows.append(row)
    totals.issued_qty += sold_qty
    totals.issued_value += cogs_total
    totals.cogs, totals.backordered = cogs_total, short_total
    totals.closing_qty, totals.closing_value = pool.qty, pool.value
    totals.closing_unit_cost = pool.value / pool.qty if pool.qty > 0 else None


def _move(movement: Movement, pool, totals: SkuTotals, ledger: Ledger,  # type: ignore[no-untyped-def]
          locale: str) -> None:
    qty: Decimal = movement.quantity  # type: ignore[assignment]
    kind = movement.kind or ""
    if kind == "IN" or (kind == "ADJ" and qty > 0):
        cost = movement.unit_cost if movement.unit_cost is not None else pool.unit_cost()
        value = pool.receive(qty, cost)
        totals.received_qty += qty
        totals.received_value += value
        ledger.rows.append(LedgerRow(movement.date, totals.sku, kind, movement.reference, qty,
                                     ZERO, pool.qty, cost, value, ZERO, pool.value,
                                     movement.source))
        return
    out = -qty if kind == "ADJ" else qty
    if out > pool.qty:
        shown = f"{quantity_text(pool.qty)} {totals.sku}" if locale == "pt-BR" else \
            f"{quantity_text(pool.qty)} units of {totals.sku}"
        ledger.issues.append(issue_at(movement.source, "Quantity", "stock.negative", locale,
                                      quantity_text(qty), shown))
        return
    value = pool.issue(out)
    totals.issued_qty += out
    totals.issued_value += value
    ledger.rows.append(LedgerRow(movement.date, totals.sku, kind, movement.reference, ZERO, out,
                                 pool.qty, None, ZERO, value, pool.value, movement.source))


def exactly(ledger: Ledger) -> tuple[object, ...]:
    """Everything a ledger answers, as reprs: equal only when every Decimal has the same value
    and the same exponent."""
    return ([tuple(map(repr, row)) for row in ledger.rows],
            [tuple(map(repr, ledger.allocation(i))) for i in range(len(ledger.lines))],
            [repr(totals) for totals in ledger.totals], [repr(i) for i in ledger.issues],
            dict(ledger.refused))
