"""The rule catalogue: every check the tool makes, declared as data.

Each rule has a stable id, a severity and a message in English and Portuguese that says what is
wrong and how to fix it (Config Locale picks the language). Templates may use {column},
{value}, {detail}. Where a rule applies (which sheet, which column, which bounds) is declared in
the tables below, so the catalogue, the README and `backoffice rules` list what the code runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.issues import Severity
from engine.schema import Kind

E, W = Severity.ERROR, Severity.WARNING
_KIND_NAMES = (  # how an unreadable value's expected kind is named, en then pt-BR
    {Kind.INTEGER: "a number", Kind.NUMBER: "a number", Kind.MONEY: "an amount",
     Kind.PERCENT: "a percentage", Kind.DATE: "a date (yyyy-mm-dd or dd/mm/yyyy)",
     Kind.PERIOD: "a period (YYYY-MM)"},
    {Kind.INTEGER: "número", Kind.NUMBER: "número", Kind.MONEY: "valor", Kind.PERCENT: "percentual",
     Kind.DATE: "data (dd/mm/aaaa ou aaaa-mm-dd)", Kind.PERIOD: "período (AAAA-MM)"},
)


def kind_name(kind: Kind, locale: str) -> str:
    """What a value of this kind is called in a read.unreadable message ("" for text)."""
    return _KIND_NAMES[locale == "pt-BR"].get(kind, "")


@dataclass(frozen=True)
class Rule:
    """One check: id, severity, and the message in each language."""

    id: str
    severity: Severity
    title: str
    en: str
    pt: str

    def message(self, locale: str, **values: object) -> str:
        """The message in the workbook's language, placeholders filled."""
        template = self.pt if locale == "pt-BR" else self.en
        return template.format(**{k: _show(v) for k, v in values.items()})


def _show(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value == value else ""
    return str(value)


RULES: tuple[Rule, ...] = (
    Rule("sheet.missing", E, "A required sheet is missing",
         'The workbook has no "{column}" sheet; add it ({detail}).',
         'A pasta de trabalho não tem a planilha "{column}"; crie-a ({detail}).'),
    Rule("sheet.no_header", E, "No header row found",
         "No header row found in the first 20 rows; add a row with headers such as {detail}.",
         "Nenhuma linha de cabeçalho nas primeiras 20 linhas; inclua uma linha com cabeçalhos como "
         "{detail}."),
    Rule("sheet.missing_column", E, "A required column is missing",
         'Required column "{column}" is missing from the header row; add a column headed "{column}".',
         'Falta a coluna obrigatória "{column}" na linha de cabeçalho; inclua uma coluna "{column}".'),
    Rule("read.unreadable", E, "A value cannot be read",
         '{column}: "{value}" cannot be read as {detail}; correct the cell.',
         '{column}: "{value}" não pode ser lido como {detail}; corrija a célula.'),
    Rule("read.error_value", E, "The cell shows an Excel error",
         "{column}: the cell shows the Excel error {value}; fix the formula or type the value.",
         "{column}: a célula mostra o erro do Excel {value}; corrija a fórmula ou digite o valor."),
    Rule("value.required", E, "A required value is blank",
         "{column} is blank; it is required on every row.",
         "{column} está em branco; é obrigatório em todas as linhas."),
    Rule("value.positive", E, "Must be greater than zero",
         "{column} must be greater than 0 (found {value}).",
         "{column} deve ser maior que 0 (valor {value})."),
    Rule("value.negative", E, "Must not be negative",
         "{column} must not be negative (found {value}).",
         "{column} não pode ser negativo (valor {value})."),
    Rule("value.fraction", E, "A percentage must be between 0% and 100%",
         "{column} must be between 0% and 100% (found {value}); type 10% or 0.1, not 10.",
         "{column} deve estar entre 0% e 100% (valor {value}); digite 10% ou 0,1, e não 10."),
    Rule("value.whole", E, "Must be a whole number",
         "{column} must be a whole number (found {value}).",
         "{column} deve ser um número inteiro (valor {value})."),
    Rule("value.allowed", E, "Not one of the allowed values",
         '{column}: "{value}" is not allowed; use one of {detail}.',
         '{column}: "{value}" não é permitido; use um de {detail}.'),
    Rule("value.currency", E, "Not an ISO 4217 currency code",
         '{column}: "{value}" is not an ISO 4217 currency code; use a code such as BRL, USD, EUR.',
         '{column}: "{value}" não é um código de moeda ISO 4217; use um código como BRL, USD, EUR.'),
    Rule("config.period", E, "Config Period is missing or not YYYY-MM",
         'Config Period "{value}" is not a month like 2026-10; type the period the jobs work on.',
         'O Período da Config "{value}" não é um mês como 2026-10; informe o período de trabalho.'),
    Rule("config.value", E, "A Config value is not valid",
         'Config {column}: "{value}" is not valid; {detail}.',
         'Config {column}: "{value}" não é válido; {detail}.'),
    Rule("key.duplicate", E, "A key is repeated",
         "{column} {value} repeats row {detail}; each must be unique, so correct or remove this row.",
         "{column} {value} repete a linha {detail}; deve ser único: corrija ou remova esta linha."),
    Rule("invoice.due_before_issue", E, "Due Date before Issue Date",
         "Due Date {value} is before the Issue Date {detail}; correct one of them.",
         "O Vencimento {value} é anterior à Emissão {detail}; corrija uma das datas."),
    Rule("date.outside_period", W, "Date outside the period",
         "{column} {value} is outside the period {detail}; check the date or the Config Period.",
         "{column} {value} está fora do período {detail}; confira a data ou o Período da Config."),
    Rule("payroll.other_period", W, "Payroll row for another period",
         "Period {value} is not the Config Period {detail}; this row is ignored by this month's payroll.",
         "O Período {value} não é o Período da Config {detail}; esta linha fica fora da folha do mês."),
    Rule("taxid.invalid", E, "Invalid CPF/CNPJ",
         'Tax ID "{value}" is not a valid {detail}; check the digits.',
         'O documento "{value}" não é um {detail} válido; confira os dígitos.'),
    Rule("movement.unit_cost_required", E, "A receipt needs a Unit Cost",
         "Unit Cost is blank on an IN movement; type what one unit cost.",
         "O Custo Unitário está em branco numa entrada (IN); informe o custo de uma unidade."),
    Rule("stock.unknown_sku", E, "SKU not in the Stock sheet",
         'SKU "{value}" is not on the Stock sheet; add it there or correct the code.',
         'O SKU "{value}" não está na planilha Estoque; cadastre-o ou corrija o código.'),
    Rule("payment.no_invoice", E, "Payment matches no invoice",
         'No {detail} invoice "{value}" for this party; check Type, Party and Invoice No.',
         'Não há fatura {detail} "{value}" para esta parte; confira Tipo, Parte e Nº da fatura.'),
    Rule("payment.over_outstanding", W, "Payment above the amount outstanding",
         "Payments of invoice {value} reach {detail}; check for a duplicate "
         "or a wrong amount.",
         "Os pagamentos da fatura {value} somam {detail}; confira se há "
         "duplicidade ou valor errado."),
    Rule("fx.missing_rate", E, "No FX rate for the currency",
         "No {value} rate on or before {detail} in FX Rates; add the rate for that date.",
         "Não há cotação de {value} em ou antes de {detail} em Câmbio; inclua a cotação."),
    Rule("ap.duplicate_bill", E, "Duplicate supplier bill",
         'Supplier bill "{value}" repeats row {detail} (same supplier, number and year); remove '
         "the duplicate.",
         'A nota do fornecedor "{value}" repete a linha {detail} (mesmo fornecedor, número e ano); '
         "remova a duplicata."),
    Rule("ap.possible_duplicate", W, "Possible duplicate supplier bill",
         "Same supplier, amount and issue date as row {detail} with another number ({value}); "
         "check it is not the same bill.",
         "Mesmo fornecedor, valor e emissão da linha {detail} com outro número ({value}); confira "
         "se não é a mesma nota."),
)

RULES_BY_ID = {rule.id: rule for rule in RULES}

# The {detail} of a config.value message: what a valid value looks like, en then pt-BR. Keyed by
# the kind of error engine.settings reports (pydantic's own bound errors keep pydantic's names).
CONFIG_DETAILS: dict[str, tuple[str, str]] = {
    "config_choice": ("use {choices}", "use {choices}"),
    "config_number": ("type a number such as {example}", "digite um número como {example}"),
    "config_fraction": ("type a percentage between 0% and 100%, such as {example}",
                        "digite um percentual entre 0% e 100%, como {example}"),
    "config_aging": ("type the bucket limits in days, whole numbers in increasing order, such as "
                     "30,60,90,120",
                     "digite os limites das faixas em dias, números inteiros em ordem crescente, "
                     "como 30,60,90,120"),
    "greater_than": ("it must be greater than {gt}", "deve ser maior que {gt}"),
    "greater_than_equal": ("it must be at least {ge}", "deve ser no mínimo {ge}"),
    "not_negative": ("it must not be negative", "não pode ser negativo"),
    "less_than_equal": ("it must be at most {le}", "deve ser no máximo {le}"),
    "invalid": ("check the value", "confira o valor"),
}
_OR = (" or ", " ou ")


def config_detail(kind: str, locale: str, **values: object) -> str:
    """The {detail} of a config.value message in the workbook's language; `choices` (a tuple)
    is joined as "a or b" / "a ou b"."""
    template = CONFIG_DETAILS.get(kind, CONFIG_DETAILS["invalid"])[locale == "pt-BR"]
    shown = {k: _show(v) for k, v in values.items()}
    choices = values.get("choices")
    if isinstance(choices, tuple | list):
        names = [str(c) for c in choices]
        head = ", ".join(names[:-1])
        shown["choices"] = head + _OR[locale == "pt-BR"] + names[-1] if head else names[-1]
    return template.format(**shown)


def rule(rule_id: str) -> Rule:
    """The rule with this id."""
    return RULES_BY_ID[rule_id]


# Rules of the payroll flow (issue 12), checked by engine.payroll and engine.payroll_tables rather
# than by validation; `process payroll` reports them, so they are in the catalogue (RULES, below).
PAYROLL_RULES: tuple[Rule, ...] = (
    Rule("payroll.no_bank_account", W, "No bank account for the employee",
         "Employee {value} has no Bank Account; net pay cannot be transferred until one is typed.",
         "O funcionário {value} não tem Conta Bancária; o líquido não pode ser transferido sem ela."),
    Rule("payroll.below_minimum_wage", W, "Base Salary below the minimum wage",
         "Base Salary {value} is below the Config Minimum Wage {detail}; check the salary.",
         "O Salário Base {value} está abaixo do Salário Mínimo da Config {detail}; confira o salário."),
    Rule("payroll.negative_net_pay", E, "Net pay would be negative",
         "Net pay would be {value}: the deductions exceed the pay; correct Other Deductions or the pay.",
         "O líquido seria {value}: os descontos superam o salário; corrija Outros Descontos ou o salário."),
    Rule("tax_table.missing", E, "A tax table has no bands",
         'Tax Tables has no "{value}" rows; Payroll Rules = tables needs its bands (Table, Up To, Rate).',
         'Tabelas de Impostos não tem linhas "{value}"; Regras da Folha = tables precisa das faixas '
         "(Tabela, Até, Alíquota)."),
    Rule("tax_table.order", E, "Tax table bands out of order",
         "Up To {value} is not above the band before it ({detail}); list each table's bands in "
         "increasing order.",
         "O limite {value} não é maior que o da faixa anterior ({detail}); liste as faixas de cada "
         "tabela em ordem crescente."),
    Rule("tax_table.open_band", E, "A blank Up To that is not the last band",
         "{detail}: only the last band may leave Up To blank (no upper limit); type this band's limit.",
         "{detail}: só a última faixa pode deixar o limite em branco (sem teto); informe o limite."),
    Rule("tax_table.no_open_band", E, "The last income tax band has an Up To",
         "The last income_tax band has Up To {value}; leave it blank (income tax has no ceiling) or "
         "add a last band with a blank Up To.",
         "A última faixa de income_tax tem limite {value}; deixe-o em branco (o imposto de renda não "
         "tem teto) ou inclua uma última faixa sem limite."),
    Rule("tax_table.rate_precision", E, "A tax rate with too many decimal places",
         "Rate {value} has more than 6 decimal places (as a fraction); round it, e.g. 7.5% or 0.075.",
         "A alíquota {value} tem mais de 6 casas decimais (como fração); arredonde, ex. 7,5% ou 0,075."),
    Rule("tax_table.unknown", W, "A tax table payroll does not use",
         'Table "{value}" is not used; payroll reads the tables social_security and income_tax.',
         'A tabela "{value}" não é usada; a folha lê as tabelas social_security e income_tax.'),
)
# Rules of the aging flow (engine/aging.py): what processing finds beyond validation's
# checks; in the catalogue (RULES, below) since `process invoices` reports them.
AGING_RULES: tuple[Rule, ...] = (
    Rule("payment.before_invoice", W, "Payment dated before its invoice",
         "Payment dated {value} is before invoice {detail} was issued; check the date or the "
         "Invoice No (an advance is counted against the invoice).",
         "Pagamento de {value} anterior à emissão da fatura {detail}; confira a data ou o Nº da "
         "fatura (um adiantamento é abatido da fatura)."),
    Rule("aging.credit_balance", W, "Invoice paid above its amount (credit balance)",
         "Invoice {value} has a credit balance of {detail}: its payments exceed its amount, so it "
         "is shown as a credit, not aged; refund it or apply it to another invoice.",
         "A fatura {value} tem saldo credor de {detail}: os pagamentos superam o valor, por isso "
         "aparece como crédito, fora das faixas; devolva-o ou aplique-o em outra fatura."),
)
# Rules of the orders-and-stock flow (engine/stock_ledger.py).
STOCK_RULES: tuple[Rule, ...] = (
    Rule("stock.negative", E, "Stock would go negative",
         "Quantity {value} is more than the {detail} on hand; stock never goes negative, so this "
         "movement was not posted. Correct the quantity or record the receipt first.",
         "A Quantidade {value} é maior que o saldo de {detail}; o estoque nunca fica negativo, "
         "então este movimento não foi lançado. Corrija a quantidade ou lance antes a entrada."),
    Rule("stock.quantity_sign", E, "IN/OUT quantity must be greater than zero",
         "{column} of an {detail} movement must be greater than 0 (found {value}); use ADJ for a "
         "signed correction.",
         "{column} de um movimento {detail} deve ser maior que 0 (valor {value}); use ADJ para "
         "um ajuste com sinal."),
)
# Rules of the month-end close (engine/accounts.py, engine/postings.py; `close` reports them).
CLOSE_RULES: tuple[Rule, ...] = (
    Rule("accounts.unknown_role", W, "An account role the close does not use",
         'Role "{value}" is not one of the close\'s roles ({detail}); the row is ignored.',
         'O papel "{value}" não é um dos papéis do fechamento ({detail}); a linha é ignorada.'),
    Rule("accounts.repeated_role", W, "An account role given twice",
         'Role "{value}" is given again ({detail}); the first row counts, this one is ignored.',
         'O papel "{value}" aparece de novo ({detail}); vale a primeira linha, esta é ignorada.'),
    Rule("journal.no_rate", E, "No FX rate to post a foreign amount",
         "{column}: no {detail} rate on or before {value} in FX Rates, so this row is not posted; "
         "add the rate.",
         "{column}: não há cotação {detail} em ou antes de {value} em Câmbio, então a linha não é "
         "lançada; inclua a cotação."),
)
# Every rule the flows check beyond validation. `rule()` finds them; they join RULES (the catalogue,
# the Rules sheet, the README) when the flow's job that reports them is wired in.
FLOW_RULES: tuple[Rule, ...] = PAYROLL_RULES + AGING_RULES + STOCK_RULES + CLOSE_RULES
RULES_BY_ID.update({flow_rule.id: flow_rule for flow_rule in FLOW_RULES})
# Flow rules whose job reports them join the catalogue (`backoffice rules`, the Rules sheet, README).
RULES = RULES + PAYROLL_RULES
# `close` reports CLOSE_RULES.
RULES = RULES + CLOSE_RULES
RULES = RULES + AGING_RULES  # reported by `process invoices` (addin.jobs.invoices_job)
# `process stock` reports STOCK_RULES.
RULES = RULES + STOCK_RULES
