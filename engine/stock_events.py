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
from itertools import chain
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
    `fits` checks), a value per record: its SKU's code (an index into `skus`, the SKU keys)
    and when it posts within its SKU, one int64 packing (day, phase, rank): a movement's rank
    is its place by Excel row, an order line's its place by (Priority desc, Order ID, Line,
    row). A record without a date has when = -1 (it is never posted)."""

    movements: Sequence[Movement]
    lines: Sequence[OrderLine]
    skus: list[str]
    move_sku: IntArray
    move_when: IntArray
    line_sku: IntArray
    line_when: IntArray

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
    n, move_days, line_days = len(skus), _days(days), _days(line_columns[1])
    dated = np.concatenate((move_days, line_days))
    base = int(dated[dated > 0].min()) if dated.any() else 0
    top = max(n, len(line_days), 1)  # ranks are below it
    phases = np.fromiter((PHASE.get(kind or "", 0) for kind in kinds), np.int64, n)
    return EventKeys(movements, lines, list(vocabulary), codes[:n].astype(np.int64),
                     _when(move_days, base, phases, top, _rank(rows)),
                     codes[n:].astype(np.int64),
                     _when(line_days, base, ORDER_PHASE, top, _line_ranks(*line_columns[2:])))


def _when(days: IntArray, base: int, phases: IntArray | int, top: int,
          ranks: IntArray) -> IntArray:
    """((day - base) x 4 + phase) x top + rank; -1 for a blank date (day 0)."""
    when = ((days - base) * 4 + phases) * top + ranks
    when[days == 0] = -1
    return when


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
    appearance); `of(n)` are SKU n's events, each the position of an order line in `lines`
    (>= 0) or ~position of a movement in `movements` (< 0), and their records. The events stay
    numpy arrays: each SKU's become lists when it is posted (freed as the pass goes)."""

    __slots__ = ("codes", "events", "keys", "records", "starts")

    def __init__(self, keys: list[str], events: IntArray, records: npt.NDArray[np.object_],
                 starts: list[int], codes: list[int]) -> None:
        self.keys, self.events, self.records = keys, events, records
        self.starts, self.codes = starts, codes

    def of(self, number: int) -> tuple[list[int], list[Movement | OrderLine]]:
        """SKU `number`'s events and their records, in ledger order. The records are gathered
        here, in C, a SKU at a time: they lie scattered in memory (sheet order), and fetched
        one by one by the posting loop each would be a cache miss it waits for."""
        code = self.codes[number]
        start, end = self.starts[code], self.starts[code + 1]
        return self.events[start:end].tolist(), self.records[start:end].tolist()


def ledger_order(known: Sequence[str], keys: EventKeys, moves: Sequence[int],
                 sold: Sequence[int]) -> LedgerOrder:
    """Order the postable movements (`moves`: positions in keys.movements) and order lines
    (`sold`: positions in keys.lines) per SKU, the `known` SKU keys numbered first. Sorted by
    (SKU code, when): the keys are distinct, so an unstable sort is exact; packed into one
    int64 when they fit (one argsort), else two keys (lexsort)."""
    move_at = np.asarray(moves, dtype=np.int64)
    line_at = np.asarray(sold, dtype=np.int64)
    every_move, every_line = len(moves) == len(keys.move_sku), len(sold) == len(keys.line_sku)
    codes = np.concatenate((keys.move_sku if every_move else keys.move_sku[move_at],
                            keys.line_sku if every_line else keys.line_sku[line_at]))
    when = np.concatenate((keys.move_when if every_move else keys.move_when[move_at],
                           keys.line_when if every_line else keys.line_when[line_at]))
    index = {key: code for code, key in enumerate(keys.skus)}
    index.update((key, len(index)) for key in known if key not in index)  # SKUs with no event
    counts = np.bincount(codes, minlength=len(index))
    names, numbered = _numbers(known, keys.skus, index, codes, counts)
    span = int(when.max()) + 1 if len(when) else 1
    if len(index) * span < 1 << 62:
        packed = codes * span
        packed += when
        order = np.argsort(packed)
    else:
        order = np.lexsort((when, codes))
    events = np.concatenate((~move_at, line_at))[order]
    everything = np.fromiter(chain(keys.movements, keys.lines), dtype=object,
                             count=len(keys.movements) + len(keys.lines))
    records = everything[np.concatenate((move_at, line_at + len(keys.movements)))[order]]
    starts = np.concatenate(([0], np.cumsum(counts))).tolist()
    return LedgerOrder(names, events, records, starts, numbered)


def _numbers(known: Sequence[str], vocabulary: list[str], index: dict[str, int],
             codes: IntArray, counts: IntArray) -> tuple[list[str], list[int]]:
    """The SKU keys by SKU number and each number's code: the known SKUs first, then the
    ones met only in the events, by first appearance in `codes`."""
    numbered = [index[key] for key in known]
    present = counts > 0
    present[numbered] = False
    new = np.flatnonzero(present)
    if len(new):  # rare: SKUs not on the Stock sheet
        seen, first = np.unique(codes[np.isin(codes, new)], return_index=True)
        new = seen[np.argsort(first)]
    numbered += new.tolist()
    return [*known, *(vocabulary[code] for code in new.tolist())], numbered
