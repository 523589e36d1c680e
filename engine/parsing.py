"""Tolerant reading of numbers, percentages, dates and periods typed as text.

Finance sheets arrive with "1.234,56", "R$ 10", "10%", "31/10/2026" and Excel serials. These
functions return a value or None (unreadable); they never raise on user data. Vectorised callers
try the machine format first and only send what fails to these per-cell functions.

Numbers are parsed once, exactly, by `parse_decimal` (no binary float on the way: "2.675" is
2.675, "10%" is 0.1); `parse_number` is the same parse handed over as a float, for the places
a float belongs (a formula function's result, an Excel date serial).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

EXCEL_MAX_EXPONENT = 308  # Excel's numbers stop below 1e309
EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 = 1900-03-01; serials 1-59 see serial_to_date
_CURRENCY = re.compile(r"^(?:R\$|US\$|U\$S|\$|€|£|BRL|USD|EUR|GBP)\s*|\s*(?:BRL|USD|EUR|GBP)$", re.I)
_SPACES = re.compile(r"[\s\u00a0\u202f']")
PLAIN_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"  # what a number cell reads as
_PLAIN = re.compile(PLAIN_NUMBER)
# A thousands group never leads with 0: "0,001" and "0.001" are decimals in either locale, and
# "012,500" (en) or "012.500" (pt-BR), a zero-padded number before a thousands mark, is no
# number format at all: unreadable, so the user is asked rather than given 12500 or 12.5.
_LEAD = r"[1-9]\d{0,2}"
_PADDED_THOUSANDS = {"en": re.compile(r"0+[1-9]\d*,\d{3}(?:[.,]\d*)*"),
                     "pt-BR": re.compile(r"0+[1-9]\d*\.\d{3}(?:[.,]\d*)*")}
_GROUPED_DOT = re.compile(rf"^[+-]?{_LEAD}(\.\d{{3}})+(,\d+)?$")
_GROUPED_COMMA = re.compile(rf"^[+-]?{_LEAD}(,\d{{3}})+(\.\d+)?$")


def parse_number(text: str, locale: str = "en") -> float | None:
    """A number typed as text as a float, or None: `parse_decimal` handed over as a float (for
    a formula function's result or a date serial; money is read with `parse_decimal`)."""
    value = parse_decimal(text, locale)
    return None if value is None else float(value)


def parse_decimal(text: str, locale: str = "en") -> Decimal | None:
    """A number typed as text, exactly, or None.

    Accepts currency marks (R$, $, €, BRL...), spaces and apostrophes as thousands marks,
    "(12,50)" and trailing "-" as negatives, a trailing "%" (divides by 100, exactly), and both
    "1.234,56" and "1,234.56". A lone separator followed by exactly three digits is a
    thousands mark in pt-BR ("1.234" = 1234) and a decimal point in en. No thousands group
    starts with 0: after zeros alone the separator is a decimal mark ("0,001" = 0.001), and a
    zero-padded number before the locale's thousands mark ("012,500" in en) is unreadable.
    """
    s = text.strip()
    if not s:
        return None
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1].strip()
    if s.endswith("-") and len(s) > 1:
        negative, s = True, s[:-1].strip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    if s.startswith("-") or s.startswith("+"):
        negative ^= s[0] == "-"
        s = s[1:].strip()
        if s[:1] in ("-", "+"):  # "--5" is a typo, not 5
            return None
    s = _SPACES.sub("", _CURRENCY.sub("", s))
    if s.startswith("-"):  # "R$ -10"
        negative, s = not negative, s[1:]
    value = _to_decimal(s, locale)
    if value is None:
        return None
    if percent:
        value = value.scaleb(-2)  # 12.5% = 0.125: a shift of the exponent, no division
    return -value if negative else value


def _to_decimal(s: str, locale: str) -> Decimal | None:
    """The number a separator-normalised string spells, or None."""
    machine = _machine_text(s, locale)
    if machine is None:
        return None
    try:
        value = Decimal(machine)
    except InvalidOperation:  # not reachable for a _PLAIN text; kept as a guard
        return None
    # Beyond Excel's largest number (about 1.8e308) no cell holds it: unreadable, not inf.
    return value if value.adjusted() <= EXCEL_MAX_EXPONENT else None


def _machine_text(s: str, locale: str) -> str | None:
    """`s` (no sign, no currency) with the thousands marks dropped and a "." decimal point."""
    padded = _PADDED_THOUSANDS.get(locale, _PADDED_THOUSANDS["en"])
    if padded.fullmatch(s):
        return None
    if _PLAIN.match(s) and not _is_pt_thousands(s, locale):
        return s
    if _GROUPED_DOT.match(s) or (locale == "pt-BR" and re.fullmatch(r"\d+(,\d+)?", s)):
        return s.replace(".", "").replace(",", ".")
    if _GROUPED_COMMA.match(s) and (locale != "pt-BR" or "." in s):
        return s.replace(",", "")
    if re.fullmatch(r"\d*,\d+", s):  # "1,5" or ",5": a decimal comma
        return s.replace(",", ".")
    return None


def _is_pt_thousands(s: str, locale: str) -> bool:
    return locale == "pt-BR" and bool(re.fullmatch(rf"{_LEAD}(\.\d{{3}})+", s))


_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(text: str) -> date | None:
    """A date typed as text (ISO yyyy-mm-dd, dd/mm/yyyy, dd.mm.yyyy, dd-mm-yyyy) or an Excel
    serial number, or None."""
    s = text.strip()
    if not s:
        return None
    for pattern, order in ((_YMD, (1, 2, 3)), (_DMY, (3, 2, 1))):
        match = pattern.match(s)
        if match:
            y, m, d = (int(match.group(i)) for i in order)
            return _safe_date(y, m, d)
    serial = parse_number(s)
    if serial is not None:
        return serial_to_date(serial)
    return None


def serial_to_date(serial: float) -> date | None:
    """An Excel date serial (1900 system) as a date; None when out of Excel's range or 60, the
    1900-02-29 Excel invents (Lotus's leap-year bug): serials before it count from 1899-12-31."""
    if not 1 <= serial < 2958466 or int(serial) == 60:
        return None
    days = int(serial)
    return EXCEL_EPOCH + timedelta(days=days if days > 60 else days + 1)


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


_PERIOD = re.compile(r"^(\d{4})[-/.](\d{1,2})$")
_PERIOD_MY = re.compile(r"^(\d{1,2})[-/.](\d{4})$")


def parse_period(text: str) -> str | None:
    """A period as "YYYY-MM" from "2026-10", "10/2026", "2026/10" or a date, or None. A number
    (2026.1 is what Excel keeps of a typed 2026.10) is not a period: it would be ambiguous."""
    s = text.strip()
    if _PLAIN.match(s):
        return None
    match = _PERIOD.match(s)
    if match:
        y, m = int(match.group(1)), int(match.group(2))
    else:
        match = _PERIOD_MY.match(s)
        if match:
            y, m = int(match.group(2)), int(match.group(1))
        else:
            parsed = parse_date(s)
            if parsed is None:
                return None
            y, m = parsed.year, parsed.month
    return f"{y:04d}-{m:02d}" if 1 <= m <= 12 else None


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a "YYYY-MM" period."""
    y, m = int(period[:4]), int(period[5:7])
    first = date(y, m, 1)
    nxt = date(y + (m == 12), m % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def as_date(value: date | datetime) -> date:
    """A datetime's date part; a date as is."""
    return value.date() if isinstance(value, datetime) else value
