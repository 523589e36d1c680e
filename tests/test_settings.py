"""The Config sheet as typed settings (engine/settings.py).

Each key read good and bad: a bad value is exactly one issue at its Config cell, with its rule
and a message in the workbook's language, and the key falls back to its default. Values typed
as numbers are read exactly; a real .xlsx goes through the file reading path and the CLI.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import openpyxl
import pytest
from rulebook import append_row, clean_sheets, run_validation, set_cell

from engine.catalogue import catalogue
from engine.rules import config_detail, rule
from engine.settings import (
    LocaleName,
    PayrollRules,
    Period,
    Settings,
    TaxRounding,
    ValuationMethod,
    parse_decimal,
    settings_from_config,
)
from engine.vocab import CONFIG_CHOICES
from workbooks.memory import ExcelError, MemoryWorkbook
from workbooks.reading import read_workbook
from workbooks.xlsx_file import FileWorkbook

ROOT = Path(__file__).resolve().parents[1]

# The clean rulebook's Config: B2 Period, B3 Company, B4 Functional Currency, B5 Locale,
# B6 Valuation Method, B7 Tax Rounding, B8 Payroll Rules; other keys are appended at row 9.
ROWS = {"Period": 2, "Company": 3, "Functional Currency": 4, "Locale": 5, "Valuation Method": 6,
        "Tax Rounding": 7, "Payroll Rules": 8}


def _config_issues(key: str, value: Any, locale: str = "en") -> tuple[list, str]:
    """Validate the clean book with Config `key` set to `value`; the issues and the key's cell."""
    sheets = clean_sheets()
    if locale != "en":
        set_cell(sheets, "Config", "B5", locale)
    row = ROWS.get(key) or append_row(sheets, "Config", [key, None])
    set_cell(sheets, "Config", f"B{row}", value)
    return run_validation(sheets), f"B{row}"


# (key, bad value, rule, detail kind, detail values): one issue each.
BAD = [
    ("Period", "2026-13", "config.period", None, {}),
    ("Period", "Oct 2026", "config.period", None, {}),
    ("Valuation Method", "LIFO", "config.value", "config_choice", {"choices": ("moving_average", "fifo")}),
    ("Tax Rounding", "per line", "config.value", "config_choice", {"choices": ("line", "total")}),
    ("Payroll Rules", "BR-2025", "config.value", "config_choice", {"choices": ("BR-2026", "tables")}),
    ("Aging Buckets", "30,20,90", "config.value", "config_aging", {}),
    ("Aging Buckets", "a,b", "config.value", "config_aging", {}),
    ("Aging Buckets", "0,30", "config.value", "config_aging", {}),
    ("Aging Buckets", "30.5,60", "config.value", "config_aging", {}),
    ("Materiality", -5, "config.value", "not_negative", {}),
    ("Overtime Multiplier", "abc", "config.value", "config_number", {"example": "1.5"}),
    ("Overtime Multiplier", 0.5, "config.value", "greater_than_equal", {"ge": 1}),
    ("Monthly Hours", 0, "config.value", "greater_than", {"gt": 0}),
    ("Monthly Hours", 2200, "config.value", "less_than_equal", {"le": 744}),
    ("Employer Contribution Rate", 20, "config.value", "config_fraction", {"example": "20%"}),
    ("Employer Contribution Rate", "-1%", "config.value", "config_fraction", {"example": "20%"}),
    ("Minimum Wage", 0, "config.value", "greater_than", {"gt": 0}),
    ("Minimum Wage", "a lot", "config.value", "config_number", {"example": "1518.00"}),
    ("Dependent Deduction", -189.59, "config.value", "not_negative", {}),
    ("Functional Currency", "BRX", "value.currency", None, {}),
]


@pytest.mark.parametrize("locale", ["en", "pt-BR"])
@pytest.mark.parametrize(("key", "value", "rule_id", "kind", "values"), BAD,
                         ids=[f"{k}={v}" for k, v, *_ in BAD])
def test_a_bad_value_is_one_issue_at_its_config_cell(key, value, rule_id, kind, values, locale):
    issues, cell = _config_issues(key, value, locale)
    shown = str(value)
    assert [(i.rule, i.sheet, i.cell, i.row, i.column, i.value) for i in issues] == \
        [(rule_id, "Config", cell, int(cell[1:]), key, shown)]
    if kind is not None and locale == "pt-BR" and "example" in values:
        values = {**values, "example": values["example"].replace(".", ",")}
    detail = config_detail(kind, locale, **values) if kind else ""
    expected = rule(rule_id).message(locale, column=key, value=shown, detail=detail)
    assert issues[0].message == expected
    assert issues[0].message != rule(rule_id).message("en" if locale == "pt-BR" else "pt-BR",
                                                      column=key, value=shown, detail=detail)


def test_a_bad_locale_is_reported_in_english():
    issues, _ = _config_issues("Locale", "fr")
    assert [(i.rule, i.cell, i.value, i.message) for i in issues] == [
        ("config.value", "B5", "fr", 'Config Locale: "fr" is not valid; use en or pt-BR.')]


def test_messages_word_for_word_in_both_languages():
    english, _ = _config_issues("Aging Buckets", "30,20,90")
    portuguese, _ = _config_issues("Overtime Multiplier", "1,5x", "pt-BR")
    assert [i.message for i in english] == [
        'Config Aging Buckets: "30,20,90" is not valid; type the bucket limits in days, whole '
        "numbers in increasing order, such as 30,60,90,120."]
    assert [i.message for i in portuguese] == [
        'Config Overtime Multiplier: "1,5x" não é válido; digite um número como 1,5.']
    negative, _ = _config_issues("Materiality", -5, "pt-BR")
    assert [i.message for i in negative] == ['Config Materiality: "-5" não é válido; não pode ser negativo.']


def test_a_bad_optional_value_falls_back_to_its_default():
    settings, issues = settings_from_config(
        {"period": "2026-10", "valuationmethod": "LIFO", "agingbuckets": "30,20,90",
         "materiality": "-1", "overtimemultiplier": "2"},
        {"period": "B2", "valuationmethod": "B3", "agingbuckets": "B4", "materiality": "B5",
         "overtimemultiplier": "B6"})
    assert [(i.cell, i.column) for i in issues] == [
        ("B3", "Valuation Method"), ("B4", "Aging Buckets"), ("B5", "Materiality")]
    assert settings.valuation_method == "moving_average"
    assert settings.aging_buckets == (30, 60, 90, 120)
    assert settings.materiality == Decimal("0.00")
    assert settings.overtime_multiplier == Decimal("2")  # the good value beside them is kept
    assert settings.period == "2026-10"


def test_defaults_when_keys_are_missing():
    settings, issues = settings_from_config({"period": "2026-10"}, {"period": "B2"})
    assert issues == []
    assert settings.model_dump() == {
        "company": "", "functional_currency": "BRL", "period": "2026-10", "locale": "en",
        "valuation_method": "moving_average", "aging_buckets": (30, 60, 90, 120),
        "tax_rounding": "line", "payroll_rules": "BR-2026", "overtime_multiplier": Decimal("1.5"),
        "monthly_hours": Decimal("220"), "employer_contribution_rate": Decimal("0"),
        "materiality": Decimal("0.00"), "minimum_wage": None, "dependent_deduction": Decimal("0")}
    assert settings.aging_labels == ("Current", "1-30", "31-60", "61-90", "91-120", "120+")


def test_a_missing_period_is_one_issue_at_the_header():
    settings, issues = settings_from_config({}, {}, "pt-BR", sheet="Configuração", missing_cell="A1")
    assert settings.period is None
    assert [(i.sheet, i.cell, i.rule, i.column, i.value) for i in issues] == \
        [("Configuração", "A1", "config.period", "Period", "")]
    assert issues[0].message.startswith("O Período da Config")


def test_blank_minimum_wage_means_no_check_and_no_issue():
    sheets = clean_sheets()
    append_row(sheets, "Config", ["Minimum Wage", None])
    assert run_validation(sheets) == []
    data = read_workbook(MemoryWorkbook("book.xlsx", sheets))
    assert data.settings.minimum_wage is None


def test_a_blank_value_of_another_key_stays_required_and_reads_as_the_default():
    sheets = clean_sheets()
    row = append_row(sheets, "Config", ["Overtime Multiplier", None])
    assert [(i.rule, i.cell) for i in run_validation(sheets)] == [("value.required", f"B{row}")]
    assert read_workbook(MemoryWorkbook("book.xlsx", sheets)).settings.overtime_multiplier == Decimal("1.5")


def test_an_excel_error_in_a_config_value_is_reported_once_and_read_as_the_default():
    sheets = clean_sheets()
    row = append_row(sheets, "Config", ["Monthly Hours", ExcelError("#REF!")])
    assert [(i.rule, i.cell) for i in run_validation(sheets)] == [("read.error_value", f"B{row}")]
    assert read_workbook(MemoryWorkbook("book.xlsx", sheets)).settings.monthly_hours == Decimal("220")


@pytest.mark.parametrize(("key", "typed", "field", "expected"), [
    ("Valuation Method", "FIFO", "valuation_method", "fifo"),
    ("Valuation Method", "Moving Average", "valuation_method", "moving_average"),
    ("Locale", "pt_br", "locale", "pt-BR"),
    ("Tax Rounding", "Total", "tax_rounding", "total"),
    ("Payroll Rules", "TABLES", "payroll_rules", "tables"),
    ("Functional Currency", "brl", "functional_currency", "BRL"),  # what crosschecks compare
    ("Period", "10/2026", "period", "2026-10"),
    ("Period", date(2026, 10, 1), "period", "2026-10"),
    ("Aging Buckets", "15; 30 45", "aging_buckets", (15, 30, 45)),
    ("Aging Buckets", 30, "aging_buckets", (30,)),
    ("Overtime Multiplier", 1.5, "overtime_multiplier", Decimal("1.5")),
    ("Monthly Hours", 220, "monthly_hours", Decimal("220")),
    ("Employer Contribution Rate", "20%", "employer_contribution_rate", Decimal("0.20")),
    ("Employer Contribution Rate", 0.288, "employer_contribution_rate", Decimal("0.288")),
    ("Materiality", 0.07, "materiality", Decimal("0.07")),
    ("Minimum Wage", "R$ 1,518.00", "minimum_wage", Decimal("1518")),
    ("Dependent Deduction", 189.59, "dependent_deduction", Decimal("189.59")),
])
def test_good_values_are_clean_and_typed(key, typed, field, expected):
    sheets = clean_sheets()
    row = ROWS.get(key) or append_row(sheets, "Config", [key, None])
    set_cell(sheets, "Config", f"B{row}", typed)
    assert run_validation(sheets) == []
    value = getattr(read_workbook(MemoryWorkbook("book.xlsx", sheets)).settings, field)
    assert value == expected
    assert type(value) is type(expected) or field == "period"


def test_numbers_typed_as_text_follow_the_books_locale():
    pt = settings_from_config({"period": "2026-10", "overtimemultiplier": "1,5",
                               "minimumwage": "1.518,00", "materiality": "0,10"}, {}, "pt-BR")
    assert pt[1] == []
    assert (pt[0].overtime_multiplier, pt[0].minimum_wage, pt[0].materiality) == \
        (Decimal("1.5"), Decimal("1518"), Decimal("0.1"))
    # A plain "1.518" is how a number cell reads (as in number columns): 1.518 in any locale.
    assert parse_decimal("1.518", "pt-BR") == parse_decimal("1.518", "en") == Decimal("1.518")
    assert parse_decimal("1.518,5", "pt-BR") == parse_decimal("1,518.5", "en") == Decimal("1518.5")
    assert parse_decimal("0.1") == Decimal("0.1")  # not 0.1000000000000000055511151231257827
    assert parse_decimal("12345678901234567890.12") == Decimal("12345678901234567890.12")
    assert [parse_decimal(t) for t in ("nan", "inf", "", "1e400", "--5")] == [None] * 5


def test_period_helpers():
    assert Period("2026-10").first_day == date(2026, 10, 1)
    assert Period("2026-10").last_day == date(2026, 10, 31)
    assert Period("2028-02").last_day == date(2028, 2, 29)
    assert Period("2026-12").last_day == date(2026, 12, 31)
    assert Period.parse("12/2026") == "2026-12" and isinstance(Period.parse("12/2026"), Period)
    assert Period.parse(datetime(2026, 1, 31, 15, 0)) == "2026-01"
    assert [Period.parse(t) for t in ("2026-13", "Oct 2026", "2026.1", "")] == [None] * 4
    with pytest.raises(ValueError, match="2026-13"):
        Period("2026-13")


def test_settings_are_frozen_and_reject_unknown_fields():
    settings = Settings(period=Period("2026-10"))
    with pytest.raises(ValueError, match="frozen"):
        settings.period = Period("2026-11")  # type: ignore[misc]
    with pytest.raises(ValueError, match="Extra inputs"):
        Settings(colour="red")  # type: ignore[call-arg]


def test_allowed_values_agree_with_the_vocabulary():
    """vocab.CONFIG_CHOICES (reading's locale, older callers) and the model's Literals are one list."""
    literals = {"locale": LocaleName, "valuationmethod": ValuationMethod, "taxrounding": TaxRounding,
                "payrollrules": PayrollRules}
    assert {key: get_args(literal) for key, literal in literals.items()} == CONFIG_CHOICES


def test_the_catalogue_lists_every_checked_config_key():
    (entry,) = [e for e in catalogue() if e.rule.id == "config.value"]
    assert entry.scope == (
        "Config.Locale", "Config.Valuation Method", "Config.Aging Buckets", "Config.Tax Rounding",
        "Config.Payroll Rules", "Config.Overtime Multiplier", "Config.Monthly Hours",
        "Config.Employer Contribution Rate", "Config.Materiality", "Config.Minimum Wage",
        "Config.Dependent Deduction")


# --------------------------------------------------------------------------- the real file


def _typed_config_book(path: Path, **overrides: Any) -> Path:
    """A real .xlsx whose Config has numbers typed as numbers and the Period typed as a date."""
    rows: dict[str, Any] = {
        "Company": "Acme Comércio Ltda", "Period": datetime(2026, 10, 1), "Locale": "pt-BR",
        "Valuation Method": "fifo", "Aging Buckets": "30,60,90", "Overtime Multiplier": 1.5,
        "Monthly Hours": 220, "Employer Contribution Rate": 0.2, "Materiality": 0.07,
        "Minimum Wage": 1518.0, "Dependent Deduction": 189.59, **overrides}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Configuração"
    ws.append(["Chave", "Valor"])
    for key, value in rows.items():
        ws.append([key, value])
    wb.save(path)
    return path


def test_typed_numbers_read_exactly_from_a_real_file(tmp_path):
    data = read_workbook(FileWorkbook.open(_typed_config_book(tmp_path / "typed.xlsx")))
    settings = data.settings
    assert (settings.period, settings.locale, settings.valuation_method, settings.aging_buckets) == \
        ("2026-10", "pt-BR", "fifo", (30, 60, 90))
    assert (settings.overtime_multiplier, settings.monthly_hours, settings.employer_contribution_rate,
            settings.materiality, settings.minimum_wage, settings.dependent_deduction) == \
        (Decimal("1.5"), Decimal("220"), Decimal("0.2"), Decimal("0.07"), Decimal("1518"),
         Decimal("189.59"))
    assert str(settings.dependent_deduction) == "189.59"  # not 189.590000000000003410605...
    assert settings.company == "Acme Comércio Ltda"


def test_a_bad_value_in_a_real_file_through_the_command(tmp_path):
    book = _typed_config_book(tmp_path / "bad.xlsx", **{"Aging Buckets": "30,20,90"})
    done = subprocess.run([sys.executable, "-m", "addin.cli", "validate", str(book), "--json",
                           "--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    result = json.loads(done.stdout)
    config_issues = [i for i in result["issues"] if i["sheet"] == "Configuração"]
    assert config_issues == [{
        "sheet": "Configuração", "cell": "B6", "row": 6, "column": "Aging Buckets",
        "rule": "config.value", "severity": "error", "value": "30,20,90",
        "message": 'Config Aging Buckets: "30,20,90" não é válido; digite os limites das faixas '
                   "em dias, números inteiros em ordem crescente, como 30,60,90,120."}]
