"""Every flow's engine over one read of the workbook, for the close (pure: tables in).

The close needs the flows' results (stock ledger, aging, cash forecast, payroll) and the records
the journal is built from. `run_flows` computes them from the typed tables and validation's
issues, as the flows' jobs do: rows with errors are not processed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.accounts import chart_from_table
from engine.aging import AgingResult, age
from engine.aging_inputs import invoices_from_table, payments_from_table
from engine.cashflow import CashForecast, forecast
from engine.fx import rates_from_table
from engine.issues import Issue, Severity
from engine.payroll_result import PayrollResult
from engine.payroll_run import process_payroll
from engine.postings import PostingInputs
from engine.settings import Period, Settings
from engine.stock import StockOutcome, process_stock, rejections, stock_inputs
from engine.tables import Table


@dataclass
class FlowResults:
    """The flows' results for one period, the journal's inputs and the flows' own issues."""

    postings: PostingInputs
    stock: StockOutcome | None = None
    aging: AgingResult | None = None
    forecast: CashForecast | None = None
    payroll: PayrollResult | None = None
    issues: list[Issue] = field(default_factory=list)


def error_rows(issues: list[Issue], sheet: str) -> set[int]:
    """Excel rows of `sheet` carrying an error (not processed)."""
    return {i.row for i in issues if i.sheet == sheet and i.severity is Severity.ERROR and i.row}


def run_flows(tables: Mapping[str, Table], config: Mapping[str, str], settings: Settings,
              issues: list[Issue], period: Period) -> FlowResults:
    """Stock, aging (and its forecast) and payroll for `period`, then the journal's inputs."""
    locale, functional = settings.locale, settings.functional_currency
    rates = rates_from_table(tables.get("FX Rates"), functional)
    chart, chart_issues = chart_from_table(tables.get("Accounts"), locale)
    found: list[Issue] = list(chart_issues)
    stock = None
    if any(name in tables for name in ("Stock", "Stock Movements", "Orders")):
        stock = process_stock(stock_inputs(tables, config, locale), rejections(issues))
        found += stock.issues
    invoices_table, payments_table = tables.get("Invoices"), tables.get("Payments")
    invoices = invoices_from_table(invoices_table, functional,
                                   error_rows(issues, invoices_table.sheet) if invoices_table else ())
    payments = payments_from_table(payments_table,
                                   error_rows(issues, payments_table.sheet) if payments_table else ())
    aging = cash = None
    if invoices_table is not None:
        aging = age(invoices, payments, period.last_day, rates, settings.aging_buckets, locale)
        cash = forecast(aging)
        found += aging.issues
    payroll = None
    if "Payroll" in tables:
        run = process_payroll(tables, settings, issues, locale)
        payroll = run.result
        found += run.issues
    accounts = _invoice_accounts(invoices_table)
    postings = PostingInputs(period, chart, rates, invoices, payments, stock, payroll, accounts,
                             locale)
    return FlowResults(postings, stock, aging, cash, payroll, found)


def _invoice_accounts(table: Table | None) -> dict[int, str]:
    """Each Invoices row's Account text (only rows that have one)."""
    if table is None or "Account" not in table.frame:
        return {}
    column = table.frame["Account"]
    present = column[column.notna().to_numpy(dtype=bool)]
    return {int(row): str(value).strip() for row, value in zip(present.index.tolist(),
                                                                present.tolist(), strict=True)
            if str(value).strip()}
