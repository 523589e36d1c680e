"""Numbers typed as text, the way finance users type them, in English and pt-BR."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.parsing import parse_number


@pytest.mark.parametrize(("text", "en", "pt"), [
    ("1.234,56", 1234.56, 1234.56),
    ("1,234.56", 1234.56, 1234.56),
    ("1.234", 1.234, 1234.0),  # a lone dot before three digits: decimal in en, thousands in pt-BR
    ("1,234", 1234.0, 1.234),
    ("0,001", 0.001, 0.001),  # no thousands group starts with 0: always a decimal
    ("0.001", 0.001, 0.001),
    ("-0,001", -0.001, -0.001),
    ("00,123", 0.123, 0.123),
    ("012,500", None, 12.5),  # zero-padded before en's thousands mark: ask, don't guess
    ("012.500", 12.5, None),  # ... and before pt-BR's
    ("01,000.50", None, None),
    ("R$ 0,50", 0.5, 0.5),
    ("12,345,678", 12345678.0, None),
    ("(12,50)", -12.5, -12.5),
    ("10%", 0.1, 0.1),
    ("1 234,5", 1234.5, 1234.5),
    ("N/A", None, None),
])
def test_parse_number(text: str, en: float | None, pt: float | None) -> None:
    assert parse_number(text, "en") == (pytest.approx(en) if en is not None else None)
    assert parse_number(text, "pt-BR") == (pytest.approx(pt) if pt is not None else None)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_amounts_formatted_either_way_read_back(amount: object) -> None:
    english = f"{amount:,.2f}"
    brazilian = english.translate(str.maketrans(",.", ".,"))
    assert parse_number(english, "en") == pytest.approx(float(amount))  # type: ignore[arg-type]
    assert parse_number(brazilian, "pt-BR") == pytest.approx(float(amount))  # type: ignore[arg-type]
    assert parse_number("R$ " + brazilian, "pt-BR") == pytest.approx(float(amount))  # type: ignore[arg-type]
