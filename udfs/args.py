"""What Excel hands a UDF, made plain: error cells, optional text arguments, a top-left address.

xlwings reads our arguments with err_to_str=True, which turns the seven classic error cells
(#N/A, #DIV/0!...) into their text. The newer ones (#SPILL!, #CALC!...) still arrive as the COM
error number (0x800A0000 + Excel's xlErr code), so they are named here too: no error cell is
ever read as a blank or a number.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from engine.errors import BadArguments
from engine.schema import INPUT_SHEETS, SheetSpec, normalise, spec_for_sheet_name
from engine.vocab import config_choice
from workbooks.memory import EXCEL_ERRORS, cell_text
from workbooks.model import column_letter, column_number

_COM_ERROR_BASE = -2146828288  # 0x800A0000 as a signed 32-bit int
XL_ERROR_CODES = {  # Excel's XlCVError values
    2000: "#NULL!", 2007: "#DIV/0!", 2015: "#VALUE!", 2023: "#REF!", 2029: "#NAME?",
    2036: "#NUM!", 2042: "#N/A", 2043: "#GETTING_DATA", 2045: "#SPILL!", 2046: "#CONNECT!",
    2047: "#BLOCKED!", 2048: "#UNKNOWN!", 2049: "#FIELD!", 2050: "#CALC!",
}
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384


def excel_error(value: Any) -> str | None:
    """The error a cell shows ("#N/A"...), or None when the value is not an error cell."""
    if isinstance(value, str):
        return value if value in EXCEL_ERRORS else None
    if type(value) is int and 2000 <= value - _COM_ERROR_BASE < 2100:
        return XL_ERROR_CODES.get(value - _COM_ERROR_BASE, "#UNKNOWN!")
    return None


def name_errors(rows: list[list[Any]]) -> list[list[Any]]:
    """The rows with COM error numbers replaced by the error's text. Rows are copied only when
    one holds an int at all (pywin32 gives numbers as floats): a 10,000-row table is scanned at C
    speed and, almost always, returned as it is."""
    if int not in set(map(type, itertools.chain.from_iterable(rows))):
        return rows
    return [[(excel_error(v) or v) if type(v) is int else v for v in row] for row in rows]


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
