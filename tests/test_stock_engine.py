"""The orders-and-stock engine over records: hand-checked ledgers, allocation order, statuses,
valuation (moving average and FIFO), negative stock, reorder suggestions.

Figures are worked by hand in the comments; the public check of issue 10 is the first test.
"""

from __future__ import annotations

import pytest
from stock_records import D, Sheets, run

from engine.fx import rate_book
from engine.rules import STOCK_RULES, rule
from engine.stock import StockInputs, StockSettings, process_stock
from engine.stock_cost import Fifo, MovingAverage, new_pool
from engine.stock_ledger import Status

MA, FIFO = "moving_average", "fifo"


def public_check(method: str):
    """Opening 3,000 @ 0.60; buy 4,000 @ 0.74; sell 4,400; buy 2,200 @ 0.80; sell 2,100."""
    s = Sheets()
    items = [s.item("W-1", 3000, "0.60")]
    moves = [s.move(2, "W-1", "IN", 4000, "0.74", "PO-1"), s.move(4, "W-1", "IN", 2200, "0.80", "PO-2")]
    lines = [s.order("SO-1", 3, "W-1", 4400), s.order("SO-2", 5, "W-1", 2100)]
    return run(items, moves, lines, method)


def test_public_check_moving_average():
    outcome = public_check(MA)
    (valuation,) = outcome.valuation
    assert (valuation.cogs, valuation.closing_qty, valuation.closing_value) == (
        D("4535.50"), D(2700), D("1984.50"))
    # 1,800 + 2,960 = 4,760 / 7,000 = 0.68: sell 4,400 -> 2,992.00; 1,768 + 1,760 = 3,528 /
    # 4,800 = 0.735: sell 2,100 -> 1,543.50
    assert [o.cogs for o in outcome.orders] == [D("2992.00"), D("1543.50")]
    assert [(r.kind, r.qty_balance, r.value_balance, r.unit_cost) for r in outcome.ledger] == [
        ("Opening", D(3000), D("1800.00"), D("0.60")), ("IN", D(7000), D("4760.00"), D("0.74")),
        ("Order", D(2600), D("1768.00"), D("0.68")), ("IN", D(4800), D("3528.00"), D("0.80")),
        ("Order", D(2700), D("1984.50"), D("0.735"))]
    assert valuation.unit_cost == D("0.735")
    assert valuation.opening_value + valuation.received_value == D("6520.00") \
        == valuation.cogs + valuation.closing_value


def test_public_check_fifo():
    outcome = public_check(FIFO)
    (valuation,) = outcome.valuation
    assert (valuation.cogs, valuation.closing_qty, valuation.closing_value) == (
        D("4390.00"), D(2700), D("2130.00"))
    # 3,000 x 0.60 + 1,400 x 0.74 = 2,836.00; then 2,100 x 0.74 = 1,554.00; left 500 x 0.74 +
    # 2,200 x 0.80 = 2,130.00
    assert [o.cogs for o in outcome.orders] == [D("2836.00"), D("1554.00")]
    assert valuation.cogs + valuation.closing_value == D("6520.00")
    assert valuation.method == "fifo"


def test_ledger_rows_carry_their_source_rows_and_references():
    outcome = public_check(MA)
    assert [(r.source.sheet, r.source.row, r.reference) for r in outcome.ledger] == [
        ("Stock", 2, ""), ("Stock Movements", 2, "PO-1"), ("Orders", 2, "SO-1/1"),
        ("Stock Movements", 3, "PO-2"), ("Orders", 3, "SO-2/1")]
    assert [(o.source.row, o.order_id, o.line, o.status) for o in outcome.orders] == [
        (2, "SO-1", 1, Status.FULFILLED), (3, "SO-2", 1, Status.FULFILLED)]


# --------------------------------------------------------------------------- allocation order


def test_priority_first_then_order_id_naturally_then_line():
    s = Sheets()
    items = [s.item("A", 10, 1)]
    lines = [s.order("SO-10", 3, "A", 4, line=1),             # row 2
             s.order("SO-9", 3, "A", 4, line=2),              # row 3
             s.order("SO-9", 3, "A", 4, line=1),              # row 4
             s.order("SO-11", 3, "A", 4, line=1, priority=2)]  # row 5: goes first
    outcome = run(items, [], lines)
    taken = {o.source.row: (o.allocated, o.backordered, o.status) for o in outcome.orders}
    # priority 2 takes 4 (6 left); then SO-9 before SO-10 ("9" < "10" as numbers), line 1 first
    assert taken == {5: (D(4), D(0), Status.FULFILLED), 4: (D(4), D(0), Status.FULFILLED),
                     3: (D(2), D(2), Status.PARTIAL), 2: (D(0), D(4), Status.BACKORDERED)}
    assert [r.reference for r in outcome.ledger if r.kind == "Order"] == ["SO-11/1", "SO-9/1", "SO-9/2"]


def test_priority_orders_lines_within_a_date_not_across_dates():
    s = Sheets()
    lines = [s.order("SO-1", 3, "A", 5), s.order("SO-2", 4, "A", 5, priority=9)]
    outcome = run([s.item("A", 5, 1)], [], lines)
    assert [o.status for o in outcome.orders] == [Status.FULFILLED, Status.BACKORDERED]


def test_on_a_date_receipts_then_adjustments_then_issues_then_orders():
    s = Sheets()
    moves = [s.move(3, "A", "OUT", 4), s.move(3, "A", "ADJ", 2), s.move(3, "A", "IN", 5, 1)]
    lines = [s.order("SO-1", 3, "A", 3)]
    outcome = run([s.item("A", 0, 1)], moves, lines)
    assert [(r.kind, r.qty_balance) for r in outcome.ledger] == [
        ("IN", D(5)), ("ADJ", D(7)), ("OUT", D(3)), ("Order", D(0))]
    assert outcome.issues == []


def test_receipts_after_a_stock_out_reset_the_average_and_do_not_fill_old_backorders():
    for method in (MA, FIFO):
        s = Sheets()
        moves = [s.move(5, "A", "IN", 5, 3)]
        lines = [s.order("SO-1", 2, "A", 10), s.order("SO-2", 3, "A", 4), s.order("SO-3", 6, "A", 2)]
        outcome = run([s.item("A", 10, 2)], moves, lines, method)
        assert [(o.status, o.allocated, o.backordered, o.cogs) for o in outcome.orders] == [
            (Status.FULFILLED, D(10), D(0), D("20.00")),
            (Status.BACKORDERED, D(0), D(4), D(0)),
            (Status.FULFILLED, D(2), D(0), D("6.00"))], method  # at the new receipt's 3.00
        (valuation,) = outcome.valuation
        assert (valuation.closing_qty, valuation.closing_value, valuation.unit_cost) == (
            D(3), D("9.00"), D(3))
        assert [r.kind for r in outcome.ledger] == ["Opening", "Order", "IN", "Order"]


# --------------------------------------------------------------------------- statuses


def test_rejected_lines_are_not_allocated_and_say_why():
    s = Sheets()
    lines = [s.order("SO-1", 3, "A", 4), s.order("SO-2", 3, "A", 4), s.order("SO-3", 3, "A", 4)]
    why = "Quantity must be greater than 0 (found 0)."
    outcome = run([s.item("A", 5, 1)], [], lines, rejected={("Orders", 2): why})
    rejected, partial, backordered = outcome.orders
    assert (rejected.status, rejected.reason, rejected.allocated, rejected.backordered) == (
        Status.REJECTED, why, D(0), D(0))
    assert (rejected.net, rejected.tax, rejected.total, rejected.total_functional) == (None,) * 4
    assert (partial.status, partial.allocated, partial.net) == (Status.FULFILLED, D(4), D("4.00"))
    assert (backordered.status, backordered.allocated, backordered.backordered) == (
        Status.PARTIAL, D(1), D(3))
    assert outcome.issues == []  # validation reported it; nothing is said twice


def test_rejected_movements_are_not_posted_silently():
    s = Sheets()
    moves = [s.move(2, "A", "IN", 10, None)]
    outcome = run([s.item("A")], moves, [], rejected={("Stock Movements", 2): "no cost"})
    assert outcome.issues == [] and outcome.ledger == []
    alone = run([Sheets().item("A")], [Sheets().move(2, "A", "IN", 10, None)], [])
    assert [(i.rule, i.cell) for i in alone.issues] == [("movement.unit_cost_required", "E2")]


# --------------------------------------------------------------------------- exact quantities


def test_fractional_kilograms_are_exact():
    s = Sheets()
    moves = [s.move(2, "FLOUR", "IN", "0.1", "3.20"), s.move(2, "FLOUR", "IN", "0.2", "3.20"),
             s.move(4, "FLOUR", "OUT", "0.3")]
    lines = [s.order("SO-1", 3, "FLOUR", "2.75"), s.order("SO-2", 3, "FLOUR", "8.05")]
    outcome = run([s.item("FLOUR", "10.5", "3.20")], moves, lines)
    # 10.5 + 0.1 + 0.2 = 10.8 kg worth 33.60 + 0.32 + 0.64 = 34.56 (3.20/kg)
    assert [(o.allocated, o.backordered, o.cogs) for o in outcome.orders] == [
        (D("2.75"), D(0), D("8.80")), (D("8.05"), D(0), D("25.76"))]
    (valuation,) = outcome.valuation
    assert (valuation.closing_qty, valuation.closing_value) == (D(0), D("0.00"))
    assert [i.rule for i in outcome.issues] == ["stock.negative"]  # 0.3 kg asked, 0 on hand
    assert str(outcome.ledger[-1].qty_balance) == "0.00"


# --------------------------------------------------------------------------- negative stock


def test_an_out_beyond_on_hand_is_an_error_at_its_quantity_cell_and_is_not_posted():
    s = Sheets()
    moves = [s.move(2, "A", "OUT", 3), s.move(3, "A", "OUT", "7.5"), s.move(4, "A", "ADJ", -3)]
    outcome = run([s.item("A", 5, 2)], moves, [])
    assert [(i.sheet, i.cell, i.row, i.column, i.rule, str(i.severity), i.value)
            for i in outcome.issues] == [
        ("Stock Movements", "D3", 3, "Quantity", "stock.negative", "error", "7.5"),
        ("Stock Movements", "D4", 4, "Quantity", "stock.negative", "error", "-3")]
    assert outcome.issues[0].message == (
        "Quantity 7.5 is more than the 2 units of A on hand; stock never goes negative, so this "
        "movement was not posted. Correct the quantity or record the receipt first.")
    assert [(r.kind, r.qty_balance, r.value_balance) for r in outcome.ledger] == [
        ("Opening", D(5), D("10.00")), ("OUT", D(2), D("4.00"))]


def test_negative_stock_message_in_portuguese():
    s = Sheets()
    inputs = StockInputs([s.item("A", 1, 2)], [s.move(2, "A", "OUT", 3)], [], rate_book([], "BRL"),
                         StockSettings(locale="pt-BR"))
    (issue,) = process_stock(inputs).issues
    assert issue.message == ("A Quantidade 3 é maior que o saldo de 1 A; o estoque nunca fica "
                             "negativo, então este movimento não foi lançado. Corrija a quantidade "
                             "ou lance antes a entrada.")


def test_in_and_out_quantities_must_be_positive():
    s = Sheets()
    moves = [s.move(2, "A", "OUT", -2), s.move(2, "A", "IN", 0, 1), s.move(2, "A", "ADJ", 0)]
    outcome = run([s.item("A", 5, 2)], moves, [])
    assert [(i.rule, i.cell, i.value) for i in outcome.issues] == [
        ("stock.quantity_sign", "D2", "-2"), ("stock.quantity_sign", "D3", "0")]
    assert outcome.issues[0].message == (
        "Quantity of an OUT movement must be greater than 0 (found -2); use ADJ for a signed "
        "correction.")
    assert [r.kind for r in outcome.ledger] == ["Opening"]  # an ADJ of 0 posts nothing


# --------------------------------------------------------------------------- adjustments


def test_found_stock_comes_in_at_the_current_cost_or_its_own():
    s = Sheets()
    moves = [s.move(2, "A", "IN", 1, 4),       # 3 units worth 8.00: average 2.666...
             s.move(3, "A", "ADJ", 3),         # at the average: round(3 x 8/3) = 8.00
             s.move(4, "A", "ADJ", 1, "9.99")]  # its own cost
    outcome = run([s.item("A", 2, 2)], moves, [])
    assert [(r.kind, r.value_in, r.value_balance) for r in outcome.ledger] == [
        ("Opening", D("4.00"), D("4.00")), ("IN", D("4.00"), D("8.00")),
        ("ADJ", D("8.00"), D("16.00")), ("ADJ", D("9.99"), D("25.99"))]


def test_found_stock_with_nothing_on_hand_costs_the_last_receipt():
    s = Sheets()
    moves = [s.move(2, "A", "IN", 2, "1.50"), s.move(3, "A", "OUT", 2), s.move(4, "A", "ADJ", 4)]
    outcome = run([s.item("A", 0, 1)], moves, [])
    assert outcome.ledger[-1].value_in == D("6.00")
    never = run([Sheets().item("B", 0, "0.70")], [Sheets().move(4, "B", "ADJ", 10)], [])
    assert never.ledger[-1].value_in == D("7.00")  # the opening cost before any receipt


# --------------------------------------------------------------------------- reorder


def test_reorder_suggestions():
    s = Sheets()
    items = [s.item("LOW", 12, 1, point=10, reorder=50),     # 12 - 5 backordered... see below
             s.item("GAP", 0, 1, point=40, reorder=10),      # projected -8 -> 48 > 10
             s.item("OK", 100, 1, point=10, reorder=50),
             s.item("NONE", 0, 1)]                           # no Reorder Point: no policy
    lines = [s.order("SO-1", 3, "LOW", 15), s.order("SO-2", 3, "GAP", 8), s.order("SO-3", 3, "NONE", 1)]
    outcome = run(items, [], lines)
    assert [(r.sku, r.closing_qty, r.backordered, r.reorder_point, r.suggested_qty, r.source.row)
            for r in outcome.reorder] == [
        ("LOW", D(0), D(3), D(10), D(50), 2),   # projected -3 <= 10: max(50, 13)
        ("GAP", D(0), D(8), D(40), D(48), 3)]


def test_reorder_when_projected_equals_the_point():
    s = Sheets()
    outcome = run([s.item("A", 10, 1, point=10, reorder=None)], [], [])
    assert outcome.reorder == []  # max(0, 10 - 10) = 0: nothing to buy
    outcome = run([Sheets().item("A", 10, 1, point=10, reorder=5)], [], [])
    assert [r.suggested_qty for r in outcome.reorder] == [D(5)]


def test_a_sku_missing_from_stock_starts_empty():
    s = Sheets()
    outcome = run([], [], [s.order("SO-1", 3, "GHOST", 2)])
    assert [(o.status, o.backordered) for o in outcome.orders] == [(Status.BACKORDERED, D(2))]
    assert [(v.sku, v.closing_qty, v.source) for v in outcome.valuation] == [("GHOST", D(0), None)]


def test_skus_match_like_validation_compares_them():
    s = Sheets()
    outcome = run([s.item("SKU-1", 5, 1)], [], [s.order("SO-1", 3, " sku 1", 2)])
    assert [o.status for o in outcome.orders] == [Status.FULFILLED]
    assert [v.sku for v in outcome.valuation] == ["SKU-1"]


# --------------------------------------------------------------------------- cost pools, rules


@pytest.mark.parametrize("pool", [MovingAverage(), Fifo()])
def test_posted_values_add_up_to_what_came_in(pool):
    pool.receive(D(3), D(1) / D(3))  # 1.00 for 3 units
    # 1.00 x 1/3 = 0.33; then 0.67 x 1/2 = 0.335 -> 0.34; the last unit takes the 0.33 left
    assert [pool.issue(D(1)), pool.issue(D(1)), pool.issue(D(1))] == [D("0.33"), D("0.34"), D("0.33")]
    assert (pool.qty, pool.value) == (0, 0)


def test_an_unknown_method_is_a_bug_not_user_data():
    with pytest.raises(ValueError, match="unknown valuation method"):
        new_pool("lifo")


@pytest.mark.parametrize("the_rule", STOCK_RULES, ids=[r.id for r in STOCK_RULES])
def test_process_rules_are_fully_declared(the_rule):
    assert rule(the_rule.id) is the_rule
    assert the_rule.en != the_rule.pt and the_rule.title.strip()
    filled = {"column": "C", "value": "V", "detail": "D"}
    assert "{" not in the_rule.message("en", **filled) + the_rule.message("pt-BR", **filled)


def test_a_stock_row_with_an_error_names_its_sku_but_posts_no_opening():
    s = Sheets()
    items = [s.item("A", 10, "-2", point=5, reorder=10)]  # Opening Unit Cost -2: value.negative
    outcome = run(items, [], [s.order("SO-1", 3, "A", 4)], rejected={("Stock", 2): "negative cost"})
    assert [(v.sku, v.opening_qty, v.opening_value, v.source.row) for v in outcome.valuation] == [
        ("A", 0, 0, 2)]
    assert [o.status for o in outcome.orders] == [Status.BACKORDERED] and outcome.reorder == []
