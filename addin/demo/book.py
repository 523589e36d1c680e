"""A realistic demo workbook for period 2026-10 (what ``backoffice demo`` writes).

The book is generated from ``random.Random(seed)`` only (no clock, no environment), so two
builds with the same seed hold the same cells. Headers are the canonical column names declared
in :mod:`engine.schema`, so the demo always matches what the readers expect.

Besides tidy, correctly typed data the book carries, on purpose:

* a few values typed as pt-BR text that are still readable ("1.234,56", "R$ 89,90", "15%",
  "31/10/2026"): :attr:`DemoFacts.text_values`;
* a few problems that validation must flag (an unreadable quantity, an order outside the
  period, a duplicate supplier bill, an overpayment, an invalid CPF): :attr:`DemoFacts.planted`.

The Orders sheet has a title above its header (header detection is exercised) and Invoices is
an Excel Table (table reading is exercised).

Money, rates and quantities are Decimals, rounded half-up to cents by engine.money (random
draws become Decimals through their shortest text, once). This module only generates data;
workbooks.input_book writes it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any

from engine.money import round_money, to_decimal
from engine.schema import (
    CONFIG,
    FX_RATES,
    INVOICES,
    ORDERS,
    PAYMENTS,
    PAYROLL,
    STOCK,
    STOCK_MOVEMENTS,
    Kind,
    SheetSpec,
)
from workbooks.input_book import BookProperties, InputSheet, write_input_book
from workbooks.model import column_letter

PERIOD = "2026-10"
PERIOD_START = date(2026, 10, 1)
PERIOD_END = date(2026, 10, 31)
FIXED_TIMESTAMP = datetime(2026, 11, 1)
COMPANY = "Acme Distribuidora Ltda"

ORDERS_TITLE = f"{COMPANY} — Sales orders, October 2026"
ORDERS_HEADER_ROW = 3  # row 1 title, row 2 blank: header detection is exercised
INVOICES_TABLE = "tblInvoices"

ISO_DATE = "yyyy-mm-dd"
BR_DATE = "dd/mm/yyyy"
MONEY = "#,##0.00"
PERCENT = "0%"
D = Decimal

HOLIDAYS = frozenset({date(2026, 9, 7), date(2026, 10, 12)})  # Independência, N. Sra. Aparecida

Row = dict[str, Any]


# --------------------------------------------------------------------------------------------
# Public result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlantedProblem:
    """A deliberate problem in the demo book that validation should flag at `cell`."""

    sheet: str
    cell: str
    kind: str  # short slug: unreadable_number, outside_period, duplicate_bill, ...
    description: str
    value: object  # what the cell holds, as written


@dataclass(frozen=True)
class TextValue:
    """A cell typed as pt-BR text that is still readable, and the value it means."""

    sheet: str
    cell: str
    text: str
    value: Decimal | date


@dataclass(frozen=True)
class DemoFacts:
    """What :func:`build_demo_workbook` wrote: data rows per sheet and the planted cells."""

    path: Path
    period: str
    rows: Mapping[str, int]
    planted: tuple[PlantedProblem, ...]
    text_values: tuple[TextValue, ...]

    @property
    def total_rows(self) -> int:
        """Data rows over all sheets."""
        return sum(self.rows.values())


# --------------------------------------------------------------------------------------------
# Reference data (fictional companies and people, realistic Brazilian names)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    sku: str
    description: str
    price: Decimal  # list price in BRL
    equipment: bool = False


@dataclass(frozen=True)
class _Customer:
    name: str
    tax_rate: Decimal  # ICMS by destination: 18% in-state, 12% / 7% interstate, 0 export
    currency: str = "BRL"


@dataclass(frozen=True)
class _Supplier:
    name: str
    account: str
    tax_rate: Decimal
    low: int  # typical net amount range (bounds of a random draw)
    high: int


_CATALOGUE: tuple[tuple[str, Decimal], ...] = (
    ("Arroz Agulhinha Tipo 1 5 kg", D("27.90")),
    ("Feijão Carioca 1 kg", D("8.49")),
    ("Açúcar Cristal 5 kg", D("22.90")),
    ("Café Torrado e Moído 500 g", D("18.75")),
    ("Óleo de Soja 900 ml", D("7.99")),
    ("Farinha de Trigo 1 kg", D("5.89")),
    ("Macarrão Espaguete 500 g", D("4.79")),
    ("Leite UHT Integral 1 L", D("5.29")),
    ("Molho de Tomate 340 g", D("3.49")),
    ("Biscoito Cream Cracker 400 g", D("6.90")),
    ("Azeite Extra Virgem 500 ml", D("39.90")),
    ("Sal Refinado 1 kg", D("2.99")),
    ("Achocolatado em Pó 400 g", D("9.80")),
    ("Margarina 500 g", D("8.25")),
    ("Sardinha em Lata 125 g", D("6.45")),
    ("Fubá Mimoso 1 kg", D("4.20")),
    ("Água Mineral 500 ml (fardo 12)", D("14.40")),
    ("Refrigerante Cola 2 L", D("9.49")),
    ("Suco de Uva Integral 1 L", D("16.90")),
    ("Cerveja Pilsen Lata 350 ml (pack 12)", D("42.90")),
    ("Energético 250 ml", D("8.99")),
    ("Chá Mate 1,5 L", D("7.60")),
    ("Detergente Líquido 500 ml", D("2.79")),
    ("Sabão em Pó 1,6 kg", D("21.90")),
    ("Água Sanitária 2 L", D("6.30")),
    ("Desinfetante Lavanda 2 L", D("11.40")),
    ("Esponja Dupla Face (pack 3)", D("4.99")),
    ("Papel Higiênico Folha Dupla (pack 12)", D("24.90")),
    ("Papel Toalha (pack 2)", D("7.45")),
    ("Saco de Lixo 100 L (rolo 10)", D("12.80")),
    ("Álcool 70% 1 L", D("9.90")),
    ("Limpador Multiuso 500 ml", D("5.60")),
    ("Sabonete em Barra 90 g (pack 6)", D("15.90")),
    ("Creme Dental 90 g", D("4.35")),
    ("Shampoo 350 ml", D("17.80")),
    ("Copo Descartável 200 ml (caixa 2.500 un)", D("89.90")),
    ("Cesta Básica Premium (kit)", D("189.90")),
    ("Dispenser de Papel Toalha", D("64.50")),
    ("Carrinho de Supermercado 160 L", D("689.00")),
    ("Balança Digital de Bancada 30 kg", D("1234.56")),
)
_EQUIPMENT = frozenset({"Carrinho de Supermercado 160 L", "Balança Digital de Bancada 30 kg"})
_PRICE_TEXT_ITEM = "Balança Digital de Bancada 30 kg"  # its price is typed "1.234,56"
_RS_TEXT_ITEM = "Copo Descartável 200 ml (caixa 2.500 un)"  # its price is typed "R$ 89,90"

_CUSTOMERS: tuple[_Customer, ...] = (
    _Customer("Supermercado Bom Preço Ltda", D("0.18")),
    _Customer("Mercado Vila Mariana Ltda", D("0.18")),
    _Customer("Comercial Santa Luzia Ltda", D("0.18")),
    _Customer("Empório Paulista de Alimentos Ltda", D("0.18")),
    _Customer("Rede Econômica de Supermercados S.A.", D("0.18")),
    _Customer("Padaria e Confeitaria Real Ltda", D("0.18")),
    _Customer("Atacadista Campinas Ltda", D("0.18")),
    _Customer("Hotel Jardins Paulista Ltda", D("0.18")),
    _Customer("Supermercados Mineiro Ltda", D("0.12")),
    _Customer("Casa Carioca Comércio de Alimentos Ltda", D("0.12")),
    _Customer("Mercado Curitibano Ltda", D("0.12")),
    _Customer("Distribuidora Gaúcha de Bebidas Ltda", D("0.12")),
    _Customer("Comercial Catarinense Ltda", D("0.12")),
    _Customer("Restaurante Sabor de Minas Ltda", D("0.12")),
    _Customer("Atacarejo Nordeste S.A.", D("0.07")),
    _Customer("Mercadinho São Jorge ME", D("0.07")),
    _Customer("Comercial Fortaleza Ltda", D("0.07")),
    _Customer("Supermercado Goiano Ltda", D("0.07")),
    _Customer("Distribuidora Amazônia Ltda", D("0.07")),
    _Customer("Mercado Capixaba Ltda", D("0.07")),
)
_EXPORT_CUSTOMERS: tuple[_Customer, ...] = (
    _Customer("Andes Trading S.A.C.", D("0.0"), "USD"),
    _Customer("Río de la Plata Foods S.R.L.", D("0.0"), "USD"),
    _Customer("Miami Gourmet Imports LLC", D("0.0"), "USD"),
)

_SUPPLIERS: tuple[_Supplier, ...] = (
    _Supplier("Laticínios Serra Verde Ltda", "5100", D("0.12"), 4000, 38000),
    _Supplier("Moinho São Jorge S.A.", "5100", D("0.18"), 6000, 52000),
    _Supplier("Torrefação Monte Alegre Ltda", "5100", D("0.18"), 3000, 26000),
    _Supplier("Bebidas Vale do Paraíba Ltda", "5100", D("0.18"), 8000, 60000),
    _Supplier("Química Limpa Bem Ltda", "5100", D("0.12"), 2500, 21000),
    _Supplier("Embalagens Rio Claro Ltda", "5100", D("0.18"), 1500, 12000),
    _Supplier("Transportadora Rápido Sul Ltda", "5200", D("0.12"), 1200, 9500),
    _Supplier("Energia Paulista Distribuidora S.A.", "6200", D("0.18"), 2800, 6400),
    _Supplier("Telecom Brasil Conecta S.A.", "6200", D("0.18"), 900, 2400),
    _Supplier("Contabilidade Exata S/S", "6300", D("0.05"), 3200, 4800),
    _Supplier("Segurança Vigilante Ltda", "6300", D("0.05"), 5200, 7900),
)
_RENT = _Supplier("Imobiliária Central Paulista Ltda", "6100", D("0.0"), 18500, 18500)
_DUPLICATE_SUPPLIER = _SUPPLIERS[0]

_FIRST_NAMES = (
    "Ana", "Bruno", "Carla", "Diego", "Eduarda", "Felipe", "Gabriela", "Henrique", "Isabela",
    "João", "Juliana", "Lucas", "Mariana", "Marcos", "Natália", "Otávio", "Patrícia", "Rafael",
    "Renata", "Rodrigo", "Sabrina", "Thiago", "Vanessa", "Vinícius", "Larissa", "Gustavo",
)
_SURNAMES = (
    "Silva", "Santos", "Oliveira", "Souza", "Rodrigues", "Ferreira", "Alves", "Pereira", "Lima",
    "Gomes", "Costa", "Ribeiro", "Martins", "Carvalho", "Almeida", "Lopes", "Soares", "Fernandes",
    "Vieira", "Barbosa", "Rocha", "Dias", "Nascimento", "Andrade", "Moreira", "Cardoso",
)
_BANKS = ("001", "033", "104", "237", "341", "260", "077")
_OUT_REASONS = ("Amostra cliente", "Avaria no transporte", "Consumo interno", "Degustação",
                "Doação", "Produto vencido")

_NUMBER_FORMATS: Mapping[tuple[str, str], str] = {
    (FX_RATES.name, "Rate"): "0.0000",
    (PAYROLL.name, "Overtime Hours"): "0.0",
}


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    """An amount rounded half-up to cents (the one rounding rule, engine.money)."""
    return round_money(value)


def _draw(rng: random.Random, low: float, high: float) -> Decimal:
    """A uniform random factor or amount as an exact Decimal: the float draw enters money once,
    through its shortest text (engine.money.to_decimal), never by float arithmetic."""
    return to_decimal(rng.uniform(low, high))


def _pt_br(value: Decimal) -> str:
    """A number as pt-BR text: 1234.56 -> "1.234,56"."""
    return f"{round_money(value):,.2f}".translate(str.maketrans(",.", ".,"))


def _business_days(start: date, end: date) -> list[date]:
    """Weekdays from start to end inclusive, without the national holidays."""
    days = (start + timedelta(n) for n in range((end - start).days + 1))
    return [d for d in days if d.weekday() < 5 and d not in HOLIDAYS]


def _next_business_day(day: date, *, cap: date) -> date:
    """The day itself when a business day, else the next one; never after `cap`."""
    while (day.weekday() >= 5 or day in HOLIDAYS) and day < cap:
        day += timedelta(1)
    return min(day, cap)


def _cpf_check_digits(base: Sequence[int]) -> tuple[int, int]:
    """The two CPF check digits of nine base digits (modulo 11)."""
    digits = list(base)
    for _ in range(2):
        weight = len(digits) + 1
        total = sum(d * (weight - i) for i, d in enumerate(digits))
        remainder = total * 10 % 11
        digits.append(0 if remainder == 10 else remainder)
    return digits[9], digits[10]


def _format_cpf(digits: Sequence[int]) -> str:
    """Eleven digits as 000.000.000-00."""
    s = "".join(map(str, digits))
    return f"{s[:3]}.{s[3:6]}.{s[6:9]}-{s[9:]}"


def _valid_cpf(rng: random.Random) -> str:
    """A random valid CPF, formatted, never with all digits equal."""
    while True:
        base = [rng.randrange(10) for _ in range(9)]
        if len(set(base)) > 1:
            return _format_cpf([*base, *_cpf_check_digits(base)])


def _invalidate_cpf(cpf: str) -> str:
    """The same CPF with a wrong second check digit."""
    return f"{cpf[:-1]}{(int(cpf[-1]) + 1) % 10}"


def _normalise_invoice_no(number: str) -> str:
    """Invoice number as the duplicate rule compares it: alphanumerics, upper, no leading 0s."""
    return "".join(ch for ch in number.upper() if ch.isalnum()).lstrip("0")


def _index(rows: Sequence[Row], target: Row) -> int:
    """Position of a row object (by identity) in its sheet."""
    return next(i for i, row in enumerate(rows) if row is target)


def _cell(spec: SheetSpec, rows: Sequence[Row], target: Row, column: str) -> str:
    """The A1 address of `column` in row `target` of a generated sheet."""
    col = column_letter(spec.columns.index(spec.column(column)) + 1)
    return f"{col}{_header_row(spec) + 1 + _index(rows, target)}"


def _header_row(spec: SheetSpec) -> int:
    """Where the header row is on a demo sheet."""
    return ORDERS_HEADER_ROW if spec is ORDERS else 1


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


@dataclass
class _Book:
    """The generated content: rows per sheet (keyed by canonical column) and planted cells."""

    rng: random.Random
    items: list[_Item] = field(default_factory=list)
    sheets: dict[str, list[Row]] = field(default_factory=dict)
    planted: list[PlantedProblem] = field(default_factory=list)
    text_values: list[TextValue] = field(default_factory=list)

    def plant(self, spec: SheetSpec, row: Row, column: str, kind: str, description: str) -> None:
        """Record a deliberate problem at a row's column."""
        cell = _cell(spec, self.sheets[spec.name], row, column)
        self.planted.append(PlantedProblem(spec.name, cell, kind, description, row[column]))

    def type_as_text(self, spec: SheetSpec, row: Row, column: str, text: str) -> None:
        """Replace a row's value by readable pt-BR text and record it."""
        value = row[column]
        row[column] = text
        cell = _cell(spec, self.sheets[spec.name], row, column)
        self.text_values.append(TextValue(spec.name, cell, text, value))


def _items(rng: random.Random) -> list[_Item]:
    """The ~40 SKUs; some codes have leading zeros ("00123")."""
    items = []
    for i, (description, price) in enumerate(_CATALOGUE):
        code = 123 + 257 * i if i < 8 else 10000 + 131 * i + rng.randrange(100)
        items.append(_Item(f"{code:05d}", description, price, description in _EQUIPMENT))
    return items


def _config_rows() -> list[Row]:
    """Key | Value settings for period 2026-10."""
    settings: tuple[tuple[str, object], ...] = (
        ("Company", COMPANY),
        ("Functional Currency", "BRL"),
        ("Period", PERIOD),
        ("Locale", "en"),
        ("Valuation Method", "moving_average"),
        ("Aging Buckets", "30,60,90,120"),
        ("Tax Rounding", "line"),
        ("Payroll Rules", "BR-2026"),
        ("Overtime Multiplier", D("1.5")),
        ("Monthly Hours", 220),
        ("Employer Contribution Rate", 0),
        ("Materiality", D("0.00")),
    )
    return [{"Key": key, "Value": value} for key, value in settings]


# Orders: single-line orders at fixed positions carry the planted cells.
_N_ORDERS = 120
_N_ORDER_LINES = 300
_SEPTEMBER_ORDER = 0
_PRICE_TEXT_ORDER = 25
_RS_TEXT_ORDER = 50
_NA_QTY_ORDER = 75
_DISCOUNT_TEXT_ORDER = 95
_DATE_TEXT_ORDER = _N_ORDERS - 1
_SINGLE_LINE_ORDERS = frozenset({_SEPTEMBER_ORDER, _PRICE_TEXT_ORDER, _RS_TEXT_ORDER,
                                 _NA_QTY_ORDER, _DISCOUNT_TEXT_ORDER, _DATE_TEXT_ORDER})
_EXPORT_ORDERS = frozenset({12, 47, 83, 108})


def _lines_per_order(rng: random.Random) -> list[int]:
    """How many lines each order has: exactly _N_ORDER_LINES in all, 1 to 5 each."""
    counts = [1] * _N_ORDERS
    growable = [i for i in range(_N_ORDERS) if i not in _SINGLE_LINE_ORDERS]
    for _ in range(_N_ORDER_LINES - _N_ORDERS):
        i = rng.choice(growable)
        counts[i] += 1
        if counts[i] == 5:
            growable.remove(i)
    return counts


def _order_dates(rng: random.Random) -> list[date]:
    """Order dates in October; the first is a late-keyed September order, the last is 31/10."""
    days = _business_days(PERIOD_START, PERIOD_END)
    dates = sorted(rng.choice(days) for _ in range(_N_ORDERS))
    dates[_SEPTEMBER_ORDER] = date(2026, 9, 30)
    dates[_DATE_TEXT_ORDER] = PERIOD_END
    return dates


def _order_line(rng: random.Random, item: _Item, customer: _Customer) -> Row:
    """Quantity, price, discount, tax rate and currency of one order line."""
    if item.equipment:
        quantity = rng.randint(1, 3)
    else:
        quantity = rng.choice((6, 10, 12, 12, 20, 24, 24, 30, 36, 48, 60))
    price = item.price * rng.choice((D(1), D(1), D(1), D("0.97"), D("1.03"), D("1.05")))
    if customer.currency == "USD":
        price /= D("5.45")
    return {
        "SKU": item.sku,
        "Quantity": quantity,
        "Unit Price": _money(price),
        "Discount": rng.choices((D("0.0"), D("0.02"), D("0.05"), D("0.10"), D("0.15")),
                                weights=(50, 15, 20, 10, 5))[0],
        "Tax Rate": customer.tax_rate,
        "Currency": customer.currency,
    }


def _orders(book: _Book) -> None:
    """~300 order lines over 120 orders dated in October 2026, with the Orders plants."""
    rng, items = book.rng, book.items
    by_name = {item.description: item for item in items}
    forced = {_PRICE_TEXT_ORDER: by_name[_PRICE_TEXT_ITEM], _RS_TEXT_ORDER: by_name[_RS_TEXT_ITEM]}
    rows: list[Row] = []
    firsts: dict[int, Row] = {}
    for n, (lines, day) in enumerate(zip(_lines_per_order(rng), _order_dates(rng), strict=True)):
        export = n in _EXPORT_ORDERS
        customer = rng.choice(_EXPORT_CUSTOMERS if export else _CUSTOMERS)
        priority = rng.choices((0, 1, 2), weights=(70, 22, 8))[0]
        chosen = [forced[n]] if n in forced else rng.sample(items, lines)
        for line, item in enumerate(chosen, start=1):
            row = {"Order ID": f"{4501 + n:06d}", "Line": line, "Order Date": day,
                   "Customer": customer.name, **_order_line(rng, item, customer),
                   "Priority": priority}
            rows.append(row)
            firsts.setdefault(n, row)
    book.sheets[ORDERS.name] = rows
    _plant_orders(book, firsts)


def _plant_orders(book: _Book, firsts: Mapping[int, Row]) -> None:
    """Text values and problems on the Orders sheet (all on single-line BRL orders)."""
    price_row, rs_row = firsts[_PRICE_TEXT_ORDER], firsts[_RS_TEXT_ORDER]
    price_row.update({"Unit Price": D("1234.56"), "Quantity": 1})
    rs_row["Unit Price"] = D("89.90")
    firsts[_DISCOUNT_TEXT_ORDER]["Discount"] = D("0.15")
    book.type_as_text(ORDERS, price_row, "Unit Price", _pt_br(D("1234.56")))
    book.type_as_text(ORDERS, rs_row, "Unit Price", f"R$ {_pt_br(D('89.90'))}")
    book.type_as_text(ORDERS, firsts[_DISCOUNT_TEXT_ORDER], "Discount", "15%")
    book.type_as_text(ORDERS, firsts[_DATE_TEXT_ORDER], "Order Date",
                      PERIOD_END.strftime("%d/%m/%Y"))
    sept = firsts[_SEPTEMBER_ORDER]
    book.plant(ORDERS, sept, "Order Date", "outside_period",
               f"order {sept['Order ID']} is dated 2026-09-30, outside period {PERIOD}")
    na_row = firsts[_NA_QTY_ORDER]
    na_row["Quantity"] = "N/A"
    book.plant(ORDERS, na_row, "Quantity", "unreadable_number",
               f"order {na_row['Order ID']} line 1: quantity typed as 'N/A' cannot be read")


def _invoice(number: str, kind: str, party: str, issued: date, due_days: int,
             net: Decimal, tax_rate: Decimal, currency: str = "BRL", account: str | None = None
             ) -> Row:
    """One invoice row: Amount is gross (tax included)."""
    tax = _money(net * tax_rate)
    return {"Invoice No": number, "Type": kind, "Party": party, "Issue Date": issued,
            "Due Date": issued + timedelta(due_days), "Amount": _money(net + tax), "Tax": tax,
            "Currency": currency, "Account": account}


def _ar_invoices(rng: random.Random) -> list[Row]:
    """73 customer invoices issued Jun-Oct 2026, two of them in USD, three long overdue."""
    days = _business_days(date(2026, 6, 1), PERIOD_END)
    recent = _business_days(date(2026, 9, 1), PERIOD_END)
    issued = sorted([rng.choice(days) for _ in range(68)] + [rng.choice(recent) for _ in range(2)])
    usd = set(rng.sample([i for i, d in enumerate(issued) if d >= recent[0]], 2))
    rows = []
    for i, day in enumerate(issued):
        customer = rng.choice(_EXPORT_CUSTOMERS if i in usd else _CUSTOMERS)
        net = _draw(rng, 800, 48000) / (D("5.45") if i in usd else 1)
        rows.append(_invoice(f"NF-{10231 + i:06d}", "AR", customer.name, day,
                             rng.choice((30, 60)), net, customer.tax_rate, customer.currency))
    return rows + _old_ar_invoices()


def _old_ar_invoices() -> list[Row]:
    """Three early-June invoices on 15-day terms still unpaid at the period end (over 120 days
    past due: the aging's last bucket is not empty). Fixed rows: the random draws of every other
    row stay as they were, and `_payments` never pays them (_UNPAID)."""
    late = (("NF-010118", _CUSTOMERS[15], date(2026, 6, 2), "8420.00"),
            ("NF-010142", _CUSTOMERS[6], date(2026, 6, 9), "23650.40"),
            ("NF-010157", _CUSTOMERS[13], date(2026, 6, 16), "4980.75"))
    return [_invoice(number, "AR", customer.name, issued, 15, D(net), customer.tax_rate)
            for number, customer, issued, net in late]


_UNPAID = frozenset({"NF-010118", "NF-010142", "NF-010157", "00877"})  # the long-overdue ones


def _ap_invoices(rng: random.Random) -> tuple[list[Row], Row, Row]:
    """52 supplier bills Jun-Oct 2026: 5 monthly rents, 43 others, a duplicate pair, an old unpaid
    bill and a large quarterly purchase."""
    days = _business_days(date(2026, 6, 1), PERIOD_END)
    rows = [_invoice(f"{2026}{month:02d}", "AP", _RENT.name, date(2026, month, 5), 30,
                     D(_RENT.low), D(0), account=_RENT.account) for month in range(6, 11)]
    seen = {(_DUPLICATE_SUPPLIER.name, "123")}
    while len(rows) < 48:
        supplier = rng.choice(_SUPPLIERS)
        number = str(rng.randint(1000, 99999))
        if rng.random() < 0.3:
            number = number.zfill(6)
        if (supplier.name, _normalise_invoice_no(number)) in seen:
            continue
        seen.add((supplier.name, _normalise_invoice_no(number)))
        rows.append(_invoice(number, "AP", supplier.name, rng.choice(days), rng.choice((30, 60)),
                             _draw(rng, supplier.low, supplier.high), supplier.tax_rate,
                             account=supplier.account))
    dup = _DUPLICATE_SUPPLIER
    net = _money(_draw(rng, dup.low, dup.high))
    original = _invoice("000123", "AP", dup.name, date(2026, 7, 14), 30, net, dup.tax_rate,
                        account=dup.account)
    again = _invoice("123", "AP", dup.name, date(2026, 9, 22), 30, net, dup.tax_rate,
                     account=dup.account)
    return [*rows, original, again, *_large_bills()], original, again


def _large_bills() -> list[Row]:
    """Fixed, unrandomised bills: an unpaid June bill (120+ days past due) and a quarterly
    purchase falling due in December, the week the Cash Forecast dips below zero net."""
    mill, packer = _SUPPLIERS[1], _SUPPLIERS[5]
    return [_invoice("00877", "AP", packer.name, date(2026, 6, 1), 15, D("6240.00"),
                     packer.tax_rate, account=packer.account),
            _invoice("Q4-2026", "AP", mill.name, date(2026, 10, 26), 45, D("186000.00"),
                     mill.tax_rate, account=mill.account)]


def _invoices(book: _Book) -> None:
    """~125 AR and AP invoices, sorted by issue date, with the duplicate-bill plant."""
    ap, original, again = _ap_invoices(book.rng)
    rows = sorted(_ar_invoices(book.rng) + ap,
                  key=lambda r: (r["Issue Date"], r["Type"], r["Invoice No"]))
    book.sheets[INVOICES.name] = rows
    first = _cell(INVOICES, rows, original, "Invoice No")
    book.plant(INVOICES, again, "Invoice No", "duplicate_bill",
               f"supplier bill '123' from {again['Party']} duplicates bill '000123' "
               f"at Invoices!{first} (same supplier, same number once normalised, same year)")


def _pay_date(rng: random.Random, invoice: Row, *, after: date | None = None) -> date:
    """A plausible payment date for an invoice, on a business day, within the period."""
    start = after or invoice["Issue Date"]
    span = max((invoice["Due Date"] - start).days + 20, 8)
    return _next_business_day(start + timedelta(rng.randint(5, span)), cap=date(2026, 10, 30))


def _payment(invoice: Row, day: date, amount: Decimal) -> Row:
    """A payment row for an invoice."""
    return {"Payment Date": day, "Type": invoice["Type"], "Party": invoice["Party"],
            "Invoice No": invoice["Invoice No"], "Amount": _money(amount),
            "Currency": invoice["Currency"]}


def _payments(book: _Book) -> None:
    """81 payments: most in full, some partial or in two installments, one overpayment, one
    advance."""
    rng = book.rng
    invoices = book.sheets[INVOICES.name]
    pool = [r for r in invoices if r["Issue Date"] <= date(2026, 10, 15)
            and (r["Type"], r["Invoice No"]) != ("AP", "123") and r["Invoice No"] not in _UNPAID]
    pool.sort(key=lambda r: r["Issue Date"].toordinal() + rng.uniform(0, 75))  # older first
    chosen = pool[:74]
    over = next(r for r in chosen if r["Type"] == "AR" and r["Currency"] == "BRL")
    rest = [r for r in chosen if r is not over]
    installments, partials, full = rest[:5], rest[5:13], rest[13:]
    rows = [_payment(r, _pay_date(rng, r), r["Amount"]) for r in full]
    for r in installments:
        first = _payment(r, _pay_date(rng, r), r["Amount"] * _draw(rng, 0.3, 0.6))
        rows += [first, _payment(r, _pay_date(rng, r, after=first["Payment Date"]),
                                 r["Amount"] - first["Amount"])]
    partial_rows = [_payment(r, _pay_date(rng, r), r["Amount"] * _draw(rng, 0.25, 0.7))
                    for r in partials]
    text_row = next(p for p in partial_rows if p["Currency"] == "BRL")
    text_row["Amount"] = D(max(100, int(text_row["Amount"]) // 100 * 100))
    first = _payment(over, _pay_date(rng, over), over["Amount"] * D("0.4"))
    extra = _payment(over, _pay_date(rng, over, after=first["Payment Date"]),
                     over["Amount"] - first["Amount"] + D("350.00"))
    rows = sorted([*rows, *partial_rows, first, extra, _advance(invoices)],
                  key=lambda r: (r["Payment Date"], r["Type"], r["Invoice No"]))
    book.sheets[PAYMENTS.name] = rows
    book.type_as_text(PAYMENTS, text_row, "Amount", f"R$ {_pt_br(text_row['Amount'])}")
    outstanding = _money(over["Amount"] - first["Amount"])
    book.plant(PAYMENTS, extra, "Amount", "overpayment",
               f"payment of {extra['Amount']:,.2f} exceeds the {outstanding:,.2f} outstanding on "
               f"invoice {over['Invoice No']} (Invoices!"
               f"{_cell(INVOICES, book.sheets[INVOICES.name], over, 'Invoice No')})")


def _advance(invoices: Sequence[Row]) -> Row:
    """A customer's advance: 30% of the first BRL invoice issued after October 20, paid a few
    days before it was issued (the invoices flow warns payment.before_invoice on it)."""
    invoice = next(r for r in invoices if r["Type"] == "AR" and r["Currency"] == "BRL"
                   and r["Issue Date"] > date(2026, 10, 20))
    day = invoice["Issue Date"] - timedelta(3)
    while day.weekday() >= 5:  # a business day
        day -= timedelta(1)
    return _payment(invoice, day, invoice["Amount"] * D("0.3"))


_N_EMPLOYEES = 25
_INVALID_CPF_EMPLOYEE = 17
_NEW_HIRE = 21  # joined this month: no bank account yet (process payroll warns, pays the rest)


def _salaries(rng: random.Random) -> list[Decimal]:
    """Base salaries from 1,621.00 (the 2026 minimum wage) to 15,000.00, shuffled."""
    salaries = [D("15000.00"), D("1621.00")]
    salaries += [_money(_draw(rng, 8000, 13500)) for _ in range(3)]
    salaries += [_money(_draw(rng, 3500, 7500)) for _ in range(7)]
    salaries += [_money(_draw(rng, 1700, 3400)) for _ in range(_N_EMPLOYEES - len(salaries))]
    rng.shuffle(salaries)
    return salaries


def _names(rng: random.Random, count: int) -> list[str]:
    """Distinct Brazilian full names."""
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(_FIRST_NAMES)} {rng.choice(_SURNAMES)} {rng.choice(_SURNAMES)}"
        if name not in names and len(set(name.split())) == 3:
            names.append(name)
    return names


def _bank_account(rng: random.Random) -> str:
    """Bank / branch / account-digit, as text."""
    return (f"{rng.choice(_BANKS)} / {rng.randint(1, 9999):04d} / "
            f"{rng.randint(1000, 9999999):07d}-{rng.randrange(10)}")


def _payroll(book: _Book) -> None:
    """25 employees for period 2026-10, with one invalid CPF (validation: not paid) and a new
    hire without a bank account yet (process payroll warns)."""
    rng = book.rng
    ids = sorted(rng.sample(range(1, 400), _N_EMPLOYEES))
    rows = []
    for emp_id, name, salary in zip(ids, _names(rng, _N_EMPLOYEES), _salaries(rng), strict=True):
        overtime = rng.choice((2, 4, 6, D("7.5"), 8, 10, 12, 16, 20)) if (
            salary <= 7500 and rng.random() < 0.45) else 0
        rows.append({
            "Employee ID": f"{emp_id:05d}", "Name": name, "Period": PERIOD,
            "Base Salary": salary, "Overtime Hours": overtime,
            "Bonus": D(rng.choice(range(250, 3001, 50))) if rng.random() < 0.25 else D(0),
            "Other Deductions": rng.choice((D("89.90"), D("120.00"), D("150.00"), D("215.40"),
                                            D("310.75")))
            if rng.random() < 0.35 else D(0),
            "Dependents": rng.choices((0, 1, 2, 3), weights=(45, 25, 20, 10))[0],
            "Tax ID": _valid_cpf(rng), "Bank Account": _bank_account(rng),
        })
    book.sheets[PAYROLL.name] = rows
    rows[_NEW_HIRE]["Bank Account"] = None  # drawn above all the same: later sheets unchanged
    bad = rows[_INVALID_CPF_EMPLOYEE]
    bad["Tax ID"] = _invalidate_cpf(str(bad["Tax ID"]))
    book.plant(PAYROLL, bad, "Tax ID", "invalid_tax_id",
               f"employee {bad['Employee ID']}: CPF {bad['Tax ID']} has a wrong check digit")


_SHORT_ITEMS = 4  # consumables with a low opening and no receipts: backorders, reorders


def _stock(book: _Book) -> set[str]:
    """The item master; returns the SKUs kept short on purpose (no receipts in October)."""
    rng = book.rng
    consumables = [item for item in book.items if not item.equipment]
    short = {item.sku for item in rng.sample(consumables, _SHORT_ITEMS)}
    rows = []
    for item in book.items:
        if item.equipment:
            opening, point, reorder = rng.randint(4, 10), rng.randint(2, 4), rng.randint(5, 10)
        else:
            opening = rng.randint(3, 12) if item.sku in short else rng.randrange(150, 801, 10)
            point, reorder = rng.randrange(60, 201, 20), rng.randrange(120, 601, 60)
        rows.append({"SKU": item.sku, "Description": item.description, "Opening Qty": opening,
                     "Opening Unit Cost": _money(item.price * _draw(rng, 0.55, 0.75)),
                     "Reorder Point": point, "Reorder Qty": reorder})
    book.sheets[STOCK.name] = rows
    return short


_N_MOVEMENTS = 150
_TYPE_ORDER = {"IN": 0, "ADJ": 1, "OUT": 2}


def _movement(rng: random.Random, item: _Item, stock: Row, day: date) -> Row:
    """One raw IN / OUT / ADJ movement."""
    kind = rng.choices(("IN", "OUT", "ADJ"), weights=(52, 28, 20))[0]
    if kind == "IN":
        qty = rng.randint(2, 6) if item.equipment else rng.randrange(60, 481, 20)
        return {"Date": day, "SKU": item.sku, "Type": "IN", "Quantity": qty,
                "Unit Cost": _money(stock["Opening Unit Cost"] * _draw(rng, 0.97, 1.06)),
                "Reference": f"NF-e {rng.randint(10000, 999999):06d}"}
    if kind == "OUT":
        qty = 1 if item.equipment else rng.randint(1, 12)
        return {"Date": day, "SKU": item.sku, "Type": "OUT", "Quantity": qty,
                "Reference": rng.choice(_OUT_REASONS)}
    qty = rng.choice((-1, 1) if item.equipment else (-5, -4, -3, -2, -1, 1, 2, 3))
    return {"Date": day, "SKU": item.sku, "Type": "ADJ", "Quantity": qty,
            "Reference": "Inventário rotativo"}


def _order_demand(book: _Book) -> dict[str, Decimal]:
    """Total ordered quantity per SKU over the sheet (readable quantities only)."""
    demand: dict[str, Decimal] = defaultdict(Decimal)
    for row in book.sheets[ORDERS.name]:
        if isinstance(row["Quantity"], int | Decimal):
            demand[row["SKU"]] += row["Quantity"]
    return demand


def _keep_stock_non_negative(book: _Book, rows: Iterable[Row]) -> None:
    """Turn any OUT/negative ADJ that could drive on-hand below zero into a positive count ADJ.

    Conservative: assumes every order line of the month is served before the movement.
    """
    on_hand = {r["SKU"]: Decimal(r["Opening Qty"]) for r in book.sheets[STOCK.name]}
    for sku, qty in _order_demand(book).items():
        on_hand[sku] -= qty
    for row in rows:
        change = row["Quantity"] if row["Type"] != "OUT" else -row["Quantity"]
        if change < 0 and on_hand[row["SKU"]] + change < 0:
            row.update({"Type": "ADJ", "Quantity": abs(change), "Reference": "Inventário rotativo"})
            change = abs(change)
        on_hand[row["SKU"]] += change


def _stock_movements(book: _Book, short: set[str]) -> None:
    """150 IN/OUT/ADJ movements in October (none for the short SKUs)."""
    rng = book.rng
    stock = {r["SKU"]: r for r in book.sheets[STOCK.name]}
    items = [item for item in book.items if item.sku not in short]
    days = _business_days(PERIOD_START, PERIOD_END)
    rows = []
    for _ in range(_N_MOVEMENTS):
        item = rng.choice(items)
        rows.append(_movement(rng, item, stock[item.sku], rng.choice(days)))
    def order(r: Row) -> tuple[date, int, str]:
        return r["Date"], _TYPE_ORDER[r["Type"]], r["SKU"]

    rows.sort(key=order)
    _keep_stock_non_negative(book, rows)
    rows.sort(key=order)  # a converted movement moves to its new type's place in the day
    book.sheets[STOCK_MOVEMENTS.name] = rows


def _fx_rates(book: _Book) -> None:
    """USD and EUR business-day rates for Sep-Oct 2026 (BRL per unit), a bounded random walk."""
    rng = book.rng
    level = {"USD": 5.45, "EUR": 6.15}
    bounds = {"USD": (5.30, 5.60), "EUR": (6.00, 6.30)}
    rows = []
    for day in _business_days(date(2026, 9, 1), PERIOD_END):
        for currency, (low, high) in bounds.items():
            pull = 0.1 * ((low + high) / 2 - level[currency])  # mean-reverting
            level[currency] = min(high, max(low, level[currency] + pull + rng.gauss(0, 0.02)))
            # The walk is a simulation in floats; the rate written is an exact 4-place Decimal.
            rate = round_money(to_decimal(level[currency]), D("0.0001"))
            rows.append({"Currency": currency, "Date": day, "Rate": rate})
    book.sheets[FX_RATES.name] = rows


def _generate(seed: int) -> _Book:
    """All sheets' rows and the planted cells, deterministically from the seed."""
    book = _Book(random.Random(seed))
    book.items = _items(book.rng)
    book.sheets[CONFIG.name] = _config_rows()
    _orders(book)
    _invoices(book)
    _payments(book)
    _payroll(book)
    short = _stock(book)
    _stock_movements(book, short)
    _fx_rates(book)
    return book


# --------------------------------------------------------------------------------------------
# Layout (workbooks.input_book writes the file)
# --------------------------------------------------------------------------------------------

_SHEETS: tuple[SheetSpec, ...] = (CONFIG, ORDERS, INVOICES, PAYMENTS, PAYROLL, STOCK,
                                  STOCK_MOVEMENTS, FX_RATES)
_BR_DATE_SHEETS = frozenset({INVOICES.name, PAYMENTS.name})
_KIND_FORMATS: Mapping[Kind, str] = {Kind.MONEY: MONEY, Kind.PERCENT: PERCENT, Kind.INTEGER: "0",
                                     Kind.NUMBER: "#,##0"}


def _number_formats(spec: SheetSpec) -> dict[str, str]:
    """Each numeric column's Excel number format: by kind, with the demo's overrides."""
    formats = {c.name: _KIND_FORMATS[c.kind] for c in spec.columns if c.kind in _KIND_FORMATS}
    formats.update({column: fmt for (sheet, column), fmt in _NUMBER_FORMATS.items()
                    if sheet == spec.name})
    return formats


def _layout(spec: SheetSpec, rows: Sequence[Row]) -> InputSheet:
    """How one demo sheet is laid out: Orders has a title, Invoices is an Excel Table."""
    cell_formats = {(len(rows) + 1, 2): "0.00"} if spec is CONFIG else {}  # Materiality
    return InputSheet(
        spec.name, tuple(c.name for c in spec.columns), rows, header_row=_header_row(spec),
        title=ORDERS_TITLE if spec is ORDERS else None,
        table_name=INVOICES_TABLE if spec is INVOICES else None,
        header_fill=spec is not INVOICES, number_formats=_number_formats(spec),
        date_format=BR_DATE if spec.name in _BR_DATE_SHEETS else ISO_DATE,
        cell_formats=cell_formats)


_PROPERTIES = BookProperties(COMPANY, f"Back Office demo workbook, period {PERIOD}", FIXED_TIMESTAMP)


def build_demo_workbook(path: Path, *, seed: int = 2026) -> DemoFacts:
    """Write a realistic demo workbook for period 2026-10 to `path` (a new .xlsx; refuses to
    overwrite an existing file by raising FileExistsError) and return facts about it."""
    path = Path(path)
    if path.exists():
        raise FileExistsError(f"{path} already exists; the demo never overwrites a file")
    book = _generate(seed)
    write_input_book(path, [_layout(spec, book.sheets[spec.name]) for spec in _SHEETS], _PROPERTIES)
    return DemoFacts(
        path=path,
        period=PERIOD,
        rows=MappingProxyType({spec.name: len(book.sheets[spec.name]) for spec in _SHEETS}),
        planted=tuple(book.planted),
        text_values=tuple(book.text_values),
    )
