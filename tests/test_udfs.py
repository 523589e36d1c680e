"""The formula door, through xlwings' real Windows UDF machinery (pywin32 stubbed, see
xlwings_stubs.py): every call goes COM server CallUDF -> call_udf -> conversion.read of each
argument (with the options our decorators declared) -> the function -> conversion.write, with
the values pywin32 hands over for a range (floats, COM dates, strings, None for empty cells and
error numbers). Results are compared with what Excel receives, exactly.

Also: the VBA that "Import Functions" writes for our module and the Excel registration
(category, descriptions); BO_VALIDATE agreeing with `backoffice validate` on every rule case of
test_rules; and the licence boundary (nothing of ours imports xlwings.pro/server/reports).
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlwings_stubs as stubs
from rulebook import clean_sheets, run_validation, set_cell
from test_rules import CASES
from xlwings_stubs import DISP_E_PARAMNOTFOUND as MISSING
from xlwings_stubs import FakeComRange

from engine.rules import RULES
from workbooks.memory import ExcelError
from workbooks.sheets.issues import issues_output

ROOT = Path(__file__).resolve().parents[1]
MODULE = "udfs.functions"
UDF_NAMES = ("BO_VALIDATE", "BO_PARSE_NUMBER", "BO_PARSE_DATE", "BO_TAXID_VALID",
             "BO_INSS", "BO_IRRF", "BO_NET_PAY",  # udfs.payroll
             "BO_AGING_BUCKET", "BO_AGING",  # udfs.aging
             "BO_ORDER_LINE", "BO_STOCK_VALUE")  # udfs.stock
HEADER = ["Sheet", "Cell", "Row", "Column", "Rule", "Severity", "Message", "Value"]
UTC = dt.UTC

ORDERS = [
    ["Order ID", "Line", "Order Date", "Customer", "SKU", "Quantity", "Unit Price", "Currency"],
    ["SO-1", 1.0, dt.datetime(2026, 10, 3), "Acme Ltda", "SKU-1", 10.0, 12.5, "BRL"],
    ["SO-1", 2.0, dt.datetime(2026, 10, 3), "Acme Ltda", "SKU-2", 4.0, 99.9, "USD"],
    ["SO-2", 1.0, dt.datetime(2026, 10, 7), "Beta S.A.", "SKU-1", 3.0, Decimal("12.5000"), ""],
]  # a currency-formatted cell comes as a Decimal (VT_CY); "" is an empty cell (None from COM)


@pytest.fixture(scope="module")
def xl():
    """xlwings' Windows UDF modules over fake pywin32, and our UDF module decorated by them."""
    with stubs.installed() as windows:
        stubs.fresh_import(MODULE)
        yield windows


@pytest.fixture(scope="module")
def functions(xl):
    return sys.modules[MODULE]


def excel(xl, name: str, *args: Any) -> Any:
    """What a cell formula =name(args) receives, called the way Excel calls it (the VBA wrapper
    passes every argument; an omitted optional one is MISSING)."""
    return xl.call(MODULE, name, *args, caller=FakeComRange([[None]], row=20, column=12))


def com_range(rows: list[list[Any]], **where: Any) -> FakeComRange:
    """A Range argument holding these cell values (Python values, converted as pywin32 would)."""
    return FakeComRange(stubs.com_rows(rows), **where)


def as_excel_cells(rows: list[list[Any]]) -> list[list[Any]]:
    """A sheet of test_rules' books as Excel holds it: numbers are floats, dates datetimes,
    ExcelError cells error cells, and the range is rectangular."""
    width = max(len(r) for r in rows)

    def cell(value: Any) -> Any:
        if isinstance(value, ExcelError):
            return value.code
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return float(value)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime(value.year, value.month, value.day)
        return value

    return [[cell(v) for v in row] + [None] * (width - len(row)) for row in rows]


# --------------------------------------------------------------------------- declarations


def test_the_module_declares_exactly_our_udfs_in_the_back_office_category(functions):
    declared = {name for name in dir(functions) if hasattr(getattr(functions, name), "__xlfunc__")}
    assert declared == set(UDF_NAMES)
    for name in UDF_NAMES:
        info = getattr(functions, name).__xlfunc__
        assert info["category"] == "Back Office"
        assert (info["sub"], info["volatile"], info["async_mode"]) == (False, False, None)
        assert info["ret"]["options"].get("expand") is None  # Excel 365 spills; no legacy resize
        assert all(arg["options"]["err_to_str"] is True for arg in info["args"]), name


@pytest.mark.parametrize(("name", "args", "defaults", "ranges"), [
    ("BO_VALIDATE", ["table", "sheet_kind", "top_left", "locale"], ["", ""], ["table"]),
    ("BO_PARSE_NUMBER", ["text", "locale"], [""], ["text"]),
    ("BO_PARSE_DATE", ["text"], [], ["text"]),
    ("BO_TAXID_VALID", ["value", "kind"], [""], ["value"]),
    ("BO_ORDER_LINE", ["quantity", "unit_price", "discount", "tax_rate"], [None, None], []),
    ("BO_STOCK_VALUE", ["stock", "movements", "orders", "method"], [""],
     ["stock", "movements", "orders"]),
])
def test_xlwings_reads_the_real_signature_through_the_guard(xl, functions, name, args, defaults, ranges):
    udf = getattr(functions, name)
    assert inspect.signature(udf) == inspect.signature(udf.__wrapped__)
    assert xl.udfs.func_sig(udf) == {"args": args, "defaults": defaults, "vararg": None}
    info = udf.__xlfunc__
    assert [a["name"] for a in info["args"]] == args
    assert [a["optional"] for a in info["args"] if "optional" in a] == defaults
    assert [a["name"] for a in info["args"] if a["options"].get("ndim") == 2] == ranges
    assert all(a["doc"] and not a["doc"].startswith("Positional") for a in info["args"])


def test_without_functools_wraps_xlwings_would_refuse_the_guard(xl):
    def bare(*args, **kwargs):  # what the guard is, seen without __wrapped__
        return None

    with pytest.raises(Exception, match="keyword arguments"):
        xl.udfs.func_sig(bare)


# --------------------------------------------------------------------------- BO_VALIDATE


def test_a_clean_orders_range_gives_one_ok_row(xl):
    result = excel(xl, "BO_VALIDATE", com_range(ORDERS), "Orders", MISSING, MISSING)
    assert result == [HEADER, ["Orders", "A1:H4", "", "", "ok", "ok", "OK: no issues in 3 data rows.", ""]]


def test_a_bad_range_gives_its_issues_at_the_sheet_cells_top_left_names(xl):
    rows = [list(r) for r in ORDERS]
    rows[1][6] = "#N/A"                   # Unit Price: an error cell
    rows[2][5] = "#DIV/0!"                # Quantity: an error cell
    rows[2][3] = ""                       # Customer: blank (required)
    rows[3][2] = "31/02/2026"             # Order Date: no such day
    rows[3][5] = -3.0                     # Quantity: negative
    rows.append(["SO-1", 1.0, dt.datetime(2026, 10, 9), "Gama", "SKU-3", 1.0, 2.0, "EURO"])
    result = excel(xl, "BO_VALIDATE", com_range(rows), "Pedidos", "'Orders'!$C$5", MISSING)
    assert result == [
        HEADER,
        ["Orders", "I6", 6, "Unit Price", "read.error_value", "error",
         "Unit Price: the cell shows the Excel error #N/A; fix the formula or type the value.", "#N/A"],
        ["Orders", "F7", 7, "Customer", "value.required", "error",
         "Customer is blank; it is required on every row.", ""],
        ["Orders", "H7", 7, "Quantity", "read.error_value", "error",
         "Quantity: the cell shows the Excel error #DIV/0!; fix the formula or type the value.", "#DIV/0!"],
        ["Orders", "E8", 8, "Order Date", "read.unreadable", "error",
         'Order Date: "31/02/2026" cannot be read as a date (yyyy-mm-dd or dd/mm/yyyy); correct the cell.',
         "31/02/2026"],
        ["Orders", "H8", 8, "Quantity", "value.positive", "error",
         "Quantity must be greater than 0 (found -3).", "-3"],
        ["Orders", "D9", 9, "Line", "key.duplicate", "error",
         "Line SO-1 / 1 repeats row 6; each must be unique, so correct or remove this row.", "SO-1 / 1"],
        ["Orders", "J9", 9, "Currency", "value.currency", "error",
         'Currency: "EURO" is not an ISO 4217 currency code; use a code such as BRL, USD, EUR.', "EURO"],
    ]


def test_an_array_argument_reads_like_a_range(xl):
    """=BO_VALIDATE(FILTER(...), ...) passes values, not a Range: same reading, same result."""
    rows = [list(r) for r in ORDERS]
    rows[1][6] = "#N/A"
    array = tuple(tuple(r) for r in stubs.com_rows(rows))
    from_array = excel(xl, "BO_VALIDATE", array, "Orders", MISSING, MISSING)
    assert from_array == excel(xl, "BO_VALIDATE", com_range(rows), "Orders", MISSING, MISSING)
    assert from_array[1][:5] == ["Orders", "G2", 2, "Unit Price", "read.error_value"]


def test_formula_blanks_and_error_texts_read_like_excel_cells(xl):
    """A formula returning "" is blank; a value that is an error's text (what err_to_str makes of
    an error cell) is an error cell."""
    array = (tuple(ORDERS[0]), ("SO-1", 1.0, stubs.com_value(dt.datetime(2026, 10, 3)), "", "SKU-1", "#N/A",
                                "#DIV/0!", None))
    result = excel(xl, "BO_VALIDATE", array, "Orders", MISSING, MISSING)
    assert [(r[1], r[4], r[7]) for r in result[1:]] == [
        ("D2", "value.required", ""), ("F2", "read.error_value", "#N/A"),
        ("G2", "read.error_value", "#DIV/0!")]


def test_newer_error_cells_are_reported_too(xl):
    """xlwings' err_to_str names seven errors; #SPILL!, #CALC!... arrive as COM error numbers."""
    rows = [list(r) for r in ORDERS]
    rows[1][5], rows[2][5] = "#SPILL!", "#CALC!"
    result = excel(xl, "BO_VALIDATE", com_range(rows), "Orders", "Orders!A1", MISSING)
    assert [(r[1], r[4], r[7]) for r in result[1:]] == [
        ("F2", "read.error_value", "#SPILL!"), ("F3", "read.error_value", "#CALC!")]


def test_portuguese_locale_reads_numbers_and_speaks_portuguese(xl):
    rows = [list(r) for r in ORDERS]
    rows[1][6] = "1.234"     # pt-BR: one thousand two hundred and thirty-four
    rows[2][5] = "-2"
    result = excel(xl, "BO_VALIDATE", com_range(rows), "Pedidos", "Pedidos!A1", "pt-BR")
    assert result == [HEADER, ["Pedidos", "F3", 3, "Quantity", "value.positive", "error",
                               "Quantity deve ser maior que 0 (valor -2).", "-2"]]
    clean = excel(xl, "BO_VALIDATE", com_range(ORDERS), "Pedidos", MISSING, "pt-BR")
    assert clean[1][6] == "OK: nenhum problema em 3 linhas de dados."


def test_rules_that_need_other_sheets_are_left_to_the_workbook_validation(functions):
    all_ids = {r.id for r in RULES}
    assert set(functions.NEEDS_OTHER_SHEETS) <= all_ids
    assert set(functions.RANGE_RULES) | set(functions.NEEDS_OTHER_SHEETS) == all_ids
    assert not set(functions.RANGE_RULES) & set(functions.NEEDS_OTHER_SHEETS)


@pytest.mark.parametrize("sheet", sorted(clean_sheets()))
def test_every_sheet_of_the_clean_book_is_ok(xl, sheet):
    rows = as_excel_cells(clean_sheets()[sheet])
    result = excel(xl, "BO_VALIDATE", com_range(rows), sheet, f"'{sheet}'!A1", MISSING)
    assert result[0] == HEADER and len(result) == 2
    assert result[1][4:6] == ["ok", "ok"], result


@pytest.mark.parametrize("case", [c for c in CASES if c.rule not in {"sheet.missing"}], ids=lambda c: c.name)
def test_bo_validate_agrees_with_backoffice_validate_on_every_rule_case(xl, functions, case):
    """Each fault of test_rules: the range of the faulty sheet through Excel's door gives the
    CLI's issues for that sheet, cell for cell and word for word, less the rules that need
    other sheets (which are then the only ones missing)."""
    sheets = clean_sheets()
    if case.locale != "en":
        set_cell(sheets, "Config", "B5", case.locale)
    case.mutate(sheets)
    cli = [i for i in run_validation(sheets) if i.sheet == case.sheet]
    kept = [i for i in cli if i.rule not in functions.NEEDS_OTHER_SHEETS]
    rows = as_excel_cells(sheets[case.sheet])
    result = excel(xl, "BO_VALIDATE", com_range(rows), case.sheet, f"'{case.sheet}'!A1", case.locale)
    if not kept:
        assert result[1][4] == "ok", result
        return
    expected = [[("" if v is None else v) for v in row] for row in issues_output(kept).rows]
    assert result == [HEADER, *expected]


@pytest.mark.parametrize(("args", "message"), [
    (("Foo", MISSING, MISSING), '#BO! sheet_kind "Foo" is not a sheet Back Office knows; use one of '
                                "Config, Orders, Invoices, Payments, Payroll, Stock, Stock Movements, "
                                "FX Rates, Accounts, GL Balances, Tax Tables"),
    (("#N/A", MISSING, MISSING), "#BO! sheet_kind shows the Excel error #N/A"),
    (("Orders", "here", MISSING), '#BO! top_left "here" is not a cell reference such as Orders!A1'),
    (("Orders", "A0", MISSING), '#BO! top_left "A0" is outside the sheet'),
    (("Orders", MISSING, "fr"), '#BO! locale "fr" is not en or pt-BR'),
])
def test_wrong_arguments_give_a_short_bo_text(xl, args, message):
    assert excel(xl, "BO_VALIDATE", com_range(ORDERS), *args) == message


def test_a_table_argument_that_is_an_error_says_so(xl):
    assert excel(xl, "BO_VALIDATE", stubs.COM_ERRORS["#REF!"], "Orders", MISSING, MISSING) == \
        "#BO! table shows the Excel error #REF!"


def test_a_range_without_a_header_row_is_an_issue(xl):
    result = excel(xl, "BO_VALIDATE", com_range(ORDERS[1:]), "Orders", MISSING, MISSING)
    assert result[1][:6] == ["Orders", "A1", 1, "", "sheet.no_header", "error"]


@pytest.mark.parametrize(("top_left", "sheet", "cell"), [
    ("B3", "Orders", "C4"),
    ("$B$3", "Orders", "C4"),
    ("Vendas!B3", "Vendas", "C4"),
    ("'Stock Movements'!$B$3", "Stock Movements", "C4"),
    ("[Book1.xlsx]Orders!$B$3", "Orders", "C4"),
    ("'[My Book.xlsx]Sales 2026'!$B$3", "Sales 2026", "C4"),
    ("'It''s'!B3:L100", "It's", "C4"),
])
def test_top_left_accepts_what_cell_and_address_return(xl, top_left, sheet, cell):
    rows = [list(r) for r in ORDERS]
    rows[1][1] = "x"
    result = excel(xl, "BO_VALIDATE", com_range(rows), "Orders", top_left, MISSING)
    assert result[1][:2] == [sheet, cell]


def test_an_exception_becomes_a_short_bo_text_not_a_traceback(xl, functions, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom\nin two lines")

    monkeypatch.setattr(functions, "read_table", broken)
    result = excel(xl, "BO_VALIDATE", com_range(ORDERS), "Orders", MISSING, MISSING)
    assert result == "#BO! internal error (RuntimeError: boom in two lines)"


def test_the_bo_text_stays_short(xl, functions, monkeypatch):
    def verbose(*_args, **_kwargs):
        raise ValueError("x" * 500)

    monkeypatch.setattr(functions, "read_table", verbose)
    result = excel(xl, "BO_VALIDATE", com_range(ORDERS), "Orders", MISSING, MISSING)
    assert result.startswith("#BO! internal error (ValueError: xxx") and len(result) <= 205


# --------------------------------------------------------------------------- parsing and tax ids


@pytest.mark.parametrize(("text", "locale", "expected"), [
    ("1.234,56", MISSING, 1234.56),
    ("1,234.56", MISSING, 1234.56),
    ("R$ 1.234,56", "pt-BR", 1234.56),
    ("(12,50)", "pt-BR", -12.5),
    ("12%", MISSING, 0.12),
    ("1.234", MISSING, 1.234),
    ("1.234", "pt-BR", 1234.0),
    ("1,5", "pt-BR", 1.5),
    (42.0, MISSING, 42.0),
    ("", MISSING, ""),
    ("abc", MISSING, '#BO! "abc" is not a number'),
    ("1e999", MISSING, '#BO! "1e999" is not a number'),
    (True, MISSING, "#BO! TRUE is a logical value, not text"),
    (stubs.COM_ERRORS["#N/A"], MISSING, "#BO! the cell shows the Excel error #N/A"),
    ("1,5", "xx", '#BO! locale "xx" is not en or pt-BR'),
])
def test_bo_parse_number_on_one_value(xl, text, locale, expected):
    assert excel(xl, "BO_PARSE_NUMBER", text, locale) == expected


def test_bo_parse_number_on_a_column_spills_a_column(xl):
    column = [["1.234,56"], [""], ["#DIV/0!"], [dt.datetime(2026, 10, 31, 12)], ["n/a"], [7.0]]
    assert excel(xl, "BO_PARSE_NUMBER", com_range(column), "pt-BR") == [
        [1234.56], [""], ["#BO! the cell shows the Excel error #DIV/0!"], [46326.5],
        ['#BO! "n/a" is not a number'], [7.0]]


def test_bo_parse_number_on_a_row_gives_what_calludf_gives_excel_for_a_row(xl):
    assert excel(xl, "BO_PARSE_NUMBER", com_range([["1,5", "2.000,00"]]), "pt-BR") == [1.5, 2000.0]


@pytest.mark.parametrize(("text", "expected"), [
    ("31/10/2026", dt.datetime(2026, 10, 31, tzinfo=UTC)),
    ("31.10.2026", dt.datetime(2026, 10, 31, tzinfo=UTC)),
    ("2026-10-31", dt.datetime(2026, 10, 31, tzinfo=UTC)),
    ("2026-10-31 14:30", dt.datetime(2026, 10, 31, tzinfo=UTC)),
    (46326.0, dt.datetime(2026, 10, 31, tzinfo=UTC)),
    ("46326", dt.datetime(2026, 10, 31, tzinfo=UTC)),
    ("", ""),
    ("31/02/2026", '#BO! "31/02/2026" is not a date; type dd/mm/yyyy or yyyy-mm-dd'),
    (-5.0, "#BO! -5 is not an Excel date"),
    (stubs.COM_ERRORS["#VALUE!"], "#BO! the cell shows the Excel error #VALUE!"),
])
def test_bo_parse_date_on_one_value(xl, text, expected):
    """Excel receives a COM date: midnight, UTC-stamped so pywin32 does not shift it."""
    assert excel(xl, "BO_PARSE_DATE", text) == expected


def test_bo_parse_date_on_a_range_keeps_real_dates(xl):
    cells = com_range([[dt.datetime(2026, 10, 31, 18, 45)], ["01/11/2026"], [None]])
    assert excel(xl, "BO_PARSE_DATE", cells) == [
        [dt.datetime(2026, 10, 31, tzinfo=UTC)], [dt.datetime(2026, 11, 1, tzinfo=UTC)], [""]]


@pytest.mark.parametrize(("value", "kind", "expected"), [
    ("529.982.247-25", MISSING, True),
    ("529.982.247-26", MISSING, False),
    ("11.222.333/0001-81", MISSING, True),
    ("11.222.333/0001-82", MISSING, False),
    ("12.ABC.345/01DE-35", MISSING, True),
    (52998224725.0, MISSING, True),             # typed as a number
    (1234567890.0, "CPF", True),                # 012.345.678-90 lost its leading zero
    (360305000104.0, "CNPJ", True),             # 00.360.305/0001-04 lost two zeros
    (360305000104.0, "CPF", False),
    ("529.982.247-25", "cnpj", False),
    ("11.222.333/0001-81", "CPF", False),
    ("111.111.111-11", MISSING, False),         # check digits fit, but no such CPF
    ("", MISSING, ""),
    (True, MISSING, False),
    (stubs.COM_ERRORS["#N/A"], MISSING, "#BO! the cell shows the Excel error #N/A"),
    ("529.982.247-25", "RG", '#BO! kind "RG" is not CPF, CNPJ or blank (either)'),
])
def test_bo_taxid_valid(xl, value, kind, expected):
    assert excel(xl, "BO_TAXID_VALID", value, kind) == expected


def test_bo_taxid_valid_on_a_column(xl):
    column = com_range([["529.982.247-25"], ["529.982.247-26"], [None], ["#N/A"]])
    assert excel(xl, "BO_TAXID_VALID", column, MISSING) == [
        [True], [False], [""], ["#BO! the cell shows the Excel error #N/A"]]


# --------------------------------------------------------------------------- Import Functions


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []


class _Components:
    def __init__(self, log: _Recorder) -> None:
        self.log = log
        self.imported = ""

    def __call__(self, name: str) -> str:
        return name

    def Remove(self, component: Any) -> None:
        self.log.calls.append(("Remove", (component,), {}))

    def Import(self, path: str) -> None:
        self.imported = Path(path).read_text()  # import_udfs deletes the file afterwards


class _Application:
    Version = "16.0"

    def __init__(self, log: _Recorder) -> None:
        self.log = log

    def MacroOptions(self, *args: Any, **kwargs: Any) -> None:
        self.log.calls.append(("MacroOptions", args, kwargs))


class FakeAddin:
    """The add-in workbook "Import Functions" writes into (VBProject and MacroOptions)."""

    Name = "backoffice.xlam"

    def __init__(self) -> None:
        self.log = _Recorder()
        self.VBProject = type("VBProject", (), {})()
        self.VBProject.VBComponents = _Components(self.log)
        self.Application = _Application(self.log)


VBA_BO_VALIDATE = '''\
Function BO_VALIDATE(table, sheet_kind, Optional top_left, Optional locale)
    #If App = "Microsoft Excel" Then
        If TypeOf Application.Caller Is Range Then On Error GoTo failed
        BO_VALIDATE = XLPy.CallUDF("udfs.functions", "BO_VALIDATE", Array(table, sheet_kind, top_left, locale), ActiveWorkbook, Application.Caller)
        Exit Function
    #Else
        BO_VALIDATE = XLPy.CallUDF("udfs.functions", "BO_VALIDATE", Array(table, sheet_kind, top_left, locale))
        Exit Function
    #End If
failed:
    BO_VALIDATE = Err.Description
End Function
'''  # noqa: E501


def test_generated_vba_wrappers(xl, functions):
    out = io.StringIO()
    xl.udfs.generate_vba_wrapper(MODULE, functions, out, FakeAddin())
    vba = out.getvalue()
    assert VBA_BO_VALIDATE in vba
    declarations = [line for line in vba.splitlines() if line.startswith("Function ")]
    assert declarations == [
        "Function BO_AGING(invoices, payments, Optional as_of, Optional buckets)",
        "Function BO_AGING_BUCKET(due_date, Optional as_of, Optional buckets)",
        "Function BO_INSS(gross)",
        "Function BO_IRRF(gross, Optional dependents)",
        "Function BO_NET_PAY(gross, Optional dependents)",
        "Function BO_ORDER_LINE(quantity, unit_price, Optional discount, Optional tax_rate)",
        "Function BO_PARSE_DATE(text)",
        "Function BO_PARSE_NUMBER(text, Optional locale)",
        "Function BO_STOCK_VALUE(stock, movements, orders, Optional method)",
        "Function BO_TAXID_VALID(value, Optional kind)",
        "Function BO_VALIDATE(table, sheet_kind, Optional top_left, Optional locale)",
    ]
    assert 'Array(text, locale), ActiveWorkbook, Application.Caller)' in vba
    assert "Application.Volatile" not in vba  # pure functions: recalculated only when inputs change


def test_import_functions_registers_them_in_the_back_office_category(xl, functions):
    xl.udfs.get_udf_module(MODULE, None)  # as the first call from Excel caches it
    book = FakeAddin()
    xl.udfs.import_udfs(MODULE, book)
    module = book.VBProject.VBComponents.imported
    assert module.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    assert VBA_BO_VALIDATE in module
    options = {args[0]: kwargs for call, args, kwargs in book.log.calls if call == "MacroOptions"}
    assert set(options) == {f"'backoffice.xlam'!{name}" for name in UDF_NAMES}
    for name in UDF_NAMES:
        registered = options[f"'backoffice.xlam'!{name}"]
        udf = getattr(functions, name)
        assert registered["Category"] == "Back Office"
        assert registered["Description"] == udf.__doc__[:255]
        assert registered["ArgumentDescriptions"] == [a["doc"] for a in udf.__xlfunc__["args"]]
        assert len(registered["Description"]) < 255 and "\n" not in registered["Description"]
        assert all(len(doc) < 255 for doc in registered["ArgumentDescriptions"])


# --------------------------------------------------------------------------- licence boundary

PACKAGES = ("engine", "workbooks", "udfs", "addin")
FORBIDDEN = ("xlwings.pro", "xlwings.server", "xlwings.reports")

_LOADED = r"""
import importlib, json, pkgutil, sys
import xlwings
bare = sorted(m for m in sys.modules if m.startswith(("xlwings.pro", "xlwings.server", "xlwings.reports")))
imported = []
for package in %r:
    imported.append(package)
    for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        importlib.import_module(info.name)
        imported.append(info.name)
after = sorted(m for m in sys.modules if m.startswith(("xlwings.pro", "xlwings.server", "xlwings.reports")))
print(json.dumps({"bare": bare, "after": after, "imported": imported}))
"""


def test_importing_our_code_loads_nothing_of_xlwings_pro_beyond_bare_xlwings():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", _LOADED % (PACKAGES,)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert "udfs.functions" in found["imported"] and "workbooks.live_excel" in found["imported"]
    assert set(found["bare"]) <= {"xlwings.pro", "xlwings.pro.utils"}  # xlwings' licence check
    assert found["after"] == found["bare"]


def _forbidden_imports(path: Path, root: Path = ROOT) -> list[str]:
    """Every import of xlwings.pro/server/reports in a file: import, from-import (also
    `from xlwings import pro`) and import_module/__import__ with a literal name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):  # import_module("..."), __import__("...")
            names = [node.args[0].value]
        found += [f"{path.relative_to(root)}:{node.lineno}: {name}" for name in names
                  if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)]
    return found


def test_no_source_of_ours_imports_xlwings_pro_server_or_reports():
    sources = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    assert len(sources) > 20
    assert [hit for path in sources for hit in _forbidden_imports(path)] == []


def test_the_import_check_would_catch_each_form(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import xlwings.pro\nfrom xlwings import server\nfrom xlwings.reports import x\n"
                      "import importlib\nimportlib.import_module('xlwings.pro.reports')\n")
    hits = [hit.split(": ", 1)[1] for hit in _forbidden_imports(sample, tmp_path)]
    assert hits == ["xlwings.pro", "xlwings.server", "xlwings.reports", "xlwings.reports.x",
                    "xlwings.pro.reports"]
