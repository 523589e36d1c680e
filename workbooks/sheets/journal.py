"""The Journal and Trial Balance output sheets (workbook-spec.md, Output sheets).

Journal: one row per posting, Source linked to the cell the posting came from, Debit and Credit
totalled. Trial Balance: one row per account whose Debit and Credit are live SUMIFS over the
Journal's columns (cached with the engine's sums) and Balance = Debit − Credit, with a totals
row, so a user who edits nothing sees the engine's figures and one who recalculates gets the
same."""

from __future__ import annotations

from functools import cache

from engine.accounts import Chart
from engine.journal import Journal
from engine.money import from_cents
from engine.trial_balance import TrialBalance
from workbooks.model import (
    Block,
    BlockPlace,
    CellKind,
    Formula,
    OutputColumn,
    OutputSheet,
    OutputValue,
)

JOURNAL_SHEET, TRIAL_BALANCE_SHEET = "Journal", "Trial Balance"
_NONE = from_cents(0)  # the other side of a posting: 0.00
_M = CellKind.MONEY
JOURNAL_COLUMNS = [
    OutputColumn("Entry", CellKind.INTEGER, 8), OutputColumn("Date", CellKind.DATE, 12),
    OutputColumn("Account", width=10), OutputColumn("Account Name", width=30),
    OutputColumn("Debit", _M, 15), OutputColumn("Credit", _M, 15),
    OutputColumn("Source", width=22), OutputColumn("Reference", width=16),
    OutputColumn("Memo", width=40),
]
TRIAL_BALANCE_COLUMNS = [
    OutputColumn("Account", width=10), OutputColumn("Account Name", width=34),
    OutputColumn("Debit", _M, 16), OutputColumn("Credit", _M, 16), OutputColumn("Balance", _M, 16),
]


def journal_output(journal: Journal, chart: Chart, currency: str) -> OutputSheet:
    """The Journal sheet: every posting of every entry, in entry order."""
    rows: list[list[OutputValue]] = []
    links: dict[tuple[int, int], str] = {}
    name = cache(chart.name)
    for e in journal.entries:  # a row a posting: hundreds of thousands in a big close
        memo, origin, source = f"{e.kind}: {e.memo}", None, ""
        for p in e.postings:
            cents = p.cents
            if p.origin is not origin:  # an entry's postings mostly share their origin
                origin, source = p.origin, p.origin.address if p.origin else ""
            if source:
                links[(len(rows), 6)] = source
            rows.append([e.number, e.day, p.account, name(p.account),
                         from_cents(cents) if cents > 0 else _NONE,
                         from_cents(-cents) if cents < 0 else _NONE, source, e.reference, memo])
    sheet = OutputSheet(JOURNAL_SHEET, currency=currency, table_name="BO_Journal")
    sheet.add(Block(JOURNAL_COLUMNS, rows, links=links, totals=("Debit", "Credit"),
                    table_name="BO_Journal"))
    return sheet


def journal_place(journal: Journal, chart: Chart, currency: str) -> BlockPlace:
    """Where the Journal's postings land (for formulas on other sheets)."""
    return journal_output(journal, chart, currency).place(0) if journal.entries else \
        OutputSheet(JOURNAL_SHEET, JOURNAL_COLUMNS, []).place(0)


def trial_balance_output(balance: TrialBalance, journal: BlockPlace, currency: str) -> OutputSheet:
    """The Trial Balance sheet: SUMIFS over the Journal (`journal` is where its rows are)."""
    accounts = journal.column("Account", absolute=True, sheet=True)
    sheet = OutputSheet(TRIAL_BALANCE_SHEET, currency=currency, table_name="BO_TrialBalance")
    first = 2  # the table's header is row 1
    rows: list[list[OutputValue]] = []
    for i, row in enumerate(balance.rows):
        at = first + i
        rows.append([row.account, row.name,
                     Formula(f"=SUMIFS({journal.column('Debit', absolute=True, sheet=True)},"
                             f"{accounts},A{at})", from_cents(row.debit)),
                     Formula(f"=SUMIFS({journal.column('Credit', absolute=True, sheet=True)},"
                             f"{accounts},A{at})", from_cents(row.credit)),
                     Formula(f"=C{at}-D{at}", from_cents(row.balance))])
    sheet.add(Block(TRIAL_BALANCE_COLUMNS, rows, totals=("Debit", "Credit", "Balance"),
                    table_name="BO_TrialBalance"))
    return sheet


def trial_balance_place(balance: TrialBalance) -> BlockPlace:
    """Where the Trial Balance's rows land."""
    sheet = OutputSheet(TRIAL_BALANCE_SHEET)
    sheet.add(Block(TRIAL_BALANCE_COLUMNS, [[r.account] for r in balance.rows],
                    totals=("Debit", "Credit", "Balance")))
    return sheet.place(0)
