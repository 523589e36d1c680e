"""The chart of accounts by role: a default chart built in, overridden by the Accounts sheet.

The journal (engine/journal.py) never names an account: it posts to a role ("receivables",
"revenue"...) and the chart gives the role's account code and name. workbook-spec.md lists the
roles; `ROLES` holds them in the order a trial balance reads (assets, liabilities, revenue,
expenses) with the default account of each. An Accounts row (Role, Account, Name) replaces a
role's account; a role the close does not know, or one given twice, is a warning at its cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

import engine.close_rules  # noqa: F401  (registers the close's rules)
from engine.issues import Issue
from engine.rules import rule
from engine.schema import normalise
from engine.tables import Table

# role -> (default account, default name), in chart order.
ROLES: dict[str, tuple[str, str]] = {
    "cash": ("1000", "Cash"),
    "receivables": ("1200", "Accounts Receivable"),
    "inventory": ("1300", "Inventory"),
    "input_tax": ("1400", "Input Tax Recoverable"),
    "payables": ("2000", "Accounts Payable"),
    "goods_received_not_invoiced": ("2100", "Goods Received Not Invoiced"),
    "output_tax": ("2200", "Output Tax Payable"),
    "social_security_payable": ("2300", "Social Security (INSS) Payable"),
    "income_tax_payable": ("2310", "Income Tax (IRRF) Payable"),
    "deductions_payable": ("2320", "Other Payroll Deductions Payable"),
    "net_pay_payable": ("2330", "Net Pay Payable"),
    "employer_contributions_payable": ("2340", "Employer Contributions Payable"),
    "revenue": ("4000", "Revenue"),
    "fx_gain": ("4900", "FX Gain"),
    "cogs": ("5000", "Cost of Goods Sold"),
    "purchases": ("5100", "Purchases"),
    "stock_adjustment": ("5200", "Stock Adjustments"),
    "salaries": ("6000", "Salaries"),
    "employer_contributions_expense": ("6100", "Employer Contributions"),
    "fx_loss": ("6900", "FX Loss"),
}
_ROLE_KEYS = {normalise(role): role for role in ROLES}


@dataclass(frozen=True)
class Chart:
    """Each role's account and every known account's name (an AP bill's own Account may be
    one the chart does not list: its name is then blank)."""

    accounts: Mapping[str, str] = field(default_factory=lambda: {r: a for r, (a, _) in ROLES.items()})
    names: Mapping[str, str] = field(default_factory=lambda: {a: n for a, n in ROLES.values()})

    def account(self, role: str) -> str:
        """The account code of a role."""
        return self.accounts[role]

    def name(self, account: str) -> str:
        """The account's name ("" when the chart does not know it)."""
        return self.names.get(account, "")

    def order(self, account: str) -> tuple[int, str]:
        """A sort key putting accounts in chart order, then unknown ones by code."""
        roles = list(self.accounts.values())
        return (roles.index(account), "") if account in roles else (len(roles), account)


def default_chart() -> Chart:
    """The built-in chart (ROLES)."""
    return Chart()


def chart_from_table(table: Table | None, locale: str = "en") -> tuple[Chart, list[Issue]]:
    """The default chart with the Accounts sheet's rows applied (rows missing Role or Account
    are validation's issues and are skipped here)."""
    if table is None or not {"Role", "Account"} <= set(table.frame):
        return default_chart(), []
    accounts = {r: a for r, (a, _) in ROLES.items()}
    names = {a: n for a, n in ROLES.values()}
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    frame = table.frame
    name_column = frame["Name"] if "Name" in frame else [None] * len(frame)
    for row, role_text, account, name in zip(frame.index, frame["Role"], frame["Account"],
                                             name_column, strict=True):
        if _blank(role_text) or _blank(account):
            continue
        role = _ROLE_KEYS.get(normalise(str(role_text)))
        if role is None or role in seen:
            rule_id = "accounts.unknown_role" if role is None else "accounts.repeated_role"
            detail = ", ".join(ROLES) if role is None else f"row {seen[str(role)]}"
            issues.append(_issue(table, int(row), rule_id, str(role_text), detail, locale))
            continue
        seen[role] = int(row)
        code = str(account).strip()
        accounts[role] = code
        names[code] = str(name).strip() if not _blank(name) else names.get(code, ROLES[role][1])
    return Chart(accounts, names), issues


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return value != value or (isinstance(value, str) and not value.strip())


def _issue(table: Table, row: int, rule_id: str, value: str, detail: str, locale: str) -> Issue:
    the_rule = rule(rule_id)
    return Issue(table.sheet, table.cell("Role", row), row, "Role", rule_id, the_rule.severity,
                 the_rule.message(locale, value=value, detail=detail), value)
