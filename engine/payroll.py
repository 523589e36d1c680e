"""Gross-to-net payroll: every employee at once, in exact integer cents.

Vectorised over int64 cents with integer-only arithmetic (rates are numerators over
RATE_SCALE = 10^6), rounding half-up (engine.money.div_round_half_up) exactly where the rules
pack says, and nowhere else:

- overtime pay = Base Salary / Monthly Hours × Overtime Multiplier × Overtime Hours, computed as
  one exact fraction and rounded once, at the end, to cents;
- gross = base + overtime + bonus (the bonus is taxable);
- social security (INSS): each band's rate on the part of gross inside the band, nothing above a
  capped table's ceiling; the bands summed exactly and rounded once;
- income tax (IRRF): base = gross − max(INSS + per-dependent × dependents, simplified discount),
  never below 0; table tax = round(base × rate − amount to deduct) of the base's band, not below
  0; the monthly reduction (measured on gross) rounded, kept between 0 and the table tax;
  withheld = table tax − reduction;
- net pay = gross − INSS − IRRF − other deductions (other deductions reduce net pay only);
- employer: FGTS = round(gross × FGTS rate) and round(gross × Config Employer Contribution Rate).

The Config values (Overtime Multiplier, Monthly Hours, Employer Contribution Rate, Minimum Wage)
come as engine.settings.Settings, typed and checked once when Config is read.

`gross_to_net` computes; `check_payroll` gives the payroll issues; `run_payroll` does both and
leaves out employees whose net pay would be negative (an error at their row). `payslip_for` is
the one-employee door (the formula functions): it runs the same vectorised code on one row.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from engine.errors import BadArguments
from engine.issues import Issue
from engine.money import Int64Array, div_round_half_up, round_money
from engine.payroll_input import INT64_SAFE, MAX_CENTS, Hours, PayrollInput, payroll_input
from engine.payroll_result import PayrollResult
from engine.payroll_rules import RATE_SCALE, PackIntegers, PayrollPack, load_pack, pack_integers
from engine.rules import rule
from engine.settings import Settings

__all__ = ["PayrollResult", "check_payroll", "gross_to_net", "payslip_for", "run_payroll"]


def overtime_pay(base: Int64Array, hours: Hours, settings: Settings) -> Int64Array:
    """round_half_up(base × multiplier × hours / monthly hours), in cents, one rounding at the
    end of the exact product. In int64 when no product can overflow, else in Python ints."""
    factor = (Fraction(settings.overtime_multiplier) / Fraction(settings.monthly_hours)
              / 10**hours.places)
    p, q = factor.numerator, factor.denominator
    numerators: npt.NDArray[Any] = hours.numerators
    peak = int(np.abs(base).max(initial=0)) * int(np.abs(numerators).max(initial=0)) * p
    if numerators.dtype != object and peak < INT64_SAFE and q < INT64_SAFE:
        pay = div_round_half_up(base * numerators * p, q)
        if not pay.size or int(np.abs(pay).max()) <= MAX_CENTS:
            return pay
    exact = [_round_half_up(int(b) * int(h) * p, q) for b, h in zip(base, numerators, strict=True)]
    for index, value in enumerate(exact):
        if abs(value) > MAX_CENTS:  # refused rather than risking an int64 overflow further on
            raise BadArguments(f"the overtime pay of employee {index + 1} is beyond what payroll "
                               "computes; check Overtime Hours, Overtime Multiplier and Monthly Hours")
    return np.array(exact, dtype=np.int64)


def _round_half_up(numerator: int, denominator: int) -> int:
    magnitude = (abs(numerator) * 2 + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude


def social_security(gross: Int64Array, ints: PackIntegers) -> tuple[Int64Array, Int64Array, Int64Array]:
    """(contribution, each band's base, each band's share) in cents. The contribution is the
    exact sum of the bands rounded once; the shares are the exact band amounts rounded so they
    add up to it (largest remainder), for the payslip's band-by-band lines."""
    band_base = np.clip(gross[:, None], ints.ss_lower, ints.ss_upper) - ints.ss_lower
    exact = band_base * ints.ss_rate  # cents × RATE_SCALE
    total = div_round_half_up(exact.sum(axis=1), RATE_SCALE)
    floors, remainders = np.divmod(exact, RATE_SCALE)
    short = total - floors.sum(axis=1)  # 0..bands: cents the floors leave out
    shares = floors + (_ranks(remainders) < short[:, None])
    return total, band_base, shares.astype(np.int64)


def _ranks(values: Int64Array) -> Int64Array:
    """Each column's rank within its row, largest first, ties to the left column: a few
    comparisons per pair of bands (tables have a handful), cheaper than sorting every row."""
    bands = values.shape[1]
    ranks = np.zeros_like(values)
    for j in range(bands):
        for i in range(bands):
            if i != j:
                before = values[:, i] >= values[:, j] if i < j else values[:, i] > values[:, j]
                ranks[:, j] += before
    return ranks


def income_tax(gross: Int64Array, inss: Int64Array, dependents: Int64Array,
               ints: PackIntegers) -> dict[str, Int64Array]:
    """The IRRF figures: deductions, simplified (1 when the simplified discount was used), base,
    band (index into the pack's income_tax bands), table_tax, reduction, irrf."""
    legal = inss + ints.per_dependent * dependents
    deductions = np.maximum(legal, ints.simplified)
    base = np.maximum(gross - deductions, 0)
    band = np.searchsorted(ints.it_upper, base, side="left")  # "up to" bounds are inclusive
    table_tax = np.maximum(div_round_half_up(base * ints.it_rate[band] - ints.it_deduct[band],
                                             RATE_SCALE), 0)
    reduction = tax_reduction(gross, table_tax, ints)
    return {"deductions": deductions, "simplified": (ints.simplified > legal).astype(np.int64),
            "base": base, "band": band.astype(np.int64), "table_tax": table_tax,
            "reduction": reduction, "irrf": table_tax - reduction}


def tax_reduction(gross: Int64Array, table_tax: Int64Array, ints: PackIntegers) -> Int64Array:
    """The monthly reduction measured on gross: up to the full amount at or below the first
    limit, round(constant − slope × gross) up to the second, none above; within [0, tax]."""
    if ints.reduction is None:
        return np.zeros_like(gross)
    full_up_to, full_amount, phase_out_up_to, constant, slope = ints.reduction
    linear = div_round_half_up(constant * RATE_SCALE - slope * gross, RATE_SCALE)
    reduction = np.where(gross <= full_up_to, full_amount,
                         np.where(gross <= phase_out_up_to, linear, 0))
    return np.clip(reduction, 0, table_tax).astype(np.int64)


def gross_to_net(data: PayrollInput, pack: PayrollPack,
                 settings: Settings | None = None) -> PayrollResult:
    """Every employee of `data` from gross to net under `pack` (no checks, no rows left out)."""
    settings = settings or Settings()
    ints = pack_integers(pack)
    overtime = overtime_pay(data.base_salary, data.overtime_hours, settings)
    gross = data.base_salary + overtime + data.bonus
    inss, band_base, band_share = social_security(gross, ints)
    tax = income_tax(gross, inss, data.dependents, ints)
    net = gross - inss - tax["irrf"] - data.other_deductions
    fgts = div_round_half_up(gross * ints.employer_rate, RATE_SCALE)
    extra = times_rate(gross, settings.employer_contribution_rate)
    return PayrollResult(
        pack=pack, data=data, overtime_pay=overtime, gross=gross, inss=inss,
        inss_band_base=band_base, inss_band_share=band_share, irrf_deductions=tax["deductions"],
        simplified=tax["simplified"].astype(np.bool_), irrf_base=tax["base"], irrf_band=tax["band"],
        table_tax=tax["table_tax"], reduction=tax["reduction"], irrf=tax["irrf"], net_pay=net,
        fgts=fgts, employer_extra=extra)


def times_rate(amounts: Int64Array, rate: Decimal) -> Int64Array:
    """round_half_up(amount × rate) in cents, exact for a rate with any number of decimal places
    (Config takes what is typed): int64 when no product can overflow, else Python ints."""
    numerator, denominator = Fraction(rate).as_integer_ratio()
    peak = int(np.abs(amounts).max(initial=0)) * abs(numerator)
    if peak < INT64_SAFE and denominator < INT64_SAFE:
        return div_round_half_up(amounts * numerator, denominator)
    return np.array([_round_half_up(int(a) * numerator, denominator) for a in amounts], dtype=np.int64)


# --------------------------------------------------------------------------- checks


def check_payroll(data: PayrollInput, result: PayrollResult, settings: Settings,
                  locale: str = "en") -> list[Issue]:
    """Payroll's own checks (validation already reports the period, repeated employees and tax
    ids): no bank account and salary below the minimum wage (warnings), negative net pay (error)."""
    issues: list[Issue] = []
    issues += _flag(data, "payroll.no_bank_account", "Bank Account", ~data.has_bank_account, locale,
                    lambda i: data.employee_id[i])
    if settings.minimum_wage is not None:
        # whole cents below the exact wage (one typed with 3 places still counts exactly)
        floor = math.ceil(Fraction(settings.minimum_wage) * 100)
        issues += _flag(data, "payroll.below_minimum_wage", "Base Salary", data.base_salary < floor,
                        locale, lambda i: _money(int(data.base_salary[i])),
                        str(round_money(settings.minimum_wage)))
    issues += _flag(data, "payroll.negative_net_pay", "Other Deductions", result.net_pay < 0, locale,
                    lambda i: _money(int(result.net_pay[i])))
    return issues


def _flag(data: PayrollInput, rule_id: str, column: str, mask: npt.NDArray[np.bool_], locale: str,
          value: Any, detail: str = "") -> list[Issue]:
    the_rule = rule(rule_id)
    out = []
    for i in np.flatnonzero(mask):
        shown = value(int(i))
        out.append(Issue(data.sheet, data.cell(column, int(i)), int(data.rows[i]) or None, column,
                         rule_id, the_rule.severity,
                         the_rule.message(locale, column=column, value=shown, detail=detail), shown))
    return out


def _money(cents: int) -> str:
    """Cents as the plain amount a message shows: -1234.5 -> "-1234.50"."""
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def run_payroll(data: PayrollInput, pack: PayrollPack, settings: Settings | None = None,
                locale: str = "en") -> tuple[PayrollResult, list[Issue]]:
    """Gross-to-net with the payroll checks; employees whose net pay would be negative are
    left out of the result (an error at their row), so totals cover what will be paid."""
    settings = settings or Settings()
    result = gross_to_net(data, pack, settings)
    issues = check_payroll(data, result, settings, locale)
    negative = result.net_pay < 0
    return (result.take(~negative) if negative.any() else result), issues


def payslip_for(gross: Decimal | int | str, dependents: int = 0, other_deductions: Decimal | int = 0,
                pack: PayrollPack | None = None) -> PayrollResult:
    """One employee whose gross is all base salary (no overtime, no bonus), through the same
    vectorised code: result.payslip(0) has every figure."""
    data = payroll_input(["1"], [gross], dependents=[dependents], other_deductions=[other_deductions])
    return gross_to_net(data, pack or load_pack("BR-2026"))
