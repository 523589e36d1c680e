"""The Trial Balance: every account's debits, credits and balance from the journal."""

from __future__ import annotations

from dataclasses import dataclass

from engine.accounts import Chart
from engine.journal import Journal

TRIAL_BALANCE_COLUMNS = ("Account", "Account Name", "Debit", "Credit", "Balance")


@dataclass(frozen=True, slots=True)
class BalanceRow:
    """One account: its debits and credits in cents; balance = debit − credit."""

    account: str
    name: str
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        """Debits − credits (a credit balance is negative)."""
        return self.debit - self.credit


@dataclass(frozen=True)
class TrialBalance:
    """The accounts in chart order (then unknown accounts by code)."""

    rows: tuple[BalanceRow, ...]

    @property
    def debit(self) -> int:
        """Total debits in cents."""
        return sum(r.debit for r in self.rows)

    @property
    def credit(self) -> int:
        """Total credits in cents."""
        return sum(r.credit for r in self.rows)

    @property
    def balanced(self) -> bool:
        """Debits = credits."""
        return self.debit == self.credit

    def balance(self, account: str) -> int:
        """An account's balance in cents (0 when it has no postings)."""
        return next((r.balance for r in self.rows if r.account == account), 0)


def trial_balance(journal: Journal, chart: Chart) -> TrialBalance:
    """Sum each account's debits and credits over the journal."""
    sums: dict[str, list[int]] = {}
    for _, posting in journal.postings():
        pair = sums.setdefault(posting.account, [0, 0])
        if posting.cents > 0:
            pair[0] += posting.cents
        else:
            pair[1] -= posting.cents
    rows = [BalanceRow(a, chart.name(a), d, c) for a, (d, c) in sums.items()]
    return TrialBalance(tuple(sorted(rows, key=lambda r: chart.order(r.account))))
