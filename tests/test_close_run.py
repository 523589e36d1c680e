"""`close` and `process all` as runs of steps: the close runs validate, every flow's step, then
close, in one session; the close posts what the flow steps computed in that run (the engines run
once per run, RunInputs.memo), so the journal matches the flows' sheets."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rulebook import clean_sheets

import addin.jobs
import engine.flows
import engine.payroll_run
from addin.commands import COMMANDS
from addin.jobs import Context
from workbooks.memory import MemoryWorkbook


def _counting(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, calls: list[str]) -> None:
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, counted)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every engine pass of a flow made during the test, by name."""
    made: list[str] = []
    _counting(monkeypatch, engine.payroll_run, "process_payroll", made)
    _counting(monkeypatch, engine.flows, "process_payroll", made)
    _counting(monkeypatch, addin.jobs, "process_invoices", made)
    _counting(monkeypatch, engine.flows, "age", made)
    _counting(monkeypatch, addin.jobs, "process_stock", made)
    _counting(monkeypatch, engine.flows, "process_stock", made)
    return made


def _run(command: str) -> tuple[MemoryWorkbook, list[Any]]:
    book = MemoryWorkbook("book.xlsx", clean_sheets())
    ctx = Context("tester", "host", datetime(2026, 11, 2, tzinfo=UTC))
    return book, [step.run(book, ctx) for step in COMMANDS[command].steps]


def test_close_runs_validate_the_flows_then_close():
    assert [s.action for s in COMMANDS["close"].steps] == [
        "validate", *[s.action for s in COMMANDS["process all"].steps], "close"]
    assert [s.action for s in COMMANDS["process all"].steps] == [
        "process orders", "process stock", "process invoices", "process payroll"]


def test_the_close_reuses_the_flow_steps_engine_passes(calls):
    _book, results = _run("close")
    assert [r.command for r in results] == ["validate", "process orders", "process stock",
                                            "process invoices", "process payroll", "close"]
    # once each, none again
    assert sorted(calls) == ["process_invoices", "process_payroll", "process_stock"]
    closing = results[-1]
    assert closing.summary["closed"] is True
    # the journal posts the payroll the payroll step wrote on its register
    assert str(closing.summary["figures"]["payroll_cost"]) == \
        results[4].summary["total_cost"]
    # and the stock the stock step valued
    assert str(closing.summary["figures"]["inventory_value"]) == \
        results[2].summary["closing_value"]


def test_a_close_alone_computes_each_flow_once(calls):
    from addin.close_jobs import close_job

    book = MemoryWorkbook("book.xlsx", clean_sheets())
    ctx = Context("tester", "host", datetime(2026, 11, 2, tzinfo=UTC))
    assert close_job(book, ctx).summary["closed"] is True
    # engine.flows computes what no step did
    assert sorted(calls) == ["age", "process_payroll", "process_stock"]
