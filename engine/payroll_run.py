"""One month's payroll from the sheets as read: which rules, which rows, gross-to-net, and what
was left out and why. Pure: typed tables + Settings + validation's issues in, a PayrollRun out.

Only the rows of the run's period are paid (validation warns payroll.other_period on the
others); a row with an error issue (validation's: invalid CPF, an employee twice in the period,
an unreadable amount...) is not paid; an employee whose net pay would be negative is not paid
(payroll.negative_net_pay, an error at the row). The run counts each kind, so the register and
the summary say how many rows were left out and why.

Payroll Rules = BR-2026 uses the shipped pack; = tables builds a pack from the Tax Tables sheet
(engine.payroll_tables), its structural mistakes being issues at their cells.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from engine.issues import Issue, Severity
from engine.money import round_money
from engine.payroll import run_payroll
from engine.payroll_input import error_rows, payroll_input_from_table
from engine.payroll_result import REGISTER_COLUMNS, PayrollResult
from engine.payroll_rules import PayrollPack, load_pack
from engine.payroll_tables import pack_from_tax_tables, tax_table_rows
from engine.rules import rule
from engine.schema import PAYROLL, TAX_TABLES, SheetSpec
from engine.settings import Settings
from engine.tables import Table

# The Config keys payroll computes with: one that is not valid stops the payroll (paying with a
# default the user did not choose would be wrong money), unlike the keys other flows use.
PAYROLL_CONFIG = frozenset({"Payroll Rules", "Overtime Multiplier", "Monthly Hours",
                            "Employer Contribution Rate", "Minimum Wage", "Dependent Deduction"})
SUMMARY_KEYS = dict(zip(REGISTER_COLUMNS[2:], ("gross", "social_security", "income_tax",
                                               "other_deductions", "net_pay",
                                               "employer_contributions", "total_cost"),
                        strict=True))


@dataclass(frozen=True)
class PayrollRun:
    """What `process payroll` computed for one period.

    `result` is None when payroll could not run (`reason` says why: no valid period, no Payroll
    sheet, a Tax Tables sheet that cannot be used); `issues` are the flow's own (validation's
    stay with the caller); the counts say how many Payroll rows were not paid and why."""

    period: str
    rules: str
    result: PayrollResult | None
    issues: list[Issue] = field(default_factory=list)
    other_period: int = 0
    with_errors: int = 0
    negative_net_pay: int = 0
    reason: str = ""

    @property
    def employees(self) -> int:
        """Employees paid."""
        return 0 if self.result is None else len(self.result)

    def totals(self) -> dict[str, Decimal]:
        """The register's column totals (zero when nothing was paid)."""
        if self.result is None:
            return {name: Decimal("0.00") for name in REGISTER_COLUMNS[2:]}
        return self.result.totals()

    def summary(self) -> dict[str, object]:
        """The --json summary: counts, and totals as exact decimal strings ("12345.67")."""
        out: dict[str, object] = {"rules": self.rules, "employees_paid": self.employees}
        out.update({SUMMARY_KEYS[name]: str(total) for name, total in self.totals().items()})
        out["not_paid"] = {"other_period": self.other_period, "errors": self.with_errors,
                           "negative_net_pay": self.negative_net_pay}
        if self.reason:
            out["not_run"] = self.reason
        return out

    def details(self) -> str:
        """One line for the audit log."""
        if self.result is None:
            return f"payroll not run: {self.reason}"
        totals = self.totals()
        left = self.other_period + self.with_errors + self.negative_net_pay
        return (f"{self.employees} employees paid ({self.rules}): gross {totals['Gross']}, "
                f"net pay {totals['Net Pay']}, employer cost {totals['Total Cost']}; "
                f"{left} rows not paid ({self.other_period} other period, {self.with_errors} with "
                f"errors, {self.negative_net_pay} negative net pay)")


def process_payroll(tables: Mapping[str, Table], settings: Settings, issues: Sequence[Issue],
                    locale: str = "en") -> PayrollRun:
    """The payroll of `settings.period` from the sheets as read (`tables` by canonical name);
    `issues` are reading's and validation's (their error rows are not paid)."""
    period, rules = settings.period, settings.payroll_rules
    payroll = tables.get(PAYROLL.name)
    if period is None:
        return PayrollRun("", rules, None, reason="the Config Period is not a valid month")
    if payroll is None:
        return PayrollRun(period, rules, None, [_missing(PAYROLL, locale)], reason="no Payroll sheet")
    bad = sorted({i.column for i in issues if i.rule == "config.value" and i.column in PAYROLL_CONFIG})
    if bad:
        return PayrollRun(period, rules, None,
                          reason=f"Config {', '.join(bad)} is not valid (see the Issues sheet)")
    pack, pack_issues = payroll_pack(tables, settings, locale)
    counts = _left_out(payroll, period, error_rows(issues, payroll.sheet))
    if pack is None:
        return PayrollRun(period, rules, None, pack_issues, *counts,
                          reason="the Tax Tables cannot be used (see the Issues sheet)")
    data = payroll_input_from_table(payroll, period, error_rows(issues, payroll.sheet))
    result, flow_issues = run_payroll(data, pack, settings, locale)
    negative = sum(1 for i in flow_issues if i.rule == "payroll.negative_net_pay")
    return PayrollRun(period, rules, result, pack_issues + flow_issues, *counts, negative)


def payroll_pack(tables: Mapping[str, Table], settings: Settings, locale: str = "en"
                 ) -> tuple[PayrollPack | None, list[Issue]]:
    """The rules pack Config Payroll Rules names, or None and the issues that prevent it."""
    if settings.payroll_rules == "BR-2026":
        return load_pack("BR-2026"), []
    sheet = tables.get(TAX_TABLES.name)
    if sheet is None:
        return None, [_missing(TAX_TABLES, locale)]
    # the pack's amounts are cents: a deduction typed with more places is rounded once, here
    return pack_from_tax_tables(tax_table_rows(sheet), round_money(settings.dependent_deduction),
                                locale, sheet=sheet.sheet, header_cell=sheet.header_cell())


def _left_out(payroll: Table, period: str, blocked: set[int]) -> tuple[int, int]:
    """(rows of another period, rows of the period with an error) of the Payroll sheet."""
    frame = payroll.frame
    if "Period" not in frame:
        return 0, len(blocked)
    periods = frame["Period"]
    ours = (periods == period).fillna(False).to_numpy(dtype=bool)
    other = int((periods.notna().to_numpy(dtype=bool) & ~ours).sum())
    return other, int(frame.index[ours].isin(list(blocked)).sum())


def _missing(spec: SheetSpec, locale: str) -> Issue:
    """sheet.missing for a sheet payroll needs, naming its columns."""
    detail = ", ".join(c.name for c in spec.columns)
    the_rule = rule("sheet.missing")
    return Issue(spec.name, "", None, "", the_rule.id, Severity.ERROR,
                 the_rule.message(locale, column=spec.name, detail=detail), "")
