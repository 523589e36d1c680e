"""The invoices flow (issue 11): receivables and payables aged, and the 13-week cash forecast.

    outcome = process_invoices(data.tables, settings, rejected)   # pure, exact
    outcome.aging (AR/AP tables, Invoice Status rows) / .forecast / .issues

Typed tables + Settings in, results + Issues out, like every flow (design.md "Adding a flow"):
the Invoices, Payments and FX Rates tables become columnar inputs (engine.aging_inputs), are
aged as of the last day of the Period (engine.aging) and turned into expected cash per week
(engine.cashflow). Rows validation found errors on (`rejected`, Excel rows per sheet name as the
workbook spells it) are not aged nor counted: a duplicate supplier bill, a payment in a currency
with no rate, a payment matching no invoice.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from engine.aging import AgingResult, age
from engine.aging_inputs import invoices_from_table, payments_from_table
from engine.cashflow import CashForecast, forecast
from engine.fx import rates_from_table
from engine.issues import Issue
from engine.money import Int64Array, from_cents
from engine.settings import Settings
from engine.tables import Table


@dataclass(frozen=True)
class InvoicesOutcome:
    """What the flow found: the aging, the cash forecast and the flow's own issues
    (payment.before_invoice, aging.credit_balance; validation's are not repeated)."""

    aging: AgingResult
    forecast: CashForecast

    @property
    def issues(self) -> list[Issue]:
        """The flow's issues (warnings: the run still succeeds)."""
        return self.aging.issues

    @property
    def as_of(self) -> date:
        """The as-of day: the last day of the Period."""
        return self.aging.as_of

    def summary(self) -> dict[str, object]:
        """Counts and totals for the command's summary (--json): invoices aged, open ones, and
        per Type the outstanding in the functional currency (credits included, as text)."""
        status = self.aging.status
        open_rows = status[status["Outstanding"] != 0]
        totals = {kind: str(sum_cents(self.aging.in_functional[kind].row_totals))
                  for kind in ("AR", "AP")}
        return {"as_of": self.as_of.isoformat(), "invoices": len(status),
                "open": len(open_rows), "credits": int((status["Outstanding"] < 0).sum()),
                "outstanding": totals, "missing_rates": list(self.aging.missing_rates),
                "cumulative_13_weeks": str(sum_cents(self.forecast.net))}


def sum_cents(cents: Int64Array) -> Decimal:
    """The exact Decimal of a sum of int64 cents (summed as Python integers: no overflow)."""
    return from_cents(sum(int(c) for c in cents))


def process_invoices(tables: Mapping[str, Table], settings: Settings,
                     rejected: Mapping[str, Collection[int]] | None = None,
                     as_of: date | None = None) -> InvoicesOutcome:
    """Age the Invoices against the Payments as of `as_of` (default: the Period's last day) and
    forecast the 13 weeks after it. `rejected`: Excel rows with errors, by sheet name."""
    rejected = rejected or {}
    invoices, payments = tables.get("Invoices"), tables.get("Payments")
    day = as_of or _as_of(settings)
    functional = settings.functional_currency
    aging = age(invoices_from_table(invoices, functional, _rows(rejected, invoices)),
                payments_from_table(payments, _rows(rejected, payments)), day,
                rates_from_table(tables.get("FX Rates"), functional), settings.aging_buckets,
                settings.locale)
    return InvoicesOutcome(aging, forecast(aging))


def _as_of(settings: Settings) -> date:
    if settings.period is None:  # validation reported config.period; the job refuses earlier
        raise ValueError("the invoices flow needs a Period")
    return settings.period.last_day


def _rows(rejected: Mapping[str, Collection[int]], table: Table | None) -> Collection[int]:
    return rejected.get(table.sheet, ()) if table is not None else ()
