"""The one rounding rule (workbook-spec.md): Decimal, half-up to cents, never through float."""

from decimal import Decimal

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from engine.money import div_round_half_up, from_cents, round_money, to_cents, to_decimal


def test_half_up_where_floats_round_down():
    # float: round(2.675, 2) == 2.67 and round(1.005, 2) == 1.0 (binary representation)
    assert round_money(Decimal("2.675")) == Decimal("2.68")
    assert round_money(Decimal("1.005")) == Decimal("1.01")
    assert round_money(Decimal("-2.675")) == Decimal("-2.68")
    assert round_money(Decimal("0.125")) == Decimal("0.13")  # banker's rounding would give 0.12


def test_a_million_cents_sum_exactly():
    total = sum((to_decimal("0.01") for _ in range(1_000_000)), Decimal(0))
    assert total == Decimal("10000.00")


def test_floats_become_the_decimal_the_cell_showed():
    assert to_decimal(0.1) == Decimal("0.1")
    assert to_decimal(2.675) == Decimal("2.675")
    assert to_decimal(1234.56) == to_decimal("1234.56")


def test_cents_round_trip():
    assert to_cents(Decimal("10.005")) == 1001
    assert from_cents(1001) == Decimal("10.01")
    assert from_cents(-5) == Decimal("-0.05")


@given(st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=50), st.integers(1, 10**6))
def test_vectorised_rounding_matches_decimal(numerators, denominator):
    got = div_round_half_up(np.array(numerators, dtype=np.int64), denominator)
    want = [int((Decimal(n) / Decimal(denominator)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
            for n in numerators]
    assert got.tolist() == want


def test_excel_precision_drops_the_binary_noise_of_a_double():
    from engine.money import excel_precision

    assert excel_precision(Decimal("12157521.109999999")) == Decimal("12157521.11")
    assert excel_precision(Decimal("0.30000000000000004")) == Decimal("0.3")
    assert excel_precision(Decimal("8.024999999999999")) == Decimal("8.025")  # 2.675 * 3
    assert round_money(excel_precision(Decimal("8.024999999999999"))) == Decimal("8.03")
    assert excel_precision(Decimal("1234.56")) == Decimal("1234.56")


def test_exact_columns_give_decimals_units_and_cents():
    from engine.money import cents, decimal_series, decimals, from_units, scale_of, scaled

    column = decimal_series([Decimal("1.005"), None, Decimal("-2.675"), Decimal("0.1")])
    assert scale_of(column) == 3
    assert decimals(column) == [Decimal("1.005"), None, Decimal("-2.675"), Decimal("0.1")]
    units, present = scaled(column, 4)
    assert units.tolist() == [10050, 0, -26750, 1000] and present.tolist() == [True, False, True, True]
    assert cents(column)[0].tolist() == [101, 0, -268, 10]
    assert from_units(-26750, 4) == Decimal("-2.675")
