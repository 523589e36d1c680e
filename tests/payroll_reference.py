"""An independent per-employee Decimal reading of a payroll rules pack, written straight from
the pack file's wording (bands one by one, Decimal arithmetic, round_money where the file says):
the oracle the property tests hold the vectorised engine to, and the benchmark's baseline."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from engine.money import round_money
from engine.payroll_rules import PayrollPack

ZERO = Decimal(0)


def overtime(base: Decimal, hours: Decimal, multiplier: Decimal, monthly_hours: Decimal) -> Decimal:
    """base / monthly hours × multiplier × hours, rounded once (Fraction: 1/220 is not a Decimal)."""
    exact = Fraction(base) / Fraction(monthly_hours) * Fraction(multiplier) * Fraction(hours)
    cents = exact * 100
    whole = (abs(cents.numerator) * 2 + cents.denominator) // (2 * cents.denominator)
    return Decimal(-whole if cents < 0 else whole) / 100


def gross_to_net(pack: PayrollPack, gross: Decimal, dependents: int = 0,
                 other_deductions: Decimal = ZERO, employer_rate: Decimal = ZERO) -> dict[str, Decimal]:
    """One employee's figures, every one a Decimal rounded to cents."""
    inss_exact, lower = ZERO, ZERO
    for band in pack.social_security.bands:
        upper = gross if band.up_to is None else band.up_to
        if gross > lower:
            inss_exact += (min(gross, upper) - lower) * band.rate
        lower = upper
    inss = round_money(inss_exact)
    legal = inss + pack.deductions.per_dependent * dependents
    base = max(gross - max(legal, pack.deductions.simplified), ZERO)
    band = next(b for b in pack.income_tax.bands if b.up_to is None or base <= b.up_to)
    table_tax = max(round_money(base * band.rate - band.deduct), ZERO)
    reduction = ZERO
    r = pack.reduction
    if r is not None and gross <= r.full_up_to:
        reduction = min(r.full_amount, table_tax)
    elif r is not None and gross <= r.phase_out_up_to:
        reduction = min(max(round_money(r.constant - r.slope * gross), ZERO), table_tax)
    irrf = table_tax - reduction
    fgts = round_money(gross * pack.employer.rate)
    extra = round_money(gross * employer_rate)
    return {"inss": inss, "base": base, "table_tax": table_tax, "reduction": reduction, "irrf": irrf,
            "net": gross - inss - irrf - other_deductions, "fgts": fgts, "extra": extra}
