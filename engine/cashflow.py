"""The 13-week cash forecast from the aging (workbook-spec.md, Cash Forecast sheet).

Week 1 starts the day after the as-of date; each week is seven days. An invoice's outstanding
amount (functional currency, at the as-of rate) is expected in the week its Due Date falls in;
what is already overdue is expected in week 1. Receipts are AR, payments AP; Net = Receipts −
Payments and Cumulative adds the Nets up. Credit balances are not expected cash flows (they are
the party's money until refunded or applied), nor are invoices whose currency has no rate; what
falls due after week 13 is totalled apart (`later_receipts`, `later_payments`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from engine.aging import AgingResult
from engine.money import Int64Array, from_cents

WEEKS = 13
FORECAST_COLUMNS = ("Week", "Week Start", "Receipts", "Payments", "Net", "Cumulative")


@dataclass(frozen=True)
class CashForecast:
    """Per week (index 0 = week 1): start date and int64 cents of receipts and payments."""

    starts: tuple[date, ...]
    receipts: Int64Array
    payments: Int64Array
    later_receipts: int
    later_payments: int

    @property
    def net(self) -> Int64Array:
        """Receipts − Payments per week."""
        return np.asarray(self.receipts - self.payments, dtype=np.int64)

    @property
    def cumulative(self) -> Int64Array:
        """The running total of Net."""
        return np.cumsum(self.net).astype(np.int64)

    def rows(self) -> list[list[object]]:
        """The Cash Forecast sheet's rows: Week, Week Start, Receipts, Payments, Net, Cumulative
        (Decimal amounts)."""
        net, cumulative = self.net, self.cumulative
        return [[week + 1, start, from_cents(int(self.receipts[week])), from_cents(int(self.payments[week])),
                 from_cents(int(net[week])), from_cents(int(cumulative[week]))]
                for week, start in enumerate(self.starts)]


def forecast(aging: AgingResult, weeks: int = WEEKS) -> CashForecast:
    """Expected receipts and payments per week after the as-of date, in functional currency."""
    status = aging.status
    amount = status["Outstanding (functional)"].to_numpy(dtype=np.int64)
    expected = (amount > 0) & ~status["Rate Missing"].to_numpy(dtype=bool)
    first_day = np.datetime64(aging.as_of, "D") + 1
    days = (status["Due Date"].to_numpy(dtype="datetime64[D]") - first_day).astype(np.int64)
    week = np.maximum(days // 7, 0)  # overdue and due in the first seven days: week 1 (index 0)
    kinds = status["Type"].to_numpy(dtype=object)
    totals = {}
    for kind in ("AR", "AP"):
        mine = expected & (kinds == kind)
        sums = np.zeros(weeks + 1, dtype=np.int64)  # the last slot: after the horizon
        np.add.at(sums, np.minimum(week[mine], weeks), amount[mine])
        totals[kind] = sums
    starts = tuple(aging.as_of + timedelta(days=1 + 7 * w) for w in range(weeks))
    return CashForecast(starts, totals["AR"][:weeks], totals["AP"][:weeks],
                        int(totals["AR"][weeks]), int(totals["AP"][weeks]))
