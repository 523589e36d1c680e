"""The 13-week cash forecast (engine/cashflow.py) from aging results, hand-checked."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from test_aging import FX, invoice, run

from engine.cashflow import FORECAST_COLUMNS, forecast

D = Decimal


def test_thirteen_weeks_start_the_day_after_the_as_of_date():
    cash = forecast(run([]))
    assert cash.starts[0] == date(2026, 11, 1) and cash.starts[-1] == date(2027, 1, 24)
    assert [b - a for a, b in zip(cash.starts, cash.starts[1:], strict=False)] == [timedelta(days=7)] * 12
    assert FORECAST_COLUMNS == ("Week", "Week Start", "Receipts", "Payments", "Net", "Cumulative")
    assert cash.rows()[0] == [1, date(2026, 11, 1), D(0), D(0), D(0), D(0)]


def test_each_amount_falls_in_the_week_of_its_due_date_overdue_in_week_one():
    # days past due -> due date: 45 overdue, 0 due on the as-of day, -1 first day of week 1,
    # -7 last day of week 1, -8 week 2, -91 last day of week 13, -92 after the horizon.
    result = run([invoice("over", 45, 1.0), invoice("today", 0, 2.0), invoice("w1a", -1, 4.0),
                  invoice("w1b", -7, 8.0), invoice("w2", -8, 16.0), invoice("w13", -91, 32.0),
                  invoice("later", -92, 64.0)])
    cash = forecast(result)
    assert cash.receipts.tolist() == [1500, 1600] + [0] * 10 + [3200]
    assert cash.later_receipts == 6400
    assert cash.payments.tolist() == [0] * 13


def test_receipts_payments_net_and_cumulative():
    result = run([invoice("r1", 3, 1000.0), invoice("r2", -10, 250.0, party="Beta"),
                  invoice("p1", -2, 400.0, "AP", "Fornecedor"),
                  invoice("p2", -20, 900.0, "AP", "Fornecedor")],
                 [[date(2026, 10, 20), "AR", "Acme", "r1", 100.0, None],       # partly paid: 900 expected
                  [date(2026, 11, 2), "AP", "Fornecedor", "p1", 400.0, None]])  # after as-of: still due
    rows = forecast(result).rows()
    assert rows[:3] == [
        [1, date(2026, 11, 1), D("900.00"), D("400.00"), D("500.00"), D("500.00")],
        [2, date(2026, 11, 8), D("250.00"), D("0.00"), D("250.00"), D("750.00")],
        [3, date(2026, 11, 15), D("0.00"), D("900.00"), D("-900.00"), D("-150.00")],
    ]
    assert rows[-1] == [13, date(2027, 1, 24), D(0), D(0), D(0), D("-150.00")]


def test_foreign_invoices_at_the_as_of_rate_credits_and_missing_rates_left_out():
    result = run([invoice("usd", 5, 10.0, currency="USD"), invoice("eur", 5, 10.0, currency="EUR"),
                  invoice("credit", 5, 10.0, party="Beta")],
                 [[date(2026, 10, 1), "AR", "Beta", "credit", 15.0, None]], fx=FX)
    cash = forecast(result)
    assert cash.receipts[0] == 5432  # 10.00 USD x 5.4321 = 54.321 -> 54.32; EUR has no rate
    assert cash.receipts[1:].sum() == 0 and cash.later_receipts == 0


def test_the_forecast_is_whole_cents_int64():
    cash = forecast(run([invoice("a", 1, 0.01)]))
    assert cash.receipts.dtype == np.int64 and cash.net.dtype == np.int64
    assert cash.rows()[0][2:] == [D("0.01"), D("0.00"), D("0.01"), D("0.01")]
