"""What runs inside LibreOffice: the formula functions' calls and the toolbar's buttons.

Imported by the extension's component (extension/backoffice_component.py) in LibreOffice's own
Python. Two entry points, neither of which ever raises:

- `call_function(name, args)`: a formula function of udfs/ on Calc's arguments. Calc hands a
  range as rows of values (floats, strings, "" for an empty cell) and an omitted optional
  argument as None; dates are serial numbers. The answer is always a rectangle of values
  (Calc shows its top-left cell, or all of it in a sized array formula).
- `run_button(tag, frame)`: the ribbon button `tag` on the frame's document, through the UNO
  Workbook adapter (workbooks/uno_calc.py); returns (title, message) for the message box.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

from addin.libreoffice.declarations import Function, declared_functions

Reply = tuple[str, str]
TITLE = "Back Office"
logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- formula functions


@cache
def _declared() -> dict[str, tuple[Function, Callable[..., Any]]]:
    table = {}
    for function in declared_functions():
        module = importlib.import_module(function.module)
        table[function.name] = (function, getattr(module, function.name))
    return table


def call_function(name: str, args: Sequence[Any]) -> tuple[tuple[Any, ...], ...]:
    """The function `name` of udfs/ on Calc's arguments, as a rectangle for Calc."""
    from udfs.guard import bo_error

    try:
        function, implementation = _declared()[name]
        values = [_argument(value, param.is_range) for value, param in zip(args, function.params,
                                                                          strict=False)]
        while values and values[-1] == "" and len(values) > _required(function):
            values.pop()  # an omitted optional argument: the function's own default
        return rectangle(implementation(*values))
    except Exception as exc:  # the guard catches the function's own errors; this is the rest
        logger.exception("%s failed in Calc", name)
        return ((bo_error(f"internal error ({type(exc).__name__}: {exc})"),),)


def _required(function: Function) -> int:
    return sum(1 for p in function.params if not p.optional)


def _argument(value: Any, is_range: bool) -> Any:
    """Calc's value as the Excel door hands it over: a range as a list of rows with None for
    empty cells; a single value as itself, "" for an omitted or empty one."""
    if is_range:
        if not isinstance(value, tuple | list):
            value = ((value,),)  # one value typed in the formula
        elif value and not isinstance(value[0], tuple | list):
            value = (value,)  # an inline array of one row
        rows = value
        return [[None if cell == "" else cell for cell in row] for row in rows]
    if value is None:
        return ""
    if isinstance(value, tuple) and len(value) == 1 and len(value[0]) == 1:  # a one-cell range
        return value[0][0]
    return value


def rectangle(result: Any) -> tuple[tuple[Any, ...], ...]:
    """A function's answer as rows of equal length, in types Calc takes."""
    rows = result if isinstance(result, list | tuple) else [[result]]
    rows = [row if isinstance(row, list | tuple) else [row] for row in rows] or [[None]]
    width = max(len(row) for row in rows) or 1
    return tuple(tuple(calc_value(row[c]) if c < len(row) else "" for c in range(width)) for row in rows)


CALC_EPOCH = datetime(1899, 12, 30)  # Calc's (and Excel's, after February 1900) day zero


def calc_value(value: Any) -> Any:
    """A Python value as a Calc cell value: numbers as floats, dates as serial numbers,
    blanks as empty text."""
    if value is None:
        return ""
    if isinstance(value, bool):  # Calc has no logical type: TRUE is 1 (shown as TRUE in Excel)
        return 1.0 if value else 0.0
    if isinstance(value, str | float):
        return value
    if isinstance(value, int | Decimal):
        return float(value)
    if isinstance(value, datetime):
        return (value - CALC_EPOCH).total_seconds() / 86400
    if isinstance(value, date):
        return float((value - CALC_EPOCH.date()).days)
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    return str(value)


# --------------------------------------------------------------------------- buttons


def run_button(tag: str, frame: Any) -> Reply:
    """Press the ribbon button `tag` on the document of `frame`; (title, message)."""
    from engine.errors import BackOfficeError

    try:
        press = buttons().get(tag)
        if press is None:
            return f"{TITLE}: not done", f'There is no Back Office button "{tag}".'
        if frame is None or frame.getController() is None:
            return f"{TITLE}: not done", "Open a workbook first."
        return press(frame.getController().getModel())
    except BackOfficeError as problem:
        return f"{TITLE}: not done", problem.message
    except Exception as bug:  # a bug: say so plainly, never a traceback box
        logger.exception("button %s failed in Calc", tag)
        return f"{TITLE}: internal error", f"{type(bug).__name__}: {bug}"


def buttons() -> dict[str, Callable[[Any], Reply]]:
    """Button tag -> what it does on an open Calc document (see addin.libreoffice.calc_jobs)."""
    from addin.libreoffice.calc_jobs import buttons as calc_buttons

    return calc_buttons()
