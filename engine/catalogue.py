"""The rule catalogue as a person reads it: each rule with where it applies (from the same
declarations validation runs on), for `backoffice rules`, the Rules sheet and the README."""

from __future__ import annotations

from dataclasses import dataclass

from engine.crosschecks import FX_DATES
from engine.rules import RULES, Rule
from engine.schema import INPUT_SHEETS, Kind
from engine.settings import Settings, label
from engine.validation import (
    CHOICES,
    CURRENCY_COLUMNS,
    IN_PERIOD_DATES,
    RANGES,
    UNIQUE_KEYS,
    WHOLE,
)

FIXED_SCOPES = {
    "sheet.missing": ["Config"],
    "sheet.no_header": ["every input sheet"],
    "sheet.missing_column": ["every required column"],
    "read.unreadable": ["every number, amount, percentage, date and period column"],
    "read.error_value": ["every column read"],
    "config.period": ["Config.Period"],
    "config.value": [f"Config.{label(field)}" for field in Settings.model_fields
                     if field not in ("company", "period", "functional_currency")],
    "invoice.due_before_issue": ["Invoices.Due Date"],
    "payroll.other_period": ["Payroll.Period"],
    "taxid.invalid": ["Payroll.Tax ID"],
    "movement.unit_cost_required": ["Stock Movements.Unit Cost (IN rows)"],
    "stock.unknown_sku": ["Orders.SKU", "Stock Movements.SKU"],
    "stock.negative": ["Stock Movements.Quantity (OUT, negative ADJ; by process stock)"],
    "stock.quantity_sign": ["Stock Movements.Quantity (IN, OUT; by process stock)"],
    "payment.no_invoice": ["Payments.Invoice No (with Type, Party)"],
    "payment.over_outstanding": ["Payments.Amount"],
    "ap.duplicate_bill": ["Invoices.Invoice No (AP)"],
    "ap.possible_duplicate": ["Invoices.Invoice No (AP)"],
    # process payroll
    "payroll.no_bank_account": ["Payroll.Bank Account (rows paid)"],
    "payroll.below_minimum_wage": ["Payroll.Base Salary (with Config Minimum Wage)"],
    "payroll.negative_net_pay": ["Payroll.Other Deductions (rows paid)"],
    "tax_table.missing": ["Tax Tables.Table (Payroll Rules = tables)"],
    "tax_table.order": ["Tax Tables.Up To (Payroll Rules = tables)"],
    "tax_table.open_band": ["Tax Tables.Up To (Payroll Rules = tables)"],
    "tax_table.no_open_band": ["Tax Tables.Up To (Payroll Rules = tables)"],
    "tax_table.rate_precision": ["Tax Tables.Rate (Payroll Rules = tables)"],
    "tax_table.unknown": ["Tax Tables.Table (Payroll Rules = tables)"],
    # close
    "accounts.unknown_role": ["Accounts.Role (by close)"],
    "accounts.repeated_role": ["Accounts.Role (by close)"],
    "journal.no_rate": ["Invoices.Issue Date", "Payments.Payment Date (by close)"],
    # process invoices
    "payment.before_invoice": ["Payments.Payment Date (by the invoice's Issue Date; process invoices)"],
    "aging.credit_balance": ["Invoices.Amount (paid above it by the period end; process invoices)"],
}


@dataclass(frozen=True)
class Entry:
    """A rule and where it applies."""

    rule: Rule
    scope: tuple[str, ...]


def catalogue() -> list[Entry]:
    """Every rule with its scope, in catalogue order."""
    scopes: dict[str, list[str]] = {rule_id: list(where) for rule_id, where in FIXED_SCOPES.items()}
    for sheet, column, rule_id in RANGES:
        scopes.setdefault(rule_id, []).append(f"{sheet}.{column}")
    scopes["value.whole"] = [f"{s}.{c}" for s, c in WHOLE]
    scopes["value.allowed"] = [f"{s}.{c}" for s, c in CHOICES]
    scopes["value.currency"] = [f"{s}.{c}" for s, c in CURRENCY_COLUMNS] + ["Config.Functional Currency"]
    scopes["key.duplicate"] = [f"{s}: {' + '.join(k)}" for s, k in UNIQUE_KEYS.items()]
    scopes["date.outside_period"] = [f"{s}.{c}" for s, c in IN_PERIOD_DATES]
    scopes["fx.missing_rate"] = [f"{s}.Currency (by {c})" for s, c in FX_DATES]
    scopes["value.fraction"] = [f"{spec.name}.{c.name}" for spec in INPUT_SHEETS
                                for c in spec.columns if c.kind is Kind.PERCENT]
    scopes["value.required"] = [f"{spec.name}.{c.name}" for spec in INPUT_SHEETS
                                for c in spec.columns if c.required]
    return [Entry(rule, tuple(scopes.get(rule.id, []))) for rule in RULES]
