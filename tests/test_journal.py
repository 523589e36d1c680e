"""The close's journal and trial balance from the clean rule book (hand-checked figures), its
invariants as properties, and the beancount export reproducing the trial balance."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from beancount import loader
from hypothesis import given, settings
from hypothesis import strategies as st
from rulebook import append_row, clean_sheets

from addin.export import beancount_text, csv_text
from engine.close import close_books, gl_balances
from engine.flows import run_flows
from engine.validation import validate
from workbooks.memory import MemoryWorkbook
from workbooks.reading import read_workbook


def close(sheets):
    data = read_workbook(MemoryWorkbook("book.xlsx", sheets))
    issues = data.issues + validate(data.tables, data.config, data.config_cells, data.locale)
    s = data.settings
    flows = run_flows(data.tables, data.config, s, issues, s.period)
    return close_books(flows, issues, s.materiality, gl_balances(data.tables.get("GL Balances")))


def entries(result, kind):
    return [[(p.account, p.cents, p.origin.address if p.origin else "") for p in e.postings]
            for e in result.journal.entries if e.kind == kind]


def test_invoices_payments_and_revaluation_post_to_their_roles():
    result = close(clean_sheets())
    # INV-1: 500.00 gross with 50.00 tax; Dr receivables, Cr output tax, Cr revenue net
    # INV-2: USD 300 at the 10-01 rate 5.40 = 1,620.00, no tax
    assert entries(result, "AR invoice") == [
        [("1200", 50000, "Invoices!A2"), ("2200", -5000, "Invoices!A2"), ("4000", -45000, "Invoices!A2")],
        [("1200", 162000, "Invoices!A3"), ("4000", -162000, "Invoices!A3")]]
    # B-77: the bill's own Account 4100 takes the net, input tax 25.00
    assert entries(result, "AP bill")[1] == [("1400", 2500, "Invoices!A5"), ("4100", 22500, "Invoices!A5"),
                                             ("2000", -25000, "Invoices!A5")]
    assert entries(result, "Receipt") == [[("1000", 20000, "Payments!E2"), ("1200", -20000, "Payments!E2")],
                                          [("1000", 30000, "Payments!E3"), ("1200", -30000, "Payments!E3")]]
    # INV-2 open at the period end: USD 300 x 5.45 = 1,635.00 against 1,620.00 posted: a 15.00 gain
    assert entries(result, "FX revaluation") == [[("1200", 1500, "Invoices!A3"),
                                                  ("4900", -1500, "Invoices!A3")]]


def test_stock_and_payroll_entries():
    result = close(clean_sheets())
    # SO-1001/1: 10 of SKU-1 at the moving average (100 at 5.00 + 50 at 5.50) = 5.1666.. -> 51.67
    assert entries(result, "COGS")[0] == [("5000", 5167, "Orders!E2"), ("1300", -5167, "Orders!E2")]
    assert entries(result, "Stock receipt")[0] == [("1300", 27500, "'Stock Movements'!B2"),
                                                   ("2100", -27500, "'Stock Movements'!B2")]
    # E001 Ana: gross 5,340.91, INSS 549.24, IRRF 49.82, net 4,741.85; FGTS 8% = 427.27
    assert entries(result, "Payroll")[0] == [("6000", 534091, "Payroll!A2"), ("2300", -54924, "Payroll!A2"),
                                             ("2310", -4982, "Payroll!A2"), ("2330", -474185, "Payroll!A2")]
    assert entries(result, "Employer costs")[0] == [("6100", 42727, "Payroll!A2"),
                                                    ("2340", -42727, "Payroll!A2")]


def test_trial_balance_checklist_and_key_figures():
    result = close(clean_sheets())
    tb = result.trial_balance
    assert tb.debit == tb.credit == 2247452
    assert tb.balance("1200") == 163500  # = the AR aging's functional total
    assert [(c.step, c.status) for c in result.checks] == [
        ("Validation clean", "pass"), ("Every entry balanced", "pass"),
        ("Trial balance debits = credits", "pass"), ("AR aging vs receivables", "n/a"),
        ("AP aging vs payables", "n/a"), ("Stock valuation vs inventory", "n/a"), ("Cut-off", "pass")]
    f = result.figures
    assert (f.revenue, f.cogs, f.gross_margin, f.ar_outstanding, f.ap_outstanding, f.dso,
            f.inventory_value, f.payroll_cost) == (
        Decimal("2070.00"), Decimal("227.17"), Decimal("1842.83"), Decimal("1635.00"),
        Decimal("250.00"), Decimal("24.5"), Decimal("1340.66"), Decimal("17324.18"))


def test_gl_balances_reconcile_within_materiality_and_cut_off_is_listed():
    sheets = clean_sheets()
    sheets["GL Balances"] = [["Account", "Balance"], ["1200", 1635.00], ["2000", -250.01],
                             ["1300", 1340.00]]
    sheets["Config"].append(["Materiality", 0.50])
    append_row(sheets, "Invoices", ["INV-9", "AR", "Acme Ltda", date(2026, 11, 2),
                                    date(2026, 12, 2), 99, 0, "BRL", None])
    result = close(sheets)
    status = {c.step: (c.status, c.detail) for c in result.checks}
    assert status["AR aging vs receivables"][0] == "pass"
    assert status["AP aging vs payables"][0] == "pass"  # 0.01 within 0.50
    assert status["Stock valuation vs inventory"] == (
        "fail", "subledger 1,340.66 vs GL 1,340.00 (account 1300): difference 0.66, materiality 0.5")
    assert status["Cut-off"] == ("pass", "1 invoices dated after 2026-10-31 left out: INV-9")
    assert result.blocked and "INV-9" not in {e.reference for e in result.journal.entries}


def test_the_accounts_sheet_overrides_a_role():
    sheets = clean_sheets()
    sheets["Accounts"] = [["Role", "Account", "Name"], ["revenue", "3.1.01", "Vendas"],
                          ["nonsense", "9", None]]
    result = close(sheets)
    assert result.trial_balance.balance("3.1.01") == -207000
    assert result.flows.postings.chart.name("3.1.01") == "Vendas"
    assert [i.rule for i in result.flows.issues if i.sheet == "Accounts"] == ["accounts.unknown_role"]


def test_beancount_loads_the_ledger_and_its_zero_tolerance_balances_hold():
    result = close(clean_sheets())
    text = beancount_text(result, "BRL")
    entries_, errors, _ = loader.load_string(text)
    assert errors == []
    assert sum(1 for e in entries_ if type(e).__name__ == "Balance") == len(result.trial_balance.rows)
    # one cent off in one assertion is caught: the tolerance is zero
    wrong = text.replace("balance Assets:1200  1635.00", "balance Assets:1200  1635.01")
    assert wrong != text
    assert len(loader.load_string(wrong)[1]) == 1


def test_csv_has_one_line_per_posting():
    result = close(clean_sheets())
    lines = csv_text(result, "BRL").splitlines()
    assert len(lines) == 1 + result.journal.line_count == 51
    assert lines[3] == ("2,2026-10-03,1200,Accounts Receivable,500.00,0.00,BRL,Invoices!A2,INV-1,"
                        "AR invoice: Acme Ltda INV-1")


def _shuffled(sheets, seed):
    rng = random.Random(seed)
    out = {}
    for name, rows in sheets.items():
        body = rows[1:]
        if name != "Config":
            rng.shuffle(body)
        out[name] = [rows[0], *body]
    return out


def _content(result):
    return [(e.number, e.day, e.kind, e.reference, tuple((p.account, p.cents) for p in e.postings))
            for e in result.journal.entries]


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000))
def test_the_same_journal_from_any_order_of_input_rows(seed):
    base = close(clean_sheets())
    other = close(_shuffled(clean_sheets(), seed))
    assert _content(other) == _content(base)
    assert other.trial_balance.rows == base.trial_balance.rows


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(amounts, st.decimals(0, 1, places=3), st.sampled_from(["AR", "AP"]),
                          st.sampled_from(["BRL", "USD"])), min_size=1, max_size=6),
       st.decimals(Decimal("0.001"), Decimal("9.999"), places=4))
def test_every_entry_balances_and_the_trial_balance_nets_to_zero(invoices, end_rate):
    sheets = clean_sheets()
    sheets["FX Rates"].append(["USD", date(2026, 10, 30), end_rate])
    for n, (amount, share, kind, code) in enumerate(invoices):
        tax = (amount * share).quantize(Decimal("0.01"))
        append_row(sheets, "Invoices", [f"P-{n}", kind, "Zeta", date(2026, 10, 9),
                                        date(2026, 11, 9), amount, tax, code, None])
        append_row(sheets, "Payments", [date(2026, 10, 12), kind, "Zeta", f"P-{n}",
                                        (amount / 3).quantize(Decimal("0.01")), code])
    result = close(sheets)
    assert result.journal.unbalanced() == []
    assert all(sum(p.cents for p in e.postings) == 0 for e in result.journal.entries)
    assert sum(r.balance for r in result.trial_balance.rows) == 0
    assert result.trial_balance.balance("1200") == int(result.figures.ar_outstanding * 100)


if __name__ == "__main__":  # pragma: no cover
    pytest.main([__file__])
