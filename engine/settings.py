"""The Config sheet as typed settings: one pydantic model, and its errors as Issues at their cells.

workbook-spec.md, "Config": every key has a type and a default. `settings_from_config` reads the
Key | Value texts (as workbooks.reading gives them) into a `Settings`; each value the model
rejects becomes one Issue at that key's Value cell, in the workbook's language, and the key falls
back to its default so the jobs can still run (Period has no default: a bad one is None).
Amounts and rates are Decimal, read from the cell's text, never through float arithmetic.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from itertools import pairwise
from typing import Annotated, Any, Literal, get_args

import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError, core_schema

from engine.issues import Issue
from engine.money import to_decimal
from engine.parsing import PLAIN_NUMBER, parse_number, parse_period
from engine.rules import config_detail, rule
from engine.schema import normalise
from engine.tables import Table
from engine.vocab import ISO_4217

_PERIOD_TEXT = re.compile(r"\d{4}-\d{2}")
_PLAIN = re.compile(PLAIN_NUMBER)
_BUCKET_SEPARATORS = re.compile(r"[\s,;]+")
_EXCEL_MAX = Decimal("1E308")  # no cell holds more: "1e400" is unreadable, as in number columns


class Period(str):
    """A month, "YYYY-MM": a str (it prints and compares as that text) with its first and last
    day. `Period("2026-10")` takes only that exact form; `Period.parse` is tolerant."""

    __slots__ = ()

    def __new__(cls, text: str) -> Period:
        if not _PERIOD_TEXT.fullmatch(text) or not 1 <= int(text[5:]) <= 12:
            raise ValueError(f"{text!r} is not a period like 2026-10")
        return super().__new__(cls, text)

    @classmethod
    def parse(cls, value: object) -> Period | None:
        """A Period from "2026-10", "10/2026", a date or a date typed as text; else None."""
        if isinstance(value, Period):
            return value
        if isinstance(value, date):
            return cls(f"{value.year:04d}-{value.month:02d}")
        text = parse_period(value) if isinstance(value, str) else None
        return None if text is None else cls(text)

    @property
    def year(self) -> int:
        """The year, e.g. 2026."""
        return int(self[:4])

    @property
    def month(self) -> int:
        """The month, 1-12."""
        return int(self[5:])

    @property
    def first_day(self) -> date:
        """The first day of the month."""
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        """The last day of the month (the as-of date of aging and the close)."""
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler
                                     ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _period, json_schema_input_schema=core_schema.str_schema(pattern=r"^\d{4}-\d{2}$"),
            serialization=core_schema.to_string_ser_schema())


def _period(value: object) -> Period:
    period = Period.parse(value)
    if period is None:
        raise PydanticCustomError("config_period", "not a month like 2026-10")
    return period


def _one_of(literal: Any) -> BeforeValidator:
    """Accept any spelling of a Literal's values (case, spaces, punctuation): "FIFO", "pt_BR"."""
    allowed: tuple[str, ...] = get_args(literal)

    def pick(value: object) -> str:
        for name in allowed:
            if isinstance(value, str) and normalise(name) == normalise(value):
                return name
        raise PydanticCustomError("config_choice", "use one of {choices}", {"choices": allowed})

    return BeforeValidator(pick)


def _currency(value: object) -> str:
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in ISO_4217:
        raise PydanticCustomError("config_currency", "not an ISO 4217 currency code")
    return code


def _aging_buckets(value: object) -> tuple[int, ...]:
    """"30,60,90,120" (commas, semicolons or spaces) -> (30, 60, 90, 120): whole days, > 0,
    strictly increasing."""
    days: tuple[int, ...] = ()
    if isinstance(value, str):
        parts = [p for p in _BUCKET_SEPARATORS.split(value.strip()) if p]
        if all(p.isascii() and p.isdigit() for p in parts):
            days = tuple(int(p) for p in parts)
    elif isinstance(value, tuple | list) and all(type(d) is int for d in value):
        days = tuple(value)
    if not days or days[0] <= 0 or any(b <= a for a, b in pairwise(days)):
        raise PydanticCustomError("config_aging", "whole days in increasing order")
    return days


def parse_decimal(value: object, locale: str = "en") -> Decimal | None:
    """A finite Decimal from a cell's text ("1.5", "1,5" in pt-BR, "R$ 1.518,00", "20%") or a
    number, or None. Plain numbers are read digit for digit; other text goes through the
    tolerant reader, whose float is taken back by its shortest repr (what was typed)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal | int | float):
        number = to_decimal(value)
        return number if number.is_finite() else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    percent = text.endswith("%")
    core = text[:-1].strip() if percent else text
    if _PLAIN.match(core):
        number = Decimal(core)
    else:
        parsed = parse_number(core, locale)
        if parsed is None:
            return None
        number = to_decimal(parsed)
    if not number.is_finite() or abs(number) >= _EXCEL_MAX:
        return None
    return number.scaleb(-2) if percent else number


LocaleName = Literal["en", "pt-BR"]
ValuationMethod = Literal["moving_average", "fifo"]
TaxRounding = Literal["line", "total"]
PayrollRules = Literal["BR-2026", "tables"]
Currency = Annotated[str, BeforeValidator(_currency)]
AgingBuckets = Annotated[tuple[int, ...], BeforeValidator(_aging_buckets)]
DECIMAL_FIELDS = ("overtime_multiplier", "monthly_hours", "employer_contribution_rate", "materiality",
                  "minimum_wage", "dependent_deduction")
FRACTION_FIELDS = frozenset({"employer_contribution_rate"})  # 20% = 0.2


class Settings(BaseModel):
    """Every Config key, typed, with the defaults of workbook-spec.md. Each field's title is
    its Config key (matched case-, accent- and space-insensitively)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    company: Annotated[str, Field(title="Company")] = ""
    functional_currency: Annotated[Currency, Field(title="Functional Currency")] = "BRL"
    period: Annotated[Period | None, Field(title="Period")] = None
    locale: Annotated[LocaleName, _one_of(LocaleName), Field(title="Locale")] = "en"
    valuation_method: Annotated[ValuationMethod, _one_of(ValuationMethod),
                                Field(title="Valuation Method")] = "moving_average"
    aging_buckets: Annotated[AgingBuckets, Field(title="Aging Buckets")] = (30, 60, 90, 120)
    tax_rounding: Annotated[TaxRounding, _one_of(TaxRounding), Field(title="Tax Rounding")] = "line"
    payroll_rules: Annotated[PayrollRules, _one_of(PayrollRules),
                             Field(title="Payroll Rules")] = "BR-2026"
    overtime_multiplier: Annotated[Decimal, Field(title="Overtime Multiplier", ge=1,
                                                  examples=["1.5"])] = Decimal("1.5")
    monthly_hours: Annotated[Decimal, Field(title="Monthly Hours", gt=0, le=744,
                                            examples=["220"])] = Decimal("220")
    employer_contribution_rate: Annotated[Decimal, Field(
        title="Employer Contribution Rate", ge=0, le=1, examples=["20%"])] = Decimal("0")
    materiality: Annotated[Decimal, Field(title="Materiality", ge=0,
                                          examples=["100.00"])] = Decimal("0.00")
    minimum_wage: Annotated[Decimal | None, Field(title="Minimum Wage", gt=0,
                                                  examples=["1518.00"])] = None
    dependent_deduction: Annotated[Decimal, Field(title="Dependent Deduction", ge=0,
                                                  examples=["189.59"])] = Decimal("0")

    @field_validator(*DECIMAL_FIELDS, mode="before")
    @classmethod
    def _number(cls, value: object, info: ValidationInfo) -> object:
        """Numbers typed as text are read in the workbook's locale ("1,5" is 1.5 in pt-BR)."""
        if value is None:
            return None
        locale = (info.context or {}).get("locale", "en")
        number = parse_decimal(value, locale)
        if number is None:
            raise PydanticCustomError("config_number", "not a number")
        return number

    @property
    def aging_labels(self) -> tuple[str, ...]:
        """The aging columns: ("Current", "1-30", "31-60", "61-90", "91-120", "120+")."""
        labels, previous = ["Current"], 0
        for limit in self.aging_buckets:
            labels.append(f"{previous + 1}-{limit}")
            previous = limit
        return (*labels, f"{previous}+")


FIELD_OF_KEY: dict[str, str] = {normalise(info.title or name): name
                                for name, info in Settings.model_fields.items()}
BLANK_KEYS = frozenset({"period", "minimumwage"})  # blank Period: config.period; Minimum Wage: no check
_RULE_OF_ERROR = {"config_period": "config.period", "config_currency": "value.currency"}


def label(field: str) -> str:
    """The Config key of a Settings field, as the user reads it ("Valuation Method")."""
    return Settings.model_fields[field].title or field


def settings_from_config(config: Mapping[str, str], cells: Mapping[str, str], locale: str = "en",
                         *, sheet: str = "Config", missing_cell: str = "A1",
                         skip: frozenset[str] = frozenset()) -> tuple[Settings, list[Issue]]:
    """Typed settings from {normalised key: value text} and the issues of the bad values, each
    at its key's cell in `cells` (a missing Period at `missing_cell`). A bad value falls back to
    its default. Keys in `skip` (cells already reported, e.g. an Excel error) are left default."""
    raw = {field: config[key] for key, field in FIELD_OF_KEY.items()
           if key not in skip and config.get(key, "").strip()}
    context = {"locale": locale}
    issues: list[Issue] = []
    try:
        settings = Settings.model_validate(raw, context=context)
    except ValidationError as error:
        bad: dict[str, ErrorDetails] = {}
        for problem in error.errors():
            bad.setdefault(str(problem["loc"][0]), problem)
        issue = _issue_maker(cells, locale, sheet, missing_cell)
        issues = [issue(field, raw[field], problem) for field, problem in bad.items()]
        settings = Settings.model_validate({f: v for f, v in raw.items() if f not in bad},
                                           context=context)
    if "period" not in raw and "period" not in skip:
        issues.insert(0, _issue_maker(cells, locale, sheet, missing_cell)(
            "period", config.get("period", ""), None))
    return settings, issues


def config_settings(table: Table | None, config: Mapping[str, str], cells: Mapping[str, str],
                    locale: str = "en") -> tuple[Settings, list[Issue]]:
    """`settings_from_config` for a Config sheet read by workbooks.reading: issues on that sheet,
    a missing Period at its header, cells holding an Excel error (reported already) skipped.
    No Config sheet (or no Value column, reported already): the defaults, no issue."""
    if table is None or "Value" not in table.letters:
        return Settings(), []
    unreadable = table.unreadable.get("Value", pd.Series(dtype=bool))
    errored = {row for row, bad in unreadable.items() if bad}
    skip = frozenset(key for key, cell in cells.items() if _row_of(cell) in errored)
    return settings_from_config(config, cells, locale, sheet=table.sheet,
                                missing_cell=table.header_cell(), skip=skip)


def _issue_maker(cells: Mapping[str, str], locale: str, sheet: str, missing_cell: str
                 ) -> Callable[[str, str, ErrorDetails | None], Issue]:
    def issue(field: str, value: str, problem: ErrorDetails | None) -> Issue:
        column = label(field)
        cell = cells.get(normalise(column)) or missing_cell
        rule_id = _RULE_OF_ERROR.get(problem["type"], "config.value") if problem else "config.period"
        detail = _detail(field, problem, locale) if rule_id == "config.value" and problem else ""
        the_rule = rule(rule_id)
        return Issue(sheet, cell, _row_of(cell), column, rule_id, the_rule.severity,
                     the_rule.message(locale, column=column, value=value, detail=detail), value)

    return issue


def _detail(field: str, problem: ErrorDetails, locale: str) -> str:
    """What a valid value looks like, from the error's kind and bounds and the field's example."""
    kind, bounds = problem["type"], dict(problem.get("ctx") or {})
    if field in FRACTION_FIELDS:
        kind = "config_fraction"
    elif kind == "greater_than_equal" and bounds.get("ge") == 0:
        kind = "not_negative"
    examples = Settings.model_fields[field].examples or [""]
    example = str(examples[0])
    if locale == "pt-BR":
        example = example.replace(".", ",")
    return config_detail(kind, locale, example=example, **bounds)


def _row_of(cell: str) -> int:
    """"AB12" -> 12."""
    return int("".join(ch for ch in cell if ch.isdigit()))
