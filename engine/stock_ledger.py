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

How (for speed, 150,000 events in the benchmark): the postable records are picked, then ordered
per SKU by numpy keys made once from whole columns (engine.stock_events.EventKeys: from the
converter's columns when it made them, else read off the records), then each SKU's events are
posted by a loop with the cost pool in locals (engine.stock_post).

Records in, records out (beancount's booking stage shape): every result row keeps its source,
and what is wrong is an Issue at the cell, never an exception. Rows in `rejected` (validation
found an error on them) are not posted; an order line among them is Rejected with the reason; a
Stock row among them still names its SKU, without an opening balance or a reorder policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter

from engine.collector import collector_paused
from engine.issues import Issue
from engine.money import ZERO
from engine.rules import rule
from engine.stock_cost import FIFO, MOVING_AVERAGE
from engine.stock_events import EventKeys, keys_from_records, ledger_order
from engine.stock_inputs import Item, Movement, OrderLine, issue_at
from engine.stock_post import Events, post_average, post_fifo, quantity_text
from engine.stock_rows import (
    OPENING,
    SALE,
    Allocation,
    Ledger,
    LedgerRow,
    RowKey,
    SkuTotals,
    Status,
)

__all__ = ["OPENING", "SALE", "Allocation", "Ledger", "LedgerRow", "RowKey", "SkuTotals",
           "Status", "run_ledger"]

_quantity = attrgetter("quantity")
Poster = Callable[[SkuTotals, Events, Ledger, str, dict[int | None, str]], None]
POSTERS: dict[str, Poster] = {MOVING_AVERAGE: post_average, FIFO: post_fifo}


def run_ledger(items: Sequence[Item], movements: Sequence[Movement], lines: Sequence[OrderLine],
               method: str, rejected: Mapping[RowKey, str] | None = None,
               locale: str = "en", keys: EventKeys | None = None) -> Ledger:
    """Post every SKU's events in ledger order under `method` (moving_average or fifo).
    `keys`: the records' ledger-order keys when the converter made them (engine.stock
    .stock_inputs); read off the records when None or made for other lists."""
    post = POSTERS.get(method)
    if post is None:
        raise ValueError(f"unknown valuation method {method!r}")
    with collector_paused():
        if keys is None or not keys.fits(movements, lines):
            keys = keys_from_records(movements, lines)
        return _run_ledger(items, keys, post, rejected or {}, locale)


def _run_ledger(items: Sequence[Item], keys: EventKeys, post: Poster,
                refused: Mapping[RowKey, str], locale: str) -> Ledger:
    movements, lines = keys.movements, keys.lines
    ledger = Ledger(lines, [None] * len(lines))
    skus: dict[str, SkuTotals] = {}
    for item in items:
        if refused and item.source.key in refused:  # the SKU exists; its figures are not used
            item = Item(item.source, item.sku, item.description, sku_key=item.sku_key)
        skus.setdefault(item.sku_key, SkuTotals(item, item.sku))
    moves = _postable_moves(movements, refused, ledger.issues, locale)
    sold = _allocatable_lines(lines, keys, refused, ledger.refused, locale)
    order = ledger_order(list(skus), keys, moves, sold)
    if len(order.keys) > len(skus):  # SKUs not on the Stock sheet, in order of appearance
        _name_new_skus(order.keys[len(skus):], skus, [movements[i] for i in moves],
                       [lines[i] for i in sold])
    slash: dict[int | None, str] = {None: ""}  # "/2" by Line number: this pass's References
    for number, totals in enumerate(skus.values()):
        post(totals, order.of(number), ledger, locale, slash)
        ledger.totals.append(totals)
    return ledger


def _postable_moves(movements: Sequence[Movement], refused: Mapping[RowKey, str],
                    issues: list[Issue], locale: str) -> list[int]:
    """The positions of the movements that can be posted (an issue says why for the others)."""
    moves = []
    for index, movement in enumerate(movements):
        kind, quantity = movement.kind, movement.quantity
        if refused and movement.source.key in refused:
            continue
        # the test every movement passes once validation ran, then the one that says why not
        if (kind is None or quantity is None or movement.date is None or not movement.sku_key
                or (kind == "IN" and movement.unit_cost is None)
                or (quantity <= ZERO and (kind != "ADJ" or not quantity))) \
                and not _postable(movement, issues, locale):
            continue
        moves.append(index)
    return moves


def _allocatable_lines(lines: Sequence[OrderLine], keys: EventKeys, refused: Mapping[RowKey, str],
                       reasons: dict[int, str], locale: str) -> list[int]:
    """The positions of the order lines that can take stock; `reasons` gets why not for the
    others. Whole columns are tested first (in C): normally every line passes."""
    if not refused and _all_allocatable(lines, keys):
        return list(range(len(lines)))
    sold = []
    for index, line in enumerate(lines):
        reason = refused.get(line.source.key) if refused else None
        if reason or not _allocatable(line):
            reasons[index] = reason or _unallocatable(line, locale)
            continue
        sold.append(index)
    return sold


def _all_allocatable(lines: Sequence[OrderLine], keys: EventKeys) -> bool:
    """Whether every line has a Quantity > 0, an Order Date (when -1: none) and a SKU."""
    if not lines:
        return True
    try:  # a blank Quantity (None) cannot be compared: TypeError
        if not min(map(_quantity, lines)) > ZERO:
            return False
    except (TypeError, ArithmeticError):
        return False
    blank = keys.skus.index("") if "" in keys.skus else -1
    return bool(keys.line_when.min() >= 0) and not (keys.line_sku == blank).any()


def _name_new_skus(keys: Sequence[str], skus: dict[str, SkuTotals], moves: Sequence[Movement],
                   lines: Sequence[OrderLine]) -> None:
    """SkuTotals for SKUs met only in movements or order lines, named as first written."""
    wanted, first = set(keys), {}
    records: list[Movement | OrderLine] = [*moves, *lines]
    for record in records:
        if record.sku_key in wanted and record.sku_key not in first:
            first[record.sku_key] = record.sku
    for key in keys:
        skus[key] = SkuTotals(None, first[key])


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
        return rule("value.positive").message(locale, column="Quantity", value=quantity_text(line.quantity))
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
                             quantity_text(movement.quantity), movement.kind))
        return False
    return movement.quantity != 0  # an ADJ of 0 changes nothing
