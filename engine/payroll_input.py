"""What the payroll engine takes: the employees of one period as exact columns. (The Config
values it needs come typed from engine.settings.Settings, the one place Config is parsed.)

`PayrollInput` holds integer cents (int64) and exact overtime hours; `payroll_input_from_table`
builds it from the Payroll sheet as read (engine.tables.Table, indexed by Excel row), keeping the
rows of the period that validation did not reject, and `payroll_input` from plain columns (the
formula functions, tests, benchmarks). Every amount goes through engine.money.to_decimal, so a
column of floats (what reading gives today) or of Decimals gives the same cents.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from engine.errors import BadArguments
from engine.issues import Issue
from engine.money import Int64Array, to_cents, to_decimal
from engine.tables import Table

Value = Decimal | int | float | str | None
INT64_SAFE = 2**61  # a product below this cannot overflow int64, even doubled in rounding
MAX_CENTS = 10**11  # 1 billion per amount: every product with a 10^6 rate stays below INT64_SAFE
MAX_DEPENDENTS = 10**6


@dataclass(frozen=True)
class Hours:
    """Exact hours: `numerators` / 10**`places`. An int64 array, or an object array of Python
    ints when the digits typed would overflow int64 products (exact either way)."""

    numerators: npt.NDArray[Any]
    places: int


def exact_hours(values: Iterable[Decimal]) -> Hours:
    """Decimals as integer numerators over a common power of ten."""
    decimals = list(values)
    places = max((_places(v) for v in decimals), default=0)
    numerators = [int(v.scaleb(places)) for v in decimals]
    big = any(abs(n) >= 2**31 for n in numerators)
    return Hours(np.array(numerators, dtype=object if big else np.int64), places)


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@dataclass(frozen=True)
class PayrollInput:
    """The employees to pay, column by column (position i is one employee)."""

    employee_id: tuple[str, ...]
    name: tuple[str, ...]
    base_salary: Int64Array  # cents
    overtime_hours: Hours
    bonus: Int64Array  # cents
    other_deductions: Int64Array  # cents
    dependents: Int64Array
    has_bank_account: npt.NDArray[np.bool_]
    rows: Int64Array  # Excel row of each employee (0 when not from a sheet)
    sheet: str = "Payroll"
    letters: Mapping[str, str] = field(default_factory=dict)  # column -> sheet column letter

    def __len__(self) -> int:
        return len(self.employee_id)

    def cell(self, column: str, index: int) -> str:
        """The source cell of employee `index`'s value in `column` (Employee ID's cell when the
        sheet has no such column)."""
        letter = self.letters.get(column) or self.letters.get("Employee ID", "A")
        return f"{letter}{int(self.rows[index])}"


@dataclass(frozen=True)
class Where:
    """Where the input came from, to name a cell in an error."""

    sheet: str
    letters: dict[str, str]
    rows: list[int]

    def cell(self, column: str, index: int) -> str:
        """`Payroll!D7`, or "employee 3" when the values did not come from a sheet."""
        if not self.rows[index]:
            return f"employee {index + 1}"
        letter = self.letters.get(column) or self.letters.get("Employee ID", "A")
        return f"{self.sheet}!{letter}{self.rows[index]}"


def _cents(values: Iterable[Value], column: str, where: Where) -> Int64Array:
    """Amounts as cents; one above MAX_CENTS (a billion) is refused, naming its cell, rather
    than risking an int64 overflow."""
    out = [0 if _blank(v) else to_cents(to_decimal(v)) for v in values]  # type: ignore[arg-type]
    _bounded(out, MAX_CENTS, column, where)
    return np.array(out, dtype=np.int64)


def _whole(values: Iterable[Value], where: Where) -> Int64Array:
    out = [0 if _blank(v) else int(to_decimal(v)) for v in values]  # type: ignore[arg-type]
    _bounded(out, MAX_DEPENDENTS, "Dependents", where)
    return np.array(out, dtype=np.int64)


def _bounded(values: list[int], limit: int, column: str, where: Where) -> None:
    for index, value in enumerate(values):
        if abs(value) > limit:
            raise BadArguments(f"{where.cell(column, index)}: {column} is beyond what payroll computes")


def _blank(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | Decimal):
        return value != value  # NaN
    return isinstance(value, str) and not value.strip()


def payroll_input(employee_id: Sequence[str], base_salary: Sequence[Value], *,
                  overtime_hours: Sequence[Value] | None = None, bonus: Sequence[Value] | None = None,
                  other_deductions: Sequence[Value] | None = None,
                  dependents: Sequence[Value] | None = None, name: Sequence[str] | None = None,
                  bank_account: Sequence[object] | None = None, rows: Sequence[int] | None = None,
                  sheet: str = "Payroll", letters: Mapping[str, str] | None = None) -> PayrollInput:
    """An input from plain columns (amounts as Decimal, int, float or text; blank = 0)."""
    n = len(employee_id)
    blanks: list[Value] = [None] * n
    where = Where(sheet, dict(letters or {}), list(rows) if rows is not None else [0] * n)
    amounts = {column: _cents(values or blanks, column, where) for column, values in
               (("Base Salary", base_salary), ("Bonus", bonus), ("Other Deductions", other_deductions))}
    hours = [Decimal(0) if _blank(v) else to_decimal(v) for v in (overtime_hours or blanks)]  # type: ignore[arg-type]
    return PayrollInput(
        employee_id=tuple(str(e) for e in employee_id), name=tuple(name or [""] * n),
        base_salary=amounts["Base Salary"], overtime_hours=exact_hours(hours),
        bonus=amounts["Bonus"], other_deductions=amounts["Other Deductions"],
        dependents=_whole(dependents or blanks, where),
        has_bank_account=np.array([not _blank(v) for v in bank_account] if bank_account is not None
                                  else [True] * n, dtype=np.bool_),
        rows=np.array(where.rows, dtype=np.int64), sheet=sheet, letters=where.letters)


def payroll_input_from_table(table: Table, period: str,
                             blocked_rows: Collection[int] = ()) -> PayrollInput:
    """The employees of `period` on the Payroll sheet, less the rows in `blocked_rows` (rows
    with an error issue: validation already reported them) and rows without an Employee ID or
    a Base Salary. A missing optional column counts as blank (0; no bank account)."""
    frame = table.frame
    keep = pd.Series(True, index=frame.index)
    for column in ("Employee ID", "Base Salary"):
        keep &= frame[column].notna() if column in frame else False
    if "Period" in frame:
        keep &= frame["Period"] == period
    if blocked_rows:
        keep &= ~frame.index.isin(list(blocked_rows))
    kept = frame[keep.to_numpy(dtype=bool)]

    def values(name: str) -> list[Any] | None:
        return kept[name].tolist() if name in kept else None

    return payroll_input(
        [str(v) for v in kept["Employee ID"]] if len(kept) else [],
        values("Base Salary") or [], overtime_hours=values("Overtime Hours"), bonus=values("Bonus"),
        other_deductions=values("Other Deductions"), dependents=values("Dependents"),
        name=["" if _blank(v) else str(v) for v in values("Name") or [None] * len(kept)],
        bank_account=values("Bank Account") or [None] * len(kept),
        rows=[int(r) for r in kept.index], sheet=table.sheet, letters=table.letters)


def error_rows(issues: Iterable[Issue], sheet: str) -> set[int]:
    """The rows of `sheet` that have an error issue (they are not paid)."""
    return {i.row for i in issues if i.sheet == sheet and i.row is not None and i.severity == "error"}
