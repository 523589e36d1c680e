"""Posting one SKU's events, in ledger order, under moving average or FIFO.

The arithmetic is engine.stock_cost's, operation for operation (the same Decimal operations in
the same order, so the same values and exponents); what differs is where the state lives. These
loops run once per stock event (150,000 in the benchmark), so the pool's on-hand, value and last
cost are locals rather than attributes of a pool object, the issue of an order line is written
inline rather than called, and the SKU's sums are locals stored into its SkuTotals once, at the
end. Movements are rarer: an issue beyond on-hand (stock.negative) is reported by a helper.

An event is an int, an order line's position in `lines` (>= 0) or ~a movement's position in
`movements` (< 0), with its record; engine.stock_events orders them. `slash` holds the pass's
Reference suffixes by Line number ("/2"; "" for a blank Line), shared by its SKUs.
"""

from __future__ import annotations

from collections import deque
from decimal import ROUND_HALF_UP, Decimal

from engine.money import CENT, ZERO
from engine.stock_inputs import Movement, OrderLine, issue_at
from engine.stock_rows import OPENING, SALE, Ledger, LedgerRow, SkuTotals

_new = tuple.__new__  # _new(LedgerRow, values): a NamedTuple without its Python-level __new__
HALF_UP = ROUND_HALF_UP
# a SKU's events in ledger order (engine.stock_events.LedgerOrder.of): positions and records
Events = tuple[list[int], list[Movement | OrderLine]]


def post_average(totals: SkuTotals, events: Events, ledger: Ledger, locale: str,
                 slash: dict[int | None, str]) -> None:
    """Moving average (engine.stock_cost.MovingAverage, inlined): receipts re-average, issues
    leave at round(value x q / on hand), the last units out take exactly what is left."""
    rows, sold, sku = ledger.rows, ledger.sold, totals.sku
    append = rows.append
    qty, value, last = _opening(totals, rows)
    received_qty = received_value = issued_qty = issued_value = ZERO
    sold_qty = short_total = ZERO
    positions, records = events
    for event, record in zip(positions, records, strict=True):
        if event >= 0:  # an order line: takes min(Quantity, on hand), the rest is backordered
            line: OrderLine = record  # type: ignore[assignment]
            wanted: Decimal = line.quantity  # type: ignore[assignment]  # checked: not None
            if wanted < qty:  # the common case (tested first: then on hand is not 0)
                taken = wanted
                cogs = (value * wanted / qty).quantize(CENT, HALF_UP)
            elif not qty:  # nothing on hand (never below 0): no ledger row, all backordered
                short_total += wanted
                continue
            else:  # the last units out take exactly what is left: no rounding residue
                if wanted > qty:
                    short_total += wanted - qty
                    taken = qty
                else:  # equal in value: the line's own quantity (its exponent) is posted
                    taken = wanted
                cogs = value
            qty -= taken
            value -= cogs
            sold_qty += taken
            try:  # "SO-1/2" ("SO-1" with a blank Line): slash[None] is ""
                reference = line.order_id + slash[line.line]
            except KeyError:
                reference = line.order_id + _slash(slash, line.line)  # type: ignore[arg-type]
            sold[event] = row = _new(LedgerRow, (line.order_date, sku, SALE, reference, ZERO,
                                                 taken, qty, None, ZERO, cogs, value,
                                                 line.source))
            append(row)
            continue
        movement: Movement = record  # type: ignore[assignment]
        kind, moved = movement.kind, movement.quantity
        if kind == "IN" or (kind == "ADJ" and moved > ZERO):  # type: ignore[operator]
            cost = movement.unit_cost
            if cost is None:  # found stock: at the current unit cost (the last cost if none)
                cost = value / qty if qty > 0 else last
            posted = (moved * cost).quantize(CENT, HALF_UP)  # type: ignore[operator]
            qty += moved  # type: ignore[operator]
            value += posted
            last = cost
            received_qty += moved  # type: ignore[operator]
            received_value += posted
            append(_new(LedgerRow, (movement.date, sku, kind, movement.reference, moved, ZERO,
                                    qty, cost, posted, ZERO, value, movement.source)))
            continue
        out: Decimal = -moved if kind == "ADJ" else moved  # type: ignore[operator,assignment]
        if out > qty:
            _negative(movement, qty, sku, ledger, locale)
            continue
        posted = value if out == qty else (value * out / qty).quantize(CENT, HALF_UP)
        qty -= out
        value -= posted
        issued_qty += out
        issued_value += posted
        append(_new(LedgerRow, (movement.date, sku, kind, movement.reference, ZERO, out, qty,
                                None, ZERO, posted, value, movement.source)))
    _close(totals, qty, value, (received_qty, received_value, issued_qty, issued_value),
           (sold_qty, short_total))


def post_fifo(totals: SkuTotals, events: Events, ledger: Ledger, locale: str,
              slash: dict[int | None, str]) -> None:
    """FIFO (engine.stock_cost.Fifo, inlined): a layer (qty, posted value) per receipt; an
    issue takes whole layers at their remaining value and a part of the next at its share.
    The oldest layer is two locals (head_qty, head_value: what an issue mostly touches), the
    newer ones wait in `layers`; nothing on hand is no layer at all."""
    rows, sold, sku = ledger.rows, ledger.sold, totals.sku
    append = rows.append
    layers: deque[tuple[Decimal, Decimal]] = deque()
    qty, value, last = _opening(totals, rows)
    head_qty, head_value = (totals.opening_qty, totals.opening_value) if qty else (ZERO, ZERO)
    received_qty = received_value = issued_qty = issued_value = ZERO
    sold_qty = short_total = ZERO
    positions, records = events
    for event, record in zip(positions, records, strict=True):
        if event >= 0:  # an order line: takes min(Quantity, on hand), the rest is backordered
            line: OrderLine = record  # type: ignore[assignment]
            wanted: Decimal = line.quantity  # type: ignore[assignment]  # checked: not None
            if wanted < head_qty:  # the common case: a part of the oldest layer (< on hand)
                taken = wanted
                part = (head_value * wanted / head_qty).quantize(CENT, HALF_UP)
                head_qty -= wanted
                head_value -= part
                # Fifo.issue posts ZERO + part: the same Decimal when part is not 0 (a -0.00
                # from a negative layer becomes 0.00 there, so zero goes through the sum)
                cogs = part if part else ZERO + part
            elif not qty:  # nothing on hand (no layer; never below 0): all backordered
                short_total += wanted
                continue
            else:  # the oldest layer goes whole (taken >= head_qty), maybe more
                if wanted > qty:
                    short_total += wanted - qty
                    taken = qty
                else:  # (equal in value: the line's own quantity, its exponent, is posted)
                    taken = wanted
                cogs, head_qty, head_value = _take(layers, head_qty, head_value, taken)
            qty -= taken
            value -= cogs
            sold_qty += taken
            try:  # "SO-1/2" ("SO-1" with a blank Line): slash[None] is ""
                reference = line.order_id + slash[line.line]
            except KeyError:
                reference = line.order_id + _slash(slash, line.line)  # type: ignore[arg-type]
            sold[event] = row = _new(LedgerRow, (line.order_date, sku, SALE, reference, ZERO,
                                                 taken, qty, None, ZERO, cogs, value,
                                                 line.source))
            append(row)
            continue
        movement: Movement = record  # type: ignore[assignment]
        kind, moved = movement.kind, movement.quantity
        if kind == "IN" or (kind == "ADJ" and moved > ZERO):  # type: ignore[operator]
            cost = movement.unit_cost
            if cost is None:  # found stock: at the current unit cost (the last cost if none)
                cost = value / qty if qty > 0 else last
            posted = (moved * cost).quantize(CENT, HALF_UP)  # type: ignore[operator]
            if qty:  # a newer layer
                layers.append((moved, posted))  # type: ignore[arg-type]
            else:  # the only one
                head_qty, head_value = moved, posted  # type: ignore[assignment]
            qty += moved  # type: ignore[operator]
            value += posted
            last = cost
            received_qty += moved  # type: ignore[operator]
            received_value += posted
            append(_new(LedgerRow, (movement.date, sku, kind, movement.reference, moved, ZERO,
                                    qty, cost, posted, ZERO, value, movement.source)))
            continue
        out: Decimal = -moved if kind == "ADJ" else moved  # type: ignore[operator,assignment]
        if out > qty:
            _negative(movement, qty, sku, ledger, locale)
            continue
        if out < head_qty:  # a part of the oldest layer, as for an order line
            part = (head_value * out / head_qty).quantize(CENT, HALF_UP)
            head_qty -= out
            head_value -= part
            posted = part if part else ZERO + part
        else:
            posted, head_qty, head_value = _take(layers, head_qty, head_value, out)
        qty -= out
        value -= posted
        issued_qty += out
        issued_value += posted
        append(_new(LedgerRow, (movement.date, sku, kind, movement.reference, ZERO, out, qty,
                                None, ZERO, posted, value, movement.source)))
    _close(totals, qty, value, (received_qty, received_value, issued_qty, issued_value),
           (sold_qty, short_total))


def _slash(slash: dict[int | None, str], number: int) -> str:
    """An order line's Reference suffix, "/2" (made once per Line number per pass: joining
    two strings is cheaper than formatting an int for each of 100,000 rows)."""
    slash[number] = text = f"/{number}"
    return text


def _take(layers: deque[tuple[Decimal, Decimal]], head_qty: Decimal, head_value: Decimal,
          qty: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Take `qty` (0 < qty <= on hand) units from the oldest layers (the head, then `layers`):
    the posted value and the new head (0, 0 when nothing is left)."""
    left, posted = qty, ZERO
    while left > 0:
        if left >= head_qty:  # the whole layer goes, at exactly its remaining value
            left -= head_qty
            posted += head_value
            head_qty, head_value = layers.popleft() if layers else (ZERO, ZERO)
        else:
            part = (head_value * left / head_qty).quantize(CENT, HALF_UP)
            head_qty -= left
            head_value -= part
            posted += part
            left = ZERO
    return posted, head_qty, head_value


def _opening(totals: SkuTotals, rows: list[LedgerRow]) -> tuple[Decimal, Decimal, Decimal]:
    """The pool's (on hand, value, last cost) after the SKU's opening balance, posted as a
    receipt with its Opening row (the totals' opening qty and value: a FIFO pool's first
    layer)."""
    item = totals.item
    if item is None:
        return ZERO, ZERO, ZERO
    cost = item.opening_unit_cost
    if not item.opening_qty > 0:
        return ZERO, ZERO, cost
    posted = (item.opening_qty * cost).quantize(CENT, HALF_UP)
    qty, value = ZERO + item.opening_qty, ZERO + posted
    totals.opening_qty, totals.opening_value = item.opening_qty, posted
    rows.append(LedgerRow(None, totals.sku, OPENING, "", item.opening_qty, ZERO, qty, cost,
                          posted, ZERO, value, item.source))
    return qty, value, cost


def _close(totals: SkuTotals, qty: Decimal, value: Decimal,
           moved: tuple[Decimal, Decimal, Decimal, Decimal], sales: tuple[Decimal, Decimal]) -> None:
    """Store a SKU's sums: movements' (received qty/value, issued qty/value) first, then the
    order lines' (sold qty, backordered), added as the pool-based pass added them.

    COGS is not summed line by line (an addition per order line): every amount is posted
    exactly, so the lines' COGS is what the pool lost besides the movements' issues, opening +
    received - issued - closing, the same Decimal as the sum (exact, in cents: exponent -2,
    since a line took stock only after something was posted), or ZERO when no line took any."""
    received_qty, received_value, issued_qty, issued_value = moved
    sold_qty, short = sales
    cogs = (totals.opening_value + received_value) - (issued_value + value) if sold_qty else ZERO
    totals.received_qty, totals.received_value = received_qty, received_value
    totals.issued_qty, totals.issued_value = issued_qty + sold_qty, issued_value + cogs
    totals.cogs, totals.backordered = cogs, short
    totals.closing_qty, totals.closing_value = qty, value
    totals.closing_unit_cost = value / qty if qty > 0 else None


def _negative(movement: Movement, on_hand: Decimal, sku: str, ledger: Ledger,
              locale: str) -> None:
    """An OUT or negative ADJ beyond on hand: not posted, an error at its Quantity cell."""
    shown = f"{quantity_text(on_hand)} {sku}" if locale == "pt-BR" else \
        f"{quantity_text(on_hand)} units of {sku}"
    ledger.issues.append(issue_at(movement.source, "Quantity", "stock.negative", locale,
                                  quantity_text(movement.quantity), shown))  # type: ignore[arg-type]


def quantity_text(value: Decimal) -> str:
    """A quantity as typed: 12, 2.5, -3 (no exponent, no trailing zeros)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
