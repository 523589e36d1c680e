"""Allowed values and their aliases (English and Portuguese), as data."""

from __future__ import annotations

from collections.abc import Mapping

import pycountry

from engine.schema import normalise

ISO_4217 = frozenset(c.alpha_3 for c in pycountry.currencies)

Choices = Mapping[str, tuple[str, ...]]

INVOICE_TYPES: Choices = {
    "AR": ("AR", "Sale", "Sales", "Receivable", "Customer", "Receber", "Venda", "CR"),
    "AP": ("AP", "Purchase", "Payable", "Supplier", "Bill", "Pagar", "Compra", "CP"),
}
MOVEMENT_TYPES: Choices = {
    "IN": ("IN", "Receipt", "Entrada", "E"),
    "OUT": ("OUT", "Issue", "Saída", "Saida", "S"),
    "ADJ": ("ADJ", "Adjustment", "Ajuste", "Count", "Inventário"),
}
CONFIG_CHOICES: Choices = {
    "locale": ("en", "pt-BR"),
    "valuationmethod": ("moving_average", "fifo"),
    "taxrounding": ("line", "total"),
    "payrollrules": ("BR-2026", "tables"),
}


CONFIG_LABELS = {"locale": "Locale", "valuationmethod": "Valuation Method",
                 "taxrounding": "Tax Rounding", "payrollrules": "Payroll Rules"}


def canonical(value: object, choices: Choices) -> str | None:
    """The canonical choice a typed value stands for (any case, accents, spacing), or None."""
    if value is None:
        return None
    return _aliases(choices).get(normalise(str(value)))


_ALIAS_TABLES: dict[int, tuple[Choices, dict[str, str]]] = {}


def _aliases(choices: Choices) -> dict[str, str]:
    """{normalised alias: canonical name}, built once per vocabulary (canonical is called per
    cell: rebuilding the set of aliases each time made validating 200,000 rows take minutes).
    The first name listing an alias wins, as the former scan in order did."""
    entry = _ALIAS_TABLES.get(id(choices))
    if entry is None or entry[0] is not choices:
        table: dict[str, str] = {}
        for name, aliases in choices.items():
            for alias in aliases:
                table.setdefault(normalise(alias), name)
        entry = _ALIAS_TABLES[id(choices)] = (choices, table)
    return entry[1]


def config_choice(key: str, value: str) -> str | None:
    """A Config value among its allowed spellings, or None."""
    allowed = CONFIG_CHOICES[key]
    return next((a for a in allowed if normalise(a) == normalise(value)), None)
