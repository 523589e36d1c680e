"""Payroll formula functions (BR-2026 rules pack): one gross amount in, the breakdown as a row.

    BO_INSS(gross)                   [INSS]
    BO_IRRF(gross, [dependents])     [IRRF base, table tax, reduction, IRRF withheld]
    BO_NET_PAY(gross, [dependents])  [gross, INSS, IRRF withheld, net pay]

The gross is taken as the month's taxable pay (salary, overtime and bonus together). Each runs
the payroll engine's own code on one employee (engine.payroll.payslip_for), so a cell agrees
with the Payroll Register to the cent. Excel's xlwings imports them through udfs.functions (the
one UDF module the add-in names). A blank gross gives a blank row; a wrong argument "#BO! ...".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import xlwings as xw

from engine.errors import BadArguments
from engine.money import to_decimal
from engine.parsing import parse_number
from engine.payroll import payslip_for
from engine.payroll_result import Payslip
from udfs.args import excel_error
from udfs.guard import bo_guard

CATEGORY = "Back Office"  # as udfs.functions.CATEGORY (that module imports this one)
_GROSS_DOC = "The month's gross taxable pay (salary + overtime + bonus), e.g. 5000"
_DEPENDENTS_DOC = "Optional: number of dependents for income tax (default 0)"


def gross_arg(value: Any) -> Decimal | None:
    """The gross as an exact amount (None when blank); text like "5000.50" is read too."""
    error = excel_error(value)
    if error:
        raise BadArguments(f"gross shows the Excel error {error}")
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise BadArguments("gross is a logical value, not an amount")
    if isinstance(value, str):
        parsed = parse_number(value, "en")
        if parsed is None:
            raise BadArguments(f'gross "{value}" is not an amount')
        value = parsed
    if not isinstance(value, int | float | Decimal):
        raise BadArguments(f"gross {value} is not an amount")
    amount = to_decimal(value)
    if not amount.is_finite() or amount < 0:
        raise BadArguments(f"gross must be an amount of 0 or more (found {value})")
    if amount > 10**9:
        raise BadArguments(f"gross {amount:,.2f} is beyond what payroll computes (up to 1,000,000,000.00)")
    return amount


def dependents_arg(value: Any) -> int:
    """A whole number of dependents, 0 when blank or omitted."""
    error = excel_error(value)
    if error:
        raise BadArguments(f"dependents shows the Excel error {error}")
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    number = parse_number(value, "en") if isinstance(value, str) else value
    if isinstance(number, bool) or not isinstance(number, int | float | Decimal) or number != number:
        raise BadArguments(f'dependents "{value}" is not a number')
    amount = to_decimal(number)
    if amount < 0 or amount != amount.to_integral_value() or amount > 10**6:
        raise BadArguments(f"dependents must be a whole number of 0 or more (found {value})")
    return int(amount)


def _slip(gross: Any, dependents: Any = "") -> Payslip | None:
    amount, count = gross_arg(gross), dependents_arg(dependents)
    return None if amount is None else payslip_for(amount, count).payslip(0)


def _row(*amounts: Decimal) -> list[list[Any]]:
    return [[float(a) for a in amounts]]


@xw.func(category=CATEGORY)
@xw.arg("gross", err_to_str=True, doc=_GROSS_DOC)
@xw.ret(expand=None)
@bo_guard
def BO_INSS(gross: Any) -> Any:
    """INSS employee contribution (BR-2026 bands, ceiling 8,475.55) on a month's gross pay."""
    slip = _slip(gross)
    return [[None]] if slip is None else _row(slip.social_security)


@xw.func(category=CATEGORY)
@xw.arg("gross", err_to_str=True, doc=_GROSS_DOC)
@xw.arg("dependents", err_to_str=True, doc=_DEPENDENTS_DOC)
@xw.ret(expand=None)
@bo_guard
def BO_IRRF(gross: Any, dependents: Any = "") -> Any:
    """IRRF row (BR-2026): taxable base, table tax, Lei 15.270 reduction, tax withheld."""
    slip = _slip(gross, dependents)
    if slip is None:
        return [[None] * 4]
    return _row(slip.income_tax_base, slip.table_tax, slip.reduction, slip.income_tax)


@xw.func(category=CATEGORY)
@xw.arg("gross", err_to_str=True, doc=_GROSS_DOC)
@xw.arg("dependents", err_to_str=True, doc=_DEPENDENTS_DOC)
@xw.ret(expand=None)
@bo_guard
def BO_NET_PAY(gross: Any, dependents: Any = "") -> Any:
    """Net pay row (BR-2026): gross, INSS, IRRF withheld, net pay."""
    slip = _slip(gross, dependents)
    if slip is None:
        return [[None] * 4]
    return _row(slip.gross, slip.social_security, slip.income_tax, slip.net_pay)
