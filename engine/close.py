"""The month-end close: the journal, the trial balance, the checklist and the key figures.

`close_books(flows, ...)` is pure: the flows' results in (engine/flows.py), a `CloseResult` out.
The checklist (workbook-spec.md, issue 13 step 3): validation clean; every entry balanced; trial
balance debits = credits; subledgers against the GL Balances sheet when it is present (AR aging
total vs receivables, AP aging vs payables, stock valuation vs inventory) within Config
Materiality; cut-off (invoices dated after the period end left out, and listed). A failed check
blocks the close; a check that does not apply (no GL Balances row for the account) is "n/a".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from engine.audit import AuditEntry
from engine.flows import FlowResults
from engine.issues import Issue, Severity
from engine.journal import Journal
from engine.money import from_cents
from engine.periods import CLOSE, CLOSE_BLOCKED
from engine.postings import build_journal
from engine.tables import Table
from engine.trial_balance import TrialBalance, trial_balance

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "n/a"
_TENTH = Decimal("0.1")  # DSO and margin % as the report shows them (Excel ROUND(x,1))
CHECKLIST_COLUMNS = ("Step", "Status", "Detail")


@dataclass(frozen=True)
class Check:
    """One checklist step: pass, fail or n/a, and what was found."""

    step: str
    status: str
    detail: str

    @property
    def failed(self) -> bool:
        """Whether the step blocks the close."""
        return self.status == FAIL


@dataclass(frozen=True)
class KeyFigures:
    """The report's figures, in functional currency (None: no data for it)."""

    revenue: Decimal
    cogs: Decimal
    gross_margin: Decimal
    margin_pct: Decimal | None
    payroll_cost: Decimal
    ar_outstanding: Decimal
    ap_outstanding: Decimal
    dso: Decimal | None
    inventory_value: Decimal
    cash_low_point: Decimal | None
    cash_low_week: int | None


@dataclass
class CloseResult:
    """Everything a close found."""

    period: str
    flows: FlowResults
    journal: Journal
    trial_balance: TrialBalance
    checks: list[Check]
    figures: KeyFigures

    @property
    def blocked(self) -> bool:
        """Whether a check failed (the period is then not closed)."""
        return any(check.failed for check in self.checks)


def close_books(flows: FlowResults, issues: list[Issue], materiality: Decimal,
                gl_balances: Mapping[str, Decimal] | None = None) -> CloseResult:
    """Journal, trial balance, checklist and key figures of the period."""
    journal = build_journal(flows.postings)
    balance = trial_balance(journal, flows.postings.chart)
    figures = key_figures(flows, balance)
    checks = checklist(flows, journal, balance, issues + journal.issues, materiality,
                       gl_balances or {})
    return CloseResult(str(flows.postings.period), flows, journal, balance, checks, figures)


def checklist(flows: FlowResults, journal: Journal, balance: TrialBalance, issues: list[Issue],
              materiality: Decimal, gl: Mapping[str, Decimal]) -> list[Check]:
    """The close's checks, in order."""
    errors = sum(1 for i in issues if i.severity is Severity.ERROR)
    warnings = len(issues) - errors
    unbalanced = journal.unbalanced()
    chart = flows.postings.chart
    checks = [
        Check("Validation clean", FAIL if errors else PASS,
              f"{errors} errors, {warnings} warnings"),
        Check("Every entry balanced", FAIL if unbalanced else PASS,
              f"{len(journal.entries)} entries, {journal.line_count} postings"
              + (f"; unbalanced: {', '.join(str(e.number) for e in unbalanced[:10])}"
                 if unbalanced else "")),
        Check("Trial balance debits = credits", PASS if balance.balanced else FAIL,
              f"debits {from_cents(balance.debit):,} = credits {from_cents(balance.credit):,}"
              if balance.balanced else
              f"debits {from_cents(balance.debit):,} ≠ credits {from_cents(balance.credit):,}"),
    ]
    for step, subledger, role in (("AR aging vs receivables", aging_total(flows, "AR"), "receivables"),
                                  ("AP aging vs payables", aging_total(flows, "AP"), "payables"),
                                  ("Stock valuation vs inventory", inventory_value(flows), "inventory")):
        checks.append(reconcile(step, subledger, chart.account(role), gl, materiality))
    left = journal.cutoff
    checks.append(Check("Cut-off", PASS, f"{len(left)} invoices dated after "
                        f"{flows.postings.period.last_day.isoformat()} left out"
                        + (": " + ", ".join(c.invoice_no for c in left[:10]) if left else "")
                        + (" …" if len(left) > 10 else "")))
    return checks


def reconcile(step: str, subledger: Decimal, account: str, gl: Mapping[str, Decimal],
              materiality: Decimal) -> Check:
    """A subledger total against the GL balance of its account, within materiality. A GL
    balance of a credit account (payables) may be typed negative: its absolute value counts."""
    if account not in gl:
        return Check(step, NOT_APPLICABLE, f"no GL Balances row for account {account}")
    ledger = gl[account]
    difference = subledger - (abs(ledger) if step.startswith("AP") else ledger)
    status = PASS if abs(difference) <= materiality else FAIL
    return Check(step, status, f"subledger {subledger:,} vs GL {ledger:,} (account {account}): "
                 f"difference {difference:,}, materiality {materiality:,}")


def aging_total(flows: FlowResults, kind: str) -> Decimal:
    """What the aging says is outstanding in functional currency (credit balances netted)."""
    if flows.aging is None:
        return from_cents(0)
    table = flows.aging.in_functional[kind]
    return from_cents(int(table.cents.sum()))


def inventory_value(flows: FlowResults) -> Decimal:
    """The Stock Valuation's closing value."""
    if flows.stock is None:
        return from_cents(0)
    return sum((row.closing_value for row in flows.stock.valuation), from_cents(0))


def key_figures(flows: FlowResults, balance: TrialBalance) -> KeyFigures:
    """Revenue and COGS from the journal (its trial balance); payroll, AR/AP, inventory and
    cash from the flows."""
    chart = flows.postings.chart
    revenue = from_cents(-balance.balance(chart.account("revenue")))
    cogs = from_cents(balance.balance(chart.account("cogs")))
    margin = revenue - cogs
    payroll = flows.payroll
    payroll_cost = from_cents(int(payroll.total_cost.sum())) if payroll is not None else from_cents(0)
    ar = aging_total(flows, "AR")
    days = flows.postings.period.last_day.day
    dso = (ar / revenue * days).quantize(_TENTH, ROUND_HALF_UP) if revenue > 0 else None
    low = low_week = None
    if flows.forecast is not None and len(flows.forecast.starts):
        cumulative = flows.forecast.cumulative
        at = int(np.argmin(cumulative))
        low, low_week = from_cents(int(cumulative[at])), at + 1
    return KeyFigures(revenue, cogs, margin,
                      (margin / revenue * 100).quantize(_TENTH, ROUND_HALF_UP) if revenue > 0 else None,
                      payroll_cost, ar, aging_total(flows, "AP"), dso, inventory_value(flows),
                      low, low_week)


def gl_balances(table: Table | None) -> dict[str, Decimal]:
    """The GL Balances sheet as {account: balance} (rows missing a value are skipped; an
    account given twice adds up)."""
    if table is None or not {"Account", "Balance"} <= set(table.frame):
        return {}
    out: dict[str, Decimal] = {}
    for account, balance in zip(table.frame["Account"].tolist(), table.decimals("Balance"),
                                strict=True):
        if account is None or account != account or balance is None:
            continue
        key = str(account).strip()
        out[key] = out.get(key, Decimal("0.00")) + balance
    return out


_COUNTS = re.compile(r"(\d+) errors?, (\d+) warnings?")


def issue_trend(entries: list[AuditEntry]) -> list[tuple[str, int, int, str]]:
    """Issues found per period at its latest close attempt (audit entries "close" and "close
    blocked"): (period, errors, warnings, outcome), in period order."""
    latest: dict[str, tuple[str, int, int, str]] = {}
    for e in entries:
        if e.action in (CLOSE, CLOSE_BLOCKED) and e.period:
            found = _COUNTS.search(e.details)
            errors, warnings = (int(found[1]), int(found[2])) if found else (0, 0)
            latest[e.period] = (e.period, errors, warnings,
                                "closed" if e.action == CLOSE else "blocked")
    return [latest[p] for p in sorted(latest)]


def close_details(result: CloseResult) -> str:
    """The close's audit details: the counts the trend reads back, the checks and the totals."""
    first = result.checks[0].detail  # "E errors, W warnings"
    failed = [c.step for c in result.checks if c.failed]
    outcome = f"blocked by: {', '.join(failed)}" if failed else "closed"
    figures = result.figures
    return (f"{outcome}; {first}; {len(result.journal.entries)} entries, trial balance "
            f"{from_cents(result.trial_balance.debit)}; revenue {figures.revenue}, "
            f"COGS {figures.cogs}, payroll cost {figures.payroll_cost}")
