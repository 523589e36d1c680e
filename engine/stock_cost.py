"""What stock costs: the two valuation methods as cost pools that post exact, rounded amounts.

Both methods carry the inventory value as the running sum of *posted* amounts (each rounded
half-up to cents when it is posted), so for every SKU, to the cent:

    opening value + value received = value issued + closing value

- Moving average: one pool. The average is value / on-hand, never rounded. A receipt adds its
  posted value round(qty × cost) and so re-averages; after a stock-out the pool holds 0 units
  worth 0.00, so the next receipt sets the average to its own cost. An issue of q units leaves
  at round(value × q / on-hand), i.e. at the current unrounded average; the last units out take
  exactly what is left, so no rounding residue ever stays behind.
- FIFO: one such pool per receipt (a layer, all its units at one cost), oldest first. An issue
  takes whole layers at their remaining value and a part of the next at its share of the value.

These pools are the methods' definition: engine.stock_post posts the ledger with the same
operations written inline (the pool's state in locals: they run once per stock event), and
tests/test_stock_fast_path.py checks the two agree, Decimal for Decimal.

The public check (issue 10): opening 3,000 @ 0.60; buy 4,000 @ 0.74; sell 4,400; buy 2,200 @
0.80; sell 2,100 -> moving average COGS 4,535.50, ending 2,700 units worth 1,984.50; FIFO COGS
4,390.00, ending 2,130.00.
"""

from __future__ import annotations

from collections import deque
from decimal import ROUND_HALF_UP, Decimal

from engine.money import CENT, ZERO

# Amounts are rounded as engine.money.round_money does (half up to cents), written out inline:
# these lines run once per stock event.

MOVING_AVERAGE, FIFO = "moving_average", "fifo"  # Config Valuation Method
METHODS = (MOVING_AVERAGE, FIFO)


class MovingAverage:
    """One pool of units at their average cost."""

    __slots__ = ("last_cost", "qty", "value")

    def __init__(self) -> None:
        self.qty = ZERO
        self.value = ZERO
        self.last_cost = ZERO  # the latest receipt cost: what found stock costs when none is on hand

    def receive(self, qty: Decimal, unit_cost: Decimal) -> Decimal:
        """Add `qty` units at `unit_cost`; returns the posted value."""
        posted = (qty * unit_cost).quantize(CENT, ROUND_HALF_UP)  # round_money, inline
        self.qty += qty
        self.value += posted
        self.last_cost = unit_cost
        return posted

    def issue(self, qty: Decimal) -> Decimal:
        """Take `qty` (0 < qty <= on hand) units out; returns the posted value."""
        # the last units out take exactly what is left: no rounding residue stays behind
        posted = self.value if qty == self.qty else \
            (self.value * qty / self.qty).quantize(CENT, ROUND_HALF_UP)
        self.qty -= qty
        self.value -= posted
        return posted

    def unit_cost(self) -> Decimal:
        """The current unit cost: value / on hand, unrounded (the last cost when none is left)."""
        return self.value / self.qty if self.qty > 0 else self.last_cost


class Fifo:
    """Layers of [qty, posted value], oldest first."""

    __slots__ = ("last_cost", "layers", "qty", "value")

    def __init__(self) -> None:
        self.qty = ZERO
        self.value = ZERO
        self.last_cost = ZERO
        self.layers: deque[list[Decimal]] = deque()

    def receive(self, qty: Decimal, unit_cost: Decimal) -> Decimal:
        """A new newest layer of `qty` units at `unit_cost`; returns the posted value."""
        posted = (qty * unit_cost).quantize(CENT, ROUND_HALF_UP)  # round_money, inline
        self.layers.append([qty, posted])
        self.qty += qty
        self.value += posted
        self.last_cost = unit_cost
        return posted

    def issue(self, qty: Decimal) -> Decimal:
        """Take `qty` (0 < qty <= on hand) units from the oldest layers; returns the posted value."""
        layers, left, posted = self.layers, qty, ZERO
        while left > 0:
            layer = layers[0]
            if left >= layer[0]:  # the whole layer goes, at exactly its remaining value
                left -= layer[0]
                posted += layer[1]
                layers.popleft()
            else:
                part = (layer[1] * left / layer[0]).quantize(CENT, ROUND_HALF_UP)
                layer[0] -= left
                layer[1] -= part
                posted += part
                left = ZERO
        self.qty -= qty
        self.value -= posted
        return posted

    def unit_cost(self) -> Decimal:
        """The pool's average unit cost (value / on hand); the last cost when none is left."""
        return self.value / self.qty if self.qty > 0 else self.last_cost


CostPool = MovingAverage | Fifo


def new_pool(method: str) -> CostPool:
    """An empty pool for a Config Valuation Method (moving_average or fifo)."""
    if method == FIFO:
        return Fifo()
    if method == MOVING_AVERAGE:
        return MovingAverage()
    raise ValueError(f"unknown valuation method {method!r}")
