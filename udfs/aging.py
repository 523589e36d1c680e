"""Aging formula functions (xlwings UDFs, category "Back Office"), registered through
udfs.functions (the module Excel's xlwings configuration names).

    BO_AGING_BUCKET(due_date, [as_of], [buckets])     "Current", "1-30"... "120+"; a range spills
    BO_AGING(invoices, payments, [as_of], [buckets])  the per-party aging table, AR then AP

They run engine.aging exactly as `backoffice process invoices` will: the same buckets, matching,
cut-off and credit balances. BO_AGING reads each range (header row + data, Invoices and Payments
columns, English or Portuguese headers) the way BO_VALIDATE does; a range with an error (an
unreadable amount, a duplicate bill...) gives "#BO!" naming its first cell, since totals over
half-read data would mislead. Amounts stay in each invoice's currency (no FX Rates here), one
row per party and currency. `as_of` defaults to today: put TODAY() in it to age afresh every day
(the functions are not volatile).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import xlwings as xw

from engine.aging import DEFAULT_BUCKETS, age, bucket_of, parse_buckets
from engine.aging_inputs import invoices_from_table, payments_from_table
from engine.errors import BadArguments
from engine.fx import RateBook
from engine.issues import Severity
from engine.parsing import as_date, parse_date, serial_to_date
from engine.schema import INVOICES, PAYMENTS, SheetSpec
from engine.tables import Table
from engine.validation import validate
from udfs.args import TableArg, excel_error, read_range
from udfs.guard import bo_error, bo_guard
from workbooks.memory import EXCEL_ERRORS, cell_text, columns_to_grid
from workbooks.reading import read_table

CATEGORY = "Back Office"
_AS_OF_DOC = "Optional: the date to age at (default today; TODAY() recalculates daily)"
_BUCKETS_DOC = 'Optional: bucket limits in days, e.g. "30,60,90,120" (the default)'


@xw.func(category=CATEGORY)
@xw.arg("due_date", ndim=2, err_to_str=True, doc="A due date (date, serial or text) or a range of them")
@xw.arg("as_of", err_to_str=True, doc=_AS_OF_DOC)
@xw.arg("buckets", err_to_str=True, doc=_BUCKETS_DOC)
@xw.ret(expand=None)
@bo_guard
def BO_AGING_BUCKET(due_date: Any, as_of: Any = "", buckets: Any = "") -> Any:
    """Aging bucket of a due date: Current, 1-30, 31-60, 61-90, 91-120, 120+; a range gives a range."""
    day, limits = as_of_arg(as_of), buckets_arg(buckets)
    return [[_bucket_cell(value, day, limits) for value in row] for row in due_date]


def _bucket_cell(value: Any, day: date, limits: tuple[int, ...]) -> Any:
    """One cell's bucket, blank for a blank cell, "#BO!" when it is not a date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        due = date_value("due_date", value)
    except BadArguments as problem:
        return bo_error(problem.message)
    return bucket_of((day - due).days, limits)


@xw.func(category=CATEGORY)
@xw.arg("invoices", TableArg, ndim=2, err_to_str=True,
        doc="The Invoices range: header row (Invoice No, Type, Party, Issue Date, Due Date, Amount...) "
            "and rows")
@xw.arg("payments", TableArg, ndim=2, err_to_str=True,
        doc="The Payments range: header row (Payment Date, Type, Party, Invoice No, Amount) and rows")
@xw.arg("as_of", err_to_str=True, doc=_AS_OF_DOC)
@xw.arg("buckets", err_to_str=True, doc=_BUCKETS_DOC)
@xw.ret(expand=None)
@bo_guard
def BO_AGING(invoices: Any, payments: Any, as_of: Any = "", buckets: Any = "") -> Any:
    """Outstanding per party and currency by aging bucket (AR then AP), with totals rows."""
    day, limits = as_of_arg(as_of), buckets_arg(buckets)
    invoice_table, payment_table = range_table(invoices, INVOICES), range_table(payments, PAYMENTS)
    result = age(invoices_from_table(invoice_table, ""), payments_from_table(payment_table), day,
                 RateBook(""), limits)
    header: list[Any] = ["Type", *result.in_currency["AR"].header(with_currency=True)]
    rows: list[list[Any]] = [header]
    for kind in ("AR", "AP"):
        for row in result.in_currency[kind].rows(with_currency=True):
            rows.append([kind, *(float(v) if isinstance(v, Decimal) else v or None for v in row)])
    return rows


def range_table(value: Any, spec: SheetSpec) -> Table:
    """A range argument read as BO_VALIDATE reads it; its first error refuses the whole call."""
    cells = read_range(value)
    if cells.height == 1 and cells.width == 1 and excel_error(cells.columns[0][0]):
        raise BadArguments(f"{spec.name.lower()} shows the Excel error {excel_error(cells.columns[0][0])}")
    grid = columns_to_grid(spec.name, cells.columns, 1, 1, None, EXCEL_ERRORS, cells.kinds)
    table = read_table(grid, spec)
    found = table.issues + validate({spec.name: table}, {}, {}, other_sheets=False)
    errors = [i for i in found if i.severity is Severity.ERROR]
    if errors:
        more = f" (and {len(errors) - 1} more; BO_VALIDATE lists them)" if len(errors) > 1 else ""
        raise BadArguments(f"{spec.name} {errors[0].cell}: {errors[0].message}{more}")
    return table


def as_of_arg(value: Any) -> date:
    """The as-of date: a date, an Excel serial or text; blank or omitted: today."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return date.today()
    return date_value("as_of", value)


def date_value(name: str, value: Any) -> date:
    """A cell as a date (date, serial, "31/10/2026", "2026-10-31"), or BadArguments saying why not."""
    error = excel_error(value)
    if error:
        raise BadArguments(f"{name} shows the Excel error {error}")
    if isinstance(value, datetime | date):
        return as_date(value)
    if isinstance(value, bool):
        raise BadArguments(f"{name} is a logical value, not a date")
    if isinstance(value, int | float | Decimal | np.number):
        parsed = serial_to_date(float(value))
    else:
        parsed = parse_date(str(value))
    if parsed is None:
        raise BadArguments(f'{name} "{cell_text(value)}" is not a date; type dd/mm/yyyy or yyyy-mm-dd')
    return parsed


def buckets_arg(value: Any) -> tuple[int, ...]:
    """Bucket limits: "30,60,90,120" (the default when blank) or one number such as 30."""
    if value is None:
        return DEFAULT_BUCKETS
    error = excel_error(value)
    if error:
        raise BadArguments(f"buckets shows the Excel error {error}")
    text = cell_text(value) or ""
    limits = parse_buckets(text)
    if limits is None:
        raise BadArguments(f'buckets "{text}" are not increasing whole numbers of days such as 30,60,90,120')
    return limits
