"""The fast stock ledger against a plain one (tests/stock_reference.py), Decimal for Decimal.

engine.stock_ledger orders events by numpy keys made from whole columns (engine.stock_events)
and posts them in loops with the pool's state in locals (engine.stock_post). Over random books,
under both methods, it must give what the plain ledger gives, value and exponent alike: mixed
exponents (5, 5.0, 5.000), an order exactly emptying the stock, blank Lines, Order IDs that sort
alike ("SO-1", "so-01"), negative costs, SKUs missing from Stock, duplicate Stock rows, rows that
cannot be posted, rows validation rejected. And the keys the converters make from a Table's
columns must be the keys read off the records they make.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stock_records import MOVEMENT_LETTERS, ORDER_LETTERS, STOCK_LETTERS
from stock_reference import exactly, reference_ledger

from engine.schema import ORDERS, STOCK, STOCK_MOVEMENTS
from engine.stock import stock_inputs
from engine.stock_events import EventKeys, keys_from_records
from engine.stock_inputs import Item, Movement, OrderLine, Source
from engine.stock_ledger import run_ledger

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from stock import _table

SETTINGS = settings(max_examples=300, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
DAY = date(2026, 10, 1)

skus = st.sampled_from(["A", "A", "a ", "B", "D"])  # "a " is A's key; D is not on Stock
quantities = st.sampled_from(["1", "1.0", "2", "2.00", "3", "0.5", "0.50", "0.125", "7", "0"])
costs = st.sampled_from(["0", "0.6", "0.74", "1.005", "12.3456", "-0.001", "-0.8", "3"])
days = st.integers(0, 2)
sometimes_none = st.sampled_from([False] * 6 + [True])  # mostly valid rows, some blanks
movement = st.tuples(days, skus, st.sampled_from(["IN", "IN", "OUT", "ADJ", "ADJ-", None]),
                     quantities, st.one_of(st.none(), costs), sometimes_none)
line = st.tuples(days, skus, st.one_of(quantities, quantities, quantities, st.none(),
                                       st.just("-1")),
                 st.sampled_from(["SO-1", "so-01", "SO-2", "SO-10", "X"]),
                 st.one_of(st.none(), st.integers(1, 3)), st.integers(0, 2), sometimes_none)
item = st.tuples(skus, quantities, costs)


def _records(stock, moves, orders):
    items = [Item(Source("Stock", n + 2, STOCK_LETTERS), sku, "", Decimal(qty), Decimal(cost))
             for n, (sku, qty, cost) in enumerate(stock)]
    movements = []
    for n, (day, sku, kind, qty, cost, blank) in enumerate(moves):
        signed = None if blank else qty if kind != "ADJ-" else f"-{qty}"
        movements.append(Movement(Source("Stock Movements", n + 2, MOVEMENT_LETTERS),
                                  DAY + timedelta(days=day), sku,
                                  "ADJ" if kind == "ADJ-" else kind,
                                  None if signed is None else Decimal(signed),
                                  None if cost is None else Decimal(cost), f"MV-{n}"))
    lines = [OrderLine(Source("Orders", n + 2, ORDER_LETTERS), order_id,
                       None if blank else DAY + timedelta(days=day), sku,
                       None if qty is None else Decimal(qty), Decimal(1), number,
                       priority=priority)
             for n, (day, sku, qty, order_id, number, priority, blank) in enumerate(orders)]
    return items, movements, lines


@SETTINGS
@given(st.lists(item, max_size=4), st.lists(movement, max_size=30), st.lists(line, max_size=30),
       st.sampled_from(["moving_average", "fifo"]), st.data())
def test_the_fast_ledger_posts_what_the_plain_one_posts(stock, moves, orders, method, data):
    items, movements, lines = _records(stock, moves, orders)
    rows = [("Stock Movements", m.source.row) for m in movements] + \
        [("Orders", o.source.row) for o in lines] + [("Stock", i.source.row) for i in items]
    refused = {key: "rejected by validation"
               for key in data.draw(st.lists(st.sampled_from(rows), max_size=3) if rows
                                    else st.just([]))}
    expected = exactly(reference_ledger(items, movements, lines, method, refused))
    assert exactly(run_ledger(items, movements, lines, method, refused)) == expected
    keys = keys_from_records(movements, lines)
    assert exactly(run_ledger(items, movements, lines, method, refused, keys=keys)) == expected


# (opening, movements, order lines) where a shortcut of the fast loops would change a Decimal
EDGES = [
    # an order for exactly what is on hand, written with another exponent: 2.00 leave, not 2
    ([("A", "2", "1.5")], [], [(0, "A", "2.00", "SO-1", 1, 0, False)]),
    ([("A", "2.00", "1.5")], [(0, "A", "IN", "1", "3", False)], [(1, "A", "3", "SO-1", 1, 0, False)]),
    # a layer worth -0.00 (a negative cost): its share is -0.00, posted as 0.00
    ([], [(0, "A", "IN", "3", "-0.001", False)], [(1, "A", "1", "SO-1", 1, 0, False)]),
    # an ADJ without a cost after a stock-out comes in at the last receipt cost
    ([("A", "1", "2")], [(0, "A", "OUT", "1", None, False), (1, "A", "ADJ", "2", None, False)],
     [(2, "A", "0.5", "SO-1", None, 0, False)]),
]


def test_the_edges_of_the_fast_loops_post_what_the_plain_ledger_posts():
    for stock, moves, orders in EDGES:
        items, movements, lines = _records(stock, moves, orders)
        for method in ("moving_average", "fifo"):
            assert exactly(run_ledger(items, movements, lines, method)) == \
                exactly(reference_ledger(items, movements, lines, method)), (stock, moves, method)
    items, movements, lines = _records(*EDGES[0])
    assert run_ledger(items, movements, lines, "fifo").rows[1].qty_out.as_tuple().exponent == -2
    items, movements, lines = _records(*EDGES[2])
    assert str(run_ledger(items, movements, lines, "fifo").rows[1].value_out) == "0.00"


def test_keys_made_for_other_lists_are_not_used():
    items, movements, lines = _records([("A", "5", "1")], [(0, "A", "IN", "5", "2", False)],
                                       [(1, "A", "3", "SO-1", 1, 0, False)])
    other = keys_from_records(movements[:0], lines)  # made for another movements list
    assert not other.fits(movements, lines)
    got = run_ledger(items, movements, lines, "moving_average", keys=other)
    assert [row.qty_balance for row in got.rows] == [Decimal(5), Decimal(10), Decimal(7)]


def _columns(keys: EventKeys) -> list[object]:
    codes = [[keys.skus[c] for c in column] for column in (keys.move_sku, keys.line_sku)]
    arrays = (keys.move_when, keys.line_when)
    return [*codes, *(a.tolist() for a in arrays)]


@settings(max_examples=25, deadline=None, database=None)
@given(st.integers(0, 10**6), st.integers(0, 40), st.integers(0, 40))
def test_the_converters_keys_are_the_records_keys(seed, n_moves, n_lines):
    rnd = np.random.default_rng(seed)
    stamp = [DAY + timedelta(days=int(d)) for d in rnd.integers(0, 5, max(n_moves, n_lines))]
    ids = ["SO-1", "so-01", "SO-2", "SO-10", "X", ""]
    data = {
        STOCK: {"SKU": ["A", "B"], "Opening Qty": [1.0, 2.0], "Opening Unit Cost": [1.0, 2.0]},
        STOCK_MOVEMENTS: {
            "Date": [None if rnd.random() < .1 else stamp[i] for i in range(n_moves)],
            "SKU": [str(rnd.choice(["A", "b", "C", ""])) for _ in range(n_moves)],
            "Type": [str(rnd.choice(["IN", "OUT", "ADJ", "Receipt", "?"])) for _ in range(n_moves)],
            "Quantity": [float(rnd.integers(-2, 9)) for _ in range(n_moves)],
            "Unit Cost": [float(rnd.integers(0, 9)) for _ in range(n_moves)]},
        ORDERS: {
            "Order ID": [str(rnd.choice(ids)) for _ in range(n_lines)],
            "Line": [float("nan") if rnd.random() < .2 else float(rnd.integers(1, 4))
                     for _ in range(n_lines)],
            "Order Date": [None if rnd.random() < .1 else stamp[i] for i in range(n_lines)],
            "SKU": [str(rnd.choice(["A", "b", "D", ""])) for _ in range(n_lines)],
            "Quantity": [float(rnd.integers(0, 5)) for _ in range(n_lines)],
            "Priority": [float("nan") if rnd.random() < .2 else float(rnd.integers(0, 3))
                         for _ in range(n_lines)]},
    }
    tables = {spec.name: _table(spec, columns) for spec, columns in data.items()}
    inputs = stock_inputs(tables, {})
    assert inputs.keys is not None and inputs.keys.fits(inputs.movements, inputs.lines)
    assert _columns(inputs.keys) == _columns(keys_from_records(inputs.movements, inputs.lines))
    for method in ("moving_average", "fifo"):
        assert exactly(run_ledger(inputs.items, inputs.movements, inputs.lines, method,
                                  keys=inputs.keys)) == \
            exactly(reference_ledger(inputs.items, inputs.movements, inputs.lines, method))
