"""The close's Journal: balanced entries in exact integer cents, each posting naming its source.

A journal is records in and records out, like beancount's booking stage: the posting builders
(engine/postings.py) turn the flows' results into `Entry`s; `Journal.of` orders and numbers
them. An entry balances to the cent by construction (its last leg is what the others leave,
e.g. revenue = gross − tax); `entry` asserts it, because an unbalanced entry is a bug, never a
user mistake. Amounts are int cents (debit positive, credit negative): exact, and cheap at the
benchmark's half a million postings.

Order. Entries are sorted by content (date, kind, reference, postings), never by sheet row,
so the same input rows in any order give the same journal (only the Source cells differ).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from engine.issues import Issue, quote_sheet
from engine.money import from_cents

# Entry kinds, in the order entries of one day are listed.
AR_INVOICE, AP_BILL, RECEIPT, PAYMENT = "AR invoice", "AP bill", "Receipt", "Payment"
STOCK_RECEIPT, STOCK_ADJUSTMENT, STOCK_ISSUE, COGS = ("Stock receipt", "Stock adjustment",
                                                      "Stock issue", "COGS")
PAYROLL, EMPLOYER_COSTS, FX_REVALUATION = "Payroll", "Employer costs", "FX revaluation"
KINDS = (AR_INVOICE, AP_BILL, RECEIPT, PAYMENT, STOCK_RECEIPT, STOCK_ADJUSTMENT, STOCK_ISSUE,
         COGS, PAYROLL, EMPLOYER_COSTS, FX_REVALUATION)
_RANK = {kind: rank for rank, kind in enumerate(KINDS)}

JOURNAL_COLUMNS = ("Entry", "Date", "Account", "Account Name", "Debit", "Credit", "Source",
                   "Reference", "Memo")


class Origin(NamedTuple):
    """The cell a posting came from: the workbook's sheet name and a cell like "A7"."""

    sheet: str
    cell: str

    @property
    def address(self) -> str:
        """As Excel writes a reference: `Invoices!A7`, `'Stock Movements'!B4`."""
        return f"{quote_sheet(self.sheet)}!{self.cell}"

    @property
    def row(self) -> int:
        """The Excel row of the cell."""
        digits = "".join(ch for ch in self.cell if ch.isdigit())
        return int(digits) if digits else 0


class Posting(NamedTuple):
    """One line of an entry: an account and int cents, debit positive, credit negative."""

    account: str
    cents: int
    origin: Origin | None = None

    @property
    def debit(self) -> Decimal:
        """The debit amount (0.00 on a credit)."""
        return from_cents(max(self.cents, 0))

    @property
    def credit(self) -> Decimal:
        """The credit amount (0.00 on a debit)."""
        return from_cents(max(-self.cents, 0))


class Entry(NamedTuple):
    """A balanced journal entry. `number` is given when the journal is ordered (1, 2, ...).
    Made by `entry`, which asserts the balance. (A named tuple: a close makes one per order
    line, and a frozen dataclass is several times slower to build and renumber.)"""

    day: date
    kind: str
    reference: str
    memo: str
    postings: tuple[Posting, ...]
    number: int = 0

    def sort_key(self) -> tuple[object, ...]:
        """Content order: date, kind, reference, then the postings themselves."""
        return (self.day, _RANK[self.kind], self.reference,
                tuple((p.account, p.cents) for p in self.postings))


def entry(day: date, kind: str, reference: str, memo: str, origin: Origin | None,
          *legs: tuple[str, int]) -> Entry | None:
    """An entry from (account, cents) legs, zero legs left out; None when nothing is left."""
    postings = tuple(Posting(account, cents, origin) for account, cents in legs if cents)
    if not postings:
        return None
    made = Entry(day, kind, reference, memo, postings)
    assert sum(p.cents for p in postings) == 0, f"unbalanced entry: {made}"
    return made


def pair(day: date, kind: str, reference: str, memo: str, origin: Origin | None, debit: str,
         credit: str, cents: int) -> Entry | None:
    """`entry` with two legs, `cents` from `credit` to `debit` (negative: the other way round):
    balanced by construction, and cheap for the one-entry-per-line postings (COGS)."""
    if not cents:
        return None
    return Entry(day, kind, reference, memo,
                 (Posting(debit, cents, origin), Posting(credit, -cents, origin)))


@dataclass
class CutOff:
    """An invoice dated after the period end: left out of the close, listed on its report."""

    kind: str
    invoice_no: str
    party: str
    issue_date: date
    amount: Decimal
    currency: str
    origin: Origin


@dataclass
class Journal:
    """The period's entries (ordered, numbered), what the builders found, and the cut-off."""

    period: str
    entries: list[Entry]
    issues: list[Issue] = field(default_factory=list)
    cutoff: list[CutOff] = field(default_factory=list)

    @classmethod
    def of(cls, period: str, entries: list[Entry], issues: list[Issue] | None = None,
           cutoff: list[CutOff] | None = None) -> Journal:
        """The entries in content order, numbered from 1."""
        ordered = sorted(entries, key=Entry.sort_key)
        numbered = [Entry(*e[:5], n) for n, e in enumerate(ordered, start=1)]
        return cls(period, numbered, list(issues or []),
                   sorted(cutoff or [], key=lambda c: (c.issue_date, c.kind, c.invoice_no)))

    def postings(self) -> Iterator[tuple[Entry, Posting]]:
        """Every posting with its entry, in journal order."""
        for e in self.entries:
            for p in e.postings:
                yield e, p

    def unbalanced(self) -> list[Entry]:
        """Entries whose postings do not add up to zero (none, unless something is broken)."""
        return [e for e in self.entries if sum(p.cents for p in e.postings) != 0]

    def total(self, account: str) -> int:
        """An account's net movement in cents (debits − credits)."""
        return sum(p.cents for _, p in self.postings() if p.account == account)

    @property
    def line_count(self) -> int:
        """Postings in the journal."""
        return sum(len(e.postings) for e in self.entries)
