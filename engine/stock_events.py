"""The order of a stock ledger (workbook-spec.md, "Rules that define the numbers"): per SKU, by
date; within a date receipts (IN), count adjustments (ADJ), other issues (OUT), then the order
lines by (Priority desc, Order Date, Order ID, Line; a blank Line last), and the sheet's row
order among equals. engine.stock_ledger picks the postable records and posts them in this order.

The keys are numpy columns, one value per record (EventKeys): its SKU's code, its date's day
number, a movement's phase and row rank, an order line's rank among all the order lines by
(Priority desc, Order ID, Line, row). They are made once per conversion from the columns the
converters already hold (engine.stock_inputs), or from the records when a caller has no Tables
(`keys_from_records`). A ledger pass then orders its postable records with one composite int64
key and one `np.argsort` (in C): no key tuple, no attribute read per record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.stock_inputs import Movement, OrderKey, OrderLine

LAST = 1 << 62  # where a blank Line sorts: after the numbered lines of its order
PHASE = {"IN": 0, "ADJ": 1, "OUT": 2}
ORDER_PHASE = 3

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class EventKeys:
    """The ledger-order keys of one `movements` list and one `lines` list (the very lists:
    `fits` checks), a value per record. SKU codes index `skus` (SKU keys); days are date
    ordinals; a movement's rank is its place by Excel row, an order line's its place by
    (Priority desc, Order ID, Line, row). A record that cannot be posted has some key (0)."""

    movements: Sequence[Movement]
    lines: Sequence[OrderLine]
    skus: list[str]
    move_sku: IntArray
    move_day: IntArray
    move_phase: IntArray
    move_rank: IntArray
    line_sku: IntArray
    line_day: IntArray
    line_rank: IntArray

    def fits(self, movements: Sequence[Movement], lines: Sequence[OrderLine]) -> bool:
        """Whether these keys were made for these lists, as they still are."""
        return movements is self.movements and lines is self.lines \
            and len(movements) == len(self.move_sku) and len(lines) == len(self.line_sku)


def event_keys(movements: Sequence[Movement], lines: Sequence[OrderLine],
               move_columns: tuple[list[str], list[date | None], list[str | None], IntArray],
               line_columns: tuple[list[str], list[date | None], list[int], list[str],
                                   dict[str, OrderKey], list[int | None], IntArray]) -> EventKeys:
    """EventKeys from whole columns: movements' (SKU key, Date, Type, Excel row) and order
    lines' (SKU key, Order Date, Priority, Order ID, {Order ID: its sort key}, Line, row)."""
    skus, days, kinds, rows = move_columns
    codes, vocabulary = pd.factorize(np.array([*skus, *line_columns[0]], dtype=object))
    n = len(skus)
    line_days = _days(line_columns[1])
    return EventKeys(movements, lines, list(vocabulary), codes[:n].astype(np.int64), _days(days),
                     np.fromiter((PHASE.get(kind or "", 0) for kind in kinds), np.int64, n),
                     _rank(rows),
                     codes[n:].astype(np.int64), line_days, _line_ranks(*line_columns[2:]))


_sku_key, _date, _kind, _row = (attrgetter(name) for name in ("sku_key", "date", "kind",
                                                               "source.row"))
_order_date, _priority, _order_id, _line = (attrgetter(name) for name in (
    "order_date", "priority", "order_id", "line"))


def keys_from_records(movements: Sequence[Movement], lines: Sequence[OrderLine]) -> EventKeys:
    """EventKeys read off the records themselves (callers without Tables: UDFs, tests)."""
    order_keys = {line.order_id: line.order_key for line in lines}
    return event_keys(movements, lines, (
        list(map(_sku_key, movements)), list(map(_date, movements)), list(map(_kind, movements)),
        np.array(list(map(_row, movements)), dtype=np.int64)), (
        list(map(_sku_key, lines)), list(map(_order_date, lines)), list(map(_priority, lines)),
        list(map(_order_id, lines)), order_keys, list(map(_line, lines)),
        np.array(list(map(_row, lines)), dtype=np.int64)))


def _days(dates: list[date | None]) -> IntArray:
    """Each date's ordinal (0 for a blank: such a record is never posted)."""
    ordinals: dict[date | None, int] = {day: day.toordinal() for day in set(dates) if day}
    ordinals[None] = 0
    return np.fromiter(map(ordinals.__getitem__, dates), np.int64, len(dates))


def _rank(values: IntArray) -> IntArray:
    """Each value's place in sorted order, ties by position: distinct ranks 0..n-1."""
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.argsort(values, kind="stable")] = np.arange(len(values), dtype=np.int64)
    return rank


def _line_ranks(priorities: list[int], ids: list[str], order_keys: dict[str, OrderKey],
                numbers: list[int | None], rows: IntArray) -> IntArray:
    """Each order line's place by (Priority desc, Order ID by its sort key, Line with a blank
    last, Excel row, position): distinct ranks. IDs with equal sort keys ("SO-1", "so-01")
    keep the order they first appear in."""
    if not ids:
        return np.zeros(0, dtype=np.int64)
    codes, uniques = pd.factorize(np.array(ids, dtype=object))
    by_key = sorted(range(len(uniques)), key=[order_keys[i] for i in uniques].__getitem__)
    order_rank = np.empty(len(uniques), dtype=np.int64)
    order_rank[by_key] = np.arange(len(uniques), dtype=np.int64)
    number = _value_ranks([LAST if n is None else n for n in numbers])
    order = np.lexsort((rows, number, order_rank[codes], _value_ranks(priorities, reverse=True)))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids), dtype=np.int64)
    return rank


def _value_ranks(values: list[Any], reverse: bool = False) -> IntArray:
    """Each value's rank among the distinct values (highest first when `reverse`): ints of any
    size (the distinct values are few: they are sorted in Python)."""
    codes, uniques = pd.factorize(np.array(values, dtype=object))
    ordered = sorted(range(len(uniques)), key=uniques.__getitem__, reverse=reverse)
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[ordered] = np.arange(len(uniques), dtype=np.int64)
    return rank[codes]


class LedgerOrder:
    """Every SKU's events in ledger order. `keys` are the SKU keys by SKU number (the known
    ones first, in their order, then SKUs met only in movements or order lines, in order of
    appearance); `events[starts[n]:starts[n + 1]]` are SKU n's events, each the position of an
    order line in `lines` (>= 0) or ~position of a movement in `movements` (< 0)."""

    __slots__ = ("events", "keys", "starts")

    def __init__(self, keys: list[str], events: list[int], starts: list[int]) -> None:
        self.keys, self.events, self.starts = keys, events, starts

    def of(self, number: int) -> list[int]:
        """SKU `number`'s events, in ledger order."""
        return self.events[self.starts[number]:self.starts[number + 1]]


def ledger_order(known: Sequence[str], keys: EventKeys, moves: Sequence[int],
                 sold: Sequence[int]) -> LedgerOrder:
    """Order the postable movements (`moves`: positions in keys.movements) and order lines
    (`sold`: positions in keys.lines) per SKU, the `known` SKU keys numbered first."""
    move_at = np.asarray(moves, dtype=np.int64)
    line_at = np.asarray(sold, dtype=np.int64)
    every_move, every_line = len(moves) == len(keys.move_sku), len(sold) == len(keys.line_sku)
    codes = np.concatenate((keys.move_sku if every_move else keys.move_sku[move_at],
                            keys.line_sku if every_line else keys.line_sku[line_at]))
    number, names = _numbers(known, keys.skus, codes)
    skus = number[codes]
    days = np.concatenate((keys.move_day if every_move else keys.move_day[move_at],
                           keys.line_day if every_line else keys.line_day[line_at]))
    phases = np.concatenate((keys.move_phase if every_move else keys.move_phase[move_at],
                             np.full(len(sold), ORDER_PHASE, dtype=np.int64)))
    ranks = np.concatenate((keys.move_rank if every_move else keys.move_rank[move_at],
                            keys.line_rank if every_line else keys.line_rank[line_at]))
    order = _order(skus, days, phases, ranks, len(names))
    positions = np.concatenate((~move_at, line_at))
    starts = np.concatenate(([0], np.cumsum(np.bincount(skus, minlength=len(names)))))
    return LedgerOrder(names, positions[order].tolist(), starts.tolist())


def _numbers(known: Sequence[str], vocabulary: list[str],
             codes: IntArray) -> tuple[IntArray, list[str]]:
    """The SKU number of each SKU code (known SKUs first, then new ones by first appearance in
    `codes`) and the SKU keys by number."""
    index = {key: code for code, key in enumerate(vocabulary)}
    extra = [key for key in known if key not in index]  # SKUs with no movement nor line
    index.update((key, len(vocabulary) + n) for n, key in enumerate(extra))
    number = np.full(len(index), -1, dtype=np.int64)
    number[[index[key] for key in known]] = np.arange(len(known), dtype=np.int64)
    names = list(known)
    unknown = codes[number[codes] < 0]
    if len(unknown):
        new, first = np.unique(unknown, return_index=True)
        new = new[np.argsort(first)]
        number[new] = np.arange(len(known), len(known) + len(new), dtype=np.int64)
        names += [vocabulary[code] for code in new.tolist()]
    return number, names


def _order(skus: IntArray, days: IntArray, phases: IntArray, ranks: IntArray,
           count: int) -> IntArray:
    """The events' ledger order: by SKU, day, phase, rank. Ranks are distinct within a phase,
    so the keys are distinct and an unstable sort is exact; they are packed into one int64
    when they fit (one argsort), else sorted as four keys (lexsort)."""
    if not len(skus):
        return np.zeros(0, dtype=np.int64)
    first = int(days.min())
    span, top = int(days.max()) - first + 1, int(ranks.max()) + 1
    if count * span * 4 * top < 1 << 62:
        return np.argsort(((skus * span + (days - first)) * 4 + phases) * top + ranks)
    return np.lexsort((ranks, phases, days, skus))
