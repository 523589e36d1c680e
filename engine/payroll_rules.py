"""Payroll rules packs: the tax tables as validated data, and their exact integer form.

A pack (BR-2026 is shipped as engine/packs/br_2026.json) holds the social-security bands, the
income-tax table (rate and amount to deduct per band), the per-dependent deduction, the
simplified discount, the monthly reduction and the employer's FGTS rate, each with its source.
A 2027 pack is a new data file: `parse_pack` validates it when it is loaded (bands increasing,
rates between 0 and 1, only the last band open, a ceiling only where one makes sense) and a
malformed pack is a `PackError` naming what is wrong.

The engine computes in integer cents. `pack_integers` turns a pack into int64 arrays once:
amounts in cents, rates as numerators over RATE_SCALE (10^6: the reduction's 0.133145 is
133145/10^6 exactly), the income tax's amount to deduct in cents × RATE_SCALE (a deduction
derived from progressive bands, in tables mode, may have fractions of a cent, kept exactly).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from itertools import pairwise

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from engine.errors import BackOfficeError
from engine.money import Int64Array

RATE_DIGITS = 6
RATE_SCALE = 10**RATE_DIGITS  # rates are integer numerators over this
BEYOND = 10**12  # cents: above any gross the engine computes (3 × engine.payroll_input.MAX_CENTS)
OPEN = BEYOND  # the upper bound of an open band
PACK_FILES = {"BR-2026": "br_2026.json"}


class PackError(BackOfficeError):
    """A rules pack that is not valid data (the message says which field and why)."""

    exit_code = 2


def decimal_places(value: Decimal) -> int:
    """How many decimal places a Decimal needs (2.50 -> 1, 3 -> 0)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 99


def _check_amount(value: Decimal, what: str, places: int = 2) -> Decimal:
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be an amount of 0 or more (found {value})")
    if decimal_places(value) > places:
        raise ValueError(f"{what} has more than {places} decimal places (found {value})")
    return value


def _check_rate(value: Decimal, what: str = "rate") -> Decimal:
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(1):
        raise ValueError(f"{what} must be between 0 and 1 (found {value})")
    if decimal_places(value) > RATE_DIGITS:
        raise ValueError(f"{what} has more than {RATE_DIGITS} decimal places (found {value})")
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Band(_Frozen):
    """One band: the rate applies up to `up_to` (None: no upper bound); `deduct` is the income
    tax table's amount to deduct (0 for social security)."""

    up_to: Decimal | None = None
    rate: Decimal
    deduct: Decimal = Decimal(0)

    @field_validator("up_to")
    @classmethod
    def _up_to(cls, value: Decimal | None) -> Decimal | None:
        return None if value is None else _check_amount(value, "up_to")

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: Decimal) -> Decimal:
        return _check_rate(value)

    @field_validator("deduct")
    @classmethod
    def _deduct(cls, value: Decimal) -> Decimal:
        # May be negative: bands derived from a table whose rates fall (tables mode).
        return -_check_amount(-value, "deduct", 2 + RATE_DIGITS) if value < 0 else \
            _check_amount(value, "deduct", 2 + RATE_DIGITS)


class BandTable(_Frozen):
    """Progressive bands in increasing order. `capped`: nothing is due above the last band's
    upper bound (the INSS ceiling); otherwise the last band is open (no upper bound)."""

    name: str
    source: str
    bands: tuple[Band, ...]
    capped: bool = False

    @model_validator(mode="after")
    def _shape(self) -> BandTable:
        if not self.bands:
            raise ValueError(f"{self.name}: no bands")
        bounds = [band.up_to for band in self.bands]
        if any(bound is None for bound in bounds[:-1]):
            raise ValueError(f"{self.name}: only the last band may have no upper bound")
        if self.capped and bounds[-1] is None:
            raise ValueError(f"{self.name}: a capped table needs the last band's upper bound (the ceiling)")
        if not self.capped and bounds[-1] is not None:
            raise ValueError(f"{self.name}: the last band must be open (no up_to) unless the table is capped")
        closed = [bound for bound in bounds if bound is not None]
        for lower, upper in pairwise(closed):
            if upper <= lower:
                raise ValueError(f"{self.name}: bands not increasing ({upper} after {lower})")
        if closed and closed[0] <= 0:
            raise ValueError(f"{self.name}: the first band's up_to must be above 0")
        return self


class Deductions(_Frozen):
    """Income-tax deductions: per dependent, and the simplified discount (0: none)."""

    source: str
    per_dependent: Decimal
    simplified: Decimal = Decimal(0)

    @field_validator("per_dependent", "simplified")
    @classmethod
    def _amounts(cls, value: Decimal) -> Decimal:
        return _check_amount(value, "deduction")


class Reduction(_Frozen):
    """A monthly income-tax reduction measured on gross taxable income (Lei 15.270/2025 art.
    3º-A): up to `full_amount` for income <= `full_up_to`; `constant - slope × income` up to
    `phase_out_up_to`; none above. Never below 0 nor above the table tax."""

    source: str
    full_up_to: Decimal
    full_amount: Decimal
    phase_out_up_to: Decimal
    constant: Decimal
    slope: Decimal

    @field_validator("full_up_to", "full_amount", "phase_out_up_to", "constant")
    @classmethod
    def _amounts(cls, value: Decimal) -> Decimal:
        return _check_amount(value, "reduction amount")

    @field_validator("slope")
    @classmethod
    def _slope(cls, value: Decimal) -> Decimal:
        return _check_rate(value, "slope")

    @model_validator(mode="after")
    def _order(self) -> Reduction:
        if self.phase_out_up_to <= self.full_up_to:
            raise ValueError("reduction: phase_out_up_to must be above full_up_to")
        return self


class EmployerCost(_Frozen):
    """An employer cost on gross pay (FGTS), not deducted from the employee."""

    source: str
    rate: Decimal

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: Decimal) -> Decimal:
        return _check_rate(value)


class PayrollPack(_Frozen):
    """A complete set of payroll rules for one country and period of validity."""

    name: str
    country: str = ""
    valid_from: date | None = None
    social_security: BandTable
    income_tax: BandTable
    deductions: Deductions
    reduction: Reduction | None = None
    employer: EmployerCost

    @model_validator(mode="after")
    def _income_tax_open(self) -> PayrollPack:
        if self.income_tax.capped:
            raise ValueError("income_tax: the last band must be open (income tax has no ceiling)")
        return self


def parse_pack(text: str | bytes, origin: str = "pack") -> PayrollPack:
    """A pack from its JSON text, validated; a `PackError` saying what is wrong otherwise."""
    try:
        return PayrollPack.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise PackError(f"payroll rules {origin} is not valid JSON: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'pack'}: {e['msg']}" for e in exc.errors())
        raise PackError(f"payroll rules {origin} is not valid: {problems}") from None


@lru_cache(maxsize=4)
def load_pack(name: str = "BR-2026") -> PayrollPack:
    """A pack shipped with the engine (package data, read like a module constant)."""
    if name not in PACK_FILES:
        raise PackError(f'no payroll rules pack "{name}"; the packs are {", ".join(PACK_FILES)}')
    text = resources.files("engine.packs").joinpath(PACK_FILES[name]).read_bytes()
    return parse_pack(text, PACK_FILES[name])


# --------------------------------------------------------------------------- integer form


@dataclass(frozen=True)
class PackIntegers:
    """A pack as the engine computes with it: cents, and rates over RATE_SCALE."""

    ss_lower: Int64Array  # each social-security band's lower bound, cents
    ss_upper: Int64Array  # its upper bound, cents (OPEN when it has none)
    ss_rate: Int64Array
    it_upper: Int64Array  # income-tax bands' upper bounds, cents (OPEN for the last)
    it_rate: Int64Array
    it_deduct: Int64Array  # amount to deduct, cents × RATE_SCALE
    per_dependent: int
    simplified: int
    reduction: tuple[int, int, int, int, int] | None  # full_up_to, full_amount, phase_out_up_to,
    # constant (cents), slope (over RATE_SCALE)
    employer_rate: int


def cents(amount: Decimal) -> int:
    """An amount with at most 2 places as exact integer cents (the pack validated the places).
    Bounds beyond BEYOND are cut to it: no pay reaches them (inputs stop at a billion), so the
    results are the same and every product stays inside int64."""
    return min(int(amount * 100), BEYOND)


def rate_units(rate: Decimal) -> int:
    """A rate with at most RATE_DIGITS places as its numerator over RATE_SCALE, exactly."""
    return int(rate * RATE_SCALE)


def _array(values: list[int]) -> Int64Array:
    return np.array(values, dtype=np.int64)


@lru_cache(maxsize=16)
def pack_integers(pack: PayrollPack) -> PackIntegers:
    """The pack's integer form (cached: a pack is immutable)."""
    ss_upper = [OPEN if b.up_to is None else cents(b.up_to) for b in pack.social_security.bands]
    it_upper = [OPEN if b.up_to is None else cents(b.up_to) for b in pack.income_tax.bands]
    reduction = None
    if pack.reduction is not None:
        r = pack.reduction
        reduction = (cents(r.full_up_to), cents(r.full_amount), cents(r.phase_out_up_to),
                     cents(r.constant), rate_units(r.slope))
    return PackIntegers(
        ss_lower=_array([0, *ss_upper[:-1]]), ss_upper=_array(ss_upper),
        ss_rate=_array([rate_units(b.rate) for b in pack.social_security.bands]),
        it_upper=_array(it_upper), it_rate=_array([rate_units(b.rate) for b in pack.income_tax.bands]),
        it_deduct=_array([max(-BEYOND * RATE_SCALE, min(int(b.deduct * 100 * RATE_SCALE),
                                                        BEYOND * RATE_SCALE))
                          for b in pack.income_tax.bands]),
        per_dependent=cents(pack.deductions.per_dependent), simplified=cents(pack.deductions.simplified),
        reduction=reduction, employer_rate=rate_units(pack.employer.rate))
