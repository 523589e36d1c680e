"""What Excel hands a UDF, made plain: range arguments, error cells, optional text arguments, a
top-left address.

A whole-range argument (BO_VALIDATE's table) is read by `TableArg`, our xlwings converter: it
takes the raw values COM hands over and does err_to_str's job column by column, instead of
xlwings' default cleaning, which visits every cell in Python (on 10,000 rows it took as long as
all of BO_VALIDATE takes now). Every error cell is named: the seven classic ones (#N/A,
#DIV/0!...) exactly as xlwings' err_to_str names them, and the newer ones (#SPILL!, #CALC!...),
which xlwings leaves as the COM error number (0x800A0000 + Excel's xlErr code), too: no error
cell is ever read as a blank or a number. The other arguments are single values read by
xlwings' own converters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xlwings.conversion import Converter, RawValueAccessor

from engine.errors import BadArguments
from engine.schema import INPUT_SHEETS, SheetSpec, normalise, spec_for_sheet_name
from engine.vocab import config_choice
from workbooks.memory import COM_ERRORS, EXCEL_ERRORS, cell_text, com_error, transpose
from workbooks.model import column_letter, column_number

MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384
# What xlwings' err_to_str names (xlwings._xlwindows.cell_errors, a Windows-only module; a test
# checks they agree): the seven classic errors. Without err_to_str xlwings reads them as blanks.
XLWINGS_CELL_ERRORS = {code: name for code, name in COM_ERRORS.items()
                       if name in {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"}}


def excel_error(value: Any) -> str | None:
    """The error a cell shows ("#N/A"...), or None when the value is not an error cell."""
    if isinstance(value, str):
        return value if value in EXCEL_ERRORS else None
    return com_error(value)


@dataclass(frozen=True)
class RangeColumns:
    """A range argument column by column, as read with err_to_str: an error cell is its text
    ("#N/A", "#SPILL!"...); every other value is as COM hands it over (floats, strings, COM
    dates, Decimal for a currency cell, None or "" when blank), which
    workbooks.memory.columns_to_grid reads exactly as it reads xlwings' cleaned values.
    `kinds` holds each column's set of value types (the grid reuses them)."""

    columns: list[Sequence[Any]]
    kinds: list[set[type]]
    height: int

    @property
    def width(self) -> int:
        """How many columns."""
        return len(self.columns)

    def rows(self) -> list[list[Any]]:
        """The cells row by row (for small ranges and tests)."""
        return [list(row) for row in zip(*self.columns, strict=True)]


def read_range(value: Any, err_to_str: bool = True) -> RangeColumns:
    """A range or array argument as COM hands it over (one cell: the value; a range: a tuple of
    row tuples; a one-row array: possibly a flat tuple), or rows given from Python, as columns.
    With `err_to_str` every COM error number becomes the error's text; without, the seven
    classic ones are blanks, as xlwings reads them. Only a column that holds an int (COM gives
    numbers as floats) is looked at cell by cell."""
    if isinstance(value, RangeColumns):
        return value
    if not isinstance(value, list | tuple):
        rows: Sequence[Sequence[Any]] = [[value]]
    elif value and not isinstance(value[0], list | tuple):
        rows = [value]
    else:
        rows = value
    columns = transpose(rows)
    kinds = [set(map(type, column)) for column in columns]
    for c, column in enumerate(columns):
        if int in kinds[c]:
            columns[c] = _errors_named(column, err_to_str)
            kinds[c] = set(map(type, columns[c]))
    return RangeColumns(columns, kinds, len(rows))


def _errors_named(column: Sequence[Any], err_to_str: bool) -> list[Any]:
    if err_to_str:
        return [(com_error(v) or v) if type(v) is int else v for v in column]
    return [None if type(v) is int and v in XLWINGS_CELL_ERRORS else v for v in column]


class TableArg(Converter):
    """The xlwings converter of a whole-range argument: @xw.arg("table", TableArg,
    err_to_str=True) gives the function a RangeColumns. Built on xlwings' raw value accessor
    (the values as COM hands them over, no per-cell cleaning); err_to_str is honoured here.
    The result is always 2-D (ndim is not looked at)."""

    base = RawValueAccessor  # type: ignore[assignment]  # xlwings declares base as None

    @classmethod
    def read_value(cls, value: Any, options: dict[str, Any]) -> RangeColumns:
        """The range's values as columns (see read_range)."""
        return read_range(value, bool(options.get("err_to_str", False)))


def text_arg(name: str, value: Any) -> str:
    """An optional text argument: "" when blank or omitted; an error cell is a wrong argument."""
    error = excel_error(value)
    if error:
        raise BadArguments(f"{name} shows the Excel error {error}")
    return (cell_text(value) or "").strip()


def sheet_kind_arg(value: Any) -> SheetSpec:
    """The input sheet a kind names: Orders, Pedidos, Stock Movements... (any case, accents)."""
    text = text_arg("sheet_kind", value)
    spec = spec_for_sheet_name(text) if text else None
    if spec is None:
        kinds = ", ".join(s.name for s in INPUT_SHEETS)
        raise BadArguments(f'sheet_kind "{text}" is not a sheet Back Office knows; use one of {kinds}')
    return spec


def locale_arg(value: Any) -> str:
    """ "en" (the default) or "pt-BR"."""
    text = text_arg("locale", value)
    if not text:
        return "en"
    locale = config_choice("locale", text)
    if locale is None:
        raise BadArguments(f'locale "{text}" is not en or pt-BR')
    return locale


TAX_ID_KINDS = {"": None, "any": None, "cpfcnpj": None, "cpf": "CPF", "cnpj": "CNPJ"}


def tax_id_kind_arg(value: Any) -> str | None:
    """ "CPF", "CNPJ", or None for either."""
    text = text_arg("kind", value)
    key = normalise(text)
    if key not in TAX_ID_KINDS:
        raise BadArguments(f'kind "{text}" is not CPF, CNPJ or blank (either)')
    return TAX_ID_KINDS[key]


@dataclass(frozen=True)
class TopLeft:
    """Where a range argument starts: the sheet (may be "") and its first cell."""

    sheet: str
    row: int
    column: int

    def address(self, rows: int, columns: int) -> str:
        """The A1 reference of a range of this size starting here."""
        first = f"{column_letter(self.column)}{self.row}"
        if rows <= 1 and columns <= 1:
            return first
        return f"{first}:{column_letter(self.column + max(columns, 1) - 1)}{self.row + max(rows, 1) - 1}"


_REFERENCE = re.compile(
    r"^(?:(?P<sheet>'(?:[^']|'')+'|[^'!]+)!)?\$?(?P<col>[A-Za-z]{1,3})\$?(?P<row>\d{1,7})(?::\S*)?$")


def top_left_arg(value: Any) -> TopLeft:
    """A reference as typed or as CELL("address", ...) / ADDRESS(...) give it: "A1", "$B$3",
    "Orders!A1", "'Stock Movements'!$C$5", "[Book1.xlsx]Orders!$A$1" or a whole range (its
    first cell counts). Blank: A1 of an unnamed sheet."""
    text = text_arg("top_left", value)
    if not text:
        return TopLeft("", 1, 1)
    match = _REFERENCE.match(text)
    if match is None:
        raise BadArguments(f'top_left "{text}" is not a cell reference such as Orders!A1')
    sheet = match.group("sheet") or ""
    if sheet.startswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    sheet = re.sub(r"^\[[^\]]*\]", "", sheet)  # CELL("address") puts the book name first
    row, column = int(match.group("row")), column_number(match.group("col"))
    if not (1 <= row <= MAX_ROWS and 1 <= column <= MAX_COLUMNS):
        raise BadArguments(f'top_left "{text}" is outside the sheet')
    return TopLeft(sheet, row, column)
