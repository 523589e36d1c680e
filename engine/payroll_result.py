"""What gross-to-net returns: every figure of every employee, column by column in cents, with
the Payroll Register's rows, the totals and one employee's payslip as Decimals."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.money import Int64Array, from_cents
from engine.payroll_input import Hours, PayrollInput
from engine.payroll_rules import PayrollPack

REGISTER_COLUMNS = ("Employee ID", "Name", "Gross", "Social Security", "Income Tax",
                    "Other Deductions", "Net Pay", "Employer Contributions", "Total Cost")


@dataclass(frozen=True)
class BandLine:
    """One social-security band on a payslip: its bounds, rate, the pay inside it and its share
    of the contribution (the shares add up to the contribution)."""

    lower: Decimal
    upper: Decimal | None
    rate: Decimal
    base: Decimal
    amount: Decimal


@dataclass(frozen=True)
class Payslip:
    """One employee's gross-to-net, every amount a Decimal with two places."""

    employee_id: str
    name: str
    row: int
    base_salary: Decimal
    overtime_hours: Decimal
    overtime_pay: Decimal
    bonus: Decimal
    gross: Decimal
    social_security: Decimal
    social_security_bands: tuple[BandLine, ...]
    dependents: int
    income_tax_deductions: Decimal
    simplified_discount_used: bool
    income_tax_base: Decimal
    income_tax_rate: Decimal
    income_tax_deduct: Decimal  # the table's amount to deduct for the base's band
    table_tax: Decimal
    reduction: Decimal
    income_tax: Decimal
    other_deductions: Decimal
    net_pay: Decimal
    fgts: Decimal
    employer_extra: Decimal  # Config Employer Contribution Rate × gross
    employer_contributions: Decimal
    total_cost: Decimal


@dataclass(frozen=True)
class PayrollResult:
    """Gross-to-net of every employee of `data` (position i everywhere), amounts in cents."""

    pack: PayrollPack
    data: PayrollInput
    overtime_pay: Int64Array
    gross: Int64Array
    inss: Int64Array
    inss_band_base: Int64Array  # employees × bands: the pay inside each band
    inss_band_share: Int64Array  # employees × bands: each band's share of `inss`
    irrf_deductions: Int64Array  # max(INSS + per dependent × dependents, simplified discount)
    simplified: npt.NDArray[np.bool_]  # the simplified discount was the larger
    irrf_base: Int64Array
    irrf_band: Int64Array  # index into pack.income_tax.bands
    table_tax: Int64Array
    reduction: Int64Array
    irrf: Int64Array  # withheld: table tax − reduction
    net_pay: Int64Array
    fgts: Int64Array
    employer_extra: Int64Array

    def __len__(self) -> int:
        return len(self.gross)

    @property
    def employer_contributions(self) -> Int64Array:
        """FGTS plus the Config employer contribution, in cents."""
        return self.fgts + self.employer_extra

    @property
    def total_cost(self) -> Int64Array:
        """Gross plus employer contributions, in cents."""
        return self.gross + self.employer_contributions

    def take(self, mask: npt.NDArray[np.bool_]) -> PayrollResult:
        """Only the employees where `mask` is True."""
        changes: dict[str, Any] = {f.name: getattr(self, f.name)[mask] for f in fields(self)
                                   if isinstance(getattr(self, f.name), np.ndarray)}
        return replace(self, data=_take_input(self.data, mask), **changes)

    def register(self) -> list[list[object]]:
        """The Payroll Register's rows (REGISTER_COLUMNS), amounts as Decimals."""
        columns = [self.gross, self.inss, self.irrf, self.data.other_deductions, self.net_pay,
                   self.employer_contributions, self.total_cost]
        amounts = [[from_cents(int(c)) for c in column] for column in columns]
        return [[self.data.employee_id[i], self.data.name[i], *(a[i] for a in amounts)]
                for i in range(len(self))]

    def totals(self) -> dict[str, Decimal]:
        """The register's amount columns summed exactly, by column name."""
        columns = [self.gross, self.inss, self.irrf, self.data.other_deductions, self.net_pay,
                   self.employer_contributions, self.total_cost]
        return {name: from_cents(int(column.sum())) for name, column in zip(REGISTER_COLUMNS[2:], columns,
                                                                            strict=True)}

    def payslip(self, i: int) -> Payslip:
        """Employee i's every figure, for a payslip block."""
        data, pack = self.data, self.pack
        band = pack.income_tax.bands[int(self.irrf_band[i])]
        return Payslip(
            employee_id=data.employee_id[i], name=data.name[i], row=int(data.rows[i]),
            base_salary=_d(data.base_salary[i]), overtime_hours=_hours(data.overtime_hours, i),
            overtime_pay=_d(self.overtime_pay[i]), bonus=_d(data.bonus[i]), gross=_d(self.gross[i]),
            social_security=_d(self.inss[i]), social_security_bands=self._band_lines(i),
            dependents=int(data.dependents[i]), income_tax_deductions=_d(self.irrf_deductions[i]),
            simplified_discount_used=bool(self.simplified[i]), income_tax_base=_d(self.irrf_base[i]),
            income_tax_rate=band.rate, income_tax_deduct=band.deduct, table_tax=_d(self.table_tax[i]),
            reduction=_d(self.reduction[i]), income_tax=_d(self.irrf[i]),
            other_deductions=_d(data.other_deductions[i]), net_pay=_d(self.net_pay[i]),
            fgts=_d(self.fgts[i]), employer_extra=_d(self.employer_extra[i]),
            employer_contributions=_d(self.employer_contributions[i]), total_cost=_d(self.total_cost[i]))

    def _band_lines(self, i: int) -> tuple[BandLine, ...]:
        lines, lower = [], Decimal("0.00")
        for b, band in enumerate(self.pack.social_security.bands):
            lines.append(BandLine(lower, band.up_to, band.rate, _d(self.inss_band_base[i, b]),
                                  _d(self.inss_band_share[i, b])))
            lower = band.up_to or lower
        return tuple(lines)


def _d(cents: Any) -> Decimal:
    return from_cents(int(cents))


def _hours(hours: Hours, i: int) -> Decimal:
    return Decimal(int(hours.numerators[i])).scaleb(-hours.places)


def _take_input(data: PayrollInput, mask: npt.NDArray[np.bool_]) -> PayrollInput:
    keep = np.flatnonzero(mask)
    return replace(
        data, employee_id=tuple(data.employee_id[i] for i in keep), name=tuple(data.name[i] for i in keep),
        base_salary=data.base_salary[mask], bonus=data.bonus[mask],
        overtime_hours=Hours(data.overtime_hours.numerators[mask], data.overtime_hours.places),
        other_deductions=data.other_deductions[mask], dependents=data.dependents[mask],
        has_bank_account=data.has_bank_account[mask], rows=data.rows[mask])
