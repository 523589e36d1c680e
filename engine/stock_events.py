"""The order of a stock ledger (workbook-spec.md, "Rules that define the numbers"): per SKU, by
date; within a date receipts (IN), count adjustments (ADJ), other issues (OUT), then the order
lines by (Priority desc, Order Date, Order ID, Line; a blank Line last), and the sheet's row
order among equals. engine.stock_ledger gathers the records here and posts them in this order.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from engine.stock_inputs import Movement, OrderLine

LAST = 1 << 62  # where a blank Line sorts: after the numbered lines of its order


# (record, the order line's position in `lines` or -1 for a movement), in ledger order
Event = tuple[Movement | OrderLine, int]


class LedgerOrder:
    """Every postable record with the columns of its ledger-order key, gathered in one pass and
    ordered by one numpy lexsort (in C) instead of a Python sort of tuples per SKU. A record's
    key: its SKU's position, then date, phase (IN 0, ADJ 1, OUT 2, orders 3), then for an order
    line the rank of its priority (highest first), of its Order ID, of its Line (blank last), and
    last its Excel row. Ranks stand for the values they rank, so the order is the spec's."""

    __slots__ = ("days", "entries", "phases", "rows", "skus", "when")

    def __init__(self) -> None:
        self.entries: list[Event] = []
        self.skus: list[int] = []
        self.when: list[int] = []
        self.phases: list[int] = []
        self.rows: list[int] = []
        self.days: dict[date, int] = {}

    def ordinal(self, day: date) -> int:
        """A date's ordinal, computed once per distinct date."""
        ordinal = self.days.get(day)
        if ordinal is None:
            ordinal = self.days[day] = day.toordinal()
        return ordinal

    def by_sku(self, lines: Sequence[OrderLine], moves: int, count: int) -> list[list[Event]]:
        """The events of each of `count` SKUs in ledger order (entries past `moves` are the
        order lines of `lines`, in their order)."""
        n, sold = len(self.entries), self.entries[moves:]
        priority = _ranks({line.priority for line, _ in sold}, reverse=True)  # type: ignore[union-attr]
        orders = _ranks({line.order_id: line.order_key for line, _ in sold})  # type: ignore[union-attr]
        numbers = _ranks({_number_key(line) for line, _ in sold})  # type: ignore[arg-type]
        zeros = [0] * moves
        keys = [np.array(column, dtype=np.int64) for column in (
            self.rows, zeros + [numbers[_number_key(line)] for line, _ in sold],  # type: ignore[arg-type]
            zeros + [orders[line.order_id] for line, _ in sold],  # type: ignore[union-attr]
            zeros + [priority[line.priority] for line, _ in sold],  # type: ignore[union-attr]
            self.phases, self.when, self.skus)]
        order = np.lexsort(keys).tolist() if n else []
        ordered = [self.entries[i] for i in order]
        ends = np.cumsum(np.bincount(np.array(self.skus, dtype=np.int64), minlength=count)).tolist()
        return [ordered[start:end] for start, end in zip([0, *ends][:-1], ends, strict=True)]


def _number_key(line: OrderLine) -> int:
    return LAST if line.line is None else line.line


def _ranks(values: set[Any] | dict[Any, Any], reverse: bool = False) -> dict[Any, int]:
    """Each distinct value's place in sorted order (a dict: its keys, placed by its values)."""
    if isinstance(values, dict):
        ordered = sorted(values, key=values.__getitem__, reverse=reverse)
    else:
        ordered = sorted(values, reverse=reverse)
    return {value: rank for rank, value in enumerate(ordered)}
