"""`backoffice export journal BOOK --to FILE`: the period's journal as a beancount ledger
(`.beancount`) or as CSV (`.csv`, one line per posting, for import into an accounting system).

The beancount ledger opens every account on the period's first day, books each entry as a
transaction (its Source cells as metadata) and ends with a balance assertion per account on the
day after the period at zero tolerance (`~ 0`), so `bean-check` (or beancount's loader) proves
the ledger reproduces the trial balance to the cent.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from engine.accounts import Chart
from engine.close import CloseResult
from engine.money import from_cents

_TYPES = {  # the beancount root of each role's account; an account of no role is an expense
    "cash": "Assets", "receivables": "Assets", "inventory": "Assets", "input_tax": "Assets",
    "revenue": "Income", "fx_gain": "Income", "cogs": "Expenses", "purchases": "Expenses",
    "stock_adjustment": "Expenses", "salaries": "Expenses",
    "employer_contributions_expense": "Expenses", "fx_loss": "Expenses",
}
CSV_COLUMNS = ("Entry", "Date", "Account", "Account Name", "Debit", "Credit", "Currency",
               "Source", "Reference", "Memo")


def beancount_account(chart: Chart, account: str) -> str:
    """"1200" -> "Assets:1200": the role's root, the code made a valid beancount component."""
    roles = {code: role for role, code in chart.accounts.items()}
    role = roles.get(account)
    root = _TYPES.get(role, "Liabilities") if role else "Expenses"
    component = "".join(ch if ch.isalnum() else "-" for ch in account.strip()).strip("-") or "X"
    component = component[0].upper() + component[1:]
    if not (component[0].isdigit() or component[0].isupper()):
        component = "A" + component
    return f"{root}:{component}"


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def beancount_text(result: CloseResult, currency: str, title: str = "") -> str:
    """The journal as a beancount ledger with zero-tolerance balance assertions."""
    chart = result.flows.postings.chart
    period = result.flows.postings.period
    lines = [f"option \"title\" {_quote(title or f'Journal {result.period}')}",
             f"option \"operating_currency\" \"{currency}\"", ""]
    for row in result.trial_balance.rows:
        name = f"  ; {row.name}" if row.name else ""
        lines.append(f"{period.first_day.isoformat()} open "
                     f"{beancount_account(chart, row.account)} {currency}{name}")
    lines.append("")
    for e in result.journal.entries:
        lines.append(f"{e.day.isoformat()} * {_quote(e.kind)} {_quote(f'{e.reference} {e.memo}'.strip())}")
        lines.append(f"  entry: \"{e.number}\"")
        for p in e.postings:
            source = f"  ; {p.origin.address}" if p.origin else ""
            lines.append(f"  {beancount_account(chart, p.account)}  {from_cents(p.cents)} "
                         f"{currency}{source}")
        lines.append("")
    after = (period.last_day + timedelta(days=1)).isoformat()
    for row in result.trial_balance.rows:
        lines.append(f"{after} balance {beancount_account(chart, row.account)}  "
                     f"{from_cents(row.balance)} ~ 0.00 {currency}")
    return "\n".join(lines) + "\n"


def csv_text(result: CloseResult, currency: str) -> str:
    """One line per posting, amounts as plain numbers with two decimals."""
    chart = result.flows.postings.chart
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e, p in result.journal.postings():
        writer.writerow([e.number, e.day.isoformat(), p.account, chart.name(p.account),
                         f"{p.debit}", f"{p.credit}", currency,
                         p.origin.address if p.origin else "", e.reference, f"{e.kind}: {e.memo}"])
    return buffer.getvalue()
