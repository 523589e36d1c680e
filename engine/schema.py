"""The input sheets of workbook-spec.md, declared as data.

Each sheet has a canonical English name, Portuguese aliases and its columns. Each column has a
canonical header, aliases (English and Portuguese), a value kind and whether it is required.
Reading (workbooks/) and validation (engine/) both work from these declarations, so the
catalogue a user sees (`backoffice rules`, the README) is the one the code runs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache


class Kind(StrEnum):
    """How a column's cells are read."""

    TEXT = "text"  # free text, kept as typed
    ID = "id"  # an identifier: text, leading zeros kept, numbers typed as 7.0 read as "7"
    INTEGER = "integer"
    NUMBER = "number"
    MONEY = "money"
    PERCENT = "percent"  # a fraction: 10% = 0.1
    DATE = "date"
    PERIOD = "period"  # YYYY-MM


NUMERIC_KINDS = frozenset({Kind.INTEGER, Kind.NUMBER, Kind.MONEY, Kind.PERCENT})


@dataclass(frozen=True)
class Column:
    """One column of an input sheet."""

    name: str
    kind: Kind
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        """Every normalised header this column answers to."""
        return frozenset(normalise(n) for n in (self.name, *self.aliases))


@dataclass(frozen=True)
class SheetSpec:
    """One input sheet: its names and columns."""

    name: str
    aliases: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = False
    key_value: bool = False  # Config: a two-column Key | Value sheet
    notes: str = ""
    _by_key: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for column in self.columns:
            for key in column.keys:
                self._by_key[key] = column

    def column_for(self, header: object) -> Column | None:
        """The column a header cell names, or None for an unknown (kept, ignored) column."""
        if header is None:
            return None
        return self._by_key.get(normalise(str(header)))

    def column(self, name: str) -> Column:
        """The column with this canonical name."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def names(self) -> frozenset[str]:
        """Every normalised sheet name this sheet answers to."""
        return frozenset(normalise(n) for n in (self.name, *self.aliases))


_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=1 << 16)  # vocabulary cells (Kind, Type, Currency) repeat on every row
def normalise(text: str) -> str:
    """Case-, accent-, space- and punctuation-insensitive form of a header or sheet name."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub("", plain.casefold())


def _c(name: str, kind: Kind, required: bool = False, *aliases: str) -> Column:
    return Column(name, kind, required, tuple(aliases))


CONFIG = SheetSpec(
    "Config",
    ("Configuração", "Configuracao", "Settings", "Parâmetros"),
    (
        _c("Key", Kind.TEXT, True, "Setting", "Name", "Chave", "Parâmetro", "Item"),
        _c("Value", Kind.TEXT, True, "Valor"),
    ),
    required=True,
    key_value=True,
)

ORDERS = SheetSpec(
    "Orders",
    ("Pedidos", "Sales Orders", "Vendas"),
    (
        _c("Order ID", Kind.ID, True, "Order", "Order No", "Order Number", "Pedido",
           "Nº Pedido", "Número do Pedido", "ID Pedido"),
        _c("Line", Kind.INTEGER, False, "Line No", "Item", "Linha"),
        _c("Order Date", Kind.DATE, True, "Date", "Data", "Data do Pedido"),
        _c("Customer", Kind.TEXT, True, "Client", "Cliente"),
        _c("SKU", Kind.ID, True, "Item Code", "Product", "Produto", "Código", "Código do Produto"),
        _c("Quantity", Kind.NUMBER, True, "Qty", "Quantidade", "Qtd", "Qtde"),
        _c("Unit Price", Kind.MONEY, True, "Price", "Preço", "Preço Unitário", "Valor Unitário"),
        _c("Discount", Kind.PERCENT, False, "Disc", "Desconto"),
        _c("Tax Rate", Kind.PERCENT, False, "Tax", "VAT", "Alíquota", "Imposto"),
        _c("Currency", Kind.TEXT, False, "Ccy", "Moeda"),
        _c("Priority", Kind.INTEGER, False, "Prioridade"),
    ),
)

INVOICES = SheetSpec(
    "Invoices",
    ("Faturas", "Notas", "Bills"),
    (
        _c("Invoice No", Kind.ID, True, "Invoice", "Invoice Number", "Nº Fatura", "Fatura",
           "Número", "Nota", "Nº Nota"),
        _c("Type", Kind.TEXT, True, "Tipo"),
        _c("Party", Kind.TEXT, True, "Customer/Supplier", "Counterparty", "Parte", "Cliente/Fornecedor"),
        _c("Issue Date", Kind.DATE, True, "Invoice Date", "Date", "Data de Emissão", "Emissão"),
        _c("Due Date", Kind.DATE, True, "Vencimento", "Data de Vencimento"),
        _c("Amount", Kind.MONEY, True, "Gross", "Total", "Valor", "Valor Total"),
        _c("Tax", Kind.MONEY, False, "Tax Amount", "Imposto", "Impostos"),
        _c("Currency", Kind.TEXT, False, "Ccy", "Moeda"),
        _c("Account", Kind.ID, False, "Expense Account", "Conta"),
    ),
)

PAYMENTS = SheetSpec(
    "Payments",
    ("Pagamentos", "Recebimentos", "Receipts"),
    (
        _c("Payment Date", Kind.DATE, True, "Date", "Data", "Data do Pagamento"),
        _c("Type", Kind.TEXT, True, "Tipo"),
        _c("Party", Kind.TEXT, True, "Customer/Supplier", "Parte", "Cliente/Fornecedor"),
        _c("Invoice No", Kind.ID, True, "Invoice", "Invoice Number", "Nº Fatura", "Fatura", "Nota"),
        _c("Amount", Kind.MONEY, True, "Paid", "Valor", "Valor Pago"),
        _c("Currency", Kind.TEXT, False, "Ccy", "Moeda"),
    ),
)

PAYROLL = SheetSpec(
    "Payroll",
    ("Folha", "Folha de Pagamento"),
    (
        _c("Employee ID", Kind.ID, True, "Employee", "Matrícula", "ID Funcionário"),
        _c("Name", Kind.TEXT, False, "Employee Name", "Nome"),
        _c("Period", Kind.PERIOD, True, "Month", "Competência", "Período", "Mês"),
        _c("Base Salary", Kind.MONEY, True, "Salary", "Salário", "Salário Base"),
        _c("Overtime Hours", Kind.NUMBER, False, "Overtime", "Horas Extras", "HE"),
        _c("Bonus", Kind.MONEY, False, "Bônus", "Gratificação"),
        _c("Other Deductions", Kind.MONEY, False, "Deductions", "Outros Descontos", "Descontos"),
        _c("Dependents", Kind.INTEGER, False, "Dependentes"),
        _c("Tax ID", Kind.ID, False, "CPF", "Taxpayer ID"),
        _c("Bank Account", Kind.ID, False, "Conta Bancária", "Conta"),
    ),
)

STOCK = SheetSpec(
    "Stock",
    ("Estoque", "Items", "Item Master", "Produtos"),
    (
        _c("SKU", Kind.ID, True, "Item Code", "Product", "Produto", "Código", "Código do Produto"),
        _c("Description", Kind.TEXT, False, "Descrição", "Nome"),
        _c("Opening Qty", Kind.NUMBER, False, "Opening Quantity", "Qtd Inicial", "Saldo Inicial"),
        _c("Opening Unit Cost", Kind.MONEY, False, "Opening Cost", "Custo Unitário Inicial",
           "Custo Inicial"),
        _c("Reorder Point", Kind.NUMBER, False, "Ponto de Pedido", "Estoque Mínimo"),
        _c("Reorder Qty", Kind.NUMBER, False, "Reorder Quantity", "Lote de Compra",
           "Qtd de Reposição"),
    ),
)

STOCK_MOVEMENTS = SheetSpec(
    "Stock Movements",
    ("Movimentos de Estoque", "Movimentações de Estoque", "Movimentos", "Movements"),
    (
        _c("Date", Kind.DATE, True, "Data"),
        _c("SKU", Kind.ID, True, "Item Code", "Product", "Produto", "Código"),
        _c("Type", Kind.TEXT, True, "Tipo", "Movement Type"),
        _c("Quantity", Kind.NUMBER, True, "Qty", "Quantidade", "Qtd", "Qtde"),
        _c("Unit Cost", Kind.MONEY, False, "Cost", "Custo Unitário", "Custo"),
        _c("Reference", Kind.TEXT, False, "Ref", "Referência", "Documento"),
    ),
)

FX_RATES = SheetSpec(
    "FX Rates",
    ("Câmbio", "Cotações", "Taxas de Câmbio", "Exchange Rates"),
    (
        _c("Currency", Kind.TEXT, True, "Ccy", "Moeda"),
        _c("Date", Kind.DATE, True, "Data"),
        _c("Rate", Kind.NUMBER, True, "Taxa", "Cotação"),
    ),
)

ACCOUNTS = SheetSpec(
    "Accounts",
    ("Contas", "Plano de Contas", "Chart of Accounts"),
    (
        _c("Role", Kind.TEXT, True, "Papel", "Função"),
        _c("Account", Kind.ID, True, "Conta"),
        _c("Name", Kind.TEXT, False, "Account Name", "Nome"),
    ),
)

GL_BALANCES = SheetSpec(
    "GL Balances",
    ("Saldos Contábeis", "Saldos", "Ledger Balances"),
    (
        _c("Account", Kind.ID, True, "Conta"),
        _c("Balance", Kind.MONEY, True, "Saldo"),
    ),
)

TAX_TABLES = SheetSpec(
    "Tax Tables",
    ("Tabelas de Impostos", "Tabelas"),
    (
        _c("Table", Kind.TEXT, True, "Tabela"),
        _c("Up To", Kind.MONEY, False, "Até", "Limit", "Limite"),
        _c("Rate", Kind.PERCENT, True, "Alíquota", "Taxa"),
    ),
)

INPUT_SHEETS: tuple[SheetSpec, ...] = (
    CONFIG, ORDERS, INVOICES, PAYMENTS, PAYROLL, STOCK, STOCK_MOVEMENTS,
    FX_RATES, ACCOUNTS, GL_BALANCES, TAX_TABLES,
)


def spec_for_sheet_name(sheet_name: str) -> SheetSpec | None:
    """The input sheet a workbook sheet name stands for (English or Portuguese), if any."""
    key = normalise(sheet_name)
    for spec in INPUT_SHEETS:
        if key in spec.names:
            return spec
    return None
