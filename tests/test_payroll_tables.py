"""Rules packs as data: the shipped BR-2026 file, a malformed pack refused, Payroll Rules =
tables built from a real workbook's Tax Tables sheet (and its mistakes as issues at their
cells), the Payroll sheet and Config read into the engine's input."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources

import openpyxl
import pytest

from engine.payroll import gross_to_net, run_payroll
from engine.payroll_input import error_rows, payroll_input, payroll_input_from_table
from engine.payroll_rules import PackError, load_pack, parse_pack
from engine.payroll_tables import TaxTableRow, pack_from_tax_tables, tax_table_rows
from engine.rules import PAYROLL_RULES, rule
from engine.validation import validate
from workbooks.reading import read_workbook
from workbooks.xlsx_file import FileWorkbook

D = Decimal
BR_2026 = json.loads(resources.files("engine.packs").joinpath("br_2026.json").read_text("utf-8"))


# --------------------------------------------------------------------------- the pack file


def test_the_shipped_pack_is_the_rules_file():
    pack = load_pack("BR-2026")
    assert [(b.up_to, b.rate) for b in pack.social_security.bands] == [
        (D("1621.00"), D("0.075")), (D("2902.84"), D("0.09")), (D("4354.27"), D("0.12")),
        (D("8475.55"), D("0.14"))]
    assert pack.social_security.capped and not pack.income_tax.capped
    assert [(b.up_to, b.rate, b.deduct) for b in pack.income_tax.bands] == [
        (D("2428.80"), D(0), D(0)), (D("2826.65"), D("0.075"), D("182.16")),
        (D("3751.05"), D("0.15"), D("394.16")), (D("4664.68"), D("0.225"), D("675.49")),
        (None, D("0.275"), D("908.73"))]
    assert (pack.deductions.per_dependent, pack.deductions.simplified) == (D("189.59"), D("607.20"))
    assert pack.reduction is not None and (pack.reduction.constant, pack.reduction.slope) == (
        D("978.62"), D("0.133145"))
    assert pack.employer.rate == D("0.08") and str(pack.valid_from) == "2026-01-01"
    assert "13/2026" in pack.social_security.source and "15.191/2025" in pack.income_tax.source
    assert "15.270/2025" in pack.reduction.source and "8.036/1990" in pack.employer.source


def _broken(change) -> str:
    data = json.loads(json.dumps(BR_2026))
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d["social_security"]["bands"][2].update(up_to="2000.00"),
     "social_security: Value error, INSS: bands not increasing (2000.00 after 2902.84)"),
    (lambda d: d["income_tax"]["bands"][1].update(rate="7.5"),
     "income_tax.bands.1.rate: Value error, rate must be between 0 and 1 (found 7.5)"),
    (lambda d: d["income_tax"]["bands"][4].update(up_to="9999.99"),
     "income_tax: Value error, IRRF: the last band must be open (no up_to) unless the table is capped"),
    (lambda d: d["social_security"]["bands"][1].update(up_to=None),
     "social_security: Value error, INSS: only the last band may have no upper bound"),
    (lambda d: d["deductions"].update(per_dependent="189.595"),
     "deductions.per_dependent: Value error, deduction has more than 2 decimal places (found 189.595)"),
    (lambda d: d["reduction"].update(slope="0.1331451"),
     "reduction.slope: Value error, slope has more than 6 decimal places (found 0.1331451)"),
    (lambda d: d.pop("employer"), "employer: Field required"),
])
def test_a_malformed_pack_is_refused_with_a_clear_error(change, message):
    with pytest.raises(PackError) as raised:
        parse_pack(_broken(change), "br_2027.json")
    assert raised.value.message == f"payroll rules br_2027.json is not valid: {message}"


def test_an_unknown_pack_or_bad_json_says_so():
    with pytest.raises(PackError, match='no payroll rules pack "BR-2027"; the packs are BR-2026'):
        load_pack("BR-2027")
    with pytest.raises(PackError, match="is not valid JSON"):
        parse_pack("{", "x.json")


def test_payroll_rules_are_fully_declared():
    for the_rule in PAYROLL_RULES:
        assert rule(the_rule.id) is the_rule
        assert the_rule.en != the_rule.pt and "{" not in the_rule.message("pt-BR", column="C", value="V",
                                                                          detail="D")


# --------------------------------------------------------------------------- tables mode

SS = [["social_security", 1000, 0.05], ["social_security", 3000, 0.10]]  # capped at 3,000
IT = [["income_tax", 2000, 0], ["income_tax", 4000, 0.10], ["income_tax", None, 0.20]]


def _rows(rows: list[list[object]], first: int = 2) -> list[TaxTableRow]:
    return [TaxTableRow(n, t, None if u is None else D(str(u)), None if r is None else D(str(r)),
                        {"Table": f"A{n}", "Up To": f"B{n}", "Rate": f"C{n}"})
            for n, (t, u, r) in enumerate(rows, start=first)]


def test_tables_mode_computes_progressive_bands():
    # Social security: 1,000 × 5% + 2,000 × 10% = 250 (nothing above the 3,000 ceiling).
    # Income tax: base 5,000 − (250 + 1 × 100) = 4,650: 2,000 × 0 + 2,000 × 10% + 650 × 20% = 330.
    # Net 5,000 − 250 − 330 = 4,420. No FGTS, no reduction, no simplified discount in tables mode.
    pack, issues = pack_from_tax_tables(_rows(SS + IT), D("100"))
    assert issues == [] and pack is not None
    slip = gross_to_net(payroll_input(["E1"], ["5000"], dependents=[1]), pack).payslip(0)
    assert (slip.social_security, slip.income_tax_base, slip.table_tax, slip.reduction, slip.income_tax,
            slip.net_pay, slip.fgts) == (D("250.00"), D("4650.00"), D("330.00"), D("0.00"), D("330.00"),
                                         D("4420.00"), D("0.00"))
    # The derived amounts to deduct: 0; 2,000 × (10% − 0) = 200; 200 + 4,000 × (20% − 10%) = 600.
    assert [b.deduct for b in pack.income_tax.bands] == [D(0), D(200), D(600)]


def test_tables_mode_keeps_fractions_of_a_cent_in_the_derived_deduction():
    """Bands 2,428.80 @ 0, 2,826.65 @ 7.5%, above @ 15% (BR's IRRF table without its rounded
    amounts to deduct). Derived: 2,428.80 × 7.5% = 182.16; 182.16 + 2,826.65 × 7.5% = 394.15875.
    Base 3,000.03, band by band: 397.85 × 7.5% = 29.83875 + 173.38 × 15% = 26.007 = 55.84575
    -> 55.85, which 450.0045 − 394.15875 gives too (the rounded 394.16 would give 55.84)."""
    it = [["income_tax", 2428.80, 0], ["income_tax", 2826.65, 0.075], ["income_tax", None, 0.15]]
    pack, issues = pack_from_tax_tables(_rows([["social_security", None, 0], *it]), D(0))
    assert issues == [] and pack is not None
    assert [b.deduct for b in pack.income_tax.bands] == [D(0), D("182.16"), D("394.15875")]
    slip = gross_to_net(payroll_input(["E1"], ["3000.03"]), pack).payslip(0)
    assert (slip.income_tax_base, slip.table_tax) == (D("3000.03"), D("55.85"))


@pytest.mark.parametrize(("rows", "expected"), [
    ([*SS, ["income_tax", 4000, 0.1], ["income_tax", 2000, 0.2], ["income_tax", None, 0.3]],
     [("B5", "tax_table.order", "error", "Up To 2000.00 is not above the band before it (4000.00); "
                                         "list each table's bands in increasing order.")]),
    ([*SS, ["income_tax", None, 0.1], ["income_tax", None, 0.2]],
     [("B4", "tax_table.open_band", "error", "income_tax: only the last band may leave Up To blank "
                                             "(no upper limit); type this band's limit.")]),
    ([*SS, ["income_tax", 2000, 0], ["income_tax", 5000, 0.1]],
     [("B5", "tax_table.no_open_band", "error",
       "The last income_tax band has Up To 5000.00; leave it blank (income tax has no ceiling) or add a "
       "last band with a blank Up To.")]),
    (IT,
     [("A1", "tax_table.missing", "error", 'Tax Tables has no "social_security" rows; Payroll Rules = '
                                           "tables needs its bands (Table, Up To, Rate).")]),
    ([*SS, ["income_tax", None, 0.0754321]],
     [("C4", "tax_table.rate_precision", "error", "Rate 0.0754321 has more than 6 decimal places (as a "
                                                  "fraction); round it, e.g. 7.5% or 0.075.")]),
])
def test_a_malformed_table_is_an_issue_at_its_cell(rows, expected):
    pack, issues = pack_from_tax_tables(_rows(rows), D(0))
    assert pack is None
    assert [(i.cell, i.rule, str(i.severity), i.message) for i in issues] == expected
    assert all(i.sheet == "Tax Tables" for i in issues)


def test_an_unknown_table_is_a_warning_and_aliases_are_read():
    rows = [["INSS", 1000, 0.05], ["Social Security", 3000, 0.1], ["IRRF", None, 0.1], ["ICMS", None, 0.18]]
    pack, issues = pack_from_tax_tables(_rows(rows), D(0), locale="pt-BR")
    assert pack is not None and len(pack.social_security.bands) == 2
    assert [(i.cell, i.rule, i.message) for i in issues] == [
        ("A5", "tax_table.unknown", 'A tabela "ICMS" não é usada; a folha lê as tabelas social_security '
                                    "e income_tax.")]


# --------------------------------------------------------------------------- from a real workbook


def _book(tmp_path, config_rows, tax_rows):
    book = openpyxl.Workbook()
    config = book.active
    config.title = "Config"
    for row in [["Key", "Value"], *config_rows]:
        config.append(row)
    payroll = book.create_sheet("Folha")
    payroll.append(["Payroll of October"])  # a title row above the header
    payroll.append(["Employee ID", "Name", "Period", "Base Salary", "Overtime Hours", "Bonus",
                    "Other Deductions", "Dependents", "Tax ID", "Bank Account"])
    payroll.append(["E001", "Ana", "2026-10", 3000, 10, 500, 150, 0, "529.982.247-25", "0001-1"])
    payroll.append(["E002", "Bruno", "2026-09", 9000, 0, 0, 0, 0, None, "0001-2"])  # another month
    payroll.append(["E003", "Carla", "2026-10", 1500, 0, 0, 2000, 0, None, None])
    payroll.append(["E001", "Ana again", "2026-10", 4000, 0, 0, 0, 0, None, "0001-3"])  # repeated
    payroll.append(["E004", "Davi", "2026-10", -5, 0, 0, 0, 0, None, "0001-4"])  # negative salary
    if tax_rows:
        tables = book.create_sheet("Tax Tables")
        for row in [["Table", "Up To", "Rate"], *tax_rows]:
            tables.append(row)
    path = tmp_path / "payroll.xlsx"
    book.save(path)
    data = read_workbook(FileWorkbook.open(path))
    issues = data.issues + validate(data.tables, data.config, data.config_cells, data.locale)
    return data, issues


def test_a_workbook_payroll_sheet_becomes_the_engine_input(tmp_path):
    data, issues = _book(tmp_path, [["Period", "2026-10"], ["Minimum Wage", "1621"],
                                    ["Employer Contribution Rate", "20%"]], [])
    settings = data.settings  # engine.settings: the one place Config is parsed
    assert [i for i in issues if i.sheet == "Config"] == []
    assert (settings.minimum_wage, settings.employer_contribution_rate) == (D(1621), D("0.2"))
    assert sorted((i.cell, i.rule) for i in issues if i.sheet == "Folha") == [
        ("C4", "payroll.other_period"), ("C6", "key.duplicate"), ("D7", "value.negative")]
    table = data.tables["Payroll"]
    payroll = payroll_input_from_table(table, "2026-10", error_rows(issues, "Folha"))
    assert payroll.employee_id == ("E001", "E003") and list(payroll.rows) == [3, 5]
    result, payroll_issues = run_payroll(payroll, load_pack(), settings)
    # E001 as in test_payroll_br2026's whole-employee case: net 3,221.40, total cost 4,741.82.
    assert result.register() == [["E001", "Ana", D("3704.55"), D("333.15"), D("0.00"), D("150.00"),
                                  D("3221.40"), D("1037.27"), D("4741.82")]]
    assert [(i.sheet, i.cell, i.rule) for i in payroll_issues] == [
        ("Folha", "J5", "payroll.no_bank_account"), ("Folha", "D5", "payroll.below_minimum_wage"),
        ("Folha", "G5", "payroll.negative_net_pay")]


def test_tables_mode_from_a_workbook_and_a_bad_config_value(tmp_path):
    config = [["Period", "2026-10"], ["Payroll Rules", "Tables"], ["Dependent Deduction", "100"],
              ["Monthly Hours", "zero"]]
    data, issues = _book(tmp_path, config, [[r[0], r[1], r[2]] for r in SS + IT])
    settings = data.settings
    assert settings.payroll_rules == "tables" and settings.dependent_deduction == D(100)
    assert settings.monthly_hours == D(220)  # the default while the cell is wrong
    assert [(i.sheet, i.cell, i.rule, i.message) for i in issues if i.sheet == "Config"] == [
        ("Config", "B5", "config.value",
         'Config Monthly Hours: "zero" is not valid; type a number such as 220.')]
    tables = data.tables["Tax Tables"]
    pack, issues = pack_from_tax_tables(tax_table_rows(tables), settings.dependent_deduction,
                                        header_cell=tables.header_cell())
    assert issues == [] and pack is not None
    slip = gross_to_net(payroll_input(["E"], ["5000"], dependents=[1]), pack).payslip(0)
    assert slip.net_pay == D("4420.00")
    bad, _ = _book(tmp_path, config, [["income_tax", 2000, 0], ["income_tax", 1000, 0.1]])
    _, bad_issues = pack_from_tax_tables(tax_table_rows(bad.tables["Tax Tables"]), D(0),
                                         header_cell=bad.tables["Tax Tables"].header_cell())
    assert [(i.cell, i.rule) for i in bad_issues] == [
        ("A1", "tax_table.missing"), ("B3", "tax_table.order"), ("B3", "tax_table.no_open_band")]
