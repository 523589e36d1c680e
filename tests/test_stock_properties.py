"""Property tests of the stock ledger, under both valuation methods, over random histories of
receipts, issues, signed count adjustments and prioritised order lines (fractional quantities
included): value is conserved to the cent per SKU, stock never goes negative, and an order line
never takes more than it asked for nor more than was on hand.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stock_records import Sheets, run

from engine.money import round_money
from engine.stock_ledger import Status

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
SKUS = ("A", "B", "C")

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3)
costs = st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=4)
days = st.integers(min_value=1, max_value=6)
events = st.one_of(
    st.tuples(st.just("IN"), days, st.sampled_from(SKUS), quantities, costs),
    st.tuples(st.just("OUT"), days, st.sampled_from(SKUS), quantities, st.none()),
    st.tuples(st.just("ADJ"), days, st.sampled_from(SKUS),
              st.decimals(min_value=Decimal(-50), max_value=Decimal(50), places=2),
              st.one_of(st.none(), costs)),
    st.tuples(st.just("ORDER"), days, st.sampled_from(SKUS), quantities, st.integers(0, 3)),
)
openings = st.fixed_dictionaries({sku: st.tuples(st.decimals(min_value=Decimal(0),
                                                             max_value=Decimal(300), places=2), costs)
                                  for sku in SKUS})


def _history(opening, history):
    s = Sheets()
    items = [s.item(sku, qty, cost) for sku, (qty, cost) in opening.items()]
    moves, lines = [], []
    for n, (kind, day, sku, qty, extra) in enumerate(history):
        if kind == "ORDER":
            lines.append(s.order(f"SO-{n}", day, sku, qty, priority=extra))
        else:
            moves.append(s.move(day, sku, kind, qty, extra))
    return items, moves, lines


def _is_cents(value: Decimal) -> bool:
    return value == round_money(value)


@SETTINGS
@given(openings, st.lists(events, max_size=40), st.sampled_from(["moving_average", "fifo"]))
def test_value_is_conserved_to_the_cent_per_sku(opening, history, method):
    outcome = run(*_history(opening, history), method=method)
    cogs: dict[str, Decimal] = defaultdict(Decimal)
    for order in outcome.orders:
        cogs[order.sku] += order.cogs
    for v in outcome.valuation:
        assert v.opening_value + v.received_value == v.issued_value + v.closing_value
        assert v.cogs == cogs[v.sku] and v.cogs <= v.issued_value
        assert v.closing_qty >= 0 and v.closing_value >= 0
        assert v.closing_qty > 0 or v.closing_value == 0  # nothing left, no value left
        assert all(_is_cents(x) for x in (v.opening_value, v.received_value, v.issued_value,
                                          v.closing_value, v.cogs))


@SETTINGS
@given(openings, st.lists(events, max_size=40), st.sampled_from(["moving_average", "fifo"]))
def test_the_ledger_chains_and_never_goes_negative(opening, history, method):
    outcome = run(*_history(opening, history), method=method)
    balance: dict[str, tuple[Decimal, Decimal]] = {}
    for row in outcome.ledger:
        qty, value = balance.get(row.sku, (Decimal(0), Decimal(0)))
        assert row.qty_out <= qty  # nothing leaves that is not there
        assert (row.qty_balance, row.value_balance) == (qty + row.qty_in - row.qty_out,
                                                        value + row.value_in - row.value_out)
        assert row.qty_balance >= 0 and row.value_balance >= 0
        assert _is_cents(row.value_in) and _is_cents(row.value_out)
        balance[row.sku] = (row.qty_balance, row.value_balance)
    for v in outcome.valuation:
        assert balance.get(v.sku, (Decimal(0), Decimal(0))) == (v.closing_qty, v.closing_value)


@SETTINGS
@given(openings, st.lists(events, max_size=40), st.sampled_from(["moving_average", "fifo"]))
def test_allocation_never_exceeds_the_order_nor_the_stock_on_hand(opening, history, method):
    outcome = run(*_history(opening, history), method=method)
    on_hand_before: dict[int, Decimal] = {}
    balance: dict[str, Decimal] = {}
    for row in outcome.ledger:
        if row.kind == "Order":
            on_hand_before[row.source.row] = balance.get(row.sku, Decimal(0))
        balance[row.sku] = row.qty_balance
    for order in outcome.orders:
        assert order.allocated + order.backordered == order.quantity
        assert 0 <= order.allocated <= order.quantity
        if order.allocated:
            assert order.allocated <= on_hand_before[order.source.row]
            if order.backordered:  # a line is short only when it took everything there was
                assert order.allocated == on_hand_before[order.source.row]
        expected = Status.FULFILLED if not order.backordered else \
            Status.BACKORDERED if not order.allocated else Status.PARTIAL
        assert order.status == expected
