"""BO_INSS, BO_IRRF and BO_NET_PAY through xlwings' real Windows UDF path (pywin32 stubbed, as
in test_udfs.py): COM server CallUDF -> call_udf -> conversion.read -> the function -> write.
Figures are the hand-checked cases of test_payroll_br2026.py."""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import Any

import pytest
import xlwings_stubs as stubs
from xlwings_stubs import DISP_E_PARAMNOTFOUND as MISSING
from xlwings_stubs import FakeComRange

MODULE = "udfs.functions"  # the one module Excel imports; it registers udfs.payroll's functions


@pytest.fixture(scope="module")
def xl():
    with stubs.installed() as windows:
        sys.modules.pop("udfs.payroll", None)  # decorated again for Windows, like udfs.functions
        stubs.fresh_import(MODULE)
        yield windows


def excel(xl, name: str, *args: Any) -> Any:
    return xl.call(MODULE, name, *args, caller=FakeComRange([[None]], row=5, column=3))


def test_they_are_declared_in_the_back_office_category(xl):
    functions = sys.modules[MODULE]
    for name, args in (("BO_INSS", ["gross"]), ("BO_IRRF", ["gross", "dependents"]),
                       ("BO_NET_PAY", ["gross", "dependents"])):
        info = getattr(functions, name).__xlfunc__
        assert info["category"] == "Back Office" and [a["name"] for a in info["args"]] == args
        assert all(a["options"]["err_to_str"] for a in info["args"])
        assert xl.udfs.func_sig(getattr(functions, name))["defaults"] == [""] * (len(args) - 1)


@pytest.mark.parametrize(("gross", "expected"), [
    (3000.0, 248.6),        # 121.575 + 115.3656 + 11.6592 = 248.5998 -> 248.60
    (1621.0, 121.58),       # 121.575 -> 121.58
    (8475.55, 988.09),      # the ceiling
    (25000.0, 988.09),      # above it
    (Decimal("5000"), 501.51),  # a currency-formatted cell arrives as a Decimal
    ("6000", 641.51),       # a number typed as text
])
def test_bo_inss(xl, gross, expected):
    assert excel(xl, "BO_INSS", gross) == expected


def test_bo_irrf_row(xl):
    # 7,000: base 6,218.49, table tax 801.35, reduction 46.605 -> 46.61, withheld 754.74.
    assert excel(xl, "BO_IRRF", 7000.0, MISSING) == [6218.49, 801.35, 46.61, 754.74]
    # 6,000 with 2 dependents: base 4,979.31, 460.58 − 179.75 = 280.83.
    assert excel(xl, "BO_IRRF", 6000.0, 2.0) == [4979.31, 460.58, 179.75, 280.83]
    # 5,000.00: the whole 312.89 is reduced.
    assert excel(xl, "BO_IRRF", 5000.0, "") == [4392.8, 312.89, 312.89, 0.0]


def test_bo_net_pay_row(xl):
    assert excel(xl, "BO_NET_PAY", 6000.0, 2.0) == [6000.0, 641.51, 280.83, 5077.66]
    assert excel(xl, "BO_NET_PAY", 10000.0, MISSING) == [10000.0, 988.09, 1569.55, 7442.36]


def test_a_blank_gross_gives_a_blank_row(xl):
    assert excel(xl, "BO_INSS", None) == ""  # what CallUDF hands Excel for an empty cell
    assert excel(xl, "BO_NET_PAY", "", MISSING) == ["", "", "", ""]


@pytest.mark.parametrize(("name", "args", "message"), [
    ("BO_INSS", (stubs.COM_ERRORS["#N/A"],), "#BO! gross shows the Excel error #N/A"),
    ("BO_INSS", (-1.0,), "#BO! gross must be an amount of 0 or more (found -1.0)"),
    ("BO_INSS", ("abc",), '#BO! gross "abc" is not an amount'),
    ("BO_INSS", (True,), "#BO! gross is a logical value, not an amount"),
    ("BO_INSS", (1e15,), "#BO! gross 1,000,000,000,000,000.00 is beyond what payroll computes "
                         "(up to 1,000,000,000.00)"),
    ("BO_IRRF", (5000.0, 1.5), "#BO! dependents must be a whole number of 0 or more (found 1.5)"),
    ("BO_IRRF", (5000.0, -1.0), "#BO! dependents must be a whole number of 0 or more (found -1.0)"),
    ("BO_NET_PAY", (5000.0, "two"), '#BO! dependents "two" is not a number'),
    ("BO_NET_PAY", (5000.0, stubs.COM_ERRORS["#DIV/0!"]), "#BO! dependents shows the Excel error #DIV/0!"),
])
def test_wrong_arguments_give_a_short_bo_text(xl, name, args, message):
    assert excel(xl, name, *args) == message
