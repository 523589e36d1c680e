"""Back Office formula functions for Excel: xlwings UDFs, category "Back Office".

Import them in Excel with the xlwings add-in ("Import Functions", UDF module `udfs.functions`).
Each takes a whole range and returns an array that spills in Excel 365 (older Excel: select the
output area and enter with Ctrl+Shift+Enter). They are pure: values in, values out, no workbook
access. Classic UDFs need Windows (xlwings' COM server); macOS Excel has no classic UDFs.

    BO_VALIDATE(table, sheet_kind, [top_left], [locale])  issues of a range, or one OK row
    BO_PARSE_NUMBER(text, [locale])                        "1.234,56", "R$ 10", "12%" -> number
    BO_PARSE_DATE(text)                                    "31/10/2026", "2026-10-31" -> date
    BO_TAXID_VALID(value, [kind])                          CPF / CNPJ check digits -> TRUE/FALSE
    BO_INSS / BO_IRRF / BO_NET_PAY(gross, [dependents])    payroll breakdown rows (udfs.payroll)
    BO_AGING_BUCKET(due_date, [as_of], [buckets])          "Current", "1-30"... (udfs/aging.py)
    BO_AGING(invoices, payments, [as_of], [buckets])       per-party aging table (udfs/aging.py)

Every argument is read with err_to_str, so an error cell (#N/A, #DIV/0!...) is reported, never
read as a blank; BO_VALIDATE's table through our converter (udfs.args.TableArg), which does
err_to_str's job column by column and hands over the columns the grid is built from. An
exception never reaches a cell as a traceback: `bo_guard` (under the xlwings decorators) turns
it into "#BO! <reason>". Annotations are `Any` on purpose: xlwings turns a parameter's type hint
into its converter, and the cells hold any type. A UDF's docstring is its description in
Excel's Function Wizard (xlwings passes it to MacroOptions): one short line.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlwings as xw
from stdnum.br import cpf

from engine.errors import BadArguments
from engine.issues import Issue
from engine.parsing import EXCEL_EPOCH, as_date, parse_date, parse_number, serial_to_date
from engine.rules import RULES
from engine.schema import CONFIG, SheetSpec
from engine.validation import tax_id_problem, validate
from udfs.aging import BO_AGING, BO_AGING_BUCKET  # noqa: F401  (registered: Excel imports this module)
from udfs.args import (
    RangeColumns,
    TableArg,
    TopLeft,
    excel_error,
    locale_arg,
    read_range,
    sheet_kind_arg,
    tax_id_kind_arg,
    text_arg,
    top_left_arg,
)
from udfs.guard import bo_error, bo_guard
from udfs.payroll import BO_INSS, BO_IRRF, BO_NET_PAY  # noqa: F401  (Excel imports this one module)
from udfs.stock import BO_ORDER_LINE, BO_STOCK_VALUE  # noqa: F401 (registered here, Excel's module)
from workbooks.memory import EXCEL_ERRORS, cell_text, columns_to_grid
from workbooks.reading import config_values, read_table
from workbooks.sheets.issues import issues_output

CATEGORY = "Back Office"
MODULE = "udfs.functions"  # the UDF module name Excel's xlwings configuration names

# Rules BO_VALIDATE cannot apply to a lone range: what else each needs. Every other rule of the
# catalogue runs exactly as in `backoffice validate` (tests keep this split complete).
NEEDS_OTHER_SHEETS: dict[str, str] = {
    "sheet.missing": "the whole workbook",
    "stock.unknown_sku": "the Stock sheet",
    "payment.no_invoice": "the Invoices sheet",
    "payment.over_outstanding": "the Invoices sheet",
    "fx.missing_rate": "the FX Rates sheet",
    "date.outside_period": "the Config Period",
    "payroll.other_period": "the Config Period",
}
RANGE_RULES: tuple[str, ...] = tuple(r.id for r in RULES if r.id not in NEEDS_OTHER_SHEETS)

_LOCALE_DOC = 'Optional: "en" (default) or "pt-BR": how numbers like 1.234 are read'


# --------------------------------------------------------------------------- BO_VALIDATE


@xw.func(category=CATEGORY)
@xw.arg("table", TableArg, ndim=2, err_to_str=True, doc="The range to check: its header row and data rows")
@xw.arg("sheet_kind", err_to_str=True, doc='What the range holds: "Orders", "Invoices", "Pedidos"...')
@xw.arg("top_left", err_to_str=True,
        doc='Optional: where the range starts, e.g. "Orders!A1" or CELL("address",Orders!A1)')
@xw.arg("locale", err_to_str=True, doc=_LOCALE_DOC + ", and the messages' language")
@xw.ret(expand=None)  # Excel 365 spills the array itself; xlwings' legacy resizing stays off
@bo_guard
def BO_VALIDATE(table: Any, sheet_kind: Any, top_left: Any = "", locale: Any = "") -> Any:
    """Issues of a range (header + data) under the Back Office rules for its kind, or one OK row."""
    # Columns as on the Issues sheet: Sheet, Cell, Row, Column, Rule, Severity, Message, Value.
    spec, where, language = sheet_kind_arg(sheet_kind), top_left_arg(top_left), locale_arg(locale)
    cells = read_range(table)  # from TableArg already; rows when called from Python
    if cells.height == 1 and cells.width == 1 and excel_error(cells.columns[0][0]):
        raise BadArguments(f"table shows the Excel error {excel_error(cells.columns[0][0])}")
    sheet = where.sheet or text_arg("sheet_kind", sheet_kind)
    issues, data_rows = range_issues(cells, spec, sheet, where, language)
    output = issues_output(issues)
    header: list[Any] = [column.header for column in output.columns]
    if not issues:
        address = where.address(cells.height, cells.width)
        return [header, [sheet, address, None, None, "ok", "ok", ok_message(data_rows, language), None]]
    return [header, *output.rows]


def range_issues(cells: RangeColumns, spec: SheetSpec, sheet: str, where: TopLeft,
                 locale: str) -> tuple[list[Issue], int]:
    """The CLI's reading and validation of one sheet, minus the rules that need other sheets;
    also how many data rows were read."""
    grid = columns_to_grid(sheet, cells.columns, where.row, where.column, None, EXCEL_ERRORS,
                           cells.kinds)
    table = read_table(grid, spec, locale)
    config, config_cells = config_values(table) if spec is CONFIG else ({}, {})
    found = table.issues + validate({spec.name: table}, config, config_cells, locale,
                                    other_sheets=False)
    return [i for i in found if i.rule not in NEEDS_OTHER_SHEETS], len(table.frame)


def ok_message(data_rows: int, locale: str) -> str:
    """ "OK: no issues in 1,234 data rows." in the workbook's language."""
    count, plural = f"{data_rows:,}", "s" if data_rows != 1 else ""
    if locale == "pt-BR":
        return f"OK: nenhum problema em {count.replace(',', '.')} linha{plural} de dados."
    return f"OK: no issues in {count} data row{plural}."


# --------------------------------------------------------------------------- parsing


@xw.func(category=CATEGORY)
@xw.arg("text", ndim=2, err_to_str=True, doc='Text such as "1.234,56", "R$ 10", "(12,50)", "12%", or a range')
@xw.arg("locale", err_to_str=True, doc=_LOCALE_DOC)
@xw.ret(expand=None)
@bo_guard
def BO_PARSE_NUMBER(text: Any, locale: Any = "") -> Any:
    """Number typed as text, pt-BR or English ("1.234,56", "R$ 10", "12%"); a range gives a range."""
    language = locale_arg(locale)
    return [[number_of(value, language) for value in row] for row in text]


def number_of(value: Any, locale: str) -> Any:
    """One cell as a number, blank, or a "#BO!" text saying why not."""
    problem = _not_a_value(value)
    if problem is not None:
        return problem or None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, datetime):  # a date cell is its serial number, as VALUE() says
        return (value - datetime.combine(EXCEL_EPOCH, datetime.min.time())).total_seconds() / 86400
    if isinstance(value, date):
        return float((value - EXCEL_EPOCH).days)
    parsed = parse_number(str(value), locale)
    if parsed is None or not math.isfinite(parsed):
        return bo_error(f'"{value}" is not a number')
    return parsed


@xw.func(category=CATEGORY)
@xw.arg("text", ndim=2, err_to_str=True, doc='A date typed as text: "31/10/2026", "31.10.2026", "2026-10-31"')
@xw.ret(expand=None)
@bo_guard
def BO_PARSE_DATE(text: Any) -> Any:
    """Date typed as text (dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd) or a serial; a range gives a range."""
    return [[date_of(value) for value in row] for row in text]


def date_of(value: Any) -> Any:
    """One cell as a date, blank, or a "#BO!" text saying why not."""
    problem = _not_a_value(value)
    if problem is not None:
        return problem or None
    if isinstance(value, datetime | date):
        return as_date(value)
    if isinstance(value, int | float | Decimal):
        parsed = serial_to_date(float(value))
        return parsed if parsed is not None else bo_error(f"{cell_text(value)} is not an Excel date")
    parsed = parse_date(str(value))
    if parsed is None:
        return bo_error(f'"{value}" is not a date; type dd/mm/yyyy or yyyy-mm-dd')
    return parsed


def _not_a_value(value: Any) -> str | None:
    """"" for a blank cell, "#BO! ..." for an error cell or a logical, None for a value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    error = excel_error(value)
    if error:
        return bo_error(f"the cell shows the Excel error {error}")
    if isinstance(value, bool):
        return bo_error(f"{'TRUE' if value else 'FALSE'} is a logical value, not text")
    return None


# --------------------------------------------------------------------------- tax ids


@xw.func(category=CATEGORY)
@xw.arg("value", ndim=2, err_to_str=True, doc="A CPF or CNPJ, with or without punctuation, or a range")
@xw.arg("kind", err_to_str=True, doc='Optional: "CPF", "CNPJ", or blank for either')
@xw.ret(expand=None)
@bo_guard
def BO_TAXID_VALID(value: Any, kind: Any = "") -> Any:
    """TRUE when a CPF or CNPJ has the right check digits, else FALSE; a range gives a range."""
    # The Payroll Tax ID rule's own verdict (engine.validation.tax_id_problem); blank stays blank.
    wanted = tax_id_kind_arg(kind)
    return [[tax_id_verdict(cell, wanted) for cell in row] for row in value]


def tax_id_verdict(value: Any, kind: str | None) -> Any:
    """TRUE/FALSE for one cell, blank for a blank cell, "#BO!" for an error cell."""
    problem = _not_a_value(value)
    if problem is not None and not isinstance(value, bool):
        return problem or None
    return tax_id_valid(cell_text(value) or "", kind)


def tax_id_valid(text: str, kind: str | None) -> bool:
    """The validation rule's verdict (engine.validation.tax_id_problem); with a kind, the id must
    also be of that kind (a CNPJ typed as a number may have lost its leading zeros)."""
    if kind is None:
        return tax_id_problem(text) is None
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if kind == "CNPJ":
        padded = compact.zfill(14) if compact.isdigit() else compact
        return len(compact) <= 14 and tax_id_problem(padded) is None
    return (compact.isdigit() and len(compact) <= 11 and tax_id_problem(compact) is None
            and cpf.is_valid(compact.zfill(11)))
