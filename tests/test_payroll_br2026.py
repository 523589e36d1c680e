"""Gross-to-net under the BR-2026 pack (/work/shared/payroll-br-2026.md): hand-checked cases
with their arithmetic, and properties over random payrolls (against an independent Decimal
reading of the pack, tests/payroll_reference.py).

INSS bands: 1,621.00 @ 7.5% | 2,902.84 @ 9% | 4,354.27 @ 12% | 8,475.55 @ 14% (ceiling).
The first three bands when full: 121.575 + 115.3656 + 174.1716 = 411.1122.
IRRF: base = gross − max(INSS + 189.59 × dependents, 607.20); table: ≤ 2,428.80 0 |
≤ 2,826.65 7.5% − 182.16 | ≤ 3,751.05 15% − 394.16 | ≤ 4,664.68 22.5% − 675.49 | 27.5% − 908.73.
Reduction on gross: ≤ 5,000.00 up to 312.89; ≤ 7,350.00 978.62 − 0.133145 × gross; else 0.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import payroll_reference as ref
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.money import from_cents
from engine.payroll import gross_to_net, payslip_for, run_payroll
from engine.payroll_input import payroll_input
from engine.payroll_rules import load_pack
from engine.settings import Settings

D = Decimal
PACK = load_pack("BR-2026")

# gross, dependents -> INSS, IRRF base, table tax, reduction, IRRF withheld, net pay
CASES = [
    # 1. INSS band 1: 1,500 × 7.5% = 112.50. Base 1,500 − max(112.50, 607.20) = 892.80: 0% band.
    ("1500.00", 0, "112.50", "892.80", "0.00", "0.00", "0.00", "1387.50"),
    # 2. Top of band 1: 1,621 × 7.5% = 121.575 -> 121.58 (half-up). Base 1,621 − 607.20 = 1,013.80.
    ("1621.00", 0, "121.58", "1013.80", "0.00", "0.00", "0.00", "1499.42"),
    # 3. INSS band 2: 121.575 + (2,500 − 1,621) × 9% = 121.575 + 79.11 = 200.685 -> 200.69.
    #    Base 2,500 − 607.20 = 1,892.80: 0%.
    ("2500.00", 0, "200.69", "1892.80", "0.00", "0.00", "0.00", "2299.31"),
    # 4. INSS band 3: 121.575 + 115.3656 + (3,000 − 2,902.84) × 12% = 11.6592 -> 248.5998 -> 248.60.
    #    Base 3,000 − 607.20 = 2,392.80 ≤ 2,428.80: IRRF band 1 (0%).
    ("3000.00", 0, "248.60", "2392.80", "0.00", "0.00", "0.00", "2751.40"),
    # 5. IRRF band 2: INSS 121.575 + 115.3656 + (3,300 − 2,902.84) × 12% = 47.6592 -> 284.5998
    #    -> 284.60. Base 3,300 − 607.20 = 2,692.80; × 7.5% = 201.96 − 182.16 = 19.80.
    #    Gross ≤ 5,000: reduction min(312.89, 19.80) = 19.80, IRRF 0.
    ("3300.00", 0, "284.60", "2692.80", "19.80", "19.80", "0.00", "3015.40"),
    # 6. Top of INSS band 3: 411.1122 -> 411.11. Base 4,354.27 − 607.20 = 3,747.07 (IRRF band 3):
    #    × 15% = 562.0605 − 394.16 = 167.9005 -> 167.90, all reduced (gross ≤ 5,000).
    ("4354.27", 0, "411.11", "3747.07", "167.90", "167.90", "0.00", "3943.16"),
    # 7. Reduction edge 5,000.00: INSS 411.1122 + 645.73 × 14% = 90.4022 -> 501.5144 -> 501.51 <
    #    607.20 (simplified). Base 4,392.80 (IRRF band 4): × 22.5% = 988.38 − 675.49 = 312.89;
    #    reduction up to 312.89 -> IRRF 0.
    ("5000.00", 0, "501.51", "4392.80", "312.89", "312.89", "0.00", "4498.49"),
    # 8. Reduction edge 5,000.01: INSS 501.5158 -> 501.52. Base 4,392.81: 988.38225 − 675.49 =
    #    312.89225 -> 312.89. Reduction 978.62 − 0.133145 × 5,000.01 = 978.62 − 665.7263315 =
    #    312.8936685 -> 312.89 -> IRRF 0.
    ("5000.01", 0, "501.52", "4392.81", "312.89", "312.89", "0.00", "4498.49"),
    # 9. Simplified beats legal above 5,000: INSS 411.1122 + 1,145.73 × 14% = 160.4022 -> 571.51 <
    #    607.20. Base 5,500 − 607.20 = 4,892.80 (band 5): × 27.5% = 1,345.52 − 908.73 = 436.79.
    #    Reduction 978.62 − 0.133145 × 5,500 = 978.62 − 732.2975 = 246.3225 -> 246.32. IRRF 190.47.
    ("5500.00", 0, "571.51", "4892.80", "436.79", "246.32", "190.47", "4738.02"),
    # 10. Legal beats simplified: INSS 411.1122 + 1,645.73 × 14% = 230.4022 -> 641.51 > 607.20.
    #     Base 6,000 − 641.51 = 5,358.49: × 27.5% = 1,473.58475 − 908.73 = 564.85475 -> 564.85.
    #     Reduction 978.62 − 798.87 = 179.75. IRRF 564.85 − 179.75 = 385.10.
    ("6000.00", 0, "641.51", "5358.49", "564.85", "179.75", "385.10", "4973.39"),
    # 11. Dependents: as 10 with 2: deductions 641.51 + 2 × 189.59 = 1,020.69; base 4,979.31:
    #     1,369.31025 − 908.73 = 460.58025 -> 460.58; minus 179.75 = 280.83.
    ("6000.00", 2, "641.51", "4979.31", "460.58", "179.75", "280.83", "5077.66"),
    # 12. Reduction half-up: INSS 411.1122 + 2,645.73 × 14% = 370.4022 -> 781.51. Base 6,218.49:
    #     1,710.08475 − 908.73 = 801.35475 -> 801.35. Reduction 978.62 − 932.015 = 46.605 -> 46.61.
    ("7000.00", 0, "781.51", "6218.49", "801.35", "46.61", "754.74", "5463.75"),
    # 13. Reduction edge 7,350.00: INSS 411.1122 + 2,995.73 × 14% = 419.4022 -> 830.51. Base
    #     6,519.49: 1,792.85975 − 908.73 = 884.12975 -> 884.13. Reduction 978.62 − 978.61575 =
    #     0.00425 -> 0.00.
    ("7350.00", 0, "830.51", "6519.49", "884.13", "0.00", "884.13", "5635.36"),
    # 14. Reduction edge 7,350.01: INSS 830.5158 -> 830.52; base 6,519.49 again: 884.13; above
    #     7,350.00 there is no reduction.
    ("7350.01", 0, "830.52", "6519.49", "884.13", "0.00", "884.13", "5635.36"),
    # 15. IRRF band 2 withheld (24 dependents, an extreme case above the reduction's range):
    #     INSS 411.1122 + 3,645.73 × 14% = 510.4022 -> 921.51; deductions 921.51 + 24 × 189.59 =
    #     921.51 + 4,550.16 = 5,471.67; base 2,528.33: × 7.5% = 189.62475 − 182.16 = 7.46475 -> 7.46.
    ("8000.00", 24, "921.51", "2528.33", "7.46", "0.00", "7.46", "7071.03"),
    # 16. IRRF band 3 withheld: 20 dependents: 921.51 + 3,791.80 = 4,713.31; base 3,286.69:
    #     × 15% = 493.0035 − 394.16 = 98.8435 -> 98.84.
    ("8000.00", 20, "921.51", "3286.69", "98.84", "0.00", "98.84", "6979.65"),
    # 17. IRRF band 4 withheld: 15 dependents: 921.51 + 2,843.85 = 3,765.36; base 4,234.64:
    #     × 22.5% = 952.794 − 675.49 = 277.304 -> 277.30.
    ("8000.00", 15, "921.51", "4234.64", "277.30", "0.00", "277.30", "6801.19"),
    # 18. The ceiling: 411.1122 + (8,475.55 − 4,354.27) × 14% = 576.9792 -> 988.0914 -> 988.09.
    #     Base 7,487.46: 2,059.0515 − 908.73 = 1,150.3215 -> 1,150.32.
    ("8475.55", 0, "988.09", "7487.46", "1150.32", "0.00", "1150.32", "6337.14"),
    # 19. Above the ceiling INSS stays 988.09. Base 9,011.91: 2,478.27525 − 908.73 = 1,569.54525
    #     -> 1,569.55.
    ("10000.00", 0, "988.09", "9011.91", "1569.55", "0.00", "1569.55", "7442.36"),
]


@pytest.mark.parametrize(("gross", "deps", "inss", "base", "table_tax", "reduction", "irrf", "net"), CASES,
                         ids=[f"{c[0]}-{c[1]}dep" for c in CASES])
def test_hand_checked_case(gross, deps, inss, base, table_tax, reduction, irrf, net):
    slip = payslip_for(D(gross), deps).payslip(0)
    assert (slip.social_security, slip.income_tax_base, slip.table_tax, slip.reduction, slip.income_tax,
            slip.net_pay) == (D(inss), D(base), D(table_tax), D(reduction), D(irrf), D(net))
    assert slip.fgts == (D(gross) * D("0.08")).quantize(D("0.01"), "ROUND_HALF_UP")


def test_the_payslip_carries_every_figure():
    """Case 10 as the payslip block shows it: bands with their shares adding up to the INSS."""
    slip = payslip_for(D("6000.00")).payslip(0)
    assert [(b.lower, b.upper, b.rate, b.base, b.amount) for b in slip.social_security_bands] == [
        (D("0.00"), D("1621.00"), D("0.075"), D("1621.00"), D("121.57")),   # 121.575
        (D("1621.00"), D("2902.84"), D("0.09"), D("1281.84"), D("115.37")),  # 115.3656
        (D("2902.84"), D("4354.27"), D("0.12"), D("1451.43"), D("174.17")),  # 174.1716
        (D("4354.27"), D("8475.55"), D("0.14"), D("1645.73"), D("230.40")),  # 230.4022
    ]  # floors 641.50, and the cent the total's rounding adds goes to the largest remainder
    #    (band 2's 0.0056 before band 1's 0.005), so the lines add up to 641.51
    assert sum(b.amount for b in slip.social_security_bands) == slip.social_security == D("641.51")
    assert (slip.income_tax_rate, slip.income_tax_deduct) == (D("0.275"), D("908.73"))
    assert (slip.income_tax_deductions, slip.simplified_discount_used) == (D("641.51"), False)
    assert (slip.fgts, slip.employer_contributions, slip.total_cost) == (
        D("480.00"), D("480.00"), D("6480.00"))
    assert payslip_for(D("5500.00")).payslip(0).simplified_discount_used is True


def test_a_whole_employee_overtime_bonus_other_deductions_and_employer_rate():
    # Overtime: 3,000 / 220 × 1.5 × 10 = 45,000 / 220 = 204.5454... -> 204.55 (rounded once, at the end).
    # Gross 3,000 + 204.55 + 500 = 3,704.55. INSS 236.9406 + (3,704.55 − 2,902.84) × 12% = 96.2052
    # -> 333.1458 -> 333.15. Base 3,704.55 − 607.20 = 3,097.35: × 15% = 464.6025 − 394.16 = 70.4425
    # -> 70.44, all reduced. Net 3,704.55 − 333.15 − 0 − 150 = 3,221.40.
    # FGTS 3,704.55 × 8% = 296.364 -> 296.36; employer 20% = 740.91; total cost 3,704.55 + 1,037.27.
    # Second: 1,234.56 / 220 × 1.5 × 3 = 5,555.52 / 220 = 25.2523... -> 25.25; 7.5 h on 2,200:
    # 2,200 / 220 × 1.5 × 7.5 = 112.50 exactly.
    data = payroll_input(["E1", "E2", "E3"], ["3000", "1234.56", "2200"], overtime_hours=[10, 3, 7.5],
                         bonus=[500, None, 0], other_deductions=["150.00", 0, None], dependents=[0, 0, 0])
    result = gross_to_net(data, PACK, Settings(employer_contribution_rate=D("0.2")))
    first = result.payslip(0)
    assert (first.overtime_pay, first.gross, first.social_security, first.table_tax, first.reduction,
            first.income_tax, first.net_pay) == (D("204.55"), D("3704.55"), D("333.15"), D("70.44"),
                                                 D("70.44"), D("0.00"), D("3221.40"))
    assert (first.fgts, first.employer_extra, first.employer_contributions, first.total_cost) == (
        D("296.36"), D("740.91"), D("1037.27"), D("4741.82"))
    assert [from_cents(int(v)) for v in result.overtime_pay] == [D("204.55"), D("25.25"), D("112.50")]
    assert result.register()[0] == ["E1", "", D("3704.55"), D("333.15"), D("0.00"), D("150.00"),
                                    D("3221.40"), D("1037.27"), D("4741.82")]
    totals = result.totals()
    assert totals["Gross"] == D("3704.55") + D("1259.81") + D("2312.50")
    assert totals["Net Pay"] == sum((row[6] for row in result.register()), D(0))


def test_overtime_multiplier_and_monthly_hours_come_from_config():
    # 2,000 / 200 × 2 × 1.25 = 25.00
    data = payroll_input(["E1"], ["2000"], overtime_hours=["1.25"])
    result = gross_to_net(data, PACK, Settings(overtime_multiplier=D(2), monthly_hours=D(200)))
    assert from_cents(int(result.overtime_pay[0])) == D("25.00")


def test_overtime_with_many_digits_stays_exact():
    """Hours typed with 16 decimals take the Python-int path: same rule, no overflow."""
    hours = D("0.3333333333333333")
    data = payroll_input(["E1"], ["9999.99"], overtime_hours=[hours])
    expected = ref.overtime(D("9999.99"), hours, D("1.5"), D("220"))  # 22.7272...
    assert from_cents(int(gross_to_net(data, PACK).overtime_pay[0])) == expected == D("22.73")


# --------------------------------------------------------------------------- properties

amounts = st.integers(0, 5_000_000).map(lambda c: D(c) / 100)  # up to 50,000.00


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(amounts, st.integers(0, 6), amounts, st.integers(0, 8000).map(lambda h: D(h) / 100),
                          amounts), min_size=1, max_size=20),
       st.sampled_from([D(0), D("0.2"), D("0.0575")]))
def test_the_engine_agrees_with_a_decimal_reading_of_the_pack(rows, employer_rate):
    """Every figure of every employee equals the per-employee Decimal reference; net pay is
    gross − INSS − IRRF − other deductions; 0 ≤ reduction ≤ table tax."""
    data = payroll_input([str(i) for i in range(len(rows))], [r[0] for r in rows],
                         dependents=[r[1] for r in rows], other_deductions=[r[2] for r in rows],
                         overtime_hours=[r[3] for r in rows], bonus=[r[4] for r in rows])
    result = gross_to_net(data, PACK, Settings(employer_contribution_rate=employer_rate))
    for i, (base, deps, other, hours, bonus) in enumerate(rows):
        slip = result.payslip(i)
        gross = base + ref.overtime(base, hours, D("1.5"), D(220)) + bonus
        want = ref.gross_to_net(PACK, gross, deps, other, employer_rate)
        assert slip.gross == gross
        assert (slip.social_security, slip.income_tax_base, slip.table_tax, slip.reduction,
                slip.income_tax, slip.net_pay, slip.fgts, slip.employer_extra) == (
            want["inss"], want["base"], want["table_tax"], want["reduction"], want["irrf"],
            want["net"], want["fgts"], want["extra"])
        assert slip.net_pay == slip.gross - slip.social_security - slip.income_tax - slip.other_deductions
        assert D(0) <= slip.reduction <= slip.table_tax and slip.income_tax >= 0
        assert sum(b.amount for b in slip.social_security_bands) == slip.social_security


@settings(max_examples=200, deadline=None)
@given(st.lists(amounts, min_size=2, max_size=50))
def test_inss_never_decreases_and_stops_at_the_ceiling(grosses):
    ordered = [*sorted(grosses), D("8475.55"), D("8475.56"), D("99999.99")]
    inss = gross_to_net(payroll_input(["e"] * len(ordered), ordered), PACK).inss
    assert (np.diff(inss) >= 0).all()
    assert [from_cents(int(v)) for v in inss[-3:]] == [D("988.09")] * 3
    assert int(inss.max()) == 98809


@settings(max_examples=200, deadline=None)
@given(amounts, st.integers(0, 10))
def test_one_employee_is_the_same_code_as_a_whole_payroll(gross, deps):
    """payslip_for (the formula functions' door) gives what the employee gets in a batch."""
    data = payroll_input(["a", "b", "c"], ["1000", gross, "9000"], dependents=[0, deps, 3])
    in_batch = gross_to_net(data, PACK).payslip(1)
    alone = payslip_for(gross, deps).payslip(0)
    assert alone.__dict__ | {"employee_id": "b"} == in_batch.__dict__ | {"row": 0}


def test_negative_net_pay_leaves_the_employee_out_with_an_error_at_the_row():
    # 1,500 − 112.50 INSS − 0 IRRF − 2,000 other deductions = −612.50
    data = payroll_input(["E1", "E2"], ["1500", "3000"], other_deductions=["2000", "0"],
                         bank_account=["0001-1", None], rows=[7, 8],
                         letters={"Employee ID": "A", "Base Salary": "D", "Other Deductions": "G",
                                  "Bank Account": "J"})
    result, issues = run_payroll(data, PACK, Settings(minimum_wage=D("1621.00")))
    assert [(i.cell, i.rule, str(i.severity), i.message) for i in issues] == [
        ("J8", "payroll.no_bank_account", "warning",
         "Employee E2 has no Bank Account; net pay cannot be transferred until one is typed."),
        ("D7", "payroll.below_minimum_wage", "warning",
         "Base Salary 1500.00 is below the Config Minimum Wage 1621.00; check the salary."),
        ("G7", "payroll.negative_net_pay", "error",
         "Net pay would be -612.50: the deductions exceed the pay; correct Other Deductions or the pay."),
    ]
    assert result.data.employee_id == ("E2",) and result.totals()["Net Pay"] == D("2751.40")
    _, in_portuguese = run_payroll(data, PACK, locale="pt-BR")
    assert in_portuguese[-1].message.startswith("O líquido seria -612.50")
